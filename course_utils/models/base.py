"""What every course classifier shares: its labels, its input, its output activation, its loss.

The contract itself is written once, in `course_utils/models/__init__.py`.
`Classifier` is the small base class that implements the parts that are the
same for every model, so that each model file only says what is its own
(the front-end and the network):

    labels        class names, in logit order (distinct strings; at least 2 for softmax)
    sample_rate   the rate the front-end expects, e.g. 16000
    num_samples   the clip length the model was built for, e.g. 16000 (1 s)
    multi_label   False: one class per clip, softmax + cross-entropy;
                  True: every class is its own yes/no question, sigmoid + binary cross-entropy

    probabilities(logits)   softmax or sigmoid over the last axis
    loss(logits, targets)   cross-entropy on class indices, or BCE on multi-hot targets
"""

from __future__ import annotations

import numbers
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from course_utils.audio import validate_waveform
from course_utils.features import check_not_channels_last

__all__ = ["CONTRACT", "Classifier", "check_classifier", "check_known_keys", "check_labels", "check_lengths",
           "check_positive_int", "classification_loss", "count_parameters", "holds_class_names", "label_indices",
           "model_device", "resolve_config"]

CONTRACT = ("labels", "sample_rate", "num_samples", "multi_label", "probabilities", "loss")


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """How many parameters `model` has (only those that will train, with `trainable_only=True`)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def check_classifier(model: nn.Module, *, clip_level: bool = False) -> None:
    """Raise TypeError unless `model` follows the course classifier contract (course_utils.models).

    `clip_level=True` also refuses frame classifiers (`frame_level = True`), whose logits are
    per frame: what needs one answer per clip (fit, evaluate, predict) cannot use them.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    missing = [a for a in CONTRACT if not hasattr(model, a)]
    if missing:
        raise TypeError(f"{type(model).__name__} does not follow the course classifier contract: "
                        f"missing {missing} (see course_utils.models)")
    if clip_level and getattr(model, "frame_level", False):
        raise TypeError(f"{type(model).__name__} predicts one label per frame, not per clip: train it with "
                        "model.loss(logits, frame_targets, mask) and run it with "
                        "course_utils.inference.chunked_frame_predict")


def model_device(model: nn.Module) -> torch.device:
    """The device of the model's first parameter (or buffer); CPU for a model with neither."""
    tensor = next(iter(model.parameters()), None)
    if tensor is None:
        tensor = next(iter(model.buffers()), None)
    return tensor.device if tensor is not None else torch.device("cpu")


def check_positive_int(value, name: str) -> int:
    """`value` as an int when it is a positive integer (not a bool, not a float), else a ValueError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def check_labels(labels: Sequence[str], multi_label: bool = False) -> list[str]:
    """`labels` as a list of distinct class names, or a ValueError/TypeError that says what is wrong.

    A softmax over one class is always 1.0, so a single-label classifier needs two
    labels; a multi-label one ("is it X?") can have one.
    """
    if isinstance(labels, np.ndarray) and labels.ndim == 1:
        labels = labels.tolist()  # e.g. np.unique(names): numpy strings become str
    if isinstance(labels, (set, frozenset)):
        raise TypeError(f"labels must be a list of class names in logit order, got a set {sorted(labels)[:5]}: a set "
                        "has no order; pass sorted(labels)")
    if isinstance(labels, str) or not isinstance(labels, Sequence):
        raise TypeError(f"labels must be a list of class names, e.g. ['dog', 'cat'], got {labels!r}")
    labels = list(labels)
    bad = [label for label in labels if not isinstance(label, str) or not label]
    if bad:
        raise TypeError(f"labels must be non-empty strings (class names; integer targets go elsewhere), got {bad[:3]}")
    labels = [str(label) for label in labels]  # numpy's str_ becomes a plain str
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        raise ValueError(f"labels must be distinct, but {duplicates} appear more than once")
    if len(labels) < (1 if multi_label else 2):
        raise ValueError(f"a single-label (softmax) classifier needs at least 2 labels, got {labels}; "
                         "for one yes/no class use multi_label=True")
    return labels


def check_lengths(lengths, waveforms: torch.Tensor) -> torch.Tensor | None:
    """`lengths` (B,) as a long tensor on the waveforms' device, each in [1, S], or None."""
    if lengths is None:
        return None
    if not torch.is_tensor(lengths):
        if isinstance(lengths, (list, tuple)) or hasattr(lengths, "__array__"):
            lengths = torch.as_tensor(lengths)
        else:
            raise TypeError(f"lengths must be a tensor (batch,) of sample counts, got {type(lengths).__name__}")
    if lengths.is_floating_point() or lengths.dtype == torch.bool or lengths.shape != waveforms.shape[:1]:
        raise ValueError(f"lengths must be integers of shape ({waveforms.shape[0]},), "
                         f"got shape {tuple(lengths.shape)} {lengths.dtype}")
    if lengths.numel() and (lengths.min() < 1 or lengths.max() > waveforms.shape[1]):
        raise ValueError(f"lengths must lie in [1, {waveforms.shape[1]}] (the padded clip length), got {lengths.tolist()}")
    return lengths.to(device=waveforms.device, dtype=torch.long)


