"""course_utils.measure: peak memory against known allocations, the timers against known durations.

Tolerances: memory to 1 KiB (the allocator reports exact byte counts; the
slack covers 0-d results such as a `.sum()`); time within 15 ms above a
`time.sleep` (sleep never returns early; a loaded machine makes it late).
"""

from __future__ import annotations

import time

import pytest
import torch
import torch.nn.functional as F

from course_utils.measure import median_ms, peak_memory_mib, time_side_by_side, timed_call

MIB = 2**20
KIB_IN_MIB = 1024 / MIB


def test_peak_memory_of_one_tensor_is_its_size():
    assert peak_memory_mib(lambda: torch.zeros(1024, 256)) == pytest.approx(1.0, abs=KIB_IN_MIB)  # float32: 1 MiB


def test_peak_memory_is_the_high_water_mark_not_the_total():
    def fn():
        a = torch.zeros(1024, 256)   # 1 MiB live
        b = torch.zeros(2048, 256)   # 3 MiB live: the peak
        del a                        # 2 MiB
        c = torch.zeros(1024, 256)   # 3 MiB again
        del b, c                     # 0
        d = torch.ones(512, 256)     # 0.5 MiB
        return (d * 2).sum()         # 1 MiB for a moment

    assert peak_memory_mib(fn) == pytest.approx(3.0, abs=KIB_IN_MIB)


def test_peak_memory_counts_what_an_op_allocates_and_frees_inside():
    """layer_norm's kernel also returns a mean and a 1/std per row, which layer_norm drops:
    they are live at the peak (2 x 4096 floats = 32 KiB on top of the 4 MiB output)."""
    x = torch.randn(4096, 256)
    expected = (4096 * 256 + 2 * 4096) * 4 / MIB
    assert peak_memory_mib(lambda: F.layer_norm(x, (256,))) == pytest.approx(expected, abs=KIB_IN_MIB / 4)


def test_memory_from_before_the_call_is_not_counted():
    held = [torch.zeros(4096, 256)]  # 4 MiB, freed inside the call

    def fn():
        held.pop()
        return torch.zeros(1024, 256)

    assert peak_memory_mib(fn) == pytest.approx(1.0, abs=KIB_IN_MIB)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_peak_memory_on_cuda_matches_the_cpu_figure():
    def fn(device):
        a = torch.zeros(1024, 256, device=device)
        b = torch.zeros(2048, 256, device=device)
        return a, b

    assert peak_memory_mib(lambda: fn("cuda"), "cuda") == pytest.approx(peak_memory_mib(lambda: fn("cpu")), abs=0.01)


def test_median_ms_times_a_known_duration_and_skips_the_warm_up():
    calls = []

    def fn():
        calls.append(None)
        time.sleep(0.5 if len(calls) == 1 else 0.02)  # the first call is slow, as first calls are

    ms = median_ms(fn, repeats=5)
    assert len(calls) == 6  # one warm-up + 5 timed
    assert 20.0 <= ms < 250.0  # the 500 ms warm-up is not counted (upper bound loose: a busy machine oversleeps)


def test_time_side_by_side_alternates_and_reports_medians():
    order = []
    calls = {"fast": lambda: (order.append("fast"), time.sleep(0.005)),
             "slow": lambda: (order.append("slow"), time.sleep(0.03))}
    seconds = time_side_by_side(calls, repeats=3, warmup=1)
    assert order == ["fast", "slow"] * 4  # warm-up round, then 3 rounds in alternation
    assert 0.005 <= seconds["fast"] < seconds["slow"] and 0.03 <= seconds["slow"] < 0.25


def test_timed_call_returns_the_result():
    seconds, result = timed_call(lambda: (time.sleep(0.01), 7)[1])
    assert result == 7 and 0.01 <= seconds < 0.25


def test_bad_arguments_say_what_to_pass():
    with pytest.raises(TypeError, match="fn must be a function of no arguments"):
        median_ms(torch.zeros(3))
    with pytest.raises(TypeError, match="fn must be a function"):
        peak_memory_mib(torch.zeros(3))
    with pytest.raises(ValueError, match="repeats must be an int >= 1, got 0"):
        median_ms(lambda: None, repeats=0)
    with pytest.raises(TypeError, match="calls must be a non-empty dict"):
        time_side_by_side([lambda: None])
