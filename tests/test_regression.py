"""Tests of dlbook.regression: data, least squares, and errors against capacity."""

import math
import numpy as np
import pytest
from helpers.strategies import FAST, QUICK
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlbook import regression
from dlbook.regression import (
    PolynomialRegression,
    error_by_degree,
    mse,
    polynomial_features,
    resampled_fits,
    sample_noisy,
    smooth_function,
    split,
)


def test_sample_noisy_is_seeded_sorted_and_centred_on_the_function():
    x, y = sample_noisy(2000, noise=0.1, seed=3)
    x2, y2 = sample_noisy(2000, noise=0.1, seed=3)
    assert x.shape == y.shape == (2000,)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert np.all(np.diff(x) >= 0) and 0 <= x.min() and x.max() <= 1
    residual = y - smooth_function(x)
    assert abs(residual.mean()) < 0.01
    assert residual.std() == pytest.approx(0.1, rel=0.1)


def test_sample_noisy_without_noise_is_the_function():
    x, y = sample_noisy(10, noise=0.0, seed=0)
    np.testing.assert_allclose(y, np.sin(2 * np.pi * x))


@pytest.mark.parametrize("kwargs, match", [
    (dict(n=0), "n must be a positive int"),
    (dict(n=5, noise=-1.0), "noise must be non-negative"),
    (dict(n=5, low=1.0, high=0.0), "low must be below high"),
])
def test_sample_noisy_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sample_noisy(**kwargs)


def test_split_makes_disjoint_sorted_parts():
    x = np.arange(20.0)
    y = 10 * x
    parts = split(x, y, (5, 5, 10), seed=0)
    assert [len(px) for px, _ in parts] == [5, 5, 10]
    seen = np.concatenate([px for px, _ in parts])
    assert sorted(seen) == list(x)  # each example lands in exactly one part
    for px, py in parts:
        assert np.all(np.diff(px) > 0)
        np.testing.assert_array_equal(py, 10 * px)  # pairs stay together
    again = split(x, y, (5, 5, 10), seed=0)
    np.testing.assert_array_equal(parts[0][0], again[0][0])
    other = split(x, y, (5, 5, 10), seed=1)
    assert not np.array_equal(parts[0][0], other[0][0])


def test_split_rejects_too_many_examples_and_bad_sizes():
    with pytest.raises(ValueError, match="more than the 4 examples"):
        split(np.arange(4.0), np.arange(4.0), (3, 2))
    with pytest.raises(ValueError, match="sizes must be a positive int"):
        split(np.arange(4.0), np.arange(4.0), (0, 2))
    with pytest.raises(ValueError, match="same shape"):
        split(np.arange(4.0), np.arange(3.0), (1,))


def test_mse_matches_the_formula():
    y_hat, y = np.array([1.0, 2.0, 4.0]), np.array([1.0, 0.0, 1.0])
    assert mse(y_hat, y) == pytest.approx((0 + 4 + 9) / 3)
    assert mse(y, y) == 0.0


