"""Frame-level labels: events <-> frames, the encoder's frame rate, post-processing, metrics.

A clip-level task gives one label per clip. A frame-level task (voice
activity, sound-event detection, who-speaks-when) gives one label *per frame*,
e.g. one every 20 ms for Wav2Vec2. Annotations come as timed events

    [{"onset": 0.52, "offset": 1.31, "label": "speaker_a"}, ...]   (seconds)

and a frame model predicts a grid

    frame labels (frames, classes)   multi-hot: several classes may be on at once

This module holds the bridge between the two and everything around it:

1. events <-> frame labels at a given hop (`events_to_frame_labels`,
   `frame_labels_to_events`), with one documented rounding rule;
2. the Wav2Vec2 convolutional feature encoder's arithmetic from its config:
   how many samples one frame step is (`encoder_stride`), how many samples one
   frame sees (`receptive_field`), how many frames a clip gives (`num_frames`);
3. post-processing of frame probabilities into clean segments (median filter,
   hysteresis thresholds, gap filling, minimum duration);
4. metrics: frame-level precision/recall/F1, event-level F1 with an onset
   (and optional offset) tolerance, and a diarization-style error rate.

Conventions: frame tensors are `(frames, classes)` (a leading batch dim is
accepted where said); times are in seconds; durations in post-processing are
in frames.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F

# ----------------------------------------------------------------------------
# Events <-> frame labels
#
# The rounding rule (one rule, used in both directions):
#
#   frame i covers the time span [i * hop, (i + 1) * hop); its centre is (i + 0.5) * hop.
#   An event [onset, offset) switches frame i on  <=>  onset <= (i + 0.5) * hop < offset.
#
# So an event marks the frames whose *centre* it covers. The first frame on is
# ceil(onset / hop - 0.5), the first frame off again is ceil(offset / hop - 0.5).
# Consequences, all tested: an event whose edges sit exactly on frame boundaries
# marks exactly the frames between them (and the round trip events -> frames ->
# events gives it back unchanged); an edge exactly on a frame centre counts the
# frame in at the onset and out at the offset (half-open, like Python ranges);
# any other event comes back with each edge moved by at most half a hop. A very
# short event that covers no frame centre marks nothing.

_EPS = 1e-9  # float slack: 0.03 / 0.01 is 2.9999999999999996, and must count as 3


def _check_classes(classes: Sequence[str]) -> list[str]:
    classes = list(classes)
    if not classes:
        raise ValueError("classes must be a non-empty list of label names, got []")
    if len(set(classes)) != len(classes):
        dupes = sorted({c for c in classes if classes.count(c) > 1})
        raise ValueError(f"classes must be unique, got duplicates {dupes}")
    return classes


def _check_hop(hop_seconds: float) -> float:
    if isinstance(hop_seconds, bool) or not isinstance(hop_seconds, (int, float)) or not hop_seconds > 0 \
            or not math.isfinite(hop_seconds):
        raise ValueError(f"hop_seconds must be a positive number of seconds, got {hop_seconds!r}")
    return float(hop_seconds)


def _as_event_list(events) -> list[Mapping]:
    """Accept a list of {onset, offset, label} dicts, or the dict of lists that
    a `datasets` Sequence column returns ({"onset": [...], "offset": [...], "label": [...]})."""
    if isinstance(events, Mapping):
        keys = ("onset", "offset", "label")
        if not all(k in events for k in keys):
            raise ValueError(f"events as a mapping must have keys {keys}, got {sorted(events)}")
        n = len(events["onset"])
        if any(len(events[k]) != n for k in keys):
            raise ValueError("events as a mapping must have onset, offset and label lists of the same length")
        return [{k: events[k][i] for k in keys} for i in range(n)]
    return list(events)


def _check_event(event, i: int, classes: list[str]) -> tuple[float, float, int]:
    if not isinstance(event, Mapping) or not {"onset", "offset", "label"} <= set(event):
        raise ValueError(f"event {i} must be a dict with keys onset, offset, label; got {event!r}")
    onset, offset, label = event["onset"], event["offset"], event["label"]
    for name, t in (("onset", onset), ("offset", offset)):
        if isinstance(t, bool) or not isinstance(t, (int, float, np.floating, np.integer)) or not math.isfinite(t):
            raise ValueError(f"event {i}: {name} must be a finite number of seconds, got {t!r}")
        if t < 0:
            raise ValueError(f"event {i}: {name} must not be negative, got {name}={t}")
    if onset > offset:
        raise ValueError(f"event {i}: onset {onset} is after offset {offset}")
    if label not in classes:
        raise ValueError(f"event {i}: unknown label {label!r}; known labels are {classes}")
    return float(onset), float(offset), classes.index(label)


def time_to_frame(t: float, hop_seconds: float) -> int:
    """The first frame whose centre is at or after time `t`: ceil(t / hop - 0.5).

    An event [onset, offset) marks frames time_to_frame(onset) ... time_to_frame(offset) - 1.
    """
    return math.ceil(t / hop_seconds - 0.5 - _EPS)


def events_to_frame_labels(events, num_frames: int, hop_seconds: float, classes: Sequence[str]) -> torch.Tensor:
    """Timed events -> a multi-hot frame grid `(num_frames, len(classes))`, float32.

    Frame i covers [i * hop, (i + 1) * hop) and is on for an event when the event
    covers the frame's centre: onset <= (i + 0.5) * hop < offset (see the rule above).
    Overlapping events of different classes switch several columns on at once.
    Parts of events past the last frame are cut off (an encoder's last frames may
    end before the clip does); an event that starts after the last frame marks nothing.

    `events`: a list of {"onset", "offset", "label"} (seconds), or the same as a dict
    of lists. Raises ValueError for an unknown label, onset > offset, a negative or
    non-finite time, a non-positive hop, or a bad num_frames.

    >>> events_to_frame_labels([{"onset": 0.02, "offset": 0.06, "label": "b"}], 4, 0.02, ["a", "b"])
    tensor([[0., 0.],
            [0., 1.],
            [0., 1.],
            [0., 0.]])
    """
    classes = _check_classes(classes)
    hop = _check_hop(hop_seconds)
    if isinstance(num_frames, bool) or not isinstance(num_frames, (int, np.integer)) or num_frames < 1:
        raise ValueError(f"num_frames must be a positive int, got {num_frames!r}")
    labels = torch.zeros(int(num_frames), len(classes))  # (T, C)
    for i, event in enumerate(_as_event_list(events)):
        onset, offset, c = _check_event(event, i, classes)
        first, stop = time_to_frame(onset, hop), time_to_frame(offset, hop)  # frames [first, stop)
        labels[max(first, 0):max(min(stop, num_frames), 0), c] = 1.0
    return labels


def positive_weights(frame_labels, classes: Sequence[str], power: float = 0.5) -> torch.Tensor:
    """Per-class weights `(C,)` for the positive frames in a multi-label BCE loss:
    (negative frames / positive frames) ** power, counted over `frame_labels (..., T, C)`.

    Why: a knock lasts a few frames in a scene, so most of its column says "no",
    and plain binary cross-entropy learns to say "no" too readily (low recall on
    short, rare events). Weighting every positive frame by negatives / positives
    (power 1) balances the two sides exactly, which tends to over-predict; the
    square root (power 0.5, the default) is the usual compromise. Pass the result
    as `FrameClassificationHead.loss(..., pos_weight=...)` (it is `pos_weight` of
    `torch.nn.BCEWithLogitsLoss`). Count on the training labels only. Every frame
    of `frame_labels` counts: if your grids carry padding frames, leave them out
    first (the course's scenes all have one length, so theirs have none).

    >>> positive_weights(torch.tensor([[1., 0.], [0., 1.], [0., 1.], [0., 1.]]), ["a", "b"])
    tensor([1.7321, 0.5774])
    """
    classes = _check_classes(classes)
    labels = _binarize(frame_labels, 0.5)
    _check_grid(labels, classes, "frame_labels", batch_ok=True)
    if not math.isfinite(power) or power < 0:
        raise ValueError(f"power must be a non-negative number, got {power!r}")
    positives = labels.flatten(0, -2).sum(0).double()  # (C,)
    negatives = labels.shape[:-1].numel() - positives
    if (positives == 0).any():
        missing = [c for c, n in zip(classes, positives.tolist()) if n == 0]
        raise ValueError(f"no positive frames for {missing}: their weight would be infinite; "
                         f"check the labels, or leave those classes out")
    if (negatives == 0).any():
        always = [c for c, n in zip(classes, negatives.tolist()) if n == 0]
        raise ValueError(f"{always} on in every frame: their weight would be 0, so the loss would ignore them; "
                         f"check the labels, or leave those classes out")
    return (negatives / positives).pow(power).float()


def _binarize(frame_labels, threshold: float, name: str = "frame_labels") -> torch.Tensor:
    """Bool `(..., T, C)` from bools, or from probabilities >= threshold."""
    x = torch.as_tensor(frame_labels)
    if x.dtype == torch.bool:
        return x
    if not x.is_floating_point():
        if x.numel() and not ((x == 0) | (x == 1)).all():
            raise ValueError(f"{name} must be bool, 0/1 or probabilities in [0, 1]; got integer values outside {{0, 1}}")
        return x.bool()
    if torch.isnan(x).any():
        raise ValueError(f"{name} contains NaN")
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be in [0, 1], got {threshold!r}")
    return x >= threshold


def _check_grid(x: torch.Tensor, classes: list[str] | None, name: str, batch_ok: bool = False) -> torch.Tensor:
    ranks = (2, 3) if batch_ok else (2,)
    shape = "(frames, classes)" + (" or (batch, frames, classes)" if batch_ok else "")
    if x.ndim not in ranks:
        raise ValueError(f"{name} must have shape {shape}, got {tuple(x.shape)}")
    if classes is not None and x.shape[-1] != len(classes):
        raise ValueError(f"{name} has {x.shape[-1]} class columns but {len(classes)} classes were given: {classes}")
    return x


def runs(active: torch.Tensor) -> list[tuple[int, int]]:
    """The [start, stop) frame ranges where a 1-D bool tensor is True.

    >>> runs(torch.tensor([0, 1, 1, 0, 1], dtype=torch.bool))
    [(1, 3), (4, 5)]
    """
    a = torch.as_tensor(active, dtype=torch.bool).flatten().to("cpu").to(torch.int8)
    edges = torch.diff(F.pad(a, (1, 1)))  # +1 where a run starts, -1 where it stops
    starts = torch.nonzero(edges == 1).flatten().tolist()
    stops = torch.nonzero(edges == -1).flatten().tolist()
    return list(zip(starts, stops))


def frame_labels_to_events(frame_labels, hop_seconds: float, classes: Sequence[str],
                           threshold: float = 0.5) -> list[dict]:
    """A frame grid `(frames, classes)` -> events [{"onset", "offset", "label"}], sorted by onset.

    `frame_labels` is bool / 0-1, or probabilities switched on at >= threshold.
    Each run of active frames [a, b) becomes the event [a * hop, b * hop): the
    inverse of `events_to_frame_labels` for events on frame boundaries.
    """
    classes = _check_classes(classes)
    hop = _check_hop(hop_seconds)
    active = _check_grid(_binarize(frame_labels, threshold), classes, "frame_labels")  # (T, C)
    events = []
    for c, label in enumerate(classes):
        for start, stop in runs(active[:, c]):
            events.append({"onset": round(start * hop, 9), "offset": round(stop * hop, 9), "label": label})
    events.sort(key=lambda e: (e["onset"], e["offset"], classes.index(e["label"])))
    return events


# ----------------------------------------------------------------------------
# The Wav2Vec2 feature encoder's frame rate
#
# Wav2Vec2's feature encoder is a stack of 1-D convolutions, no padding:
#
#   base model   kernel  10   3   3   3   3   2   2
#                stride   5   2   2   2   2   2   2
#
# Each layer with kernel k and stride s maps L samples to floor((L - k) / s) + 1.
# One step of the output moves the input by the product of the strides
# (5 * 2**6 = 320 samples = 20 ms at 16 kHz), and one output frame sees
# 1 + sum_i (k_i - 1) * (s_1 * ... * s_{i-1}) input samples (400 = 25 ms).
# So frame i sees samples [320 i, 320 i + 400). With `config.add_adapter` a
# strided adapter after the transformer thins the frames further: the stride and
# the frame count include it (as transformers counts), the receptive field is the
# conv stack's (the transformer in between already sees the whole clip).


def _conv_layers(config, adapter: bool = True) -> list[tuple[int, int]]:
    """(kernel, stride) of the feature encoder's convs (+ the adapter's, when the config has one)."""
    try:
        kernels, strides = list(config.conv_kernel), list(config.conv_stride)
    except (AttributeError, TypeError):
        raise TypeError(f"config must be a Wav2Vec2-style config with conv_kernel and conv_stride, "
                        f"got {type(config).__name__}") from None
    if len(kernels) != len(strides) or not kernels:
        raise ValueError(f"config.conv_kernel {kernels} and config.conv_stride {strides} must be non-empty and equally long")
    layers = list(zip(kernels, strides))
    if adapter and getattr(config, "add_adapter", False):  # kernel 3, padding 1, stride s: same count as kernel 1
        layers += [(1, config.adapter_stride)] * config.num_adapter_layers
    return layers


def encoder_stride(config) -> int:
    """Input samples per output frame: the product of the conv strides (320 for wav2vec2-base)
    (times the adapter's strides when `config.add_adapter`)."""
    return math.prod(s for _, s in _conv_layers(config))


def receptive_field(config) -> int:
    """Input samples one output frame sees (400 for wav2vec2-base: 25 ms at 16 kHz)."""
    field, jump = 1, 1
    for kernel, stride in _conv_layers(config, adapter=False):
        field += (kernel - 1) * jump  # each layer widens the view by (k - 1) steps of the current spacing
        jump *= stride
    return field


def hop_seconds(config, sample_rate: int = 16000) -> float:
    """Seconds between output frames: encoder_stride / sample_rate (0.02 for wav2vec2-base at 16 kHz)."""
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, int) or sample_rate <= 0:
        raise ValueError(f"sample_rate must be a positive int, got {sample_rate!r}")
    return encoder_stride(config) / sample_rate


