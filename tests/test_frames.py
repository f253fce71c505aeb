"""Tests for course_utils.frames: events <-> frames, encoder frame math, post-processing, metrics."""

import math
import random

import numpy as np
import pytest
import scipy.ndimage
import torch
from sklearn.metrics import precision_recall_fscore_support
from transformers import HubertConfig, Wav2Vec2Config, Wav2Vec2Model

from course_utils.frames import (
    POSTPROCESS_GRID,
    activity_event_f1,
    positive_weights,
    tune_postprocess,
    diarization_error_rate,
    encoder_stride,
    event_scores,
    event_scores_over_clips,
    events_to_frame_labels,
    fill_gaps,
    frame_labels_to_events,
    frame_scores,
    frame_spans,
    hop_seconds,
    hysteresis,
    median_filter,
    num_frames,
    postprocess,
    predict_frame_probabilities,
    receptive_field,
    remove_short,
    runs,
)

CLASSES = ["speech", "dog", "bell"]


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models run fastest on one thread; on a busy shared CPU many threads crawl."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
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


# ----------------------------------------------------------------------------
# The feature encoder's frame rate, checked against transformers


def tiny_config(**kw):
    base = dict(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
                conv_dim=(8,) * 7, num_conv_pos_embeddings=8, num_conv_pos_embedding_groups=2)
    return Wav2Vec2Config(**{**base, **kw})


def test_base_model_stride_receptive_field_and_hop():
    config = Wav2Vec2Config()  # wav2vec2-base's feature encoder
    assert encoder_stride(config) == 320
    assert receptive_field(config) == 400
    assert hop_seconds(config, 16000) == 0.02
    assert num_frames(config, 16000) == 49
    assert num_frames(config, 400) == 1
    assert HubertConfig().conv_stride and encoder_stride(HubertConfig()) == 320


def test_num_frames_matches_a_real_wav2vec2_model_output_length():
    torch.manual_seed(0)
    model = Wav2Vec2Model(tiny_config()).eval()
    lengths = [400, 401, 719, 720, 721, 1039, 1040, 3200, 16000, 16001, 16319, 16320, 16399, 16400, 24000]
    with torch.no_grad():
        for n in lengths:
            frames = model(torch.randn(1, n)).last_hidden_state.shape[1]
            assert num_frames(model.config, n) == frames, n
    many = torch.arange(400, 20000, 37)
    assert torch.equal(num_frames(model.config, many), model._get_feat_extract_output_lengths(many))


def test_num_frames_with_an_adapter_matches_transformers():
    config = tiny_config(add_adapter=True, num_adapter_layers=2, adapter_stride=2, output_hidden_size=16)
    model = Wav2Vec2Model(config).eval()
    lengths = torch.arange(400, 8000, 53)
    assert torch.equal(num_frames(config, lengths), model._get_feat_extract_output_lengths(lengths))
    assert encoder_stride(config) == 320 * 4 and receptive_field(config) == 400
    with torch.no_grad():
        assert model(torch.randn(1, 8000)).last_hidden_state.shape[1] == num_frames(config, 8000)


def test_receptive_field_is_what_the_conv_stack_sees():
    """The gradient of frame i w.r.t. the input is non-zero exactly on frame_spans(config)[i]."""
    torch.manual_seed(0)
    config = tiny_config(feat_extract_norm="layer")  # per-frame norm: no mixing across time
    encoder = Wav2Vec2Model(config).feature_extractor.double().eval()
    x = torch.randn(1, 2000, dtype=torch.float64, requires_grad=True)
    feats = encoder(x)  # (1, channels, frames)
    assert feats.shape[-1] == num_frames(config, 2000)
    spans = frame_spans(config, feats.shape[-1])
    for i in (0, 1, feats.shape[-1] - 1):
        (grad,) = torch.autograd.grad(feats[0, :, i].sum(), x, retain_graph=True)
        nonzero = torch.nonzero(grad[0]).flatten()
        assert (nonzero.min().item(), nonzero.max().item() + 1) == tuple(spans[i].tolist())


