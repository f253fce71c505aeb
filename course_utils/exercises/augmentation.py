"""Notebook 07's exercises: a vertical shift with silence fill, noise mixed in at a given SNR."""

from __future__ import annotations

import math

import torch

from .core import Exercise

__all__ = ["EXERCISES"]


# ----------------------------------------------------------------------------
# 07.silence_shift: move a log-mel up or down, fill the emptied rows with the clip's floor


def _note_log_mel() -> torch.Tensor:
    """A log-mel (32, 26) in dB of a 0.5-s note with five harmonics at 220 Hz: harmonics over a deep floor."""
    from course_utils.features import log_mel_spectrogram

    t = torch.arange(8000) / 16000  # (8000,): 0.5 s at 16 kHz
    note = sum(torch.sin(2 * math.pi * 220 * k * t) / k for k in range(1, 6)) * torch.exp(-4 * t)
    return log_mel_spectrogram(note, n_mels=32, hop_length=320)  # (32, 26), dB


def _shift_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(7)
    noisy = torch.rand(16, 10, generator=g) * 70 - 60  # (16, 10): levels between -60 and +10 dB
    note = _note_log_mel()
    return [(note, -8), (note, 5), (noisy, 3), (noisy, -1), (note, 0)]


def _shift_reference(spec: torch.Tensor, shift: int) -> torch.Tensor:
    from course_utils.augment import vertical_roll

    return vertical_roll(spec, shift, mode="silence")


def _shift_rows(spec: torch.Tensor, shift: int, fill: torch.Tensor | float, dim: int = 0) -> torch.Tensor:
    """A known wrong answer's helper: move `spec` by `shift` along `dim`, `fill` in the emptied places."""
    out = torch.roll(spec, shift, dims=dim)
    n = spec.shape[dim]
    emptied = torch.arange(n)[:shift] if shift > 0 else torch.arange(n)[n + shift:] if shift < 0 else torch.arange(0)
    index = [slice(None)] * spec.dim()
    index[dim] = emptied
    filled = torch.as_tensor(fill, dtype=spec.dtype).expand_as(spec)
    out[tuple(index)] = filled[tuple(index)]
    return out


# ----------------------------------------------------------------------------
# 07.mix_at_snr: scale a given noise so that the clip's SNR is snr_db, and add it


def _mix_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(3)
    t = torch.arange(4000) / 16000
    # three examples at very different levels: loud, quiet, in between (the power is per example)
    signal = torch.stack([0.5 * torch.sin(2 * math.pi * 440 * t), 0.02 * torch.sin(2 * math.pi * 300 * t),
                          0.2 * torch.sin(2 * math.pi * 660 * t) * torch.exp(-8 * t)])  # (3, 4000)
    white = 0.3 * torch.randn(3, 4000, generator=g)  # not at unit power: the answer must measure it
    from course_utils.augment import colored_noise

    pink = 2.0 * colored_noise((3, 4000), "pink", generator=g)
    return [(signal, white, 20.0), (signal, pink, 0.0), (signal[1:], white[:2], -5.0), (signal, pink, 10.0)]


def _power(x: torch.Tensor) -> torch.Tensor:
    return x.double().pow(2).mean(-1, keepdim=True)  # (batch, 1): mean square over the samples


def _mix_reference(signal: torch.Tensor, noise: torch.Tensor, snr_db: float) -> torch.Tensor:
    """`add_noise`'s level for this signal and SNR, given to the learner's noise.

    `add_noise` scales unit-power noise to the level the SNR asks for; what it added,
    measured back, is that level. The given noise is brought to unit power and scaled to it.
    """
    from course_utils.augment import add_noise

    added = add_noise(signal, float(snr_db), generator=torch.Generator().manual_seed(0)) - signal  # (batch, samples)
    level = _power(added).sqrt()  # (batch, 1): the noise rms add_noise chose
    return (signal.double() + noise.double() / _power(noise).sqrt() * level).float()


