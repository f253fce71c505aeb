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
import io
import json
import os
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
import pyarrow as pa
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


# soundfile (libsndfile) reads the first kind; the second is audio it cannot decode. A file of the second kind
# in a class folder is refused by name, never skipped: a phone's .m4a recordings would otherwise vanish.
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aiff", ".aif", ".caf")
UNREADABLE_SUFFIXES = (".m4a", ".aac", ".wma", ".mp4", ".m4v", ".mov", ".webm", ".amr", ".3gp", ".mka")
# Split folders' other names, as `datasets` reads them (val/ is the validation split); class folders that all
# carry split names are a mistake.
SPLIT_ALIASES = {"training": "train", "valid": "validation", "val": "validation", "dev": "validation",
                 "testing": "test", "eval": "test", "evaluation": "test"}
SPLIT_NAMES = ("train", "validation", "test", *SPLIT_ALIASES)
METADATA_FILES = ("metadata.csv", "metadata.jsonl")


def _inside(root: Path, name: str, what: str) -> Path:
    """`root / name`, refused when `name` leaves `root` on paper: an absolute path, or '..' that climbs out.

    The check reads the name, not the disk (as `datasets` does), so a symbolic link that the folder's owner
    put inside it is followed wherever it points, while a metadata row cannot reach outside the folder.
    """
    relative = os.path.normpath(name)
    if Path(name).anchor or relative == ".." or relative.startswith(".." + os.sep):
        raise ValueError(f"{what} {name!r} points outside {str(root)!r}; file names must be relative paths inside it")
    return root / relative


def _visible(path: Path) -> bool:
    """False for what a file manager hides or a tool leaves behind, as `datasets` skips them too: hidden
    files (.DS_Store; ._a.wav, the resource fork a Mac writes beside a.wav on a USB stick, which has a .wav
    name and no audio) and folders (.git/), and folders named __like_this (__MACOSX/ from a Mac's zip)."""
    return not (path.name.startswith(".") or (path.name.startswith("__") and path.is_dir()))


def _audio_files(folder: Path, suffixes: tuple[str, ...] = AUDIO_SUFFIXES) -> list[Path]:
    """The visible files directly in `folder` whose extension is one of `suffixes` (any case: .WAV too),
    sorted. A broken symbolic link is kept, so that reading it names the problem instead of losing the clip."""
    return sorted(p for p in folder.iterdir() if _visible(p) and p.suffix.lower() in suffixes
                  and (p.is_file() or (p.is_symlink() and not p.exists())))


def _audio_inside(folder: Path) -> Path | None:
    """The first audio file, readable or not, at any depth under `folder` (hidden ones skipped); None if none."""
    suffixes = AUDIO_SUFFIXES + UNREADABLE_SUFFIXES
    for top, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
        for name in sorted(files):
            if not name.startswith(".") and Path(name).suffix.lower() in suffixes:
                return Path(top) / name
    return None


def _has_metadata(folder: Path) -> bool:
    return any((folder / name).exists() for name in METADATA_FILES)


def _sub_folders(folder: Path) -> list[Path]:
    """The visible sub-folders of `folder` that hold audio (at any depth) or a metadata file: the ones that
    can be a split or a class. An empty folder, or one of notes (docs/README.txt), is neither."""
    return [d for d in sorted(folder.iterdir()) if d.is_dir() and _visible(d)
            and (_has_metadata(d) or _audio_inside(d) is not None)]


def _label_text(value: str) -> str:
    """A label as written in a folder name or a metadata cell, made comparable: surrounding spaces dropped
    ("a.wav, dog" gives "dog", not " dog") and Unicode in one form (NFC: a Mac writes "café" in folder names
    as "e" + a combining accent, Linux and Windows as one "é"; unnormalised, they would be two classes)."""
    return unicodedata.normalize("NFC", value.strip())


