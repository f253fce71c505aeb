"""Tests for course_utils.frames: events <-> frame labels, the rounding rule, class balance."""

import math
import random

import pytest
import torch

from course_utils.frames import events_to_frame_labels, frame_labels_to_events, positive_weights, runs, time_to_frame

CLASSES = ["speech", "dog", "bell"]


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


HOP = 0.02


def ev(onset, offset, label="speech"):
    return {"onset": onset, "offset": offset, "label": label}


def col(labels, c=0):
    return labels[:, c].int().tolist()


# ----------------------------------------------------------------------------
# events -> frame labels: the centre rule at exact boundaries


def test_event_on_frame_boundaries_marks_exactly_those_frames():
    y = events_to_frame_labels([ev(0.04, 0.10)], 8, HOP, CLASSES)  # frames 2, 3, 4
    assert y.shape == (8, 3) and y.dtype == torch.float32
    assert col(y) == [0, 0, 1, 1, 1, 0, 0, 0]
    assert y[:, 1:].sum() == 0


def test_edge_on_a_frame_centre_counts_in_at_onset_and_out_at_offset():
    # centres are at 0.01, 0.03, 0.05, ...: onset on centre of frame 1, offset on centre of frame 3
    y = events_to_frame_labels([ev(0.03, 0.07)], 6, HOP, CLASSES)
    assert col(y) == [0, 1, 1, 0, 0, 0]
    # a hair either side of the centre moves the edge by one frame
    assert col(events_to_frame_labels([ev(0.0301, 0.0701)], 6, HOP, CLASSES)) == [0, 0, 1, 1, 0, 0]
    assert col(events_to_frame_labels([ev(0.0299, 0.0699)], 6, HOP, CLASSES)) == [0, 1, 1, 0, 0, 0]


def test_short_event_between_centres_marks_nothing_and_one_covering_a_centre_marks_one():
    assert events_to_frame_labels([ev(0.012, 0.028)], 4, HOP, CLASSES).sum() == 0
    assert col(events_to_frame_labels([ev(0.025, 0.035)], 4, HOP, CLASSES)) == [0, 1, 0, 0]
    assert events_to_frame_labels([ev(0.05, 0.05)], 4, HOP, CLASSES).sum() == 0  # zero length


def test_events_past_the_end_are_cut_and_overlaps_are_multi_hot():
    events = [ev(0.0, 0.2, "dog"), ev(0.06, 0.5, "bell"), ev(0.9, 1.0, "speech")]
    y = events_to_frame_labels(events, 5, HOP, CLASSES)
    assert col(y, 1) == [1, 1, 1, 1, 1]
    assert col(y, 2) == [0, 0, 0, 1, 1]
    assert col(y, 0) == [0, 0, 0, 0, 0]
    assert (y.sum(1) == torch.tensor([1, 1, 1, 2, 2])).all()


def test_dict_of_lists_events_as_datasets_returns_them():
    events = {"onset": [0.0, 0.04], "offset": [0.04, 0.08], "label": ["dog", "speech"]}
    y = events_to_frame_labels(events, 4, HOP, CLASSES)
    assert col(y, 1) == [1, 1, 0, 0] and col(y, 0) == [0, 0, 1, 1]


@pytest.mark.parametrize("events, match", [
    ([ev(0.1, 0.2, "cat")], r"unknown label 'cat'"),
    ([ev(0.3, 0.2)], r"onset 0.3 is after offset 0.2"),
    ([ev(-0.1, 0.2)], r"onset must not be negative, got onset=-0.1"),
    ([ev(0.1, float("nan"))], r"offset must be a finite number"),
    ([{"onset": 0.1, "label": "dog"}], r"keys onset, offset, label"),
    ({"onset": [0.1], "offset": [0.2]}, r"must have keys"),
])
def test_bad_events_raise(events, match):
    with pytest.raises(ValueError, match=match):
        events_to_frame_labels(events, 10, HOP, CLASSES)


def test_bad_grid_arguments_raise():
    with pytest.raises(ValueError, match=r"num_frames must be a positive int, got 0"):
        events_to_frame_labels([], 0, HOP, CLASSES)
    with pytest.raises(ValueError, match=r"hop_seconds must be a positive number of seconds, got -0.02"):
        events_to_frame_labels([], 5, -0.02, CLASSES)
    with pytest.raises(ValueError, match=r"duplicates \['dog'\]"):
        events_to_frame_labels([], 5, HOP, ["dog", "dog"])
    with pytest.raises(ValueError, match=r"non-empty"):
        events_to_frame_labels([], 5, HOP, [])


# ----------------------------------------------------------------------------
# frame labels -> events, and the round trip