def test_mse_rejects_mismatched_and_empty_input():
    with pytest.raises(ValueError, match="same shape"):
        mse([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="empty"):
        mse([], [])
    with pytest.raises(ValueError, match="one-dimensional"):
        mse(np.zeros((2, 2)), np.zeros((2, 2)))


def test_polynomial_features_are_powers():
    X = polynomial_features([2.0, 3.0], 3)
    np.testing.assert_array_equal(X, [[1, 2, 4, 8], [1, 3, 9, 27]])
    with pytest.raises(ValueError, match="degree must be non-negative"):
        polynomial_features([1.0], -1)
    with pytest.raises(TypeError, match="degree must be an int"):
        polynomial_features([1.0], 2.5)


def test_fit_recovers_an_exact_polynomial():
    x = np.linspace(-2, 3, 12)
    y = 1 - 2 * x + 0.5 * x**3
    model = PolynomialRegression(3).fit(x, y)
    x_new = np.array([-1.5, 0.0, 2.2])
    np.testing.assert_allclose(model.predict(x_new), 1 - 2 * x_new + 0.5 * x_new**3,
                               atol=1e-9)


def test_fit_minimises_the_training_mse():
    x, y = sample_noisy(30, seed=1)
    model = PolynomialRegression(3).fit(x, y)
    best = mse(model.predict(x), y)
    rng = np.random.default_rng(0)
    for _ in range(20):  # nudging the coefficients can only make it worse
        other = PolynomialRegression(3).fit(x, y)
        other.coef_ = other.coef_ + 0.01 * rng.standard_normal(4)
        assert mse(other.predict(x), y) > best


def test_degree_n_minus_1_interpolates_the_training_set():
    x, y = sample_noisy(8, seed=2)
    model = PolynomialRegression(7).fit(x, y)
    assert mse(model.predict(x), y) < 1e-12


def test_predict_before_fit_and_bad_shapes_raise():
    with pytest.raises(RuntimeError, match="call fit"):
        PolynomialRegression(2).predict([0.5])
    with pytest.raises(ValueError, match="same shape"):
        PolynomialRegression(2).fit([0.0, 1.0], [1.0])


def test_training_error_never_rises_with_degree():
    x, y = sample_noisy(60, seed=0)
    test = sample_noisy(200, seed=1)
    errors = error_by_degree(range(8), (x, y), test)
    assert errors.shape == (8, 2)
    assert np.all(np.diff(errors[:, 0]) <= 1e-12)
    # the straight line underfits the sine: degree 3 is far better on new data
    assert errors[3, 1] < 0.5 * errors[1, 1]


def test_error_by_degree_needs_degrees():
    with pytest.raises(ValueError, match="degrees is empty"):
        error_by_degree([], sample_noisy(5))


def test_resampled_fits_spread_grows_with_degree():
    x_eval = np.linspace(0.2, 0.8, 50)
    low = resampled_fits(1, x_eval, num_datasets=30)
    high = resampled_fits(9, x_eval, num_datasets=30)
    assert low.shape == high.shape == (30, 50)
    assert high.var(axis=0).mean() > 10 * low.var(axis=0).mean()
    with pytest.raises(ValueError, match="num_datasets must be a positive int"):
        resampled_fits(1, x_eval, num_datasets=0)


# --- properties, on drawn inputs ---------------------------------------------------


@QUICK
@given(y=hnp.arrays(np.float64, st.integers(1, 20), elements=st.floats(-100, 100)),
       shift=st.floats(-10, 10))
def test_mse_is_the_mean_squared_difference(y, shift):
    assert math.isclose(regression.mse(y + shift, y), shift ** 2, rel_tol=1e-6, abs_tol=1e-6)


@QUICK
@given(n=st.integers(1, 6), shape=st.sampled_from(["longer", "column", "row"]))
def test_mse_never_broadcasts(n, shape):
    y = np.zeros(n)
    y_hat = {"longer": np.zeros(n + 1), "column": np.zeros((n, 1)),
             "row": np.zeros((1, n))}[shape]
    with pytest.raises(ValueError, match="y_hat"):
        regression.mse(y_hat, y)


@QUICK
@given(x=hnp.arrays(np.float64, st.integers(1, 10), elements=st.floats(-2, 2)),
       degree=st.integers(0, 5))
def test_polynomial_features_are_powers(x, degree):
    Phi = regression.polynomial_features(x, degree)
    assert Phi.shape == (len(x), degree + 1)
    assert np.allclose(Phi, np.vander(x, degree + 1, increasing=True))


@FAST
@given(coeffs=st.lists(st.floats(-3, 3), min_size=1, max_size=4), seed=st.integers(0, 99))
def test_polynomial_regression_recovers_a_polynomial(coeffs, seed):
    x = np.linspace(-1, 1, 25)
    y = np.polynomial.polynomial.polyval(x, coeffs)
    model = regression.PolynomialRegression(len(coeffs) - 1).fit(x, y)
    assert np.allclose(model.predict(x), y, atol=1e-6)
    with pytest.raises(ValueError, match="x and y must have the same shape"):
        regression.PolynomialRegression(1).fit(x, y[:-1])
