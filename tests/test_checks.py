"""The shared argument checks: right values pass (as plain numbers), wrong ones name
the argument."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from dlbook import _checks as checks


@pytest.mark.parametrize("value", [3, np.int64(3), np.int32(3), torch.tensor(3)])
def test_positive_int_accepts_numpy_and_torch_ints(value):
    out = checks.positive_int("n", value)
    assert out == 3 and type(out) is int


@pytest.mark.parametrize("value, error", [
    (0, ValueError), (-2, ValueError), (2.0, TypeError), (True, TypeError),
    (np.bool_(True), TypeError), (torch.tensor(True), TypeError), ("3", TypeError),
    (None, TypeError), (torch.tensor(2.5), TypeError), (float("nan"), TypeError),
])
def test_positive_int_rejects(value, error):
    with pytest.raises(error, match="num_hiddens"):
        checks.positive_int("num_hiddens", value)


def test_non_negative_int():
    assert checks.non_negative_int("k", np.int64(0)) == 0
    with pytest.raises(ValueError, match="k must be a non-negative int, got -1"):
        checks.non_negative_int("k", -1)


@pytest.mark.parametrize("value", [0.1, 1, np.float32(0.1), np.float64(0.1),
                                   torch.tensor(0.1), np.array(0.1)])
def test_positive_accepts_numbers(value):
    out = checks.positive("lr", value)
    assert type(out) is float and math.isclose(out, 0.1 if out < 1 else 1, rel_tol=1e-6)


@pytest.mark.parametrize("value, error, message", [
    (0, ValueError, "lr must be positive, got 0"),
    (-1e-3, ValueError, "lr must be positive"),
    (float("nan"), ValueError, "lr must be a finite number, got nan"),
    (float("inf"), ValueError, "lr must be a finite number"),
    (np.float64("nan"), ValueError, "finite"),
    (True, TypeError, "lr must be a number"),
    ("0.1", TypeError, "lr must be a number"),
    (torch.tensor([0.1, 0.2]), TypeError, "lr must be a number"),
])
def test_positive_rejects(value, error, message):
    with pytest.raises(error, match=message):
        checks.positive("lr", value)


def test_non_negative_admits_zero_only_from_below():
    assert checks.non_negative("noise", 0) == 0.0
    with pytest.raises(ValueError, match="noise must be non-negative, got -0.1"):
        checks.non_negative("noise", -0.1)


def test_fraction_bounds():
    assert checks.fraction("p", np.float32(0.5)) == 0.5
    for bad in (0, 1, 1.5, -0.1):
        with pytest.raises(ValueError, match=r"p must be in \(0, 1\)"):
            checks.fraction("p", bad)
    assert checks.fraction("dropout", 0, low_open=False) == 0.0
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
        checks.fraction("dropout", 1, low_open=False)
    assert checks.fraction("rate", 1, high_open=False) == 1.0


def test_integer_range():
    assert checks.integer("k", 2, low=2, high=5) == 2
    with pytest.raises(ValueError, match=r"k must be in \[2, 5\], got 6"):
        checks.integer("k", 6, low=2, high=5)


@pytest.mark.parametrize("value", [0, 2**32 - 1, np.uint32(7), np.int64(2**31)])
def test_seed_accepts_the_one_range(value):
    assert checks.seed(value) == int(value)


@pytest.mark.parametrize("value, error", [
    (-1, ValueError), (2**32, ValueError), (1.0, TypeError), (False, TypeError),
    (None, TypeError),
])
def test_seed_rejects(value, error):
    with pytest.raises(error, match="seed"):
        checks.seed(value)


def test_choice():
    assert checks.choice("activation", "relu", ("relu", "tanh")) == "relu"
    with pytest.raises(ValueError, match="activation must be one of 'relu', 'tanh', "
                                         "got 'nope'"):
        checks.choice("activation", "nope", ("relu", "tanh"))


def test_tensor_checks_kind_ndim_dtype_and_values():
    X = torch.zeros(3, 2)
    assert checks.tensor("X", X, ndim=2, floating=True, finite=True) is X
    with pytest.raises(TypeError, match=r"X must be a torch.Tensor, got ndarray; "
                                        r"convert it with torch.as_tensor\(X, "
                                        r"dtype=torch.float32\)"):
        checks.tensor("X", np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"X must have shape \(batch, features\), "
                                         r"got \(3,\)"):
        checks.tensor("X", torch.zeros(3), ndim=2, shape="(batch, features)")
    with pytest.raises(ValueError, match="X must be 2-dimensional or 3-dimensional, got \\(3,\\)"):
        checks.tensor("X", torch.zeros(3), ndim=(2, 3))
    with pytest.raises(TypeError, match=r"X must be a floating-point tensor, got "
                                        r"torch.int64; convert it with X.float\(\)"):
        checks.tensor("X", torch.zeros(3, dtype=torch.long), floating=True)
    with pytest.raises(TypeError, match=r"X must have dtype torch.float32, got torch.float64"):
        checks.tensor("X", torch.zeros(3, dtype=torch.float64), dtype=torch.float32)
    bad = torch.tensor([1.0, float("nan"), float("inf")])
    with pytest.raises(ValueError, match="X contains 2 NaN or infinite"):
        checks.tensor("X", bad, finite=True)


def test_images():
    X = torch.zeros(2, 1, 4, 4)
    assert checks.images("X", X, channels=1) is X
    with pytest.raises(ValueError, match=r"X must have shape \(batch, channels, "
                                         r"height, width\)"):
        checks.images("X", torch.zeros(1, 4, 4))
    with pytest.raises(ValueError, match="X must have 3 channel"):
        checks.images("X", X, channels=3)
    with pytest.raises(ValueError, match="X is empty"):
        checks.images("X", torch.zeros(0, 1, 4, 4))
    with pytest.raises(TypeError, match="floating-point"):
        checks.images("X", torch.zeros(2, 1, 4, 4, dtype=torch.uint8))


def test_optimizer_of():
    model, other = nn.Linear(2, 1), nn.Linear(2, 1)
    checks.optimizer_of(model, torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(ValueError, match="optimizer does not update any of this "
                                         "model's parameters"):
        checks.optimizer_of(model, torch.optim.SGD(other.parameters(), lr=0.1))
    with pytest.raises(TypeError, match="optimizer must be a torch.optim.Optimizer"):
        checks.optimizer_of(model, "sgd")


def test_finite_loss():
    assert checks.finite_loss(torch.tensor(0.5), epoch=1) == 0.5
    for bad in (float("nan"), torch.tensor(float("inf"))):
        with pytest.raises(checks.TrainingDiverged,
                           match=r"the training loss became (nan|inf) at epoch 3, "
                                 r"step 7: training diverged. Try a smaller learning "
                                 r"rate"):
            checks.finite_loss(bad, epoch=3, step=7)
    assert issubclass(checks.TrainingDiverged, FloatingPointError)
