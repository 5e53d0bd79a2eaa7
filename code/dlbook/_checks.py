"""Argument checks shared by the whole package, so that each is written once.

A public function checks the values a reader passes in, once, where they enter; the
functions it calls trust them. Every check names the argument, says what was expected
and what came instead, and returns the value in the form the caller uses (a plain
``int`` or ``float``, a tensor). A NumPy or torch scalar is a number; a bool is not.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import torch

SEED_RANGE = (0, 2**32)  # what NumPy and scikit-learn accept as a seed


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite: the weights no longer mean anything."""


def _scalar(name: str, value, integral: bool):
    if isinstance(value, (torch.Tensor, np.ndarray)) and value.ndim == 0:
        value = value.item()  # a bool tensor becomes a bool, rejected below
    kind = numbers.Integral if integral else numbers.Real
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, kind):
        what = "an int" if integral else "a number"
        raise TypeError(f"{name} must be {what}, got {value!r} "
                        f"({type(value).__name__})")
    if integral:
        return int(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    return float(value)


def _in(name: str, value, low, high, low_open: bool, high_open: bool):
    below = low is not None and (value <= low if low_open else value < low)
    above = high is not None and (value >= high if high_open else value > high)
    if below or above:
        what = _range(value, low, high, low_open, high_open)
        raise ValueError(f"{name} must be {what}, got {value}")
    return value


def _range(value, low, high, low_open: bool, high_open: bool) -> str:
    """In words: "positive", "a non-negative int", "at least 2", "in [0, 1)"."""
    kind = " int" if isinstance(value, int) else ""
    if high is None:
        if (low, low_open) == (0, True) or (kind and (low, low_open) == (1, False)):
            return f"a positive{kind}" if kind else "positive"
        if (low, low_open) == (0, False):
            return f"a non-negative{kind}" if kind else "non-negative"
        return f"{'above' if low_open else 'at least'} {low}"
    return f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"


def integer(name: str, value, *, low: int | None = None, high: int | None = None,
            high_open: bool = False) -> int:
    """``value`` as an ``int`` in ``[low, high]`` (``[low, high)`` if ``high_open``)."""
    return _in(name, _scalar(name, value, True), low, high, False, high_open)


def positive_int(name: str, value) -> int:
    return integer(name, value, low=1)


def non_negative_int(name: str, value) -> int:
    return integer(name, value, low=0)


def number(name: str, value, *, low: float | None = None, high: float | None = None,
           low_open: bool = False, high_open: bool = False) -> float:
    """``value`` as a finite ``float`` between ``low`` and ``high``."""
    return _in(name, _scalar(name, value, False), low, high, low_open, high_open)


def positive(name: str, value) -> float:
    return number(name, value, low=0, low_open=True)


def non_negative(name: str, value) -> float:
    return number(name, value, low=0)


def fraction(name: str, value, *, low_open: bool = True,
             high_open: bool = True) -> float:
    """A number in ``(0, 1)``; ``low_open=False`` admits 0, ``high_open=False`` 1."""
    return number(name, value, low=0, high=1, low_open=low_open, high_open=high_open)


def seed(value, name: str = "seed") -> int:
    """A seed in ``[0, 2**32)``, the range NumPy, scikit-learn and torch all accept."""
    return integer(name, value, low=SEED_RANGE[0], high=SEED_RANGE[1], high_open=True)


def choice(name: str, value, options) -> str:
    """One of ``options`` (strings), e.g. an activation's name."""
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}, "
                         f"got {value!r}")
    return value


def tensor(name: str, X, *, ndim: int | tuple[int, ...] | None = None,
           shape: str | None = None, dtype: torch.dtype | None = None,
           float_dtype: torch.dtype | None = None, floating: bool = False,
           finite: bool = False) -> torch.Tensor:
    """Check a tensor's kind, number of dimensions, dtype and values; return it.

    Args:
        ndim: the allowed number(s) of dimensions; ``shape`` describes them in words,
            e.g. ``"(batch, features)"``.
        dtype: the exact dtype required (e.g. ``torch.long`` for class indices).
        float_dtype: the dtype a floating-point ``X`` must have: the model's weights'
            (``torch.float32``), which float64 arrays from NumPy do not have.
        floating: require a floating-point dtype.
        finite: require every value to be finite (no NaN, no inf).
    """
    to_float = f"torch.as_tensor({name}, dtype=torch.float32)"
    if not isinstance(X, torch.Tensor):
        convertible = isinstance(X, (np.ndarray, list))
        hint = f"; convert it with {to_float}" if convertible else ""
        raise TypeError(f"{name} must be a torch.Tensor, got {type(X).__name__}{hint}")
    dims = (ndim,) if isinstance(ndim, int) else ndim
    if dims is not None and X.dim() not in dims:
        want = (f"have shape {shape}" if shape else
                "be " + " or ".join(f"{d}-dimensional" for d in dims))
        raise ValueError(f"{name} must {want}, got {tuple(X.shape)}")
    if floating and not X.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got {X.dtype}; "
                        f"convert it with {name}.float()")
    if dtype is not None and X.dtype != dtype:
        raise TypeError(f"{name} must have dtype {dtype}, got {X.dtype}; convert it "
                        f"with {name}.to({dtype})")
    if float_dtype is not None and X.is_floating_point() and X.dtype != float_dtype:
        raise TypeError(f"{name} has dtype {X.dtype} but the model's weights are "
                        f"{float_dtype}; convert it with {name}.to({float_dtype})")
    if finite and X.is_floating_point() and not bool(torch.isfinite(X).all()):
        bad = int((~torch.isfinite(X)).sum())
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s); remove or "
                         f"impute them first (torch.isfinite({name}) finds them)")
    return X


def images(name: str, X, *, channels: int | None = None) -> torch.Tensor:
    """A non-empty, finite, floating batch ``(batch, channels, height, width)``."""
    tensor(name, X, ndim=4, shape="(batch, channels, height, width)", floating=True,
           finite=True)
    if X.numel() == 0:
        raise ValueError(f"{name} is empty: got shape {tuple(X.shape)}")
    if channels is not None and X.shape[1] != channels:
        raise ValueError(f"{name} must have {channels} channel(s), got shape "
                         f"{tuple(X.shape)}")
    return X


def module(name: str, model) -> torch.nn.Module:
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module, got {type(model).__name__}")
    return model


def optimizer_of(model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> None:
    """The optimizer must update this model's weights, not another model's."""
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got "
                        f"{type(optimizer).__name__}")
    mine = {id(p) for p in model.parameters()}
    theirs = [p for group in optimizer.param_groups for p in group["params"]]
    if not any(id(p) in mine for p in theirs):
        raise ValueError("optimizer does not update any of this model's parameters: "
                         "build it from this model, e.g. "
                         "torch.optim.SGD(model.parameters(), lr=0.1)")


def finite_loss(loss, *, epoch: int, what: str = "the training loss",
                step: int | None = None) -> float:
    """``loss`` as a float, or :class:`TrainingDiverged` if it is NaN or infinite."""
    value = float(loss.detach()) if isinstance(loss, torch.Tensor) else float(loss)
    if not math.isfinite(value):
        where = f"epoch {epoch}" + ("" if step is None else f", step {step}")
        raise TrainingDiverged(
            f"{what} became {value} at {where}: training diverged. Try a smaller "
            f"learning rate (lr), and check the data for NaN or inf values "
            f"(torch.isfinite(X).all())")
    return value
