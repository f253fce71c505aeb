"""One setting picks the data a notebook trains on: `DATA = "instruments"`, and the rest follows.

Notebooks 03, 04, 05, 07, 08 and 09 start with the same two lines:

    DATA = "instruments"   # "synthetic" | "instruments" | "voices" | "esc50" | "speech_commands" | "folder:<path>"
    ONLINE = None          # None: $COURSE_ONLINE decides; True lets the hub sets and checkpoints download

and `load_data(DATA, online=ONLINE)` returns a DatasetDict with train,
validation and test splits, `audio` = {"array", "sampling_rate"} at the rate
asked for, `label` a ClassLabel: the shape every course function reads.

    synthetic        the course's generated clips (make_clip_dataset): easy, every model gets 0.98-1.00
    instruments      real notes of 11 instrument families; the test instruments are never heard in training
    voices           real recorded speech in 5 languages (one speaker each: speaker = language)
    esc50            ESC-50 from the hub (online): 2,000 five-second environmental sounds, 50 classes
    speech_commands  Speech Commands v2 from the hub (online): one-second spoken words, 36 labels
    folder:<path>    your own sounds in either audiofolder layout (see load_audiofolder)

A folder without validation or test splits gets them from its train split,
class by class (`ensure_splits`), so any folder of labelled sounds works.
"""

from __future__ import annotations

import os

import numpy as np
from datasets import DatasetDict

from ..env import ONLINE_ENV_VAR, online as online_switch
from .cache import load_audiofolder
from .clips import make_clip_dataset
from .hub import load_esc50, load_speech_commands
from .real import load_real

__all__ = ["DATA_CHOICES", "HUB_SETS", "load_data", "ensure_splits"]

DATA_CHOICES = ("synthetic", "instruments", "voices", "esc50", "speech_commands", "folder:<path>")
HUB_SETS = {"esc50": load_esc50, "speech_commands": load_speech_commands}
SPLITS = ("train", "validation", "test")


def load_data(choice: str, *, sample_rate: int = 16000, online: bool | None = None, seed: int = 0,
              **options) -> DatasetDict:
    """The dataset `choice` names (one of DATA_CHOICES), with train / validation / test splits.

    `sample_rate`: every clip is resampled to it (ESC-50 is 44.1 kHz on the hub).
    `online`: may the hub sets download (None: $COURSE_ONLINE, see `course_utils.env.online`)?
    A hub set given a local copy (`source=` a folder of its parquet files) needs no network.
    `seed`: the split of a folder that has only a train split (`ensure_splits`).
    `options` go to the loader: `make_clip_dataset` for "synthetic" (n_per_class=, classes=, ...),
    `load_esc50` (esc10=, ...), `load_speech_commands` (max_per_split=, ...), `load_real`.
    """
    if not isinstance(choice, str):
        raise TypeError(f"DATA must be a string, one of {DATA_CHOICES}, got {type(choice).__name__}")
    if choice == "synthetic":
        return make_clip_dataset(sample_rate=sample_rate, **options)
    if choice in ("instruments", "voices"):
        return load_real(choice, sample_rate=sample_rate, **options)
    if choice in HUB_SETS:
        if options.get("source") is None and not online_switch(online):
            raise ValueError(f"DATA = {choice!r} downloads from the Hugging Face Hub, and the course is offline. "
                             f"Set ONLINE = True in the notebook (or {ONLINE_ENV_VAR}=1 in the environment), or pass "
                             f"source= a folder of the set's parquet files; offline, use DATA = 'instruments', "
                             f"'voices' or 'synthetic'")
        return HUB_SETS[choice](sample_rate=sample_rate, **options)
    if choice.startswith("folder:"):
        path = os.path.expanduser(choice[len("folder:"):].strip())
        if not path:
            raise ValueError("DATA = 'folder:' needs a path after the colon, e.g. 'folder:~/my_sounds'")
        if options:
            raise TypeError(f"DATA = 'folder:...' takes no loader options, got {sorted(options)}")
        return ensure_splits(load_audiofolder(path, sample_rate=sample_rate), seed=seed)
    raise ValueError(f"unknown DATA {choice!r}; choose one of {DATA_CHOICES}")


def ensure_splits(dataset: DatasetDict, *, validation: float = 0.15, test: float = 0.15,
                  seed: int = 0) -> DatasetDict:
    """`dataset` with train, validation and test splits, the missing ones cut from train class by class.

    Each class gives `validation` and `test` of its train clips (at least one
    each when it has three or more), drawn with `seed`; the rest stay in train.
    Splits that exist are kept as they are. A class with fewer than three clips
    cannot feed three splits: the error names it.
    """
    if not isinstance(dataset, DatasetDict):
        raise TypeError(f"dataset must be a datasets.DatasetDict, got {type(dataset).__name__}")
    missing = [s for s in SPLITS if s not in dataset]
    if not missing:
        return dataset
    if "train" not in dataset:
        raise ValueError(f"the dataset has no train split to cut {missing} from (splits: {list(dataset)}). A folder's "
                         "sub-folders are its splits when they hold class folders (train/dog/a.wav) or a metadata.csv; "
                         "if they are classes, put each one's clips directly in it (dog/a.wav), or call them train/ "
                         "and test/")
    for name, value in (("validation", validation), ("test", test)):
        if not 0 < value < 0.5:
            raise ValueError(f"{name} must be a fraction between 0 and 0.5, got {value!r}")
    train = dataset["train"]
    if "label" not in train.features or not hasattr(train.features["label"], "names"):
        raise ValueError("the train split has no ClassLabel column 'label' to split by")
    labels = np.asarray(train["label"])
    names = train.features["label"].names
    rng = np.random.default_rng(seed)
    parts = {"train": [], "validation": [], "test": []}
    fractions = {"validation": validation if "validation" in missing else 0.0,
                 "test": test if "test" in missing else 0.0}
    needed = 1 + sum(f > 0 for f in fractions.values())
    counts = np.bincount(labels, minlength=len(names)) if labels.size else np.zeros(len(names), dtype=int)
    short = {name: int(n) for name, n in zip(names, counts) if n < needed}
    if short:  # every class too small is named at once, so none goes missing from a split unseen
        raise ValueError(", ".join(f"class {name!r} has {n} clip(s)" for name, n in short.items())
                         + f"; cutting {missing} from train needs at least {needed} per class. Add clips, or give "
                         f"the folder its own {missing} split(s)")
    for c, name in enumerate(names):
        rows = rng.permutation(np.flatnonzero(labels == c)).tolist()
        total = len(rows)
        for split, fraction in fractions.items():
            if fraction > 0:
                take = min(max(1, int(fraction * total + 0.5)), len(rows) - 1)
                parts[split] += rows[:take]
                rows = rows[take:]
        parts["train"] += rows
    out = {s: dataset[s] for s in dataset if s != "train"}
    out["train"] = train.select(sorted(parts["train"]))
    for split in missing:
        out[split] = train.select(sorted(parts[split]))
    return DatasetDict({s: out[s] for s in SPLITS + tuple(s for s in out if s not in SPLITS)})
