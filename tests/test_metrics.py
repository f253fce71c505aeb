"""Tests for course_utils.metrics: clip and frame metrics against scikit-learn (exact: integer counts,
F1 to 1e-12); event metrics and the diarization error rate hand-computed, then checked against sed_eval's
event-based metrics (onset only, and DCASE's onset + offset) and pyannote.metrics' identification and
diarization error rates (with and without a collar), to 1e-9 on random annotations."""

import math

import numpy as np
import pytest
import torch
from sklearn import metrics as skm
from sklearn.metrics import precision_recall_fscore_support

from course_utils.frames import events_to_frame_labels
from course_utils.metrics import (
    accuracy,
    activity_event_f1,
    confusion_matrix,
    diarization_error_rate,
    event_scores,
    event_scores_over_clips,
    frame_scores,
    macro_f1,
    per_class_f1,
)

CLASSES = ["speech", "dog", "bell"]


def ev(onset, offset, label="speech"):
    return {"onset": onset, "offset": offset, "label": label}


@pytest.fixture
def pairs():
    rng = np.random.default_rng(0)
    targets = rng.integers(0, 5, size=200)
    preds = np.where(rng.random(200) < 0.7, targets, rng.integers(0, 5, size=200))
    return preds, targets


def test_parity_with_sklearn(pairs):
    preds, targets = pairs
    assert accuracy(preds, targets) == pytest.approx(skm.accuracy_score(targets, preds), abs=1e-7)
    assert macro_f1(preds, targets) == pytest.approx(skm.f1_score(targets, preds, average="macro"), abs=1e-12)
    np.testing.assert_array_equal(confusion_matrix(preds, targets, 5).numpy(), skm.confusion_matrix(targets, preds, labels=range(5)))
    np.testing.assert_allclose(per_class_f1(preds, targets, 5).numpy(), skm.f1_score(targets, preds, average=None), atol=1e-12)


def test_missing_class_matches_sklearn():
    # class 2 is never the answer but is predicted once; class 3 never appears at all
    targets = [0, 0, 1, 1, 1]
    preds = [0, 2, 1, 1, 0]
    assert macro_f1(preds, targets, num_classes=4) == pytest.approx(skm.f1_score(targets, preds, average="macro"), abs=1e-12)
    assert confusion_matrix(preds, targets, 4).shape == (4, 4)


def test_logits_are_argmaxed():
    logits = torch.tensor([[2.0, 0.1], [0.0, 1.0], [3.0, -1.0]])
    assert accuracy(logits, torch.tensor([0, 1, 1])) == pytest.approx(2 / 3)
    assert confusion_matrix(logits, [0, 1, 1]).tolist() == [[1, 0], [1, 1]]


