"""Notebook 01: which frames one event switches on, and timed events -> a frame grid."""

import math

import torch


def frame_span(onset, offset, hop_seconds):
    # frame i is on when onset <= (i + 0.5) * hop < offset: the first centre at or after each edge
    return math.ceil(onset / hop_seconds - 0.5), math.ceil(offset / hop_seconds - 0.5)


def events_to_frames(events, num_frames, hop_seconds, classes):
    grid = torch.zeros(num_frames, len(classes))                                 # (frames, classes)
    centres = (torch.arange(num_frames, dtype=torch.float64) + 0.5) * hop_seconds  # (frames,)
    for event in events:
        covered = (event["onset"] <= centres) & (centres < event["offset"])       # (frames,) bool
        grid[covered, classes.index(event["label"])] = 1.0
    return grid


SOLUTIONS = {"01.frame_span": frame_span, "01.events_to_frames": events_to_frames}
WRONG = {
    "01.frame_span": [lambda a, b, h: (0, 0), lambda a, b, h: (a, b), lambda a, b, h: (int(a / h), int(b / h)),
                      lambda a, b, h: (round(a / h), round(b / h)),
                      lambda a, b, h: (frame_span(a, b, h)[0], frame_span(a, b, h)[1] - 1),
                      lambda a, b, h: (frame_span(a, b, h)[0] + 1, frame_span(a, b, h)[1] + 1),
                      lambda a, b, h: frame_span(a, b, h)[::-1], lambda a, b, h: frame_span(a, b, h)[0]],
    "01.events_to_frames": [lambda e, n, h, c: torch.zeros(n, len(c)), lambda e, n, h, c: torch.ones(n, len(c)),
                            lambda e, n, h, c: events_to_frames(e, n, h, c).T,
                            lambda e, n, h, c: events_to_frames(e, n + 1, h, c),
                            lambda e, n, h, c: events_to_frames(e, n, h, c).argmax(1),
                            lambda e, n, h, c: events_to_frames(e, n, h, c).flip(1),
                            lambda e, n, h, c: events_to_frames(e, n, h, c).roll(1, 0)],
}
