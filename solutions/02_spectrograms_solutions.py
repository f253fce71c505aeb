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
# # 02 · Spectrograms: solutions
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/audio-classification-course/audio-classification-course/blob/main/solutions/02_spectrograms_solutions.ipynb)
#
# Worked solutions to the exercises of [notebook 02](../notebooks/02_spectrograms.ipynb). Try each
# exercise there first: the check tells you what is wrong and gives a hint. Each solution below
# passes the same check.

# %%
# Setup: in Colab, install the course package; locally this does nothing.
import sys
if "google.colab" in sys.modules:
    # %pip install -q "course-utils @ git+https://github.com/audio-classification-course/audio-classification-course@main"

# %%
import torch

from course_utils.exercises import check

# %% [markdown]
# ## How many frames?
#
# Without centring, the first frame takes `n_fft` samples and every further frame needs `hop_length`
# new ones that still fit inside the clip: `1 + (num_samples - n_fft) // hop_length`. Centring pads
# `n_fft // 2` samples on each side first, so the same count runs over `num_samples + 2 * (n_fft // 2)`
# samples; for an even `n_fft` that is `1 + num_samples // hop_length`, the formula notebook 02 printed.
# One second at 16 kHz with a 25 ms frame every 10 ms: 101 frames centred, 98 without.

# %%
def frame_count(num_samples: int, n_fft: int, hop_length: int, center: bool) -> int:
    if center:
        num_samples += 2 * (n_fft // 2)
    return 1 + (num_samples - n_fft) // hop_length


print(frame_count(16000, 400, 160, True), frame_count(16000, 400, 160, False))
assert check("02.frame_count", frame_count).passed

# %% [markdown]
# ## Decibels, clip by clip
#
# `10 · log10` of the power, clamped at `1e-10` first so that silence gives a finite number (-100 dB)
# instead of minus infinity. The floor is relative: each clip's loudest cell, minus `top_db`. Taking
# that peak with `amax` over the last two axes (`keepdim=True`, so it broadcasts back over frequency
# and time) gives every clip of a batch its own peak. With one peak for the whole batch, a clip much
# quieter than the others would sit entirely below the floor: every cell raised to the same value, a
# flat picture. The cell below shows it on two clips, the second 60 dB quieter than the first.

# %%
def my_power_to_db(power: torch.Tensor, top_db: float | None) -> torch.Tensor:
    db = 10 * torch.log10(torch.clamp(power, min=1e-10))          # (..., freq, frames)
    if top_db is not None:
        loudest = db.amax(dim=(-2, -1), keepdim=True)             # (..., 1, 1): each clip's peak
        db = torch.maximum(db, loudest - top_db)
    return db


gen = torch.Generator().manual_seed(0)
loud = 10 ** (torch.rand(1, 8, 10, generator=gen) * 6 - 4)        # (1, freq, frames): -40 to +20 dB
batch = torch.cat([loud, loud * 1e-6])                             # the same clip, 60 dB quieter
per_clip = my_power_to_db(batch, 30.0)
one_peak = torch.maximum(10 * torch.log10(batch), 10 * torch.log10(batch).max() - 30.0)
print("distinct values in the quiet clip: per-clip floor", per_clip[1].unique().numel(),
      "| one peak for the batch", one_peak[1].unique().numel())
assert check("02.power_to_db", my_power_to_db).passed

# %% [markdown]
# ## Summary
#
# - A frame count is arithmetic on the clip length, the frame and the hop; centring adds `n_fft // 2` on each side.
# - Decibels are `10 · log10` of a power, with a floor (`amin`) for silence and a `top_db` floor measured from each
#   clip's own peak, never from the whole batch's.
#
# **Next:** [notebook 03](../notebooks/03_cnn_on_spectrograms.ipynb), a CNN on these spectrograms.