def _class_folder_problem(folder: Path, d: Path, deeper: list[Path]) -> str:
    """Why `d`, a sibling of class folders in `folder`, is not a class folder, and the two layouts to choose from."""
    if deeper:
        example = _audio_inside(deeper[0])
        what = f"audio in a sub-folder ({example.relative_to(folder).as_posix() if example else deeper[0].name + '/'})"
    else:
        what = "a metadata file"
    return (f"{str(d)!r} is not a class folder: it holds {what}. A folder of sounds is one of two layouts: class "
            "folders that hold their clips directly (dog/a.wav, the label is the folder's name; sub-folders inside a "
            "class folder are not read), or split folders (train/, test/) that hold class folders (train/dog/a.wav) or "
            f"a metadata.csv. Move the files of {d.name}/ so that {folder.name}/ follows one of the two")


def _label_rows(folder: Path) -> list[dict]:
    """Rows {"file_name", "label"} of the label-folder layout under `folder` ([] when it has no class folder):
    each sub-folder that holds audio is a class, named after it; its audio files are the clips.

    Audio that this layout would leave out is an error that names it, never skipped: files in a sub-folder
    of a class folder (dog/2023/a.wav), files beside the class folders (a.wav), formats soundfile cannot
    decode (dog/a.m4a).
    """
    classes = _sub_folders(folder)
    rows = []
    for d in classes:
        deeper = _sub_folders(d)
        if deeper or _has_metadata(d):
            raise ValueError(_class_folder_problem(folder, d, deeper))
        other = [p.name for p in _audio_files(d, UNREADABLE_SUFFIXES)]
        if other:
            raise ValueError(f"{str(d)!r} holds {len(other)} file(s) that soundfile cannot decode, e.g. {other[0]!r}: "
                             f"convert them to WAV or FLAC (with Audacity, or ffmpeg -i {other[0]!r} "
                             f"{Path(other[0]).stem + '.wav'!r}) and move the originals out of the folder")
        rows += [{"file_name": f"{d.name}/{f.name}", "label": _label_text(d.name)} for f in _audio_files(d)]
    loose = _audio_files(folder, AUDIO_SUFFIXES + UNREADABLE_SUFFIXES)
    if classes and loose:
        raise ValueError(f"{str(folder)!r} holds audio files beside its class folders, e.g. {loose[0].name!r}: a "
                         "clip's label is the name of the folder it lies in, so these have none. Move each into the "
                         f"folder of its class (e.g. {classes[0].name}/{loose[0].name}), or out of {folder.name}/")
    names = sorted({d.name for d in classes})
    if names and all(name.lower() in SPLIT_NAMES for name in names):
        raise ValueError(f"{str(folder)!r}: the folders {names} hold audio files but no metadata.csv, so nothing says "
                         "the label of each clip (read as class folders, the classes would be named after the splits). "
                         "Give each split a metadata.csv (file_name,label) or class folders (train/dog/a.wav)")
    return rows


def _read_rows(split_dir: Path) -> list[dict]:
    """One split's rows {"file_name", "label", ...}: from metadata.csv / metadata.jsonl, or from label
    sub-folders (`dog/a.wav` -> label "dog"), the two layouts of `datasets`' audiofolder."""
    csv_path, jsonl_path = split_dir / "metadata.csv", split_dir / "metadata.jsonl"
    if not csv_path.exists() and not jsonl_path.exists():
        rows = _label_rows(split_dir)
        if not rows:
            raise ValueError(f"{str(split_dir)!r} has no metadata.csv or metadata.jsonl and no label sub-folders "
                             "with audio files (e.g. dog/a.wav)")
        return rows
    meta = csv_path if csv_path.exists() else jsonl_path
    try:
        text = meta.read_text(encoding="utf-8-sig")  # -sig: a BOM from Excel is not a column name
    except UnicodeDecodeError as exc:
        raise ValueError(f"{str(meta)!r} is not UTF-8 text (byte {exc.object[exc.start]:#x} at {exc.start}): Excel's "
                         "plain 'CSV' is in another encoding; save it as 'CSV UTF-8'") from None
    if meta == csv_path:  # skipinitialspace: "a.wav, dog" is "dog"
        rows = list(csv.DictReader(io.StringIO(text, newline=""), skipinitialspace=True))
    else:
        rows = []
        for i, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{str(jsonl_path)!r} line {i} is not valid JSON ({exc.msg}): {line[:60]!r}") from None
    if not rows:
        raise ValueError(f"{str(split_dir)!r}: the metadata lists no files (an empty split)")
    missing = [r for r in rows if not isinstance(r, dict) or "file_name" not in r]
    if missing:
        raise ValueError(f"{str(split_dir)!r}: every metadata row needs a file_name column, got {missing[0]!r}")
    crowded = [r for r in rows if None in r]  # csv.DictReader files cells past the header's columns under None
    if crowded:
        raise ValueError(f"{str(meta)!r}: the row of {crowded[0]['file_name']!r} has more cells than the header has "
                         f"columns ({crowded[0][None]!r} left over); a comma inside a value needs quotes (\"a, b\")")
    if "audio" in rows[0]:
        raise ValueError(f"{str(meta)!r} has a column named 'audio', the name of the column that holds the clips; "
                         "rename it")
    _check_metadata_rows(rows, meta)
    return rows


