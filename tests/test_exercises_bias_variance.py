"""The checkers of the chapter "Learning scheme, bias and variance"."""

import numpy as np

from dlbook.exercises.bias_variance import MODELS, check_diagnosis, check_mse


def test_mse_accepts_right_answers():
    assert check_mse(lambda y_hat, y: np.mean((y_hat - y) ** 2))
    assert check_mse(lambda y_hat, y: ((y - y_hat) ** 2).sum() / len(y))


def test_mse_explains_common_mistakes():
    cases = {
        "off by a factor n": lambda a, b: np.sum((a - b) ** 2),
        "root mean squared error": lambda a, b: np.sqrt(np.mean((a - b) ** 2)),
        "mean absolute error": lambda a, b: np.mean(np.abs(a - b)),
        "positive and negative errors cancel": lambda a, b: np.mean(a - b),
        "square each difference before averaging": lambda a, b: np.mean(a - b) ** 2,
        "not by n - 1": lambda a, b: np.sum((a - b) ** 2) / (len(a) - 1),
    }
    for message, fn in cases.items():
        fb = check_mse(fn)
        assert not fb, message
        assert message in str(fb), (message, str(fb))


def test_mse_reports_errors_and_non_functions():
    def broken(y_hat, y):
        raise NotImplementedError("fill me in")

    fb = check_mse(broken)
    assert not fb and "raised NotImplementedError: fill me in" in str(fb)
    fb = check_mse(0.5)
    assert not fb and "pass the function itself" in str(fb)
    fb = check_mse(lambda y_hat, y: None)
    assert not fb


def test_diagnosis():
    right = {"A": "overfitting", "B": "underfitting", "C": "just right"}
    assert check_diagnosis(right)
    assert check_diagnosis({k: v.upper() for k, v in right.items()})
    fb = check_diagnosis({**right, "A": "underfitting"})
    assert not fb
    assert "model A" in str(fb) and "much higher" in str(fb)
    assert "model B" not in str(fb)
    fb = check_diagnosis({"A": "overfitting"})
    assert "no diagnosis for model(s) B, C" in str(fb)
    fb = check_diagnosis({**right, "C": "fine"})
    assert "'fine' is not one of" in str(fb)
    fb = check_diagnosis({**right, "D": "overfitting"})
    assert "there is no model D" in str(fb)
    fb = check_diagnosis(["overfitting"])
    assert not fb
    assert set(MODELS) == set(right)
