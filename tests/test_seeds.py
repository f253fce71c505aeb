"""course_utils.seeds: mean ± std over seeds and the course's z > 2 rule, checked against numpy."""

import doctest

import numpy as np
import pytest

import course_utils.seeds as seeds
from course_utils.seeds import MIN_SPREAD, differs, mean_std, show, z_against, z_score


def test_docstring_examples_hold():
    assert doctest.testmod(seeds).failed == 0


def test_mean_std_is_numpys_sample_statistics():
    values = [0.91, 0.87, 0.95, 0.89]
    m, s = mean_std(values)
    assert m == pytest.approx(np.mean(values), abs=1e-12)
    assert s == pytest.approx(np.std(values, ddof=1), abs=1e-12)
    assert show(values, digits=2) == f"{np.mean(values):.2f} ± {np.std(values, ddof=1):.2f}"


def test_z_score_is_the_gap_over_the_combined_spread():
    a, b = [0.8, 0.9, 0.85], [0.6, 0.7, 0.65]
    expected = (np.mean(a) - np.mean(b)) / np.hypot(np.std(a, ddof=1), np.std(b, ddof=1))
    assert z_score(a, b) == pytest.approx(expected, rel=1e-12)
    assert z_score(b, a) == pytest.approx(-expected, rel=1e-12)
    assert differs(a, b) and differs(b, a) and not differs(a, b, z=10)


def test_overlapping_results_do_not_differ():
    assert not differs([0.8, 0.9, 0.7], [0.85, 0.75, 0.8])


def test_identical_seeds_use_the_floor_instead_of_dividing_by_zero():
    assert z_score([1.0, 1.0, 1.0], [0.9, 0.9, 0.9]) == pytest.approx(0.1 / seeds.MIN_SPREAD)


def test_torch_and_numpy_numbers_are_accepted():
    torch = pytest.importorskip("torch")
    assert mean_std(np.array([1.0, 3.0])) == (2.0, pytest.approx(2 ** 0.5))
    assert mean_std([torch.tensor(1.0), torch.tensor(3.0)])[0] == 2.0


@pytest.mark.parametrize("values, error, message", [
    ([0.9], ValueError, "at least 2 seeds"),
    ([], ValueError, "at least 2 seeds"),
    ([0.9, float("nan")], ValueError, "NaN or infinite"),
    ([0.9, float("inf")], ValueError, "NaN or infinite"),
    ("0.9", TypeError, "list of numbers"),
    (0.9, TypeError, "list of numbers"),
    ([0.9, "high"], TypeError, "must hold numbers"),
])
def test_bad_results_are_refused_by_name(values, error, message):
    with pytest.raises(error, match=message):
        mean_std(values)
    with pytest.raises(error, match=message):
        z_score([0.5, 0.6], values)


def test_z_against_a_number_uses_the_recipes_own_spread():
    values = [0.84, 0.80, 0.86]
    assert z_against(values, 0.5) == pytest.approx((np.mean(values) - 0.5) / np.std(values, ddof=1))
    assert z_against([0.5, 0.5, 0.5], 0.4) == pytest.approx(0.1 / MIN_SPREAD)  # no spread: the floor
    with pytest.raises(ValueError, match="reference holds a NaN"):
        z_against(values, float("nan"))
