"""Training and evaluation for every course classifier: `fit` and `evaluate`.

Every course model follows one contract (written in `course_utils.models`):
waveforms `(batch, samples)` and their true lengths in, logits out, with
`model.loss(logits, targets)` and `model.probabilities(logits)` that match its
output activation (softmax for one label per clip, sigmoid for multi-label).
The front-end (log-mel, fbank, ...) lives inside the model, so the loop below
only ever sees waveforms and targets, and the same `fit` trains a CNN, an AST
or a Wav2Vec2 head:

    >>> history = fit(model, (train_x, train_y), (val_x, val_y), epochs=10, lr=1e-3)
    >>> evaluate(model, (test_x, test_y))["accuracy"]

The loop is plain PyTorch: shuffle with a seeded generator, forward, loss,
backward, step; then measure on the validation set, keep the best weights,
stop early when validation stops improving. On CUDA it runs under automatic
mixed precision; on the CPU it is deterministic (same seed, same history).
Inference (`predict`, long audio) is `course_utils.inference`; checkpoints are
`course_utils.checkpoints`.
"""

from __future__ import annotations

import math
import numbers
import os
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from course_utils.env import get_device
from course_utils.features import check_finite_number
from course_utils.metrics import accuracy, confusion_matrix, macro_f1
from course_utils.models.base import check_classifier, check_lengths, holds_class_names, label_indices, model_device

__all__ = ["History", "as_dataset", "evaluate", "fit"]

# ----------------------------------------------------------------------------
# Data: tensors in memory -> batches


def as_dataset(data, name: str = "data", *, labels: Sequence[str] | None = None,
               sample_rate: int | None = None, num_samples: int | None = None) -> Dataset:
    """A torch Dataset of `(waveform, target)` or `(waveform, length, target)` items.

    `data` is a tuple `(waveforms (N, S), targets)`, a tuple `(waveforms (N, S),
    lengths (N,), targets)`, or already a Dataset whose items have one of those
    two forms. `targets` are class indices `(N,)`, or multi-hot `(N, C)` for a
    multi-label model. numpy arrays, lists and float64 waveforms are accepted (cast to float32).

    Class names as targets (`["dog", "cat", ...]`) are mapped to their indices in
    `labels` (`fit` and `evaluate` pass the model's). A `datasets.Dataset` split with
    `audio` and `label` columns (`make_clip_dataset()["train"]`, `load_audiofolder(...)["train"]`)
    is read with `course_utils.data.clip_tensors`; its sampling rate must equal
    `sample_rate` (the model's, in `fit` and `evaluate`) and its label names are mapped
    through `labels`, so a split whose classes come in another order still trains the right outputs.
    Its clips are zero-padded to the longest of them, and to at least `num_samples` (the model's, in
    `fit` and `evaluate`): a split of 0.05-s clips is read as the model's input length, as `predict` reads one.
    """
    if isinstance(data, Dataset):
        return data
    if type(data).__module__.split(".")[0] == "datasets":  # a datasets.Dataset split (or a DatasetDict)
        return _split_dataset(data, name, labels, sample_rate, num_samples)
    if not isinstance(data, (tuple, list)) or len(data) not in (2, 3):
        raise TypeError(f"{name} must be (waveforms, targets), (waveforms, lengths, targets) or a torch Dataset, "
                        f"got {type(data).__name__}" + (f" of length {len(data)}" if isinstance(data, (tuple, list)) else ""))
    parts = ("waveforms", "targets") if len(data) == 2 else ("waveforms", "lengths", "targets")
    data = list(data)
    if holds_class_names(data[-1]) or isinstance(data[-1], str):
        if labels is None:
            raise TypeError(f"{name}: the targets are class names ({str(data[-1])[:40]}...); pass labels= (the "
                            "model's labels) to map them to class indices, as fit and evaluate do")
        data[-1] = label_indices(data[-1], labels, f"{name} targets")
    tensors = []
    for part, value in zip(parts, data):
        if not (torch.is_tensor(value) or isinstance(value, (np.ndarray, list, tuple))):
            raise TypeError(f"{name}: {part} must be a tensor, numpy array or list, got {type(value).__name__}")
        try:
            tensors.append(torch.as_tensor(np.asarray(value) if isinstance(value, (list, tuple)) else value))
        except (TypeError, ValueError, RuntimeError) as exc:
            raise ValueError(f"{name}: {part} cannot be turned into one tensor ({str(exc).splitlines()[0]}); clips "
                             "of different lengths? pad them to one length and pass their lengths, as "
                             "course_utils.data.clip_tensors does") from None
    waveforms, targets = tensors[0], tensors[-1]
    if waveforms.ndim != 2:
        raise ValueError(f"{name}: waveforms must be (batch, samples), got shape {tuple(waveforms.shape)}"
                         + ("; one clip? use waveform[None]" if waveforms.ndim == 1 else ""))
    if waveforms.is_complex() or not waveforms.is_floating_point():
        raise ValueError(f"{name}: waveforms must be float, got {waveforms.dtype}"
                         + ("; for 16-bit PCM divide by 32768" if not waveforms.is_complex() else ""))
    waveforms = tensors[0] = waveforms.float()
    if waveforms.shape[0] == 0:
        raise ValueError(f"{name}: no examples (waveforms has shape {tuple(waveforms.shape)})")
    if not torch.isfinite(waveforms).all():
        raise ValueError(f"{name}: waveforms contain NaN or Inf")
    if targets.ndim == 1 and (targets.is_floating_point() or targets.dtype == torch.bool or targets.is_complex()):
        raise ValueError(f"{name}: targets must be integer class indices (N,), got {targets.dtype}")
    if targets.ndim == 1:
        tensors[-1] = targets.long()
    elif targets.is_floating_point() or targets.dtype == torch.bool:
        tensors[-1] = targets.float()  # multi-hot (N, C) for a multi-label model, or frame targets (N, T, C)
    for part, t in zip(parts[1:], tensors[1:]):
        if t.ndim == 0:
            raise ValueError(f"{name}: {part} must hold one entry per waveform, got a scalar")
        if t.shape[0] != waveforms.shape[0]:
            raise ValueError(f"{name}: {waveforms.shape[0]} waveforms but a tensor of length {t.shape[0]} "
                             f"({part}); give one per waveform")
    if len(tensors) == 3:
        tensors[1] = check_lengths(tensors[1], waveforms)
    return TensorDataset(*tensors)


