"""course_utils.checkpoints: save_classifier / load_classifier, and the folders transformers reads.

AST and Wav2Vec2 classifiers are saved as transformers folders: AutoModelForAudioClassification,
AutoFeatureExtractor and pipeline("audio-classification") load them as they are, and the pipeline's
scores equal `course_utils.inference.predict` to 1e-4 (absolute; the fbank of the course front-end and
of ASTFeatureExtractor agree to float rounding). The CNNs use the course format (safetensors +
classifier.json). Every round trip gives the same logits (to 1e-6, float32 on CPU). Models are the
tiny defaults, so the file runs in seconds.
"""

from __future__ import annotations

import json

import pytest
import torch
from packaging import version
import transformers
from transformers import (
    ASTFeatureExtractor,
    ASTForAudioClassification,
    AutoFeatureExtractor,
    AutoModelForAudioClassification,
    AutoModelForAudioFrameClassification,
    Wav2Vec2FeatureExtractor,
    Wav2Vec2ForAudioFrameClassification,
    Wav2Vec2ForSequenceClassification,
)

from course_utils.checkpoints import load_classifier, save_classifier
from course_utils.inference import predict
from course_utils.models import ast as A
from course_utils.models.ast import ASTClassifier
from course_utils.models.cnn import ImageModelClassifier, SpectrogramCNN
from course_utils.models.wav2vec2 import Wav2Vec2Classifier, Wav2Vec2FrameClassifier

SR = 16000
LABELS = ["dog", "rain", "siren", "speech"]
PIPELINE_ATOL = 1e-4  # pipeline (transformers' extractor + model) vs predict (course front-end + model)
SAME = dict(atol=1e-6, rtol=0)  # the same weights reloaded


def clip(seed: int = 0, n: int = SR) -> torch.Tensor:
    return 0.1 * torch.randn(n, generator=torch.Generator().manual_seed(seed))


