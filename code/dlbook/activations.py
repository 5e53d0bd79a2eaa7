"""Activation functions, their derivatives written out, and deep nets to compare them.

Each function works element-wise on a tensor (softmax along its last dimension); its
derivative ``d_<name>`` is the formula, not autograd, and the tests check the formula
against ``torch.autograd``. Taught in the chapter "Activations and hyperparameters".
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from dlbook import _checks as checks


def _tensor(z) -> torch.Tensor:
    if isinstance(z, torch.Tensor):
        return z
    try:
        return torch.as_tensor(z, dtype=torch.get_default_dtype())
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(f"z must be a tensor or numbers, got "
                        f"{type(z).__name__}") from err


def sigmoid(z) -> torch.Tensor:
    """``σ(z) = 1 / (1 + e^{-z})``, squashing any number into (0, 1)."""
    return torch.sigmoid(_tensor(z))


def d_sigmoid(z) -> torch.Tensor:
    """``σ'(z) = σ(z) (1 - σ(z))``, at most 1/4 (at z = 0)."""
    s = sigmoid(z)
    return s * (1 - s)


def tanh(z) -> torch.Tensor:
    """``tanh(z) = (e^z - e^{-z}) / (e^z + e^{-z}) = 2σ(2z) - 1``, into (-1, 1)."""
    return torch.tanh(_tensor(z))


def d_tanh(z) -> torch.Tensor:
    """``tanh'(z) = 1 - tanh(z)²``, at most 1 (at z = 0)."""
    return 1 - tanh(z) ** 2


def relu(z) -> torch.Tensor:
    """``ReLU(z) = max(0, z)``."""
    z = _tensor(z)
    return torch.where(z > 0, z, torch.zeros_like(z))


def d_relu(z) -> torch.Tensor:
    """``ReLU'(z) = 1 if z > 0 else 0`` (0 at z = 0, as in PyTorch)."""
    z = _tensor(z)
    return (z > 0).to(z.dtype)


def leaky_relu(z, negative_slope: float = 0.01) -> torch.Tensor:
    """``LeakyReLU(z) = z if z > 0 else a z``, with a small slope ``a`` for z < 0."""
    a = checks.fraction("negative_slope", negative_slope, low_open=False)
    z = _tensor(z)
    return torch.where(z > 0, z, a * z)


def d_leaky_relu(z, negative_slope: float = 0.01) -> torch.Tensor:
    """``1 if z > 0 else a``: the gradient never dies completely."""
    a = checks.fraction("negative_slope", negative_slope, low_open=False)
    z = _tensor(z)
    return torch.where(z > 0, torch.ones_like(z), torch.full_like(z, a))


def softmax(z) -> torch.Tensor:
    """``softmax(z)_i = e^{z_i} / Σ_j e^{z_j}`` along the last dimension.

    Args:
        z: scores (logits), shape ``(..., k)``.

    Returns:
        Probabilities of the same shape, each row summing to one.
    """
    z = _tensor(z)
    if z.dim() == 0:
        raise ValueError("softmax needs at least one dimension of scores, got a scalar")
    e = torch.exp(z - z.max(dim=-1, keepdim=True).values)  # shifted: no overflow
    return e / e.sum(dim=-1, keepdim=True)


def softmax_jacobian(z) -> torch.Tensor:
    """``∂softmax(z)_i / ∂z_j = p_i (δ_ij - p_j)``.

    Args:
        z: scores, shape ``(..., k)``.

    Returns:
        The Jacobian, shape ``(..., k, k)``: ``diag(p) - p pᵀ`` for each row.
    """
    p = softmax(z)
    return torch.diag_embed(p) - p[..., :, None] * p[..., None, :]


# name -> (function, derivative) for the element-wise activations
ACTIVATIONS = {
    "sigmoid": (sigmoid, d_sigmoid),
    "tanh": (tanh, d_tanh),
    "relu": (relu, d_relu),
    "leaky_relu": (leaky_relu, d_leaky_relu),
}

_MODULES = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU,
            "leaky_relu": nn.LeakyReLU}


