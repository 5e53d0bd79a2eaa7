"""dlbook.kernel: one intra-op thread on a CPU-only machine, unless the reader chose."""

import os
import subprocess
import sys

import pytest
import torch

from dlbook.kernel import setup_kernel


def _threads_in_a_fresh_process(env: dict[str, str], code: str = "setup_kernel()") -> int:
    """PyTorch's thread count after ``code`` in a new interpreter (the thread count is
    per process, and OMP_NUM_THREADS is read when torch is imported)."""
    script = ("import torch\nfrom dlbook.kernel import setup_kernel\n"
              f"{code}\nprint(torch.get_num_threads())")
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, timeout=120, check=True)
    return int(run.stdout)


@pytest.fixture
def clean_env():
    """The environment of a reader's kernel: no thread setting, no GPU visible."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    env["CUDA_VISIBLE_DEVICES"] = ""
    return env


def test_a_cpu_only_kernel_gets_one_thread(clean_env):
    assert _threads_in_a_fresh_process(clean_env) == 1


def test_the_readers_own_setting_is_kept(monkeypatch):
    before = torch.get_num_threads()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    torch.set_num_threads(2)
    try:
        assert setup_kernel() == 2
    finally:
        torch.set_num_threads(before)


def test_an_explicit_count_is_used(clean_env):
    assert _threads_in_a_fresh_process(clean_env, "setup_kernel(3)") == 3


def test_a_gpu_machine_keeps_torchs_choice(monkeypatch):
    before = torch.get_num_threads()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    torch.set_num_threads(2)
    try:
        assert setup_kernel() == 2
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True])
def test_a_bad_count_is_named(bad):
    with pytest.raises(ValueError, match="threads must be a positive int"):
        setup_kernel(bad)
