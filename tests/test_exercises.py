"""course_utils.exercises: every check accepts correct solutions, refuses wrong ones, never gives the answer,
and never fails a notebook whose exercise is not attempted yet."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch

from course_utils.exercises import EXERCISES, check

ANSWERS = Path(__file__).parent / "answers"


def _load_answers() -> tuple[dict, dict]:
    """SOLUTIONS and WRONG of every tests/answers/nnNN.py, merged (loaded by path: tests/ is not a package)."""
    solutions, wrong = {}, {}
    for path in sorted(ANSWERS.glob("nn*.py")):
        spec = importlib.util.spec_from_file_location(f"answers_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert not set(module.SOLUTIONS) & set(solutions), f"{path.name} answers an exercise twice"
        solutions.update(module.SOLUTIONS)
        wrong.update(module.WRONG)
    return solutions, wrong


SOLUTIONS, WRONG = _load_answers()
median_filter = SOLUTIONS["06.median_filter"]


def test_every_exercise_has_a_solution_and_wrong_answers_here():
    assert set(SOLUTIONS) == set(EXERCISES) == set(WRONG)
    for name in EXERCISES:  # each notebook's exercises and answers sit in the files named for it
        assert (ANSWERS / f"nn{name[:2]}.py").exists(), name


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_the_course_reference_and_a_hand_solution_pass(name, capsys):
    assert check(name, EXERCISES[name].reference).passed
    result = check(name, SOLUTIONS[name])
    assert result.passed and result.status == "right" and bool(result)
    assert "right" in capsys.readouterr().out  # the check prints what it found


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_trivially_wrong_answers_are_refused_with_a_hint(name):
    for wrong in WRONG[name]:
        result = check(name, wrong)
        assert result.status == "wrong" and not result, (name, result)
        assert result.hint and result.message


@pytest.mark.parametrize("name", sorted(EXERCISES))
@pytest.mark.parametrize("blank", ["ellipsis", "none", "body", "not-implemented"])
def test_an_unattempted_exercise_reports_and_does_not_raise(name, blank):
    def body(*args):
        ...

    def not_implemented(*args):
        raise NotImplementedError

    answer = {"ellipsis": ..., "none": None, "body": body, "not-implemented": not_implemented}[blank]
    result = check(name, answer)
    assert result.status == "not attempted" and not result.passed
    assert "not attempted yet" in str(result)


def test_known_mistakes_are_named():
    assert "averaged the padding" in check("05.masked_mean", lambda h, m: h.mean(1)).message
    assert "moving average" in check("06.median_filter", lambda p, k: torch.nn.functional.avg_pool1d(
        torch.nn.functional.pad(p.T[None], (k // 2, k // 2), mode="replicate"), k, 1)[0].T).message
    assert "swapped" in check("04.patch_grid", lambda t, f: ((t - 16) // 10 + 1, (f - 16) // 10 + 1)).message


def test_a_wrong_number_is_not_given_away():
    result = check("05.wav2vec2_frames", lambda n: n // 321)
    expected = [str(EXERCISES["05.wav2vec2_frames"].reference(*c)) for c in EXERCISES["05.wav2vec2_frames"].cases()]
    assert result.status == "wrong" and not any(f" {e} " in f" {result.message} " for e in expected)


def test_a_crashing_answer_is_reported_not_raised():
    result = check("05.masked_mean", lambda h, m: h @ m)
    assert result.status == "wrong" and "raised RuntimeError" in result.message


def test_an_answer_that_edits_its_input_does_not_spoil_the_next_case():
    def in_place(probs, kernel_size):
        probs.zero_()
        return median_filter(probs, kernel_size)

    assert check("06.median_filter", in_place).status == "wrong"
    assert check("06.median_filter", median_filter).passed  # the cases are fresh for every check


def test_unknown_exercise_and_non_functions_are_named():
    with pytest.raises(KeyError, match="unknown exercise '99.nothing'"):
        check("99.nothing", lambda: 1)
    assert "should be a function" in check("04.patch_grid", (12, 101)).message
