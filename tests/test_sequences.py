"""dlbook.sequences: the synthetic series, windows, unrolled RNN and regressor."""

import pytest
import torch
from torch import nn
from helpers.strategies import FAST, QUICK, tensors
from hypothesis import assume, given
from hypothesis import strategies as st

from dlbook import sequences
from dlbook.sequences import (RNNRegressor, make_series, make_windows, naive_forecast,
                              predict_series, rnn_unrolled, split_windows,
                              train_regressor)


@pytest.mark.parametrize("kind", ["ecg", "sine"])
def test_make_series_is_seeded(kind):
    a = make_series(300, kind=kind, seed=1)
    assert a.shape == (300,) and a.dtype == torch.float32
    torch.testing.assert_close(a, make_series(300, kind=kind, seed=1))
    assert not torch.equal(a, make_series(300, kind=kind, seed=2))


def test_ecg_has_one_r_peak_per_beat():
    x = make_series(400, period=40.0, noise=0.0, seed=0)
    peaks = ((x[1:-1] > x[:-2]) & (x[1:-1] >= x[2:]) & (x[1:-1] > 0.6)).sum().item()
    assert 9 <= peaks <= 11  # 400 steps of beats of about 40 steps


def test_windows_hold_the_past_and_the_next_value():
    series = torch.arange(10.0)
    X, y = make_windows(series, 3)
    assert X.shape == (7, 3, 1) and y.shape == (7, 1)
    assert X[0, :, 0].tolist() == [0.0, 1.0, 2.0] and y[0].item() == 3.0
    assert X[-1, :, 0].tolist() == [6.0, 7.0, 8.0] and y[-1].item() == 9.0
    torch.testing.assert_close(naive_forecast(X), X[:, -1])


def test_split_windows_keeps_the_test_part_in_the_future():
    series = torch.arange(100.0)
    X_train, y_train, X_test, y_test = split_windows(series, 5, test_fraction=0.2)
    assert y_train.max() < X_test.min()
    assert len(X_train) == 80 - 5 and len(X_test) == 20 - 5


def test_rnn_unrolled_matches_torch_rnn():
    rnn = nn.RNN(3, 5, batch_first=True)
    X = torch.randn(4, 7, 3)
    want, h_last = rnn(X)
    got = rnn_unrolled(X, rnn.weight_ih_l0, rnn.weight_hh_l0,
                       rnn.bias_ih_l0 + rnn.bias_hh_l0)
    assert got.shape == (4, 7, 5)
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(got[:, -1], h_last[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_regressor_shapes_and_loss_falls(cell):
    torch.manual_seed(0)
    X, y = make_windows(make_series(260, kind="sine", period=20.0, noise=0.0), 12)
    model = RNNRegressor(cell, num_hiddens=16)
    assert model(X[:5]).shape == (5, 1)
    losses = train_regressor(model, X, y, num_epochs=15, batch_size=64, lr=0.02,
                             shuffle=True, seed=0)
    assert len(losses) == 15
    assert losses[-1] < 0.3 * losses[0]
    mse = ((predict_series(model, X) - y) ** 2).mean()
    assert mse < ((naive_forecast(X) - y) ** 2).mean()


def test_training_is_seeded():
    X, y = make_windows(make_series(120, seed=0), 10)
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        runs.append(train_regressor(RNNRegressor("gru", num_hiddens=8), X, y,
                                    num_epochs=2, seed=3))
    assert runs[0] == runs[1]


def test_bad_input_raises():
    with pytest.raises(ValueError, match="cell must be one of"):
        RNNRegressor("transformer")
    with pytest.raises(ValueError, match="num_hiddens must be a positive int"):
        RNNRegressor("rnn", num_hiddens=0)
    with pytest.raises(ValueError, match=r"X must have shape \(batch, steps, 1\)"):
        RNNRegressor("rnn")(torch.randn(4, 10))
    with pytest.raises(ValueError, match="kind must be one of"):
        make_series(100, kind="square")
    with pytest.raises(ValueError, match="noise must be non-negative"):
        make_series(100, noise=-0.1)
    with pytest.raises(ValueError, match="too short"):
        make_windows(torch.arange(5.0), 5)
    with pytest.raises(ValueError, match=r"series must have shape \(num_steps,\)"):
        make_windows(torch.zeros(5, 2), 2)
    with pytest.raises(ValueError, match="test_fraction"):
        split_windows(torch.arange(50.0), 5, test_fraction=1.0)
    X, y = make_windows(torch.arange(20.0), 4)
    with pytest.raises(ValueError, match="same length"):
        train_regressor(RNNRegressor(), X, y[:-1])
    with pytest.raises(ValueError, match="lr must be positive"):
        train_regressor(RNNRegressor(), X, y, lr=0.0)
    with pytest.raises(ValueError, match="W_xh must have shape"):
        rnn_unrolled(torch.randn(2, 3, 4), torch.randn(5, 3), torch.randn(5, 5),
                     torch.zeros(5))


def test_train_regressor_rejects_targets_that_would_broadcast():
    X, y = make_windows(make_series(60, seed=0), 10)  # y: (50, 1)
    model = RNNRegressor("rnn", num_hiddens=4)
    before = [p.detach().clone() for p in model.parameters()]
    for bad in (y.squeeze(1), y.expand(-1, 2)):
        with pytest.raises(ValueError, match=r"y must have shape \(50, 1\), like the "
                                             r"model's predictions, got \(50,( 2)?\)"):
            train_regressor(model, X, bad, num_epochs=1)
    # the check comes before the first step: the model is untouched
    assert all(torch.equal(p, b) for p, b in zip(model.parameters(), before))


# --- properties, on drawn inputs ---------------------------------------------------


@QUICK
@given(series=tensors(1, 1, 30), window=st.integers(1, 10))
def test_windows_are_past_values_and_the_next_one(series, window):
    assume(len(series) > window)
    X, y = sequences.make_windows(series, window)
    n = len(series) - window
    assert X.shape == (n, window, 1) and y.shape == (n, 1)
    for k in range(n):
        assert torch.equal(X[k, :, 0], series[k:k + window])
        assert y[k, 0] == series[k + window]
    assert torch.equal(sequences.naive_forecast(X), X[:, -1])


@FAST
@given(batch=st.integers(1, 3), steps=st.integers(1, 5), d_in=st.integers(1, 3),
       d_h=st.integers(1, 4), seed=st.integers(0, 99))
def test_rnn_unrolled_matches_torch_rnn(batch, steps, d_in, d_h, seed):
    torch.manual_seed(seed)
    rnn = torch.nn.RNN(d_in, d_h, batch_first=True).double()
    X = torch.randn(batch, steps, d_in, dtype=torch.float64)
    want, _ = rnn(X)
    got = sequences.rnn_unrolled(X, rnn.weight_ih_l0, rnn.weight_hh_l0,
                         rnn.bias_ih_l0 + rnn.bias_hh_l0)
    assert torch.allclose(got, want, atol=1e-9)


def test_train_regressor_rejects_targets_that_would_broadcast():
    model = sequences.RNNRegressor(num_hiddens=4)
    with pytest.raises(ValueError, match="y"):
        sequences.train_regressor(model, torch.rand(6, 5, 1), torch.rand(6), num_epochs=1)
