"""The perceptron, a computational model of a biological neuron, and the XOR problem.

A perceptron weighs its inputs, adds a bias (the weight of an input that is always 1)
and passes the sum through an activation function ``f``:

    y_hat = f(w . x + b),   f(z) = 1 if z > 0 else 0   (the step function).

One perceptron draws one straight line through its input space, so it computes AND and
OR but not XOR; a hidden layer of a few units fixes that:

    h = f(W1 x + b1),   y_hat = f(W2 h + b2).

Taught in the chapter "Neural networks".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from dlbook import _checks as checks

# Outputs of each two-input gate for the inputs (0, 0), (0, 1), (1, 0), (1, 1).
GATES = {
    "AND": (0, 0, 0, 1),
    "OR": (0, 1, 1, 1),
    "NAND": (1, 1, 1, 0),
    "NOR": (1, 0, 0, 0),
    "XOR": (0, 1, 1, 0),
    "XNOR": (1, 0, 0, 1),
}
INPUTS = ((0, 0), (0, 1), (1, 0), (1, 1))


def truth_table(gate: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The four inputs of a two-input logic gate and its outputs.

    Args:
        gate: one of ``"AND"``, ``"OR"``, ``"NAND"``, ``"NOR"``, ``"XOR"``, ``"XNOR"``.

    Returns:
        ``X`` of shape ``(4, 2)`` and ``y`` of shape ``(4,)``, both float, in the order
        (0, 0), (0, 1), (1, 0), (1, 1).
    """
    if not isinstance(gate, str) or gate.upper() not in GATES:
        raise ValueError(f"gate must be one of {sorted(GATES)}, got {gate!r}")
    X = torch.tensor(INPUTS, dtype=torch.float32)
    y = torch.tensor(GATES[gate.upper()], dtype=torch.float32)
    return X, y


def step(z: torch.Tensor) -> torch.Tensor:
    """The step activation: 1 where ``z > 0``, else 0 (same shape as ``z``)."""
    return (z > 0).to(torch.float32)


def _check_Xw(X: torch.Tensor, w: torch.Tensor) -> None:
    checks.tensor("X", X, ndim=2, shape="(N, num_inputs)")
    if checks.tensor("w", w).shape != (X.shape[1],):
        raise ValueError(f"w must have shape ({X.shape[1]},), one weight per input, "
                         f"got {tuple(w.shape)}")


def perceptron(X: torch.Tensor, w: torch.Tensor, b: float | torch.Tensor,
               activation=step) -> torch.Tensor:
    """The output ``f(w . x + b)`` of one perceptron for each row of ``X``.

    Args:
        X: inputs, shape ``(N, num_inputs)``.
        w: weights, shape ``(num_inputs,)``.
        b: the bias, a number.
        activation: ``f``, applied elementwise; the step function by default.

    Returns:
        Outputs of shape ``(N,)``.
    """
    _check_Xw(X, w)
    return activation(X @ w + b)  # (N,)


@dataclass
class PerceptronRun:
    """What :func:`train_perceptron` learned: the final and the best weights."""

    w: torch.Tensor          # (num_inputs,) after the last example
    b: float
    best_w: torch.Tensor     # (num_inputs,) that first reached the best accuracy
    best_b: float
    accuracy: list[float] = field(default_factory=list)  # after each example

    @property
    def best_accuracy(self) -> float:
        return max(self.accuracy)


