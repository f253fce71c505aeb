"""course_utils.data.hub: ESC-50 and Speech Commands from parquet, tested offline on files of the same schema."""

import io

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import soundfile as sf
from datasets import ClassLabel, Dataset, Features, Value

from course_utils.data.hub import HubUnavailableError, balanced_rows, load_esc50, load_speech_commands


def wav_bytes(freq, sr, seconds=0.2, channels=1):
    t = np.arange(int(sr * seconds)) / sr
    x = (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    buf = io.BytesIO()
    sf.write(buf, np.stack([x] * channels, axis=1) if channels > 1 else x, sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


AUDIO_TYPE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])


@pytest.fixture
def esc50_dir(tmp_path):
    """Two parquet shards with ESC-50's columns (44.1 kHz WAV bytes, one stereo)."""
    data = tmp_path / "esc50" / "data"
    data.mkdir(parents=True)
    rows = []
    for i in range(10):
        target = [0, 41, 10][i % 3]
        category = {0: "dog", 41: "chainsaw", 10: "rain"}[target]
        rows.append({"filename": f"{i + 1}-100{i}-A-{target}.wav", "fold": i % 5 + 1, "target": target,
                     "category": category, "esc10": target in (0, 41, 10) and target != 10, "src_file": 100 + i,
                     "take": "A", "audio": {"bytes": wav_bytes(440.0 * (1 + target / 50), 44100, channels=1 + (i == 3)),
                                            "path": f"{i}.wav"}})
    schema = pa.schema([("filename", pa.string()), ("fold", pa.int64()), ("target", pa.int64()),
                        ("category", pa.string()), ("esc10", pa.bool_()), ("src_file", pa.int64()),
                        ("take", pa.string()), ("audio", AUDIO_TYPE)])
    pq.write_table(pa.Table.from_pylist(rows[:6], schema=schema), data / "train-00000-of-00002.parquet")
    pq.write_table(pa.Table.from_pylist(rows[6:], schema=schema), data / "train-00001-of-00002.parquet")
    return tmp_path / "esc50"


def test_esc50_from_parquet(esc50_dir):
    ds = load_esc50(source=esc50_dir)
    assert list(ds) == ["train", "validation", "test"]
    assert [len(ds[s]) for s in ds] == [6, 2, 2]  # folds 1-3 / 4 / 5
    assert ds["train"].features["label"].names == ["dog", "rain", "chainsaw"]  # ordered by target
    for split in ds:
        assert set(ds[split]["fold"]) <= ({1, 2, 3} if split == "train" else {4} if split == "validation" else {5})
        for row in ds[split]:
            x = row["audio"]["array"]
            assert row["audio"]["sampling_rate"] == 16000 and x.dtype == np.float32 and x.shape == (3200,)
            target = int(row["filename"].split("-")[-1][:-4])
            assert ds[split].features["label"].names[row["label"]] == {0: "dog", 41: "chainsaw", 10: "rain"}[target]
            peak_hz = np.argmax(np.abs(np.fft.rfft(x))) * 16000 / x.shape[0]
            assert abs(peak_hz - 440.0 * (1 + target / 50)) <= 5.0  # resampled, not re-pitched
    ten = load_esc50(source=esc50_dir, esc10=True)
    assert ten["train"].features["label"].names == ["dog", "chainsaw"]


