"""course_utils.audio: file I/O through soundfile, resampling, and input checks."""

import math

import numpy as np
import pytest
import soundfile as sf
import torch
import torchaudio.functional as AF

from course_utils.audio import check_sample_rate, load_audio, resample, save_audio, validate_waveform


def tone(seconds=0.5, sr=16000, freq=440.0, amp=0.5):
    t = torch.arange(int(seconds * sr)) / sr
    return amp * torch.sin(2 * math.pi * freq * t)


# ----------------------------------------------------------------------------
# save / load round trips


@pytest.mark.parametrize("suffix, subtype, atol", [
    (".wav", "FLOAT", 0.0),          # float32 stored exactly
    (".wav", None, 1 / 32768),       # 16-bit PCM: one quantisation step
    (".flac", None, 1 / 32768),
    (".ogg", None, 0.05),            # lossy Vorbis
])
def test_round_trip(tmp_path, suffix, subtype, atol):
    wave = tone()
    path = save_audio(tmp_path / f"x{suffix}", wave, 16000, subtype=subtype)
    assert path.exists() and not list(tmp_path.glob("*.tmp"))
    back = load_audio(path, sample_rate=None)
    assert back.dtype == torch.float32 and back.shape == wave.shape
    if suffix == ".ogg":  # lossy: compare energy, not samples
        assert abs(back.pow(2).mean().sqrt() - wave.pow(2).mean().sqrt()) < atol
    else:
        torch.testing.assert_close(back, wave, atol=atol, rtol=0)


def test_integer_pcm_is_scaled(tmp_path):
    pcm = np.array([0, 16384, -32768, 32767], dtype=np.int16)
    sf.write(tmp_path / "pcm.wav", pcm, 8000, subtype="PCM_16")
    back = load_audio(tmp_path / "pcm.wav", sample_rate=None)
    torch.testing.assert_close(back, torch.tensor([0.0, 0.5, -1.0, 32767 / 32768]), atol=1e-7, rtol=0)


def test_stereo_is_mixed_to_mono(tmp_path):
    left, right = tone(freq=300.0), tone(freq=500.0)
    save_audio(tmp_path / "st.wav", torch.stack([left, right]), 16000, subtype="FLOAT")
    assert sf.info(tmp_path / "st.wav").channels == 2
    torch.testing.assert_close(load_audio(tmp_path / "st.wav"), (left + right) / 2, atol=1e-7, rtol=0)


def test_load_resamples_like_torchaudio(tmp_path):
    wave = tone(sr=22050, freq=1000.0)
    save_audio(tmp_path / "a.wav", wave, 22050, subtype="FLOAT")
    got = load_audio(tmp_path / "a.wav", sample_rate=16000)
    assert got.shape == (8000,)
    torch.testing.assert_close(got, AF.resample(wave, 22050, 16000), atol=1e-6, rtol=0)


def test_silence_is_valid(tmp_path):
    save_audio(tmp_path / "s.wav", torch.zeros(1600), 16000)
    assert load_audio(tmp_path / "s.wav").abs().max() == 0


def test_save_is_atomic_and_overwrites(tmp_path):
    path = tmp_path / "sub" / "x.wav"
    save_audio(path, tone(amp=0.1), 16000)
    save_audio(path, tone(amp=0.2), 16000)
    assert sorted(p.name for p in path.parent.iterdir()) == ["x.wav"]
    assert abs(load_audio(path).abs().max() - 0.2) < 1e-3


# ----------------------------------------------------------------------------
# resample


def test_resample_matches_torchaudio_and_keeps_leading_dims():
    batch = torch.randn(2, 3, 4410)
    got = resample(batch, 44100, 16000)
    assert got.shape == (2, 3, 1600)
    torch.testing.assert_close(got, AF.resample(batch, 44100, 16000), atol=0, rtol=0)
    same = torch.randn(100)
    assert resample(same, 16000, 16000) is same


