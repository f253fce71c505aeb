"""fit / evaluate / predict / save-load on a tiny classifier that follows the course convention.

The data are synthetic tones (three pitches), so this runs in a few seconds and
does not depend on course_utils.data.
"""

import json
import math

import numpy as np
import pytest
import soundfile as sf
import torch
from torch import nn

from course_utils.env import seed_everything
from course_utils.train import (CLASSIFIERS, History, check_classifier, evaluate, fit, forward_classifier,
                                load_classifier, model_device, predict, register_classifier, save_classifier)

SR, S = 8000, 800  # 0.1 s clips


@register_classifier
class TinyToneClassifier(nn.Module):
    """|FFT| pooled to 32 bands -> log -> linear: enough to tell tones apart."""

    def __init__(self, labels, sample_rate=SR, num_samples=S, bands=32):
        super().__init__()
        self.labels, self.sample_rate, self.num_samples, self.bands = list(labels), sample_rate, num_samples, bands
        self.norm = nn.LayerNorm(bands)
        self.head = nn.Linear(bands, len(labels))
        self.seen_lengths = None

    def get_config(self):
        return {"labels": self.labels, "sample_rate": self.sample_rate, "num_samples": self.num_samples, "bands": self.bands}

    def forward(self, waveforms, lengths=None):  # (B, S) -> (B, C)
        self.seen_lengths = lengths
        spectrum = torch.fft.rfft(waveforms).abs()  # (B, S//2+1)
        bands = nn.functional.adaptive_avg_pool1d(spectrum[:, None], self.bands)[:, 0]  # (B, bands)
        return self.head(self.norm(torch.log1p(bands)))