def _split_dataset(split, name: str, labels: Sequence[str] | None, sample_rate: int | None,
                   num_samples: int | None = None) -> TensorDataset:
    """A `datasets.Dataset` split as `(waveforms, lengths, targets)`, its rate and label names checked, the
    waveforms `(N, S)` zero-padded to S >= `num_samples`."""
    from course_utils.data import clip_tensors

    waveforms, lengths, targets = clip_tensors(split, sample_rate=sample_rate)
    if num_samples is not None and waveforms.shape[1] < num_samples:
        waveforms = nn.functional.pad(waveforms, (0, int(num_samples) - waveforms.shape[1]))  # (N, num_samples)
    names = getattr(split.features.get("label"), "names", None)
    if labels is not None and names is not None and list(names) != list(labels):
        targets = label_indices([names[i] for i in targets.tolist()], labels, f"{name} labels")
    return TensorDataset(waveforms, lengths, targets)


def _unpack(batch, device: torch.device, labels: Sequence[str] | None = None, min_samples: int = 1):
    """(waveforms, lengths or None, targets) on `device` from a batch of 2 or 3 tensors; class names
    (a Dataset whose items carry strings) are mapped through `labels`. A length under `min_samples`
    (the model's shortest readable clip: one fbank or encoder frame) is raised to it, as `predict` does:
    a 5-ms click counts that much of its zero padding as audio instead of giving the model no frame."""
    if len(batch) == 3:
        waveforms, lengths, targets = batch
        lengths = lengths.clamp(min=min(int(min_samples), waveforms.shape[-1])).to(device)  # (B,)
    else:
        (waveforms, targets), lengths = batch, None
    if not torch.is_tensor(targets):
        if labels is None or not (holds_class_names(targets) or isinstance(targets, str)):
            raise TypeError(f"a batch's targets must be a tensor (class indices or multi-hot), got "
                            f"{type(targets).__name__}")
        targets = label_indices(targets, labels)
    return waveforms.to(device), lengths, targets.to(device)


def _autocast(device: torch.device, enabled: bool):
    """bfloat16 autocast on CUDA (no loss scaling needed); a no-op elsewhere."""
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=enabled and device.type == "cuda")