def holds_class_names(targets) -> bool:
    """True when `targets` is a (nested) list, tuple or numpy array of strings: class names, not indices."""
    if isinstance(targets, np.ndarray):
        return targets.dtype.kind in "US" or (targets.dtype.kind == "O" and targets.size > 0
                                              and isinstance(targets.flat[0], str))
    if isinstance(targets, (list, tuple)) and targets:
        return isinstance(targets[0], str) or holds_class_names(targets[0])
    return False


def label_indices(targets, labels: Sequence[str], name: str = "targets") -> torch.Tensor:
    """Class names -> their indices in `labels`, as a long tensor of the same shape.

    `targets` is a list (or nested list, or numpy array) of class names, e.g.
    `["dog", "cat", "dog"]` for a model whose `labels` are `["cat", "dog"]` -> `tensor([1, 0, 1])`.
    A name that is not in `labels` is a ValueError that names it and lists the known ones.
    """
    if isinstance(targets, str):
        raise TypeError(f"{name} must hold one class name per clip, got the single string {targets!r}; "
                        f"for one clip write [{targets!r}]")
    names = np.asarray(targets, dtype=object)
    flat = names.reshape(-1).tolist()
    other = [v for v in flat if not isinstance(v, str)]
    if any(isinstance(v, (list, tuple)) for v in other):
        raise TypeError(f"{name} holds lists of class names of different lengths; give one name per clip (or per "
                        "frame), or multi-hot targets (N, C) for a multi-label model")
    if other:
        raise TypeError(f"{name} mixes class names with other values (e.g. {other[0]!r}); give all names "
                        f"(from {list(labels)[:5]}) or all class indices")
    index = {label: i for i, label in enumerate(labels)}
    unknown = sorted({v for v in flat if v not in index})
    if unknown:
        raise ValueError(f"{name}: unknown label(s) {unknown[:5]}; the model's labels are {list(labels)}")
    return torch.tensor([index[v] for v in flat], dtype=torch.long).reshape(names.shape)


def classification_loss(logits: torch.Tensor, targets: torch.Tensor, multi_label: bool = False) -> torch.Tensor:
    """The loss that matches the output activation: softmax <-> cross-entropy, sigmoid <-> BCE.

    logits (B, C). Single-label targets: class indices (B,), or class probabilities (B, C)
    (soft targets, e.g. from mixup). Multi-label targets: multi-hot (B, C), values in [0, 1].
    numpy arrays and lists of indices are accepted; class names are mapped by `Classifier.loss`
    (which knows the labels).
    """
    if not torch.is_tensor(logits) or logits.ndim != 2 or not logits.is_floating_point():
        raise ValueError(f"logits must be a float tensor (batch, classes), got "
                         f"{tuple(logits.shape) if torch.is_tensor(logits) else type(logits).__name__}")
    if holds_class_names(targets) or isinstance(targets, str):
        raise TypeError(f"targets are class names ({str(targets)[:40]}...); classification_loss takes class indices: "
                        "call model.loss(logits, names), which maps them through model.labels, or label_indices")
    if not torch.is_tensor(targets):
        if not isinstance(targets, (list, tuple, np.ndarray)):
            raise TypeError(f"targets must be a tensor of class indices (batch,) or multi-hot (batch, classes), "
                            f"got {type(targets).__name__}")
        targets = torch.as_tensor(np.asarray(targets), device=logits.device)
    if targets.shape[:1] != logits.shape[:1]:
        raise ValueError(f"logits hold {logits.shape[0]} clips but targets hold {targets.shape[0] if targets.ndim else 0}: "
                         f"one target per clip (logits {tuple(logits.shape)}, targets {tuple(targets.shape)})")
    if multi_label:
        if targets.shape != logits.shape:
            raise ValueError(f"multi-label targets must be multi-hot with the logits' shape {tuple(logits.shape)}, "
                             f"got {tuple(targets.shape)}")
        if targets.numel() and (targets.min() < 0 or targets.max() > 1 or torch.isnan(targets.float()).any()):
            raise ValueError(f"multi-label targets must lie in [0, 1] (1: the class is present), got values from "
                             f"{targets.min().item()} to {targets.max().item()}")
        return F.binary_cross_entropy_with_logits(logits, targets.to(logits.dtype))
    if targets.shape == logits.shape and targets.is_floating_point():  # soft targets: rows are distributions
        rows = targets.sum(dim=-1)
        if (targets < 0).any() or not torch.allclose(rows, torch.ones_like(rows), atol=1e-4):
            raise ValueError("single-label (softmax) targets of shape (batch, classes) must be class probabilities "
                             "(each row sums to 1, e.g. from mixup); multi-hot targets need multi_label=True")
        return F.cross_entropy(logits, targets.to(logits.dtype))
    if targets.ndim != 1 or targets.is_floating_point() or targets.dtype == torch.bool:
        raise ValueError(f"single-label targets must be integer class indices of shape (batch,) (or class "
                         f"probabilities {tuple(logits.shape)}), got {tuple(targets.shape)} {targets.dtype}; "
                         "multi-hot targets need multi_label=True")
    if targets.numel() and (targets.min() < 0 or targets.max() >= logits.shape[-1]):
        bad = targets[(targets < 0) | (targets >= logits.shape[-1])][0].item()
        raise ValueError(f"target {bad} is out of range for {logits.shape[-1]} classes")
    return F.cross_entropy(logits, targets.long())


