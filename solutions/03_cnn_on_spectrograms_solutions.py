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
# # 03 · A CNN on spectrograms: solutions
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/audio-classification-course/audio-classification-course/blob/main/solutions/03_cnn_on_spectrograms_solutions.ipynb)
#
# Worked solutions to the exercises of [notebook 03](../notebooks/03_cnn_on_spectrograms.ipynb). Try each exercise
# there first: the check tells you what is wrong and gives a hint. Each solution below passes the same check.

# %%
# Setup: in Colab, install the course package; locally this does nothing.
import sys
if "google.colab" in sys.modules:
    # %pip install -q "course-utils @ git+https://github.com/audio-classification-course/audio-classification-course@main"

# %%
import torch

from course_utils.data import CLIP_CLASSES
from course_utils.exercises import check
from course_utils.models.cnn import SpectrogramCNN

# %% [markdown]
# ## The feature map's shape
#
# In each block the 3×3 convolution has `padding=1`, so it keeps the picture's size and only sets the
# number of channels to the block's width; the 2×2 max pool then halves both axes, rounding down (an odd
# last row or column is dropped, not padded). After k blocks: `(channels[-1], n_mels // 2**k, frames // 2**k)`.
#
# The prediction: a 2-s clip gives 101 frames of 32 mel bands; three halvings take 32 to 4 and 101 to
# 50, 25, then 12. The course's own blocks, run on a picture of zeros, agree:

# %%
def feature_map_shape(n_mels: int, frames: int, channels: tuple[int, ...]) -> tuple[int, int, int]:
    """(channels, mel rows, frames) after one conv block per entry of `channels`."""
    for _ in channels:                          # conv: same size; max pool: halve, rounding down
        n_mels, frames = n_mels // 2, frames // 2
    return channels[-1], n_mels, frames


cnn = SpectrogramCNN(CLIP_CLASSES).eval()
with torch.no_grad():
    two_seconds = cnn.blocks(torch.zeros(1, 1, 32, 101))  # (batch, channel, mel, frame) -> after the blocks
print("predicted", feature_map_shape(32, 101, (16, 32, 64)), "| the course's blocks:", tuple(two_seconds.shape[1:]))
assert feature_map_shape(32, 101, (16, 32, 64)) == tuple(two_seconds.shape[1:])
assert check("03.feature_map_shape", feature_map_shape).passed

# %% [markdown]
# ## From the feature map to logits
#
# Global pooling averages each channel over both axes: `(B, C, F, T) -> (B, C)`. Pooling over time only
# averages over the last axis, `(B, C, F)`, and flattens that as it is: each channel's F rows one after
# another, channel by channel. The head's weights were trained for that order; swapping the axes before
# flattening gives the same numbers in another order, and other logits. Then the head.

# %%
def pool_and_classify(feature_map: torch.Tensor, head: torch.nn.Linear, pooling: str) -> torch.Tensor:
    """(B, C, F, T) -> pooled -> head -> (B, num_classes); pooling is "global" or "time"."""
    if pooling == "global":
        pooled = feature_map.mean(dim=(2, 3))            # (B, C): where a pattern fired is gone
    else:
        pooled = feature_map.mean(dim=3).flatten(1)      # (B, C, F) -> (B, C * F): frequency rows kept
    return head(pooled)                                  # (B, num_classes)


assert check("03.pool_and_classify", pool_and_classify).passed

# %% [markdown]
# On a whole `SpectrogramCNN` of each kind (untrained: the arithmetic is what is checked), the blocks
# followed by `pool_and_classify` give the model's own logits:

# %%
clips = torch.randn(3, 16000) * 0.1  # (batch, samples): 1 s of noise each
for pooling in ("global", "time"):
    model = SpectrogramCNN(CLIP_CLASSES, config={"pooling": pooling}).eval()
    with torch.no_grad():
        feature_map = model.blocks(model.input_norm(model.features(clips)[:, None]))  # (3, 64, 4, 6)
        mine = pool_and_classify(feature_map, model.head, pooling)
        torch.testing.assert_close(mine, model(clips))
    print(f"{pooling:>6} pooling: feature map {tuple(feature_map.shape)}, head input {model.head.in_features}, "
          f"logits {tuple(mine.shape)}: the same as the model's")

# %% [markdown]
# ## Summary
#
# - Padded 3×3 convolutions keep the size, each 2×2 max pool halves it (rounding down): k blocks divide by 2**k.
# - Global pooling averages a feature map to one number per channel; pooling over time keeps a row per
#   frequency band, flattened channel by channel, the order the head was trained for.
#
# **Next:** [notebook 04](../notebooks/04_ast_patching.ipynb).
