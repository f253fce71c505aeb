"""Spectrograms from first principles: STFT, mel filterbank, log-mel, Kaldi fbank.

Everything after notebook 02 eats a spectrogram. This module builds them in
torch, one idea at a time, so they run batched on any device and gradients
flow through them:

    waveform (..., samples)
      -> frames          (..., frames, n_fft)       overlapping slices, hop_length apart
      -> window          (..., frames, n_fft)       taper each slice to zero at its edges
      -> FFT             (..., n_freqs, frames)     complex, n_freqs = n_fft // 2 + 1
      -> power           (..., n_freqs, frames)     |X|^2: energy per frequency bin
      -> mel             (..., n_mels, frames)      triangular filters, spaced like our hearing
      -> log (dB)        (..., n_mels, frames)      loudness is heard on a log scale

`log_mel_spectrogram` / `LogMel` is the course's CNN input (librosa and
torchaudio conventions). `kaldi_fbank` / `ast_features` / `ASTFeatures` is the
Audio Spectrogram Transformer's input, the same numbers as
`transformers.ASTFeatureExtractor` (which calls `torchaudio.compliance.kaldi.fbank`)
but batched and on the GPU.

    >>> from course_utils.features import log_mel_spectrogram, ast_features
    >>> spec = log_mel_spectrogram(waves, sample_rate=16000)    # (batch, 64, frames) in dB
    >>> fbank = ast_features(waves)                             # (batch, 1024, 128) normalised

Every function accepts `(samples,)` or `(batch, samples)` and returns the same
leading shape. Inputs are checked by `course_utils.audio.validate_waveform`
(float32, but a float64 tensor is kept, so gradcheck can run); bad
parameters raise a ValueError that names the parameter.
"""

from __future__ import annotations

import functools
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from course_utils.audio import check_sample_rate, validate_waveform

# ----------------------------------------------------------------------------
# Checks shared by every function below


def _check_positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def _check_stft_params(n_fft: int, hop_length: int, win_length: int | None) -> int:
    _check_positive_int(n_fft, "n_fft")
    _check_positive_int(hop_length, "hop_length")
    win_length = n_fft if win_length is None else _check_positive_int(win_length, "win_length")
    if win_length > n_fft:
        raise ValueError(f"win_length={win_length} must not exceed n_fft={n_fft}")
    return win_length


def _check_length(num_samples: int, n_fft: int, center: bool, pad_mode: str) -> None:
    if not center and num_samples < n_fft:
        raise ValueError(f"n_fft={n_fft} is longer than the clip ({num_samples} samples) and center=False "
                         f"adds no padding: use a smaller n_fft, a longer clip, or center=True")
    if center and pad_mode == "reflect" and num_samples <= n_fft // 2:
        raise ValueError(f"n_fft={n_fft} needs a clip longer than n_fft // 2 = {n_fft // 2} samples for "
                         f"pad_mode='reflect' (got {num_samples}); use pad_mode='constant'")


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
    waveform = validate_waveform(waveform, allow_batch=True, keep_float64=True)
    win_length = _check_stft_params(n_fft, hop_length, win_length)
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
    waveform = validate_waveform(waveform, allow_batch=True, keep_float64=True)
    win_length = _check_stft_params(n_fft, hop_length, win_length)
    _check_length(waveform.shape[-1], n_fft, center, pad_mode)
    w = get_window(window, win_length, n_fft, device=waveform.device, dtype=waveform.dtype)
    return torch.stft(waveform, n_fft, hop_length, n_fft, w, center=center, pad_mode=pad_mode,
                      return_complex=True)


# ----------------------------------------------------------------------------
# Step 4: power. |X|^2 = re^2 + im^2 is the energy in each time-frequency cell.


def _needs_grad(t: torch.Tensor) -> bool:
    return torch.is_grad_enabled() and t.requires_grad