def train_perceptron(X: torch.Tensor, y: torch.Tensor, *, lr: float = 0.1,
                     num_epochs: int = 20, seed: int = 0) -> PerceptronRun:
    """Rosenblatt's perceptron learning rule, one example at a time.

    For each example, in a seeded random order every epoch:
    ``w <- w + lr (y - y_hat) x`` and ``b <- b + lr (y - y_hat)``; nothing changes
    when the prediction is right. When a line separating the two classes exists, the
    rule finds one; when none exists, the weights never settle.

    Args:
        X: inputs, shape ``(N, num_inputs)``.
        y: targets 0 or 1, shape ``(N,)``.
        lr: learning rate, positive.
        num_epochs: passes over the data, positive.
        seed: seeds the starting weights and the order of the examples.

    Returns:
        A :class:`PerceptronRun` with the accuracy on all of ``X`` after every example
        (``num_epochs * N`` values, whether or not the example changed the weights)
        and the weights that first reached the best one.
    """
    checks.tensor("X", X, ndim=2, shape="(N, num_inputs)", finite=True)
    if len(X) == 0 or checks.tensor("y", y).shape != (len(X),):
        raise ValueError(f"X must be non-empty and y of shape ({len(X)},) to match it, "
                         f"got {tuple(X.shape)} and {tuple(y.shape)}")
    if not set(y.tolist()) <= {0.0, 1.0}:
        raise ValueError("y must hold only 0s and 1s")
    lr = checks.positive("lr", lr)
    num_epochs = checks.positive_int("num_epochs", num_epochs)
    g = torch.Generator().manual_seed(checks.seed(seed))
    X, y = X.to(torch.float32), y.to(torch.float32)
    w = 0.1 * torch.randn(X.shape[1], generator=g)
    b = 0.1 * float(torch.randn((), generator=g))
    run = PerceptronRun(w.clone(), b, w.clone(), b)
    for _ in range(num_epochs):
        for i in torch.randperm(len(X), generator=g).tolist():
            error = float(y[i] - step(X[i] @ w + b))  # -1, 0 or +1
            w = w + lr * error * X[i]
            b = b + lr * error
            acc = float((perceptron(X, w, b) == y).float().mean())
            if not run.accuracy or acc > run.best_accuracy:
                run.best_w, run.best_b = w.clone(), b
            run.accuracy.append(acc)
    run.w, run.b = w, b
    return run


def line_through(w, b: float, x1: torch.Tensor) -> torch.Tensor:
    """Points ``x2`` of the decision line ``w[0] x1 + w[1] x2 + b = 0`` above ``x1``.

    Raises:
        ValueError: the line is vertical (``w[1] == 0``), so it is not a function
            of ``x1``.
    """
    # a layer's weights and bias: only their values are needed, not their gradients
    w, b = torch.as_tensor(w).detach(), float(torch.as_tensor(b).detach())
    w1, w2 = float(w[0]), float(w[1])
    if w2 == 0:
        raise ValueError("the line is vertical (w[1] == 0): it is x1 = -b / w[0]")
    return -(w1 * torch.as_tensor(x1).detach() + b) / w2


class TwoLayerNet(nn.Module):
    """A 2-h-1 network: ``y_hat = sigmoid(W2 tanh(W1 x + b1) + b2)``.

    ``forward`` returns the logit ``W2 h + b2`` of shape ``(N,)``; the
    probability of class 1 is its sigmoid.

    Args:
        num_hiddens: number of hidden units.
        num_inputs: number of inputs.
    """

    def __init__(self, num_hiddens: int = 2, num_inputs: int = 2):
        super().__init__()
        num_hiddens = checks.positive_int("num_hiddens", num_hiddens)
        num_inputs = checks.positive_int("num_inputs", num_inputs)
        self.hidden = nn.Linear(num_inputs, num_hiddens)
        self.output = nn.Linear(num_hiddens, 1)

    def hidden_units(self, X: torch.Tensor) -> torch.Tensor:
        """``tanh(W1 x + b1)``: ``(N, num_inputs) -> (N, num_hiddens)``."""
        if X.dim() != 2 or X.shape[1] != self.hidden.in_features:
            raise ValueError(f"X must have shape (N, {self.hidden.in_features}), got "
                             f"{tuple(X.shape)}")
        return torch.tanh(self.hidden(X))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Logits ``(N,)`` for inputs of shape ``(N, num_inputs)``."""
        return self.output(self.hidden_units(X)).squeeze(1)


def train_xor_net(num_hiddens: int = 2, *, lr: float = 0.1, num_epochs: int = 500,
                  seed: int = 0) -> tuple[TwoLayerNet, list[float]]:
    """Fit a :class:`TwoLayerNet` to XOR with Adam on the full batch of four inputs.

    Args:
        num_hiddens: hidden units.
        lr: learning rate of Adam.
        num_epochs: gradient steps (each sees all four examples).
        seed: seeds the starting weights.

    Returns:
        The trained network and the binary cross-entropy after every step.
    """
    num_epochs = checks.positive_int("num_epochs", num_epochs)
    lr = checks.positive("lr", lr)
    X, y = truth_table("XOR")
    with torch.random.fork_rng(devices=[]):  # seed the weights, leave the caller's RNG
        torch.manual_seed(seed)
        net = TwoLayerNet(num_hiddens)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    losses = []
    for epoch in range(1, num_epochs + 1):
        loss = loss_fn(net(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(checks.finite_loss(loss, epoch=epoch))
    return net, losses
