"""Shared fixtures: the tests run on the CPU with a fixed seed."""

import pytest
import torch

from dlbook.utils import set_seed


@pytest.fixture(autouse=True)
def _seed():
    set_seed(0)
    yield


@pytest.fixture(scope="session", autouse=True)
def _threads():
    # Tiny models: one thread is as fast, and stays fast when other work shares the CPU.
    torch.set_num_threads(1)
