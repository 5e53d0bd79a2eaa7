import gzip
import struct

import numpy as np
import pytest
import torch

from dlbook import data


def write_idx(path, array, *, compress=False):
    """Write ``array`` (uint8) in the IDX format MNIST uses."""
    array = np.asarray(array, dtype=np.uint8)
    header = struct.pack(">HBB", 0, 0x08, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.tobytes()
    with (gzip.open if compress else open)(path, "wb") as f:
        f.write(payload)
    return path


def test_digits_shapes_ranges_and_sizes():
    s = data.load_digits()
    assert s.input_shape == (1, 8, 8)
    assert s.num_classes == 10
    assert s.X_train.dtype == torch.float32 and s.y_train.dtype == torch.int64
    for X in (s.X_train, s.X_val, s.X_test):
        assert X.min() >= 0 and X.max() <= 1
    assert sum(s.sizes().values()) == 1797
    assert s.sizes()["test"] == pytest.approx(0.2 * 1797, abs=1)


def test_digits_split_is_stratified_and_disjoint():
    s = data.load_digits()
    for y in (s.y_train, s.y_val, s.y_test):
        share = torch.bincount(y, minlength=10).float() / len(y)
        assert torch.all((share - 0.1).abs() < 0.02)
    rows = {tuple(x.flatten().tolist()) for x in s.X_test}
    overlap = sum(tuple(x.flatten().tolist()) in rows for x in s.X_train)
    assert overlap <= 5  # the digits hold a few exact duplicates, nothing more


def test_digits_split_depends_on_the_seed_only():
    a, b, c = data.load_digits(seed=1), data.load_digits(seed=1), data.load_digits(seed=2)
    assert torch.equal(a.y_test, b.y_test) and torch.equal(a.X_train, b.X_train)
    assert not torch.equal(a.y_test, c.y_test)


@pytest.mark.parametrize("kwargs, match", [
    (dict(val_size=0), "val_size"), (dict(test_size=1.5), "test_size"),
    (dict(val_size=0.5, test_size=0.5), "below 1"), (dict(val_size="a"), "val_size"),
])
def test_digits_reject_bad_fractions(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        data.load_digits(**kwargs)


def test_split_rejects_wrong_shapes():
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\)"):
        data.split_stratified(np.zeros((10, 8, 8)), np.zeros(10))
    with pytest.raises(ValueError, match="y must have shape"):
        data.split_stratified(np.zeros((10, 1, 8, 8)), np.zeros(9))


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_round_trip(tmp_path, compress):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    path = write_idx(tmp_path / "x.idx", images, compress=compress)
    assert np.array_equal(data.read_idx(path), images)


def test_read_idx_rejects_a_wrong_magic_number(tmp_path):
    path = tmp_path / "bad.idx"
    path.write_bytes(b"PK\x03\x04 this is a zip, not IDX")
    with pytest.raises(ValueError, match="not an IDX file"):
        data.read_idx(path)


def test_read_idx_rejects_truncated_data(tmp_path):
    path = write_idx(tmp_path / "x.idx", np.zeros((5, 4, 4)))
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        data.read_idx(path)


def test_read_idx_rejects_other_types(tmp_path):
    path = tmp_path / "f.idx"
    path.write_bytes(struct.pack(">HBBI", 0, 0x0D, 1, 1) + b"\0\0\0\0")
    with pytest.raises(ValueError, match="0x0d"):
        data.read_idx(path)


def test_load_mnist_from_local_idx_files(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    sizes = {"train": 70, "t10k": 20}
    for part, n in sizes.items():
        write_idx(tmp_path / f"{part}-images-idx3-ubyte.gz",
                  rng.integers(0, 256, (n, 28, 28)), compress=True)
        write_idx(tmp_path / f"{part}-labels-idx1-ubyte.gz",
                  np.arange(n) % 10, compress=True)
    s = data.load_mnist(tmp_path, download=False, val_size=0.2)
    assert s.input_shape == (1, 28, 28)
    assert s.sizes() == {"train": 56, "validation": 14, "test": 20}
    assert 0 <= s.X_train.min() and s.X_train.max() <= 1


def test_load_mnist_without_files_says_how_to_get_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="download=True"):
        data.load_mnist(tmp_path, download=False)


def test_load_dataset_quick_profile_is_the_digits():
    assert data.load_dataset("quick").input_shape == (1, 8, 8)
    with pytest.raises(ValueError, match="profile"):
        data.load_dataset("medium")


def test_standardise_uses_the_training_statistics_for_every_split():
    s = data.load_digits()
    z = data.standardise(s)
    assert abs(float(z.X_train.mean())) < 1e-5
    assert float(z.X_train.std()) == pytest.approx(1.0, abs=1e-5)
    mean, std = float(s.X_train.mean()), float(s.X_train.std())
    assert torch.allclose(z.X_test, (s.X_test - mean) / std)
    assert torch.equal(z.y_val, s.y_val)
    given = data.standardise(s, data.MNIST_MEAN, data.MNIST_STD)
    assert torch.allclose(given.X_val, (s.X_val - 0.1307) / 0.3081)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(std=0.0), ValueError, "std must be positive"),
    (dict(mean=float("nan")), ValueError, "mean must be finite"),
    (dict(std="1"), TypeError, "std must be a number"),
])
def test_standardise_rejects_bad_statistics(kwargs, error, match):
    with pytest.raises(error, match=match):
        data.standardise(data.load_digits(), **kwargs)
    with pytest.raises(TypeError, match="splits must be a Splits"):
        data.standardise((1, 2))
