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
# # 05 · Wav2Vec2 sequence classification: solutions
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/audio-classification-course/audio-classification-course/blob/main/solutions/05_wav2vec2_sequence_classification_solutions.ipynb)
#
# Worked solutions to the exercises of [notebook 05](../notebooks/05_wav2vec2_sequence_classification.ipynb). Try each exercise
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
# ## Count the frames
#
# Apply `(L - kernel) // stride + 1` for each of the seven convolutions. One second at 16 kHz gives
# 49 frames, not 50: each layer loses `kernel - 1` samples at the edge.

# %%
def wav2vec2_frames(num_samples: int) -> int:
    for kernel, stride in zip((10, 3, 3, 3, 3, 2, 2), (5, 2, 2, 2, 2, 2, 2)):
        num_samples = (num_samples - kernel) // stride + 1
    return num_samples


print(wav2vec2_frames(16000))
assert check("05.wav2vec2_frames", wav2vec2_frames).passed

# %% [markdown]
# ## Pool with a mask
#
# Zero the padded frames, sum over time, divide by the number of real frames of each clip.

# %%
def masked_mean(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = mask[..., None].to(hidden.dtype)   # (B, T, 1)
    return (hidden * m).sum(1) / m.sum(1)  # (B, D)


assert check("05.masked_mean", masked_mean).passed

# %% [markdown]
# ## Summary
#
# - The frame count follows from the kernels and strides; masked pooling divides by each clip's own number of frames.
#
# **Next:** [notebook 06](../notebooks/06_wav2vec2_frame_classification.ipynb).