def check_known_keys(config: dict, known, name: str, hint: str | None = None) -> None:
    """A misspelt setting is a ValueError that names it, not a silently ignored key."""
    unknown = sorted(set(config) - set(known))
    if unknown:
        raise ValueError(f"unknown {name} setting(s) {unknown}; " + (hint or f"known: {sorted(known)}"))


def resolve_config(config, defaults: dict, name: str) -> dict:
    """Settings from `defaults` with `config` (None or a dict of overrides) applied; a misspelt key is
    a ValueError that lists the known ones, not a silently ignored setting."""
    if config is None:
        return dict(defaults)
    if not isinstance(config, dict):
        raise TypeError(f"{name} config must be None or a dict of settings, got {type(config).__name__}")
    check_known_keys(config, defaults, name)
    return {**defaults, **config}


class Classifier(nn.Module):
    """Base class of the course classifiers: stores and checks the contract's attributes and
    implements `probabilities` and `loss` once. Subclasses build their network and `forward`."""

    def __init__(self, labels: Sequence[str], *, sample_rate: int, num_samples: int, multi_label: bool = False):
        super().__init__()
        if isinstance(multi_label, np.bool_):
            multi_label = bool(multi_label)
        if not isinstance(multi_label, bool):
            raise TypeError(f"multi_label must be True or False, got {multi_label!r}")
        check_positive_int(sample_rate, "sample_rate")
        check_positive_int(num_samples, "num_samples")
        self.labels = check_labels(labels, multi_label)
        self.sample_rate, self.num_samples, self.multi_label = int(sample_rate), int(num_samples), multi_label

    @property
    def num_classes(self) -> int:
        return len(self.labels)

    def probabilities(self, logits: torch.Tensor) -> torch.Tensor:
        """softmax over classes (exactly one label per clip) or an independent sigmoid per class
        (AudioSet-style: speech *and* music *and* a dog may all be present)."""
        return logits.sigmoid() if self.multi_label else logits.softmax(dim=-1)

    def loss(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Cross-entropy on class indices (B,), or binary cross-entropy on multi-hot targets (B, C).
        Class names (`["dog", "cat"]`) are mapped to their indices in `labels`."""
        if holds_class_names(targets) or isinstance(targets, str):
            targets = label_indices(targets, self.labels).to(logits.device)
        return classification_loss(logits, targets, self.multi_label)

    @property
    def min_samples(self) -> int:
        """The shortest true length the model can read (e.g. one fbank frame, one encoder frame);
        inference pads a shorter clip with silence up to it."""
        return 1

    def prepare_input(self, waveforms: torch.Tensor, lengths=None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """`(waveforms, lengths)` checked, the waveforms cast to the model's float dtype (a float64
        batch from numpy works); a clear error for anything that is not a float batch `(B, S)`."""
        if not torch.is_tensor(waveforms):
            raise TypeError(f"waveforms must be a torch tensor (batch, samples), got {type(waveforms).__name__}; "
                            "convert with torch.as_tensor(x, dtype=torch.float32)")
        # one checker for every model: rank (a single clip is refused with the fix), dtype, empty, NaN/Inf
        checked = validate_waveform(waveforms, name="waveforms", require_batch=True, keep_float64=True)
        check_not_channels_last(checked, "waveforms")
        device = model_device(self)
        if checked.device != device:
            raise ValueError(f"waveforms are on {checked.device} but the model is on {device}: move them first, "
                             f"e.g. waveforms.to(next(model.parameters()).device)")
        dtype = next((p.dtype for p in self.parameters() if p.is_floating_point()), checked.dtype)
        return checked.to(dtype), check_lengths(lengths, waveforms)

    def extra_repr(self) -> str:
        return (f"labels={self.labels[:4]}{'...' if len(self.labels) > 4 else ''}, sample_rate={self.sample_rate}, "
                f"num_samples={self.num_samples}, multi_label={self.multi_label}")