def _check_metadata_rows(rows: list[dict], meta: Path) -> None:
    """Each file listed once, and, where there is a label column, a label in every row (labels normalised
    in place by `_label_text`): a row without one would otherwise become a class named "" or "None"."""
    seen: dict[str, int] = {}
    for r in rows:
        key = os.path.normpath(str(r["file_name"]))
        seen[key] = seen.get(key, 0) + 1
    twice = [name for name, n in seen.items() if n > 1]
    if twice:
        others = f" (and {len(twice) - 1} other file(s) more than once)" if len(twice) > 1 else ""
        raise ValueError(f"{str(meta)!r} lists {twice[0]!r} {seen[twice[0]]} times{others}: list each clip once, "
                         "or it counts twice and may land in two splits")
    if not any("label" in r for r in rows):
        return
    for r in rows:
        label = r.get("label")
        if label is None or (isinstance(label, str) and not label.strip()):
            raise ValueError(f"{str(meta)!r}: the row of {r['file_name']!r} has no label; give every row one "
                             "(or remove the row)")
        if isinstance(label, str):
            r["label"] = _label_text(label)


def _read_audio(path: Path, name: str) -> tuple[np.ndarray, int]:
    """One file as mono float32 `(samples,)` and its rate, or an error that names the file and its problem."""
    if not path.is_file():
        if path.is_symlink():
            raise FileNotFoundError(f"{name}: {str(path)!r} is a symbolic link to {os.readlink(path)!r}, which does "
                                    "not exist; copy the file itself in, or remove the link")
        raise FileNotFoundError(f"{name}: the metadata lists {path.name!r} but there is no such file ({path})")
    if path.stat().st_size == 0:
        raise ValueError(f"{name}: {str(path)!r} is empty (0 bytes): an interrupted copy or recording? "
                         "copy it again, or remove it")
    try:
        data, rate = sf.read(path, dtype="float32")
    except (sf.LibsndfileError, RuntimeError) as exc:
        hint = (f"; soundfile cannot decode {path.suffix} files: convert it to WAV or FLAC"
                if path.suffix.lower() in UNREADABLE_SUFFIXES else "")
        raise ValueError(f"{name}: cannot read {str(path)!r} as audio ({exc}){hint}") from None
    if data.size == 0:
        raise ValueError(f"{name}: {str(path)!r} holds no samples")
    bad = int(np.count_nonzero(~np.isfinite(data)))
    if bad:
        raise ValueError(f"{name}: {str(path)!r} holds {bad} NaN or infinite samples (of {data.size}): a damaged "
                         "float file; export it again, or remove it")
    return (data if data.ndim == 1 else data.mean(axis=1, dtype=np.float32)), int(rate)


