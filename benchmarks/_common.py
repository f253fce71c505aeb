"""What every benchmark shares: timing a call, medians side by side, the common flags.

A benchmark script imports this as `from _common import ...` (Python puts the
script's own folder, `benchmarks/`, first on the import path).

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(parser, repeats=5)             # --device, --repeats, --threads
    args = parser.parse_args()
    device = setup(parser, args)                   # threads set, device checked
    seconds = time_side_by_side({"ours": f, "theirs": g}, args.repeats, device)
    print(f"device: {describe_device(device)}, ...")

GPU work is asynchronous: a kernel launch returns before the kernel has run.
So every timing here synchronises CUDA before starting the clock and before
stopping it, and the figures are medians, which a burst of load from other
work on a shared machine moves less than a mean.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Callable

import torch

from course_utils.env import get_device


def sync(device: torch.device) -> None:
    """Wait for the queued GPU work on `device` to finish (nothing to wait for on the CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed_call(fn: Callable[[], object], device: torch.device) -> tuple[float, object]:
    """(wall seconds of one `fn()` call, its result), CUDA synchronised on both sides."""
    sync(device)
    start = time.perf_counter()
    result = fn()
    sync(device)
    return time.perf_counter() - start, result


def timed(fn: Callable[[], object], device: torch.device) -> float:
    """Wall seconds of one `fn()` call, CUDA synchronised on both sides."""
    return timed_call(fn, device)[0]


def time_side_by_side(calls: dict[str, Callable[[], object]], repeats: int, device: torch.device,
                      warmup: int = 1) -> dict[str, float]:
    """Median seconds per call of each of `calls`, measured in alternation.

    Each call first runs `warmup` times untimed (kernels, FFT plans, caches,
    lazy initialisation). Then every round runs each call once, in order, and
    `repeats` rounds give each call its median: a burst of load from elsewhere
    hits all the calls alike, so their ratios hold even on a busy machine.
    """
    for _ in range(warmup):
        for fn in calls.values():
            fn()
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeats):
        for name, fn in calls.items():
            times[name].append(timed(fn, device))
    return {name: statistics.median(t) for name, t in times.items()}


def add_common_args(parser: argparse.ArgumentParser, *, repeats: int, device: str | None = "cpu",
                    with_device: bool = True, clips: int | None = None) -> None:
    """Add --device (unless `with_device=False`), --repeats, --threads and, given `clips`, --clips to `parser`.

    `device=None` makes the default `course_utils.env.get_device()`'s choice
    (cuda, then mps, then cpu; $COURSE_DEVICE overrides). `clips` is the
    default batch size of a benchmark that times one batch of clips.
    """
    if with_device:
        default = device or "course_utils.env.get_device()"
        parser.add_argument("--device", default=device, help=f"cpu, cuda or mps (default: {default})")
    parser.add_argument("--repeats", type=int, default=repeats, help=f"timed repeats; medians are reported "
                        f"(default: {repeats})")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    if clips is not None:
        parser.add_argument("--clips", type=int, default=clips, help=f"clips in the batch (default: {clips})")


def setup(parser: argparse.ArgumentParser, args: argparse.Namespace) -> torch.device:
    """Check the common flags, set the thread count, and return the device to run on.

    A bad value stops the script with the parser's usage message; a device
    that is not there (--device cuda on a CPU machine) stops it with a
    sentence saying so, rather than a stack trace halfway through the run.
    """
    for flag in ("repeats", "clips"):
        if getattr(args, flag, 1) < 1:
            parser.error(f"--{flag} must be positive, got {getattr(args, flag)}")
    if args.threads is not None:
        if args.threads < 1:
            parser.error(f"--threads must be positive, got {args.threads}")
        torch.set_num_threads(args.threads)
    if not hasattr(args, "device"):  # a CPU-only benchmark
        return torch.device("cpu")
    try:
        return get_device(args.device)
    except RuntimeError as error:
        parser.exit(2, f"{parser.prog}: error: --device {args.device}: {error}\n")


def describe_device(device: torch.device) -> str:
    """`cpu`, or e.g. `cuda (NVIDIA H100 80GB HBM3)`: the device and, on a GPU, its name."""
    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    return str(device)
