"""Tests for course_utils.postprocess: median filter (parity with scipy, exact), hysteresis,
gap filling, minimum duration, the full chain, and choosing its settings on validation clips."""

import pytest
import scipy.ndimage
import torch

from course_utils.frames import events_to_frame_labels
from course_utils.postprocess import (
    POSTPROCESS_GRID,
    fill_gaps,
    hysteresis,
    median_filter,
    postprocess,
    remove_short,
    tune_postprocess,
)


@pytest.mark.parametrize("k", [1, 3, 5, 9])
def test_median_filter_matches_scipy(k):
    x = torch.rand(2, 40, 3, generator=torch.Generator().manual_seed(k))
    ref = scipy.ndimage.median_filter(x.numpy(), size=(1, k, 1), mode="nearest")
    torch.testing.assert_close(median_filter(x, k), torch.from_numpy(ref), rtol=0, atol=0)  # exact: medians are inputs


def test_median_filter_on_bools_is_a_majority_vote():
    a = torch.tensor([1, 0, 1, 1, 0, 1, 1, 0, 0, 1, 0, 0], dtype=torch.bool)[:, None]
    assert median_filter(a, 3).flatten().int().tolist() == [1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    with pytest.raises(ValueError, match=r"positive odd int .* got 4"):
        median_filter(a, 4)


def test_hysteresis_keeps_low_runs_that_reach_the_high_threshold():
    p = torch.tensor([0.1, 0.45, 0.7, 0.45, 0.2, 0.45, 0.1, 0.9, 0.4])[:, None]
    assert hysteresis(p, 0.6, 0.4).flatten().int().tolist() == [0, 1, 1, 1, 0, 0, 0, 1, 1]
    # equal thresholds: a plain threshold (>=), exactly at the edge
    assert hysteresis(p, 0.45, 0.45).flatten().int().tolist() == [0, 1, 1, 1, 0, 1, 0, 1, 0]
    batched = torch.stack([p.repeat(1, 2), 1 - p.repeat(1, 2)])  # (2, T, 2)
    out = hysteresis(batched, 0.6, 0.4)
    assert torch.equal(out[0, :, 0], hysteresis(p, 0.6, 0.4)[:, 0])
    assert torch.equal(out[1, :, 1], hysteresis(1 - p, 0.6, 0.4)[:, 0])
    with pytest.raises(ValueError, match=r"off_threshold <= on_threshold"):
        hysteresis(p, 0.3, 0.5)


def test_fill_gaps_and_remove_short_at_their_edges():
    a = torch.tensor([1, 0, 1, 1, 0, 0, 1, 0, 0, 0, 1], dtype=torch.bool)[:, None]
    assert fill_gaps(a, 2).flatten().int().tolist() == [1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 1]  # gap 2 is not < 2
    assert fill_gaps(a, 3).flatten().int().tolist() == [1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1]
    assert remove_short(a, 2).flatten().int().tolist() == [0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0]  # length 2 kept
    edge = torch.tensor([0, 0, 1, 0, 0], dtype=torch.bool)[:, None]
    assert torch.equal(fill_gaps(edge, 10), edge)  # leading/trailing silence is not a gap
    with pytest.raises(ValueError, match=r"min_gap must be a non-negative int"):
        fill_gaps(a, -1)


def test_postprocess_defaults_threshold_and_full_chain():
    p = torch.rand(30, 2, generator=torch.Generator().manual_seed(0))
    assert torch.equal(postprocess(p), p >= 0.5)
    flicker = torch.tensor([0.9, 0.9, 0.1, 0.9, 0.9, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1])[:, None]
    out = postprocess(flicker, median=3, on_threshold=0.5, min_duration=2)
    assert out.flatten().int().tolist() == [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]


def test_wrong_types_are_type_errors_naming_the_argument():
    with pytest.raises(TypeError, match=r"x must be a tensor .* got str"):
        median_filter("probs", 3)
    with pytest.raises(TypeError, match=r"probs must be a tensor .* got NoneType"):
        postprocess(None)
    with pytest.raises(TypeError, match=r"active must be a tensor .* got int"):
        fill_gaps(1, 2)
    with pytest.raises(ValueError, match=r"active must be a bool tensor"):
        remove_short(torch.zeros(4, 1), 2)


def test_tune_postprocess_picks_the_setting_that_mends_flicker():
    classes, hop = ["a"], 0.1
    truth = [[{"onset": 1.0, "offset": 3.0, "label": "a"}], [{"onset": 0.5, "offset": 1.5, "label": "a"}]]
    probs = torch.stack([events_to_frame_labels(e, 40, hop, classes) for e in truth])  # (2, 40, 1)
    flicker = probs.clone()
    flicker[0, 20] = 0.0                                # one dropped frame splits the first event in two
    grid = [dict(median=1), dict(median=3)]
    assert tune_postprocess(flicker, truth, hop, classes, grid=grid) == dict(median=3)
    assert tune_postprocess(flicker, truth, hop, classes) in POSTPROCESS_GRID and len(POSTPROCESS_GRID) == 24
    with pytest.raises(ValueError, match="grid is empty"):
        tune_postprocess(flicker, truth, hop, classes, grid=[])