def _raise_problems(problems: list[Exception], directory: Path) -> None:
    """All the files that cannot be read, in one error (one file: its own error), so a folder is fixed in one go."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        kind = FileNotFoundError if all(isinstance(p, FileNotFoundError) for p in problems) else ValueError
        shown = "\n  ".join(str(p) for p in problems[:10])
        more = f"\n  ... and {len(problems) - 10} more" if len(problems) > 10 else ""
        raise kind(f"{len(problems)} files in {str(directory)!r} cannot be used:\n  {shown}{more}")


def _split_names(directory: Path, subdirs: list[Path]) -> dict[str, Path]:
    """{split: folder}, a split folder's other name read as the split (val/ -> "validation", dev/ too)."""
    splits: dict[str, Path] = {}
    for d in subdirs:
        lower = d.name.lower()  # Train/ and TEST/ are the train and test splits, as val/ is validation
        name = SPLIT_ALIASES.get(lower, lower if lower in ("train", "validation", "test") else d.name)
        if name in splits:
            raise ValueError(f"{str(directory)!r} has two folders for the {name!r} split, {splits[name].name}/ and "
                             f"{d.name}/; merge them into one")
        splits[name] = d
    return splits


def _refuse_splits_beside_clips(directory: Path, subdirs: list[Path], clips: list[Path]) -> None:
    """Split folders (train/ with class folders or a metadata.csv) beside folders of bare clips: e.g. a
    download whose test/ holds unlabelled clips next to train/dog/a.wav. Neither layout fits; say which
    folder is which instead of blaming the split folder for not being a class."""
    splits = [d for d in subdirs if d not in clips
              and (_has_metadata(d) or (d.name.lower() in SPLIT_NAMES and _sub_folders(d)))]
    if splits:
        bare = clips[0].name
        raise ValueError(f"{str(directory)!r} mixes split folders ({', '.join(d.name + '/' for d in splits)}) with "
                         f"folders of bare clips ({', '.join(d.name + '/' for d in clips)}), which have no label: "
                         f"if the clips of {bare}/ are unlabelled, move {bare}/ out of the folder; if they are a "
                         f"split, label them with a {bare}/metadata.csv (file_name,label) or class folders "
                         f"({bare}/dog/a.wav)")


