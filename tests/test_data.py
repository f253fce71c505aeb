"""course_utils.data: the generated clip set, scenes, the audiofolder cache, bad arguments."""

import numpy as np
import pytest
import soundfile as sf
import torch
from datasets import ClassLabel

from course_utils.baseline import average_spectrum_baseline, baseline_accuracy
from course_utils.data import (CLIP_CLASSES, ORDER_PAIRS, PITCH_PAIRS, SCENE_CLASSES, clip_tensors, make_clip,
                               make_clip_dataset, make_scene, make_scene_dataset, scene_tensors, select_classes)
from course_utils.data.clips import split_sizes
from course_utils.data.tables import build_dataset


@pytest.fixture(scope="module")
def small():
    return make_clip_dataset(n_per_class=6, seed=0)


@pytest.fixture(scope="module")
def scenes():
    return make_scene_dataset(n_scenes=8, seed=0, seconds=4.0)


# ----------------------------------------------------------------------------
# The clip set


def test_class_design():
    assert 8 <= len(CLIP_CLASSES) <= 12 and len(set(CLIP_CLASSES)) == len(CLIP_CLASSES)
    for a, b in PITCH_PAIRS + ORDER_PAIRS:
        assert a in CLIP_CLASSES and b in CLIP_CLASSES
    assert PITCH_PAIRS and ORDER_PAIRS


def test_splits_columns_and_audio(small):
    assert list(small) == ["train", "validation", "test"]
    n_train, n_val, n_test = split_sizes(6)
    for split, n in zip(small, (n_train, n_val, n_test)):
        ds = small[split]
        assert ds.features["label"].names == CLIP_CLASSES
        counts = np.bincount(ds.with_format("numpy")["label"], minlength=len(CLIP_CLASSES))
        assert (counts == n).all(), (split, counts)
        for col in ("clip_id", "pitch_hz", "snr_db", "gain_db", "onset_s", "event_s", "duration_s", "rt60_s"):
            assert col in ds.column_names
    row = small["train"][0]  # readable without FFmpeg / torchcodec: a plain struct
    assert isinstance(row["audio"]["array"], np.ndarray) and row["audio"]["array"].dtype == np.float32
    assert row["audio"]["sampling_rate"] == 16000
    assert isinstance(row["label"], int) and isinstance(row["clip_id"], str)


def test_every_clip_is_valid_and_variable_length(small):
    lengths = []
    for split in small:
        for row in small[split]:
            x, meta = row["audio"]["array"], row
            assert np.isfinite(x).all() and 0 < np.abs(x).max() <= 1.0
            assert abs(x.shape[0] / 16000 - meta["duration_s"]) < 1e-4
            assert 0.4 - 1e-6 <= meta["duration_s"] <= 1.0 + 1e-6
            assert 0 <= meta["onset_s"] and meta["onset_s"] + meta["event_s"] <= meta["duration_s"] + 1e-4
            lengths.append(x.shape[0])
    assert len(set(lengths)) > len(lengths) // 2  # lengths vary, so padding and masks matter


def test_event_stands_out_from_background(small):
    """The metadata says where the sound is: inside that span the clip is >= 10 dB louder than outside."""
    for row in small["train"]:
        x, sr = row["audio"]["array"], 16000
        a, b = int(round(row["onset_s"] * sr)), int(round((row["onset_s"] + row["event_s"]) * sr))
        outside = np.concatenate([x[:max(a - 160, 0)], x[b + 160:]])
        if outside.shape[0] > 1600:
            ratio_db = 10 * np.log10(np.mean(x[a:b] ** 2) / np.mean(outside ** 2))
            assert ratio_db > 8.0, (row["clip_id"], ratio_db)


