"""Hostile calls on the model side, beyond tests/test_bad_input.py: features, classifiers, heads,
checkpoints, metrics, post-processing, inference and augmentation.

Each refused call must fail early, with the right exception and a message that names the argument
and the problem; each reasonable but unusual call (numpy integers and strings, float 16000.0, a
non-contiguous or requires-grad tensor, a half-precision model, unicode labels) must give the same
answer as the usual call. A case is `(call, exception, regex)`: `call(c)` gets the shared context `c`
(tiny models built once) and must raise `exception` with a message matching `regex`.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from course_utils import augment as A
from course_utils import features as FT
from course_utils.checkpoints import load_classifier, save_classifier
from course_utils.fast_features import ASTFeatures, LogMel
from course_utils.frames import events_to_frame_labels, frame_labels_to_events
from course_utils.inference import (aggregate, predict, predict_frame_probabilities, sliding_window_predict)
from course_utils.metrics import accuracy, collar_mask, diarization_error_rate, event_scores, event_scores_over_clips
from course_utils.metrics import frame_scores
from course_utils.models.ast import ASTClassifier
from course_utils.models.cnn import ImageModelClassifier, SpectrogramCNN, tiny_resnet_config
from course_utils.models.heads import (FrameClassificationHead, SequenceClassificationHead, WeightedLayerSum,
                                       train_linear_probe)
from course_utils.models.wav2vec2 import Wav2Vec2Classifier, Wav2Vec2FrameClassifier
from course_utils.postprocess import median_filter, tune_postprocess

SR, S = 16000, 4000  # 0.25-s clips at 16 kHz
LABELS = ["dog", "cat", "rain"]
NAN, INF = float("nan"), float("inf")
CLASSIFIERS = {
    "cnn": lambda labels=LABELS, **kw: SpectrogramCNN(labels, sample_rate=SR, num_samples=S, **kw),
    "image": lambda labels=LABELS, **kw: ImageModelClassifier(labels, {"n_mels": 32}, sample_rate=SR, num_samples=S,
                                                              **kw),
    "ast": lambda labels=LABELS, **kw: ASTClassifier(labels, {"num_hidden_layers": 1}, sample_rate=SR, num_samples=S,
                                                     **kw),
    "w2v": lambda labels=LABELS, **kw: Wav2Vec2Classifier(labels, {"num_hidden_layers": 1}, sample_rate=SR,
                                                          num_samples=S, **kw),
    "w2v_frames": lambda labels=LABELS, **kw: Wav2Vec2FrameClassifier(labels, {"num_hidden_layers": 1},
                                                                      sample_rate=SR, num_samples=S, **kw),
}
CLIP_MODELS = ["cnn", "image", "ast", "w2v"]
EV = [{"onset": 0.1, "offset": 0.3, "label": "dog"}]
PROBS = torch.tensor([[0.1, 0.9, 0.2], [0.8, 0.7, 0.1], [0.9, 0.2, 0.6]])


def noise(*shape, seed=0, scale=0.1):
    return scale * torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


class Context:
    """Tiny models, built on first use and shared by the whole module."""

    def model(self, name):
        cache = self.__dict__.setdefault("_models", {})
        if name not in cache:
            torch.manual_seed(0)
            cache[name] = CLASSIFIERS[name]().eval()
        return cache[name]

    cnn = property(lambda self: self.model("cnn"))
    image = property(lambda self: self.model("image"))
    ast = property(lambda self: self.model("ast"))
    w2v = property(lambda self: self.model("w2v"))
    frames = property(lambda self: self.model("w2v_frames"))


@pytest.fixture(scope="module")
def c():
    return Context()


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


def case(call, exc, pattern, id):
    return pytest.param(call, exc, pattern, id=id)


def in_train_mode(model, call):
    """`call(model)` with the model in training mode; it goes back to eval mode after."""
    model.train()
    try:
        return call(model)
    finally:
        model.eval()


# ----------------------------------------------------------------------------
# Features: the plain functions and the fast layers

FEATURES = [
    case(lambda c: FT.log_mel_spectrogram(noise(S, 2)), ValueError,
         r"waveform has shape \(4000, 2\): that looks like \(samples, channels\).*waveform\.mean\(1\)",
         "log-mel-channels-last"),
    case(lambda c: FT.stft(noise(S, 1)), ValueError, r"shape \(4000, 1\): that looks like \(samples, channels\)",
         "stft-channels-last"),
    case(lambda c: FT.kaldi_fbank(noise(S, 2).numpy()), ValueError, r"looks like \(samples, channels\)",
         "fbank-channels-last-numpy"),
    case(lambda c: FT.ast_features(noise(S, 2)), ValueError, r"looks like \(samples, channels\)",
         "ast-features-channels-last"),
    case(lambda c: LogMel()(noise(S, 2)), ValueError, r"looks like \(samples, channels\)", "LogMel-channels-last"),
    case(lambda c: ASTFeatures()(noise(S, 2)), ValueError, r"looks like \(samples, channels\)",
         "ASTFeatures-channels-last"),
    case(lambda c: FT.log_mel_spectrogram(noise(S), f_min="0"), TypeError, r"f_min must be a number, got str",
         "f_min-string"),
    case(lambda c: FT.log_mel_spectrogram(noise(S), f_min=None), TypeError, r"f_min must be a number, got NoneType",
         "f_min-None"),
    case(lambda c: FT.log_mel_spectrogram(noise(S), f_max=NAN), ValueError, r"f_max must be a finite number, got nan",
         "f_max-nan"),
    case(lambda c: FT.log_mel_spectrogram(noise(S), f_max="8000"), TypeError, r"f_max must be a number, got str",
         "f_max-string"),
    case(lambda c: FT.kaldi_fbank(noise(S), low_freq="20"), TypeError, r"low_freq must be a number, got str",
         "low_freq-string"),
    case(lambda c: FT.power_to_db(FT.stft(noise(S))), ValueError,
         r"spec is complex \(torch\.complex64\).*spec\.abs\(\) \*\* 2",
         "power_to_db-complex"),
    case(lambda c: FT.hz_to_mel("440"), TypeError, r"freq \(Hz\) must be a number or an array of numbers, got '440'",
         "hz_to_mel-string"),
    case(lambda c: FT.mel_to_hz(np.array(["a"])), TypeError, r"mel must be a number or an array of numbers",
         "mel_to_hz-strings"),
    case(lambda c: FT.ast_features(noise(2, S), lengths=torch.tensor([True, True])), ValueError,
         r"lengths must be integer sample counts, got dtype torch\.bool", "ast-lengths-bool"),
    case(lambda c: LogMel(dtype=torch.int64), TypeError, r"dtype must be a floating-point torch\.dtype.*torch\.int64",
         "LogMel-int-dtype"),
    case(lambda c: ASTFeatures(dtype="float32"), TypeError, r"dtype must be a floating-point torch\.dtype.*'float32'",
         "ASTFeatures-string-dtype"),
    case(lambda c: LogMel(pad_mode="mirror"), ValueError, r"pad_mode must be one of .* got 'mirror'",
         "LogMel-pad-mode-at-construction"),
    case(lambda c: LogMel(center="no"), TypeError, r"center must be True or False, got 'no'", "LogMel-center-string"),
    case(lambda c: LogMel(n_fft=400.0), ValueError, r"n_fft must be a positive integer, got 400\.0", "LogMel-float-n_fft"),
]


@pytest.mark.parametrize("call, exc, pattern", FEATURES)
def test_features_refuse(c, call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call(c)


def test_features_take_numpy_ints_float_rates_views_and_gradients():
    wave = noise(S)
    expected = FT.log_mel_spectrogram(wave)
    as_numpy_ints = FT.log_mel_spectrogram(wave, sample_rate=16000.0, n_fft=np.int64(400), hop_length=np.int32(160),
                                           n_mels=np.int64(64))  # 16000.0 and numpy integers: the same settings
    torch.testing.assert_close(as_numpy_ints, expected, rtol=0, atol=0)
    torch.testing.assert_close(LogMel(n_fft=np.int64(400), n_mels=np.int64(64))(wave), LogMel()(wave), rtol=0, atol=0)
    torch.testing.assert_close(FT.ast_features(wave, max_length=np.int64(30)), FT.ast_features(wave, max_length=30),
                               rtol=0, atol=0)
    stereo = noise(S, 2)  # a column of a (samples, channels) array is a strided view: a copy's numbers (to rounding)
    left = stereo[:, 0]
    assert not left.is_contiguous()
    torch.testing.assert_close(LogMel()(left), LogMel()(left.contiguous()))
    torch.testing.assert_close(ASTFeatures()(stereo.T), ASTFeatures()(stereo.T.contiguous()))
    torch.testing.assert_close(FT.log_mel_spectrogram(stereo.T), FT.log_mel_spectrogram(stereo.T.contiguous()))
    for layer in (LogMel(), ASTFeatures(max_length=30)):  # a waveform that wants its gradient gets it
        x = wave.clone().requires_grad_()
        out = layer(x)
        out.sum().backward()
        torch.testing.assert_close(out.detach(), layer(wave), rtol=0, atol=0)
        assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


@pytest.mark.parametrize("half", [torch.float16, torch.bfloat16])
def test_feature_layers_hand_half_precision_back(half):
    """A half-precision model's input is computed in float32 and returned in its own dtype."""
    wave = noise(2, S)
    for layer in (LogMel(), ASTFeatures(max_length=30)):
        out = layer(wave.to(half))
        assert out.dtype == half
        torch.testing.assert_close(out.float(), layer(wave.to(half).float()), rtol=1e-2, atol=5e-2)


