"""The generated sets on disk: WAV files + metadata, in the "audiofolder" layout.

    data/clips_n100_seed0_sr16000/
        dataset.json                 class names, column types, generator version and parameters
        train/metadata.csv           file_name,label,clip_id,pitch_hz,...
        train/horn_low_0000.wav      32-bit float WAV (the exact samples, no rounding)
        validation/...  test/...

This is the layout `datasets.load_dataset("audiofolder", data_dir=...)`
reads, and the one to copy for your own recordings. (datasets >= 4 builds its
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
from datasets import ClassLabel, DatasetDict, Features, List

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
        name = f"{row[id_col] if id_col else f'{i:06d}'}.wav"
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
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}.", suffix=".tmp"))
    try:
        first = next(iter(dataset.values()))
        features = {k: v for k, v in first.features.to_dict().items() if k != "audio"}
        for split, ds in dataset.items():
            _write_split(ds, tmp / split)
        (tmp / INFO_FILE).write_text(json.dumps({"features": features, "splits": list(dataset), **(info or {})},
                                                indent=2))
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


def load_audiofolder(directory: str | os.PathLike) -> DatasetDict:
    """Read an audiofolder (split folders with WAVs + metadata.csv/.jsonl) with soundfile.

    Returns the same DatasetDict shape as the generators: `audio` as
    {"array", "sampling_rate"}, `label` as a ClassLabel, the other columns
    typed as dataset.json says (without dataset.json: labels sorted by name,
    other types inferred).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ValueError(f"no dataset folder at {str(directory)!r}")
    info = json.loads((directory / INFO_FILE).read_text()) if (directory / INFO_FILE).exists() else {}
    splits = info.get("splits") or sorted(p.name for p in directory.iterdir() if p.is_dir())
    tables = {}
    for split in splits:
        csv_path, jsonl_path = directory / split / "metadata.csv", directory / split / "metadata.jsonl"
        if csv_path.exists():
            with open(csv_path, newline="") as f:
                rows = list(csv.DictReader(f))
        elif jsonl_path.exists():
            rows = [json.loads(line) for line in jsonl_path.read_text().splitlines() if line.strip()]
        else:
            raise ValueError(f"{str(directory / split)!r} has no metadata.csv or metadata.jsonl")
        tables[split] = rows
    if "features" in info:
        features = Features.from_dict(info["features"])
    else:
        names = sorted({r["label"] for rows in tables.values() for r in rows})
        sample = next(iter(tables.values()))[0]
        features = Features({"label": ClassLabel(names=names)} if "label" in sample else {})
    out = {}
    for split, rows in tables.items():
        waves, rate = [], None
        for r in rows:
            data, sr = sf.read(directory / split / r["file_name"], dtype="float32")
            if rate is not None and sr != rate:
                raise ValueError(f"{split} mixes sampling rates {rate} and {sr}; resample the files to one rate")
            waves.append(data if data.ndim == 1 else data.mean(axis=1, dtype=np.float32))
            rate = sr
        names = [k for k in rows[0] if k != "file_name"]
        columns = {k: [r[k] for r in rows] for k in names}
        if isinstance(features.get("label"), ClassLabel):
            columns["label"] = [features["label"].str2int(v) for v in columns["label"]]
        feats = {k: features[k] for k in names if k in features}
        table_columns = {k: (_coerce(v, feats[k]) if k in feats else v) for k, v in columns.items()}
        out[split] = build_dataset(waves, rate, table_columns, feats)
    return DatasetDict(out)


def _coerce(values: list, feature) -> list:
    """CSV gives strings: turn them back into numbers where the feature is numeric."""
    dtype = getattr(feature, "dtype", None)
    if dtype and dtype.startswith(("float", "int")) and values and isinstance(values[0], str):
        cast = float if dtype.startswith("float") else int
        return [cast(v) for v in values]
    return values


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
