"""The fast layers of course_utils.fast_features give the plain functions' numbers.

`LogMel` must equal `features.log_mel_spectrogram` and `ASTFeatures` must
equal `features.ast_features` (which tests/test_features.py checks against
librosa, torchaudio and transformers), over several settings, batch shapes,
clip lengths and dtypes, at the tolerances stated next to each assert. Also:
the speed tricks themselves (banded matmul, chunks, in place) and the layers'
gradients, buffers, devices and errors.
"""

from __future__ import annotations

import math

import pytest
import torch

from course_utils import fast_features as Q
from course_utils import features as F
from course_utils.env import get_device

SR = 16000


def _signals(num_samples: int = 8000, batch: int = 4, seed: int = 0) -> torch.Tensor:
    """(batch, samples) float32: noise, a tone, a chirp with a DC offset, a click train, repeating."""
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(num_samples, dtype=torch.float64) / SR
    clicks = torch.zeros(num_samples, dtype=torch.float64)
    clicks[::800] = 0.9
    kinds = [0.1 * torch.randn(num_samples, generator=g, dtype=torch.float64),
             0.5 * torch.sin(2 * math.pi * 440 * t),
             0.3 * torch.sin(2 * math.pi * (100 + 3000 * t) * t) + 0.1,
             clicks + 1e-3 * torch.randn(num_samples, generator=g, dtype=torch.float64)]
    gains = torch.linspace(0.5, 1.0, batch, dtype=torch.float64).unsqueeze(1)
    return (torch.stack([kinds[i % 4] for i in range(batch)]) * gains).float()


@pytest.fixture(scope="module")
def waves() -> torch.Tensor:
    return _signals()


# ----------------------------------------------------------------------------
# LogMel == log_mel_spectrogram

LOG_MEL_SETTINGS = [
    {},
    {"n_fft": 512, "hop_length": 128, "n_mels": 40, "f_min": 20.0, "f_max": 7600.0, "mel_scale": "slaney",
     "norm": "slaney"},
    {"center": False, "top_db": 60.0},
    {"pad_mode": "reflect", "top_db": None},
    {"win_length": 256, "window": "hamming", "sample_rate": 8000, "n_mels": 32},
]


@pytest.mark.parametrize("settings", LOG_MEL_SETTINGS, ids=lambda s: ",".join(s) or "defaults")
@pytest.mark.parametrize("shape", [(8000,), (1, 8000), (4, 8000), (3, 2345)], ids=str)
def test_log_mel_layer_equals_the_plain_function(settings, shape):
    waves = _signals(shape[-1], shape[0] if len(shape) == 2 else 1)
    waves = waves if len(shape) == 2 else waves[0]
    plain = F.log_mel_spectrogram(waves, **settings)
    fast = Q.LogMel(**settings)(waves)
    assert fast.shape == plain.shape and fast.dtype == torch.float32
    assert fast.shape[-1] == Q.LogMel(**settings).num_frames(shape[-1])
    torch.testing.assert_close(fast, plain, atol=1e-4, rtol=0)  # dB; float32 roundoff of two summation orders
    plain64 = F.log_mel_spectrogram(waves.double(), **settings)
    fast64 = Q.LogMel(**settings, dtype=torch.float64)(waves.double())
    assert fast64.dtype == torch.float64
    torch.testing.assert_close(fast64, plain64, atol=1e-9, rtol=0)  # dB; float64 roundoff only


def test_log_mel_layer_does_not_modify_input_and_grad_path_agrees(waves):
    layer, copy = Q.LogMel(), waves.clone()
    no_grad = layer(waves)                                              # in-place path (tricks 1 and 3)
    assert torch.equal(waves, copy)
    with_grad = layer(waves.clone().requires_grad_())                   # out-of-place path
    assert with_grad.requires_grad
    torch.testing.assert_close(with_grad.detach(), no_grad, atol=1e-5, rtol=0)  # dB, same operations
    with torch.inference_mode():
        torch.testing.assert_close(layer(waves), no_grad, atol=0, rtol=0)


def test_log_mel_layer_buffers_follow_the_module_and_stay_out_of_the_state_dict():
    layer = Q.LogMel(n_mels=40)
    assert layer.state_dict() == {}
    assert {n: tuple(b.shape) for n, b in layer.named_buffers()} == {"window": (400,), "pair_filterbank": (402, 40)}
    torch.testing.assert_close(layer.pair_filterbank[::2], F.mel_filterbank(201, 40, SR), atol=0, rtol=0)
    torch.testing.assert_close(layer.pair_filterbank[1::2], F.mel_filterbank(201, 40, SR), atol=0, rtol=0)
    assert layer.double().pair_filterbank.dtype == torch.float64


