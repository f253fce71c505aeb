"""Hostile calls at every public boundary (issue #14): each one is refused with the right exception
and a message that names the argument and the problem, or, for reasonable but unusual input
(float64, numpy, int32 targets, class names, stereo files, short clips, other sample rates), gives
the right result.

The cases are grouped by area: audio I/O, features, models, training, checkpoints, data folders,
frames / post-processing / metrics, long audio (inference) and augmentation. A case is
`(call, exception, regex)`: `call(c)` gets the shared context `c` (tiny models built once, files
written once to a temporary folder) and must raise `exception` with a message matching `regex`.
Models are the tiny defaults on 0.25-s clips, so the whole file runs in well under a minute.
"""

from __future__ import annotations

import json
import shutil
from functools import cached_property
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
import torch.nn.functional as F
from datasets import ClassLabel, DatasetDict, Value

from course_utils import augment as A
from course_utils import features as FT
from course_utils.audio import (AudioFileNotFoundError, check_sample_rate, load_audio, resample, save_audio,
                                validate_waveform)
from course_utils.baseline import average_spectrum_baseline, time_averaged_log_mel
from course_utils.checkpoints import load_classifier, save_classifier
from course_utils.data import (clip_tensors, load_audiofolder, make_clip, make_clip_dataset, make_scene,
                               per_class_subset, save_audiofolder, scene_tensors, select_classes)
from course_utils.data.tables import build_dataset
from course_utils.fast_features import ASTFeatures, LogMel
from course_utils.frames import events_to_frame_labels, frame_labels_to_events, positive_weights, runs, time_to_frame
from course_utils.inference import (aggregate, as_source, chunked_frame_predict, predict, predict_frame_probabilities,
                                    sliding_window_predict, window_starts)
from course_utils.metrics import accuracy, confusion_matrix, diarization_error_rate, event_scores, macro_f1
from course_utils.models.ast import ASTClassifier
from course_utils.models.base import classification_loss, label_indices
from course_utils.models.cnn import ImageModelClassifier, SpectrogramCNN
from course_utils.models.heads import (FrameClassificationHead, SequenceClassificationHead, WeightedLayerSum,
                                       lengths_to_mask, masked_mean_pool, train_linear_probe)
from course_utils.models.wav2vec2 import Wav2Vec2Classifier, Wav2Vec2FrameClassifier
from course_utils.postprocess import fill_gaps, hysteresis, median_filter, postprocess, remove_short, tune_postprocess
from course_utils.train import as_dataset, evaluate, fit

SR, S = 16000, 4000  # 0.25-s clips at 16 kHz
LABELS = ["dog", "cat", "rain"]
NAN, INF = float("nan"), float("inf")
CLASSIFIERS = {
    "cnn": lambda: SpectrogramCNN(LABELS, sample_rate=SR, num_samples=S),
    "image": lambda: ImageModelClassifier(LABELS, {"n_mels": 32}, sample_rate=SR, num_samples=S),
    "ast": lambda: ASTClassifier(LABELS, {"num_hidden_layers": 1}, sample_rate=SR, num_samples=S),
    "w2v": lambda: Wav2Vec2Classifier(LABELS, {"num_hidden_layers": 1}, sample_rate=SR, num_samples=S),
    "w2v_frames": lambda: Wav2Vec2FrameClassifier(LABELS, {"num_hidden_layers": 1}, sample_rate=SR, num_samples=S),
}
CLIP_MODELS = ["cnn", "image", "ast", "w2v"]


def noise(*shape, seed=0, scale=0.1):
    return scale * torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


class Context:
    """Everything the cases need, built on first use and shared by the whole module."""

    def __init__(self, root: Path):
        self.root = root

    def model(self, name):
        cache = self.__dict__.setdefault("_models", {})
        if name not in cache:
            torch.manual_seed(0)
            cache[name] = CLASSIFIERS[name]().eval()
        return cache[name]

    cnn = property(lambda self: self.model("cnn"))
    ast = property(lambda self: self.model("ast"))
    w2v = property(lambda self: self.model("w2v"))
    frames = property(lambda self: self.model("w2v_frames"))

    @cached_property
    def waves(self):  # (6, S) and their targets
        return noise(6, S), torch.tensor([0, 1, 2, 0, 1, 2])

    def file(self, name, data, rate=SR, **kwargs) -> Path:
        path = self.root / "files" / name
        path.parent.mkdir(exist_ok=True)
        if not path.exists():
            sf.write(path, data, rate, **kwargs)
        return path

    @cached_property
    def mono(self):
        return self.file("mono.wav", noise(S).numpy())

    @cached_property
    def stereo(self):
        left, right = noise(S, seed=1).numpy(), noise(S, seed=2).numpy()
        return self.file("stereo.wav", np.stack([left, right], axis=1), subtype="FLOAT")

    @cached_property
    def empty_wav(self):
        return self.file("empty.wav", np.zeros(0, dtype=np.float32))

    @cached_property
    def not_audio(self):
        path = self.root / "files" / "notes.wav"
        path.parent.mkdir(exist_ok=True)
        path.write_text("this is text, not audio")
        return path

    @cached_property
    def folder(self):
        path = self.root / "a_folder"
        path.mkdir(exist_ok=True)
        return path

    def new_path(self, kind, name) -> Path:
        """An unused path under the module's folder: every case works on its own copy."""
        self.count = getattr(self, "count", 0) + 1
        return self.root / kind / f"{name}-{self.count}"

    def fresh(self, name) -> Path:
        path = self.new_path("fresh", name)
        path.mkdir(parents=True)
        return path

    # -- datasets -------------------------------------------------------------------------
    def split(self, rate=SR, names=LABELS, n=6, seconds=0.25):
        waves = [noise(int(seconds * rate), seed=i).numpy() for i in range(n)]
        return build_dataset(waves, rate, {"label": [i % len(names) for i in range(n)],
                                           "clip_id": [f"clip{i}" for i in range(n)]},
                             {"label": ClassLabel(names=names), "clip_id": Value("string")})

    @cached_property
    def audiofolder(self) -> Path:
        """A saved two-split folder (metadata.csv layout) to copy and break."""
        return save_audiofolder(DatasetDict({"train": self.split(), "test": self.split(n=3)}), self.root / "af")

    def broken_folder(self, name, edit) -> Path:
        path = self.new_path("broken", name)
        shutil.copytree(self.audiofolder, path)
        edit(path)
        return path

    # -- checkpoints ----------------------------------------------------------------------
    @cached_property
    def saved(self) -> dict:
        return {name: save_classifier(self.model(name), self.root / "ckpt" / name) for name in ("cnn", "ast", "w2v")}

    def broken_checkpoint(self, name, file, edit) -> Path:
        """A copy of a saved checkpoint whose `file` went through `edit(text) -> text`."""
        path = self.new_path("broken_ckpt", name)
        shutil.copytree(self.saved[name], path)
        (path / file).write_text(edit((path / file).read_text()))
        return path


@pytest.fixture(scope="module")
def c(tmp_path_factory):
    return Context(tmp_path_factory.mktemp("bad_input"))


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


def case(call, exc, pattern, id):
    return pytest.param(call, exc, pattern, id=id)


