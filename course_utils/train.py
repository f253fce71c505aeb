"""Training, evaluation, prediction and checkpoints for every course classifier.

One convention ties the course's models together. A *classifier* is an
`nn.Module` whose forward takes a batch of waveforms `(batch, samples)` (and,
optionally, their true lengths `(batch,)`) and returns logits
`(batch, n_classes)`. It carries three attributes:

    sample_rate: int      the rate its front-end expects, e.g. 16000
    num_samples: int      the clip length it was built for, e.g. 16000 (1 s)
    labels: list[str]     the class names, in logit order

Because the front-end (log-mel, fbank, ...) lives inside the model, the loop
below only ever sees waveforms and integer labels, and the same `fit` trains a
CNN, an AST or a Wav2Vec2 head:

    >>> history = fit(model, (train_x, train_y), (val_x, val_y), epochs=10, lr=1e-3)
    >>> evaluate(model, (test_x, test_y))["accuracy"]
    >>> predict(model, "dog.wav")                 # class probabilities (n_classes,)
    >>> save_classifier(model, "runs/cnn"); model = load_classifier("runs/cnn")

The loop is plain PyTorch: shuffle with a seeded generator, forward, loss,
backward, step; then measure on the validation set, keep the best weights,
stop early when validation stops improving. On CUDA it runs under automatic
mixed precision; on the CPU it is deterministic (same seed, same history).
"""

from __future__ import annotations

import inspect
import json
import math
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from course_utils.audio import check_sample_rate, load_audio, resample, validate_waveform
from course_utils.env import get_device, seed_everything
from course_utils.metrics import accuracy, confusion_matrix, macro_f1

# ----------------------------------------------------------------------------
# Data: tensors in memory -> batches


def as_dataset(data, name: str = "data") -> Dataset:
    """A torch Dataset of `(waveform, label)` or `(waveform, length, label)` items.

    `data` is a tuple `(waveforms (N, S), labels (N,))`, a tuple
    `(waveforms (N, S), lengths (N,), labels (N,))`, or already a Dataset whose
    items have one of those two forms.
    """
    if isinstance(data, Dataset):
        return data
    if not isinstance(data, (tuple, list)) or len(data) not in (2, 3):
        raise TypeError(f"{name} must be (waveforms, labels), (waveforms, lengths, labels) or a torch Dataset, "
                        f"got {type(data).__name__}" + (f" of length {len(data)}" if isinstance(data, (tuple, list)) else ""))
    tensors = [torch.as_tensor(t) for t in data]
    waveforms, labels = tensors[0], tensors[-1]
    if waveforms.ndim != 2:
        raise ValueError(f"{name}: waveforms must be (batch, samples), got shape {tuple(waveforms.shape)}")
    if not waveforms.is_floating_point():
        raise ValueError(f"{name}: waveforms must be float, got {waveforms.dtype}")
    if waveforms.shape[0] == 0:
        raise ValueError(f"{name}: no examples (waveforms has shape {tuple(waveforms.shape)})")
    if not torch.isfinite(waveforms).all():
        raise ValueError(f"{name}: waveforms contain NaN or Inf")
    if labels.ndim != 1 or labels.is_floating_point():
        raise ValueError(f"{name}: labels must be integer class indices (N,), got shape {tuple(labels.shape)} {labels.dtype}")
    for t in tensors[1:]:
        if t.shape[0] != waveforms.shape[0]:
            raise ValueError(f"{name}: {waveforms.shape[0]} waveforms but a tensor of length {t.shape[0]}")
    return TensorDataset(*tensors)


def _unpack(batch, device: torch.device):
    """(waveforms, lengths or None, labels) on `device` from a batch of 2 or 3 tensors."""
    if len(batch) == 3:
        waveforms, lengths, labels = batch
        lengths = lengths.to(device)
    else:
        (waveforms, labels), lengths = batch, None
    return waveforms.to(device), lengths, labels.to(device)


def _accepts_lengths(model: nn.Module) -> bool:
    return "lengths" in inspect.signature(model.forward).parameters


def forward_classifier(model: nn.Module, waveforms: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """`model(waveforms, lengths=lengths)` for a classifier whose forward takes lengths, else `model(waveforms)`."""
    if lengths is not None and _accepts_lengths(model):
        return model(waveforms, lengths=lengths)
    return model(waveforms)


def _autocast(device: torch.device, enabled: bool):
    """bfloat16 autocast on CUDA (no loss scaling needed); a no-op elsewhere."""
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=enabled and device.type == "cuda")


