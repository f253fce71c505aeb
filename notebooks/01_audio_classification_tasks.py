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
# # 01 · Audio classification tasks
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/audio-classification-course/audio-classification-course/blob/main/notebooks/01_audio_classification_tasks.ipynb)
#
# Audio classification answers one of two questions about a recording: *what is this sound?*
# (one label for the whole clip) or *what is sounding, and when?* (a label for every short
# frame). This notebook meets both, on the course's own sounds, which are made on the spot
# so that everything runs without a network.
#
# **Learning goals**
#
# - Tell clip-level from frame-level classification, and know the label format of each.
# - Know the course's clip set (ten sound classes) and its scenes (timed events, two speakers).
# - Listen to the pairs the lessons are built on: a *pitch pair* and an *order pair*.
# - See why a model that only looks at the average spectrum cannot tell a sound from the same sound played backwards.
# - Turn timed events into frame labels, and back.

# %%
# Setup: in Colab, install the course package; locally this does nothing.
import sys
if "google.colab" in sys.modules:
    # %pip install -q "course-utils @ git+https://github.com/audio-classification-course/audio-classification-course@main"

# %%
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import Audio, display

from course_utils.baseline import average_spectrum_baseline, time_averaged_log_mel
from course_utils.data import (CLIP_CLASSES, CLIP_DESCRIPTIONS, ORDER_PAIRS, PITCH_PAIRS, SCENE_CLASSES,
                               clip_tensors, make_clip_dataset, make_scene_dataset, save_audiofolder)
from course_utils.env import get_device, seed_everything
from course_utils.features import log_mel_spectrogram
from course_utils.frames import events_to_frame_labels, frame_labels_to_events
from course_utils.notebook import record_result

seed_everything(0)
device = get_device()
print("device:", device)

# %% [markdown]
# ## Two shapes of the same question
#
# **Clip-level classification** gives one label to a whole recording:
#
# - which bird is singing, which genre a song is, whether a clip contains a scream or an alarm;
# - input: a clip of samples; output: one class, e.g. the whole clip → `"sparrow"`.
#
# **Frame-level classification** gives a label to every short frame (typically every 20 ms):
#
# - voice activity detection (VAD: is someone speaking *now*?), speaker diarization (*who*
#   speaks when?), sound event detection (when did the door knock?);
# - input: a recording; output: a sequence of labels, one per frame, like subtitles along the time axis.
#
# Image classification has only the first shape. Audio has both, because sound unfolds in time.
# The models differ mostly in their last layer: pool over time and classify once, or classify every frame.

# %% [markdown]
# ## The clip set: one label per clip
#
# `make_clip_dataset` synthesises the course's clips with real signal processing
# (oscillators, sweeps, struck bells, a source-filter voice, shaped noise, a small
# room's reverb). Every clip also gets the nuisance a real recording has: a random
# onset, duration and loudness, background noise at a random signal-to-noise ratio,
# and its own length between 0.4 and 1.0 s. It takes a few seconds and gives the same
# samples every time for the same seed.

# %%
start = time.perf_counter()
ds = make_clip_dataset(n_per_class=100, seed=0)
print(f"generated in {time.perf_counter() - start:.1f} s")
print(ds)

# %%
for name in CLIP_CLASSES:
    print(f"{name:11s} {CLIP_DESCRIPTIONS[name]}")

# %% [markdown]
# The labels are a `ClassLabel`: stored as integers, with the names kept in the features.
# Each split holds every class equally often (70 / 15 / 15 clips per class).

# %%
# NBVAL_CHECK_OUTPUT
names = ds["train"].features["label"].names
for split in ds:
    counts = np.bincount(ds[split].with_format("numpy")["label"], minlength=len(names))
    print(f"{split:10s} {len(ds[split]):4d} clips, per class: {sorted(set(counts.tolist()))}")
assert names == CLIP_CLASSES and len(names) == 10
assert [len(ds[s]) for s in ds] == [700, 150, 150]

# %% [markdown]
# One example is a dictionary. `audio` holds the samples and their rate (the same
# shape `datasets.Audio()` gives after decoding, but readable without FFmpeg); the
# other fields record how the clip was drawn, which later notebooks use to explain errors.

