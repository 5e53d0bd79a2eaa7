"""Gradient descent, momentum and Adam on the line-fit surface, against torch.optim."""

import inspect

import numpy as np
import pytest
import torch
from helpers.strategies import FAST
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlbook import descent


@pytest.fixture
def surface():
    x, y = descent.make_line_data(30, seed=1)
    return descent.LineFit(x, y)


def torch_loss(surface, theta):
    x = torch.as_tensor(surface.x)
    y = torch.as_tensor(surface.y)
    return ((theta[0] * x + theta[1] - y) ** 2).mean()


def test_loss_on_a_grid_matches_pointwise(surface):
    ws, bs = np.meshgrid(np.linspace(-1, 3, 4), np.linspace(-2, 1, 5))
    grid = surface.loss(ws, bs)
    assert grid.shape == (5, 4)
    assert grid[2, 1] == pytest.approx(
        np.mean((ws[2, 1] * surface.x + bs[2, 1] - surface.y) ** 2))


def test_gradient_and_hessian_match_autograd(surface):
    theta = torch.tensor([0.3, -0.8], dtype=torch.float64, requires_grad=True)
    torch_loss(surface, theta).backward()
    np.testing.assert_allclose(surface.grad(theta.detach().numpy()),
                               theta.grad.numpy(), rtol=1e-10)
    hessian = torch.autograd.functional.hessian(lambda t: torch_loss(surface, t),
                                                theta.detach())
    np.testing.assert_allclose(surface.hessian(), hessian.numpy(), rtol=1e-10)


def test_minimum_has_zero_gradient(surface):
    np.testing.assert_allclose(surface.grad(surface.minimum()), 0, atol=1e-10)


def run_torch(surface, make_opt, theta0, num_steps):
    theta = torch.tensor(theta0, dtype=torch.float64, requires_grad=True)
    opt = make_opt([theta])
    path = [theta.detach().clone().numpy()]
    for _ in range(num_steps):
        opt.zero_grad()
        torch_loss(surface, theta).backward()
        opt.step()
        path.append(theta.detach().clone().numpy())
    return np.stack(path)


def test_gradient_descent_matches_torch_sgd(surface):
    ours = descent.gradient_descent(surface.grad, [-0.5, 2.0], lr=0.1, num_steps=25)
    theirs = run_torch(surface, lambda p: torch.optim.SGD(p, lr=0.1), [-0.5, 2.0], 25)
    assert ours.shape == (26, 2)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_momentum_matches_torch_sgd_with_momentum(surface):
    ours = descent.momentum(surface.grad, [-0.5, 2.0], lr=0.05, beta=0.9, num_steps=25)
    theirs = run_torch(surface, lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
                       [-0.5, 2.0], 25)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_adam_matches_torch_adam(surface):
    ours = descent.adam(surface.grad, [-0.5, 2.0], lr=0.1, beta1=0.8, beta2=0.99,
                        num_steps=25)
    theirs = run_torch(surface,
                       lambda p: torch.optim.Adam(p, lr=0.1, betas=(0.8, 0.99)),
                       [-0.5, 2.0], 25)
    np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-10)


def test_all_three_reach_the_minimum(surface):
    best = surface.loss(*surface.minimum())
    for path in (
        descent.gradient_descent(surface.grad, [0.0, 0.0], lr=0.3, num_steps=500),
        descent.momentum(surface.grad, [0.0, 0.0], lr=0.05, num_steps=500),
        descent.adam(surface.grad, [0.0, 0.0], lr=0.05, num_steps=1000),
    ):
        assert surface.loss(*path[-1]) == pytest.approx(best, rel=1e-3)


def test_learning_rate_above_two_over_curvature_diverges(surface):
    lr_max = 2 / np.linalg.eigvalsh(surface.hessian()).max()
    stable = descent.gradient_descent(surface.grad, [0.0, 0.0], lr=0.95 * lr_max,
                                      num_steps=300)
    unstable = descent.gradient_descent(surface.grad, [0.0, 0.0], lr=1.05 * lr_max,
                                        num_steps=300)
    assert surface.loss(*stable[-1]) < surface.loss(*stable[0])
    assert surface.loss(*unstable[-1]) > 1e3 * surface.loss(*unstable[0])


def test_divergent_run_stops_early_instead_of_overflowing(surface):
    with np.errstate(all="raise"):  # an overflow would raise here
        path = descent.gradient_descent(surface.grad, [0.0, 0.0], lr=5.0,
                                        num_steps=10_000)
    assert len(path) < 10_001
    assert np.all(np.isfinite(path))


def test_stochastic_grad_is_seeded_and_full_batch_is_exact(surface):
    g1 = surface.stochastic_grad(5, seed=3)
    g2 = surface.stochastic_grad(5, seed=3)
    theta = np.array([0.5, 0.5])
    assert np.array_equal(g1(theta), g2(theta))
    assert not np.array_equal(g1(theta), g1(theta))  # a fresh batch each call
    full = surface.stochastic_grad(len(surface.x), seed=0)
    np.testing.assert_allclose(full(theta), surface.grad(theta))


def test_stochastic_grad_is_unbiased(surface):
    g = surface.stochastic_grad(3, seed=0)
    theta = np.array([1.0, -1.0])
    mean = np.mean([g(theta) for _ in range(4000)], axis=0)
    np.testing.assert_allclose(mean, surface.grad(theta), rtol=0.05)