def _squared_parts(spectrum: torch.Tensor) -> torch.Tensor:
    """Complex (..., n_freqs) -> real (..., 2 * n_freqs): re^2, im^2 interleaved.

    Adjacent pairs sum to |X|^2. The course's pipelines leave that sum to the
    mel matmul (a filterbank with every row repeated twice), which saves a
    pass over the largest tensor. When no gradient is needed the squares are
    taken in place in the FFT's own output: no new 50 MB tensor to allocate.
    """
    parts = torch.view_as_real(spectrum).flatten(-2)                # (..., 2 * n_freqs)
    return parts * parts if _needs_grad(parts) else parts.square_()


def power_spectrogram(waveform, n_fft: int = 400, hop_length: int = 160, win_length: int | None = None,
                      window: str | torch.Tensor = "hann", center: bool = True, pad_mode: str = "constant",
                      power: float = 2.0) -> torch.Tensor:
    """|STFT|^power, `(..., n_fft // 2 + 1, frames)`: power=2 for energy, power=1 for magnitude."""
    if isinstance(power, bool) or not isinstance(power, (int, float)) or power <= 0:
        raise ValueError(f"power must be a positive number (2 for power, 1 for magnitude), got {power!r}")
    spectrum = stft(waveform, n_fft, hop_length, win_length, window, center, pad_mode)
    if power == 2.0:
        return torch.view_as_real(spectrum).pow(2).sum(-1)              # re^2 + im^2, smooth at 0
    return spectrum.abs().pow(power)


def magnitude_spectrogram(waveform, n_fft: int = 400, hop_length: int = 160, **kwargs) -> torch.Tensor:
    """|STFT|, `(..., n_fft // 2 + 1, frames)`."""
    return power_spectrogram(waveform, n_fft, hop_length, power=1.0, **kwargs)


# ----------------------------------------------------------------------------
# Step 5: mel. Our hearing resolves low frequencies finely and high ones
# coarsely. The mel scale is roughly linear below 1 kHz and logarithmic above;
# n_mels triangular filters, evenly spaced in mel, sum the power bins.


def hz_to_mel(freq, mel_scale: str = "htk"):
    """Hertz -> mel. "htk": 2595 log10(1 + f/700). "slaney": linear below 1 kHz, log above (librosa's default)."""
    freq = torch.as_tensor(freq, dtype=torch.float64)
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
    mel = torch.as_tensor(mel, dtype=torch.float64)
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
    high = nyquist if high is None else float(high)
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
    _check_positive_int(n_freqs, "n_freqs")
    _check_positive_int(n_mels, "n_mels")
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
    return _power_to_db(spec, ref, amin, top_db, inplace=False)


def _power_to_db(spec: torch.Tensor, ref: float, amin: float, top_db: float | None, inplace: bool) -> torch.Tensor:
    if amin <= 0:
        raise ValueError(f"amin must be positive, got {amin!r}")
    if ref <= 0:
        raise ValueError(f"ref must be positive, got {ref!r}")
    if top_db is not None and top_db < 0:
        raise ValueError(f"top_db must be non-negative (or None), got {top_db!r}")
    offset = 10.0 * math.log10(max(amin, ref))
    if inplace:  # the caller owns `spec` and needs no gradient: reuse its memory
        db = spec.clamp_(min=amin).log10_().mul_(10.0).sub_(offset)
    else:
        db = 10.0 * torch.log10(spec.clamp(min=amin)) - offset
    if top_db is not None:
        peak = db.amax(dim=(-2, -1), keepdim=True) if db.dim() >= 2 else db.amax()
        db = db.clamp_(min=peak - top_db) if inplace else torch.maximum(db, peak - top_db)
    return db


# ----------------------------------------------------------------------------
# All together: the log-mel spectrogram, a function and an nn.Module.


