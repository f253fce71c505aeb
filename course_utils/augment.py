"""Data augmentation for audio: waveform, spectrogram and image-style transforms.

An augmentation changes a training example in a way that should not change
its label, so the model learns to ignore that change. Which changes are
harmless depends on what the labels mean, and that is where audio differs
from photographs:

- Label-preserving, and so safe, when the label does not depend on what the
  transform changes. For most sound classes: loudness (gain), a small time
  shift, a bit of reverb, a lower sample rate, masking a few time frames or
  mel bins (SpecAugment), mixing two clips and their labels (mixup); pitch
  moves too, when pitch is a nuisance (an instrument's family).
- Harmful when the label depends on it: moving a spectrogram up or down (an
  image "vertical shift") changes the pitch that tells a low horn from a high
  one; reversing time turns a rising sweep into a falling one. Background
  noise preserves the label only at SNRs that leave the bands the label lives
  in audible: white noise at "20 dB" over a clip buries a note's upper
  harmonics, where its timbre is (`band_snr` measures it per mel band).
  Notebook 07 measures all of this.
- On a log (dB) spectrogram, 0 is a level, not silence: fill what a shift
  leaves empty with `vertical_roll(..., mode="silence")` and masks with
  `mask_value="mean"`.

Every transform here follows the same conventions:

    waveforms      (batch, samples)  or one example (samples,)
    spectrograms   (batch, n_mels, frames)  or one example (n_mels, frames)

- Output on the input's device, same shape; waveforms come back float32 (as
  `course_utils.audio.validate_waveform` returns them), spectrograms keep
  their dtype. Random numbers are drawn
  on the `generator`'s device (the CPU unless you pass another) and then moved,
  so the same seed gives the same augmentation on CPU and GPU.
- `generator`: an optional `torch.Generator`; the same seed gives the same
  output. With None, torch's global generator is used (`seed_everything`).
- A parameter written as `(low, high)` is drawn uniformly per example; a
  single number is used for every example.
- Bad parameters raise ValueError naming the parameter and its value.

For training, wrap a transform so it has the `fit(..., augment=...)` signature
`augment(waveforms, labels) -> (waveforms, labels)`:

    >>> from course_utils.augment import Augment, Compose, RandomApply, add_noise, gain
    >>> augment = Compose(Augment(add_noise, snr_db=(10, 30), seed=0),
    ...                   RandomApply(Augment(gain, gain_db=(-6, 6), seed=1), p=0.5, seed=2))
"""

from __future__ import annotations

import inspect
import math
import numbers
from fractions import Fraction
from typing import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
import torchaudio.functional as AF
from torch import nn

from course_utils.audio import check_sample_rate, validate_waveform

__all__ = ["AST_FRAMES", "AST_FREQM", "AST_MEL_BINS", "AST_TIMEM", "Augment", "Compose", "MixUp",
           "NOISE_EXPONENTS", "RandomApply", "SHARP_RESAMPLING", "SpectrogramAugment", "add_noise",
           "ast_mask_widths", "band_limit", "band_snr", "colored_noise", "freq_crop", "freq_mask", "gain", "mixup",
           "pitch_shift", "reseed", "reverb", "room_impulse_response", "spec_augment", "time_mask", "time_reverse",
           "time_shift", "time_shift_with_labels", "time_stretch", "vertical_flip", "vertical_roll"]

Range = float | tuple[float, float]

# SpecAugment mask sizes of the AST AudioSet recipe (YuanGongND/ast,
# egs/audioset/run.sh: freqm=48, timem=192, for 128 mel bins x 1024 frames;
# one frequency mask and one time mask per example, via torchaudio's
# FrequencyMasking / TimeMasking in the data loader). The ESC-50 recipe
# halves them (24, 96) for 512 frames.
AST_FREQM = 48
AST_TIMEM = 192
AST_MEL_BINS = 128
AST_FRAMES = 1024

# torchaudio.functional.resample settings of librosa's / resampy's "kaiser_best" filter.
SHARP_RESAMPLING = dict(lowpass_filter_width=64, rolloff=0.9475937167399596,
                        resampling_method="sinc_interp_kaiser", beta=14.769656459379492)

NOISE_EXPONENTS = {"white": 0.0, "pink": 1.0, "brown": 2.0}  # power spectrum ~ 1 / f**exponent


# ----------------------------------------------------------------------------
# Helpers: batching, parameter checks, random draws


def _waveform_batch(waveform, name: str = "waveform") -> tuple[torch.Tensor, bool]:
    """(samples,) or (batch, samples) -> ((batch, samples), was_single)."""
    waveform = validate_waveform(waveform, name=name, allow_batch=True)
    return (waveform.unsqueeze(0), True) if waveform.dim() == 1 else (waveform, False)


def _spec_batch(spec, name: str = "spectrogram") -> tuple[torch.Tensor, bool]:
    """(n_mels, frames) or (batch, n_mels, frames) -> ((batch, n_mels, frames), was_single)."""
    if not isinstance(spec, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(spec).__name__}")
    if spec.dim() not in (2, 3):
        raise ValueError(f"{name} must have 2 (n_mels, frames) or 3 (batch, n_mels, frames) dimensions, "
                         f"got shape {tuple(spec.shape)}")
    if not spec.is_floating_point():
        raise ValueError(f"{name} must be floating point, got dtype {spec.dtype}")
    if spec.numel() == 0:
        raise ValueError(f"{name} is empty (shape {tuple(spec.shape)})")
    return (spec.unsqueeze(0), True) if spec.dim() == 2 else (spec, False)


def _unbatch(x: torch.Tensor, single: bool) -> torch.Tensor:
    return x.squeeze(0) if single else x


def _check_number(value, name: str, *, low: float | None = None, high: float | None = None,
                  low_open: bool = False) -> float:
    """A finite real number within [low, high] (or (low, high] with low_open)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if low is not None and (value <= low if low_open else value < low):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value!r}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value!r}")
    return value


def _check_range(value: Range, name: str, **bounds) -> tuple[float, float]:
    """A number or a (low, high) pair, each end checked like `_check_number`."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be a number or a (low, high) pair, got {value!r}")
        low, high = (_check_number(v, name, **bounds) for v in value)
        if low > high:
            raise ValueError(f"{name} range must have low <= high, got {value!r}")
        return low, high
    v = _check_number(value, name, **bounds)
    return v, v


