"""Heads: how any encoder's hidden states become a classifier.

"Every transformer can become a classifier." An audio encoder (Wav2Vec2,
HuBERT, the course AST) turns a clip into a sequence of hidden states, one
vector per frame (~20 ms for Wav2Vec2) or per patch:

    hidden states (batch, frames, hidden_size)

and a small head on top says what they mean. There are two task shapes:

    clip label   -> SequenceClassificationHead: pool the frames into one
                    vector, then a linear layer    (batch, num_classes)
    frame labels -> FrameClassificationHead: a linear layer on every frame
                    (batch, frames, n_classes)

Two details decide whether the head is right or silently wrong:

1. Padding. Clips in a batch have different lengths, so the short ones are
   zero-padded. The padded frames are not silence the model heard, they are
   an artefact of batching; a mean over them changes the answer. Pool with a
   mask (`masked_mean_pool`) and a padded batch gives the same logits as the
   clips one by one.
2. Which layer. The last layer is tuned to the pretraining task; middle
   layers often carry more of what a downstream task needs. `WeightedLayerSum`
   learns a softmax-weighted mix of all of them (the SUPERB recipe).

The heads reproduce transformers' `Wav2Vec2ForSequenceClassification` and
`Wav2Vec2ForAudioFrameClassification` exactly (same parameter names, same
arithmetic; tests/test_heads.py checks the logits to 1e-5), but take plain
tensors, so they sit on any encoder. `course_utils.models.wav2vec2` puts them
on a Wav2Vec2 encoder.
"""

from __future__ import annotations

import math
import numbers
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from course_utils.models.base import check_positive_int, holds_class_names

__all__ = ["FrameClassificationHead", "SequenceClassificationHead", "WeightedLayerSum", "lengths_to_mask",
           "masked_mean_pool", "train_linear_probe"]


# ----------------------------------------------------------------------------
# Masks and pooling


def lengths_to_mask(lengths: torch.Tensor, max_length: int) -> torch.Tensor:
    """A boolean mask `(batch, max_length)`: True on the first `lengths[i]` steps of row i.

    >>> lengths_to_mask(torch.tensor([3, 1]), 4)
    tensor([[ True,  True,  True, False],
            [ True, False, False, False]])
    """
    if not isinstance(lengths, (torch.Tensor, list, tuple)) and not hasattr(lengths, "__array__"):
        raise TypeError(f"lengths must be a tensor (batch,) of lengths, got {type(lengths).__name__}")
    lengths = torch.as_tensor(lengths)
    if lengths.ndim != 1 or lengths.is_floating_point():
        raise ValueError(f"lengths must be a 1-D integer tensor (batch,), got shape {tuple(lengths.shape)} {lengths.dtype}")
    if lengths.numel() and (lengths.min() < 0 or lengths.max() > max_length):
        bad = lengths[(lengths < 0) | (lengths > max_length)][0].item()
        raise ValueError(f"length {bad} is outside [0, {max_length}] (the padded length)")
    steps = torch.arange(max_length, device=lengths.device)  # (T,)
    return steps[None, :] < lengths[:, None]  # (B, T)


def _check_hidden(hidden: torch.Tensor, name: str = "hidden") -> None:
    if not torch.is_tensor(hidden):
        raise TypeError(f"{name} must be a tensor (batch, frames, hidden_size), got {type(hidden).__name__}")
    if hidden.ndim != 3:
        shape = tuple(hidden.shape) if torch.is_tensor(hidden) else type(hidden).__name__
        raise ValueError(f"{name} must be a tensor (batch, frames, hidden_size), got {shape}")
    if not hidden.is_floating_point():
        raise ValueError(f"{name} must be floating point, got {hidden.dtype}")


def _check_width(hidden: torch.Tensor, layer: nn.Linear, name: str = "hidden_states") -> None:
    """The last axis of `hidden` is the width `layer` was built for (else torch's "mat1 and mat2 shapes")."""
    if hidden.shape[-1] != layer.in_features:
        raise ValueError(f"{name} have width {hidden.shape[-1]} (last axis) but the head was built for "
                         f"hidden_size={layer.in_features}")