def _log_mel(waveform: torch.Tensor, window: torch.Tensor, filterbank: torch.Tensor, n_fft: int, hop_length: int,
             center: bool, pad_mode: str, top_db: float | None) -> torch.Tensor:
    """waveform (..., samples) -> log-mel (..., n_mels, frames), given the window (n_fft,) and filterbank."""
    _check_length(waveform.shape[-1], n_fft, center, pad_mode)
    frames = frame_signal(waveform, n_fft, hop_length, center, pad_mode)           # (..., frames, n_fft) view
    spectrum = torch.fft.rfft(frames * window, dim=-1)                           # (..., frames, n_freqs)
    parts = _squared_parts(spectrum)                                             # (..., frames, 2 * n_freqs)
    pair_filterbank = filterbank.repeat_interleave(2, dim=0)                     # (2 * n_freqs, n_mels)
    mel = torch.matmul(pair_filterbank.T, parts.transpose(-1, -2))               # (..., n_mels, frames)
    return _power_to_db(mel, 1.0, 1e-10, top_db, inplace=not _needs_grad(mel))


def log_mel_spectrogram(waveform, sample_rate: int = 16000, n_fft: int = 400, hop_length: int = 160,
                        n_mels: int = 64, f_min: float = 0.0, f_max: float | None = None,
                        top_db: float | None = 80.0, *, win_length: int | None = None,
                        window: str | torch.Tensor = "hann", center: bool = True, pad_mode: str = "constant",
                        mel_scale: str = "htk", norm: str | None = None) -> torch.Tensor:
    """Log-mel spectrogram in dB, `(..., n_mels, frames)`: frames -> window -> FFT -> power -> mel -> dB.

    Equals `librosa.power_to_db(librosa.feature.melspectrogram(y, sr=sample_rate,
    n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, htk=(mel_scale == "htk"),
    norm=norm), top_db=top_db)`, and torchaudio's MelSpectrogram + AmplitudeToDB
    with `pad_mode="reflect"` (torchaudio's padding).
    """
    waveform = validate_waveform(waveform, allow_batch=True, keep_float64=True)
    win_length = _check_stft_params(n_fft, hop_length, win_length)
    w = get_window(window, win_length, n_fft, device=waveform.device, dtype=waveform.dtype)
    fb = mel_filterbank(n_fft // 2 + 1, n_mels, sample_rate, f_min, f_max, mel_scale, norm,
                        device=waveform.device, dtype=waveform.dtype)
    return _log_mel(waveform, w, fb, n_fft, hop_length, center, pad_mode, top_db)


class LogMel(nn.Module):
    """`log_mel_spectrogram` as a layer: `(batch, samples) -> (batch, n_mels, frames)`.

    The window and the mel filterbank are (non-persistent) buffers: they move
    with `.to(device)` and stay out of the state_dict, since they follow from
    the constructor's arguments.
    """

    def __init__(self, sample_rate: int = 16000, n_fft: int = 400, hop_length: int = 160, n_mels: int = 64,
                 f_min: float = 0.0, f_max: float | None = None, top_db: float | None = 80.0, *,
                 win_length: int | None = None, window: str = "hann", center: bool = True,
                 pad_mode: str = "constant", mel_scale: str = "htk", norm: str | None = None):
        super().__init__()
        win_length = _check_stft_params(n_fft, hop_length, win_length)
        self.sample_rate, self.n_fft, self.hop_length, self.n_mels = sample_rate, n_fft, hop_length, n_mels
        self.top_db, self.center, self.pad_mode = top_db, center, pad_mode
        self.register_buffer("window", get_window(window, win_length, n_fft), persistent=False)
        self.register_buffer("filterbank", mel_filterbank(n_fft // 2 + 1, n_mels, sample_rate, f_min, f_max,
                                                          mel_scale, norm), persistent=False)

    def num_frames(self, num_samples: int) -> int:
        """How many frames a clip of `num_samples` samples gives."""
        return 1 + num_samples // self.hop_length if self.center else 1 + (num_samples - self.n_fft) // self.hop_length

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        waveform = validate_waveform(waveform, allow_batch=True, keep_float64=True)
        return _log_mel(waveform, self.window.to(waveform.dtype), self.filterbank.to(waveform.dtype), self.n_fft,
                        self.hop_length, self.center, self.pad_mode, self.top_db)

    def extra_repr(self) -> str:
        return (f"sample_rate={self.sample_rate}, n_fft={self.n_fft}, hop_length={self.hop_length}, "
                f"n_mels={self.n_mels}, top_db={self.top_db}")


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
FBANK_CHUNK = 32                                 # clips per pass in `kaldi_fbank` and `_ast_features`


