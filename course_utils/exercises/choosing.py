"""Notebook 08's exercises: the z of a gap between two models, and the rule for "this model learned the task"."""

from __future__ import annotations

import statistics

import torch

from .core import Exercise

__all__ = ["EXERCISES"]


# ----------------------------------------------------------------------------
# 08.z_gap: the gap between two models' mean accuracies, in units of their combined seed spread


def _z_cases() -> list[tuple]:
    return [([0.84, 0.80, 0.86], [0.66, 0.70, 0.64]),          # a well ahead
            ([0.42, 0.47, 0.40], [0.45, 0.39, 0.41]),          # a gap inside the spread
            ([0.30, 0.50, 0.40], [0.55, 0.60, 0.52]),          # b ahead: z is negative
            ([0.71, 0.69, 0.75, 0.70, 0.72], [0.60, 0.73, 0.65])]  # five seeds against three


def _z_reference(a: list[float], b: list[float]) -> float:
    from course_utils.seeds import z_score

    return z_score(a, b)


def _gap(a, b) -> float:
    return statistics.mean(a) - statistics.mean(b)


# ----------------------------------------------------------------------------
# 08.learned: did a model beat chance by more than 2 of its own standard deviations over seeds?


def _learned_cases() -> list[tuple]:
    return [([0.62, 0.58, 0.66], 11),        # well above chance
            ([0.12, 0.05, 0.20], 11),        # mean above chance, inside the spread
            ([0.010, 0.020, 0.015], 11),     # below chance, beyond the spread
            ([0.245, 0.295, 0.345], 5),      # z = 1.9 with the sample std (n - 1), above 2 with the population std
            ([0.30, 0.32, 0.28], 11),        # above 1/11 beyond the spread, below one half
            ([0.90, 0.92, 0.88, 0.91, 0.89], 2)]


def _learned_reference(accuracies: list[float], num_classes: int) -> bool:
    from course_utils.compare import Comparison, SeedRuns

    runs = SeedRuns(rows=[{"model": "m", "seed": s, "test_accuracy": a} for s, a in enumerate(accuracies)],
                    baseline=0.0, labels=[f"class {i}" for i in range(num_classes)])
    return Comparison(runs=runs).learned("m")  # the rule the verdicts apply: z against chance > 2


def _compare_bool(got, expected: bool, case: tuple) -> str | None:
    if torch.is_tensor(got) and got.numel() == 1:
        got = got.item()
    if not isinstance(got, bool) and type(got).__name__ != "bool_":  # Python's bool, or numpy's
        return f"it returned a {type(got).__name__}; the answer is True or False"
    return None if bool(got) == expected else "that is not what the rule says for these seeds"


def _z_chance(accuracies, num_classes, spread=statistics.stdev) -> float:
    return (statistics.mean(accuracies) - 1 / num_classes) / spread(accuracies)


EXERCISES: dict[str, Exercise] = {
    "08.z_gap": Exercise(
        title="the gap between two models' mean accuracies over seeds, in units of their combined spread",
        reference=_z_reference, cases=_z_cases,
        hint="z = (mean(a) - mean(b)) / sqrt(std(a)² + std(b)²), with the sample standard deviation over seeds "
             "(n - 1 in the denominator: statistics.stdev, torch.std)",
        mistakes=[("population std", lambda a, b: _gap(a, b) / (statistics.pstdev(a) ** 2 + statistics.pstdev(b) ** 2)
                   ** 0.5, "you used the population standard deviation (divide by n, numpy's default); over a few "
                   "seeds the course uses the sample one (n - 1: statistics.stdev, torch.std)"),
                  ("stds added", lambda a, b: _gap(a, b) / (statistics.stdev(a) + statistics.stdev(b)),
                   "you added the two standard deviations; spreads combine as sqrt(std_a² + std_b²)"),
                  ("one spread", lambda a, b: _gap(a, b) / statistics.stdev(a),
                   "you divided by a's spread only: both models vary from seed to seed, so combine both spreads"),
                  ("wrong sign", lambda a, b: -_gap(a, b) / (statistics.stdev(a) ** 2 + statistics.stdev(b) ** 2)
                   ** 0.5, "the sign is reversed: z is positive when a is ahead (mean(a) - mean(b))"),
                  ("gap only", _gap, "that is the gap itself; z divides it by the combined spread")]),
    "08.learned": Exercise(
        title="did a model learn the task: is it above chance by more than 2 of its own standard deviations?",
        reference=_learned_reference, cases=_learned_cases, compare=_compare_bool,
        hint="chance is 1 / num_classes and has no spread, so z = (mean - chance) / std of the accuracies (sample "
             "std, n - 1); the model learned the task when z > 2",
        mistakes=[("ignores the spread", lambda acc, k: statistics.mean(acc) > 1 / k,
                   "a mean above chance is not enough: a rerun could land below it; ask for more than 2 standard "
                   "deviations above chance"),
                  ("absolute z", lambda acc, k: abs(_z_chance(acc, k)) > 2,
                   "a model far *below* chance has not learned the task: only z > 2 counts, not |z| > 2"),
                  ("population std", lambda acc, k: _z_chance(acc, k, statistics.pstdev) > 2,
                   "you used the population standard deviation (divide by n, numpy's default); the course uses the "
                   "sample one (n - 1), which is wider over a few seeds")]),
}
