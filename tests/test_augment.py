"""Tests for course_utils.augment: physics (SNR, pitch, bandwidth, RT60), torchaudio parity, seeding, errors."""

import math

import numpy as np
import pytest
import scipy.signal
import scipy.stats
import torch
import torchaudio.functional as AF
import torchaudio.transforms as T

from course_utils import augment as A

SR = 16000


def sine(freq: float, seconds: float = 1.0, sr: int = SR) -> torch.Tensor:
    t = torch.arange(int(seconds * sr)) / sr
    return 0.5 * torch.sin(2 * math.pi * freq * t)


def peak_frequency(x: torch.Tensor, sr: int = SR) -> float:
    """Frequency of the strongest FFT bin (Hann window, 8x zero padding: ~0.25 Hz resolution on 4 s)."""
    x = x.double() * torch.hann_window(x.shape[-1], dtype=torch.float64)
    n = 8 * x.shape[-1]
    spectrum = torch.fft.rfft(x, n=n).abs()
    return float(spectrum.argmax()) * sr / n


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.fixture
def waves() -> torch.Tensor:
    return torch.randn(4, SR, generator=gen(123)) * 0.1  # (batch, samples)


@pytest.fixture
def specs() -> torch.Tensor:
    return torch.randn(6, 64, 101, generator=gen(7))  # (batch, n_mels, frames)


# ----------------------------------------------------------------------------
# Noise


@pytest.mark.parametrize("color", ["white", "pink", "brown"])
def test_add_noise_achieves_the_snr_within_0p1_db(waves, color):
    snr = torch.tensor([0.0, 5.0, 20.0, -3.0])
    for i, s in enumerate(snr.tolist()):
        out = A.add_noise(waves[i], s, color=color, generator=gen(i))
        noise = out - waves[i]
        achieved = 10 * math.log10(waves[i].pow(2).mean() / noise.pow(2).mean())
        assert abs(achieved - s) < 0.1, (color, s, achieved)
    # a range: per-example SNRs inside it, all different
    out = A.add_noise(waves, (10.0, 30.0), color=color, generator=gen(0))
    achieved = 10 * torch.log10(waves.pow(2).mean(-1) / (out - waves).pow(2).mean(-1))
    assert ((achieved > 9.9) & (achieved < 30.1)).all() and len(set(achieved.round(decimals=3).tolist())) == 4


@pytest.mark.parametrize("color, slope", [("white", 0.0), ("pink", -1.0), ("brown", -2.0)])
def test_noise_color_has_the_right_spectral_slope(color, slope):
    noise = A.colored_noise((8, 2**15), color, generator=gen(1)).numpy()
    freqs, psd = scipy.signal.welch(noise, fs=SR, nperseg=4096, axis=-1)
    psd = psd.mean(0)
    band = (freqs > 50) & (freqs < 6000)
    fitted = np.polyfit(np.log10(freqs[band]), np.log10(psd[band]), 1)[0]  # power ~ f^slope
    assert abs(fitted - slope) < 0.1, (color, fitted)


def test_add_noise_errors(waves):
    with pytest.raises(ValueError, match="snr_db must be finite.*nan"):
        A.add_noise(waves, float("nan"))
    with pytest.raises(ValueError, match="snr_db must be finite.*inf"):
        A.add_noise(waves, float("inf"))
    with pytest.raises(ValueError, match="low <= high"):
        A.add_noise(waves, (20, 10))
    with pytest.raises(ValueError, match="color must be one of.*'blue'"):
        A.add_noise(waves, 10, color="blue")
    with pytest.raises(ValueError, match=r"example\(s\) \[1\] are silent"):
        A.add_noise(torch.stack([waves[0], torch.zeros(SR)]), 10)
    with pytest.raises(ValueError, match="NaN or Inf"):
        A.add_noise(torch.full((2, 100), float("nan")), 10)
    with pytest.raises(ValueError, match="dimensions"):
        A.add_noise(torch.zeros(2, 1, 100), 10)


# ----------------------------------------------------------------------------
# Gain, time shift


def test_gain_scales_amplitude(waves):
    torch.testing.assert_close(A.gain(waves, 20 * math.log10(2)), 2 * waves)
    out = A.gain(waves, (-6, 6), generator=gen(0))
    ratio = (out / waves)[:, 0]
    assert ((ratio > 0.5) & (ratio < 2.0)).all() and ratio.unique().numel() == 4
    with pytest.raises(ValueError, match="gain_db must be finite"):
        A.gain(waves, float("-inf"))