def kaldi_mel_banks(num_mel_bins: int, n_fft: int, sample_rate: int, low_freq: float = 20.0,
                    high_freq: float | None = None, *, device=None, dtype=torch.float32) -> torch.Tensor:
    """Kaldi's mel filters, `(n_fft // 2 + 1, num_mel_bins)`.

    Unlike `mel_filterbank`, the triangles are straight lines in mel (not in
    hertz), the mel scale is 1127 ln(1 + f/700), and the Nyquist bin gets
    weight 0. Some filters may be empty at low frequencies; Kaldi keeps them
    (their log is log(epsilon)).
    """
    _check_positive_int(num_mel_bins, "num_mel_bins")
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


def filter_bands(banks: torch.Tensor, groups: int = 8) -> list[tuple[slice, slice]]:
    """Cut a filterbank `(n_freqs, n_filters)` into `groups` runs of neighbouring filters,
    each with the run of frequency bins its filters touch: `[(bins, filters), ...]`.

    A mel filter is a narrow triangle, so a filterbank is almost all zeros
    (Kaldi's 257 x 128 has 504 non-zeros: 1.5 %). `banded_matmul` multiplies
    each group of filters by its own bins only.
    """
    _check_positive_int(groups, "groups")
    touched = (banks.detach().cpu() != 0)                                   # (n_freqs, n_filters)
    bands = []
    for filters in torch.arange(banks.shape[1]).chunk(groups):
        rows = touched[:, filters].any(dim=1).nonzero().flatten()
        bins = slice(int(rows[0]), int(rows[-1]) + 1) if len(rows) else slice(0, 0)
        bands.append((bins, slice(int(filters[0]), int(filters[-1]) + 1)))
    return bands


def banded_matmul(x: torch.Tensor, banks: torch.Tensor, bands: list[tuple[slice, slice]]) -> torch.Tensor:
    """`x @ banks` computed band by band: `(..., n_freqs) -> (..., n_filters)`.

    The same numbers as the dense product (the skipped terms are exact zeros),
    with 7.7x fewer multiply-adds for Kaldi's 128 filters in 8 groups.
    """
    out = x.new_empty(x.shape[:-1] + (banks.shape[1],))
    for bins, filters in bands:
        out[..., filters] = x[..., bins] @ banks[bins, filters]
    return out


def _kaldi_window(window_type: str, frame_length: int, device=None, dtype=torch.float32) -> torch.Tensor:
    """Kaldi's symmetric windows. Both start at 0, which `_kaldi_fbank` relies on."""
    if window_type == "hanning":
        return torch.hann_window(frame_length, periodic=False, device=device, dtype=dtype)
    if window_type == "povey":  # Kaldi's default: a Hann window raised to 0.85
        return torch.hann_window(frame_length, periodic=False, device=device, dtype=dtype).pow(0.85)
    raise ValueError(f"window_type must be 'hanning' (AST) or 'povey' (Kaldi's default), got {window_type!r}")


def _frame_sizes(sample_rate: int, frame_length_ms: float, frame_shift_ms: float) -> tuple[int, int, int]:
    """(frame_length, frame_shift, n_fft) in samples, as Kaldi rounds them."""
    check_sample_rate(sample_rate)
    frame_length = int(sample_rate * frame_length_ms * 0.001)
    frame_shift = int(sample_rate * frame_shift_ms * 0.001)
    if frame_length < 2:
        raise ValueError(f"frame_length_ms={frame_length_ms} gives {frame_length} samples at {sample_rate} Hz; need >= 2")
    if frame_shift <= 0:
        raise ValueError(f"frame_shift_ms={frame_shift_ms} gives a hop of {frame_shift} samples at {sample_rate} Hz; "
                         f"it must be positive")
    n_fft = 1 << (frame_length - 1).bit_length()  # next power of two: 400 -> 512
    return frame_length, frame_shift, n_fft


