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
# ## From probabilities to events
#
# Class by class, walk along the frames and watch the switch `probability >= 0.5` flip: off to on opens
# an event at the start of that frame, on to off closes it at the start of the frame that is off, which
# is the end of the last frame on. A run that lasts to the end of the clip must be closed too: appending
# one "off" after the last frame does it. A single frame below 0.5 inside a long event closes it and the
# next frame opens a new one: one event becomes two, as the cell below shows (the flicker that the
# post-processing of notebook 06 removes).

# %%
def probabilities_to_events(probs: torch.Tensor, hop_seconds: float, classes: list[str]) -> list[dict]:
    events = []
    for c, label in enumerate(classes):
        start = None
        for t, on in enumerate((probs[:, c] >= 0.5).tolist() + [False]):  # a final "off" closes the last run
            if on and start is None:
                start = t
            elif not on and start is not None:
                events.append({"onset": start * hop_seconds, "offset": t * hop_seconds, "label": label})
                start = None
    return events


flicker = torch.tensor([[0.9], [0.8], [0.3], [0.9], [0.7]])  # (T=5, C=1): one frame below 0.5
print(probabilities_to_events(flicker, 0.02, ["speech"]))
assert check("06.probabilities_to_events", probabilities_to_events).passed

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
# - A run of frames a ... b - 1 is the event [a · hop, b · hop); one frame below the threshold splits an event in two.
# - A median filter removes a single-frame spike; a moving average only smears it.
#
# **Next:** [notebook 07](../notebooks/07_augmentation_pitfalls.ipynb).
