"""Tests for course_utils.vad: Silero VAD rebuilt in plain torch equals silero_vad's own model.

The reference is what a learner would otherwise use: `silero_vad.load_silero_vad()` (its
TorchScript model, loaded by silero_vad itself; fine in a test, never in the package).
"""

import warnings

import pytest
import torch

from course_utils.data import load_real, scene_tensors
from course_utils.vad import (CHUNK_SAMPLES, CHUNK_SECONDS, ONNX_NAMES, SileroVAD, at_frames, load_silero_vad,
                              read_onnx_initializers, silero_weights_path, speech_probabilities)

TOLERANCE = 1e-4  # absolute, on probabilities in [0, 1]; measured: under 2e-6 on this stack


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


@pytest.fixture(scope="module")
def ours():
    return load_silero_vad()


@pytest.fixture(scope="module")
def reference():
    before = torch.get_num_threads()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.jit.load's deprecation notice
        import silero_vad

        model = silero_vad.load_silero_vad()  # its TorchScript model
    torch.set_num_threads(before)
    return model


def reference_probabilities(reference, waveforms: torch.Tensor) -> torch.Tensor:
    """silero_vad's own loop: 512-sample chunks, zero-padded at the end, state carried, (B, chunks)."""
    with torch.no_grad():
        return reference.audio_forward(waveforms, 16000)


