"""Real datasets from the Hugging Face Hub, for learners who are online.

Loading scripts no longer run in datasets >= 4, and its `Audio` column
decodes through torchcodec (FFmpeg). So these loaders fetch the hub's
*parquet* files and decode the audio bytes themselves with soundfile,
returning the same DatasetDict shape as the course's generated data:
`audio` = {"array", "sampling_rate"} at 16 kHz, `label` a ClassLabel.

    ESC-50             ashraq/esc50 (data/*.parquet): 2,000 five-second clips, 50 classes,
                       5 folds; columns filename, fold, target, category, esc10,
                       src_file, take, audio{bytes, path}. 44.1 kHz. CC BY-NC 3.0.
    Speech Commands    google/speech_commands, revision refs/convert/parquet, v0.02/<split>/*.parquet:
                       one-second words, 36 labels; columns file, audio{bytes, path},
                       label (ClassLabel, names in the parquet schema), is_unknown,
                       speaker_id, utterance_id. 16 kHz. CC BY 4.0.

`source=` takes a local folder (or list) of parquet files of the same
schema instead of the hub: how the tests run, and how to use a mirror.
Without a network, the error says so and points to `make_clip_dataset`.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import soundfile as sf
import torch
from datasets import ClassLabel, DatasetDict, Features, Value

from ..audio import check_sample_rate, resample
from .tables import build_dataset

__all__ = ["ESC50_REPO", "ESC50_PATTERN", "SPEECH_COMMANDS_REPO", "SPEECH_COMMANDS_REVISION",
           "SPEECH_COMMANDS_CONFIG", "HubUnavailableError", "download_parquet", "decode_audio_column", "load_esc50",
           "load_speech_commands", "balanced_rows"]

ESC50_REPO = "ashraq/esc50"
ESC50_PATTERN = "data/*.parquet"
SPEECH_COMMANDS_REPO = "google/speech_commands"
SPEECH_COMMANDS_REVISION = "refs/convert/parquet"
SPEECH_COMMANDS_CONFIG = "v0.02"


class HubUnavailableError(ConnectionError):
    """The hub could not be reached (offline, firewalled, or HF_HUB_OFFLINE=1)."""


def _offline_message(what: str, exc: BaseException) -> str:
    return (f"could not download {what} from the Hugging Face Hub ({type(exc).__name__}: {exc}). "
            f"This machine looks offline (or HF_HUB_OFFLINE=1 is set). The course's own sounds need no network: "
            f"use course_utils.data.make_clip_dataset() (clips) or make_scene_dataset() (scenes); "
            f"or pass source= a folder of the dataset's parquet files copied from a machine that is online.")


def download_parquet(repo_id: str, patterns: list[str], revision: str | None = None, cache_dir=None) -> list[Path]:
    """Fetch the parquet files of a hub dataset (huggingface_hub's cache); raise HubUnavailableError offline."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError, RevisionNotFoundError

    try:
        root = snapshot_download(repo_id, repo_type="dataset", revision=revision, allow_patterns=patterns,
                                 cache_dir=cache_dir)
    except (RepositoryNotFoundError, RevisionNotFoundError, GatedRepoError):
        raise  # the hub answered: a wrong name, revision or missing access is not "offline"
    except Exception as exc:  # offline mode, DNS failure, refused connection, proxy, timeout ...
        raise HubUnavailableError(_offline_message(repo_id, exc)) from exc
    files = sorted(Path(root).glob("**/*.parquet"))
    if not files:
        raise ValueError(f"{repo_id} has no parquet files matching {patterns}")
    return files


def _parquet_files(source) -> list[Path]:
    paths = [Path(p) for p in ([source] if isinstance(source, (str, os.PathLike)) else source)]
    files = []
    for p in paths:
        if p.is_dir():
            files += sorted(p.glob("**/*.parquet"))
        elif p.is_file():
            files.append(p)
        else:
            raise ValueError(f"parquet source not found: {str(p)!r}")
    if not files:
        raise ValueError(f"no parquet files under {[str(p) for p in paths]}")
    return files


def decode_audio_column(audio: pa.StructArray, sample_rate: int) -> list[np.ndarray]:
    """Decode a hub `audio` column ({bytes, path}) with soundfile: mono float32 at `sample_rate`."""
    waves = []
    for item in audio.to_pylist():
        data = item.get("bytes")
        if data is None:
            raise ValueError(f"audio entry {item.get('path')!r} has no bytes: the parquet file must embed the audio")
        wave, sr = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)  # (samples, channels)
        wave = torch.from_numpy(wave.mean(axis=1, dtype=np.float32))
        waves.append(resample(wave, sr, sample_rate).numpy() if sr != sample_rate else wave.numpy())
    return waves


# ----------------------------------------------------------------------------
# ESC-50