def _raise_no_audio(directory: Path) -> None:
    """The error for a folder with no split or class folder in it, naming what it does hold."""
    others = [d for d in sorted(directory.iterdir()) if d.is_dir() and _visible(d)]
    if others:  # e.g. train/ with only a README: name the folder the learner meant
        raise ValueError(f"{str(directory)!r} holds no audio in a layout load_audiofolder reads: "
                         f"{str(others[0])!r} has no metadata.csv or metadata.jsonl and no label sub-folders with "
                         "audio files (e.g. dog/a.wav)")
    loose = _audio_files(directory, AUDIO_SUFFIXES + UNREADABLE_SUFFIXES)
    raise ValueError(f"{str(directory)!r} holds no split folders (train/, test/, ...) and no label folders"
                     + (f"; its audio files ({loose[0].name}, ...) have no label: put each in the folder of its class "
                        "(dog/a.wav), or list them in a metadata.csv (file_name,label)" if loose else ""))


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
    sorted by name, other types inferred).

    A real folder holds more than clips. Skipped, as `datasets` skips them:
    hidden files and folders (.DS_Store, ._a.wav), __MACOSX/, files that are
    not audio (README.txt, desktop.ini), folders without audio. Refused, with
    the file named: audio that the layout would leave out (a clip in a
    sub-folder of a class folder, or beside the class folders, a .m4a), a
    file that cannot be read or holds NaN samples, a file listed twice, a
    metadata row without a label; every unreadable file is listed in one
    error. Labels lose surrounding spaces and are Unicode-normalised (NFC).
    A split folder may carry another usual name: val/, valid/ or dev/ is the
    "validation" split, eval/ or testing/ "test", training/ "train".
    "~" in `directory` is your home folder. A metadata path that leaves the
    folder ('..', absolute) is refused; a symbolic link inside it is followed.
    """
    from ..audio import check_sample_rate, resample

    if isinstance(directory, bytes) or not isinstance(directory, (str, os.PathLike)):
        raise TypeError(f"directory must be a folder path (str or pathlib.Path), got {type(directory).__name__}")
    directory = Path(directory).expanduser()
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
        subdirs = _sub_folders(directory)
        # a class folder holds audio files directly, and no metadata or audio deeper down; a split folder holds
        # metadata or class folders. One class folder makes the whole folder one split (its siblings are checked)
        clips = [d for d in subdirs if _audio_files(d, AUDIO_SUFFIXES + UNREADABLE_SUFFIXES)
                 and not _has_metadata(d) and not _sub_folders(d)]          # folders of clips: classes
        flat = _has_metadata(directory) or bool(clips)
        if clips and not _has_metadata(directory):
            _refuse_splits_beside_clips(directory, subdirs, clips)
        split_dirs = {"train": directory} if flat else _split_names(directory, subdirs)
    if not split_dirs:
        _raise_no_audio(directory)
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
    audio, problems = {}, []
    for split, rows in tables.items():
        waves, rates = [], []
        for r in rows:
            path = _inside(split_dirs[split], str(r["file_name"]), "file_name")
            try:
                wave, rate = _read_audio(path, split)
            except (FileNotFoundError, ValueError) as exc:
                problems.append(exc)
                continue
            if sample_rate is not None and rate != sample_rate:
                wave, rate = resample(torch.from_numpy(wave), rate, sample_rate).numpy(), sample_rate
            waves.append(wave)
            rates.append(rate)
        audio[split] = waves, rates
    _raise_problems(problems, directory)
    undeclared = {k for rows in tables.values() for k in rows[0] if k not in ("file_name", "label") and k not in features}
    casts = {k: _number_cast([r.get(k) for rows in tables.values() for r in rows]) for k in undeclared}
    out = {}
    for split, rows in tables.items():
        waves, rates = audio[split]
        if len(set(rates)) > 1:
            raise ValueError(f"{split} mixes sampling rates {sorted(set(rates))}: pass sample_rate=16000 (or the "
                             "rate your model expects) to resample every file to it")
        names = [k for k in rows[0] if k != "file_name"]
        columns = {k: [r.get(k) for r in rows] for k in names}
        if isinstance(features.get("label"), ClassLabel):
            known = features["label"].names
            # the rows' labels were cleaned by _label_text: compare the declared names in the same form
            declared = {_label_text(name): index for index, name in enumerate(known)}
            unknown = sorted({str(v) for v in columns["label"]} - set(declared))
            if unknown:
                raise ValueError(f"{split}: unknown label(s) {unknown[:5]}; the dataset's labels are {known}")
            columns["label"] = [declared[str(v)] for v in columns["label"]]
        feats = {k: features[k] for k in names if k in features}
        table_columns = {k: (_coerce(v, feats[k], f"{split} column {k!r}") if k in feats else
                             [casts[k](x) for x in v] if casts.get(k) else v) for k, v in columns.items()}
        feats |= {k: _inferred(v, f"{split} column {k!r}") for k, v in table_columns.items() if k not in feats}
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


INTEGER = re.compile(r"[-+]?(0|[1-9][0-9]*)")
DECIMAL = re.compile(r"[-+]?(0|[1-9][0-9]*)?(\.[0-9]+)?([eE][-+]?[0-9]+)?")


def _number_cast(values: list):
    """`int` or `float` when every cell of an undeclared CSV column, in every split, is written as that kind of
    number ("3", "-2"; "0.5", "1e3"), else None: the column stays text. Text that only looks like a number stays
    text: an ID with leading zeros ("007" is not 7), "nan", "inf", an empty cell. One decision for all splits,
    so that the splits of one dataset agree on each column's type."""
    texts = [v.strip() for v in values if isinstance(v, str)]
    if not values or len(texts) < len(values) or not all(texts):
        return None
    if all(INTEGER.fullmatch(t) for t in texts):
        return int
    if all(DECIMAL.fullmatch(t) and any(c.isdigit() for c in t) for t in texts):
        return float
    return None


def _inferred(values: list, name: str):
    """The datasets feature type of a metadata column that dataset.json does not declare, or a ValueError."""
    try:
        arrow_type = pa.array(values).type
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise ValueError(f"{name} mixes kinds of values ({exc}); give it one kind (all numbers, or all text)") from None
    return Features.from_arrow_schema(pa.schema([pa.field("column", arrow_type)]))["column"]


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