def _check_targets(dataset: Dataset, model: nn.Module, name: str) -> None:
    """Targets that fit the model: indices in range (single-label) or multi-hot (N, C) (multi-label).
    Frame targets (N, T) or (N, T, C) are checked by the frame model's own loss."""
    if not isinstance(dataset, TensorDataset) or getattr(model, "frame_level", False):
        return
    targets, num_classes = dataset.tensors[-1], len(model.labels)
    if model.multi_label:
        if targets.ndim != 2 or targets.shape[1] != num_classes:
            raise ValueError(f"{name}: a multi-label model needs multi-hot targets (N, {num_classes}), "
                             f"got shape {tuple(targets.shape)}")
        return
    if targets.ndim != 1:
        raise ValueError(f"{name}: a single-label model needs class indices (N,), got shape {tuple(targets.shape)}; "
                         "multi-hot targets need a model built with multi_label=True")
    if targets.numel() and (targets.min() < 0 or targets.max() >= num_classes):
        bad = targets[(targets < 0) | (targets >= num_classes)][0].item()
        raise ValueError(f"{name}: target {bad} out of range for a model with {num_classes} classes "
                         f"({model.labels})")


def _check_count(value, name: str, meaning: str) -> int:
    """A positive int (not a bool, not a float), or a ValueError naming `name` and what it counts."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive int ({meaning}), got {value!r}")
    return int(value)


# ----------------------------------------------------------------------------
# History


@dataclass
class History:
    """What happened in each epoch of `fit`, one list entry per epoch."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    val_macro_f1: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # wall time of each epoch (train + validation)
    best_epoch: int | None = None  # 0-based index of the epoch whose weights the model ends with
    stopped_because: str = ""  # "epochs", "patience" or "max_seconds"
    train_samples: int = 0  # examples seen in training, all epochs together

    def __len__(self) -> int:
        return len(self.train_loss)

    @property
    def total_seconds(self) -> float:
        return float(sum(self.seconds))

    @property
    def samples_per_second(self) -> float:
        return self.train_samples / max(self.total_seconds, 1e-9)

    def table(self) -> str:
        """The history as a small Markdown table (rounded, for printing)."""
        rows = ["| epoch | train loss | val loss | val acc | val macro-F1 |", "|---|---|---|---|---|"]
        for i in range(len(self)):
            mark = " *" if i == self.best_epoch else ""
            rows.append(f"| {i + 1}{mark} | {self.train_loss[i]:.3f} | {self.val_loss[i]:.3f} | "
                        f"{self.val_accuracy[i]:.3f} | {self.val_macro_f1[i]:.3f} |")
        return "\n".join(rows)


def _progress_default() -> bool:
    """Progress bars on, except under pytest or with COURSE_PROGRESS=0."""
    return os.environ.get("COURSE_PROGRESS", "1") != "0" and "PYTEST_CURRENT_TEST" not in os.environ


# ----------------------------------------------------------------------------
# fit / evaluate


