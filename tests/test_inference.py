"""Long-audio inference: window boundaries, aggregation, padding, files vs tensors, resampling, chunked frames."""

from __future__ import annotations

import math

import numpy as np
import pytest
import soundfile as sf
import torch
from torch import nn

from course_utils.audio import load_audio, resample
from course_utils.inference import (FileSource, TensorSource, aggregate, as_source, sliding_window_predict,
                                    window_starts)
from course_utils.models import Classifier

SR = 8000  # the tiny model's rate
WINDOW = 800  # 0.1 s windows


class TinyClipModel(Classifier):
    """A deterministic clip classifier following the course contract: logits = Linear(waveform).

    A linear map of the raw samples is sensitive to every sample's position, so
    a window cut one sample off, or padded differently, changes its logits.
    It records the lengths it is given.
    """

    def __init__(self, n_classes: int = 3, sample_rate: int = SR, num_samples: int = WINDOW, multi_label: bool = False):
        super().__init__([f"class{i}" for i in range(n_classes)], sample_rate=sample_rate, num_samples=num_samples,
                         multi_label=multi_label)
        torch.manual_seed(0)
        self.proj = nn.Linear(num_samples, n_classes)
        self.seen_lengths = []

    def forward(self, waveforms, lengths=None):  # (B, S) -> (B, C)
        waveforms, lengths = self.prepare_input(waveforms, lengths)
        assert waveforms.shape[1] == self.num_samples
        if lengths is not None:
            self.seen_lengths.append(lengths.tolist())
        return self.proj(waveforms) * 10



def _noise(n, seed=0):
    return torch.randn(n, generator=torch.Generator().manual_seed(seed)) * 0.3


def _expected_window_probs(model, wave, starts):
    windows = torch.zeros(len(starts), model.num_samples)
    for i, s in enumerate(starts):
        piece = wave[s:s + model.num_samples]
        windows[i, :len(piece)] = piece
    with torch.no_grad():
        return model(windows).softmax(-1)


# ----------------------------------------------------------------------------
# Window boundaries


@pytest.mark.parametrize("total, window, hop, expected", [
    (10, 4, 2, [0, 2, 4, 6]),          # exact fit: the last window ends on the last sample
    (11, 4, 2, [0, 2, 4, 6, 8]),       # one sample over: an extra, padded window
    (9, 4, 2, [0, 2, 4, 6]),           # one sample short of an exact fit: last window padded by 1
    (8, 4, 4, [0, 4]),                 # hop == window: no overlap, exact
    (9, 4, 4, [0, 4, 8]),              # ... one sample over
    (4, 4, 1, [0]),                    # exactly one window
    (3, 4, 2, [0]),                    # shorter than a window: one padded window
    (1, 4, 3, [0]),
])
def test_window_starts(total, window, hop, expected):
    starts = window_starts(total, window, hop)
    assert starts == expected
    covered = set()
    for s in starts:
        covered.update(range(s, min(s + window, total)))
    assert covered == set(range(total))  # every sample is in some window
    assert all(s < total for s in starts)  # no window starts after the audio


@pytest.mark.parametrize("hop, match", [(0, "hop must be between 1"), (-2, "hop must be between 1"),
                                        (5, "hop must be between 1 and the window")])
def test_window_starts_bad_hop(hop, match):
    with pytest.raises(ValueError, match=match):
        window_starts(10, 4, hop)


def test_window_starts_bad_values():
    with pytest.raises(ValueError, match="total must be positive"):
        window_starts(0, 4, 2)
    with pytest.raises(TypeError, match="window must be an int"):
        window_starts(10, 4.0, 2)


# ----------------------------------------------------------------------------
# Sliding windows on tensors


