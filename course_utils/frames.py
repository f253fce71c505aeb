"""Frame-level labels: timed events <-> one label vector per frame.

A clip-level task gives one label per clip. A frame-level task (voice
activity, sound-event detection, who-speaks-when) gives one label *per frame*,
e.g. one every 20 ms for Wav2Vec2. Annotations come as timed events

    [{"onset": 0.52, "offset": 1.31, "label": "speaker_a"}, ...]   (seconds)

and a frame model predicts a grid

    frame labels (frames, classes)   multi-hot: several classes may be on at once

This module is the bridge between the two, with one documented rounding rule:

    events_to_frame_labels   events -> (frames, classes) grid at a given hop
    frame_labels_to_events   grid -> events (each run of active frames is one event)
    time_to_frame, runs      the two small steps both directions are made of
    positive_weights         the class balance of frame labels, for a weighted BCE

What comes after a frame model lives elsewhere: cleaning its output up in
`course_utils.postprocess`, scoring it (frame F1, event F1, diarization
error rate) in `course_utils.metrics`.

Conventions: frame tensors are `(frames, classes)` (a leading batch dim is
accepted where said); times are in seconds; `classes` are the class names, in
column order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from course_utils.features import check_finite_number

__all__ = [
    "events_to_frame_labels", "frame_labels_to_events", "positive_weights", "runs", "time_to_frame",
]

# ----------------------------------------------------------------------------
# Events <-> frame labels
#
# The rounding rule (one rule, used in both directions):
#
#   frame i covers the time span [i * hop, (i + 1) * hop); its centre is (i + 0.5) * hop.
#   An event [onset, offset) switches frame i on  <=>  onset <= (i + 0.5) * hop < offset.
#
# So an event marks the frames whose *centre* it covers. The first frame on is
# ceil(onset / hop - 0.5), the first frame off again is ceil(offset / hop - 0.5).
# Consequences, all tested: an event whose edges sit exactly on frame boundaries
# marks exactly the frames between them (and the round trip events -> frames ->
# events gives it back unchanged); an edge exactly on a frame centre counts the
# frame in at the onset and out at the offset (half-open, like Python ranges);
# any other event comes back with each edge moved by at most half a hop. A very
# short event that covers no frame centre marks nothing.

_EPS = 1e-9  # float slack: 0.03 / 0.01 is 2.9999999999999996, and must count as 3


def _check_classes(classes: Sequence[str]) -> list[str]:
    if isinstance(classes, np.ndarray) and classes.ndim == 1:
        classes = classes.tolist()  # e.g. np.unique(names)
    if isinstance(classes, str) or not isinstance(classes, Sequence):
        raise TypeError(f"classes must be a list of class names, e.g. ['speech', 'knock'], got {classes!r}")
    classes = list(classes)
    if not classes:
        raise ValueError("classes must be a non-empty list of class names, got []")
    if len(set(classes)) != len(classes):
        dupes = sorted({c for c in classes if classes.count(c) > 1})
        raise ValueError(f"classes must be unique, got duplicates {dupes}")
    return classes


def _check_hop(hop_seconds: float) -> float:
    if isinstance(hop_seconds, bool) or not isinstance(hop_seconds, (int, float, np.floating, np.integer)):
        raise TypeError(f"hop_seconds must be a number of seconds, e.g. 0.02, got {type(hop_seconds).__name__}")
    if not hop_seconds > 0 or not math.isfinite(hop_seconds):
        raise ValueError(f"hop_seconds must be a positive number of seconds, got {hop_seconds!r}")
    return float(hop_seconds)


def _as_event_list(events) -> list[Mapping]:
    """Accept a list of {onset, offset, label} dicts, or the dict of lists that
    a `datasets` Sequence column returns ({"onset": [...], "offset": [...], "label": [...]})."""
    if isinstance(events, Mapping):
        keys = ("onset", "offset", "label")
        if not all(k in events for k in keys):
            raise ValueError(f"events as a mapping must have keys {keys}, got {sorted(events)}")
        if any(isinstance(events[k], (str, bytes)) or not hasattr(events[k], "__len__") for k in keys):
            raise ValueError(f"events as a mapping hold lists (onset, offset, label: one entry per event); "
                             f"got a single event {dict(events)!r}: wrap it in a list, [event]")
        n = len(events["onset"])
        if any(len(events[k]) != n for k in keys):
            raise ValueError("events as a mapping must have onset, offset and label lists of the same length")
        return [{k: events[k][i] for k in keys} for i in range(n)]
    if isinstance(events, str) or not isinstance(events, Sequence):
        raise TypeError(f"events must be a list of {{'onset', 'offset', 'label'}} dicts, got {type(events).__name__}")
    return list(events)


def _check_event(event, i: int, classes: list[str]) -> tuple[float, float, int]:
    """One event -> (onset, offset, class index), or a ValueError that names the event."""
    if not isinstance(event, Mapping) or not {"onset", "offset", "label"} <= set(event):
        raise ValueError(f"event {i} must be a dict with keys onset, offset, label; got {event!r}")
    onset, offset, label = event["onset"], event["offset"], event["label"]
    for name, t in (("onset", onset), ("offset", offset)):
        if isinstance(t, bool) or not isinstance(t, (int, float, np.floating, np.integer)) or not math.isfinite(t):
            raise ValueError(f"event {i}: {name} must be a finite number of seconds, got {t!r}")
        if t < 0:
            raise ValueError(f"event {i}: {name} must not be negative, got {name}={t}")
    if onset > offset:
        raise ValueError(f"event {i}: onset {onset} is after offset {offset}")
    if label not in classes:
        raise ValueError(f"event {i}: unknown label {label!r}; known labels are {classes}")
    return float(onset), float(offset), classes.index(label)


def time_to_frame(t: float, hop_seconds: float) -> int:
    """The first frame whose centre is at or after time `t`: ceil(t / hop - 0.5).

    An event [onset, offset) marks frames time_to_frame(onset) ... time_to_frame(offset) - 1.

    >>> time_to_frame(0.115, 0.02)  # 5.75 - 0.5 = 5.25 -> 6: frame 5's centre (0.11 s) comes before
    6
    """
    hop = _check_hop(hop_seconds)
    return math.ceil(check_finite_number(t, "t (seconds)") / hop - 0.5 - _EPS)


def events_to_frame_labels(events, num_frames: int, hop_seconds: float, classes: Sequence[str]) -> torch.Tensor:
    """Timed events -> a multi-hot frame grid `(num_frames, len(classes))`, float32.

    Frame i covers [i * hop, (i + 1) * hop) and is on for an event when the event
    covers the frame's centre: onset <= (i + 0.5) * hop < offset (see the rule above).
    Overlapping events of different classes switch several columns on at once.
    Parts of events past the last frame are cut off (an encoder's last frames may
    end before the clip does); an event that starts after the last frame marks nothing.

    `events`: a list of {"onset", "offset", "label"} (seconds), or the same as a dict
    of lists. Raises ValueError for an unknown label, onset > offset, a negative or
    non-finite time, a non-positive hop, or a bad num_frames.

    >>> events_to_frame_labels([{"onset": 0.02, "offset": 0.06, "label": "b"}], 4, 0.02, ["a", "b"])
    tensor([[0., 0.],
            [0., 1.],
            [0., 1.],
            [0., 0.]])
    """
    classes = _check_classes(classes)
    hop = _check_hop(hop_seconds)
    if isinstance(num_frames, bool) or not isinstance(num_frames, (int, np.integer)) or num_frames < 1:
        raise ValueError(f"num_frames must be a positive int, got {num_frames!r}")
    labels = torch.zeros(int(num_frames), len(classes))  # (T, C)
    for i, event in enumerate(_as_event_list(events)):
        onset, offset, c = _check_event(event, i, classes)
        first, stop = time_to_frame(onset, hop), time_to_frame(offset, hop)  # frames [first, stop)
        labels[max(first, 0):max(min(stop, num_frames), 0), c] = 1.0
    return labels


def _as_tensor(x, name: str) -> torch.Tensor:
    """`x` as a tensor: tensors pass through, numpy arrays and (nested) lists are converted;
    anything else is a TypeError that names the argument."""
    if torch.is_tensor(x):
        return x
    if isinstance(x, (np.ndarray, list, tuple)):
        return torch.as_tensor(np.asarray(x))
    raise TypeError(f"{name} must be a tensor (frames, classes), e.g. torch.zeros(250, 5), got {type(x).__name__}")


def _binarize(frame_labels, threshold: float, name: str = "frame_labels") -> torch.Tensor:
    """Bool `(..., T, C)` from bools, 0/1 integers, or probabilities switched on at >= threshold."""
    x = _as_tensor(frame_labels, name)
    if x.dtype == torch.bool:
        return x
    if not x.is_floating_point():
        if x.numel() and not ((x == 0) | (x == 1)).all():
            raise ValueError(f"{name} must be bool, 0/1 or probabilities in [0, 1]; got integer values outside {{0, 1}}")
        return x.bool()
    _check_probabilities(x, name)
    if not 0.0 <= check_finite_number(threshold, "threshold") <= 1.0:
        raise ValueError(f"threshold must be in [0, 1], got {threshold!r}")
    return x >= threshold


def _check_probabilities(x: torch.Tensor, name: str) -> None:
    """A ValueError naming `name` when float `x` holds NaN or values outside [0, 1] (logits, not
    probabilities: thresholding them at 0.5 would be silently wrong)."""
    if torch.isnan(x).any():
        raise ValueError(f"{name} contains NaN")
    if x.numel() and (x.min() < -1e-6 or x.max() > 1 + 1e-6):
        raise ValueError(f"{name} must be probabilities in [0, 1], got values from {x.min().item():.3g} to "
                         f"{x.max().item():.3g}: logits? pass model.probabilities(logits) (sigmoid or softmax)")


def _check_grid(x: torch.Tensor, classes: list[str] | None, name: str, batch_ok: bool = False) -> torch.Tensor:
    """`x` itself, once its shape is (frames, classes) (or (batch, frames, classes) with `batch_ok`)."""
    ranks = (2, 3) if batch_ok else (2,)
    shape = "(frames, classes)" + (" or (batch, frames, classes)" if batch_ok else "")
    if x.ndim not in ranks:
        raise ValueError(f"{name} must have shape {shape}, got {tuple(x.shape)}")
    if classes is not None and x.shape[-1] != len(classes):
        raise ValueError(f"{name} has {x.shape[-1]} class columns but {len(classes)} classes were given: {classes}")
    return x


def runs(active: torch.Tensor) -> list[tuple[int, int]]:
    """The [start, stop) frame ranges where a 1-D bool tensor is True.

    >>> runs(torch.tensor([0, 1, 1, 0, 1], dtype=torch.bool))
    [(1, 3), (4, 5)]
    """
    a = _as_tensor(active, "active")
    if a.ndim != 1:
        raise ValueError(f"active must be one 1-D column (frames,), got shape {tuple(a.shape)}; "
                         "for a grid (frames, classes) take one class at a time, e.g. runs(grid[:, c])")
    a = a.to("cpu", torch.bool).to(torch.int8)  # (T,)
    edges = torch.diff(F.pad(a, (1, 1)))  # (T + 1,): +1 where a run starts, -1 where it stops
    starts = torch.nonzero(edges == 1).flatten().tolist()
    stops = torch.nonzero(edges == -1).flatten().tolist()
    return list(zip(starts, stops))


def frame_labels_to_events(frame_labels, hop_seconds: float, classes: Sequence[str],
                           threshold: float = 0.5) -> list[dict]:
    """A frame grid `(frames, classes)` -> events [{"onset", "offset", "label"}], sorted by onset.

    `frame_labels` is bool / 0-1, or probabilities switched on at >= threshold.
    Each run of active frames [a, b) becomes the event [a * hop, b * hop): the
    inverse of `events_to_frame_labels` for events on frame boundaries.

    >>> frame_labels_to_events(torch.tensor([[0, 1], [1, 1], [1, 0]]), 0.02, ["a", "b"])
    [{'onset': 0.0, 'offset': 0.04, 'label': 'b'}, {'onset': 0.02, 'offset': 0.06, 'label': 'a'}]
    """
    classes = _check_classes(classes)
    hop = _check_hop(hop_seconds)
    active = _check_grid(_binarize(frame_labels, threshold), classes, "frame_labels")  # (T, C)
    events = []
    for c, label in enumerate(classes):
        for start, stop in runs(active[:, c]):
            events.append({"onset": round(start * hop, 9), "offset": round(stop * hop, 9), "label": label})
    events.sort(key=lambda e: (e["onset"], e["offset"], classes.index(e["label"])))
    return events


# ----------------------------------------------------------------------------
# Class balance of frame labels


def positive_weights(frame_labels, classes: Sequence[str], power: float = 0.5) -> torch.Tensor:
    """Per-class weights `(C,)` for the positive frames in a multi-label BCE loss:
    (negative frames / positive frames) ** power, counted over `frame_labels (..., T, C)`.

    Why: a knock lasts a few frames in a scene, so most of its column says "no",
    and plain binary cross-entropy learns to say "no" too readily (low recall on
    short, rare events). Weighting every positive frame by negatives / positives
    (power 1) balances the two sides exactly, which tends to over-predict; the
    square root (power 0.5, the default) is the usual compromise. Pass the result
    as `FrameClassificationHead.loss(..., pos_weight=...)` (it is `pos_weight` of
    `torch.nn.BCEWithLogitsLoss`). Count on the training labels only. Every frame
    of `frame_labels` counts: if your grids carry padding frames, leave them out
    first (the course's scenes all have one length, so theirs have none).

    >>> positive_weights(torch.tensor([[1., 0.], [0., 1.], [0., 1.], [0., 1.]]), ["a", "b"])
    tensor([1.7321, 0.5774])
    """
    classes = _check_classes(classes)
    labels = _check_grid(_binarize(frame_labels, 0.5), classes, "frame_labels", batch_ok=True)  # (..., T, C)
    if isinstance(power, bool) or not isinstance(power, (int, float)) or not math.isfinite(power) or power < 0:
        raise ValueError(f"power must be a non-negative number, got {power!r}")
    positives = labels.flatten(0, -2).sum(0).double()  # (C,)
    negatives = labels.shape[:-1].numel() - positives  # (C,)
    if (positives == 0).any():
        missing = [c for c, n in zip(classes, positives.tolist()) if n == 0]
        raise ValueError(f"no positive frames for {missing}: their weight would be infinite; "
                         f"check the labels, or leave those classes out")
    if (negatives == 0).any():
        always = [c for c, n in zip(classes, negatives.tolist()) if n == 0]
        raise ValueError(f"{always} on in every frame: their weight would be 0, so the loss would ignore them; "
                         f"check the labels, or leave those classes out")
    return (negatives / positives).pow(power).float()
