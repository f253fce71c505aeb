"""The notebooks' DATA setting and ONLINE switch: every choice loads, offline stays offline, folders get splits."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from datasets import ClassLabel, Dataset, DatasetDict, Features, Value

from course_utils.data import DATA_CHOICES, ensure_splits, load_data
from course_utils.env import ONLINE_ENV_VAR, online

from test_hub import esc50_dir  # noqa: F401  (the ESC-50 parquet fixture)


def test_online_switch_reads_the_flag_then_the_environment(monkeypatch):
    monkeypatch.delenv(ONLINE_ENV_VAR, raising=False)
    assert online() is False  # offline is the default
    assert online(True) is True and online(False) is False
    for value, expected in (("1", True), ("true", True), ("YES", True), ("0", False), ("no", False), ("", False)):
        monkeypatch.setenv(ONLINE_ENV_VAR, value)
        assert online() is expected, value
    monkeypatch.setenv(ONLINE_ENV_VAR, "1")
    assert online(False) is False  # the notebook's setting wins
    monkeypatch.setenv(ONLINE_ENV_VAR, "maybe")
    with pytest.raises(ValueError, match="COURSE_ONLINE='maybe' is not understood"):
        online()
    with pytest.raises(TypeError, match="ONLINE must be True, False or None"):
        online("yes")


@pytest.mark.parametrize("choice", ["synthetic", "instruments", "voices"])
def test_offline_choices_give_three_labelled_splits(choice):
    options = {"n_per_class": 4, "classes": ["horn_low", "wind"]} if choice == "synthetic" else {}
    ds = load_data(choice, **options)
    assert list(ds)[:3] == ["train", "validation", "test"]
    for split in ("train", "validation", "test"):
        assert len(ds[split]) > 0 and ds[split][0]["audio"]["sampling_rate"] == 16000
        assert isinstance(ds[split].features["label"], ClassLabel)
    assert load_data(choice, sample_rate=8000, **options)["test"][0]["audio"]["sampling_rate"] == 8000


def test_hub_sets_need_the_online_switch_or_a_local_copy(esc50_dir, monkeypatch):  # noqa: F811
    monkeypatch.delenv(ONLINE_ENV_VAR, raising=False)
    with pytest.raises(ValueError, match="Set ONLINE = True in the notebook"):
        load_data("esc50")
    with pytest.raises(ValueError, match="COURSE_ONLINE=1"):
        load_data("speech_commands", online=False)
    ds = load_data("esc50", source=esc50_dir)  # a local copy in the hub's format: no network needed
    assert [len(ds[s]) for s in ds] == [6, 2, 2]
    assert ds["train"].features["label"].names == ["dog", "rain", "chainsaw"]


def _label_folders(root, counts: dict[str, int], rate: int = 16000):
    for label, n in counts.items():
        (root / label).mkdir(parents=True)
        for i in range(n):
            sf.write(root / label / f"{i}.wav", np.full(rate // 4, 0.1 * (i + 1), dtype=np.float32), rate)
    return root


def test_a_folder_of_label_folders_gets_validation_and_test_split_by_class(tmp_path):
    root = _label_folders(tmp_path / "mine", {"cat": 10, "dog": 7, "owl": 3}, rate=22050)
    ds = load_data(f"folder:{root}")
    assert list(ds) == ["train", "validation", "test"]
    names = ds["train"].features["label"].names
    assert names == ["cat", "dog", "owl"] and ds["test"].features["label"].names == names
    for split in ds:
        assert ds[split][0]["audio"]["sampling_rate"] == 16000  # resampled to the notebooks' rate
    counts = {s: np.bincount(ds[s]["label"], minlength=3).tolist() for s in ds}
    assert counts == {"train": [6, 5, 1], "validation": [2, 1, 1], "test": [2, 1, 1]}
    assert sum(map(sum, counts.values())) == 20
    again = load_data(f"folder:{root}")
    assert again["test"]["label"] == ds["test"]["label"]
    assert [r["array"][0] for r in again["test"]["audio"]] == [r["array"][0] for r in ds["test"]["audio"]]  # same seed
    other = load_data(f"folder:{root}", seed=1)
    assert [r["array"][0] for r in other["test"]["audio"]] != [r["array"][0] for r in ds["test"]["audio"]]


def test_ensure_splits_keeps_existing_splits_and_names_a_class_too_small(tmp_path):
    features = Features({"x": Value("int64"), "label": ClassLabel(names=["a", "b"])})
    train = Dataset.from_dict({"x": list(range(8)), "label": [0, 0, 0, 0, 1, 1, 1, 1]}, features=features)
    test = Dataset.from_dict({"x": [100, 101], "label": [0, 1]}, features=features)
    out = ensure_splits(DatasetDict({"train": train, "test": test}))
    assert out["test"]["x"] == [100, 101]  # kept as it was
    assert len(out["validation"]) == 2 and len(out["train"]) == 6
    assert not set(out["validation"]["x"]) & set(out["train"]["x"])
    whole = DatasetDict({"train": train, "validation": test, "test": test})
    assert ensure_splits(whole) is whole
    tiny = Dataset.from_dict({"x": [0, 1, 2, 3], "label": [0, 0, 0, 1]}, features=features)
    with pytest.raises(ValueError, match="class 'b' has 1 clip"):
        ensure_splits(DatasetDict({"train": tiny}))
    with pytest.raises(ValueError, match="has no train split"):
        ensure_splits(DatasetDict({"test": test}))
    with pytest.raises(ValueError, match="validation must be a fraction"):
        ensure_splits(DatasetDict({"train": train}), validation=0.7)


@pytest.mark.parametrize("bad, error, message", [
    (3, TypeError, "DATA must be a string"),
    ("instrument", ValueError, "unknown DATA 'instrument'"),
    ("folder:", ValueError, "needs a path after the colon"),
    ("folder:/no/such/folder", FileNotFoundError, "no dataset folder"),
])
def test_bad_choices_are_named(bad, error, message):
    with pytest.raises(error, match=message):
        load_data(bad)


def test_the_choices_are_the_ones_the_notebooks_name():
    assert DATA_CHOICES == ("synthetic", "instruments", "voices", "esc50", "speech_commands", "folder:<path>")