def test_windows_match_manual_cuts_and_times():
    model = TinyClipModel()
    wave = _noise(SR * 2 + 123)  # 2 s and a bit: the last window is padded
    result = sliding_window_predict(model, wave, sample_rate=SR, hop_seconds=0.05, batch_size=7)
    starts = window_starts(wave.numel(), WINDOW, 400)
    torch.testing.assert_close(result.probs, _expected_window_probs(model, wave, starts), atol=1e-6, rtol=0)
    assert len(result) == len(starts) == 40
    torch.testing.assert_close(result.starts, torch.tensor(starts) / SR)
    assert result.ends[-1].item() == pytest.approx(wave.numel() / SR)
    assert result.ends[0].item() == pytest.approx(0.1)
    assert result.weights[:-1].eq(1).all()
    last_real = wave.numel() - starts[-1]
    assert result.weights[-1].item() == pytest.approx(last_real / WINDOW)
    assert result.duration == pytest.approx(wave.numel() / SR)
    assert result.rows()[0]["start"] == 0.0 and result.rows()[-1]["end"] == pytest.approx(wave.numel() / SR, abs=1e-3)


def test_batch_size_does_not_change_the_result():
    model = TinyClipModel()
    wave = _noise(SR + 555, seed=3)
    a = sliding_window_predict(model, wave, sample_rate=SR, hop_seconds=0.03, batch_size=1)
    b = sliding_window_predict(model, wave, sample_rate=SR, hop_seconds=0.03, batch_size=64)
    torch.testing.assert_close(a.probs, b.probs, atol=1e-6, rtol=0)


def test_default_hop_is_half_a_window_and_exact_multiple_has_no_padding():
    model = TinyClipModel()
    wave = _noise(WINDOW * 5)
    result = sliding_window_predict(model, wave, sample_rate=SR)
    assert result.starts.tolist() == pytest.approx([i * 0.05 for i in range(9)])
    assert result.weights.eq(1).all()


def test_aggregation_mean_is_weighted_by_real_audio_and_max_is_per_class():
    probs = torch.tensor([[0.8, 0.2], [0.6, 0.4], [0.0, 1.0]])
    weights = torch.tensor([1.0, 1.0, 0.5])
    torch.testing.assert_close(aggregate(probs, weights, "mean"), torch.tensor([1.4 / 2.5, 1.1 / 2.5]))
    torch.testing.assert_close(aggregate(probs, None, "mean"), probs.mean(0))
    torch.testing.assert_close(aggregate(probs, weights, "max"), torch.tensor([0.8, 1.0]))
    with pytest.raises(ValueError, match="unknown aggregation 'median'"):
        aggregate(probs, weights, "median")
    with pytest.raises(ValueError, match="weights must be"):
        aggregate(probs, torch.tensor([0.0, 0.0, 0.0]), "mean")


def test_clip_probs_aggregate_the_windows():
    model = TinyClipModel()
    wave = _noise(SR + 100, seed=1)
    mean = sliding_window_predict(model, wave, sample_rate=SR, hop_seconds=0.1, aggregation="mean")
    mx = sliding_window_predict(model, wave, sample_rate=SR, hop_seconds=0.1, aggregation="max")
    w = mean.weights
    assert w[-1].item() == pytest.approx(100 / WINDOW)
    torch.testing.assert_close(mean.clip_probs, (mean.probs * w[:, None]).sum(0) / w.sum())
    torch.testing.assert_close(mx.clip_probs, mx.probs.max(0).values)
    assert mean.clip_probs.sum().item() == pytest.approx(1.0, abs=1e-5)
    assert mean.label == model.labels[int(mean.clip_probs.argmax())]


def test_short_audio_is_one_padded_window_and_model_gets_true_length():
    model = TinyClipModel()
    wave = _noise(300)  # shorter than the 800-sample window
    result = sliding_window_predict(model, wave, sample_rate=SR)
    assert len(result) == 1
    assert model.seen_lengths == [[300]]
    assert result.weights.tolist() == [pytest.approx(300 / 800)]
    assert result.ends.tolist() == [pytest.approx(300 / SR)]
    torch.testing.assert_close(result.probs, _expected_window_probs(model, wave, [0]))
    torch.testing.assert_close(result.clip_probs, result.probs[0])  # one window: the aggregate is that window


