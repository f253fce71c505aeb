"""The spectrograms of `course_utils.features`, fast: the layers `LogMel` and `ASTFeatures` the models use.

`features.py` computes each spectrogram the way it is taught, one step per
line. This module computes the same numbers (tests/test_fast_features.py
checks them against those plain functions over several settings, batch shapes,
clip lengths and dtypes) with the speed tricks that would hide the steps
there. Each one is measured in BENCHMARKS.md ("features"):

  1. Squares in place, summed by the filterbank. |X|^2 = re^2 + im^2 would be
     a new tensor as large as the spectrum. Instead the FFT's own output is
     squared in place (`squared_parts`), re^2 and im^2 side by side, and a
     filterbank with every row repeated twice adds each pair up inside the
     mel matmul it does anyway.
  2. Banded matmul. A mel filter is a narrow triangle, so a filterbank is
     almost all zeros (Kaldi's 257 x 128 is 98.5 % zeros). `banded_matmul`
     multiplies each group of neighbouring filters by only the bins it touches.
  3. In place. With no gradient to keep, the dB, the log and AST's
     normalisation reuse their input's memory instead of allocating a new one.
  4. Kaldi's per-frame work moved out of the frames. Pre-emphasis runs once
     on the waveform, the DC removal becomes one multiply-add in the frequency
     domain, and `rfft(..., n=512)` zero-pads inside the FFT: one copy of
     every frame instead of four (see `kaldi_log_energies`).
  5. Chunks. On the CPU `ASTFeatures` works FBANK_CHUNK clips at a time,
     writing into one output tensor, so intermediates stay small enough for
     the allocator to reuse (a fresh large tensor costs a page fault per 4 KB).

The in-place tricks apply only when no gradient is needed; with one, the same
code runs out of place, so gradients flow as through the plain functions.

    >>> from course_utils.fast_features import LogMel, ASTFeatures
    >>> LogMel()(waves).shape                   # (batch, 64, frames), dB, = log_mel_spectrogram(waves)
    >>> ASTFeatures()(waves, lengths).shape     # (batch, 1024, 128),      = ast_features(waves, lengths=lengths)
"""

from __future__ import annotations

import functools

import numpy as np
import torch
import torch.nn as nn

from course_utils.features import (AST_MEAN, AST_STD, KALDI_EPSILON, PAD_MODES, _check_db_params, _check_length,
                                   _check_positive_int, _check_stft_params, _checked_waveform, check_finite_number,
                                   frame_signal, get_window, kaldi_frame_sizes, kaldi_mel_banks, kaldi_window,
                                   mel_filterbank, valid_frames)

__all__ = ["ASTFeatures", "FBANK_CHUNK", "LogMel", "banded_matmul", "filter_bands", "kaldi_log_energies",
           "squared_parts"]

FBANK_CHUNK = 32  # clips per pass of ASTFeatures on the CPU (trick 5)


def _needs_grad(t: torch.Tensor) -> bool:
    return torch.is_grad_enabled() and t.requires_grad


def _check_float_dtype(dtype) -> torch.dtype:
    """The layers' buffer dtype: a floating-point torch.dtype, or a TypeError."""
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"dtype must be a floating-point torch.dtype (e.g. torch.float32 or torch.float64), got {dtype!r}")
    return dtype


def _half_precision(waveform) -> torch.dtype | None:
    """float16 / bfloat16 when `waveform` is a tensor of that dtype (a half-precision model's input), else None.

    The layers compute such input in float32 (FFTs of 400 points do not run in float16 on a
    CPU, and would lose most of the dB range if they did) and hand the result back in the
    input's dtype, so the network after them gets what its weights are."""
    low = (torch.float16, torch.bfloat16)
    return waveform.dtype if torch.is_tensor(waveform) and waveform.dtype in low else None


# ----------------------------------------------------------------------------
# Trick 1: squares in place, summed by a filterbank with doubled rows.


def squared_parts(spectrum: torch.Tensor) -> torch.Tensor:
    """Complex (..., n_freqs) -> real (..., 2 * n_freqs): re^2, im^2 interleaved.

    Adjacent pairs sum to |X|^2; `filterbank.repeat_interleave(2, dim=0)` sums
    them inside the mel matmul. When no gradient is needed the squares are
    taken in place in the FFT's own output (which the caller must own): no
    new tensor the size of the spectrum.
    """
    parts = torch.view_as_real(spectrum).flatten(-2)                # (..., 2 * n_freqs)
    return parts * parts if _needs_grad(parts) else parts.square_()