def _check_int_range(value, name: str) -> tuple[int, int]:
    """An int or a (low, high) pair of ints (inclusive)."""
    pair = value if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2 or any(isinstance(v, bool) or not isinstance(v, numbers.Integral) for v in pair):
        raise ValueError(f"{name} must be an int or a (low, high) pair of ints, got {value!r}")
    low, high = int(pair[0]), int(pair[1])
    if low > high:
        raise ValueError(f"{name} range must have low <= high, got {value!r}")
    return low, high


def _rand(n: int, generator: torch.Generator | None, dtype=torch.float32) -> torch.Tensor:
    """n uniform numbers in [0, 1) from `generator` (on its device), returned on the CPU."""
    device = generator.device if generator is not None else "cpu"
    return torch.rand(n, generator=generator, device=device, dtype=dtype).cpu()


def _draw(bounds: tuple[float, float], n: int, generator: torch.Generator | None) -> torch.Tensor:
    """(n,) float64 on the CPU: the constant, or uniform in [low, high) per example."""
    low, high = bounds
    if low == high:
        return torch.full((n,), low, dtype=torch.float64)
    return low + (high - low) * _rand(n, generator, torch.float64)


def _draw_int(bounds: tuple[int, int], n: int, generator: torch.Generator | None) -> torch.Tensor:
    """(n,) int64 on the CPU: the constant, or uniform on {low, ..., high} per example."""
    low, high = bounds
    if low == high:
        return torch.full((n,), low, dtype=torch.int64)
    device = generator.device if generator is not None else "cpu"
    return torch.randint(low, high + 1, (n,), generator=generator, device=device).cpu()


def _draw_shifts(shift, limit: int, n: int, generator: torch.Generator | None, what: str) -> torch.Tensor:
    """(n,) int64 shifts from `shift` (an int or a (low, high) pair), each smaller in size than
    `limit` (`what` names that limit in the error, e.g. "shorter than the clip (16000 samples)")."""
    bounds = _check_int_range(shift, "shift")
    if max(abs(bounds[0]), abs(bounds[1])) >= limit:
        raise ValueError(f"shift {shift!r} must be {what}")
    return _draw_int(bounds, n, generator)


def _shift_last_axis(x: torch.Tensor, shifts: torch.Tensor, mode: str) -> torch.Tensor:
    """Move x (batch, ..., n) right by shifts[b] steps along the last axis (negative: left).

    mode "roll": what falls off one end comes back at the other (circular).
    mode "zero": the vacated steps are filled with zeros (False for bool).
    """
    n = x.shape[-1]
    source = torch.arange(n, device=x.device) - shifts.to(x.device)[:, None]  # (batch, n): where each output step comes from
    if mode == "roll":
        source = source % n
    valid = (source >= 0) & (source < n)  # (batch, n)
    shape = (x.shape[0],) + (1,) * (x.dim() - 2) + (n,)
    index = source.clamp(0, n - 1).view(shape).expand_as(x)
    out = x.gather(-1, index)
    return torch.where(valid.view(shape), out, torch.zeros((), dtype=x.dtype, device=x.device))


def _check_mode(mode: str) -> str:
    if mode not in ("roll", "zero"):
        raise ValueError(f"mode must be 'roll' or 'zero', got {mode!r}")
    return mode


# ----------------------------------------------------------------------------
# Waveform: noise, gain, time shift


def colored_noise(shape: tuple[int, ...], color: str = "white", generator: torch.Generator | None = None,
                  device: torch.device | str | None = None) -> torch.Tensor:
    """Gaussian noise of a given colour, `shape` `(batch, samples)` (an int n: `(n,)`), each row with unit power.

    White noise has the same power at every frequency. Pink noise has power
    ~ 1/f (equal power per octave, like rain or a waterfall); brown noise
    ~ 1/f^2 (a deep rumble). We shape white noise in the frequency domain:
    multiply its spectrum by f^(-exponent/2), so the power goes as f^-exponent,
    and drop the DC bin (the 0 Hz term would be infinite for pink and brown).
    """
    if color not in NOISE_EXPONENTS:
        raise ValueError(f"color must be one of {sorted(NOISE_EXPONENTS)}, got {color!r}")
    shape = (shape,) if isinstance(shape, numbers.Integral) else shape  # colored_noise(16000): one clip (16000,)
    if (not isinstance(shape, (tuple, list, torch.Size)) or not shape
            or any(isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1 for n in shape)):
        raise ValueError(f"shape must be a tuple of positive ints, e.g. (batch, samples), got {shape!r}")
    gen_device = generator.device if generator is not None else "cpu"
    white = torch.randn(shape, generator=generator, device=gen_device).cpu()  # (batch, samples)
    noise = white
    exponent = NOISE_EXPONENTS[color]
    if exponent > 0:
        n = shape[-1]
        spectrum = torch.fft.rfft(white, dim=-1)  # (batch, n//2 + 1)
        freqs = torch.fft.rfftfreq(n)  # cycles per sample, 0 .. 0.5
        scale = torch.zeros_like(freqs)
        scale[1:] = freqs[1:] ** (-exponent / 2)
        noise = torch.fft.irfft(spectrum * scale, n=n, dim=-1)
    noise = noise - noise.mean(dim=-1, keepdim=True)
    noise = noise / noise.pow(2).mean(dim=-1, keepdim=True).sqrt().clamp_min(1e-12)
    return noise.to(device if device is not None else "cpu")


def add_noise(waveform: torch.Tensor, snr_db: Range, color: str = "white",
              generator: torch.Generator | None = None) -> torch.Tensor:
    """Add noise at a signal-to-noise ratio of `snr_db` decibels.

    SNR = 10 log10(P_signal / P_noise), with P the mean square over the whole
    example (padding included). 0 dB: noise as loud as the signal; 20 dB: a
    hundred times quieter. `color`: "white", "pink" or "brown" (see
    `colored_noise`). A silent example has no SNR, so it is an error.
    """
    bounds = _check_range(snr_db, "snr_db")
    x, single = _waveform_batch(waveform)  # (batch, samples)
    batch, n = x.shape
    if n < 2:
        raise ValueError(f"waveform needs at least 2 samples to add noise, got {n}")
    signal_power = x.pow(2).mean(dim=-1)  # (batch,)
    silent = (signal_power == 0).nonzero().flatten().tolist()
    if silent:
        raise ValueError(f"example(s) {silent[:10]} are silent (all zeros): the SNR is undefined")
    snr = _draw(bounds, batch, generator).to(x.device, torch.float32)  # (batch,)
    noise = colored_noise((batch, n), color, generator, device=x.device)  # unit power
    noise_power = signal_power / 10 ** (snr / 10)  # (batch,)
    return _unbatch(x + noise * noise_power.sqrt()[:, None], single)


