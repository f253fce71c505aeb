"""How fast are the course's spectrograms? Side by side, on the same batch of clips.

    .venv/bin/python benchmarks/bench_features.py                # CPU, 256 one-second clips
    .venv/bin/python benchmarks/bench_features.py --device cuda  # course + torchaudio on the GPU

Log-mel (64 mels, n_fft 400, hop 160): the course's fast layer
(fast_features.LogMel) and its plain function (features.log_mel_spectrogram),
both batched, vs torchaudio MelSpectrogram + AmplitudeToDB (batched) vs librosa
(a loop over clips). AST input (Kaldi fbank, 128 bins, padded to 1024 frames,
normalised): the course's fast layer (fast_features.ASTFeatures) and its plain
function (features.ast_features), both batched, vs transformers'
ASTFeatureExtractor vs torchaudio.compliance.kaldi.fbank (a loop over clips).
The targets are for the fast layers, the ones the models use; the plain rows
show what the speed tricks buy.

Every method runs once per round, rounds repeat, and the table reports the
median clips per second, so a busy machine slows all methods alike. "Limit"
is the fraction of the machine's FLOP rate a method reaches: the FLOPs one clip
needs (FFTs at ~5 N log2 N per frame, plus the mel projection, 2 * bins * mels
per frame) times clips per second, over the rate of a large float32 matmul
measured in the same run.

Two machine settings matter here, both printed in the header:
- numpy's OpenBLAS threads keep spinning for a while after each librosa call
  and steal the cores from whichever method runs next, so this script gives
  OpenBLAS one thread (librosa's per-clip matrices are too small to use more).
- The AST output is (256, 1024, 128) float32, 134 MB, and the first touch of
  every fresh 4 KB page costs a page fault. PyTorch's own switch
  `THP_MEM_ALLOC_ENABLE=1` (set it before Python starts) puts tensors of
  2 MB and more on 2 MB transparent huge pages, 512 times fewer faults:

    THP_MEM_ALLOC_ENABLE=1 .venv/bin/python benchmarks/bench_features.py
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads OpenBLAS (see above)

import argparse
import math

import librosa
import numpy as np
import torch
import torchaudio
import torchaudio.compliance.kaldi as ta_kaldi
from transformers import ASTFeatureExtractor

from course_utils.fast_features import ASTFeatures, LogMel
from course_utils.features import ast_features, log_mel_spectrogram
from course_utils.measure import time_side_by_side

from _common import add_common_args, setup  # benchmarks/_common.py

SR = 16000


def make_clips(n: int, seconds: float = 1.0, seed: int = 0) -> torch.Tensor:
    """(n, samples) float32: a tone with harmonics at a random pitch in noise, per clip."""
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(int(SR * seconds)) / SR
    f0 = 100 + 900 * torch.rand(n, 1, generator=g)
    tone = sum(torch.sin(2 * math.pi * k * f0 * t) / k for k in range(1, 4))
    return (0.2 * tone + 0.05 * torch.randn(n, t.numel(), generator=g)).float()


def logmel_flops(frames: int, n_fft: int = 400, n_mels: int = 64) -> float:
    return frames * (5 * n_fft * math.log2(n_fft) + 2 * (n_fft // 2 + 1) * n_mels)


def matmul_rate(device: torch.device, size: int = 2048, repeats: int = 5) -> float:
    a, b = torch.randn(size, size, device=device), torch.randn(size, size, device=device)
    return 2 * size ** 3 / time_side_by_side({"matmul": lambda: a @ b}, repeats, device)["matmul"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_common_args(parser, repeats=5, clips=256)
    parser.add_argument("--max-length", type=int, default=1024, help="AST frames to pad or cut to, for ASTFeatures "
                        "and ASTFeatureExtractor alike (default: 1024, the extractor's and AudioSet AST's)")
    args = parser.parse_args()
    device = setup(parser, args)
    cpu = torch.device("cpu")

    clips = make_clips(args.clips)
    clips_dev = clips.to(device)
    clips_np = [c.numpy() for c in clips]
    course_logmel = LogMel(SR, n_fft=400, hop_length=160, n_mels=64).to(device)
    ta_mel = torchaudio.transforms.MelSpectrogram(SR, n_fft=400, hop_length=160, n_mels=64).to(device)
    ta_db = torchaudio.transforms.AmplitudeToDB("power", top_db=80.0).to(device)
    course_ast = ASTFeatures(SR, max_length=args.max_length).to(device)
    extractor = ASTFeatureExtractor(max_length=args.max_length)

    def librosa_loop():
        for c in clips_np:
            librosa.power_to_db(librosa.feature.melspectrogram(y=c, sr=SR, n_fft=400, hop_length=160, n_mels=64,
                                                               htk=True, norm=None), top_db=80.0)

    def ta_kaldi_loop():
        for c in clips:
            ta_kaldi.fbank(c[None], sample_frequency=SR, num_mel_bins=128, window_type="hanning")

    logmel_frames = 1 + clips.shape[-1] // 160
    kaldi_frames = 1 + (clips.shape[-1] - 400) // 160
    kaldi_flops = kaldi_frames * (5 * 512 * 9 + 2 * 257 * 128)
    methods = {  # name: (function, device it runs on, FLOPs per clip, group)
        "course LogMel (fast, batched)": (lambda: course_logmel(clips_dev), device, logmel_flops(logmel_frames),
                                          "log-mel"),
        "course log_mel_spectrogram (plain, batched)": (lambda: log_mel_spectrogram(clips_dev, SR, 400, 160, 64),
                                                        device, logmel_flops(logmel_frames), "log-mel"),
        "torchaudio MelSpectrogram + AmplitudeToDB (batched)": (lambda: ta_db(ta_mel(clips_dev)), device,
                                                                logmel_flops(logmel_frames), "log-mel"),
        "librosa melspectrogram + power_to_db (loop)": (librosa_loop, cpu, logmel_flops(logmel_frames), "log-mel"),
        "course ASTFeatures (fast, batched)": (lambda: course_ast(clips_dev), device, kaldi_flops, "ast"),
        "course ast_features (plain, batched)": (lambda: ast_features(clips_dev, SR, max_length=args.max_length),
                                                 device, kaldi_flops, "ast"),
        "transformers ASTFeatureExtractor": (lambda: extractor(clips_np, sampling_rate=SR, return_tensors="pt"), cpu,
                                             kaldi_flops, "ast"),
        "torchaudio kaldi.fbank (loop)": (ta_kaldi_loop, cpu, kaldi_flops, "ast"),
    }

    rates = {"cpu": matmul_rate(cpu)}
    if device.type != "cpu":
        rates[device.type] = matmul_rate(device)
    with torch.inference_mode():  # one warm-up round (FFT plans, caches, CUDA kernels), then the timed rounds
        seconds = time_side_by_side({name: fn for name, (fn, *_) in methods.items()}, args.repeats, device)

    speed = {name: args.clips / s for name, s in seconds.items()}
    baseline = {"log-mel": speed["torchaudio MelSpectrogram + AmplitudeToDB (batched)"],
                "ast": speed["transformers ASTFeatureExtractor"]}
    baseline_name = {"log-mel": "torchaudio", "ast": "ASTFeatureExtractor"}
    print(f"{args.clips} clips of {clips.shape[-1] / SR:.1f} s at {SR} Hz, median of {args.repeats} rounds, "
          f"AST max_length {args.max_length}, torch threads {torch.get_num_threads()}, "
          f"OpenBLAS threads {os.environ['OPENBLAS_NUM_THREADS']}, "
          f"THP_MEM_ALLOC_ENABLE={os.environ.get('THP_MEM_ALLOC_ENABLE', 'unset')}, matmul rate "
          + ", ".join(f"{k} {v / 1e9:.1f} GFLOP/s" for k, v in rates.items()))
    print()
    print("| method | device | clips/s | vs baseline | MFLOP/clip | fraction of matmul rate |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name, (_, dev, flops, group) in methods.items():
        ratio = speed[name] / baseline[group]
        fraction = speed[name] * flops / rates[dev.type]
        print(f"| {name} | {dev.type} | {speed[name]:,.0f} | {ratio:.2f}x {baseline_name[group]} | "
              f"{flops / 1e6:.1f} | {fraction:.2%} |")
    fast_logmel = speed["course LogMel (fast, batched)"]
    plain_logmel = speed["course log_mel_spectrogram (plain, batched)"]
    fast_ast, plain_ast = speed["course ASTFeatures (fast, batched)"], speed["course ast_features (plain, batched)"]
    print()
    print(f"course log-mel / torchaudio: {fast_logmel / baseline['log-mel']:.2f}x (target >= 1.0); "
          f"course log-mel / librosa loop: {fast_logmel / speed['librosa melspectrogram + power_to_db (loop)']:.2f}x; "
          f"course AST features / ASTFeatureExtractor: {fast_ast / baseline['ast']:.2f}x (target >= 5); "
          f"fast / plain: log-mel {fast_logmel / plain_logmel:.2f}x, AST {fast_ast / plain_ast:.2f}x")


if __name__ == "__main__":
    main()
