"""The shipped real sets (data/real/) and `load_real`: files, shapes, splits, and the download path.

The download is tested against a local HTTP server (127.0.0.1) serving a copy
of data/real/, with the checkout hidden, so it runs offline like the rest.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from datasets import ClassLabel

from course_utils.data import REAL_SETS, load_real, real as real_module

ROOT = Path(__file__).resolve().parent.parent / "data" / "real"
MANIFEST = json.loads((ROOT / "MANIFEST.json").read_text())
SPLITS = ["train", "validation", "test"]
# name -> (samples of every file at 16 kHz, class names: labels for clip sets, event labels for scenes)
SHAPES = {
    "instruments": (16000, ["keyboard", "mallet", "organ", "guitar", "bass", "string", "brass", "reed", "flute",
                            "synth_lead", "vocal"]),
    "voices": (24000, ["english", "french", "spanish", "italian", "russian"]),
    "voice_scenes": (80000, ["speech", "music"]),
}


def test_every_set_is_documented_and_shipped():
    assert set(REAL_SETS) == set(SHAPES) == set(MANIFEST["sets"])
    assert {p.name for p in ROOT.iterdir()} == {"MANIFEST.json", *SHAPES}


def test_the_committed_files_match_the_manifest_and_the_budget():
    listed = {path for entry in MANIFEST["sets"].values() for path in entry["files"]}
    on_disk = {p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*") if p.is_file()} - {"MANIFEST.json"}
    assert on_disk == listed, f"unlisted: {sorted(on_disk - listed)[:3]}, missing: {sorted(listed - on_disk)[:3]}"
    total = (ROOT / "MANIFEST.json").stat().st_size
    for entry in MANIFEST["sets"].values():
        for path, meta in entry["files"].items():
            data = (ROOT / path).read_bytes()
            assert len(data) == meta["bytes"] <= 1_000_000, path
            assert hashlib.sha256(data).hexdigest() == meta["sha256"], f"{path} changed since the build"
            total += len(data)
    assert total <= 12_000_000


def test_every_audio_file_is_16khz_mono_16bit_flac():
    for name, (samples, _) in SHAPES.items():
        audio = [p for p in (ROOT / name).rglob("*") if p.is_file() and p.suffix not in (".csv", ".jsonl", ".json")]
        assert audio and all(p.suffix == ".flac" for p in audio), name
        for path in audio:
            info = sf.info(path)
            assert (info.format, info.subtype, info.samplerate, info.channels, info.frames) == \
                ("FLAC", "PCM_16", 16000, 1, samples), path


@pytest.fixture(scope="module")
def sets():
    return {name: load_real(name) for name in SHAPES}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_load_real_gives_the_generators_shape(sets, name):
    ds, (samples, classes) = sets[name], SHAPES[name]
    assert list(ds) == SPLITS
    for split in SPLITS:
        row = ds[split][0]
        assert row["audio"]["sampling_rate"] == 16000
        assert row["audio"]["array"].dtype == np.float32 and row["audio"]["array"].shape == (samples,)
        if name == "voice_scenes":
            assert {e["label"] for events in ds[split]["events"] for e in events} == set(classes)
        else:
            assert isinstance(ds[split].features["label"], ClassLabel)
            assert ds[split].features["label"].names == classes
            assert set(ds[split]["label"]) == set(range(len(classes))), f"{split} lacks a class"


def test_instruments_are_split_by_program(sets):
    programs = {split: set(sets["instruments"][split]["program"]) for split in SPLITS}
    assert not programs["train"] & programs["validation"]
    assert not programs["train"] & programs["test"]
    assert not programs["validation"] & programs["test"]
    for split in SPLITS:  # a program plays one family
        pairs = set(zip(sets["instruments"][split]["label"], sets["instruments"][split]["program"]))
        assert len(pairs) == len(programs[split])


def test_voices_are_split_by_prompt_and_say_each_prompt_in_every_language(sets):
    prompts = {split: sets["voices"][split]["prompt"] for split in SPLITS}
    assert not set(prompts["train"]) & set(prompts["validation"])
    assert not set(prompts["train"]) & set(prompts["test"])
    assert not set(prompts["validation"]) & set(prompts["test"])
    for split in SPLITS:
        pairs = set(zip(prompts[split], sets["voices"][split]["label"]))
        assert len(pairs) == len(prompts[split]) == 5 * len(set(prompts[split]))


def test_scene_events_lie_inside_the_scene_and_never_overlap_their_own_class(sets):
    for split in SPLITS:
        for row in sets["voice_scenes"][split]:
            seconds = row["audio"]["array"].shape[0] / 16000
            assert row["n_events"] == len(row["events"]) > 0
            for label in ("speech", "music"):
                spans = sorted((e["onset"], e["offset"]) for e in row["events"] if e["label"] == label)
                assert all(0 <= on < off <= seconds for on, off in spans), row["scene_id"]
                assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), row["scene_id"]


def test_sample_rate_resamples_every_file():
    ds = load_real("voice_scenes", sample_rate=8000)
    assert ds["test"][0]["audio"]["sampling_rate"] == 8000 and ds["test"][0]["audio"]["array"].shape == (40000,)


def test_an_unknown_name_lists_the_real_sets():
    with pytest.raises(ValueError, match="instruments"):
        load_real("nsynth")
    with pytest.raises(TypeError, match="name"):
        load_real(3)


def test_the_cache_folder_follows_course_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    assert real_module.real_cache_dir() == tmp_path / "real"
    monkeypatch.delenv("COURSE_DATA_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert real_module.real_cache_dir() == tmp_path / "xdg" / "course_utils" / "real"


# ----------------------------------------------------------------------------
# The download path, as Colab takes it: no checkout, files from a web server


class _Quiet(http.server.SimpleHTTPRequestHandler):
    requests: list[str] = []

    def log_message(self, *args):
        _Quiet.requests.append(self.path)


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """A copy of data/real/ (the manifest and voice_scenes) served on 127.0.0.1; the checkout hidden."""
    served = tmp_path / "served"
    served.mkdir()
    shutil.copy(ROOT / "MANIFEST.json", served)
    shutil.copytree(ROOT / "voice_scenes", served / "voice_scenes")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(served)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(real_module, "CHECKOUT_DIR", tmp_path / "no_checkout")
    monkeypatch.delenv(real_module.BASE_URL_ENV_VAR, raising=False)
    _Quiet.requests.clear()
    yield served, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_load_real_downloads_into_the_cache_and_then_reads_it_offline(mirror, tmp_path, monkeypatch, sets):
    served, url = mirror
    cache = tmp_path / "cache"
    monkeypatch.setenv(real_module.BASE_URL_ENV_VAR, url)
    ds = load_real("voice_scenes", cache_dir=cache)
    assert (cache / "voice_scenes" / "dataset.json").is_file()
    assert len(_Quiet.requests) == 1 + len(MANIFEST["sets"]["voice_scenes"]["files"])
    expected = sets["voice_scenes"]
    for split in SPLITS:
        assert ds[split]["events"] == expected[split]["events"]
        np.testing.assert_array_equal(ds[split][0]["audio"]["array"], expected[split][0]["audio"]["array"])
    _Quiet.requests.clear()
    monkeypatch.setenv(real_module.BASE_URL_ENV_VAR, "http://127.0.0.1:9")  # nothing listens there
    assert load_real("voice_scenes", cache_dir=cache)["test"]["scene_id"] == expected["test"]["scene_id"]
    assert _Quiet.requests == []
    assert [p.name for p in cache.iterdir()] == ["voice_scenes"]


def test_a_corrupted_file_is_refused_and_nothing_is_left_behind(mirror, tmp_path):
    served, url = mirror
    victim = next((served / "voice_scenes" / "test").glob("*.flac"))
    victim.write_bytes(victim.read_bytes()[:-1] + b"\0")
    cache = tmp_path / "cache"
    with pytest.raises(ValueError, match="sha256"):
        load_real("voice_scenes", base_url=url, cache_dir=cache)
    assert list(cache.iterdir()) == []


def test_offline_the_error_names_the_url_and_the_fix(mirror, tmp_path):
    with pytest.raises(ConnectionError, match=r"http://127\.0\.0\.1:9/MANIFEST\.json.*git clone"):
        load_real("voice_scenes", base_url="http://127.0.0.1:9", cache_dir=tmp_path / "cache")


def test_a_manifest_path_outside_the_set_is_refused(mirror, tmp_path):
    served, url = mirror
    manifest = json.loads((served / "MANIFEST.json").read_text())
    manifest["sets"]["voice_scenes"]["files"] = {"voice_scenes/../../evil.flac": {"bytes": 1, "sha256": "0"}}
    (served / "MANIFEST.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="not a file inside"):
        load_real("voice_scenes", base_url=url, cache_dir=tmp_path / "cache")
