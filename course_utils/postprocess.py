"""Post-processing: a frame model's flickering probabilities -> clean events.

A frame head decides every 20 ms on its own, so its raw output flickers: a
one-frame dropout splits an event in two, a one-frame blip adds a false one.
Frame F1 barely notices; event F1 counts a miss and two false alarms. The
classic cures, applied in this order by `postprocess`:

    probs (..., T, C) float in [0, 1]
      -> median filter      each frame becomes the median of its `median` neighbours (kills blips)
      -> hysteresis         switch on at `on_threshold`, off only below `off_threshold`   -> bool
      -> fill gaps          join events separated by fewer than `min_gap` frames
      -> minimum duration   drop events shorter than `min_duration` frames
    active (..., T, C) bool

Durations here are in frames (multiply by the hop for seconds). Which settings
help depends on the model and the data, so `tune_postprocess` tries a small
grid (`POSTPROCESS_GRID`) and keeps the one with the best event F1
(`course_utils.metrics.activity_event_f1`) on validation clips.

    >>> best = tune_postprocess(val_probs, val_events, hop_seconds=0.02, classes=SCENE_CLASSES)
    >>> active = postprocess(test_probs, **best)          # (N, T, C) bool
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from course_utils.features import check_finite_number
from course_utils.frames import _as_tensor, _check_probabilities, runs
from course_utils.metrics import activity_event_f1

__all__ = ["POSTPROCESS_GRID", "fill_gaps", "hysteresis", "median_filter", "postprocess", "remove_short",
           "tune_postprocess"]


def median_filter(x, kernel_size: int) -> torch.Tensor:
    """Median over `kernel_size` frames (odd), along time, per class: `(..., T, C) -> (..., T, C)`.

    Edges repeat the first/last frame (scipy.ndimage.median_filter's mode="nearest").
    On 0/1 input this is a majority vote over the window.
    """
    x = _as_tensor(x, "x")
    if (isinstance(kernel_size, bool) or not isinstance(kernel_size, (int, np.integer)) or kernel_size < 1
            or kernel_size % 2 == 0):
        raise ValueError(f"kernel_size must be a positive odd int (frames), got {kernel_size!r}")
    kernel_size = int(kernel_size)
    if x.ndim < 2:
        raise ValueError(f"x must have shape (..., frames, classes), got {tuple(x.shape)}")
    if kernel_size == 1 or x.shape[-2] == 0:
        return x.clone()
    is_bool = x.dtype == torch.bool
    v = x.float() if is_bool or not x.is_floating_point() else x
    half = kernel_size // 2
    t = v.transpose(-1, -2)  # (..., C, T)
    lead = t.shape[:-1]
    t = t.reshape(-1, 1, t.shape[-1])  # (N, 1, T): replicate padding wants a channel dim
    t = F.pad(t, (half, half), mode="replicate")[:, 0]  # (N, T + 2 half)
    med = t.unfold(-1, kernel_size, 1).median(dim=-1).values  # (N, T)
    out = med.reshape(*lead, -1).transpose(-1, -2)  # (..., T, C)
    return out.bool() if is_bool else out.to(x.dtype)


def _columns(grid: torch.Tensor) -> torch.Tensor:
    """`(..., T, C) -> (N, T)`: every class column of every clip as one row (a copy)."""
    return grid.transpose(-1, -2).reshape(-1, grid.shape[-2]).clone()


def _uncolumns(cols: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """The inverse of `_columns`: `(N, T) -> like.shape (..., T, C)`."""
    return cols.reshape(*like.shape[:-2], like.shape[-1], like.shape[-2]).transpose(-1, -2).contiguous()


def hysteresis(probs, on_threshold: float, off_threshold: float) -> torch.Tensor:
    """Two thresholds: an event starts where prob >= on and lasts while prob >= off.

    `probs (..., T, C)` -> bool of the same shape. Equivalently: keep every run of
    frames >= off_threshold that contains at least one frame >= on_threshold.
    off_threshold == on_threshold is a plain threshold.
    """
    p = _as_tensor(probs, "probs")
    if not p.is_floating_point() or p.ndim < 2:
        raise ValueError(f"probs must be a float tensor (..., frames, classes), got {p.dtype} {tuple(p.shape)}")
    _check_probabilities(p, "probs")
    for name, value in (("on_threshold", on_threshold), ("off_threshold", off_threshold)):
        check_finite_number(value, name)
    if not 0.0 <= off_threshold <= on_threshold <= 1.0:
        raise ValueError(f"need 0 <= off_threshold <= on_threshold <= 1, got on={on_threshold!r}, off={off_threshold!r}")
    high, low = _columns(p >= on_threshold), _columns(p >= off_threshold)  # (N, T) each
    out = torch.zeros_like(low)
    for n in range(low.shape[0]):
        for start, stop in runs(low[n]):
            if high[n, start:stop].any():
                out[n, start:stop] = True
    return _uncolumns(out, p)


def _check_frames(n, name: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"{name} must be a non-negative int (frames), got {n!r}")
    return int(n)


def _map_columns(active, keep: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
    """Apply `keep(column (T,)) -> column (T,)` to every class column of a bool grid `(..., T, C)`."""
    a = _as_tensor(active, "active")
    if a.dtype != torch.bool or a.ndim < 2:
        raise ValueError(f"active must be a bool tensor (..., frames, classes), got {a.dtype} {tuple(a.shape)}")
    cols = _columns(a)  # (N, T)
    for n in range(cols.shape[0]):
        cols[n] = keep(cols[n])
    return _uncolumns(cols, a)


def fill_gaps(active, min_gap: int) -> torch.Tensor:
    """Join events separated by a gap of fewer than `min_gap` frames (bool `(..., T, C)`).

    Only gaps *between* two events are filled, never the silence before the first or after the last.
    """
    min_gap = _check_frames(min_gap, "min_gap")

    def keep(col):
        for start, stop in runs(~col):
            if start > 0 and stop < col.numel() and stop - start < min_gap:
                col[start:stop] = True
        return col
    return _map_columns(active, keep)


def remove_short(active, min_duration: int) -> torch.Tensor:
    """Drop events shorter than `min_duration` frames (bool `(..., T, C)`)."""
    min_duration = _check_frames(min_duration, "min_duration")

    def keep(col):
        for start, stop in runs(col):
            if stop - start < min_duration:
                col[start:stop] = False
        return col
    return _map_columns(active, keep)


def postprocess(probs, *, median: int = 1, on_threshold: float = 0.5, off_threshold: float | None = None,
                min_gap: int = 0, min_duration: int = 0) -> torch.Tensor:
    """Frame probabilities `(..., T, C)` -> clean bool activity, in the order:
    median filter (`median` frames, odd) -> hysteresis (`on_threshold`, `off_threshold`,
    default: same as on) -> fill gaps shorter than `min_gap` frames -> drop events
    shorter than `min_duration` frames. The defaults do nothing but threshold at 0.5.
    """
    p = _as_tensor(probs, "probs")
    if not p.is_floating_point():
        raise ValueError(f"probs must be float probabilities, got {p.dtype}")
    p = median_filter(p, median)
    active = hysteresis(p, on_threshold, on_threshold if off_threshold is None else off_threshold)
    return remove_short(fill_gaps(active, min_gap), min_duration)


# ----------------------------------------------------------------------------
# Choosing the settings on validation clips

_SETTINGS = tuple(inspect.signature(postprocess).parameters)[1:]  # postprocess's keywords: median, on_threshold, ...

# The settings `tune_postprocess` tries by default: 3 median filters x 2 off-thresholds
# (hysteresis, on at 0.5) x 2 minimum durations x 2 gap fillings = 24 combinations.
POSTPROCESS_GRID = [dict(median=m, on_threshold=0.5, off_threshold=off, min_duration=d, min_gap=g)
                    for m in (1, 5, 9) for off in (0.3, 0.5) for d in (0, 5) for g in (0, 10)]


def tune_postprocess(probs, reference_per_clip, hop_seconds: float, classes: Sequence[str],
                     grid: Sequence[Mapping] | None = None, onset_tolerance: float = 0.2) -> dict:
    """The `postprocess` settings from `grid` (default `POSTPROCESS_GRID`) with the best event F1
    of `probs (clips, T, C)` against `reference_per_clip`. Tune on validation clips, report on test."""
    grid = POSTPROCESS_GRID if grid is None else list(grid)
    if not grid:
        raise ValueError("grid is empty: give at least one set of postprocess settings")
    p = _as_tensor(probs, "probs")
    if p.ndim != 3:
        raise ValueError(f"probs must be (clips, frames, classes), got shape {tuple(p.shape)}; "
                         "for one clip use probs[None]")
    for i, settings in enumerate(grid):
        if not isinstance(settings, Mapping):
            raise TypeError(f"grid[{i}] must be a dict of postprocess settings, got {type(settings).__name__}")
        unknown = sorted(set(settings) - set(_SETTINGS))
        if unknown:
            raise ValueError(f"grid[{i}] has unknown setting(s) {unknown}; postprocess takes {list(_SETTINGS)}")
    return dict(max(grid, key=lambda kw: activity_event_f1(postprocess(probs, **kw), reference_per_clip, hop_seconds,
                                                           classes, onset_tolerance)))
