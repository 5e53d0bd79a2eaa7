"""The kernel a chapter runs in: as fast on a reader's machine as in the book's build.

The build runs every chapter with one intra-op thread per kernel. A kernel on Binder,
Colab's CPU runtime or a laptop starts with PyTorch's default instead, one thread per
core. The chapters' networks are small: an operation on them is over before several
threads have shared it out, so extra threads mostly wait for each other, and much
longer as soon as another process wants the same cores (benchmarks/bench_threads.py
measures it). Each chapter's first cell calls :func:`setup_kernel`.
"""

from __future__ import annotations

import os

import torch


def setup_kernel(threads: int | None = None) -> int:
    """Choose how many threads PyTorch splits each operation into, for small networks.

    Args:
        threads: the number to use. By default: one on a machine without a GPU, and
            PyTorch's own choice, untouched, when CUDA is available (the GPU does the
            work) or when ``OMP_NUM_THREADS`` says how many (the reader chose).

    Returns:
        The number of intra-op threads PyTorch uses now.
    """
    if threads is not None:
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ValueError(f"threads must be a positive int or None, got {threads!r}")
        torch.set_num_threads(threads)
    elif not torch.cuda.is_available() and not os.environ.get("OMP_NUM_THREADS"):
        torch.set_num_threads(1)
    return torch.get_num_threads()
