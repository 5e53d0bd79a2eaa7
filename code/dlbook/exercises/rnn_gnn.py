"""Checkers for the exercises of the chapter "Recurrent and graph neural networks"."""

from __future__ import annotations

import numpy as np
import torch

from dlbook.exercises import Feedback
from dlbook.exercises._answers import (
    Rejected,
    array,
    checker,
    is_placeholder,
    mapping,
    number,
)
from dlbook.gnn import normalized_adjacency

# The exercise "Count the weights of a recurrent cell": the cells of the chapter.
RNN_INPUT_SIZE = 1
RNN_NUM_HIDDENS = 32
GATES = {"rnn": 1, "gru": 3, "lstm": 4}  # blocks of (W_xh, W_hh, b_ih, b_hh) per cell
GATE_NAMES = {
    "rnn": "one tanh layer",
    "gru": "three blocks (reset gate, update gate, candidate state)",
    "lstm": "four blocks (input, forget and output gates, candidate cell)",
}

# The exercise "Normalise a path": the graph 0 - 1 - 2.
PATH_A = torch.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])


def rnn_parameter_count(cell: str, input_size: int, num_hiddens: int) -> int:
    """Parameters of one layer of ``torch.nn.RNN``/``GRU``/``LSTM``."""
    g, i, h = GATES[cell], input_size, num_hiddens
    return g * (h * i + h * h + 2 * h)


def _one_cell(cell: str, got: int) -> list[str]:
    i, h, g = RNN_INPUT_SIZE, RNN_NUM_HIDDENS, GATES[cell]
    right = rnn_parameter_count(cell, i, h)
    if got == right:
        return []
    why = [f"{cell}: {got} is not right."]
    if got == g * (h * i + h * h + h):
        why.append("torch keeps two bias vectors per block, b_ih and b_hh (their sum "
                   "is the b of the formula), and both are parameters.")
    elif got == g * (h * i + 2 * h):
        why.append("You left out the recurrent weights W_hh, one (hidden x hidden) "
                   "matrix per block: the feedback connection itself.")
    elif got == right + h + 1:
        why.append("Count the recurrent layer only, not the linear head after it.")
    else:
        for other in GATES:
            if other != cell and got == rnn_parameter_count(other, i, h):
                why.append(f"That is the count of {other.upper()}. A {cell.upper()} "
                           f"has {GATE_NAMES[cell]}, each with its own weights.")
                break
        else:
            why.append(f"Count W_xh ({h} x {i}), W_hh ({h} x {h}) and two biases of "
                       f"{h} per block; a {cell.upper()} has {GATE_NAMES[cell]}.")
    return why


@checker
def check_rnn_parameters(answers) -> Feedback:
    """Exercise "Count the weights of a recurrent cell".

    ``answers`` is a dict ``{"rnn": ..., "gru": ..., "lstm": ...}``: the parameters of
    one layer with ``input_size=1`` and ``hidden_size=32``.
    """
    fb = Feedback("Count the weights of a recurrent cell")
    answers = mapping(fb, "answers", answers, GATES,
                      '{"rnn": ..., "gru": ..., "lstm": ...}')
    for cell in GATES:
        if is_placeholder(answers.get(cell)):
            fb.fail(f"{cell}: still the placeholder ...: replace it with your answer.")
            continue
        try:
            got = number(Feedback(cell), "the answer", answers[cell], whole=True)
        except Rejected as stop:
            fb.fail(f"{cell}: " + stop.feedback.messages[-1])
            continue
        why = _one_cell(cell, got)
        if why:
            fb.fail(" ".join(why))
        else:
            fb.note(f"{cell}: {got} is right.")
    return fb


@checker
def check_normalized_adjacency(A_norm) -> Feedback:
    """Exercise "Normalise a path": ``D^-1/2 (A + I) D^-1/2`` of ``PATH_A``."""
    fb = Feedback("Normalise a path")
    got = array(fb, "A_norm", A_norm, [(3, 3)], "a graph of 3 nodes needs a (3, 3) "
                "matrix")
    A = PATH_A.double().numpy()
    right = normalized_adjacency(PATH_A.double()).numpy()
    if np.allclose(got, right, atol=1e-4):
        return fb
    A_hat = A + np.eye(3)
    deg_hat, deg = A_hat.sum(1), A.sum(1)
    wrong = [
        (A_hat, "You added the self-loops but did not normalise: scale entry (i, j) "
                "by 1 / sqrt(d_i d_j)."),
        (A / np.sqrt(np.outer(deg, deg)),
         "The diagonal is zero: add the self-loops (A + I) first, so every node "
         "keeps its own features."),
        (A_hat / deg_hat[:, None],
         "Every row sums to 1 and the matrix is not symmetric: that is D^-1 (A + I), "
         "an average over neighbours. Divide by sqrt(d_i) AND sqrt(d_j)."),
        (A_hat / np.sqrt(np.outer(deg, deg)),
         "The degrees must be those of A + I: each node's self-loop adds 1."),
        (A_hat * np.sqrt(np.outer(deg_hat, deg_hat)),
         "You multiplied by the square roots of the degrees; the exponent is -1/2."),
    ]
    fb.fail("A_norm differs from D^-1/2 (A + I) D^-1/2.")
    for candidate, why in wrong:
        if np.allclose(got, candidate, atol=1e-4):
            return fb.note(why)
    if not np.allclose(got, got.T, atol=1e-6):
        fb.note("A_norm should be symmetric, like the graph.")
    worst = np.unravel_index(np.argmax(np.abs(got - right)), got.shape)
    return fb.note(f"The largest difference is at {tuple(int(i) for i in worst)}.")
