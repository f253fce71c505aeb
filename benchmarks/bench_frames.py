"""Benchmark: the Wav2Vec2 frame head on the course's scenes (notebook 06's recipe).

    .venv/bin/python benchmarks/bench_frames.py                 # CPU
    .venv/bin/python benchmarks/bench_frames.py --device cuda

Trains the tiny Wav2Vec2 (conv channels 32, 64, 64) + multi-label frame head
from scratch with a class-balanced BCE for a fixed number of epochs, then
prints a Markdown table: training time, frame F1 and event F1 (onset
+-200 ms) on the test scenes before and after post-processing
(settings chosen on validation), and inference speed in frames per second
(median of repeats) against the real-time rate of 50 frames per second.
"""

from __future__ import annotations

import argparse

import torch
from torch.utils.data import TensorDataset

from course_utils.data import SCENE_CLASSES, make_scene_dataset, scene_tensors
from course_utils.env import seed_everything
from course_utils.frames import events_to_frame_labels, positive_weights
from course_utils.inference import predict_frame_probabilities
from course_utils.measure import time_side_by_side, timed_call
from course_utils.metrics import activity_event_f1, frame_scores
from course_utils.models.wav2vec2 import Wav2Vec2FrameClassifier, hop_seconds, num_frames, tiny_wav2vec2_config
from course_utils.postprocess import postprocess, tune_postprocess
from course_utils.train import fit

from _common import add_common_args, describe_device, setup  # benchmarks/_common.py


def split_tensors(scenes, split, config, hop):
    """(waveforms (N, S), events, frame targets (N, T, C)) of one split."""
    waves, events = scene_tensors(scenes[split])  # (N, S), N lists of events
    T = num_frames(config, waves.shape[1])
    targets = torch.stack([events_to_frame_labels(e, T, hop, SCENE_CLASSES) for e in events])  # (N, T, C)
    return waves, events, targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(parser, repeats=5, device=None)
    parser.add_argument("--n-scenes", type=int, default=300)
    parser.add_argument("--epochs", type=int, default=8)
    args = parser.parse_args()
    device = setup(parser, args)

    seed_everything(0)
    gen_s, scenes = timed_call(lambda: make_scene_dataset(n_scenes=args.n_scenes, seed=0), torch.device("cpu"))
    config = tiny_wav2vec2_config(conv_dim=(32, 64, 64))  # notebook 06: twice the tiny encoder's conv channels
    hop = hop_seconds(config)
    train_w, _, train_y = split_tensors(scenes, "train", config, hop)
    val_w, val_e, _ = split_tensors(scenes, "validation", config, hop)
    test_w, test_e, test_y = split_tensors(scenes, "test", config, hop)

    seed_everything(0)
    model = Wav2Vec2FrameClassifier(SCENE_CLASSES, config, multi_label=True, num_samples=train_w.shape[1],
                                    do_normalize=True)
    pos_weight = positive_weights(train_y, SCENE_CLASSES)  # class-balanced BCE, as in notebook 06
    train_s, history = timed_call(
        lambda: fit(model, TensorDataset(train_w, train_y), epochs=args.epochs, lr=3e-3, batch_size=4,
                    loss_fn=lambda logits, targets: model.loss(logits, targets, pos_weight=pos_weight),
                    device=device, seed=0, progress=False), device)

    val_p = predict_frame_probabilities(model, val_w)
    best = tune_postprocess(val_p, val_e, hop, SCENE_CLASSES)  # the settings with the best validation event F1

    test_p = predict_frame_probabilities(model, test_w)
    plain, clean = postprocess(test_p), postprocess(test_p, **best)
    scores = {name: (frame_scores(active, test_y, SCENE_CLASSES)["f1"],
                     activity_event_f1(active, test_e, hop, SCENE_CLASSES))
              for name, active in (("raw", plain), ("post", clean))}

    # inference speed: frames per second over the test set, median of repeats
    frames = test_w.shape[0] * test_y.shape[1]
    infer_s = time_side_by_side({"predict": lambda: predict_frame_probabilities(model, test_w, batch_size=16)},
                                args.repeats, device, warmup=0)["predict"]  # test_p above was the warm-up
    post_s, _ = timed_call(lambda: postprocess(test_p, **best), test_p.device)

    n_train = train_w.shape[0]
    print(f"device: {describe_device(device)}, "
          f"torch threads {torch.get_num_threads()}; {args.n_scenes} scenes of 5 s (generated in {gen_s:.1f} s), "
          f"{n_train} for training; post-processing chosen on validation: {best}\n")
    print("| measure | value |")
    print("| --- | --- |")
    print(f"| training: {args.epochs} epochs x {n_train} scenes | {train_s:.1f} s ({train_s / args.epochs:.1f} s/epoch) |")
    print(f"| train loss first -> last epoch | {history.train_loss[0]:.3f} -> {history.train_loss[-1]:.3f} |")
    print(f"| test frame F1 (micro), raw threshold 0.5 | {scores['raw'][0]:.3f} |")
    print(f"| test frame F1 (micro), post-processed | {scores['post'][0]:.3f} |")
    print(f"| test event F1 (onset +-200 ms), raw | {scores['raw'][1]:.3f} |")
    print(f"| test event F1 (onset +-200 ms), post-processed | {scores['post'][1]:.3f} |")
    print(f"| inference: frames/s (median of {args.repeats}, batch 16) | {frames / infer_s:,.0f} "
          f"({frames / infer_s / 50:,.0f}x real time at 50 frames/s) |")
    print(f"| post-processing {frames} frames x {len(SCENE_CLASSES)} classes | {post_s * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