def test_multi_label_model_gets_sigmoid_probabilities():
    """The activation is the model's own (model.probabilities): sigmoid for a multi-label model."""
    single, multi = TinyClipModel(), TinyClipModel(multi_label=True)  # the same weights (seed 0)
    wave = _noise(WINDOW * 2 + 300, seed=2)
    starts = window_starts(wave.numel(), WINDOW, 400)
    windows = torch.zeros(len(starts), WINDOW)
    for i, s in enumerate(starts):
        piece = wave[s:s + WINDOW]
        windows[i, :len(piece)] = piece
    with torch.no_grad():
        logits = multi(windows)
    result = sliding_window_predict(multi, wave, sample_rate=SR, hop_seconds=0.05)
    torch.testing.assert_close(result.probs, logits.sigmoid(), atol=1e-6, rtol=0)
    assert (result.probs.sum(1) - 1).abs().max() > 0.1  # not a softmax: rows need not sum to 1
    plain = sliding_window_predict(single, wave, sample_rate=SR, hop_seconds=0.05)
    torch.testing.assert_close(plain.probs, logits.softmax(-1), atol=1e-6, rtol=0)
    peak = sliding_window_predict(multi, wave, sample_rate=SR, hop_seconds=0.05, aggregation="max")
    torch.testing.assert_close(peak.clip_probs, logits.sigmoid().max(0).values, atol=1e-6, rtol=0)
    with pytest.raises(TypeError, match="multi_label"):
        sliding_window_predict(multi, wave, sample_rate=SR, multi_label=True)  # the argument is gone


def test_tensor_at_another_rate_is_resampled():
    model = TinyClipModel()
    wave16 = _noise(16000, seed=4)
    result = sliding_window_predict(model, wave16, sample_rate=16000, hop_seconds=0.1)
    expected = sliding_window_predict(model, resample(wave16, 16000, SR), sample_rate=SR, hop_seconds=0.1)
    torch.testing.assert_close(result.probs, expected.probs)


# ----------------------------------------------------------------------------
# Files: block-by-block reading equals loading the whole file


def _write(path, data, rate, subtype="FLOAT"):
    sf.write(str(path), np.asarray(data, dtype=np.float32), rate, subtype=subtype)
    return path


def test_file_and_tensor_give_the_same_result(tmp_path):
    model = TinyClipModel()
    wave = _noise(SR * 3 + 77, seed=5)
    path = _write(tmp_path / "long.wav", wave.numpy(), SR)
    from_file = sliding_window_predict(model, path, hop_seconds=0.07, batch_size=5)
    from_tensor = sliding_window_predict(model, wave, sample_rate=SR, hop_seconds=0.07, batch_size=5)
    torch.testing.assert_close(from_file.probs, from_tensor.probs, atol=1e-6, rtol=0)
    torch.testing.assert_close(from_file.starts, from_tensor.starts)
    torch.testing.assert_close(from_file.clip_probs, from_tensor.clip_probs, atol=1e-6, rtol=0)


def test_short_file_is_one_padded_window(tmp_path):
    model = TinyClipModel()
    wave = _noise(500, seed=6)
    result = sliding_window_predict(model, _write(tmp_path / "short.wav", wave.numpy(), SR))
    assert len(result) == 1 and result.weights.item() == pytest.approx(500 / 800)
    torch.testing.assert_close(result.probs, _expected_window_probs(model, wave, [0]), atol=1e-6, rtol=0)


@pytest.mark.parametrize("file_rate", [22050, 44100, 16000, 6000])
def test_file_source_resamples_block_by_block_like_the_whole_file(tmp_path, file_rate):
    wave = _noise(file_rate * 2 + 31, seed=7)  # 2 s at the file's rate
    path = _write(tmp_path / f"r{file_rate}.wav", wave.numpy(), file_rate)
    whole = load_audio(path, sample_rate=SR)  # resampled in one go
    source = FileSource(path, SR)
    assert len(source) == whole.numel()
    # blocks that start at 0, end at the file's end, and sit anywhere in between (odd offsets, tiny blocks)
    for start, stop in [(0, 800), (1, 801), (799, 2399), (3333, 3334), (len(source) - 500, len(source)),
                        (len(source) - 1, len(source) + 100), (0, len(source))]:
        torch.testing.assert_close(source.read(start, stop), whole[start:stop], atol=2e-5, rtol=0)


