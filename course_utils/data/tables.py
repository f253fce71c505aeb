"""From numpy waveforms to a `datasets.Dataset` and back to padded tensors, fast.

The course stores audio in a dataset column as a plain struct

    audio = {"array": list of float32 samples, "sampling_rate": int}

which is what `datasets.Audio()` hands you *after* decoding. Storing the
decoded form means reading a clip needs no FFmpeg or torchcodec (datasets >= 4
decodes `Audio` columns through them). Arrays go into Arrow in one piece
(concatenated samples + offsets), not through Python lists, so building a
thousand-clip dataset takes milliseconds.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import torch
from datasets import Dataset, DatasetInfo, Features, List, Value
from datasets.table import InMemoryTable

from ..audio import check_sample_rate

__all__ = ["AUDIO_FEATURE", "audio_array", "build_dataset", "clip_tensors", "per_class_subset", "select_classes",
           "scene_tensors"]

AUDIO_FEATURE = {"array": List(Value("float32")), "sampling_rate": Value("int32")}


def audio_array(waves: list[np.ndarray], sample_rate: int) -> pa.StructArray:
    """Arrow struct column {array, sampling_rate} holding `waves` (each (samples,))."""
    lengths = np.array([w.shape[0] for w in waves], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    values = np.concatenate(waves).astype(np.float32) if waves else np.zeros(0, np.float32)
    arrays = pa.LargeListArray.from_arrays(pa.array(offsets), pa.array(values)).cast(pa.list_(pa.float32()))
    rates = pa.array(np.full(len(waves), sample_rate, dtype=np.int32))
    return pa.StructArray.from_arrays([arrays, rates], names=["array", "sampling_rate"])


def build_dataset(waves: list[np.ndarray], sample_rate: int, columns: dict, features: dict) -> Dataset:
    """A Dataset with an `audio` column made from `waves` plus the given metadata columns.

    `features` describes the metadata columns (datasets feature types); the
    audio column's type is added here. The `audio` column is formatted as
    numpy, so `ds[i]["audio"]["array"]` is a float32 array as with `Audio()`.
    """
    feats = Features({"audio": AUDIO_FEATURE, **features})
    schema = feats.arrow_schema
    # Each column built in its declared type (ClassLabel -> int64, a struct's fields in the declared order):
    # pyarrow < 19 cannot cast a struct whose fields were inferred in another order.
    table = pa.table({"audio": audio_array(waves, sample_rate),
                      **{k: pa.array(v, type=schema.field(k).type) for k, v in columns.items()}})
    table = table.cast(schema)  # (rows,) and the columns in the schema's order
    ds = Dataset(InMemoryTable(table), info=DatasetInfo(features=feats))
    ds.set_format("numpy", columns=["audio"], output_all_columns=True)
    return ds


def _split_audio(split: Dataset, caller: str, columns: tuple[str, ...]) -> tuple[pa.Table, pa.StructArray, int]:
    """The Arrow side of one split: (table, audio column, its one sample rate), after the checks."""
    if not isinstance(split, Dataset):
        raise TypeError(f"{caller} needs one split (a datasets.Dataset, e.g. ds['train']), "
                        f"got {type(split).__name__}")
    if len(split) == 0:
        raise ValueError(f"{caller} got an empty split")
    for col in ("audio", *columns):
        if col not in split.column_names:
            raise ValueError(f"split has no {col!r} column (columns: {split.column_names})")
    table = split.with_format("arrow")[:]  # pyarrow.Table of the selected rows
    audio = table.column("audio").combine_chunks()
    rates = np.unique(audio.field("sampling_rate").to_numpy())
    if rates.shape[0] != 1:
        raise ValueError(f"clips have different sampling rates {rates.tolist()}; resample them to one rate first")
    return table, audio, check_sample_rate(int(rates[0]))


def clip_tensors(split: Dataset, num_samples: int | None = None, *,
                 sample_rate: int | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The tensors a model trains on: `(waveforms (N, S), lengths (N,), targets (N,))`.

    Every clip is zero-padded at the end to S samples, and `lengths` keeps
    its true length, for masking. S is `num_samples`, or by default the
    longest clip of the split, so no clip loses a sample: a split of 5-s clips
    gives S = 5 s. A `num_samples` shorter than a clip cuts that clip (its
    length is then capped at `num_samples`): cropping is always asked for.
    `targets` are the `label` column's class indices.
    The tensors carry no sample rate: pass `sample_rate=model.sample_rate` and a
    split at another rate (a 44.1 kHz folder for a 16 kHz model) is an error
    instead of audio the model hears pitched down. (`fit` and `evaluate` take the
    split itself and check its rate for you.)
    Reads the Arrow buffers directly: no per-clip Python work.
    """
    table, audio, rate = _split_audio(split, "clip_tensors", ("label",))
    if sample_rate is not None:
        expected = check_sample_rate(sample_rate)
        check_sample_rate(rate, expected, name="the split's sampling rate",
                          fix=f"reload the folder at that rate, load_audiofolder(directory, sample_rate={expected}), "
                              f"or resample every clip (course_utils.audio.resample)")
    arrays = audio.field("array")
    offsets = arrays.offsets.to_numpy()                        # (N + 1,)
    if num_samples is None:
        num_samples = int(np.diff(offsets).max())              # the longest clip
        if num_samples == 0:
            raise ValueError("every clip in the split is empty (0 samples): there is nothing to pad")
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or num_samples <= 0:
        raise ValueError(f"num_samples must be a positive int (or None: the longest clip), got {num_samples!r}")
    values = arrays.values.to_numpy(zero_copy_only=False)      # (total samples,)
    lengths = np.minimum(np.diff(offsets), num_samples)        # (N,)
    waves = np.zeros((lengths.shape[0], num_samples), dtype=np.float32)  # (N, S), zero padding
    for i, (start, length) in enumerate(zip(offsets[:-1], lengths)):
        waves[i, :length] = values[start:start + length]
    targets = table.column("label").to_numpy()
    return (torch.from_numpy(waves), torch.from_numpy(lengths.astype(np.int64)),
            torch.from_numpy(targets.astype(np.int64)))