def _compare_mix(got, expected: torch.Tensor, case: tuple) -> str | None:
    """Agree when the noise added matches to 0.1 % of its level; else say how it differs (in dB, not values)."""
    signal, noise, _ = case
    if not torch.is_tensor(got):
        return f"it returned a {type(got).__name__}, not a tensor"
    if tuple(got.shape) != tuple(expected.shape):
        return f"it returned shape {tuple(got.shape)}; the mix has the signal's shape {tuple(expected.shape)}"
    if not torch.isfinite(got).all():
        return "it returned NaN or infinite values"
    want, added = (expected - signal).double(), (got - signal).double()  # the noise to add, and the noise added
    error = _power(added - want).sqrt() / _power(want).sqrt()  # (batch, 1)
    if error.max() < 1e-3:
        return None
    if _power(added).max() < 1e-20:
        return "nothing was added: it returned the signal unchanged"
    unit = noise.double() / _power(noise).sqrt()
    along = (added * unit).mean(-1, keepdim=True)  # (batch, 1): how much of the given noise is in what was added
    if (_power(added - along * unit).sqrt() > 1e-3 * _power(added).sqrt()).any():
        return "what it added is not the given noise times one number per example (add the signal and the scaled noise)"
    if (along < 0).any():
        return "it subtracted the noise (or scaled it by a negative number)"
    off_db = (10 * torch.log10(_power(added) / _power(want))).flatten()  # (batch,)
    if (off_db > 0).all() or (off_db < 0).all():
        return f"the noise it added is too {'loud' if off_db[0] > 0 else 'quiet'}, by about {abs(off_db[0]):.1f} dB " \
               f"in the first example"
    return "the noise level is right in some examples and wrong in others"


def _wrong_mix(snr_to_factor, power_axis=-1, normalise_noise: bool = True, root: bool = True):
    """A known wrong answer: signal + noise scaled by signal power / factor, with one thing done wrong."""
    def mix(signal, noise, snr_db):
        p_signal = signal.pow(2).mean(power_axis, keepdim=True) if power_axis is not None else signal.pow(2).mean()
        unit = noise / noise.pow(2).mean(-1, keepdim=True).sqrt() if normalise_noise else noise
        scale = p_signal / snr_to_factor(snr_db)
        return signal + unit * (scale.sqrt() if root else scale)
    return mix


EXERCISES: dict[str, Exercise] = {
    "07.silence_shift": Exercise(
        title="move a log-mel up or down by some mel bins, filling the emptied rows with the clip's floor",
        reference=_shift_reference, cases=_shift_cases,
        hint="start from a picture full of the floor (spec.min(), the quietest value of the whole clip), then copy "
             "the rows across: with shift > 0, row i goes to row i + shift and the bottom `shift` rows stay floor",
        mistakes=[("wraps", lambda s, k: torch.roll(s, k, dims=0),
                   "the rows pushed off one edge came back at the other: that is mode=\"roll\", the wrap artefact; "
                   "fill the emptied rows with the floor instead"),
                  ("zero fill", lambda s, k: _shift_rows(s, k, 0.0),
                   "you filled with zeros: on a log-mel in dB, 0 is a loud level, not silence; use the clip's floor"),
                  ("time axis", lambda s, k: _shift_rows(s, k, s.min(), dim=1),
                   "you moved the picture along time (axis 1); a vertical shift moves the mel bins (axis 0)"),
                  ("wrong sign", lambda s, k: _shift_rows(s, -k, s.min()),
                   "it moved the other way: a positive shift moves the picture up, to higher mel bins "
                   "(row i goes to row i + shift)"),
                  ("floor per frame", lambda s, k: _shift_rows(s, k, s.min(0, keepdim=True).values.expand_as(s)),
                   "you filled each frame with its own minimum; the floor is one number, the quietest value of the "
                   "whole picture")]),
    "07.mix_at_snr": Exercise(
        title="add a given noise to each clip at a signal-to-noise ratio of snr_db decibels",
        reference=_mix_reference, cases=_mix_cases, compare=_compare_mix,
        hint="per example (over the samples, axis -1): P_signal and P_noise are mean squares; the noise must end at "
             "power P_signal / 10 ** (snr_db / 10), so multiply it by sqrt(P_signal / 10 ** (snr_db / 10) / P_noise)",
        mistakes=[("amplitude dB", _wrong_mix(lambda s: 10 ** (s / 20)),
                   "you divided the power by 10 ** (snr_db / 20): an SNR in dB compares powers, so it is "
                   "10 ** (snr_db / 10) for powers (20 is for amplitudes)"),
                  ("no square root", _wrong_mix(lambda s: 10 ** (s / 10), root=False),
                   "you scaled the noise's amplitude by a power; amplitudes scale by the square root of the power"),
                  ("noise taken as unit power", _wrong_mix(lambda s: 10 ** (s / 10), normalise_noise=False),
                   "the given noise is not at unit power: divide it by its own rms too (the square root of its power, "
                   "per example)"),
                  ("power over the batch", _wrong_mix(lambda s: 10 ** (s / 10), power_axis=None),
                   "you measured the signal's power over the whole batch; each example has its own, over its own "
                   "samples (axis -1)"),
                  ("wrong sign", _wrong_mix(lambda s: 10 ** (-s / 10)),
                   "the higher the SNR, the quieter the noise: divide the signal's power by 10 ** (snr_db / 10)")]),
}