def num_frames(config, num_samples):
    """Frames the feature encoder outputs for `num_samples` input samples.

    Same arithmetic as transformers' `Wav2Vec2Model._get_feat_extract_output_lengths`
    (applied layer by layer: floor((L - k) / s) + 1). `num_samples` is an int, or
    an integer tensor of lengths (batch,) -> a tensor. A clip shorter than the
    receptive field gives no frame at all: ValueError.
    """
    lengths = torch.as_tensor(num_samples)
    if lengths.is_floating_point() or lengths.dtype == torch.bool or lengths.ndim > 1:
        raise ValueError(f"num_samples must be an int or a 1-D integer tensor of lengths, got {num_samples!r}")
    field = receptive_field(config)
    if lengths.numel() and lengths.min() < field:
        short = int(lengths.min())
        raise ValueError(f"a clip of {short} samples is shorter than the feature encoder's receptive field of "
                         f"{field} samples ({1000 * field / 16000:g} ms at 16 kHz): it gives no frame; pad it")
    out = lengths.long()
    for kernel, stride in _conv_layers(config):
        out = torch.div(out - kernel, stride, rounding_mode="floor") + 1
    return int(out) if isinstance(num_samples, (int, np.integer)) else out


def frame_spans(config, n_frames: int) -> torch.Tensor:
    """`(n_frames, 2)` [start, stop) input-sample span each output frame sees:
    [i * stride, i * stride + receptive_field). Not defined with an adapter (its frames mix the whole clip)."""
    if getattr(config, "add_adapter", False):
        raise ValueError("frame_spans is the conv feature encoder's geometry; this config has add_adapter=True")
    start = torch.arange(n_frames) * encoder_stride(config)
    return torch.stack([start, start + receptive_field(config)], dim=1)