# ----------------------------------------------------------------------------
# ASTFeatures == ast_features


def _close_in_normalised_log(fast: torch.Tensor, plain: torch.Tensor) -> None:
    """Normalised log-energies ((log - mean) / (2 std), 2 std ~ 9): within 1e-4 where the energy is
    within 1e-5 of the clip's peak, within 2e-3 in the quietest cells, whose tiny energies carry the
    float32 roundoff of two different but equal orders of operations (identities 1 and 2)."""
    diff = (fast - plain).abs()
    loud = plain > plain.amax() - math.log(1e5) / (2 * F.AST_STD)
    assert diff[loud].max() < 1e-4, float(diff[loud].max())
    assert diff.max() < 2e-3, float(diff.max())


AST_SETTINGS = [  # (sample_rate, num_mel_bins, max_length): AudioSet's, cut, 8 kHz padded
    (16000, 128, 1024),
    (16000, 64, 20),
    (8000, 23, 60),
]


@pytest.mark.parametrize("sample_rate,num_mel_bins,max_length", AST_SETTINGS)
@pytest.mark.parametrize("shape", [(8000,), (1, 8000), (4, 8000), (3, 2345)], ids=str)
def test_ast_layer_equals_the_plain_function(sample_rate, num_mel_bins, max_length, shape):
    waves = _signals(shape[-1], shape[0] if len(shape) == 2 else 1)
    waves = waves if len(shape) == 2 else waves[0]
    layer = Q.ASTFeatures(sample_rate, num_mel_bins, max_length)
    plain = F.ast_features(waves, sample_rate, num_mel_bins, max_length)
    fast = layer(waves)
    assert fast.shape == plain.shape == shape[:-1] + (max_length, num_mel_bins) and fast.dtype == torch.float32
    frames = min(layer.num_frames(shape[-1]), max_length)
    for clip_fast, clip_plain in zip(fast.reshape(-1, max_length, num_mel_bins),
                                     plain.reshape(-1, max_length, num_mel_bins)):
        _close_in_normalised_log(clip_fast[:frames], clip_plain[:frames])
        torch.testing.assert_close(clip_fast[frames:], clip_plain[frames:], atol=0, rtol=0)  # padding, exactly
    layer64 = Q.ASTFeatures(sample_rate, num_mel_bins, max_length, dtype=torch.float64)
    fast64, plain64 = layer64(waves.double()), F.ast_features(waves.double(), sample_rate, num_mel_bins, max_length)
    assert fast64.dtype == torch.float64
    torch.testing.assert_close(fast64, plain64, atol=1e-9, rtol=0)  # float64 roundoff of the two identities


def test_ast_layer_with_lengths_equals_the_plain_function(waves):
    lengths = torch.tensor([8000, 5000, 400, 3333])
    for max_length in (40, 60):                                          # 48 valid frames cut to 40, or padded
        layer = Q.ASTFeatures(max_length=max_length)
        fast, plain = layer(waves, lengths), F.ast_features(waves, max_length=max_length, lengths=lengths)
        for i, n in enumerate(lengths.tolist()):
            frames = min(layer.num_frames(n), max_length)
            _close_in_normalised_log(fast[i, :frames], plain[i, :frames])
            torch.testing.assert_close(fast[i, frames:], plain[i, frames:], atol=0, rtol=0)


def test_ast_layer_on_a_batch_larger_than_a_chunk_equals_the_clips_one_by_one():
    # On the CPU ASTFeatures works FBANK_CHUNK clips at a time (trick 5); a batch that spans
    # several chunks (and ends in a partial one) must match each clip alone, lengths included.
    n = 2 * Q.FBANK_CHUNK + 3
    batch = _signals(8000, n)                                                            # (n, samples)
    lengths = torch.randint(400, batch.shape[-1] + 1, (n,), generator=torch.Generator().manual_seed(0))
    layer = Q.ASTFeatures(max_length=60)
    ours = layer(batch, lengths)
    for i in (0, Q.FBANK_CHUNK - 1, Q.FBANK_CHUNK, n - 1):
        torch.testing.assert_close(ours[i], layer(batch[i, :lengths[i]]), atol=1e-5, rtol=0)  # same math, other batch
        plain = F.ast_features(batch[i, :lengths[i]], max_length=60)
        _close_in_normalised_log(ours[i, :layer.num_frames(int(lengths[i]))], plain[:layer.num_frames(int(lengths[i]))])