def test_resample_keeps_a_tone_in_place():
    """A 1 kHz tone at 48 kHz is still 1 kHz after going to 16 kHz (peak FFT bin)."""
    y = resample(tone(seconds=1.0, sr=48000, freq=1000.0), 48000, 16000)
    peak_hz = torch.fft.rfft(y).abs().argmax().item() * 16000 / y.shape[-1]
    assert abs(peak_hz - 1000.0) <= 1.0


# ----------------------------------------------------------------------------
# bad inputs: each one named


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(ValueError, match="audio file not found: .*nope.wav"):
        load_audio(tmp_path / "nope.wav")
    (tmp_path / "junk.wav").write_bytes(b"this is not audio")
    with pytest.raises(ValueError, match="cannot read audio file .*junk.wav"):
        load_audio(tmp_path / "junk.wav")


def test_empty_file(tmp_path):
    sf.write(tmp_path / "empty.wav", np.zeros(0, dtype=np.float32), 16000)
    with pytest.raises(ValueError, match="empty"):
        load_audio(tmp_path / "empty.wav")


def test_nan_in_file(tmp_path):
    data = np.zeros(100, dtype=np.float32)
    data[5] = np.nan
    sf.write(tmp_path / "nan.wav", data, 16000, subtype="FLOAT")
    with pytest.raises(ValueError, match="1 NaN or Inf"):
        load_audio(tmp_path / "nan.wav")


@pytest.mark.parametrize("rate, match", [
    (0, "must be positive, got 0"),
    (-16000, "must be positive, got -16000"),
    (16000.5, "whole number .* 16000.5"),
    ("16k", "positive integer .* '16k'"),
    (True, "positive integer .* True"),
    (np.array([16000, 8000]), "positive integer"),
    (np.array(True), "positive integer"),
    (torch.tensor(16000.5), "whole number"),
])
def test_bad_sample_rates(tmp_path, rate, match):
    with pytest.raises(ValueError, match=match):
        check_sample_rate(rate)
    with pytest.raises(ValueError, match=match):
        save_audio(tmp_path / "x.wav", tone(), rate)


def test_sample_rate_mismatch_names_both():
    assert check_sample_rate(16000.0) == 16000 and check_sample_rate(np.int64(8000)) == 8000
    # a numpy-formatted datasets row (load_real, load_audiofolder) holds its rate as a 0-d array
    assert check_sample_rate(np.array(16000)) == 16000 and check_sample_rate(torch.tensor(22050)) == 22050
    with pytest.raises(ValueError, match="44100 Hz but 16000 Hz is expected"):
        check_sample_rate(44100, expected=16000)
    with pytest.raises(ValueError, match="orig_sr must be positive"):
        resample(tone(), 0, 16000)


@pytest.mark.parametrize("wave, kwargs, error, match", [
    (torch.zeros(0), {}, ValueError, "empty"),
    (torch.zeros(2, 0), {"allow_batch": True}, ValueError, "empty"),
    (torch.tensor([0.0, float("nan")]), {}, ValueError, "1 NaN or Inf"),
    (torch.tensor([float("inf")] * 3), {}, ValueError, "3 NaN or Inf"),
    (torch.zeros(2, 100), {}, ValueError, r"shape \(2, 100\); for stereo, mix to mono"),
    (torch.zeros(4, 1, 100), {"allow_batch": True}, ValueError, r"shape \(4, 1, 100\); drop the channel"),
    (torch.tensor(0.5), {}, ValueError, "dimensions, got shape"),
    (torch.zeros(100, dtype=torch.int16), {}, ValueError, "floating-point .*torch.int16; for 16-bit PCM divide by 32768"),
    ([0.0, 0.1], {}, TypeError, "got list"),
    (np.array(["a"]), {}, TypeError, "dtype <U1"),
])
def test_validate_waveform_errors(wave, kwargs, error, match):
    with pytest.raises(error, match=match):
        validate_waveform(wave, **kwargs)


