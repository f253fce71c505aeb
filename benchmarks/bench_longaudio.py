"""Long audio: is memory bounded by the window, not by the file?

Writes a 1-minute and a 10-minute recording (44.1 kHz stereo 16-bit WAV, like
a field recorder's) into a temporary folder, block by block, and classifies
each with the course CNN through `sliding_window_predict` in two ways:

    stream   the file path: read block by block, resampled per block
    load     `load_audio` the whole file first, then the tensor

Each run happens in a fresh Python process, so its peak resident memory
(ru_maxrss) belongs to that run alone. Reported per run:

    extra peak RSS   peak RSS after the file minus peak RSS after a warm-up run
                     the same way on a 70-second recording (same model, same
                     batch size): what the file's length added
    tracemalloc peak the largest Python/numpy allocation footprint during the run
                     (soundfile's reads land there; torch tensors do not)
    time             median wall time over --repeats, and the real-time factor

    .venv/bin/python benchmarks/bench_longaudio.py [--repeats 3] [--hop 1.0] [--device cuda]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import soundfile as sf

FILE_RATE, CHANNELS = 44100, 2


def write_recording(path: Path, seconds: int, seed: int = 0) -> Path:
    """A long stereo WAV written one second at a time (tones and noise), never held whole."""
    rng = np.random.default_rng(seed)
    with sf.SoundFile(str(path), "w", samplerate=FILE_RATE, channels=CHANNELS, subtype="PCM_16") as f:
        t = np.arange(FILE_RATE) / FILE_RATE
        for s in range(seconds):
            tone = 0.3 * np.sin(2 * np.pi * (220 + 40 * (s % 10)) * t)
            block = tone[:, None] + 0.05 * rng.standard_normal((FILE_RATE, CHANNELS))
            f.write(block.astype(np.float32))
    return path


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def child(mode: str, path: str, repeats: int, hop: float, device: str) -> dict:
    """One measurement in this (fresh) process; printed as JSON for the parent."""
    import torch

    from course_utils.audio import load_audio
    from course_utils.inference import sliding_window_predict
    from course_utils.models.cnn import SpectrogramCNN

    torch.manual_seed(0)
    torch.set_num_threads(2)
    model = SpectrogramCNN(labels=[f"c{i}" for i in range(10)]).to(device).eval()
    # Warm up the same way on a 70-second recording (more than two full batches), so that the
    # baseline already holds one batch's working memory and every first-use cost.
    with tempfile.TemporaryDirectory() as tmp:
        warm = write_recording(Path(tmp) / "warm.wav", 70, seed=99)
        if mode == "stream":
            sliding_window_predict(model, warm, hop_seconds=hop)
        else:
            sliding_window_predict(model, load_audio(warm, sample_rate=model.sample_rate),
                                   sample_rate=model.sample_rate, hop_seconds=hop)
    baseline = peak_rss_mb()

    seconds, tm_peak = [], 0
    for _ in range(repeats):
        tracemalloc.start()
        start = time.perf_counter()
        if mode == "stream":
            result = sliding_window_predict(model, path, hop_seconds=hop)
        else:
            wave = load_audio(path, sample_rate=model.sample_rate)
            result = sliding_window_predict(model, wave, sample_rate=model.sample_rate, hop_seconds=hop)
            del wave
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        seconds.append(time.perf_counter() - start)
        tm_peak = max(tm_peak, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    return {"mode": mode, "duration": result.duration, "windows": len(result), "baseline_mb": baseline,
            "extra_peak_mb": peak_rss_mb() - baseline, "tracemalloc_mb": tm_peak / 1024**2,
            "seconds": statistics.median(seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--hop", type=float, default=1.0, help="hop between 1-s windows, seconds")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--minutes", type=int, nargs=2, default=[1, 10])
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1], args.repeats, args.hop, args.device)))
        return

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for minutes in args.minutes:
            path = write_recording(Path(tmp) / f"{minutes}min.wav", minutes * 60, seed=minutes)
            size_mb = path.stat().st_size / 1024**2
            for mode in ("stream", "load"):
                cmd = [sys.executable, __file__, "--child", mode, str(path), "--repeats", str(args.repeats),
                       "--hop", str(args.hop), "--device", args.device]
                out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
                row = json.loads(out.strip().splitlines()[-1])
                row.update(minutes=minutes, file_mb=size_mb)
                rows.append(row)
                print(f"  {minutes:>2} min {mode:<6} {row['seconds']:.1f} s, extra peak RSS {row['extra_peak_mb']:.1f} MiB",
                      file=sys.stderr, flush=True)

    print(f"\nSliding-window inference, SpectrogramCNN, 1-s windows, hop {args.hop:g} s, device {args.device}, "
          f"{FILE_RATE} Hz stereo 16-bit WAV -> 16 kHz mono; median of {args.repeats} runs\n")
    print("| file | mode | windows | extra peak RSS | tracemalloc peak | time | x real time |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['minutes']} min ({r['file_mb']:.0f} MB) | {r['mode']} | {r['windows']} | {r['extra_peak_mb']:.1f} MiB | "
              f"{r['tracemalloc_mb']:.1f} MiB | {r['seconds']:.1f} s | {r['duration'] / r['seconds']:.0f}x |")
    by = {(r["minutes"], r["mode"]): r for r in rows}
    short, long = args.minutes
    for mode in ("stream", "load"):
        a, b = by[(short, mode)], by[(long, mode)]
        print(f"\n{mode}: {long} min / {short} min: time x{b['seconds'] / a['seconds']:.1f}, "
              f"tracemalloc peak x{b['tracemalloc_mb'] / max(a['tracemalloc_mb'], 1e-9):.1f}, "
              f"extra peak RSS {a['extra_peak_mb']:.1f} -> {b['extra_peak_mb']:.1f} MiB")


if __name__ == "__main__":
    main()
