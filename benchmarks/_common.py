"""What every benchmark shares: the common flags and the device line.

A benchmark script imports this as `from _common import ...` (Python puts the
script's own folder, `benchmarks/`, first on the import path).

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(parser, repeats=5)             # --device, --repeats, --threads
    args = parser.parse_args()
    device = setup(parser, args)                   # threads set, device checked
    seconds = time_side_by_side({"ours": f, "theirs": g}, args.repeats, device)  # course_utils.measure
    print(f"device: {describe_device(device)}, ...")

The timers and the peak-memory instrument are `course_utils.measure`'s
(`time_side_by_side`, `timed_call`, `median_ms`, `peak_memory_mib`: CUDA
synchronised, warmed up, medians), the same ones notebooks 04 and 08 and
`course_utils.compare` measure with, so the figures here and there compare.
"""

from __future__ import annotations

import argparse

import torch

from course_utils.env import get_device

__all__ = ["add_common_args", "setup", "describe_device"]


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
