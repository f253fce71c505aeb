"""Notebook 09: pick the recipe on validation; per-class recall."""

import torch


def pick_recipe(validation, test):
    means = {recipe: sum(accs) / len(accs) for recipe, accs in validation.items()}
    return max(means, key=means.get)


def per_class_recall(predictions, targets, num_classes):
    recall = torch.zeros(num_classes)
    for c in range(num_classes):
        mine = targets == c                                   # the clips of class c
        recall[c] = (predictions[mine] == c).float().mean()
    return recall


SOLUTIONS = {"09.pick_recipe": pick_recipe, "09.per_class_recall": per_class_recall}
WRONG = {
    "09.pick_recipe": [
        lambda v, t: max(t, key=lambda r: sum(t[r])),                 # picked on test
        lambda v, t: max(v, key=lambda r: max(v[r])),                 # best single seed
        lambda v, t: max(v, key=lambda r: sum(v[r]) + sum(t[r])),     # validation and test together
        lambda v, t: min(v, key=lambda r: sum(v[r])),                 # the worst
        lambda v, t: next(iter(v)), lambda v, t: list(v)[-1],         # a constant position
        lambda v, t: max(v, key=lambda r: sum(v[r])).upper(),         # not a recipe's name
        lambda v, t: 0,
    ],
    "09.per_class_recall": [
        lambda p, t, c: torch.zeros(c), lambda p, t, c: torch.ones(c),
        lambda p, t, c: torch.stack([(p[p == k] == t[p == k]).float().mean().nan_to_num(0) for k in range(c)]),  # precision
        lambda p, t, c: torch.bincount(t[p == t], minlength=c).float(),                     # counts, not shares
        lambda p, t, c: (p == t).float().mean().repeat(c),                                  # overall accuracy
        lambda p, t, c: torch.bincount(t, minlength=c).float() / len(t),                    # class shares
        lambda p, t, c: torch.nn.functional.one_hot(p, c).float().mean(0),                  # predicted shares
        lambda p, t, c: (p == t).float(),                                                   # per clip, not per class
    ],
}