def test_same_seed_same_bytes_and_clips_do_not_depend_on_set_size(small):
    again = make_clip_dataset(n_per_class=6, seed=0)
    for split in small:
        a, b = small[split].with_format("arrow")[:], again[split].with_format("arrow")[:]
        assert a.equals(b)
    other = make_clip_dataset(n_per_class=6, seed=1)
    assert not np.array_equal(clip_tensors(other["train"])[0], clip_tensors(small["train"])[0])
    row = next(r for r in small["train"] if r["clip_id"] == "horn_high_0002")
    wave, meta = make_clip("horn_high", index=2, seed=0)
    assert wave.tobytes() == row["audio"]["array"].tobytes()
    assert abs(meta["pitch_hz"] - row["pitch_hz"]) < 1e-3


def test_pitch_pair_is_an_octave_apart():
    low = [make_clip("horn_low", i)[1]["pitch_hz"] for i in range(20)]
    high = [make_clip("horn_high", i)[1]["pitch_hz"] for i in range(20)]
    assert 170 <= min(low) and max(low) <= 240 and 340 <= min(high) and max(high) <= 480
    # The dominant frequency of the clip is its pitch (the fundamental is the loudest harmonic).
    for label in ("horn_low", "horn_high"):
        wave, meta = make_clip(label, 3)
        spectrum = np.abs(np.fft.rfft(wave, 16000))
        assert abs(np.argmax(spectrum) - meta["pitch_hz"]) < 0.03 * meta["pitch_hz"]


