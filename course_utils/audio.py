"""Audio in and out: load, save, resample, and the checks everyone else calls.

A waveform in this course is a float32 tensor of samples in [-1, 1]:

    (samples,)            one mono clip
    (batch, samples)      a batch of mono clips, all the same length

plus a sample rate (samples per second) that travels beside it. Files are
read and written with soundfile (libsndfile: WAV, FLAC, OGG/Vorbis), so no
FFmpeg is needed; torchaudio >= 2.9 and datasets >= 4 would ask for it.

    >>> from course_utils.audio import load_audio, save_audio
    >>> wave = load_audio("dog.wav")             # (samples,) float32 at 16 kHz
    >>> save_audio("copy.flac", wave, 16000)

Every other module validates its input with `validate_waveform` and
`check_sample_rate`, so a wrong input fails here, early, with a message that
names the problem and the value, instead of deep inside a convolution.
"""

from __future__ import annotations

import numbers
import os
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
import torchaudio.functional as AF

__all__ = ["AudioFileNotFoundError", "check_audio_path", "check_finite_samples", "check_sample_rate", "load_audio",
           "resample", "save_audio", "umask_mode", "validate_waveform"]

# ----------------------------------------------------------------------------
# Checks


class AudioFileNotFoundError(FileNotFoundError, ValueError):
    """A path that names no file. A FileNotFoundError, as `open()` raises; also a ValueError,
    which is what course_utils raised for it before (so `except ValueError` still catches it)."""


def check_audio_path(path, what: str = "audio file") -> Path:
    """`path` (a str or os.PathLike) as a Path to an existing file, or an error that says what is wrong:
    TypeError for something that is not a path, AudioFileNotFoundError (a FileNotFoundError) for a path
    that does not exist, ValueError for a folder where a file is needed."""
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{what} path must be a str or pathlib.Path, got {type(path).__name__} {_short(path)}")
    path = Path(path).expanduser()  # "~/sounds/a.wav", as a shell reads it
    if path.is_dir():
        raise ValueError(f"{str(path)!r} is a folder, not an {what}: pass the path of one file in it "
                         "(a folder of clips loads with course_utils.data.load_audiofolder)")
    if not path.is_file():
        raise AudioFileNotFoundError(f"{what} not found: {str(path)!r}")
    return path


def _short(value, width: int = 60) -> str:
    """`repr(value)`, cut to `width` characters: for error messages."""
    text = repr(value)
    return text if len(text) <= width else text[:width - 3] + "..."


def check_sample_rate(sample_rate: int, expected: int | None = None, *, name: str = "sample_rate",
                      fix: str | None = None) -> int:
    """Return `sample_rate` as an int after checking it is a positive integer.

    With `expected`, the two must agree: a model trained at 16 kHz hears a
    44.1 kHz clip as slowed down and pitched down, so a mismatch is an error
    (resample first), never a silent wrong answer. `fix` replaces the default
    advice in that error (e.g. how to reload a folder at the right rate).
    """
    if (isinstance(sample_rate, np.ndarray) or torch.is_tensor(sample_rate)) and sample_rate.ndim == 0 \
            and sample_rate.dtype not in (np.bool_, torch.bool):
        sample_rate = sample_rate.item()  # a 0-d array, as a numpy-formatted datasets row holds its sampling_rate
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, numbers.Real):
        raise ValueError(f"{name} must be a positive integer (samples per second), got {sample_rate!r}")
    if isinstance(sample_rate, numbers.Integral):
        rate = int(sample_rate)
    elif float(sample_rate).is_integer():  # 16000.0 is fine, 16000.5 is not
        rate = int(sample_rate)
    else:
        raise ValueError(f"{name} must be a whole number of samples per second, got {sample_rate!r}")
    if rate <= 0:
        raise ValueError(f"{name} must be positive, got {sample_rate!r}")
    if expected is not None and rate != int(expected):
        raise ValueError(f"{name} is {rate} Hz but {int(expected)} Hz is expected; "
                         + (fix or f"resample first, e.g. resample(waveform, {rate}, {int(expected)})"))
    return rate


def check_finite_samples(waveform: torch.Tensor, name: str = "waveform") -> None:
    """A ValueError naming `name` when `waveform` holds a NaN or an infinite sample.

    One NaN or Inf makes the sum non-finite: a single pass that allocates nothing checks the
    whole tensor. Only when the sum is not finite (a bad sample, or finite samples so large that
    they overflow) do we look sample by sample.
    """
    if not torch.isfinite(waveform.sum()) and not torch.isfinite(waveform).all():
        bad = int((~torch.isfinite(waveform)).sum())
        raise ValueError(f"{name} contains {bad} NaN or Inf samples (of {waveform.numel()}); "
                         "find where they come from (a division by zero? a diverged model?) or replace them, "
                         "e.g. torch.nan_to_num(waveform)")


