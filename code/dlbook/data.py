"""The book's image data sets as train, validation and test splits.

Every data set comes back as the same :class:`Splits`: images of shape
``(N, 1, H, W)`` as float32 in [0, 1] and integer labels, split into train, validation
and test sets in a stratified, seeded way (:func:`split_stratified`). Chapters use the
1,797 8x8 digits that ship with scikit-learn by default (seconds on a CPU,
:func:`load_digits`) and real MNIST in the full profile (:mod:`dlbook.mnist`, see
:func:`load_dataset` and :func:`dlbook.utils.get_profile`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import TensorDataset

from dlbook import _checks


@dataclass(frozen=True)
class Splits:
    """Train, validation and test tensors; images ``(N, 1, H, W)``, labels ``(N,)``."""

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_val: torch.Tensor
    y_val: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one example, ``(channels, height, width)``."""
        return tuple(self.X_train.shape[1:])

    @property
    def num_classes(self) -> int:
        return int(torch.cat([self.y_train, self.y_val, self.y_test]).max()) + 1

    def datasets(self) -> tuple[TensorDataset, TensorDataset, TensorDataset]:
        """The three splits as ``TensorDataset``s, ready for a ``DataLoader``."""
        return (
            TensorDataset(self.X_train, self.y_train),
            TensorDataset(self.X_val, self.y_val),
            TensorDataset(self.X_test, self.y_test),
        )

    def sizes(self) -> dict[str, int]:
        return {
            "train": len(self.y_train),
            "validation": len(self.y_val),
            "test": len(self.y_test),
        }


def split_stratified(
    X: np.ndarray,
    y: np.ndarray,
    *,
    val_size: float = 0.2,
    test_size: float = 0.2,
    seed: int = 0,
) -> Splits:
    """Split arrays into stratified train/validation/test tensors.

    Args:
        X: images, shape ``(N, 1, H, W)``, values in [0, 1].
        y: integer labels, shape ``(N,)``.
        val_size, test_size: fractions of the whole data set.
        seed: fixes which examples land in which split.
    """
    from sklearn.model_selection import train_test_split

    val_size = _checks.fraction("val_size", val_size)
    test_size = _checks.fraction("test_size", test_size)
    if val_size + test_size >= 1:
        raise ValueError(
            f"val_size + test_size must be below 1, got {val_size} + {test_size}"
        )
    seed = _checks.seed(seed)
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 4 or X.shape[1] != 1:
        raise ValueError(f"X must have shape (N, 1, H, W), got {X.shape}")
    if y.shape != (len(X),):
        raise ValueError(f"y must have shape ({len(X)},) to match X, got {y.shape}")
    if len(X) == 0:
        raise ValueError("X is empty: expected at least one example")
    if X.dtype.kind not in "biuf":
        raise TypeError(
            f"X must hold numbers (pixel values in [0, 1]), got dtype {X.dtype}")
    if not np.all((X >= 0) & (X <= 1)):  # also False for NaN
        raise ValueError("X must hold pixel values in [0, 1]; scale the images first, "
                         "and check for NaN")
    if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
        y = y.astype(np.int64)  # whole numbers stored as floats are fine
    if y.dtype.kind not in "biu":
        raise TypeError(f"y must hold integer class labels, got dtype {y.dtype}")
    if y.min() < 0:
        raise ValueError(f"y must hold class labels 0, 1, 2, ..., got {y.min()}")
    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=seed
    )
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest,
        y_rest,
        test_size=val_size / (1 - test_size),
        stratify=y_rest,
        random_state=seed,
    )

    def images(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))

    def labels(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(a, dtype=np.int64))

    return Splits(
        images(X_train), labels(y_train),
        images(X_val), labels(y_val),
        images(X_test), labels(y_test),
    )


def load_digits(
    *, val_size: float = 0.2, test_size: float = 0.2, seed: int = 0
) -> Splits:
    """The 1,797 8x8 handwritten digits of scikit-learn, ``(N, 1, 8, 8)`` in [0, 1]."""
    from sklearn.datasets import load_digits as _sk_digits

    bunch = _sk_digits()
    X = (bunch.images / 16.0).astype(np.float32)[:, None]  # (N, 1, 8, 8)
    return split_stratified(X, bunch.target, val_size=val_size, test_size=test_size,
                            seed=seed)


def standardise(splits: Splits, mean: float | None = None,
                std: float | None = None) -> Splits:
    """``(X - mean) / std`` on every split; by default the training images' statistics.

    One mean and one standard deviation over all pixels, taken from the training set
    only, so the validation and test images tell the model nothing about themselves.
    """
    if not isinstance(splits, Splits):
        raise TypeError(f"splits must be a Splits, got {type(splits).__name__}")
    mean = _checks.number("mean", splits.X_train.mean() if mean is None else mean)
    std = _checks.positive("std", splits.X_train.std() if std is None else std)

    def scale(X: torch.Tensor) -> torch.Tensor:
        return (X - mean) / std

    return Splits(scale(splits.X_train), splits.y_train, scale(splits.X_val),
                  splits.y_val, scale(splits.X_test), splits.y_test)


def load_dataset(profile: str | None = None, *, seed: int = 0,
                 root: str | os.PathLike = "data/mnist") -> Splits:
    """The lab's data for a profile: the digits (``"quick"``) or MNIST (``"full"``).

    Args:
        profile: ``"quick"``, ``"full"``, or ``None`` to ask
            :func:`dlbook.utils.get_profile`.
        seed: fixes the split.
        root: MNIST's folder, see :func:`dlbook.mnist.load_mnist`.
    """
    from dlbook.mnist import load_mnist  # imported here: MNIST needs the Splits above
    from dlbook.utils import get_profile

    profile = profile or get_profile()
    if profile == "quick":
        return load_digits(seed=seed)
    if profile == "full":
        return load_mnist(root, seed=seed)
    raise ValueError(f"profile must be 'quick' or 'full', got {profile!r}")