@functools.lru_cache(maxsize=32)
def _kaldi_filters(num_mel_bins: int, n_fft: int, sample_rate: int, low_freq: float = 20.0,
                   high_freq: float | None = None) -> tuple[torch.Tensor, list[tuple[slice, slice]]]:
    """Kaldi's filters with every row repeated twice, to meet re^2, im^2 interleaved
    (`_squared_parts`), float64 on the CPU, and their bands. Built once per setting:
    treat the tensor as read-only (`.to(device, dtype)` it, never modify it in place).
    """
    pairs = kaldi_mel_banks(num_mel_bins, n_fft, sample_rate, low_freq, high_freq, dtype=torch.float64)
    pairs = pairs.repeat_interleave(2, dim=0)                                # (2 * n_freqs, num_mel_bins)
    return pairs, filter_bands(pairs)


def _kaldi_fbank(waveform: torch.Tensor, window: torch.Tensor, pair_banks: torch.Tensor,
                 bands: list[tuple[slice, slice]], frame_length: int, frame_shift: int,
                 preemphasis: float) -> torch.Tensor:
    """waveform (..., samples) -> log mel energies (..., frames, num_mel_bins).

    `pair_banks, bands = _kaldi_filters(...)`: the power spectrum
    stays as re^2, im^2 interleaved (squared in place in the FFT's output) and
    the doubled filterbank rows add each pair up inside the banded matmul.

    Kaldi, per frame of 400 samples x: remove the mean m, pre-emphasise
    y[j] = x[j] - 0.97 x[j-1] (x[-1] := x[0]), window, zero-pad to 512, FFT.
    Done literally that is four copies of every frame. `rfft(..., n=512)`
    does the zero-padding itself, and two identities remove two more copies,
    with the same numbers:
      1. Pre-emphasis is the same filter in every frame, so we apply it once to
         the whole waveform. Only a frame's first sample would differ, and the
         window multiplies that sample by 0.
      2. Removing m before pre-emphasis equals subtracting (1 - 0.97) m after
         it; after the window and FFT that is (1 - 0.97) m FFT(window), which we
         subtract in the frequency domain.
    """
    if waveform.shape[-1] < frame_length:
        raise ValueError(f"the clip has {waveform.shape[-1]} samples, shorter than one {frame_length}-sample frame "
                         f"(frame_length_ms); Kaldi fbank keeps whole frames only")
    n_fft = pair_banks.shape[0] - 2                                          # 2 * (n_fft // 2 + 1) rows
    emphasised = torch.cat([waveform[..., :1] * (1.0 - preemphasis),
                            waveform[..., 1:] - preemphasis * waveform[..., :-1]], dim=-1)   # (..., samples)
    frames = emphasised.unfold(-1, frame_length, frame_shift) * window      # (..., frames, frame_length)
    frame_means = waveform.unfold(-1, frame_length, frame_shift).mean(dim=-1)   # (..., frames)
    spectrum = torch.fft.rfft(frames, n=n_fft, dim=-1)                       # zero-padded: (..., frames, n_fft//2 + 1)
    window_spectrum = torch.fft.rfft(window, n=n_fft)                        # (n_fft//2 + 1,)
    spectrum = spectrum.addcmul_(((preemphasis - 1.0) * frame_means).unsqueeze(-1).to(spectrum.dtype),
                                 window_spectrum)                            # remove DC (identity 2)
    parts = _squared_parts(spectrum)                                         # (..., frames, 2 * (n_fft//2 + 1))
    mel = banded_matmul(parts, pair_banks, bands)                            # (..., frames, num_mel_bins)
    if _needs_grad(mel):
        return mel.clamp(min=KALDI_EPSILON).log()
    return mel.clamp_(min=KALDI_EPSILON).log_()