# ----------------------------------------------------------------------------
# Classifiers: constructors, configs, forward

BUILD = [
    case(lambda c: ASTClassifier([]), ValueError, r"needs at least 2 labels, got \[\]; for one yes/no class use "
                                                  r"multi_label=True", "labels-empty"),
    case(lambda c: Wav2Vec2Classifier(["siren"]), ValueError, r"needs at least 2 labels, got \['siren'\]",
         "labels-one-class-softmax"),
    case(lambda c: SpectrogramCNN([0, 1, 2]), TypeError, r"labels must be non-empty strings .*got \[0, 1, 2\]",
         "labels-ints"),
    case(lambda c: SpectrogramCNN(LABELS, num_samples=0), ValueError, r"num_samples must be a positive int, got 0",
         "num-samples-0"),
    case(lambda c: ASTClassifier(LABELS, num_samples=-16000), ValueError, r"num_samples must be a positive int, got -16000",
         "num-samples-negative"),
    case(lambda c: Wav2Vec2Classifier(LABELS, num_samples=16000.0), ValueError,
         r"num_samples must be a positive int, got 16000\.0", "num-samples-float"),
    case(lambda c: SpectrogramCNN({"dog", "cat"}), TypeError, r"got a set .*a set has no order; pass sorted\(labels\)",
         "labels-set"),
    case(lambda c: SpectrogramCNN(LABELS, {"dropout": "0.1"}), ValueError, r"dropout must be a number in \[0, 1\].*'0\.1'",
         "cnn-dropout-string"),
    case(lambda c: SpectrogramCNN(LABELS, {"dropout": NAN}), ValueError, r"dropout must be a number in \[0, 1\].*nan",
         "cnn-dropout-nan"),
    case(lambda c: ImageModelClassifier(LABELS, {"resnet": "resnet-18"}), TypeError,
         r"config\['resnet'\] must be None or a dict of ResNetConfig settings.*got str", "image-resnet-string"),
    case(lambda c: ImageModelClassifier(LABELS, {"resnet": {**tiny_resnet_config(3, 1).to_dict(), "hidden_size": 8}}),
         ValueError, r"unknown ResNetConfig setting 'hidden_size' in config\['resnet'\]: did you mean 'hidden_sizes'\?",
         "image-resnet-misspelt"),
    case(lambda c: ImageModelClassifier(LABELS, image_model=torch.nn.Linear(2, 3)), TypeError,
         r"image_model must be a transformers image classifier .*got Linear", "image-model-not-an-image-model"),
    case(lambda c: in_train_mode(c.image, lambda m: m(noise(1, S))), ValueError,
         r"a batch of one clip cannot train ImageModelClassifier: .*\(32, 26\).*batches of 2 or more",
         "image-train-on-one-clip"),
    case(lambda c: copy.deepcopy(c.ast).resize(8000.0), ValueError, r"num_samples must be a positive int, got 8000\.0",
         "ast-resize-float"),
    case(lambda c: Wav2Vec2Classifier(LABELS, {"hidden_size": 30}), ValueError,
         r"hidden_size=30 must be divisible by num_attention_heads=4", "w2v-width-heads"),
    case(lambda c: Wav2Vec2Classifier(LABELS, {"hidden_size": 30, "num_attention_heads": 5}), ValueError,
         r"hidden_size=30 must be divisible by num_conv_pos_embedding_groups=4", "w2v-width-conv-groups"),
    case(lambda c: Wav2Vec2Classifier(LABELS, {"conv_kernel": (10, 8)}), ValueError,
         r"Wav2Vec2Config overrides \{'conv_kernel': \(10, 8\)\} do not make a valid config", "w2v-conv-lengths"),
    case(lambda c: Wav2Vec2Classifier(LABELS, do_normalize="no"), TypeError, r"do_normalize must be True or False, got 'no'",
         "w2v-do-normalize-string"),
    case(lambda c: Wav2Vec2FrameClassifier(LABELS, use_attention_mask=1), TypeError,
         r"use_attention_mask must be True or False \(or None\), got 1", "w2v-mask-int"),
    case(lambda c: c.w2v.pooled_features(noise(2, S), [S]), ValueError,
         r"lengths must hold one sample count per clip, shape \(2,\), got shape \(1,\)", "w2v-pooled-lengths"),
]