def check_classifier(model: nn.Module) -> None:
    """Raise TypeError unless `model` follows the course classifier convention (see the top of this module)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    missing = [a for a in ("sample_rate", "num_samples", "labels") if not hasattr(model, a)]
    if missing:
        raise TypeError(f"{type(model).__name__} does not follow the course classifier convention: "
                        f"missing attribute(s) {missing} (see course_utils.train)")


def _check_labels(labels: torch.Tensor, n_classes: int, name: str) -> None:
    if labels.numel() and (labels.min() < 0 or labels.max() >= n_classes):
        bad = labels[(labels < 0) | (labels >= n_classes)][0].item()
        raise ValueError(f"{name}: label {bad} out of range for a model with {n_classes} classes")


def model_device(model: nn.Module) -> torch.device:
    """The device of the model's first parameter (or buffer); CPU for a model with neither."""
    tensor = next(iter(model.parameters()), None)
    if tensor is None:
        tensor = next(iter(model.buffers()), None)
    return tensor.device if tensor is not None else torch.device("cpu")


def _labels_of(dataset: Dataset) -> torch.Tensor | None:
    return dataset.tensors[-1] if isinstance(dataset, TensorDataset) else None


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

    def as_dict(self) -> dict:
        return asdict(self)

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

    Args:
        train_data, val_data: `(waveforms, labels)`, `(waveforms, lengths, labels)` or a Dataset.
        epochs: at most this many passes over the training data.
        lr, weight_decay: for AdamW over the parameters that require grad (frozen ones stay put),
            unless you pass your own `optimizer`.
        loss_fn: `loss_fn(logits, labels) -> scalar`; default cross-entropy. Labels may be
            soft `(batch, n_classes)` when `augment` makes them so (mixup).
        augment: `augment(waveforms, labels) -> (waveforms, labels)`, applied on the device
            to every training batch (never to validation).
        patience: stop when `monitor` ("val_loss" or "val_accuracy") has not improved
            for this many epochs. None: run all epochs.
        restore_best: end with the weights of the best validation epoch.
        max_seconds: a time budget: stop after the first epoch that ends past it.
        amp: mixed precision (bfloat16 autocast); default on for CUDA, never on CPU.
        progress: a tqdm bar over epochs (notebook-aware); default on, off under pytest.
        seed: seeds python/numpy/torch and the shuffling generator.
        device: default `get_device()`; the model is moved there.
    """
    check_classifier(model)
    if monitor not in ("val_loss", "val_accuracy"):
        raise ValueError(f"monitor must be 'val_loss' or 'val_accuracy', got {monitor!r}")
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if patience is not None and patience < 1:
        raise ValueError(f"patience must be >= 1 or None, got {patience}")
    if (patience is not None) and val_data is None:
        raise ValueError("patience (early stopping) needs val_data")
    device = torch.device(device) if device is not None else get_device()
    amp = device.type == "cuda" if amp is None else (amp and device.type == "cuda")
    progress = _progress_default() if progress is None else progress
    loss_fn = loss_fn or F.cross_entropy
    n_classes = len(model.labels)

    train_set = as_dataset(train_data, "train_data")
    val_set = as_dataset(val_data, "val_data") if val_data is not None else None
    for ds, name in ((train_set, "train_data"), (val_set, "val_data")):
        if ds is not None and _labels_of(ds) is not None:
            _check_labels(_labels_of(ds), n_classes, name)

    generator = seed_everything(seed)  # the model was built before fit: only data order and dropout depend on this
    loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, generator=generator, drop_last=False)
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
            waveforms, lengths, labels = _unpack(batch, device)  # (B, S), (B,) or None, (B,)
            if augment is not None:
                waveforms, labels = augment(waveforms, labels)
            with _autocast(device, amp):
                logits = forward_classifier(model, waveforms, lengths)  # (B, C)
                loss = loss_fn(logits.float(), labels)
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
) -> dict:
    """Score `model` on `data`.

    Returns a dict: `accuracy`, `macro_f1` (floats), `confusion` (C, C) int64 (rows: true
    class), `loss` (mean cross-entropy, or `loss_fn`), `predictions` (N,), `probabilities` (N, C),
    `labels` (N,). The model is left in eval mode on `device`.
    """
    check_classifier(model)
    dataset = as_dataset(data)
    device = torch.device(device) if device is not None else model_device(model)
    amp = device.type == "cuda" if amp is None else (amp and device.type == "cuda")
    loss_fn = loss_fn or F.cross_entropy
    n_classes = len(model.labels)
    if _labels_of(dataset) is not None:
        _check_labels(_labels_of(dataset), n_classes, "data")
    model.to(device).eval()
    all_logits, all_labels = [], []
    for batch in DataLoader(dataset, batch_size=batch_size, shuffle=False):
        waveforms, lengths, labels = _unpack(batch, device)
        with _autocast(device, amp):
            logits = forward_classifier(model, waveforms, lengths)
        all_logits.append(logits.float().cpu())
        all_labels.append(labels.cpu())
    logits, labels = torch.cat(all_logits), torch.cat(all_labels)  # (N, C), (N,)
    preds = logits.argmax(dim=1)
    return {
        "accuracy": accuracy(preds, labels),
        "macro_f1": macro_f1(preds, labels, n_classes),
        "confusion": confusion_matrix(preds, labels, n_classes),
        "loss": loss_fn(logits, labels).item(),
        "predictions": preds,
        "probabilities": logits.softmax(dim=1),
        "labels": labels,
    }


# ----------------------------------------------------------------------------
# predict: one clip, from a file or an array


def prepare_waveform(model: nn.Module, path_or_waveform, sample_rate: int | None = None) -> tuple[torch.Tensor, int]:
    """The clip as the model wants it: mono float32 at `model.sample_rate`, padded/cut to
    `model.num_samples`. Returns `(waveform (num_samples,), true_length)`."""
    if isinstance(path_or_waveform, (str, os.PathLike)):
        if sample_rate is not None:
            raise ValueError(f"sample_rate={sample_rate} is only for arrays: a file's rate is read from the file "
                             f"({path_or_waveform})")
        waveform = load_audio(path_or_waveform, sample_rate=model.sample_rate)  # (S,), mono, resampled
    else:
        waveform = torch.as_tensor(np.asarray(path_or_waveform) if not torch.is_tensor(path_or_waveform) else path_or_waveform)
        if waveform.ndim == 2 and min(waveform.shape) <= 2:
            raise ValueError(f"predict needs a mono waveform (samples,), got shape {tuple(waveform.shape)}: "
                             "stereo? mix it down first, e.g. waveform.mean(dim=0)")
        if waveform.ndim != 1:
            raise ValueError(f"predict needs one mono waveform of shape (samples,), got shape {tuple(waveform.shape)}; "
                             "for a batch use evaluate() or call the model directly")
        waveform = validate_waveform(waveform, name="waveform")
        sample_rate = model.sample_rate if sample_rate is None else check_sample_rate(sample_rate)
        if sample_rate != model.sample_rate:
            waveform = resample(waveform, sample_rate, model.sample_rate)
    waveform = validate_waveform(waveform, name=str(path_or_waveform) if isinstance(path_or_waveform, (str, os.PathLike)) else "waveform")
    length = min(waveform.shape[0], model.num_samples)
    fixed = torch.zeros(model.num_samples, dtype=torch.float32)
    fixed[:length] = waveform[:length]  # zero-pad short clips, cut long ones
    return fixed, length


@torch.no_grad()
def predict(model: nn.Module, path_or_waveform, sample_rate: int | None = None) -> torch.Tensor:
    """Class probabilities `(n_classes,)` for one clip: a file path, or a mono array/tensor.

    Files are read with `course_utils.audio.load_audio`; every input is resampled to
    `model.sample_rate` (arrays are taken to be at `sample_rate`, default the model's)
    and zero-padded or cut to `model.num_samples`. `dict(zip(model.labels, probs))`
    names them.
    """
    check_classifier(model)
    waveform, length = prepare_waveform(model, path_or_waveform, sample_rate)
    device = model_device(model)
    model.eval()
    logits = forward_classifier(model, waveform[None].to(device), torch.tensor([length], device=device))  # (1, C)
    return logits.float().softmax(dim=-1)[0].cpu()


# ----------------------------------------------------------------------------
# Checkpoints: safetensors weights + a JSON that says how to rebuild the model
#
# A model class opts in with @register_classifier and two methods:
#     get_config(self) -> dict            JSON-able constructor arguments
#     from_config(cls, config) -> model   (optional; default cls(**config))
# load_classifier only ever builds registered classes: nothing is unpickled,
# no code from the checkpoint runs.

CLASSIFIERS: dict[str, type] = {}
CHECKPOINT_FORMAT = "course_utils.classifier"
CONFIG_NAME, WEIGHTS_NAME = "classifier.json", "model.safetensors"
# Modules whose classes register themselves on import; load_classifier imports them lazily.
_MODEL_MODULES = ("course_utils.models.cnn", "course_utils.models.ast", "course_utils.models.heads",
                  "course_utils.models.wav2vec2")


def register_classifier(cls: type) -> type:
    """Class decorator: let `load_classifier` rebuild this course model class by name."""
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise TypeError(f"register_classifier expects an nn.Module subclass, got {cls!r}")
    if not callable(getattr(cls, "get_config", None)):
        raise TypeError(f"{cls.__name__} needs a get_config() method returning its constructor arguments")
    CLASSIFIERS[cls.__name__] = cls
    return cls


def _write_atomic(path: Path, write: Callable[[str], None]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_classifier(model: nn.Module, directory: str | os.PathLike) -> Path:
    """Write `model.safetensors` and `classifier.json` into `directory` (created); return it.

    The JSON holds the class name, its constructor config, the labels and the
    feature settings (sample rate, clip length, and the model's `feature_config()`
    if it has one). Each file is written atomically.
    """
    from safetensors.torch import save_file

    check_classifier(model)
    cls = type(model)
    if CLASSIFIERS.get(cls.__name__) is not cls:
        raise TypeError(f"{cls.__name__} is not registered: decorate it with @register_classifier "
                        f"(registered: {sorted(CLASSIFIERS)})")
    config = model.get_config()
    features = {"sample_rate": int(model.sample_rate), "num_samples": int(model.num_samples)}
    if callable(getattr(model, "feature_config", None)):
        features.update(model.feature_config())
    meta = {"format": CHECKPOINT_FORMAT, "version": 1, "class": cls.__name__, "module": cls.__module__,
            "config": config, "labels": list(model.labels), "features": features}
    text = json.dumps(meta, indent=2)  # fails here, before writing anything, if config is not JSON-able
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    # clone: safetensors refuses tensors that share memory
    tensors = {k: v.detach().cpu().contiguous().clone() for k, v in model.state_dict().items()}
    _write_atomic(directory / WEIGHTS_NAME, lambda tmp: save_file(tensors, tmp, metadata={"format": "pt"}))
    _write_atomic(directory / CONFIG_NAME, lambda tmp: Path(tmp).write_text(text))
    return directory


def load_classifier(directory: str | os.PathLike, device: torch.device | str | None = None) -> nn.Module:
    """Rebuild a classifier saved by `save_classifier`, in eval mode (on `device`, default cpu)."""
    import importlib

    from safetensors import SafetensorError
    from safetensors.torch import load_file

    directory = Path(directory)
    config_path, weights_path = directory / CONFIG_NAME, directory / WEIGHTS_NAME
    if not directory.is_dir():
        raise ValueError(f"not a classifier checkpoint: {directory} is not a folder")
    if not config_path.is_file() or not weights_path.is_file():
        raise ValueError(f"not a classifier checkpoint: {directory} lacks {CONFIG_NAME} and/or {WEIGHTS_NAME} "
                         f"(found: {sorted(p.name for p in directory.iterdir())[:10]})")
    try:
        meta = json.loads(config_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"not a classifier checkpoint: {config_path} is not valid JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"not a classifier checkpoint: {config_path} has no \"format\": \"{CHECKPOINT_FORMAT}\"")
    name = meta.get("class")
    if name not in CLASSIFIERS:
        module = meta.get("module", "")
        for mod in ((module,) if module.startswith("course_utils.") else ()) + _MODEL_MODULES:
            try:
                importlib.import_module(mod)
            except ModuleNotFoundError:
                pass
    if name not in CLASSIFIERS:
        raise ValueError(f"{config_path}: unknown model class {name!r}; known classes: {sorted(CLASSIFIERS)}")
    cls = CLASSIFIERS[name]
    model = cls.from_config(meta["config"]) if hasattr(cls, "from_config") else cls(**meta["config"])
    try:
        state = load_file(str(weights_path))
    except (SafetensorError, OSError) as exc:
        raise ValueError(f"{weights_path} is not a readable safetensors file ({exc})") from None
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ValueError(f"{weights_path} does not fit {name}: {str(exc).splitlines()[0]} ...") from None
    if list(model.labels) != meta.get("labels"):
        raise ValueError(f"{config_path}: labels {meta.get('labels')} differ from the rebuilt model's {model.labels}")
    return model.to(device or "cpu").eval()
