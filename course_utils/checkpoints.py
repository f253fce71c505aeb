"""Checkpoints: save a trained course classifier to a folder, and load it back.

Two formats, one pair of functions:

- **transformers folders** for the models transformers knows (`ASTClassifier`,
  `Wav2Vec2Classifier`, `Wav2Vec2FrameClassifier`): `config.json`,
  `model.safetensors` and `preprocessor_config.json`, exactly what
  `save_pretrained` writes. `AutoModelForAudioClassification.from_pretrained`,
  `AutoFeatureExtractor.from_pretrained` and `pipeline("audio-classification")`
  read them as they are, and so does the class's own `from_pretrained`.
- **the course format** for the rest (`SpectrogramCNN`, `ImageModelClassifier`):
  `model.safetensors` plus a JSON that says how to rebuild the model.

Both add `classifier.json`: which course class to rebuild and the settings
the library files do not hold (the clip length, multi-label, ...).

    >>> save_classifier(model, "runs/ast")
    >>> model = load_classifier("runs/ast")                           # the course class again
    >>> pipe = transformers.pipeline("audio-classification", model="runs/ast")

A model class opts in with `@register_classifier` and either
`save_pretrained(directory)` + `from_pretrained(directory)` (transformers
folders) or `get_config() -> dict` (+ optional `from_config`). `load_classifier`
only ever builds registered classes: nothing is unpickled, no code from the
checkpoint runs. Each file is written atomically (a temporary file, then a
rename), so an interrupted save never leaves a half-written file.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from course_utils.audio import umask_mode
from course_utils.models.base import check_classifier

__all__ = ["CLASSIFIERS", "CONFIG_NAME", "WEIGHTS_NAME", "check_model_type", "load_classifier",
           "quiet_transformers", "read_course_meta", "register_classifier", "save_classifier", "write_atomic", "write_folder_atomic"]

CLASSIFIERS: dict[str, type] = {}
CHECKPOINT_FORMAT = "course_utils.classifier"
CONFIG_NAME, WEIGHTS_NAME = "classifier.json", "model.safetensors"
# Modules whose classes register themselves on import; load_classifier imports them when needed.
_MODEL_MODULES = ("course_utils.models.cnn", "course_utils.models.ast", "course_utils.models.wav2vec2")


@contextlib.contextmanager
def quiet_transformers():
    """Silence transformers while it loads or saves a checkpoint: no "newly initialized weights"
    notices, no "Loading weights" progress bars in the notebooks' stored outputs."""
    from transformers.utils import logging

    level, bars = logging.get_verbosity(), logging.is_progress_bar_enabled()
    logging.set_verbosity_error()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        logging.set_verbosity(level)
        if bars:
            logging.enable_progress_bar()


def register_classifier(cls: type) -> type:
    """Class decorator: let `load_classifier` rebuild this course model class by name."""
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise TypeError(f"register_classifier expects an nn.Module subclass, got {cls!r}")
    if not (callable(getattr(cls, "get_config", None)) or callable(getattr(cls, "save_pretrained", None))):
        raise TypeError(f"{cls.__name__} needs get_config() (its constructor arguments) or save_pretrained()")
    CLASSIFIERS[cls.__name__] = cls
    return cls


# ----------------------------------------------------------------------------
# Writing: every file through a temporary name in the same folder, then os.replace