def test_ast_layer_does_not_modify_input_and_grad_path_agrees(waves):
    layer, copy = Q.ASTFeatures(max_length=60), waves.clone()
    no_grad = layer(waves)                                               # in-place path (tricks 1 and 3)
    assert torch.equal(waves, copy)
    with_grad = layer(waves.clone().requires_grad_())                    # out-of-place path
    assert with_grad.requires_grad
    torch.testing.assert_close(with_grad.detach(), no_grad, atol=1e-6, rtol=0)  # same operations


def test_ast_layer_buffers_are_kaldis_filters_with_rows_doubled():
    layer = Q.ASTFeatures(num_mel_bins=64, max_length=10)
    assert layer.state_dict() == {} and (layer.frame_length, layer.frame_shift, layer.n_fft) == (400, 160, 512)
    banks = F.kaldi_mel_banks(64, 512, SR)                               # (257, 64)
    torch.testing.assert_close(layer.pair_banks[::2], banks, atol=0, rtol=0)
    torch.testing.assert_close(layer.pair_banks[1::2], banks, atol=0, rtol=0)
    torch.testing.assert_close(layer.window, F.kaldi_window("hanning", 400), atol=0, rtol=0)
    layer.pair_banks.zero_()                                             # a layer's buffer is its own copy:
    assert Q.ASTFeatures(num_mel_bins=64).pair_banks.abs().sum() > 0     # the cached filters are untouched


# ----------------------------------------------------------------------------
# The tricks on their own


@pytest.mark.parametrize("groups", [1, 3, 8, 128])
def test_banded_matmul_equals_the_dense_product(groups):
    x = torch.rand(2, 7, 257, dtype=torch.float64)
    for banks in (F.kaldi_mel_banks(128, 512, SR, dtype=torch.float64),          # empty low filters included
                  F.kaldi_mel_banks(23, 512, 8000, low_freq=60.0, high_freq=3800.0, dtype=torch.float64),
                  F.mel_filterbank(257, 64, SR, mel_scale="slaney", norm="slaney").double()):
        bands = Q.filter_bands(banks, groups)
        assert [f for _, f in bands][0].start == 0 and bands[-1][1].stop == banks.shape[1]
        xb = x[..., :banks.shape[0]]
        torch.testing.assert_close(Q.banded_matmul(xb, banks, bands), xb @ banks, rtol=1e-12, atol=1e-12)
    kaldi = F.kaldi_mel_banks(128, 512, SR, dtype=torch.float64)
    bands = Q.filter_bands(kaldi, 8)
    touched = sum((b.stop - b.start) * (f.stop - f.start) for b, f in bands)
    assert touched < kaldi.numel() / 3  # the point: a third of the dense multiply-adds or fewer
    x = torch.rand(3, 257, dtype=torch.float64, requires_grad=True)
    torch.autograd.gradcheck(lambda t: Q.banded_matmul(t, kaldi, bands), (x,))


def test_squared_parts_sum_in_pairs_to_the_power(waves):
    spectrum = torch.fft.rfft(waves.double().unfold(-1, 400, 160), dim=-1)     # (4, frames, 201)
    power = spectrum.abs() ** 2
    parts = Q.squared_parts(spectrum.clone())
    assert parts.shape == power.shape[:-1] + (402,)
    torch.testing.assert_close(parts[..., ::2] + parts[..., 1::2], power, atol=1e-12, rtol=1e-12)


@pytest.mark.parametrize("window_type,preemphasis", [("hanning", 0.97), ("povey", 0.97), ("hanning", 0.5)])
def test_kaldi_log_energies_equal_the_plain_fbank(waves, window_type, preemphasis):
    # The two identities (pre-emphasis on the whole waveform, DC removed in the frequency domain) hold
    # for any window that starts at 0 and any pre-emphasis; float64 so only roundoff differs.
    w64 = waves.double()
    pair_banks, bands = Q._kaldi_pair_banks(128, 512, SR)
    fast = Q.kaldi_log_energies(w64, F.kaldi_window(window_type, 400, dtype=torch.float64), pair_banks, bands,
                                400, 160, preemphasis)
    plain = F.kaldi_fbank(w64, window_type=window_type, preemphasis=preemphasis)
    torch.testing.assert_close(fast, plain, atol=1e-9, rtol=0)  # log-energies