def tones(n, seed, freqs=(500.0, 1200.0, 2500.0)):
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % len(freqs)
    t = torch.arange(S) / SR
    f = torch.tensor(freqs)[labels][:, None]
    phase = torch.rand(n, 1, generator=g) * 2 * math.pi
    x = 0.5 * torch.sin(2 * math.pi * f * t + phase) + 0.05 * torch.randn(n, S, generator=g)
    lengths = torch.randint(S // 2, S + 1, (n,), generator=g)
    x = x * (torch.arange(S)[None] < lengths[:, None])  # variable-length clips, zero-padded
    return x.float(), lengths, labels


def new_model():
    seed_everything(0)
    return TinyToneClassifier(["low", "mid", "high"])


@pytest.fixture(scope="module")
def data():
    return tones(96, 1), tones(48, 2), tones(48, 3)


def test_fit_learns_and_history_is_complete(data):
    (xtr, ltr, ytr), (xva, lva, yva), (xte, lte, yte) = data
    model = new_model()
    h = fit(model, (xtr, ltr, ytr), (xva, lva, yva), epochs=8, lr=3e-2, batch_size=16, device="cpu")
    assert isinstance(h, History) and len(h) == 8 and h.stopped_because == "epochs"
    for key in ("train_loss", "val_loss", "val_accuracy", "val_macro_f1", "seconds"):
        assert len(getattr(h, key)) == 8
    assert h.train_loss[-1] < h.train_loss[0]
    assert h.best_epoch == int(np.argmin(h.val_loss))  # best weights restored by val loss
    assert model.seen_lengths is not None  # lengths reached forward
    scores = evaluate(model, (xte, lte, yte))
    assert scores["accuracy"] >= 0.9
    assert scores["confusion"].shape == (3, 3) and scores["confusion"].sum() == 48
    assert scores["loss"] == pytest.approx(h.val_loss[h.best_epoch], rel=0.5)
    # restored weights are the best epoch's: evaluating on val reproduces its numbers
    val = evaluate(model, (xva, lva, yva))
    assert val["loss"] == pytest.approx(h.val_loss[h.best_epoch], abs=1e-6)
    assert val["accuracy"] == h.val_accuracy[h.best_epoch]


def test_fit_is_deterministic_on_cpu(data):
    train, val, _ = data
    runs = []
    for _ in range(2):
        model = new_model()
        h = fit(model, train, val, epochs=3, lr=1e-2, batch_size=16, device="cpu", seed=5)
        runs.append((h.train_loss, h.val_loss, h.val_accuracy, [p.detach().clone() for p in model.parameters()]))
    assert runs[0][:3] == runs[1][:3]  # exactly equal floats
    for a, b in zip(runs[0][3], runs[1][3]):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    other = fit(new_model(), train, val, epochs=3, lr=1e-2, batch_size=16, device="cpu", seed=6)
    assert other.train_loss != runs[0][0]  # the seed changes the shuffling


def test_early_stopping_time_budget_and_augment(data):
    (xtr, ltr, ytr), (xva, lva, yva), _ = data
    # a learning rate of 0 never improves: patience stops after 1 + patience epochs
    h = fit(new_model(), (xtr, ytr), (xva, yva), epochs=20, lr=0.0, patience=2, device="cpu")
    assert h.stopped_because == "patience" and len(h) == 3 and h.best_epoch == 0
    h = fit(new_model(), (xtr, ytr), (xva, yva), epochs=20, lr=1e-2, max_seconds=0.0, device="cpu")
    assert h.stopped_because == "max_seconds" and len(h) == 1
    calls = []

    def augment(w, y):
        calls.append(w.shape[0])
        return w.flip(0), y.flip(0)  # any transform of (waveforms, labels) pairs

    seen = []
    h = fit(new_model(), (xtr, ytr), None, epochs=2, batch_size=32, augment=augment, device="cpu",
            loss_fn=lambda logits, y: seen.append(1) or nn.functional.cross_entropy(logits, y))
    assert sum(calls) == 2 * 96 and len(seen) == 6 and math.isnan(h.val_loss[0])


def test_fit_rejects_bad_arguments(data):
    (xtr, ltr, ytr), (xva, lva, yva), _ = data
    m = new_model()
    with pytest.raises(ValueError, match=r"waveforms must be \(batch, samples\), got shape \(96,\)"):
        fit(m, (xtr[:, 0], ytr), None, epochs=1, device="cpu")
    with pytest.raises(ValueError, match="label 7 out of range for a model with 3 classes"):
        fit(m, (xtr, torch.full_like(ytr, 7)), None, epochs=1, device="cpu")
    with pytest.raises(ValueError, match="NaN"):
        fit(m, (torch.full_like(xtr, float("nan")), ytr), None, epochs=1, device="cpu")
    with pytest.raises(ValueError, match="96 waveforms but a tensor of length 95"):
        fit(m, (xtr, ytr[:-1]), None, epochs=1, device="cpu")
    with pytest.raises(ValueError, match="patience .* needs val_data"):
        fit(m, (xtr, ytr), None, epochs=1, patience=2, device="cpu")
    with pytest.raises(ValueError, match="monitor must be"):
        fit(m, (xtr, ytr), (xva, yva), epochs=1, monitor="f1", device="cpu")
    with pytest.raises(TypeError, match="missing attribute"):
        fit(nn.Linear(S, 3), (xtr, ytr), None, epochs=1, device="cpu")
    with pytest.raises(TypeError, match=r"\(waveforms, labels\)"):
        fit(m, xtr, None, epochs=1, device="cpu")


def test_predict_save_load_round_trip(tmp_path, data):
    from course_utils.audio import save_audio

    (xtr, ltr, ytr), (xva, lva, yva), (xte, lte, yte) = data
    model = new_model()
    fit(model, (xtr, ltr, ytr), (xva, lva, yva), epochs=6, lr=3e-2, batch_size=16, device="cpu")
    clip = xte[1, : lte[1]]  # a "mid" tone
    probs = predict(model, clip)
    assert probs.shape == (3,) and probs.sum().item() == pytest.approx(1.0, abs=1e-5)
    assert model.labels[int(probs.argmax())] == "mid"

    # the same clip from a file at another sample rate: load_audio resamples to the model's rate
    wav = tmp_path / "mid.wav"
    up = torch.from_numpy(np.interp(np.arange(2 * clip.numel()) / 2, np.arange(clip.numel()), clip.numpy())).float()
    save_audio(wav, up, 2 * SR)
    assert model.labels[int(predict(model, wav).argmax())] == "mid"
    assert model.labels[int(predict(model, up, sample_rate=2 * SR).argmax())] == "mid"
    # long clips are cut to num_samples
    assert predict(model, torch.cat([clip, clip, clip])).shape == (3,)

    folder = save_classifier(model, tmp_path / "ckpt")
    meta = json.loads((folder / "classifier.json").read_text())
    assert meta["class"] == "TinyToneClassifier" and meta["labels"] == ["low", "mid", "high"]
    assert meta["features"] == {"sample_rate": SR, "num_samples": S}
    assert not list(folder.glob("*.tmp"))  # atomic writes leave nothing behind
    fresh = load_classifier(folder)
    assert type(fresh) is TinyToneClassifier and fresh is not model and not fresh.training
    torch.testing.assert_close(predict(fresh, wav), predict(model, wav), rtol=0, atol=0)
    torch.testing.assert_close(evaluate(fresh, (xte, yte))["probabilities"], evaluate(model, (xte, yte))["probabilities"],
                               rtol=0, atol=0)


def test_predict_rejects_bad_audio(tmp_path, data):
    model = new_model()
    with pytest.raises(ValueError, match=r"mono .*shape \(2, 800\).*stereo"):
        predict(model, torch.zeros(2, S))
    with pytest.raises(ValueError, match=r"shape \(4, 5, 800\)"):
        predict(model, torch.zeros(4, 5, S))
    with pytest.raises(ValueError, match="(?i)empty"):
        predict(model, torch.zeros(0))
    with pytest.raises(ValueError, match="(?i)nan"):
        predict(model, torch.tensor([0.0, float("nan"), 0.1] * 100))
    with pytest.raises(ValueError, match="sample_rate must be positive, got -5"):
        predict(model, torch.zeros(S), sample_rate=-5)
    with pytest.raises(ValueError, match="audio file not found"):
        predict(model, tmp_path / "missing.wav")
    bad = tmp_path / "not_audio.wav"
    bad.write_text("this is not a wav file")
    with pytest.raises(ValueError, match="not_audio.wav"):
        predict(model, bad)
    stereo = tmp_path / "stereo.wav"
    sf.write(stereo, np.zeros((S, 2), dtype=np.float32), SR)
    probs = None
    try:  # load_audio either mixes stereo files down to mono or refuses them clearly
        probs = predict(model, stereo)
    except ValueError as exc:
        assert "stereo" in str(exc).lower() or "channel" in str(exc).lower()
    assert probs is None or probs.shape == (3,)


def test_bad_checkpoints(tmp_path, data):
    model = new_model()
    with pytest.raises(ValueError, match="is not a folder"):
        load_classifier(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="not a classifier checkpoint: .*lacks classifier.json"):
        load_classifier(tmp_path / "empty")
    folder = save_classifier(model, tmp_path / "ok")
    (folder / "classifier.json").write_text("{not json")
    with pytest.raises(ValueError, match="is not valid JSON"):
        load_classifier(folder)
    (folder / "classifier.json").write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(ValueError, match="has no \"format\""):
        load_classifier(folder)
    folder = save_classifier(model, tmp_path / "ok2")
    meta = json.loads((folder / "classifier.json").read_text())
    (folder / "classifier.json").write_text(json.dumps({**meta, "class": "os.system"}))
    with pytest.raises(ValueError, match="unknown model class 'os.system'"):
        load_classifier(folder)
    (folder / "classifier.json").write_text(json.dumps({**meta, "config": {**meta["config"], "bands": 16}}))
    with pytest.raises(ValueError, match="does not fit TinyToneClassifier"):
        load_classifier(folder)
    (folder / "classifier.json").write_text(json.dumps(meta))
    (folder / "model.safetensors").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="not a readable safetensors file"):
        load_classifier(folder)

    class Unregistered(TinyToneClassifier):
        pass

    with pytest.raises(TypeError, match="Unregistered is not registered"):
        save_classifier(Unregistered(["a", "b"]), tmp_path / "x")
    with pytest.raises(TypeError, match="get_config"):
        register_classifier(type("NoConfig", (nn.Module,), {}))
    assert CLASSIFIERS["TinyToneClassifier"] is TinyToneClassifier


def test_classifier_helpers_check_call_and_locate_a_model():
    class TakesLengths(nn.Module):
        sample_rate, num_samples, labels = SR, S, ["a", "b"]

        def forward(self, waveforms, lengths=None):
            return torch.stack([waveforms.sum(1), lengths.float() if lengths is not None else -waveforms.sum(1)], 1)

    class NoLengths(nn.Module):
        def forward(self, waveforms):
            return waveforms[:, :2]

    x, n = torch.ones(3, S), torch.tensor([S, 5, 1])
    assert forward_classifier(TakesLengths(), x, n)[:, 1].tolist() == [S, 5, 1]   # lengths handed over
    assert torch.equal(forward_classifier(NoLengths(), x, n), x[:, :2])          # ...only when accepted
    check_classifier(TakesLengths())
    with pytest.raises(TypeError, match=r"missing attribute\(s\) \['sample_rate', 'num_samples', 'labels'\]"):
        check_classifier(NoLengths())
    with pytest.raises(TypeError, match="must be a torch.nn.Module"):
        check_classifier("model.safetensors")
    assert model_device(NoLengths()) == torch.device("cpu") == model_device(nn.Linear(2, 2))
