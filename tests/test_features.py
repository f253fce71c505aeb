"""Parity and error tests for course_utils.features, the plain spectrograms.

Every from-scratch feature is compared with the library people would otherwise
use, on the same audio, at a tolerance stated next to the assert:
librosa (stft, filters.mel, feature.melspectrogram, power_to_db), torchaudio
(MelSpectrogram, melscale_fbanks, compliance.kaldi.fbank) and transformers
(ASTFeatureExtractor). The fast layers (course_utils.fast_features) are tested
equal to these functions in tests/test_fast_features.py.
"""

from __future__ import annotations

import math

import librosa
import numpy as np
import pytest
import torch
import torchaudio
import torchaudio.compliance.kaldi as ta_kaldi
from transformers import ASTFeatureExtractor

from course_utils import fast_features as FF
from course_utils import features as F

SR = 16000


def _signals(num_samples: int = 8000) -> torch.Tensor:
    """(4, samples) float32: noise, a tone, a chirp with a DC offset, a click train."""
    g = torch.Generator().manual_seed(0)
    t = torch.arange(num_samples, dtype=torch.float64) / SR
    noise = 0.1 * torch.randn(num_samples, generator=g, dtype=torch.float64)
    tone = 0.5 * torch.sin(2 * math.pi * 440 * t)
    chirp = 0.3 * torch.sin(2 * math.pi * (100 + 3000 * t) * t) + 0.1
    clicks = torch.zeros(num_samples, dtype=torch.float64)
    clicks[::800] = 0.9
    clicks = clicks + 1e-3 * torch.randn(num_samples, generator=g, dtype=torch.float64)
    return torch.stack([noise, tone, chirp, clicks]).float()


@pytest.fixture(scope="module")
def waves() -> torch.Tensor:
    return _signals()


# ----------------------------------------------------------------------------
# STFT and power


@pytest.mark.parametrize("center,pad_mode,win_length", [(True, "constant", None), (True, "reflect", None),
                                                        (False, "constant", None), (True, "constant", 256)])
def test_stft_matches_librosa(waves, center, pad_mode, win_length):
    for wave in waves:
        ours = F.stft(wave, n_fft=400, hop_length=160, win_length=win_length, center=center, pad_mode=pad_mode)
        ref = librosa.stft(wave.numpy(), n_fft=400, hop_length=160, win_length=win_length, center=center,
                           pad_mode=pad_mode)
        assert ours.shape == ref.shape
        # float32 FFTs: agree to 1e-5 of the largest magnitude
        scale = np.abs(ref).max()
        np.testing.assert_allclose(ours.numpy(), ref, atol=1e-5 * scale, rtol=0)


def test_stft_from_frames_equals_torch_stft(waves):
    for kwargs in [{}, {"center": False}, {"win_length": 300, "window": "hamming"}, {"pad_mode": "reflect"}]:
        by_hand = F.stft_from_frames(waves, 400, 160, **kwargs)
        via_torch = F.stft(waves, 400, 160, **kwargs)
        torch.testing.assert_close(by_hand, via_torch, atol=2e-5, rtol=1e-5)  # same FFTs, float32 roundoff


