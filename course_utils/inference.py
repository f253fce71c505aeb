"""Inference: run a trained classifier on a clip, or on a recording of any length.

One clip: `predict(model, "dog.wav")` reads the file (or takes an array),
makes it mono at `model.sample_rate`, zero-pads or cuts it to
`model.num_samples` and returns `model.probabilities` of it: softmax for a
single-label model, sigmoid for a multi-label one.

A course classifier hears a fixed clip, `model.num_samples` samples (1 s for
the course's models). A recording is minutes long. Two ways to bridge that:

1. Clip models (CNN, AST, Wav2Vec2 + sequence head): **slide a window**.
   Cut the recording into windows of exactly `model.num_samples`, one every
   `hop` seconds (hop < window: the windows overlap, so an event cut in two by
   one window sits whole inside the next), classify the windows in batches,
   and keep one probability vector per window with its start and end time.
   A clip-level answer is an *aggregate* of the windows:

       mean   average the window probabilities, each weighted by the fraction
              of real audio in it ("what is this recording mostly?")
       max    per class, the highest probability of any window ("does this
              class occur anywhere?"; one confident window is enough)

2. Frame models (Wav2Vec2 encoder + frame head, notebook 06): **chunk with
   context**. The encoder turns every `encoder_stride` samples into one frame
   and looks at a finite neighbourhood (its receptive field) to compute it.
   Cut the recording into chunks whose starts are multiples of the stride,
   give each chunk some extra audio on the left and right (context), and keep
   only the chunk's central frames. Where the context covers the network's
   receptive field, the stitched frames equal running the model on the whole
   file (to float rounding). A transformer with full self-attention sees the
   whole input, so for it chunking is an approximation: more context, smaller
   error (`frame_context(config)` says which case a model is in).

Memory stays bounded by the window (or chunk), not by the recording: a file is
read block by block with `soundfile.SoundFile.seek/read`, resampled block by
block when its rate differs from the model's, and never held whole.

    >>> probs = predict(model, "dog.wav")              # (C,): dict(zip(model.labels, probs))
    >>> result = sliding_window_predict(model, "meeting.wav", hop_seconds=0.5)
    >>> result.clip_probs, result.probs.shape          # (C,), (windows, C)
    >>> result.rows()[:3]                              # start, end, top label per window
    >>> frames = chunked_frame_predict(frame_model, "meeting.wav", chunk_seconds=10.0)
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
import torchaudio
from torch import nn

from course_utils.audio import check_audio_path, check_sample_rate, load_audio, resample, validate_waveform
from course_utils.features import check_finite_number
from course_utils.models.base import check_classifier, check_positive_int, model_device

__all__ = ["AGGREGATIONS", "AudioSource", "FileSource", "FramePredictions", "TensorSource",
           "WindowPredictions", "aggregate", "as_source", "chunked_frame_predict", "encoder_config_of",
           "frame_context", "predict", "predict_frame_probabilities", "prepare_waveform", "sliding_window_predict", "window_starts"]

AGGREGATIONS = ("mean", "max")

# ----------------------------------------------------------------------------
# One clip


def _channel_axis(shape) -> str:
    """The channel axis of a 2-D recording: the short one ((2, n) torchaudio's layout, (n, 2) soundfile's),
    as the argument to write in a hint: `x.mean(1)` works on a numpy array and a tensor alike."""
    return "0" if shape[0] <= shape[1] else "1"


def _from_audio_dict(audio: Mapping, sample_rate: int | None) -> tuple[object, int]:
    """`(array, rate)` from an audio dict as `datasets` rows and transformers' pipelines hold them:
    `{"array": samples, "sampling_rate": rate}` (e.g. `ds["train"][0]["audio"]`)."""
    missing = [k for k in ("array", "sampling_rate") if k not in audio]
    if missing:
        raise ValueError(f"an audio dict needs the keys 'array' and 'sampling_rate' (as ds[i]['audio'] has them), "
                         f"got keys {sorted(audio)[:6]}")
    rate = check_sample_rate(audio["sampling_rate"], name="the audio dict's sampling_rate")
    if sample_rate is not None and check_sample_rate(sample_rate) != rate:
        raise ValueError(f"sample_rate={sample_rate} disagrees with the audio dict's sampling_rate={rate}; "
                         "leave sample_rate out: the dict says its own rate")
    return audio["array"], rate


def prepare_waveform(model: nn.Module, path_or_waveform, sample_rate: int | None = None) -> tuple[torch.Tensor, int]:
    """The clip as the model wants it: mono float32 at `model.sample_rate`, zero-padded or cut to
    `model.num_samples`. Returns `(waveform (num_samples,), true_length)`; a clip shorter than
    `model.min_samples` (one fbank or encoder frame) counts that much of its padding as audio."""
    if isinstance(path_or_waveform, Mapping):
        path_or_waveform, sample_rate = _from_audio_dict(path_or_waveform, sample_rate)
    if isinstance(path_or_waveform, (str, os.PathLike)):
        if sample_rate is not None:
            raise ValueError(f"sample_rate={sample_rate} is only for arrays: a file's rate is read from the file "
                             f"({path_or_waveform})")
        waveform = load_audio(path_or_waveform, sample_rate=model.sample_rate)  # (S,), mono, resampled
        name = str(path_or_waveform)
    else:
        if not torch.is_tensor(path_or_waveform) and not hasattr(path_or_waveform, "__array__"):
            raise TypeError(f"predict takes a file path or a mono waveform (array or tensor), "
                            f"got {type(path_or_waveform).__name__}")
        waveform = path_or_waveform if torch.is_tensor(path_or_waveform) else np.asarray(path_or_waveform)
        if waveform.ndim == 2 and min(waveform.shape) <= 2:
            raise ValueError(f"predict needs a mono waveform (samples,), got shape {tuple(waveform.shape)}: "
                             f"stereo? mix it down first, e.g. waveform.mean({_channel_axis(waveform.shape)})")
        if waveform.ndim != 1:
            raise ValueError(f"predict needs one mono waveform of shape (samples,), got shape {tuple(waveform.shape)}; "
                             "for a batch use evaluate() or call the model directly")
        waveform = validate_waveform(waveform, name="waveform")
        sample_rate = model.sample_rate if sample_rate is None else check_sample_rate(sample_rate)
        if sample_rate != model.sample_rate:
            waveform = resample(waveform, sample_rate, model.sample_rate)
        name = "waveform"
    waveform = validate_waveform(waveform, name=name)
    length = min(waveform.shape[0], model.num_samples)
    fixed = torch.zeros(model.num_samples, dtype=torch.float32)
    fixed[:length] = waveform[:length]  # zero-pad short clips, cut long ones
    return fixed, min(model.num_samples, max(length, getattr(model, "min_samples", 1)))


@torch.no_grad()
def predict(model: nn.Module, path_or_waveform, sample_rate: int | None = None) -> torch.Tensor:
    """Class probabilities `(num_classes,)` for one clip: a file path, a mono array/tensor, or an audio
    dict `{"array", "sampling_rate"}` (a `datasets` row's `audio`, as transformers' pipelines take it).

    Files are read with `course_utils.audio.load_audio`; every input is resampled to
    `model.sample_rate` (arrays are taken to be at `sample_rate`, default the model's)
    and zero-padded or cut to `model.num_samples` (the model is told the true length).
    The probabilities are `model.probabilities(logits)`: they sum to 1 for a single-label
    model, and each is its own yes/no for a multi-label one. `dict(zip(model.labels, probs))`
    names them; a recording longer than the model's clip wants `sliding_window_predict`.
    """
    check_classifier(model, clip_level=True)
    waveform, length = prepare_waveform(model, path_or_waveform, sample_rate)
    device = model_device(model)
    model.eval()
    logits = model(waveform[None].to(device), torch.tensor([length], device=device))  # (1, C)
    return model.probabilities(logits.float())[0].cpu()


# ----------------------------------------------------------------------------
# Reading audio in pieces: a tensor in memory or a file on disk, at the model's rate


class AudioSource:
    """Mono audio at `sample_rate` that can be read piece by piece: `read(start, stop) -> (stop - start,)`.

    Two kinds: a tensor already in memory (`TensorSource`) and a file on disk
    (`FileSource`, which reads only the samples asked for). `len(source)` is the
    number of samples at `sample_rate`; reads past the end return fewer samples.
    """

    sample_rate: int
    name: str

    def __len__(self) -> int:
        raise NotImplementedError

    def read(self, start: int, stop: int) -> torch.Tensor:
        raise NotImplementedError

    @property
    def duration(self) -> float:
        return len(self) / self.sample_rate


class TensorSource(AudioSource):
    """A mono waveform in memory, resampled once to `target_rate` if its `sample_rate` differs."""

    def __init__(self, waveform, sample_rate: int, target_rate: int, name: str = "waveform"):
        sample_rate = check_sample_rate(sample_rate)
        waveform = np.asarray(waveform) if not torch.is_tensor(waveform) else waveform  # dtype: validate_waveform
        if waveform.ndim == 2 and min(waveform.shape) <= 8:
            raise ValueError(f"{name} must be mono (samples,), got shape {tuple(waveform.shape)}: several channels? "
                             f"mix them down first, e.g. waveform.mean({_channel_axis(waveform.shape)}) "
                             "(as course_utils.audio.load_audio does)")
        waveform = validate_waveform(waveform, name=name)  # (S,) float32, finite, non-empty
        if sample_rate != target_rate:
            waveform = resample(waveform, sample_rate, target_rate)
        self.waveform, self.sample_rate, self.name = waveform, target_rate, name

    def __len__(self) -> int:
        return self.waveform.shape[0]

    def read(self, start: int, stop: int) -> torch.Tensor:
        return self.waveform[max(start, 0):max(stop, 0)]


class FileSource(AudioSource):
    """An audio file read on demand, mixed to mono and resampled block by block to `target_rate`.

    Resampling a block on its own would make its edges click (the resampling
    filter would see silence beyond them). So each read takes `margin` extra
    file samples on both sides, resamples, and trims them off; the block starts
    on a file sample that falls exactly on the model's sample grid, so the
    pieces line up with resampling the whole file (equal to float rounding).
    """

    def __init__(self, path: str | os.PathLike, target_rate: int):
        path = check_audio_path(path)
        try:
            info = sf.info(str(path))
        except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
            raise ValueError(f"cannot read audio file {str(path)!r} ({exc}); "
                             f"soundfile reads WAV, FLAC and OGG (MP3 needs FFmpeg)") from exc
        if info.frames <= 0:
            raise ValueError(f"audio file {str(path)!r} is empty: it has no samples")
        self.path, self.name = path, path.name
        self.file_rate, self.sample_rate, self.file_frames = int(info.samplerate), int(target_rate), int(info.frames)
        g = math.gcd(self.file_rate, self.sample_rate)
        self._p, self._q = self.file_rate // g, self.sample_rate // g  # p file samples <-> q model samples
        # The filter of course_utils.audio.resample (torchaudio's windowed sinc), its kernel computed once.
        self._resampler = torchaudio.transforms.Resample(self.file_rate, self.sample_rate, dtype=torch.float32)
        # file samples the filter reaches on each side of an output sample (+2 for rounding)
        self.margin = getattr(self._resampler, "width", 0) + 2

    def __len__(self) -> int:
        return -(-self.file_frames * self._q // self._p)  # ceil, as torchaudio's resample gives

    def _read_file(self, start: int, stop: int) -> torch.Tensor:
        """File samples [start, stop), mono float32."""
        with sf.SoundFile(str(self.path)) as f:
            f.seek(start)
            data = f.read(stop - start, dtype="float32", always_2d=True)  # (samples, channels)
        mono = torch.from_numpy(data.mean(axis=1, dtype=np.float32))  # (samples,)
        if not torch.isfinite(mono).all():
            raise ValueError(f"audio in {self.name} contains NaN or Inf samples (file samples {start}..{stop})")
        return mono

    def read(self, start: int, stop: int) -> torch.Tensor:
        start, stop = max(start, 0), min(stop, len(self))
        if stop <= start:
            return torch.zeros(0)
        if self._p == self._q:  # same rate: no resampling
            return self._read_file(start, stop)
        p, q = self._p, self._q
        # first file sample: on the shared grid (a multiple of p), at least `margin` before the block
        f0 = max(0, ((start * p) // q - self.margin) // p * p)
        f1 = min(self.file_frames, -(-stop * p // q) + self.margin + 1)
        block = self._resampler(self._read_file(f0, f1))  # model sample f0*q/p + j
        offset = f0 // p * q
        return block[start - offset:stop - offset]


def as_source(path_or_waveform, model_rate: int, sample_rate: int | None = None) -> AudioSource:
    """Wrap a file path, a mono waveform or an audio dict `{"array", "sampling_rate"}` as an
    `AudioSource` at `model_rate`.

    A tensor or array needs its `sample_rate` (a recording is rarely at the
    model's rate, and guessing wrong would pitch it up or down silently); a file
    knows its own rate, so passing one is an error.
    """
    model_rate = check_sample_rate(model_rate, name="model sample_rate")
    if isinstance(path_or_waveform, Mapping):
        path_or_waveform, sample_rate = _from_audio_dict(path_or_waveform, sample_rate)
    if isinstance(path_or_waveform, (str, os.PathLike)):
        if sample_rate is not None:
            raise ValueError(f"sample_rate={sample_rate} is only for arrays: a file's rate is read from the file "
                             f"({str(path_or_waveform)!r})")
        return FileSource(path_or_waveform, model_rate)
    if not torch.is_tensor(path_or_waveform) and not isinstance(path_or_waveform, (np.ndarray, list, tuple)):
        raise TypeError(f"expected a file path, a mono waveform (tensor or array) or an audio dict "
                        f"{{'array', 'sampling_rate'}}, got {type(path_or_waveform).__name__}")
    if sample_rate is None:
        raise ValueError(f"pass sample_rate= with a waveform (the model expects {model_rate} Hz; "
                         f"a recording at another rate would be heard pitched up or down)")
    return TensorSource(path_or_waveform, sample_rate, model_rate)


# ----------------------------------------------------------------------------
# Clip models: sliding windows


def window_starts(total: int, window: int, hop: int) -> list[int]:
    """Start samples of the windows that cover `total` samples.

    Windows start at 0, hop, 2*hop, ... up to the last start that still needs
    a window: every sample is covered, no window starts beyond the audio, and
    the final window may run past the end (it is then zero-padded). Audio
    shorter than one window gets one (padded) window.

        total=10, window=4, hop=2 -> [0, 2, 4, 6]     (6 + 4 = 10: exact fit)
        total=11, window=4, hop=2 -> [0, 2, 4, 6, 8]  (the last window has 3 real samples)
    """
    for name, value in (("total", total), ("window", window), ("hop", hop)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise TypeError(f"{name} must be an int number of samples, got {value!r}")
    if total <= 0:
        raise ValueError(f"total must be positive, got {total}: there is no audio to cover")
    if window <= 0:
        raise ValueError(f"window must be positive, got {window}")
    if hop <= 0 or hop > window:
        raise ValueError(f"hop must be between 1 and the window ({window} samples), got {hop}: "
                         f"a hop larger than the window would skip audio")
    last = max(total - window, 0)  # the last start whose window ends inside the audio
    starts = list(range(0, last + 1, hop))
    if starts[-1] + window < total:  # audio left over: one more window, padded at the end
        starts.append(starts[-1] + hop)
    return starts


def aggregate(probs: torch.Tensor, weights: torch.Tensor | None = None, method: str = "mean") -> torch.Tensor:
    """Combine window probabilities `(windows, C)` into one clip-level vector `(C,)`.

    - "mean": the weighted average, `sum_w weight_w * p_w / sum_w weight_w`; with
      the weights from `sliding_window_predict` (fraction of real audio in each
      window) a padded final window counts in proportion to its real audio.
    - "max": per class, the largest window probability (weights are ignored: a
      short final window that clearly contains an event still detects it). With
      softmax outputs the result no longer sums to one; it answers "how sure is
      the most confident window", class by class.
    """
    if method not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {method!r}; choose one of {AGGREGATIONS}")
    if not torch.is_tensor(probs):
        raise TypeError(f"probs must be a tensor (windows, classes), got {type(probs).__name__}")
    if probs.ndim != 2 or probs.shape[0] == 0:
        raise ValueError(f"probs must be (windows, classes) with at least one window, got shape {tuple(probs.shape)}")
    if not torch.isfinite(probs).all():
        raise ValueError(f"probs contains {int((~torch.isfinite(probs)).sum())} NaN or Inf values")
    if method == "max":
        return probs.max(dim=0).values
    weights = torch.ones(probs.shape[0]) if weights is None else torch.as_tensor(weights, dtype=probs.dtype)
    if (weights.shape != probs.shape[:1] or not torch.isfinite(weights).all() or (weights < 0).any()
            or weights.sum() <= 0):
        raise ValueError(f"weights must be ({probs.shape[0]},), non-negative, finite, not all zero; "
                         f"got {weights.tolist()}")
    return (weights[:, None] * probs).sum(dim=0) / weights.sum()  # (C,)


@dataclass
class WindowPredictions:
    """What sliding-window inference returns.

    probs      (windows, C)  class probabilities of each window
    starts     (windows,)    window start times, seconds
    ends       (windows,)    window end times, seconds (the last one clipped to the audio's end)
    weights    (windows,)    fraction of each window that is real audio (1.0 except a padded last window)
    clip_probs (C,)          the aggregate over windows (`aggregation`: "mean" or "max")
    """

    probs: torch.Tensor
    starts: torch.Tensor
    ends: torch.Tensor
    weights: torch.Tensor
    clip_probs: torch.Tensor
    labels: list[str]
    aggregation: str
    duration: float

    def __len__(self) -> int:
        return self.probs.shape[0]

    @property
    def label(self) -> str:
        """The clip-level answer: the label with the highest aggregated probability."""
        return self.labels[int(self.clip_probs.argmax())]

    def rows(self) -> list[dict]:
        """One dict per window: start, end (s), top label and its probability."""
        top_p, top_i = self.probs.max(dim=1)
        return [{"start": round(float(s), 3), "end": round(float(e), 3), "label": self.labels[int(i)],
                 "prob": round(float(p), 3)} for s, e, i, p in zip(self.starts, self.ends, top_i, top_p)]


@torch.no_grad()
def sliding_window_predict(model: nn.Module, path_or_waveform, *, sample_rate: int | None = None,
                           hop_seconds: float | None = None, aggregation: str = "mean",
                           batch_size: int = 32) -> WindowPredictions:
    """Classify a recording of any length with a clip model, window by window.

    model: a course clip classifier (course_utils.models); the window is `model.num_samples`,
        the probabilities are `model.probabilities` (softmax, or sigmoid if multi-label).
    path_or_waveform: a file (read block by block: memory is bounded by
        `batch_size` windows, not by the file), a mono waveform `(samples,)`
        with its `sample_rate`, or an audio dict `{"array", "sampling_rate"}`.
    hop_seconds: time between window starts, 0 < hop <= window (default: half
        a window, i.e. 50% overlap).
    aggregation: "mean" or "max" (see `aggregate`).

    The last window is zero-padded when the audio does not end on a window
    boundary; the model gets the true length and the window's weight in the
    mean is its fraction of real audio.
    """
    check_classifier(model, clip_level=True)
    if aggregation not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {aggregation!r}; choose one of {AGGREGATIONS}")
    batch_size = check_positive_int(batch_size, "batch_size")
    source = as_source(path_or_waveform, model.sample_rate, sample_rate)
    sr, window = source.sample_rate, int(model.num_samples)
    hop_seconds = window / sr / 2 if hop_seconds is None else check_finite_number(hop_seconds, "hop_seconds")
    hop = round(hop_seconds * sr)
    if hop_seconds > 0 and hop <= 0:
        raise ValueError(f"hop_seconds={hop_seconds!r} is less than one sample at {sr} Hz; "
                         f"use a hop between {1 / sr:g} s and the window ({window / sr:g} s)")
    if not hop_seconds > 0 or hop <= 0 or hop > window:
        raise ValueError(f"hop_seconds must be > 0 and at most the window ({window / sr:g} s), got {hop_seconds!r}")
    total = len(source)
    starts = window_starts(total, window, hop)
    device = model_device(model)
    model.eval()

    shortest = min(window, getattr(model, "min_samples", 1))
    probs = []
    for b in range(0, len(starts), batch_size):
        batch_starts = starts[b:b + batch_size]
        first = batch_starts[0]
        block = source.read(first, batch_starts[-1] + window)  # (span,) every window of the batch, once
        windows = torch.zeros(len(batch_starts), window)  # (B, window), zero-padded past the end
        lengths = torch.empty(len(batch_starts), dtype=torch.long)
        for i, s in enumerate(batch_starts):
            piece = block[s - first:s - first + window]
            windows[i, :piece.shape[0]] = piece
            lengths[i] = max(piece.shape[0], shortest)  # a last scrap shorter than one frame: padded with silence
        logits = model(windows.to(device), lengths.to(device)).float()  # (B, C)
        probs.append(model.probabilities(logits).cpu())
    probs = torch.cat(probs)  # (W, C)

    starts_t = torch.tensor(starts, dtype=torch.float64)
    ends_t = torch.clamp(starts_t + window, max=total)
    weights = ((ends_t - starts_t) / window).float()  # 1.0, except a padded last window
    return WindowPredictions(probs=probs, starts=(starts_t / sr).float(), ends=(ends_t / sr).float(),
                             weights=weights, clip_probs=aggregate(probs, weights, aggregation),
                             labels=list(model.labels), aggregation=aggregation, duration=total / sr)


# ----------------------------------------------------------------------------
# Frame models: a batch of clips, or chunks with context, stitched


@torch.no_grad()
def predict_frame_probabilities(model, waveforms: torch.Tensor, batch_size: int = 16) -> torch.Tensor:
    """Per-frame probabilities `(N, T, C)` on the CPU for a batch of clips `(N, S)`, in eval mode.

    `model` is a course frame classifier: `model(waveforms) -> logits (B, T, C)`, and
    `model.probabilities` (sigmoid for a multi-label head, softmax for a single-label one).
    For one recording of any length use `chunked_frame_predict`.
    """
    check_classifier(model)
    if not getattr(model, "frame_level", False):
        raise TypeError(f"{type(model).__name__} predicts one label per clip: predict_frame_probabilities is for frame "
                        "classifiers; score clips with course_utils.train.evaluate or predict")
    if not torch.is_tensor(waveforms):
        raise TypeError(f"waveforms must be a torch tensor (batch, samples), got {type(waveforms).__name__}; "
                        "convert with torch.as_tensor(x, dtype=torch.float32)")
    if waveforms.ndim != 2:
        raise ValueError(f"waveforms must be a tensor (batch, samples), got shape {tuple(waveforms.shape)}"
                         + ("; for one clip use waveform[None]" if waveforms.ndim == 1 else ""))
    check_positive_int(batch_size, "batch_size")
    was_training = model.training
    model.eval()
    device = model_device(model)
    out = [model.probabilities(model(waveforms[i:i + batch_size].to(device))).float().cpu()
           for i in range(0, waveforms.shape[0], batch_size)]
    model.train(was_training)
    return torch.cat(out)  # (N, T, C)




def encoder_config_of(model: nn.Module, config=None):
    """The conv feature encoder's config (conv_kernel, conv_stride, ...) of a frame model.

    Taken from `config` when given, else from `model.config`, `model.encoder.config`
    or `model.wav2vec2.config`, whichever exists first.
    """
    if config is None:
        for owner in (model, getattr(model, "encoder", None), getattr(model, "wav2vec2", None)):
            config = getattr(owner, "config", None) if owner is not None else None
            if config is not None and hasattr(config, "conv_kernel"):
                break
            config = None
    if config is None or not hasattr(config, "conv_kernel") or not hasattr(config, "conv_stride"):
        raise TypeError(f"{type(model).__name__} has no Wav2Vec2-style config (conv_kernel, conv_stride); "
                        f"pass config= explicitly")
    return config


def frame_context(config) -> int | None:
    """Frames of context each side of a chunk needs for chunked = whole-file results, or None if no finite amount does.

    After the conv feature encoder (whose reach `receptive_field(config)` the
    chunk boundaries already respect), a Wav2Vec2 encoder mixes frames in two
    places: the convolutional position embedding (kernel
    `num_conv_pos_embeddings` frames, so half of it on each side) and the
    transformer layers, whose self-attention sees every frame. With one or
    more transformer layers, or with `feat_extract_norm="group"` (a GroupNorm
    over the whole time axis in the first conv layer), every frame depends on
    all of the audio: chunking then approximates the whole-file result. (So
    does a model that normalizes each input to zero mean and unit variance,
    `do_normalize=True`: `chunked_frame_predict` checks that too.)
    """
    if getattr(config, "num_hidden_layers", 0) > 0 or getattr(config, "feat_extract_norm", "layer") == "group":
        return None
    return int(getattr(config, "num_conv_pos_embeddings", 0)) // 2


@dataclass
class FramePredictions:
    """Stitched frame-level output of `chunked_frame_predict`.

    probs   (frames, C)  per-frame probabilities (sigmoid if multi-label, else softmax)
    logits  (frames, C)
    times   (frames,)    start time of each frame's receptive field, seconds (frame t starts at t * stride)
    hop_seconds          time between frames (encoder stride / sample rate, 20 ms for Wav2Vec2)
    exact                True when the context covered the model's whole reach (chunked == whole file)
    """

    probs: torch.Tensor
    logits: torch.Tensor
    times: torch.Tensor
    hop_seconds: float
    labels: list[str]
    chunks: int
    exact: bool

    def __len__(self) -> int:
        return self.probs.shape[0]


def _frame_logits(model: nn.Module, waveform: torch.Tensor) -> torch.Tensor:
    """Run a frame model on one waveform `(S,)`; return logits `(T, C)`."""
    out = model(waveform[None])
    out = getattr(out, "logits", out)
    if out.ndim != 3 or out.shape[0] != 1:
        raise ValueError(f"a frame model must return logits (batch, frames, classes), got shape {tuple(out.shape)}")
    return out[0].float()


@torch.no_grad()
def chunked_frame_predict(model: nn.Module, path_or_waveform, *, sample_rate: int | None = None,
                          chunk_seconds: float = 10.0, context_seconds: float | None = None, config=None,
                          multi_label: bool = False) -> FramePredictions:
    """Frame-level predictions for a recording of any length, one chunk at a time.

    model: forward `(1, samples) -> logits (1, frames, C)` (or an output with
        `.logits`), with `sample_rate` and `labels` attributes and a Wav2Vec2-style
        config (see `encoder_config_of`). A course frame classifier turns the logits
        into probabilities with its own `probabilities`; for another model (a
        transformers one), `multi_label` picks sigmoid over softmax.
    chunk_seconds: audio whose frames each chunk keeps (rounded to whole frames).
    context_seconds: extra audio given on each side of a chunk and thrown away
        after. None: exactly what `frame_context` says is needed (then the result
        equals the whole-file run), or 1 s for a model whose context is unbounded.

    Chunk k keeps frames [k*n, (k+1)*n). Frame t's receptive field starts at
    sample t*stride, so every chunk's input starts on a multiple of the encoder
    stride and its frames line up with the whole file's frames. The input is the
    chunk's samples plus `context` frames of audio each side (clipped at the
    file's ends, where the whole-file run has no more audio either).
    """
    from course_utils.models.wav2vec2 import encoder_stride, num_frames, receptive_field

    for attr in ("sample_rate", "labels"):
        if not hasattr(model, attr):
            raise TypeError(f"{type(model).__name__} needs a `{attr}` attribute for chunked_frame_predict")
    config = encoder_config_of(model, config)
    source = as_source(path_or_waveform, model.sample_rate, sample_rate)
    sr, total = source.sample_rate, len(source)
    stride, reach = encoder_stride(config), receptive_field(config)
    if total < reach:
        raise ValueError(f"the audio is {total} samples ({total / sr:.4f} s), shorter than one frame's receptive field "
                         f"({reach} samples): the encoder makes no frame from it")
    n_total = num_frames(config, total)  # the whole-file run's frame count
    check_finite_number(chunk_seconds, "chunk_seconds", positive=True)
    chunk = max(1, round(chunk_seconds * sr / stride))  # frames kept per chunk
    needed = None if getattr(model, "do_normalize", False) else frame_context(config)  # per-input statistics: global
    if context_seconds is None:
        context = needed if needed is not None else math.ceil(sr / stride)
    elif check_finite_number(context_seconds, "context_seconds") < 0:
        raise ValueError(f"context_seconds must be >= 0, got {context_seconds!r}")
    else:
        context = math.ceil(context_seconds * sr / stride)

    model.eval()
    device = model_device(model)
    pieces, n_chunks = [], 0
    for t0 in range(0, n_total, chunk):
        t1 = min(t0 + chunk, n_total)  # keep frames [t0, t1)
        f0 = max(t0 - context, 0)  # first frame computed
        a = f0 * stride  # first sample read: on the stride grid
        b = min(total, (t1 - 1 + context) * stride + reach)  # enough samples for frame t1-1+context
        logits = _frame_logits(model, source.read(a, b).to(device))  # (frames of the piece, C)
        if logits.shape[0] < t1 - f0:
            raise ValueError(f"the model returned {logits.shape[0]} frames for {b - a} samples, expected at least "
                             f"{t1 - f0}: does its config match the model?")
        pieces.append(logits[t0 - f0:t1 - f0].cpu())
        n_chunks += 1
    logits = torch.cat(pieces)  # (T, C)
    if callable(getattr(model, "probabilities", None)):
        probs = model.probabilities(logits)
    else:
        probs = logits.sigmoid() if multi_label else logits.softmax(dim=-1)
    exact = needed is not None and context >= needed
    return FramePredictions(probs=probs, logits=logits, times=torch.arange(n_total) * stride / sr,
                            hop_seconds=stride / sr, labels=list(model.labels), chunks=n_chunks, exact=exact)