def test_short_clip_and_bad_config_raise():
    config = Wav2Vec2Config()
    with pytest.raises(ValueError, match=r"399 samples is shorter than the feature encoder's receptive field of 400"):
        num_frames(config, 399)
    with pytest.raises(ValueError, match=r"399 samples"):
        num_frames(config, torch.tensor([16000, 399]))
    with pytest.raises(ValueError, match=r"int or a 1-D integer tensor"):
        num_frames(config, 16000.0)
    with pytest.raises(TypeError, match=r"conv_kernel and conv_stride, got dict"):
        encoder_stride({"conv_stride": [5]})
    with pytest.raises(ValueError, match=r"sample_rate must be a positive int, got 0"):
        hop_seconds(config, 0)


# ----------------------------------------------------------------------------
# Post-processing


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


# ----------------------------------------------------------------------------
# Frame metrics


def test_frame_scores_match_sklearn():
    g = torch.Generator().manual_seed(0)
    pred = torch.rand(3, 50, 3, generator=g) > 0.5
    ref = torch.rand(3, 50, 3, generator=g) > 0.4
    scores = frame_scores(pred, ref, CLASSES)
    p2, r2 = pred.reshape(-1, 3).numpy(), ref.reshape(-1, 3).numpy()
    mp, mr, mf, _ = precision_recall_fscore_support(r2, p2, average="micro")
    cp, cr, cf, _ = precision_recall_fscore_support(r2, p2, average=None)
    assert scores["precision"] == pytest.approx(mp, abs=1e-12)
    assert scores["recall"] == pytest.approx(mr, abs=1e-12)
    assert scores["f1"] == pytest.approx(mf, abs=1e-12)
    assert scores["macro_f1"] == pytest.approx(cf.mean(), abs=1e-12)
    for i, c in enumerate(CLASSES):
        assert scores["per_class"][c]["f1"] == pytest.approx(cf[i], abs=1e-12)
        assert scores["per_class"][c]["precision"] == pytest.approx(cp[i], abs=1e-12)


def test_frame_scores_hand_computed_and_empty_cases():
    ref = torch.tensor([[1, 0], [1, 0], [1, 1], [0, 1]])
    pred = torch.tensor([[1, 0], [0, 0], [1, 0], [1, 1]])
    s = frame_scores(pred, ref, ["a", "b"])
    # a: tp 2, fp 1, fn 1; b: tp 1, fp 0, fn 1 -> micro tp 3 fp 1 fn 2
    assert (s["tp"], s["fp"], s["fn"]) == (3, 1, 2)
    assert s["f1"] == pytest.approx(6 / 9) and s["precision"] == 0.75 and s["recall"] == 0.6
    assert s["per_class"]["b"]["precision"] == 1.0 and s["per_class"]["b"]["recall"] == 0.5
    nothing = torch.zeros(4, 2)
    assert frame_scores(nothing, ref, ["a", "b"])["f1"] == 0.0  # predicting nothing finds nothing
    assert frame_scores(nothing, ref, ["a", "b"])["precision"] == 0.0
    assert frame_scores(ref, nothing, ["a", "b"])["recall"] == 0.0
    both_empty = frame_scores(nothing, nothing, ["a", "b"])
    assert both_empty["f1"] == 1.0 and both_empty["precision"] == 1.0 and both_empty["recall"] == 1.0
    probs = torch.tensor([[0.5, 0.49]])
    assert frame_scores(probs, torch.tensor([[1, 0]]), ["a", "b"])["f1"] == 1.0  # >= threshold is on
    with pytest.raises(ValueError, match=r"same shape"):
        frame_scores(torch.zeros(4, 2), torch.zeros(5, 2), ["a", "b"])


# ----------------------------------------------------------------------------
# Event metrics