def test_frame_signal_counts_and_view():
    wave = torch.arange(1000, dtype=torch.float32)
    frames = F.frame_signal(wave, 400, 160, center=False)
    assert frames.shape == (1 + (1000 - 400) // 160, 400)
    assert torch.equal(frames[1], wave[160:560])
    centred = F.frame_signal(wave, 400, 160, center=True)
    assert centred.shape == (1 + 1000 // 160, 400)
    assert torch.equal(centred[0, 200:], wave[:200]) and centred[0, :200].abs().sum() == 0


def test_power_and_magnitude_match_librosa(waves):
    wave = waves[2]
    ref = np.abs(librosa.stft(wave.numpy(), n_fft=512, hop_length=128))
    power = F.power_spectrogram(wave, n_fft=512, hop_length=128)
    magnitude = F.magnitude_spectrogram(wave, n_fft=512, hop_length=128)
    np.testing.assert_allclose(power.numpy(), ref ** 2, atol=2e-5 * (ref ** 2).max(), rtol=0)  # float32
    np.testing.assert_allclose(magnitude.numpy(), ref, atol=1e-5 * ref.max(), rtol=0)


# ----------------------------------------------------------------------------
# Mel filterbank and dB


@pytest.mark.parametrize("mel_scale,norm", [("htk", None), ("htk", "slaney"), ("slaney", None), ("slaney", "slaney")])
@pytest.mark.parametrize("n_fft,n_mels,f_min,f_max", [(400, 64, 0.0, None), (1024, 40, 50.0, 7000.0)])
def test_mel_filterbank_matches_librosa_and_torchaudio(mel_scale, norm, n_fft, n_mels, f_min, f_max):
    ours = F.mel_filterbank(n_fft // 2 + 1, n_mels, SR, f_min, f_max, mel_scale=mel_scale, norm=norm)
    ref = librosa.filters.mel(sr=SR, n_fft=n_fft, n_mels=n_mels, fmin=f_min, fmax=f_max, htk=mel_scale == "htk",
                              norm=norm)
    ta = torchaudio.functional.melscale_fbanks(n_fft // 2 + 1, f_min, f_max or SR / 2, n_mels, SR, norm=norm,
                                               mel_scale=mel_scale)
    assert ours.shape == (n_fft // 2 + 1, n_mels)
    np.testing.assert_allclose(ours.numpy(), ref.T, atol=1e-6, rtol=1e-5)  # same formula, float32 weights
    torch.testing.assert_close(ours, ta, atol=1e-5, rtol=0)  # torchaudio builds the triangles in float32


def test_mel_scale_round_trip():
    freqs = torch.tensor([0.0, 300.0, 1000.0, 4000.0, 8000.0], dtype=torch.float64)
    for scale in ["htk", "slaney"]:
        torch.testing.assert_close(F.mel_to_hz(F.hz_to_mel(freqs, scale), scale), freqs)
        np.testing.assert_allclose(F.hz_to_mel(freqs, scale).numpy(),
                                   librosa.hz_to_mel(freqs.numpy(), htk=scale == "htk"), rtol=1e-12)


@pytest.mark.parametrize("ref,amin,top_db", [(1.0, 1e-10, 80.0), (1.0, 1e-10, None), (0.5, 1e-6, 40.0)])
def test_power_to_db_matches_librosa(waves, ref, amin, top_db):
    power = F.power_spectrogram(waves[1])
    ours = F.power_to_db(power, ref=ref, amin=amin, top_db=top_db)
    theirs = librosa.power_to_db(power.numpy(), ref=ref, amin=amin, top_db=top_db)
    np.testing.assert_allclose(ours.numpy(), theirs, atol=1e-4, rtol=0)  # dB, float32 log10


def test_power_to_db_batch_uses_each_clips_peak(waves):
    power = F.power_spectrogram(waves)                                   # (4, freqs, frames)
    batched = F.power_to_db(power)
    for i in range(len(waves)):
        torch.testing.assert_close(batched[i], F.power_to_db(power[i]))
    assert not power.isnan().any()


# ----------------------------------------------------------------------------
# Log-mel


@pytest.mark.parametrize("mel_scale,norm", [("htk", None), ("slaney", "slaney")])
def test_log_mel_matches_librosa(waves, mel_scale, norm):
    ours = F.log_mel_spectrogram(waves, SR, n_fft=400, hop_length=160, n_mels=64, mel_scale=mel_scale, norm=norm)
    for i, wave in enumerate(waves):
        mel = librosa.feature.melspectrogram(y=wave.numpy(), sr=SR, n_fft=400, hop_length=160, n_mels=64,
                                             htk=mel_scale == "htk", norm=norm)
        ref = librosa.power_to_db(mel, top_db=80.0)
        assert ours[i].shape == ref.shape
        # float32 FFT roundoff shows only in cells near the -80 dB floor: 5e-3 dB everywhere
        np.testing.assert_allclose(ours[i].numpy(), ref, atol=5e-3, rtol=0)


def test_log_mel_matches_torchaudio(waves):
    mel_spec = torchaudio.transforms.MelSpectrogram(SR, n_fft=400, hop_length=160, n_mels=64)  # reflect padding
    ours = F.log_mel_spectrogram(waves, SR, n_fft=400, hop_length=160, n_mels=64, pad_mode="reflect", top_db=None)
    ref = F.power_to_db(mel_spec(waves), top_db=None)
    # dB of the same float32 power; tiny powers (down to 1e-10) carry relative roundoff: 2e-3 dB
    torch.testing.assert_close(ours, ref, atol=2e-3, rtol=0)
    # and torchaudio's own dB conversion agrees on a single clip (its top_db peak is per batch)
    ta_db = torchaudio.transforms.AmplitudeToDB("power", top_db=80.0)(mel_spec(waves[0]))
    torch.testing.assert_close(F.log_mel_spectrogram(waves[0], pad_mode="reflect"), ta_db, atol=2e-3, rtol=0)


def test_log_mel_is_the_filterbank_applied_to_the_power_in_db(waves):
    batched = F.log_mel_spectrogram(waves, n_mels=40, f_min=20.0, f_max=7600.0)
    assert batched.shape == (4, 40, 1 + waves.shape[-1] // 160)
    for i in range(len(waves)):
        torch.testing.assert_close(batched[i], F.log_mel_spectrogram(waves[i], n_mels=40, f_min=20.0, f_max=7600.0))
    fb = F.mel_filterbank(201, 40, SR, 20.0, 7600.0)
    by_steps = F.power_to_db(fb.T @ F.power_spectrogram(waves))          # the docstring's pipeline, step by step
    torch.testing.assert_close(batched, by_steps, rtol=0, atol=0)


# ----------------------------------------------------------------------------
# Kaldi fbank and AST features


def _close_in_log(ours: torch.Tensor, ref: torch.Tensor) -> None:
    """Log-energies: within 1e-3 where the energy is within 1e-5 of the clip's peak (the
    cells that matter), within 2e-2 in the quietest cells, where float32 roundoff of the
    FFT dominates (torchaudio's own float32 result differs from its float64 by ~1e-2 there)."""
    diff = (ours - ref).abs()
    loud = ref > ref.amax() - math.log(1e5)
    assert diff[loud].max() < 1e-3, float(diff[loud].max())
    assert diff.max() < 2e-2, float(diff.max())


@pytest.mark.parametrize("window_type", ["hanning", "povey"])
def test_kaldi_fbank_matches_torchaudio(waves, window_type):
    ours = F.kaldi_fbank(waves, SR, num_mel_bins=128, window_type=window_type)
    assert ours.shape == (4, 1 + (waves.shape[-1] - 400) // 160, 128)
    for i, wave in enumerate(waves):
        ref = ta_kaldi.fbank(wave[None], sample_frequency=SR, num_mel_bins=128, window_type=window_type)
        _close_in_log(ours[i], ref)
        _close_in_log(F.kaldi_fbank(wave, SR, num_mel_bins=128, window_type=window_type), ref)


def test_kaldi_fbank_other_settings_match_torchaudio(waves):
    ours = F.kaldi_fbank(waves[0], 8000, num_mel_bins=23, frame_length_ms=32.0, frame_shift_ms=16.0,
                         low_freq=60.0, high_freq=3800.0)
    ref = ta_kaldi.fbank(waves[0][None], sample_frequency=8000, num_mel_bins=23, frame_length=32.0,
                         frame_shift=16.0, low_freq=60.0, high_freq=3800.0, window_type="hanning")
    _close_in_log(ours, ref)


def test_ast_features_match_ast_feature_extractor(waves):
    extractor = ASTFeatureExtractor()
    ref = extractor([w.numpy() for w in waves], sampling_rate=SR, return_tensors="pt")["input_values"]
    ours = F.ast_features(waves)
    assert ours.shape == ref.shape == (4, 1024, 128)
    # normalised log-energies: the kaldi tolerance divided by 2 * std (about 9)
    for i in range(len(waves)):
        frames = 1 + (waves.shape[-1] - 400) // 160
        _close_in_log(ours[i, :frames], ref[i, :frames])
        torch.testing.assert_close(ours[i, frames:], ref[i, frames:])  # padding, exactly
    torch.testing.assert_close(F.ast_features(waves[2]), ours[2])


def test_ast_features_cut_and_lengths_match_extractor_on_unpadded_clips(waves):
    lengths = torch.tensor([8000, 5000, 400, 3333])
    extractor = ASTFeatureExtractor(max_length=40)
    clips = [w[:n].numpy() for w, n in zip(waves, lengths)]
    ref = extractor(clips, sampling_rate=SR, return_tensors="pt")["input_values"]   # 48 frames cut to 40, ...
    ours = F.ast_features(waves, max_length=40, lengths=lengths)
    assert ours.shape == (4, 40, 128)
    for i in range(4):
        _close_in_log(ours[i], ref[i])


def test_ast_features_keep_float64_precision(waves):
    w64 = waves.double()
    ours = F.ast_features(w64, max_length=60)
    fbank = F.kaldi_fbank(w64)                                    # float64 throughout
    frames = fbank.shape[1]
    assert ours.dtype == torch.float64
    torch.testing.assert_close(ours[:, :frames], (fbank - F.AST_MEAN) / (2 * F.AST_STD), rtol=0, atol=1e-12)
    torch.testing.assert_close(ours[:, frames:], torch.full_like(ours[:, frames:], -F.AST_MEAN / (2 * F.AST_STD)))


# ----------------------------------------------------------------------------
# Gradients


def test_gradcheck_log_mel_and_kaldi():
    # float64 finite differences against autograd (fast_mode: random projections of the Jacobian)
    g = torch.Generator().manual_seed(1)
    wave = (0.1 * torch.randn(2, 160, generator=g, dtype=torch.float64)).requires_grad_()
    checks = {
        "log_mel": lambda w: F.log_mel_spectrogram(w, SR, n_fft=64, hop_length=32, n_mels=8, top_db=None),
        "kaldi": lambda w: F.kaldi_fbank(w, SR, num_mel_bins=8, frame_length_ms=4.0, frame_shift_ms=2.0),
        "ast": lambda w: F.ast_features(w, SR, num_mel_bins=8, max_length=3),
        "stft": lambda w: torch.view_as_real(F.stft_from_frames(w, 64, 32)),
    }
    for name, fn in checks.items():
        inp = wave if name != "ast" else (0.1 * torch.randn(1, 640, generator=g, dtype=torch.float64)).requires_grad_()
        assert torch.autograd.gradcheck(fn, (inp,), fast_mode=True), name


# ----------------------------------------------------------------------------
# Bad input: a ValueError that names the parameter


@pytest.mark.parametrize("call,match", [
    (lambda w: F.stft(w[:300], n_fft=400, center=False), "n_fft=400 is longer than the clip"),
    (lambda w: F.log_mel_spectrogram(w[:300], n_fft=400, center=False), "n_fft=400 is longer than the clip"),
    (lambda w: F.stft(w, hop_length=0), "hop_length must be a positive integer, got 0"),
    (lambda w: F.log_mel_spectrogram(w, n_fft=400, n_mels=128), "n_mels=128 is too many"),
    (lambda w: F.mel_filterbank(201, 128, SR), "n_mels=128 is too many"),
    (lambda w: F.log_mel_spectrogram(w, f_max=9000.0), "f_max=9000.0 Hz is above the Nyquist"),
    (lambda w: F.mel_filterbank(201, 40, SR, f_min=5000.0, f_max=4000.0), "f_min=5000.0"),
    (lambda w: F.stft(w, n_fft=400, win_length=512), "win_length=512 must not exceed n_fft=400"),
    (lambda w: F.stft(w, window="kaiser"), "window must be one of"),
    (lambda w: F.stft(w[:100], n_fft=400, pad_mode="reflect"), "pad_mode='reflect'"),
    (lambda w: F.mel_filterbank(201, 40, SR, mel_scale="bark"), "mel_scale must be 'htk' or 'slaney'"),
    (lambda w: F.power_spectrogram(w, power=0), "power must be a positive number"),
    (lambda w: F.power_to_db(w.abs(), top_db=-1.0), "top_db must be non-negative"),
    (lambda w: F.kaldi_fbank(w[:399]), "399 samples, shorter than one 400-sample frame"),
    (lambda w: F.kaldi_fbank(w, window_type="hamming"), "window_type must be"),
    (lambda w: F.kaldi_fbank(w, preemphasis=1.5), "preemphasis must be a number in \\[0, 1\\]"),
    (lambda w: F.kaldi_fbank(w, frame_shift_ms=0.01), "frame_shift_ms=0.01 gives a hop of 0 samples"),
    (lambda w: F.ast_features(w, sample_rate=0), "sample_rate"),
    (lambda w: F.ast_features(w, max_length=0), "max_length must be a positive integer"),
    (lambda w: F.ast_features(torch.stack([w, w]), lengths=torch.tensor([8000])), "lengths must have shape"),
    (lambda w: F.ast_features(torch.stack([w, w]), lengths=torch.tensor([100, 8000])), "lengths must be between"),
    (lambda w: F.ast_features(torch.stack([w, w]), lengths=torch.tensor([800.0, 8000.0])), "integer sample counts"),
    (lambda w: F.ast_features(w, std=0.0), "std must be positive"),
    (lambda w: F.log_mel_spectrogram(w[None, None]), "waveform must have 1 \\(samples,\\) or 2"),
    (lambda w: F.log_mel_spectrogram(torch.full_like(w, float("nan"))), "NaN or Inf"),
    (lambda w: F.kaldi_fbank((w * 32768).long()), "floating-point"),
])
def test_bad_parameters_raise_clear_errors(waves, call, match):
    with pytest.raises(ValueError, match=match):
        call(waves[0])


def test_non_tensors_raise_type_errors():
    with pytest.raises(TypeError, match="waveform must be a torch.Tensor or numpy array, got list"):
        F.log_mel_spectrogram([0.0] * 1000)
    with pytest.raises(TypeError, match="spec must be a torch.Tensor of powers, got ndarray"):
        F.power_to_db(np.ones((4, 4)))


@pytest.mark.parametrize("call, name", [
    (lambda x: F.log_mel_spectrogram(x, top_db=float("nan")), "top_db"),
    (lambda x: F.log_mel_spectrogram(x, top_db=float("inf")), "top_db"),
    (lambda x: F.power_to_db(x.abs(), ref=float("nan")), "ref"),
    (lambda x: F.power_spectrogram(x, power=float("nan")), "power"),
    (lambda x: F.ast_features(x, mean=float("nan")), "mean"),
    (lambda x: F.ast_features(x, std=float("inf")), "std"),
    (lambda x: F.kaldi_fbank(x, frame_length_ms=float("nan")), "frame_length_ms"),
    (lambda x: F.kaldi_fbank(x, frame_shift_ms=float("inf")), "frame_shift_ms"),
    (lambda x: FF.LogMel(top_db=float("nan"))(x), "top_db"),
    (lambda x: FF.ASTFeatures(mean=float("nan"))(x), "mean"),
])
def test_nan_or_infinite_settings_are_refused_by_name(call, name):
    """A NaN setting would turn every output into NaN (or crash in an int conversion): name it instead."""
    with pytest.raises(ValueError, match=name):
        call(torch.randn(16000) * 0.1)
