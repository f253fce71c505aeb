"""Comparing over seeds: a lesson is a difference larger than the seed-to-seed spread.

Train the same recipe with seeds 0, 1, 2, ... and you get a different accuracy each time: the
weights start elsewhere, the batches come in another order, augmentations draw other noise. Two
recipes differ only when their gap is larger than that spread. This module holds the three numbers
every notebook needs for that, so that the rule is written once:

    >>> a, b = [0.84, 0.80, 0.86], [0.66, 0.70, 0.64]   # accuracies of two recipes over 3 seeds
    >>> [round(x, 4) for x in mean_std(a)]
    [0.8333, 0.0306]
    >>> print(show(a))
    0.833 ± 0.031
    >>> round(z_score(a, b), 2)          # gap in units of the combined spread
    3.86
    >>> differs(a, b)                    # |z| > 2: the lesson is supported
    True
    >>> round(z_against(a, 0.5), 1)      # against a number with no spread (a baseline fitted without a seed)
    10.9

The spread is the sample standard deviation (n - 1 in the denominator), so at least two seeds
are needed; the course uses three or more.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

__all__ = ["MIN_SPREAD", "mean_std", "show", "z_score", "z_against", "differs"]

MIN_SPREAD = 1e-3  # a floor for the spread: identical results over seeds would otherwise divide by zero


def _values(values: Sequence[float], name: str) -> list[float]:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise TypeError(f"{name} must be a list of numbers (one per seed), got {type(values).__name__}")
    out = []
    for v in values:
        try:
            out.append(float(v))
        except (TypeError, ValueError):
            raise TypeError(f"{name} must hold numbers (one per seed), got {v!r}") from None
    if len(out) < 2:
        raise ValueError(f"{name} needs results from at least 2 seeds to measure a spread, got {len(out)}")
    if not all(math.isfinite(v) for v in out):
        raise ValueError(f"{name} holds a NaN or infinite result: {out}; a run diverged, fix it before comparing")
    return out


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation of one recipe's results over seeds."""
    values = _values(values, "values")
    return statistics.mean(values), statistics.stdev(values)


def show(values: Sequence[float], digits: int = 3) -> str:
    """'mean ± std', the way the notebooks print a result over seeds."""
    m, s = mean_std(values)
    return f"{m:.{digits}f} ± {s:.{digits}f}"


def z_score(a: Sequence[float], b: Sequence[float]) -> float:
    """(mean(a) - mean(b)) / sqrt(std(a)² + std(b)²): the gap between two recipes in units of their spread."""
    (ma, sa), (mb, sb) = mean_std(_values(a, "a")), mean_std(_values(b, "b"))
    return (ma - mb) / max(math.hypot(sa, sb), MIN_SPREAD)


def z_against(values: Sequence[float], reference: float) -> float:
    """(mean(values) - reference) / std(values): a recipe against a number with no seed (a convex baseline)."""
    m, s = mean_std(_values(values, "values"))
    reference = _values([reference, reference], "reference")[0]
    return (m - reference) / max(s, MIN_SPREAD)


def differs(a: Sequence[float], b: Sequence[float], z: float = 2.0) -> bool:
    """True when the two recipes differ by more than z combined spreads (the course's rule: z = 2)."""
    return abs(z_score(a, b)) > z
