"""Checkers for the exercises of the chapter "Neural networks".

The networks here use the step activation ``f(z) = 1 if z > 0 else 0`` in every unit,
so a reader can choose weights by hand and reason about each unit as a line.

An answer left at its placeholder (``...`` or ``None``), or weights and biases that are
all 0, get one message that asks for an answer, not a list of everything it gets wrong.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence

import numpy as np

from dlbook.exercises import Feedback
from dlbook.exercises._answers import array, await_answer, checker, number
from dlbook.neurons import GATES, INPUTS

# Pre-activations closer to 0 than this are too fragile to count as a decision.
_TOLERANCE = 1e-9


def _step(z: np.ndarray) -> np.ndarray:
    return (z > 0).astype(float)


def _all_zero(fb: Feedback, arrays: Sequence[np.ndarray]) -> bool:
    """Fail ``fb`` with one message if every weight and bias is 0."""
    if any(np.any(a != 0) for a in arrays):
        return False
    fb.fail("every weight and bias is 0, so every weighted sum is 0 and every unit "
            "outputs f(0) = 0 whatever the input: choose weights and biases that "
            "draw a line between the 0s and the 1s of each unit.")
    return True


def _inputs_text(where: np.ndarray) -> str:
    if where.all():
        return "every input"
    return ", ".join(str(INPUTS[k]) for k in np.flatnonzero(where))


def _compare(fb: Feedback, target: str, outputs: np.ndarray,
             pre_activations: list[tuple[str, np.ndarray]],
             who: str = "your network") -> Feedback:
    """Report each input where ``outputs`` is not the truth table of ``target``."""
    expected = np.array(GATES[target], dtype=float)
    wrong = np.flatnonzero(outputs != expected)
    for k in wrong:
        fb.fail(f"input {INPUTS[k]}: {who} outputs {int(outputs[k])}, "
                f"{target} is {int(expected[k])}.")
    if len(wrong) == 4:
        fb.note(f"every output is flipped: you computed the opposite of {target}. "
                "Negate the output unit's weights and bias.")
    elif len(wrong) and len(set(outputs.tolist())) == 1:
        fb.note(f"the output is {int(outputs[0])} for every input: check the signs of "
                "the biases, which decide whether a unit fires when its inputs are 0.")
    on_step = [f"{what}'s sum at {_inputs_text(np.abs(z) <= _TOLERANCE)}"
               for what, z in pre_activations if np.any(np.abs(z) <= _TOLERANCE)]
    if on_step:
        fb.note("a weighted sum is exactly 0, right on the step (f(0) = 0): "
                + "; ".join(on_step) + ". Move a bias a little so that each decision "
                "is clear.")
    return fb


@checker
def check_gate_weights(gate: str, w, b) -> Feedback:
    """Check that one step-activated perceptron ``f(w . x + b)`` computes ``gate``.

    Args:
        gate: the name of a two-input gate, e.g. ``"NAND"``.
        w: two weights, shape ``(2,)``.
        b: the bias, a number.
    """
    if not isinstance(gate, str) or gate.upper() not in GATES:
        raise ValueError(f"gate must be one of {sorted(GATES)}, got {gate!r}")
    gate = gate.upper()
    fb = Feedback(f"a perceptron that computes {gate}")
    await_answer(fb, w=w, b=b)
    w = array(fb, "w", w, [(2,)], "one weight per input")
    b = number(fb, "b", b)
    if _all_zero(fb, (w, b)):
        return fb
    X = np.array(INPUTS, dtype=float)
    z = X @ w + b  # (4,)
    _compare(fb, gate, _step(z), [("the perceptron", z)], who="your perceptron")
    if not fb.ok and gate in ("XOR", "XNOR"):
        fb.note(f"no single perceptron can compute {gate}: no straight line separates "
                "its 1s from its 0s. It needs a hidden layer.")
    return fb


@checker
def check_xor_weights(W1, b1, W2, b2) -> Feedback:
    """Check that a 2-2-1 network of step units computes XOR on its four inputs.

    The network is ``h = f(W1 x + b1)`` and ``y_hat = f(W2 h + b2)`` with
    ``f(z) = 1 if z > 0 else 0``.

    Args:
        W1: hidden weights, shape ``(2, 2)``: row ``j`` holds the weights of hidden
            unit ``j`` (the layout of ``torch.nn.Linear(2, 2).weight``).
        b1: hidden biases, shape ``(2,)``.
        W2: output weights, shape ``(1, 2)`` or ``(2,)``.
        b2: output bias, a number or shape ``(1,)``.
    """
    fb = Feedback("a 2-2-1 network that computes XOR")
    await_answer(fb, W1=W1, b1=b1, W2=W2, b2=b2)
    W1 = array(fb, "W1", W1, [(2, 2)], "one row of two input weights per hidden unit")
    b1 = array(fb, "b1", b1, [(2,)], "one bias per hidden unit")
    W2 = array(fb, "W2", W2, [(1, 2), (2,)], "one weight per hidden unit")
    b2 = number(fb, "b2", b2)
    if _all_zero(fb, (W1, b1, W2, b2)):
        return fb
    X = np.array(INPUTS, dtype=float)          # (4, 2)
    z1 = X @ W1.T + b1                         # (4, 2)
    h = _step(z1)
    z2 = (h @ W2.T).reshape(4) + b2            # (4,)
    _compare(fb, "XOR", _step(z2),
             [("hidden unit 1", z1[:, 0]), ("hidden unit 2", z1[:, 1]),
              ("the output unit", z2)])
    if not fb.ok and np.array_equal(h[:, 0], h[:, 1]):
        fb.note("both hidden units compute the same thing, so the output unit sees "
                "only one line: make them different (e.g. one OR, one NAND).")
    return fb


def num_parameters(layer_sizes: Sequence[int]) -> int:
    """Weights and biases of a fully-connected network with these layer widths."""
    pairs = zip(layer_sizes, layer_sizes[1:])
    return sum(n_in * n_out + n_out for n_in, n_out in pairs)


@checker
def check_num_parameters(layer_sizes: Sequence[int], answer) -> Feedback:
    """Check a count of the trainable parameters of a fully-connected network.

    Args:
        layer_sizes: widths from the input to the output, e.g. ``(64, 32, 10)``.
        answer: the reader's count.
    """
    try:
        sizes = [operator.index(s) for s in layer_sizes]
    except TypeError:  # not a sequence, or not of ints
        sizes = []
    if len(sizes) < 2 or min(sizes) <= 0:
        raise ValueError(f"layer_sizes must hold at least two positive ints, got "
                         f"{layer_sizes!r}")
    fb = Feedback(f"parameters of the network {' -> '.join(map(str, sizes))}")
    got = number(fb, "your count", answer, whole=True)
    want = num_parameters(sizes)
    pairs = list(zip(sizes, sizes[1:]))
    weights = sum(a * b for a, b in pairs)
    biases = sum(b for _, b in pairs)
    if got == want:
        return fb
    fb.fail(f"{got:g} is not the number of parameters.")
    if got == weights:
        fb.note(f"you counted the {weights} weights but not the {biases} biases.")
    elif got == weights + sum(a for a, _ in pairs):
        fb.note("each unit has one bias, so count the biases of the layer a connection "
                "goes to, not of the layer it comes from.")
    elif got == sum(sizes):
        fb.note("that is the number of units; every connection between two layers "
                "carries its own weight.")
    else:
        fb.note("layer i -> i+1 has n_i * n_(i+1) weights and n_(i+1) biases.")
    return fb