def randomized(model: torch.nn.Module, seed: int = 0, scale: float = 0.2) -> torch.nn.Module:
    """Perturb every weight, so the scores are far from uniform and a wrong label order or
    activation cannot hide (a fresh head gives nearly equal logits)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(scale * torch.randn(p.shape, generator=g))
    return model.eval()


def make_ast(multi_label: bool = False, labels=LABELS) -> ASTClassifier:
    torch.manual_seed(0)
    return randomized(ASTClassifier(labels, multi_label=multi_label))  # tiny_ast_config, 1 s clips


def make_wav2vec2(multi_label: bool = False, labels=LABELS) -> Wav2Vec2Classifier:
    torch.manual_seed(0)
    return randomized(Wav2Vec2Classifier(labels, multi_label=multi_label))  # tiny_wav2vec2_config


TRANSFORMERS_MODELS = {
    "ast-single": (lambda: make_ast(False), ASTForAudioClassification, ASTFeatureExtractor),
    "ast-multi": (lambda: make_ast(True), ASTForAudioClassification, ASTFeatureExtractor),
    "wav2vec2-single": (lambda: make_wav2vec2(False), Wav2Vec2ForSequenceClassification, Wav2Vec2FeatureExtractor),
    "wav2vec2-multi": (lambda: make_wav2vec2(True), Wav2Vec2ForSequenceClassification, Wav2Vec2FeatureExtractor),
}


# ----------------------------------------------------------------------------
# Transformers folders: transformers and pipeline read them; the course loads them back


@pytest.mark.parametrize("name", list(TRANSFORMERS_MODELS))
def test_saved_folder_is_a_transformers_checkpoint_that_pipeline_runs(name, tmp_path):
    make, hf_class, extractor_class = TRANSFORMERS_MODELS[name]
    model = make()
    folder = save_classifier(model, tmp_path / name)
    assert {"config.json", "model.safetensors", "preprocessor_config.json", "classifier.json"} <= \
        {p.name for p in folder.iterdir()}
    meta = json.loads((folder / "classifier.json").read_text())
    assert (meta["class"], meta["layout"], meta["num_samples"], meta["multi_label"]) == \
        (type(model).__name__, "transformers", SR, model.multi_label)

    hf = AutoModelForAudioClassification.from_pretrained(folder)
    assert type(hf) is hf_class
    assert [hf.config.id2label[i] for i in range(hf.config.num_labels)] == LABELS
    assert hf.config.problem_type == ("multi_label_classification" if model.multi_label
                                      else "single_label_classification")
    extractor = AutoFeatureExtractor.from_pretrained(folder)
    assert type(extractor) is extractor_class and extractor.sampling_rate == SR

    wave = clip(seed=1)
    expected = predict(model, wave)  # (C,)
    pipe = transformers.pipeline("audio-classification", model=str(folder), top_k=None, device="cpu")
    # transformers 5 picks sigmoid from the config's problem_type; 4.x always applies softmax unless told
    function = "sigmoid" if model.multi_label else "softmax"
    out = pipe(wave.numpy(), function_to_apply=function)
    if version.parse(transformers.__version__).major >= 5:
        assert pipe(wave.numpy()) == out  # the default reads problem_type
    assert sorted(d["label"] for d in out) == sorted(LABELS)
    scores = torch.tensor([{d["label"]: d["score"] for d in out}[label] for label in LABELS])
    torch.testing.assert_close(scores, expected, atol=PIPELINE_ATOL, rtol=0)
    assert out[0]["label"] == LABELS[int(expected.argmax())]
    if model.multi_label:  # sigmoid: each score its own yes/no
        assert abs(float(expected.sum()) - 1) > 0.05
    else:
        assert float(expected.sum()) == pytest.approx(1.0, abs=1e-5)
    assert float(expected.max() - expected.min()) > 0.05  # not a uniform answer: the order is tested

    loaded = load_classifier(folder)
    assert type(loaded) is type(model) and not loaded.training
    assert (loaded.labels, loaded.sample_rate, loaded.num_samples, loaded.multi_label) == \
        (LABELS, SR, SR, model.multi_label)
    torch.testing.assert_close(predict(loaded, wave), expected, **SAME)
    waves, lengths = torch.stack([clip(2), clip(3)]), torch.tensor([SR, SR - 3000])
    with torch.no_grad():
        torch.testing.assert_close(loaded(waves, lengths), model(waves, lengths), **SAME)


def test_wav2vec2_settings_survive_the_folder(tmp_path):
    """do_normalize and use_attention_mask live in preprocessor_config.json; the clip length in classifier.json."""
    torch.manual_seed(0)
    model = randomized(Wav2Vec2Classifier(LABELS, {"num_hidden_layers": 1}, num_samples=12000, do_normalize=True,
                                          use_attention_mask=False))
    folder = save_classifier(model, tmp_path / "w2v")
    extractor = AutoFeatureExtractor.from_pretrained(folder)
    assert extractor.do_normalize and not extractor.return_attention_mask
    loaded = load_classifier(folder)
    assert (loaded.do_normalize, loaded.use_attention_mask, loaded.num_samples) == (True, False, 12000)
    assert loaded.config.num_hidden_layers == 1
    waves, lengths = torch.stack([clip(4, 12000), clip(5, 12000)]), torch.tensor([12000, 9000])
    with torch.no_grad():
        torch.testing.assert_close(loaded(waves, lengths), model(waves, lengths), **SAME)


def test_from_pretrained_refuses_the_other_architecture(tmp_path):
    ast_folder = save_classifier(make_ast(), tmp_path / "ast")
    w2v_folder = save_classifier(make_wav2vec2(), tmp_path / "w2v")
    with pytest.raises(ValueError, match="is a 'wav2vec2' checkpoint, not 'audio-spectrogram-transformer'"):
        ASTClassifier.from_pretrained(w2v_folder)
    with pytest.raises(ValueError, match="is a 'audio-spectrogram-transformer' checkpoint, not 'wav2vec2'"):
        Wav2Vec2Classifier.from_pretrained(ast_folder)
    with pytest.raises(ValueError, match="is a 'audio-spectrogram-transformer' checkpoint, not 'wav2vec2'"):
        Wav2Vec2FrameClassifier.from_pretrained(ast_folder)


def test_ast_from_pretrained_reads_the_saved_clip_length(tmp_path):
    torch.manual_seed(0)
    model = randomized(ASTClassifier(LABELS, {"num_hidden_layers": 1}, num_samples=8000, mean=-3.0, std=2.5))
    folder = save_classifier(model, tmp_path / "half-second")
    loaded = ASTClassifier.from_pretrained(folder)  # the class's own loader, same folder
    assert (loaded.num_samples, loaded.ast.config.max_length, loaded.mean, loaded.std) == (8000, 48, -3.0, 2.5)
    wave = clip(6, 8000)
    torch.testing.assert_close(predict(loaded, wave), predict(model, wave), **SAME)


# ----------------------------------------------------------------------------
# The classifier's activation is transformers' (AudioSet models are multi-label)


@pytest.mark.parametrize("multi_label", [True, False], ids=["multi-label-sigmoid", "single-label-softmax"])
def test_predict_equals_transformers_with_the_matching_activation(multi_label):
    labels = [f"class{i}" for i in range(10)]  # AudioSet-style: many labels, several may be on at once
    model = make_ast(multi_label, labels)
    hf = A.to_transformers(model.ast).eval()
    assert hf.config.problem_type == ("multi_label_classification" if multi_label else "single_label_classification")
    wave = clip(seed=7)
    inputs = model.feature_extractor()(wave.numpy(), sampling_rate=SR, return_tensors="pt")
    with torch.no_grad():
        logits = hf(**inputs).logits[0]
    probs = predict(model, wave)
    expected = logits.sigmoid() if multi_label else logits.softmax(-1)
    other = logits.softmax(-1) if multi_label else logits.sigmoid()
    torch.testing.assert_close(probs, expected, atol=PIPELINE_ATOL, rtol=0)
    assert (probs - other).abs().max() > 10 * PIPELINE_ATOL  # the other activation would fail


# ----------------------------------------------------------------------------
# Frame classifiers and the course format


def test_frame_classifier_round_trips(tmp_path):
    torch.manual_seed(0)
    model = randomized(Wav2Vec2FrameClassifier(["speech", "music"], multi_label=True, num_samples=8000))
    folder = save_classifier(model, tmp_path / "frames")
    assert json.loads((folder / "config.json").read_text())["architectures"] == ["Wav2Vec2ForAudioFrameClassification"]
    loaded = load_classifier(folder)
    assert type(loaded) is Wav2Vec2FrameClassifier and loaded.frame_level
    assert (loaded.labels, loaded.multi_label, loaded.num_samples) == (["speech", "music"], True, 8000)
    assert loaded.head.multi_label
    waves, lengths = torch.stack([clip(8, 8000), clip(9, 8000)]), torch.tensor([8000, 5000])
    with torch.no_grad():
        logits = model(waves, lengths)
        torch.testing.assert_close(loaded(waves, lengths), logits, **SAME)
        hf = AutoModelForAudioFrameClassification.from_pretrained(folder).eval()
        assert type(hf) is Wav2Vec2ForAudioFrameClassification
        mask = torch.arange(8000)[None] < lengths[:, None]
        torch.testing.assert_close(hf(waves, attention_mask=mask.long()).logits, logits, atol=1e-5, rtol=0)


@pytest.mark.parametrize("cls, config", [
    (SpectrogramCNN, {"n_mels": 32, "channels": (8, 16), "pooling": "time"}),
    (ImageModelClassifier, {"n_mels": 32}),
])
@pytest.mark.parametrize("multi_label", [False, True])
def test_cnns_round_trip_in_the_course_format(cls, config, multi_label, tmp_path):
    torch.manual_seed(0)
    model = randomized(cls(LABELS, config, sample_rate=8000, num_samples=4000, multi_label=multi_label), scale=0.05)
    folder = save_classifier(model, tmp_path / cls.__name__)
    assert sorted(p.name for p in folder.iterdir()) == ["classifier.json", "model.safetensors"]
    meta = json.loads((folder / "classifier.json").read_text())
    assert (meta["class"], meta["layout"]) == (cls.__name__, "course")
    assert set(meta["config"]) == {"labels", "config", "sample_rate", "num_samples", "multi_label"}
    loaded = load_classifier(folder)
    assert type(loaded) is cls and not loaded.training
    assert (loaded.labels, loaded.sample_rate, loaded.num_samples, loaded.multi_label) == (LABELS, 8000, 4000, multi_label)
    assert loaded.get_config() == model.get_config()
    waves = torch.stack([clip(10, 4000), clip(11, 4000)])
    with torch.no_grad():
        torch.testing.assert_close(loaded(waves), model(waves), rtol=0, atol=0)
    torch.testing.assert_close(predict(loaded, waves[0]), predict(model, waves[0]), rtol=0, atol=0)


def test_load_classifier_refuses_a_plain_transformers_folder(tmp_path):
    """A folder without classifier.json is not guessed at: the error names the loader to use."""
    hf = A.to_transformers(make_ast().ast)
    hf.save_pretrained(tmp_path / "plain")
    with pytest.raises(ValueError, match="lacks classifier.json.*ASTClassifier.from_pretrained"):
        load_classifier(tmp_path / "plain")
    loaded = ASTClassifier.from_pretrained(tmp_path / "plain")  # ... which works
    assert loaded.labels == LABELS


def test_a_transformers_folder_with_nan_weights_is_refused(tmp_path):
    model = make_ast()
    with torch.no_grad():
        model.ast.head.bias[0] = float("nan")
    save_classifier(model, tmp_path / "nan")
    with pytest.raises(ValueError, match="contain NaN or Inf"):
        load_classifier(tmp_path / "nan")
