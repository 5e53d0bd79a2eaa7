"""One training loop for any classifier, with a per-epoch history and early stopping.

The loop is the three steps of every chapter: a forward pass computes the loss on a
mini-batch, the backward pass computes its gradient, and the optimizer updates the
weights. It knows nothing about specific models.
"""

from __future__ import annotations

import copy
import math
import sys
import time
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from dlbook import _checks as checks
from dlbook.utils import get_device

OPTIMIZERS = ("sgd", "adam")


@dataclass
class History:
    """What happened in each epoch of :func:`fit` (lists indexed by epoch - 1)."""

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    best_epoch: int | None = None  # 1-based epoch whose weights the model ends with
    stopped_early: bool = False
    seconds: float = 0.0

    @property
    def num_epochs(self) -> int:
        return len(self.train_loss)


def _as_dataset(data, name: str, dtype: torch.dtype | None = None) -> Dataset:
    """``data`` as a Dataset; an ``(X, y)`` pair is checked: finite inputs of the
    model's floating dtype, and labels that are class indices."""
    if isinstance(data, tuple) and len(data) == 2:
        X = checks.tensor("X", data[0], finite=True, float_dtype=dtype)
        y = checks.tensor("y", data[1], ndim=1, shape="(batch,), one class index per "
                          "example", dtype=torch.long)
        if X.dim() == 0 or len(X) != len(y):
            raise ValueError(f"{name}: X and y must have the same length, got shapes "
                             f"{tuple(X.shape)} and {tuple(y.shape)}")
        if len(y) and int(y.min()) < 0:
            raise ValueError(f"{name}: labels y must be class indices 0, 1, 2, ..., "
                             f"got {int(y.min())}")
        data = TensorDataset(X, y)
    if not isinstance(data, Dataset):
        raise TypeError(f"{name} must be a torch Dataset or a tuple (X, y), got "
                        f"{type(data).__name__}")
    if len(data) == 0:
        raise ValueError(f"{name} is empty: expected at least one example")
    return data


def _check_logits(logits, n: int, name: str) -> None:
    if not isinstance(logits, torch.Tensor) or logits.shape[:1] != (n,) \
            or logits.dim() != 2:
        shape = tuple(logits.shape) if isinstance(logits, torch.Tensor) else logits
        raise ValueError(f"the model must return logits of shape (batch, num_classes) "
                         f"= ({n}, num_classes) on {name}, got {shape}")


@torch.no_grad()
def _check_outputs(model: nn.Module, data: Dataset, name: str,
                   device: torch.device) -> None:
    """Run the model once on two examples, so that a wrong shape gets a clear error
    before training starts, and no check runs inside the training loop."""
    X, y = next(iter(_batches(data, 2, False, None)))
    was_training = model.training
    model.eval()  # no dropout, no update of batch-norm statistics
    logits = model(X.to(device))
    model.train(was_training)
    _check_logits(logits, len(y), name)
    labels = data.tensors[1] if isinstance(data, TensorDataset) else None
    if labels is not None and int(labels.max()) >= logits.shape[1]:
        raise ValueError(f"{name}: labels y go up to {int(labels.max())}, but the "
                         f"model returns only {logits.shape[1]} logits per example")


def _model_dtype(model: nn.Module) -> torch.dtype | None:
    p = next((p for p in model.parameters() if p.is_floating_point()), None)
    return None if p is None else p.dtype


def _batches(data: Dataset, batch_size: int, shuffle: bool,
             generator: torch.Generator | None):
    """Yield ``(X, y)`` mini-batches; tensors are sliced directly, without a DataLoader."""
    if isinstance(data, TensorDataset) and len(data.tensors) == 2:
        X, y = data.tensors
        n = len(y)
        if shuffle:  # one gather per epoch: the batches are then slices (views) of it
            order = torch.randperm(n, generator=generator)
            X, y = X[order], y[order]
        for start in range(0, n, batch_size):
            yield X[start:start + batch_size], y[start:start + batch_size]
    else:
        yield from DataLoader(data, batch_size=batch_size, shuffle=shuffle,
                              generator=generator)


def _epoch_summary(losses: list, outputs: list[torch.Tensor],
                   targets: list[torch.Tensor]) -> tuple[float, float]:
    """Mean loss and accuracy over an epoch's batches, each loss a batch mean.

    ``losses`` are floats, or 0-d tensors where reading each one at once would make
    the CPU wait for the GPU batch by batch. Summing once per epoch, not once per
    batch, keeps the bookkeeping out of the training loop: a few tensor operations
    per batch cost as much as a small model's forward pass.
    """
    if not isinstance(losses[0], float):
        losses = torch.stack(losses).tolist()  # one wait for the device, not one a batch
    # every batch has the same size but the last (as _batches makes them)
    size, last = len(targets[0]), len(targets[-1])
    n = size * (len(targets) - 1) + last
    y = targets[0] if len(targets) == 1 else torch.cat(targets)
    outputs = outputs[0] if len(outputs) == 1 else torch.cat(outputs)
    correct = (outputs.argmax(dim=1) == y).sum().item()
    return (math.fsum(losses[:-1]) * size + losses[-1] * last) / n, correct / n