def load_esc50(sample_rate: int = 16000, validation_fold: int = 4, test_fold: int = 5, source=None,
               cache_dir=None, esc10: bool = False) -> DatasetDict:
    """ESC-50 (environmental sounds, 50 classes), split by its official folds.

    Folds 1-5 keep clips from the same source recording together, so the
    validation and test folds are clean held-out sets. `esc10=True` keeps the
    10-class ESC-10 subset.
    """
    sample_rate = check_sample_rate(sample_rate)
    if validation_fold == test_fold or not {validation_fold, test_fold} <= {1, 2, 3, 4, 5}:
        raise ValueError(f"validation_fold and test_fold must be two different folds in 1..5, "
                         f"got {validation_fold} and {test_fold}")
    files = _parquet_files(source) if source is not None else download_parquet(ESC50_REPO, [ESC50_PATTERN],
                                                                                  cache_dir=cache_dir)
    table = pa.concat_tables([pq.read_table(f) for f in files])
    if esc10:
        table = table.filter(pc.equal(table.column("esc10"), True))
    targets = table.column("target").to_numpy()
    categories = table.column("category").to_pylist()
    names_by_target = dict(zip(targets.tolist(), categories))
    kept = sorted(names_by_target)                       # ESC-10 keeps 10 of the 50 targets
    names = [names_by_target[t] for t in kept]
    label_of = {t: i for i, t in enumerate(kept)}
    folds = table.column("fold").to_numpy()
    features = {"label": ClassLabel(names=names), "filename": Value("string"), "fold": Value("int64")}
    out = {}
    for split, wanted in (("train", lambda f: (f != validation_fold) & (f != test_fold)),
                          ("validation", lambda f: f == validation_fold), ("test", lambda f: f == test_fold)):
        rows = np.flatnonzero(wanted(folds))
        part = table.take(pa.array(rows))
        columns = {"label": [label_of[t] for t in part.column("target").to_numpy().tolist()],
                   "filename": part.column("filename").to_pylist(), "fold": part.column("fold").to_pylist()}
        out[split] = build_dataset(decode_audio_column(part.column("audio").combine_chunks(), sample_rate),
                                   sample_rate, columns, features)
    return DatasetDict(out)


# ----------------------------------------------------------------------------
# Speech Commands v2


def balanced_rows(labels: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Indices of `n` rows spread as evenly as possible over the classes in `labels`, sorted.

    Round robin: every class gives its i-th (randomly drawn) row before any
    class gives its (i+1)-th, so a class runs short only when it has no rows
    left. The first `n` rows of a file would be a few words, not all of them:
    the hub's parquet shards are stored word by word.
    """
    rng = np.random.default_rng(seed)
    per_class = [rng.permutation(np.flatnonzero(labels == c)) for c in np.unique(labels)]
    picks = []
    for i in range(max((len(rows) for rows in per_class), default=0)):
        round_ = [rows[i] for rows in per_class if i < len(rows)]
        picks += rng.permutation(round_).tolist()  # which classes fill a partial last round: drawn, not the first
        if len(picks) >= n:
            break
    return np.sort(np.asarray(picks[:n], dtype=np.int64))


def load_speech_commands(sample_rate: int = 16000, max_per_split: int | None = None, source=None,
                         cache_dir=None, seed: int = 0) -> DatasetDict:
    """Speech Commands v0.02 (one-second spoken words, 35 words + _silence_), its own splits.

    The full set is large (~2.4 GB of parquet); `max_per_split` keeps N clips
    of each split for a quick run on a laptop, spread evenly over the words
    (`balanced_rows`, drawn with `seed`). With `source=`, give a folder holding
    `train/`, `validation/`, `test/` subfolders of parquet files (the hub's
    layout under v0.02/).
    """
    sample_rate = check_sample_rate(sample_rate)
    if max_per_split is not None and (not isinstance(max_per_split, int) or max_per_split <= 0):
        raise ValueError(f"max_per_split must be a positive int or None, got {max_per_split!r}")
    if source is None:
        files = download_parquet(SPEECH_COMMANDS_REPO, [f"{SPEECH_COMMANDS_CONFIG}/*/*.parquet"],
                                 revision=SPEECH_COMMANDS_REVISION, cache_dir=cache_dir)
    else:
        files = _parquet_files(source)
    out = {}
    for split in ("train", "validation", "test"):
        split_files = [f for f in files if f.parent.name == split]
        if not split_files:
            raise ValueError(f"no parquet files for split {split!r} (expected a folder named {split}/)")
        table = pa.concat_tables([pq.read_table(f) for f in split_files])
        names = Features.from_arrow_schema(table.schema)["label"]
        if not isinstance(names, ClassLabel):
            raise ValueError(f"the label column of {split_files[0]} carries no class names")
        if max_per_split is not None:
            table = table.take(pa.array(balanced_rows(table.column("label").to_numpy(), max_per_split, seed)))
        features = {"label": ClassLabel(names=names.names), "is_unknown": Value("bool"),
                    "speaker_id": Value("string"), "file": Value("string")}
        columns = {k: table.column(k).to_pylist() for k in features}
        out[split] = build_dataset(decode_audio_column(table.column("audio").combine_chunks(), sample_rate),
                                   sample_rate, columns, features)
    return DatasetDict(out)