def per_class_subset(part: tuple, k: int, class_names: list[str] | None = None, *, seed: int | None = None) -> tuple:
    """`k` examples of every class: a stratified, nested subset (rows kept in the split's order).

    `part` ends with the targets (class indices), e.g. `(waveforms, lengths, targets)`.
    `seed=None` keeps the first `k` of each class; an int draws them at random
    (one permutation per class), which a set stored in order needs: a real set
    that keeps one instrument's notes together would give "one instrument per
    class" as its first `k`. Nested: for one seed, the clips used for k=5 are
    among those for k=20, so a learning curve measures more data, not different
    data. Raises ValueError when a class has fewer than `k` (named by
    `class_names[target]` when given).
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k (examples per class) must be a positive int, got {k!r}")
    targets = part[-1]
    generator = None if seed is None else torch.Generator().manual_seed(seed)
    keep = []
    for c in targets.unique().tolist():
        idx = (targets == c).nonzero().flatten()
        if generator is not None:
            idx = idx[torch.randperm(idx.numel(), generator=generator)]  # one permutation per class and seed
        if idx.numel() < k:
            name = repr(class_names[c]) if class_names is not None else c
            raise ValueError(f"class {name} has only {idx.numel()} examples, fewer than k={k}; "
                             f"lower k (or generate more: n_per_class)")
        keep.append(idx[:k])
    keep = torch.cat(keep).sort().values
    return tuple(t[keep] for t in part)


def select_classes(tensors: tuple[torch.Tensor, ...], classes: list[str], *, all_classes: list[str],
                   per_class: int | None = None) -> tuple[torch.Tensor, ...]:
    """The rows of `tensors` whose class is one of `classes`, targets renumbered 0..len(classes)-1.

    `tensors` ends with the targets, indices into `all_classes` (the class
    names of the split they came from, e.g. `ds["train"].features["label"].names`,
    or `CLIP_CLASSES` for the full clip set): `clip_tensors`'s
    `(waveforms, lengths, targets)` or just `(waveforms, targets)`. Rows keep
    their order. `per_class` keeps only the first `per_class` rows of each
    class (`per_class_subset`): a small, fixed training set for a few-shot
    experiment. The new target of a row is the position of its class in
    `classes`, so a model trained on the result names its outputs `classes`.
    """
    if isinstance(classes, str):
        raise ValueError(f"classes must be a list of class names, got the string {classes!r}; "
                         f"for one class write [{classes!r}]")
    unknown = [c for c in classes if c not in all_classes]
    if unknown or len(set(classes)) != len(classes) or not classes:
        raise ValueError(f"classes must be distinct names from {list(all_classes)}; got {list(classes)}"
                         + (f" (unknown: {unknown})" if unknown else ""))
    *rest, targets = tensors
    ids = torch.tensor([list(all_classes).index(c) for c in classes], device=targets.device)  # (K,) old targets
    hit = targets[:, None] == ids                                         # (N, K) one True per kept row
    keep = hit.any(dim=1)                                                 # (N,)
    selected = (*(t[keep] for t in rest), hit[keep].int().argmax(dim=1))  # new target: position in `classes`
    return selected if per_class is None else per_class_subset(selected, per_class, list(classes))


def scene_tensors(split: Dataset) -> tuple[torch.Tensor, list[list[dict]]]:
    """A scene split as `(waveforms (N, S) float32, events)`: what frame models train on.

    `events[i]` is scene i's list of {"onset", "offset", "label"} (seconds,
    label a name), as in the dataset. Scenes all have one length (that of
    `make_scene_dataset`'s `seconds`), so nothing is padded: a split whose
    scenes differ in length is an error. Like `clip_tensors`, reads the Arrow
    buffers directly.
    """
    table, audio, _ = _split_audio(split, "scene_tensors", ("events",))
    arrays = audio.field("array")
    offsets = arrays.offsets.to_numpy()                        # (N + 1,)
    lengths = np.diff(offsets)                                 # (N,)
    if np.unique(lengths).shape[0] != 1:
        raise ValueError(f"scenes have different lengths (from {lengths.min()} to {lengths.max()} samples); "
                         f"scene_tensors stacks them, so cut or pad them to one length first")
    values = arrays.values.to_numpy(zero_copy_only=False)      # (total samples,): the scenes end to end
    waves = values[offsets[0]:offsets[-1]].astype(np.float32).reshape(len(lengths), int(lengths[0]))  # (N, S)
    return torch.from_numpy(waves), table.column("events").to_pylist()