def check(c, call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call(c)


def json_edit(change):
    """An edit that parses the JSON, lets `change(obj)` modify it in place, and writes it back."""
    def edit(text):
        obj = json.loads(text)
        change(obj)
        return json.dumps(obj)
    return edit


# ----------------------------------------------------------------------------
# Audio I/O: load_audio, save_audio, resample, validate_waveform, check_sample_rate

AUDIO = [
    case(lambda c: load_audio(c.root / "missing.wav"), AudioFileNotFoundError, r"audio file not found: .*missing\.wav",
         "load-missing-file"),
    case(lambda c: load_audio(c.root / "missing.wav"), FileNotFoundError, r"missing\.wav",
         "load-missing-is-FileNotFoundError"),
    case(lambda c: load_audio(c.folder), ValueError, r"a_folder.* is a folder, not an audio file.*load_audiofolder",
         "load-folder-not-file"),
    case(lambda c: load_audio(None), TypeError, r"audio file path must be a str or pathlib\.Path, got NoneType",
         "load-None-path"),
    case(lambda c: load_audio(3), TypeError, r"path must be a str or pathlib\.Path, got int 3", "load-int-path"),
    case(lambda c: load_audio(c.not_audio), ValueError, r"cannot read audio file .*notes\.wav.*WAV, FLAC and OGG",
         "load-text-file"),
    case(lambda c: load_audio(c.empty_wav), ValueError, r"empty\.wav.* is empty: it has no samples", "load-empty-file"),
    case(lambda c: load_audio(c.mono, sample_rate=0), ValueError, r"sample_rate must be positive, got 0", "load-rate-0"),
    case(lambda c: load_audio(c.mono, sample_rate=-16000), ValueError, r"sample_rate must be positive, got -16000",
         "load-rate-negative"),
    case(lambda c: load_audio(c.mono, sample_rate=16000.5), ValueError, r"sample_rate must be a whole number.*16000\.5",
         "load-rate-fraction"),
    case(lambda c: load_audio(c.mono, sample_rate="16k"), ValueError, r"sample_rate must be a positive integer.*'16k'",
         "load-rate-string"),
    case(lambda c: load_audio(c.mono, sample_rate=NAN), ValueError, r"sample_rate must be a whole number.*nan",
         "load-rate-nan"),
    case(lambda c: load_audio(c.mono, sample_rate=True), ValueError, r"sample_rate must be a positive integer.*True",
         "load-rate-bool"),
    case(lambda c: save_audio(None, noise(S), SR), TypeError, r"path must be a str or pathlib\.Path, got NoneType",
         "save-None-path"),
    case(lambda c: save_audio(c.folder, noise(S), SR), ValueError, r"is a folder: save_audio needs a file name in it",
         "save-into-folder-path"),
    case(lambda c: save_audio(c.root / "x.mp4", noise(S), SR), ValueError, r"cannot tell the audio format from 'x\.mp4'",
         "save-unknown-suffix"),
    case(lambda c: save_audio(c.root / "x.wav", (noise(S) * 32768).short(), SR), ValueError,
         r"waveform must be float .*torch\.int16; for 16-bit PCM divide by 32768", "save-int16-pcm"),
    case(lambda c: save_audio(c.root / "x.wav", torch.full((S,), NAN), SR), ValueError,
         r"waveform contains 4000 NaN or Inf samples", "save-nan"),
    case(lambda c: save_audio(c.root / "x.wav", torch.zeros(0), SR), ValueError, r"waveform is empty", "save-empty"),
    case(lambda c: save_audio(c.root / "x.wav", noise(2, 2, S), SR), ValueError,
         r"must have 1 \(samples,\) or 2 \(batch, samples\) dimensions, got shape \(2, 2, 4000\)", "save-3d"),
    case(lambda c: save_audio(c.root / "x.wav", noise(S, 2), SR), ValueError,
         r"looks like \(samples, channels\).*waveform\.T",
         "save-samples-by-channels"),
    case(lambda c: save_audio(c.root / "x.wav", 2 * torch.ones(S), SR), ValueError,
         r"peaks at 2\.000 > 1\.0 .*subtype='FLOAT'",
         "save-clipping"),
    case(lambda c: save_audio(c.root / "x.wav", noise(S), SR, subtype="MP3"), ValueError,
         r"subtype 'MP3' is not valid for WAV", "save-bad-subtype"),
    case(lambda c: save_audio(c.root / "x.wav", noise(S), 0), ValueError, r"sample_rate must be positive, got 0",
         "save-rate-0"),
    case(lambda c: resample(torch.tensor([0.0, NAN, 0.1] * 100), SR, 8000), ValueError,
         r"waveform contains 100 NaN or Inf samples \(of 300\)",
         "resample-nan"),
    case(lambda c: resample(torch.ones(100, dtype=torch.int16), SR, 8000), ValueError,
         r"waveform must hold floating-point samples, got dtype torch\.int16", "resample-int16"),
    case(lambda c: resample(np.ones(100, dtype=np.complex64), SR, 8000), TypeError, r"real numbers.*complex64",
         "resample-complex"),
    case(lambda c: resample(torch.zeros(0), SR, 8000), ValueError, r"waveform is empty.*nothing to resample",
         "resample-empty"),
    case(lambda c: resample(noise(S), 0, 8000), ValueError, r"orig_sr must be positive, got 0", "resample-orig-0"),
    case(lambda c: resample(noise(S), SR, -1), ValueError, r"new_sr must be positive, got -1", "resample-new-negative"),
    case(lambda c: resample("abc", SR, 8000), TypeError, r"waveform must be a torch\.Tensor or numpy array, got str",
         "resample-string"),
    case(lambda c: validate_waveform(torch.zeros(S, dtype=torch.complex64)), ValueError, r"waveform is complex.*take \.real",
         "validate-complex-tensor"),
    case(lambda c: validate_waveform([0.1, 0.2]), TypeError, r"got list; convert a list with torch\.tensor",
         "validate-list"),
    case(lambda c: validate_waveform(torch.tensor(0.5)), ValueError, r"must have 1 \(samples,\) dimensions, got shape \(\)",
         "validate-scalar"),
    case(lambda c: validate_waveform(noise(2, S)), ValueError, r"shape \(2, 4000\); for stereo, mix to mono.*mean\(0\)",
         "validate-stereo-for-mono"),
    case(lambda c: validate_waveform(noise(3, 1, S), allow_batch=True), ValueError, r"squeeze\(1\)",
         "validate-channel-dim"),
    case(lambda c: validate_waveform(np.ones(S, dtype=bool)), ValueError, r"must be float .*torch\.bool", "validate-bool"),
    case(lambda c: validate_waveform(np.array(["a", "b"])), TypeError, r"must hold numbers, got a numpy array of dtype <U1",
         "validate-strings"),
    case(lambda c: validate_waveform(torch.tensor([0.0, INF])), ValueError, r"contains 1 NaN or Inf samples.*nan_to_num",
         "validate-inf"),
    case(lambda c: check_sample_rate(44100, 16000), ValueError,
         r"sample_rate is 44100 Hz but 16000 Hz is expected.*resample",
         "rate-mismatch"),
]


@pytest.mark.parametrize("call, exc, pattern", AUDIO)
def test_audio_io_refuses(c, call, exc, pattern):
    check(c, call, exc, pattern)


def test_audio_io_handles_reasonable_input(c):
    stereo = load_audio(c.stereo)  # a stereo file for a mono pipeline: mixed down, the mean of the channels
    data, _ = sf.read(c.stereo, dtype="float32")
    torch.testing.assert_close(stereo, torch.from_numpy(data.mean(axis=1)))
    loud = load_audio(c.mono, sample_rate=8000)  # another rate: resampled to it
    assert loud.shape == (S // 2,) and loud.dtype == torch.float32
    wave = noise(S).double().numpy()  # numpy's default float64 -> float32
    assert validate_waveform(wave).dtype == torch.float32
    path = save_audio(c.root / "f64.flac", wave, SR)
    torch.testing.assert_close(load_audio(path), torch.from_numpy(wave).float(), atol=1 / 32768, rtol=0)
    with pytest.raises(ValueError) as info:  # code written against the older ValueError still catches it
        load_audio(c.root / "nope.wav")
    assert isinstance(info.value, FileNotFoundError)


# ----------------------------------------------------------------------------
# Features: the plain functions and the fast layers

FEATURES = [
    case(lambda c: FT.log_mel_spectrogram(noise(S), n_fft=0), ValueError, r"n_fft must be a positive integer, got 0",
         "n_fft-0"),
    case(lambda c: FT.log_mel_spectrogram(noise(S), hop_length=0), ValueError,
         r"hop_length must be a positive integer, got 0",
         "hop-0"),
    case(lambda c: FT.log_mel_spectrogram(noise(S), hop_length=1.5), ValueError,
         r"hop_length must be a positive integer, got 1\.5",
         "hop-float"),
    case(lambda c: FT.log_mel_spectrogram(noise(S), hop_length=-160), ValueError, r"hop_length .* got -160", "hop-negative"),
    case(lambda c: FT.log_mel_spectrogram(noise(S), n_mels=0), ValueError, r"n_mels must be a positive integer, got 0",
         "n_mels-0"),
    case(lambda c: FT.log_mel_spectrogram(noise(S), n_fft=64, n_mels=128), ValueError,
         r"n_mels=128 is too many.*larger n_fft",
         "n_mels-too-many"),
    case(lambda c: FT.log_mel_spectrogram(noise(S), f_max=12000), ValueError,
         r"f_max=12000.* above the Nyquist frequency 8000",
         "f_max-above-nyquist"),
    case(lambda c: FT.log_mel_spectrogram(noise(S), f_min=-5.0), ValueError, r"f_min=-5\.0 Hz must be >= 0",
         "f_min-negative"),
    case(lambda c: FT.log_mel_spectrogram(noise(S), sample_rate=0), ValueError, r"sample_rate must be positive, got 0",
         "rate-0"),
    case(lambda c: FT.log_mel_spectrogram((noise(S) * 32768).short()), ValueError, r"floating-point .*torch\.int16",
         "int16-input"),
    case(lambda c: FT.log_mel_spectrogram(torch.full((S,), NAN)), ValueError, r"NaN or Inf", "nan-input"),
    case(lambda c: FT.log_mel_spectrogram(noise(2, 1, S)), ValueError, r"shape \(2, 1, 4000\); drop the channel dimension",
         "3d-input"),
    case(lambda c: FT.log_mel_spectrogram(torch.zeros(2, 0)), ValueError, r"empty", "empty-input"),
    case(lambda c: FT.log_mel_spectrogram(noise(100), center=False), ValueError,
         r"n_fft=400 is longer than the clip \(100 samples\) and center=False", "clip-shorter-than-window-uncentred"),
    case(lambda c: FT.log_mel_spectrogram(noise(S), pad_mode="mirror"), ValueError,
         r"pad_mode must be one of \['constant', 'reflect', 'replicate', 'circular'\], got 'mirror'", "pad-mode-unknown"),
    case(lambda c: FT.stft(noise(100), pad_mode="reflect"), ValueError,
         r"needs a clip longer than n_fft // 2 = 200.*'reflect'",
         "reflect-short-clip"),
    case(lambda c: FT.stft(noise(S), window="kaiser"), ValueError, r"window must be one of .* got 'kaiser'",
         "window-unknown"),
    case(lambda c: FT.stft(noise(S), window=torch.ones(10)), ValueError, r"window must have shape \(400,\)",
         "window-length"),
    case(lambda c: FT.stft(noise(S), win_length=512), ValueError, r"win_length=512 must not exceed n_fft=400", "win-length"),
    case(lambda c: FT.log_mel_spectrogram(noise(S), top_db=-1.0), ValueError, r"top_db must be non-negative",
         "top_db-negative"),
    case(lambda c: FT.log_mel_spectrogram(noise(S), top_db=NAN), ValueError, r"top_db must be a finite number",
         "top_db-nan"),
    case(lambda c: FT.log_mel_spectrogram(noise(S), mel_scale="bark"), ValueError, r"mel_scale must be 'htk' or 'slaney'",
         "mel-scale"),
    case(lambda c: FT.log_mel_spectrogram(noise(S), norm="l2"), ValueError, r"norm must be None or 'slaney', got 'l2'",
         "norm"),
    case(lambda c: FT.power_spectrogram(noise(S), power=0), ValueError, r"power must be a positive number", "power-0"),
    case(lambda c: FT.power_to_db(np.ones((4, 4))), TypeError, r"spec must be a torch\.Tensor of powers, got ndarray",
         "power_to_db-numpy"),
    case(lambda c: FT.power_to_db(torch.ones(4, 4), amin=0.0), ValueError, r"amin must be positive", "amin-0"),
    case(lambda c: FT.kaldi_fbank(noise(100)), ValueError, r"100 samples, shorter than one 400-sample frame", "fbank-short"),
    case(lambda c: FT.kaldi_fbank(noise(S), preemphasis=2.0), ValueError, r"preemphasis must be a number in \[0, 1\]",
         "preemphasis"),
    case(lambda c: FT.kaldi_frame_sizes(SR, frame_length_ms=0), ValueError, r"frame_length_ms must be positive",
         "frame-length-0"),
    case(lambda c: FT.kaldi_frame_sizes(SR, frame_shift_ms=INF), ValueError, r"frame_shift_ms must be a finite number",
         "frame-shift-inf"),
    case(lambda c: FT.ast_features(noise(S), std=0.0), ValueError, r"std must be positive", "ast-std-0"),
    case(lambda c: FT.ast_features(noise(2, S), lengths=torch.tensor([S])), ValueError, r"lengths must have shape \(2,\)",
         "ast-lengths-shape"),
    case(lambda c: FT.ast_features(noise(2, S), lengths=torch.tensor([S, 100.0])), ValueError,
         r"lengths must be integer sample counts", "ast-lengths-float"),
    case(lambda c: FT.ast_features(noise(2, S), lengths=torch.tensor([S, S + 1])), ValueError,
         r"lengths must be between 400 \(one frame\) and 4000", "ast-lengths-too-long"),
    case(lambda c: FT.frame_signal([0.0] * 10, 4, 2), TypeError, r"waveform must be a torch\.Tensor .* got list",
         "frame_signal-list"),
    case(lambda c: FT.frame_signal(noise(S), 0, 2), ValueError, r"frame_length must be a positive integer, got 0",
         "frame_signal-frame-0"),
    case(lambda c: FT.frame_signal(noise(10), 400, 160, center=False), ValueError,
         r"frame_length=400 is longer than the clip \(10 samples\)", "frame_signal-too-long"),
    case(lambda c: FT.hz_to_mel(440.0, mel_scale="bark"), ValueError, r"mel_scale must be 'htk' or 'slaney'", "hz_to_mel"),
    case(lambda c: LogMel(n_fft=0), ValueError, r"n_fft must be a positive integer", "LogMel-n_fft-0"),
    case(lambda c: LogMel(sample_rate=-1), ValueError, r"sample_rate must be positive, got -1", "LogMel-rate"),
    case(lambda c: LogMel()((noise(S) * 32768).long()), ValueError, r"floating-point .*torch\.int64", "LogMel-int"),
    case(lambda c: LogMel()("abc"), TypeError, r"waveform must be a torch\.Tensor or numpy array, got str", "LogMel-string"),
    case(lambda c: ASTFeatures(sample_rate=0), ValueError, r"sample_rate must be positive, got 0", "ASTFeatures-rate"),
    case(lambda c: ASTFeatures(mean=NAN), ValueError, r"mean must be a finite number", "ASTFeatures-mean-nan"),
    case(lambda c: ASTFeatures(max_length=0), ValueError, r"max_length must be a positive integer", "ASTFeatures-length"),
    case(lambda c: ASTFeatures()(noise(100)), ValueError, r"shorter than one 400-sample frame", "ASTFeatures-short"),
]


@pytest.mark.parametrize("call, exc, pattern", FEATURES)
def test_features_refuse(c, call, exc, pattern):
    check(c, call, exc, pattern)


def test_features_handle_reasonable_input():
    wave = noise(S)
    single = FT.log_mel_spectrogram(wave)  # (n_mels, frames) for one clip, (batch, n_mels, frames) for a batch
    torch.testing.assert_close(FT.log_mel_spectrogram(wave[None])[0], single)
    as_numpy = FT.log_mel_spectrogram(wave.double().numpy())  # numpy float64: computed in float32
    assert as_numpy.dtype == torch.float32
    torch.testing.assert_close(as_numpy, single)
    assert FT.log_mel_spectrogram(wave.double()).dtype == torch.float64  # a float64 tensor stays float64 (gradcheck)
    torch.testing.assert_close(LogMel()(wave), single, atol=1e-4, rtol=1e-4)
    short = FT.log_mel_spectrogram(noise(100))  # shorter than one window: centred frames are zero-padded
    assert short.shape == (64, 1) and torch.isfinite(short).all()


# ----------------------------------------------------------------------------
# Models: every classifier's forward, loss and constructor

FORWARD = [  # (id, call(model, waves), exception, regex): run on every classifier
    ("one-clip-no-batch", lambda m, x: m(x[0]), ValueError, r"waveforms must be \(batch, samples\), got shape \(4000,\); "
                                                            r"for one clip use waveform\[None\]"),
    ("int16-pcm", lambda m, x: m((x * 32768).short()), ValueError, r"waveforms must be float .*torch\.int16.*32768"),
    ("nan", lambda m, x: m(torch.where(torch.arange(S) == 7, NAN, x)), ValueError, r"waveforms contains 3 NaN or Inf"),
    ("numpy", lambda m, x: m(x.numpy()), TypeError, r"waveforms must be a torch tensor.*got ndarray.*torch\.as_tensor"),
    ("list", lambda m, x: m(x.tolist()), TypeError, r"waveforms must be a torch tensor.*got list"),
    ("stereo-batch", lambda m, x: m(torch.stack([x, x], dim=1)), ValueError,
     r"got shape \(3, 2, 4000\); for stereo, mix to mono first, e\.g\. waveforms\.mean\(1\)"),
    ("channel-dim", lambda m, x: m(x[:, None]), ValueError, r"got shape \(3, 1, 4000\); drop the channel dimension"),
    ("empty", lambda m, x: m(x[:, :0]), ValueError, r"waveforms is empty \(shape \(3, 0\)\)"),
    ("complex", lambda m, x: m(x.to(torch.complex64)), ValueError, r"waveforms is complex"),
    ("lengths-shape", lambda m, x: m(x, torch.tensor([S, S])), ValueError, r"lengths must be integers of shape \(3,\)"),
    ("lengths-too-long", lambda m, x: m(x, torch.tensor([S, S, S + 1])), ValueError, r"lengths must lie in \[1, 4000\]"),
    ("lengths-float", lambda m, x: m(x, torch.tensor([1.0, 2.0, 3.0])), ValueError, r"lengths must be integers.*float32"),
    ("lengths-string", lambda m, x: m(x, "4000"), TypeError,
     r"lengths must be a tensor \(batch,\) of sample counts, got str"),
]


@pytest.mark.parametrize("name", list(CLASSIFIERS))
@pytest.mark.parametrize("call, exc, pattern", [pytest.param(*f[1:], id=f[0]) for f in FORWARD])
def test_every_classifier_refuses_bad_waveforms(c, name, call, exc, pattern):
    model = c.model(name)
    with torch.no_grad(), pytest.raises(exc, match=pattern):
        call(model, noise(3, S))


@pytest.mark.parametrize("name", list(CLASSIFIERS))
def test_every_classifier_reads_float64_and_a_batch_of_one(c, name):
    model, x = c.model(name), noise(2, S)
    with torch.no_grad():
        expected = model(x)
        torch.testing.assert_close(model(x.double()), expected, rtol=0, atol=0)  # numpy's float64: the model's dtype
        torch.testing.assert_close(model(x[:1]), expected[:1], rtol=1e-5, atol=1e-5)  # one clip = waveform[None]


LOSS = [
    case(lambda c: c.cnn.loss(torch.zeros(2, 3), ["dog", "parrot"]), ValueError,
         r"unknown label\(s\) \['parrot'\]; the model's labels are \['dog', 'cat', 'rain'\]", "names-unknown"),
    case(lambda c: c.cnn.loss(torch.zeros(1, 3), "dog"), TypeError, r"single string 'dog'; for one clip write \['dog'\]",
         "one-string"),
    case(lambda c: c.cnn.loss(torch.zeros(2, 3), ["dog", 1]), TypeError, r"mixes class names with other values \(e\.g\. 1\)",
         "names-and-indices"),
    case(lambda c: c.cnn.loss(torch.zeros(2, 3), torch.tensor([0, 3])), ValueError,
         r"target 3 is out of range for 3 classes",
         "index-out-of-range"),
    case(lambda c: c.cnn.loss(torch.zeros(2, 3), torch.tensor([0, -1])), ValueError, r"target -1 is out of range",
         "index-negative"),
    case(lambda c: c.cnn.loss(torch.zeros(2, 3), torch.tensor([0, 1, 2])), ValueError,
         r"logits hold 2 clips but targets hold 3", "batch-mismatch"),
    case(lambda c: c.cnn.loss(torch.zeros(2, 3), torch.tensor([0.0, 1.0])), ValueError,
         r"single-label targets must be integer class indices.*torch\.float32", "float-indices"),
    case(lambda c: c.cnn.loss(torch.zeros(2, 3), torch.tensor([[0.5, 0.6, 0.0], [1.0, 0.0, 0.0]])), ValueError,
         r"class probabilities \(each row sums to 1", "soft-targets-not-distributions"),
    case(lambda c: c.cnn.loss(torch.zeros(2, 3), {"a": 1}), TypeError,
         r"targets must be a tensor of class indices.*got dict",
         "dict-targets"),
    case(lambda c: c.cnn.loss(torch.zeros(2), torch.tensor([0, 1])), ValueError,
         r"logits must be a float tensor \(batch, classes\)",
         "logits-1d"),
    case(lambda c: classification_loss(torch.zeros(2, 3), torch.tensor([[0, 2, 1], [1, 0, 0]]), multi_label=True),
         ValueError,
         r"multi-label targets must lie in \[0, 1\].*from 0 to 2", "multi-hot-out-of-range"),
    case(lambda c: classification_loss(torch.zeros(2, 3), torch.tensor([0, 1]), multi_label=True), ValueError,
         r"multi-label targets must be multi-hot with the logits' shape \(2, 3\)", "multi-label-indices"),
    case(lambda c: classification_loss(torch.zeros(2, 3), ["dog", "cat"]), TypeError,
         r"targets are class names.*call model\.loss\(logits, names\)", "bare-loss-names"),
    case(lambda c: c.frames.loss(torch.zeros(1, 4, 3), [["dog", "cat", "owl", "dog"]]), ValueError,
         r"unknown label\(s\) \['owl'\]", "frame-names-unknown"),
    case(lambda c: FrameClassificationHead(8, 3).loss(torch.zeros(1, 4, 3), [["dog"] * 4]), TypeError,
         r"frame targets are class names.*label_indices", "frame-head-names"),
    case(lambda c: label_indices("dog", LABELS), TypeError, r"one class name per clip", "label_indices-string"),
]


@pytest.mark.parametrize("call, exc, pattern", LOSS)
def test_losses_refuse(c, call, exc, pattern):
    check(c, call, exc, pattern)


@pytest.mark.parametrize("name", list(CLASSIFIERS))
def test_every_loss_maps_class_names_through_the_labels(c, name):
    model = c.model(name)
    g = torch.Generator().manual_seed(3)
    if getattr(model, "frame_level", False):
        logits, index = torch.randn(2, 5, 3, generator=g), torch.randint(0, 3, (2, 5), generator=g)
        names = [[LABELS[i] for i in row] for row in index.tolist()]
    else:
        logits, index = torch.randn(4, 3, generator=g), torch.tensor([2, 0, 1, 2])
        names = [LABELS[i] for i in index.tolist()]
    expected = model.loss(logits, index)
    torch.testing.assert_close(model.loss(logits, names), expected, rtol=0, atol=0)
    torch.testing.assert_close(model.loss(logits, np.array(names)), expected, rtol=0, atol=0)  # numpy strings too
    torch.testing.assert_close(model.loss(logits, index.int().numpy()), expected, rtol=0, atol=0)  # int32 numpy indices


BUILD = [
    case(lambda c: SpectrogramCNN(LABELS, {"channels": ()}), ValueError, r"channels must list at least one conv block",
         "cnn-no-blocks"),
    case(lambda c: SpectrogramCNN(LABELS, {"channels": 16}), ValueError,
         r"channels must be a list of conv block widths.*got 16",
         "cnn-channels-int"),
    case(lambda c: SpectrogramCNN(LABELS, {"channels": (8, 0)}), ValueError, r"channels\[1\] must be a positive int, got 0",
         "cnn-zero-channels"),
    case(lambda c: SpectrogramCNN(LABELS, {"n_mels": 20}), ValueError, r"n_mels=20 must be divisible by 2\*\*3",
         "cnn-n_mels-not-divisible"),
    case(lambda c: SpectrogramCNN(LABELS, {"pooling": "max"}), ValueError, r"pooling must be 'global' or 'time', got 'max'",
         "cnn-pooling"),
    case(lambda c: SpectrogramCNN(LABELS, {"dropout": 2.0}), ValueError, r"dropout.*2\.0", "cnn-dropout"),
    case(lambda c: SpectrogramCNN(LABELS, {"hop_length": 0}), ValueError, r"hop_length must be a positive integer",
         "cnn-hop-0"),
    case(lambda c: SpectrogramCNN(LABELS, [("n_mels", 32)]), TypeError, r"SpectrogramCNN config must be None or a dict",
         "cnn-config-list"),
    case(lambda c: SpectrogramCNN(LABELS, num_samples=S)(noise(2, 1000)), ValueError,
         r"4 frames is too short for this CNN.*at least 8 frames.*pad the clip", "cnn-clip-too-short"),
    case(lambda c: ASTClassifier(LABELS, num_samples=300), ValueError,
         r"num_samples=300 is shorter than one 400-sample fbank",
         "ast-num-samples"),
    case(lambda c: ASTClassifier(LABELS, {"hidden_size": 30}), ValueError,
         r"hidden_size=30 is not divisible by num_attention_heads=4",
         "ast-heads"),
    case(lambda c: ASTClassifier(LABELS, {"num_mel_bin": 64}), ValueError,
         r"unknown ASTConfig setting\(s\) \['num_mel_bin'\]",
         "ast-misspelt"),
    case(lambda c: ASTClassifier(LABELS, mean=NAN), ValueError, r"mean must be a finite number", "ast-mean-nan"),
    case(lambda c: c.ast(noise(2, 300)), ValueError, r"shorter than one 400-sample frame.*pad the clip",
         "ast-clip-too-short"),
    case(lambda c: Wav2Vec2Classifier(LABELS, num_samples=100), ValueError,
         r"num_samples=100 is shorter than the encoder's receptive field of 325 samples", "w2v-num-samples"),
    case(lambda c: Wav2Vec2Classifier(LABELS, "tiny"), TypeError, r"config must be None, a dict of overrides or a "
                                                                  r"transformers\.Wav2Vec2Config, got str",
                                                                  "w2v-config-str"),
    case(lambda c: c.w2v.pooled_features(noise(2, S).numpy()), TypeError, r"waveforms must be a torch tensor \(N, samples\)",
         "w2v-pooled-numpy"),
    case(lambda c: c.w2v.pooled_features(noise(2, S), batch_size=0), ValueError, r"batch_size must be a positive int, got 0",
         "w2v-pooled-batch-0"),
    case(lambda c: c.w2v(noise(2, 200)), ValueError, r"a clip of 200 samples is shorter than the feature encoder's "
                                                     r"receptive field of 325 samples.*pad it", "w2v-clip-too-short"),
    case(lambda c: SpectrogramCNN(("dog", "dog")), ValueError,
         r"labels must be distinct, but \['dog'\] appear more than once",
         "duplicate-labels"),
    case(lambda c: SpectrogramCNN(["dog", ""]), TypeError, r"labels must be non-empty strings.*\[''\]", "empty-label"),
    case(lambda c: SpectrogramCNN(LABELS, sample_rate=44100.0), ValueError,
         r"sample_rate must be a positive int, got 44100\.0",
         "float-sample-rate"),
]


@pytest.mark.parametrize("call, exc, pattern", BUILD)
def test_model_settings_refuse(c, call, exc, pattern):
    check(c, call, exc, pattern)


# ----------------------------------------------------------------------------
# Training: fit, evaluate, as_dataset

def fit1(c, data, val=None, **kwargs):
    """fit the shared CNN for one epoch on the CPU (every case here fails before a step is taken)."""
    return fit(c.cnn, data, val, epochs=kwargs.pop("epochs", 1), device=kwargs.pop("device", "cpu"), **kwargs)


TRAINING = [
    case(lambda c: fit1(c, c.waves, epochs=0), ValueError, r"epochs must be a positive int \(passes over .*\), got 0",
         "epochs-0"),
    case(lambda c: fit1(c, c.waves, epochs=1.5), ValueError, r"epochs must be a positive int.*got 1\.5", "epochs-float"),
    case(lambda c: fit1(c, c.waves, epochs=True), ValueError, r"epochs must be a positive int.*got True", "epochs-bool"),
    case(lambda c: fit1(c, c.waves, batch_size=0), ValueError, r"batch_size must be a positive int.*got 0", "batch-size-0"),
    case(lambda c: fit1(c, c.waves, batch_size="32"), ValueError, r"batch_size must be a positive int.*got '32'",
         "batch-size-string"),
    case(lambda c: fit1(c, c.waves, lr=-1e-3), ValueError, r"lr must be >= 0, got -0\.001", "lr-negative"),
    case(lambda c: fit1(c, c.waves, lr=NAN), ValueError, r"lr must be a finite number, got nan", "lr-nan"),
    case(lambda c: fit1(c, c.waves, lr="1e-3"), TypeError, r"lr must be a number, got str", "lr-string"),
    case(lambda c: fit1(c, c.waves, weight_decay=-0.1), ValueError, r"weight_decay must be >= 0", "weight-decay-negative"),
    case(lambda c: fit1(c, c.waves, c.waves, patience=0), ValueError, r"patience must be a positive int.*got 0",
         "patience-0"),
    case(lambda c: fit1(c, c.waves, max_seconds=-1.0), ValueError, r"max_seconds must be >= 0", "max-seconds-negative"),
    case(lambda c: fit1(c, c.waves, max_seconds=NAN), ValueError, r"max_seconds must be a finite number", "max-seconds-nan"),
    case(lambda c: fit1(c, c.waves, loss_fn=3), TypeError, r"loss_fn must be a function \(or None\), got int",
         "loss-fn-int"),
    case(lambda c: fit1(c, c.waves, augment="noise"), TypeError, r"augment must be a function \(or None\), got str",
         "augment-string"),
    case(lambda c: fit1(c, c.waves, optimizer="adam"), TypeError, r"optimizer must be a torch\.optim\.Optimizer",
         "optimizer-str"),
    case(lambda c: fit1(c, c.waves, device="gpu"), ValueError, r"device 'gpu' was asked for, which is not a device name",
         "device-name"),
    case(lambda c: fit1(c, (c.waves[0], ["dog", "cat", "owl", "dog", "cat", "rain"])), ValueError,
         r"train_data targets: unknown label\(s\) \['owl'\]; the model's labels are \['dog', 'cat', 'rain'\]",
         "names-unknown"),
    case(lambda c: fit1(c, (c.waves[0][:1], "dog")), TypeError, r"the single string 'dog'; for one clip write \['dog'\]",
         "one-string-target"),
    case(lambda c: fit1(c, (c.waves[0][:2], ["dog", 2])), TypeError, r"mixes class names with other values",
         "names-and-ints"),
    case(lambda c: fit1(c, (c.waves[0][:2], [["dog"], ["dog", "cat"]])), TypeError,
         r"lists of class names of different lengths.*multi-hot targets \(N, C\) for a multi-label model", "ragged-names"),
    case(lambda c: fit1(c, ([np.zeros(S), np.zeros(S // 2)], [0, 1])), ValueError,
         r"waveforms cannot be turned into one tensor.*clips of different lengths\? pad them", "ragged-clips"),
    case(lambda c: fit1(c, (None, [0, 1])), TypeError,
         r"train_data: waveforms must be a tensor, numpy array or list, got NoneType",
         "waveforms-None"),
    case(lambda c: fit1(c, (c.waves[0], torch.full((6,), 2.5), c.waves[1])), ValueError,
         r"lengths must be integers of shape \(6,\).*float32", "lengths-float"),
    case(lambda c: fit1(c, (c.waves[0], torch.full((6,), S + 1), c.waves[1])), ValueError,
         r"lengths must lie in \[1, 4000\]",
         "lengths-too-long"),
    case(lambda c: fit1(c, (c.waves[0], torch.full((5,), S), c.waves[1])), ValueError,
         r"6 waveforms but a tensor of length 5 \(lengths\)", "lengths-count"),
    case(lambda c: fit1(c, (c.waves[0], c.waves[1][:4])), ValueError, r"6 waveforms but a tensor of length 4 \(targets\)",
         "targets-count"),
    case(lambda c: fit1(c, (c.waves[0], F.one_hot(c.waves[1], 3))), ValueError,
         r"multi-hot targets need a model built with multi_label=True", "multi-hot-for-softmax"),
    case(lambda c: fit1(c, (c.waves[0], c.waves[1] - 1)), ValueError, r"target -1 out of range for a model with 3 classes",
         "target-negative"),
    case(lambda c: fit1(c, (c.waves[0], torch.tensor(1))), ValueError,
         r"targets must hold one entry per waveform, got a scalar",
         "targets-scalar"),
    case(lambda c: fit1(c, (c.waves[0], c.waves[1] > 0)), ValueError,
         r"targets must be integer class indices \(N,\), got torch\.bool",
         "targets-bool"),
    case(lambda c: fit1(c, (c.waves[0].to(torch.complex64), c.waves[1])), ValueError,
         r"waveforms must be float, got torch\.complex64",
         "waveforms-complex"),
    case(lambda c: fit1(c, ((c.waves[0] * 32768).short(), c.waves[1])), ValueError,
         r"waveforms must be float, got torch\.int16; for 16-bit PCM divide by 32768", "waveforms-int16"),
    case(lambda c: fit1(c, (torch.zeros(0, S), torch.zeros(0, dtype=torch.long))), ValueError, r"no examples",
         "no-examples"),
    case(lambda c: fit1(c, (c.waves[0][0], c.waves[1][:1])), ValueError,
         r"waveforms must be \(batch, samples\).*waveform\[None\]",
         "one-clip-no-batch"),
    case(lambda c: fit1(c, c.waves[0]), TypeError, r"train_data must be \(waveforms, targets\)", "no-targets"),
    case(lambda c: fit1(c, (c.waves[0], c.waves[1], c.waves[1], c.waves[1])), TypeError, r"got tuple of length 4",
         "4-tuple"),
    case(lambda c: fit1(c, c.split(rate=44100)), ValueError,
         r"the split's sampling rate is 44100 Hz but 16000 Hz is expected; "
         r".*load_audiofolder\(directory, sample_rate=16000\)",
         "split-at-another-rate"),
    case(lambda c: evaluate(c.cnn, c.split(rate=44100)), ValueError, r"44100 Hz but 16000 Hz is expected",
         "evaluate-split-at-another-rate"),
    case(lambda c: evaluate(c.cnn, DatasetDict({"train": c.split()})), TypeError,
         r"clip_tensors needs one split.*ds\['train'\]",
         "evaluate-DatasetDict"),
    case(lambda c: evaluate(c.cnn, c.split(names=["dog", "cat", "owl"])), ValueError, r"unknown label\(s\) \['owl'\]",
         "evaluate-split-unknown-label"),
    case(lambda c: evaluate(c.cnn, c.waves, threshold=1.5), ValueError, r"threshold must be a probability in \[0, 1\].*1\.5",
         "threshold-above-1"),
    case(lambda c: evaluate(c.cnn, c.waves, threshold=NAN), ValueError, r"threshold must be a finite number",
         "threshold-nan"),
    case(lambda c: evaluate(c.cnn, c.waves, batch_size=0), ValueError, r"batch_size must be a positive int.*got 0",
         "evaluate-batch-size-0"),
    case(lambda c: evaluate(c.cnn, c.waves, loss_fn="ce"), TypeError, r"loss_fn must be a function", "evaluate-loss-fn"),
    case(lambda c: evaluate(c.frames, c.waves), TypeError, r"predicts one label per frame.*chunked_frame_predict",
         "evaluate-frame-model"),
    case(lambda c: fit(c.frames, c.waves, c.waves, epochs=1, device="cpu"), ValueError, r"pass val_data=None",
         "fit-frame-model-with-validation"),
    case(lambda c: as_dataset((c.waves[0], ["dog"] * 6)), TypeError, r"targets are class names.*pass labels=",
         "as_dataset-names-without-labels"),
]


@pytest.mark.parametrize("call, exc, pattern", TRAINING)
def test_training_refuses(c, call, exc, pattern):
    check(c, call, exc, pattern)


def test_training_handles_class_names_numpy_and_int32(c):
    waves, index = c.waves
    names = [LABELS[i] for i in index.tolist()]

    def trained(targets, x=waves):
        torch.manual_seed(0)
        model = CLASSIFIERS["cnn"]()
        history = fit(model, (x, targets), epochs=2, batch_size=3, device="cpu")
        return model, history.train_loss

    model, expected = trained(index)
    assert trained(names)[1] == expected  # class names: mapped through model.labels, the same run
    assert trained(index.int().numpy(), waves.double().numpy())[1] == expected  # numpy float64 + int32
    reference = evaluate(model, (waves, index))
    for targets in (names, np.array(names), index.int(), index.tolist()):
        scores = evaluate(model, (waves.numpy(), targets))
        assert torch.equal(scores["targets"], index) and scores["loss"] == pytest.approx(reference["loss"], abs=1e-6)


def test_training_reads_a_split_at_the_right_rate_and_maps_its_label_order(c):
    model = c.cnn
    split = c.split()
    waves, lengths, targets = clip_tensors(split, sample_rate=SR)
    scores = evaluate(model, split)
    torch.testing.assert_close(scores["probabilities"], evaluate(model, (waves, lengths, targets))["probabilities"])
    reordered = c.split(names=["rain", "dog", "cat"])  # same clips, classes listed in another order
    names = [reordered.features["label"].names[i] for i in reordered["label"]]
    assert evaluate(model, reordered)["targets"].tolist() == [LABELS.index(n) for n in names]

    class Named(torch.utils.data.Dataset):  # a Dataset whose items carry class names
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return waves[i], names[i]

    assert evaluate(model, Named())["targets"].tolist() == [LABELS.index(n) for n in names]


# ----------------------------------------------------------------------------
# Checkpoints: a corrupted or hand-edited folder is a ValueError that names the file and the problem

def drop(key):
    return json_edit(lambda obj: obj.pop(key))


def put(key, value):
    return json_edit(lambda obj: obj.__setitem__(key, value))


def put_config(key, value):
    return json_edit(lambda obj: obj["config"].__setitem__(key, value))


META = [  # (id, checkpoint, edit of classifier.json, regex); cnn: the course layout; ast / w2v: transformers folders
    ("invalid-json", "cnn", lambda text: text[:-10], r"classifier\.json is not valid JSON"),
    ("null", "cnn", lambda text: "null", r"classifier\.json has no \"format\""),
    ("missing-class", "cnn", drop("class"), r"classifier\.json: missing key\(s\) \['class'\]"),
    ("missing-labels", "ast", drop("labels"), r"classifier\.json: missing key\(s\) \['labels'\]"),
    ("missing-num-samples", "w2v", drop("num_samples"), r"classifier\.json: missing key\(s\) \['num_samples'\]"),
    ("missing-config", "cnn", drop("config"), r"classifier\.json: missing key\(s\) \['config'\]"),
    ("unknown-key", "cnn", put("colour", "blue"), r"unknown .*classifier\.json setting\(s\) \['colour'\]"),
    ("unknown-key-transformers", "ast", put("config", {}), r"unknown .*classifier\.json setting\(s\) \['config'\]"),
    ("null-config", "cnn", put("config", None),
     r"classifier\.json: no \"config\" object to rebuild SpectrogramCNN from.*null"),
    ("config-list", "cnn", put("config", [1, 2]), r"classifier\.json: no \"config\" object"),
    ("another-class-config", "cnn", put("class", "ImageModelClassifier"),
     r"classifier\.json: its config does not fit ImageModelClassifier .*unknown ImageModelClassifier setting"),
    ("course-class-in-transformers-folder", "ast", put("class", "SpectrogramCNN"),
     r"classifier\.json: class SpectrogramCNN is saved in the course layout, not as a transformers folder"),
    ("another-architecture", "w2v", put("class", "ASTClassifier"),
     r"is a 'wav2vec2' checkpoint, not 'audio-spectrogram-transformer'"),
    ("unknown-class", "cnn", put("class", "os.system"), r"classifier\.json: unknown model class 'os\.system'"),
    ("class-null", "ast", put("class", None), r"classifier\.json: \"class\" must be the name of a course classifier"),
    ("layout-unknown", "cnn", put("layout", "pickle"),
     r"classifier\.json: \"layout\" must be one of \['course', 'transformers'\]"),
    ("version-newer", "cnn", put("version", 99), r"\"version\" is 99; .*newer course_utils: upgrade"),
    ("labels-string", "cnn", put("labels", "dog,cat"), r"classifier\.json: labels must be a list of class names"),
    ("labels-duplicate", "w2v", put("labels", ["dog", "dog", "rain"]), r"classifier\.json: labels must be distinct"),
    ("labels-vs-config", "cnn", put("labels", ["a", "b", "c"]),
     r"classifier\.json: \"labels\" is \['a', 'b', 'c'\] but \"config\" says \['dog', 'cat', 'rain'\]"),
    ("labels-vs-head-size", "cnn", json_edit(lambda o: (o.__setitem__("labels", ["a", "b", "c", "d"]),
                                                        o["config"].__setitem__("labels", ["a", "b", "c", "d"]))),
     r"model\.safetensors does not fit SpectrogramCNN .*trained for 3 classes but classifier\.json lists 4 labels"),
    ("labels-vs-config.json", "ast", put("labels", ["a", "b", "c"]),
     r"classifier\.json says labels=\['a', 'b', 'c'\] but config\.json / preprocessor_config\.json give "
     r"\['dog', 'cat', 'rain'\]"),
    ("num-samples-string", "ast", put("num_samples", "4000"),
     r"classifier\.json: \"num_samples\" must be a positive int, got '4000'"),
    ("sample-rate-negative", "cnn", put("sample_rate", -16000), r"\"sample_rate\" must be a positive int, got -16000"),
    ("sample-rate-vs-config", "cnn", put_config("sample_rate", 8000), r"\"sample_rate\" is 16000 but \"config\" says 8000"),
    ("multi-label-string", "w2v", put("multi_label", "no"), r"\"multi_label\" must be true or false, got 'no'"),
    ("multi-label-vs-config.json", "w2v", put("multi_label", True),
     r"says multi_label=True but config\.json / preprocessor_config\.json give False"),
    ("misspelt-setting", "cnn", put_config("config", {"n_mel": 32}),
     r"does not fit SpectrogramCNN .*unknown SpectrogramCNN setting"),
]
HF = [  # (id, checkpoint, file, edit, regex): transformers' own files in a saved folder
    ("config-invalid-json", "ast", "config.json", lambda t: t[:-10], r"config\.json is not valid JSON"),
    ("config-null", "w2v", "config.json", lambda t: "null", r"config\.json holds NoneType None, not a JSON object"),
    ("config-no-model-type", "ast", "config.json", drop("model_type"), r"config\.json: no \"model_type\""),
    ("config-id2label-list", "w2v", "config.json", put("id2label", ["dog", "cat", "rain"]),
     r"config\.json: \"id2label\" must be an object"),
    ("config-fewer-labels-than-head", "ast", "config.json",
     json_edit(lambda o: (o.__setitem__("id2label", {"0": "a", "1": "b"}), o.__setitem__("label2id", {"a": 0, "b": 1}))),
     r"config\.json lists 2 labels \(id2label\) but the classifier weights .* have 3 outputs"),
    ("config-no-id2label", "w2v", "config.json", drop("id2label"), r"lists 2 labels \(no id2label.*\) but .* 3 outputs"),
    ("config-edited-size", "w2v", "config.json", put("classifier_proj_size", 32),
     r"config\.json and model\.safetensors do not make a Wav2Vec2Classifier: weights .* other shapes"),
    ("config-other-model-type", "ast", "config.json", put("model_type", "bert"),
     r"is a 'bert' checkpoint, not 'audio-spectrogram"),
    ("preprocessor-invalid-json", "ast", "preprocessor_config.json", lambda t: t[:-5],
     r"preprocessor_config\.json is not valid JSON"),
    ("preprocessor-null", "w2v", "preprocessor_config.json", lambda t: "null", r"preprocessor_config\.json holds NoneType"),
    ("preprocessor-other-rate", "ast", "preprocessor_config.json", put("sampling_rate", 44100),
     r"classifier\.json says sample_rate=16000 but config\.json / preprocessor_config\.json give 44100"),
    ("weights-garbage", "cnn", "model.safetensors", lambda t: "garbage",
     r"model\.safetensors is not a readable safetensors file"),
    ("transformers-weights-garbage", "w2v", "model.safetensors", lambda t: "garbage",
     r"model\.safetensors is not a readable safetensors file"),
]


@pytest.mark.parametrize("name, edit, pattern", [pytest.param(*m[1:], id=m[0]) for m in META])
def test_a_corrupted_classifier_json_is_named(c, name, edit, pattern):
    folder = c.broken_checkpoint(name, "classifier.json", edit)
    with pytest.raises(ValueError, match=pattern):
        load_classifier(folder)


@pytest.mark.parametrize("name, file, edit, pattern", [pytest.param(*h[1:], id=h[0]) for h in HF])
def test_a_corrupted_library_file_is_named(c, name, file, edit, pattern):
    if file == "model.safetensors":  # binary: overwritten rather than edited
        path = c.new_path("broken_ckpt", name)
        shutil.copytree(c.saved[name], path)
        (path / file).write_bytes(edit("").encode())
    else:
        path = c.broken_checkpoint(name, file, edit)
    with pytest.raises(ValueError, match=pattern):
        load_classifier(path)


CHECKPOINT_PATHS = [
    case(lambda c: load_classifier(c.root / "nowhere"), ValueError,
         r"not a classifier checkpoint: .*nowhere is not a folder",
         "load-missing-folder"),
    case(lambda c: load_classifier(c.mono), ValueError, r"mono\.wav is not a folder \(it is a file", "load-a-file"),
    case(lambda c: load_classifier(None), TypeError, r"directory must be a folder path.*got NoneType", "load-None"),
    case(lambda c: load_classifier(c.folder), ValueError, r"lacks classifier\.json", "load-folder-without-checkpoint"),
    case(lambda c: load_classifier(c.saved["cnn"], device="gpu"), ValueError, r"device 'gpu' .* not a device name",
         "load-device-name"),
    case(lambda c: save_classifier(c.cnn, c.mono), ValueError, r"mono\.wav' is a file: save_classifier writes a folder",
         "save-onto-a-file"),
    case(lambda c: save_classifier(c.cnn, 42), TypeError, r"directory must be a folder path.*got int", "save-int-path"),
    case(lambda c: save_classifier(torch.nn.Linear(2, 2), c.root / "linear"), TypeError,
         r"does not follow the course classifier contract", "save-not-a-classifier"),
]


@pytest.mark.parametrize("call, exc, pattern", CHECKPOINT_PATHS)
def test_checkpoint_paths_refuse(c, call, exc, pattern):
    check(c, call, exc, pattern)


def test_checkpoints_round_trip_and_stay_in_their_folder(c):
    folder = c.fresh("ckpt")
    (folder / "notes.txt").write_text("mine")  # a file of the user's, next to the checkpoint
    save_classifier(c.cnn, folder)
    assert (folder / "notes.txt").read_text() == "mine"  # saving adds files, never removes the user's
    assert sorted(p.name for p in folder.parent.iterdir()) == [folder.name]  # nothing written beside the folder
    loaded = load_classifier(folder)
    x = noise(2, S)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), c.cnn(x), rtol=0, atol=0)


# ----------------------------------------------------------------------------
# Data folders and the generated sets

def write(relative, text):
    def edit(folder):
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return edit


def remove(relative):
    return lambda folder: (folder / relative).unlink()


def metadata_row(row):
    """Replace the first data row of train/metadata.csv by `row` (a CSV line)."""
    def edit(folder):
        path = folder / "train" / "metadata.csv"
        lines = path.read_text().splitlines()
        path.write_text("\n".join([lines[0], row] + lines[2:]) + "\n")
    return edit


FOLDERS = [  # (id, edit of a copy of a saved two-split folder, exception, regex)
    ("info-invalid-json", write("dataset.json", "{not json"), ValueError, r"dataset\.json' is not valid JSON"),
    ("info-not-object", write("dataset.json", "[1, 2]"), ValueError, r"dataset\.json' must hold a JSON object, got list"),
    ("info-splits-string", write("dataset.json", json.dumps({"splits": "train"})), ValueError,
     r"\"splits\" must be a list of folder names.*got 'train'"),
    ("info-split-outside", write("dataset.json", json.dumps({"splits": ["../../etc"]})), ValueError,
     r"dataset\.json split '\.\./\.\./etc' points outside"),
    ("info-split-missing", write("dataset.json", json.dumps({"splits": ["train", "valid"]})), ValueError,
     r"lists the split 'valid', but there is no folder"),
    ("info-features-broken", lambda f: (f / "dataset.json").write_text(json.dumps(
        {**json.loads((f / "dataset.json").read_text()), "features": {"label": {"_type": "NoSuchFeature"}}})), ValueError,
     r"dataset\.json'.*\"features\" are not datasets feature types"),
    ("file-name-outside", metadata_row("../../../outside.wav,dog,clip0"), ValueError,
     r"file_name '\.\./\.\./\.\./outside\.wav' points outside"),
    ("file-name-absolute", metadata_row("/etc/passwd,dog,clip0"), ValueError, r"file_name '/etc/passwd' points outside"),
    ("file-missing", metadata_row("ghost.wav,dog,clip0"), FileNotFoundError,
     r"the metadata lists 'ghost\.wav' but there is no such file"),
    ("file-not-audio", lambda f: (f / "train" / "clip0.wav").write_text("not audio"), ValueError,
     r"cannot read .*clip0\.wav.* as audio"),
    ("label-unknown", metadata_row("clip0.wav,parrot,clip0"), ValueError,
     r"train: unknown label\(s\) \['parrot'\]; the dataset's labels"),
    ("metadata-empty", write("train/metadata.csv", "file_name,label,clip_id\n"), ValueError, r"the metadata lists no files"),
    ("metadata-no-file-name", write("train/metadata.csv", "path,label\nclip0.wav,dog\n"), ValueError,
     r"every metadata row needs a file_name column"),
    ("jsonl-bad-line", lambda f: ((f / "train" / "metadata.csv").unlink(),
                                  (f / "train" / "metadata.jsonl").write_text('{"file_name": "clip0.wav"}\n{oops\n')),
     ValueError, r"metadata\.jsonl' line 2 is not valid JSON"),
    ("split-without-metadata", remove("test/metadata.csv"), ValueError,
     r"has no metadata\.csv or metadata\.jsonl and no label sub-folders"),
]


@pytest.mark.parametrize("edit, exc, pattern", [pytest.param(*f[1:], id=f[0]) for f in FOLDERS])
def test_a_broken_audiofolder_is_named(c, edit, exc, pattern):
    folder = c.broken_folder("af", edit)
    with pytest.raises(exc, match=pattern):
        load_audiofolder(folder)


def text_only(c):
    folder = c.fresh("text")
    write("train/readme.txt", "no audio here")(folder)
    return folder


def mixed_rates(c):
    folder = c.fresh("mixed")
    for name, rate in (("dog/a.wav", SR), ("cat/b.wav", 44100)):
        (folder / name).parent.mkdir(exist_ok=True)
        sf.write(folder / name, noise(rate // 4).numpy(), rate)
    return folder


DATA = [
    case(lambda c: load_audiofolder(c.root / "no_such_folder"), FileNotFoundError, r"no dataset folder at", "load-missing"),
    case(lambda c: load_audiofolder(c.mono), ValueError, r"mono\.wav' is a file, not a dataset folder.*load_audio",
         "load-a-file"),
    case(lambda c: load_audiofolder(None), TypeError, r"directory must be a folder path.*NoneType", "load-None"),
    case(lambda c: load_audiofolder(c.fresh("empty")), ValueError, r"holds no split folders", "load-empty-folder"),
    case(lambda c: load_audiofolder(text_only(c)), ValueError,
         r"train' has no metadata\.csv or metadata\.jsonl and no label "
                                                              r"sub-folders with audio files", "load-folder-without-audio"),
    case(lambda c: load_audiofolder(mixed_rates(c)), ValueError,
         r"mixes sampling rates \[16000, 44100\]: pass sample_rate=16000",
         "load-mixed-rates"),
    case(lambda c: load_audiofolder(c.audiofolder, sample_rate="16k"), ValueError, r"sample_rate must be a positive integer",
         "load-rate-string"),
    case(lambda c: save_audiofolder(c.split(), c.root / "one_split"), TypeError,
         r"dataset must be a non-empty DatasetDict.*got Dataset \(one split\? wrap it", "save-one-split"),
    case(lambda c: save_audiofolder({}, c.root / "nothing"), TypeError, r"non-empty DatasetDict", "save-empty"),
    case(lambda c: save_audiofolder(DatasetDict({"../up": c.split()}), c.root / "up"), ValueError,
         r"split name '\.\./up' cannot be a folder name", "save-split-name-outside"),
    case(lambda c: save_audiofolder(DatasetDict({"train": c.split()}), c.mono), ValueError, r"mono\.wav' is a file",
         "save-onto-a-file"),
    case(lambda c: save_audiofolder(DatasetDict({"train": c.split()}), c.folder.parent / "files"), ValueError,
         r"already holds files that save_audiofolder did not write.*pick a new folder", "save-over-a-users-folder"),
    case(lambda c: save_audiofolder(DatasetDict({"train": c.split()}), c.fresh("x"), info=["a"]), TypeError,
         r"info must be a dict", "save-info-list"),
    case(lambda c: clip_tensors(None), TypeError, r"clip_tensors needs one split.*got NoneType", "clip_tensors-None"),
    case(lambda c: clip_tensors(c.split(), num_samples=0), ValueError, r"num_samples must be a positive int",
         "clip_tensors-0"),
    case(lambda c: clip_tensors(c.split(rate=44100), sample_rate=SR), ValueError,
         r"44100 Hz but 16000 Hz is expected; reload the folder at that rate, "
         r"load_audiofolder\(directory, sample_rate=16000\)",
         "clip_tensors-rate-mismatch"),
    case(lambda c: clip_tensors(c.split(), sample_rate=-1), ValueError, r"sample_rate must be positive",
         "clip_tensors-rate-bad"),
    case(lambda c: scene_tensors(c.split()), ValueError, r"split has no 'events' column", "scene_tensors-of-clips"),
    case(lambda c: select_classes(c.waves, "dog", all_classes=LABELS), ValueError, r"got the string 'dog'; .*\['dog'\]",
         "select-string"),
    case(lambda c: select_classes(c.waves, ["dog", "owl"], all_classes=LABELS), ValueError, r"\(unknown: \['owl'\]\)",
         "select-unknown"),
    case(lambda c: per_class_subset(c.waves, 0), ValueError, r"k \(examples per class\) must be a positive int",
         "subset-k-0"),
    case(lambda c: per_class_subset(c.waves, 5, LABELS), ValueError, r"class 'dog' has only 2 examples, fewer than k=5",
         "subset-k-too-large"),
    case(lambda c: make_clip("parrot"), ValueError, r"unknown class 'parrot'; the clip classes are", "make_clip-unknown"),
    case(lambda c: make_clip("wind", sample_rate=4000), ValueError, r"sample_rate must be at least 8000 Hz",
         "make_clip-low-rate"),
    case(lambda c: make_clip("wind", index=-1), ValueError, r"index must be at least 0, got -1", "make_clip-index"),
    case(lambda c: make_clip_dataset(n_per_class=2), ValueError, r"n_per_class must be at least 3, got 2",
         "dataset-too-small"),
    case(lambda c: make_clip_dataset(n_per_class=3, classes=["wind", "owl"]), ValueError, r"\(unknown: \['owl'\]\)",
         "dataset-unknown-class"),
    case(lambda c: make_scene(seconds=NAN), ValueError, r"seconds must be between 2\.0 and 60\.0, got nan",
         "scene-seconds-nan"),
    case(lambda c: average_spectrum_baseline(DatasetDict({"train": c.split()})), ValueError, r"dataset has no 'test' split",
         "baseline-missing-split"),
    case(lambda c: time_averaged_log_mel(c.waves[0].numpy(), torch.full((6,), S), SR), TypeError,
         r"waveforms must be a torch\.Tensor", "baseline-numpy"),
    case(lambda c: time_averaged_log_mel(c.waves[0], torch.full((5,), S), SR), ValueError,
         r"waveforms must be \(N, S\) and lengths \(N,\)", "baseline-lengths"),
]


@pytest.mark.parametrize("call, exc, pattern", DATA)
def test_data_refuses(c, call, exc, pattern):
    check(c, call, exc, pattern)


def test_data_folders_resample_on_request_and_stay_inside(c):
    folder = mixed_rates(c)
    ds = load_audiofolder(folder, sample_rate=SR)  # a 44.1 kHz file among 16 kHz ones, on request
    waves, lengths, targets = clip_tensors(ds["train"], sample_rate=SR)
    assert lengths.tolist() == [SR // 4, SR // 4] and ds["train"].features["label"].names == ["cat", "dog"]
    stereo = c.fresh("stereo")  # a stereo file in a folder: mixed to mono like load_audio does
    (stereo / "dog").mkdir()
    shutil.copy(c.stereo, stereo / "dog" / "s.wav")
    (stereo / "cat").mkdir()
    shutil.copy(c.mono, stereo / "cat" / "m.wav")
    array = load_audiofolder(stereo)["train"].filter(lambda row: row["label"] == 1)[0]["audio"]["array"]
    torch.testing.assert_close(torch.tensor(np.array(array)), load_audio(c.stereo))
    users = c.fresh("users")  # a folder refused for writing keeps the user's files, and nothing lands beside it
    (users / "thesis.txt").write_text("years of work")
    before = sorted(p.name for p in users.parent.iterdir())
    with pytest.raises(ValueError, match="did not write"):
        save_audiofolder(DatasetDict({"train": c.split()}), users)
    assert (users / "thesis.txt").read_text() == "years of work"
    assert sorted(p.name for p in users.parent.iterdir()) == before


# ----------------------------------------------------------------------------
# Frames, post-processing, metrics and heads

EV = [{"onset": 0.1, "offset": 0.3, "label": "dog"}]
PROBS = torch.tensor([[0.1, 0.9, 0.2], [0.8, 0.7, 0.1], [0.9, 0.2, 0.6]])


def event(**change):
    return [{**EV[0], **change}]


FRAMES = [
    case(lambda c: events_to_frame_labels(event(onset=0.5), 10, 0.1, LABELS), ValueError,
         r"event 0: onset 0\.5 is after offset 0\.3",
         "onset-after-offset"),
    case(lambda c: events_to_frame_labels(event(onset=NAN), 10, 0.1, LABELS), ValueError,
         r"event 0: onset must be a finite number of seconds, got nan", "onset-nan"),
    case(lambda c: events_to_frame_labels(event(offset=INF), 10, 0.1, LABELS), ValueError, r"offset must be a finite number",
         "offset-inf"),
    case(lambda c: events_to_frame_labels(event(onset=-0.1), 10, 0.1, LABELS), ValueError, r"onset must not be negative",
         "onset-negative"),
    case(lambda c: events_to_frame_labels(event(onset="0.1"), 10, 0.1, LABELS), ValueError,
         r"onset must be a finite number.*'0\.1'",
         "onset-string"),
    case(lambda c: events_to_frame_labels(event(label="owl"), 10, 0.1, LABELS), ValueError,
         r"event 0: unknown label 'owl'; known labels are \['dog', 'cat', 'rain'\]", "label-unknown"),
    case(lambda c: events_to_frame_labels([{"onset": 0.1, "label": "dog"}], 10, 0.1, LABELS), ValueError,
         r"event 0 must be a dict with keys onset, offset, label", "event-missing-offset"),
    case(lambda c: events_to_frame_labels("dog 0.1 0.3", 10, 0.1, LABELS), TypeError, r"events must be a list of .* got str",
         "events-string"),
    case(lambda c: events_to_frame_labels({"onset": [0.1], "offset": [], "label": ["dog"]}, 10, 0.1, LABELS), ValueError,
         r"onset, offset and label lists of the same length", "events-mapping-ragged"),
    case(lambda c: events_to_frame_labels(EV, 0, 0.1, LABELS), ValueError, r"num_frames must be a positive int, got 0",
         "num-frames-0"),
    case(lambda c: events_to_frame_labels(EV, 10, 0.0, LABELS), ValueError, r"hop_seconds must be a positive number",
         "hop-0"),
    case(lambda c: events_to_frame_labels(EV, 10, NAN, LABELS), ValueError, r"hop_seconds must be a positive number.*nan",
         "hop-nan"),
    case(lambda c: events_to_frame_labels(EV, 10, "0.02", LABELS), TypeError,
         r"hop_seconds must be a number of seconds.*str",
         "hop-string"),
    case(lambda c: events_to_frame_labels(EV, 10, 0.1, "dog"), TypeError, r"classes must be a list of class names",
         "classes-str"),
    case(lambda c: events_to_frame_labels(EV, 10, 0.1, ["dog", "dog"]), ValueError, r"classes must be unique.*\['dog'\]",
         "classes-duplicate"),
    case(lambda c: events_to_frame_labels(EV, 10, 0.1, []), ValueError, r"classes must be a non-empty list",
         "classes-empty"),
    case(lambda c: frame_labels_to_events(torch.zeros(2, 5, 3), 0.02, LABELS), ValueError,
         r"frame_labels must have shape \(frames, classes\), got \(2, 5, 3\)", "to-events-3d"),
    case(lambda c: frame_labels_to_events(torch.tensor([[0, 2, 1]]), 0.02, LABELS), ValueError,
         r"integer values outside \{0, 1\}", "to-events-int-2"),
    case(lambda c: frame_labels_to_events(torch.full((4, 3), NAN), 0.02, LABELS), ValueError, r"frame_labels contains NaN",
         "to-events-nan"),
    case(lambda c: frame_labels_to_events(PROBS * 10 - 5, 0.02, LABELS), ValueError,
         r"frame_labels must be probabilities in \[0, 1\].*logits\? pass model\.probabilities", "to-events-logits"),
    case(lambda c: frame_labels_to_events(PROBS, 0.02, LABELS, threshold=2.0), ValueError, r"threshold must be in \[0, 1\]",
         "to-events-threshold"),
    case(lambda c: frame_labels_to_events(PROBS, 0.02, ["dog", "cat"]), ValueError, r"has 3 class columns but 2 classes",
         "to-events-classes"),
    case(lambda c: time_to_frame(NAN, 0.02), ValueError, r"t \(seconds\) must be a finite number, got nan", "time-nan"),
    case(lambda c: time_to_frame(INF, 0.02), ValueError, r"t \(seconds\) must be a finite number, got inf", "time-inf"),
    case(lambda c: time_to_frame("1", 0.02), TypeError, r"t \(seconds\) must be a number, got str", "time-string"),
    case(lambda c: runs(torch.ones(2, 3, dtype=torch.bool)), ValueError,
         r"active must be one 1-D column.*runs\(grid\[:, c\]\)",
         "runs-2d"),
    case(lambda c: positive_weights(torch.zeros(4, 3), LABELS), ValueError,
         r"no positive frames for \['dog', 'cat', 'rain'\]",
         "weights-no-positives"),
    case(lambda c: positive_weights(PROBS, LABELS, power=-1), ValueError, r"power must be a non-negative number",
         "weights-power"),
    case(lambda c: median_filter(PROBS, 2), ValueError, r"kernel_size must be a positive odd int", "median-even"),
    case(lambda c: median_filter(PROBS[0], 3), ValueError, r"x must have shape \(\.\.\., frames, classes\)", "median-1d"),
    case(lambda c: hysteresis(PROBS, 0.3, 0.5), ValueError, r"need 0 <= off_threshold <= on_threshold <= 1",
         "hysteresis-order"),
    case(lambda c: hysteresis(PROBS, NAN, 0.5), ValueError, r"on_threshold must be a finite number",
         "hysteresis-nan-threshold"),
    case(lambda c: hysteresis(PROBS * 4 - 2, 0.5, 0.5), ValueError, r"probs must be probabilities in \[0, 1\].*logits",
         "hysteresis-logits"),
    case(lambda c: postprocess(torch.full((4, 3), NAN)), ValueError, r"probs contains NaN", "postprocess-nan"),
    case(lambda c: postprocess(PROBS.long()), ValueError, r"probs must be float probabilities", "postprocess-int"),
    case(lambda c: fill_gaps(PROBS > 0.5, -1), ValueError, r"min_gap must be a non-negative int \(frames\), got -1",
         "gaps-negative"),
    case(lambda c: remove_short(PROBS > 0.5, 1.5), ValueError, r"min_duration must be a non-negative int.*1\.5",
         "short-float"),
    case(lambda c: remove_short(PROBS, 2), ValueError, r"active must be a bool tensor", "short-not-bool"),
    case(lambda c: tune_postprocess(PROBS[None], [EV], 0.02, LABELS, grid=[]), ValueError, r"grid is empty",
         "tune-empty-grid"),
    case(lambda c: accuracy(["dog", "cat"], [0, 1]), TypeError, r"predictions are class names.*label_indices",
         "accuracy-names"),
    case(lambda c: accuracy([0, 1, 1], [0, 1]), ValueError, r"predictions and targets differ in length: 3 vs 2",
         "accuracy-lengths"),
    case(lambda c: accuracy([], []), ValueError, r"predictions and targets are empty", "accuracy-empty"),
    case(lambda c: accuracy(torch.tensor([True, False]), [0, 1]), ValueError,
         r"predictions must be integer class indices.*bool",
         "accuracy-bool"),
    case(lambda c: macro_f1([0, -1], [0, 1]), ValueError, r"class indices must be >= 0", "macro-f1-negative"),
    case(lambda c: confusion_matrix([0, 1], [0, 1], num_classes="2"), ValueError,
         r"num_classes must be a positive int, got '2'",
         "confusion-num-classes-string"),
    case(lambda c: confusion_matrix([0, 3], [0, 1], num_classes=2), ValueError,
         r"class index 3 out of range for num_classes=2",
         "confusion-out-of-range"),
    case(lambda c: event_scores(EV, EV, LABELS, onset_tolerance=-0.1), ValueError, r"onset_tolerance must be a non-negative",
         "events-tolerance"),
    case(lambda c: event_scores(event(onset=0.5), EV, LABELS), ValueError, r"estimated: event 0: onset 0\.5 is after offset",
         "events-estimated-named"),
    case(lambda c: diarization_error_rate(torch.zeros(5, 2), torch.zeros(4, 2)), ValueError,
         r"predicted \(5, 2\) and reference \(4, 2\) must have the same shape", "der-shapes"),
    case(lambda c: lengths_to_mask(torch.tensor([[1, 2]]), 4), ValueError, r"lengths must be a 1-D integer tensor",
         "mask-2d"),
    case(lambda c: lengths_to_mask(torch.tensor([5]), 4), ValueError, r"length 5 is outside \[0, 4\]", "mask-too-long"),
    case(lambda c: masked_mean_pool(torch.zeros(2, 5)), ValueError,
         r"hidden must be a tensor \(batch, frames, hidden_size\)",
         "pool-2d"),
    case(lambda c: masked_mean_pool(torch.zeros(2, 5, 4), torch.tensor([[1, 1, 0, 0, 0], [0] * 5])), ValueError,
         r"mask row 1 has no valid frame", "pool-empty-row"),
    case(lambda c: WeightedLayerSum(0), ValueError, r"num_layers must be a positive int, got 0", "layer-sum-0"),
    case(lambda c: WeightedLayerSum(3)([torch.zeros(1, 2, 4)] * 2), ValueError,
         r"expects a sequence of 3 hidden states.*2 layers",
         "layer-sum-count"),
    case(lambda c: SequenceClassificationHead(0, 3), ValueError, r"hidden_size must be a positive int, got 0",
         "head-hidden-0"),
    case(lambda c: train_linear_probe(torch.zeros(4, 2), torch.tensor([0.0, 1, 0, 1]), 2), ValueError,
         r"targets must be integer class indices", "probe-float-targets"),
    case(lambda c: train_linear_probe(torch.zeros(4, 2), torch.tensor([0, 1, 0, 1]), 1), ValueError,
         r"num_classes must be an int >= 2, got 1", "probe-one-class"),
    case(lambda c: train_linear_probe(torch.zeros(4, 2), torch.tensor([0, 1, 0, 1]), 2, l2=-1.0), ValueError,
         r"l2 must be >= 0", "probe-l2"),
]


@pytest.mark.parametrize("call, exc, pattern", FRAMES)
def test_frames_metrics_and_heads_refuse(c, call, exc, pattern):
    check(c, call, exc, pattern)


def test_frames_and_metrics_take_numpy_and_lists():
    grid = events_to_frame_labels(EV, 5, 0.1, LABELS)
    assert frame_labels_to_events(grid.numpy(), 0.1, LABELS) == frame_labels_to_events(grid, 0.1, LABELS) == \
        [{"onset": 0.1, "offset": 0.3, "label": "dog"}]
    assert accuracy(np.array([0, 1, 2], dtype=np.int32), [0, 1, 1]) == pytest.approx(2 / 3)
    assert time_to_frame(np.float64(0.115), 0.02) == 6
    torch.testing.assert_close(postprocess(PROBS.double().numpy()), postprocess(PROBS))


# ----------------------------------------------------------------------------
# Long audio and inference: predict, sliding windows, chunked frames

INFERENCE = [
    case(lambda c: predict(c.cnn, c.root / "missing.wav"), FileNotFoundError, r"audio file not found: .*missing\.wav",
         "predict-missing-file"),
    case(lambda c: predict(c.cnn, c.folder), ValueError, r"is a folder, not an audio file", "predict-folder"),
    case(lambda c: predict(c.cnn, c.not_audio), ValueError, r"cannot read audio file .*notes\.wav", "predict-text-file"),
    case(lambda c: predict(c.cnn, noise(2, S)), ValueError, r"mono waveform \(samples,\), got shape \(2, 4000\): stereo\?",
         "predict-stereo-tensor"),
    case(lambda c: predict(c.cnn, noise(3, 3, S)), ValueError, r"shape \(3, 3, 4000\); for a batch use evaluate",
         "predict-3d"),
    case(lambda c: predict(c.cnn, torch.zeros(0)), ValueError, r"waveform is empty", "predict-empty"),
    case(lambda c: predict(c.cnn, torch.full((S,), NAN)), ValueError, r"waveform contains 4000 NaN or Inf", "predict-nan"),
    case(lambda c: predict(c.cnn, (noise(S) * 32768).short().numpy()), ValueError,
         r"floating-point .*torch\.int16; for 16-bit PCM",
         "predict-int16-numpy"),
    case(lambda c: predict(c.cnn, noise(S), sample_rate=0), ValueError, r"sample_rate must be positive, got 0",
         "predict-rate-0"),
    case(lambda c: predict(c.cnn, c.mono, sample_rate=SR), ValueError, r"sample_rate=16000 is only for arrays",
         "predict-rate-with-file"),
    case(lambda c: predict(c.cnn, [0.1] * S), TypeError, r"predict takes a file path or a mono waveform.*got list",
         "predict-list"),
    case(lambda c: predict(c.frames, noise(S)), TypeError, r"one label per frame", "predict-frame-model"),
    case(lambda c: predict(c.cnn, {"array": noise(S)}), ValueError, r"audio dict needs the keys 'array' and 'sampling_rate'",
         "predict-dict-without-rate"),
    case(lambda c: predict(c.cnn, {"array": noise(S), "sampling_rate": 8000}, sample_rate=SR), ValueError,
         r"sample_rate=16000 disagrees with the audio dict's sampling_rate=8000", "predict-dict-rate-disagrees"),
    case(lambda c: predict(c.cnn, np.array(["a"] * S)), TypeError,
         r"waveform must hold numbers, got a numpy array of dtype <U1",
         "predict-string-array"),
    case(lambda c: predict(torch.nn.Linear(S, 3), noise(S)), TypeError, r"does not follow the course classifier contract",
         "predict-plain-module"),
    case(lambda c: sliding_window_predict(c.cnn, noise(3 * S), sample_rate=SR, hop_seconds=0), ValueError,
         r"hop_seconds must be > 0 and at most the window \(0\.25 s\), got 0", "windows-hop-0"),
    case(lambda c: sliding_window_predict(c.cnn, noise(3 * S), sample_rate=SR, hop_seconds=NAN), ValueError,
         r"hop_seconds must be a finite number, got nan", "windows-hop-nan"),
    case(lambda c: sliding_window_predict(c.cnn, noise(3 * S), sample_rate=SR, hop_seconds="0.1"), TypeError,
         r"hop_seconds must be a number, got str", "windows-hop-string"),
    case(lambda c: sliding_window_predict(c.cnn, noise(3 * S), sample_rate=SR, hop_seconds=1.0), ValueError,
         r"hop_seconds must be > 0 and at most the window \(0\.25 s\), got 1\.0", "windows-hop-above-window"),
    case(lambda c: sliding_window_predict(c.cnn, noise(3 * S), sample_rate=SR, batch_size=0), ValueError,
         r"batch_size must be a positive int", "windows-batch-0"),
    case(lambda c: sliding_window_predict(c.cnn, noise(3 * S), sample_rate=SR, aggregation="median"), ValueError,
         r"unknown aggregation 'median'; choose one of \('mean', 'max'\)", "windows-aggregation"),
    case(lambda c: sliding_window_predict(c.cnn, noise(3 * S)), ValueError, r"pass sample_rate= with a waveform.*16000 Hz",
         "windows-tensor-without-rate"),
    case(lambda c: sliding_window_predict(c.cnn, noise(3 * S, 2), sample_rate=SR), ValueError,
         r"must be mono \(samples,\), got shape \(12000, 2\).*mean\(1\)", "windows-samples-by-channels"),
    case(lambda c: sliding_window_predict(c.cnn, c.root / "missing.wav"), FileNotFoundError, r"audio file not found",
         "windows-missing-file"),
    case(lambda c: chunked_frame_predict(c.frames, noise(SR), sample_rate=SR, chunk_seconds=0), ValueError,
         r"chunk_seconds must be positive, got 0", "chunks-0"),
    case(lambda c: chunked_frame_predict(c.frames, noise(SR), sample_rate=SR, chunk_seconds=INF), ValueError,
         r"chunk_seconds must be a finite number, got inf", "chunks-inf"),
    case(lambda c: chunked_frame_predict(c.frames, noise(SR), sample_rate=SR, context_seconds=NAN), ValueError,
         r"context_seconds must be a finite number, got nan", "chunks-context-nan"),
    case(lambda c: chunked_frame_predict(c.frames, noise(SR), sample_rate=SR, context_seconds=-1), ValueError,
         r"context_seconds must be >= 0", "chunks-context-negative"),
    case(lambda c: chunked_frame_predict(c.frames, noise(100), sample_rate=SR), ValueError,
         r"the audio is 100 samples .* shorter than one frame's receptive field \(325 samples\)", "chunks-audio-too-short"),
    case(lambda c: chunked_frame_predict(c.cnn, noise(SR), sample_rate=SR), TypeError,
         r"SpectrogramCNN has no Wav2Vec2-style config", "chunks-clip-model"),
    case(lambda c: as_source(noise(S), SR, sample_rate=-8000), ValueError, r"sample_rate must be positive, got -8000",
         "source-rate"),
    case(lambda c: window_starts(100, 10, 20), ValueError, r"hop must be between 1 and the window \(10 samples\), got 20",
         "window-starts-hop"),
    case(lambda c: window_starts(0, 10, 5), ValueError, r"total must be positive, got 0", "window-starts-empty"),
    case(lambda c: window_starts(100, 10.0, 5), TypeError, r"window must be an int number of samples, got 10\.0",
         "window-starts-float"),
    case(lambda c: aggregate(PROBS.numpy()), TypeError, r"probs must be a tensor \(windows, classes\), got ndarray",
         "aggregate-numpy"),
    case(lambda c: aggregate(PROBS, torch.tensor([1.0, -1.0, 1.0])), ValueError, r"weights must be \(3,\), non-negative",
         "aggregate-weights"),
    case(lambda c: predict_frame_probabilities(c.cnn, noise(2, S)), TypeError,
         r"SpectrogramCNN predicts one label per clip: predict_frame_probabilities is for frame classifiers",
         "frames-clip-model"),
    case(lambda c: predict_frame_probabilities(c.frames, noise(2, S), batch_size=0), ValueError,
         r"batch_size must be a positive int, got 0", "frames-batch-0"),
]


@pytest.mark.parametrize("call, exc, pattern", INFERENCE)
def test_inference_refuses(c, call, exc, pattern):
    check(c, call, exc, pattern)


@pytest.mark.parametrize("name", CLIP_MODELS)
def test_predict_handles_short_float64_stereo_and_other_rates(c, name):
    model, wave = c.model(name), noise(S)
    expected = predict(model, wave)
    assert expected.shape == (3,) and float(expected.sum()) == pytest.approx(1.0, abs=1e-5)
    torch.testing.assert_close(predict(model, wave.double().numpy()), expected, rtol=0, atol=1e-6)  # numpy float64
    short = noise(S // 10)  # shorter than the model's clip: zero-padded, and the model told its true length
    padded = torch.cat([short, torch.zeros(S - S // 10)])[None]
    with torch.no_grad():
        by_hand = model.probabilities(model(padded, torch.tensor([S // 10])))[0]
    torch.testing.assert_close(predict(model, short), by_hand, rtol=0, atol=1e-6)
    assert predict(model, noise(50)).shape == (3,)  # even a scrap shorter than one fbank/encoder frame gives an answer
    stereo = load_audio(c.stereo)  # a stereo file: the mean of its channels, as load_audio reads it
    torch.testing.assert_close(predict(model, c.stereo), predict(model, stereo), rtol=0, atol=1e-6)
    slow = resample(wave, SR, 22050)  # a clip at another rate: resampled to the model's
    torch.testing.assert_close(predict(model, slow, sample_rate=22050), predict(model, resample(slow, 22050, SR)),
                               rtol=0, atol=1e-6)
    row = {"array": slow.numpy(), "sampling_rate": 22050}  # a datasets row's audio, as pipelines take it
    torch.testing.assert_close(predict(model, row), predict(model, slow, sample_rate=22050), rtol=0, atol=0)
    windows = sliding_window_predict(model, noise(S // 3), sample_rate=SR)  # a recording shorter than one window
    assert len(windows) == 1 and windows.weights.tolist() == pytest.approx([1 / 3], abs=1e-3)


# ----------------------------------------------------------------------------
# Augmentation

SPEC = noise(2, 32, 40)
AUGMENT = [
    case(lambda c: A.add_noise(noise(S), NAN), ValueError, r"snr_db must be finite, got nan", "noise-snr-nan"),
    case(lambda c: A.add_noise(noise(S), "10"), ValueError, r"snr_db must be a real number, got '10'", "noise-snr-string"),
    case(lambda c: A.add_noise(noise(S), (30, 10)), ValueError, r"snr_db range must have low <= high",
         "noise-range-reversed"),
    case(lambda c: A.add_noise(torch.zeros(2, S), 10), ValueError, r"example\(s\) \[0, 1\] are silent", "noise-silent"),
    case(lambda c: A.add_noise(noise(S), 10, color="blue"), ValueError, r"color must be one of .*got 'blue'",
         "noise-colour"),
    case(lambda c: A.add_noise((noise(S) * 32768).short(), 10), ValueError, r"floating-point .*torch\.int16", "noise-int16"),
    case(lambda c: A.gain(noise(S), INF), ValueError, r"gain_db must be finite", "gain-inf"),
    case(lambda c: A.gain(torch.full((S,), NAN), 3.0), ValueError, r"NaN or Inf", "gain-nan-audio"),
    case(lambda c: A.time_shift(noise(S), S), ValueError, r"shift 4000 must be shorter than the clip \(4000 samples\)",
         "shift-whole-clip"),
    case(lambda c: A.time_shift(noise(S), 1.5), ValueError,
         r"shift must be an int or a \(low, high\) pair of ints, got 1\.5",
         "shift-float"),
    case(lambda c: A.time_shift(noise(S), 10, mode="wrap"), ValueError, r"mode must be 'roll' or 'zero', got 'wrap'",
         "shift-mode"),
    case(lambda c: A.time_stretch(noise(S), 0.0), ValueError, r"rate must be > 0\.0, got 0\.0", "stretch-rate-0"),
    case(lambda c: A.time_stretch(noise(S), (0.8, 1.2), keep_length=False), ValueError,
         r"keep_length=False needs one fixed rate",
         "stretch-range-without-length"),
    case(lambda c: A.time_stretch(noise(100), 1.1), ValueError, r"waveform of 100 samples is too short for n_fft=512",
         "stretch-short-clip"),
    case(lambda c: A.pitch_shift(noise(S), 0, 2.0), ValueError, r"sample_rate must be positive, got 0", "pitch-rate-0"),
    case(lambda c: A.pitch_shift(noise(S), SR, 100.0), ValueError, r"semitones must be <= 48\.0, got 100\.0",
         "pitch-too-far"),
    case(lambda c: A.band_limit(noise(S), SR, 44100), ValueError, r"low_rate 44100 Hz must not exceed sample_rate 16000 Hz",
         "band-limit-above"),
    case(lambda c: A.band_limit(noise(S), SR, []), ValueError, r"low_rate must be a rate or a non-empty list",
         "band-limit-empty"),
    case(lambda c: A.reverb(noise(S), SR, rt60=0.0), ValueError, r"rt60 must be > 0\.0, got 0\.0", "reverb-rt60-0"),
    case(lambda c: A.room_impulse_response(-1.0, SR), ValueError, r"rt60 must be > 0\.0, got -1\.0", "rir-negative"),
    case(lambda c: A.spec_augment(SPEC, n_freq_masks=-1), ValueError, r"n_freq_masks must be a non-negative int, got -1",
         "specaug-count"),
    case(lambda c: A.freq_mask(SPEC, 48), ValueError,
         r"freq mask max_width=48 is wider than the axis \(32 mel bins\).*ast_mask_widths",
         "freq-mask-too-wide"),
    case(lambda c: A.time_mask(SPEC, 10, mask_value="median"), ValueError, r"mask_value must be a finite number or 'mean'",
         "time-mask-value"),
    case(lambda c: A.time_mask(SPEC.long(), 10), ValueError, r"spectrogram must be floating point", "time-mask-int"),
    case(lambda c: A.time_mask(SPEC.numpy(), 10), TypeError, r"spectrogram must be a torch\.Tensor, got ndarray",
         "time-mask-numpy"),
    case(lambda c: A.vertical_roll(SPEC, 32), ValueError, r"shift 32 must be smaller than the number of mel bins \(32\)",
         "roll-whole-axis"),
    case(lambda c: A.freq_crop(SPEC, min_keep=0.0), ValueError, r"min_keep must be > 0\.0, got 0\.0", "crop-keep-0"),
    case(lambda c: A.time_reverse([1.0, 2.0]), ValueError, r"time_reverse needs a non-empty tensor, got list",
         "reverse-list"),
    case(lambda c: A.mixup(noise(4, S), F.one_hot(torch.arange(4) % 3, 3).float(), alpha=0.0), ValueError,
         r"alpha must be > 0\.0, got 0\.0", "mixup-alpha-0"),
    case(lambda c: A.mixup(noise(4, S), torch.arange(4) % 3, alpha=0.2), ValueError,
         r"y_onehot must be a float tensor.*one_hot",
         "mixup-indices"),
    case(lambda c: A.mixup(noise(4, S), torch.zeros(3, 3), alpha=0.2), ValueError, r"x has 4 examples but y_onehot has 3",
         "mixup-batch-mismatch"),
    case(lambda c: A.MixUp(3)(noise(4, S), torch.tensor([0, 1, 2, 3])), ValueError,
         r"label 3 is out of range for MixUp\(num_classes=3\)", "MixUp-label-out-of-range"),
    case(lambda c: A.MixUp(3)(noise(4, S), [0, 1, 2, 0]), TypeError, r"labels must be a tensor of class indices.*got list",
         "MixUp-list"),
    case(lambda c: A.MixUp(1), ValueError, r"num_classes must be an int >= 2, got 1", "MixUp-one-class"),
    case(lambda c: A.RandomApply(A.Augment(A.gain, gain_db=3.0), p=2.0), ValueError, r"p must be <= 1\.0, got 2\.0",
         "random-apply-p"),
    case(lambda c: A.Compose(), TypeError, r"Compose needs one or more callables", "compose-empty"),
    case(lambda c: A.Augment("gain"), TypeError, r"fn must be callable, got str", "augment-not-callable"),
    case(lambda c: A.time_shift_with_labels(noise(S), torch.zeros(12, 3), 100, hop_samples=0), ValueError,
         r"hop_samples must be a positive int, got 0", "shift-labels-hop-0"),
    case(lambda c: A.time_shift_with_labels(noise(S), torch.zeros(12, 3), 100, hop_samples=320), ValueError,
         r"shift_samples=100 is not a multiple of hop_samples=320", "shift-labels-not-whole-hops"),
    case(lambda c: A.time_shift_with_labels(noise(2, S), torch.zeros(3, 12, 3), 320, hop_samples=320), ValueError,
         r"frame_labels shape \(3, 12, 3\) does not match waveform shape \(2, 4000\)", "shift-labels-batch"),
]


@pytest.mark.parametrize("call, exc, pattern", AUGMENT)
def test_augmentation_refuses(c, call, exc, pattern):
    check(c, call, exc, pattern)


def test_augmentation_takes_numpy_float64_and_one_clip():
    wave = noise(S)
    g = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    out = A.add_noise(wave.double().numpy(), 20.0, generator=g())  # numpy float64 -> float32, same draws
    assert out.dtype == torch.float32 and out.shape == (S,)
    torch.testing.assert_close(out, A.add_noise(wave, 20.0, generator=g()))
    torch.testing.assert_close(A.gain(wave[None], 6.0)[0], A.gain(wave, 6.0))  # a batch of one = one clip
    x, y = A.MixUp(3, seed=0)(noise(4, S), torch.tensor([0, 1, 2, 0], dtype=torch.int32))  # int32 labels
    assert y.shape == (4, 3) and torch.allclose(y.sum(1), torch.ones(4))