def test_resampled_file_matches_resampled_tensor(tmp_path):
    model = TinyClipModel()
    wave = _noise(22050 * 2, seed=8)
    path = _write(tmp_path / "r22k.wav", wave.numpy(), 22050)
    from_file = sliding_window_predict(model, path, hop_seconds=0.05, batch_size=4)
    from_tensor = sliding_window_predict(model, wave, sample_rate=22050, hop_seconds=0.05, batch_size=4)
    torch.testing.assert_close(from_file.probs, from_tensor.probs, atol=1e-4, rtol=0)


def test_stereo_file_is_mixed_down_like_load_audio(tmp_path):
    model = TinyClipModel()
    left, right = _noise(SR, seed=9), _noise(SR, seed=10)
    path = _write(tmp_path / "stereo.wav", torch.stack([left, right], 1).numpy(), SR)
    from_file = sliding_window_predict(model, path)
    from_tensor = sliding_window_predict(model, (left + right) / 2, sample_rate=SR)
    torch.testing.assert_close(from_file.probs, from_tensor.probs, atol=1e-6, rtol=0)


def test_file_memory_is_bounded_by_the_batch(tmp_path, monkeypatch):
    """A 20-second file read in batches of 4 windows never reads more than one batch span (plus margins)."""
    model = TinyClipModel()
    rate = 11025
    path = _write(tmp_path / "twenty.wav", _noise(rate * 20, seed=11).numpy(), rate)  # resampled on the way
    sizes = []
    original = FileSource._read_file

    def spy(self, start, stop):
        sizes.append(stop - start)
        return original(self, start, stop)

    monkeypatch.setattr(FileSource, "_read_file", spy)
    result = sliding_window_predict(model, path, hop_seconds=0.05, batch_size=4)
    span_model = 3 * 400 + WINDOW  # (batch - 1) * hop + window, model samples
    span_file = math.ceil(span_model * rate / SR) + 2 * FileSource(path, SR).margin + 2 * rate // math.gcd(rate, SR)
    assert len(result) == 399 and len(sizes) == 100
    assert max(sizes) <= span_file < rate * 20 / 20  # each read is a small fraction of the file


# ----------------------------------------------------------------------------
# Clear errors


@pytest.mark.parametrize("wave, kwargs, error, match", [
    (torch.zeros(0), {"sample_rate": SR}, ValueError, "empty"),
    (torch.tensor([0.0, float("nan"), 0.0]), {"sample_rate": SR}, ValueError, "NaN"),
    (torch.zeros(2, 1000), {"sample_rate": SR}, ValueError, "mono.*mix them down"),
    (torch.zeros(1000), {}, ValueError, "pass sample_rate= with a waveform.*8000 Hz"),
    (torch.zeros(1000), {"sample_rate": 0}, ValueError, "sample_rate must be positive"),
    (torch.zeros(1000), {"sample_rate": SR, "hop_seconds": 0}, ValueError, "hop_seconds must be > 0"),
    (torch.zeros(1000), {"sample_rate": SR, "hop_seconds": 0.2}, ValueError, r"at most the window \(0.1 s\)"),
    (torch.zeros(1000), {"sample_rate": SR, "aggregation": "vote"}, ValueError, "unknown aggregation 'vote'"),
    (torch.zeros(1000), {"sample_rate": SR, "batch_size": 0}, ValueError, "batch_size must be a positive int"),
    (torch.zeros(1000, dtype=torch.int16), {"sample_rate": SR}, ValueError, "floating-point"),
])
def test_bad_input_is_a_clear_error(wave, kwargs, error, match):
    with pytest.raises(error, match=match):
        sliding_window_predict(TinyClipModel(), wave, **kwargs)


