# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 07 · Augmentation pitfalls: solutions
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/audio-classification-course/audio-classification-course/blob/main/solutions/07_augmentation_pitfalls_solutions.ipynb)
#
# Worked solutions to the exercises of [notebook 07](../notebooks/07_augmentation_pitfalls.ipynb). Try each exercise
# there first: the check tells you what is wrong and gives a hint. Each solution below passes the same check.

# %%
# Setup: in Colab, install the course package; locally this does nothing.
import sys
if "google.colab" in sys.modules:
    # %pip install -q "course-utils @ git+https://github.com/audio-classification-course/audio-classification-course@main"

# %%
import math

import torch

from course_utils.exercises import check

# %% [markdown]
# ## Shift a log-mel with silence fill
#
# Start from a picture that is all floor, the quietest value of the whole clip (in dB, the level `top_db` clamps
# to), then copy the rows that stay in the picture to their new place: with `shift > 0`, row `i` goes to row
# `i + shift`, and the bottom `shift` rows keep the floor; with `shift < 0` the top rows do. So after a shift of
# -8 (down), the top 8 rows hold the floor. Zeros would not do: on a log-mel, 0 dB is a level, and a loud one.

# %%
def shift_with_silence(spec: torch.Tensor, shift: int) -> torch.Tensor:
    out = torch.full_like(spec, spec.min().item())  # (n_mels, frames): all floor
    n = spec.shape[0]
    if shift >= 0:
        out[shift:] = spec[:n - shift]  # row i -> row i + shift; the top `shift` rows fall off
    else:
        out[:n + shift] = spec[-shift:]  # row i -> row i + shift; the bottom rows fall off
    return out


spec = torch.arange(6.0)[:, None].expand(6, 3) - 60  # (6, 3): row i is at i - 60 dB
print(shift_with_silence(spec, -2)[:, 0].tolist())  # moved down by 2: the top 2 rows are the floor
assert check("07.silence_shift", shift_with_silence).passed

# %% [markdown]
# ## Mix a noise recording in at a given SNR
#
# SNR in dB compares powers: `SNR = 10 log10(P_signal / P_noise)`, each the mean square over an example's samples.
# So the noise must end at power `P_signal / 10 ** (snr_db / 10)`. The given noise has power `P_noise` of its own;
# multiplying it by `g` multiplies its power by `g²`, so `g = sqrt(P_signal / 10 ** (snr_db / 10) / P_noise)`,
# one `g` per example (every example has its own loudness). Going from 20 dB to 10 dB makes the noise ten times
# more powerful, and its amplitude the square root of ten times larger (printed below).

# %%
def mix_at_snr(signal: torch.Tensor, noise: torch.Tensor, snr_db: float) -> torch.Tensor:
    p_signal = signal.pow(2).mean(dim=-1, keepdim=True)  # (batch, 1)
    p_noise = noise.pow(2).mean(dim=-1, keepdim=True)    # (batch, 1)
    gain = torch.sqrt(p_signal / 10 ** (snr_db / 10) / p_noise)
    return signal + gain * noise


g = torch.Generator().manual_seed(0)
t = torch.arange(16000) / 16000
signal = torch.stack([0.5 * torch.sin(2 * math.pi * 440 * t), 0.01 * torch.sin(2 * math.pi * 440 * t)])  # (2, 16000)
rain = 0.2 * torch.randn(2, 16000, generator=g)  # a "recording" at its own level
for snr in (20.0, 10.0):
    noise_added = mix_at_snr(signal, rain, snr) - signal
    achieved = 10 * torch.log10(signal.pow(2).mean(-1) / noise_added.pow(2).mean(-1))
    rms = noise_added.pow(2).mean(-1).sqrt()
    print(f"asked for {snr:g} dB: achieved " + ", ".join(f"{a:.2f}" for a in achieved.tolist())
          + " dB; noise rms " + ", ".join(f"{r:.4f}" for r in rms.tolist()))
print(f"amplitude factor from 20 dB to 10 dB: {10 ** (10 / 20):.2f}")
assert check("07.mix_at_snr", mix_at_snr).passed

# %% [markdown]
# ## Summary
#
# - A vertical shift on a log spectrogram fills what it empties with the clip's floor: silence in decibels.
# - An SNR is a ratio of powers, measured per example: scale the noise by the square root of the power ratio.
#
# **Next:** [notebook 08](../notebooks/08_choosing_a_model.ipynb).