# ----------------------------------------------------------------------------
# Post-processing: frame probabilities -> clean segments
#
# A frame head decides every 20 ms on its own, so its raw output flickers: a
# one-frame dropout splits an event in two, a one-frame blip adds a false one.
# Event metrics punish both hard. The classic cures, applied in this order by
# `postprocess`:
#
#   median filter      replace each frame by the median of its neighbourhood (kills blips)
#   hysteresis         switch on at a high threshold, off only below a low one
#   fill gaps          join events separated by fewer than `min_gap` frames
#   minimum duration   drop events shorter than `min_duration` frames


def median_filter(x, kernel_size: int) -> torch.Tensor:
    """Median over `kernel_size` frames (odd), along time, per class: `(..., T, C) -> (..., T, C)`.

    Edges repeat the first/last frame (scipy.ndimage.median_filter's mode="nearest").
    On 0/1 input this is a majority vote over the window.
    """
    x = torch.as_tensor(x)
    if isinstance(kernel_size, bool) or not isinstance(kernel_size, int) or kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be a positive odd int (frames), got {kernel_size!r}")
    if x.ndim < 2:
        raise ValueError(f"expected (..., frames, classes), got shape {tuple(x.shape)}")
    if kernel_size == 1 or x.shape[-2] == 0:
        return x.clone()
    is_bool = x.dtype == torch.bool
    v = x.float() if is_bool or not x.is_floating_point() else x
    half = kernel_size // 2
    t = v.transpose(-1, -2)  # (..., C, T)
    lead = t.shape[:-1]
    t = t.reshape(-1, 1, t.shape[-1])  # (N, 1, T): replicate padding wants a channel dim
    t = F.pad(t, (half, half), mode="replicate")[:, 0]  # (N, T + 2 half)
    med = t.unfold(-1, kernel_size, 1).median(dim=-1).values  # (N, T)
    out = med.reshape(*lead, -1).transpose(-1, -2)  # (..., T, C)
    return out.bool() if is_bool else out.to(x.dtype)


