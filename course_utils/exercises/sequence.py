"""Notebook 05's exercises: pooling with a mask, wav2vec2-base's frame count."""

from __future__ import annotations

import torch

from .core import Exercise

__all__ = ["EXERCISES"]


def _pool_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(0)
    hidden = torch.randn(3, 7, 4, generator=g)
    mask = torch.tensor([[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0, 0], [1, 1, 0, 0, 0, 0, 0]])
    return [(hidden, mask), (hidden[:1], mask[:1]), (torch.randn(2, 5, 3, generator=g), torch.tensor([[1, 1, 1, 0, 0],
                                                                                                       [1, 0, 0, 0, 0]]))]


def _pool_reference(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    from course_utils.models.heads import masked_mean_pool

    return masked_mean_pool(hidden, mask)


def _wav2vec2_frame_cases() -> list[tuple]:
    return [(16000,), (400,), (48000,), (12345,), (1000,)]


def _wav2vec2_frame_reference(num_samples: int) -> int:
    from transformers import Wav2Vec2Config

    from course_utils.models.wav2vec2 import num_frames

    config = Wav2Vec2Config()  # wav2vec2-base's encoder: kernels (10, 3, 3, 3, 3, 2, 2), strides (5, 2, 2, 2, 2, 2, 2)
    return int(num_frames(config, num_samples))


EXERCISES: dict[str, Exercise] = {
    "05.masked_mean": Exercise(
        title="mean-pool hidden states (B, T, D) over the real frames only",
        reference=_pool_reference, cases=_pool_cases,
        hint="multiply by the mask (B, T, 1) before summing over time, and divide by the number of real frames",
        mistakes=[("ignores the mask", lambda h, m: h.mean(1),
                   "you averaged the padding too: padded frames must not count (use the mask)"),
                  ("wrong axis", lambda h, m: (h * m[..., None]).sum(2) / m.sum(1, keepdim=True),
                   "you summed over the feature axis; pooling is over time, axis 1"),
                  ("divides by T", lambda h, m: (h * m[..., None]).sum(1) / h.shape[1],
                   "you divided by all T frames; divide by each clip's number of real frames")]),
    "05.wav2vec2_frames": Exercise(
        title="how many encoder frames wav2vec2-base makes from a clip",
        reference=_wav2vec2_frame_reference, cases=_wav2vec2_frame_cases,
        hint="apply the convolution formula L -> (L - kernel) // stride + 1 once per layer, kernels "
             "(10, 3, 3, 3, 3, 2, 2) and strides (5, 2, 2, 2, 2, 2, 2)",
        mistakes=[("divides by the stride", lambda n: n // 320,
                   "n // 320 is the frame rate, but each convolution also loses (kernel - 1) samples at the edge")]),
}