def test_event_scores_onset_tolerance_edges():
    ref = [ev(1.0, 2.0)]
    assert event_scores([ev(1.25, 2.0)], ref, CLASSES, onset_tolerance=0.25)["f1"] == 1.0  # exactly on the edge
    assert event_scores([ev(0.75, 2.0)], ref, CLASSES, onset_tolerance=0.25)["f1"] == 1.0
    assert event_scores([ev(1.2, 2.0)], ref, CLASSES, onset_tolerance=0.2)["f1"] == 1.0  # 1.2 - 1.0 = 0.19999...
    assert event_scores([ev(1.0 + 0.2 + 1e-6, 2.0)], ref, CLASSES, onset_tolerance=0.2)["f1"] == 0.0
    # offsets are ignored unless an offset tolerance is given
    assert event_scores([ev(1.0, 5.0)], ref, CLASSES)["f1"] == 1.0
    assert event_scores([ev(1.0, 2.5)], ref, CLASSES, offset_tolerance=0.5)["f1"] == 1.0
    assert event_scores([ev(1.0, 2.5 + 1e-6)], ref, CLASSES, offset_tolerance=0.5)["f1"] == 0.0
    assert event_scores([ev(1.0, 2.0, "dog")], ref, CLASSES)["f1"] == 0.0  # label must agree


def test_event_scores_hand_computed_split_event_and_max_matching():
    ref = [ev(0.0, 1.0), ev(2.0, 3.0), ev(0.5, 1.5, "dog")]
    # the first speech event split in two by a flicker; the second found; the dog missed; a bell false alarm
    est = [ev(0.05, 0.5), ev(0.55, 1.0), ev(2.1, 3.0), ev(4.0, 4.5, "bell")]
    s = event_scores(est, ref, CLASSES, onset_tolerance=0.2)
    assert (s["tp"], s["fp"], s["fn"]) == (2, 2, 1)
    assert s["f1"] == pytest.approx(4 / 7)
    assert s["per_class"]["speech"]["f1"] == pytest.approx(4 / 5)
    assert s["per_class"]["dog"]["recall"] == 0.0 and s["per_class"]["bell"]["precision"] == 0.0
    # greedy matching (first estimate to the closest reference) would find 1; the maximum is 2
    ref2 = [ev(1.0, 1.1), ev(1.3, 1.4)]
    est2 = [ev(1.15, 1.2), ev(0.9, 1.0)]
    assert event_scores(est2, ref2, CLASSES, onset_tolerance=0.2)["tp"] == 2


def test_event_scores_empty_cases_and_errors():
    ref = [ev(1.0, 2.0)]
    assert event_scores([], ref, CLASSES)["f1"] == 0.0
    assert event_scores([], ref, CLASSES)["recall"] == 0.0
    assert event_scores(ref, [], CLASSES)["precision"] == 0.0
    assert event_scores([], [], CLASSES)["f1"] == 1.0
    with pytest.raises(ValueError, match=r"estimated: event 0: unknown label 'cat'"):
        event_scores([ev(0, 1, "cat")], ref, CLASSES)
    with pytest.raises(ValueError, match=r"onset_tolerance must be a non-negative number"):
        event_scores([], ref, CLASSES, onset_tolerance=-0.1)


def test_event_scores_over_clips_matches_within_clips_and_adds_counts():
    ref = [[ev(1.0, 2.0)], [ev(0.0, 1.0), ev(3.0, 4.0, "dog")]]
    est = [[ev(1.1, 2.0), ev(3.0, 3.5, "dog")], [ev(1.0, 1.5)]]  # clip 2's dog estimate sits in clip 1: no match
    s = event_scores_over_clips(est, ref, CLASSES, onset_tolerance=0.2)
    assert (s["tp"], s["fp"], s["fn"]) == (1, 2, 2)
    assert s["per_class"]["dog"]["tp"] == 0 and s["per_class"]["speech"]["fp"] == 1
    assert s["f1"] == pytest.approx(2 / 6)
    with pytest.raises(ValueError, match=r"2 clips of estimated events but 1"):
        event_scores_over_clips(est, ref[:1], CLASSES)


