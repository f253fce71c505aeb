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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import torch

__all__ = ["EXERCISES", "Exercise", "Result", "check"]


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


def _same(got, expected, case, atol: float = 1e-5) -> str | None:
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
        return None if all(_same(g, e, case) is None for g, e in zip(got, expected)) else "at least one number is off"
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
    compare = spec.compare or _same
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


# ----------------------------------------------------------------------------
# The exercises, notebook by notebook. Each reference is the course's own function.


def _frame_cases() -> list[tuple]:
    return [(16000, 400, 160, True), (16000, 400, 160, False), (8000, 512, 128, True), (1000, 400, 100, False),
            (401, 400, 160, False)]


def _frame_reference(num_samples: int, n_fft: int, hop_length: int, center: bool) -> int:
    from course_utils.features import frame_signal

    return int(frame_signal(torch.zeros(num_samples), n_fft, hop_length, center=center).shape[0])


def _patch_cases() -> list[tuple]:
    return [(1024, 128), (98, 128), (498, 128), (98, 64), (300, 128)]


def _patch_reference(num_frames: int, num_mel_bins: int) -> tuple[int, int]:
    from transformers import ASTConfig

    from course_utils.models.ast import patch_grid

    return patch_grid(ASTConfig(max_length=num_frames, num_mel_bins=num_mel_bins))


def _pool_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(0)
    hidden = torch.randn(3, 7, 4, generator=g)
    mask = torch.tensor([[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0, 0], [1, 1, 0, 0, 0, 0, 0]])
    return [(hidden, mask), (hidden[:1], mask[:1]), (torch.randn(2, 5, 3, generator=g), torch.tensor([[1, 1, 1, 0, 0],
                                                                                                       [1, 0, 0, 0, 0]]))]


def _pool_reference(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    from course_utils.models.heads import masked_mean_pool

    return masked_mean_pool(hidden, mask)


def _median_cases() -> list[tuple]:
    g = torch.Generator().manual_seed(1)
    probs = torch.rand(20, 2, generator=g)
    spike = torch.zeros(12, 1)
    spike[5] = 1.0
    return [(probs, 3), (probs, 5), (spike, 3), (probs, 1)]


def _median_reference(probs: torch.Tensor, kernel_size: int) -> torch.Tensor:
    from course_utils.postprocess import median_filter

    return median_filter(probs, kernel_size)


def _wav2vec2_frame_cases() -> list[tuple]:
    return [(16000,), (400,), (48000,), (12345,), (1000,)]


def _wav2vec2_frame_reference(num_samples: int) -> int:
    from transformers import Wav2Vec2Config

    from course_utils.models.wav2vec2 import num_frames

    config = Wav2Vec2Config()  # wav2vec2-base's encoder: kernels (10, 3, 3, 3, 3, 2, 2), strides (5, 2, 2, 2, 2, 2, 2)
    return int(num_frames(config, num_samples))


EXERCISES: dict[str, Exercise] = {
    "02.frame_count": Exercise(
        title="how many frames does the STFT cut from a clip?",
        reference=_frame_reference, cases=_frame_cases,
        hint="without centring, a frame must fit inside the clip: count the hops after the first frame; "
             "centring pads n_fft // 2 samples on each side first",
        mistakes=[("no first frame", lambda n, f, h, c: (n + (f if c else 0) - f) // h,
                   "off by one: you counted the hops but not the first frame"),
                  ("ignores centring", lambda n, f, h, c: 1 + (n - f) // h,
                   "right without centring, but `center=True` pads the clip first: the cases with center=True differ")]),
    "04.patch_grid": Exercise(
        title="the patch grid (frequency patches, time patches) of an AST input",
        reference=_patch_reference, cases=_patch_cases,
        hint="a 16-wide window moved by a stride of 10 over n positions fits (n - 16) // 10 + 1 times; "
             "do it once along frequency (mel bins) and once along time (frames)",
        mistakes=[("no overlap", lambda t, f: (f // 16, t // 16),
                   "you cut non-overlapping 16x16 tiles; AST's patches overlap: they move by a stride of 10"),
                  ("swapped", lambda t, f: ((t - 16) // 10 + 1, (f - 16) // 10 + 1),
                   "the two numbers are swapped: the grid is (frequency patches, time patches)")]),
    "05.masked_mean": Exercise(
        title="mean-pool hidden states (B, T, D) over the real frames only",
        reference=_pool_reference, cases=_pool_cases,
        hint="multiply by the mask (B, T, 1) before summing over time, and divide by the number of real frames",
        mistakes=[("ignores the mask", lambda h, m: h.mean(1),
                   "you averaged the padding too: padded frames must not count (use the mask)"),
                  ("wrong axis", lambda h, m: (h * m[..., None]).sum(2) / m.sum(1, keepdim=True),
                   "you summed over the feature axis; pooling is over time, axis 1"),
                  ("divides by T", lambda h, m: (h * m[..., None]).sum(1) / h.shape[1],
                   "you divided by all T frames; divide by each clip's number of real frames")]),
    "05.wav2vec2_frames": Exercise(
        title="how many encoder frames wav2vec2-base makes from a clip",
        reference=_wav2vec2_frame_reference, cases=_wav2vec2_frame_cases,
        hint="apply the convolution formula L -> (L - kernel) // stride + 1 once per layer, kernels "
             "(10, 3, 3, 3, 3, 2, 2) and strides (5, 2, 2, 2, 2, 2, 2)",
        mistakes=[("divides by the stride", lambda n: n // 320,
                   "n // 320 is the frame rate, but each convolution also loses (kernel - 1) samples at the edge")]),
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

