"""Polynomial regression: the book's example of capacity, underfitting and overfitting.

A polynomial of degree ``d`` is fitted to noisy samples of a smooth function by
minimising the mean squared error on the training set,

    y_hat = theta_0 + theta_1 x + ... + theta_d x^d,
    L(theta) = 1/n sum_i (y_hat_i - y_i)^2.

The degree is the model's capacity: too low and the model underfits, too high and it
overfits. Taught in the chapter "Learning scheme, bias and variance".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from dlbook import _checks as checks


def _as_vector(name: str, value) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be an array of numbers, got "
                        f"{type(value).__name__}") from err
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional (n,), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty: expected at least one value")
    return arr


def _as_pair(name_a: str, a, name_b: str, b) -> tuple[np.ndarray, np.ndarray]:
    """Two vectors of the same shape ``(n,)``, e.g. inputs and targets."""
    a, b = _as_vector(name_a, a), _as_vector(name_b, b)
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape, got "
                         f"{a.shape} and {b.shape}")
    return a, b


def smooth_function(x: np.ndarray) -> np.ndarray:
    """The function the examples learn: ``sin(2 pi x)``, one period on [0, 1]."""
    return np.sin(2 * np.pi * np.asarray(x, dtype=float))


def sample_noisy(
    n: int,
    *,
    noise: float = 0.25,
    low: float = 0.0,
    high: float = 1.0,
    func: Callable[[np.ndarray], np.ndarray] = smooth_function,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` points ``x`` uniformly in [low, high] and ``y = func(x) + noise``.

    Args:
        n: number of samples.
        noise: standard deviation of the Gaussian noise added to ``func(x)``.
        low, high: the interval the inputs come from.
        func: the smooth function behind the data.
        seed: seeds the inputs and the noise.

    Returns:
        ``x`` sorted increasingly and ``y``, both of shape ``(n,)``.
    """
    n, noise = checks.positive_int("n", n), checks.non_negative("noise", noise)
    if not checks.number("low", low) < checks.number("high", high):
        raise ValueError(f"low must be below high, got low={low}, high={high}")
    rng = np.random.default_rng(checks.seed(seed))
    x = np.sort(rng.uniform(low, high, size=n))
    y = func(x) + noise * rng.standard_normal(n)
    return x, y


