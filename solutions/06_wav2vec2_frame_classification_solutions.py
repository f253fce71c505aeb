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
# # 06 · Wav2Vec2 frame classification: solutions
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/audio-classification-course/audio-classification-course/blob/main/solutions/06_wav2vec2_frame_classification_solutions.ipynb)
#
# Worked solutions to the exercises of [notebook 06](../notebooks/06_wav2vec2_frame_classification.ipynb). Try each exercise
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
# ## A median filter
#
# Pad by repeating the first and last frame, then take the median of each window of `kernel_size`
# frames. A single frame at 1 among zeros is the minority in every window that holds it, so it
# disappears; a moving average would leave a smaller, wider bump.

# %%
def median_filter(probs: torch.Tensor, kernel_size: int) -> torch.Tensor:
    half = kernel_size // 2
    padded = torch.cat([probs[:1].expand(half, -1), probs, probs[-1:].expand(half, -1)])  # (T + 2 half, C)
    return torch.stack([padded[t:t + kernel_size].median(0).values for t in range(probs.shape[0])])


spike = torch.zeros(7, 1)
spike[3] = 1.0
print(median_filter(spike, 3).flatten().tolist())
assert check("06.median_filter", median_filter).passed

# %% [markdown]
# ## Summary
#
# - A median filter removes a single-frame spike; a moving average only smears it.
#
# **Next:** [notebook 07](../notebooks/07_augmentation_pitfalls.ipynb).