def test_make_line_data_is_seeded():
    a, b = descent.make_line_data(10, seed=0), descent.make_line_data(10, seed=0)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert a[0].shape == (10,) and np.all((a[0] >= 0) & (a[0] <= 2))


@pytest.mark.parametrize("optimizer", [descent.gradient_descent, descent.momentum,
                                       descent.adam])
def test_bad_arguments_raise(surface, optimizer):
    with pytest.raises(ValueError, match="lr must be positive"):
        optimizer(surface.grad, [0.0, 0.0], lr=0.0, num_steps=3)
    with pytest.raises(ValueError, match="num_steps must be a non-negative int"):
        optimizer(surface.grad, [0.0, 0.0], lr=0.1, num_steps=-1)
    with pytest.raises(ValueError, match="theta0 must be a 1-D vector"):
        optimizer(surface.grad, [[0.0, 0.0]], lr=0.1, num_steps=3)


def test_bad_betas_and_data_raise(surface):
    with pytest.raises(ValueError, match="beta must be in"):
        descent.momentum(surface.grad, [0.0, 0.0], lr=0.1, num_steps=3, beta=1.0)
    with pytest.raises(ValueError, match="beta2 must be in"):
        descent.adam(surface.grad, [0.0, 0.0], lr=0.1, num_steps=3, beta2=-0.1)
    with pytest.raises(ValueError, match="same length"):
        descent.LineFit([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="non-empty"):
        descent.LineFit([], [])
    with pytest.raises(ValueError, match=r"batch_size must be in \[1, "):
        surface.stochastic_grad(0)
    with pytest.raises(ValueError, match="n must be a positive int"):
        descent.make_line_data(0)


@pytest.mark.parametrize("optimizer", [descent.gradient_descent, descent.momentum,
                                       descent.adam])
@pytest.mark.parametrize("bad", [np.ones(1), np.float64(1.0), np.ones(3),
                                 np.ones((2, 1))])
def test_a_gradient_of_another_shape_raises_instead_of_broadcasting(optimizer, bad):
    with pytest.raises(ValueError, match=r"grad must return an array of the shape of "
                                         r"theta, \(2,\), got shape"):
        optimizer(lambda theta: bad, [0.0, 0.0], lr=0.1, num_steps=2)
    with pytest.raises(TypeError, match="grad must be a function"):
        optimizer(np.ones(2), [0.0, 0.0], lr=0.1, num_steps=2)


@pytest.mark.parametrize("optimizer", [descent.gradient_descent, descent.momentum,
                                       descent.adam])
def test_a_gradient_as_a_list_is_an_array(optimizer, surface):
    path = optimizer(lambda theta: list(surface.grad(theta)), [0.0, 0.0], lr=0.1,
                     num_steps=5)
    want = optimizer(surface.grad, [0.0, 0.0], lr=0.1, num_steps=5)
    assert np.array_equal(path, want)


def test_each_step_scales_the_distance_along_a_principal_direction(surface):
    """The chapter's stability argument: along each eigenvector of the Hessian, one
    step multiplies the distance to the minimum by (1 - lr * eigenvalue)."""
    curvatures, directions = np.linalg.eigh(surface.hessian())
    lr = 0.3
    path = descent.gradient_descent(surface.grad, [-0.5, 3.0], lr=lr, num_steps=5)
    coords = (path - surface.minimum()) @ directions  # (steps, 2)
    np.testing.assert_allclose(coords[1:], coords[:-1] * (1 - lr * curvatures),
                               rtol=1e-9, atol=1e-12)


def test_adam_defaults_are_torchs(surface):
    ours = inspect.signature(descent.adam).parameters
    theirs = inspect.signature(torch.optim.Adam).parameters
    assert (ours["beta1"].default, ours["beta2"].default) == theirs["betas"].default
    assert ours["eps"].default == theirs["eps"].default
    path = descent.adam(surface.grad, [-0.5, 2.0], lr=0.05, num_steps=25)
    want = run_torch(surface, lambda p: torch.optim.Adam(p, lr=0.05), [-0.5, 2.0], 25)
    np.testing.assert_allclose(path, want, rtol=1e-7, atol=1e-10)


# --- properties, on drawn inputs ---------------------------------------------------


@FAST
@given(theta0=hnp.arrays(np.float64, st.integers(1, 4), elements=st.floats(-5, 5)),
       method=st.sampled_from(["gradient_descent", "momentum", "adam"]),
       num_steps=st.integers(1, 30))
def test_optimisers_return_the_path_and_go_downhill(theta0, method, num_steps):
    path = np.asarray(getattr(descent, method)(lambda th: 2 * th, theta0, lr=0.1,
                                         num_steps=num_steps))
    assert path.shape == (num_steps + 1, len(theta0))
    assert np.array_equal(path[0], theta0)
    assert np.all(np.isfinite(path))
    if method == "gradient_descent":  # on x^2 plain descent shrinks every step
        assert np.all(np.abs(path[-1]) <= np.abs(theta0) + 1e-12)


@pytest.mark.parametrize("method", ["gradient_descent", "momentum", "adam"])
def test_optimisers_reject_gradients_of_the_wrong_shape(method):
    for bad in (lambda th: np.ones(1), lambda th: np.float64(1.0)):
        with pytest.raises(ValueError, match="grad"):
            getattr(descent, method)(bad, np.zeros(2), lr=0.1, num_steps=2)


def test_line_fit_rejects_mismatched_data():
    with pytest.raises(ValueError, match="x and y must"):
        descent.LineFit(np.zeros(5), np.zeros(4))
