"""How fast are the course's augmentations? Each transform on the same batch, side by side.

    .venv/bin/python benchmarks/bench_augment.py                # CPU, 64 one-second clips
    .venv/bin/python benchmarks/bench_augment.py --device cuda  # the same on the GPU

Waveform transforms run on `(clips, 16000)` waveforms, spectrogram transforms
on `(clips, 128, 1024)` AST-sized fbanks (the size the default masks are for).
SpecAugment masking is timed twice, course_utils and torchaudio
(`FrequencyMasking(48, iid_masks=True)` + `TimeMasking(192, iid_masks=True)`),
which draw identical masks from the same seed (tests/test_augment.py).

Every transform runs once per round, rounds repeat, and the table reports the
median clips per second, so a busy machine slows all transforms alike.
"""

from __future__ import annotations

import argparse
import math

import torch
import torchaudio.transforms as T

from course_utils import augment as A
from course_utils.measure import time_side_by_side

from _common import add_common_args, describe_device, setup  # benchmarks/_common.py

SR = 16000


def make_clips(n: int, seed: int = 0) -> torch.Tensor:
    """(n, 16000) float32: a harmonic tone at a random pitch in a little noise."""
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(SR) / SR
    f0 = 100 + 900 * torch.rand(n, 1, generator=g)
    tone = sum(torch.sin(2 * math.pi * k * f0 * t) / k for k in range(1, 4))
    return (0.2 * tone + 0.05 * torch.randn(n, SR, generator=g)).float()


def transforms(g: torch.Generator, ta_masks) -> dict:
    """name -> (input kind, fn(x)). Ranges are drawn per example, as in training."""
    return {
        "add_noise (white, 0-20 dB)": ("wave", lambda w: A.add_noise(w, (0, 20), generator=g)),
        "add_noise (pink)": ("wave", lambda w: A.add_noise(w, (0, 20), color="pink", generator=g)),
        "gain (+-6 dB)": ("wave", lambda w: A.gain(w, (-6, 6), generator=g)),
        "time_shift (+-0.1 s, zero)": ("wave", lambda w: A.time_shift(w, (-1600, 1600), generator=g)),
        "pitch_shift (+-2 st, step 1)": ("wave", lambda w: A.pitch_shift(w, SR, (-2, 2), step=1.0, generator=g)),
        "pitch_shift (+-2 st, continuous)": ("wave", lambda w: A.pitch_shift(w, SR, (-2, 2), generator=g)),
        "time_stretch (0.9-1.1, continuous)": ("wave", lambda w: A.time_stretch(w, (0.9, 1.1), generator=g)),
        "band_limit (8 kHz)": ("wave", lambda w: A.band_limit(w, SR, 8000, generator=g)),
        "reverb (RT60 0.1-0.5 s)": ("wave", lambda w: A.reverb(w, SR, (0.1, 0.5), generator=g)),
        "mixup (alpha 0.2)": ("wave", lambda w: A.mixup(w, torch.eye(w.shape[0], device=w.device), 0.2, g)[0]),
        "time_reverse": ("wave", A.time_reverse),
        "spec_augment, course (48, 192)": ("spec", lambda s: A.spec_augment(s, generator=g)),
        "spec_augment, torchaudio (48, 192)": ("spec", lambda s: ta_masks(s)),
        "vertical_flip": ("spec", A.vertical_flip),
        "vertical_roll (+-8 bins)": ("spec", lambda s: A.vertical_roll(s, (-8, 8), generator=g)),
        "freq_crop (keep >= 0.8)": ("spec", lambda s: A.freq_crop(s, 0.8, generator=g)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_common_args(parser, repeats=5, clips=64)
    args = parser.parse_args()
    device = setup(parser, args)

    waves = make_clips(args.clips).to(device)  # (clips, 16000)
    specs = torch.randn(args.clips, 128, 1024, generator=torch.Generator().manual_seed(1)).to(device)  # AST-sized
    ta_masks = torch.nn.Sequential(T.FrequencyMasking(48, iid_masks=True), T.TimeMasking(192, iid_masks=True))
    table = transforms(torch.Generator().manual_seed(0), ta_masks)
    inputs = {"wave": waves, "spec": specs}
    calls = {name: (lambda fn=fn, x=inputs[kind]: fn(x)) for name, (kind, fn) in table.items()}
    seconds = time_side_by_side(calls, args.repeats, device)  # a warm-up round (kernels, caches), then the rounds

    rate = {name: args.clips / s for name, s in seconds.items()}
    print(f"device: {describe_device(device)}, {args.clips} clips, median of {args.repeats} rounds, "
          f"torch threads {torch.get_num_threads()}\n")
    print("| transform | input | clips/s | ms per batch |")
    print("| --- | --- | ---: | ---: |")
    for name, (kind, _) in table.items():
        shape = "(B, 16000) wave" if kind == "wave" else "(B, 128, 1024) fbank"
        print(f"| {name} | {shape} | {rate[name]:,.0f} | {1000 * args.clips / rate[name]:.1f} |")
    course, ta = rate["spec_augment, course (48, 192)"], rate["spec_augment, torchaudio (48, 192)"]
    print(f"\nSpecAugment masking, course / torchaudio speed: {course / ta:.2f}x (same masks from the same seed)")
    fast, slow = rate["pitch_shift (+-2 st, step 1)"], rate["pitch_shift (+-2 st, continuous)"]
    print(f"pitch_shift with step=1 (<= 5 resampling passes per batch) vs a pass per clip: {fast / slow:.1f}x")


if __name__ == "__main__":
    main()
