"""Checkers for the exercises of the chapter "Learning scheme, bias and variance"."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from dlbook.exercises import Feedback
from dlbook.exercises._answers import call, checker, function, mapping, number

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


@checker
def check_mse(mse: Callable) -> Feedback:
    """Check a reader's ``mse(y_hat, y)`` against ``1/n sum_i (y_hat_i - y_i)^2``.

    The function is called on a few NumPy vectors; its result must be a number.
    """
    fb = Feedback("mean squared error")
    mse = function(fb, "my_mse", mse, "check_mse(my_mse)")

    def error(y_hat, y, label) -> float:
        return number(fb, f"the result of {label}", call(fb, label, mse, y_hat, y),
                      finite=False)

    rng = np.random.default_rng(0)
    y = rng.normal(size=8)
    y_hat = y + rng.normal(scale=0.5, size=8)
    diff = y_hat - y
    got = error(y_hat.copy(), y.copy(), "my_mse(y_hat, y)")
    want = float(np.mean(diff**2))
    if np.isclose(got, want, rtol=1e-6):
        same = np.array([1.0, 2.0])
        if not np.isclose(error(same, same.copy(), "my_mse(y, y)"), 0.0):
            fb.fail("the error of a perfect prediction should be 0.")
        return fb
    fb.fail(f"my_mse(y_hat, y) returned {got:.6g}, expected {want:.6g}.")
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


def _index_array(value) -> np.ndarray | None:
    """A reader's fold as an int array of indices, or None if it is not one."""
    try:
        arr = np.asarray(value)
    except Exception:  # the reader's object may refuse anything
        return None
    if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
        return None
    return arr.astype(int)


def _check_folds(folds, n: int, k: int,
                 fb: Feedback) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """Check one answer ``kfold(n, k)``: its folds as index arrays, or None after
    adding what is wrong to ``fb``."""
    where = f"my_kfold({n}, {k})"
    try:
        if isinstance(folds, (str, bytes, dict)):
            raise TypeError
        folds = list(folds)
    except Exception:  # not a sequence, or the reader's iterator raised
        fb.fail(f"{where} must return a list of k pairs (train_idx, held_out_idx), got "
                f"a {type(folds).__name__}.")
        return None
    if len(folds) != k:
        fb.fail(f"{where} returned {len(folds)} folds, expected k = {k}.")
        return None
    pairs = []
    for fold in folds:
        if not (isinstance(fold, (tuple, list)) and len(fold) == 2):
            fb.fail(f"each fold of {where} must be a pair (train_idx, held_out_idx).")
            return None
        train, held = _index_array(fold[0]), _index_array(fold[1])
        if train is None or held is None:
            fb.fail(f"the folds of {where} must hold one-dimensional arrays of integer "
                    "indices.")
            return None
        pairs.append((train, held))
    held_all = np.concatenate([h for _, h in pairs])
    if held_all.size and (held_all.min() < 0 or held_all.max() >= n):
        fb.fail(f"{where} holds out indices outside 0 .. {n - 1}.")
        return None
    counts = np.bincount(held_all, minlength=n)
    if (counts == 0).any():
        missing = np.flatnonzero(counts == 0).tolist()
        fb.fail(f"{where} never holds out example(s) {missing}: every example must be "
                "held out once (did the last fold lose the remainder of n / k?).")
        return None
    if k > 2 and (counts == k - 1).all():
        fb.fail(f"{where} holds out every example in k - 1 = {k - 1} folds: the pairs "
                "look swapped, each must be (train_idx, held_out_idx).")
        return None
    if (counts > 1).any():
        fb.fail(f"{where} holds out example(s) {np.flatnonzero(counts > 1).tolist()} "
                "in more than one fold: the held-out folds must not overlap.")
        return None
    sizes = [len(h) for _, h in pairs]
    if max(sizes) - min(sizes) > 1:
        fb.fail(f"the held-out folds of {where} have sizes {sizes}: make them differ "
                "by at most one (np.array_split does).")
        return None
    for j, (train, held) in enumerate(pairs):
        if set(train.tolist()) & set(held.tolist()):
            fb.fail(f"fold {j} of {where} trains on examples it holds out: the "
                    "model would be scored on data it has seen.")
            return None
        if sorted(np.concatenate([train, held]).tolist()) != list(range(n)):
            fb.fail(f"fold {j} of {where}: the training indices must be all the "
                    "examples that are not held out, each once.")
            return None
    return pairs


@checker
def check_kfold(kfold: Callable) -> Feedback:
    """Check a reader's ``kfold(n, k, seed=0)`` against the definition of k folds.

    It must return ``k`` pairs ``(train_idx, held_out_idx)`` such that every index
    ``0 .. n - 1`` is held out exactly once, the fold sizes differ by at most one,
    each training part is everything else, the indices are shuffled, and the same
    seed gives the same folds.
    """
    fb = Feedback("k-fold cross-validation indices")
    kfold = function(fb, "my_kfold", kfold, "check_kfold(my_kfold)")
    held = {}
    for n, k in ((10, 5), (11, 3), (7, 7), (20, 4), (20, 4)):
        pairs = _check_folds(call(fb, f"my_kfold({n}, {k}, seed=0)", kfold, n, k,
                                  seed=0), n, k, fb)
        if pairs is None:
            return fb
        held.setdefault((n, k), []).append([h for _, h in pairs])
    first, again = held[20, 4]
    if all(np.array_equal(h, np.arange(h[0], h[0] + len(h))) for h in first):
        return fb.fail("the folds are contiguous blocks 0, 1, 2, ...: shuffle the "
                       "indices first, or sorted data (like the chapter's x) gives "
                       "folds that each cover one stretch of the inputs.")
    if not all(np.array_equal(a, b) for a, b in zip(first, again)):
        return fb.fail("two calls with seed=0 gave different folds: draw the "
                       "permutation from np.random.default_rng(seed).")
    return fb


@checker
def check_diagnosis(answers: Mapping[str, str]) -> Feedback:
    """Check the diagnosis of the models in :data:`MODELS`.

    Args:
        answers: model name -> ``"underfitting"``, ``"just right"`` or
            ``"overfitting"``, e.g. ``{"A": "underfitting", ...}``.
    """
    fb = Feedback("underfitting, just right or overfitting")
    answers = mapping(fb, "answers", answers, MODELS, "{'A': 'overfitting', ...}")
    missing = [name for name in MODELS if name not in answers
               or answers[name] is None or answers[name] is Ellipsis]
    if missing:
        fb.fail(f"no diagnosis for model(s) {', '.join(missing)}.")
    for name in MODELS:
        if name in missing:
            continue
        said = answers[name]
        label = said.strip().lower() if isinstance(said, str) else None
        if label not in DIAGNOSES:
            fb.fail(f"model {name}: {said!r} is not one of {DIAGNOSES}.")
            continue
        right = _ANSWERS[name]
        if label != right:
            train, test = MODELS[name]
            fb.fail(f"model {name} (training error {train}, test error {test}) is not "
                    f"{label}: {_REASONS[right]}.")
    return fb