# %%
row = ds["train"][0]
print({k: v for k, v in row.items() if k != "audio"})
print("label name:", names[row["label"]])
print("audio:", type(row["audio"]["array"]).__name__, row["audio"]["array"].dtype,
      row["audio"]["array"].shape, "at", row["audio"]["sampling_rate"], "Hz")

# %% [markdown]
# ### Look: one clip of each class
#
# Waveforms show loudness over time: the struck bells decay, the noise classes fill the
# clip, the background hiss is visible before and after each sound. (Reversed classes
# decay *backwards*.)

# %%
sr = 16000
example = {}
for r in ds["test"]:
    example.setdefault(names[r["label"]], r)
fig, axes = plt.subplots(2, 5, figsize=(12, 4), sharey=True)
for ax, name in zip(axes.flat, CLIP_CLASSES):
    x = example[name]["audio"]["array"]
    ax.plot(np.arange(x.shape[0]) / sr, x / np.abs(x).max(), lw=0.4)
    ax.set_title(name, fontsize=9)
    ax.set_xlim(0, 1.0)
for ax in axes[1]:
    ax.set_xlabel("time (s)")
fig.tight_layout()
plt.show()
plt.close(fig)

# %% [markdown]
# ### Listen: the pitch pair and an order pair
#
# `horn_low` and `horn_high` are the same horn an octave apart: they differ **only in pitch**.
# `ding_dong` and `dong_ding` are the same doorbell forwards and backwards: they differ
# **only in time order**.

# %%
print("pitch pairs:", PITCH_PAIRS, " order pairs:", ORDER_PAIRS)
for name in ("horn_low", "horn_high", "ding_dong", "dong_ding"):
    print(name)
    display(Audio(example[name]["audio"]["array"], rate=sr))

# %% [markdown]
# A spectrogram (notebook 02 builds it step by step) draws energy over time (x) and
# frequency (y). An octave up doubles every frequency of the horn, each harmonic included. On a
# logarithmic frequency axis doubling is a fixed step, so the horn pair is the same picture moved
# up; the mel axis below is close to logarithmic above 1 kHz and closer to linear below, where
# the move also stretches the picture a little. The doorbell pair is the same picture mirrored
# left to right.

# %%
fig, axes = plt.subplots(1, 4, figsize=(10, 2.4))
for ax, name in zip(axes, ("horn_low", "horn_high", "ding_dong", "dong_ding")):
    spec = log_mel_spectrogram(torch.tensor(example[name]["audio"]["array"]), sr, n_mels=64)
    ax.imshow(spec.numpy(), origin="lower", aspect="auto", cmap="magma",
              extent=[0, spec.shape[-1] * 0.01, 0, 64])
    ax.set_title(name, fontsize=9)
    ax.set_xlabel("time (s)")
axes[0].set_ylabel("mel band")
fig.tight_layout()
plt.show()
plt.close(fig)

# %% [markdown]
# ### What the average spectrum cannot hear
#
# Average a log-mel spectrogram over time and you get one vector per clip: *which*
# frequencies are loud, not *when*. Playing a clip backwards leaves that vector unchanged
# (up to where the frames fall), so a classifier that sees only the average cannot tell an
# order pair apart. Check it on one clip:

# %%
x = torch.tensor(example["ding_dong"]["audio"]["array"])
n = torch.tensor([x.shape[0]])
forward = time_averaged_log_mel(x[None], n, sr)
backward = time_averaged_log_mel(x.flip(0)[None], n, sr)
gap_db = (forward - backward).abs().max().item()
print(f"largest difference between the two average spectra: {gap_db:.2f} dB "
      f"(the spectrum itself spans {forward.max() - forward.min():.0f} dB)")
assert gap_db < 1.0

# %% [markdown]
# Now the whole set: a logistic regression on the time-averaged log-mel, trained on the
# train split and scored on the test split. Inside each pair, it picks the likelier of the
# two classes (chance: 50 %).

# %%
baseline = average_spectrum_baseline(ds)
print(f"overall test accuracy: {baseline['accuracy']:.2f} (chance: 0.10)")
for pair, acc in baseline["pairs"].items():
    print(f"  inside {pair:22s} {acc:.2f}")
