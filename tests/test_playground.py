"""Toy 2-D data sets, the small-network trainer and the decision-boundary helpers."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from helpers.strategies import QUICK  # noqa: E402
from hypothesis import assume, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from dlbook import playground  # noqa: E402


@pytest.mark.parametrize("name", playground.DATASETS)
def test_datasets_shapes_types_and_balance(name):
    X, y = playground.make_dataset(name, 101, noise=0.1, seed=0)
    assert X.shape == (101, 2) and X.dtype == torch.float32
    assert y.shape == (101,) and y.dtype == torch.int64
    assert set(y.tolist()) == {0, 1}
    assert abs(int(y.sum()) - 50) <= 15
    assert X.abs().max() < 2.5


@pytest.mark.parametrize("name", playground.DATASETS)
def test_datasets_are_seeded(name):
    X1, y1 = playground.make_dataset(name, 50, seed=3)
    X2, y2 = playground.make_dataset(name, 50, seed=3)
    X3, _ = playground.make_dataset(name, 50, seed=4)
    assert torch.equal(X1, X2) and torch.equal(y1, y2)
    assert not torch.equal(X1, X3)


def test_noise_free_geometry():
    X, y = playground.make_circles(200, noise=0.0, factor=0.4, seed=0)
    radius = X.norm(dim=1)
    torch.testing.assert_close(radius[y == 1], torch.full_like(radius[y == 1], 0.4))
    torch.testing.assert_close(radius[y == 0], torch.ones_like(radius[y == 0]))
    X, y = playground.make_xor(200, noise=0.0, seed=0)
    assert torch.equal(y, (X[:, 0] * X[:, 1] > 0).long())
    assert X.abs().min() >= 0.1  # the margin keeps points off the axes


def test_split_sizes_and_disjointness():
    X = torch.arange(40, dtype=torch.float32).reshape(20, 2)
    y = torch.arange(20)
    train, val, test = playground.split(X, y, val_size=0.25, test_size=0.25, seed=0)
    assert (len(train[1]), len(val[1]), len(test[1])) == (10, 5, 5)
    ids = torch.cat([train[1], val[1], test[1]])
    assert sorted(ids.tolist()) == list(range(20))
    assert torch.equal(train[0][:, 0], 2 * train[1].float())  # X and y stay paired


def test_training_separates_the_circles():
    X, y = playground.make_circles(80, noise=0.05, seed=0)
    model, history = playground.train_classifier(X, y, num_hiddens=(8,),
                                                 activation="tanh", lr=0.1,
                                                 num_epochs=80)
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]
    assert history.train_acc[-1] > 0.95


def test_training_is_seeded():
    X, y = playground.make_moons(60, seed=0)
    m1, h1 = playground.train_classifier(X, y, num_epochs=5, seed=2)
    m2, h2 = playground.train_classifier(X, y, num_epochs=5, seed=2)
    assert h1.train_loss == h2.train_loss


def test_momentum_reaches_sgd_only():
    X, y = playground.make_circles(60, seed=0)
    runs = {(opt, m): playground.train_classifier(X, y, optimizer=opt, momentum=m,
                                                 lr=0.1, num_epochs=5)[1].train_loss
            for opt in ("sgd", "adam") for m in (0.0, 0.9)}
    assert runs["sgd", 0.0] != runs["sgd", 0.9]
    assert runs["adam", 0.0] == runs["adam", 0.9]
    with pytest.raises(ValueError, match="momentum must be in"):
        playground.train_classifier(X, y, optimizer="sgd", momentum=1.5, num_epochs=1)


def test_grid_probabilities_and_plot():
    X, y = playground.make_moons(50, seed=0)
    model, _ = playground.train_classifier(X, y, num_hiddens=(4,), num_epochs=3)
    xx, yy, p = playground.grid_probabilities(model, X, resolution=20)
    assert xx.shape == yy.shape == p.shape == (20, 20)
    assert np.all((p >= 0) & (p <= 1))
    assert xx.min() < X[:, 0].min() and xx.max() > X[:, 0].max()
    fig, ax = plt.subplots()
    playground.plot_decision_boundary(ax, xx, yy, p, X, y, title="moons")
    assert ax.get_title() == "moons" and len(ax.collections) >= 3
    plt.close(fig)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="name must be one of"):
        playground.make_dataset("swiss roll")
    with pytest.raises(ValueError, match="n must be at least 2"):
        playground.make_moons(1)
    with pytest.raises(ValueError, match="noise must be non-negative"):
        playground.make_spirals(10, noise=-1)
    with pytest.raises(ValueError, match="factor must be in"):
        playground.make_circles(10, factor=1.5)
    with pytest.raises(ValueError, match="X must have shape"):
        playground.train_classifier(torch.zeros(5, 3), torch.zeros(5, dtype=torch.long))
    with pytest.raises(ValueError, match="cannot be split into non-empty"):
        playground.split(torch.zeros(4, 2), torch.zeros(4), val_size=0.6, test_size=0.5)
    with pytest.raises(ValueError, match="resolution must be at least 2"):
        playground.grid_probabilities(torch.nn.Linear(2, 2), torch.zeros(3, 2),
                                      resolution=1)


# --- properties, on drawn inputs ---------------------------------------------------


@QUICK
@given(name=st.sampled_from(["circles", "moons", "spirals", "xor"]), n=st.integers(2, 60),
       seed=st.integers(0, 99))
def test_playground_data_sets(name, n, seed):
    assume(name in playground.DATASETS)
    X, y = playground.make_dataset(name, n, seed=seed)
    assert X.shape == (n, 2) and X.dtype == torch.float32
    assert y.shape == (n,) and y.dtype == torch.int64 and set(y.tolist()) <= {0, 1}
    assert torch.equal(X, playground.make_dataset(name, n, seed=seed)[0])
    if n < 3:  # a quarter of 2 examples rounds to 0: an empty part is an error
        with pytest.raises(ValueError, match="cannot be split"):
            playground.split(X, y, seed=seed)
        return
    parts = playground.split(X, y, seed=seed)
    assert sum(len(part[1]) for part in parts) == n
    for Xp, yp in parts:
        assert len(Xp) == len(yp)


@QUICK
@given(cut=st.integers(1, 5))
def test_playground_split_rejects_mismatched_lengths(cut):
    X, y = playground.make_dataset("moons", 20)
    with pytest.raises(ValueError, match="X and y must have the same length"):
        playground.split(X, y[:-cut])
