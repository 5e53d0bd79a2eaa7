"""The checkers of the chapter "Learning scheme, bias and variance"."""

import numpy as np
import torch

from dlbook.crossval import kfold_indices
from dlbook.exercises.bias_variance import (
    MODELS,
    check_diagnosis,
    check_kfold,
    check_mse,
)


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
    assert not fb and "pass your function itself" in str(fb)
    fb = check_mse(lambda y_hat, y: None)
    assert not fb and "returned None" in str(fb)


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
    assert "key(s) 'D', not asked for" in str(fb)
    fb = check_diagnosis(["overfitting"])
    assert not fb
    assert set(MODELS) == set(right)


def _right_kfold(n, k, seed=0):
    order = np.random.default_rng(seed).permutation(n)
    folds = np.array_split(order, k)
    return [(np.concatenate(folds[:j] + folds[j + 1:]), folds[j]) for j in range(k)]


def test_kfold_accepts_right_answers():
    assert check_kfold(_right_kfold)
    assert check_kfold(lambda n, k, seed=0: kfold_indices(n, k, seed=seed))

    def with_lists(n, k, seed=0):  # lists of ints are index arrays too
        folds = _right_kfold(n, k, seed)
        return [(list(map(int, t)), list(map(int, h))) for t, h in folds]

    assert check_kfold(with_lists)


def test_kfold_explains_common_mistakes():
    def drops_remainder(n, k, seed=0):
        order = np.random.default_rng(seed).permutation(n)
        size = n // k
        folds = [order[j * size:(j + 1) * size] for j in range(k)]
        return [(np.setdiff1d(order, f), f) for f in folds]

    def trains_on_everything(n, k, seed=0):
        return [(np.arange(n), h) for _, h in _right_kfold(n, k, seed)]

    def uneven(n, k, seed=0):
        order = np.random.default_rng(seed).permutation(n)
        folds = [order[:n - k + 1]] + [order[n - k + 1 + j:n - k + 2 + j]
                                        for j in range(k - 1)]
        return [(np.setdiff1d(order, f), f) for f in folds]

    def unshuffled(n, k, seed=0):
        folds = np.array_split(np.arange(n), k)
        return [(np.concatenate(folds[:j] + folds[j + 1:]), folds[j]) for j in range(k)]

    def unseeded(n, k, seed=0):
        return _right_kfold(n, k, seed=int(np.random.default_rng().integers(1e9)))

    def overlapping(n, k, seed=0):
        folds = _right_kfold(n, k, seed)
        return [folds[0]] + [(t, np.append(h, folds[0][1][0])) for t, h in folds[1:]]

    def swapped(n, k, seed=0):
        return [(h, t) for t, h in _right_kfold(n, k, seed)]

    cases = {
        "the pairs look swapped": swapped,
        "never holds out example": drops_remainder,
        "trains on examples it holds out": trains_on_everything,
        "differ by at most one": uneven,
        "contiguous blocks": unshuffled,
        "two calls with seed=0 gave different folds": unseeded,
        "in more than one fold": overlapping,
        "returned 0 folds, expected k = 5": lambda n, k, seed=0: [],
        "must be a pair": lambda n, k, seed=0: [np.arange(n)] * k,
        "integer indices": lambda n, k, seed=0: [(np.zeros(2), np.zeros(2))] * k,
        "raised ZeroDivisionError": lambda n, k, seed=0: 1 / 0,
        "pass your function itself": 3,
    }
    for message, fn in cases.items():
        fb = check_kfold(fn)
        assert not fb, message
        assert message in str(fb), (message, str(fb))


def test_mse_reports_an_exception_of_its_second_call():
    calls = []

    def fails_second(y_hat, y):  # right on the first call, then raises
        calls.append(1)
        if len(calls) > 1:
            raise ValueError("late failure")
        return np.mean((y_hat - y) ** 2)

    fb = check_mse(fails_second)
    assert not fb and "my_mse(y, y) raised ValueError: late failure" in str(fb)


def test_mse_takes_a_result_in_any_numeric_form():
    assert check_mse(lambda y_hat, y: torch.tensor(np.mean((y_hat - y) ** 2)))
    assert check_mse(lambda y_hat, y: [np.mean((y_hat - y) ** 2)])
    fb = check_mse(lambda y_hat, y: (y_hat - y) ** 2)
    assert not fb and "must be one number, got 8 numbers" in str(fb)
    assert check_mse(lambda y_hat, y: ...).pending


def test_kfold_reports_an_exception_of_a_later_call():
    calls = []

    def fails_last(n, k, seed=0):
        calls.append(1)
        if len(calls) == 5:  # the check's second call with (20, 4)
            raise RuntimeError("late failure")
        return _right_kfold(n, k, seed)

    fb = check_kfold(fails_last)
    assert not fb and "my_kfold(20, 4, seed=0) raised RuntimeError" in str(fb)
    assert check_kfold(lambda n, k, seed=0: [(torch.tensor(t), torch.tensor(h))
                                            for t, h in _right_kfold(n, k, seed)])


def test_diagnosis_with_keys_of_mixed_types_is_feedback_not_a_crash():
    right = {"A": "overfitting", "B": "underfitting", "C": "just right"}
    fb = check_diagnosis({**right, 1: "overfitting", "D": "underfitting"})
    assert not fb and "key(s) 1, 'D', not asked for" in str(fb)
    fb = check_diagnosis({**right, "A": np.array([1, 2])})
    assert not fb and "model A" in str(fb)
    assert check_diagnosis({"A": ..., "B": ..., "C": ...}).pending