def test_bad_inputs():
    with pytest.raises(ValueError, match="differ in length: 2 vs 3"):
        accuracy([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="empty"):
        accuracy([], [])
    with pytest.raises(ValueError, match="out of range for num_classes=2"):
        confusion_matrix([0, 2], [0, 1], num_classes=2)
    with pytest.raises(ValueError, match=">= 0"):
        macro_f1([0, -1], [0, 1])
    with pytest.raises(ValueError, match=r"shape \(2, 2, 2\)"):
        accuracy(torch.zeros(2, 2, 2), [0, 1])
    with pytest.raises(ValueError, match="non-integer"):
        accuracy(torch.tensor([0.5, 1.0]), [0, 1])
    with pytest.raises(TypeError, match=r"targets must be a tensor of class indices .* got str"):
        accuracy([0, 1], "01")
    with pytest.raises(TypeError, match=r"predictions must be a tensor of class indices .* got int"):
        macro_f1(1, [1])


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
    with pytest.raises(TypeError, match=r"predicted must be a tensor \(frames, classes\).*got dict"):
        frame_scores({}, torch.zeros(5, 2), ["a", "b"])


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


def test_activity_event_f1_turns_runs_into_events():
    classes, hop = ["a"], 0.1
    truth = [[{"onset": 1.0, "offset": 3.0, "label": "a"}], [{"onset": 0.5, "offset": 1.5, "label": "a"}]]
    probs = torch.stack([events_to_frame_labels(e, 40, hop, classes) for e in truth])  # (2, 40, 1)
    assert activity_event_f1(probs >= 0.5, truth, hop, classes) == 1.0
    flicker = probs.clone()
    flicker[0, 20] = 0.0                                # one dropped frame splits the first event in two
    # 3 estimated events for 2 references: both found (the split's first half keeps the onset), 1 false alarm
    assert math.isclose(activity_event_f1(flicker >= 0.5, truth, hop, classes), 2 * 2 / (2 * 2 + 1 + 0))
    with pytest.raises(ValueError, match=r"active must have shape \(clips, frames, classes\), got \(40, 1\)"):
        activity_event_f1(probs[0] >= 0.5, truth[:1], hop, classes)


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
# Parity with the libraries a researcher would use: sed_eval (DCASE) and pyannote.metrics.
# Random events and activities on a grid of exact binary fractions (1/8 s), so times carry no
# rounding and both sides count the same things: the scores must agree to 1e-9.

PARITY_HOP = 0.125  # seconds per frame: exact in binary floating point


def _random_events(rng, n: int, classes: list[str], length: float = 10.0) -> list[dict]:
    events = []
    for _ in range(n):
        onset = float(rng.integers(0, int(length / PARITY_HOP) - 2)) * PARITY_HOP
        duration = float(rng.integers(1, 16)) * PARITY_HOP
        events.append(ev(onset, min(onset + duration, length), classes[int(rng.integers(len(classes)))]))
    return events


def _jitter(rng, events: list[dict], classes: list[str]) -> list[dict]:
    """An estimate: each reference event moved a little (sometimes a lot), some dropped, some added."""
    out = []
    for e in events:
        if rng.random() < 0.15:
            continue
        shift = float(rng.integers(-3, 4)) * PARITY_HOP / 2
        stretch = float(rng.integers(-4, 5)) * PARITY_HOP / 2
        onset = max(0.0, e["onset"] + shift)
        out.append(ev(onset, max(onset + PARITY_HOP, e["offset"] + shift + stretch), e["label"]))
    return out + _random_events(rng, 2, classes)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("offsets", [False, True], ids=["onset-only", "onset-and-offset"])
def test_event_scores_equal_sed_eval_event_based_metrics(seed, offsets):
    sound_event = pytest.importorskip("sed_eval.sound_event", reason="sed_eval: the parity extra (pinned stack)")
    rng = np.random.default_rng(seed)
    references = [_random_events(rng, 8, CLASSES) for _ in range(3)]
    estimates = [_jitter(rng, r, CLASSES) for r in references]
    metric = sound_event.EventBasedMetrics(event_label_list=CLASSES, t_collar=0.2, percentage_of_length=0.5,
                                           evaluate_onset=True, evaluate_offset=offsets)
    as_sed = lambda events: [{"event_onset": e["onset"], "event_offset": e["offset"], "event_label": e["label"]}
                             for e in events]
    for ref, est in zip(references, estimates):
        metric.evaluate(reference_event_list=as_sed(ref), estimated_event_list=as_sed(est))
    theirs = metric.results_overall_metrics()["f_measure"]
    ours = event_scores_over_clips(estimates, references, CLASSES, onset_tolerance=0.2,
                                   offset_tolerance=0.2 if offsets else None, offset_fraction=0.5)
    assert ours["precision"] == pytest.approx(theirs["precision"], abs=1e-9)
    assert ours["recall"] == pytest.approx(theirs["recall"], abs=1e-9)
    assert ours["f1"] == pytest.approx(theirs["f_measure"], abs=1e-9)
    assert 0.1 < ours["f1"] < 0.95  # some events match and some do not: the rule is exercised
    per_class = metric.results_class_wise_metrics()
    for c in CLASSES:
        assert ours["per_class"][c]["f1"] == pytest.approx(per_class[c]["f_measure"]["f_measure"] or 0.0, abs=1e-9)


def _annotation(activity: torch.Tensor, speakers: list[str]):
    """Frame activity (T, S) -> a pyannote Annotation of each speaker's runs, in seconds."""
    from pyannote.core import Annotation, Segment

    annotation = Annotation()
    padded = torch.nn.functional.pad(activity.int().T, (1, 1))  # (S, T + 2)
    for s, name in enumerate(speakers):
        edges = torch.nonzero(padded[s, 1:] != padded[s, :-1]).flatten().tolist()
        for start, stop in zip(edges[::2], edges[1::2]):
            annotation[Segment(start * PARITY_HOP, stop * PARITY_HOP), f"{name}_{start}"] = name
    return annotation


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("mapping", [False, True], ids=["identification", "diarization"])
@pytest.mark.parametrize("collar", [0.0, 0.5])
def test_der_equals_pyannote_metrics(seed, mapping, collar):
    pytest.importorskip("pyannote.metrics", reason="pyannote.metrics: the parity extra (pinned stack)")
    from pyannote.core import Segment, Timeline
    from pyannote.metrics.diarization import DiarizationErrorRate
    from pyannote.metrics.identification import IdentificationErrorRate

    g = torch.Generator().manual_seed(seed)
    speakers = ["ana", "ben", "eva"]
    reference = torch.rand(4, 80, 3, generator=g).lt(0.12).cumsum(1).remainder(2).bool()  # (clips, T, S) runs
    predicted = reference.clone()
    flip = torch.rand(reference.shape, generator=g) < 0.08
    predicted[flip] = ~predicted[flip]                                     # frame errors
    if mapping:
        predicted = predicted[..., torch.tensor([2, 0, 1])]                 # other speaker ids: only a mapping helps
    metric = (DiarizationErrorRate if mapping else IdentificationErrorRate)(collar=collar, skip_overlap=False)
    for r, p in zip(reference, predicted):
        # pyannote's hypothesis labels are its own ids when mapping; otherwise the same names
        hyp_names = [f"spk{i}" for i in range(3)] if mapping else speakers
        uem = Timeline([Segment(0.0, r.shape[0] * PARITY_HOP)])  # the whole clip is evaluated
        metric(_annotation(r, speakers), _annotation(p, hyp_names), uem=uem)
    ours = diarization_error_rate(predicted, reference, optimal_mapping=mapping, collar=collar,
                                  hop_seconds=PARITY_HOP)
    assert ours["der"] == pytest.approx(abs(metric), abs=1e-9)
    components = metric[:]  # accumulated seconds
    assert ours["speech"] * PARITY_HOP == pytest.approx(components["total"], abs=1e-9)
    assert ours["missed"] * PARITY_HOP == pytest.approx(components["missed detection"], abs=1e-9)
    assert ours["false_alarm"] * PARITY_HOP == pytest.approx(components["false alarm"], abs=1e-9)
    assert ours["confusion"] * PARITY_HOP == pytest.approx(components["confusion"], abs=1e-9)
    assert 0.05 < ours["der"] < 1.0 and ours["speech"] > 50  # a real mix of errors, not a trivial 0


def test_der_collar_needs_the_hop_and_a_sane_value():
    x = torch.zeros(10, 2, dtype=torch.bool)
    with pytest.raises(ValueError, match="needs hop_seconds"):
        diarization_error_rate(x, x, collar=0.25)
    with pytest.raises(ValueError, match="collar must be a non-negative number"):
        diarization_error_rate(x, x, collar=-1, hop_seconds=0.02)
