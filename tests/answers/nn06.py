"""Notebook 06: a median filter for frame probabilities."""

import torch


def median_filter(probs, kernel_size):
    half = kernel_size // 2
    padded = torch.cat([probs[:1].expand(half, -1), probs, probs[-1:].expand(half, -1)])  # (T + 2 half, C)
    return torch.stack([padded[t:t + kernel_size].median(0).values for t in range(probs.shape[0])])


SOLUTIONS = {"06.median_filter": median_filter}
WRONG = {"06.median_filter": [lambda p, k: p, lambda p, k: torch.zeros_like(p), lambda p, k: p.median(0).values,
                              lambda p, k: p.T]}
