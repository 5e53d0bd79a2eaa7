"""Tests for dlbook.compute: FLOP counts, the matmul benchmark, scaling durations."""

import math

import pytest
import torch
from helpers.strategies import QUICK
from hypothesis import given
from hypothesis import strategies as st
from torch.utils.flop_counter import FlopCounterMode

from dlbook import compute
from dlbook.compute import matmul_flops, matmul_gflops, scaled_duration


def test_matmul_flops_counts_two_per_multiply_add():
    assert matmul_flops(3) == 2 * 27
    assert matmul_flops(2, 5, 7) == 2 * 2 * 5 * 7


@pytest.mark.parametrize("bad", [0, -4, 2.5, True, "8"])
def test_matmul_flops_rejects_non_positive_ints(bad):
    with pytest.raises((TypeError, ValueError), match="n must be a"):
        matmul_flops(bad)


def test_matmul_gflops_returns_a_plausible_rate():
    rate = matmul_gflops(128, budget_s=0.05)
    assert isinstance(rate, float)
    # Any CPU does more than 0.01 GFLOP/s and far less than a petaflop per second.
    assert 0.01 < rate < 1e6


def test_matmul_gflops_keeps_to_its_time_budget():
    import time

    start = time.perf_counter()
    matmul_gflops(64, budget_s=0.1, min_repeats=1)
    assert time.perf_counter() - start < 5


def test_matmul_gflops_agrees_with_a_direct_timing():
    # The rate is 2 n^3 / (fastest time); a direct measurement cannot be much faster.
    import time

    n = 256
    A, B = torch.randn(n, n), torch.randn(n, n)
    A @ B
    best = min(_time(A, B, time) for _ in range(5))
    direct = 2 * n**3 / best / 1e9
    measured = matmul_gflops(n, budget_s=0.2)
    assert measured < 10 * direct


def _time(A, B, time):
    tic = time.perf_counter()
    A @ B
    return time.perf_counter() - tic


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"budget_s": 0}, ValueError, "budget_s must be positive"),
        ({"budget_s": "1"}, TypeError, "budget_s must be a number"),
        ({"min_repeats": 0}, ValueError, "min_repeats must be a positive int"),
        ({"dtype": torch.int32}, TypeError, "dtype must be a floating-point"),
        ({"device": "tpu"}, ValueError, "device"),
    ],
)
def test_matmul_gflops_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        matmul_gflops(16, **kwargs)


def test_scaled_duration_is_inverse_in_the_rate():
    assert scaled_duration(5, 11_400, 540) == pytest.approx(5 * 11_400 / 540)
    # Same chip, same time; twice as fast, half the time.
    assert scaled_duration(3.0, 7.0, 7.0) == pytest.approx(3.0)
    assert scaled_duration(3.0, 7.0, 14.0) == pytest.approx(1.5)
    assert math.isfinite(scaled_duration(1, 1e-3, 1e3))


@pytest.mark.parametrize(
    "args, error, message",
    [
        ((0, 1, 1), ValueError, "duration must be positive"),
        ((1, -1, 1), ValueError, "rate must be positive"),
        ((1, 1, 0), ValueError, "other_rate must be positive"),
        ((1, "fast", 1), TypeError, "rate must be a number"),
    ],
)
def test_scaled_duration_rejects_bad_arguments(args, error, message):
    with pytest.raises(error, match=message):
        scaled_duration(*args)


# --- properties, on drawn inputs ---------------------------------------------------


@QUICK
@given(n=st.integers(1, 30), m=st.integers(1, 30), k=st.integers(1, 30))
def test_matmul_flops_agrees_with_torchs_flop_counter(n, m, k):
    counter = FlopCounterMode(display=False)
    with counter:
        torch.rand(n, k) @ torch.rand(k, m)
    assert compute.matmul_flops(n, m, k) == counter.get_total_flops()


@QUICK
@given(value=st.one_of(st.integers(max_value=0), st.floats(0.5, 3), st.text(max_size=2)),
       which=st.sampled_from(["n", "m", "k"]))
def test_matmul_flops_rejects_bad_sizes(value, which):  # None means "n" for m and k
    sizes = {"n": 3, "m": 3, "k": 3, which: value}
    with pytest.raises((TypeError, ValueError), match=which):
        compute.matmul_flops(sizes["n"], sizes["m"], sizes["k"])
