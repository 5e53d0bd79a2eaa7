"""k-fold cross-validation: every example is held out once, and the k scores averaged.

The examples are shuffled and cut into k folds of (nearly) equal size. Fold j is held
out while the model is fitted on the other k - 1 folds, giving a held-out score L_j;
the cross-validation estimate is their mean,

    CV = 1/k sum_j L_j.

Taught in the chapter "Learning scheme, bias and variance".
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dlbook import _checks as checks


def _check_folds(n, k, shuffle, seed) -> tuple[int, int]:
    n, k = checks.integer("n", n, low=2), checks.integer("k", k, low=2)
    checks.seed(seed)
    if k > n:
        raise ValueError(f"k = {k} folds need at least {k} examples, got n = {n}")
    if not isinstance(shuffle, bool):
        raise TypeError(f"shuffle must be True or False, got {shuffle!r}")
    return n, k


def _check_cv(fit_and_score, x, y) -> None:
    if not callable(fit_and_score):
        raise TypeError("fit_and_score must be a function (train, held_out) -> score, "
                        f"got {type(fit_and_score).__name__}")
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length, got {len(x)} and "
                         f"{len(y)}")


def kfold_indices(n: int, k: int, *, shuffle: bool = True,
                  seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """The ``(train, held_out)`` index arrays of the k folds of ``n`` examples.

    Args:
        n: number of examples, indexed ``0 .. n - 1``.
        k: number of folds, from 2 to ``n`` (``k = n`` is leave-one-out).
        shuffle: shuffle the indices before cutting them (seeded by ``seed``);
            without it each fold is a contiguous block, which is wrong for data
            sorted by input or label.
        seed: seeds the shuffling.

    Returns:
        ``k`` pairs ``(train_idx, held_out_idx)``. Each index is held out in exactly
        one fold; the fold sizes differ by at most one.
    """
    n, k = _check_folds(n, k, shuffle, seed)
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    folds = np.array_split(order, k)  # k arrays, sizes differ by at most one
    return [(np.concatenate(folds[:j] + folds[j + 1:]), folds[j]) for j in range(k)]


def cross_val_score(fit_and_score: Callable[[tuple, tuple], float], x, y, *,
                    k: int = 5, shuffle: bool = True, seed: int = 0) -> np.ndarray:
    """The k held-out scores of k-fold cross-validation; their mean is the estimate.

    Args:
        fit_and_score: ``fit_and_score(train, held_out)`` fits a fresh model on
            ``train = (x_train, y_train)`` and returns its score (e.g. the MSE) on
            ``held_out = (x_held_out, y_held_out)``.
        x, y: inputs and targets of the same length, indexable by an index array
            (NumPy arrays or torch tensors).
        k, shuffle, seed: as in :func:`kfold_indices`.

    Returns:
        The scores ``L_1, ..., L_k`` of the folds, shape ``(k,)``.
    """
    _check_cv(fit_and_score, x, y)
    scores = []
    for train_idx, held_idx in kfold_indices(len(x), k, shuffle=shuffle, seed=seed):
        train, held_out = (x[train_idx], y[train_idx]), (x[held_idx], y[held_idx])
        scores.append(float(fit_and_score(train, held_out)))
    return np.array(scores)  # (k,)