def hysteresis(probs, on_threshold: float, off_threshold: float) -> torch.Tensor:
    """Two thresholds: an event starts where prob >= on and lasts while prob >= off.

    `probs (..., T, C)` -> bool of the same shape. Equivalently: keep every run of
    frames >= off_threshold that contains at least one frame >= on_threshold.
    off_threshold == on_threshold is a plain threshold.
    """
    p = torch.as_tensor(probs)
    if not p.is_floating_point() or p.ndim < 2:
        raise ValueError(f"probs must be a float tensor (..., frames, classes), got {p.dtype} {tuple(p.shape)}")
    if not 0.0 <= off_threshold <= on_threshold <= 1.0:
        raise ValueError(f"need 0 <= off_threshold <= on_threshold <= 1, got on={on_threshold!r}, off={off_threshold!r}")
    high, low = p >= on_threshold, p >= off_threshold
    out = torch.zeros_like(low)
    flat_low = low.transpose(-1, -2).reshape(-1, p.shape[-2])  # (N, T)
    flat_high = high.transpose(-1, -2).reshape(-1, p.shape[-2])
    flat_out = out.transpose(-1, -2).reshape(-1, p.shape[-2]).clone()
    for n in range(flat_low.shape[0]):
        for start, stop in runs(flat_low[n]):
            if flat_high[n, start:stop].any():
                flat_out[n, start:stop] = True
    return flat_out.reshape(*p.shape[:-2], p.shape[-1], p.shape[-2]).transpose(-1, -2).contiguous()


