"""Notebook 06: frame probabilities to events; a median filter for frame probabilities."""

import torch


def median_filter(probs, kernel_size):
    half = kernel_size // 2
    padded = torch.cat([probs[:1].expand(half, -1), probs, probs[-1:].expand(half, -1)])  # (T + 2 half, C)
    return torch.stack([padded[t:t + kernel_size].median(0).values for t in range(probs.shape[0])])


def probabilities_to_events(probs, hop_seconds, classes):
    """Another style than the solutions notebook's loop: edges of the on/off mask, found with diff."""
    on = torch.nn.functional.pad((probs >= 0.5).int().T, (1, 1))  # (C, T + 2): off before and after
    edges = on.diff(dim=1)  # (C, T + 1): +1 where a run starts, -1 where it ends
    events = []
    for c, label in enumerate(classes):
        starts = (edges[c] == 1).nonzero().flatten().tolist()
        stops = (edges[c] == -1).nonzero().flatten().tolist()
        events += [{"onset": a * hop_seconds, "offset": b * hop_seconds, "label": label} for a, b in zip(starts, stops)]
    return events


def _runs(probs, c):
    on = (probs[:, c] >= 0.5).tolist()
    return [(a, b) for a in range(len(on)) for b in range(a + 1, len(on) + 1)
            if all(on[a:b]) and (a == 0 or not on[a - 1]) and (b == len(on) or not on[b])]


def _events(probs, classes, edges):
    return [{"onset": edges(a, b)[0], "offset": edges(a, b)[1], "label": label}
            for c, label in enumerate(classes) for a, b in _runs(probs, c)]


SOLUTIONS = {"06.median_filter": median_filter, "06.probabilities_to_events": probabilities_to_events}
WRONG = {
    "06.median_filter": [lambda p, k: p, lambda p, k: torch.zeros_like(p), lambda p, k: p.median(0).values,
                         lambda p, k: p.T],
    "06.probabilities_to_events": [
        lambda p, h, c: [], lambda p, h, c: p,                                          # nothing, input unchanged
        lambda p, h, c: _events(p, c, lambda a, b: (a * h, (b - 1) * h)),               # offset one frame early
        lambda p, h, c: _events(p, c, lambda a, b: (a * h, (b + 1) * h)),               # offset one frame late
        lambda p, h, c: _events(p, c, lambda a, b: (a, b)),                             # frame numbers
        lambda p, h, c: _events(p.flip(1), c, lambda a, b: (a * h, b * h)),             # labels swapped
        lambda p, h, c: [{"onset": a * h, "offset": b * h, "label": i} for i in range(len(c)) for a, b in _runs(p, i)],
        lambda p, h, c: [{"onset": t * h, "offset": (t + 1) * h, "label": c[j]}         # one event per frame
                         for t, j in (p >= 0.5).nonzero().tolist()],
    ],
}
