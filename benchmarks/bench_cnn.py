"""Benchmark: the course's spectrogram classifiers on the default clip set.

    .venv/bin/python benchmarks/bench_cnn.py                  # CPU
    .venv/bin/python benchmarks/bench_cnn.py --device cuda    # GPU, where there is one

For each model: test accuracy, training wall time for a fixed number of epochs,
training throughput (clips/s) and inference throughput (clips/s), as medians
over `--repeats` runs measured side by side in one process, plus the ratio to
the first row. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics

import torch

from course_utils.data import CLIP_CLASSES, clip_tensors, make_clip_dataset
from course_utils.env import seed_everything
from course_utils.measure import timed_call
from course_utils.models import count_parameters
from course_utils.models.cnn import ImageModelClassifier, SpectrogramCNN, tiny_resnet_config
from course_utils.train import evaluate, fit

from _common import add_common_args, describe_device, setup  # benchmarks/_common.py


def models():
    from transformers import ResNetForImageClassification

    def resnet():
        config = tiny_resnet_config(num_labels=len(CLIP_CLASSES), num_channels=1)
        return ImageModelClassifier(CLIP_CLASSES, image_model=ResNetForImageClassification(config))

    return {
        "SpectrogramCNN (global pooling)": lambda: SpectrogramCNN(CLIP_CLASSES),
        "SpectrogramCNN (pool over time)": lambda: SpectrogramCNN(CLIP_CLASSES, config={"pooling": "time"}),
        "tiny ResNet (transformers, 1 channel)": resnet,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(ap, repeats=3)
    ap.add_argument("--epochs", type=int, default=12)
    args = ap.parse_args()
    device = setup(ap, args)
    ds = make_clip_dataset()
    train, val, test = (clip_tensors(ds[s], num_samples=16000) for s in ("train", "validation", "test"))  # 1 s
    train, val, test = ((x, y) for x, _, y in (train, val, test))
    rows = []
    for name, build in models().items():
        runs = []
        for r in range(args.repeats):
            seed_everything(r)
            model = build()
            seconds, history = timed_call(lambda: fit(model, train, val, epochs=args.epochs, lr=3e-3, batch_size=32,
                                                      seed=r, device=device, progress=False), device)
            infer_s, scores = timed_call(lambda: evaluate(model, test, batch_size=150), device)
            infer = test[0].shape[0] / infer_s
            runs.append((scores["accuracy"], seconds, history.train_samples / seconds, infer))
        med = [statistics.median(v) for v in zip(*runs)]
        rows.append((name, count_parameters(model), *med, min(r[0] for r in runs)))
    base = rows[0][3]
    print(f"Device: {describe_device(device)}, torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"{args.epochs} epochs on {train[0].shape[0]} clips, batch 32; medians of {args.repeats} runs "
          f"(seeds 0..{args.repeats - 1})\n")
    print("| model | params | test acc (median / min) | train time (s) | vs first | train clips/s | inference clips/s |")
    print("|---|---|---|---|---|---|---|")
    for name, params, acc, seconds, train_rate, infer_rate, acc_min in rows:
        print(f"| {name} | {params:,} | {acc:.3f} / {acc_min:.3f} | {seconds:.1f} | {seconds / base:.2f}x | "
              f"{train_rate:.0f} | {infer_rate:.0f} |")


if __name__ == "__main__":
    main()
