"""Figures shared by the chapters: learning curves, image grids, confusion matrices.

Plotting knows nothing about models or training: it draws numbers and arrays.
Colour maps are sequential and readable in grayscale; curves differ in line style too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

LINESTYLES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D", "v", "P")


def _as_numpy(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def plot_history(histories: Mapping[str, object], *, metrics=("loss", "acc"),
                 axes=None, mark_best: bool = True):
    """Training (solid) and validation (dashed) curves, one colour per run.

    Args:
        histories: name -> ``dlbook.training.History`` (anything with ``train_loss``,
            ``val_loss``, ``train_acc``, ``val_acc`` lists and ``best_epoch``).
        metrics: which panels to draw, ``"loss"`` and/or ``"acc"``.
        axes: existing axes, one per metric; new ones are made when ``None``.
        mark_best: mark the epoch whose weights each model kept.

    Returns:
        The matplotlib figure.
    """
    if not histories:
        raise ValueError("histories must name at least one run")
    unknown = set(metrics) - {"loss", "acc"}
    if unknown:
        raise ValueError(f"metrics must be 'loss' and/or 'acc', got {sorted(unknown)}")
    if axes is None:
        fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 3.6),
                                 squeeze=False)
        axes = axes[0]
    else:
        axes = np.atleast_1d(axes)
        fig = axes[0].figure
    colors = plt.cm.viridis(np.linspace(0, 0.85, len(histories)))
    for ax, metric in zip(axes, metrics):
        for (name, h), color, marker in zip(histories.items(), colors, MARKERS):
            train = getattr(h, f"train_{metric}")
            val = getattr(h, f"val_{metric}")
            epochs = np.arange(1, len(train) + 1)
            ax.plot(epochs, train, "-", color=color, label=f"{name} (train)")
            if val:
                ax.plot(epochs, val, "--", color=color, label=f"{name} (validation)")
                best = getattr(h, "best_epoch", None)
                if mark_best and best:
                    ax.plot(best, val[best - 1], marker, color=color, markersize=7,
                            markeredgecolor="black")
        ax.set_xlabel("epoch")
        ax.set_ylabel({"loss": "cross-entropy loss", "acc": "accuracy"}[metric])
        ax.grid(alpha=0.3)
    axes[-1].legend(fontsize=8, loc="best")
    fig.tight_layout()
    return fig


def show_images(images, labels: Sequence | None = None, *, predictions=None,
                ncols: int = 10, size: float = 1.0, title: str | None = None):
    """A grid of grayscale images ``(N, 1, H, W)`` or ``(N, H, W)`` with their labels.

    When ``predictions`` are given, each title reads ``label→prediction`` and wrong
    predictions are marked with a cross.
    """
    images = _as_numpy(images)
    if images.ndim == 4:
        if images.shape[1] != 1:
            raise ValueError(f"images must have one channel, got shape {images.shape}")
        images = images[:, 0]
    if images.ndim != 3 or len(images) == 0:
        raise ValueError(f"images must have shape (N, 1, H, W) or (N, H, W) with N > 0, "
                         f"got {images.shape}")
    n = len(images)
    for name, seq in (("labels", labels), ("predictions", predictions)):
        if seq is not None and len(seq) != n:
            raise ValueError(f"{name} must have one entry per image ({n}), got {len(seq)}")
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * 1.15 * nrows),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(images[i], cmap="gray_r", vmin=0, vmax=1)
        if labels is not None:
            text = f"{int(labels[i])}"
            if predictions is not None:
                wrong = int(predictions[i]) != int(labels[i])
                text = f"{text}→{int(predictions[i])}" + (" ✗" if wrong else "")
            ax.set_title(text, fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def confusion_matrix(y_true, y_pred, num_classes: int | None = None) -> np.ndarray:
    """Counts ``C[i, j]`` of examples of class ``i`` predicted as class ``j``.

    Scikit-learn counts; this checks that the labels are class indices ``0 ..
    num_classes - 1``, which scikit-learn would otherwise skip or treat as names.
    """
    from sklearn import metrics

    y_true, y_pred = _as_numpy(y_true), _as_numpy(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"y_true and y_pred must be 1-D of the same length, got "
                         f"{y_true.shape} and {y_pred.shape}")
    k = num_classes or int(max(y_true.max(initial=0), y_pred.max(initial=0))) + 1
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.size and not np.issubdtype(y.dtype, np.integer):
            raise TypeError(f"{name} must hold integer class indices, got dtype "
                            f"{y.dtype}; convert whole numbers with .astype(int)")
        if y.size and (y.min() < 0 or y.max() >= k):
            raise ValueError(f"{name} must hold class indices in [0, {k - 1}], got "
                             f"values from {y.min()} to {y.max()}")
    return metrics.confusion_matrix(y_true, y_pred, labels=np.arange(k))


def plot_confusion_matrix(y_true, y_pred, *, num_classes: int | None = None, ax=None,
                          title: str | None = None):
    """Draw the confusion matrix with counts in each non-empty cell (true class down,
    predicted across), with scikit-learn's ``ConfusionMatrixDisplay``."""
    from sklearn.metrics import ConfusionMatrixDisplay

    counts = confusion_matrix(y_true, y_pred, num_classes)
    if ax is None:
        _, ax = plt.subplots(figsize=(5.2, 4.6))
    shown = ConfusionMatrixDisplay(counts).plot(ax=ax, cmap="cividis", colorbar=False,
                                                values_format="d")
    for text, count in zip(shown.text_.flat, counts.flat):
        if count == 0:
            text.remove()  # a grid of zeros would hide the few confusions
    ax.figure.colorbar(shown.im_, ax=ax, fraction=0.046, pad=0.04, label="examples")
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if title:
        ax.set_title(title)
    ax.figure.tight_layout()
    return ax.figure
