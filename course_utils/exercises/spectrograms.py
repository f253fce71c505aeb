"""Notebook 02's exercises: the STFT's frame count."""

from __future__ import annotations

import torch

from .core import Exercise


def _frame_cases() -> list[tuple]:
    return [(16000, 400, 160, True), (16000, 400, 160, False), (8000, 512, 128, True), (1000, 400, 100, False),
            (401, 400, 160, False)]


def _frame_reference(num_samples: int, n_fft: int, hop_length: int, center: bool) -> int:
    from course_utils.features import frame_signal

    return int(frame_signal(torch.zeros(num_samples), n_fft, hop_length, center=center).shape[0])


EXERCISES: dict[str, Exercise] = {
    "02.frame_count": Exercise(
        title="how many frames does the STFT cut from a clip?",
        reference=_frame_reference, cases=_frame_cases,
        hint="without centring, a frame must fit inside the clip: count the hops after the first frame; "
             "centring pads n_fft // 2 samples on each side first",
        mistakes=[("no first frame", lambda n, f, h, c: (n + (f if c else 0) - f) // h,
                   "off by one: you counted the hops but not the first frame"),
                  ("ignores centring", lambda n, f, h, c: 1 + (n - f) // h,
                   "right without centring, but `center=True` pads the clip first: the cases with center=True differ")]),
}
