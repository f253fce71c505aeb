"""What a call costs: its wall time and its peak memory, measured the same way everywhere.

Notebooks 04 and 08, `course_utils.compare` and the benchmarks all measure
with these functions, so their numbers can be set side by side:

    median_ms(fn, repeats, device)            wall time of one fn() call (ms): warm-up, then the median
    time_side_by_side(calls, repeats, device) median seconds of several calls, timed in alternation
    timed_call(fn, device)                    (seconds, result) of one call: a stopwatch for long runs
    peak_memory_mib(fn, device)               the most memory fn() holds at once, beyond what was there before

Two traps make naive measurements wrong:

1. GPU work is asynchronous: a kernel launch returns before the kernel has
   run, so a clock stopped right after `fn()` times the launch, not the work.
   Every timer here synchronises CUDA before starting the clock and before
   stopping it.
2. The first call pays one-off costs (kernel selection, FFT plans, lazy
   initialisation, caches), and a shared machine has bursts of load. So the
   timers warm up untimed first and report medians, which a burst moves less
   than a mean.

Peak memory is the high-water mark of the bytes the allocator has handed out
and not yet taken back while `fn()` runs, counted from zero at the start:
weights and inputs that exist before the call are not counted;
activations, outputs and kernels' scratch buffers are. On CUDA the caching
allocator keeps that count itself (`torch.cuda.max_memory_allocated`); on the
CPU nothing does, so `peak_memory_mib` asks the profiler for every allocation
and free, in time order, and adds them up (see its docstring for why this and
not a tensor counter).

This is not the process's peak resident memory (`course_utils.notebook.peak_memory_mb`,
what `make course` reports per notebook): that one includes Python, the
libraries and every model the process ever held.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import time
from typing import Callable

import torch

__all__ = ["synchronize", "timed_call", "time_side_by_side", "median_ms", "peak_memory_mib"]


def _check_fn(fn, name: str = "fn") -> None:
    if not callable(fn):
        raise TypeError(f"{name} must be a function of no arguments (e.g. lambda: model(x)), got {type(fn).__name__}")


def _check_count(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return value


# ----------------------------------------------------------------------------
# Time


def synchronize(device: torch.device | str) -> None:
    """Wait for the queued GPU work on `device` to finish (nothing to wait for on the CPU)."""
    device = torch.device(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed_call(fn: Callable[[], object], device: torch.device | str = "cpu") -> tuple[float, object]:
    """(wall seconds of one `fn()` call, its result), CUDA synchronised on both sides."""
    _check_fn(fn)
    synchronize(device)
    start = time.perf_counter()
    result = fn()
    synchronize(device)
    return time.perf_counter() - start, result


def time_side_by_side(calls: dict[str, Callable[[], object]], repeats: int = 5, device: torch.device | str = "cpu",
                      warmup: int = 1) -> dict[str, float]:
    """Median seconds per call of each of `calls`, measured in alternation.

    Each call first runs `warmup` times untimed. Then every round runs each
    call once, in order, and `repeats` rounds give each call its median: a
    burst of load from elsewhere hits all the calls alike, so their ratios
    hold even on a busy machine.
    """
    if not isinstance(calls, dict) or not calls:
        raise TypeError(f"calls must be a non-empty dict of name -> function, got {type(calls).__name__}")
    for name, fn in calls.items():
        _check_fn(fn, f"calls[{name!r}]")
    _check_count(repeats, "repeats", 1)
    _check_count(warmup, "warmup", 0)
    for _ in range(warmup):
        for fn in calls.values():
            fn()
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeats):
        for name, fn in calls.items():
            times[name].append(timed_call(fn, device)[0])
    return {name: statistics.median(t) for name, t in times.items()}


def median_ms(fn: Callable[[], object], repeats: int = 5, device: torch.device | str = "cpu",
              warmup: int = 1) -> float:
    """Median wall time of `fn()` in milliseconds, after `warmup` untimed calls (CUDA synchronised).

    Run it under `torch.no_grad()` to time inference: with autograd on, a
    forward pass also records its graph.
    """
    _check_fn(fn)
    return 1000 * time_side_by_side({"fn": fn}, repeats, device, warmup)["fn"]


# ----------------------------------------------------------------------------
# Memory


@contextlib.contextmanager
def _quiet_native_stderr():
    """The profiler's C++ side logs "profiler_start/stop" straight to file descriptor 2; send those
    lines to /dev/null while it runs (Python's own sys.stderr is untouched)."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
        null = os.open(os.devnull, os.O_WRONLY)
    except (OSError, ValueError):  # no usable fd 2: nothing to silence
        yield
        return
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


def peak_memory_mib(fn: Callable[[], object], device: torch.device | str = "cpu") -> float:
    """The most memory (MiB) `fn()` holds at once beyond what was allocated before it.

    On CUDA: `torch.cuda.max_memory_allocated` during the call, minus what was
    allocated when it started.

    On the CPU: `torch.profiler` with `profile_memory=True` logs every
    allocation (+bytes) and every free (-bytes) the CPU allocator sees, each
    with its own timestamp; their running sum, in time order, is the live
    memory, and its maximum the answer. This is the CPU twin of the CUDA
    figure: both count at the allocator, so kernels' scratch buffers count too.

    Why not the alternatives:
    - counting live tensors at the dispatcher (a `TorchDispatchMode` that adds
      each op's output storage and subtracts it when the tensor dies) sees
      only what ops return, not what kernels allocate inside (im2col buffers,
      FFT and attention workspaces): on the course's Wav2Vec2 it read 25 %
      below the allocator, and it adds Python work to every op;
    - summing the profiler's per-op totals (`self_cpu_memory_usage`) in op
      start order books a composite op's frees (e.g. `layer_norm` dropping
      the mean and variance its child returned) before the child allocated
      them: on the course's AST it read 25 % low.

    `tests/test_measure.py` checks it against functions that allocate tensors
    of known sizes (to 1 KiB).
    """
    _check_fn(fn)
    device = torch.device(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
        fn()
        torch.cuda.synchronize(device)
        return (torch.cuda.max_memory_allocated(device) - base) / 2**20
    from torch.autograd import DeviceType
    from torch.profiler import ProfilerActivity, profile

    with _quiet_native_stderr(), profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        fn()
    records = [e for e in prof.profiler.kineto_results.events()  # every profiled event; allocations are "[memory]"
               if e.name() == "[memory]" and e.device_type() in (DeviceType.CPU, DeviceType.MKLDNN)]
    live = peak = 0
    for record in sorted(records, key=lambda e: e.start_ns()):
        live += record.nbytes()  # > 0: allocated, < 0: freed
        peak = max(peak, live)
    return peak / 2**20