def _chunk_size(waveform: torch.Tensor) -> int:
    """Clips per pass: FBANK_CHUNK on the CPU (see `_ast_features`); the whole batch on a GPU."""
    return FBANK_CHUNK if waveform.device.type == "cpu" else max(1, waveform.shape[0])


def kaldi_fbank(waveform, sample_rate: int = 16000, num_mel_bins: int = 128, frame_length_ms: float = 25.0,
                frame_shift_ms: float = 10.0, *, low_freq: float = 20.0, high_freq: float | None = None,
                preemphasis: float = 0.97, window_type: str = "hanning") -> torch.Tensor:
    """Kaldi log mel filterbank, `(..., frames, num_mel_bins)` with frames = 1 + (samples - frame) // shift.

    Equals `torchaudio.compliance.kaldi.fbank(w[None], sample_frequency=sample_rate,
    num_mel_bins=num_mel_bins, window_type="hanning")` (the call ASTFeatureExtractor
    makes), batched. Note the layout: time first, like Kaldi and AST.
    """
    waveform = validate_waveform(waveform, allow_batch=True, keep_float64=True)
    if not 0.0 <= preemphasis <= 1.0:
        raise ValueError(f"preemphasis must be in [0, 1], got {preemphasis!r}")
    frame_length, frame_shift, n_fft = _frame_sizes(sample_rate, frame_length_ms, frame_shift_ms)
    window = _kaldi_window(window_type, frame_length, device=waveform.device, dtype=waveform.dtype)
    pair_banks, bands = _kaldi_filters(num_mel_bins, n_fft, sample_rate, low_freq, high_freq)
    pair_banks = pair_banks.to(device=waveform.device, dtype=waveform.dtype)
    if waveform.dim() == 1 or waveform.shape[0] <= _chunk_size(waveform):
        return _kaldi_fbank(waveform, window, pair_banks, bands, frame_length, frame_shift, preemphasis)
    return torch.cat([_kaldi_fbank(chunk, window, pair_banks, bands, frame_length, frame_shift, preemphasis)
                      for chunk in waveform.split(_chunk_size(waveform))])    # see _ast_features


def _ast_features(waveform: torch.Tensor, window: torch.Tensor, pair_banks: torch.Tensor,
                  bands: list[tuple[slice, slice]], frame_length: int, frame_shift: int, max_length: int,
                  mean: float, std: float, valid_frames: torch.Tensor | None) -> torch.Tensor:
    """(batch, samples) -> `(batch, max_length, num_mel_bins)`: fbank, cut or padded, normalised.

    ASTFeatureExtractor pads the fbank with zeros (or cuts it) to max_length
    frames and then normalises, so padding frames hold (0 - mean) / (2 std).
    `valid_frames` (batch,) turns the frames past each clip's true end into
    padding too.

    The output is allocated once and, on the CPU, filled FBANK_CHUNK clips at a
    time. Why chunks: for 256 one-second clips each whole-batch intermediate
    (frames, spectrum, power) is about 50 MB, and the first touch of a fresh
    large tensor costs the operating system a page fault per 4 KB; those faults
    took half the time. Thirty-two clips keep every intermediate near 6 MB,
    memory that the allocator hands straight back for the next chunk. (A GPU's
    caching allocator has no such cost, so there the batch goes in one pass.)
    """
    batch, mel_bins = waveform.shape[0], pair_banks.shape[-1]
    pad_value = (0.0 - mean) / (2.0 * std)
    out = waveform.new_empty(batch, max_length, mel_bins)                    # (batch, max_length, mel_bins)
    step = _chunk_size(waveform)
    for start in range(0, batch, step):
        chunk = slice(start, start + step)
        fbank = _kaldi_fbank(waveform[chunk], window, pair_banks, bands, frame_length, frame_shift,
                             0.97)                                           # (chunk, frames, mel_bins)
        frames = min(fbank.shape[-2], max_length)
        normalised = fbank[:, :frames]
        normalised = (normalised - mean) / (2.0 * std) if _needs_grad(fbank) else normalised.sub_(mean).div_(2.0 * std)
        if valid_frames is not None:
            past_end = torch.arange(frames, device=fbank.device) >= valid_frames[chunk].unsqueeze(-1)  # (chunk, frames)
            normalised = normalised.masked_fill(past_end.unsqueeze(-1), pad_value)
        out[chunk, :frames] = normalised
        out[chunk, frames:] = pad_value
    return out


