"""How fast is this machine? Time a matrix multiply and turn the time into FLOP/s.

A matrix multiply is the work that dominates training a neural network, so the rate at
which a chip multiplies matrices is a fair first measure of how fast it trains. The
chapter "Machine learning fundamentals" compares the rate measured here with the
published peak rates of a desktop CPU, GPUs and a TPU.
"""

from __future__ import annotations

import time

import torch

from dlbook import _checks as checks
from dlbook.utils import get_device


def matmul_flops(n: int, m: int | None = None, k: int | None = None) -> int:
    """Floating-point operations of one product ``(n, k) @ (k, m)``: ``2 n m k``.

    Each of the ``n m`` outputs is a sum of ``k`` products: ``k`` multiplications and
    ``k - 1`` additions, counted as ``2 k`` by convention.

    Args:
        n: rows of the left matrix.
        m: columns of the right matrix (defaults to ``n``).
        k: the shared inner size (defaults to ``n``).

    Returns:
        The number of operations, an int.
    """
    n = checks.positive_int("n", n)
    m = n if m is None else checks.positive_int("m", m)
    k = n if k is None else checks.positive_int("k", k)
    return 2 * n * m * k


def _sync(device: torch.device) -> None:
    # GPU kernels run asynchronously: wait for them, or the clock measures nothing.
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def matmul_gflops(
    n: int = 1024,
    *,
    budget_s: float = 1.0,
    min_repeats: int = 3,
    dtype: torch.dtype = torch.float32,
    device: str | torch.device | None = None,
    seed: int = 0,
) -> float:
    """Measure the rate of multiplying two ``(n, n)`` matrices, in GFLOP/s.

    The product is run once to warm up, then repeated until ``budget_s`` seconds
    have passed (at least ``min_repeats`` times); the fastest repeat counts, because
    anything slower was slowed down by something else running on the machine.

    Args:
        n: size of the square matrices.
        budget_s: seconds to spend on the timed repeats (roughly; one product more
            may run past it).
        min_repeats: the fewest timed repeats, whatever the budget.
        dtype: the number type, e.g. ``torch.float32`` or ``torch.float16``.
        device: where to multiply; chosen by :func:`dlbook.utils.get_device`.
        seed: seeds the random matrices.

    Returns:
        Billions of floating-point operations per second, ``2 n^3 / seconds / 1e9``.
    """
    n = checks.positive_int("n", n)
    budget_s = checks.positive("budget_s", budget_s)  # finite: the loop must end
    min_repeats = checks.positive_int("min_repeats", min_repeats)
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"dtype must be a floating-point torch.dtype, got {dtype!r}")
    return _time_matmul(n, budget_s, min_repeats, dtype, get_device(device),
                        checks.seed(seed))


def _time_matmul(n: int, budget_s: float, min_repeats: int, dtype: torch.dtype,
                 device: torch.device, seed: int) -> float:
    """GFLOP/s of the fastest of the timed products ``(n, n) @ (n, n)``."""
    generator = torch.Generator().manual_seed(seed)
    A = torch.randn(n, n, generator=generator).to(device=device, dtype=dtype)
    B = torch.randn(n, n, generator=generator).to(device=device, dtype=dtype)

    A @ B  # warm-up: the first call pays for allocation and kernel selection
    _sync(device)
    best = float("inf")
    repeats = 0
    start = time.perf_counter()
    while repeats < min_repeats or time.perf_counter() - start < budget_s:
        tic = time.perf_counter()
        A @ B
        _sync(device)
        best = min(best, time.perf_counter() - tic)
        repeats += 1
    return matmul_flops(n) / best / 1e9


def scaled_duration(duration: float, rate: float, other_rate: float) -> float:
    """How long a job of fixed work takes on another chip: ``duration * rate / other``.

    Args:
        duration: how long the job takes on the first chip (any unit).
        rate: speed of the first chip (any unit of FLOP/s).
        other_rate: speed of the other chip, in the same unit as ``rate``.

    Returns:
        The duration on the other chip, in the unit of ``duration``.
    """
    duration, rate, other_rate = map(checks.positive, ("duration", "rate",
                                     "other_rate"), (duration, rate, other_rate))
    return duration * rate / other_rate
