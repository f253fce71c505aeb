"""Notebook 01's exercises: which frames one event switches on, and timed events -> a frame grid.

Both practise the course's one rounding rule (`course_utils.frames`): frame i spans
[i * hop, (i + 1) * hop) and is on for an event [onset, offset) when the event covers
the frame's centre, onset <= (i + 0.5) * hop < offset.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .core import Exercise

__all__ = ["EXERCISES"]

# ----------------------------------------------------------------------------
# 01.frame_span: (first frame on, first frame off again) for one event


def _span_cases() -> list[tuple]:
    # Edges on frame boundaries, edges inside frames, edges exactly on a frame centre (a hop of
    # 0.25 s keeps that arithmetic exact in floating point), and an event too short to cover a centre.
    return [(0.1, 0.3, 0.02), (0.115, 0.2, 0.02), (0.375, 0.625, 0.25), (0.0, 0.05, 0.01), (1.234, 2.5, 0.02),
            (0.3, 0.305, 0.02), (0.6, 1.4, 0.25)]


def _span_reference(onset: float, offset: float, hop_seconds: float) -> tuple[int, int]:
    from course_utils.frames import time_to_frame

    return time_to_frame(onset, hop_seconds), time_to_frame(offset, hop_seconds)


def _compare_span(got, expected: tuple[int, int], case: tuple) -> str | None:
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return f"it returned {got!r}; the answer is two frame indices (first frame on, first frame off again)"
    try:
        first, stop = (int(g) for g in got)
    except (TypeError, ValueError):
        return f"it returned {got!r}; the two numbers must be whole frame indices"
    if any(float(g) != int(g) for g in got):
        return f"it returned {got!r}; frame indices are whole numbers"
    if first != expected[0] and stop != expected[1]:
        return "both frame indices are wrong"
    if first != expected[0]:
        return "the first number (the first frame on, the onset's side) is wrong"
    if stop != expected[1]:
        return "the second number (the first frame off again, the offset's side) is wrong"
    return None


def _span_floor(onset: float, offset: float, hop: float) -> tuple[int, int]:
    return math.floor(onset / hop), math.floor(offset / hop)


def _span_nearest(onset: float, offset: float, hop: float) -> tuple[int, int]:
    return round(onset / hop), round(offset / hop)


def _span_inclusive(onset: float, offset: float, hop: float) -> tuple[int, int]:
    first, stop = _span_reference(onset, offset, hop)
    return first, stop - 1


# ----------------------------------------------------------------------------
# 01.events_to_frames: events -> a multi-hot (frames, classes) grid


def _label_cases() -> list[tuple]:
    scene = ["speaker_a", "speaker_b", "knock", "doorbell", "alarm"]  # the scenes' classes, in column order
    return [
        ([{"onset": 0.02, "offset": 0.06, "label": "b"}], 4, 0.02, ["a", "b"]),
        # overlapping events of two classes, and one class twice
        ([{"onset": 0.1, "offset": 0.5, "label": "speaker_a"}, {"onset": 0.3, "offset": 0.36, "label": "knock"},
          {"onset": 0.8, "offset": 1.0, "label": "speaker_a"}, {"onset": 0.45, "offset": 0.9, "label": "speaker_b"}],
         60, 0.02, scene),
        # edges inside frames and on a frame centre (exact with a hop of 0.25 s); a short event that covers no centre
        ([{"onset": 0.375, "offset": 1.3, "label": "x"}, {"onset": 0.13, "offset": 0.2, "label": "y"},
          {"onset": 0.1, "offset": 0.625, "label": "z"}], 8, 0.25, ["x", "y", "z"]),
        # an event running past the last frame, one starting after it
        ([{"onset": 0.3, "offset": 2.0, "label": "alarm"}, {"onset": 1.0, "offset": 1.5, "label": "doorbell"},
          {"onset": 0.115, "offset": 0.2, "label": "knock"}], 10, 0.05, scene),
        ([{"onset": 0.0, "offset": 0.03, "label": "on"}], 5, 0.01, ["off", "on"]),
    ]


def _label_reference(events: list[dict], num_frames: int, hop_seconds: float, classes: list[str]) -> torch.Tensor:
    from course_utils.frames import events_to_frame_labels

    return events_to_frame_labels(events, num_frames, hop_seconds, classes)


def _describe_labels(case: tuple) -> str:
    events, num_frames, hop, classes = case
    return f"{len(events)} event(s), num_frames={num_frames}, hop_seconds={hop}, classes={classes}"


def _compare_labels(got, expected: torch.Tensor, case: tuple) -> str | None:
    if isinstance(got, np.ndarray):
        got = torch.from_numpy(got)
    if not torch.is_tensor(got):
        return f"it returned a {type(got).__name__}, not a tensor (frames, classes)"
    if tuple(got.shape) != tuple(expected.shape):
        return f"it returned shape {tuple(got.shape)}; the grid is (num_frames, len(classes)) = {tuple(expected.shape)}"
    differs = (got.double() != expected.double()).nonzero()
    if len(differs) == 0:
        return None
    frame, column = differs[0].tolist()
    hop, classes = case[2], case[3]
    return (f"the shape is right, but {len(differs)} cell(s) differ; the first is frame {frame} "
            f"(centre {(frame + 0.5) * hop:.3f} s), column {classes[column]!r}")


def _fill(events, num_frames: int, hop: float, classes: list[str], span, one_class_per_frame: bool = False):
    """A grid filled with a (wrong) rule `span(onset, offset, hop) -> (first, stop)`: the known mistakes."""
    grid = torch.zeros(num_frames, len(classes))
    for e in events:
        first, stop = span(e["onset"], e["offset"], hop)
        rows = slice(max(first, 0), max(min(stop, num_frames), 0))
        if one_class_per_frame:
            grid[rows] = 0.0
        grid[rows, classes.index(e["label"])] = 1.0
    return grid


def _span_touches(onset: float, offset: float, hop: float) -> tuple[int, int]:
    return math.floor(onset / hop), math.ceil(offset / hop)


EXERCISES: dict[str, Exercise] = {
    "01.frame_span": Exercise(
        title="which frames does one event switch on?",
        reference=_span_reference, cases=_span_cases, compare=_compare_span,
        hint="frame i is on when onset <= (i + 0.5) * hop < offset: the first frame on is the first whose "
             "centre is at or after the onset, and the first frame off again is the first whose centre is at "
             "or after the offset (so an edge exactly on a centre counts that frame in at the onset, out at the "
             "offset)",
        mistakes=[("floor", _span_floor,
                   "you took the frame each time falls in (floor); the rule asks whether the event covers a frame's "
                   "centre, which moves an edge in the second half of a frame to the next frame"),
                  ("nearest", _span_nearest,
                   "close: rounding to the nearest frame agrees except when an edge sits exactly on a frame's centre, "
                   "where Python's round() goes to the even number; the rule counts the frame in at the onset"),
                  ("inclusive", _span_inclusive,
                   "off by one: your second number is the last frame on; the answer's is the first frame off again "
                   "(half-open, like range(first, stop))")]),
    "01.events_to_frames": Exercise(
        title="timed events -> a multi-hot frame grid (frames, classes)",
        reference=_label_reference, cases=_label_cases, compare=_compare_labels, describe=_describe_labels,
        hint="start from torch.zeros(num_frames, len(classes)); for each event, find its frames [first, stop) "
             "with the centre rule (your frame_span), cut them to the grid, and set that class's column to 1 "
             "without touching the other columns",
        mistakes=[("transposed", lambda events, n, hop, classes: _label_reference(events, n, hop, classes).T,
                   "the grid is transposed: one row per frame, one column per class, (frames, classes)"),
                  ("touches", lambda events, n, hop, classes: _fill(events, n, hop, classes, _span_touches),
                   "you switched on every frame the event touches; a frame is on only when the event covers its "
                   "centre"),
                  ("one class per frame",
                   lambda events, n, hop, classes: _fill(events, n, hop, classes, _span_reference, True),
                   "each frame holds one class only, the last event's: overlapping events must switch on several "
                   "columns at once (multi-hot)"),
                  ("inclusive", lambda events, n, hop, classes: _fill(
                      events, n, hop, classes, lambda a, b, h: (_span_reference(a, b, h)[0],
                                                                _span_reference(a, b, h)[1] + 1)),
                   "off by one at the offset: the frame whose centre is at or after the offset is off again")]),
}
