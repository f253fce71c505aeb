"""Wav2Vec2 heads: the course classifier versus transformers, and the tiny model's training.

    .venv/bin/python benchmarks/bench_wav2vec2.py [--device cuda] [--repeats 7] [--no-base] [--no-train]

1. Forward speed, side by side: `Wav2Vec2Classifier` (transformers' Wav2Vec2Model +
   course_utils.models.heads) against `Wav2Vec2ForSequenceClassification` with the same
   weights, on a padded batch with its mask, for the course's tiny config and for the
   wav2vec2-base architecture (random weights: the speed does not depend on them).
   The two calls alternate, and each figure is a median over repeats.
2. Training: the tiny classifier on the course clip set (course_utils.train.fit, 12
   epochs), wall time and test accuracy; the number notebook 05 asserts on.

Prints Markdown tables; paste them into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import time

import torch
from transformers import Wav2Vec2Config, Wav2Vec2ForSequenceClassification

from course_utils.env import seed_everything
from course_utils.measure import time_side_by_side
from course_utils.models.heads import lengths_to_mask
from course_utils.models import count_parameters
from course_utils.models.wav2vec2 import Wav2Vec2Classifier, tiny_wav2vec2_config

from _common import add_common_args, describe_device, setup  # benchmarks/_common.py


def forward_rows(name: str, config: Wav2Vec2Config, batch: int, seconds: float, repeats: int,
                 device: torch.device) -> str:
    seed_everything(0)
    config.num_labels = 10
    hf_model = Wav2Vec2ForSequenceClassification(config).to(device).eval()
    ours = Wav2Vec2Classifier.from_transformers(hf_model, use_attention_mask=True).to(device).eval()
    samples = int(16000 * seconds)
    g = torch.Generator().manual_seed(0)
    lengths = torch.randint(samples // 2, samples + 1, (batch,), generator=g)
    lengths[0] = samples
    x = (0.1 * torch.randn(batch, samples, generator=g) * lengths_to_mask(lengths, samples)).to(device)
    lengths = lengths.to(device)
    mask = lengths_to_mask(lengths, samples).long()
    with torch.no_grad():
        diff = (ours(x, lengths) - hf_model(x, attention_mask=mask).logits).abs().max().item()
        med = time_side_by_side({"course": lambda: ours(x, lengths),
                                 "transformers": lambda: hf_model(x, attention_mask=mask)}, repeats, device)
    return (f"| {name} | {count_parameters(ours) / 1e6:.2f} M | {batch} x {seconds:g} s | {1000 * med['course']:.1f} | "
            f"{1000 * med['transformers']:.1f} | {med['course'] / med['transformers']:.2f} | {diff:.1e} |")


def train_row(device: torch.device) -> str:
    from course_utils.data import CLIP_CLASSES, clip_tensors, make_clip_dataset
    from course_utils.train import evaluate, fit

    dataset = make_clip_dataset()
    train, val, test = (clip_tensors(dataset[s], num_samples=16000) for s in ("train", "validation", "test"))  # 1 s
    seed_everything(0)
    model = Wav2Vec2Classifier(CLIP_CLASSES, tiny_wav2vec2_config())
    cpu_start = time.process_time()
    history = fit(model, train, val, epochs=12, lr=3e-3, batch_size=32, device=device, seed=0, progress=False)
    cpu = time.process_time() - cpu_start
    acc = evaluate(model, test)["accuracy"]
    return (f"| tiny Wav2Vec2, 10 clip classes | {device.type} | {len(history)} | {history.total_seconds:.0f} | "
            f"{cpu:.0f} | {history.samples_per_second:.0f} | {acc:.3f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(ap, repeats=7, device=None)
    ap.add_argument("--no-base", action="store_true", help="skip the 95 M-parameter base architecture")
    ap.add_argument("--no-train", action="store_true", help="skip the training run")
    args = ap.parse_args()
    device = setup(ap, args)
    print(f"device: {describe_device(device)}, torch threads: {torch.get_num_threads()}\n")
    print("| config | parameters | batch | course (ms) | transformers (ms) | ratio | max abs logit diff |")
    print("|---|---|---|---|---|---|---|")
    print(forward_rows("course tiny", tiny_wav2vec2_config(), 32, 1.0, args.repeats, device), flush=True)
    if not args.no_base:
        print(forward_rows("wav2vec2-base architecture", Wav2Vec2Config(), 4, 1.0, max(3, args.repeats // 2), device),
              flush=True)
    if not args.no_train:
        print("\n| model | device | epochs | wall (s) | process CPU (s) | clips/s | test accuracy |")
        print("|---|---|---|---|---|---|---|")
        print(train_row(device), flush=True)


if __name__ == "__main__":
    main()