def fit(
    model: nn.Module,
    train_data,
    val_data=None,
    *,
    epochs: int = 10,
    lr: float = 1e-3,
    batch_size: int = 32,
    weight_decay: float = 0.0,
    optimizer: torch.optim.Optimizer | None = None,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    augment: Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]] | None = None,
    patience: int | None = None,
    monitor: str = "val_loss",
    restore_best: bool = True,
    max_seconds: float | None = None,
    amp: bool | None = None,
    progress: bool | None = None,
    seed: int = 0,
    device: torch.device | str | None = None,
) -> History:
    """Train `model` in place on `train_data`; return the per-epoch History.

    Clip classifiers and frame classifiers both train here (a frame model's loss is per frame;
    it trains without `val_data`, since validation here scores one label per clip).

    Args:
        train_data, val_data: `(waveforms, targets)`, `(waveforms, lengths, targets)`, a torch Dataset,
            or a `datasets.Dataset` split (its sampling rate must be `model.sample_rate`). Targets may be
            class names, mapped through `model.labels` (see `as_dataset`). A clip shorter than
            `model.min_samples` (one fbank or encoder frame) is read with that much of its padding, as
            `predict` reads it (here and in `evaluate`).
        epochs: at most this many passes over the training data.
        lr, weight_decay: for AdamW over the parameters that require grad (frozen ones stay put),
            unless you pass your own `optimizer`.
        loss_fn: `loss_fn(logits, targets) -> scalar`; default `model.loss` (cross-entropy, or
            BCE for a multi-label model). Targets may be soft `(batch, num_classes)` when
            `augment` makes them so (mixup): pass a loss that takes them.
        augment: `augment(waveforms, targets) -> (waveforms, targets)`, applied on the device
            to every training batch (never to validation).
        patience: stop when `monitor` ("val_loss" or "val_accuracy") has not improved
            for this many epochs. None: run all epochs.
        restore_best: end with the weights of the best validation epoch.
        max_seconds: a time budget: stop after the first epoch that ends past it.
        amp: mixed precision (bfloat16 autocast); default on for CUDA, never on CPU.
        progress: a tqdm bar over epochs (notebook-aware); default on, off under pytest.
        seed: seeds the shuffling generator and torch's global generator (dropout); nothing
            else. For process-wide determinism (numpy, python, cuDNN flags) call
            `course_utils.env.seed_everything` once, as the notebooks' first cells do.
        device: default `get_device()`; the model is moved there.
    """
    check_classifier(model)
    if getattr(model, "frame_level", False) and val_data is not None:
        raise ValueError(f"{type(model).__name__} predicts per frame, and fit's validation scores one label per "
                         "clip: pass val_data=None and score frames with course_utils.metrics.frame_scores")
    if monitor not in ("val_loss", "val_accuracy"):
        raise ValueError(f"monitor must be 'val_loss' or 'val_accuracy', got {monitor!r}")
    _check_count(epochs, "epochs", "passes over the training data")
    _check_count(batch_size, "batch_size", "examples per step")
    if patience is not None:
        _check_count(patience, "patience", "epochs without improvement before stopping; None: never stop early")
    if (patience is not None) and val_data is None:
        raise ValueError("patience (early stopping) needs val_data")
    if optimizer is None:
        for arg, value in (("lr", lr), ("weight_decay", weight_decay)):
            if check_finite_number(value, arg) < 0:
                raise ValueError(f"{arg} must be >= 0, got {value!r}")
    elif not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer (or None: AdamW with lr), "
                        f"got {type(optimizer).__name__}")
    if max_seconds is not None and check_finite_number(max_seconds, "max_seconds") < 0:
        raise ValueError(f"max_seconds must be >= 0 (a time budget in seconds) or None, got {max_seconds!r}")
    for arg, value in (("loss_fn", loss_fn), ("augment", augment)):
        if value is not None and not callable(value):
            raise TypeError(f"{arg} must be a function (or None), got {type(value).__name__}")
    device = get_device(device) if device is not None else get_device()
    amp = device.type == "cuda" if amp is None else (amp and device.type == "cuda")
    progress = _progress_default() if progress is None else progress
    loss_fn = loss_fn or model.loss

    train_set = as_dataset(train_data, "train_data", labels=model.labels, sample_rate=model.sample_rate,
                           num_samples=model.num_samples)
    val_set = (as_dataset(val_data, "val_data", labels=model.labels, sample_rate=model.sample_rate,
                          num_samples=model.num_samples) if val_data is not None else None)
    for ds, name in ((train_set, "train_data"), (val_set, "val_data")):
        if ds is not None:
            _check_targets(ds, model, name)

    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    # The model was built before fit: only the data order and dropout depend on the seed.
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, generator=generator, drop_last=False)
    shortest = getattr(model, "min_samples", 1)  # clips shorter than one frame are read with padding
    model.to(device)
    if optimizer is None:
        params = [p for p in model.parameters() if p.requires_grad]
        if not params:
            raise ValueError("the model has no trainable parameters (all requires_grad=False)")
        optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)

    history = History()
    best_score, best_state, since_best = math.inf, None, 0
    start = time.perf_counter()
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs, desc=f"training {type(model).__name__}", unit="epoch")

    for epoch in range(epochs):
        epoch_start = time.perf_counter()
        model.train()
        total_loss, seen = 0.0, 0
        for batch in loader:
            # (B, S), (B,) or None, (B,) or (B, C)
            waveforms, lengths, targets = _unpack(batch, device, model.labels, shortest)
            if augment is not None:
                waveforms, targets = augment(waveforms, targets)
            with _autocast(device, amp):
                logits = model(waveforms, lengths)  # (B, C)
                loss = loss_fn(logits.float(), targets)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * waveforms.shape[0]
            seen += waveforms.shape[0]
        history.train_loss.append(total_loss / seen)
        history.train_samples += seen

        if val_set is not None:
            scores = evaluate(model, val_set, batch_size=max(batch_size, 64), loss_fn=loss_fn, amp=amp, device=device)
            history.val_loss.append(scores["loss"])
            history.val_accuracy.append(scores["accuracy"])
            history.val_macro_f1.append(scores["macro_f1"])
            score = scores["loss"] if monitor == "val_loss" else -scores["accuracy"]
            if score < best_score:
                best_score, since_best, history.best_epoch = score, 0, epoch
                if restore_best:
                    best_state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
            else:
                since_best += 1
        else:
            history.val_loss.append(float("nan"))
            history.val_accuracy.append(float("nan"))
            history.val_macro_f1.append(float("nan"))
            history.best_epoch = epoch
        history.seconds.append(time.perf_counter() - epoch_start)

        if bar is not None:
            bar.update(1)
            bar.set_postfix(train_loss=f"{history.train_loss[-1]:.3f}", val_loss=f"{history.val_loss[-1]:.3f}",
                            val_acc=f"{history.val_accuracy[-1]:.3f}")
        if patience is not None and since_best >= patience:
            history.stopped_because = "patience"
            break
        if max_seconds is not None and time.perf_counter() - start > max_seconds:
            history.stopped_because = "max_seconds"
            break
    else:
        history.stopped_because = "epochs"
    if bar is not None:
        bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return history