def split(x, y, sizes: Sequence[int], *, seed: int = 0
          ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Shuffle the examples ``(x, y)`` and cut them into parts of the given sizes.

    Args:
        x, y: inputs and targets, shapes ``(n,)``.
        sizes: number of examples in each part, e.g. ``(train, validation, test)``;
            they must add up to at most ``n``.
        seed: seeds the shuffling, so every run gets the same parts.

    Returns:
        One ``(x, y)`` pair per part, each sorted by ``x`` (handy for plotting).
    """
    x, y = _as_pair("x", x, "y", y)
    sizes = [checks.positive_int("sizes", k) for k in sizes]
    if not sizes or sum(sizes) > len(x):
        raise ValueError(f"sizes must name one part or more, with at most {len(x)} "
                         f"examples in all: asking for {sum(sizes)} is more than the "
                         f"{len(x)} examples")
    order = np.random.default_rng(checks.seed(seed)).permutation(len(x))
    parts, start = [], 0
    for k in sizes:
        idx = order[start:start + k]
        idx = idx[np.argsort(x[idx], kind="stable")]
        parts.append((x[idx], y[idx]))
        start += k
    return parts


def mse(y_hat, y) -> float:
    """Mean squared error ``1/n sum_i (y_hat_i - y_i)^2``, shapes (n,)."""
    y_hat, y = _as_pair("y_hat", y_hat, "y", y)
    return float(np.mean((y_hat - y) ** 2))


def polynomial_features(x, degree: int) -> np.ndarray:
    """The powers ``[1, x, x^2, ..., x^degree]`` of each input.

    Args:
        x: inputs, shape ``(n,)``.
        degree: highest power, non-negative.

    Returns:
        The design matrix, shape ``(n, degree + 1)``.
    """
    x = _as_vector("x", x)
    degree = checks.non_negative_int("degree", degree)
    return x[:, None] ** np.arange(degree + 1)  # (n, degree + 1)


class PolynomialRegression:
    """A polynomial of fixed degree fitted by least squares (minimum training MSE).

    ``fit`` rescales the training inputs to [-1, 1] before taking powers, which keeps
    high degrees numerically stable; ``predict`` applies the same rescaling.

    Args:
        degree: the degree of the polynomial, the model's capacity.
    """

    def __init__(self, degree: int):
        self.degree = checks.non_negative_int("degree", degree)
        self.coef_: np.ndarray | None = None  # (degree + 1,), in the rescaled input
        self._center = 0.0
        self._scale = 1.0

    def _rescale(self, x: np.ndarray) -> np.ndarray:
        return (x - self._center) / self._scale

    def fit(self, x, y) -> "PolynomialRegression":
        """Choose the coefficients with the least MSE on ``(x, y)``, (n,)."""
        x, y = _as_pair("x", x, "y", y)
        lo, hi = float(x.min()), float(x.max())
        self._center = (lo + hi) / 2
        self._scale = (hi - lo) / 2 or 1.0
        X = polynomial_features(self._rescale(x), self.degree)  # (n, d + 1)
        self.coef_, *_ = np.linalg.lstsq(X, y, rcond=None)
        return self

    def predict(self, x) -> np.ndarray:
        """Predictions ``y_hat`` of shape (n,) for inputs ``x`` of shape (n,)."""
        if self.coef_ is None:
            raise RuntimeError("call fit(x, y) before predict(x)")
        x = _as_vector("x", x)
        return polynomial_features(self._rescale(x), self.degree) @ self.coef_


def error_by_degree(
    degrees: Sequence[int],
    train: tuple[np.ndarray, np.ndarray],
    *evaluated: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """Fit one polynomial per degree on ``train``; return the MSE on each data set.

    Args:
        degrees: the degrees to try.
        train: ``(x, y)`` the polynomials are fitted on.
        evaluated: further ``(x, y)`` sets to measure the error on (validation, test).

    Returns:
        Array of shape ``(len(degrees), 1 + len(evaluated))``: column 0 is the
        training MSE, the next columns the MSE on each evaluated set, in order.
    """
    degrees = list(degrees)
    if not degrees:
        raise ValueError("degrees is empty: expected at least one degree")
    errors = np.empty((len(degrees), 1 + len(evaluated)))
    for row, degree in enumerate(degrees):
        model = PolynomialRegression(degree).fit(*train)
        for col, (x, y) in enumerate((train, *evaluated)):
            errors[row, col] = mse(model.predict(x), y)
    return errors


def resampled_fits(
    degree: int,
    x_eval,
    *,
    n_train: int = 15,
    num_datasets: int = 100,
    noise: float = 0.25,
    func: Callable[[np.ndarray], np.ndarray] = smooth_function,
    seed: int = 0,
) -> np.ndarray:
    """Fit the same degree to many independent training sets; predict at ``x_eval``.

    Each training set holds ``n_train`` fresh noisy samples of ``func`` (see
    :func:`sample_noisy`); the spread of the predictions across training sets is the
    variance of the model, the gap between their mean and ``func`` its bias.

    Args:
        degree: degree of the polynomials.
        x_eval: where to predict, shape ``(m,)``.
        n_train: examples in each training set.
        num_datasets: how many training sets to draw.
        noise, func: as in :func:`sample_noisy`.
        seed: training set ``k`` is drawn with seed ``seed + k``.

    Returns:
        Predictions of shape ``(num_datasets, m)``.
    """
    x_eval = _as_vector("x_eval", x_eval)
    num_datasets = checks.positive_int("num_datasets", num_datasets)
    n_train, seed = checks.positive_int("n_train", n_train), checks.seed(seed)
    preds = np.empty((num_datasets, len(x_eval)))
    for k in range(num_datasets):
        x, y = sample_noisy(n_train, noise=noise, func=func, seed=seed + k)
        preds[k] = PolynomialRegression(degree).fit(x, y).predict(x_eval)
    return preds