def test_speech_commands_from_parquet(tmp_path):
    names = ["yes", "no", "up", "_silence_"]
    features = Features({"file": Value("string"), "audio": {"bytes": Value("binary"), "path": Value("string")},
                         "label": ClassLabel(names=names), "is_unknown": Value("bool"),
                         "speaker_id": Value("string"), "utterance_id": Value("int8")})
    for split, n in (("train", 5), ("validation", 2), ("test", 3)):
        rows = {"file": [f"{split}/{i}.wav" for i in range(n)],
                "audio": [{"bytes": wav_bytes(300.0 + 100 * i, 16000, seconds=1.0), "path": None} for i in range(n)],
                "label": [i % 4 for i in range(n)], "is_unknown": [False] * n,
                "speaker_id": [f"spk{i}" for i in range(n)], "utterance_id": [0] * n}
        out = tmp_path / "v0.02" / split
        out.mkdir(parents=True)
        Dataset.from_dict(rows, features=features).to_parquet(out / "0000.parquet")
    ds = load_speech_commands(source=tmp_path / "v0.02")
    assert [len(ds[s]) for s in ds] == [5, 2, 3]
    assert ds["train"].features["label"].names == names
    row = ds["test"][2]
    assert row["label"] == 2 and row["audio"]["array"].shape == (16000,) and row["speaker_id"] == "spk2"
    small = load_speech_commands(source=tmp_path / "v0.02", max_per_split=1)
    assert [len(small[s]) for s in small] == [1, 1, 1]


def test_a_small_speech_commands_draw_covers_every_word():
    """The hub's shards are stored word by word: the first N rows would be one word, a balanced draw is all."""
    labels = np.repeat(np.arange(4), [10, 10, 10, 3])  # word 3 has only 3 rows
    rows = balanced_rows(labels, 12, seed=0)
    assert rows.tolist() == sorted(set(rows.tolist())) and len(rows) == 12
    assert np.bincount(labels[rows], minlength=4).tolist() == [3, 3, 3, 3]
    short = np.bincount(labels[balanced_rows(labels, 24, seed=0)], minlength=4).tolist()
    assert short[3] == 3 and sorted(short[:3]) == [7, 7, 7]  # a class runs short only when it has no rows left
    assert balanced_rows(labels, 12, seed=0).tolist() == rows.tolist()  # a seed repeats its draw
    assert balanced_rows(labels, 12, seed=1).tolist() != rows.tolist()
    assert balanced_rows(labels, 100).tolist() == list(range(33))  # asking for more than there is: all of it


def test_offline_error_points_to_the_embedded_set(tmp_path, monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)  # no request leaves the machine
    with pytest.raises(HubUnavailableError, match=r"ashraq/esc50 .*offline.*make_clip_dataset\(\)"):
        load_esc50(cache_dir=tmp_path)
    with pytest.raises(ConnectionError, match="google/speech_commands"):
        load_speech_commands(cache_dir=tmp_path)


def test_bad_arguments(esc50_dir, tmp_path):
    with pytest.raises(ValueError, match="two different folds in 1..5, got 5 and 5"):
        load_esc50(source=esc50_dir, validation_fold=5)
    with pytest.raises(ValueError, match="parquet source not found"):
        load_esc50(source=tmp_path / "nowhere")
    with pytest.raises(ValueError, match="sample_rate must be positive"):
        load_esc50(source=esc50_dir, sample_rate=0)
    with pytest.raises(ValueError, match="max_per_split must be a positive int"):
        load_speech_commands(source=esc50_dir, max_per_split=0)
    with pytest.raises(ValueError, match="no parquet files for split 'train'"):
        load_speech_commands(source=esc50_dir)


def test_a_wrong_repository_name_is_not_reported_as_offline(monkeypatch):
    import huggingface_hub
    from huggingface_hub.errors import RepositoryNotFoundError

    from course_utils.data import hub

    url = "https://huggingface.co/api/datasets/someone/typo"
    try:  # huggingface_hub >= 1.0 speaks httpx
        import httpx
        response = httpx.Response(404, request=httpx.Request("GET", url))
    except ImportError:  # older releases speak requests
        import requests
        response = requests.Response()
        response.status_code, response.url = 404, url

    def not_found(*args, **kwargs):  # what the hub answers for a misspelt dataset id
        raise RepositoryNotFoundError("404: no such dataset", response=response)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", not_found)
    with pytest.raises(RepositoryNotFoundError):
        hub.download_parquet("someone/typo", ["*.parquet"])
