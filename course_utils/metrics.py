"""Clip-classification metrics: accuracy, macro-F1 and the confusion matrix.

All three start from the same two vectors: what the model predicted and what
the answer was, one integer class index per clip. `predictions` may also be
logits or probabilities `(batch, n_classes)`; the predicted class is then the
argmax.

    >>> confusion_matrix([0, 1, 1], [0, 1, 0], num_classes=2)
    tensor([[1, 1],
            [0, 1]])

Rows are the true class, columns the predicted class (as in scikit-learn), so
row i tells where the clips of class i went. Accuracy is the diagonal over the
total; macro-F1 averages the per-class F1 so that a rare class counts as much
as a common one (a model that ignores a class cannot hide behind the others).
"""

from __future__ import annotations

import numpy as np
import torch



def _as_class_indices(values, name: str) -> torch.Tensor:
    """Integer class indices (N,) from indices (N,) or scores (N, C)."""
    t = torch.as_tensor(np.asarray(values) if isinstance(values, list) else values)
    if t.ndim == 2:  # logits or probabilities (N, C)
        t = t.argmax(dim=1)
    if t.ndim != 1:
        raise ValueError(f"{name} must be class indices (N,) or scores (N, C), got shape {tuple(t.shape)}")
    if t.is_floating_point():
        if not torch.all(t == t.round()):
            raise ValueError(f"{name} must be integer class indices, got non-integer values such as {t[t != t.round()][0].item()}")
    return t.detach().cpu().long()


def _pair(predictions, labels) -> tuple[torch.Tensor, torch.Tensor]:
    preds = _as_class_indices(predictions, "predictions")
    target = _as_class_indices(labels, "labels")
    if preds.shape != target.shape:
        raise ValueError(f"predictions and labels differ in length: {preds.numel()} vs {target.numel()}")
    if preds.numel() == 0:
        raise ValueError("predictions and labels are empty: nothing to score")
    if (preds < 0).any() or (target < 0).any():
        raise ValueError(f"class indices must be >= 0, got min prediction {preds.min().item()}, min label {target.min().item()}")
    return preds, target


def accuracy(predictions, labels) -> float:
    """Fraction of clips whose predicted class equals the label."""
    preds, target = _pair(predictions, labels)
    return (preds == target).float().mean().item()


def confusion_matrix(predictions, labels, num_classes: int | None = None) -> torch.Tensor:
    """Counts `(num_classes, num_classes)`, int64: entry [i, j] = clips of class i predicted as j."""
    preds, target = _pair(predictions, labels)
    seen = int(max(preds.max(), target.max())) + 1
    if num_classes is None:
        num_classes = seen
    elif seen > num_classes:
        raise ValueError(f"class index {seen - 1} out of range for num_classes={num_classes}")
    # Each (true, predicted) pair maps to one cell of the flattened matrix.
    flat = target * num_classes + preds  # (N,)
    return torch.bincount(flat, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def per_class_f1(predictions, labels, num_classes: int | None = None) -> torch.Tensor:
    """F1 of each class `(num_classes,)`: 2·TP / (2·TP + FP + FN); 0 where the class never occurs nor is predicted."""
    cm = confusion_matrix(predictions, labels, num_classes).double()
    tp = cm.diag()
    fp = cm.sum(dim=0) - tp  # predicted as the class, but were something else
    fn = cm.sum(dim=1) - tp  # were the class, but predicted as something else
    denom = 2 * tp + fp + fn
    return torch.where(denom > 0, 2 * tp / denom.clamp(min=1), torch.zeros_like(tp))


def macro_f1(predictions, labels, num_classes: int | None = None) -> float:
    """Unweighted mean of the per-class F1 over the classes that occur in labels or predictions.

    Matches `sklearn.metrics.f1_score(labels, predictions, average="macro")`.
    """
    preds, target = _pair(predictions, labels)
    f1 = per_class_f1(preds, target, num_classes)
    present = torch.zeros(f1.numel(), dtype=torch.bool)
    present[preds] = True
    present[target] = True
    return f1[present].mean().item()