def test_time_shift_roll_and_zero():
    x = torch.arange(1.0, 11.0).repeat(2, 1)  # (2, 10)
    torch.testing.assert_close(A.time_shift(x, 3, mode="roll"), torch.roll(x, 3, dims=-1))
    torch.testing.assert_close(A.time_shift(x, -2, mode="roll"), torch.roll(x, -2, dims=-1))
    zero = A.time_shift(x, 3, mode="zero")
    assert zero[:, :3].eq(0).all() and torch.equal(zero[:, 3:], x[:, :7])
    zero = A.time_shift(x[0], -4)  # one example, shifted earlier
    assert torch.equal(zero[:6], x[0, 4:]) and zero[6:].eq(0).all()
    out = A.time_shift(torch.arange(1.0, 101.0).repeat(50, 1), (-20, 20), mode="roll", generator=gen(0))
    shifts = {int(((1 - row[0]) % 100)) for row in out}  # row starts at value 1 + (-shift) mod 100
    assert len(shifts) > 10
    with pytest.raises(ValueError, match="shorter than the clip"):
        A.time_shift(x, 10)
    with pytest.raises(ValueError, match="mode must be 'roll' or 'zero'"):
        A.time_shift(x, 1, mode="wrap")
    with pytest.raises(ValueError, match="shift must be an int"):
        A.time_shift(x, 1.5)


# ----------------------------------------------------------------------------
# Pitch shift, time stretch


@pytest.mark.parametrize("semitones", [3.0, -5.0, 1.5])
def test_pitch_shift_moves_a_sine_by_the_right_interval(semitones):
    x = sine(440.0, seconds=1.0)
    out = A.pitch_shift(x, SR, semitones)
    assert out.shape == x.shape
    expected = 440.0 * 2 ** (semitones / 12)
    measured = peak_frequency(out[1000:-1000])
    assert abs(12 * math.log2(measured / expected)) < 0.05, (measured, expected)  # within 5 cents


@pytest.mark.parametrize("semitones", [12, -12])
def test_pitch_shift_matches_torchaudio_on_octaves(semitones):
    # torchaudio resamples from int(sr / rate) Hz: cheap only when that ratio is simple (octaves).
    x = torch.randn(2, 8000, generator=gen(3)) * 0.1
    ours = A.pitch_shift(x, SR, float(semitones))
    ref = AF.pitch_shift(x, SR, semitones)
    torch.testing.assert_close(ours, ref, atol=1e-5, rtol=1e-4)