def test_predict_frame_probabilities_batches_like_one_call():
    torch.manual_seed(0)
    from course_utils.models.wav2vec2 import Wav2Vec2FrameClassifier, tiny_wav2vec2_config

    model = Wav2Vec2FrameClassifier(tiny_wav2vec2_config(), CLASSES, multi_label=True).train()
    x = torch.randn(5, 4000)
    probs = predict_frame_probabilities(model, x, batch_size=2)
    assert probs.shape == (5, num_frames(model.config, 4000), 3) and model.training  # mode restored
    with torch.no_grad():
        torch.testing.assert_close(probs, torch.sigmoid(model.eval()(x)), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"waveforms must be a tensor \(batch, samples\)"):
        predict_frame_probabilities(model, x[0])


# ----------------------------------------------------------------------------
# Diarization-style error rate


def test_der_hand_computed():
    # frames:         0       1       2       3       4       5
    ref = torch.tensor([[1, 0], [1, 0], [1, 1], [0, 1], [0, 0], [0, 1]])
    est = torch.tensor([[1, 0], [0, 1], [1, 0], [0, 1], [1, 0], [0, 0]])
    # f0 ok; f1 confusion 1; f2 missed 1; f3 ok; f4 false alarm 1; f5 missed 1; speech = 1+1+2+1+0+1 = 6
    d = diarization_error_rate(est, ref)
    assert (d["missed"], d["false_alarm"], d["confusion"], d["speech"]) == (2, 1, 1, 6)
    assert d["der"] == pytest.approx(4 / 6)
    assert diarization_error_rate(ref, ref)["der"] == 0.0


def test_der_optimal_mapping_and_empty_reference():
    ref = torch.tensor([[1, 0], [1, 0], [0, 1], [0, 1]])
    swapped = ref.flip(1)
    assert diarization_error_rate(swapped, ref)["der"] == 1.0  # all confusion when ids are fixed
    assert diarization_error_rate(swapped, ref)["confusion"] == 4
    assert diarization_error_rate(swapped, ref, optimal_mapping=True)["der"] == 0.0
    none = torch.zeros(4, 2)
    assert diarization_error_rate(none, none)["der"] == 0.0
    assert diarization_error_rate(ref, none)["der"] == math.inf
    assert diarization_error_rate(none, ref)["der"] == 1.0  # all missed


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


# ----------------------------------------------------------------------------
# Event F1 of an activity grid, and choosing post-processing settings


def test_activity_event_f1_and_tune_postprocess_pick_the_setting_that_mends_flicker():
    classes, hop = ["a"], 0.1
    truth = [[{"onset": 1.0, "offset": 3.0, "label": "a"}], [{"onset": 0.5, "offset": 1.5, "label": "a"}]]
    probs = torch.stack([events_to_frame_labels(e, 40, hop, classes) for e in truth])  # (2, 40, 1)
    assert activity_event_f1(probs >= 0.5, truth, hop, classes) == 1.0
    flicker = probs.clone()
    flicker[0, 20] = 0.0                                # one dropped frame splits the first event in two
    # 3 estimated events for 2 references: both found (the split's first half keeps the onset), 1 false alarm
    assert math.isclose(activity_event_f1(flicker >= 0.5, truth, hop, classes), 2 * 2 / (2 * 2 + 1 + 0))
    grid = [dict(median=1), dict(median=3)]
    assert tune_postprocess(flicker, truth, hop, classes, grid=grid) == dict(median=3)
    assert tune_postprocess(flicker, truth, hop, classes) in POSTPROCESS_GRID and len(POSTPROCESS_GRID) == 24
    with pytest.raises(ValueError, match="grid is empty"):
        tune_postprocess(flicker, truth, hop, classes, grid=[])
