"""Silero VAD v6, a production voice-activity detector, as a plain torch module.

Silero VAD (MIT, https://github.com/snakers4/silero-vad) answers one question
every 32 ms: is someone speaking? Its PyPI wheel (`pip install silero-vad`)
ships the trained model in several formats. This module writes the network
out layer by layer (after the wheel's own `tinygrad_model.py`) and reads the
weights as plain tensors from the wheel's 16 kHz ONNX file: no pickle is
unpickled, no TorchScript or ONNX graph is run, the code is here to read.

    >>> vad = load_silero_vad()
    >>> probs = speech_probabilities(vad, waveform)        # (S,) or (B, S) at 16 kHz -> (B, chunks)
    >>> CHUNK_SECONDS                                      # 0.032: one probability per 512 samples

Why ONNX and not the wheel's `silero_vad_16k.safetensors`: in silero-vad
6.2.3 that file (made for the tinygrad port) holds other weights than the
production model, related but not equal, and its probabilities differ
(reported in silero-vad issue #768). The ONNX file holds exactly the weights of the
TorchScript model that `silero_vad.load_silero_vad()` returns; a
`.safetensors` path still loads (same names).

The network, for one 32 ms chunk (512 samples at 16 kHz):

    chunk + 64 samples of context   (B, 576)            the last 64 samples of the previous chunk in front
      -> reflect-pad 64 on the right (B, 640)
      -> STFT as a convolution      (B, 258, 4)         Conv1d(1 -> 258, kernel 256, stride 128), fixed weights:
                                                        129 Hann-windowed cosines (real) + 129 sines (imag)
      -> magnitude                  (B, 129, 4)         sqrt(real^2 + imag^2): 129 frequency bins, 4 frames
      -> 4 convolutions + ReLU      (B, 128, 1)         129 -> 128 -> 64 (stride 2) -> 64 (stride 2) -> 128
      -> LSTM cell                  (B, 128)            h, c carried over from the previous chunk
      -> ReLU, 1x1 conv, sigmoid    (B, 1)              the speech probability of this chunk

A recording is cut into consecutive 512-sample chunks (zero-padded at the
end to a whole chunk), each with the 64 samples before it as context (zeros
before the first). Everything up to the LSTM looks at one chunk only, so
`forward` runs it on all chunks at once; the LSTM cell then walks through the
chunks in order, carrying its memory (h, c) from one to the next, as the
streaming model does. `tests/test_vad.py` checks the probabilities against
silero_vad's own model (`silero_vad.load_silero_vad()`, its TorchScript
file) chunk by chunk.

Silero was trained on real speech from many languages, noises and rooms; a
model trained in a few minutes on a few scenes (notebook 06) is its opposite.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from course_utils.audio import check_sample_rate, validate_waveform

__all__ = ["CHUNK_SAMPLES", "CHUNK_SECONDS", "CONTEXT_SAMPLES", "SAMPLE_RATE", "SileroVAD", "at_frames",
           "load_silero_vad", "read_onnx_initializers", "silero_weights_path", "speech_probabilities"]

SAMPLE_RATE = 16000                          # the only rate these weights were trained for
CHUNK_SAMPLES = 512                          # one decision per chunk
CHUNK_SECONDS = CHUNK_SAMPLES / SAMPLE_RATE  # 0.032 s
CONTEXT_SAMPLES = 64                         # the end of the previous chunk, seen again in front of this one
ONNX_FILE = "silero_vad_16k_op15.onnx"      # the production 16 kHz model, plain float32 weights
INSTALL_HINT = "pip install silero-vad"


class SileroVAD(nn.Module):
    """Silero VAD v6 (16 kHz): waveform chunks -> one speech probability per 32 ms chunk.

    The parameter names are those of the wheel's tinygrad port (and its safetensors file);
    `load_silero_vad` renames the ONNX file's weights to them.
    """

    n_fft = 256          # the STFT's window: 16 ms
    stft_hop = 128       # its hop: 8 ms, so a 640-sample padded chunk gives 4 frames
    n_bins = n_fft // 2 + 1

    def __init__(self) -> None:
        super().__init__()
        # STFT as a convolution with fixed weights: each output channel is one Hann-windowed cosine (rows
        # 0..128, the real parts) or minus sine (rows 129..257, the imaginary parts) of a 256-point DFT,
        # so the magnitudes equal torch.stft(..., window=hann_window(256), center=False).abs().
        self.stft_conv = nn.Conv1d(1, 2 * self.n_bins, kernel_size=self.n_fft, stride=self.stft_hop, bias=False)
        self.conv1 = nn.Conv1d(self.n_bins, 128, kernel_size=3, padding=1)
        self.conv2 = nn.Conv1d(128, 64, kernel_size=3, stride=2, padding=1)
        self.conv3 = nn.Conv1d(64, 64, kernel_size=3, stride=2, padding=1)
        self.conv4 = nn.Conv1d(64, 128, kernel_size=3, padding=1)
        self.lstm_cell = nn.LSTMCell(128, 128)
        self.final_conv = nn.Conv1d(128, 1, kernel_size=1)

    def chunk_features(self, chunks: torch.Tensor) -> torch.Tensor:
        """`(N, CONTEXT + CHUNK)` chunks with their context -> `(N, 128)`: everything before the LSTM."""
        x = F.pad(chunks[:, None], (0, CONTEXT_SAMPLES), mode="reflect")        # (N, 1, 640)
        x = self.stft_conv(x)                                                   # (N, 258, 4) real | imag
        x = (x[:, :self.n_bins] ** 2 + x[:, self.n_bins:] ** 2).sqrt()          # (N, 129, 4) magnitude
        x = F.relu(self.conv1(x))                                               # (N, 128, 4)
        x = F.relu(self.conv2(x))                                               # (N, 64, 2)
        x = F.relu(self.conv3(x))                                               # (N, 64, 1)
        x = F.relu(self.conv4(x))                                               # (N, 128, 1)
        return x.squeeze(-1)                                                    # (N, 128)

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        """`(B, S)` at 16 kHz -> speech probabilities `(B, ceil(S / 512))`, one per 32 ms chunk."""
        B, S = waveforms.shape
        n_chunks = -(-S // CHUNK_SAMPLES)
        x = F.pad(waveforms, (CONTEXT_SAMPLES, n_chunks * CHUNK_SAMPLES - S))   # (B, 64 + n * 512): zeros around
        chunks = x.unfold(1, CONTEXT_SAMPLES + CHUNK_SAMPLES, CHUNK_SAMPLES)   # (B, n, 576): chunk i with context
        feats = self.chunk_features(chunks.reshape(B * n_chunks, -1))          # (B * n, 128): all chunks at once
        feats = feats.reshape(B, n_chunks, -1)                                  # (B, n, 128)
        h = c = feats.new_zeros(B, self.lstm_cell.hidden_size)                  # (B, 128): memory starts empty
        hidden = []
        for i in range(n_chunks):                                               # the one sequential step
            h, c = self.lstm_cell(feats[:, i], (h, c))                          # (B, 128) each
            hidden.append(h)
        h = torch.stack(hidden, dim=2)                                          # (B, 128, n)
        return torch.sigmoid(self.final_conv(F.relu(h)))[:, 0]                  # (B, n)


def silero_weights_path(file: str = ONNX_FILE) -> Path:
    """Where the installed `silero-vad` wheel keeps `file` (default: its 16 kHz ONNX model).

    Found through the import system without importing silero_vad (its
    `__init__` calls `torch.set_num_threads(1)` for the whole process).
    """
    spec = importlib.util.find_spec("silero_vad")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"the silero-vad package is not installed; its weights ship in its wheel: "
                                  f"{INSTALL_HINT} (MIT license)")
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "data" / file
        if path.is_file():
            return path
    raise FileNotFoundError(f"silero_vad is installed ({list(spec.submodule_search_locations)}) but holds no "
                            f"data/{file}; this module reads silero-vad >= 6.2: pip install -U silero-vad")


# ----------------------------------------------------------------------------
# Reading the weights out of the ONNX file, without onnx and without running it
#
# An .onnx file is one protobuf message (ModelProto). Protobuf's wire format is a list of fields, each a
# key (field number << 3 | wire type, as a varint) and a value: a varint (type 0), 8 bytes (type 1), a
# length-prefixed byte string (type 2: text, bytes, or a nested message) or 4 bytes (type 5). The weights
# sit at ModelProto.graph (field 7) -> GraphProto.initializer (field 5, repeated) -> TensorProto:
# dims (1), data_type (2; 1 = float32), name (8), raw_data (9: little-endian bytes) or float_data (4).
# Reading them is plain data parsing: nothing in the file is executed.


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def _fields(buf: bytes):
    """(field number, wire type, value) of each field of one protobuf message."""
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            value, i = buf[i:i + size], i + size
        elif wire == 2:
            size, i = _varint(buf, i)
            value, i = buf[i:i + size], i + size
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}: not an ONNX file?")
        yield number, wire, value


def _onnx_tensor(buf: bytes) -> tuple[str, torch.Tensor]:
    dims, name, data, dtype = [], "", b"", None
    for number, wire, value in _fields(buf):
        if number == 1:                              # dims: one varint each, or packed
            if wire == 0:
                dims.append(value)
            else:
                j = 0
                while j < len(value):
                    d, j = _varint(value, j)
                    dims.append(d)
        elif number == 2:
            dtype = value
        elif number == 8:
            name = value.decode()
        elif number in (4, 9):                       # float_data (packed) or raw_data: little-endian float32
            data += value
    if dtype != 1:
        raise ValueError(f"ONNX initializer {name!r} has data type {dtype}; only float32 (1) is read")
    return name, torch.frombuffer(bytearray(data), dtype=torch.float32).reshape(dims).clone()


def read_onnx_initializers(path: str | Path) -> dict[str, torch.Tensor]:
    """Every float32 initializer (a weight) of the ONNX graph at `path`, by name."""
    model = Path(path).read_bytes()
    try:
        graphs = [value for number, wire, value in _fields(model) if number == 7 and wire == 2]
        if not graphs:
            raise ValueError("it holds no graph")
        return dict(_onnx_tensor(value) for number, wire, value in _fields(graphs[0]) if number == 5 and wire == 2)
    except (IndexError, ValueError, RuntimeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not an ONNX model this reader understands ({exc})") from None


# The exported PyTorch model's names (kept in the ONNX initializers) -> this module's names.
ONNX_NAMES = {"model.stft.forward_basis_buffer": "stft_conv.weight",
              **{f"model.encoder.{i}.reparam_conv.{p}": f"conv{i + 1}.{p}"
                 for i in range(4) for p in ("weight", "bias")},
              **{f"model.decoder.rnn.{p}": f"lstm_cell.{p}" for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")},
              **{f"model.decoder.decoder.2.{p}": f"final_conv.{p}" for p in ("weight", "bias")}}


def load_silero_vad(path: str | Path | None = None) -> SileroVAD:
    """Silero VAD with its trained weights, in eval mode.

    `path=None` reads the installed wheel's `silero_vad_16k_op15.onnx`: the production weights, the same
    as the TorchScript model `silero_vad.load_silero_vad()` returns (tests/test_vad.py checks it). A
    `.safetensors` path is read in the wheel's tinygrad layout (`silero_vad_16k.safetensors`: keys
    stft_conv.weight, conv1..4, lstm_cell, final_conv). Note: in silero-vad 6.2.3 that file holds
    *other* weights than the ONNX and TorchScript models (correlated, not equal; silero-vad issue
    #768), so its probabilities differ from the production model's; the default is the ONNX file.
    """
    path = Path(path) if path is not None else silero_weights_path()
    if not path.is_file():
        raise FileNotFoundError(f"no Silero VAD weights at {path}; leave path=None to use the installed "
                                f"silero-vad wheel's ({INSTALL_HINT})")
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        state = load_file(str(path))
    elif path.suffix == ".onnx":
        weights = read_onnx_initializers(path)
        missing = sorted(set(ONNX_NAMES) - set(weights))
        if missing:
            raise ValueError(f"{path} is not Silero VAD's 16 kHz model: it lacks {missing[:3]}; use the wheel's "
                             f"{ONNX_FILE}")
        state = {ours: weights[theirs] for theirs, ours in ONNX_NAMES.items()}
    else:
        raise ValueError(f"Silero VAD weights must be an .onnx or .safetensors file, got {path.name}")
    model = SileroVAD()
    model.load_state_dict(state)  # strict: every name and shape must match
    return model.eval()


@torch.no_grad()
def speech_probabilities(model: SileroVAD, waveform, sample_rate: int = SAMPLE_RATE) -> torch.Tensor:
    """Speech probability of every 32 ms chunk: `(S,)` or `(B, S)` mono at 16 kHz -> `(B, ceil(S / 512))`.

    Chunk j covers samples [512 j, 512 j + 512), i.e. seconds [j, j + 1) * CHUNK_SECONDS; the last
    chunk is zero-padded. Returned on the CPU.
    """
    if not isinstance(model, SileroVAD):
        raise TypeError(f"model must be a SileroVAD (from course_utils.vad.load_silero_vad()), "
                        f"got {type(model).__name__}")
    check_sample_rate(sample_rate, SAMPLE_RATE, fix=f"Silero VAD's weights are for 16 kHz only: resample first, "
                      f"e.g. course_utils.audio.resample(waveform, {sample_rate}, {SAMPLE_RATE})")
    x = validate_waveform(waveform, allow_batch=True)   # (S,) or (B, S) float32, finite; else a clear error
    x = x[None] if x.ndim == 1 else x                   # (B, S)
    if x.shape[1] < CHUNK_SAMPLES:
        hint = (f"; shape {tuple(x.shape)} looks like channels-last stereo: mix to mono first, e.g. "
                "waveform.mean(-1)") if x.shape[1] <= 2 else ""
        raise ValueError(f"waveform has {x.shape[1]} samples per clip; Silero VAD decides per chunk of "
                         f"{CHUNK_SAMPLES} samples ({1000 * CHUNK_SECONDS:g} ms): give it at least one chunk{hint}")
    device = next(model.parameters()).device
    return model(x.to(device)).cpu()


def at_frames(chunk_probs: torch.Tensor, num_frames: int, hop_seconds: float) -> torch.Tensor:
    """Read chunk probabilities `(B, chunks)` on another clock: `(B, num_frames)`, frame i at its centre.

    Frame i stands for [i, i + 1) * hop_seconds (`course_utils.frames`' rule); it takes the
    probability of the chunk that holds its centre (i + 0.5) * hop_seconds (the last chunk past the end).
    """
    if not torch.is_tensor(chunk_probs):
        raise TypeError(f"chunk_probs must be a torch.Tensor (batch, chunks), as speech_probabilities returns, "
                        f"got {type(chunk_probs).__name__}")
    if chunk_probs.ndim != 2 or chunk_probs.shape[1] == 0:
        raise ValueError(f"chunk_probs must be a (batch, chunks) tensor, as speech_probabilities returns, got "
                         f"shape {tuple(chunk_probs.shape)}")
    if isinstance(num_frames, bool) or not isinstance(num_frames, int) or num_frames < 1:
        raise ValueError(f"num_frames must be a positive int, got {num_frames!r}")
    if isinstance(hop_seconds, bool) or not isinstance(hop_seconds, (int, float)) or not 0 < hop_seconds < float("inf"):
        raise ValueError(f"hop_seconds must be a positive number of seconds, got {hop_seconds!r}")
    centres = (torch.arange(num_frames, dtype=torch.float64) + 0.5) * hop_seconds   # (T,) seconds
    idx = (centres / CHUNK_SECONDS).long().clamp(max=chunk_probs.shape[1] - 1)      # (T,) chunk of each centre
    return chunk_probs[:, idx]                                                      # (B, T)