def validate_waveform(waveform, *, name: str = "waveform", allow_batch: bool = False,
                      keep_float64: bool = False, require_batch: bool = False) -> torch.Tensor:
    """Check a waveform and return it as a float32 tensor (same shape).

    Accepts a tensor or a numpy array of floats, shaped `(samples,)`, or
    `(batch, samples)` when `allow_batch=True`; `require_batch=True` accepts only
    `(batch, samples)` (what a model's forward takes). Raises ValueError (TypeError
    for something that is not an array at all) for: the wrong number of
    dimensions, integer samples (PCM counts, not [-1, 1] floats), no samples,
    NaN or Inf. A silent clip (all zeros) is valid audio.

    float32 is the course's dtype: float16, bfloat16 and float64 become
    float32, because the models' weights are float32. `keep_float64=True` is
    for code that also runs in double precision (the features, checked with
    `torch.autograd.gradcheck`): then a float64 *tensor* stays float64, while
    a float64 numpy array still becomes float32, since float64 there is just
    numpy's default (librosa, datasets), not a choice.
    """
    keep_float64 = keep_float64 and isinstance(waveform, torch.Tensor) and waveform.dtype == torch.float64
    if isinstance(waveform, np.ndarray):
        if waveform.dtype.kind not in "fiub":
            raise TypeError(f"{name} must hold numbers, got a numpy array of dtype {waveform.dtype}"
                            + ("; a waveform is real: did you pass a spectrum? take .real"
                               if waveform.dtype.kind == "c" else ""))
        waveform = torch.from_numpy(np.ascontiguousarray(waveform))
    if not isinstance(waveform, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor or numpy array, got {type(waveform).__name__}"
                        + ("; convert a list with torch.tensor(samples)" if isinstance(waveform, (list, tuple)) else ""))
    ranks = ((2,), "be (batch, samples)") if require_batch else \
        ((1, 2), "have 1 (samples,) or 2 (batch, samples) dimensions") if allow_batch else \
        ((1,), "have 1 (samples,) dimensions")
    if waveform.dim() not in ranks[0]:
        hint = ""
        if waveform.dim() == 1 and require_batch:
            hint = "; for one clip use waveform[None] (a batch of one)"
        elif waveform.dim() == 2 and not allow_batch and min(waveform.shape) <= 2:
            channels = 0 if waveform.shape[0] <= 2 else 1  # (2, samples) or soundfile's (samples, 2)
            hint = f"; for stereo, mix to mono first, e.g. waveform.mean({channels})"
        elif waveform.dim() == 3 and waveform.shape[1] == 1:
            hint = ("; drop the channel dimension, e.g. waveform.squeeze(1)" if allow_batch or require_batch
                    else "; this takes one clip (samples,), e.g. waveform[0, 0]")
        elif waveform.dim() == 3 and waveform.shape[1] == 2:
            hint = "; for stereo, mix to mono first, e.g. waveforms.mean(1)"
        raise ValueError(f"{name} must {ranks[1]}, got shape {tuple(waveform.shape)}{hint}")
    if waveform.is_complex():
        raise ValueError(f"{name} is complex ({waveform.dtype}); a waveform holds real samples in [-1, 1]: "
                         "did you pass a spectrum? take .real, or the inverse transform")
    if not waveform.is_floating_point():
        raise ValueError(f"{name} must be float (floating-point samples in [-1, 1]), got dtype {waveform.dtype}; "
                         f"for 16-bit PCM divide by 32768, e.g. waveform.float() / 32768")
    if waveform.shape[-1] == 0 or waveform.numel() == 0:
        raise ValueError(f"{name} is empty (shape {tuple(waveform.shape)}): there are no samples")
    check_finite_samples(waveform, name)
    return waveform if keep_float64 else waveform.to(torch.float32)


# ----------------------------------------------------------------------------
# Resampling


def resample(waveform, orig_sr: int, new_sr: int) -> torch.Tensor:
    """Change the sample rate of `waveform (..., samples)` from `orig_sr` to `new_sr`.

    A thin wrapper over `torchaudio.functional.resample` (windowed-sinc
    interpolation, the same filter a learner would get from torchaudio), with
    the rates checked. Any leading dimensions are kept.
    """
    orig_sr = check_sample_rate(orig_sr, name="orig_sr")
    new_sr = check_sample_rate(new_sr, name="new_sr")
    if not isinstance(waveform, (torch.Tensor, np.ndarray)):
        raise TypeError(f"waveform must be a torch.Tensor or numpy array, got {type(waveform).__name__}")
    if isinstance(waveform, np.ndarray) and waveform.dtype.kind not in "fiub":
        raise TypeError(f"waveform must hold real numbers, got a numpy array of dtype {waveform.dtype}")
    waveform = torch.as_tensor(waveform)
    if not waveform.is_floating_point():
        raise ValueError(f"waveform must hold floating-point samples, got dtype {waveform.dtype}")
    if waveform.numel() == 0 or waveform.dim() == 0:
        raise ValueError(f"waveform is empty (shape {tuple(waveform.shape)}): nothing to resample")
    check_finite_samples(waveform)
    if orig_sr == new_sr:
        return waveform
    return AF.resample(waveform, orig_sr, new_sr)


