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
# # 01 · Audio classification tasks: solutions
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/audio-classification-course/audio-classification-course/blob/main/solutions/01_audio_classification_tasks_solutions.ipynb)
#
# Worked solutions to the exercises of [notebook 01](../notebooks/01_audio_classification_tasks.ipynb). Try each exercise
# there first: the check tells you what is wrong and gives a hint. Each solution below passes the same check.

# %%
# Setup: in Colab, install the course package; locally this does nothing.
import sys
if "google.colab" in sys.modules:
    # %pip install -q "course-utils @ git+https://github.com/audio-classification-course/audio-classification-course@main"

# %%
import math

import torch

from course_utils.data import SCENE_CLASSES
from course_utils.data.scenes import make_scene
from course_utils.exercises import check
from course_utils.frames import events_to_frame_labels, time_to_frame

# %% [markdown]
# ## Which frames does one event switch on?
#
# Frame `i` is on when `onset <= (i + 0.5) * hop`, that is when `i >= onset / hop - 0.5`. The first such
# whole number is `ceil(onset / hop - 0.5)`. The same reasoning at the other edge gives the first frame
# whose centre is at or after the offset: the first frame off again. An edge exactly on a centre counts
# that frame in at the onset (`<=`) and out at the offset (`<`), like Python's `range`.
#
# The prediction: a knock from 115 ms to 200 ms with a 20 ms hop switches on frames 6 to 9. Frame 5's
# centre (110 ms) comes before the onset, frame 9's (190 ms) before the offset, frame 10's (210 ms) after it.

# %%
def frame_span(onset: float, offset: float, hop_seconds: float) -> tuple[int, int]:
    """(first frame on, first frame off again) for the event [onset, offset), times in seconds."""
    return math.ceil(onset / hop_seconds - 0.5), math.ceil(offset / hop_seconds - 0.5)


print("knock, 115-200 ms, 20 ms hop:", frame_span(0.115, 0.2, 0.02))
assert frame_span(0.115, 0.2, 0.02) == (6, 10)
assert check("01.frame_span", frame_span).passed

# %% [markdown]
# One caution that the check steers clear of. With a hop like 20 ms, "exactly on a centre" is at the
# mercy of floating point: 70 ms is frame 3's centre, but in floats `0.07 / 0.02` comes out a hair above
# three and a half (printed below), so the plain formula puts frame 3 out. The course's `time_to_frame`
# subtracts a tiny slack (`1e-9`) before rounding up, so that such an edge counts as on the centre. The
# check's centre cases use a hop of a quarter second, where the arithmetic is exact.

# %%
print("0.07 / 0.02 =", 0.07 / 0.02, "-> first frame on: plain formula", frame_span(0.07, 0.1, 0.02)[0],
      "| course's time_to_frame", time_to_frame(0.07, 0.02))
assert frame_span(0.07, 0.1, 0.02)[0] == time_to_frame(0.07, 0.02) + 1  # the plain formula is one frame late here

# %% [markdown]
# ## Events → frame labels
#
# Start from zeros `(num_frames, len(classes))`; for each event, find its run of frames with `frame_span`,
# cut it to the grid (a slice past the end is simply shorter in Python) and set that class's column to 1.
# Setting one column, not the whole row, is what makes the grid multi-hot: an event never switches another
# class off.

# %%
def events_to_frames(events: list[dict], num_frames: int, hop_seconds: float, classes: list[str]) -> torch.Tensor:
    """Timed events -> a multi-hot grid (num_frames, len(classes)), by the centre rule."""
    grid = torch.zeros(num_frames, len(classes))              # (frames, classes)
    for event in events:
        first, stop = frame_span(event["onset"], event["offset"], hop_seconds)
        grid[first:stop, classes.index(event["label"])] = 1.0  # frames past the end: the slice stops at the grid
    return grid


assert check("01.events_to_frames", events_to_frames).passed

# %% [markdown]
# On a scene of the course, the grid is the same as `events_to_frame_labels` gives:

# %%
_, events = make_scene(index=0, seed=0)
mine = events_to_frames(events, 250, 0.02, SCENE_CLASSES)
print(tuple(mine.shape), "frames on per class:", dict(zip(SCENE_CLASSES, mine.sum(0).int().tolist())))
assert torch.equal(mine, events_to_frame_labels(events, 250, 0.02, SCENE_CLASSES))

# %% [markdown]
# ## Summary
#
# - One rule, a frame is on when the event covers its centre, gives each edge a frame index by rounding up
#   `t / hop - 0.5`; the grid is those runs, one column per class, several columns on where events overlap.
#
# **Next:** [notebook 02](../notebooks/02_spectrograms.ipynb).
