"""Shared fixtures: the tests run on the CPU with a fixed seed."""

import sys

import pytest

# Reading notebooks imports jsonschema, which compiles the 38 grammars of the optional
# IRI checker rfc3987-syntax (a second per test process) though no schema checks an IRI:
# as in tools/build_book.py, the module is marked missing, which jsonschema expects.
sys.modules.setdefault("rfc3987_syntax", None)


# torch is imported by the fixtures, not here, so that pytest-xdist's controller, which
# runs no test, starts without it


@pytest.fixture(autouse=True)
def _seed():
    from dlbook.utils import set_seed

    set_seed(0)
    yield


@pytest.fixture(scope="session", autouse=True)
def _threads():
    import torch

    # Tiny models: one thread is as fast, and stays fast when other work shares the CPU.
    torch.set_num_threads(1)
