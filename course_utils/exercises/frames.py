"""Notebook 06's exercises: a median filter for frame probabilities."""

from __future__ import annotations

import torch

from .core import Exercise


def _median_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(1)
    probs = torch.rand(20, 2, generator=g)
    spike = torch.zeros(12, 1)
    spike[5] = 1.0
    return [(probs, 3), (probs, 5), (spike, 3), (probs, 1)]


def _median_reference(probs: torch.Tensor, kernel_size: int) -> torch.Tensor:
    from course_utils.postprocess import median_filter

    return median_filter(probs, kernel_size)


EXERCISES: dict[str, Exercise] = {
    "06.median_filter": Exercise(
        title="a median filter along time, per class",
        reference=_median_reference, cases=_median_cases,
        hint="for each frame, the median of the kernel_size frames centred on it; at the edges, repeat the "
             "first and last frame (replicate padding) so the output keeps its length",
        mistakes=[("unchanged", lambda p, k: p, "the output is the input unchanged"),
                  ("mean", lambda p, k: torch.nn.functional.avg_pool1d(
                      torch.nn.functional.pad(p.T[None], (k // 2, k // 2), mode="replicate"), k, 1)[0].T,
                   "that is a moving average: a single spike survives it, smeared; the median removes it")]),
}