def _check_frames(n, name: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"{name} must be a non-negative int (frames), got {n!r}")
    return int(n)


def _map_runs(active, keep) -> torch.Tensor:
    """Apply `keep(column) -> column` to every (.., :, c) column of a bool grid."""
    a = torch.as_tensor(active)
    if a.dtype != torch.bool or a.ndim < 2:
        raise ValueError(f"expected a bool tensor (..., frames, classes), got {a.dtype} {tuple(a.shape)}")
    cols = a.transpose(-1, -2).reshape(-1, a.shape[-2]).clone()  # (N, T)
    for n in range(cols.shape[0]):
        cols[n] = keep(cols[n])
    return cols.reshape(*a.shape[:-2], a.shape[-1], a.shape[-2]).transpose(-1, -2).contiguous()


def fill_gaps(active, min_gap: int) -> torch.Tensor:
    """Join events separated by a gap of fewer than `min_gap` frames (bool `(..., T, C)`).

    Only gaps *between* two events are filled, never the silence before the first or after the last.
    """
    min_gap = _check_frames(min_gap, "min_gap")

    def keep(col):
        gaps = runs(~col)
        for start, stop in gaps:
            if start > 0 and stop < col.numel() and stop - start < min_gap:
                col[start:stop] = True
        return col
    return _map_runs(active, keep)