# ----------------------------------------------------------------------------
# Gradients and devices


def test_gradcheck_layers():
    # float64 finite differences against autograd (fast_mode: random projections of the Jacobian)
    g = torch.Generator().manual_seed(1)
    short = (0.1 * torch.randn(2, 160, generator=g, dtype=torch.float64)).requires_grad_()
    log_mel = Q.LogMel(SR, n_fft=64, hop_length=32, n_mels=8, top_db=None, dtype=torch.float64)
    assert torch.autograd.gradcheck(log_mel, (short,), fast_mode=True)
    longer = (0.1 * torch.randn(1, 640, generator=g, dtype=torch.float64)).requires_grad_()
    ast = Q.ASTFeatures(SR, num_mel_bins=8, max_length=3, dtype=torch.float64)
    assert torch.autograd.gradcheck(ast, (longer,), fast_mode=True)


def test_layers_backward_in_float32(waves):
    for layer in [Q.LogMel(), Q.ASTFeatures(max_length=100)]:
        wave = waves.clone().requires_grad_()
        layer(wave).square().mean().backward()
        assert wave.grad is not None and torch.isfinite(wave.grad).all() and wave.grad.abs().sum() > 0


def test_runs_on_the_course_device(waves):
    device = get_device()
    if device.type == "cpu":
        pytest.skip("no accelerator (cuda or mps): comparing the CPU with itself would prove nothing")
    for layer, plain in [(Q.LogMel(), F.log_mel_spectrogram), (Q.ASTFeatures(), F.ast_features)]:
        cpu = plain(waves)
        on_device = layer.to(device)(waves.to(device))
        assert on_device.device.type == device.type
        torch.testing.assert_close(on_device.cpu(), cpu, atol=2e-3, rtol=1e-4)  # GPU FFTs round differently
        torch.testing.assert_close(plain(waves.to(device)).cpu(), cpu, atol=2e-3, rtol=1e-4)


# ----------------------------------------------------------------------------
# Bad input: the same errors as the plain functions


@pytest.mark.parametrize("call,match", [
    (lambda w: Q.LogMel(hop_length=-160), "hop_length must be a positive integer, got -160"),
    (lambda w: Q.LogMel(n_fft=400, win_length=512), "win_length=512 must not exceed n_fft=400"),
    (lambda w: Q.LogMel(top_db=-1.0), "top_db must be non-negative"),
    (lambda w: Q.LogMel(n_mels=128), "n_mels=128 is too many"),
    (lambda w: Q.LogMel(f_max=9000.0), "f_max=9000.0 Hz is above the Nyquist"),
    (lambda w: Q.LogMel(center=False)(w[:300]), "n_fft=400 is longer than the clip"),
    (lambda w: Q.LogMel(pad_mode="reflect")(w[:100]), "pad_mode='reflect'"),
    (lambda w: Q.LogMel()(w[None, None]), "waveform must have 1 \\(samples,\\) or 2"),
    (lambda w: Q.LogMel()((w * 32768).long()), "floating-point"),
    (lambda w: Q.ASTFeatures(max_length=0), "max_length must be a positive integer"),
    (lambda w: Q.ASTFeatures(std=-1.0), "std must be positive"),
    (lambda w: Q.ASTFeatures(sample_rate=0), "sample_rate"),
    (lambda w: Q.ASTFeatures()(w[:399]), "399 samples, shorter than one 400-sample frame"),
    (lambda w: Q.ASTFeatures()(torch.full_like(w, float("nan"))), "NaN or Inf"),
    (lambda w: Q.ASTFeatures()(torch.stack([w, w]), torch.tensor([8000])), "lengths must have shape"),
    (lambda w: Q.ASTFeatures()(torch.stack([w, w]), torch.tensor([100, 8000])), "lengths must be between"),
    (lambda w: Q.filter_bands(F.kaldi_mel_banks(8, 512, SR), groups=0), "groups must be a positive integer"),
])
def test_bad_parameters_raise_clear_errors(waves, call, match):
    with pytest.raises(ValueError, match=match):
        call(waves[0])


def test_non_tensor_input_is_a_type_error():
    for layer in [Q.LogMel(), Q.ASTFeatures()]:
        with pytest.raises(TypeError, match="waveform must be a torch.Tensor or numpy array, got list"):
            layer([0.0] * 1000)
