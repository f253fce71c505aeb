"""The one classifier contract (course_utils.models), checked on every course classifier.

    model = Model(labels, config=None, *, sample_rate, num_samples, multi_label)
    logits = model(waveforms, lengths)           (B, C), or (B, T, C) for a frame classifier
    model.labels / sample_rate / num_samples / multi_label / num_classes
    model.probabilities(logits)                  softmax (rows sum to 1) or sigmoid
    model.loss(logits, targets)                  cross-entropy on indices, or BCE on multi-hot

Each class is built with its small default (config=None), on 0.5-s clips at 16 kHz.
Tolerances: 1e-6 (float32 on CPU) against torch's own softmax / sigmoid / losses.
"""

from __future__ import annotations

import inspect

import pytest
import torch
import torch.nn.functional as F

from course_utils.models import Classifier, count_parameters
from course_utils.models.ast import ASTClassifier
from course_utils.models.base import check_classifier
from course_utils.models.cnn import ImageModelClassifier, SpectrogramCNN
from course_utils.models.wav2vec2 import Wav2Vec2Classifier, Wav2Vec2FrameClassifier

SR, S = 16000, 8000
LABELS = ["dog", "rain", "siren"]
TOL = dict(atol=1e-6, rtol=1e-6)

MODELS = [SpectrogramCNN, ImageModelClassifier, ASTClassifier, Wav2Vec2Classifier, Wav2Vec2FrameClassifier]
# a plausible misspelling of a real setting of each, and a real override with how to read it back
MISSPELT = {SpectrogramCNN: "n_mel", ImageModelClassifier: "hop_lenght", ASTClassifier: "num_mel_bin",
            Wav2Vec2Classifier: "hiden_size", Wav2Vec2FrameClassifier: "num_hidden_layer"}
OVERRIDES = {
    SpectrogramCNN: ({"dropout": 0.0}, lambda m: m.config["dropout"], 0.0),
    ImageModelClassifier: ({"n_mels": 32}, lambda m: m.config["n_mels"], 32),
    ASTClassifier: ({"num_hidden_layers": 1}, lambda m: m.ast.config.num_hidden_layers, 1),
    Wav2Vec2Classifier: ({"num_hidden_layers": 1}, lambda m: m.config.num_hidden_layers, 1),
    Wav2Vec2FrameClassifier: ({"num_hidden_layers": 1}, lambda m: m.config.num_hidden_layers, 1),
}
ids = [cls.__name__ for cls in MODELS]


def build(cls, multi_label=False, labels=LABELS, config=None):
    torch.manual_seed(0)
    return cls(labels, config=config, sample_rate=SR, num_samples=S, multi_label=multi_label).eval()


def batch(n=3):
    g = torch.Generator().manual_seed(0)
    lengths = torch.tensor([S, S - 2000, S - 3500][:n])
    waves = 0.1 * torch.randn(n, S, generator=g) * (torch.arange(S)[None] < lengths[:, None])
    return waves, lengths


def targets_for(logits, multi_label, seed=1):
    g = torch.Generator().manual_seed(seed)
    if multi_label:
        return torch.randint(0, 2, logits.shape, generator=g).float()  # multi-hot, over the last axis
    return torch.randint(0, logits.shape[-1], logits.shape[:-1], generator=g)  # class indices


