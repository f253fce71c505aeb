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
# ## Summary
#
# - A frame count is arithmetic on the clip length, the frame and the hop; centring adds `n_fft // 2` on each side.
#
# **Next:** [notebook 03](../notebooks/03_cnn_on_spectrograms.ipynb), a CNN on these spectrograms.
