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
from course_utils.models.base import check_classifier, check_known_keys, check_labels, check_positive_int

__all__ = ["CLASSIFIERS", "CONFIG_NAME", "WEIGHTS_NAME", "check_course_meta", "check_model_type",
           "check_transformers_folder", "load_classifier", "quiet_transformers", "read_course_meta",
           "register_classifier", "save_classifier", "write_atomic", "write_folder_atomic"]

CLASSIFIERS: dict[str, type] = {}
CHECKPOINT_FORMAT = "course_utils.classifier"
CHECKPOINT_VERSION = 2
CONFIG_NAME, WEIGHTS_NAME = "classifier.json", "model.safetensors"
HF_CONFIG_NAME, HF_PREPROCESSOR_NAME = "config.json", "preprocessor_config.json"
# What classifier.json holds: these keys, plus "config" in the course layout.
META_KEYS = ("format", "version", "class", "layout", "labels", "sample_rate", "num_samples", "multi_label")
LAYOUTS = ("course", "transformers")
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
    directory = _folder_path(directory, "directory")
    if directory.exists() and not directory.is_dir():
        raise ValueError(f"directory {str(directory)!r} is a file: save_classifier writes a folder of files; "
                         "pick a folder name, e.g. 'runs/cnn'")
    meta = {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION, "class": cls.__name__,
            "labels": list(model.labels), "sample_rate": int(model.sample_rate), "num_samples": int(model.num_samples),
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


def _folder_path(directory, name: str) -> Path:
    if isinstance(directory, bytes) or not isinstance(directory, (str, os.PathLike)):
        raise TypeError(f"{name} must be a folder path (str or pathlib.Path), got {type(directory).__name__}")
    return Path(directory).expanduser()  # "~/runs/cnn" is the home folder's runs/, not a folder named "~"


def _read_json_object(path: Path, what: str) -> dict:
    """The JSON object in `path`, or a ValueError that names the file and what is wrong with it."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"not a {what}: {path} is not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise ValueError(f"not a {what}: {path} holds {type(value).__name__} {str(value)[:40]}, not a JSON object")
    return value


def read_course_meta(directory: str | os.PathLike) -> dict | None:
    """The parsed and checked `classifier.json` of a checkpoint folder, or None when the folder has none."""
    path = Path(directory) / CONFIG_NAME
    if not path.is_file():
        return None
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"not a classifier checkpoint: {path} is not valid JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"not a classifier checkpoint: {path} has no \"format\": \"{CHECKPOINT_FORMAT}\"")
    return check_course_meta(meta, path)


def check_course_meta(meta: dict, path) -> dict:
    """`meta`, a parsed `classifier.json`, after checking every key; a ValueError that names `path`
    and the key otherwise (a missing or unknown key, a wrong type, a layout without its config)."""
    version = meta.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= CHECKPOINT_VERSION:
        newer = isinstance(version, int) and not isinstance(version, bool) and version > CHECKPOINT_VERSION
        raise ValueError(f"{path}: \"version\" is {version!r}; this course_utils reads versions 1 to "
                         f"{CHECKPOINT_VERSION}" + ("; the checkpoint comes from a newer course_utils: upgrade it"
                                                   if newer else ""))
    layout = meta.get("layout")
    if "layout" in meta and layout not in LAYOUTS:
        raise ValueError(f"{path}: \"layout\" must be one of {list(LAYOUTS)}, got {layout!r}")
    required = META_KEYS + (("config",) if layout == "course" else ())
    missing = [k for k in required if k not in meta]
    if missing:
        raise ValueError(f"{path}: missing key(s) {missing}; save_classifier writes {list(required)}")
    check_known_keys(meta, required, str(path),
                     hint=f"a checkpoint in the {layout!r} layout holds only {list(required)}")
    if not isinstance(meta["class"], str) or not meta["class"]:
        raise ValueError(f"{path}: \"class\" must be the name of a course classifier class, got {meta['class']!r}")
    if not isinstance(meta["multi_label"], bool):
        raise ValueError(f"{path}: \"multi_label\" must be true or false, got {meta['multi_label']!r}")
    try:
        check_labels(meta["labels"], meta["multi_label"])
        check_positive_int(meta["sample_rate"], "\"sample_rate\"")
        check_positive_int(meta["num_samples"], "\"num_samples\"")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}") from None
    if layout == "course" and not isinstance(meta["config"], dict):
        raise ValueError(f"{path}: no \"config\" object to rebuild {meta['class']} from (the constructor's "
                         f"arguments), got {json.dumps(meta['config'])[:40]}")
    return meta


def check_transformers_folder(directory: str | os.PathLike) -> None:
    """A local transformers folder whose config.json (and preprocessor_config.json, when there is one)
    transformers can read, and whose labels fit the classifier weights; a ValueError that names the
    file and the problem otherwise (transformers would raise OSError, TypeError or RuntimeError from
    deep inside, or silently fall back to default settings)."""
    directory = Path(directory)
    config_path = directory / HF_CONFIG_NAME
    if not config_path.is_file():
        raise ValueError(f"not a transformers checkpoint: {directory} has no {HF_CONFIG_NAME}")
    config = _read_json_object(config_path, "transformers checkpoint")
    if not isinstance(config.get("model_type"), str):
        raise ValueError(f"{config_path}: no \"model_type\" (e.g. \"wav2vec2\"): transformers cannot tell "
                         "which model it describes")
    id2label = config.get("id2label")
    if id2label is not None and not isinstance(id2label, dict):
        raise ValueError(f"{config_path}: \"id2label\" must be an object {{\"0\": \"dog\", ...}}, got {id2label!r}")
    preprocessor = directory / HF_PREPROCESSOR_NAME
    if preprocessor.exists():
        _read_json_object(preprocessor, "feature extractor config")
    weights = directory / WEIGHTS_NAME
    if weights.is_file():
        from safetensors import SafetensorError, safe_open

        num_labels = len(id2label) if id2label else config.get("num_labels", 2)
        source = "id2label" if id2label else "no id2label: transformers' default"
        try:
            with safe_open(str(weights), framework="pt") as f:
                heads = {k: f.get_slice(k).get_shape() for k in f.keys()
                         if k.endswith(("classifier.weight", "classifier.dense.weight"))}
        except (SafetensorError, OSError) as exc:
            raise ValueError(f"{weights} is not a readable safetensors file ({exc})") from None
        for key, shape in heads.items():
            if shape and shape[0] != num_labels:
                raise ValueError(f"{config_path} lists {num_labels} labels ({source}) but the classifier weights "
                                 f"{key} in {weights.name} have {shape[0]} outputs: the labels do not fit the weights")


def check_model_type(name_or_path, expected: str, cls_name: str, **hub_kwargs) -> None:
    """Refuse a checkpoint of another architecture (its config.json's `model_type`) before
    transformers would load it into `cls_name` with freshly initialised weights."""
    from transformers import AutoConfig

    if Path(name_or_path).is_dir():
        check_transformers_folder(name_or_path)
    model_type = AutoConfig.from_pretrained(name_or_path, **hub_kwargs).model_type
    if model_type != expected:
        raise ValueError(f"{name_or_path} is a {model_type!r} checkpoint, not {expected!r}: "
                         f"{cls_name}.from_pretrained cannot load it")


def _registered(name, where=None) -> type:
    if name not in CLASSIFIERS:
        for module in _MODEL_MODULES:
            importlib.import_module(module)
    if name not in CLASSIFIERS:
        raise ValueError((f"{where}: " if where else "") + f"unknown model class {name!r}; known classes: "
                         f"{sorted(CLASSIFIERS)} (a class of your own must be imported, so that "
                         "@register_classifier has run, before load_classifier)")
    return CLASSIFIERS[name]


def _check_finite(state: dict[str, torch.Tensor], where) -> None:
    """A checkpoint whose weights hold NaN or Inf would predict NaN: refuse it by name."""
    bad = [k for k, v in state.items() if v.is_floating_point() and not torch.isfinite(v).all()]
    if bad:
        raise ValueError(f"{where}: weights {bad[:3]} contain NaN or Inf (a diverged training run?); "
                         "this checkpoint cannot predict anything")


def _mismatch(state: dict[str, torch.Tensor], model: nn.Module, num_labels: int) -> str:
    """Which weights do not fit `model`: missing, unexpected or of another shape (with a hint when the
    head's size is the number of labels)."""
    expected = model.state_dict()
    missing, unexpected = sorted(set(expected) - set(state)), sorted(set(state) - set(expected))
    shapes = [(k, tuple(state[k].shape), tuple(expected[k].shape)) for k in expected
              if k in state and state[k].shape != expected[k].shape]
    parts = ([f"missing {missing[:3]}"] if missing else []) + ([f"unexpected {unexpected[:3]}"] if unexpected else [])
    parts += [f"{k} is {a} in the file but {b} in the model" for k, a, b in shapes[:2]]
    head = next(((a, b) for _, a, b in shapes if b and b[0] == num_labels and a and a[0] != num_labels), None)
    if head is not None:
        parts.append(f"the weights were trained for {head[0][0]} classes but {CONFIG_NAME} lists {num_labels} labels")
    return "; ".join(parts)


def load_classifier(directory: str | os.PathLike, device: torch.device | str | None = None) -> nn.Module:
    """Rebuild a classifier saved by `save_classifier`, in eval mode (on `device`, default cpu).

    Every file is checked before it is trusted: a corrupted or hand-edited `classifier.json`
    (a missing or unknown key, a `null` config, another class's config, labels that do not fit
    the weights) or transformers `config.json` is a ValueError that names the file and the problem.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from course_utils.env import get_device

    directory = _folder_path(directory, "directory")
    if not directory.is_dir():
        raise ValueError(f"not a classifier checkpoint: {directory} is not a folder"
                         + (" (it is a file: pass the folder save_classifier wrote)" if directory.is_file() else ""))
    device = get_device(device) if device is not None else torch.device("cpu")
    meta = read_course_meta(directory)
    if meta is None:
        raise ValueError(f"not a classifier checkpoint: {directory} lacks {CONFIG_NAME} "
                         f"(found: {sorted(p.name for p in directory.iterdir())[:10]}); a transformers folder "
                         "loads with ASTClassifier.from_pretrained or Wav2Vec2Classifier.from_pretrained")
    meta_path = directory / CONFIG_NAME
    cls = _registered(meta["class"], meta_path)
    if meta["layout"] == "transformers":
        if not callable(getattr(cls, "from_pretrained", None)):
            raise ValueError(f"{meta_path}: class {cls.__name__} is saved in the course layout, not as a "
                             "transformers folder: the \"class\" or \"layout\" was edited")
        check_transformers_folder(directory)
        try:
            with quiet_transformers():
                model = cls.from_pretrained(directory)
        except (OSError, RuntimeError, KeyError, TypeError, AttributeError) as exc:
            detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            if "ignore_mismatched_sizes" in detail or "size mismatch" in str(exc):  # 5.x / 4.x wording
                detail = f"weights in {WEIGHTS_NAME} have other shapes than {HF_CONFIG_NAME} describes (an edited size?)"
            raise ValueError(f"{directory}: {HF_CONFIG_NAME} and {WEIGHTS_NAME} do not make a {cls.__name__}: "
                             f"{detail}") from exc
        _check_finite(model.state_dict(), directory)
        for key in ("labels", "sample_rate", "num_samples", "multi_label"):
            if getattr(model, key) != meta[key]:
                raise ValueError(f"{meta_path} says {key}={meta[key]!r} but {HF_CONFIG_NAME} / {HF_PREPROCESSOR_NAME} "
                                 f"give {getattr(model, key)!r}: one of the files was edited")
        return model.to(device).eval()
    config = meta["config"]
    for key in ("labels", "sample_rate", "num_samples", "multi_label"):
        if key in config and config[key] != meta[key]:
            raise ValueError(f"{meta_path}: \"{key}\" is {meta[key]!r} but \"config\" says {config[key]!r}: "
                             "the file was edited; make them agree")
    weights_path = directory / WEIGHTS_NAME
    if not weights_path.is_file():
        raise ValueError(f"not a classifier checkpoint: {directory} lacks {WEIGHTS_NAME}")
    try:
        model = cls.from_config(config) if hasattr(cls, "from_config") else cls(**config)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ValueError(f"{meta_path}: its config does not fit {cls.__name__} ({exc}); was \"class\" edited, "
                         "or the config copied from another model?") from None
    try:
        state = load_file(str(weights_path))
    except (SafetensorError, OSError) as exc:
        raise ValueError(f"{weights_path} is not a readable safetensors file ({exc})") from None
    _check_finite(state, weights_path)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError:
        raise ValueError(f"{weights_path} does not fit {cls.__name__} as {CONFIG_NAME} describes it: "
                         f"{_mismatch(state, model, len(meta['labels']))}") from None
    if list(model.labels) != meta["labels"]:
        raise ValueError(f"{meta_path}: labels {meta['labels']} differ from the rebuilt model's {model.labels}")
    return model.to(device).eval()
