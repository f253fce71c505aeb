"""Folders nobody has heard, through the learner's public path (notebook 09's recipe).

An outside reviewer points the course at a folder of their own recordings:
`load_data("folder:<path>")` (or `load_audiofolder`), then `load_clip_data`,
`baseline_accuracy`, `over_seeds` / `build_classifier` + `fit` / `evaluate`.
These tests build, once per module, the folders a real person would bring:
mixed formats, rates and channel counts, clips from 0.05 s to 30 s, labels in
any script, the junk a file manager leaves beside the audio. Each folder either
loads right (the labels, the number of clips, the audio resampled and mixed
down as the files say, splits cut class by class and the same for one seed) or
is refused with an error that names the file and the problem: never a
traceback from soundfile or torch, never a clip too many, a class too few, or a
NaN. Training runs are one epoch of the CNN on a handful of short clips.
"""

from __future__ import annotations

import io
import os
import unicodedata
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from course_utils.baseline import baseline_accuracy, baseline_logits
from course_utils.compare import build_classifier, load_clip_data, over_seeds
from course_utils.data import load_audiofolder, load_data
from course_utils.train import evaluate, fit

pytestmark = pytest.mark.usefixtures("one_thread")

SR = 16000


def tone(seconds: float, rate: int, freq: float, amp: float = 0.3, channels: int = 1, dc: float = 0.0,
         seed: int = 0) -> np.ndarray:
    """A sine at `freq` with a little noise, `(samples,)` or `(samples, channels)` (channel c at gain 1 - c/10)."""
    t = np.arange(max(1, round(seconds * rate))) / rate
    noise = 0.03 * np.random.default_rng(seed).standard_normal(t.shape)
    wave = (amp * (np.sin(2 * np.pi * freq * t) + noise) + dc).astype(np.float32)
    return np.stack([wave * (1 - 0.1 * c) for c in range(channels)], axis=1) if channels > 1 else wave


def put(path: Path, data: np.ndarray, rate: int = SR, subtype: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, data, rate, subtype=subtype)
    return path


def classes(root: Path, counts: dict[str, int], seconds: float = 0.25) -> Path:
    """Label folders `root/<class>/<class>_<k>.wav`, class i a tone at 300 + 400 i Hz."""
    for i, (name, n) in enumerate(counts.items()):
        for k in range(n):
            put(root / name / f"{name}_{k}.wav", tone(seconds, SR, 300 + 400 * i, seed=k))
    return root


def peak_hz(wave) -> float:
    """The loudest frequency of a clip (its DC removed)."""
    wave = np.asarray(wave, dtype=np.float64)
    spectrum = np.abs(np.fft.rfft(wave - wave.mean()))
    return float(np.fft.rfftfreq(wave.size, 1 / SR)[spectrum.argmax()])


# ----------------------------------------------------------------------------
# The folders, built once

# (file, writing rate, subtype, tone Hz, channels, dc, amplitude): the mixed folder, one line per file
MIXED = [
    ("dog/pcm16.wav", 16000, "PCM_16", 300, 1, 0.0, 0.3),
    ("dog/pcm24.WAV", 44100, "PCM_24", 310, 1, 0.0, 0.3),
    ("dog/float_stereo.wav", 48000, "FLOAT", 320, 2, 0.0, 0.3),
    ("dog/unsigned8.wav", 8000, "PCM_U8", 330, 1, 0.0, 0.3),
    ("cat/a.flac", 22050, None, 900, 1, 0.0, 0.3),
    ("cat/b.ogg", 44100, "VORBIS", 910, 1, 0.0, 0.3),
    ("cat/five_one.FLAC", 16000, None, 920, 6, 0.0, 0.3),
    ("cat/dc_offset.wav", 16000, "PCM_16", 930, 1, 0.4, 0.3),
    ("bird/clipped.wav", 16000, "PCM_16", 2000, 1, 0.0, 3.0),  # clipped to +-1 before writing
    ("bird/quiet.wav", 16000, "PCM_16", 2100, 1, 0.0, 1e-4),
    ("bird/very_quiet.wav", 16000, "PCM_24", 2200, 1, 0.0, 1e-3),
    ("bird/silence.wav", 16000, "PCM_16", 0, 1, 0.0, 0.0),  # digital silence
]
LENGTHS = {"short": (0.05, 0.3, 1.0, 3.0), "long": (0.1, 0.5, 2.0, 30.0)}  # seconds, 0.05 s to 30 s in one folder
NAMES = ["barking dog", "café", "鳥", "v1.2", "3rd floor"]


