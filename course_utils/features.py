"""Spectrograms from first principles: STFT, mel filterbank, log-mel, Kaldi fbank.

Everything after notebook 02 eats a spectrogram. This module builds them in
torch the way they are taught, one idea per function and one step per line,
so they run batched on any device and gradients flow through them:

    waveform (..., samples)
      -> frames          (..., frames, n_fft)       overlapping slices, hop_length apart
      -> window          (..., frames, n_fft)       taper each slice to zero at its edges
      -> FFT             (..., n_freqs, frames)     complex, n_freqs = n_fft // 2 + 1
      -> power           (..., n_freqs, frames)     |X|^2: energy per frequency bin
      -> mel             (..., n_mels, frames)      triangular filters, spaced like our hearing
      -> log (dB)        (..., n_mels, frames)      loudness is heard on a log scale

`log_mel_spectrogram` is the course's CNN input (librosa and torchaudio
conventions). `kaldi_fbank` / `ast_features` is the Audio Spectrogram
Transformer's input, the same numbers as `transformers.ASTFeatureExtractor`
(which calls `torchaudio.compliance.kaldi.fbank`), but batched.

    >>> from course_utils.features import log_mel_spectrogram, ast_features
    >>> spec = log_mel_spectrogram(waves, sample_rate=16000)    # (batch, 64, frames) in dB
    >>> fbank = ast_features(waves)                             # (batch, 1024, 128) normalised

The models use the layers `LogMel` and `ASTFeatures` from
`course_utils.fast_features`: the same numbers (tested equal to these
functions), computed with speed tricks that would hide the steps here.

Every function accepts `(samples,)` or `(batch, samples)` and returns the same
leading shape. Inputs are checked by `course_utils.audio.validate_waveform`
(float32, but a float64 tensor is kept, so gradcheck can run), and a
`(samples, channels)` array is refused rather than read as a batch of tiny
clips; a bad parameter raises a ValueError or a TypeError that names the
parameter, what was given and what is expected.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import torch
import torch.nn.functional as F

from course_utils.audio import check_sample_rate, validate_waveform

__all__ = ["AST_MEAN", "AST_STD", "KALDI_EPSILON", "ast_features", "check_finite_number", "check_not_channels_last",
           "frame_signal", "get_window", "hz_to_mel", "kaldi_fbank", "kaldi_frame_sizes", "kaldi_mel_banks",
           "kaldi_window", "log_mel_spectrogram", "magnitude_spectrogram", "mel_filterbank", "mel_to_hz",
           "power_spectrogram", "power_to_db", "stft", "stft_from_frames", "valid_frames"]

# ----------------------------------------------------------------------------
# Checks shared by every function below (and by course_utils.fast_features)


def _check_positive_int(value, name: str) -> int:
    """`value` as an int (a numpy integer is fine), or a ValueError naming `name` (bools and floats are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _check_stft_params(n_fft: int, hop_length: int, win_length: int | None) -> tuple[int, int, int]:
    """(n_fft, hop_length, win_length) as ints, checked; win_length defaults to n_fft."""
    n_fft = _check_positive_int(n_fft, "n_fft")
    hop_length = _check_positive_int(hop_length, "hop_length")
    win_length = n_fft if win_length is None else _check_positive_int(win_length, "win_length")
    if win_length > n_fft:
        raise ValueError(f"win_length={win_length} must not exceed n_fft={n_fft}")
    return n_fft, hop_length, win_length


PAD_MODES = ("constant", "reflect", "replicate", "circular")  # what torch.stft and F.pad accept


def _check_length(num_samples: int, n_fft: int, center: bool, pad_mode: str, name: str = "n_fft") -> None:
    if pad_mode not in PAD_MODES:
        raise ValueError(f"pad_mode must be one of {list(PAD_MODES)}, got {pad_mode!r}")
    if not center and num_samples < n_fft:
        raise ValueError(f"{name}={n_fft} is longer than the clip ({num_samples} samples) and center=False "
                         f"adds no padding: use a smaller {name}, a longer clip, or center=True")
    if center and pad_mode in ("reflect", "circular") and num_samples <= n_fft // 2:
        raise ValueError(f"{name}={n_fft} needs a clip longer than {name} // 2 = {n_fft // 2} samples for "
                         f"pad_mode={pad_mode!r} (got {num_samples}); use pad_mode='constant'")


def check_finite_number(value, name: str, *, positive: bool = False) -> float:
    """`value` as a float, or an error naming `name`: a TypeError for a non-number, a ValueError for
    NaN or infinity (they would turn every output into NaN) or, with `positive`, for <= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if positive and not value > 0:
        raise ValueError(f"{name} must be positive, got {value!r}")
    return float(value)


def check_not_channels_last(waveform: torch.Tensor, name: str = "waveform") -> torch.Tensor:
    """Refuse a `(samples, channels)` array where `(batch, samples)` is expected; return `waveform`.

    A stereo file read by soundfile is `(samples, 2)`. Taken as a batch it would be
    48000 "clips" of 2 samples each: every step after would run, on nonsense. A batch
    whose clips are at most 8 samples long, with more clips than that, is that mistake.
    """
    if waveform.dim() == 2 and waveform.shape[1] <= 8 < waveform.shape[0]:
        raise ValueError(f"{name} has shape {tuple(waveform.shape)}: that looks like (samples, channels), but a batch "
                         f"is (batch, samples); mix the channels to mono first, e.g. {name}.mean(1)")
    return waveform


def _checked_waveform(waveform) -> torch.Tensor:
    """`validate_waveform` for `(samples,)` or `(batch, samples)` (a float64 tensor stays float64),
    and no `(samples, channels)` in disguise."""
    return check_not_channels_last(validate_waveform(waveform, allow_batch=True, keep_float64=True))


def _check_db_params(ref: float, amin: float, top_db: float | None) -> None:
    for name, value in (("ref", ref), ("amin", amin)) + ((("top_db", top_db),) if top_db is not None else ()):
        check_finite_number(value, name)
    if amin <= 0:
        raise ValueError(f"amin must be positive, got {amin!r}")
    if ref <= 0:
        raise ValueError(f"ref must be positive, got {ref!r}")
    if top_db is not None and top_db < 0:
        raise ValueError(f"top_db must be non-negative (or None), got {top_db!r}")


# ----------------------------------------------------------------------------
# Step 1: frames. Slice the waveform into overlapping frames, hop_length apart.


def frame_signal(waveform: torch.Tensor, frame_length: int, hop_length: int, center: bool = True,
                 pad_mode: str = "constant") -> torch.Tensor:
    """Cut `(..., samples)` into overlapping frames `(..., frames, frame_length)`.

    With `center=True` the signal is first padded by `frame_length // 2` on
    both sides, so frame t is centred on sample `t * hop_length` (librosa's and
    torch.stft's convention): frames = 1 + samples // hop_length. With
    `center=False` the first frame starts at sample 0 and only whole frames are
    kept: frames = 1 + (samples - frame_length) // hop_length.
    The result is a view (`unfold`), no samples are copied.
    """
    if not isinstance(waveform, torch.Tensor):
        raise TypeError(f"waveform must be a torch.Tensor (..., samples), got {type(waveform).__name__}")
    frame_length = _check_positive_int(frame_length, "frame_length")
    hop_length = _check_positive_int(hop_length, "hop_length")
    if waveform.ndim == 0:
        raise ValueError("waveform must have a samples axis (..., samples), got a 0-d tensor")
    _check_length(waveform.shape[-1], frame_length, center, pad_mode, name="frame_length")
    if center:
        pad = frame_length // 2
        if pad_mode == "constant":
            waveform = F.pad(waveform, (pad, pad))
        else:  # reflect / replicate pad wants a (channels, samples) layout
            waveform = F.pad(waveform.unsqueeze(-2), (pad, pad), mode=pad_mode).squeeze(-2)
    return waveform.unfold(-1, frame_length, hop_length)  # (..., frames, frame_length)


# ----------------------------------------------------------------------------
# Step 2: window. Taper each frame to zero at its edges, so the FFT does not
# see the frame's cut-off ends as a jump (spectral leakage).


def get_window(window: str | torch.Tensor, win_length: int, n_fft: int | None = None, *,
               device=None, dtype=torch.float32) -> torch.Tensor:
    """A window of `win_length` samples, zero-padded in the centre of `n_fft` samples.

    `window` is "hann" (periodic, like librosa and torch.stft), "hamming",
    "blackman", "rectangular", or a tensor of length `win_length`.
    """
    n_fft = win_length if n_fft is None else n_fft
    makers = {"hann": torch.hann_window, "hamming": torch.hamming_window, "blackman": torch.blackman_window,
              "rectangular": lambda n, **kw: torch.ones(n, **kw)}
    if isinstance(window, torch.Tensor):
        if window.shape != (win_length,):
            raise ValueError(f"window must have shape ({win_length},) to match win_length, got {tuple(window.shape)}")
        w = window.to(device=device, dtype=dtype)
    elif window in makers:
        w = makers[window](win_length, device=device, dtype=dtype)
    else:
        raise ValueError(f"window must be one of {sorted(makers)} or a tensor, got {window!r}")
    left = (n_fft - win_length) // 2
    return F.pad(w, (left, n_fft - win_length - left))  # (n_fft,)


# ----------------------------------------------------------------------------
# Step 3: FFT. Each windowed frame becomes n_fft // 2 + 1 complex amplitudes,
# one per frequency k * sample_rate / n_fft, from 0 Hz up to Nyquist.


def stft_from_frames(waveform, n_fft: int = 400, hop_length: int = 160, win_length: int | None = None,
                     window: str | torch.Tensor = "hann", center: bool = True,
                     pad_mode: str = "constant") -> torch.Tensor:
    """The STFT spelled out: frames -> window -> real FFT. Same result as `stft`.

    Returns complex `(..., n_fft // 2 + 1, frames)`.
    """
    waveform = _checked_waveform(waveform)
    n_fft, hop_length, win_length = _check_stft_params(n_fft, hop_length, win_length)
    _check_length(waveform.shape[-1], n_fft, center, pad_mode)
    frames = frame_signal(waveform, n_fft, hop_length, center, pad_mode)        # (..., frames, n_fft)
    w = get_window(window, win_length, n_fft, device=waveform.device, dtype=waveform.dtype)
    spectrum = torch.fft.rfft(frames * w, dim=-1)                               # (..., frames, n_freqs)
    return spectrum.transpose(-1, -2)                                           # (..., n_freqs, frames)


def stft(waveform, n_fft: int = 400, hop_length: int = 160, win_length: int | None = None,
         window: str | torch.Tensor = "hann", center: bool = True, pad_mode: str = "constant") -> torch.Tensor:
    """Short-time Fourier transform via `torch.stft`: complex `(..., n_fft // 2 + 1, frames)`.

    Conventions follow librosa.stft: periodic Hann window, frames centred on
    `t * hop_length` with zero padding (`pad_mode="constant"`; torchaudio uses
    "reflect"), no normalisation.
    """
    waveform = _checked_waveform(waveform)
    n_fft, hop_length, win_length = _check_stft_params(n_fft, hop_length, win_length)
    _check_length(waveform.shape[-1], n_fft, center, pad_mode)
    w = get_window(window, win_length, n_fft, device=waveform.device, dtype=waveform.dtype)
    return torch.stft(waveform, n_fft, hop_length, n_fft, w, center=center, pad_mode=pad_mode,
                      return_complex=True)


# ----------------------------------------------------------------------------
# Step 4: power. |X|^2 = re^2 + im^2 is the energy in each time-frequency cell.


def power_spectrogram(waveform, n_fft: int = 400, hop_length: int = 160, win_length: int | None = None,
                      window: str | torch.Tensor = "hann", center: bool = True, pad_mode: str = "constant",
                      power: float = 2.0) -> torch.Tensor:
    """|STFT|^power, `(..., n_fft // 2 + 1, frames)`: power=2 for energy, power=1 for magnitude."""
    if isinstance(power, bool) or not isinstance(power, numbers.Real) or not math.isfinite(power) or power <= 0:
        raise ValueError(f"power must be a positive number (2 for power, 1 for magnitude), got {power!r}")
    spectrum = stft(waveform, n_fft, hop_length, win_length, window, center, pad_mode)  # (..., n_freqs, frames)
    if power == 2.0:
        return spectrum.real ** 2 + spectrum.imag ** 2                  # |X|^2, smooth at 0 (|X| is not)
    return spectrum.abs() ** power


def magnitude_spectrogram(waveform, n_fft: int = 400, hop_length: int = 160, **kwargs) -> torch.Tensor:
    """|STFT|, `(..., n_fft // 2 + 1, frames)`."""
    return power_spectrogram(waveform, n_fft, hop_length, power=1.0, **kwargs)


# ----------------------------------------------------------------------------
# Step 5: mel. Our hearing resolves low frequencies finely and high ones
# coarsely. The mel scale is roughly linear below 1 kHz and logarithmic above;
# n_mels triangular filters, evenly spaced in mel, sum the power bins.


def _as_float64(values, name: str) -> torch.Tensor:
    """A number, list, array or tensor of numbers as a float64 tensor, or a TypeError naming `name`."""
    if isinstance(values, str) or (isinstance(values, np.ndarray) and values.dtype.kind not in "fiub"):
        raise TypeError(f"{name} must be a number or an array of numbers, got {values!r}")
    try:
        return torch.as_tensor(values, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise TypeError(f"{name} must be a number or an array of numbers, got {type(values).__name__}") from exc


def hz_to_mel(freq, mel_scale: str = "htk"):
    """Hertz -> mel. "htk": 2595 log10(1 + f/700). "slaney": linear below 1 kHz, log above (librosa's default)."""
    freq = _as_float64(freq, "freq (Hz)")
    if mel_scale == "htk":
        return 2595.0 * torch.log10(1.0 + freq / 700.0)
    if mel_scale == "slaney":
        f_sp, min_log_hz, logstep = 200.0 / 3, 1000.0, math.log(6.4) / 27.0
        min_log_mel = min_log_hz / f_sp
        return torch.where(freq >= min_log_hz, min_log_mel + torch.log(freq.clamp(min=min_log_hz) / min_log_hz) / logstep,
                           freq / f_sp)
    raise ValueError(f"mel_scale must be 'htk' or 'slaney', got {mel_scale!r}")


def mel_to_hz(mel, mel_scale: str = "htk"):
    """Mel -> hertz, the inverse of `hz_to_mel`."""
    mel = _as_float64(mel, "mel")
    if mel_scale == "htk":
        return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)
    if mel_scale == "slaney":
        f_sp, min_log_hz, logstep = 200.0 / 3, 1000.0, math.log(6.4) / 27.0
        min_log_mel = min_log_hz / f_sp
        return torch.where(mel >= min_log_mel, min_log_hz * torch.exp(logstep * (mel - min_log_mel)), f_sp * mel)
    raise ValueError(f"mel_scale must be 'htk' or 'slaney', got {mel_scale!r}")


def _frequency_band(low: float, high: float | None, sample_rate: int, low_name: str, high_name: str) -> float:
    """Check 0 <= low < high <= Nyquist; return `high` (Nyquist when None)."""
    nyquist = sample_rate / 2
    low = check_finite_number(low, low_name)
    high = nyquist if high is None else check_finite_number(high, high_name)
    if high > nyquist:
        raise ValueError(f"{high_name}={high} Hz is above the Nyquist frequency {nyquist} Hz (sample_rate={sample_rate} / 2)")
    if not 0.0 <= low < high:
        raise ValueError(f"{low_name}={low} Hz must be >= 0 and below {high_name}={high} Hz")
    return high


def mel_filterbank(n_freqs: int, n_mels: int, sample_rate: int, f_min: float = 0.0, f_max: float | None = None,
                   mel_scale: str = "htk", norm: str | None = None, *, device=None,
                   dtype=torch.float32) -> torch.Tensor:
    """Triangular mel filters, `(n_freqs, n_mels)`: `power (..., n_freqs, frames)` -> `fb.T @ power`.

    Filter m rises from mel point m to m+1 and falls to m+2, with n_mels + 2
    points evenly spaced in mel between f_min and f_max (librosa and
    torchaudio's construction, triangles drawn in hertz). `norm="slaney"`
    divides each triangle by its width in hertz so every filter has the same
    area (librosa's default); `norm=None` gives peak 1 (torchaudio's default).
    The FFT bins are at `k * (sample_rate / 2) / (n_freqs - 1)` (an even n_fft).
    Raises ValueError if some filter catches no FFT bin at all (too many mels
    for the frequency resolution).
    """
    check_sample_rate(sample_rate)
    n_freqs = _check_positive_int(n_freqs, "n_freqs")
    n_mels = _check_positive_int(n_mels, "n_mels")
    f_max = _frequency_band(f_min, f_max, sample_rate, "f_min", "f_max")
    if norm not in (None, "slaney"):
        raise ValueError(f"norm must be None or 'slaney', got {norm!r}")

    fft_freqs = torch.linspace(0.0, sample_rate / 2, n_freqs, dtype=torch.float64)  # (n_freqs,)
    mel_points = torch.linspace(float(hz_to_mel(f_min, mel_scale)), float(hz_to_mel(f_max, mel_scale)), n_mels + 2,
                                dtype=torch.float64)
    hz_points = mel_to_hz(mel_points, mel_scale)                                           # (n_mels + 2,)
    widths = hz_points.diff()                                                              # (n_mels + 1,)
    slopes = hz_points.unsqueeze(0) - fft_freqs.unsqueeze(1)                               # (n_freqs, n_mels + 2)
    rising = -slopes[:, :-2] / widths[:-1]                                                 # (n_freqs, n_mels)
    falling = slopes[:, 2:] / widths[1:]                                                   # (n_freqs, n_mels)
    fb = torch.clamp(torch.minimum(rising, falling), min=0.0)                              # (n_freqs, n_mels)
    if norm == "slaney":
        fb = fb * (2.0 / (hz_points[2:] - hz_points[:-2]))

    empty = (fb.amax(dim=0) == 0).nonzero().flatten().tolist()
    if empty:
        raise ValueError(f"n_mels={n_mels} is too many for {n_freqs} frequency bins between f_min={f_min} and "
                         f"f_max={f_max} Hz: mel filters {empty[:5]}{'...' if len(empty) > 5 else ''} catch no "
                         f"FFT bin. Use fewer mels or a larger n_fft")
    return fb.to(device=device, dtype=dtype)


# ----------------------------------------------------------------------------
# Step 6: log. Loudness is heard on a log scale, and power spans many orders
# of magnitude; decibels squeeze it into a range a network (and an eye) can use.


def power_to_db(spec: torch.Tensor, ref: float = 1.0, amin: float = 1e-10, top_db: float | None = 80.0) -> torch.Tensor:
    """10 log10(max(spec, amin) / ref), floored at `top_db` below each clip's peak.

    Same as librosa.power_to_db for one clip. For a batch `(batch, ..., freq, frames)`
    the peak is taken per clip (over the last two dimensions), so a batch gives
    the same numbers as its clips one by one. (torchaudio's AmplitudeToDB takes
    the peak over the whole batch of 3-D input.)
    """
    if not isinstance(spec, torch.Tensor):
        raise TypeError(f"spec must be a torch.Tensor of powers, got {type(spec).__name__}")
    if spec.is_complex():
        raise ValueError(f"spec is complex ({spec.dtype}), a spectrum rather than powers: pass spec.abs() ** 2 "
                         "(or power_spectrogram(waveform))")
    _check_db_params(ref, amin, top_db)
    db = 10.0 * torch.log10(spec.clamp(min=amin)) - 10.0 * math.log10(max(amin, ref))
    if top_db is not None:
        peak = db.amax(dim=(-2, -1), keepdim=True) if db.dim() >= 2 else db.amax()   # each clip's loudest cell
        db = torch.maximum(db, peak - top_db)
    return db


# ----------------------------------------------------------------------------
# All together: the log-mel spectrogram.


def log_mel_spectrogram(waveform, sample_rate: int = 16000, n_fft: int = 400, hop_length: int = 160,
                        n_mels: int = 64, f_min: float = 0.0, f_max: float | None = None,
                        top_db: float | None = 80.0, *, win_length: int | None = None,
                        window: str | torch.Tensor = "hann", center: bool = True, pad_mode: str = "constant",
                        mel_scale: str = "htk", norm: str | None = None) -> torch.Tensor:
    """Log-mel spectrogram in dB, `(..., n_mels, frames)`: frames -> window -> FFT -> power -> mel -> dB.

    Equals `librosa.power_to_db(librosa.feature.melspectrogram(y, sr=sample_rate,
    n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, htk=(mel_scale == "htk"),
    norm=norm), top_db=top_db)`, and torchaudio's MelSpectrogram + AmplitudeToDB
    with `pad_mode="reflect"` (torchaudio's padding). The layer
    `course_utils.fast_features.LogMel` computes the same, faster.
    """
    waveform = _checked_waveform(waveform)
    power = power_spectrogram(waveform, n_fft, hop_length, win_length, window, center, pad_mode)  # (..., freqs, frames)
    filterbank = mel_filterbank(n_fft // 2 + 1, n_mels, sample_rate, f_min, f_max, mel_scale, norm,
                                device=waveform.device, dtype=waveform.dtype)                # (freqs, n_mels)
    return power_to_db(filterbank.T @ power, top_db=top_db)                                  # (..., n_mels, frames)


# ----------------------------------------------------------------------------
# Kaldi fbank: the Audio Spectrogram Transformer's input.
#
# AST was trained on features from Kaldi's compute-fbank-feats, as computed by
# torchaudio.compliance.kaldi.fbank with the options ASTFeatureExtractor uses:
# 25 ms frames (400 samples at 16 kHz) every 10 ms (160), whole frames only
# (no centre padding), each frame: remove its mean (DC), pre-emphasis
# x[j] - 0.97 x[j-1], a symmetric Hann window, zero-padded to 512 for the
# FFT, power, 128 triangular filters drawn in mel space from 20 Hz to Nyquist,
# then the natural log (floored at float32's epsilon). No dither, no
# waveform scaling, no per-utterance mean removal.

KALDI_EPSILON = torch.finfo(torch.float32).eps  # 1.1920929e-07, Kaldi's floor before the log
AST_MEAN, AST_STD = -4.2677393, 4.5689974       # AudioSet statistics used by ASTFeatureExtractor


def kaldi_frame_sizes(sample_rate: int, frame_length_ms: float = 25.0,
                      frame_shift_ms: float = 10.0) -> tuple[int, int, int]:
    """(frame_length, frame_shift, n_fft) in samples, as Kaldi rounds them: 16 kHz -> (400, 160, 512)."""
    check_sample_rate(sample_rate)
    check_finite_number(frame_length_ms, "frame_length_ms", positive=True)
    check_finite_number(frame_shift_ms, "frame_shift_ms", positive=True)
    frame_length = int(sample_rate * frame_length_ms * 0.001)
    frame_shift = int(sample_rate * frame_shift_ms * 0.001)
    if frame_length < 2:
        raise ValueError(f"frame_length_ms={frame_length_ms} gives {frame_length} samples at {sample_rate} Hz; need >= 2")
    if frame_shift <= 0:
        raise ValueError(f"frame_shift_ms={frame_shift_ms} gives a hop of {frame_shift} samples at {sample_rate} Hz; "
                         f"it must be positive")
    n_fft = 1 << (frame_length - 1).bit_length()  # next power of two: 400 -> 512
    return frame_length, frame_shift, n_fft


def kaldi_window(window_type: str, frame_length: int, *, device=None, dtype=torch.float32) -> torch.Tensor:
    """Kaldi's symmetric windows, `(frame_length,)`. Both start (and end) at 0."""
    if window_type == "hanning":
        return torch.hann_window(frame_length, periodic=False, device=device, dtype=dtype)
    if window_type == "povey":  # Kaldi's default: a Hann window raised to 0.85
        return torch.hann_window(frame_length, periodic=False, device=device, dtype=dtype).pow(0.85)
    raise ValueError(f"window_type must be 'hanning' (AST) or 'povey' (Kaldi's default), got {window_type!r}")


def kaldi_mel_banks(num_mel_bins: int, n_fft: int, sample_rate: int, low_freq: float = 20.0,
                    high_freq: float | None = None, *, device=None, dtype=torch.float32) -> torch.Tensor:
    """Kaldi's mel filters, `(n_fft // 2 + 1, num_mel_bins)`.

    Unlike `mel_filterbank`, the triangles are straight lines in mel (not in
    hertz), the mel scale is 1127 ln(1 + f/700), and the Nyquist bin gets
    weight 0. Some filters may be empty at low frequencies; Kaldi keeps them
    (their log is log(epsilon)).
    """
    num_mel_bins = _check_positive_int(num_mel_bins, "num_mel_bins")
    high_freq = _frequency_band(low_freq, high_freq, sample_rate, "low_freq", "high_freq")

    def mel(f):
        return 1127.0 * torch.log1p(torch.as_tensor(f, dtype=torch.float64) / 700.0)

    edges = torch.linspace(float(mel(low_freq)), float(mel(high_freq)), num_mel_bins + 2, dtype=torch.float64)
    left, center, right = edges[:-2], edges[1:-1], edges[2:]                              # (num_mel_bins,)
    bin_mel = mel(torch.arange(n_fft // 2, dtype=torch.float64) * sample_rate / n_fft).unsqueeze(1)  # (n_fft//2, 1)
    up = (bin_mel - left) / (center - left)
    down = (right - bin_mel) / (right - center)
    banks = torch.clamp(torch.minimum(up, down), min=0.0)                                  # (n_fft//2, num_mel_bins)
    banks = F.pad(banks, (0, 0, 0, 1))                                                     # Nyquist row: weight 0
    return banks.to(device=device, dtype=dtype)


def kaldi_fbank(waveform, sample_rate: int = 16000, num_mel_bins: int = 128, frame_length_ms: float = 25.0,
                frame_shift_ms: float = 10.0, *, low_freq: float = 20.0, high_freq: float | None = None,
                preemphasis: float = 0.97, window_type: str = "hanning") -> torch.Tensor:
    """Kaldi log mel filterbank, `(..., frames, num_mel_bins)` with frames = 1 + (samples - frame) // shift.

    Equals `torchaudio.compliance.kaldi.fbank(w[None], sample_frequency=sample_rate,
    num_mel_bins=num_mel_bins, window_type="hanning")` (the call ASTFeatureExtractor
    makes), batched. Note the layout: time first, like Kaldi and AST.
    """
    waveform = _checked_waveform(waveform)
    if isinstance(preemphasis, bool) or not isinstance(preemphasis, (int, float)) or not 0.0 <= preemphasis <= 1.0:
        raise ValueError(f"preemphasis must be a number in [0, 1] (Kaldi's default is 0.97), got {preemphasis!r}")
    frame_length, frame_shift, n_fft = kaldi_frame_sizes(sample_rate, frame_length_ms, frame_shift_ms)
    window = kaldi_window(window_type, frame_length, device=waveform.device, dtype=waveform.dtype)  # (frame_length,)
    banks = kaldi_mel_banks(num_mel_bins, n_fft, sample_rate, low_freq, high_freq,
                            device=waveform.device, dtype=waveform.dtype)          # (n_fft//2 + 1, num_mel_bins)
    if waveform.shape[-1] < frame_length:
        raise ValueError(f"the clip has {waveform.shape[-1]} samples, shorter than one {frame_length}-sample frame "
                         f"(frame_length_ms); Kaldi fbank keeps whole frames only: pad the clip or shorten the frame")

    frames = waveform.unfold(-1, frame_length, frame_shift)                  # (..., frames, frame_length)
    frames = frames - frames.mean(dim=-1, keepdim=True)                      # remove DC
    previous = torch.cat([frames[..., :1], frames[..., :-1]], dim=-1)        # x[j-1], with x[-1] := x[0]
    frames = frames - preemphasis * previous                                 # pre-emphasis
    spectrum = torch.fft.rfft(frames * window, n=n_fft)                      # zero-padded: (..., frames, n_fft//2 + 1)
    power = spectrum.real ** 2 + spectrum.imag ** 2                          # |X|^2
    return (power @ banks).clamp(min=KALDI_EPSILON).log()                    # (..., frames, num_mel_bins)


def valid_frames(lengths, waveform: torch.Tensor, frame_length: int, frame_shift: int) -> torch.Tensor:
    """Each clip's count of whole frames, `(batch,)`, from its true length in a zero-padded batch.

    `lengths` (batch,) are sample counts of a `(batch, samples)` waveform,
    each between one frame and the batch's width.
    """
    lengths = torch.as_tensor(lengths, device=waveform.device)
    if waveform.dim() != 2 or lengths.shape != waveform.shape[:1]:
        raise ValueError(f"lengths must have shape ({waveform.shape[0] if waveform.dim() == 2 else 'batch'},), one "
                         f"per clip of a (batch, samples) waveform; got {tuple(lengths.shape)} for waveform "
                         f"{tuple(waveform.shape)}")
    if lengths.is_floating_point() or lengths.is_complex() or lengths.dtype == torch.bool:
        raise ValueError(f"lengths must be integer sample counts, got dtype {lengths.dtype}")
    if (lengths < frame_length).any() or (lengths > waveform.shape[-1]).any():
        raise ValueError(f"lengths must be between {frame_length} (one frame) and {waveform.shape[-1]} samples, "
                         f"got min {int(lengths.min())} and max {int(lengths.max())}")
    return 1 + (lengths - frame_length) // frame_shift


def ast_features(waveform, sample_rate: int = 16000, num_mel_bins: int = 128, max_length: int = 1024,
                 mean: float = AST_MEAN, std: float = AST_STD, *, lengths=None) -> torch.Tensor:
    """AST's input, `(..., max_length, num_mel_bins)`: ASTFeatureExtractor's numbers, batched.

    Kaldi fbank (25 ms / 10 ms, Hann), zero-padded or cut to `max_length`
    frames, then `(fbank - mean) / (2 * std)` (AST's normalisation; padding
    is normalised too, as in ASTFeatureExtractor). `lengths` (batch,) gives each
    clip's true length in a zero-padded batch: frames past it become padding,
    exactly as if the clip had gone through the extractor alone. The layer
    `course_utils.fast_features.ASTFeatures` computes the same, faster.
    """
    waveform = _checked_waveform(waveform)
    max_length = _check_positive_int(max_length, "max_length")
    check_finite_number(mean, "mean")
    if not check_finite_number(std, "std") > 0:
        raise ValueError(f"std must be positive (AST's is {AST_STD}), got {std!r}")
    fbank = kaldi_fbank(waveform, sample_rate, num_mel_bins)                 # (..., frames, num_mel_bins)
    if lengths is not None:                                                  # frames past a clip's end: padding
        frame_length, frame_shift, _ = kaldi_frame_sizes(sample_rate)
        valid = valid_frames(lengths, waveform, frame_length, frame_shift)  # (batch,)
        past_end = torch.arange(fbank.shape[-2], device=fbank.device) >= valid.unsqueeze(-1)  # (batch, frames)
        fbank = fbank.masked_fill(past_end.unsqueeze(-1), 0.0)
    frames = fbank.shape[-2]
    if frames < max_length:
        fbank = F.pad(fbank, (0, 0, 0, max_length - frames))                 # zeros after the last frame
    else:
        fbank = fbank[..., :max_length, :]                                   # (..., max_length, num_mel_bins)
    return (fbank - mean) / (2.0 * std)