def remove_short(active, min_duration: int) -> torch.Tensor:
    """Drop events shorter than `min_duration` frames (bool `(..., T, C)`)."""
    min_duration = _check_frames(min_duration, "min_duration")

    def keep(col):
        for start, stop in runs(col):
            if stop - start < min_duration:
                col[start:stop] = False
        return col
    return _map_runs(active, keep)


def postprocess(probs, *, median: int = 1, on_threshold: float = 0.5, off_threshold: float | None = None,
                min_gap: int = 0, min_duration: int = 0) -> torch.Tensor:
    """Frame probabilities `(..., T, C)` -> clean bool activity, in the order:
    median filter (`median` frames, odd) -> hysteresis (`on_threshold`, `off_threshold`,
    default: same as on) -> fill gaps shorter than `min_gap` frames -> drop events
    shorter than `min_duration` frames. The defaults do nothing but threshold at 0.5.
    """
    p = torch.as_tensor(probs)
    if not p.is_floating_point():
        raise ValueError(f"probs must be float probabilities, got {p.dtype}")
    p = median_filter(p, median)
    active = hysteresis(p, on_threshold, on_threshold if off_threshold is None else off_threshold)
    return remove_short(fill_gaps(active, min_gap), min_duration)


# ----------------------------------------------------------------------------
# Metrics
#
# Frame level: every (frame, class) cell is a yes/no decision; count true
# positives, false positives, false negatives, per class and pooled ("micro").
# Event level: an estimated event counts as found when it has the same label as
# a reference event and its onset lies within `onset_tolerance` seconds of it
# (and, optionally, its offset within `offset_tolerance`); each reference event
# can be found once (a maximum matching, as sed_eval does). Event F1 is the harsh
# one: a single flickering frame splits one event into two and costs a miss and
# two false alarms.
#
# Empty cases: a score whose denominator is zero is 1.0 when there was nothing
# to get wrong on that side (no predictions and no references) and 0.0 otherwise;
# e.g. predicting nothing when there is something: precision 0.0, recall 0.0, F1 0.0.
# This differs from sklearn only when both sides are empty (sklearn says 0.0 there).


def _prf(tp: int, fp: int, fn: int) -> dict:
    nothing = tp + fp + fn == 0
    precision = tp / (tp + fp) if tp + fp else float(nothing)
    recall = tp / (tp + fn) if tp + fn else float(nothing)
    f1 = 2 * tp / (2 * tp + fp + fn) if not nothing else 1.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def _summarize(counts: dict[str, tuple[int, int, int]]) -> dict:
    per_class = {label: _prf(*c) for label, c in counts.items()}
    micro = _prf(*(sum(c[i] for c in counts.values()) for i in range(3)))
    return {**{k: micro[k] for k in ("precision", "recall", "f1", "tp", "fp", "fn")},
            "macro_f1": float(np.mean([s["f1"] for s in per_class.values()])), "per_class": per_class}


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


def _checked_events(events, classes: list[str], name: str) -> list[tuple[float, float, int]]:
    try:
        return [_check_event(e, i, classes) for i, e in enumerate(_as_event_list(events))]
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def _max_matches(est: list[tuple[float, float]], ref: list[tuple[float, float]],
                 onset_tolerance: float, offset_tolerance: float | None) -> int:
    """Size of a maximum matching between estimated and reference events of one class."""
    if not est or not ref:
        return 0
    e, r = np.array(est), np.array(ref)  # (E, 2), (R, 2)
    ok = np.abs(e[:, None, 0] - r[None, :, 0]) <= onset_tolerance + _EPS  # (E, R)
    if offset_tolerance is not None:
        ok &= np.abs(e[:, None, 1] - r[None, :, 1]) <= offset_tolerance + _EPS
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(ok, maximize=True)
    return int(ok[rows, cols].sum())