order_acc = np.mean([baseline["pairs"][f"{a}/{b}"] for a, b in ORDER_PAIRS])
assert baseline["pairs"]["horn_low/horn_high"] >= 0.95   # pitch lives in the average spectrum
assert 0.3 <= order_acc <= 0.7                          # order does not: chance
assert 0.7 <= baseline["accuracy"] <= 0.9               # good at everything else, short of a model that sees time

# %% [markdown]
# Pitch and timbre are in the average spectrum, order is not. A model that keeps the time
# axis (notebook 03's CNN on the spectrogram) tells the order pairs apart as easily as the rest.

# %% [markdown]
# ### From a dataset to a batch of tensors
#
# Models take a tensor `(batch, samples)`. Clips differ in length, so `clip_tensors`
# pads each with zeros to the longest clip of the split and also returns the true lengths:
# later models use them to ignore the padding (masks). No clip is ever cut unless you ask:
# `clip_tensors(split, num_samples=n)` pads to exactly n samples and cuts longer clips.
# The third tensor holds the class of each clip as an index into the class names: the targets.

# %%
waves, lengths, targets = clip_tensors(ds["train"])
print("waves", tuple(waves.shape), waves.dtype, "| lengths", tuple(lengths.shape), "| targets", tuple(targets.shape))
print(f"true lengths: {lengths.min().item() / sr:.2f} s to {lengths.max().item() / sr:.2f} s, "
      f"{(lengths < waves.shape[1]).float().mean().item():.0%} of clips are padded")
assert waves.shape == (700, lengths.max()) and (waves[0, lengths[0]:] == 0).all()

# %% [markdown]
# ## Scenes: a label for every frame
#
# A scene is several seconds of a quiet room with events on it, some overlapping: two
# synthetic speakers taking turns (`speaker_a` low-pitched, `speaker_b` higher, with
# different vocal tracts), knocks, a doorbell, an alarm. The labels are timed events,
# `{"onset", "offset", "label"}` in seconds, the usual format of event-detection and
# diarization datasets.

# %%
scenes = make_scene_dataset(n_scenes=10, seed=0, seconds=5.0)
scene = max(scenes["train"], key=lambda r: len({e["label"] for e in r["events"]}))  # the busiest scene
for e in scene["events"]:
    print(f"{e['onset']:5.2f} s - {e['offset']:5.2f} s  {e['label']}")
display(Audio(scene["audio"]["array"], rate=sr))

# %% [markdown]
# ### An event timeline
#
# The same scene as a picture: the waveform above, one row per class below.

# %%
colors = dict(zip(SCENE_CLASSES, plt.cm.tab10.colors))
x = scene["audio"]["array"]
fig, (ax_wave, ax_events) = plt.subplots(2, 1, figsize=(11, 4), sharex=True, height_ratios=[1, 1.2])
ax_wave.plot(np.arange(x.shape[0]) / sr, x, lw=0.3, color="0.3")
ax_wave.set_ylabel("amplitude")
for e in scene["events"]:
    row_index = SCENE_CLASSES.index(e["label"])
    ax_events.broken_barh([(e["onset"], e["offset"] - e["onset"])], (row_index - 0.4, 0.8),
                          color=colors[e["label"]])
ax_events.set_yticks(range(len(SCENE_CLASSES)), SCENE_CLASSES)
ax_events.set_ylim(-0.6, len(SCENE_CLASSES) - 0.4)
ax_events.set_xlabel("time (s)")
ax_events.set_xlim(0, 5)
fig.tight_layout()
plt.show()
plt.close(fig)

# %% [markdown]
# ### Events → frame labels → events
#
# A frame-level model predicts one vector per frame. With a 20 ms hop, a 5 s scene has
# 250 frames; `events_to_frame_labels` marks, for each class, the frames whose centre an
# event covers (multi-hot: overlapping events switch on several classes at once).