# ----------------------------------------------------------------------------
# Files


def load_audio(path: str | os.PathLike, sample_rate: int | None = 16000) -> torch.Tensor:
    """Read an audio file as a float32 mono tensor `(samples,)`.

    - Integer PCM is scaled to [-1, 1) by soundfile (16-bit: divided by 32768).
    - Several channels are mixed to mono by averaging them (the usual choice
      for classification; a model for stereo would need its own front-end).
    - The result is resampled to `sample_rate`; `sample_rate=None` keeps the
      file's own rate (read it with `soundfile.info(path).samplerate`).
    """
    if sample_rate is not None:
        sample_rate = check_sample_rate(sample_rate)
    path = check_audio_path(path)
    try:
        data, file_sr = sf.read(path, dtype="float32", always_2d=True)  # (samples, channels)
    except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
        raise ValueError(f"cannot read audio file {str(path)!r} ({exc}); "
                         f"soundfile reads WAV, FLAC and OGG (MP3 needs FFmpeg)") from exc
    if data.shape[0] == 0:
        raise ValueError(f"audio file {str(path)!r} is empty: it has no samples")
    waveform = torch.from_numpy(data.mean(axis=1, dtype=np.float32))  # (samples,)
    waveform = validate_waveform(waveform, name=f"audio in {path.name}")
    if sample_rate is not None and file_sr != sample_rate:
        waveform = resample(waveform, file_sr, sample_rate)
    return waveform


def umask_mode(mode: int) -> int:
    """`mode` less the process's umask: the permissions `open()` would give a new file (0o666 -> 0o644
    under the usual umask 022). Temporary files are created 0600; files renamed into place get this."""
    mask = os.umask(0)
    os.umask(mask)
    return mode & ~mask


def save_audio(path: str | os.PathLike, waveform, sample_rate: int, *, subtype: str | None = None) -> Path:
    """Write `waveform` `(samples,)` or `(channels, samples)` to `path`, atomically.

    The format comes from the file extension (.wav, .flac, .ogg). `subtype`
    picks the sample encoding (soundfile's default for the format when None:
    16-bit PCM for WAV and FLAC; "FLOAT" stores float32 exactly). Integer
    encodings clip at +-1, so a waveform louder than that is an error rather
    than a silently clipped file. The file is written to a temporary name in
    the same folder and renamed into place, so a reader never sees half a file.
    """
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or pathlib.Path, got {type(path).__name__} {_short(path)}")
    path = Path(path).expanduser()
    if path.is_dir():
        raise ValueError(f"path {str(path)!r} is a folder: save_audio needs a file name in it, e.g. "
                         f"{str(path / 'clip.wav')!r}")
    sample_rate = check_sample_rate(sample_rate)
    waveform = validate_waveform(waveform, allow_batch=True)
    fmt = path.suffix.lstrip(".").upper()
    if fmt not in sf.available_formats():
        raise ValueError(f"cannot tell the audio format from {path.name!r}; use .wav, .flac or .ogg")
    if subtype is not None and not sf.check_format(fmt, subtype):
        raise ValueError(f"subtype {subtype!r} is not valid for {fmt} files")
    effective = subtype or sf.default_subtype(fmt)
    peak = float(waveform.abs().max())
    if effective.startswith(("PCM", "ALAW", "ULAW")) and peak > 1.0:
        raise ValueError(f"waveform peaks at {peak:.3f} > 1.0 and would clip as {effective}; "
                         f"scale it down (waveform / waveform.abs().max()) or pass subtype='FLOAT'")
    if waveform.ndim == 2 and waveform.shape[1] <= 8 < waveform.shape[0]:
        raise ValueError(f"waveform has shape {tuple(waveform.shape)}: that looks like (samples, channels), "
                         "but save_audio takes (channels, samples) as torchaudio does; pass waveform.T")
    data = waveform.numpy()
    data = data if data.ndim == 1 else data.T  # soundfile wants (samples, channels)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    os.close(fd)
    try:
        sf.write(tmp, data, sample_rate, subtype=subtype, format=fmt)
        os.chmod(tmp, umask_mode(0o666))  # mkstemp makes 0600; a saved file gets the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