def event_scores(estimated, reference, classes: Sequence[str], onset_tolerance: float = 0.2,
                 offset_tolerance: float | None = None) -> dict:
    """Event-level precision, recall and F1 (micro over classes, and per class).

    `estimated`, `reference`: lists of {"onset", "offset", "label"} (seconds). An
    estimated event matches a reference event of the same label when
    |onset difference| <= onset_tolerance (edges included) and, if `offset_tolerance`
    is given, |offset difference| <= offset_tolerance. Each event is matched at most
    once, and the number of matches is the largest possible (bipartite matching).
    Same return layout as `frame_scores`.
    """
    classes = _check_classes(classes)
    for name, tol in (("onset_tolerance", onset_tolerance), ("offset_tolerance", offset_tolerance)):
        if tol is not None and (isinstance(tol, bool) or not isinstance(tol, (int, float)) or not tol >= 0):
            raise ValueError(f"{name} must be a non-negative number of seconds, got {tol!r}")
    est = _checked_events(estimated, classes, "estimated")
    ref = _checked_events(reference, classes, "reference")
    counts = {}
    for c, label in enumerate(classes):
        e = [(on, off) for on, off, k in est if k == c]
        r = [(on, off) for on, off, k in ref if k == c]
        tp = _max_matches(e, r, onset_tolerance, offset_tolerance)
        counts[label] = (tp, len(e) - tp, len(r) - tp)
    return _summarize(counts)


def event_scores_over_clips(estimated_per_clip, reference_per_clip, classes: Sequence[str],
                            onset_tolerance: float = 0.2, offset_tolerance: float | None = None) -> dict:
    """`event_scores` over a data set: events are matched clip by clip (never across clips) and the
    counts added up before the scores are computed. Same return layout."""
    estimated_per_clip, reference_per_clip = list(estimated_per_clip), list(reference_per_clip)
    if len(estimated_per_clip) != len(reference_per_clip):
        raise ValueError(f"{len(estimated_per_clip)} clips of estimated events but {len(reference_per_clip)} of reference events")
    classes = _check_classes(classes)
    totals = {c: [0, 0, 0] for c in classes}
    for est, ref in zip(estimated_per_clip, reference_per_clip):
        per_class = event_scores(est, ref, classes, onset_tolerance, offset_tolerance)["per_class"]
        for c in classes:
            for i, key in enumerate(("tp", "fp", "fn")):
                totals[c][i] += per_class[c][key]
    return _summarize({c: tuple(v) for c, v in totals.items()})


def activity_event_f1(active, reference_per_clip, hop_seconds: float, classes: Sequence[str],
                      onset_tolerance: float = 0.2) -> float:
    """Event F1 of frame activity `(clips, T, C)` against each clip's reference events: the
    active runs become events (`frame_labels_to_events`), scored by `event_scores_over_clips`."""
    estimated = [frame_labels_to_events(a, hop_seconds, classes) for a in active]
    return event_scores_over_clips(estimated, reference_per_clip, classes, onset_tolerance=onset_tolerance)["f1"]


# The settings `tune_postprocess` tries by default: 3 median filters x 2 off-thresholds
# (hysteresis, on at 0.5) x 2 minimum durations x 2 gap fillings = 24 combinations.
POSTPROCESS_GRID = [dict(median=m, on_threshold=0.5, off_threshold=off, min_duration=d, min_gap=g)
                    for m in (1, 5, 9) for off in (0.3, 0.5) for d in (0, 5) for g in (0, 10)]


def tune_postprocess(probs, reference_per_clip, hop_seconds: float, classes: Sequence[str],
                     grid: Sequence[Mapping] | None = None, onset_tolerance: float = 0.2) -> dict:
    """The `postprocess` settings from `grid` (default `POSTPROCESS_GRID`) with the best event F1
    of `probs (clips, T, C)` against `reference_per_clip`. Tune on validation clips, report on test."""
    grid = POSTPROCESS_GRID if grid is None else list(grid)
    if not grid:
        raise ValueError("grid is empty: give at least one set of postprocess settings")
    return dict(max(grid, key=lambda kw: activity_event_f1(postprocess(probs, **kw), reference_per_clip, hop_seconds,
                                                           classes, onset_tolerance)))