def write_atomic(path: Path, write: Callable[[str], None]) -> None:
    """Call `write(tmp_path)`, then rename the result to `path`; on any error no file is left behind."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, umask_mode(0o666))  # mkstemp makes 0600; a saved file gets the usual permissions
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_folder_atomic(directory: Path, write: Callable[[Path], None]) -> None:
    """Let `write(tmp_dir)` fill a temporary folder next to `directory`, then move each file into
    `directory` with an atomic rename (files that were there and are not rewritten stay)."""
    directory.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=directory, prefix=".saving-"))
    try:
        write(tmp)
        for item in sorted(tmp.iterdir()):
            if item.is_file():
                os.replace(item, directory / item.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def save_classifier(model: nn.Module, directory: str | os.PathLike) -> Path:
    """Save a registered course classifier into `directory` (created); return the folder.

    AST and Wav2Vec2 classifiers become transformers folders (see the module doc); other
    models are written as `model.safetensors` + `classifier.json`.
    """
    from safetensors.torch import save_file

    check_classifier(model)
    cls = type(model)
    if CLASSIFIERS.get(cls.__name__) is not cls:
        raise TypeError(f"{cls.__name__} is not registered: decorate it with @register_classifier "
                        f"(registered: {sorted(CLASSIFIERS)})")
    directory = Path(directory)
    meta = {"format": CHECKPOINT_FORMAT, "version": 2, "class": cls.__name__, "labels": list(model.labels),
            "sample_rate": int(model.sample_rate), "num_samples": int(model.num_samples),
            "multi_label": bool(model.multi_label)}
    if callable(getattr(model, "save_pretrained", None)):
        meta["layout"] = "transformers"
        text = json.dumps(meta, indent=2)
        with quiet_transformers():
            write_folder_atomic(directory, model.save_pretrained)
    else:
        meta["layout"] = "course"
        meta["config"] = model.get_config()
        text = json.dumps(meta, indent=2)  # fails here, before writing anything, if config is not JSON-able
        directory.mkdir(parents=True, exist_ok=True)
        # clone: safetensors refuses tensors that share memory
        tensors = {k: v.detach().cpu().contiguous().clone() for k, v in model.state_dict().items()}
        write_atomic(directory / WEIGHTS_NAME, lambda tmp: save_file(tensors, tmp, metadata={"format": "pt"}))
    write_atomic(directory / CONFIG_NAME, lambda tmp: Path(tmp).write_text(text))
    return directory


# ----------------------------------------------------------------------------
# Reading


def read_course_meta(directory: str | os.PathLike) -> dict | None:
    """The parsed `classifier.json` of a checkpoint folder, or None when the folder has none."""
    path = Path(directory) / CONFIG_NAME
    if not path.is_file():
        return None
    try:
        meta = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"not a classifier checkpoint: {path} is not valid JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"not a classifier checkpoint: {path} has no \"format\": \"{CHECKPOINT_FORMAT}\"")
    return meta


def check_model_type(name_or_path, expected: str, cls_name: str, **hub_kwargs) -> None:
    """Refuse a checkpoint of another architecture (its config.json's `model_type`) before
    transformers would load it into `cls_name` with freshly initialised weights."""
    from transformers import AutoConfig

    model_type = AutoConfig.from_pretrained(name_or_path, **hub_kwargs).model_type
    if model_type != expected:
        raise ValueError(f"{name_or_path} is a {model_type!r} checkpoint, not {expected!r}: "
                         f"{cls_name}.from_pretrained cannot load it")


def _registered(name) -> type:
    if name not in CLASSIFIERS:
        for module in _MODEL_MODULES:
            importlib.import_module(module)
    if name not in CLASSIFIERS:
        raise ValueError(f"unknown model class {name!r}; known classes: {sorted(CLASSIFIERS)}")
    return CLASSIFIERS[name]


def _check_finite(state: dict[str, torch.Tensor], where) -> None:
    """A checkpoint whose weights hold NaN or Inf would predict NaN: refuse it by name."""
    bad = [k for k, v in state.items() if v.is_floating_point() and not torch.isfinite(v).all()]
    if bad:
        raise ValueError(f"{where}: weights {bad[:3]} contain NaN or Inf (a diverged training run?); "
                         "this checkpoint cannot predict anything")


def load_classifier(directory: str | os.PathLike, device: torch.device | str | None = None) -> nn.Module:
    """Rebuild a classifier saved by `save_classifier`, in eval mode (on `device`, default cpu)."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    directory = Path(directory)
    if not directory.is_dir():
        raise ValueError(f"not a classifier checkpoint: {directory} is not a folder")
    meta = read_course_meta(directory)
    if meta is None:
        raise ValueError(f"not a classifier checkpoint: {directory} lacks {CONFIG_NAME} "
                         f"(found: {sorted(p.name for p in directory.iterdir())[:10]}); a transformers folder "
                         "loads with ASTClassifier.from_pretrained or Wav2Vec2Classifier.from_pretrained")
    cls = _registered(meta.get("class"))
    if meta.get("layout") == "transformers":
        with quiet_transformers():
            model = cls.from_pretrained(directory)
        _check_finite(model.state_dict(), directory)
        return model.to(device or "cpu").eval()
    if not isinstance(meta.get("config"), dict):
        raise ValueError(f"{directory / CONFIG_NAME}: no \"config\" object to rebuild {cls.__name__} from")
    weights_path = directory / WEIGHTS_NAME
    if not weights_path.is_file():
        raise ValueError(f"not a classifier checkpoint: {directory} lacks {WEIGHTS_NAME}")
    try:
        model = cls.from_config(meta["config"]) if hasattr(cls, "from_config") else cls(**meta["config"])
    except TypeError as exc:
        raise ValueError(f"{directory / CONFIG_NAME}: its config does not fit {cls.__name__} ({exc})") from None
    try:
        state = load_file(str(weights_path))
    except (SafetensorError, OSError) as exc:
        raise ValueError(f"{weights_path} is not a readable safetensors file ({exc})") from None
    _check_finite(state, weights_path)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ValueError(f"{weights_path} does not fit {cls.__name__}: {str(exc).splitlines()[0]} ...") from None
    if list(model.labels) != meta.get("labels"):
        raise ValueError(f"{directory / CONFIG_NAME}: labels {meta.get('labels')} differ from the rebuilt "
                         f"model's {model.labels}")
    return model.to(device or "cpu").eval()