@pytest.mark.parametrize("multi_label", [False, True], ids=["single", "multi"])
@pytest.mark.parametrize("cls", MODELS, ids=ids)
def test_every_classifier_follows_the_contract(cls, multi_label):
    params = inspect.signature(cls.__init__).parameters
    assert list(params)[1:3] == ["labels", "config"]  # labels first, then config; the rest by keyword
    model = build(cls, multi_label)
    assert isinstance(model, Classifier)
    check_classifier(model)
    assert (model.labels, model.sample_rate, model.num_samples, model.multi_label, model.num_classes) == \
        (LABELS, SR, S, multi_label, 3)
    assert count_parameters(model) == count_parameters(model, trainable_only=True) == \
        sum(p.numel() for p in model.parameters())  # nothing frozen by default
    frame_level = getattr(model, "frame_level", False)
    assert frame_level == (cls is Wav2Vec2FrameClassifier)
    if frame_level:
        with pytest.raises(TypeError, match="one label per frame"):
            check_classifier(model, clip_level=True)
    else:
        check_classifier(model, clip_level=True)

    waves, lengths = batch()
    with torch.no_grad():
        logits = model(waves, lengths)  # positional (waveforms, lengths)
        assert torch.equal(model(waves, lengths=lengths), logits)
        unpadded = model(waves)  # lengths=None: every sample counts
    if frame_level:
        assert logits.ndim == 3 and logits.shape[0] == 3 and logits.shape[2] == 3  # (B, T, C)
    else:
        assert logits.shape == (3, 3)
    assert unpadded.shape == logits.shape and torch.isfinite(logits).all()

    probs = model.probabilities(logits)
    if multi_label:
        torch.testing.assert_close(probs, logits.sigmoid(), **TOL)
    else:
        torch.testing.assert_close(probs, logits.softmax(-1), **TOL)
        torch.testing.assert_close(probs.sum(-1), torch.ones(probs.shape[:-1]), **TOL)

    targets = targets_for(logits, multi_label)
    flat_logits = logits.reshape(-1, 3)
    expected = (F.binary_cross_entropy_with_logits(flat_logits, targets.reshape(-1, 3)) if multi_label
                else F.cross_entropy(flat_logits, targets.reshape(-1)))
    model.train()
    loss = model.loss(model(waves, lengths), targets)
    model.eval()
    assert loss.ndim == 0
    loss.backward()  # a loss to train on: gradients reach the weights
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())
    torch.testing.assert_close(model.loss(logits, targets), expected, **TOL)
    wrong = targets_for(logits, not multi_label)  # indices for a multi-label model, multi-hot for a single-label one
    if multi_label:
        match = "multi-hot"
    else:  # integer multi-hot: not class indices (a frame head reads a one-hot row as its index)
        match = "more than one active class" if frame_level else "class indices"
        wrong = wrong.long()
        wrong[..., :2] = 1  # at least two classes on in every row
    with pytest.raises(ValueError, match=match):
        model.loss(logits, wrong)
    if frame_level:  # per-frame loss over the real frames only (model.frame_mask)
        mask = model.frame_mask(lengths, logits.shape[1])
        assert mask.sum() < mask.numel()
        expected = (F.binary_cross_entropy_with_logits(logits[mask], targets[mask]) if multi_label
                    else F.cross_entropy(logits[mask], targets[mask]))
        torch.testing.assert_close(model.loss(logits, targets, mask), expected, **TOL)


@pytest.mark.parametrize("cls", MODELS, ids=ids)
def test_bad_labels_and_settings_raise(cls):
    with pytest.raises(TypeError, match="labels must be a list of class names"):
        build(cls, labels="abc")  # one string is not three labels
    with pytest.raises(ValueError, match=r"labels must be distinct, but \['a'\] appear more than once"):
        build(cls, labels=["a", "b", "a"])
    with pytest.raises(ValueError, match="single-label .* needs at least 2 labels"):
        build(cls, labels=["yes"])
    with pytest.raises(TypeError, match="non-empty strings"):
        build(cls, labels=[0, 1])
    one = build(cls, multi_label=True, labels=["speech"])  # a yes/no question: one sigmoid
    waves, lengths = batch(2)
    with torch.no_grad():
        assert one(waves, lengths).shape[-1] == 1

    key = MISSPELT[cls]
    with pytest.raises(ValueError, match=rf"unknown .*\['{key}'\]"):
        build(cls, config={key: 1})
    config, read, value = OVERRIDES[cls]
    assert read(build(cls, config=config)) == value  # a known key does override the default
    with pytest.raises(ValueError, match="sample_rate must be a positive int"):
        cls(LABELS, sample_rate=0)
    with pytest.raises(ValueError, match="num_samples must be a positive int"):
        cls(LABELS, num_samples=1.5)
    with pytest.raises(TypeError, match="multi_label must be True or False"):
        cls(LABELS, multi_label="yes")
    with pytest.raises(TypeError):
        cls(LABELS, None, SR)  # sample_rate is keyword-only


@pytest.mark.parametrize("cls", MODELS, ids=ids)
def test_lengths_are_checked(cls):
    model = build(cls)
    waves, _ = batch()
    with pytest.raises(ValueError, match=r"lengths must lie in \[1, 8000\]"):
        model(waves, torch.tensor([S, 0, 10]))
    with pytest.raises(ValueError, match=r"lengths must be integers of shape \(3,\)"):
        model(waves, torch.tensor([S, S]))
    with pytest.raises(ValueError, match=r"waveforms must be \(batch, samples\)"):
        model(waves[0])


@pytest.mark.parametrize("cls", MODELS, ids=ids)
def test_float64_waveforms_are_read_in_the_model_dtype(cls):
    """numpy's default dtype is float64: every model takes it and computes in its own dtype."""
    model = build(cls)
    waves, lengths = batch()
    with torch.no_grad():
        torch.testing.assert_close(model(waves.double(), lengths), model(waves, lengths), rtol=0, atol=0)
