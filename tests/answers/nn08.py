"""Notebook 08: the z of a gap between two models, and the rule for "this model learned the task"."""

import math

import torch


def z_gap(a, b):
    a, b = torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64)
    spread = math.sqrt(a.std().item() ** 2 + b.std().item() ** 2)   # torch.std: n - 1
    return (a.mean().item() - b.mean().item()) / spread


def learned(accuracies, num_classes):
    n = len(accuracies)
    mean = sum(accuracies) / n
    std = math.sqrt(sum((x - mean) ** 2 for x in accuracies) / (n - 1))
    return (mean - 1 / num_classes) / std > 2


SOLUTIONS = {"08.z_gap": z_gap, "08.learned": learned}
WRONG = {
    "08.z_gap": [
        lambda a, b: 0.0,                                                   # a constant
        lambda a, b: sum(a) / len(a) - sum(b) / len(b),                     # the gap alone
        lambda a, b: -z_gap(a, b),                                          # wrong sign
        lambda a, b: z_gap(a, b) * math.sqrt((len(a) - 1) / len(a)),        # off by one in the std (roughly)
        lambda a, b: (torch.tensor(a).mean() - torch.tensor(b).mean()).item()
        / math.sqrt(torch.tensor(a).std(unbiased=False) ** 2 + torch.tensor(b).std(unbiased=False) ** 2),  # n, not n - 1
        lambda a, b: (sum(a) / len(a) - sum(b) / len(b)) / (torch.tensor(a).std() + torch.tensor(b).std()).item(),
        lambda a, b: (sum(a) / len(a) - sum(b) / len(b)) / torch.tensor(a).std().item(),  # a's spread only
        lambda a, b: z_gap(b, a),                                           # arguments swapped
    ],
    "08.learned": [
        lambda acc, k: True,                                                # a constant
        lambda acc, k: False,
        lambda acc, k: sum(acc) / len(acc) > 1 / k,                         # ignores the spread
        lambda acc, k: abs((sum(acc) / len(acc) - 1 / k) / torch.tensor(acc).std().item()) > 2,  # |z|
        lambda acc, k: (sum(acc) / len(acc) - 1 / k) / torch.tensor(acc).std(unbiased=False).item() > 2,  # n
        lambda acc, k: (sum(acc) / len(acc) - 0.5) / torch.tensor(acc).std().item() > 2,  # chance taken as one half
        lambda acc, k: (sum(acc) / len(acc) - 1 / k) > 2,                   # no division
        lambda acc, k: (sum(acc) / len(acc) - 1 / k) / torch.tensor(acc).std().item(),  # a number, not a verdict
    ],
}