@pytest.fixture(scope="module")
def speech_clips():
    """A few seconds of real recorded speech: five 1.5 s prompts (one per language), end to end."""
    ds = load_real("voices")["test"]
    rows = [ds[i] for i in range(0, len(ds), max(1, len(ds) // 5))][:5]
    return torch.cat([torch.tensor(r["audio"]["array"], dtype=torch.float32) for r in rows])  # (S,)


@pytest.fixture(scope="module")
def scenes():
    waves, events = scene_tensors(load_real("voice_scenes")["test"])
    return waves[:3], events[:3]  # (3, 80000): 5 s each


# ----------------------------------------------------------------------------
# Parity with silero_vad


def test_weights_are_the_production_models(ours, reference):
    theirs = {k.removeprefix("model."): v for k, v in reference._model.state_dict().items()}
    mine = ours.state_dict()
    for onnx_name, name in ONNX_NAMES.items():
        torch.testing.assert_close(mine[name], theirs[onnx_name.removeprefix("model.")], rtol=0, atol=0)


def test_matches_silero_on_real_speech(ours, reference, speech_clips):
    assert speech_clips.shape[0] > 5 * 16000  # several seconds
    mine = speech_probabilities(ours, speech_clips)           # (1, chunks)
    theirs = reference_probabilities(reference, speech_clips[None])
    assert mine.shape == theirs.shape == (1, -(-speech_clips.shape[0] // CHUNK_SAMPLES))
    torch.testing.assert_close(mine, theirs, rtol=0, atol=TOLERANCE)
    assert mine.mean() > 0.5  # it is speech, and the detector says so most of the time


def test_matches_silero_on_a_batch_of_real_scenes(ours, reference, scenes):
    waves, _ = scenes
    mine = speech_probabilities(ours, waves)                  # (3, 157): batch of scenes at once
    torch.testing.assert_close(mine, reference_probabilities(reference, waves), rtol=0, atol=TOLERANCE)
    for i in range(waves.shape[0]):                           # a batch gives what each scene gives alone
        torch.testing.assert_close(speech_probabilities(ours, waves[i]), mine[i:i + 1], rtol=0, atol=1e-6)


@pytest.mark.parametrize("kind", ["white noise", "silence", "tone", "odd length"])
def test_matches_silero_on_non_speech(ours, reference, kind):
    g = torch.Generator().manual_seed(0)
    n = 3 * 16000
    x = {"white noise": 0.1 * torch.randn(2, n, generator=g),
         "silence": torch.zeros(1, n),
         "tone": 0.3 * torch.sin(2 * torch.pi * 440 * torch.arange(n) / 16000)[None],
         "odd length": 0.05 * torch.randn(1, 12345, generator=g)}[kind]
    mine = speech_probabilities(ours, x)
    torch.testing.assert_close(mine, reference_probabilities(reference, x), rtol=0, atol=TOLERANCE)
    if kind == "silence":
        assert mine.max() < 0.1


def test_streaming_state_matters(ours, speech_clips):
    """The LSTM carries memory across chunks: scoring each chunk on its own, from an empty memory, differs."""
    x = speech_clips[:CHUNK_SAMPLES * 40]
    carried = speech_probabilities(ours, x)[0]                                  # (40,)
    alone = speech_probabilities(ours, x.reshape(40, CHUNK_SAMPLES))[:, 0]     # (40,): each chunk a fresh start
    assert (carried - alone).abs().max() > 0.05


# ----------------------------------------------------------------------------
# Loading


def test_reads_the_wheels_onnx_initializers():
    weights = read_onnx_initializers(silero_weights_path())
    assert set(ONNX_NAMES) <= set(weights)
    assert weights["model.stft.forward_basis_buffer"].shape == (258, 1, 256)
    assert weights["model.decoder.rnn.weight_ih"].shape == (512, 128)


def test_loads_the_safetensors_layout_too():
    """The wheel's safetensors file (its tinygrad port) uses this module's names; it loads strictly.
    Its weights are not the production model's (silero-vad issue #768), so only the shapes are checked."""
    path = silero_weights_path("silero_vad_16k.safetensors")
    model = load_silero_vad(path)
    p = speech_probabilities(model, torch.zeros(2048))
    assert p.shape == (1, 4) and ((p >= 0) & (p <= 1)).all()


def test_missing_package_names_the_install(monkeypatch):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(ModuleNotFoundError, match="pip install silero-vad"):
        load_silero_vad()


def test_bad_weight_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no Silero VAD weights"):
        load_silero_vad(tmp_path / "absent.onnx")
    (tmp_path / "w.bin").write_bytes(b"\x00" * 16)
    with pytest.raises(ValueError, match=r"\.onnx or \.safetensors"):
        load_silero_vad(tmp_path / "w.bin")
    (tmp_path / "junk.onnx").write_bytes(b"\xff" * 64)
    with pytest.raises(ValueError, match="not an ONNX model"):
        load_silero_vad(tmp_path / "junk.onnx")


# ----------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize("rate", [8000, 44100, 48000])
def test_other_sample_rates_are_refused(ours, rate):
    with pytest.raises(ValueError, match="16 kHz only: resample first"):
        speech_probabilities(ours, torch.zeros(rate), sample_rate=rate)


@pytest.mark.parametrize("x, match", [
    (torch.zeros(2, 1, 16000), "dimensions"),                           # (B, channels, S)
    (torch.zeros(16000, 2), "channels-last stereo"),                    # (S, 2)
    (torch.full((16000,), float("nan")), "NaN"),
    (torch.zeros(16000, dtype=torch.int16), "float"),
    (torch.zeros(0), "empty"),
    (torch.zeros(100), "at least one chunk"),
])
def test_bad_waveforms_get_clear_errors(ours, x, match):
    with pytest.raises(ValueError, match=match):
        speech_probabilities(ours, x)


def test_wrong_types_are_type_errors(ours):
    with pytest.raises(TypeError, match="SileroVAD"):
        speech_probabilities(torch.nn.Identity(), torch.zeros(16000))
    with pytest.raises(TypeError, match="waveform"):
        speech_probabilities(ours, [0.0] * 16000)


# ----------------------------------------------------------------------------
# Another clock: chunk probabilities read at frame centres


def test_at_frames_reads_the_chunk_under_each_centre():
    probs = torch.arange(5.0)[None]                                   # chunk j has value j
    out = at_frames(probs, num_frames=8, hop_seconds=0.02)            # centres 0.01, 0.03, 0.05, ...
    expected = [int((i + 0.5) * 0.02 // CHUNK_SECONDS) for i in range(8)]
    assert out[0].tolist() == [float(min(e, 4)) for e in expected]
    assert out[0, :3].tolist() == [0.0, 0.0, 1.0]                     # 0.05 s lies in chunk 1 [0.032, 0.064)
    assert at_frames(probs, 100, 0.02)[0, -1] == 4.0                  # past the end: the last chunk


@pytest.mark.parametrize("args, match", [
    ((torch.zeros(5), 4, 0.02), "batch, chunks"),
    ((torch.zeros(1, 5), 0, 0.02), "num_frames"),
    ((torch.zeros(1, 5), 4, 0.0), "hop_seconds"),
])
def test_at_frames_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        at_frames(*args)
    with pytest.raises(TypeError, match="chunk_probs"):
        at_frames([[0.5, 0.5]], 4, 0.02)


def test_the_first_layer_is_an_stft(ours):
    """The fixed convolution is a Hann-windowed 256-point DFT: its magnitudes are torch.stft's."""
    x = torch.randn(2, 640, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        out = ours.stft_conv(x[:, None])                                          # (2, 258, 4)
    magnitude = (out[:, :129] ** 2 + out[:, 129:] ** 2).sqrt()
    expected = torch.stft(x, n_fft=256, hop_length=128, window=torch.hann_window(256), center=False,
                          return_complex=True).abs()                              # (2, 129, 4)
    torch.testing.assert_close(magnitude, expected, rtol=1e-4, atol=1e-4)


def test_module_shapes():
    model = SileroVAD().eval()
    with torch.no_grad():
        assert model.chunk_features(torch.zeros(3, 576)).shape == (3, 128)
        assert model(torch.zeros(2, 1000)).shape == (2, 2)