@torch.no_grad()
def evaluate(model: nn.Module, data, *, loss_fn: nn.Module | None = None,
             batch_size: int = 1024, device=None) -> tuple[float, float]:
    """Mean loss and accuracy of ``model`` on ``data`` (a Dataset or ``(X, y)``)."""
    checks.module("model", model)
    data = _as_dataset(data, "data", _model_dtype(model))
    checks.positive_int("batch_size", batch_size)
    device = get_device(device) if device is not None else _model_device(model)
    _check_outputs(model, data, "data", device)
    return _evaluate(model, data, loss_fn or nn.CrossEntropyLoss(), device, batch_size)


@torch.no_grad()
def _evaluate(model: nn.Module, data: Dataset, loss_fn: nn.Module, device: torch.device,
              batch_size: int = 1024) -> tuple[float, float]:
    """:func:`evaluate` on arguments already checked (fit calls it every epoch)."""
    was_training = model.training
    model.eval()
    losses, outputs, targets = [], [], []
    for X, y in _batches(data, batch_size, False, None):
        X, y = X.to(device), y.to(device)
        logits = model(X)
        loss = loss_fn(logits, y)
        losses.append(loss.item() if device.type == "cpu" else loss)
        outputs.append(logits)
        targets.append(y)
    model.train(was_training)
    return _epoch_summary(losses, outputs, targets)


@torch.no_grad()
def predict(model: nn.Module, X: torch.Tensor, *, batch_size: int = 1024) -> torch.Tensor:
    """Class probabilities ``(N, num_classes)`` of ``model`` for the inputs ``X``."""
    checks.module("model", model)
    checks.tensor("X", X, ndim=tuple(range(1, 9)), shape="(batch, ...)", finite=True,
                  float_dtype=_model_dtype(model))
    checks.positive_int("batch_size", batch_size)
    device = _model_device(model)
    was_training = model.training
    model.eval()
    # max(..., 1): an empty X still goes through the model once, giving (0, num_classes)
    logits = torch.cat([model(X[i:i + batch_size].to(device)).cpu()
                        for i in range(0, max(len(X), 1), batch_size)])
    model.train(was_training)
    _check_logits(logits, len(X), "X")
    return logits.softmax(dim=1)


def _model_device(model: nn.Module) -> torch.device:
    p = next(model.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


def _make_optimizer(optimizer, model: nn.Module, lr: float, momentum: float,
                    weight_decay: float) -> torch.optim.Optimizer:
    if isinstance(optimizer, torch.optim.Optimizer):
        checks.optimizer_of(model, optimizer)
        return optimizer
    if optimizer == "sgd":
        return torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum,
                               weight_decay=weight_decay)
    if optimizer == "adam":
        return torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    raise ValueError(
        f"optimizer must be one of {OPTIMIZERS} or a torch.optim.Optimizer, "
        f"got {optimizer!r}"
    )


PROGRESS_EVERY = 0.5  # seconds between two progress lines of fit()


def _progress_line(history: History, num_epochs: int) -> str:
    """One line on the last epoch of ``history``, as fit() shows it."""
    line = (f"epoch {history.num_epochs:3d}/{num_epochs}  train loss "
            f"{history.train_loss[-1]:.4f}  acc {history.train_acc[-1]:.4f}")
    if history.val_loss:
        line += f"  val loss {history.val_loss[-1]:.4f}  acc {history.val_acc[-1]:.4f}"
    return line


def _default_progress() -> bool:
    # Shown in a live notebook; the book writes it to stderr, which the site drops.
    return "ipykernel" in sys.modules


