"""Gradient descent, momentum and Adam, written out on a loss surface of two weights.

The surface is a real loss: the mean squared error of a line ``y_hat = w x + b`` fitted
to points, seen as a function of its two parameters ``(w, b)``. The optimizers take any
function ``grad(theta) -> gradient`` and return the whole path they walked, so that it
can be drawn over the contour plot. Taught in the chapter "Training neural networks";
tested against ``torch.optim``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dlbook import _checks as checks

Grad = Callable[[np.ndarray], np.ndarray]
# A run that walks this far from the origin has diverged; stop instead of overflowing.
DIVERGED = 1e6


@dataclass(frozen=True)
class LineFit:
    """The loss of a line fit as a surface over its two weights.

    ``L(w, b) = 1/n Σ_i (w x_i + b - y_i)^2``, a quadratic bowl whose Hessian is
    ``2/n Σ_i [[x_i², x_i], [x_i, 1]]``.

    Args:
        x, y: the points, shape ``(n,)`` each.
    """

    x: np.ndarray
    y: np.ndarray

    def __post_init__(self):
        x, y = np.asarray(self.x, dtype=float), np.asarray(self.y, dtype=float)
        if x.ndim != 1 or x.shape != y.shape or len(x) == 0:
            raise ValueError(f"x and y must be non-empty 1-D arrays of the same "
                             f"length, got shapes {x.shape} and {y.shape}")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)

    def loss(self, w, b) -> np.ndarray:
        """``L(w, b)``; ``w`` and ``b`` may be arrays of any one shape (a grid)."""
        w, b = np.asarray(w, dtype=float), np.asarray(b, dtype=float)
        residuals = w[..., None] * self.x + b[..., None] - self.y  # (..., n)
        return np.mean(residuals ** 2, axis=-1)

    def grad(self, theta, idx=None) -> np.ndarray:
        """``(∂L/∂w, ∂L/∂b)`` at ``theta = (w, b)``, on the points ``idx`` (or all)."""
        x, y = (self.x, self.y) if idx is None else (self.x[idx], self.y[idx])
        w, b = theta
        residuals = w * x + b - y
        return np.array([2 * np.mean(residuals * x), 2 * np.mean(residuals)])

    def hessian(self) -> np.ndarray:
        """The constant ``(2, 2)`` matrix of second derivatives."""
        return 2 * np.array([[np.mean(self.x ** 2), np.mean(self.x)],
                             [np.mean(self.x), 1.0]])

    def minimum(self) -> np.ndarray:
        """The least-squares ``(w, b)``: where the gradient is zero."""
        A = np.stack([self.x, np.ones_like(self.x)], axis=1)
        return np.linalg.lstsq(A, self.y, rcond=None)[0]

    def stochastic_grad(self, batch_size: int, seed: int = 0) -> Grad:
        """A ``grad`` that sees a fresh random mini-batch of ``batch_size`` points
        at every call: the gradient estimate of mini-batch SGD."""
        checks.integer("batch_size", batch_size, low=1, high=len(self.x))
        rng = np.random.default_rng(checks.seed(seed))
        return lambda theta: self.grad(
            theta, rng.choice(len(self.x), size=batch_size, replace=False))


def make_line_data(n: int = 50, *, slope: float = 2.0, intercept: float = -1.0,
                   noise: float = 0.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points ``y = slope x + intercept + noise``, ``x`` uniform in [0, 2]."""
    n = checks.positive_int("n", n)
    rng = np.random.default_rng(checks.seed(seed))
    x = rng.uniform(0, 2, size=n)
    return x, slope * x + intercept + noise * rng.standard_normal(n)