@torch.no_grad()
def evaluate(
    model: nn.Module,
    data,
    *,
    batch_size: int = 128,
    loss_fn: Callable | None = None,
    amp: bool | None = None,
    device: torch.device | str | None = None,
    threshold: float = 0.5,
) -> dict:
    """Score `model` on `data` (`(waveforms, targets)`, `(waveforms, lengths, targets)`, a Dataset, or a
    `datasets.Dataset` split at `model.sample_rate`; targets may be class names, see `as_dataset`).

    Returns a dict: `loss` (`model.loss`, or `loss_fn`), `probabilities` (N, C) from
    `model.probabilities`, `targets`, `predictions`, `accuracy`, `macro_f1` and `confusion`.
    Single-label: predictions are the argmax (N,), `confusion` is (C, C) (rows: true class).
    Multi-label: predictions are `probabilities >= threshold` (N, C); `accuracy` is the share
    of clips with every class right, `macro_f1` the mean of the per-class F1, `confusion` None.
    The model is left in eval mode on `device`.
    """
    check_classifier(model, clip_level=True)
    _check_count(batch_size, "batch_size", "examples per forward pass")
    if not 0.0 <= check_finite_number(threshold, "threshold") <= 1.0:
        raise ValueError(f"threshold must be a probability in [0, 1] (multi-label: on at >= threshold), got {threshold!r}")
    if loss_fn is not None and not callable(loss_fn):
        raise TypeError(f"loss_fn must be a function (or None), got {type(loss_fn).__name__}")
    dataset = as_dataset(data, labels=model.labels, sample_rate=model.sample_rate, num_samples=model.num_samples)
    _check_targets(dataset, model, "data")
    device = get_device(device) if device is not None else model_device(model)
    amp = device.type == "cuda" if amp is None else (amp and device.type == "cuda")
    loss_fn = loss_fn or model.loss
    num_classes = len(model.labels)
    model.to(device).eval()
    all_logits, all_targets = [], []
    for batch in DataLoader(dataset, batch_size=batch_size, shuffle=False):
        waveforms, lengths, targets = _unpack(batch, device, model.labels, getattr(model, "min_samples", 1))
        with _autocast(device, amp):
            logits = model(waveforms, lengths)
        all_logits.append(logits.float().cpu())
        all_targets.append(targets.cpu())
    logits, targets = torch.cat(all_logits), torch.cat(all_targets)  # (N, C), (N,) or (N, C)
    if not torch.isfinite(logits).all():
        raise ValueError(f"{type(model).__name__} produced NaN or Inf logits: its weights are broken "
                         "(check the checkpoint, or lower the learning rate)")
    probabilities = model.probabilities(logits)
    scores = {"loss": loss_fn(logits, targets).item(), "probabilities": probabilities, "targets": targets}
    if model.multi_label:
        predictions = probabilities >= threshold  # (N, C)
        truth = targets >= 0.5
        tp = (predictions & truth).sum(0).double()
        fp, fn = (predictions & ~truth).sum(0).double(), (~predictions & truth).sum(0).double()
        f1 = torch.where(tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn).clamp_min(1), torch.ones_like(tp))
        scores.update(predictions=predictions, accuracy=float((predictions == truth).all(1).double().mean()),
                      macro_f1=float(f1.mean()), confusion=None)
    else:
        predictions = logits.argmax(dim=1)
        scores.update(predictions=predictions, accuracy=accuracy(predictions, targets),
                      macro_f1=macro_f1(predictions, targets, num_classes),
                      confusion=confusion_matrix(predictions, targets, num_classes))
    return scores
