"""Two-dimensional toy problems and decision-boundary plots, in the spirit of
playground.tensorflow.org.

Four seeded data sets (circles, moons, spirals, XOR) of points ``X`` with shape
``(n, 2)`` and labels ``y`` in {0, 1}; a helper that trains a small fully connected
network on them with :func:`dlbook.training.fit`; and helpers that evaluate a network
on a grid and draw its decision boundary. Taught in "Activations and hyperparameters".
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from dlbook import _checks as checks
from dlbook.activations import deep_mlp
from dlbook.training import History, fit


def _rng(n: int, noise: float, seed: int) -> np.random.Generator:
    checks.integer("n", n, low=2)
    checks.non_negative("noise", noise)
    return np.random.default_rng(checks.seed(seed))


def _pack(X: np.ndarray, y: np.ndarray, rng: np.random.Generator, noise: float):
    X = X + noise * rng.standard_normal(X.shape)
    order = rng.permutation(len(y))  # mix the classes, which are generated in blocks
    return (torch.as_tensor(X[order], dtype=torch.float32),
            torch.as_tensor(y[order], dtype=torch.int64))


def make_circles(n: int = 200, *, noise: float = 0.1, factor: float = 0.5,
                 seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A disc of class 1 (radius ``factor``) inside a ring of class 0 (radius 1).

    Returns:
        ``X`` of shape ``(n, 2)`` (float32) and ``y`` of shape ``(n,)`` (int64).
    """
    checks.fraction("factor", factor)
    rng = _rng(n, noise, seed)
    y = np.arange(n) % 2
    angle = rng.uniform(0, 2 * math.pi, n)
    radius = np.where(y == 1, factor, 1.0)
    X = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return _pack(X, y, rng, noise)