def test_time_stretch_keeps_pitch_and_scales_duration():
    x = sine(1000.0, seconds=0.5)
    slow = A.time_stretch(x, 0.8, keep_length=False)
    assert slow.shape[-1] == round(SR / 2 / 0.8)
    assert abs(peak_frequency(slow[1000:-1000]) - 1000.0) < 5.0
    burst = torch.zeros(SR)
    burst[4000:8000] = sine(500.0, seconds=0.25)
    fast = A.time_stretch(burst, 2.0)  # kept length: the tone lasts ~2000 samples now
    env = fast.abs() > 0.1
    active = env.nonzero().flatten()
    assert fast.shape == burst.shape and abs((active[-1] - active[0]).item() - 2000) < 300
    batch = A.time_stretch(torch.stack([x, x, x]), (0.8, 1.25), generator=gen(0))
    assert batch.shape == (3, SR // 2)
    with pytest.raises(ValueError, match=r"rate must be > 0.0, got 0"):
        A.time_stretch(x, 0)
    with pytest.raises(ValueError, match="rate must be > 0.0"):
        A.time_stretch(x, -1.0)
    with pytest.raises(ValueError, match="one fixed rate"):
        A.time_stretch(x, (0.9, 1.1), keep_length=False)
    with pytest.raises(ValueError, match="too short for n_fft"):
        A.time_stretch(torch.randn(100), 1.1)


def test_pitch_shift_step_quantizes_random_shifts():
    x = sine(440.0, seconds=0.25).repeat(6, 1)
    out = A.pitch_shift(x, SR, (-2, 2), step=1.0, generator=gen(0))
    singles = {k: A.pitch_shift(x[0], SR, float(k)) for k in range(-2, 3)}
    assert all(any(torch.allclose(row, ref, atol=1e-6) for ref in singles.values()) for row in out)
    with pytest.raises(ValueError, match="step must be > 0.0"):
        A.pitch_shift(x, SR, (-2, 2), step=0)


def test_pitch_shift_errors():
    with pytest.raises(ValueError, match="semitones must be finite"):
        A.pitch_shift(sine(440.0), SR, float("nan"))
    with pytest.raises(ValueError, match="sample_rate must be positive"):
        A.pitch_shift(sine(440.0), 0, 2.0)


# ----------------------------------------------------------------------------
# Band limit, reverb


def test_band_limit_removes_energy_above_the_new_nyquist():
    noise = torch.randn(4, SR, generator=gen(5))
    out = A.band_limit(noise, SR, 8000)
    freqs, psd_in = scipy.signal.welch(noise.numpy(), fs=SR, nperseg=1024, axis=-1)
    _, psd_out = scipy.signal.welch(out.numpy(), fs=SR, nperseg=1024, axis=-1)
    psd_in, psd_out = psd_in.mean(0), psd_out.mean(0)
    above, below = freqs >= 4000, freqs < 3500  # new Nyquist: 4 kHz
    assert 10 * np.log10(psd_out[above].sum() / psd_in[above].sum()) < -60  # removed
    assert abs(10 * np.log10(psd_out[below].sum() / psd_in[below].sum())) < 0.5  # kept
    # list of rates: one picked per example; each row equals the fixed-rate result for its rate
    mixed = A.band_limit(noise, SR, [4000, 8000], generator=gen(0))
    fixed = {r: A.band_limit(noise, SR, r) for r in (4000, 8000)}
    picks = [next(r for r in fixed if torch.allclose(mixed[i], fixed[r][i], atol=1e-6)) for i in range(4)]
    assert set(picks) <= {4000, 8000}
    with pytest.raises(ValueError, match="low_rate 22050 Hz must not exceed sample_rate 16000"):
        A.band_limit(noise, SR, 22050)
    with pytest.raises(ValueError, match="low_rate must be positive"):
        A.band_limit(noise, SR, -8000)
    with pytest.raises(ValueError, match="non-empty"):
        A.band_limit(noise, SR, [])


def schroeder_rt60(ir: torch.Tensor, sr: int) -> float:
    """RT60 from the energy decay curve (Schroeder backward integration), fitted between -5 and -25 dB."""
    energy = ir.double().pow(2).flip(0).cumsum(0).flip(0)
    edc = 10 * torch.log10(energy / energy[0])
    t = torch.arange(ir.shape[0], dtype=torch.float64) / sr
    fit = (edc < -5) & (edc > -25)
    slope = np.polyfit(t[fit].numpy(), edc[fit].numpy(), 1)[0]  # dB per second
    return -60.0 / slope


@pytest.mark.parametrize("rt60", [0.2, 0.6])
def test_reverb_impulse_response_has_the_requested_rt60(rt60):
    ir = A.room_impulse_response(rt60, SR, generator=gen(2))
    assert abs(schroeder_rt60(ir, SR) - rt60) / rt60 < 0.1


def test_reverb_keeps_loudness_and_adds_a_tail():
    click = torch.zeros(SR)
    click[1000] = 1.0
    out = A.reverb(click, SR, 0.3, generator=gen(0))
    assert out.shape == click.shape
    torch.testing.assert_close(out.pow(2).mean().sqrt(), click.pow(2).mean().sqrt())
    assert out[:1000].abs().max() < 1e-5  # causal: nothing before the click
    tail = out[1000 + 800: 1000 + 1600].pow(2).sum()
    assert tail > 1e-3 * out.pow(2).sum()  # energy 50-100 ms later: a tail
    with pytest.raises(ValueError, match="rt60 must be > 0.0"):
        A.reverb(click, SR, 0.0)


# ----------------------------------------------------------------------------
# SpecAugment masking: torchaudio parity


@pytest.mark.parametrize("width", [1, 10, 30])
def test_time_and_freq_masks_match_torchaudio_iid(specs, width):
    for ours, theirs in ((A.time_mask, T.TimeMasking(width, iid_masks=True)),
                         (A.freq_mask, T.FrequencyMasking(width, iid_masks=True))):
        for seed in range(5):
            torch.manual_seed(seed)
            ref = theirs(specs)
            torch.testing.assert_close(ours(specs, width, generator=gen(seed)), ref, rtol=0, atol=0)


def test_single_example_mask_matches_torchaudio_mask_along_axis(specs):
    spec = specs[0]  # (n_mels, frames): torchaudio uses mask_along_axis (one mask)
    for seed in range(5):
        torch.manual_seed(seed)
        ref = AF.mask_along_axis(spec, 40, 0.0, axis=1)
        torch.testing.assert_close(A.time_mask(spec, 40, generator=gen(seed)), ref, rtol=0, atol=0)
        torch.manual_seed(seed)
        ref = AF.mask_along_axis(spec, 20, -1.5, axis=0)
        torch.testing.assert_close(A.freq_mask(spec, 20, -1.5, generator=gen(seed)), ref, rtol=0, atol=0)


def test_spec_augment_matches_torchaudio_ast_pipeline():
    fbank = torch.randn(3, 128, 1024, generator=gen(9))  # AST's input size, (batch, mel, frames)
    torch.manual_seed(4)
    ref = T.TimeMasking(192, iid_masks=True)(T.FrequencyMasking(48, iid_masks=True)(fbank))
    torch.testing.assert_close(A.spec_augment(fbank, generator=gen(4)), ref, rtol=0, atol=0)  # defaults: 48, 192


def test_mask_width_distribution_is_uniform_below_max_width():
    # statistics over many draws: widths 0 .. W-1 uniformly (same as torchaudio), masks iid per example
    ones = torch.ones(4000, 8, 50)
    widths = (A.time_mask(ones, 20, generator=gen(0)) == 0).all(dim=1).sum(-1).float()  # (4000,)
    assert widths.max() == 19 and widths.min() == 0
    assert abs(widths.mean().item() - 9.5) < 0.4
    counts = torch.bincount(widths.long(), minlength=20).float()
    assert counts.min() > 120 and counts.max() < 280  # ~200 each
    torch.manual_seed(0)
    ref = (T.TimeMasking(20, iid_masks=True)(ones) == 0).all(dim=1).sum(-1).float()
    assert abs(ref.mean().item() - widths.mean().item()) < 0.6
    starts = (A.freq_mask(torch.ones(50, 64, 10), 30, generator=gen(1)) == 0).all(-1).float().argmax(-1)
    assert starts.unique().numel() > 10  # different masks per example


def test_mask_errors_and_mean_fill(specs):
    with pytest.raises(ValueError, match="time mask max_width=192 is wider than the axis.*101 frames.*ast_mask_widths"):
        A.time_mask(specs)  # AST's default is for 1024 frames
    with pytest.raises(ValueError, match="freq mask max_width=65 is wider"):
        A.freq_mask(specs, 65)
    with pytest.raises(ValueError, match="max_width must be a non-negative int, got -1"):
        A.time_mask(specs, -1)
    with pytest.raises(ValueError, match="mask_value must be a finite number or 'mean'"):
        A.time_mask(specs, 5, mask_value=float("nan"))
    with pytest.raises(ValueError, match="n_time_masks must be a non-negative int"):
        A.spec_augment(specs, 10, 10, n_time_masks=-1)
    with pytest.raises(ValueError, match="2 \\(n_mels, frames\\) or 3"):
        A.time_mask(torch.zeros(10), 2)
    assert A.ast_mask_widths(64, 101) == (24, 19)
    out = A.spec_augment(specs, *A.ast_mask_widths(64, 101), mask_value="mean", generator=gen(0))
    changed = out != specs
    means = specs.mean(dim=(1, 2))
    for i in range(specs.shape[0]):
        if changed[i].any():
            torch.testing.assert_close(out[i][changed[i]], means[i].expand(int(changed[i].sum())))
    torch.testing.assert_close(A.time_mask(specs, 0), specs)


# ----------------------------------------------------------------------------
# Mixup


def test_mixup_mixes_inputs_and_labels_with_the_same_weights():
    x = torch.randn(64, 100, generator=gen(0))
    y = torch.eye(64)  # a distinct class per example, so lam and the partner can be read off y
    xm, ym = A.mixup(x, y, alpha=0.4, generator=gen(1))
    torch.testing.assert_close(ym.sum(-1), torch.ones(64))
    for i in range(64):
        lam = ym[i, i].item() if ym[i].count_nonzero() > 1 else 1.0
        partner = [j for j in ym[i].nonzero().flatten().tolist() if j != i]
        expected = lam * x[i] + (1 - lam) * (x[partner[0]] if partner else x[i])
        torch.testing.assert_close(xm[i], expected, atol=1e-5, rtol=1e-5)
    lams = []
    g = gen(2)
    for _ in range(50):
        _, ym = A.mixup(x, y, alpha=0.4, generator=g)
        lams.append(ym.max(-1).values)
    lams = torch.cat(lams)  # max(lam, 1 - lam)
    # Beta(0.4, 0.4) folded at 1/2: E[max(lam, 1-lam)] ~ 0.78 (computed by numerical integration below)
    grid = np.linspace(1e-6, 1 - 1e-6, 200001)
    pdf = scipy.stats.beta(0.4, 0.4).pdf(grid)
    expected = np.trapezoid(np.maximum(grid, 1 - grid) * pdf, grid) / np.trapezoid(pdf, grid)
    assert abs(lams.mean().item() - expected) < 0.02
    with pytest.raises(ValueError, match="alpha must be > 0.0, got 0"):
        A.mixup(x, y, 0)
    with pytest.raises(ValueError, match="y_onehot must be a float tensor"):
        A.mixup(x, torch.arange(64), 0.2)
    with pytest.raises(ValueError, match="x has 64 examples but y_onehot has 3"):
        A.mixup(x, y[:3], 0.2)


def test_band_snr_is_the_clip_snr_when_the_noise_has_the_signals_spectrum(waves):
    # noise = a tenth of the signal's amplitude: every band is exactly 20 dB down, whatever the spectrum
    snr = A.band_snr(waves, 0.1 * waves, SR)
    assert snr.shape == (4, 32)
    torch.testing.assert_close(snr, torch.full_like(snr, 20.0), atol=1e-4, rtol=0)
    assert A.band_snr(waves[0], 0.1 * waves[0], SR, n_mels=16).shape == (16,)  # one example: (n_mels,)


def test_band_snr_shows_white_noise_burying_the_upper_bands_of_a_low_note():
    x = sine(220.0)  # one low note: all its power in one low band
    noise = A.add_noise(x, 20.0, generator=gen(0)) - x  # white noise, 20 dB below the note over the clip
    snr = A.band_snr(x, noise, SR)
    assert snr.max() > 30  # the band holding the note: far above the clip's 20 dB
    assert snr[-8:].max() < 0  # the upper bands: noise louder than the signal there
    # the mel bands' powers add up to the clip's: power-weighting the bands gives back about 20 dB
    from course_utils.features import mel_filterbank, power_spectrogram

    fb = mel_filterbank(201, 32, SR, dtype=torch.float64)
    sig, noi = ((fb.T @ power_spectrogram(v.double(), 400, 320)).sum(-1) for v in (x, noise))
    assert abs(10 * math.log10(sig.sum() / noi.sum()) - 20.0) < 1.0
    torch.testing.assert_close(snr.double(), 10 * torch.log10(sig / noi), atol=1e-3, rtol=0)


def test_band_snr_errors_and_silent_noise(waves):
    assert torch.isinf(A.band_snr(waves[0], torch.zeros(SR), SR)).all()  # no noise in any band
    with pytest.raises(ValueError, match="same shape"):
        A.band_snr(waves, waves[:, :8000], SR)
    with pytest.raises(ValueError, match="n_mels must be a positive int, got 0"):
        A.band_snr(waves, waves, SR, n_mels=0)


# ----------------------------------------------------------------------------
# Image-style


def test_vertical_flip_roll_and_time_reverse(specs):
    torch.testing.assert_close(A.vertical_flip(A.vertical_flip(specs)), specs)
    torch.testing.assert_close(A.vertical_flip(specs)[:, 0], specs[:, -1])
    torch.testing.assert_close(A.vertical_roll(specs, 5), torch.roll(specs, 5, dims=-2))
    zero = A.vertical_roll(specs[0], -3, mode="zero")
    torch.testing.assert_close(zero[:-3], specs[0, 3:])
    assert zero[-3:].eq(0).all()
    rolled = A.vertical_roll(specs, (-8, 8), generator=gen(0))
    for i in range(specs.shape[0]):
        assert any(torch.equal(rolled[i], torch.roll(specs[i], k, dims=-2)) for k in range(-8, 9))
    torch.testing.assert_close(A.time_reverse(specs)[..., 0], specs[..., -1])
    w = torch.randn(2, 50)
    torch.testing.assert_close(A.horizontal_flip(A.time_reverse(w)), w)
    with pytest.raises(ValueError, match="smaller than the number of mel bins"):
        A.vertical_roll(specs, 64)


def test_vertical_roll_silence_fills_with_each_examples_floor(specs):
    db = specs * 20 - 40  # a dB-like picture: 0 would be a loud value here, not silence
    up = A.vertical_roll(db, 3, mode="silence")
    torch.testing.assert_close(up[:, 3:], db[:, :-3])
    floor = db.amin(dim=(-2, -1))  # (batch,)
    assert torch.equal(up[:, :3], floor[:, None, None].expand(-1, 3, db.shape[-1]))
    down = A.vertical_roll(db[0], (-5, -5), mode="silence")  # one example
    torch.testing.assert_close(down[:-5], db[0, 5:])
    assert down[-5:].eq(db[0].min()).all()
    zero = A.vertical_roll(db, 3, mode="zero")
    assert zero[:, :3].eq(0).all() and (zero[:, :3] > db.mean()).all()  # zero fill: a band louder than the mean
    power = db.exp()  # a power picture: its silence is (about) 0, so "silence" and "zero" nearly agree
    gap = (A.vertical_roll(power, 3, mode="silence") - A.vertical_roll(power, 3, mode="zero")).abs().max()
    assert gap <= power.amin()
    drawn = A.vertical_roll(db, (-4, 4), generator=gen(0), mode="silence")
    for i in range(db.shape[0]):
        assert any(torch.equal(drawn[i], A.vertical_roll(db[i], k, mode="silence")) for k in range(-4, 5))
    with pytest.raises(ValueError, match="mode must be 'roll', 'zero' or 'silence', got 'wrap'"):
        A.vertical_roll(db, 2, mode="wrap")


def test_freq_crop_is_a_resized_crop(specs):
    n_mels = specs.shape[1]
    ramp = torch.arange(n_mels, dtype=torch.float32)[None, :, None].expand_as(specs).contiguous()
    pos = A.freq_crop(ramp, 0.6, generator=gen(3))[:, :, 0]  # (batch, n_mels): the source position of each bin
    out = A.freq_crop(specs, 0.6, generator=gen(3))
    for i in range(specs.shape[0]):
        offset = int(pos[i, 0].round())
        height = int((pos[i, -1] - pos[i, 0]).round()) + 1
        assert 0.6 * n_mels - 1 <= height <= n_mels and offset + height <= n_mels
        crop = specs[i, offset:offset + height]  # (height, frames)
        ref = torch.nn.functional.interpolate(crop.T[None], size=n_mels, mode="linear", align_corners=True)[0].T
        torch.testing.assert_close(out[i], ref, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(A.freq_crop(specs, 1.0), specs)
    with pytest.raises(ValueError, match="min_keep must be <= 1.0, got 1.5"):
        A.freq_crop(specs, 1.5)


# ----------------------------------------------------------------------------
# Label-aware time shift


def test_time_shift_with_labels_moves_labels_by_whole_hops():
    hop, frames, classes = 160, 50, 3
    wave = torch.randn(2, hop * frames, generator=gen(0))
    labels = torch.zeros(2, frames, classes)
    labels[:, 10:20, 1] = 1.0
    labels[:, 30:35, 2] = 1.0
    k = 4
    w2, l2 = A.time_shift_with_labels(wave, labels, k * hop, hop)
    assert torch.equal(w2[:, k * hop:], wave[:, :-k * hop]) and w2[:, :k * hop].eq(0).all()
    assert torch.equal(l2[:, k:], labels[:, :-k]) and l2[:, :k].eq(0).all()  # zero-filled audio, zero labels
    w3, l3 = A.time_shift_with_labels(wave[0], labels[0].bool(), -k * hop, hop, mode="roll")
    assert torch.equal(l3, torch.roll(labels[0].bool(), -k, dims=0)) and torch.equal(w3, torch.roll(wave[0], -k * hop))
    # random shifts: whole hops only, and the labels moved exactly as far as the audio
    ramp = torch.arange(1.0, hop * frames + 1).repeat(8, 1)
    index = torch.arange(frames, dtype=torch.float32)[None, :, None].repeat(8, 1, 1)
    w4, l4 = A.time_shift_with_labels(ramp, index, (-1000, 1000), hop, mode="roll", generator=gen(1))
    audio_shift = (1 - w4[:, 0]) % (hop * frames)  # samples
    label_shift = (-l4[:, 0, 0]) % frames  # frames
    assert (audio_shift % hop == 0).all() and torch.equal(audio_shift / hop, label_shift)
    assert label_shift.unique().numel() > 1
    with pytest.raises(ValueError, match="shift_samples=100 is not a multiple of hop_samples=160"):
        A.time_shift_with_labels(wave, labels, 100, hop)
    with pytest.raises(ValueError, match="hop_samples must be a positive int"):
        A.time_shift_with_labels(wave, labels, 160, 0)
    with pytest.raises(ValueError, match="does not match waveform shape"):
        A.time_shift_with_labels(wave, labels[0], 160, hop)
    with pytest.raises(ValueError, match="no whole multiple"):
        A.time_shift_with_labels(wave, labels, (10, 100), hop)


def test_masking_leaves_labels_alone(specs):
    labels = torch.rand(specs.shape[0], specs.shape[-1], 4)  # frame labels (batch, frames, classes)
    masked, out_labels = A.Augment(A.spec_augment, freq_width=20, time_width=30, seed=0)(specs, labels)
    assert out_labels is labels and (masked != specs).any()


# ----------------------------------------------------------------------------
# Seeding, devices, training plumbing

RANDOM_WAVE = {
    "add_noise": lambda w, g: A.add_noise(w, (0, 20), color="pink", generator=g),
    "gain": lambda w, g: A.gain(w, (-6, 6), generator=g),
    "time_shift": lambda w, g: A.time_shift(w, (-800, 800), generator=g),
    "pitch_shift": lambda w, g: A.pitch_shift(w[:, :2000], SR, (-2, 2), generator=g),
    "time_stretch": lambda w, g: A.time_stretch(w[:, :2000], (0.9, 1.1), generator=g),
    "band_limit": lambda w, g: A.band_limit(w[:, :4000], SR, [4000, 8000], generator=g),
    "reverb": lambda w, g: A.reverb(w[:, :4000], SR, (0.1, 0.2), generator=g),
    "mixup": lambda w, g: A.mixup(w, torch.eye(4), 0.4, generator=g)[0],
}
RANDOM_SPEC = {
    "spec_augment": lambda s, g: A.spec_augment(s, 20, 30, generator=g),
    "vertical_roll": lambda s, g: A.vertical_roll(s, (-10, 10), generator=g),
    "vertical_roll_silence": lambda s, g: A.vertical_roll(s, (-10, 10), generator=g, mode="silence"),
    "freq_crop": lambda s, g: A.freq_crop(s, 0.5, generator=g),
}


@pytest.mark.parametrize("name", sorted(RANDOM_WAVE) + sorted(RANDOM_SPEC))
def test_same_seed_same_output_different_seed_different(name, waves, specs):
    fn, x = (RANDOM_WAVE[name], waves) if name in RANDOM_WAVE else (RANDOM_SPEC[name], specs[:4])
    a, b, c = fn(x, gen(0)), fn(x, gen(0)), fn(x, gen(1))
    assert a.shape[0] == 4 and torch.equal(a, b) and not torch.equal(a, c)
    torch.manual_seed(5)
    d = fn(x, None)
    torch.manual_seed(5)
    assert torch.equal(d, fn(x, None))  # no generator: torch's global one, so seed_everything decides


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("name", sorted(RANDOM_WAVE) + sorted(RANDOM_SPEC))
def test_cuda_output_matches_cpu(name, waves, specs):
    fn, x = (RANDOM_WAVE[name], waves) if name in RANDOM_WAVE else (RANDOM_SPEC[name], specs[:4])
    cpu = fn(x, gen(0))
    cuda = fn(x.cuda(), gen(0))
    assert cuda.device.type == "cuda"
    torch.testing.assert_close(cuda.cpu(), cpu, atol=1e-4, rtol=1e-3)


def test_outputs_stay_on_the_input_device_and_dtype(waves, specs):
    for fn in RANDOM_WAVE.values():
        out = fn(waves, gen(0))
        assert out.device == waves.device and out.dtype == torch.float32
    for fn in RANDOM_SPEC.values():
        out = fn(specs.double(), gen(0))
        assert out.dtype == torch.float64


def test_compose_random_apply_and_mixup_for_fit(waves):
    labels = torch.tensor([0, 1, 2, 1])
    aug = A.Compose(A.Augment(A.gain, gain_db=6.0), A.RandomApply(A.Augment(A.time_reverse), p=0.5, seed=0))
    out, out_labels = aug(waves, labels)
    assert torch.equal(out_labels, labels)
    doubled = waves * 10 ** (6 / 20)
    flipped = [torch.allclose(out[i], doubled[i].flip(-1)) for i in range(4)]
    kept = [torch.allclose(out[i], doubled[i]) for i in range(4)]
    assert all(f or k for f, k in zip(flipped, kept))
    many = A.RandomApply(A.Augment(A.gain, gain_db=-120.0), p=0.3, seed=1)(torch.ones(2000, 2))[0]
    assert abs((many[:, 0] < 0.5).float().mean().item() - 0.3) < 0.04
    torch.testing.assert_close(A.RandomApply(A.Augment(A.time_reverse), p=0.0)(waves)[0], waves)
    with pytest.raises(ValueError, match="p must be <= 1.0, got 1.5"):
        A.RandomApply(A.Augment(A.time_reverse), p=1.5)
    with pytest.raises(ValueError, match="p must be >= 0.0, got -0.1"):
        A.RandomApply(A.Augment(A.time_reverse), p=-0.1)
    x, y = A.MixUp(3, alpha=0.4, seed=0)(waves, labels)
    assert y.shape == (4, 3) and torch.allclose(y.sum(-1), torch.ones(4))
    with pytest.raises(TypeError, match="callable"):
        A.Compose(3)
    assert repr(A.Compose(A.Augment(A.gain, gain_db=6.0), A.RandomApply(A.Augment(A.time_reverse), p=0.5))) == \
        "Compose(Augment(gain, gain_db=6.0), RandomApply(Augment(time_reverse), p=0.5))"


def test_spectrogram_augment_layer_acts_in_training_only(specs):
    layer = A.SpectrogramAugment(A.vertical_roll, shift=3, seed=0)
    torch.testing.assert_close(layer(specs), torch.roll(specs, 3, dims=-2))
    layer.eval()
    assert layer(specs) is specs
    half = A.SpectrogramAugment(A.vertical_flip, p=0.5, seed=0)
    out = half(specs)
    flipped = [torch.equal(out[i], specs[i].flip(0)) for i in range(specs.shape[0])]
    kept = [torch.equal(out[i], specs[i]) for i in range(specs.shape[0])]
    assert all(f or k for f, k in zip(flipped, kept)) and any(flipped) and any(kept)


def test_reseed_gives_each_training_run_its_own_draws_whatever_ran_before():
    """over_seeds reseeds its augment per seed: seed 1's run must not depend on seed 0 having run first."""
    x = torch.ones(4, 100)
    labels = torch.arange(4)
    recipe = A.Compose(A.Augment(A.gain, gain_db=(-6.0, 6.0), seed=0),
                       A.RandomApply(A.Augment(A.add_noise, snr_db=10.0, seed=1), p=0.5, seed=2))
    fresh = A.Compose(A.Augment(A.gain, gain_db=(-6.0, 6.0), seed=0),
                      A.RandomApply(A.Augment(A.add_noise, snr_db=10.0, seed=1), p=0.5, seed=2))
    recipe.reseed(0)
    recipe(x, labels)  # run 0 draws
    recipe.reseed(1)
    after_run_0 = recipe(x, labels)[0]
    fresh.reseed(1)  # run 1 straight away
    torch.testing.assert_close(after_run_0, fresh(x, labels)[0])
    fresh.reseed(2)
    assert not torch.equal(after_run_0, fresh(x, labels)[0])  # another run, other draws
    mix = A.MixUp(num_classes=4, alpha=0.4, seed=3)
    mix.reseed(5)
    first = mix(x, labels)
    mix.reseed(5)
    torch.testing.assert_close(mix(x, labels), first)
    A.reseed([lambda x, y: (x, y), None], 1)  # transforms without draws are left alone