def build_mixed(root: Path) -> Path:
    for name, rate, subtype, freq, channels, dc, amp in MIXED:
        wave = tone(0.3, rate, freq, amp, channels, dc) if freq else np.zeros(round(0.3 * rate), np.float32)
        put(root / name, np.clip(wave, -1, 1), rate, subtype)
    return root


def build_junk(root: Path, outside: Path) -> Path:
    """Two classes of 3 clips, the junk of a real disk around them, and two symbolic links."""
    classes(root, {"dog": 3, "cat": 3})
    (root / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (root / "dog" / ".DS_Store").write_bytes(b"Bud1")
    (root / "dog" / "._dog_0.wav").write_bytes(b"\x00\x05\x16\x07" + bytes(60))  # a Mac's resource fork
    (root / "desktop.ini").write_text("[.ShellClassInfo]")
    (root / "cat" / "Thumbs.db").write_bytes(bytes(16))
    (root / "README.txt").write_text("my sounds, recorded in the garden")
    (root / "cat" / "notes.txt").write_text("cat 2 is noisy")
    (root / "__MACOSX" / "dog").mkdir(parents=True)
    (root / "__MACOSX" / "dog" / "._dog_1.wav").write_bytes(b"\x00\x05\x16\x07" + bytes(60))
    (root / ".git").mkdir()
    (root / ".git" / "x.wav").write_bytes(b"not audio")
    (root / "owl").mkdir()  # a class folder still empty
    (root / "docs").mkdir()
    (root / "docs" / "notes.txt").write_text("nothing to hear")
    try:
        os.symlink(root / "dog" / "dog_0.wav", root / "dog" / "link_inside.wav")
        os.symlink(put(outside / "elsewhere.wav", tone(0.25, SR, 300)), root / "dog" / "link_outside.wav")
    except OSError:  # no symbolic links on this system (Windows without the right)
        pass
    return root


def build_metadata(root: Path) -> Path:
    """The metadata.csv layout, hand-written: spaces after commas, a label in every script, its own test split."""
    for split, ks in (("train", range(4)), ("test", range(4, 5))):
        lines = ["file_name, label, recorded, take"]
        for i, label in enumerate(NAMES):
            for k in ks:
                name = f"{i}_{k}.wav"
                put(root / split / name, tone(0.25, SR, 300 + 400 * i, seed=k))
                lines.append(f"{name}, {label}, day {k}, {k}")
        (root / split / "metadata.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("unseen")
    built = {"mixed": build_mixed(root / "mixed"), "junk": build_junk(root / "junk", root / "outside"),
             "metadata": build_metadata(root / "metadata"), "names": root / "names", "lengths": root / "lengths"}
    for i, name in enumerate(NAMES):
        for k in range(3):
            put(built["names"] / name / f"{k}.wav", tone(0.25, SR, 300 + 400 * i, seed=k))
    for i, (name, lengths) in enumerate(LENGTHS.items()):
        for k, seconds in enumerate(lengths):
            put(built["lengths"] / name / f"{k}.wav", tone(seconds, SR, 300 + 900 * i, seed=k))
    return built


# ----------------------------------------------------------------------------
# Odd but valid: each loads right


def test_mixed_formats_rates_and_channels_are_read_resampled_and_mixed_down(folders):
    ds = load_data(f"folder:{folders['mixed']}")
    clips = [row for split in ds for row in ds[split]]
    assert sum(ds[s].num_rows for s in ds) == len(MIXED) == len(clips)  # every file one clip, nothing more
    assert ds["train"].features["label"].names == ["bird", "cat", "dog"]
    labels = ds["train"].features["label"].names
    found = {}
    for row in clips:
        wave = np.asarray(row["audio"]["array"])
        assert int(row["audio"]["sampling_rate"]) == SR and wave.shape == (round(0.3 * SR),)  # 0.3 s at 16 kHz
        assert np.isfinite(wave).all()
        found.setdefault(labels[row["label"]], []).append(wave)
    for name, rate, subtype, freq, channels, dc, amp in MIXED:
        label = name.split("/")[0]
        if freq:  # each tone is heard at its own pitch, whatever the file's rate: in the class of its folder
            assert any(abs(peak_hz(w) - freq) <= 10 for w in found[label]), name
    assert sum(np.abs(w).max() == 0 for w in found["bird"]) == 1  # the digital silence stays silence
    assert any(abs(w.mean() - 0.4) < 0.01 for w in found["cat"])  # the DC offset is the file's, kept
    assert any(0.9 <= np.abs(w).max() <= 1.0 for w in found["bird"])  # the clipped file, at full scale
    assert any(np.abs(w).max() < 2e-4 for w in found["bird"])  # the very quiet one, not normalised away


def test_stereo_and_five_one_are_the_mean_of_their_channels(folders):
    ds = load_audiofolder(folders["mixed"], sample_rate=SR)
    data, rate = sf.read(folders["mixed"] / "cat" / "five_one.FLAC", dtype="float32")  # (samples, 6) at 16 kHz
    assert rate == SR and data.shape[1] == 6
    cat = [np.asarray(r["audio"]["array"]) for r in ds["train"] if r["label"] == 1]
    assert any(np.allclose(w, data.mean(axis=1), atol=1e-6) for w in cat)


def test_the_metadata_csv_layout_reads_labels_in_any_script_and_keeps_its_test_split(folders):
    ds = load_data(f"folder:{folders['metadata']}")
    assert list(ds) == ["train", "validation", "test"]
    labels = ds["train"].features["label"].names
    assert labels == sorted(NAMES)  # "a.wav, dog": the space after the comma is not part of the label
    assert ds["test"].num_rows == len(NAMES)  # the folder's own test split, kept whole
    assert ds["train"].num_rows + ds["validation"].num_rows == 4 * len(NAMES)
    for split in ds:
        assert sorted(set(ds[split]["label"])) == list(range(len(NAMES)))  # every class in every split
        for row in ds[split]:  # each clip under its own label: class i is the tone at 300 + 400 i Hz
            assert abs(peak_hz(row["audio"]["array"]) - (300 + 400 * NAMES.index(labels[row["label"]]))) <= 5
    assert set(ds["test"]["recorded"]) == {"day 4"}  # the other columns come along, numbers as numbers
    assert ds["train"].features["take"].dtype == "int64" and set(ds["train"]["take"]) <= {0, 1, 2, 3}


def test_label_folder_names_in_any_script_are_the_labels(folders):
    ds = load_data(f"folder:{folders['names']}")
    labels = ds["train"].features["label"].names
    assert labels == sorted(NAMES)
    assert sum(ds[s].num_rows for s in ds) == 3 * len(NAMES)
    for split in ds:
        for row in ds[split]:
            assert abs(peak_hz(row["audio"]["array"]) - (300 + 400 * NAMES.index(labels[row["label"]]))) <= 5


def test_a_label_written_two_unicode_ways_is_one_class(tmp_path):
    decomposed, composed = unicodedata.normalize("NFD", "café"), unicodedata.normalize("NFC", "café")
    assert decomposed != composed  # a Mac's folder name and a Linux one, the same to the eye
    classes(tmp_path / "train", {decomposed: 2, "dog": 2})
    classes(tmp_path / "test", {composed: 1, "dog": 1})
    ds = load_audiofolder(tmp_path)
    assert ds["train"].features["label"].names == [composed, "dog"]
    assert sorted(ds["test"]["label"]) == [0, 1]


def test_junk_beside_the_audio_is_skipped_and_symbolic_links_are_followed(folders):
    ds = load_audiofolder(folders["junk"])
    assert list(ds) == ["train"]
    assert ds["train"].features["label"].names == ["cat", "dog"]  # no 'owl', 'docs' or '__MACOSX' class
    links = sum(p.is_symlink() for p in (folders["junk"] / "dog").iterdir())
    assert list(ds["train"]["label"]).count(1) == 3 + links  # the ._ fork is not a clip; each link is one
    if links:  # the link to a file outside the folder reads that file
        elsewhere = sf.read(folders["junk"] / "dog" / "link_outside.wav", dtype="float32")[0]
        assert any(np.allclose(r["audio"]["array"], elsewhere) for r in ds["train"] if r["label"] == 1)


def test_clips_from_a_twentieth_of_a_second_to_thirty_seconds_keep_their_length(folders):
    data = load_clip_data(dataset=load_data(f"folder:{folders['lengths']}"))
    waves = torch.cat([data.train[0], data.validation[0], data.test[0]])  # (8, S): all padded to the longest
    lengths = torch.cat([data.train[1], data.validation[1], data.test[1]])
    assert waves.shape == (8, 30 * SR) and torch.isfinite(waves).all()
    expected = sorted(round(s * SR) for seconds in LENGTHS.values() for s in seconds)
    assert sorted(lengths.tolist()) == expected
    assert all(wave[length:].abs().sum() == 0 for wave, length in zip(waves, lengths))  # zeros after each clip
    cut = load_clip_data(dataset=load_data(f"folder:{folders['lengths']}"), num_samples=SR)  # one second each
    assert cut.train[0].shape[1] == SR and int(cut.train[1].max()) <= SR


def test_splits_are_cut_class_by_class_and_the_same_for_one_seed(tmp_path):
    root = classes(tmp_path / "unbalanced", {"rare": 3, "common": 40})
    ds = load_data(f"folder:{root}")
    counts = {s: np.bincount(ds[s]["label"], minlength=2).tolist() for s in ds}
    assert all(min(c) >= 1 for c in counts.values())  # the rare class is in every split
    assert [sum(c[i] for c in counts.values()) for i in range(2)] == [40, 3]  # no clip lost or doubled
    again, other = load_data(f"folder:{root}"), load_data(f"folder:{root}", seed=1)
    first = lambda d: [round(float(r["array"][0]), 6) for r in d["test"]["audio"]]  # noqa: E731
    assert first(again) == first(ds) and first(other) != first(ds)


def test_split_folders_under_their_other_names_are_the_three_splits(tmp_path):
    for split, n in (("Training", 4), ("val", 1), ("eval", 2)):  # a Kaggle-style folder
        classes(tmp_path / "kaggle" / split, {"dog": n, "cat": n})
    ds = load_data(f"folder:{tmp_path / 'kaggle'}")
    assert {s: ds[s].num_rows for s in ds} == {"train": 8, "validation": 2, "test": 4}  # the folder's own, whole
    classes(tmp_path / "kaggle" / "validation", {"dog": 1, "cat": 1})
    with pytest.raises(ValueError, match=r"two folders for the 'validation' split, val/ and validation/"):
        load_data(f"folder:{tmp_path / 'kaggle'}")


def test_split_folder_names_in_capitals_are_the_splits(tmp_path):
    for split in ("Train", "TEST"):  # as Windows and many downloads spell them
        classes(tmp_path / "caps" / split, {"dog": 2, "cat": 2})
    assert sorted(load_audiofolder(tmp_path / "caps")) == ["test", "train"]


def test_a_saved_set_with_spaced_and_decomposed_labels_loads_back(tmp_path):
    """save_audiofolder writes the class names into dataset.json as they are; loading cleans the rows' labels
    (spaces, Unicode form), so the declared names must be compared in the same form."""
    from course_utils.data import save_audiofolder
    from course_utils.data.tables import build_dataset
    from datasets import ClassLabel, DatasetDict

    names = [" spaced ", unicodedata.normalize("NFD", "café"), "dog"]
    waves = [tone(0.1, SR, 300.0 + 100 * k) for k in range(6)]
    split = build_dataset(waves, SR, {"label": [k % 3 for k in range(6)]}, {"label": ClassLabel(names=names)})
    folder = save_audiofolder(DatasetDict({"train": split}), tmp_path / "saved")
    loaded = load_audiofolder(folder)["train"]
    assert loaded.features["label"].names == names and loaded["label"] == [k % 3 for k in range(6)]


def test_extra_metadata_columns_are_numbers_only_when_every_split_writes_numbers(tmp_path):
    root = tmp_path / "meta_columns"
    cells = {"train": [("007", "3", "0.5", "1e3"), ("012", "4", "1", "2")],
             "test": [("100", "5", "x", "nan")]}
    for split, rows in cells.items():
        lines = ["file_name,label,speaker,take,gain,score"]
        for k, (speaker, take, gain, score) in enumerate(rows):
            put(root / split / f"c{k}.wav", tone(0.1, SR, 440.0))
            lines.append(f"c{k}.wav,{'dog' if k % 2 else 'cat'},{speaker},{take},{gain},{score}")
        (root / split / "metadata.csv").write_text("\n".join(lines) + "\n")
    ds = load_audiofolder(root)
    assert ds["train"]["speaker"] == ["007", "012"]               # an ID with leading zeros stays text
    assert ds["train"]["take"] == [3, 4] and ds["test"]["take"] == [5]
    assert ds["train"]["gain"] == ["0.5", "1"] and ds["test"]["gain"] == ["x"]  # text in one split: text in all
    assert ds["train"]["score"] == ["1e3", "2"] and ds["test"]["score"] == ["nan"]
    for column in ("speaker", "take", "gain", "score"):
        assert ds["train"].features[column] == ds["test"].features[column]


def test_unlabelled_clips_beside_split_folders_are_named_as_such(tmp_path):
    root = classes(tmp_path / "download" / "train", {"dog": 2, "cat": 2}).parent
    put(root / "test" / "new1.wav", tone(0.1, SR, 440.0))          # a download's unlabelled test clips
    with pytest.raises(ValueError, match=r"mixes split folders \(train/\) with folders of bare clips \(test/\).*"
                                         r"move test/ out of the folder"):
        load_audiofolder(root)


def test_a_path_as_str_as_path_and_with_a_tilde(folders, monkeypatch):
    monkeypatch.setenv("HOME", str(folders["mixed"].parent))
    expected = load_audiofolder(folders["mixed"], sample_rate=SR)["train"]["label"]
    for path in (str(folders["mixed"]), folders["mixed"], "~/mixed", Path("~/mixed")):
        assert list(load_audiofolder(path, sample_rate=SR)["train"]["label"]) == list(expected)
    assert load_data("folder:~/mixed")["test"].num_rows == 3


def test_one_file_with_a_tilde_and_the_hints_for_its_channels(tmp_path, monkeypatch):
    from course_utils.audio import load_audio, save_audio, validate_waveform

    monkeypatch.setenv("HOME", str(tmp_path))
    assert save_audio("~/a.wav", tone(0.1, SR, 440.0), SR) == tmp_path / "a.wav"
    assert load_audio("~/a.wav").shape == (SR // 10,)
    with pytest.raises(ValueError, match=r"mean\(1\)"):          # soundfile's (samples, 2)
        validate_waveform(torch.zeros(1600, 2))
    with pytest.raises(ValueError, match=r"mean\(0\)"):          # torchaudio's (2, samples)
        validate_waveform(torch.zeros(2, 1600))
    with pytest.raises(ValueError, match=r"one clip \(samples,\), e\.g\. waveform\[0, 0\]"):
        validate_waveform(torch.zeros(1, 1, 1600))


# ----------------------------------------------------------------------------
# Refused, with the file and the problem named

def wav_bytes() -> bytes:
    """A good 0.25-s 16-bit WAV file, as bytes (44 of header, then the samples)."""
    buffer = io.BytesIO()
    sf.write(buffer, tone(0.25, SR, 440), SR, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def bad_file(name: str, content) -> Callable[[Path], Path]:
    """A two-class folder with one bad file added at `name` (bytes, or a float array written as float WAV)."""
    def make(root: Path) -> Path:
        classes(root, {"dog": 3, "cat": 3})
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            sf.write(path, content, SR, subtype="FLOAT")
        return root
    return make


def nan_wave() -> np.ndarray:
    wave = tone(0.25, SR, 440)
    wave[100] = np.nan
    return wave


def dangling_link(root: Path) -> Path:
    classes(root, {"dog": 3, "cat": 3})
    try:
        os.symlink(root / "gone.wav", root / "dog" / "dangling.wav")
    except OSError:
        pytest.skip("no symbolic links here")
    return root


def split_folders_without_labels(root: Path) -> Path:
    put(root / "train" / "a.wav", tone(0.25, SR, 440))
    put(root / "test" / "b.wav", tone(0.25, SR, 440))
    return root


def metadata(text: str) -> Callable[[Path], Path]:
    """A train split of three clips whose metadata.csv is `text`."""
    def make(root: Path) -> Path:
        for k in range(3):
            put(root / "train" / f"a{k}.wav", tone(0.25, SR, 440, seed=k))
        (root / "train" / "metadata.csv").write_text(text)
        return root
    return make


def excel_csv(root: Path) -> Path:
    """A metadata.csv as Excel's plain "CSV" writes it on Windows: cp1252, so "café" is not UTF-8."""
    metadata("")(root)
    (root / "train" / "metadata.csv").write_bytes("file_name,label\na0.wav,café\na1.wav,dog\n".encode("cp1252"))
    return root


REFUSED = [  # (id, make the folder, exception, message)
    ("zero-bytes", bad_file("dog/zero.wav", b""), ValueError, r"dog/zero\.wav' is empty \(0 bytes\)"),
    ("header-only", bad_file("dog/header.wav", wav_bytes()[:44]), ValueError, r"dog/header\.wav' holds no samples"),
    ("half-a-header", bad_file("dog/half.wav", wav_bytes()[:20]), ValueError, r"cannot read .*dog/half\.wav' as audio"),
    ("text-named-wav", bad_file("cat/notes.wav", b"this is a text file"), ValueError,
     r"cannot read .*cat/notes\.wav' as audio"),
    ("nan-samples", bad_file("dog/nan.wav", nan_wave()), ValueError, r"dog/nan\.wav' holds 1 NaN or infinite samples"),
    ("m4a", bad_file("dog/phone.m4a", b"\x00\x00\x00\x20ftypM4A "), ValueError,
     r"dog' holds 1 file\(s\) that soundfile cannot decode, e\.g\. 'phone\.m4a': convert them to WAV or FLAC"),
    ("nested-sub-folder", bad_file("dog/2023/old.wav", wav_bytes()), ValueError,
     r"dog' is not a class folder: it holds audio in a sub-folder \(dog/2023/old\.wav\)"),
    ("loose-file", bad_file("loose.wav", wav_bytes()), ValueError,
     r"holds audio files beside its class folders, e\.g\. 'loose\.wav'.*\(e\.g\. cat/loose\.wav\)"),
    ("dangling-link", dangling_link, FileNotFoundError, r"dog/dangling\.wav' is a symbolic link to .*gone\.wav', which "
                                                        r"does not exist"),
    ("splits-without-labels", split_folders_without_labels, ValueError,
     r"the folders \['test', 'train'\] hold audio files but no metadata\.csv"),
    ("csv-empty-label", metadata("file_name,label\na0.wav,dog\na1.wav,\na2.wav,cat\n"), ValueError,
     r"metadata\.csv': the row of 'a1\.wav' has no label"),
    ("csv-missing-label", metadata("file_name,label\na0.wav,dog\na1.wav\na2.wav,cat\n"), ValueError,
     r"the row of 'a1\.wav' has no label"),
    ("csv-extra-cell", metadata("file_name,label\na0.wav,dog\na1.wav,cat,meows\na2.wav,cat\n"), ValueError,
     r"the row of 'a1\.wav' has more cells than the header has columns \(\['meows'\] left over\)"),
    ("csv-not-utf8", excel_csv, ValueError,
     r"metadata\.csv' is not UTF-8 text \(byte 0xe9 at 26\).*save it as 'CSV UTF-8'"),
    ("csv-listed-twice", metadata("file_name,label\na0.wav,dog\na1.wav,cat\na0.wav,dog\n"), ValueError,
     r"metadata\.csv' lists 'a0\.wav' 2 times"),
    ("one-and-two-files", lambda root: classes(root, {"one": 1, "two": 2, "many": 40}), ValueError,
     r"class 'one' has 1 clip\(s\), class 'two' has 2 clip\(s\); cutting \['validation', 'test'\] from train needs "
     r"at least 3 per class"),
    ("empty-folder", lambda root: root.mkdir() or root, ValueError, r"holds no split folders"),
    ("only-loose-files", lambda root: put(root / "a.wav", tone(0.25, SR, 440)).parent, ValueError,
     r"its audio files \(a\.wav, \.\.\.\) have no label"),
    ("missing-folder", lambda root: root / "nowhere", FileNotFoundError, r"no dataset folder at .*nowhere"),
]


@pytest.mark.parametrize("make, exc, pattern", [pytest.param(*r[1:], id=r[0]) for r in REFUSED])
def test_a_broken_folder_is_refused_by_name(tmp_path, make, exc, pattern):
    root = make(tmp_path / "mine")
    with pytest.raises(exc, match=pattern):
        load_data(f"folder:{root}")


def test_every_unreadable_file_is_named_in_one_error(tmp_path):
    root = bad_file("dog/zero.wav", b"")(tmp_path / "mine")
    (root / "cat" / "notes.wav").write_text("text")
    sf.write(root / "cat" / "nan.wav", nan_wave(), SR, subtype="FLOAT")
    listed = r"3 files in .* cannot be used:\n  .*nan\.wav.*\n  .*notes\.wav.*\n  .*zero\.wav"
    with pytest.raises(ValueError, match=listed):
        load_audiofolder(root)


def test_class_folders_that_hold_all_their_audio_deeper_read_as_splits_and_say_so(tmp_path):
    put(tmp_path / "dog" / "2023" / "a.wav", tone(0.25, SR, 440))
    put(tmp_path / "cat" / "2023" / "b.wav", tone(0.25, SR, 440))
    with pytest.raises(ValueError, match=r"no train split .*splits: \['cat', 'dog'\].*put each one's clips directly"):
        load_data(f"folder:{tmp_path}")


def test_one_class_or_a_class_missing_from_train_cannot_train(tmp_path):
    ds = load_data(f"folder:{classes(tmp_path / 'one', {'dog': 5})}")  # loads: one class is data, not a classifier
    with pytest.raises(ValueError, match=r"the dataset has one class, \['dog'\]: a classifier needs at least two"):
        load_clip_data(dataset=ds)
    classes(tmp_path / "split" / "train", {"dog": 3, "cat": 3})
    classes(tmp_path / "split" / "validation", {"dog": 1, "cat": 1})
    classes(tmp_path / "split" / "test", {"dog": 1, "cat": 1, "owl": 1})
    with pytest.raises(ValueError, match=r"class\(es\) \['owl'\] have no clip in the train split"):
        load_clip_data(dataset=load_data(f"folder:{tmp_path / 'split'}"))


def test_clips_too_short_for_a_model_say_how_to_pad_them(tmp_path):
    root = tmp_path / "clicks"
    for i, name in enumerate(("tap", "knock")):
        for k in range(3):
            put(root / name / f"{k}.wav", tone(0.005, SR, 1000 + 2000 * i, seed=k))  # 5 ms each
    data = load_clip_data(dataset=load_data(f"folder:{root}"))
    with pytest.raises(ValueError, match=r"clips of 80 samples \(0\.005 s at 16000 Hz\) are too short for the cnn.*"
                                         r"load_clip_data\(dataset=\.\.\., num_samples=16000\)"):
        over_seeds(data, names=("cnn",), seeds=(0,), epochs=1, device="cpu", log=None)
    padded = load_clip_data(dataset=load_data(f"folder:{root}"), num_samples=SR)  # the fix the error names
    assert padded.train[1].max() == 80  # true lengths kept: 5 ms, shorter than a Wav2Vec2 frame
    model = build_classifier("wav2vec2", padded.labels, num_samples=SR)
    history = fit(model, padded.train, padded.validation, epochs=1, device="cpu", progress=False)
    assert np.isfinite(history.train_loss[0]) and 0 <= evaluate(model, padded.test, device="cpu")["accuracy"] <= 1


def test_fit_and_evaluate_read_a_split_of_clips_shorter_than_the_model(tmp_path):
    """A model built for 1-s clips, scored on a split of 0.05-s ones: each is padded to the model's length."""
    root = tmp_path / "short_test"
    classes(root / "train", {"a": 3, "b": 3}, seconds=1.0)
    classes(root / "validation", {"a": 1, "b": 1}, seconds=0.05)
    classes(root / "test", {"a": 1, "b": 1}, seconds=0.05)
    ds = load_data(f"folder:{root}")
    model = build_classifier("cnn", ["a", "b"], num_samples=SR)
    history = fit(model, ds["train"], ds["validation"], epochs=1, device="cpu", progress=False)
    assert np.isfinite(history.val_loss[0]) and 0 <= evaluate(model, ds["test"], device="cpu")["accuracy"] <= 1


# ----------------------------------------------------------------------------
# The recipe end to end, on odd but valid folders


@pytest.mark.parametrize("name", ["mixed", "metadata", "lengths"])
def test_the_recipe_runs_end_to_end_with_finite_numbers(folders, name):
    ds = load_data(f"folder:{folders[name]}")
    data = load_clip_data(dataset=ds)
    assert all(torch.isfinite(part[0]).all() for part in (data.train, data.validation, data.test))
    baseline = baseline_accuracy(data.train, data.test, data.sample_rate, len(data.labels))
    logits = baseline_logits(data.train, data.test, data.sample_rate, len(data.labels))  # silence too: no log(0)
    assert torch.isfinite(logits).all() and 0.0 <= baseline <= 1.0
    runs = over_seeds(data, names=("cnn",), seeds=(0,), epochs=1, device="cpu", log=None)
    assert runs.baseline == baseline and 0.0 <= runs.accuracies("cnn")[0] <= 1.0
    model = build_classifier("cnn", data.labels, num_samples=data.train[0].shape[1])
    history = fit(model, ds["train"], ds["validation"], epochs=1, device="cpu", progress=False)  # the splits themselves
    scores = evaluate(model, ds["test"], device="cpu")
    assert np.isfinite(history.train_loss[0]) and np.isfinite(history.val_loss[0]) and np.isfinite(scores["loss"])
    assert 0.0 <= scores["accuracy"] <= 1.0 and torch.isfinite(scores["probabilities"]).all()