def test_order_pair_is_a_time_reversal():
    """chirp_down runs chirp_up's recipe and plays it backwards: the dominant frequency falls."""
    for label, sign in (("chirp_up", 1), ("chirp_down", -1)):
        dry = [make_clip(label, i) for i in range(6)]
        dry = [(w, m) for w, m in dry if m["rt60_s"] == 0.0]  # a reverb tail would blur the thirds
        assert dry
        for wave, meta in dry:
            a, n = int(meta["onset_s"] * 16000), int(meta["event_s"] * 16000)
            first, last = wave[a:a + n // 3], wave[a + 2 * n // 3:a + n]
            f_first = np.argmax(np.abs(np.fft.rfft(first, 16000)))
            f_last = np.argmax(np.abs(np.fft.rfft(last, 16000)))
            assert sign * (f_last - f_first) > 0, (label, f_first, f_last)


def test_average_spectrum_baseline_is_blind_to_order():
    """A model of the average spectrum gets pitch right and order at chance: the set is built so."""
    result = average_spectrum_baseline(make_clip_dataset(n_per_class=60, seed=0))
    assert result["pairs"]["horn_low/horn_high"] >= 0.95                  # pitch is in the average spectrum
    order = np.mean([result["pairs"][f"{a}/{b}"] for a, b in ORDER_PAIRS])
    assert 0.25 <= order <= 0.75, result                                  # chance is 0.5; 36 test clips
    assert result["accuracy"] <= 0.9, result                             # well short of a CNN (>= 0.95)
    assert result["accuracy"] >= 0.6, result                             # but it does learn the rest


def test_baseline_accuracy_is_the_baseline_on_tensors():
    """The number the comparisons put beside their models is the same fit as average_spectrum_baseline's."""
    ds = make_clip_dataset(n_per_class=20, seed=1)
    train, test = clip_tensors(ds["train"]), clip_tensors(ds["test"])
    assert baseline_accuracy(train, test, 16000) == average_spectrum_baseline(ds)["accuracy"]
    with pytest.raises(TypeError, match=r"train must be \(waveforms, lengths, targets\)"):
        baseline_accuracy(train[0], test, 16000)


def test_clip_tensors(small):
    waves, lengths, targets = clip_tensors(small["validation"])
    n = len(small["validation"])
    longest = max(len(small["validation"][i]["audio"]["array"]) for i in range(n))
    assert waves.shape == (n, longest) and waves.dtype == torch.float32  # the longest clip: nothing is cut
    assert lengths.dtype == torch.int64 and targets.dtype == torch.int64 and targets.shape == (n,)
    for i in range(n):
        x = small["validation"][i]["audio"]["array"]
        assert lengths[i] == x.shape[0]
        assert torch.equal(waves[i, : x.shape[0]], torch.tensor(x))
        assert (waves[i, x.shape[0]:] == 0).all()
        assert targets[i] == small["validation"][i]["label"]
    padded, padded_len, _ = clip_tensors(small["validation"], num_samples=16000)  # a fixed length, asked for
    assert padded.shape == (n, 16000) and torch.equal(padded[:, :longest], waves) and torch.equal(padded_len, lengths)
    short, short_len, _ = clip_tensors(small["validation"], num_samples=4000)  # cropping, asked for
    assert short.shape == (n, 4000) and (short_len == 4000).all()
    torch.testing.assert_close(short, waves[:, :4000])
    sub = small["validation"].select([2, 0])
    assert torch.equal(clip_tensors(sub, num_samples=longest)[0], waves[[2, 0]])


def test_clip_tensors_keeps_long_clips_whole():
    """A learner's 5-s clips stay 5 s; shorter ones are zero-padded and keep their true lengths."""
    rate = 16000
    seconds = [5.0, 3.0, 2.5]
    waves = [np.full(int(s * rate), i + 1, dtype=np.float32) for i, s in enumerate(seconds)]
    split = build_dataset(waves, rate, {"label": [0, 1, 0]}, {"label": ClassLabel(names=["dog", "cat"])})
    x, lengths, targets = clip_tensors(split)
    assert x.shape == (3, 5 * rate)
    assert lengths.tolist() == [int(s * rate) for s in seconds] and targets.tolist() == [0, 1, 0]
    for i, n in enumerate(lengths.tolist()):
        assert (x[i, :n] == i + 1).all() and (x[i, n:] == 0).all()


def test_eight_khz_works():
    ds = make_clip_dataset(n_per_class=3, sample_rate=8000)
    waves, lengths, _ = clip_tensors(ds["test"])
    assert waves.shape[1] == lengths.max() <= 8000 and torch.isfinite(waves).all()  # clips last at most 1 s


# ----------------------------------------------------------------------------
# Scenes


def test_scene_events(scenes):
    seen = set()
    for split in scenes:
        for row in scenes[split]:
            x, events = row["audio"]["array"], row["events"]
            assert x.shape == (64000,) and np.isfinite(x).all() and np.abs(x).max() <= 1.0
            assert row["n_events"] == len(events) >= 2
            assert [e["onset"] for e in events] == sorted(e["onset"] for e in events)
            for e in events:
                assert e["label"] in SCENE_CLASSES and 0 <= e["onset"] < e["offset"] <= 4.0
                seen.add(e["label"])
                same = [f for f in events if f is not e and f["label"] == e["label"]]
                assert all(f["offset"] <= e["onset"] or e["offset"] <= f["onset"] for f in same)
    assert {"speaker_a", "speaker_b"} <= seen and len(seen) == len(SCENE_CLASSES)


def test_scene_events_are_audible(scenes):
    """Frames inside events are far louder (>= 20 dB) than frames where nothing happens."""
    for row in scenes["train"]:
        x = row["audio"]["array"]
        active = np.zeros(x.shape[0], bool)
        for e in row["events"]:
            active[int(e["onset"] * 16000):int(e["offset"] * 16000)] = True
        frames = x[: x.shape[0] // 160 * 160].reshape(-1, 160)
        power = np.mean(frames**2, axis=1)
        frame_active = active[: frames.shape[0] * 160].reshape(-1, 160).all(axis=1)
        frame_quiet = ~active[: frames.shape[0] * 160].reshape(-1, 160).any(axis=1)
        ratio_db = 10 * np.log10(np.median(power[frame_active]) / np.median(power[frame_quiet]))
        assert ratio_db > 20.0, (row["scene_id"], ratio_db)


def _f0(segment, sr=16000):
    """Pitch by autocorrelation: the strongest lag between 2.5 and 16 ms."""
    seg = segment - segment.mean()
    ac = np.correlate(seg, seg, mode="full")[seg.shape[0] - 1:]
    lo, hi = int(sr / 400), int(sr / 60)
    return sr / (lo + np.argmax(ac[lo:hi]))


def test_two_speakers_have_distinct_pitch():
    pitches = {"speaker_a": [], "speaker_b": []}
    for i in range(6):
        x, events = make_scene(i, seconds=4.0)
        for e in events:
            others = [f for f in events if f is not e and f["onset"] < e["offset"] and e["onset"] < f["offset"]]
            if e["label"] in pitches and not others:
                mid = int((e["onset"] + e["offset"]) / 2 * 16000)
                pitches[e["label"]].append(_f0(x[mid - 800:mid + 800]))
    assert pitches["speaker_a"] and pitches["speaker_b"]
    assert max(pitches["speaker_a"]) < 150 < min(pitches["speaker_b"]), pitches


def test_scene_tensors(scenes):
    for split in scenes:
        waves, events = scene_tensors(scenes[split])
        n = len(scenes[split])
        assert waves.shape == (n, 64000) and waves.dtype == torch.float32 and len(events) == n
        for i, row in enumerate(scenes[split]):
            assert torch.equal(waves[i], torch.tensor(row["audio"]["array"]))
            assert events[i] == row["events"]
    sub = scenes["train"].select([3, 1])  # rows picked out of order
    sub_waves, sub_events = scene_tensors(sub)
    all_waves, all_events = scene_tensors(scenes["train"])
    assert torch.equal(sub_waves, all_waves[[3, 1]]) and sub_events == [all_events[3], all_events[1]]


def test_scene_tensors_bad_input(scenes, small):
    with pytest.raises(TypeError, match="scene_tensors needs one split .* got DatasetDict"):
        scene_tensors(scenes)
    with pytest.raises(ValueError, match="no 'events' column"):
        scene_tensors(scenes["train"].remove_columns("events"))
    with pytest.raises(ValueError, match="scene_tensors got an empty split"):
        scene_tensors(scenes["train"].select([]))
    clips = small["train"].rename_column("label", "events")  # clips vary in length
    with pytest.raises(ValueError, match="scenes have different lengths .* cut or pad them"):
        scene_tensors(clips)


def test_scenes_are_deterministic(scenes):
    again = make_scene_dataset(n_scenes=8, seed=0, seconds=4.0)
    assert again["train"].with_format("arrow")[:].equals(scenes["train"].with_format("arrow")[:])
    x, events = make_scene(3, seed=0, seconds=4.0)
    row = scenes["train"][3]
    assert x.tobytes() == row["audio"]["array"].tobytes() and events == row["events"]


# ----------------------------------------------------------------------------
# Bad arguments


@pytest.mark.parametrize("call, match", [
    (lambda: make_clip_dataset(n_per_class=0), "n_per_class must be at least 3, got 0"),
    (lambda: make_clip_dataset(n_per_class=-5), "n_per_class must be at least 3, got -5"),
    (lambda: make_clip_dataset(n_per_class=2), "at least 3, got 2"),
    (lambda: make_clip_dataset(n_per_class=2.5), "n_per_class must be an int, got 2.5"),
    (lambda: make_clip_dataset(seed=-1), "seed must be at least 0, got -1"),
    (lambda: make_clip_dataset(sample_rate=4000), "at least 8000 Hz .* got 4000"),
    (lambda: make_clip_dataset(sample_rate=0), "sample_rate must be positive, got 0"),
    (lambda: make_clip_dataset(classes=["horn_low", "trumpet"]), r"unknown: \['trumpet'\]"),
    (lambda: make_clip_dataset(classes=[]), "classes must be distinct names"),
    (lambda: make_clip("trumpet"), "unknown class 'trumpet'"),
    (lambda: make_scene_dataset(n_scenes=0), "n_scenes must be at least 3, got 0"),
    (lambda: make_scene_dataset(sample_rate=7999), "at least 8000 Hz .* got 7999"),
    (lambda: make_scene(seconds=0.5), "seconds must be between 2.0 and 60.0, got 0.5"),
    (lambda: clip_tensors({"train": []}), "needs one split"),
])
def test_bad_arguments(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_clip_tensors_bad_num_samples(small):
    with pytest.raises(ValueError, match=r"num_samples must be a positive int \(or None: the longest clip\), got 0"):
        clip_tensors(small["test"], num_samples=0)
    with pytest.raises(ValueError, match="no 'label' column"):
        clip_tensors(small["test"].remove_columns("label"))


def test_subset_of_classes():
    ds = make_clip_dataset(n_per_class=3, classes=["chirp_up", "chirp_down"])
    assert ds["train"].features["label"].names == ["chirp_up", "chirp_down"]
    assert sorted(set(ds["train"]["clip_id"])) == sorted(f"{c}_{i:04d}" for c in ("chirp_up", "chirp_down") for i in range(1))


# ----------------------------------------------------------------------------
# The audiofolder cache


def test_audiofolder_round_trip_with_datasets(tmp_path, monkeypatch, small):
    """What we write, datasets' own "audiofolder" reader finds: splits, files, labels, metadata.

    datasets >= 4 imports torchcodec to *build* any Audio column, even undecoded;
    torchcodec needs FFmpeg, absent here, so the test puts an empty stand-in
    module in its place and decodes the files with soundfile.
    """
    import sys
    import types

    import soundfile as sf
    from datasets import Audio, load_dataset

    from course_utils.data.cache import load_audiofolder, save_audiofolder

    folder = save_audiofolder(small, tmp_path / "clips")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clips"]  # no temporary folder left behind
    stub = types.ModuleType("torchcodec")
    stub.encoders = types.ModuleType("torchcodec.encoders")
    stub.encoders.AudioEncoder = None  # never called: the reader only records file paths
    monkeypatch.setitem(sys.modules, "torchcodec", stub)
    monkeypatch.setitem(sys.modules, "torchcodec.encoders", stub.encoders)
    hf = load_dataset("audiofolder", data_dir=str(folder), cache_dir=str(tmp_path / "hf_cache"))
    assert sorted(hf) == sorted(small)
    for split in small:
        hf_split = hf[split].cast_column("audio", Audio(decode=False))
        assert len(hf_split) == len(small[split])
        ours = {row["clip_id"]: row for row in small[split]}
        for row in hf_split:
            original = ours[row["clip_id"]]
            data, sr = sf.read(row["audio"]["path"], dtype="float32")
            assert sr == 16000 and data.tobytes() == original["audio"]["array"].tobytes()
            assert row["label"] == CLIP_CLASSES[original["label"]]
            assert abs(row["snr_db"] - original["snr_db"]) < 1e-4
    # And our own soundfile reader gives back exactly the dataset we wrote.
    back = load_audiofolder(folder)
    for split in small:
        assert back[split].features == small[split].features
        assert back[split].with_format("arrow")[:].equals(small[split].with_format("arrow")[:])


def test_scene_folder_keeps_events(tmp_path):
    from course_utils.data.cache import load_audiofolder, scene_folder

    folder = scene_folder(n_scenes=3, seconds=2.0, root=tmp_path)
    assert (folder / "train" / "metadata.jsonl").exists()
    back = load_audiofolder(folder)
    original = make_scene_dataset(n_scenes=3, seconds=2.0)
    assert back["test"][0]["events"] == original["test"][0]["events"]
    assert back["test"][0]["audio"]["array"].tobytes() == original["test"][0]["audio"]["array"].tobytes()


def test_clip_folder_is_cached_and_rebuilt_when_the_generator_changes(tmp_path, monkeypatch):
    import json

    from course_utils.data import cache

    folder = cache.clip_folder(n_per_class=3, root=tmp_path)
    stamp = (folder / "dataset.json").stat().st_mtime_ns
    assert cache.clip_folder(n_per_class=3, root=tmp_path) == folder
    assert (folder / "dataset.json").stat().st_mtime_ns == stamp  # reused, not rewritten
    monkeypatch.setattr(cache, "GENERATOR_VERSION", "999")
    assert cache.clip_folder(n_per_class=3, root=tmp_path) == folder
    assert json.loads((folder / "dataset.json").read_text())["generator_version"] == "999"
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder.name]  # old copy removed, nothing half-written
    assert cache.clip_folder(n_per_class=4, root=tmp_path) != folder  # other parameters, other folder


def test_load_audiofolder_errors(tmp_path):
    from course_utils.data.cache import load_audiofolder

    with pytest.raises(FileNotFoundError, match="no dataset folder at"):
        load_audiofolder(tmp_path / "missing")
    (tmp_path / "empty" / "train").mkdir(parents=True)
    with pytest.raises(ValueError, match="has no metadata.csv or metadata.jsonl"):
        load_audiofolder(tmp_path / "empty")


def _tone(path, seconds=0.25, rate=16000, channels=1):
    t = np.arange(int(seconds * rate)) / rate
    wave = 0.3 * np.sin(2 * np.pi * 440 * t).astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.stack([wave] * channels, 1) if channels > 1 else wave, rate)


def test_load_audiofolder_reads_label_sub_folders_with_and_without_splits(tmp_path):
    from course_utils.data.cache import load_audiofolder

    for split in ("train", "test"):
        for label in ("dog", "cat"):
            _tone(tmp_path / "split" / split / label / f"{label}1.wav")
        _tone(tmp_path / "split" / split / "dog" / "dog2.flac", channels=2)  # stereo FLAC: mixed to mono
    ds = load_audiofolder(tmp_path / "split")
    assert list(ds) == ["test", "train"] and ds["train"].features["label"].names == ["cat", "dog"]
    assert len(ds["train"]) == 3 and ds["train"][0]["audio"]["sampling_rate"] == 16000
    for label in ("dog", "cat"):  # no split folders: one "train" split
        _tone(tmp_path / "flat" / label / "a.wav")
    flat = load_audiofolder(tmp_path / "flat")
    assert list(flat) == ["train"] and sorted(flat["train"]["label"]) == [0, 1]


def test_load_audiofolder_refuses_hostile_or_broken_folders_clearly(tmp_path):
    from course_utils.data.cache import load_audiofolder

    root = tmp_path / "ds"
    _tone(root / "train" / "a.wav")
    _tone(tmp_path / "secret.wav")
    meta = root / "train" / "metadata.csv"
    meta.write_text("file_name,label\n../../secret.wav,dog\n")
    with pytest.raises(ValueError, match="points outside"):
        load_audiofolder(root)
    meta.write_text(f"file_name,label\n{tmp_path / 'secret.wav'},dog\n")
    with pytest.raises(ValueError, match="points outside"):
        load_audiofolder(root)
    meta.write_text("\ufefffile_name,label\na.wav,dog\n", encoding="utf-8")  # Excel's BOM
    assert load_audiofolder(root)["train"].features["label"].names == ["dog"]
    meta.write_text("file_name,label\nmissing.wav,dog\n")
    with pytest.raises(FileNotFoundError, match="missing.wav"):
        load_audiofolder(root)
    (root / "train" / "bad.wav").write_text("not audio")
    meta.write_text("file_name,label\nbad.wav,dog\n")
    with pytest.raises(ValueError, match="cannot read .*bad.wav"):
        load_audiofolder(root)
    meta.write_text("file_name,label\n")
    with pytest.raises(ValueError, match="empty split"):
        load_audiofolder(root)
    meta.unlink()
    (root / "train" / "metadata.jsonl").write_text('{"file_name": "a.wav", "label": "dog"}\n{"file_name": "a.w')
    with pytest.raises(ValueError, match="line 2 is not valid JSON"):
        load_audiofolder(root)


def test_load_audiofolder_resamples_mixed_rates_when_asked(tmp_path):
    from course_utils.data.cache import load_audiofolder

    _tone(tmp_path / "train" / "dog" / "a.wav", rate=16000)
    _tone(tmp_path / "train" / "cat" / "b.wav", rate=44100)
    with pytest.raises(ValueError, match="mixes sampling rates \\[16000, 44100\\]: pass sample_rate="):
        load_audiofolder(tmp_path)
    ds = load_audiofolder(tmp_path, sample_rate=16000)
    assert ds["train"][0]["audio"]["sampling_rate"] == 16000
    assert {len(r["audio"]["array"]) for r in ds["train"]} == {4000}  # 0.25 s at 16 kHz each


def test_save_audiofolder_refuses_ids_that_would_leave_the_folder(tmp_path):
    from datasets import ClassLabel, DatasetDict, Value

    from course_utils.data.cache import save_audiofolder
    from course_utils.data.tables import build_dataset

    for bad in ("../../x", "/abs/path", ".hidden", "a/b"):
        ds = build_dataset([np.zeros(100, np.float32)], 16000, {"clip_id": [bad], "label": [0]},
                           {"clip_id": Value("string"), "label": ClassLabel(names=["a"])})
        with pytest.raises(ValueError, match="cannot be a file name"):
            save_audiofolder(DatasetDict({"train": ds}), tmp_path / "out")
        assert not (tmp_path / "out").exists() and not list(tmp_path.parent.glob("x"))


# ----------------------------------------------------------------------------
# select_classes: a class subset for transfer and few-shot experiments


def test_select_classes_keeps_order_relabels_and_takes_the_first_per_class():
    all_classes = ["a", "b", "c"]
    labels = torch.tensor([2, 0, 1, 2, 0, 2, 1])
    x = torch.arange(7) * 10                                  # a stand-in for waveforms, one value per row
    lengths = torch.arange(7) + 100
    sx, sn, sy = select_classes((x, lengths, labels), ["c", "a"], all_classes=all_classes)
    assert sx.tolist() == [0, 10, 30, 40, 50]                 # rows 0, 1, 3, 4, 5 in their order
    assert sn.tolist() == [100, 101, 103, 104, 105]
    assert sy.tolist() == [0, 1, 0, 1, 0]                     # "c" -> 0, "a" -> 1
    fx, fy = select_classes((x, labels), ["c", "a"], all_classes=all_classes, per_class=1)
    assert fx.tolist() == [0, 10] and fy.tolist() == [0, 1]   # the first "c" and the first "a"
    fx, fy = select_classes((x, labels), ["c"], all_classes=all_classes, per_class=2)
    assert fx.tolist() == [0, 30]
    with pytest.raises(ValueError, match="unknown: \\['d'\\]"):
        select_classes((x, labels), ["a", "d"], all_classes=all_classes)
    with pytest.raises(ValueError, match="distinct"):
        select_classes((x, labels), ["a", "a"], all_classes=all_classes)
    with pytest.raises(ValueError, match="class 'b' has only 2 examples, fewer than k=3"):
        select_classes((x, labels), ["b", "c"], all_classes=all_classes, per_class=3)
    with pytest.raises(ValueError, match="must be a positive int"):
        select_classes((x, labels), ["b"], all_classes=all_classes, per_class=0)
    with pytest.raises(ValueError, match="a list of class names, got the string 'abc'"):
        select_classes((x, labels), "abc", all_classes=all_classes)


def test_select_classes_on_clip_tensors(small):
    waves, lengths, targets = clip_tensors(small["train"])
    chosen = CLIP_CLASSES[5:]
    w, n, y = select_classes((waves, lengths, targets), chosen, all_classes=small["train"].features["label"].names)
    expected = torch.isin(targets, torch.tensor([CLIP_CLASSES.index(c) for c in chosen]))
    assert torch.equal(w, waves[expected]) and torch.equal(n, lengths[expected])
    assert [chosen[i] for i in y.tolist()] == [CLIP_CLASSES[i] for i in targets[expected].tolist()]


def test_generic_helpers_know_nothing_of_the_clip_set():
    """tables (Arrow <-> tensors) and synth (DSP) import no other data module, lazily in a function or not:
    the clip and scene sets build on them, never the reverse (tests/test_package.py checks for cycles)."""
    import ast
    from pathlib import Path

    import course_utils.data

    for name in ("tables", "synth"):
        tree = ast.parse((Path(course_utils.data.__file__).parent / f"{name}.py").read_text())
        relative = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 1]
        absolute = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                    and (node.module or "").startswith("course_utils.data")]
        assert relative + absolute == [], (name, relative + absolute)
