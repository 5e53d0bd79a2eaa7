"""The checkers of the chapter "Recurrent and graph neural networks"."""

import numpy as np
import pytest
from torch import nn

from dlbook.exercises.rnn_gnn import (PATH_A, check_normalized_adjacency,
                                      check_rnn_parameters, rnn_parameter_count)
from dlbook.gnn import normalized_adjacency
from dlbook.models import count_parameters


@pytest.mark.parametrize("cell, module", [("rnn", nn.RNN), ("gru", nn.GRU),
                                          ("lstm", nn.LSTM)])
def test_parameter_count_matches_torch(cell, module):
    assert rnn_parameter_count(cell, 3, 7) == count_parameters(module(3, 7))


def test_rnn_parameters_accepts_the_right_counts():
    right = {c: count_parameters(m(1, 32))
             for c, m in (("rnn", nn.RNN), ("gru", nn.GRU), ("lstm", nn.LSTM))}
    assert check_rnn_parameters(right)


def test_rnn_parameters_names_the_slip():
    fb = check_rnn_parameters({"rnn": 1120 - 32, "gru": 1120, "lstm": 4 * (32 + 64)})
    assert not fb
    text = str(fb)
    assert "two bias vectors" in text
    assert "That is the count of RNN" in text
    assert "W_hh" in text
    fb = check_rnn_parameters({"rnn": ..., "gru": ..., "lstm": ...})
    assert not fb and fb.pending and len(fb.messages) == 1
    assert "placeholders" in fb.messages[0]
    fb = check_rnn_parameters({"rnn": 1120, "gru": ..., "lstm": ...})
    assert not fb and "rnn: 1120 is right." in fb.messages
    assert "gru: still the placeholder" in str(fb)
    assert "must be a dict" in str(check_rnn_parameters([1, 2, 3]))


def test_normalized_adjacency_checker():
    assert check_normalized_adjacency(normalized_adjacency(PATH_A))
    assert check_normalized_adjacency(normalized_adjacency(PATH_A).tolist())
    A = PATH_A.numpy()
    A_hat = A + np.eye(3)
    d = A_hat.sum(1)
    assert "self-loops" in str(check_normalized_adjacency(
        A / np.sqrt(np.outer(A.sum(1), A.sum(1)))))
    assert "D^-1 (A + I)" in str(check_normalized_adjacency(A_hat / d[:, None]))
    assert "did not normalise" in str(check_normalized_adjacency(A_hat))
    assert "exponent is -1/2" in str(check_normalized_adjacency(
        A_hat * np.sqrt(np.outer(d, d))))
    assert "shape" in str(check_normalized_adjacency(np.eye(2)))
    assert not check_normalized_adjacency(...)
