"""Tests of dlbook.crossval: the folds partition the data; the scores match sklearn."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import cross_val_score as sk_cross_val_score

from dlbook.crossval import cross_val_score, kfold_indices


@pytest.mark.parametrize("n, k", [(10, 2), (10, 3), (45, 5), (7, 7), (101, 10)])
def test_each_example_is_held_out_exactly_once(n, k):
    folds = kfold_indices(n, k, seed=1)
    assert len(folds) == k
    held = np.concatenate([h for _, h in folds])
    assert sorted(held.tolist()) == list(range(n))
    sizes = [len(h) for _, h in folds]
    assert max(sizes) - min(sizes) <= 1
    for train, held_out in folds:
        assert sorted(np.concatenate([train, held_out]).tolist()) == list(range(n))
        assert not set(train.tolist()) & set(held_out.tolist())


def test_folds_are_seeded_and_shuffled_unless_told_not_to():
    a, b = kfold_indices(20, 4, seed=0), kfold_indices(20, 4, seed=0)
    for (ta, ha), (tb, hb) in zip(a, b):
        np.testing.assert_array_equal(ta, tb)
        np.testing.assert_array_equal(ha, hb)
    c = kfold_indices(20, 4, seed=1)
    assert any(not np.array_equal(ha, hc) for (_, ha), (_, hc) in zip(a, c))
    assert any(np.any(np.diff(h) != 1) for _, h in a)  # not contiguous blocks
    blocks = kfold_indices(10, 3, shuffle=False)
    assert [h.tolist() for _, h in blocks] == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]


def test_leave_one_out():
    folds = kfold_indices(5, 5, seed=0)
    assert all(len(h) == 1 and len(t) == 4 for t, h in folds)


@pytest.mark.parametrize("args, kwargs, error, match", [
    ((5, 6), {}, ValueError, "k = 6 folds need at least 6 examples"),
    ((5, 1), {}, ValueError, "k must be at least 2"),
    ((5.0, 2), {}, TypeError, "n must be an int"),
    ((5, True), {}, TypeError, "k must be an int"),
    ((5, 2), dict(shuffle="yes"), TypeError, "shuffle must be True or False"),
])
def test_kfold_rejects_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        kfold_indices(*args, **kwargs)


def test_cross_val_score_fits_on_the_rest_and_scores_the_fold():
    x = np.arange(12.0)
    y = 10 * x
    seen = []

    def fit_and_score(train, held_out):
        seen.append(held_out[0].copy())
        assert not set(train[0]) & set(held_out[0])
        assert len(train[0]) + len(held_out[0]) == 12
        np.testing.assert_array_equal(train[1], 10 * train[0])  # pairs stay together
        return held_out[1].mean()

    scores = cross_val_score(fit_and_score, x, y, k=3, seed=2)
    assert scores.shape == (3,)
    np.testing.assert_allclose(scores, [10 * h.mean() for h in seen])
    assert sorted(np.concatenate(seen).tolist()) == x.tolist()
    assert scores.mean() == pytest.approx(y.mean())  # equal folds: mean of all y


def test_cross_val_score_agrees_with_scikit_learn():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + rng.normal(scale=0.3, size=40)

    def fit_and_score(train, held_out):
        model = LinearRegression().fit(*train)
        return np.mean((model.predict(held_out[0]) - held_out[1]) ** 2)

    ours = cross_val_score(fit_and_score, X, y, k=5, seed=3)
    folds = kfold_indices(40, 5, seed=3)
    theirs = -sk_cross_val_score(LinearRegression(), X, y, cv=folds,
                                 scoring="neg_mean_squared_error")
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_cross_val_score_takes_tensors():
    X, y = torch.arange(10.0)[:, None], torch.arange(10)
    scores = cross_val_score(lambda tr, ho: len(ho[1]), X, y, k=4, seed=0)
    assert sorted(scores.tolist()) == [2.0, 2.0, 3.0, 3.0]


def test_cross_val_score_rejects_bad_input():
    with pytest.raises(TypeError, match="fit_and_score must be a function"):
        cross_val_score(0.5, np.zeros(4), np.zeros(4))
    with pytest.raises(ValueError, match="x and y must have the same length"):
        cross_val_score(lambda tr, ho: 0.0, np.zeros(4), np.zeros(5))
