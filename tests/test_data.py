"""The book's data sets as splits (``dlbook.data``): the digits, the stratified
split under good and bad input, the profile's data set, and standardisation."""

import math

import numpy as np
import pytest
import torch
from helpers.strategies import FAST, QUICK, non_ints, not_numbers
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlbook import data


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
    mnist_scaled = data.standardise(s, 0.1307, 0.3081)  # with MNIST's statistics
    assert torch.allclose(mnist_scaled.X_val, (s.X_val - 0.1307) / 0.3081)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(std=0.0), ValueError, "std must be positive"),
    (dict(mean=float("nan")), ValueError, "mean must be .*finite.*got nan"),
    (dict(std="1"), TypeError, "std must be a number"),
])
def test_standardise_rejects_bad_statistics(kwargs, error, match):
    with pytest.raises(error, match=match):
        data.standardise(data.load_digits(), **kwargs)
    with pytest.raises(TypeError, match="splits must be a Splits"):
        data.standardise((1, 2))


# --- the stratified split, on drawn inputs ------------------------------------------


@st.composite
def labelled_images(draw):
    """``X`` (N, 1, H, W) in [0, 1] whose first pixel encodes the example's index, and
    integer labels ``y`` with enough examples per class to stratify."""
    num_classes = draw(st.integers(2, 4))
    per_class = draw(st.integers(5, 9))
    h, w = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    y = np.repeat(np.arange(num_classes), per_class)
    y = y[draw(st.permutations(range(len(y))))]
    y = y.astype(draw(st.sampled_from([np.int64, np.int32, np.uint8, np.int16])))
    n = len(y)
    X = np.asarray(draw(hnp.arrays(np.float32, (n, 1, h, w),
                                   elements=st.floats(0, 1, width=32))))
    X[:, 0, 0, 0] = np.arange(n) / n  # a fingerprint of each example
    return X, y


@settings(FAST, max_examples=8)
@given(Xy=labelled_images(), seed=st.integers(0, 2**32 - 1))
def test_split_stratified_partitions_the_examples(Xy, seed):
    X, y = Xy
    n = len(y)
    splits = data.split_stratified(X, y, seed=seed)
    parts = [(splits.X_train, splits.y_train), (splits.X_val, splits.y_val),
             (splits.X_test, splits.y_test)]
    assert sum(splits.sizes().values()) == n
    seen = []
    for Xs, ys in parts:
        assert Xs.dtype == torch.float32 and ys.dtype == torch.int64
        assert Xs.shape[1:] == X.shape[1:] and ys.shape == (len(Xs),)
        assert float(Xs.min()) >= 0 and float(Xs.max()) <= 1
        ids = np.rint(Xs[:, 0, 0, 0].numpy() * n).astype(int)
        # each example keeps its own label: no shuffling of X apart from y
        assert np.array_equal(ys.numpy(), y[ids])
        seen.extend(ids)
    assert sorted(seen) == list(range(n)), "the splits must partition the examples"
    assert set(splits.y_train.tolist()) == set(y.tolist()), "stratified: all classes"
    assert splits.input_shape == X.shape[1:]
    assert splits.num_classes == int(y.max()) + 1
    assert [len(d) for d in splits.datasets()] == list(splits.sizes().values())
    again = data.split_stratified(X, y, seed=seed)
    assert torch.equal(again.X_val, splits.X_val), "the same seed, the same split"


@FAST
@given(Xy=labelled_images(), extra=st.integers(-3, 3).filter(bool))
def test_split_stratified_rejects_y_of_another_length(Xy, extra):
    X, y = Xy
    y = np.resize(y, len(y) + extra)
    with pytest.raises(ValueError, match=r"y must have shape \(\d+,\) to match X"):
        data.split_stratified(X, y)


@FAST
@given(Xy=labelled_images(), shape=st.sampled_from(["flat", "3d", "channels", "5d"]))
def test_split_stratified_rejects_images_of_the_wrong_shape(Xy, shape):
    X, y = Xy
    X = {"flat": X.reshape(len(X), -1), "3d": X[:, 0], "5d": X[..., None],
         "channels": np.concatenate([X, X], axis=1)}[shape]
    with pytest.raises(ValueError, match=r"X must have shape \(N, 1, H, W\)"):
        data.split_stratified(X, y)


@FAST
@given(Xy=labelled_images(), scale=st.sampled_from([255.0, -1.0, np.nan]))
def test_split_stratified_rejects_pixels_outside_0_1(Xy, scale):
    X, y = Xy
    X = X.copy()
    X[0, 0, 0, 0] = scale
    with pytest.raises(ValueError, match=r"X must hold pixel values in \[0, 1\]"):
        data.split_stratified(X, y)


@FAST
@given(Xy=labelled_images())
def test_split_stratified_rejects_labels_that_are_not_classes(Xy):
    X, y = Xy
    with pytest.raises(TypeError, match="y must hold integer class labels"):
        data.split_stratified(X, y + 0.5)
    with pytest.raises(TypeError, match="y must hold integer class labels"):
        data.split_stratified(X, y.astype(str))
    with pytest.raises(ValueError, match="y must hold class labels 0, 1, 2"):
        data.split_stratified(X, y.astype(np.int64) - 1)
    # whole numbers stored as floats are labels all the same
    assert data.split_stratified(X, y.astype(np.float64)).y_train.dtype == torch.int64


@QUICK
@given(name=st.sampled_from(["val_size", "test_size"]),
       value=st.one_of(st.floats(max_value=0), st.floats(min_value=1),
                       st.just(math.nan)))
def test_split_stratified_rejects_fractions_outside_0_1(name, value):
    X, y = np.zeros((20, 1, 2, 2)), np.arange(20) % 2
    with pytest.raises(ValueError, match=f"{name} must be (in|a finite number)"):
        data.split_stratified(X, y, **{name: value})


@QUICK
@given(name=st.sampled_from(["val_size", "test_size"]), value=not_numbers)
def test_split_stratified_rejects_fractions_that_are_not_numbers(name, value):
    X, y = np.zeros((20, 1, 2, 2)), np.arange(20) % 2
    with pytest.raises(TypeError, match=f"{name} must be a number"):
        data.split_stratified(X, y, **{name: value})


def test_split_stratified_rejects_fractions_summing_to_one_or_more():
    X, y = np.zeros((20, 1, 2, 2)), np.arange(20) % 2
    with pytest.raises(ValueError, match="val_size \\+ test_size must be below 1"):
        data.split_stratified(X, y, val_size=0.5, test_size=0.5)


@QUICK
@given(seed=st.one_of(st.integers(max_value=-1), st.integers(min_value=2**32),
                      non_ints))
def test_split_stratified_rejects_bad_seeds(seed):
    X, y = np.zeros((20, 1, 2, 2)), np.arange(20) % 2
    with pytest.raises((TypeError, ValueError), match="seed must be"):
        data.split_stratified(X, y, seed=seed)


def test_split_stratified_rejects_empty_data():
    with pytest.raises(ValueError, match="X is empty"):
        data.split_stratified(np.zeros((0, 1, 2, 2)), np.zeros(0, dtype=int))


def test_load_digits_and_load_dataset_quick():
    splits = data.load_digits(seed=3)
    assert splits.input_shape == (1, 8, 8) and splits.num_classes == 10
    assert sum(splits.sizes().values()) == 1797
    assert torch.equal(data.load_dataset("quick", seed=3).y_val, splits.y_val)
    with pytest.raises(ValueError, match="profile must be 'quick' or 'full'"):
        data.load_dataset("fast")
