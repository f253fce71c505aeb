"""Notebook 02: the STFT's frame count; decibels with a floor, clip by clip."""

import torch


def frame_count(num_samples, n_fft, hop_length, center):
    if center:
        num_samples += 2 * (n_fft // 2)
    return 1 + (num_samples - n_fft) // hop_length


def power_to_db(power, top_db):
    db = 10 * torch.log10(torch.clamp(power, min=1e-10))
    if top_db is not None:
        loudest = db.amax(dim=(-2, -1), keepdim=True)  # one peak per clip: (..., 1, 1)
        db = torch.maximum(db, loudest - top_db)
    return db


def _db(p):
    return 10 * torch.log10(p.clamp(min=1e-10))


SOLUTIONS = {"02.frame_count": frame_count, "02.power_to_db": power_to_db}
WRONG = {
    "02.frame_count": [lambda n, f, h, c: 0, lambda n, f, h, c: n // h, lambda n, f, h, c: 1 + (n - f) // h],
    "02.power_to_db": [
        lambda p, t: torch.zeros_like(p), lambda p, t: p,                                 # zeros, input unchanged
        lambda p, t: _db(p),                                                              # no top_db floor
        lambda p, t: 20 * torch.log10(p.clamp(min=1e-10)),                                # amplitude dB
        lambda p, t: _db(p) if t is None else torch.maximum(_db(p), _db(p).max() - t),   # one peak for the batch
        lambda p, t: _db(p) if t is None else torch.maximum(_db(p), _db(p).amax(-2, keepdim=True) - t),  # wrong axis
        lambda p, t: _db(p) if t is None else _db(p).clamp(min=-t),                      # floor at -top_db
        lambda p, t: 10 * torch.log10(p) if t is None else torch.maximum(10 * torch.log10(p),
                                                                        10 * torch.log10(p).amax((-2, -1), True) - t),
    ],
}
