"""The generated sets on disk: WAV files + metadata, in the "audiofolder" layout.

    data/clips_n100_seed0_sr16000/
        dataset.json                 class names, column types, generator version and parameters
        train/metadata.csv           file_name,label,clip_id,pitch_hz,...
        train/horn_low_0000.wav      32-bit float WAV (the exact samples, no rounding)
        validation/...  test/...

This is the layout `datasets.load_dataset("audiofolder", data_dir=...)`
reads, and the one to copy for your own recordings; `load_audiofolder` also
reads its other layout, where the label is the name of a sub-folder
(`train/dog/a.wav`), and can resample a folder of mixed rates. (datasets >= 4 builds its
`Audio` column through torchcodec, which needs FFmpeg; `load_audiofolder` here
reads the same folder with soundfile instead.) Scenes, whose `events` column
is a list, get `metadata.jsonl` instead of `.csv`.

A folder is written under a temporary name and renamed into place, so it is
either complete or absent. `clip_folder` / `scene_folder` rebuild it when
GENERATOR_VERSION or any parameter differs from what `dataset.json` records.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
from datasets import ClassLabel, Dataset, DatasetDict, Features, List

from ..audio import umask_mode
from ..env import DATA_DIR
from .clips import GENERATOR_VERSION, make_clip_dataset
from .scenes import make_scene_dataset
from .tables import build_dataset

__all__ = ["INFO_FILE", "save_audiofolder", "load_audiofolder", "clip_folder", "scene_folder"]

INFO_FILE = "dataset.json"


def _id_column(columns: list[str]) -> str | None:
    return next((c for c in ("clip_id", "scene_id") if c in columns), None)


def _write_split(ds, split_dir: Path) -> None:
    split_dir.mkdir(parents=True)
    columns = [c for c in ds.column_names if c != "audio"]
    id_col = _id_column(columns)
    label_names = ds.features["label"].names if isinstance(ds.features.get("label"), ClassLabel) else None
    nested = any(isinstance(ds.features[c], (List, dict)) for c in columns)
    rows = []
    for i, row in enumerate(ds):
        stem = str(row[id_col]) if id_col else f"{i:06d}"
        if not stem or stem.startswith(".") or any(c in stem for c in "/\\:") or os.path.isabs(stem):
            raise ValueError(f"{id_col} {stem!r} cannot be a file name inside the folder (no '/', '\\', ':' "
                             "or leading '.'); rename it")
        name = f"{stem}.wav"
        audio = row["audio"]
        sf.write(split_dir / name, np.asarray(audio["array"], dtype=np.float32), int(audio["sampling_rate"]),
                 subtype="FLOAT")
        meta = {"file_name": name, **{c: row[c] for c in columns}}
        if label_names is not None:
            meta["label"] = label_names[row["label"]]
        rows.append(meta)
    if nested:
        with open(split_dir / "metadata.jsonl", "w") as f:
            for meta in rows:
                f.write(json.dumps(meta) + "\n")
    else:
        with open(split_dir / "metadata.csv", "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=["file_name", *columns])
            writer.writeheader()
            writer.writerows(rows)


def save_audiofolder(dataset: DatasetDict, directory: str | os.PathLike, info: dict | None = None) -> Path:
    """Write `dataset` as WAV files + metadata under `directory`, atomically (replacing it).

    `info` (e.g. the generator's parameters) is stored in dataset.json beside
    the column types, so that `load_audiofolder` restores the same features.
    """
    if not isinstance(dataset, (DatasetDict, dict)) or not dataset:
        raise TypeError(f"dataset must be a non-empty DatasetDict of splits (e.g. make_clip_dataset()), "
                        f"got {type(dataset).__name__}" + (" (one split? wrap it: DatasetDict({'train': split}))"
                                                           if type(dataset).__name__ == "Dataset" else ""))
    bad = [name for name, split in dataset.items() if not isinstance(split, Dataset) or "audio" not in split.column_names]
    if bad:
        raise ValueError(f"split(s) {bad} of dataset are not datasets.Dataset splits with an 'audio' column")
    for name in dataset:
        if not isinstance(name, str) or not name or name.startswith(".") or any(c in name for c in "/\\:"):
            raise ValueError(f"split name {name!r} cannot be a folder name inside the dataset folder; rename it")
    if info is not None and not isinstance(info, dict):
        raise TypeError(f"info must be a dict (stored in {INFO_FILE}) or None, got {type(info).__name__}")
    if isinstance(directory, bytes) or not isinstance(directory, (str, os.PathLike)):
        raise TypeError(f"directory must be a folder path (str or pathlib.Path), got {type(directory).__name__}")
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise ValueError(f"directory {str(directory)!r} is a file: save_audiofolder writes a folder")
    if directory.is_dir() and any(directory.iterdir()) and not (directory / INFO_FILE).is_file():
        raise ValueError(f"{str(directory)!r} already holds files that save_audiofolder did not write (no {INFO_FILE}); "
                         "it replaces the whole folder, so pick a new folder (or empty this one yourself)")
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}.", suffix=".tmp"))
    try:
        first = next(iter(dataset.values()))
        features = {k: v for k, v in first.features.to_dict().items() if k != "audio"}
        for split, ds in dataset.items():
            _write_split(ds, tmp / split)
        (tmp / INFO_FILE).write_text(json.dumps({"features": features, "splits": list(dataset), **(info or {})},
                                                indent=2))
        os.chmod(tmp, umask_mode(0o777))  # mkdtemp makes 0700; the saved folder gets the usual permissions
        trash = None
        if directory.exists():
            trash = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}.", suffix=".old"))
            os.replace(directory, trash / "old")
        os.replace(tmp, directory)
        if trash is not None:
            shutil.rmtree(trash, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return directory


AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif")


def _inside(root: Path, name: str, what: str) -> Path:
    """`root / name`, refused when `name` points outside `root` (an absolute path, or '..')."""
    path = (root / name).resolve()
    if not path.is_relative_to(root.resolve()):
        raise ValueError(f"{what} {name!r} points outside {str(root)!r}; file names must be relative paths inside it")
    return path


def _audio_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)


def _label_dirs(folder: Path) -> list[Path]:
    """Sub-folders that hold audio files: the "label from the folder name" layout."""
    return [d for d in sorted(folder.iterdir()) if d.is_dir() and not d.name.startswith(".") and _audio_files(d)]


def _read_rows(split_dir: Path) -> list[dict]:
    """One split's rows {"file_name", "label", ...}: from metadata.csv / metadata.jsonl, or from label
    sub-folders (`dog/a.wav` -> label "dog"), the two layouts of `datasets`' audiofolder."""
    csv_path, jsonl_path = split_dir / "metadata.csv", split_dir / "metadata.jsonl"
    if csv_path.exists():
        with open(csv_path, newline="", encoding="utf-8-sig") as f:  # -sig: a BOM from Excel is not a column name
            rows = list(csv.DictReader(f))
    elif jsonl_path.exists():
        rows = []
        for i, line in enumerate(jsonl_path.read_text(encoding="utf-8-sig").splitlines(), start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{str(jsonl_path)!r} line {i} is not valid JSON ({exc.msg}): {line[:60]!r}") from None
    else:
        rows = [{"file_name": f"{d.name}/{f.name}", "label": d.name} for d in _label_dirs(split_dir)
                for f in _audio_files(d)]
        if not rows:
            raise ValueError(f"{str(split_dir)!r} has no metadata.csv or metadata.jsonl and no label sub-folders "
                             "with audio files (e.g. dog/a.wav)")
    if not rows:
        raise ValueError(f"{str(split_dir)!r}: the metadata lists no files (an empty split)")
    missing = [r for r in rows if not isinstance(r, dict) or "file_name" not in r]
    if missing:
        raise ValueError(f"{str(split_dir)!r}: every metadata row needs a file_name column, got {missing[0]!r}")
    return rows


def _read_audio(path: Path, name: str) -> tuple[np.ndarray, int]:
    if not path.is_file():
        raise FileNotFoundError(f"{name}: the metadata lists {path.name!r} but there is no such file ({path})")
    try:
        data, rate = sf.read(path, dtype="float32")
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise ValueError(f"{name}: cannot read {str(path)!r} as audio ({exc})") from None
    if data.size == 0:
        raise ValueError(f"{name}: {str(path)!r} holds no samples")
    return (data if data.ndim == 1 else data.mean(axis=1, dtype=np.float32)), int(rate)


def load_audiofolder(directory: str | os.PathLike, sample_rate: int | None = None) -> DatasetDict:
    """Read an audiofolder with soundfile, in either of `datasets`' two layouts:

        folder/train/metadata.csv + files      (file_name,label,... ; or metadata.jsonl)
        folder/train/dog/a.wav                  (the label is the sub-folder's name)

    Each sub-folder is a split (train, validation, test, ...); a folder whose
    sub-folders are label folders holds one split, "train". Stereo files are
    mixed to mono. `sample_rate` resamples every file to that rate; without it
    a split must have one rate. Returns the same DatasetDict shape as the
    generators: `audio` as {"array", "sampling_rate"}, `label` as a ClassLabel,
    the other columns typed as dataset.json says (without dataset.json: labels
    sorted by name, other types inferred). Paths outside the folder are refused.
    """
    from ..audio import check_sample_rate, resample

    if isinstance(directory, bytes) or not isinstance(directory, (str, os.PathLike)):
        raise TypeError(f"directory must be a folder path (str or pathlib.Path), got {type(directory).__name__}")
    directory = Path(directory)
    if directory.is_file():
        raise ValueError(f"{str(directory)!r} is a file, not a dataset folder: pass the folder that holds the "
                         "splits (train/, test/, ...) or the label folders (a single file loads with load_audio)")
    if not directory.is_dir():
        raise FileNotFoundError(f"no dataset folder at {str(directory)!r}")
    if sample_rate is not None:
        sample_rate = check_sample_rate(sample_rate)
    info = _read_info(directory)
    split_dirs = {name: _inside(directory, name, f"{INFO_FILE} split") for name in info.get("splits", [])}
    for name, split_dir in split_dirs.items():
        if not split_dir.is_dir():
            raise ValueError(f"{str(directory / INFO_FILE)!r} lists the split {name!r}, but there is no folder "
                             f"{str(split_dir)!r}")
    if not split_dirs:
        subdirs = [d for d in sorted(directory.iterdir()) if d.is_dir() and not d.name.startswith(".")]
        def has_meta(d: Path) -> bool:
            return (d / "metadata.csv").exists() or (d / "metadata.jsonl").exists()

        # label folders hold audio files and no metadata; a folder with metadata (or label folders) is a split
        flat = has_meta(directory) or (bool(subdirs) and all(_audio_files(d) and not has_meta(d)
                                                             and not _label_dirs(d) for d in subdirs))
        split_dirs = {"train": directory} if flat else {d.name: d for d in subdirs}
    if not split_dirs:
        raise ValueError(f"{str(directory)!r} holds no split folders (train/, test/, ...) and no label folders")
    tables = {split: _read_rows(d) for split, d in split_dirs.items()}
    if "features" in info:
        try:
            features = Features.from_dict(info["features"])
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise ValueError(f"{str(directory / INFO_FILE)!r}: its \"features\" are not datasets feature types "
                             f"({type(exc).__name__}: {exc})") from None
    else:
        names = sorted({str(r["label"]) for rows in tables.values() for r in rows if "label" in r})
        sample = next(iter(tables.values()))[0]
        features = Features({"label": ClassLabel(names=names)} if "label" in sample else {})
    out = {}
    for split, rows in tables.items():
        waves, rates = [], []
        for r in rows:
            wave, rate = _read_audio(_inside(split_dirs[split], str(r["file_name"]), "file_name"), split)
            if sample_rate is not None and rate != sample_rate:
                wave, rate = resample(torch.from_numpy(wave), rate, sample_rate).numpy(), sample_rate
            waves.append(wave)
            rates.append(rate)
        if len(set(rates)) > 1:
            raise ValueError(f"{split} mixes sampling rates {sorted(set(rates))}: pass sample_rate=16000 (or the "
                             "rate your model expects) to resample every file to it")
        names = [k for k in rows[0] if k != "file_name"]
        columns = {k: [r.get(k) for r in rows] for k in names}
        if isinstance(features.get("label"), ClassLabel):
            known = features["label"].names
            unknown = sorted({str(v) for v in columns["label"]} - set(known))
            if unknown:
                raise ValueError(f"{split}: unknown label(s) {unknown[:5]}; the dataset's labels are {known}")
            columns["label"] = [features["label"].str2int(str(v)) for v in columns["label"]]
        feats = {k: features[k] for k in names if k in features}
        table_columns = {k: (_coerce(v, feats[k], f"{split} column {k!r}") if k in feats else v)
                         for k, v in columns.items()}
        out[split] = build_dataset(waves, rates[0], table_columns, feats)
    return DatasetDict(out)


def _read_info(directory: Path) -> dict:
    """The folder's dataset.json ({} when there is none), or a ValueError that names it."""
    path = directory / INFO_FILE
    if not path.exists():
        return {}
    try:
        info = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{str(path)!r} is not valid JSON ({exc}); fix it, or delete it to let the folder's "
                         "layout speak for itself") from None
    if not isinstance(info, dict):
        raise ValueError(f"{str(path)!r} must hold a JSON object, got {type(info).__name__}")
    splits = info.get("splits", [])
    if not isinstance(splits, list) or not all(isinstance(name, str) and name for name in splits):
        raise ValueError(f"{str(path)!r}: \"splits\" must be a list of folder names, e.g. [\"train\", \"test\"], "
                         f"got {splits!r}")
    return info


def _coerce(values: list, feature, name: str = "column") -> list:
    """CSV gives strings: turn them back into numbers where the feature is numeric."""
    dtype = getattr(feature, "dtype", None)
    if dtype and dtype.startswith(("float", "int")) and values and isinstance(values[0], str):
        cast = float if dtype.startswith("float") else int
        try:
            return [cast(v) for v in values]
        except ValueError:
            bad = next(v for v in values if not _castable(cast, v))
            raise ValueError(f"{name} should hold {dtype} numbers (dataset.json says so) but holds {bad!r}") from None
    return values


def _castable(cast, value) -> bool:
    try:
        cast(value)
    except ValueError:
        return False
    return True


# ----------------------------------------------------------------------------
# Cached generated sets


def _cached(name: str, params: dict, make, root) -> Path:
    directory = Path(root if root is not None else DATA_DIR) / name
    stamp = {"generator_version": GENERATOR_VERSION, "params": params}
    info_path = directory / INFO_FILE
    if info_path.exists():
        info = json.loads(info_path.read_text())
        if {k: info.get(k) for k in stamp} == stamp:
            return directory
    return save_audiofolder(make(**params), directory, info=stamp)


def clip_folder(n_per_class: int = 100, seed: int = 0, sample_rate: int = 16000, root=None) -> Path:
    """The clip set as WAV files under data/ (built once, rebuilt when the generator changes)."""
    params = {"n_per_class": n_per_class, "seed": seed, "sample_rate": sample_rate}
    return _cached(f"clips_n{n_per_class}_seed{seed}_sr{sample_rate}", params, make_clip_dataset, root)


def scene_folder(n_scenes: int = 100, seed: int = 0, sample_rate: int = 16000, seconds: float = 5.0,
                 root=None) -> Path:
    """The scene set as WAV files + metadata.jsonl (events) under data/."""
    params = {"n_scenes": n_scenes, "seed": seed, "sample_rate": sample_rate, "seconds": seconds}
    return _cached(f"scenes_n{n_scenes}_seed{seed}_sr{sample_rate}_{seconds:g}s", params, make_scene_dataset, root)