# %%
# NBVAL_CHECK_OUTPUT
hop = 0.02
frame_labels = events_to_frame_labels(scene["events"], num_frames=250, hop_seconds=hop, classes=SCENE_CLASSES)
print("frame labels:", tuple(frame_labels.shape), "(frames, classes)")
print("active frames per class:", dict(zip(SCENE_CLASSES, frame_labels.sum(0).int().tolist())))
print("frames with two or more classes on:", int((frame_labels.sum(1) >= 2).sum()))
assert frame_labels.shape == (250, len(SCENE_CLASSES))

# %%
fig, ax = plt.subplots(figsize=(11, 2))
ax.imshow(frame_labels.T.numpy(), aspect="auto", cmap="Greys", interpolation="nearest",
          extent=[0, 250 * hop, len(SCENE_CLASSES) - 0.5, -0.5])
ax.set_yticks(range(len(SCENE_CLASSES)), SCENE_CLASSES)
ax.set_xlabel("time (s): one column per 20 ms frame")
fig.tight_layout()
plt.show()
plt.close(fig)

# %% [markdown]
# Voice activity detection asks "is anyone speaking?" (either speaker column on);
# diarization asks "which speaker?". Turning frame decisions back into events gives each
# event back to within one frame (20 ms):

# %%
vad = frame_labels[:, :2].amax(1)
print(f"speech in {vad.mean().item():.0%} of the frames")
recovered = frame_labels_to_events(frame_labels, hop_seconds=hop, classes=SCENE_CLASSES)
for original, back in zip(scene["events"], recovered):
    print(f"{original['label']:10s} {original['onset']:.3f}-{original['offset']:.3f} s -> "
          f"{back['onset']:.2f}-{back['offset']:.2f} s")
assert len(recovered) == len(scene["events"])
assert all(abs(a["onset"] - b["onset"]) <= hop and abs(a["offset"] - b["offset"]) <= hop
           and a["label"] == b["label"] for a, b in zip(scene["events"], recovered))

# %% [markdown]
# ### Your turn: which frames does one event switch on?
#
# The rule, exactly: frame `i` covers `[i * hop, (i + 1) * hop)`, its centre is `(i + 0.5) * hop`, and it
# is on for an event when `onset <= (i + 0.5) * hop < offset`. So one event switches on a run of frames,
# `range(first, stop)`. Write `frame_span(onset, offset, hop_seconds)` returning `(first, stop)`: the first
# frame on, and the first frame off again after it.
#
# Predict before you write: with a 20 ms hop, which frames does a knock from 115 ms to 200 ms switch
# on? Is a frame in when the onset falls exactly on its centre, and when the offset does? The check
# tries edges on frame boundaries, inside frames and exactly on centres.

# %%
from course_utils.exercises import check


def frame_span(onset: float, offset: float, hop_seconds: float) -> tuple[int, int]:
    """(first frame on, first frame off again) for the event [onset, offset), times in seconds."""
    ...  # your answer here


check("01.frame_span", frame_span)

# %% [markdown]
# ### Your turn: events → frame labels
#
# Now the whole grid, as `events_to_frame_labels` made it above. Write
# `events_to_frames(events, num_frames, hop_seconds, classes)`: a float tensor `(num_frames, len(classes))`
# holding 1 where a class is on and 0 elsewhere. The events are `{"onset", "offset", "label"}` dicts like
# the scene's; a label's column is its position in `classes`. Overlapping events switch on several
# columns of the same frame (multi-hot), and the part of an event past the last frame is cut off. Your
# `frame_span` does the rounding. The check recognises a transposed grid, the "any frame the event
# touches" rule and a one-class-per-frame grid.

# %%
def events_to_frames(events: list[dict], num_frames: int, hop_seconds: float, classes: list[str]) -> torch.Tensor:
    """Timed events -> a multi-hot grid (num_frames, len(classes)), by the centre rule."""
    ...  # your answer here


check("01.events_to_frames", events_to_frames)

# %% [markdown]
# ## On disk: the audiofolder layout
#
# The same data can live as WAV files with a metadata table, the layout
# `datasets.load_dataset("audiofolder", data_dir=...)` reads, and the one to copy for
# your own recordings. (`course_utils.data.clip_folder()` keeps the full clip set under
# `data/`; here a small set goes to a temporary folder.)

