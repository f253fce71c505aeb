"""Notebook 06's exercises: frame probabilities to events; a median filter for frame probabilities."""

from __future__ import annotations

import torch

from .core import Exercise

__all__ = ["EXERCISES"]


def _median_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(1)
    probs = torch.rand(20, 2, generator=g)
    spike = torch.zeros(12, 1)
    spike[5] = 1.0
    return [(probs, 3), (probs, 5), (spike, 3), (probs, 1)]


def _median_reference(probs: torch.Tensor, kernel_size: int) -> torch.Tensor:
    from course_utils.postprocess import median_filter

    return median_filter(probs, kernel_size)


def _event_cases() -> list[tuple]:
    flicker = torch.tensor([[0.9, 0.2], [0.8, 0.7], [0.3, 0.9], [0.6, 0.1], [0.7, 0.2],  # (T=8, C=2)
                            [0.1, 0.8], [0.2, 0.6], [0.4, 0.9]])
    g = torch.Generator().manual_seed(3)
    scene = torch.rand(30, 3, generator=g)   # (T=30, C=3): many short runs
    steady = torch.tensor([[0.9, 0.1]] * 5)  # one class on throughout, the other never
    return [(flicker, 0.02, ["speech", "knock"]), (scene, 0.02, ["speaker_a", "speaker_b", "alarm"]),
            (steady, 0.01, ["speech", "music"]), (flicker, 0.025, ["music", "speech"])]


def _event_reference(probs: torch.Tensor, hop_seconds: float, classes: list[str]) -> list[dict]:
    from course_utils.frames import frame_labels_to_events

    return frame_labels_to_events(probs, hop_seconds, classes)  # on at >= 0.5


def _events_from_runs(probs, classes, edges) -> list[dict]:
    """Events built from each class's runs of active frames, with the edges (onset, offset) of `edges(a, b)`."""
    from course_utils.frames import runs

    events = []
    for c, label in enumerate(classes):
        for a, b in runs(probs[:, c] >= 0.5):
            onset, offset = edges(a, b)
            events.append({"onset": onset, "offset": offset, "label": label})
    return events


def _one_event_per_class(probs, hop, classes) -> list[dict]:
    events = []
    for c, label in enumerate(classes):
        on = torch.nonzero(probs[:, c] >= 0.5).flatten()
        if len(on):
            events.append({"onset": int(on[0]) * hop, "offset": (int(on[-1]) + 1) * hop, "label": label})
    return events


def _describe_events(case: tuple) -> str:
    probs, hop, classes = case
    return f"probabilities of shape {tuple(probs.shape)}, hop {hop} s, classes {classes}"


def _same_events(got, expected: list[dict], case: tuple) -> str | None:
    """None when `got` holds the same events as `expected` (in any order, times within 1e-6 s)."""
    classes = case[2]
    if not isinstance(got, (list, tuple)):
        return f"it returned a {type(got).__name__}; the answer is a list of events"
    try:
        mine = [(float(e["onset"]), float(e["offset"]), e["label"]) for e in got]
    except (TypeError, KeyError, ValueError, IndexError):
        return 'each event should be a dict {"onset": seconds, "offset": seconds, "label": class name}'
    if any(label not in classes for _, _, label in mine):
        return "a label is not one of the class names: use the names in `classes`, not the column numbers"
    theirs = [(e["onset"], e["offset"], e["label"]) for e in expected]
    if len(mine) != len(theirs):
        return f"it found {len(mine)} events; the course's function finds {len(theirs)}"
    key = lambda e: (round(e[0], 6), round(e[1], 6), classes.index(e[2]))  # noqa: E731
    mine, theirs = sorted(mine, key=key), sorted(theirs, key=key)
    if [e[2] for e in mine] != [e[2] for e in theirs] or any(abs(a[0] - b[0]) > 1e-6 for a, b in zip(mine, theirs)):
        return "as many events, but not the same onsets or labels"
    if any(abs(a[1] - b[1]) > 1e-6 for a, b in zip(mine, theirs)):
        return "the onsets and labels are right, but some offsets differ"
    return None


EXERCISES: dict[str, Exercise] = {
    "06.probabilities_to_events": Exercise(
        title="frame probabilities (T, C) to events, a frame on at probability >= 0.5",
        reference=_event_reference, cases=_event_cases, compare=_same_events, describe=_describe_events,
        hint="class by class, find each run of consecutive frames at >= 0.5; the run of frames a ... b - 1 "
             'is the event {"onset": a * hop, "offset": b * hop, "label": that class\'s name}',
        mistakes=[("offset at the last frame's start", lambda p, h, c: _events_from_runs(p, c, lambda a, b: (a * h, (b - 1) * h)),
                   "each offset is one frame early: a run of frames a ... b - 1 ends where its last frame ends, at b · hop"),
                  ("frame centres", lambda p, h, c: _events_from_runs(p, c, lambda a, b: ((a + 0.5) * h, (b - 0.5) * h)),
                   "you used the frames' centres; an event runs from the start of its first frame to the end of its last"),
                  ("frame numbers", lambda p, h, c: _events_from_runs(p, c, lambda a, b: (a, b)),
                   "those are frame numbers; multiply by hop_seconds to get seconds"),
                  ("one event per class", _one_event_per_class,
                   "you joined all of a class's active frames into one event; a frame below the threshold ends an "
                   "event, and the next active frame starts a new one")]),
    "06.median_filter": Exercise(
        title="a median filter along time, per class",
        reference=_median_reference, cases=_median_cases,
        hint="for each frame, the median of the kernel_size frames centred on it; at the edges, repeat the "
             "first and last frame (replicate padding) so the output keeps its length",
        mistakes=[("unchanged", lambda p, k: p, "the output is the input unchanged"),
                  ("mean", lambda p, k: torch.nn.functional.avg_pool1d(
                      torch.nn.functional.pad(p.T[None], (k // 2, k // 2), mode="replicate"), k, 1)[0].T,
                   "that is a moving average: a single spike survives it, smeared; the median removes it")]),
}