def _check_mask(mask: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
    mask = torch.as_tensor(mask, device=hidden.device)
    if mask.shape != hidden.shape[:2]:
        raise ValueError(f"mask must have shape (batch, frames) = {tuple(hidden.shape[:2])}, got {tuple(mask.shape)}")
    mask = mask.bool()
    empty = (~mask.any(dim=1)).nonzero()
    if empty.numel():
        raise ValueError(f"mask row {empty[0].item()} has no valid frame: the clip is shorter than one encoder "
                         "frame (its receptive field), so there is nothing to pool")
    return mask


def masked_mean_pool(hidden: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Average the frames of each clip, ignoring padded frames: `(B, T, D) -> (B, D)`.

    `mask` `(B, T)` is True on real frames. Without a mask every frame counts,
    padding included: right for a batch of equal-length clips, wrong otherwise.
    """
    _check_hidden(hidden)
    if mask is None:
        return hidden.mean(dim=1)  # (B, D)
    mask = _check_mask(mask, hidden)
    weights = mask.to(hidden.dtype).unsqueeze(-1)  # (B, T, 1)
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1)  # (B, D)


# ----------------------------------------------------------------------------
# Which layer: a learned, softmax-normalised mix of all of them


class WeightedLayerSum(nn.Module):
    """Mix the hidden states of all layers with learned weights that sum to one.

    `forward(hidden_states)` takes the sequence an encoder returns with
    `output_hidden_states=True`: `num_layers` tensors `(B, T, D)` (for
    Wav2Vec2, the input embeddings plus one per transformer layer). The raw
    weights start equal; softmax keeps the mix a weighted average.
    """

    def __init__(self, num_layers: int):
        super().__init__()
        num_layers = check_positive_int(num_layers, "num_layers")
        self.num_layers = num_layers
        self.weight = nn.Parameter(torch.ones(num_layers) / num_layers)  # (L,)

    def forward(self, hidden_states: Sequence[torch.Tensor]) -> torch.Tensor:
        if torch.is_tensor(hidden_states) or len(hidden_states) != self.num_layers:
            got = f"a tensor of shape {tuple(hidden_states.shape)}" if torch.is_tensor(hidden_states) else f"{len(hidden_states)} layers"
            raise ValueError(f"WeightedLayerSum expects a sequence of {self.num_layers} hidden states (B, T, D), got {got} "
                             "(call the encoder with output_hidden_states=True)")
        stacked = torch.stack(tuple(hidden_states), dim=1)  # (B, L, T, D)
        norm_weights = F.softmax(self.weight, dim=-1)  # (L,), sums to 1
        return (stacked * norm_weights.view(-1, 1, 1)).sum(dim=1)  # (B, T, D)

    def extra_repr(self) -> str:
        return f"num_layers={self.num_layers}"


def _select_hidden(layer_sum: WeightedLayerSum | None, hidden_states) -> torch.Tensor:
    """The (B, T, D) tensor a head works on: the mix of all layers, or the one tensor given."""
    if layer_sum is not None:
        return layer_sum(hidden_states)
    if not torch.is_tensor(hidden_states):
        raise ValueError("this head was built without num_layers, so it takes one tensor (batch, frames, hidden_size), "
                         f"got a {type(hidden_states).__name__}; build it with num_layers=... for a weighted layer sum")
    return hidden_states


# ----------------------------------------------------------------------------
# Clip-level: project, pool, classify


class SequenceClassificationHead(nn.Module):
    """Hidden states -> one label per clip, as `Wav2Vec2ForSequenceClassification`.

        hidden (B, T, D) --projector--> (B, T, P) --masked mean--> (B, P) --classifier--> (B, C)

    `num_layers` switches on a `WeightedLayerSum` over all hidden states
    (transformers' `use_weighted_layer_sum=True`); then `forward` takes the
    sequence of layers instead of one tensor. Note there is no nonlinearity:
    projector, mean and classifier are all linear, so this head is a (low-rank)
    linear probe on the mean-pooled hidden states.
    """

    def __init__(self, hidden_size: int, num_classes: int, proj_size: int = 256, num_layers: int | None = None):
        super().__init__()
        hidden_size, num_classes, proj_size = (check_positive_int(value, name) for name, value in (
            ("hidden_size", hidden_size), ("num_classes", num_classes), ("proj_size", proj_size)))
        self.layer_sum = WeightedLayerSum(num_layers) if num_layers is not None else None
        self.projector = nn.Linear(hidden_size, proj_size)
        self.classifier = nn.Linear(proj_size, num_classes)

    def pool(self, hidden_states, mask: torch.Tensor | None = None) -> torch.Tensor:
        """The pooled, projected clip vector `(B, P)` that the classifier reads."""
        hidden = _select_hidden(self.layer_sum, hidden_states)  # (B, T, D)
        _check_hidden(hidden, "hidden_states")
        _check_width(hidden, self.projector)
        return masked_mean_pool(self.projector(hidden), mask)  # (B, P)

    def forward(self, hidden_states, mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.classifier(self.pool(hidden_states, mask))  # (B, C)


# ----------------------------------------------------------------------------
# Frame-level: classify every frame


class FrameClassificationHead(nn.Module):
    """Hidden states -> one prediction per frame, as `Wav2Vec2ForAudioFrameClassification`.

        hidden (B, T, D) --classifier--> logits (B, T, C)

    `multi_label=False` (transformers' choice): each frame has exactly one
    class, softmax + cross-entropy. That cannot say "speech AND a dog bark at
    the same time". `multi_label=True`: each class is its own yes/no question,
    sigmoid + binary cross-entropy, so events may overlap. The logits are the
    same linear layer either way; `loss` and `probabilities` differ.
    """

    def __init__(self, hidden_size: int, num_classes: int, multi_label: bool = False, num_layers: int | None = None):
        super().__init__()
        hidden_size, num_classes = (check_positive_int(value, name) for name, value in (
            ("hidden_size", hidden_size), ("num_classes", num_classes)))
        self.multi_label = bool(multi_label)
        self.num_classes = num_classes
        self.layer_sum = WeightedLayerSum(num_layers) if num_layers is not None else None
        self.classifier = nn.Linear(hidden_size, num_classes)

    def forward(self, hidden_states) -> torch.Tensor:
        hidden = _select_hidden(self.layer_sum, hidden_states)  # (B, T, D)
        _check_hidden(hidden, "hidden_states")
        _check_width(hidden, self.classifier)
        return self.classifier(hidden)  # (B, T, C)

    def probabilities(self, logits: torch.Tensor) -> torch.Tensor:
        """Per-frame probabilities `(B, T, C)`: softmax (single-label) or sigmoid (multi-label)."""
        return torch.sigmoid(logits) if self.multi_label else logits.softmax(dim=-1)

    def loss(self, logits: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor | None = None,
             pos_weight: torch.Tensor | None = None) -> torch.Tensor:
        """Mean loss over the real (unpadded) frames.

        logits (B, T, C); mask (B, T) True on real frames (None: all frames count).
        targets: multi-label: (B, T, C) multi-hot floats in [0, 1]. Single-label: (B, T)
        class indices, or (B, T, C) one-hot (reduced with argmax, as transformers does).
        pos_weight (C,), multi-label only: how much a positive frame of each class
        counts against a negative one (`course_utils.frames.positive_weights`).
        """
        if not torch.is_tensor(logits) or logits.ndim != 3 or logits.shape[-1] != self.num_classes:
            raise ValueError(f"logits must be (batch, frames, {self.num_classes}), got "
                             f"{tuple(logits.shape) if torch.is_tensor(logits) else type(logits).__name__}")
        if holds_class_names(targets) or isinstance(targets, str):
            raise TypeError("frame targets are class names; the head knows only class indices: map them with "
                            "course_utils.models.base.label_indices(targets, labels), or call the model's own loss")
        mask = torch.ones(logits.shape[:2], dtype=torch.bool, device=logits.device) if mask is None else _check_mask(mask, logits)
        targets = torch.as_tensor(targets, device=logits.device)
        if self.multi_label:
            if targets.shape != logits.shape:
                raise ValueError(f"multi-label targets must be multi-hot (batch, frames, classes) = {tuple(logits.shape)}, "
                                 f"got {tuple(targets.shape)}")
            if targets.numel() and not ((targets >= 0) & (targets <= 1)).all():  # NaN fails both
                raise ValueError(f"multi-label targets must lie in [0, 1] (1: the class is on in that frame), "
                                 f"got values from {targets.min().item()} to {targets.max().item()}")
            if pos_weight is not None:
                pos_weight = torch.as_tensor(pos_weight, dtype=logits.dtype, device=logits.device)
                if pos_weight.shape != (self.num_classes,):
                    raise ValueError(f"pos_weight must hold {self.num_classes} weights, one per class, "
                                     f"got shape {tuple(pos_weight.shape)}")
                if not (pos_weight >= 0).all() or not torch.isfinite(pos_weight).all():
                    raise ValueError(f"pos_weight must be finite and non-negative, got {pos_weight.tolist()}")
            per_frame = F.binary_cross_entropy_with_logits(logits, targets.to(logits.dtype), reduction="none",
                                                           pos_weight=pos_weight).mean(-1)  # (B, T)
        else:
            if pos_weight is not None:
                raise ValueError("pos_weight is for the multi-label (sigmoid) head; a single-label head uses "
                                 "softmax cross-entropy, which weighs classes with a per-class `weight` instead")
            if targets.shape == logits.shape:
                if (targets.sum(-1) > 1).any():
                    raise ValueError("single-label frame targets have a frame with more than one active class "
                                     "(overlapping events): use FrameClassificationHead(..., multi_label=True)")
                targets = targets.argmax(dim=-1)
            if targets.dtype == torch.bool and self.num_classes == 2:
                targets = targets.long()  # (B, T) True/False: class 1/0, e.g. speech/silence
            if targets.shape != logits.shape[:2] or targets.is_floating_point() or targets.dtype == torch.bool:
                raise ValueError(f"single-label targets must be class indices (batch, frames) = {tuple(logits.shape[:2])} "
                                 f"or one-hot {tuple(logits.shape)}, got {tuple(targets.shape)} {targets.dtype}")
            if targets.numel() and (targets.min() < 0 or targets.max() >= self.num_classes):
                bad = targets[(targets < 0) | (targets >= self.num_classes)][0].item()
                raise ValueError(f"frame target {bad} is out of range for {self.num_classes} classes "
                                 f"(class indices are 0..{self.num_classes - 1})")
            per_frame = F.cross_entropy(logits.transpose(1, 2), targets.long(), reduction="none")  # (B, T)
        weights = mask.to(per_frame.dtype)
        return (per_frame * weights).sum() / weights.sum()


# ----------------------------------------------------------------------------
# Linear probe: a classifier trained on frozen, pooled features


def train_linear_probe(features: torch.Tensor, targets: torch.Tensor, num_classes: int, *, l2: float = 1e-3,
                       max_iter: int = 300) -> nn.Linear:
    """Fit `nn.Linear(D, num_classes)` to fixed features `(N, D)` and integer targets `(N,)`: a linear probe.

    The cheapest way to ask "how much do these features already know?": the
    encoder runs once (`Wav2Vec2Classifier.pooled_features`, or a time-averaged
    log-mel as in `course_utils.baseline`), and a linear classifier is fitted
    on top in well under a second.

    The fit is multinomial logistic regression, solved to convergence:

        standardise    x = (features - mean) / std, per dimension       (N, D)
        minimise       mean cross-entropy(W x + b, targets) + l2 * ||W||^2   (b is not penalised)
        with           L-BFGS (full batch, strong-Wolfe line search), float64, from W = 0, b = 0
        fold           W' = W / std,  b' = b - W' @ mean,  so probe(features) = W x + b

    Why this recipe and not a few hundred AdamW steps: the loss is convex, so
    it has one minimum, and L-BFGS reaches it without a learning rate, a number
    of epochs or a seed to choose; the same features give the same probe. A
    probe whose accuracy moves with its optimiser settings measures them, not
    the features. Standardising first lets one `l2` suit any encoder (the
    penalty treats every dimension alike only if they share a scale) and keeps
    the problem well conditioned; folding it into the layer means the caller
    passes raw features, as at training time. The objective is scikit-learn's
    `LogisticRegression` with `C = 1 / (2 * N * l2)`; `tests/test_heads.py`
    checks the two agree.

    Returns the layer in `features`' dtype and on its device, in eval mode.
    """
    if not torch.is_tensor(features) or not torch.is_tensor(targets):
        bad = "features" if not torch.is_tensor(features) else "targets"
        raise TypeError(f"{bad} must be a torch.Tensor, got {type(features if bad == 'features' else targets).__name__}")
    if features.ndim != 2 or not features.is_floating_point():
        raise ValueError(f"features must be a float tensor (N, D), got {tuple(features.shape)} {features.dtype}")
    if targets.shape != features.shape[:1] or targets.is_floating_point() or targets.dtype == torch.bool:
        raise ValueError(f"targets must be integer class indices of shape ({features.shape[0]},), "
                         f"got {tuple(targets.shape)} {targets.dtype}")
    if targets.numel() == 0:
        raise ValueError("train_linear_probe needs at least one example; got features of shape (0, D)")
    if not features.isfinite().all():
        raise ValueError("features contain NaN or Inf: the probe would learn NaN weights; find where they come from")
    if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral) or num_classes < 2:
        raise ValueError(f"num_classes must be an int >= 2, got {num_classes!r}")
    num_classes = int(num_classes)
    if targets.min() < 0 or targets.max() >= num_classes:
        bad = targets[(targets < 0) | (targets >= num_classes)][0].item()
        raise ValueError(f"target {bad} is out of range for num_classes={num_classes} (targets are 0..{num_classes - 1})")
    if isinstance(l2, bool) or not isinstance(l2, numbers.Real) or not math.isfinite(l2) or l2 < 0:
        raise ValueError(f"l2 must be >= 0 (a finite number; 0: no penalty), got {l2!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or max_iter < 1:
        raise ValueError(f"max_iter must be a positive int (L-BFGS iterations), got {max_iter!r}")
    max_iter = int(max_iter)
    x = features.detach().double()
    mean, std = x.mean(dim=0), x.std(dim=0, unbiased=False).clamp_min(1e-6)  # (D,)
    x = (x - mean) / std  # (N, D)
    y = targets.to(x.device).long()  # (N,)
    fitted = nn.Linear(x.shape[1], num_classes, dtype=torch.float64, device=x.device)
    nn.init.zeros_(fitted.weight)
    nn.init.zeros_(fitted.bias)
    optimizer = torch.optim.LBFGS(fitted.parameters(), max_iter=max_iter, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = F.cross_entropy(fitted(x), y) + l2 * fitted.weight.pow(2).sum()
        loss.backward()
        return loss

    with torch.enable_grad():  # a caller under no_grad still gets a fitted probe
        optimizer.step(closure)
    probe = nn.Linear(x.shape[1], num_classes, dtype=features.dtype, device=features.device)
    with torch.no_grad():  # fold the standardisation in: probe(features) == fitted((features - mean) / std)
        weight = fitted.weight / std  # (C, D)
        probe.weight.copy_(weight)
        probe.bias.copy_(fitted.bias - weight @ mean)
    return probe.eval()