# %%
with tempfile.TemporaryDirectory() as tmp:
    folder = save_audiofolder(make_clip_dataset(n_per_class=3, seed=0), Path(tmp) / "clips")
    for path in sorted(folder.rglob("*"))[:8]:
        print(path.relative_to(folder))
    print("...")
    print((folder / "train" / "metadata.csv").read_text().splitlines()[0])
    n_wavs = len(list(folder.rglob("*.wav")))
assert n_wavs == 30

# %% [markdown]
# ## What the next notebooks do with this data
#
# The generated sounds make each point clean; they are also easy (models reach the top on them). So from
# notebook 03 on, every lesson also meets **real recordings** shipped with the course (`data/real/`:
# instrument notes from a free soundfont, and recorded speech in five languages), with the average-spectrum
# baseline of this notebook beside every model.
#
# | notebook | task shape | what it shows on these sounds |
# | --- | --- | --- |
# | 02 spectrograms | both | the log-mel picture, built step by step |
# | 03 CNN on spectrograms | clip | a CNN sees time *and* frequency: it solves the order pairs |
# | 04 AST | clip | the spectrogram cut into patches for a transformer |
# | 05 Wav2Vec2 sequence classification | clip | raw waveform in, pooled hidden states, few-shot heads |
# | 06 Wav2Vec2 frame classification | frame | VAD and who-speaks-when on the scenes |
# | 07 augmentation pitfalls | clip | shifting the picture up swaps the horn pair; flipping it swaps the order pairs |
# | 08 choosing a model | both | the decision table, measured |
# | 09 your own sounds | clip | your folder of recordings, from listening to a model you can share |

# %%
record_result("01_audio_classification_tasks", n_clips=sum(len(ds[s]) for s in ds), num_classes=len(names),
              avg_spectrum_accuracy=round(baseline["accuracy"], 3), avg_spectrum_order_pairs=round(order_acc, 3),
              scene_frames=int(frame_labels.shape[0]))

# %% [markdown]
# ## Self-check
#
# Answer each question for yourself before you open its answer.
#
# 1. A model must say, every 20 ms of a meeting recording, who is speaking. Is that a clip-level or a frame-level task, and what does one label look like?
# <details><summary>Answer</summary>Frame-level: one label vector per frame, multi-hot over the speakers (several may speak at once), rather than one class index for the whole recording.</details>
#
# 2. Why does a classifier of the average spectrum sit near chance on `ding_dong` vs `dong_ding`?
# <details><summary>Answer</summary>The two are the same doorbell forwards and backwards: averaging over time keeps which frequencies are loud and throws away when, and that order is all that tells them apart.</details>
#
# 3. `horn_low` and `horn_high` differ only in pitch. Would the average-spectrum classifier tell them apart?
# <details><summary>Answer</summary>Yes: pitch moves energy to other frequencies, which the average spectrum keeps. The notebook's baseline gets the pitch pair right and the order pairs at chance.</details>
#
# 4. An event runs from 300 ms to 700 ms and frames are 20 ms apart. Which rule decides whether a frame is labelled "on"?
# <details><summary>Answer</summary>The course's rule: a frame is on when the event covers the frame's centre. The same rule turns frame labels back into events, so the round trip is exact on the frame grid.</details>

# %% [markdown]
# ## Summary
#
# - **Clip-level** classification: one label per recording (`"horn_low"`); **frame-level**: one
#   label vector per ~20 ms frame (VAD, diarization, event detection).
# - The course's clip set has ten classes with nuisance variation, built so lessons have an effect to
#   measure: a **pitch pair** (`horn_low`/`horn_high`) and **order pairs** (`chirp_up`/`chirp_down`,
#   `ding_dong`/`dong_ding`).
# - A model of the **average spectrum** gets pitch and timbre right but is near chance on the order pairs:
#   time matters.
# - Scenes carry **timed events**; `events_to_frame_labels` turns them into a multi-hot `(frames, classes)`
#   grid and `frame_labels_to_events` turns frames back into events.
#
# **Next:** `02_spectrograms.ipynb` builds the spectrogram from the waveform, step by step.