def test_frame_labels_to_events_runs_and_threshold():
    probs = torch.tensor([[0.1, 0.9], [0.6, 0.9], [0.5, 0.2], [0.49, 0.7]])
    events = frame_labels_to_events(probs, HOP, ["a", "b"], threshold=0.5)
    assert events == [ev(0.0, 0.04, "b"), ev(0.02, 0.06, "a"), ev(0.06, 0.08, "b")]
    assert frame_labels_to_events(torch.zeros(5, 2, dtype=torch.bool), HOP, ["a", "b"]) == []
    with pytest.raises(ValueError, match=r"3 class columns but 2 classes"):
        frame_labels_to_events(torch.zeros(5, 3), HOP, ["a", "b"])
    with pytest.raises(ValueError, match=r"shape \(frames, classes\)"):
        frame_labels_to_events(torch.zeros(5), HOP, ["a"])


def _random_events(rng, n_frames, on_grid):
    events = []
    for label in CLASSES:
        t = rng.uniform(0, 0.1)
        while True:
            onset = t + rng.uniform(0.05, 0.3)
            offset = onset + rng.uniform(0.05, 0.4)
            if offset >= n_frames * HOP:
                break
            if on_grid:
                onset, offset = round(onset / HOP) * HOP, round(offset / HOP) * HOP
            events.append(ev(onset, offset, label))
            t = offset
    return events


def test_round_trip_exact_on_frame_boundaries_and_within_half_a_hop_otherwise():
    rng = random.Random(0)
    key = lambda e: (e["label"], e["onset"])  # noqa: E731
    for on_grid, tolerance in ((True, 1e-9), (False, HOP / 2 + 1e-9)):  # exact on the grid, else half a hop
        for _ in range(20):
            events = _random_events(rng, 200, on_grid=on_grid)
            back = frame_labels_to_events(events_to_frame_labels(events, 200, HOP, CLASSES), HOP, CLASSES)
            assert len(back) == len(events)
            for a, b in zip(sorted(events, key=key), sorted(back, key=key)):
                assert a["label"] == b["label"]
                assert math.isclose(a["onset"], b["onset"], abs_tol=tolerance)
                assert math.isclose(a["offset"], b["offset"], abs_tol=tolerance)


def test_runs():
    assert runs(torch.tensor([True, True, False, True])) == [(0, 2), (3, 4)]
    assert runs(torch.zeros(3, dtype=torch.bool)) == []


def test_time_to_frame_and_wrong_types():
    assert [time_to_frame(t, HOP) for t in (0.0, 0.01, 0.0101, 0.02, 0.115)] == [0, 0, 1, 1, 6]
    with pytest.raises(TypeError, match=r"hop_seconds must be a number of seconds, e\.g\. 0\.02, got str"):
        time_to_frame(0.1, "0.02")
    with pytest.raises(TypeError, match=r"frame_labels must be a tensor \(frames, classes\).*got str"):
        frame_labels_to_events("not a grid", HOP, CLASSES)
    with pytest.raises(TypeError, match=r"classes must be a list of class names.*got 'speech'"):
        events_to_frame_labels([], 5, HOP, "speech")
    with pytest.raises(TypeError, match=r"events must be a list of .* got int"):
        events_to_frame_labels(3, 5, HOP, CLASSES)


# ----------------------------------------------------------------------------
# Positive weights for a class-balanced BCE


def test_positive_weights_hand_computed_batched_and_errors():
    labels = torch.tensor([[1., 0., 1.], [0., 1., 1.], [0., 1., 1.], [0., 1., 0.]])  # (T=4, C=3)
    # a: 1 on / 3 off, b: 3 on / 1 off, c: 3 on / 1 off
    torch.testing.assert_close(positive_weights(labels, ["a", "b", "c"]), torch.tensor([3.0, 1 / 3, 1 / 3]).sqrt())
    torch.testing.assert_close(positive_weights(labels, ["a", "b", "c"], power=1.0), torch.tensor([3.0, 1 / 3, 1 / 3]))
    torch.testing.assert_close(positive_weights(labels, ["a", "b", "c"], power=0.0), torch.ones(3))
    batch = torch.stack([labels, torch.zeros(4, 3)])  # (B=2, T, C): 4 more negative frames per class
    torch.testing.assert_close(positive_weights(batch, ["a", "b", "c"], power=1.0), torch.tensor([7.0, 5 / 3, 5 / 3]))
    torch.testing.assert_close(positive_weights(labels.bool(), ["a", "b", "c"]), positive_weights(labels, ["a", "b", "c"]))
    with pytest.raises(ValueError, match=r"no positive frames for \['b'\]"):
        positive_weights(torch.tensor([[1., 0.], [0., 0.]]), ["a", "b"])
    with pytest.raises(ValueError, match=r"\['a'\] on in every frame"):
        positive_weights(torch.tensor([[1., 0.], [1., 1.]]), ["a", "b"])
    with pytest.raises(ValueError, match="class columns"):
        positive_weights(labels, ["a", "b"])
    with pytest.raises(ValueError, match="power"):
        positive_weights(labels, ["a", "b", "c"], power=-1.0)
    with pytest.raises(TypeError, match=r"frame_labels must be a tensor"):
        positive_weights(None, ["a", "b", "c"])
