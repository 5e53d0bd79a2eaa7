"""Sequences for the chapter "Recurrent and graph neural networks".

A seeded synthetic signal (an ECG-like heartbeat or a sum of sines), cut into windows
for one-step-ahead prediction; the recurrence of a plain RNN written out by hand; and
a small regressor over ``torch.nn.RNN``, ``GRU`` or ``LSTM`` with its training loop.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from dlbook import _checks as checks

CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
SERIES = ("ecg", "sine")

# One heartbeat as five bumps (P wave, Q, R, S, T wave): (centre as a fraction of the
# beat, height, width as a fraction of the beat). The R peak is the tall, narrow one.
_BEAT = ((0.20, 0.15, 0.040), (0.35, -0.12, 0.020), (0.40, 1.00, 0.025),
         (0.45, -0.25, 0.020), (0.68, 0.30, 0.060))
# Standard deviation of the length of one beat, as a fraction of the mean period.
BEAT_JITTER = 0.03


def make_series(num_steps: int = 2000, *, kind: str = "ecg", period: float = 40.0,
                noise: float = 0.05, seed: int = 0) -> torch.Tensor:
    """A noisy periodic signal, the same for the same seed.

    ``"ecg"`` repeats a heartbeat (P wave, QRS complex, T wave) whose length varies
    by about ``BEAT_JITTER`` (3%) from beat to beat, on a slowly wandering baseline;
    ``"sine"`` is ``sin(2 pi t / period) + 0.5 sin(6 pi t / period)``. Both get Gaussian
    noise.

    Args:
        num_steps: length of the series.
        kind: ``"ecg"`` or ``"sine"``.
        period: mean number of steps of one beat (or of the slow sine).
        noise: standard deviation of the added Gaussian noise (0 for none).
        seed: fixes the beat lengths, the baseline and the noise.

    Returns:
        ``(num_steps,)`` float32 tensor.
    """
    num_steps = checks.positive_int("num_steps", num_steps)
    checks.choice("kind", kind, SERIES)
    period = checks.number("period", period, low=4)
    noise = checks.non_negative("noise", noise)
    gen = torch.Generator().manual_seed(checks.seed(seed))
    t = torch.arange(num_steps, dtype=torch.float64)
    if kind == "sine":
        angle = 2 * math.pi * t / period
        x = torch.sin(angle) + 0.5 * torch.sin(3 * angle)
    else:
        # beat boundaries: lengths period * (1 +- BEAT_JITTER) until the series ends
        num_beats = int(num_steps / (0.9 * period)) + 2
        lengths = period * (1 + BEAT_JITTER * torch.randn(num_beats, generator=gen,
                                                   dtype=torch.float64))
        starts = torch.cumsum(lengths, 0) - lengths
        beat = torch.searchsorted(starts, t, right=True) - 1  # beat index of each step
        phase = (t - starts[beat]) / lengths[beat]  # in [0, 1)
        x = torch.zeros_like(t)
        for centre, height, width in _BEAT:
            x += height * torch.exp(-0.5 * ((phase - centre) / width) ** 2)
        wander_phase = 2 * math.pi * torch.rand((), generator=gen, dtype=torch.float64)
        x += 0.1 * torch.sin(2 * math.pi * t / (7.3 * period) + wander_phase)
    x += noise * torch.randn(num_steps, generator=gen, dtype=torch.float64)
    return x.float()


def make_windows(series: torch.Tensor, window: int
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """Cut a series into (past ``window`` values, next value) pairs.

    Args:
        series: ``(num_steps,)``.
        window: how many past values each input holds.

    Returns:
        ``X`` of shape ``(num_steps - window, window, 1)`` (batch, time, features)
        and ``y`` of shape ``(num_steps - window, 1)``, with
        ``y[k] = series[k + window]``.
    """
    checks.tensor("series", series, ndim=1, shape="(num_steps,)")
    window = checks.positive_int("window", window)
    if len(series) <= window:
        raise ValueError(f"series of length {len(series)} is too short for windows of "
                         f"{window} past values and one target")
    X = series.unfold(0, window, 1)[:-1]  # (num_steps - window, window)
    y = series[window:]
    return X.unsqueeze(-1).contiguous(), y.unsqueeze(-1).contiguous()


def split_windows(series: torch.Tensor, window: int, *, test_fraction: float = 0.25
                  ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Split a series in time (the past for training, the future for testing), then
    cut each part into windows, so no test value is ever seen in training.

    Returns:
        ``X_train, y_train, X_test, y_test`` as from :func:`make_windows`.
    """
    checks.tensor("series", series, ndim=1, shape="(num_steps,)")
    cut = int(len(series) * (1 - checks.fraction("test_fraction", test_fraction)))
    return (*make_windows(series[:cut], window), *make_windows(series[cut:], window))


def rnn_unrolled(X: torch.Tensor, W_xh: torch.Tensor, W_hh: torch.Tensor,
                 b: torch.Tensor, h0: torch.Tensor | None = None) -> torch.Tensor:
    """The recurrence ``h_t = tanh(W_xh x_t + W_hh h_(t-1) + b)``, one step at a time.

    Args:
        X: inputs ``(batch, steps, input_size)``.
        W_xh: input-to-hidden weights ``(hidden_size, input_size)``.
        W_hh: hidden-to-hidden weights ``(hidden_size, hidden_size)``.
        b: bias ``(hidden_size,)``.
        h0: initial state ``(batch, hidden_size)``; zeros when ``None``.

    Returns:
        Every hidden state ``h_1 ... h_T`` as ``(batch, steps, hidden_size)``: what
        ``torch.nn.RNN(..., batch_first=True)`` returns as its output.
    """
    X = checks.tensor("X", X, ndim=3, shape="(batch, steps, input_size)", floating=True)
    n, hidden = len(X), checks.tensor("W_hh", W_hh, ndim=2).shape[0]
    h0 = X.new_zeros(n, hidden) if h0 is None else h0
    # each tensor must have its exact shape: (hidden, 1) for b would broadcast silently
    for name, t, shape in (("W_xh", W_xh, (hidden, X.shape[2])),
                           ("W_hh", W_hh, (hidden, hidden)), ("b", b, (hidden,)),
                           ("h0", h0, (n, hidden))):
        if checks.tensor(name, t).shape != shape:
            raise ValueError(f"{name} must have shape {shape}, got {tuple(t.shape)}")
    return _rnn_unrolled(X, W_xh, W_hh, b, h0)


