"""MNIST's files (``dlbook.mnist``): reading IDX, under good and broken files, and
loading the splits from files on disk. Fetching them is tested in test_download.py."""

import gzip
import hashlib
import struct
from pathlib import Path

import numpy as np
import pytest
from helpers.strategies import QUICK
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlbook import mnist
from dlbook.download import md5sum


def write_idx(path, array, *, compress=False):
    """Write ``array`` (uint8) in the IDX format MNIST uses."""
    array = np.asarray(array, dtype=np.uint8)
    header = struct.pack(">HBB", 0, 0x08, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.tobytes()
    with (gzip.open if compress else open)(path, "wb") as f:
        f.write(payload)
    return path


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_round_trip(tmp_path, compress):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    path = write_idx(tmp_path / "x.idx", images, compress=compress)
    assert np.array_equal(mnist.read_idx(path), images)


def test_read_idx_rejects_a_wrong_magic_number(tmp_path):
    path = tmp_path / "bad.idx"
    path.write_bytes(b"PK\x03\x04 this is a zip, not IDX")
    with pytest.raises(ValueError, match="not an IDX file"):
        mnist.read_idx(path)


def test_read_idx_rejects_truncated_data(tmp_path):
    path = write_idx(tmp_path / "x.idx", np.zeros((5, 4, 4)))
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        mnist.read_idx(path)


def test_read_idx_rejects_other_types(tmp_path):
    path = tmp_path / "f.idx"
    path.write_bytes(struct.pack(">HBBI", 0, 0x0D, 1, 1) + b"\0\0\0\0")
    with pytest.raises(ValueError, match="0x0d"):
        mnist.read_idx(path)


def test_load_mnist_from_local_idx_files(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    sizes = {"train": 70, "t10k": 20}
    for part, n in sizes.items():
        write_idx(tmp_path / f"{part}-images-idx3-ubyte.gz",
                  rng.integers(0, 256, (n, 28, 28)), compress=True)
        write_idx(tmp_path / f"{part}-labels-idx1-ubyte.gz",
                  np.arange(n) % 10, compress=True)
    s = mnist.load_mnist(tmp_path, download=False, val_size=0.2)
    assert s.input_shape == (1, 28, 28)
    assert s.sizes() == {"train": 56, "validation": 14, "test": 20}
    assert 0 <= s.X_train.min() and s.X_train.max() <= 1


def test_load_mnist_without_files_says_how_to_get_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="download=True"):
        mnist.load_mnist(tmp_path, download=False)


# --- IDX files, on drawn bytes ------------------------------------------------------


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("idx")


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    return (struct.pack(">HBB", 0, type_code, array.ndim)
            + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes())


idx_arrays = hnp.arrays(np.uint8, hnp.array_shapes(min_dims=1, max_dims=3, max_side=6))


@QUICK
@given(array=idx_arrays, compressed=st.booleans())
def test_read_idx_round_trips(scratch, array, compressed):
    raw = idx_bytes(array)
    path = scratch / "roundtrip.idx"
    path.write_bytes(gzip.compress(raw) if compressed else raw)
    got = mnist.read_idx(path)
    assert got.dtype == np.uint8 and np.array_equal(got, array)
    assert md5sum(path) == hashlib.md5(path.read_bytes()).hexdigest()


@QUICK
@given(array=idx_arrays, cut=st.integers(1, 100), compressed=st.booleans())
def test_read_idx_rejects_truncated_files(scratch, array, cut, compressed):
    raw = idx_bytes(array)
    cut = min(cut, len(raw))
    body = raw[:-cut]
    if compressed:
        body = gzip.compress(raw)[:-cut]  # a gzip stream cut short
    path = scratch / "truncated.idx"
    path.write_bytes(body)
    with pytest.raises(ValueError, match="truncated|too short|not a readable IDX|"
                                         "not an IDX"):
        mnist.read_idx(path)


@QUICK
@given(array=idx_arrays, extra=st.binary(min_size=1, max_size=8))
def test_read_idx_rejects_trailing_bytes(scratch, array, extra):
    path = scratch / "long.idx"
    path.write_bytes(idx_bytes(array) + extra)
    with pytest.raises(ValueError, match="truncated or corrupt"):
        mnist.read_idx(path)


@QUICK
@given(head=st.binary(min_size=4, max_size=64))
def test_read_idx_rejects_files_that_are_not_idx(scratch, head):
    assume(head[:2] != b"\x00\x00")  # not the IDX magic number
    path = scratch / "page.html"
    path.write_bytes(head)
    with pytest.raises(ValueError, match="not an IDX file|not a readable IDX"):
        mnist.read_idx(path)


@QUICK
@given(array=idx_arrays, code=st.integers(0, 255).filter(lambda c: c != 0x08))
def test_read_idx_rejects_other_element_types(scratch, array, code):
    path = scratch / "float.idx"
    path.write_bytes(idx_bytes(array, code))
    with pytest.raises(ValueError, match="type code .* expected 0x08"):
        mnist.read_idx(path)


def test_read_idx_survives_absurd_header(scratch):
    # four dimensions of 2**32 - 1: their product overflows 64-bit integers
    path = scratch / "absurd.idx"
    path.write_bytes(struct.pack(">HBB4I", 0, 8, 4, *[2**32 - 1] * 4) + b"\0" * 8)
    with pytest.raises(ValueError, match="truncated or corrupt"):
        mnist.read_idx(path)


def test_load_mnist_validates_its_arguments(scratch):
    with pytest.raises(ValueError, match="val_size must be in"):
        mnist.load_mnist(scratch, download=False, val_size=1.5)
    with pytest.raises(TypeError, match="download must be True or False"):
        mnist.load_mnist(scratch, download="no")
    with pytest.raises(FileNotFoundError, match="is missing: call load_mnist"):
        mnist.load_mnist(scratch / "empty", download=False)