def make_moons(n: int = 200, *, noise: float = 0.1,
               seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two interleaving half circles, centred on the origin. Returns as
    :func:`make_circles`."""
    rng = _rng(n, noise, seed)
    y = np.arange(n) % 2
    t = rng.uniform(0, math.pi, n)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    X = np.where(y[:, None] == 0, upper, lower) - np.array([0.5, 0.25])
    return _pack(X, y, rng, noise)


def make_spirals(n: int = 200, *, noise: float = 0.1, turns: float = 1.5,
                 seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two spirals wound into each other, ``turns`` times around, radius up to 1.
    Returns as :func:`make_circles`."""
    checks.positive("turns", turns)
    rng = _rng(n, noise, seed)
    y = np.arange(n) % 2
    r = np.sqrt(rng.uniform(0.02, 1, n))  # more points further out, where there is room
    angle = 2 * math.pi * turns * r + math.pi * y
    X = r[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return _pack(X, y, rng, noise)


def make_xor(n: int = 200, *, noise: float = 0.1, margin: float = 0.1,
             seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Points in the square [-1, 1]², class 1 where ``x1 x2 > 0`` (two opposite
    quadrants), kept ``margin`` away from the axes. Returns as :func:`make_circles`."""
    checks.fraction("margin", margin, low_open=False)
    rng = _rng(n, noise, seed)
    X = rng.uniform(margin, 1, (n, 2)) * rng.choice([-1.0, 1.0], (n, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    return _pack(X, y, rng, noise)


DATASETS = {"circles": make_circles, "moons": make_moons, "spirals": make_spirals,
            "xor": make_xor}


def make_dataset(name: str, n: int = 200, *, noise: float = 0.1,
                 seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """One of :data:`DATASETS` by name."""
    return DATASETS[checks.choice("name", name, DATASETS)](n, noise=noise, seed=seed)


def split(X: torch.Tensor, y: torch.Tensor, *, val_size: float = 0.25,
          test_size: float = 0.25, seed: int = 0):
    """Shuffle and cut ``(X, y)`` into train, validation and test tuples ``(X, y)``."""
    n = len(checks.tensor("y", y))
    if len(checks.tensor("X", X)) != n:
        raise ValueError(f"X and y must have the same length, got {len(X)} and {n}")
    n_val = round(checks.fraction("val_size", val_size) * n)
    n_test = round(checks.fraction("test_size", test_size) * n)
    if min(n_val, n_test, n - n_val - n_test) < 1:
        raise ValueError(f"{n} examples cannot be split into non-empty train, "
                         f"validation and test parts with val_size={val_size} and "
                         f"test_size={test_size}: that gives "
                         f"{[n - n_val - n_test, n_val, n_test]}")
    generator = torch.Generator().manual_seed(checks.seed(seed))
    order = torch.randperm(n, generator=generator)
    parts = order[n_val + n_test:], order[:n_val], order[n_val:n_val + n_test]
    return tuple((X[idx], y[idx]) for idx in parts)


def train_classifier(X: torch.Tensor, y: torch.Tensor, *,
                     num_hiddens: Sequence[int] = (8,), activation: str = "tanh",
                     lr: float = 0.03, num_epochs: int = 300, optimizer: str = "adam",
                     momentum: float = 0.9, batch_size: int | None = None,
                     seed: int = 0) -> tuple[nn.Sequential, History]:
    """Train a fresh ``2 -> num_hiddens -> 2`` network on ``(X, y)``.

    Args:
        X: points ``(n, 2)``; y: labels ``(n,)`` in {0, 1}.
        num_hiddens: width of each hidden layer (an empty tuple is logistic regression).
        activation: of the hidden layers, a name in ``dlbook.activations.ACTIVATIONS``.
        lr, num_epochs, optimizer: passed to :func:`dlbook.training.fit`.
        momentum: of SGD (``optimizer="sgd"``); Adam ignores it.
        batch_size: examples per step; ``None`` uses the whole training set.
        seed: seeds the initial weights and the order of the examples.

    Returns:
        The trained network (logits ``(n, 2)``) and its :class:`History`.
    """
    if checks.tensor("X", X, ndim=2, shape="(n, 2)").shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2), got {tuple(X.shape)}")
    torch.manual_seed(checks.seed(seed))
    model = deep_mlp(2, num_hiddens, 2, activation=activation)
    history = fit(model, (X, y), num_epochs=num_epochs, lr=lr, optimizer=optimizer,
                  batch_size=len(y) if batch_size is None else batch_size,
                  momentum=momentum, shuffle=True, seed=seed, device="cpu",
                  progress=False)
    return model, history


@torch.no_grad()
def grid_probabilities(model: nn.Module, X: torch.Tensor, *, resolution: int = 80,
                       margin: float = 0.3):
    """The model's probability of class 1 on a square grid that covers ``X``.

    Args:
        model: maps ``(m, 2)`` points to logits ``(m, 2)``.
        X: the data, shape ``(n, 2)``, which the grid covers with ``margin`` to spare.
        resolution: grid points per side.

    Returns:
        ``xx, yy, p``: NumPy arrays of shape ``(resolution, resolution)``.
    """
    resolution = checks.integer("resolution", resolution, low=2)
    lo, hi = float(X.min()) - margin, float(X.max()) + margin  # a square
    side = torch.linspace(lo, hi, resolution)
    xx, yy = torch.meshgrid(side, side, indexing="xy")
    points = torch.stack([xx.reshape(-1), yy.reshape(-1)], dim=1)  # (m, 2)
    p = model(points).softmax(dim=1)[:, 1].reshape(xx.shape)
    return xx.numpy(), yy.numpy(), p.numpy()


def plot_decision_boundary(ax, xx: np.ndarray, yy: np.ndarray, p: np.ndarray,
                           X: torch.Tensor, y: torch.Tensor, *, title: str = "",
                           point_size: float = 8) -> None:
    """Shade ``p`` (grayscale-safe cividis), draw the ``p = 0.5`` contour and the
    points: class 0 as circles, class 1 as triangles."""
    ax.contourf(xx, yy, p, levels=np.linspace(0, 1, 11), cmap="cividis", alpha=0.8)
    ax.contour(xx, yy, p, levels=[0.5], colors="k", linewidths=1.2)
    X, y = np.asarray(X), np.asarray(y)
    for label, marker, face in ((0, "o", "white"), (1, "^", "black")):
        pts = X[y == label]
        ax.scatter(pts[:, 0], pts[:, 1], s=point_size, marker=marker, c=face,
                   edgecolors="k", linewidths=0.4)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect("equal")
    if title:
        ax.set_title(title, fontsize=9)