def _rnn_unrolled(X: torch.Tensor, W_xh: torch.Tensor, W_hh: torch.Tensor,
                  b: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    """:func:`rnn_unrolled` on checked arguments, from the state ``h = h_0``."""
    states = []
    for t in range(X.shape[1]):
        h = torch.tanh(X[:, t] @ W_xh.T + h @ W_hh.T + b)  # (batch, hidden_size)
        states.append(h)
    return torch.stack(states, dim=1)  # (batch, steps, hidden_size)


class RNNRegressor(nn.Module):
    """A recurrent network that reads a window and predicts the next value.

    ``h_t = cell(x_t, h_(t-1))`` for ``t = 1 ... T``, then ``y_hat = W h_T + b``: the
    cell (``torch.nn.RNN``, ``GRU`` or ``LSTM``) carries a state along the sequence,
    and a linear layer reads the last state.

    Args:
        cell: ``"rnn"``, ``"gru"`` or ``"lstm"``.
        input_size: features per time step.
        num_hiddens: size of the hidden state.
        num_layers: recurrent layers stacked on each other.
    """

    def __init__(self, cell: str = "rnn", input_size: int = 1, num_hiddens: int = 32,
                 num_layers: int = 1):
        super().__init__()
        checks.choice("cell", cell, CELLS)
        for name, value in (("input_size", input_size), ("num_hiddens", num_hiddens),
                            ("num_layers", num_layers)):
            checks.positive_int(name, value)
        self.cell = cell
        self.input_size = input_size
        self.rnn = CELLS[cell](input_size, num_hiddens, num_layers, batch_first=True)
        self.head = nn.Linear(num_hiddens, 1)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """``(batch, steps, input_size)`` -> predictions ``(batch, 1)``."""
        checks.tensor("X", X, ndim=3, shape=f"(batch, steps, {self.input_size})")
        states, _ = self.rnn(X)  # (batch, steps, num_hiddens)
        return self.head(states[:, -1])


def train_regressor(model: nn.Module, X: torch.Tensor, y: torch.Tensor, *,
                    num_epochs: int = 20, batch_size: int = 64, lr: float = 0.01,
                    shuffle: bool = True, seed: int = 0) -> list[float]:
    """Fit ``model`` to ``(X, y)`` with Adam on the mean squared error.

    Args:
        model: maps ``X`` ``(N, ...)`` to predictions shaped like ``y`` ``(N, 1)``.
        X, y: training inputs ``(N, ...)`` and targets of the shape of the model's
            predictions, ``(N, 1)`` for an :class:`RNNRegressor`.
        num_epochs, batch_size, lr: the usual settings.
        shuffle: reshuffle the windows each epoch (with ``seed``).
        seed: fixes the order of the mini-batches.

    Returns:
        The mean training loss of each epoch.
    """
    X, y = checks.tensor("X", X, finite=True), checks.tensor("y", y, finite=True)
    if X.dim() == 0 or len(X) == 0 or len(X) != len(y):
        raise ValueError(f"X and y must be non-empty and of the same length, got "
                         f"shapes {tuple(X.shape)} and {tuple(y.shape)}")
    num_epochs = checks.positive_int("num_epochs", num_epochs)
    batch_size = checks.positive_int("batch_size", batch_size)
    lr = checks.positive("lr", lr)
    gen = torch.Generator().manual_seed(checks.seed(seed))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    losses = []
    model.train()
    for epoch in range(1, num_epochs + 1):
        if shuffle:
            order = torch.randperm(len(X), generator=gen)
        else:
            order = torch.arange(len(X))
        total = 0.0
        for start in range(0, len(X), batch_size):
            idx = order[start:start + batch_size]
            y_hat, y_batch = model(X[idx]), y[idx]
            # MSELoss would broadcast (N,) targets against (N, 1) predictions to (N, N)
            if y_hat.shape != y_batch.shape:
                raise ValueError(f"y must have shape {(len(y), *y_hat.shape[1:])}, "
                                 f"like the model's predictions, got {tuple(y.shape)}")
            loss = loss_fn(y_hat, y_batch)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            # recurrent nets are prone to exploding gradients: cap their norm
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            opt.step()
            total += checks.finite_loss(loss, epoch=epoch) * len(idx)
        losses.append(total / len(X))
    return losses


@torch.no_grad()
def predict_series(model: nn.Module, X: torch.Tensor) -> torch.Tensor:
    """Predictions ``(N, 1)`` of ``model`` for the windows ``X``, in eval mode."""
    was_training = model.training
    model.eval()
    y_hat = model(X)
    model.train(was_training)
    return y_hat


def naive_forecast(X: torch.Tensor) -> torch.Tensor:
    """The baseline every forecaster must beat: tomorrow equals today.

    Args:
        X: windows ``(N, window, 1)``.

    Returns:
        The last value of each window, ``(N, 1)``.
    """
    checks.tensor("X", X, ndim=3, shape="(N, window, features)")
    return X[:, -1, :1].clone()