def _valid_frames(lengths, waveform: torch.Tensor, frame_length: int, frame_shift: int) -> torch.Tensor | None:
    if lengths is None:
        return None
    lengths = torch.as_tensor(lengths, device=waveform.device)
    if waveform.dim() != 2 or lengths.shape != waveform.shape[:1]:
        raise ValueError(f"lengths must have shape ({waveform.shape[0] if waveform.dim() == 2 else 'batch'},), one "
                         f"per clip of a (batch, samples) waveform; got {tuple(lengths.shape)} for waveform "
                         f"{tuple(waveform.shape)}")
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
    exactly as if the clip had gone through the extractor alone.
    """
    waveform = validate_waveform(waveform, allow_batch=True, keep_float64=True)
    layer = ASTFeatures(sample_rate, num_mel_bins, max_length, mean, std, dtype=waveform.dtype)
    return layer.to(waveform.device)(waveform, lengths)


class ASTFeatures(nn.Module):
    """`ast_features` as a layer: `(batch, samples) -> (batch, max_length, num_mel_bins)`, or
    `(samples,) -> (max_length, num_mel_bins)`.

    Window and Kaldi mel filters (rows doubled, see `_kaldi_filters`) are
    non-persistent buffers of `dtype` (they follow `.to(device)`).
    """

    def __init__(self, sample_rate: int = 16000, num_mel_bins: int = 128, max_length: int = 1024,
                 mean: float = AST_MEAN, std: float = AST_STD, *, dtype: torch.dtype = torch.float32):
        super().__init__()
        _check_positive_int(max_length, "max_length")
        if std <= 0:
            raise ValueError(f"std must be positive, got {std!r}")
        self.sample_rate, self.num_mel_bins, self.max_length, self.mean, self.std = (sample_rate, num_mel_bins,
                                                                                     max_length, mean, std)
        self.frame_length, self.frame_shift, self.n_fft = _frame_sizes(sample_rate, 25.0, 10.0)
        self.register_buffer("window", _kaldi_window("hanning", self.frame_length, dtype=dtype), persistent=False)
        pair_banks, self.bands = _kaldi_filters(num_mel_bins, self.n_fft, sample_rate)
        self.register_buffer("pair_banks", pair_banks.to(dtype, copy=True), persistent=False)  # rows doubled

    def num_frames(self, num_samples: int) -> int:
        """Frames of fbank before padding/cutting to max_length."""
        return 1 + (num_samples - self.frame_length) // self.frame_shift

    def forward(self, waveform: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        waveform = validate_waveform(waveform, allow_batch=True, keep_float64=True)
        valid = _valid_frames(lengths, waveform, self.frame_length, self.frame_shift)
        batch = waveform if waveform.dim() == 2 else waveform.unsqueeze(0)  # (batch, samples)
        features = _ast_features(batch, self.window.to(waveform.dtype), self.pair_banks.to(waveform.dtype), self.bands,
                                 self.frame_length, self.frame_shift, self.max_length, self.mean, self.std, valid)
        return features if waveform.dim() == 2 else features.squeeze(0)

    def extra_repr(self) -> str:
        return f"sample_rate={self.sample_rate}, num_mel_bins={self.num_mel_bins}, max_length={self.max_length}"
