"""How fast the course's data is made, and how well the average-spectrum baseline does.

    .venv/bin/python benchmarks/bench_data.py [--repeats 3] [--n-per-class 100] [--n-scenes 100]

Prints two Markdown tables: generation time of the default clip set and of a
scene set (median over repeats, wall clock and this process's CPU time; the
two differ when the machine is shared), and the accuracy of a logistic
regression on time-averaged log-mel, overall and inside each pair.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import torch

from course_utils.baseline import average_spectrum_baseline
from course_utils.data import ORDER_PAIRS, make_clip_dataset, make_scene_dataset

from _common import add_common_args, setup  # benchmarks/_common.py


def wall_and_cpu(fn, repeats: int) -> tuple[float, float, object]:
    """Median wall and CPU seconds of `fn()` over `repeats` runs, and the last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(ap, repeats=3, with_device=False)  # data is made on the CPU
    ap.add_argument("--n-per-class", type=int, default=100)
    ap.add_argument("--n-scenes", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args()
    setup(ap, args)

    clip_wall, clip_cpu, clips = wall_and_cpu(lambda: make_clip_dataset(n_per_class=args.n_per_class), args.repeats)
    n_clips = sum(len(clips[s]) for s in clips)
    clip_audio = sum(float(sum(clips[s]["duration_s"])) for s in clips)
    scene_wall, scene_cpu, scenes = wall_and_cpu(
        lambda: make_scene_dataset(n_scenes=args.n_scenes, seconds=args.seconds), args.repeats)
    n_scenes = sum(len(scenes[s]) for s in scenes)
    n_events = sum(int(sum(scenes[s]["n_events"])) for s in scenes)

    print(f"machine: {platform.machine()}, {torch.get_num_threads()} torch threads; medians of {args.repeats} runs\n")
    print("| set | items | audio (s) | wall (s) | CPU (s) | items/s (wall) | audio s per wall s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(f"| clips, n_per_class={args.n_per_class} | {n_clips} | {clip_audio:.0f} | {clip_wall:.2f} | {clip_cpu:.2f} "
          f"| {n_clips / clip_wall:.0f} | {clip_audio / clip_wall:.0f} |")
    print(f"| scenes, {args.seconds:g} s, {n_events} events | {n_scenes} | {n_scenes * args.seconds:.0f} | "
          f"{scene_wall:.2f} | {scene_cpu:.2f} | {n_scenes / scene_wall:.1f} | {n_scenes * args.seconds / scene_wall:.0f} |")

    w, c = time.perf_counter(), time.process_time()
    result = average_spectrum_baseline(clips)
    base_wall, base_cpu = time.perf_counter() - w, time.process_time() - c
    n_test = len(clips["test"])
    print(f"\nAverage-spectrum baseline (logistic regression on time-averaged 64-band log-mel; "
          f"train {len(clips['train'])} clips, test {n_test}; fit+score {base_wall:.1f} s wall, {base_cpu:.1f} s CPU):\n")
    print("| scope | test accuracy | chance |")
    print("| --- | ---: | ---: |")
    print(f"| all {len(result['per_class'])} classes | {result['accuracy']:.3f} | {1 / len(result['per_class']):.3f} |")
    for pair, acc in result["pairs"].items():
        kind = "order pair" if tuple(pair.split("/")) in ORDER_PAIRS else "pitch pair"
        print(f"| inside {pair} ({kind}) | {acc:.3f} | 0.500 |")


if __name__ == "__main__":
    main()