def test_bad_file_inputs(tmp_path):
    model = TinyClipModel()
    with pytest.raises(ValueError, match="audio file not found"):
        sliding_window_predict(model, tmp_path / "missing.wav")
    path = _write(tmp_path / "ok.wav", _noise(1000).numpy(), SR)
    with pytest.raises(ValueError, match="sample_rate=8000 is only for arrays"):
        sliding_window_predict(model, path, sample_rate=SR)
    (tmp_path / "junk.wav").write_bytes(b"not audio at all")
    with pytest.raises(ValueError, match="cannot read audio file"):
        sliding_window_predict(model, tmp_path / "junk.wav")
    nan_path = _write(tmp_path / "nan.wav", np.array([0.0, np.nan, 0.0] * 100), SR)
    with pytest.raises(ValueError, match="NaN or Inf"):
        sliding_window_predict(model, nan_path)
    with pytest.raises(TypeError, match=r"does not follow the course classifier contract: missing \['labels'"):
        sliding_window_predict(nn.Linear(3, 3), path)
    with pytest.raises(TypeError, match="predicts one label per frame, not per clip.*chunked_frame_predict"):
        sliding_window_predict(tiny_frame_model(), path)


def test_as_source_kinds(tmp_path):
    assert isinstance(as_source(torch.zeros(10), SR, sample_rate=SR), TensorSource)
    assert isinstance(as_source(_write(tmp_path / "a.wav", np.zeros(10), SR), SR), FileSource)


# ----------------------------------------------------------------------------
# Frame models: chunked inference stitched equals the whole-file run (where the receptive field allows)


def tiny_frame_model(num_hidden_layers: int = 0, **overrides):
    """The course's Wav2Vec2FrameClassifier, tiny and random: (1, S) -> (1, T, 3), 320-sample stride.

    With no transformer layers and per-frame LayerNorm its reach is finite (conv
    encoder + conv position embedding), so chunking can be exact.
    """
    from course_utils.models.wav2vec2 import Wav2Vec2FrameClassifier, tiny_wav2vec2_config

    torch.manual_seed(0)
    config = tiny_wav2vec2_config(num_hidden_layers=num_hidden_layers, **overrides)
    model = Wav2Vec2FrameClassifier(["speech", "dog", "music"], config, multi_label=True, sample_rate=SR,
                                    num_samples=SR)
    return model.eval()


def _whole(model, wave):
    with torch.no_grad():
        return model(wave[None])[0]


def _reach_stride(model):
    from course_utils.models.wav2vec2 import encoder_stride, receptive_field

    return receptive_field(model.config), encoder_stride(model.config)


@pytest.mark.parametrize("frames, extra", [(60, 0),      # exactly 60 frames: 6 chunks of 10
                                           (60, -1),     # one sample short of frame 60: 59 frames
                                           (61, 0),      # frame 61 opens a 7th chunk of 1 frame
                                           (5, 7)])      # shorter than one chunk