def test_validate_waveform_names_the_argument_and_converts():
    with pytest.raises(ValueError, match="query_clip is empty"):
        validate_waveform(torch.zeros(0), name="query_clip")
    out = validate_waveform(np.zeros((3, 10), dtype=np.float64), allow_batch=True)
    assert out.dtype == torch.float32 and out.shape == (3, 10)  # numpy's default float64 is not a choice
    silent = torch.zeros(16000)
    assert validate_waveform(silent) is silent


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16])
def test_validate_waveform_dtypes(dtype):
    wave = (0.25 * torch.ones(2, 8)).to(dtype)
    out = validate_waveform(wave, allow_batch=True)  # float32: the models' dtype
    assert out.dtype == torch.float32 and out.shape == (2, 8)
    torch.testing.assert_close(out, torch.full((2, 8), 0.25))
    kept = validate_waveform(wave, allow_batch=True, keep_float64=True)  # a float64 tensor stays float64 (gradcheck)
    assert kept.dtype == (torch.float64 if dtype == torch.float64 else torch.float32)
    if dtype in (torch.float32, torch.float64):
        assert kept is wave  # no copy
    with pytest.raises(ValueError, match="NaN or Inf"):  # the checks run on every dtype
        validate_waveform(torch.tensor([0.0, float("nan")]).to(dtype), keep_float64=True)
    with pytest.raises(ValueError, match="floating-point .*torch.int32"):  # integers are still refused
        validate_waveform(torch.zeros(8, dtype=torch.int32), keep_float64=True)


def test_validate_waveform_keep_float64_is_for_tensors_only():
    # numpy's float64 is its default (librosa, datasets), not a request for double precision
    out = validate_waveform(np.zeros(10, dtype=np.float64), keep_float64=True)
    assert out.dtype == torch.float32


def test_save_rejects_clipping_and_unknown_formats(tmp_path):
    loud = tone(amp=1.5)
    with pytest.raises(ValueError, match="peaks at 1.500 > 1.0 and would clip as PCM_16"):
        save_audio(tmp_path / "loud.wav", loud, 16000)
    save_audio(tmp_path / "loud.wav", loud, 16000, subtype="FLOAT")  # float keeps it
    with pytest.raises(ValueError, match="cannot tell the audio format from 'x.mp4a'"):
        save_audio(tmp_path / "x.mp4a", tone(), 16000)
    with pytest.raises(ValueError, match="subtype 'VORBIS' is not valid for WAV"):
        save_audio(tmp_path / "x.wav", tone(), 16000, subtype="VORBIS")
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*"))


def test_saved_files_get_the_usual_permissions_and_channels_last_is_refused(tmp_path):
    import os
    import stat

    from course_utils.audio import save_audio
    from course_utils.checkpoints import write_atomic
    from course_utils.data.cache import save_audiofolder
    from course_utils.data.tables import build_dataset
    from datasets import ClassLabel, DatasetDict

    old = os.umask(0o022)
    try:
        path = save_audio(tmp_path / "a.wav", torch.zeros(100), 16000)
        assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not mkstemp's 0600
        write_atomic(tmp_path / "b.json", lambda tmp: open(tmp, "w").write("{}"))
        assert stat.S_IMODE((tmp_path / "b.json").stat().st_mode) == 0o644
        ds = build_dataset([np.zeros(100, np.float32)], 16000, {"label": [0]}, {"label": ClassLabel(names=["a"])})
        folder = save_audiofolder(DatasetDict({"train": ds}), tmp_path / "set")
        assert stat.S_IMODE(folder.stat().st_mode) == 0o755  # not mkdtemp's 0700
    finally:
        os.umask(old)
    with pytest.raises(ValueError, match=r"looks like \(samples, channels\).*waveform.T"):
        save_audio(tmp_path / "c.wav", torch.zeros(16000, 2), 16000)
