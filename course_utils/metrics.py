"""Metrics, from one label per clip down to one label per frame.

1. Clip metrics: accuracy, per-class and macro F1, the confusion matrix.
2. Frame metrics: precision / recall / F1 over (frame, class) cells.
3. Event metrics: precision / recall / F1 over timed events, onsets only or onsets and offsets (DCASE).
4. Who speaks when: the identification and diarization error rates over frames, with a collar.

Each section says what it counts; all of them reduce to true positives, false
positives and false negatives of some unit (a clip, a cell, an event, a
speaker-frame).

    >>> confusion_matrix([0, 1, 1], [0, 1, 0], num_classes=2)
    tensor([[1, 1],
            [0, 1]])
    >>> frame_scores(probs, frame_targets, classes)["f1"]            # (N, T, C) each
    >>> event_scores(estimated_events, reference_events, classes)["f1"]
    >>> diarization_error_rate(speaker_activity, reference_activity)["der"]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import torch

from course_utils.features import check_finite_number
from course_utils.frames import (_EPS, _as_event_list, _as_tensor, _binarize, _check_classes, _check_event,
                                 _check_grid, frame_labels_to_events)
from course_utils.models.base import check_positive_int, holds_class_names

__all__ = [
    "accuracy", "confusion_matrix", "macro_f1", "per_class_f1",           # clips
    "frame_scores",                                                       # frames
    "activity_event_f1", "event_scores", "event_scores_over_clips",      # events
    "collar_mask", "diarization_error_rate",                              # who speaks when
]

# ----------------------------------------------------------------------------
# 1. Clip metrics
#
# All start from the same two vectors: what the model predicted and what the
# answer was, one integer class index per clip (`targets`). `predictions` may
# also be logits or probabilities `(batch, num_classes)`; the predicted class is
# then the argmax.
#
# In the confusion matrix rows are the true class, columns the predicted class
# (as in scikit-learn), so row i tells where the clips of class i went. Accuracy
# is the diagonal over the total; macro-F1 averages the per-class F1 so that a
# rare class counts as much as a common one (a model that ignores a class cannot
# hide behind the others).


def _as_class_indices(values, name: str) -> tuple[torch.Tensor, int | None]:
    """Integer class indices (N,) from indices (N,) or scores (N, C); and C when scores were given."""
    if not torch.is_tensor(values) and not isinstance(values, (np.ndarray, list, tuple)):
        raise TypeError(f"{name} must be a tensor of class indices (N,) or scores (N, C), got {type(values).__name__}")
    if holds_class_names(values):
        raise TypeError(f"{name} are class names ({str(values)[:40]}...); the metrics take class indices: map them "
                        "with course_utils.models.base.label_indices(names, labels)")
    try:
        t = torch.as_tensor(np.asarray(values) if isinstance(values, (list, tuple)) else values)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise ValueError(f"{name} cannot be turned into a tensor of class indices ({exc})") from None
    if t.dtype == torch.bool or t.is_complex():
        raise ValueError(f"{name} must be integer class indices (N,) or scores (N, C), got dtype {t.dtype}")
    if t.is_floating_point() and not torch.isfinite(t).all():  # argmax would pick a NaN as the winner
        raise ValueError(f"{name} contains {int((~torch.isfinite(t)).sum())} NaN or Inf values")
    num_scores = None
    if t.ndim == 2:  # logits or probabilities (N, C)
        num_scores = t.shape[1]
        t = t.argmax(dim=1)
    if t.ndim != 1:
        raise ValueError(f"{name} must be class indices (N,) or scores (N, C), got shape {tuple(t.shape)}")
    if t.is_floating_point():
        if not torch.all(t == t.round()):
            raise ValueError(f"{name} must be integer class indices, got non-integer values such as {t[t != t.round()][0].item()}")
    return t.detach().cpu().long(), num_scores


def _pair(predictions, targets) -> tuple[torch.Tensor, torch.Tensor]:
    preds, pred_classes = _as_class_indices(predictions, "predictions")
    target, target_classes = _as_class_indices(targets, "targets")
    if preds.shape != target.shape:
        raise ValueError(f"predictions and targets differ in length: {preds.numel()} vs {target.numel()}")
    if preds.numel() == 0:
        raise ValueError("predictions and targets are empty: nothing to score")
    if (preds < 0).any() or (target < 0).any():
        raise ValueError(f"class indices must be >= 0, got min prediction {preds.min().item()}, min target {target.min().item()}")
    for name, index, scored, classes in (("targets", target, "predictions", pred_classes),
                                         ("predictions", preds, "targets", target_classes)):
        if classes is not None and index.max() >= classes:  # a class the scores have no column for
            raise ValueError(f"{name} hold class index {index.max().item()} but {scored} are scores for {classes} "
                             f"classes (indices 0..{classes - 1})")
    return preds, target


def accuracy(predictions, targets) -> float:
    """Fraction of clips whose predicted class equals the target class."""
    preds, target = _pair(predictions, targets)
    return (preds == target).float().mean().item()


def confusion_matrix(predictions, targets, num_classes: int | None = None) -> torch.Tensor:
    """Counts `(num_classes, num_classes)`, int64: entry [i, j] = clips of class i predicted as j."""
    preds, target = _pair(predictions, targets)
    if num_classes is not None:
        check_positive_int(num_classes, "num_classes")
    seen = int(max(preds.max(), target.max())) + 1
    if num_classes is None:
        num_classes = seen
    elif seen > num_classes:
        raise ValueError(f"class index {seen - 1} out of range for num_classes={num_classes}")
    # Each (true, predicted) pair maps to one cell of the flattened matrix.
    flat = target * num_classes + preds  # (N,)
    return torch.bincount(flat, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def per_class_f1(predictions, targets, num_classes: int | None = None) -> torch.Tensor:
    """F1 of each class `(num_classes,)`: 2·TP / (2·TP + FP + FN); 0 where the class never occurs nor is predicted."""
    cm = confusion_matrix(predictions, targets, num_classes).double()
    tp = cm.diag()
    fp = cm.sum(dim=0) - tp  # predicted as the class, but were something else
    fn = cm.sum(dim=1) - tp  # were the class, but predicted as something else
    denom = 2 * tp + fp + fn
    return torch.where(denom > 0, 2 * tp / denom.clamp(min=1), torch.zeros_like(tp))


def macro_f1(predictions, targets, num_classes: int | None = None) -> float:
    """Unweighted mean of the per-class F1 over the classes that occur in targets or predictions.

    Matches `sklearn.metrics.f1_score(targets, predictions, average="macro")`.
    """
    preds, target = _pair(predictions, targets)
    f1 = per_class_f1(preds, target, num_classes)
    present = torch.zeros(f1.numel(), dtype=torch.bool)
    present[preds] = True
    present[target] = True
    return f1[present].mean().item()


# ----------------------------------------------------------------------------
# 2. Frame metrics
#
# Every (frame, class) cell is a yes/no decision; count true positives, false
# positives, false negatives, per class and pooled ("micro").
#
# Empty cases (here and for events): a score whose denominator is zero is 1.0
# when there was nothing to get wrong on that side (no predictions and no
# references) and 0.0 otherwise; e.g. predicting nothing when there is
# something: precision 0.0, recall 0.0, F1 0.0. This differs from sklearn only
# when both sides are empty (sklearn says 0.0 there).


def _prf(tp: int, fp: int, fn: int) -> dict:
    nothing = tp + fp + fn == 0
    precision = tp / (tp + fp) if tp + fp else float(nothing)
    recall = tp / (tp + fn) if tp + fn else float(nothing)
    f1 = 2 * tp / (2 * tp + fp + fn) if not nothing else 1.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def _summarize(counts: dict[str, tuple[int, int, int]]) -> dict:
    """Per-class (tp, fp, fn) -> micro scores, macro F1 and the per-class scores."""
    per_class = {label: _prf(*c) for label, c in counts.items()}
    micro = _prf(*(sum(c[i] for c in counts.values()) for i in range(3)))
    return {**micro, "macro_f1": float(np.mean([s["f1"] for s in per_class.values()])), "per_class": per_class}


def frame_scores(predicted, reference, classes: Sequence[str], threshold: float = 0.5) -> dict:
    """Frame-level precision, recall and F1: micro (all cells pooled) and per class.

    `predicted`, `reference`: `(T, C)` or `(batch, T, C)`, bool / 0-1 or probabilities
    (switched on at >= threshold). Returns {"precision", "recall", "f1", "tp", "fp",
    "fn" (micro), "macro_f1", "per_class": {label: {precision, recall, f1, tp, fp, fn}}}.
    """
    classes = _check_classes(classes)
    pred = _check_grid(_binarize(predicted, threshold, "predicted"), classes, "predicted", batch_ok=True)
    ref = _check_grid(_binarize(reference, threshold, "reference"), classes, "reference", batch_ok=True)
    if pred.shape != ref.shape:
        raise ValueError(f"predicted {tuple(pred.shape)} and reference {tuple(ref.shape)} must have the same shape")
    pred, ref = pred.reshape(-1, len(classes)).cpu(), ref.reshape(-1, len(classes)).cpu()  # (cells, C)
    tp = (pred & ref).sum(0).tolist()
    fp = (pred & ~ref).sum(0).tolist()
    fn = (~pred & ref).sum(0).tolist()
    return _summarize({c: (tp[i], fp[i], fn[i]) for i, c in enumerate(classes)})


# ----------------------------------------------------------------------------
# 3. Event metrics
#
# An estimated event counts as found when it has the same label as a reference
# event and its onset lies within `onset_tolerance` seconds of it (and,
# optionally, its offset within `offset_tolerance`); each reference event can be
# found once (a maximum matching, as sed_eval does). Event F1 is the harsh one:
# a single flickering frame splits one event into two: matched on onsets, the first
# half is a hit and the second a false alarm; with offsets checked too (DCASE), the
# first half can miss its offset, and the event costs a miss and two false alarms
# (`course_utils.postprocess` mends that).


def _checked_events(events, classes: list[str], name: str) -> list[tuple[float, float, int]]:
    try:
        return [_check_event(e, i, classes) for i, e in enumerate(_as_event_list(events))]
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def _max_matches(est: list[tuple[float, float]], ref: list[tuple[float, float]],
                 onset_tolerance: float, offset_tolerance: float | None, offset_fraction: float = 0.0) -> int:
    """Size of a maximum matching between estimated and reference events of one class."""
    if not est or not ref:
        return 0
    e, r = np.array(est), np.array(ref)  # (E, 2), (R, 2) [onset, offset]
    ok = np.abs(e[:, None, 0] - r[None, :, 0]) <= onset_tolerance + _EPS  # (E, R): may match
    if offset_tolerance is not None:
        allowed = np.maximum(offset_tolerance, offset_fraction * (r[:, 1] - r[:, 0]))  # (R,) DCASE's offset collar
        ok &= np.abs(e[:, None, 1] - r[None, :, 1]) <= allowed[None, :] + _EPS
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(ok, maximize=True)
    return int(ok[rows, cols].sum())


def event_scores(estimated, reference, classes: Sequence[str], onset_tolerance: float = 0.2,
                 offset_tolerance: float | None = None, offset_fraction: float = 0.0) -> dict:
    """Event-level precision, recall and F1 (micro over classes, and per class).

    `estimated`, `reference`: lists of {"onset", "offset", "label"} (seconds). An
    estimated event matches a reference event of the same label when
    |onset difference| <= onset_tolerance (edges included) and, if `offset_tolerance`
    is given, |offset difference| <= max(offset_tolerance, offset_fraction x the
    reference event's length). Each event is matched at most once, and the number
    of matches is the largest possible (bipartite matching). Same return layout as
    `frame_scores`.

    Two conventions, named as such:
      - onset only (the default): "did it find the start?", the course's event F1;
      - onset and offset, DCASE's event-based metric: `offset_tolerance=0.2,
        offset_fraction=0.5` is sed_eval's `EventBasedMetrics(t_collar=0.2,
        percentage_of_length=0.5)`, which tests/test_metrics.py checks it against.
    """
    classes = _check_classes(classes)
    for name, tol in (("onset_tolerance", onset_tolerance), ("offset_tolerance", offset_tolerance),
                      ("offset_fraction", offset_fraction)):
        if tol is not None and (isinstance(tol, bool) or not isinstance(tol, (int, float)) or not tol >= 0):
            raise ValueError(f"{name} must be a non-negative number{' of seconds' * (name != 'offset_fraction')}, "
                             f"got {tol!r}")
    est = _checked_events(estimated, classes, "estimated")
    ref = _checked_events(reference, classes, "reference")
    counts = {}
    for c, label in enumerate(classes):
        e = [(on, off) for on, off, k in est if k == c]
        r = [(on, off) for on, off, k in ref if k == c]
        tp = _max_matches(e, r, onset_tolerance, offset_tolerance, offset_fraction)
        counts[label] = (tp, len(e) - tp, len(r) - tp)
    return _summarize(counts)


def event_scores_over_clips(estimated_per_clip, reference_per_clip, classes: Sequence[str],
                            onset_tolerance: float = 0.2, offset_tolerance: float | None = None,
                            offset_fraction: float = 0.0) -> dict:
    """`event_scores` over a data set: events are matched clip by clip (never across clips) and the
    counts added up before the scores are computed. Same return layout."""
    estimated_per_clip, reference_per_clip = list(estimated_per_clip), list(reference_per_clip)
    for name, clips in (("estimated_per_clip", estimated_per_clip), ("reference_per_clip", reference_per_clip)):
        single = next((i for i, clip in enumerate(clips) if isinstance(clip, Mapping) and "onset" in clip
                       and not isinstance(clip["onset"], (list, tuple, np.ndarray))), None)
        if single is not None:
            raise ValueError(f"{name}[{single}] is a single event, not a clip's list of events: {name} holds one list "
                             "of events per clip (for one clip, call event_scores)")
    if len(estimated_per_clip) != len(reference_per_clip):
        raise ValueError(f"{len(estimated_per_clip)} clips of estimated events but {len(reference_per_clip)} of reference events")
    classes = _check_classes(classes)
    totals = {c: [0, 0, 0] for c in classes}
    for est, ref in zip(estimated_per_clip, reference_per_clip):
        per_class = event_scores(est, ref, classes, onset_tolerance, offset_tolerance, offset_fraction)["per_class"]
        for c in classes:
            for i, key in enumerate(("tp", "fp", "fn")):
                totals[c][i] += per_class[c][key]
    return _summarize({c: tuple(v) for c, v in totals.items()})


def activity_event_f1(active, reference_per_clip, hop_seconds: float, classes: Sequence[str],
                      onset_tolerance: float = 0.2) -> float:
    """Event F1 of frame activity `(clips, T, C)` against each clip's reference events: the
    active runs become events (`frame_labels_to_events`), scored by `event_scores_over_clips`."""
    active = _as_tensor(active, "active")
    if active.ndim != 3:
        raise ValueError(f"active must have shape (clips, frames, classes), got {tuple(active.shape)}")
    estimated = [frame_labels_to_events(a, hop_seconds, classes) for a in active]
    return event_scores_over_clips(estimated, reference_per_clip, classes, onset_tolerance=onset_tolerance)["f1"]


# ----------------------------------------------------------------------------
# 4. Diarization: who speaks when


def collar_mask(reference: torch.Tensor, collar_frames: float) -> torch.Tensor:
    """Frames that count `(..., T)`: False within `collar_frames / 2` frames of a reference boundary.

    `reference` `(..., T, S)` is bool activity. A boundary is where any speaker's
    activity starts or stops (the clip's edges count when a speaker is active
    there). A frame is left out when its centre lies within half the collar of a
    boundary: the NIST "forgiveness collar" that pyannote.metrics centres on each
    reference segment boundary, so a system is not charged for where exactly a
    human annotator put a turn's edge.
    """
    reference = _as_tensor(reference, "reference").bool()
    if reference.ndim < 2:
        raise ValueError(f"reference must be speaker activity (..., frames, speakers), "
                         f"got shape {tuple(reference.shape)}")
    if check_finite_number(collar_frames, "collar_frames") <= 0:
        return torch.ones(reference.shape[:-1], dtype=torch.bool, device=reference.device)
    padded = torch.nn.functional.pad(reference.to(torch.int8).transpose(-1, -2), (1, 1))       # (..., S, T + 2)
    changes = (padded[..., 1:] != padded[..., :-1]).any(-2)                                      # (..., T + 1)
    t = torch.arange(reference.shape[-2], device=reference.device, dtype=torch.float64) + 0.5  # (T,) frame centres
    b = torch.arange(reference.shape[-2] + 1, device=reference.device, dtype=torch.float64)    # (T + 1,) frame edges
    near = (t[:, None] - b[None, :]).abs() < collar_frames / 2 - _EPS                           # (T, T + 1)
    return ~(changes[..., None, :] & near).any(-1)                                              # (..., T)


def diarization_error_rate(predicted, reference, threshold: float = 0.5, optimal_mapping: bool = False,
                           collar: float = 0.0, hop_seconds: float | None = None) -> dict:
    """Who-speaks-when error on frames: (missed + false alarm + confusion) / reference speech.

    `predicted`, `reference`: `(T, S)` or `(clips, T, S)` speaker activity (bool / 0-1
    or probabilities, on at >= threshold); overlapping speech is allowed. In each frame,
    with n_ref reference speakers, n_est estimated and n_ok speakers that are in both:

        missed      = max(0, n_ref - n_est)       speech nobody was credited with
        false alarm = max(0, n_est - n_ref)       speakers credited where there were fewer
        confusion   = min(n_ref, n_est) - n_ok    speech given to the wrong speaker
        speech      = n_ref

    as in the NIST / pyannote definition, counted in frames (multiply by the hop for
    seconds). Two settings decide which error this is:

      - `optimal_mapping=False`: the column order is the speaker identity. That is
        *speaker identification* (pyannote's IdentificationErrorRate): a frame classifier
        trained on named speakers, which can only find the speakers it was trained on.
      - `optimal_mapping=True`: *diarization* (pyannote's DiarizationErrorRate). Speaker
        ids are arbitrary, so each clip's estimated columns are first permuted to agree
        best with its reference (Hungarian matching of overlap, per clip, as pyannote
        does per file).

    `collar` (seconds, with `hop_seconds` the frame hop) leaves out the frames within
    collar / 2 of a reference boundary (`collar_mask`); NIST's usual collar is 0.25 s.
    tests/test_metrics.py checks both settings against pyannote.metrics.

    Returns {"der", "missed", "false_alarm", "confusion", "speech"} (counts in frames).
    With no reference speech the rate is 0.0 if nothing was predicted either, else inf.
    """
    pred = _check_grid(_binarize(predicted, threshold, "predicted"), None, "predicted", batch_ok=True)
    ref = _check_grid(_binarize(reference, threshold, "reference"), None, "reference", batch_ok=True)
    if pred.shape != ref.shape:
        raise ValueError(f"predicted {tuple(pred.shape)} and reference {tuple(ref.shape)} must have the same shape")
    if isinstance(collar, bool) or not isinstance(collar, (int, float)) or not collar >= 0:
        raise ValueError(f"collar must be a non-negative number of seconds, got {collar!r}")
    if collar > 0 and (hop_seconds is None or isinstance(hop_seconds, bool) or not isinstance(hop_seconds, (int, float))
                       or not hop_seconds > 0 or not math.isfinite(hop_seconds)):
        raise ValueError(f"a collar in seconds needs hop_seconds, the frame hop in seconds (> 0); got {hop_seconds!r}")
    clips = math.prod(pred.shape[:-2])  # 1 for (T, S); explicit, so that T = 0 frames reshapes too
    pred, ref = pred.reshape(clips, *pred.shape[-2:]).cpu(), ref.reshape(clips, *ref.shape[-2:]).cpu()  # (clips, T, S)
    scored = collar_mask(ref, collar / hop_seconds if collar > 0 else 0.0)                        # (clips, T)
    if optimal_mapping:
        from scipy.optimize import linear_sum_assignment

        mapped = []
        for p, r, keep in zip(pred, ref, scored):
            overlap = (p[keep][:, :, None] & r[keep][:, None, :]).sum(0).numpy()  # (S_est, S_ref)
            est_idx, ref_idx = linear_sum_assignment(overlap, maximize=True)
            order = np.empty(r.shape[1], dtype=np.int64)
            order[ref_idx] = est_idx
            mapped.append(p[:, torch.from_numpy(order)])
        pred = torch.stack(mapped)
    pred, ref = pred[scored], ref[scored]                                            # (frames, S)
    n_ref, n_est, n_ok = ref.sum(1), pred.sum(1), (ref & pred).sum(1)  # (frames,)
    missed = int((n_ref - n_est).clamp(min=0).sum())
    false_alarm = int((n_est - n_ref).clamp(min=0).sum())
    confusion = int((torch.minimum(n_ref, n_est) - n_ok).sum())
    speech = int(n_ref.sum())
    errors = missed + false_alarm + confusion
    der = errors / speech if speech else (0.0 if errors == 0 else math.inf)
    return {"der": der, "missed": missed, "false_alarm": false_alarm, "confusion": confusion, "speech": speech}