def diarization_error_rate(predicted, reference, threshold: float = 0.5, optimal_mapping: bool = False) -> dict:
    """Who-speaks-when error on frames: (missed + false alarm + confusion) / reference speech.

    `predicted`, `reference`: `(T, S)` or `(batch, T, S)` speaker activity (bool / 0-1
    or probabilities, on at >= threshold); overlapping speech is allowed. In each frame,
    with n_ref reference speakers, n_est estimated and n_ok speakers that are in both:

        missed      = max(0, n_ref - n_est)       speech nobody was credited with
        false alarm = max(0, n_est - n_ref)       speakers credited where there were fewer
        confusion   = min(n_ref, n_est) - n_ok    speech given to the wrong speaker
        speech      = n_ref

    as in the NIST / pyannote definition, counted in frames. The column order is the
    speaker identity (a frame classifier names its speakers); `optimal_mapping=True`
    first permutes the estimated columns to agree best with the reference, as for a
    clustering-based system whose speaker ids are arbitrary. Returns {"der", "missed",
    "false_alarm", "confusion", "speech"} (counts in frames). With no reference speech
    the rate is 0.0 if nothing was predicted either, else inf.
    """
    pred = _check_grid(_binarize(predicted, threshold, "predicted"), None, "predicted", batch_ok=True)
    ref = _check_grid(_binarize(reference, threshold, "reference"), None, "reference", batch_ok=True)
    if pred.shape != ref.shape:
        raise ValueError(f"predicted {tuple(pred.shape)} and reference {tuple(ref.shape)} must have the same shape")
    pred, ref = pred.reshape(-1, pred.shape[-1]).cpu(), ref.reshape(-1, ref.shape[-1]).cpu()  # (frames, S)
    if optimal_mapping:
        from scipy.optimize import linear_sum_assignment

        overlap = (pred[:, :, None] & ref[:, None, :]).sum(0).numpy()  # (S_est, S_ref)
        est_idx, ref_idx = linear_sum_assignment(overlap, maximize=True)
        order = np.empty(ref.shape[1], dtype=np.int64)
        order[ref_idx] = est_idx
        pred = pred[:, torch.from_numpy(order)]
    n_ref, n_est, n_ok = ref.sum(1), pred.sum(1), (ref & pred).sum(1)  # (frames,)
    missed = int((n_ref - n_est).clamp(min=0).sum())
    false_alarm = int((n_est - n_ref).clamp(min=0).sum())
    confusion = int((torch.minimum(n_ref, n_est) - n_ok).sum())
    speech = int(n_ref.sum())
    errors = missed + false_alarm + confusion
    der = errors / speech if speech else (0.0 if errors == 0 else math.inf)
    return {"der": der, "missed": missed, "false_alarm": false_alarm, "confusion": confusion, "speech": speech}


# ----------------------------------------------------------------------------
# Running a frame model over many clips


@torch.no_grad()
def predict_frame_probabilities(model, waveforms: torch.Tensor, batch_size: int = 16) -> torch.Tensor:
    """Per-frame probabilities `(N, T, C)` on the CPU for waveforms `(N, S)`, in eval mode.

    `model(waveforms) -> logits (B, T, C)`; probabilities via `model.head.probabilities`
    (sigmoid for a multi-label head, softmax for a single-label one).
    """
    if not torch.is_tensor(waveforms) or waveforms.ndim != 2:
        raise ValueError(f"waveforms must be a tensor (batch, samples), got {getattr(waveforms, 'shape', type(waveforms))}")
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    out = [model.head.probabilities(model(waveforms[i:i + batch_size].to(device))).float().cpu()
           for i in range(0, waveforms.shape[0], batch_size)]
    model.train(was_training)
    return torch.cat(out)  # (N, T, C)