# ----------------------------------------------------------------------------
# Trick 2: banded matmul. Multiply each group of filters by the bins it touches.


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


# ----------------------------------------------------------------------------
# Trick 3: in place. The dB of a tensor nobody else holds can overwrite it.


def _power_to_db_(mel: torch.Tensor, top_db: float | None) -> torch.Tensor:
    """`features.power_to_db(mel, ref=1.0, amin=1e-10, top_db=top_db)`, in place when no gradient is needed."""
    if _needs_grad(mel):
        db = 10.0 * torch.log10(mel.clamp(min=1e-10))
    else:
        db = mel.clamp_(min=1e-10).log10_().mul_(10.0)
    if top_db is None:
        return db
    peak = db.amax(dim=(-2, -1), keepdim=True) if db.dim() >= 2 else db.amax()   # each clip's loudest cell
    return torch.maximum(db, peak - top_db) if _needs_grad(db) else db.clamp_(min=peak - top_db)


# ----------------------------------------------------------------------------
# The log-mel layer: tricks 1 and 3.


class LogMel(nn.Module):
    """`features.log_mel_spectrogram` as a fast layer: `(batch, samples) -> (batch, n_mels, frames)`,
    or `(samples,) -> (n_mels, frames)`.

    The window and the mel filterbank with its rows doubled (trick 1) are
    non-persistent buffers of `dtype`: they move with `.to(device)` and stay
    out of the state_dict, since they follow from the constructor's arguments.
    (`dtype=torch.float64` gives the plain function's float64 numbers.) A float16 or
    bfloat16 waveform (a half-precision model's) is computed in float32 and returned
    in its own dtype.
    """

    def __init__(self, sample_rate: int = 16000, n_fft: int = 400, hop_length: int = 160, n_mels: int = 64,
                 f_min: float = 0.0, f_max: float | None = None, top_db: float | None = 80.0, *,
                 win_length: int | None = None, window: str | torch.Tensor = "hann", center: bool = True,
                 pad_mode: str = "constant", mel_scale: str = "htk", norm: str | None = None,
                 dtype: torch.dtype = torch.float32):
        super().__init__()
        n_fft, hop_length, win_length = _check_stft_params(n_fft, hop_length, win_length)
        _check_db_params(1.0, 1e-10, top_db)
        dtype = _check_float_dtype(dtype)
        if pad_mode not in PAD_MODES:  # checked here, not at the first forward
            raise ValueError(f"pad_mode must be one of {list(PAD_MODES)}, got {pad_mode!r}")
        if not isinstance(center, (bool, np.bool_)):
            raise TypeError(f"center must be True or False, got {center!r}")
        center = bool(center)
        self.register_buffer("window", get_window(window, win_length, n_fft, dtype=dtype), persistent=False)  # (n_fft,)
        filterbank = mel_filterbank(n_fft // 2 + 1, n_mels, sample_rate, f_min, f_max, mel_scale, norm, dtype=dtype)
        self.sample_rate, self.n_fft, self.hop_length, self.n_mels = sample_rate, n_fft, hop_length, filterbank.shape[1]
        self.top_db, self.center, self.pad_mode = top_db, center, pad_mode
        self.register_buffer("pair_filterbank", filterbank.repeat_interleave(2, dim=0),
                             persistent=False)                     # (2 * n_freqs, n_mels)

    def num_frames(self, num_samples: int) -> int:
        """How many frames a clip of `num_samples` samples gives."""
        return 1 + num_samples // self.hop_length if self.center else 1 + (num_samples - self.n_fft) // self.hop_length

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        half = _half_precision(waveform)                                    # float16 in: float16 out
        waveform = _checked_waveform(waveform)                              # float32 (or float64)
        _check_length(waveform.shape[-1], self.n_fft, self.center, self.pad_mode)
        window, pair_filterbank = self.window.to(waveform.dtype), self.pair_filterbank.to(waveform.dtype)
        frames = frame_signal(waveform, self.n_fft, self.hop_length, self.center, self.pad_mode)  # (..., frames, n_fft)
        spectrum = torch.fft.rfft(frames * window, dim=-1)                  # (..., frames, n_freqs)
        parts = squared_parts(spectrum)                                     # (..., frames, 2 * n_freqs)
        mel = torch.matmul(pair_filterbank.T, parts.transpose(-1, -2))      # (..., n_mels, frames)
        db = _power_to_db_(mel, self.top_db)                                # (..., n_mels, frames) in dB
        return db if half is None else db.to(half)

    def extra_repr(self) -> str:
        return (f"sample_rate={self.sample_rate}, n_fft={self.n_fft}, hop_length={self.hop_length}, "
                f"n_mels={self.n_mels}, top_db={self.top_db}")


# ----------------------------------------------------------------------------
# Kaldi fbank: tricks 1 to 4.


@functools.lru_cache(maxsize=32)
def _kaldi_pair_banks(num_mel_bins: int, n_fft: int,
                      sample_rate: int) -> tuple[torch.Tensor, list[tuple[slice, slice]]]:
    """Kaldi's filters with every row repeated twice (trick 1), float64 on the CPU, and their
    bands (trick 2). Built once per setting: treat the tensor as read-only (copy it with
    `.to(device, dtype, copy=True)`, never modify it in place).
    """
    pairs = kaldi_mel_banks(num_mel_bins, n_fft, sample_rate, dtype=torch.float64)
    pairs = pairs.repeat_interleave(2, dim=0)                                # (2 * (n_fft//2 + 1), num_mel_bins)
    return pairs, filter_bands(pairs)


def kaldi_log_energies(waveform: torch.Tensor, window: torch.Tensor, pair_banks: torch.Tensor,
                       bands: list[tuple[slice, slice]], frame_length: int, frame_shift: int,
                       preemphasis: float = 0.97) -> torch.Tensor:
    """`features.kaldi_fbank`'s numbers: waveform (..., samples) -> log mel energies (..., frames, num_mel_bins).

    `window` (frame_length,) must start at 0 (Kaldi's windows do); `pair_banks`
    (2 * (n_fft//2 + 1), num_mel_bins) are Kaldi's filters with rows doubled,
    `bands = filter_bands(pair_banks)`.

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
        raise ValueError(f"the clip has {waveform.shape[-1]} samples, shorter than one {frame_length}-sample frame; "
                         f"Kaldi fbank keeps whole frames only: pad the clip")
    n_fft = pair_banks.shape[0] - 2                                          # 2 * (n_fft // 2 + 1) rows
    emphasised = torch.cat([waveform[..., :1] * (1.0 - preemphasis),
                            waveform[..., 1:] - preemphasis * waveform[..., :-1]], dim=-1)   # (..., samples)
    frames = emphasised.unfold(-1, frame_length, frame_shift) * window      # (..., frames, frame_length)
    frame_means = waveform.unfold(-1, frame_length, frame_shift).mean(dim=-1)   # (..., frames)
    spectrum = torch.fft.rfft(frames, n=n_fft, dim=-1)                       # zero-padded: (..., frames, n_fft//2 + 1)
    window_spectrum = torch.fft.rfft(window, n=n_fft)                        # (n_fft//2 + 1,)
    spectrum = spectrum.addcmul_(((preemphasis - 1.0) * frame_means).unsqueeze(-1).to(spectrum.dtype),
                                 window_spectrum)                            # remove DC (identity 2)
    parts = squared_parts(spectrum)                                          # (..., frames, 2 * (n_fft//2 + 1))
    mel = banded_matmul(parts, pair_banks, bands)                            # (..., frames, num_mel_bins)
    if _needs_grad(mel):
        return mel.clamp(min=KALDI_EPSILON).log()
    return mel.clamp_(min=KALDI_EPSILON).log_()


# ----------------------------------------------------------------------------
# The AST layer: Kaldi fbank, cut or padded, normalised; trick 5.


class ASTFeatures(nn.Module):
    """`features.ast_features` as a fast layer: `(batch, samples) -> (batch, max_length, num_mel_bins)`,
    or `(samples,) -> (max_length, num_mel_bins)`. `forward(waveform, lengths)` takes each clip's
    true length (batch,) in a zero-padded batch, as `ast_features(..., lengths=)` does.

    Window and Kaldi mel filters (rows doubled, trick 1) are non-persistent
    buffers of `dtype` (they follow `.to(device)`).
    """

    def __init__(self, sample_rate: int = 16000, num_mel_bins: int = 128, max_length: int = 1024,
                 mean: float = AST_MEAN, std: float = AST_STD, *, dtype: torch.dtype = torch.float32):
        super().__init__()
        max_length = _check_positive_int(max_length, "max_length")
        num_mel_bins = _check_positive_int(num_mel_bins, "num_mel_bins")
        dtype = _check_float_dtype(dtype)
        check_finite_number(mean, "mean")
        if not check_finite_number(std, "std") > 0:
            raise ValueError(f"std must be positive (AST's is {AST_STD}), got {std!r}")
        self.sample_rate, self.num_mel_bins, self.max_length, self.mean, self.std = (sample_rate, num_mel_bins,
                                                                                     max_length, mean, std)
        self.frame_length, self.frame_shift, self.n_fft = kaldi_frame_sizes(sample_rate)
        self.register_buffer("window", kaldi_window("hanning", self.frame_length, dtype=dtype), persistent=False)
        pair_banks, self.bands = _kaldi_pair_banks(num_mel_bins, self.n_fft, sample_rate)
        self.register_buffer("pair_banks", pair_banks.to(dtype, copy=True), persistent=False)

    def num_frames(self, num_samples: int) -> int:
        """Frames of fbank before padding/cutting to max_length."""
        return 1 + (num_samples - self.frame_length) // self.frame_shift

    def forward(self, waveform: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        half = _half_precision(waveform)                                     # float16 in: float16 out
        waveform = _checked_waveform(waveform)                               # float32 (or float64)
        valid = None if lengths is None else valid_frames(lengths, waveform, self.frame_length, self.frame_shift)
        batch = waveform if waveform.dim() == 2 else waveform.unsqueeze(0)  # (batch, samples)
        features = self._normalised_fbank(batch, valid)                      # (batch, max_length, num_mel_bins)
        features = features if half is None else features.to(half)
        return features if waveform.dim() == 2 else features.squeeze(0)

    def _normalised_fbank(self, waveform: torch.Tensor, valid: torch.Tensor | None) -> torch.Tensor:
        """(batch, samples) -> `(batch, max_length, num_mel_bins)`: fbank, cut or padded, normalised.

        ASTFeatureExtractor pads the fbank with zeros (or cuts it) to max_length
        frames and then normalises, so padding frames hold (0 - mean) / (2 std).
        `valid` (batch,) frames per clip turns the frames past each clip's true
        end into padding too.

        The output is allocated once and, on the CPU, filled FBANK_CHUNK clips at a
        time. Why chunks: for 256 one-second clips each whole-batch intermediate
        (frames, spectrum, power) is about 50 MB, and the first touch of a fresh
        large tensor costs the operating system a page fault per 4 KB; those faults
        took half the time. Thirty-two clips keep every intermediate near 6 MB,
        memory that the allocator hands straight back for the next chunk. (A GPU's
        caching allocator has no such cost, so there the batch goes in one pass.)
        """
        window, pair_banks = self.window.to(waveform.dtype), self.pair_banks.to(waveform.dtype)
        pad_value = (0.0 - self.mean) / (2.0 * self.std)
        out = waveform.new_empty(waveform.shape[0], self.max_length, self.num_mel_bins)
        step = FBANK_CHUNK if waveform.device.type == "cpu" else max(1, waveform.shape[0])
        for start in range(0, waveform.shape[0], step):
            chunk = slice(start, start + step)
            fbank = kaldi_log_energies(waveform[chunk], window, pair_banks, self.bands, self.frame_length,
                                       self.frame_shift)                     # (chunk, frames, num_mel_bins)
            frames = min(fbank.shape[-2], self.max_length)
            normalised = fbank[:, :frames]
            if _needs_grad(fbank):
                normalised = (normalised - self.mean) / (2.0 * self.std)
            else:
                normalised = normalised.sub_(self.mean).div_(2.0 * self.std)
            if valid is not None:
                past_end = torch.arange(frames, device=fbank.device) >= valid[chunk].unsqueeze(-1)  # (chunk, frames)
                normalised = normalised.masked_fill(past_end.unsqueeze(-1), pad_value)
            out[chunk, :frames] = normalised
            out[chunk, frames:] = pad_value
        return out

    def extra_repr(self) -> str:
        return f"sample_rate={self.sample_rate}, num_mel_bins={self.num_mel_bins}, max_length={self.max_length}"
