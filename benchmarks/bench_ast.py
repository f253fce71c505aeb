"""AST forward pass: time and peak memory versus clip length; the course AST beside transformers'.

    .venv/bin/python benchmarks/bench_ast.py                      # CPU, a 4-layer AST of width 192
    .venv/bin/python benchmarks/bench_ast.py --device cuda --config base   # the AudioSet model's size

For each clip length (1 to 10 s of 16 kHz audio -> fbank frames -> patch
tokens) both models get the same random weights and the same input; their
logits are checked to agree, then they are timed alternately (medians over
repeats, one warm-up each). "course + weights" is the course model asked for
its attention weights (explicit softmax, the (N, N) matrices kept) instead of
the fused scaled_dot_product_attention kernel.

Peak memory of one forward pass (no grad, weights not counted): on CUDA from
torch.cuda.max_memory_allocated; on the CPU from the profiler's record of
every allocation and free, in time order (`course_utils.measure.peak_memory_mib`).
"""

from __future__ import annotations

import argparse
import sys

import torch

from course_utils.measure import peak_memory_mib, time_side_by_side

from _common import add_common_args, describe_device, setup  # benchmarks/_common.py

SAMPLE_RATE = 16000


def make_config(name: str, max_length: int):
    from transformers import ASTConfig

    if name == "base":  # MIT/ast-finetuned-audioset-10-10-0.4593 (ViT-Base)
        return ASTConfig(max_length=max_length, num_labels=527)
    if name == "small":  # a quarter of the width, a third of the depth: affordable on a shared CPU
        return ASTConfig(hidden_size=192, num_hidden_layers=4, num_attention_heads=3, intermediate_size=768,
                         max_length=max_length, num_labels=10)
    raise ValueError(f"--config must be 'small' or 'base', got {name!r}")


def build(config_name: str, seconds: float, device: torch.device):
    """(course AST, transformers AST, fbank input) with identical random weights."""
    from transformers import ASTForAudioClassification

    from course_utils.fast_features import ASTFeatures
    from course_utils.models.ast import from_transformers

    frames = ASTFeatures(SAMPLE_RATE).num_frames(int(seconds * SAMPLE_RATE))
    config = make_config(config_name, frames)
    torch.manual_seed(0)
    hf = ASTForAudioClassification(config).eval()  # transformers' default attention here: sdpa
    with torch.no_grad():
        for p in hf.parameters():
            p.add_(0.02 * torch.randn_like(p))
    ours = from_transformers(hf).eval()
    x = torch.randn(1, frames, config.num_mel_bins)
    return ours.to(device), hf.to(device), x.to(device)


def run(model, x, which: str):
    if which == "transformers":
        return model(x).logits
    if which == "course+weights":
        return model(x, return_attentions=True)[0]
    return model(x)


@torch.no_grad()
def forward_peak_mib(config_name: str, seconds: float, device: torch.device, which: str) -> float:
    ours, hf, x = build(config_name, seconds, device)
    model = hf if which == "transformers" else ours
    run(model, x, which)  # warm-up: kernels, workspaces, lazy initialisation
    return peak_memory_mib(lambda: run(model, x, which), device)


@torch.no_grad()
def time_ms(config_name: str, seconds: float, device: torch.device, repeats: int
            ) -> tuple[int, dict[str, float], float]:
    ours, hf, x = build(config_name, seconds, device)
    models = {"course": ours, "course+weights": ours, "transformers": hf}
    diff = (run(ours, x, "course") - run(hf, x, "transformers")).abs().max().item()
    calls = {k: (lambda m=m, k=k: run(m, x, k)) for k, m in models.items()}
    seconds_per_call = time_side_by_side(calls, repeats, device)  # alternating: load hits all three alike
    tokens = 2 + ours.grid[0] * ours.grid[1]
    return tokens, {k: 1000 * s for k, s in seconds_per_call.items()}, diff


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(ap, repeats=5)
    ap.add_argument("--config", default="small", choices=["small", "base"])
    ap.add_argument("--seconds", type=float, nargs="+", default=[1, 2, 5, 10])
    args = ap.parse_args()
    device = setup(ap, args)

    print(f"device: {describe_device(device)}, torch threads: {torch.get_num_threads()}, config: {args.config}, "
          f"batch 1, medians of {args.repeats}\n")
    print("| clip (s) | tokens | course ms | course + weights ms | transformers ms | course / transformers "
          "| course peak MiB | + weights peak MiB | transformers peak MiB | max logit diff |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for seconds in args.seconds:
        tokens, ms, diff = time_ms(args.config, seconds, device, args.repeats)
        if diff > 1e-3:
            raise SystemExit(f"the course AST and transformers disagree at {seconds} s: max |diff| = {diff}")
        mem = {k: forward_peak_mib(args.config, seconds, device, k)
               for k in ("course", "course+weights", "transformers")}
        print(f"| {seconds:g} | {tokens} | {ms['course']:.1f} | {ms['course+weights']:.1f} | "
              f"{ms['transformers']:.1f} | {ms['course'] / ms['transformers']:.2f} | {mem['course']:.0f} | "
              f"{mem['course+weights']:.0f} | {mem['transformers']:.0f} | {diff:.1e} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
