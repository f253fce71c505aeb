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
# # 04 · AST: solutions
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/audio-classification-course/audio-classification-course/blob/main/solutions/04_ast_patching_solutions.ipynb)
#
# Worked solutions to the exercises of [notebook 04](../notebooks/04_ast_patching.ipynb). Try each exercise
# there first: the check tells you what is wrong and gives a hint. Each solution below passes the same check.

# %%
# Setup: in Colab, install the course package; locally this does nothing.
import sys
if "google.colab" in sys.modules:
    # %pip install -q "course-utils @ git+https://github.com/audio-classification-course/audio-classification-course@main"

# %%
import torch

from course_utils.exercises import check

# %% [markdown]
# ## The patch grid
#
# A 16-wide window moved by 10 fits `(n - 16) // 10 + 1` times over n positions: once over the mel
# bins, once over the frames. A 5-s clip (498 frames, 128 bins) gives 12 x 49 patches; the AudioSet
# model's 1024 frames give 12 x 101.

# %%
def my_patch_grid(num_frames: int, num_mel_bins: int) -> tuple[int, int]:
    return (num_mel_bins - 16) // 10 + 1, (num_frames - 16) // 10 + 1


print(my_patch_grid(498, 128), my_patch_grid(1024, 128))
assert check("04.patch_grid", my_patch_grid).passed

# %% [markdown]
# ## How long is the sequence?
#
# Three steps. Frames: the fbank slides a 400-sample window (25 ms) by 160 samples (10 ms) with no
# padding, so it fits `1 + (num_samples - 400) // 160` times, the convolution formula once more. Patches:
# the grid of the exercise above, over 128 mel bins and that many frames. Tokens: the patches plus
# `[CLS]` and `[DIST]`. Only the time axis grows with the clip, by one column of 12 patches per 100 ms,
# so the sequence grows linearly.

# %%
def num_tokens(num_samples: int) -> int:
    frames = 1 + (num_samples - 400) // 160              # Kaldi frames: the last window fits inside the clip
    f, t = (128 - 16) // 10 + 1, (frames - 16) // 10 + 1  # the patch grid
    return 2 + f * t                                      # [CLS] and [DIST] in front


for seconds in (1, 5, 10):
    print(f"{seconds:2d} s: {num_tokens(seconds * 16000)} tokens")
assert check("04.num_tokens", num_tokens).passed

# %% [markdown]
# ## Summary
#
# - A patch grid is the convolution formula applied twice, once per axis.
# - The sequence is 2 + (frequency patches × time patches) tokens; the frames come from the same formula
#   applied to the samples, so the token count grows linearly with the clip.
#
# **Next:** [notebook 05](../notebooks/05_wav2vec2_sequence_classification.ipynb).