def activation_module(name: str) -> nn.Module:
    """The ``nn.Module`` for an activation name in :data:`ACTIVATIONS`."""
    return _MODULES[checks.choice("activation", name, _MODULES)]()


def deep_mlp(num_inputs: int, num_hiddens: Sequence[int], num_outputs: int, *,
             activation: str = "relu", init: str = "default") -> nn.Sequential:
    """``Linear -> activation`` for each hidden width, then a linear output layer.

    The network for experiments on activations and initialisation: any activation
    of :data:`ACTIVATIONS`, and Xavier or Kaiming weights, on vectors
    ``(batch, num_inputs)``. The lab's image classifier is :class:`dlbook.models.MLP`.

    Args:
        num_inputs: features per example; the net maps ``(batch, num_inputs)`` to
            ``(batch, num_outputs)``.
        num_hiddens: a sequence with the width of each hidden layer, in order (may
            be empty): ``(3,)`` for one hidden layer of 3 units.
        num_outputs: output units (logits).
        activation: a name in :data:`ACTIVATIONS`.
        init: ``"default"`` keeps PyTorch's initialisation; ``"xavier"`` (Glorot)
            and ``"kaiming"`` (He) draw weights with variance ``2 / (n_in + n_out)``
            and ``2 / n_in``, the choices made for tanh/sigmoid and for ReLU.
    """
    if not isinstance(num_hiddens, Sequence) or isinstance(num_hiddens, str):
        raise TypeError(f"num_hiddens must be a sequence of hidden-layer widths, such "
                        f"as (32, 32) or (3,) for one layer of 3, got {num_hiddens!r}")
    widths = [checks.positive_int("num_inputs", num_inputs),
              *(checks.positive_int(f"num_hiddens[{i}]", h)
                for i, h in enumerate(num_hiddens))]
    num_outputs = checks.positive_int("num_outputs", num_outputs)
    checks.choice("activation", activation, _MODULES)
    checks.choice("init", init, ("default", "xavier", "kaiming"))
    layers: list[nn.Module] = []
    for n_in, n_out in zip(widths, widths[1:]):
        layers += [nn.Linear(n_in, n_out), activation_module(activation)]
    layers.append(nn.Linear(widths[-1], num_outputs))
    for layer in layers:
        if isinstance(layer, nn.Linear) and init != "default":
            if init == "xavier":
                nn.init.xavier_normal_(layer.weight)
            else:
                nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            nn.init.zeros_(layer.bias)
    return nn.Sequential(*layers)


def _check_batch(model: nn.Module, X, y) -> None:
    """Check that ``(X, y)`` is a batch that ``model`` and a loss can take."""
    for name, t in (("X", X), ("y", y)):
        checks.tensor(name, t, ndim=tuple(range(1, 9)), shape="(batch, ...)")
    if len(X) != len(y):
        raise ValueError(f"X and y must hold the same number of examples, got "
                         f"{len(X)} and {len(y)}")
    first = model
    while isinstance(first, nn.Sequential) and len(first) > 0:
        first = first[0]  # the layer that sees X, where the order of layers is known
    if isinstance(first, nn.Linear) and X.shape[-1] != first.in_features:
        raise ValueError(f"X must have {first.in_features} features, as the model's "
                         f"first layer expects, got X of shape {tuple(X.shape)}")


def layer_gradient_norms(model: nn.Module, X: torch.Tensor, y: torch.Tensor,
                         loss_fn: nn.Module | None = None) -> list[float]:
    """One backward pass; the norm ``‖∂L/∂W‖`` of each linear layer's weights.

    Args:
        model: any module containing ``nn.Linear`` layers.
        X: a batch of inputs ``(batch, ...)``; y: its targets ``(batch, ...)`` (class
            indices ``(batch,)`` for the default loss).
        loss_fn: defaults to cross-entropy on logits.

    Returns:
        One float per ``nn.Linear``, from the input side to the output side.
    """
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise ValueError("model has no nn.Linear layer to measure")
    _check_batch(model, X, y)
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    model.zero_grad(set_to_none=True)
    loss_fn(model(X), y).backward()
    norms = [m.weight.grad.norm().item() for m in linears]
    model.zero_grad(set_to_none=True)
    return norms
