"""course_utils.exercises: every check accepts correct solutions, refuses wrong ones, never gives the answer,
and never fails a notebook whose exercise is not attempted yet."""

from __future__ import annotations

import pytest
import torch

from course_utils.exercises import EXERCISES, check

# Hand-written correct solutions (not the course's functions): what a learner would write.


def frame_count(num_samples, n_fft, hop_length, center):
    if center:
        num_samples += 2 * (n_fft // 2)
    return 1 + (num_samples - n_fft) // hop_length


def patch_grid(num_frames, num_mel_bins):
    return (num_mel_bins - 16) // 10 + 1, (num_frames - 16) // 10 + 1


def masked_mean(hidden, mask):
    m = mask[..., None].to(hidden.dtype)                      # (B, T, 1)
    return (hidden * m).sum(1) / m.sum(1)                     # (B, D)


def wav2vec2_frames(num_samples):
    for kernel, stride in zip((10, 3, 3, 3, 3, 2, 2), (5, 2, 2, 2, 2, 2, 2)):
        num_samples = (num_samples - kernel) // stride + 1
    return num_samples


def median_filter(probs, kernel_size):
    half = kernel_size // 2
    padded = torch.cat([probs[:1].expand(half, -1), probs, probs[-1:].expand(half, -1)])  # (T + 2 half, C)
    return torch.stack([padded[t:t + kernel_size].median(0).values for t in range(probs.shape[0])])


SOLUTIONS = {"02.frame_count": frame_count, "04.patch_grid": patch_grid, "05.masked_mean": masked_mean,
             "05.wav2vec2_frames": wav2vec2_frames, "06.median_filter": median_filter}

# Trivially wrong answers every check must refuse: zeros, the input unchanged, the wrong axis, a constant.
WRONG = {
    "02.frame_count": [lambda n, f, h, c: 0, lambda n, f, h, c: n // h, lambda n, f, h, c: 1 + (n - f) // h],
    "04.patch_grid": [lambda t, f: (0, 0), lambda t, f: (f // 16, t // 16), lambda t, f: ((t - 16) // 10 + 1,
                                                                                        (f - 16) // 10 + 1)],
    "05.masked_mean": [lambda h, m: torch.zeros(h.shape[0], h.shape[2]), lambda h, m: h.mean(1),
                       lambda h, m: h.mean(2), lambda h, m: (h * m[..., None]).sum(1) / h.shape[1], lambda h, m: h],
    "05.wav2vec2_frames": [lambda n: 0, lambda n: n // 320, lambda n: n],
    "06.median_filter": [lambda p, k: p, lambda p, k: torch.zeros_like(p), lambda p, k: p.median(0).values,
                         lambda p, k: p.T],
}


def test_every_exercise_has_a_solution_and_wrong_answers_here():
    assert set(SOLUTIONS) == set(EXERCISES) == set(WRONG)


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