def _start(grad: Grad, theta0, lr: float, num_steps: int,
           **betas: float) -> tuple[np.ndarray, Grad]:
    """Check the arguments of an optimizer; return the starting point as a float vector
    and ``grad`` wrapped to check the shape of every gradient it returns."""
    if not callable(grad):
        raise TypeError(f"grad must be a function theta -> gradient, got "
                        f"{type(grad).__name__}")
    checks.positive("lr", lr)
    checks.non_negative_int("num_steps", num_steps)
    for name, beta in betas.items():
        checks.fraction(name, beta, low_open=False)
    theta = np.array(theta0, dtype=float)
    if theta.ndim != 1 or len(theta) == 0:
        raise ValueError(f"theta0 must be a 1-D vector, got shape {theta.shape}")

    def checked_grad(theta: np.ndarray) -> np.ndarray:
        g = np.asarray(grad(theta))
        # A gradient of another shape would broadcast against theta without an error.
        if g.shape != theta.shape:
            raise ValueError(f"grad must return an array of the shape of theta, "
                             f"{theta.shape}, got shape {g.shape}")
        return g

    return theta, checked_grad


def _diverged(theta: np.ndarray) -> bool:
    return not np.all(np.abs(theta) < DIVERGED)


def gradient_descent(grad: Grad, theta0, *, lr: float, num_steps: int) -> np.ndarray:
    """Plain gradient descent, ``θ ← θ - η ∇L(θ)``.

    Args:
        grad: gradient of the loss, ``(d,) -> (d,)``.
        theta0: starting point, shape ``(d,)``.
        lr: the learning rate ``η``.
        num_steps: how many updates.

    Returns:
        The path, ``(num_steps + 1, d)``: the start and every point after it. A run
        that diverges stops early, so its path is shorter.
    """
    theta, grad = _start(grad, theta0, lr, num_steps)
    path = [theta.copy()]
    for _ in range(num_steps):
        theta = theta - lr * grad(theta)
        path.append(theta.copy())
        if _diverged(theta):
            break
    return np.stack(path)


def momentum(grad: Grad, theta0, *, lr: float, num_steps: int,
             beta: float = 0.9) -> np.ndarray:
    """Gradient descent with momentum (PyTorch's form), ``v ← β v + ∇L(θ)``,
    ``θ ← θ - η v``: the velocity ``v`` sums past gradients with decaying weights, so
    steps grow along directions where they agree and cancel where they zig-zag.

    Args and Returns: as :func:`gradient_descent`; ``beta`` in [0, 1) is the momentum.
    """
    theta, grad = _start(grad, theta0, lr, num_steps, beta=beta)
    v = np.zeros_like(theta)
    path = [theta.copy()]
    for _ in range(num_steps):
        v = beta * v + grad(theta)
        theta = theta - lr * v
        path.append(theta.copy())
        if _diverged(theta):
            break
    return np.stack(path)


def adam(grad: Grad, theta0, *, lr: float, num_steps: int, beta1: float = 0.9,
         beta2: float = 0.999, eps: float = 1e-8) -> np.ndarray:
    """Adam: momentum on the gradient, divided by a running RMS of the gradient.

    ``m ← β1 m + (1-β1) g``, ``s ← β2 s + (1-β2) g²``, bias-corrected
    ``m̂ = m / (1-β1^t)``, ``ŝ = s / (1-β2^t)``, then ``θ ← θ - η m̂ / (√ŝ + ε)``.
    Each weight gets its own step size: one whose gradient keeps its sign moves
    about ``η`` per step, whatever the gradient's scale. The defaults are PyTorch's.

    Args and Returns: as :func:`gradient_descent`.
    """
    theta, grad = _start(grad, theta0, lr, num_steps, beta1=beta1, beta2=beta2)
    m, s = np.zeros_like(theta), np.zeros_like(theta)
    path = [theta.copy()]
    for t in range(1, num_steps + 1):
        g = grad(theta)
        m = beta1 * m + (1 - beta1) * g
        s = beta2 * s + (1 - beta2) * g ** 2
        m_hat, s_hat = m / (1 - beta1 ** t), s / (1 - beta2 ** t)
        theta = theta - lr * m_hat / (np.sqrt(s_hat) + eps)
        path.append(theta.copy())
        if _diverged(theta):
            break
    return np.stack(path)