@pytest.mark.parametrize("call, exc, pattern", BUILD)
def test_model_settings_refuse(c, call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call(c)


FORWARD = [  # (id, call(model), exception, regex): run on every classifier
    ("channels-last", lambda m: m(noise(S, 2)), ValueError,
     r"waveforms has shape \(4000, 2\): that looks like \(samples, channels\)"),
    ("model-on-another-device", lambda m: copy.deepcopy(m).to("meta")(noise(2, S)), ValueError,
     r"waveforms are on cpu but the model is on meta: move them first"),
]


@pytest.mark.parametrize("name", list(CLASSIFIERS))
@pytest.mark.parametrize("call, exc, pattern", [pytest.param(*f[1:], id=f[0]) for f in FORWARD])
def test_every_classifier_refuses(c, name, call, exc, pattern):
    with torch.no_grad(), pytest.raises(exc, match=pattern):
        call(c.model(name))


def test_labels_from_numpy_and_multi_label_from_numpy_bool():
    model = SpectrogramCNN(np.unique(np.array(["dog", "cat", "dog"])), multi_label=np.bool_(True))
    assert model.labels == ["cat", "dog"] and all(type(label) is str for label in model.labels)
    assert model.multi_label is True


@pytest.mark.parametrize("half", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("name", list(CLASSIFIERS))
def test_every_classifier_runs_in_half_precision_on_the_cpu(c, name, half):
    model, x = c.model(name), noise(2, S)
    low = copy.deepcopy(model).to(half)
    with torch.no_grad():
        logits = low(x)  # float32 waveforms: cast to the model's dtype
        assert logits.dtype == half and torch.isfinite(logits).all()
        torch.testing.assert_close(low(x.to(half)), logits, rtol=0, atol=0)
    if name in CLIP_MODELS:
        torch.testing.assert_close(predict(low, x[0]), predict(model, x[0]), rtol=0, atol=1e-2)


def test_predict_ignores_training_mode_and_ast_reads_the_first_num_samples(c):
    model, wave = c.cnn, noise(S)
    expected = predict(model, wave)
    torch.testing.assert_close(in_train_mode(model, lambda m: predict(m, wave)), expected, rtol=0, atol=0)  # no dropout
    long = noise(2, 3 * S)  # a clip longer than num_samples: AST's fbank is cut to max_length, as the extractor does
    with torch.no_grad():
        torch.testing.assert_close(c.ast(long), c.ast(long[:, :S]), rtol=1e-5, atol=1e-5)
        for name in ("cnn", "w2v"):  # the others read it all
            assert torch.isfinite(c.model(name)(long)).all()


def test_one_class_multi_label_classifiers_work(c):
    for name in ("cnn", "ast", "w2v"):
        torch.manual_seed(0)
        model = CLASSIFIERS[name](["siren"], multi_label=True).eval()
        with torch.no_grad():
            logits = model(noise(2, S))
        assert logits.shape == (2, 1)
        assert torch.isfinite(model.loss(logits, torch.tensor([[1.0], [0.0]])))
        probs = predict(model, noise(S))
        assert probs.shape == (1,) and 0 < float(probs) < 1


def test_pooled_features_take_lengths_as_a_list_or_numpy(c):
    waves, lengths = noise(2, S), torch.tensor([S, 2000])
    expected = c.w2v.pooled_features(waves, lengths)
    torch.testing.assert_close(c.w2v.pooled_features(waves, lengths.tolist()), expected, rtol=0, atol=0)
    torch.testing.assert_close(c.w2v.pooled_features(waves, lengths.numpy()), expected, rtol=0, atol=0)


# ----------------------------------------------------------------------------
# Heads and the linear probe

HEADS = [
    case(lambda c: SequenceClassificationHead(True, 3), ValueError, r"hidden_size must be a positive int, got True",
         "seq-head-bool-size"),
    case(lambda c: WeightedLayerSum(True), ValueError, r"num_layers must be a positive int, got True", "layer-sum-bool"),
    case(lambda c: SequenceClassificationHead(8, 3)(torch.zeros(2, 5, 6)), ValueError,
         r"hidden_states have width 6 \(last axis\) but the head was built for hidden_size=8", "seq-head-width"),
    case(lambda c: FrameClassificationHead(8, 3)(torch.zeros(2, 5, 6)), ValueError,
         r"hidden_states have width 6 .* hidden_size=8", "frame-head-width"),
    case(lambda c: FrameClassificationHead(8, 3).loss(torch.zeros(2, 4, 3), torch.tensor([[0, 1, 2, 5]] * 2)),
         ValueError, r"frame target 5 is out of range for 3 classes", "frame-loss-index-too-large"),
    case(lambda c: FrameClassificationHead(8, 3).loss(torch.zeros(2, 4, 3), torch.tensor([[0, 1, 2, -1]] * 2)),
         ValueError, r"frame target -1 is out of range", "frame-loss-index-negative"),
    case(lambda c: FrameClassificationHead(8, 3).loss(torch.zeros(2, 4, 3), torch.zeros(2, 4, dtype=torch.bool)),
         ValueError, r"single-label targets must be class indices .*torch\.bool", "frame-loss-bool"),
    case(lambda c: FrameClassificationHead(8, 3, multi_label=True).loss(torch.zeros(2, 4, 3), 2 * torch.ones(2, 4, 3)),
         ValueError, r"multi-label targets must lie in \[0, 1\].*from 2\.0 to 2\.0", "frame-loss-multi-hot-2"),
    case(lambda c: FrameClassificationHead(8, 3, multi_label=True).loss(torch.zeros(2, 4, 3),
                                                                        torch.full((2, 4, 3), NAN)),
         ValueError, r"multi-label targets must lie in \[0, 1\]", "frame-loss-multi-hot-nan"),
    case(lambda c: train_linear_probe(torch.randn(4, 2), torch.tensor([0, 1, 0, 1]), 2, l2="0.1"), ValueError,
         r"l2 must be >= 0 \(a finite number; 0: no penalty\), got '0\.1'", "probe-l2-string"),
    case(lambda c: train_linear_probe(torch.tensor([[NAN, 1.0], [0, 1], [1, 0], [1, 1]]), torch.tensor([0, 1, 0, 1]), 2),
         ValueError, r"features contain NaN or Inf", "probe-nan-features"),
]


@pytest.mark.parametrize("call, exc, pattern", HEADS)
def test_heads_refuse(c, call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call(c)


def test_heads_and_probe_take_numpy_integers():
    assert SequenceClassificationHead(np.int64(8), np.int64(3), proj_size=np.int32(4)).classifier.out_features == 3
    features, targets = torch.randn(6, 2, generator=torch.Generator().manual_seed(0)), torch.tensor([0, 1] * 3)
    torch.testing.assert_close(train_linear_probe(features, targets, np.int64(2), max_iter=np.int64(50)).weight,
                               train_linear_probe(features, targets, 2, max_iter=50).weight, rtol=0, atol=0)


def test_a_two_class_frame_head_takes_true_false_frames_as_class_one_and_zero():
    head = FrameClassificationHead(8, 2)
    logits = torch.randn(2, 4, 2, generator=torch.Generator().manual_seed(0))
    speech = torch.tensor([[True, False, True, True], [False, False, True, False]])  # (B, T): speech or silence
    torch.testing.assert_close(head.loss(logits, speech), head.loss(logits, speech.long()), rtol=0, atol=0)


def test_log_mel_takes_a_numpy_bool_for_center():
    assert LogMel(center=np.True_).center is True


# ----------------------------------------------------------------------------
# Checkpoints: unusual labels survive the round trip

UNUSUAL = ["chien qui aboie", "chat 🐱", "Straße", "狗", " spaced "]


@pytest.mark.parametrize("multi_label", [False, True])
@pytest.mark.parametrize("name", list(CLASSIFIERS))
def test_checkpoints_round_trip_unusual_labels(tmp_path, name, multi_label):
    labels = ["only one ✓"] if multi_label else UNUSUAL
    torch.manual_seed(0)
    model = CLASSIFIERS[name](labels, multi_label=multi_label).eval()
    loaded = load_classifier(save_classifier(model, tmp_path / name))
    assert type(loaded) is type(model) and loaded.labels == labels and loaded.multi_label is multi_label
    x = noise(2, S)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), model(x), rtol=0, atol=0)


def test_checkpoint_folders_expand_the_home_folder(tmp_path, monkeypatch):
    """"~/runs/cnn" is the home folder's runs/cnn, as in a shell, not a folder named "~" where the notebook runs."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    model = CLASSIFIERS["cnn"](["a", "b"]).eval()
    assert save_classifier(model, "~/runs/cnn") == tmp_path / "home" / "runs" / "cnn"
    assert not (tmp_path / "~").exists()
    assert load_classifier("~/runs/cnn").labels == ["a", "b"]


# ----------------------------------------------------------------------------
# Metrics, frames and post-processing

SCORING = [
    case(lambda c: accuracy(torch.tensor([[NAN, 0.1], [0.2, 0.9]]), [0, 1]), ValueError,
         r"predictions contains 1 NaN or Inf values", "accuracy-nan-scores"),
    case(lambda c: accuracy(torch.tensor([0.0, INF]), [0, 1]), ValueError, r"predictions contains 1 NaN or Inf",
         "accuracy-inf-index"),
    case(lambda c: accuracy(PROBS[:, :2], [0, 1, 5]), ValueError,
         r"targets hold class index 5 but predictions are scores for 2 classes \(indices 0\.\.1\)",
         "accuracy-target-outside-the-scores"),
    case(lambda c: accuracy([0, 1, 3], PROBS), ValueError, r"predictions hold class index 3 but targets are scores for 3",
         "accuracy-prediction-outside-the-scores"),
    case(lambda c: frame_scores(PROBS, PROBS > 0.5, LABELS, threshold="0.5"), TypeError,
         r"threshold must be a number, got str", "frame-scores-threshold-string"),
    case(lambda c: frame_labels_to_events(PROBS, 0.02, LABELS, threshold=None), TypeError,
         r"threshold must be a number, got NoneType", "to-events-threshold-None"),
    case(lambda c: diarization_error_rate(PROBS, PROBS, threshold=NAN), ValueError, r"threshold must be a finite number",
         "der-threshold-nan"),
    case(lambda c: event_scores_over_clips(EV, EV, LABELS), ValueError,
         r"estimated_per_clip\[0\] is a single event, not a clip's list of events", "events-over-clips-one-clip"),
    case(lambda c: event_scores(EV[0], EV, LABELS), ValueError,
         r"estimated: events as a mapping hold lists .* got a single event .*wrap it in a list", "events-single-dict"),
    case(lambda c: collar_mask(torch.zeros(4, 2, dtype=torch.bool), "2"), TypeError,
         r"collar_frames must be a number, got str", "collar-string"),
    case(lambda c: collar_mask(torch.zeros(4), 2), ValueError, r"reference must be speaker activity \(\.\.\., frames, "
                                                               r"speakers\), got shape \(4,\)", "collar-1d"),
    case(lambda c: tune_postprocess(PROBS, [EV], 0.02, LABELS), ValueError,
         r"probs must be \(clips, frames, classes\), got shape \(3, 3\); for one clip use probs\[None\]",
         "tune-one-clip"),
    case(lambda c: tune_postprocess(PROBS[None], [EV], 0.02, LABELS, grid=[{"medain": 3}]), ValueError,
         r"grid\[0\] has unknown setting\(s\) \['medain'\]; postprocess takes \['median'", "tune-grid-misspelt"),
    case(lambda c: tune_postprocess(PROBS[None], [EV], 0.02, LABELS, grid=[3]), TypeError,
         r"grid\[0\] must be a dict of postprocess settings, got int", "tune-grid-not-dicts"),
]


@pytest.mark.parametrize("call, exc, pattern", SCORING)
def test_scoring_refuses(c, call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call(c)


def test_scoring_takes_numpy_classes_and_empty_grids():
    grid = events_to_frame_labels(EV, 20, 0.02, np.array(LABELS))  # classes as a numpy array (np.unique)
    torch.testing.assert_close(grid, events_to_frame_labels(EV, 20, 0.02, LABELS))
    torch.testing.assert_close(median_filter(PROBS, np.int64(3)), median_filter(PROBS, 3))
    none = torch.zeros(0, 2, dtype=torch.bool)  # no frames at all: nothing to get wrong
    assert diarization_error_rate(none, none)["der"] == 0.0
    reference = np.zeros((6, 2), dtype=bool)
    reference[2:4, 0] = True
    assert collar_mask(reference, 2).tolist() == collar_mask(torch.from_numpy(reference), 2).tolist()  # numpy works


# ----------------------------------------------------------------------------
# Inference

INFERENCE = [
    case(lambda c: sliding_window_predict(c.cnn, noise(3 * S), sample_rate=SR, batch_size=True), ValueError,
         r"batch_size must be a positive int, got True", "windows-batch-bool"),
    case(lambda c: sliding_window_predict(c.cnn, noise(3 * S), sample_rate=SR, hop_seconds=1e-6), ValueError,
         r"hop_seconds=1e-06 is less than one sample at 16000 Hz", "windows-hop-below-one-sample"),
    case(lambda c: sliding_window_predict(c.cnn, None, sample_rate=SR), TypeError,
         r"expected a file path, a mono waveform \(tensor or array\) or an audio dict .* got NoneType", "windows-None"),
    case(lambda c: sliding_window_predict(c.cnn, ["a"] * S, sample_rate=SR), TypeError,
         r"waveform must hold numbers, got a numpy array of dtype <U1", "windows-list-of-strings"),
    case(lambda c: predict(c.cnn, noise(S, 2).numpy()), ValueError,
         r"got shape \(4000, 2\): stereo\? mix it down first, e\.g\. waveform\.mean\(1\)", "predict-channels-last-hint"),
    case(lambda c: predict_frame_probabilities(c.frames, noise(2, S).numpy()), TypeError,
         r"waveforms must be a torch tensor \(batch, samples\), got ndarray", "frames-numpy"),
    case(lambda c: predict_frame_probabilities(c.frames, noise(S)), ValueError,
         r"got shape \(4000,\); for one clip use waveform\[None\]", "frames-one-clip"),
    case(lambda c: aggregate(torch.tensor([[NAN, 0.5], [0.2, 0.8]])), ValueError, r"probs contains 1 NaN or Inf",
         "aggregate-nan"),
    case(lambda c: aggregate(PROBS, torch.tensor([1.0, NAN, 1.0])), ValueError,
         r"weights must be \(3,\), non-negative, finite", "aggregate-nan-weight"),
]


@pytest.mark.parametrize("call, exc, pattern", INFERENCE)
def test_inference_refuses(c, call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call(c)


def test_sliding_windows_take_a_numpy_batch_size(c):
    wave = noise(3 * S)
    expected = sliding_window_predict(c.cnn, wave, sample_rate=SR, batch_size=2)
    got = sliding_window_predict(c.cnn, wave, sample_rate=SR, batch_size=np.int64(2))
    torch.testing.assert_close(got.probs, expected.probs, rtol=0, atol=0)


# ----------------------------------------------------------------------------
# Augmentation

AUGMENT = [
    case(lambda c: A.MixUp(3)(noise(2, S).numpy(), torch.tensor([0, 1])), TypeError,
         r"MixUp takes a batch tensor \(batch, \.\.\.\), got ndarray", "MixUp-numpy"),
    case(lambda c: A.MixUp(3)(noise(2, S), torch.full((2, 4), 0.25)), ValueError,
         r"soft labels must be \(batch, num_classes\) = \(2, 3\), got \(2, 4\)", "MixUp-soft-labels-width"),
    case(lambda c: A.RandomApply("gain", p=0.5), TypeError, r"transform must be callable .* got str",
         "RandomApply-not-callable"),
    case(lambda c: A.RandomApply(A.Augment(A.gain, gain_db=3.0))(noise(2, S).numpy()), TypeError,
         r"RandomApply takes a batch tensor .* got ndarray", "RandomApply-numpy"),
    case(lambda c: A.Augment(A.gain, gain=3.0), TypeError,
         r"Augment\(gain, \.\.\.\): got an unexpected keyword argument 'gain'; its parameters are \['waveform', 'gain_db'",
         "Augment-misspelt-parameter"),
    case(lambda c: A.Augment(A.gain, seed="0", gain_db=3.0), TypeError, r"seed must be an int, got '0'",
         "Augment-seed-string"),
    case(lambda c: A.reseed([A.Augment(A.gain, gain_db=3.0)], "1"), TypeError, r"run must be an int, got '1'",
         "reseed-run-string"),
    case(lambda c: A.colored_noise((2, 0), "pink"), ValueError, r"shape must be a tuple of positive ints.*\(2, 0\)",
         "colored-noise-no-samples"),
]


@pytest.mark.parametrize("call, exc, pattern", AUGMENT)
def test_augmentation_refuses(c, call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call(c)


def test_colored_noise_of_one_clip():
    g = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    torch.testing.assert_close(A.colored_noise(1000, "pink", generator=g()),
                               A.colored_noise((1, 1000), "pink", generator=g())[0])