def band_snr(signal: torch.Tensor, noise: torch.Tensor, sample_rate: int, n_mels: int = 32, n_fft: int = 400,
             hop_length: int = 320) -> torch.Tensor:
    """The signal-to-noise ratio in each mel band, in dB: `(batch, n_mels)`, or `(n_mels,)` for one example.

    `add_noise` sets one SNR for the whole clip. The label may live in one
    part of the spectrum only, and there the SNR can be very different: a
    musical note puts most of its power in its fundamental and first few
    harmonics, while white noise spreads its power evenly over the hertz, so
    most of it lands in the wide upper mel bands, where an instrument's quiet
    upper harmonics (its timbre) are. This measures it band by band:

        SNR_b = 10 log10( sum_t S_b(t) / sum_t N_b(t) )

    with S_b(t), N_b(t) the mel-band powers of `signal` and `noise` (the same
    mel bands as the course CNN's front-end by default: 32 bands, 400-sample
    windows every 320 samples). Pass the clean clip and the noise alone
    (`noisy - clean`). A band where the noise has no power at all gives +inf.
    """
    from course_utils.features import mel_filterbank, power_spectrogram

    sample_rate = check_sample_rate(sample_rate)
    s, single = _waveform_batch(signal, "signal")
    n, _ = _waveform_batch(noise, "noise")
    if s.shape != n.shape:
        raise ValueError(f"signal and noise must have the same shape, got {tuple(signal.shape)} and {tuple(noise.shape)}")
    if isinstance(n_mels, bool) or not isinstance(n_mels, numbers.Integral) or n_mels < 1:
        raise ValueError(f"n_mels must be a positive int, got {n_mels!r}")
    n_fft, hop_length = _check_fft(n_fft, hop_length, s.shape[-1])
    fb = mel_filterbank(n_fft // 2 + 1, int(n_mels), sample_rate, dtype=torch.float64).to(s.device)  # (freqs, n_mels)

    def band_power(x: torch.Tensor) -> torch.Tensor:  # (batch, samples) -> (batch, n_mels), summed over frames
        power = power_spectrogram(x.double(), n_fft, hop_length)  # (batch, freqs, frames)
        return (fb.T @ power).sum(-1)

    ratio = band_power(s) / band_power(n)  # x / 0 = inf where the noise is silent in a band
    return _unbatch((10 * torch.log10(ratio)).float(), single)


def gain(waveform: torch.Tensor, gain_db: Range, generator: torch.Generator | None = None) -> torch.Tensor:
    """Multiply by 10^(gain_db / 20): +6 dB doubles the amplitude, -6 dB halves it."""
    bounds = _check_range(gain_db, "gain_db")
    x, single = _waveform_batch(waveform)
    factor = 10 ** (_draw(bounds, x.shape[0], generator) / 20)  # (batch,)
    return _unbatch(x * factor.to(x.device, x.dtype)[:, None], single)


def time_shift(waveform: torch.Tensor, shift: int | tuple[int, int], mode: str = "zero",
               generator: torch.Generator | None = None) -> torch.Tensor:
    """Move the audio later by `shift` samples (negative: earlier).

    `shift` is an int, or a (low, high) pair of ints drawn per example
    (inclusive). mode "zero" (default) fills the gap with silence and drops
    what moves past the end, as a recording that started earlier or later
    would; mode "roll" wraps it around (circular), which keeps every sample
    but glues the clip's end to its start.
    """
    mode = _check_mode(mode)
    x, single = _waveform_batch(waveform)
    n = x.shape[-1]
    shifts = _draw_shifts(shift, n, x.shape[0], generator, f"shorter than the clip ({n} samples)")
    return _unbatch(_shift_last_axis(x, shifts, mode), single)


# ----------------------------------------------------------------------------
# Waveform: time stretch and pitch shift (phase vocoder + resampling)


def _stretch(x: torch.Tensor, rate: float, n_fft: int, hop_length: int) -> torch.Tensor:
    """Phase-vocoder time stretch: (batch, n) -> (batch, round(n / rate)), pitch unchanged.

    rate > 1 plays faster (shorter). STFT -> `torchaudio.functional.phase_vocoder`
    (keeps each bin's phase advancing at its own frequency) -> inverse STFT,
    the same steps as `torchaudio.functional.pitch_shift` uses internally.
    """
    window = torch.hann_window(n_fft, device=x.device, dtype=x.dtype)
    spec = torch.stft(x, n_fft=n_fft, hop_length=hop_length, window=window, center=True,
                      pad_mode="reflect", return_complex=True)  # (batch, n_fft//2 + 1, frames)
    phase_advance = torch.linspace(0, math.pi * hop_length, spec.shape[-2], device=x.device)[..., None]
    stretched = AF.phase_vocoder(spec, rate, phase_advance)
    length = int(round(x.shape[-1] / rate))
    return torch.istft(stretched, n_fft=n_fft, hop_length=hop_length, window=window, length=length)


def _fix_length(x: torch.Tensor, n: int) -> torch.Tensor:
    """Cut or zero-pad the last axis to n samples."""
    return x[..., :n] if x.shape[-1] >= n else F.pad(x, (0, n - x.shape[-1]))


def _per_value(x: torch.Tensor, values: torch.Tensor, fn: Callable[[torch.Tensor, float], torch.Tensor]) -> torch.Tensor:
    """Apply fn(rows, value) to the rows sharing each distinct value (one call if all equal)."""
    out = torch.empty_like(x)
    for value in torch.unique(values).tolist():
        rows = (values == value).nonzero().flatten().to(x.device)
        out[rows] = fn(x[rows], value)
    return out


def _check_fft(n_fft: int, hop_length: int | None, n: int) -> tuple[int, int]:
    if isinstance(n_fft, bool) or not isinstance(n_fft, int) or n_fft < 4:
        raise ValueError(f"n_fft must be an int >= 4, got {n_fft!r}")
    hop_length = n_fft // 4 if hop_length is None else hop_length
    if isinstance(hop_length, bool) or not isinstance(hop_length, int) or not 0 < hop_length <= n_fft:
        raise ValueError(f"hop_length must be an int in [1, n_fft={n_fft}], got {hop_length!r}")
    if n <= n_fft // 2:
        raise ValueError(f"waveform of {n} samples is too short for n_fft={n_fft} (needs more than {n_fft // 2})")
    return n_fft, hop_length


def time_stretch(waveform: torch.Tensor, rate: Range, generator: torch.Generator | None = None,
                 n_fft: int = 512, hop_length: int | None = None, keep_length: bool = True) -> torch.Tensor:
    """Play `rate` times faster (rate > 1) or slower (rate < 1) without changing the pitch.

    With `keep_length=True` (default) the result is cut or zero-padded back to
    the input length, so a batch stays a batch; `keep_length=False` returns
    round(samples / rate) samples (one fixed rate only).
    """
    bounds = _check_range(rate, "rate", low=0.0, low_open=True)
    x, single = _waveform_batch(waveform)
    n = x.shape[-1]
    n_fft, hop_length = _check_fft(n_fft, hop_length, n)
    if not keep_length:
        if bounds[0] != bounds[1]:
            raise ValueError(f"keep_length=False needs one fixed rate (outputs would differ in length), got {rate!r}")
        return _unbatch(_stretch(x, bounds[0], n_fft, hop_length), single)
    rates = _draw(bounds, x.shape[0], generator)
    out = _per_value(x, rates, lambda rows, r: _fix_length(_stretch(rows, r, n_fft, hop_length), n))
    return _unbatch(out, single)


def pitch_shift(waveform: torch.Tensor, sample_rate: int, semitones: Range,
                generator: torch.Generator | None = None, step: float | None = None,
                n_fft: int = 512, hop_length: int | None = None) -> torch.Tensor:
    """Raise the pitch by `semitones` (negative: lower), keeping the duration.

    12 semitones is an octave: frequencies are multiplied by 2^(semitones/12).
    Two steps: a phase-vocoder time stretch by 2^(-semitones/12) (longer for
    an upward shift), then resampling back to the original length, which
    speeds it up and raises every frequency by the same factor. This is what
    `torchaudio.functional.pitch_shift` does; we resample with the ratio
    written as a small fraction (within 1e-4), so a non-integer shift does
    not build a 16000 x 17959 resampling kernel.

    Each distinct shift in a batch costs one STFT/resampling pass; `step`
    (e.g. 0.5) rounds drawn shifts to a multiple of it, so a batch needs only
    a few passes.
    """
    sample_rate = check_sample_rate(sample_rate)
    bounds = _check_range(semitones, "semitones", low=-48.0, high=48.0)
    x, single = _waveform_batch(waveform)
    n = x.shape[-1]
    n_fft, hop_length = _check_fft(n_fft, hop_length, n)

    def shift(rows: torch.Tensor, steps: float) -> torch.Tensor:
        if steps == 0:
            return rows
        rate = 2.0 ** (-steps / 12)
        stretched = _stretch(rows, rate, n_fft, hop_length)  # (rows, n / rate)
        ratio = Fraction(1 / rate).limit_denominator(100)  # orig/new sample-rate ratio
        return _fix_length(AF.resample(stretched, ratio.numerator, ratio.denominator), n)

    steps = _draw(bounds, x.shape[0], generator)
    if step is not None:
        step = _check_number(step, "step", low=0.0, low_open=True)
        steps = (steps / step).round() * step
    out = _per_value(x, steps, shift)
    return _unbatch(out, single)


# ----------------------------------------------------------------------------
# Waveform: band limiting and reverb


def band_limit(waveform: torch.Tensor, sample_rate: int, low_rate: int | Sequence[int],
               generator: torch.Generator | None = None) -> torch.Tensor:
    """Simulate a recording made at `low_rate`: resample down to it and back up.

    Everything above low_rate / 2 (the lower Nyquist frequency) is removed, as
    with an 8 kHz telephone line; the result keeps `sample_rate` and length.
    The resampling filter is a sharp Kaiser-windowed sinc (`SHARP_RESAMPLING`,
    librosa's "kaiser_best"): flat to 0.95 x the new Nyquist frequency, -80 dB
    at it. torchaudio's default filter is gentler and lets through -15 dB
    at 1.07 x Nyquist, which would leave the high band half there.
    `low_rate` is one rate, or a list of rates to choose from per example.
    """
    sample_rate = check_sample_rate(sample_rate)
    rates = [low_rate] if isinstance(low_rate, numbers.Number) else list(low_rate)
    if not rates:
        raise ValueError("low_rate must be a rate or a non-empty list of rates, got an empty list")
    rates = [check_sample_rate(r, name="low_rate") for r in rates]
    too_high = [r for r in rates if r > sample_rate]
    if too_high:
        raise ValueError(f"low_rate {too_high[0]} Hz must not exceed sample_rate {sample_rate} Hz")
    x, single = _waveform_batch(waveform)
    n = x.shape[-1]
    choice = _draw_int((0, len(rates) - 1), x.shape[0], generator)
    chosen = torch.tensor(rates)[choice]  # (batch,)

    def down_up(rows: torch.Tensor, rate: float) -> torch.Tensor:
        low = AF.resample(rows, sample_rate, int(rate), **SHARP_RESAMPLING)
        return _fix_length(AF.resample(low, int(rate), sample_rate, **SHARP_RESAMPLING), n)

    return _unbatch(_per_value(x, chosen, down_up), single)


def _decaying_noise(rt60: torch.Tensor, sample_rate: int, length: int,
                    generator: torch.Generator | None) -> torch.Tensor:
    """Impulse responses (batch, length): exponentially decaying Gaussian noise.

    Amplitude envelope 10^(-3 t / rt60): the energy falls by 60 dB after rt60
    seconds (the definition of the reverberation time RT60). The first tap is
    the direct sound (1.0); each response has unit energy.
    """
    gen_device = generator.device if generator is not None else "cpu"
    noise = torch.randn((rt60.shape[0], length), generator=generator, device=gen_device).cpu()
    t = torch.arange(length, dtype=torch.float64) / sample_rate  # seconds
    envelope = 10 ** (-3 * t[None, :] / rt60[:, None])  # (batch, length)
    ir = (noise.double() * envelope)
    ir[:, 0] = 1.0
    return (ir / ir.norm(dim=-1, keepdim=True)).float()


def room_impulse_response(rt60: float, sample_rate: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """A synthetic room impulse response `(samples,)` with reverberation time `rt60` s (1.2 x rt60 long)."""
    rt60 = _check_number(rt60, "rt60", low=0.0, low_open=True)
    sample_rate = check_sample_rate(sample_rate)
    length = max(2, int(math.ceil(1.2 * rt60 * sample_rate)))
    return _decaying_noise(torch.tensor([rt60], dtype=torch.float64), sample_rate, length, generator)[0]


def reverb(waveform: torch.Tensor, sample_rate: int, rt60: Range = (0.1, 0.5),
           generator: torch.Generator | None = None) -> torch.Tensor:
    """Convolve with a synthetic room impulse response of reverberation time `rt60` seconds.

    A simple model of a room: the direct sound followed by a dense tail of
    reflections whose energy decays exponentially, 60 dB in rt60 seconds (a
    small office ~0.3 s, a church several seconds). The tail is cut at the
    clip length and the result is scaled back to the input's loudness (RMS).
    """
    sample_rate = check_sample_rate(sample_rate)
    bounds = _check_range(rt60, "rt60", low=0.0, low_open=True)
    x, single = _waveform_batch(waveform)
    batch, n = x.shape
    rt60s = _draw(bounds, batch, generator)
    ir_len = max(2, min(n, int(math.ceil(1.2 * bounds[1] * sample_rate))))
    ir = _decaying_noise(rt60s, sample_rate, ir_len, generator).to(x.device)  # (batch, ir_len)
    n_fft = 1 << (n + ir_len - 1).bit_length()  # FFT convolution, long enough not to wrap
    wet = torch.fft.irfft(torch.fft.rfft(x, n_fft) * torch.fft.rfft(ir, n_fft), n_fft)[:, :n]
    rms_in = x.pow(2).mean(dim=-1, keepdim=True).sqrt()
    rms_out = wet.pow(2).mean(dim=-1, keepdim=True).sqrt().clamp_min(1e-12)
    return _unbatch(wet * (rms_in / rms_out), single)


# ----------------------------------------------------------------------------
# Spectrogram: SpecAugment masking and mixup


def ast_mask_widths(n_mels: int, frames: int) -> tuple[int, int]:
    """AST's mask sizes (48 of 128 mel bins, 192 of 1024 frames) scaled to a smaller spectrogram."""
    return max(1, round(AST_FREQM * n_mels / AST_MEL_BINS)), max(1, round(AST_TIMEM * frames / AST_FRAMES))


def _mask_along(spec: torch.Tensor, axis: int, max_width: int, mask_value: float | str,
                generator: torch.Generator | None) -> torch.Tensor:
    """Mask [start, start + width) along axis (-2: mel bins, -1: frames), independently per example.

    The draws follow `torchaudio.functional.mask_along_axis_iid` exactly:
    width = floor(u1 * max_width), so 0 .. max_width - 1, and
    start = floor(u2 * (size - u1 * max_width)), u1 and u2 uniform in [0, 1).
    """
    x, single = _spec_batch(spec)  # (batch, n_mels, frames)
    name = "freq" if axis == -2 else "time"
    size = x.shape[axis]
    if isinstance(max_width, bool) or not isinstance(max_width, numbers.Integral) or max_width < 0:
        raise ValueError(f"max_width must be a non-negative int, got {max_width!r}")
    if max_width > size:
        f, t = ast_mask_widths(x.shape[-2], x.shape[-1])
        raise ValueError(f"{name} mask max_width={max_width} is wider than the axis ({size} "
                         f"{'mel bins' if axis == -2 else 'frames'}); AST's proportions for this "
                         f"spectrogram: freq {f}, time {t} (ast_mask_widths)")
    if max_width == 0:
        return spec
    batch = x.shape[0]
    width = _rand(batch, generator, x.dtype) * max_width  # (batch,)
    start = _rand(batch, generator, x.dtype) * (size - width)
    lo = start.long().to(x.device)[:, None]
    hi = (start.long() + width.long()).to(x.device)[:, None]
    idx = torch.arange(size, device=x.device)
    masked = (idx >= lo) & (idx < hi)  # (batch, size)
    masked = masked[:, :, None] if axis == -2 else masked[:, None, :]
    if isinstance(mask_value, torch.Tensor):  # per-example fill computed by spec_augment
        fill = mask_value.to(x.device, x.dtype).reshape(-1, 1, 1)
    elif mask_value == "mean":
        fill = x.mean(dim=(-2, -1), keepdim=True)  # (batch, 1, 1)
    elif isinstance(mask_value, numbers.Real) and not isinstance(mask_value, bool) and math.isfinite(mask_value):
        fill = torch.tensor(float(mask_value), dtype=x.dtype, device=x.device)
    else:
        raise ValueError(f"mask_value must be a finite number or 'mean', got {mask_value!r}")
    return _unbatch(torch.where(masked, fill, x), single)


def freq_mask(spec: torch.Tensor, max_width: int = AST_FREQM, mask_value: float | str = 0.0,
              generator: torch.Generator | None = None) -> torch.Tensor:
    """SpecAugment frequency masking: blank a band of 0 .. max_width-1 mel bins per example.

    Same distribution as `torchaudio.transforms.FrequencyMasking(max_width, iid_masks=True)`
    (identical masks given the same random numbers). `mask_value` is a number
    or "mean" (the example's mean, a neutral value for a log spectrogram).
    Default 48: AST's AudioSet recipe, for 128 mel bins; see `ast_mask_widths`.
    """
    return _mask_along(spec, -2, max_width, mask_value, generator)


def time_mask(spec: torch.Tensor, max_width: int = AST_TIMEM, mask_value: float | str = 0.0,
              generator: torch.Generator | None = None) -> torch.Tensor:
    """SpecAugment time masking: blank 0 .. max_width-1 consecutive frames per example.

    Same distribution as `torchaudio.transforms.TimeMasking(max_width, iid_masks=True)`.
    Default 192: AST's AudioSet recipe, for 1024 frames; see `ast_mask_widths`.
    """
    return _mask_along(spec, -1, max_width, mask_value, generator)


def spec_augment(spec: torch.Tensor, freq_width: int = AST_FREQM, time_width: int = AST_TIMEM,
                 n_freq_masks: int = 1, n_time_masks: int = 1, mask_value: float | str = 0.0,
                 generator: torch.Generator | None = None) -> torch.Tensor:
    """SpecAugment (Park et al. 2019) without time warping: frequency masks, then time masks.

    AST's recipe is one of each (48 bins, 192 frames for 128 x 1024); speech
    recipes use two of each. With mask_value="mean" every mask is filled with
    the example's mean before masking.
    """
    for name, count in (("n_freq_masks", n_freq_masks), ("n_time_masks", n_time_masks)):
        if isinstance(count, bool) or not isinstance(count, numbers.Integral) or count < 0:
            raise ValueError(f"{name} must be a non-negative int, got {count!r}")
    if isinstance(mask_value, str) and mask_value == "mean":  # the mean before any masking
        x, _ = _spec_batch(spec)
        mask_value = x.mean(dim=(-2, -1))  # (batch,)
    for _ in range(n_freq_masks):
        spec = freq_mask(spec, freq_width, mask_value, generator)
    for _ in range(n_time_masks):
        spec = time_mask(spec, time_width, mask_value, generator)
    return spec


def mixup(x: torch.Tensor, y_onehot: torch.Tensor, alpha: float,
          generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Mixup (Zhang et al. 2018): blend each example with a random partner, labels too.

    lam ~ Beta(alpha, alpha) per example; x' = lam x + (1 - lam) x[perm],
    y' = lam y + (1 - lam) y[perm]. Small alpha (0.2) keeps most mixes close to
    one clip. Works on waveforms or spectrograms (any shape, batch first).
    `y_onehot` is `(batch, num_classes)` float (one-hot or already soft).
    """
    alpha = _check_number(alpha, "alpha", low=0.0, low_open=True)
    if not isinstance(x, torch.Tensor) or x.dim() < 2 or not x.is_floating_point():
        raise ValueError(f"x must be a floating-point batch (batch, ...), got "
                         f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}")
    if not isinstance(y_onehot, torch.Tensor) or y_onehot.dim() != 2 or not y_onehot.is_floating_point():
        raise ValueError("y_onehot must be a float tensor (batch, num_classes); "
                         "convert class indices with torch.nn.functional.one_hot(labels, num_classes).float()")
    if y_onehot.shape[0] != x.shape[0]:
        raise ValueError(f"x has {x.shape[0]} examples but y_onehot has {y_onehot.shape[0]}")
    batch = x.shape[0]
    gen_device = generator.device if generator is not None else "cpu"
    perm = torch.randperm(batch, generator=generator, device=gen_device).cpu()
    # Beta draws: numpy's sampler, seeded from the torch generator so the seed still decides.
    seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator, device=gen_device))
    lam = torch.from_numpy(np.random.default_rng(seed).beta(alpha, alpha, size=batch))  # (batch,)
    lam_x = lam.to(x.device, x.dtype).view((batch,) + (1,) * (x.dim() - 1))
    lam_y = lam.to(y_onehot.device, y_onehot.dtype)[:, None]
    perm_x, perm_y = perm.to(x.device), perm.to(y_onehot.device)
    return lam_x * x + (1 - lam_x) * x[perm_x], lam_y * y_onehot + (1 - lam_y) * y_onehot[perm_y]


# ----------------------------------------------------------------------------
# Image-style transforms (for the experiments: most of them are bad for audio)


def vertical_flip(spec: torch.Tensor) -> torch.Tensor:
    """Turn the spectrogram upside down: low pitches become high ones."""
    x, single = _spec_batch(spec)
    return _unbatch(x.flip(-2), single)


def vertical_roll(spec: torch.Tensor, shift: int | tuple[int, int], generator: torch.Generator | None = None,
                  mode: str = "roll") -> torch.Tensor:
    """Move the spectrogram up by `shift` mel bins (negative: down): the image "vertical shift".

    On the upper, nearly logarithmic part of the mel scale this is close to a
    pitch change. Below ~1 kHz the mel scale is nearly linear, so a shift moves
    a harmonic series without spreading it: the harmonics stay as many bins
    apart as before, which no real pitch change does (use `pitch_shift` for
    that). Either way the picture no longer shows the sound that was played.
    `shift` is an int or a (low, high) pair drawn per example.

    `mode` says what fills the bins left empty at one edge:

    - "roll" (default): the bins pushed off the other edge wrap round, so the
      highest band of a shifted-up picture lands at the bottom: a wrap
      artefact, a sound no instrument made.
    - "zero": zeros. Silence for a power spectrogram, but not for a log one:
      in decibels 0 is a level like any other (for the course's log-mel, a
      loud one), so zero fill paints a loud band along the edge.
    - "silence": each example's own quietest value (its minimum over the
      whole picture), which is silence in either scale: for a log-mel in dB,
      the floor that `top_db` clamps to. Use this for a log spectrogram.
    """
    if mode not in ("roll", "zero", "silence"):
        raise ValueError(f"mode must be 'roll', 'zero' or 'silence', got {mode!r}")
    x, single = _spec_batch(spec)
    n_mels = x.shape[-2]
    shifts = _draw_shifts(shift, n_mels, x.shape[0], generator, f"smaller than the number of mel bins ({n_mels})")
    floor = x.amin(dim=(-2, -1), keepdim=True) if mode == "silence" else 0.0  # (batch, 1, 1): each example's silence
    moved = _shift_last_axis((x - floor).transpose(-1, -2), shifts, "roll" if mode == "roll" else "zero")
    return _unbatch((moved.transpose(-1, -2) + floor).contiguous(), single)


def freq_crop(spec: torch.Tensor, min_keep: float = 0.8, generator: torch.Generator | None = None) -> torch.Tensor:
    """Random-resized crop along frequency: keep a random band, stretch it back to full height.

    The band keeps between `min_keep` and all of the mel bins, at a random
    offset; linear interpolation resizes it to n_mels. On an image this is a
    zoom; on a spectrogram it moves and spreads the harmonics, a pitch change.
    """
    min_keep = _check_number(min_keep, "min_keep", low=0.0, high=1.0, low_open=True)
    x, single = _spec_batch(spec)
    batch, n_mels, _ = x.shape
    if n_mels < 2:
        raise ValueError(f"freq_crop needs at least 2 mel bins, got {n_mels}")
    keep = min_keep + (1 - min_keep) * _rand(batch, generator, torch.float64)  # fraction kept
    height = (keep * n_mels).round().clamp(2, n_mels)  # (batch,) bins kept
    offset = ((n_mels - height + 1) * _rand(batch, generator, torch.float64)).floor()  # first kept bin
    # Output bin i reads input position offset + i * (height - 1) / (n_mels - 1): linear interpolation.
    pos = offset[:, None] + torch.arange(n_mels, dtype=torch.float64) * ((height - 1) / (n_mels - 1))[:, None]
    lo = pos.floor().long().clamp(0, n_mels - 1)
    hi = (lo + 1).clamp(max=n_mels - 1)
    frac = (pos - lo).to(x.device, x.dtype)[:, :, None]  # (batch, n_mels, 1)
    lo, hi = lo.to(x.device)[:, :, None].expand_as(x), hi.to(x.device)[:, :, None].expand_as(x)
    out = x.gather(1, lo) * (1 - frac) + x.gather(1, hi) * frac
    return _unbatch(out, single)


def time_reverse(x: torch.Tensor) -> torch.Tensor:
    """Reverse time (the image "horizontal flip"): works on waveforms and spectrograms.

    A rising sweep becomes a falling one, an attack becomes a fade-in.
    """
    if not isinstance(x, torch.Tensor) or x.dim() == 0 or x.numel() == 0:
        raise ValueError(f"time_reverse needs a non-empty tensor, got "
                         f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}")
    return x.flip(-1)


horizontal_flip = time_reverse


# ----------------------------------------------------------------------------
# Label-aware: frame-level labels move with the audio


def time_shift_with_labels(waveform: torch.Tensor, frame_labels: torch.Tensor, shift_samples: int | tuple[int, int],
                           hop_samples: int, mode: str = "zero",
                           generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Time-shift audio and its frame labels together.

    waveform `(batch, samples)` or `(samples,)`; frame_labels `(batch, frames, ...)`
    or `(frames, ...)`, one row per hop of `hop_samples` samples. A shift of k
    hops moves the labels by k frames, so `shift_samples` must be a whole
    number of hops; a (low, high) range draws whole hops per example. With
    mode "zero" the silence shifted in gets label 0 (nothing is happening
    there); with "roll" labels wrap around with the audio.
    Masking a spectrogram changes no timing, so masks leave labels alone.
    """
    if isinstance(hop_samples, bool) or not isinstance(hop_samples, numbers.Integral) or hop_samples <= 0:
        raise ValueError(f"hop_samples must be a positive int, got {hop_samples!r}")
    low, high = _check_int_range(shift_samples, "shift_samples")
    if low == high and low % hop_samples:
        raise ValueError(f"shift_samples={low} is not a multiple of hop_samples={hop_samples}: "
                         f"the labels could not move with the audio")
    mode = _check_mode(mode)
    x, single = _waveform_batch(waveform)
    if not isinstance(frame_labels, torch.Tensor):
        raise TypeError(f"frame_labels must be a torch.Tensor, got {type(frame_labels).__name__}")
    labels = frame_labels.unsqueeze(0) if single else frame_labels  # (batch, frames, ...)
    if labels.dim() < 2 or labels.shape[0] != x.shape[0]:
        raise ValueError(f"frame_labels shape {tuple(frame_labels.shape)} does not match waveform "
                         f"shape {tuple(waveform.shape)} (expected {'(frames, ...)' if single else '(batch, frames, ...)'})")
    frames = labels.shape[1]
    hop_range = (math.ceil(low / hop_samples), math.floor(high / hop_samples))
    if hop_range[0] > hop_range[1]:
        raise ValueError(f"shift_samples range {shift_samples!r} contains no whole multiple of hop_samples={hop_samples}")
    hops = _draw_int(hop_range, x.shape[0], generator)
    if max(abs(low), abs(high)) >= x.shape[-1] or hops.abs().max() >= frames:
        raise ValueError(f"shift_samples {shift_samples!r} must be shorter than the clip "
                         f"({x.shape[-1]} samples, {frames} frames)")
    shifted = _shift_last_axis(x, hops * hop_samples, mode)
    moved = _shift_last_axis(labels.movedim(1, -1), hops, mode).movedim(-1, 1)
    return _unbatch(shifted, single), (moved.squeeze(0) if single else moved)


# ----------------------------------------------------------------------------
# Plumbing for training: fit(..., augment=callable(waveforms, labels) -> (waveforms, labels))


def _check_seed(seed, name: str = "seed") -> int:
    """A seed (or run number) as an int; anything else is a TypeError naming it."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {seed!r}")
    return int(seed)


def _check_batch(x, who: str) -> None:
    """The transforms' input is a tensor with a batch axis first."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{who} takes a batch tensor (batch, ...), got {type(x).__name__}; "
                        "convert with torch.as_tensor(x, dtype=torch.float32)")
    if x.dim() < 1:
        raise ValueError(f"{who} takes a batch tensor (batch, ...), got a 0-d tensor")


def _run_seed(seed: int, run: int) -> int:
    """One generator seed per (transform seed, training run): distinct pairs give distinct streams."""
    return (seed * 1_000_003 + _check_seed(run, "run")) % (2 ** 63)


def reseed(transforms, run: int) -> None:
    """Call `reseed(run)` on each transform that has one (others, e.g. a plain function, draw nothing)."""
    for t in transforms:
        if hasattr(t, "reseed"):
            t.reseed(run)


class Augment:
    """A label-preserving transform with its parameters bound and its own seeded generator.

    >>> noisy = Augment(add_noise, snr_db=(5, 20), color="pink", seed=0)
    >>> waveforms, labels = noisy(waveforms, labels)   # labels pass through

    Each call advances the generator, so successive batches get fresh draws
    and a run repeats exactly from the same seed. `reseed(run)` restarts the
    draws for one training run (`compare.over_seeds` calls it once per seed),
    so each seed's run gets its own draws whatever ran before it.
    """

    def __init__(self, fn: Callable[..., torch.Tensor], seed: int = 0, **params):
        if not callable(fn):
            raise TypeError(f"fn must be callable, got {type(fn).__name__}")
        self.fn, self.params, self.seed = fn, params, _check_seed(seed)
        self.generator = torch.Generator().manual_seed(seed)
        signature = inspect.signature(fn)
        try:  # a misspelt parameter fails here, not at the first batch of training
            signature.bind_partial(None, **params)
        except TypeError as exc:
            raise TypeError(f"Augment({getattr(fn, '__name__', fn)!s}, ...): {exc}; its parameters are "
                            f"{list(signature.parameters)}") from None
        self._takes_generator = "generator" in signature.parameters

    def reseed(self, run: int) -> None:
        """Restart the generator for training run `run`: the same (seed, run) gives the same draws."""
        self.generator.manual_seed(_run_seed(self.seed, run))

    def __call__(self, x: torch.Tensor, labels: torch.Tensor | None = None):
        extra = {"generator": self.generator} if self._takes_generator else {}
        return self.fn(x, **self.params, **extra), labels

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"Augment({self.fn.__name__}{', ' + args if args else ''})"


class Compose:
    """Apply transforms `t(x, labels) -> (x, labels)` one after another."""

    def __init__(self, *transforms: Callable):
        if not transforms or not all(callable(t) for t in transforms):
            raise TypeError("Compose needs one or more callables t(x, labels) -> (x, labels)")
        self.transforms = transforms

    def __call__(self, x: torch.Tensor, labels: torch.Tensor | None = None):
        for t in self.transforms:
            x, labels = t(x, labels)
        return x, labels

    def reseed(self, run: int) -> None:
        """Restart every transform's draws for training run `run` (see `Augment.reseed`)."""
        reseed(self.transforms, run)

    def __repr__(self) -> str:
        return f"Compose({', '.join(repr(t) for t in self.transforms)})"


class RandomApply:
    """Apply `transform` to each example with probability `p` (decided per example)."""

    def __init__(self, transform: Callable, p: float = 0.5, seed: int = 0):
        if not callable(transform):
            raise TypeError(f"transform must be callable t(x, labels) -> (x, labels), e.g. Augment(gain, gain_db=3.0), "
                            f"got {type(transform).__name__}")
        self.p = _check_number(p, "p", low=0.0, high=1.0)
        self.transform, self.seed = transform, _check_seed(seed)
        self.generator = torch.Generator().manual_seed(seed)

    def reseed(self, run: int) -> None:
        """Restart the coin flips and the transform's draws for training run `run` (see `Augment.reseed`)."""
        self.generator.manual_seed(_run_seed(self.seed, run))
        reseed([self.transform], run)

    def __call__(self, x: torch.Tensor, labels: torch.Tensor | None = None):
        _check_batch(x, "RandomApply")
        chosen = _rand(x.shape[0], self.generator) < self.p  # (batch,)
        new_x, new_labels = self.transform(x, labels)
        if new_x.shape != x.shape or (labels is not None and new_labels.shape != labels.shape):
            raise ValueError("RandomApply needs a transform that keeps shapes (mixup changes label shape)")
        keep_x = chosen.to(x.device).view((-1,) + (1,) * (x.dim() - 1))
        x = torch.where(keep_x, new_x, x)
        if labels is not None:
            keep_y = chosen.to(labels.device).view((-1,) + (1,) * (labels.dim() - 1))
            labels = torch.where(keep_y, new_labels, labels)
        return x, labels

    def __repr__(self) -> str:
        return f"RandomApply({self.transform!r}, p={self.p:g})"


class MixUp:
    """Mixup as a training augment: integer labels in, soft labels `(batch, num_classes)` out."""

    def __init__(self, num_classes: int, alpha: float = 0.2, seed: int = 0):
        if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral) or num_classes < 2:
            raise ValueError(f"num_classes must be an int >= 2, got {num_classes!r}")
        self.num_classes, self.alpha = int(num_classes), _check_number(alpha, "alpha", low=0.0, low_open=True)
        self.seed = _check_seed(seed)
        self.generator = torch.Generator().manual_seed(seed)

    def reseed(self, run: int) -> None:
        """Restart the mixing draws for training run `run` (see `Augment.reseed`)."""
        self.generator.manual_seed(_run_seed(self.seed, run))

    def __call__(self, x: torch.Tensor, labels: torch.Tensor):
        _check_batch(x, "MixUp")
        if not isinstance(labels, torch.Tensor):
            raise TypeError(f"labels must be a tensor of class indices (batch,) or soft labels (batch, num_classes), "
                            f"got {type(labels).__name__}")
        if not labels.is_floating_point():
            if labels.ndim != 1 or labels.dtype == torch.bool:
                raise ValueError(f"integer labels must be class indices (batch,), got shape {tuple(labels.shape)} "
                                 f"{labels.dtype}")
            if labels.numel() and (labels.min() < 0 or labels.max() >= self.num_classes):
                bad = labels[(labels < 0) | (labels >= self.num_classes)][0].item()
                raise ValueError(f"label {bad} is out of range for MixUp(num_classes={self.num_classes}) "
                                 f"(class indices are 0..{self.num_classes - 1})")
            labels = F.one_hot(labels.long(), self.num_classes)
        elif labels.shape != (x.shape[0], self.num_classes):
            raise ValueError(f"soft labels must be (batch, num_classes) = ({x.shape[0]}, {self.num_classes}), "
                             f"got {tuple(labels.shape)}")
        return mixup(x, labels.to(x.dtype), self.alpha, self.generator)


class SpectrogramAugment(nn.Module):
    """A spectrogram transform as a layer that acts in training mode only.

    `fit(augment=...)` sees waveforms; a spectrogram transform has to run
    inside the model, after its front-end. Put it there:

    >>> model.features = nn.Sequential(model.features, SpectrogramAugment(spec_augment, freq_width=8, time_width=10))

    In eval mode (evaluation, prediction) it passes the spectrogram through.
    `p` < 1 applies it to each example with probability p.
    """

    def __init__(self, fn: Callable[..., torch.Tensor], seed: int = 0, p: float = 1.0, **params):
        super().__init__()
        transform = Augment(fn, seed=seed, **params)
        self.augment = transform if p == 1.0 else RandomApply(transform, p=p, seed=seed + 1)

    def forward(self, spec: torch.Tensor) -> torch.Tensor:  # (batch, n_mels, frames)
        return self.augment(spec)[0] if self.training else spec

    def extra_repr(self) -> str:
        return repr(self.augment)
