"""Exercises and the checks that teach: say what is right, what is wrong and a hint, never the answer.

Each notebook's exercises end in a check cell:

    >>> def frame_count(num_samples, n_fft, hop_length, center):
    ...     ...                                   # your answer here
    >>> check("02.frame_count", frame_count)      # prints: not attempted yet, and what to do

A check runs the learner's answer on several cases and compares it with the
course's own implementation (the one the notebook just built), case by case:

    not attempted   the answer is still `...` / None, or raises NotImplementedError:
                    a reminder, never a failure (the shipped notebooks stay green under nbval)
    wrong           the first case that differs, what was expected of it (a shape, a
                    property), and a hint; common mistakes are recognised and named
                    ("you averaged the padding too"), but the right values are not shown
    right           every case agrees

`check` returns a `Result` (truthy when right), so a solution notebook asserts
`check(...).passed`. `EXERCISES` lists every exercise by id ("NN.name").

This module is the machinery; each notebook's exercises live in their own
module of this package (`spectrograms` for 02, `ast_patching` for 04, ...),
each an `EXERCISES` dict that `course_utils.exercises` merges.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import torch

__all__ = ["EXERCISES", "Exercise", "Result", "check", "same"]

# Every exercise by id ("NN.name"): filled by the package (`course_utils/exercises/__init__.py`) from the
# notebook modules, so that `check` can find them.
EXERCISES: dict[str, "Exercise"] = {}


@dataclass
class Result:
    """What a check found. `status` is "not attempted", "wrong" or "right"."""

    exercise: str
    status: str
    message: str
    hint: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "right"

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        mark = {"right": "✅ right", "wrong": "❌ not yet", "not attempted": "… not attempted yet"}[self.status]
        text = f"{mark} ({self.exercise}): {self.message}"
        return text + (f"\n   hint: {self.hint}" if self.hint and self.status != "right" else "")

    __repr__ = __str__

    def _ipython_display_(self) -> None:
        """Show nothing as a cell's value: `check` has printed the result already (once is enough)."""


@dataclass
class Exercise:
    """One exercise: the reference, the cases it is checked on, and the mistakes it recognises.

    `reference(*case)` is the course's implementation; `cases` are argument
    tuples; `compare(got, expected, case)` returns None when they agree, else
    a sentence saying how they differ (without the expected values);
    `mistakes` are (name, wrong(*case), message) triples: when the answer
    agrees with a known wrong answer on every case, its message is shown.
    """

    title: str
    reference: Callable[..., Any]
    cases: Callable[[], list[tuple]]
    hint: str
    compare: Callable[[Any, Any, tuple], str | None] | None = None
    mistakes: list[tuple[str, Callable[..., Any], str]] = field(default_factory=list)
    describe: Callable[[tuple], str] = lambda case: ", ".join(_describe(a) for a in case)


def _describe(value) -> str:
    if torch.is_tensor(value):
        return f"a tensor of shape {tuple(value.shape)}"
    return repr(value)


def same(got, expected, case, atol: float = 1e-5) -> str | None:
    """None when `got` equals `expected` (numbers, tuples or tensors), else how it differs."""
    if torch.is_tensor(expected):
        if not torch.is_tensor(got):
            return f"it returned a {type(got).__name__}, not a tensor"
        if tuple(got.shape) != tuple(expected.shape):
            return f"it returned shape {tuple(got.shape)}; the expected shape is {tuple(expected.shape)}"
        if not torch.allclose(got.double(), expected.double(), atol=atol, rtol=1e-4, equal_nan=False):
            worst = (got.double() - expected.double()).abs().max().item()
            return f"the shape is right but the values differ (largest difference {worst:.3g})"
        return None
    if isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return f"it returned {got!r}; the answer is a tuple of {len(expected)} numbers"
        return None if all(same(g, e, case) is None for g, e in zip(got, expected)) else "at least one number is off"
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        if isinstance(got, torch.Tensor) and got.numel() == 1:
            got = got.item()
        if not isinstance(got, (int, float)) or isinstance(got, bool):
            return f"it returned a {type(got).__name__}; the answer is a number"
        return None if abs(got - expected) <= atol else "the number is off"
    return None if got == expected else "that is not it"


def _fresh(case: tuple) -> list:
    """A copy of every tensor in `case`: an answer that writes into its input cannot spoil the check."""
    return [a.clone() if torch.is_tensor(a) else a for a in case]


def _not_attempted(answer, case) -> bool:
    if answer is None or answer is Ellipsis:
        return True
    if callable(answer):
        try:
            out = answer(*_fresh(case))
        except NotImplementedError:
            return True
        except Exception:  # noqa: BLE001  (a real attempt that crashes: reported as wrong)
            return False
        return out is None or out is Ellipsis
    return False


def check(exercise: str, answer) -> Result:
    """Check `answer` (usually a function) for the exercise `exercise` ("NN.name"); print and return the result."""
    if exercise not in EXERCISES:
        raise KeyError(f"unknown exercise {exercise!r}; the exercises are {sorted(EXERCISES)}")
    spec = EXERCISES[exercise]
    cases = spec.cases()
    result = _judge(exercise, spec, answer, cases)
    print(result)
    return result


def _judge(name: str, spec: Exercise, answer, cases: list[tuple]) -> Result:
    if _not_attempted(answer, cases[0]):
        return Result(name, "not attempted", f"replace the `...` with your answer to “{spec.title}”, then run "
                      "this cell again", spec.hint)
    if not callable(answer):
        return Result(name, "wrong", f"the answer should be a function, got a {type(answer).__name__}", spec.hint)
    compare = spec.compare or same
    outputs = []
    for i, case in enumerate(cases):
        try:
            outputs.append(answer(*_fresh(case)))
        except Exception as exc:  # noqa: BLE001  (the learner's code: report it, do not crash the notebook)
            return Result(name, "wrong", f"on case {i + 1} ({spec.describe(case)}) it raised "
                          f"{type(exc).__name__}: {exc}", spec.hint)
    problems = [compare(got, spec.reference(*case), case) for got, case in zip(outputs, cases)]
    if all(problem is None for problem in problems):
        return Result(name, "right", f"all {len(cases)} cases agree with the course's implementation")
    for _, wrong, message in spec.mistakes:  # a known wrong answer, recognised on every case, is named
        if all(compare(got, wrong(*case), case) is None for got, case in zip(outputs, cases)):
            return Result(name, "wrong", message, spec.hint)
    i = next(i for i, problem in enumerate(problems) if problem is not None)
    right = sum(problem is None for problem in problems)
    return Result(name, "wrong", f"{right} of {len(cases)} cases agree; on case {i + 1} "
                  f"({spec.describe(cases[i])}) {problems[i]}", spec.hint)
