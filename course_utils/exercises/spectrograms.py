"""Notebook 02's exercises: the STFT's frame count; decibels with a floor, clip by clip."""

from __future__ import annotations

import torch

from .core import Exercise

__all__ = ["EXERCISES"]


def _frame_cases() -> list[tuple]:
    return [(16000, 400, 160, True), (16000, 400, 160, False), (8000, 512, 128, True), (1000, 400, 100, False),
            (401, 400, 160, False)]


def _frame_reference(num_samples: int, n_fft: int, hop_length: int, center: bool) -> int:
    from course_utils.features import frame_signal

    return int(frame_signal(torch.zeros(num_samples), n_fft, hop_length, center=center).shape[0])


def _db_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(2)
    power = 10 ** (torch.rand(3, 6, 8, generator=g, dtype=torch.float64) * 12 - 10)  # (clips, freqs, frames): 1e-10..1e2
    power[1] *= 1e-4         # a quiet clip: its floor must sit below the loud clips' floors
    power[2, :, :2] = 0.0    # two silent frames: amin keeps them finite
    return [(power, 80.0), (power, 30.0), (power[0], 60.0), (power, None)]


def _db_reference(power: torch.Tensor, top_db: float | None) -> torch.Tensor:
    from course_utils.features import power_to_db

    return power_to_db(power, top_db=top_db)  # ref 1.0, amin 1e-10


def _db(power: torch.Tensor) -> torch.Tensor:
    return 10 * torch.log10(power.clamp(min=1e-10))


def _floor_each_row(power, top_db):
    db = _db(power)
    return db if top_db is None else torch.maximum(db, db.amax(-1, keepdim=True) - top_db)


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
    "02.power_to_db": Exercise(
        title="power to decibels, floored top_db below each clip's loudest cell",
        reference=_db_reference, cases=_db_cases,
        hint="10 · log10 of the power clamped at 1e-10; then, unless top_db is None, raise every cell to at least "
             "(the clip's loudest cell − top_db), the peak taken over the last two axes (frequency, time) of each clip",
        mistakes=[("amplitude dB", lambda p, t: 2 * _db_reference(p, None if t is None else t / 2),
                   "20 · log10 is for amplitudes; a power spectrogram (|X|², already squared) takes 10 · log10"),
                  ("no floor", lambda p, t: _db(p),
                   "you left out the top_db floor: cells more than top_db below the clip's loudest must be raised "
                   "to that level"),
                  ("floor at -top_db", lambda p, t: _db(p) if t is None else _db(p).clamp(min=-t),
                   "you floored at −top_db dB; the floor is top_db below the clip's own loudest cell"),
                  ("one peak for the batch", lambda p, t: _db(p) if t is None else torch.maximum(_db(p), _db(p).max() - t),
                   "you took one peak over the whole batch (as torchaudio's AmplitudeToDB does for 3-D input); each "
                   "clip gets its own peak, so a quiet clip is not flattened by a loud one"),
                  ("a peak per row", _floor_each_row,
                   "you took a peak per frequency row (the wrong axis); the peak is over the whole clip: frequency "
                   "and time")]),
}