def test_chunked_frames_equal_the_whole_file_when_context_covers_the_reach(frames, extra):
    from course_utils.models.wav2vec2 import num_frames
    from course_utils.inference import chunked_frame_predict, frame_context

    model = tiny_frame_model()
    reach, stride = _reach_stride(model)
    total = reach + stride * (frames - 1) + extra
    assert frame_context(model.config) == model.config.num_conv_pos_embeddings // 2
    wave = _noise(total, seed=12)
    whole = _whole(model, wave)  # (T, C)
    result = chunked_frame_predict(model, wave, sample_rate=SR, chunk_seconds=0.4)  # 10 frames per chunk
    assert result.exact and result.chunks == math.ceil(whole.shape[0] / 10)
    assert len(result) == whole.shape[0] == num_frames(model.config, total)
    torch.testing.assert_close(result.logits, whole, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(result.probs, whole.sigmoid(), atol=1e-5, rtol=1e-5)  # multi-label head
    assert result.times[1].item() == pytest.approx(stride / SR) and result.hop_seconds == pytest.approx(stride / SR)


def test_chunked_frames_with_too_little_context_differ_at_chunk_edges():
    """The test above can fail: with no context, frames next to a chunk boundary change."""
    from course_utils.inference import chunked_frame_predict

    model = tiny_frame_model()
    reach, stride = _reach_stride(model)
    wave = _noise(reach + stride * 39, seed=13)  # 40 frames
    whole = _whole(model, wave)
    result = chunked_frame_predict(model, wave, sample_rate=SR, chunk_seconds=0.8, context_seconds=0.0)  # 20 frames
    assert not result.exact
    err = (result.logits - whole).abs().amax(dim=1)  # (T,)
    assert err[20:24].max() > 1e-3  # just after the boundary
    torch.testing.assert_close(result.logits[:12], whole[:12], atol=1e-5, rtol=1e-5)  # 8+ frames from it: untouched


def test_chunked_frames_from_a_resampled_file(tmp_path):
    from course_utils.inference import chunked_frame_predict

    model = tiny_frame_model()
    wave = _noise(22050 * 2, seed=14)  # 2 s at 22.05 kHz
    path = _write(tmp_path / "frames22k.wav", wave.numpy(), 22050)
    from_file = chunked_frame_predict(model, path, chunk_seconds=0.4)
    whole = _whole(model, load_audio(path, sample_rate=SR))
    torch.testing.assert_close(from_file.logits, whole, atol=1e-4, rtol=1e-4)


def test_transformer_context_is_unbounded_so_chunking_approximates():
    from course_utils.inference import chunked_frame_predict, frame_context

    model = tiny_frame_model(num_hidden_layers=1)
    assert frame_context(model.config) is None
    assert frame_context(tiny_frame_model(feat_extract_norm="group").config) is None
    wave = _noise(SR * 2, seed=15)
    result = chunked_frame_predict(model, wave, sample_rate=SR, chunk_seconds=0.4, context_seconds=0.2)
    whole = _whole(model, wave)
    assert not result.exact and result.logits.shape == whole.shape
    assert not torch.allclose(result.logits, whole, atol=1e-5)  # attention saw different audio
    normalizing = tiny_frame_model()
    normalizing.do_normalize = True  # per-input mean/variance: global as well
    assert not chunked_frame_predict(normalizing, wave, sample_rate=SR, chunk_seconds=0.4).exact


def test_chunked_frame_errors():
    from course_utils.inference import chunked_frame_predict

    model = tiny_frame_model()
    with pytest.raises(ValueError, match="shorter than one frame's receptive field"):
        chunked_frame_predict(model, _noise(_reach_stride(model)[0] - 1), sample_rate=SR)
    with pytest.raises(ValueError, match="chunk_seconds must be positive"):
        chunked_frame_predict(model, _noise(SR), sample_rate=SR, chunk_seconds=0)
    with pytest.raises(ValueError, match="context_seconds must be >= 0"):
        chunked_frame_predict(model, _noise(SR), sample_rate=SR, context_seconds=-1)
    with pytest.raises(ValueError, match="mono"):
        chunked_frame_predict(model, torch.zeros(2, SR), sample_rate=SR)
    with pytest.raises(TypeError, match="no Wav2Vec2-style config"):
        chunked_frame_predict(TinyClipModel(), _noise(SR), sample_rate=SR)


@pytest.mark.parametrize("kind", ["ast", "wav2vec2"])
def test_a_last_window_shorter_than_one_frame_is_padded_not_a_crash(kind):
    """16,100 samples with 1-s windows leave a 100-sample scrap: less than one fbank frame (AST)
    or one receptive field (Wav2Vec2). It is read with enough silence to make one frame."""
    from course_utils.inference import predict
    from course_utils.models.ast import ASTClassifier
    from course_utils.models.wav2vec2 import Wav2Vec2Classifier

    torch.manual_seed(0)
    model = (ASTClassifier if kind == "ast" else Wav2Vec2Classifier)(["a", "b"]).eval()
    assert 1 < model.min_samples < 1000
    result = sliding_window_predict(model, _noise(16100), sample_rate=16000, hop_seconds=1.0)
    assert len(result) == 2 and torch.isfinite(result.probs).all()
    assert result.weights[-1].item() == pytest.approx(100 / 16000)  # the scrap still counts for what it is
    probs = predict(model, _noise(50))  # a clip shorter than one frame
    assert probs.shape == (2,) and torch.isfinite(probs).all()
