"""fit / evaluate / predict / save-load on a tiny classifier that follows the course contract.

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

from course_utils.checkpoints import CLASSIFIERS, load_classifier, register_classifier, save_classifier
from course_utils.env import seed_everything
from course_utils.inference import predict
from course_utils.models.base import Classifier, check_classifier, model_device, resolve_config
from course_utils.train import History, evaluate, fit

SR, S = 8000, 800  # 0.1 s clips


@register_classifier
class TinyToneClassifier(Classifier):
    """|FFT| pooled to 32 bands -> log -> linear: enough to tell tones apart."""

    def __init__(self, labels, config=None, *, sample_rate=SR, num_samples=S, multi_label=False):
        super().__init__(labels, sample_rate=sample_rate, num_samples=num_samples, multi_label=multi_label)
        self.config = resolve_config(config, {"bands": 32}, "TinyToneClassifier")
        self.norm = nn.LayerNorm(self.config["bands"])
        self.head = nn.Linear(self.config["bands"], len(self.labels))
        self.seen_lengths = None

    def get_config(self):
        return {"labels": self.labels, "config": self.config, "sample_rate": self.sample_rate,
                "num_samples": self.num_samples, "multi_label": self.multi_label}

    def forward(self, waveforms, lengths=None):  # (B, S) -> (B, C)
        self.seen_lengths = lengths
        spectrum = torch.fft.rfft(waveforms).abs()  # (B, S//2+1)
        bands = nn.functional.adaptive_avg_pool1d(spectrum[:, None], self.config["bands"])[:, 0]  # (B, bands)
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


def new_model(multi_label=False):
    seed_everything(0)
    return TinyToneClassifier(["low", "mid", "high"], multi_label=multi_label)


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
    with pytest.raises(ValueError, match="target 7 out of range for a model with 3 classes"):
        fit(m, (xtr, torch.full_like(ytr, 7)), None, epochs=1, device="cpu")
    with pytest.raises(ValueError, match="NaN"):
        fit(m, (torch.full_like(xtr, float("nan")), ytr), None, epochs=1, device="cpu")
    with pytest.raises(ValueError, match="96 waveforms but a tensor of length 95"):
        fit(m, (xtr, ytr[:-1]), None, epochs=1, device="cpu")
    with pytest.raises(ValueError, match="patience .* needs val_data"):
        fit(m, (xtr, ytr), None, epochs=1, patience=2, device="cpu")
    with pytest.raises(ValueError, match="monitor must be"):
        fit(m, (xtr, ytr), (xva, yva), epochs=1, monitor="f1", device="cpu")
    with pytest.raises(TypeError, match="does not follow the course classifier contract"):
        fit(nn.Linear(S, 3), (xtr, ytr), None, epochs=1, device="cpu")
    with pytest.raises(ValueError, match=r"multi-hot targets need a model built with multi_label=True"):
        fit(m, (xtr, nn.functional.one_hot(ytr, 3).float()), None, epochs=1, device="cpu")
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        fit(m, (xtr, ytr), None, epochs=1, seed=-1, device="cpu")
    with pytest.raises(TypeError, match=r"\(waveforms, targets\)"):
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
    assert (meta["sample_rate"], meta["num_samples"], meta["layout"]) == (SR, S, "course")
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
    (folder / "classifier.json").write_text(json.dumps({**meta, "config": {**meta["config"], "config": {"bands": 16}}}))
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
    (folder / "classifier.json").write_text(json.dumps({**meta, "config": None}))
    with pytest.raises(ValueError, match="no \"config\" object"):
        load_classifier(folder)
    assert CLASSIFIERS["TinyToneClassifier"] is TinyToneClassifier


def test_classifier_helpers_check_and_locate_a_model():
    class Follows(Classifier):
        def forward(self, waveforms, lengths=None):
            return waveforms[:, :2]

    class Frames(Follows):
        frame_level = True

    model = Follows(["a", "b"], sample_rate=SR, num_samples=S)
    check_classifier(model)
    check_classifier(Frames(["a", "b"], sample_rate=SR, num_samples=S))
    with pytest.raises(TypeError, match="one label per frame"):
        check_classifier(Frames(["a", "b"], sample_rate=SR, num_samples=S), clip_level=True)
    with pytest.raises(TypeError, match=r"missing \['labels', 'sample_rate', 'num_samples', 'multi_label'"):
        check_classifier(nn.Linear(2, 2))
    with pytest.raises(TypeError, match="must be a torch.nn.Module"):
        check_classifier("model.safetensors")
    assert model_device(model) == torch.device("cpu") == model_device(nn.Linear(2, 2))


def test_multi_label_fit_evaluate_and_predict_use_the_sigmoid(data):
    """A multi-label model trains on multi-hot targets with BCE and is scored per class."""
    (xtr, ltr, ytr), (xva, lva, yva), (xte, lte, yte) = data
    hot = [nn.functional.one_hot(y, 3).float() for y in (ytr, yva, yte)]
    model = new_model(multi_label=True)
    fit(model, (xtr, ltr, hot[0]), (xva, lva, hot[1]), epochs=8, lr=3e-2, batch_size=16, device="cpu")
    scores = evaluate(model, (xte, lte, hot[2]))
    assert scores["predictions"].shape == (48, 3) and scores["confusion"] is None
    assert scores["accuracy"] >= 0.8 and scores["macro_f1"] >= 0.8
    with torch.no_grad():
        logits = model(xte, lte)
    torch.testing.assert_close(scores["probabilities"], logits.sigmoid())
    assert scores["loss"] == pytest.approx(nn.functional.binary_cross_entropy_with_logits(logits, hot[2]).item(), rel=1e-5)
    probs = predict(model, xte[0, : lte[0]])
    assert probs.shape == (3,) and not torch.allclose(probs.sum(), torch.tensor(1.0))  # independent sigmoids
    with pytest.raises(ValueError, match=r"multi-hot targets \(N, 3\)"):
        evaluate(model, (xte, yte))


def test_numpy_float64_inputs_and_nan_logits_are_handled(data):
    (xtr, ltr, ytr), _, (xte, lte, yte) = data
    model = new_model()
    h = fit(model, (xtr.double().numpy(), ytr.int().numpy()), None, epochs=1, device="cpu")  # numpy's defaults
    assert len(h) == 1
    assert evaluate(model, (xte.numpy().astype(np.float64), yte.numpy()))["accuracy"] >= 0.0
    with torch.no_grad():
        model.head.weight.fill_(float("nan"))
    with pytest.raises(ValueError, match="NaN or Inf logits"):
        evaluate(model, (xte, yte))


def test_single_label_loss_takes_indices_or_distributions_but_not_multi_hot():
    model = new_model()
    logits = torch.randn(2, 3)
    soft = torch.tensor([[0.7, 0.3, 0.0], [0.0, 0.5, 0.5]])  # mixup-style soft targets
    torch.testing.assert_close(model.loss(logits, soft), nn.functional.cross_entropy(logits, soft))
    with pytest.raises(ValueError, match="multi-hot targets need multi_label=True"):
        model.loss(logits, torch.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 0.0]]))


def test_a_checkpoint_with_nan_weights_is_refused(tmp_path):
    model = new_model()
    with torch.no_grad():
        model.head.weight[0, 0] = float("nan")
    folder = save_classifier(model, tmp_path / "nan")
    with pytest.raises(ValueError, match=r"weights \['head.weight'\] contain NaN"):
        load_classifier(folder)
