"""Checkers for the exercises of the chapter "Learning scheme, bias and variance"."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from dlbook.exercises import Feedback

# (training error, test error) of three models in the diagnosis exercise.
MODELS = {
    "A": (0.02, 0.61),
    "B": (0.48, 0.51),
    "C": (0.07, 0.09),
}
DIAGNOSES = ("underfitting", "just right", "overfitting")
_ANSWERS = {"A": "overfitting", "B": "underfitting", "C": "just right"}
_REASONS = {
    "overfitting": "its training error is very low but its test error is much higher",
    "underfitting": "its training error is already high, close to its test error",
    "just right": "both errors are low and the test error is only slightly higher",
}


def check_mse(mse: Callable) -> Feedback:
    """Check a reader's ``mse(y_hat, y)`` against ``1/n sum_i (y_hat_i - y_i)^2``.

    The function is called on a few NumPy vectors; its result must be a number.
    """
    fb = Feedback("mean squared error")
    if not callable(mse):
        return fb.fail(f"pass the function itself, got a {type(mse).__name__}.")
    rng = np.random.default_rng(0)
    y = rng.normal(size=8)
    y_hat = y + rng.normal(scale=0.5, size=8)
    diff = y_hat - y
    try:
        got = mse(y_hat.copy(), y.copy())
        got = float(np.asarray(got, dtype=float))
    except Exception as err:  # the reader's code may raise anything
        return fb.fail(f"calling mse(y_hat, y) raised {type(err).__name__}: {err}")
    want = float(np.mean(diff**2))
    if np.isclose(got, want, rtol=1e-6):
        same = mse(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
        if not np.isclose(float(same), 0.0):
            fb.fail("the error of a perfect prediction should be 0.")
        return fb
    fb.fail(f"mse(y_hat, y) returned {got:.6g}, expected {want:.6g}.")
    n = len(y)
    if np.isclose(got, want * n):
        fb.note(f"off by a factor n = {n}: divide the sum by the number of examples.")
    elif np.isclose(got, np.sqrt(want)):
        fb.note("that is the root mean squared error: do not take the square root.")
    elif np.isclose(got, np.mean(np.abs(diff))):
        fb.note("that is the mean absolute error: square the differences instead.")
    elif np.isclose(got, np.mean(diff)) or np.isclose(got, -np.mean(diff)):
        fb.note("positive and negative errors cancel: square each difference.")
    elif np.isclose(got, np.mean(diff) ** 2):
        fb.note("square each difference before averaging, not the average.")
    elif np.isclose(got, want * n / (n - 1)):
        fb.note(f"divide by n = {n}, not by n - 1.")
    return fb


def check_diagnosis(answers: Mapping[str, str]) -> Feedback:
    """Check the diagnosis of the models in :data:`MODELS`.

    Args:
        answers: model name -> ``"underfitting"``, ``"just right"`` or
            ``"overfitting"``, e.g. ``{"A": "underfitting", ...}``.
    """
    fb = Feedback("underfitting, just right or overfitting")
    if not isinstance(answers, Mapping):
        return fb.fail("answers must be a dict such as {'A': 'overfitting', ...}.")
    missing = sorted(set(MODELS) - set(answers))
    if missing:
        fb.fail(f"no diagnosis for model(s) {', '.join(missing)}.")
    extra = sorted(set(answers) - set(MODELS))
    if extra:
        fb.fail(f"there is no model {', '.join(map(str, extra))}; the models are "
                f"{', '.join(MODELS)}.")
    for name in sorted(set(MODELS) & set(answers)):
        said = answers[name]
        label = said.strip().lower() if isinstance(said, str) else said
        if label not in DIAGNOSES:
            fb.fail(f"model {name}: {said!r} is not one of {DIAGNOSES}.")
            continue
        right = _ANSWERS[name]
        if label != right:
            train, test = MODELS[name]
            fb.fail(f"model {name} (training error {train}, test error {test}) is not "
                    f"{label}: {_REASONS[right]}.")
    return fb