def fit(
    model: nn.Module,
    train_data,
    val_data=None,
    *,
    num_epochs: int = 20,
    batch_size: int = 128,
    lr: float = 0.05,
    momentum: float = 0.5,
    weight_decay: float = 0.0,
    optimizer="sgd",
    loss_fn: nn.Module | None = None,
    shuffle: bool = True,
    patience: int | None = None,
    seed: int = 0,
    device=None,
    progress: bool | None = None,
) -> History:
    """Train ``model`` on ``train_data`` and record each epoch in a :class:`History`.

    Args:
        model: any ``nn.Module`` that maps a batch ``(batch, ...)`` to logits
            ``(batch, num_classes)``.
        train_data, val_data: torch Datasets or tuples of tensors ``(X, y)``; the
            labels ``y`` are class indices, ``torch.long`` of shape ``(N,)``.
        num_epochs: the most epochs to train for.
        batch_size: examples per mini-batch.
        lr, momentum, weight_decay: settings of the optimizer (``momentum`` is
            ignored by Adam). The defaults are the workshop's SGD settings.
        optimizer: ``"sgd"``, ``"adam"`` or a ready ``torch.optim.Optimizer``.
        loss_fn: defaults to cross-entropy on logits.
        shuffle: reshuffle the training set each epoch (seeded by ``seed``).
        patience: stop when the validation loss has not improved for this many
            epochs, and restore the weights of the best epoch; ``None`` trains for
            all ``num_epochs`` and keeps the last weights.
        seed: seeds the shuffling order.
        device: where to train; chosen once by :func:`dlbook.utils.get_device`.
        progress: write a line per epoch to stderr, at most one per half second
            (always the first and the last); by default only in a notebook.

    Returns:
        The :class:`History`; the model is trained in place.
    """
    checks.module("model", model)
    train_data = _as_dataset(train_data, "train_data", _model_dtype(model))
    if val_data is not None:
        val_data = _as_dataset(val_data, "val_data", _model_dtype(model))
    num_epochs = checks.positive_int("num_epochs", num_epochs)
    batch_size = checks.positive_int("batch_size", batch_size)
    lr = checks.positive("lr", lr)
    momentum = checks.fraction("momentum", momentum, low_open=False)
    weight_decay = checks.non_negative("weight_decay", weight_decay)
    for name, flag in (("shuffle", shuffle), ("progress", progress)):
        if flag is not None and not isinstance(flag, bool):
            raise TypeError(f"{name} must be True or False, got {flag!r}")
    seed = checks.seed(seed)
    if patience is not None:
        patience = checks.positive_int("patience", patience)
        if val_data is None:
            raise ValueError("patience (early stopping) needs val_data to watch")

    device = get_device(device)
    model.to(device)
    opt = _make_optimizer(optimizer, model, lr, momentum, weight_decay)
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    for data, name in ((train_data, "train_data"), (val_data, "val_data")):
        if data is not None:
            _check_outputs(model, data, name, device)
    generator = torch.Generator().manual_seed(seed)
    on_cpu = device.type == "cpu"  # .item() is free on a CPU; on a GPU it waits for it
    show = _default_progress() if progress is None else progress
    history = History()
    best_loss, best_state, waited = math.inf, None, 0
    start = shown_at = time.perf_counter()

    model.train()  # evaluating the validation set each epoch puts it back in this mode
    for epoch in range(1, num_epochs + 1):
        losses, outputs, targets = [], [], []  # per batch, summed after the epoch
        for X, y in _batches(train_data, batch_size, shuffle, generator):
            X, y = X.to(device), y.to(device)
            logits = model(X)                     # 1. forward
            loss = loss_fn(logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()                       # 2. backward
            opt.step()                            # 3. update
            losses.append(loss.item() if on_cpu else loss.detach())
            outputs.append(logits.detach())
            targets.append(y)
        train_loss, train_acc = _epoch_summary(losses, outputs, targets)
        history.train_loss.append(train_loss)
        history.train_acc.append(train_acc)
        checks.finite_loss(train_loss, epoch=epoch)  # NaN: stop, and say what to try

        if val_data is not None:
            val_loss, val_acc = _evaluate(model, val_data, loss_fn, device)
            history.val_loss.append(val_loss)
            history.val_acc.append(val_acc)
            if patience is not None:
                if val_loss < best_loss:
                    best_loss, waited = val_loss, 0
                    history.best_epoch = epoch
                    best_state = copy.deepcopy(model.state_dict())
                else:
                    waited += 1
        stop = patience is not None and waited >= patience
        # at most one line per PROGRESS_EVERY seconds, and always the first and last
        # epoch: a line costs a few milliseconds in a notebook, as much as an epoch
        if show and (epoch in (1, num_epochs) or stop
                     or time.perf_counter() - shown_at >= PROGRESS_EVERY):
            print(_progress_line(history, num_epochs), file=sys.stderr, flush=True)
            shown_at = time.perf_counter()
        if stop:
            history.stopped_early = epoch < num_epochs
            break

    if best_state is not None:
        model.load_state_dict(best_state)
    else:
        history.best_epoch = history.num_epochs
    history.seconds = time.perf_counter() - start
    return history
