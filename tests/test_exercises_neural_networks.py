"""The checkers of the chapter "Neural networks" accept right answers and explain wrong ones."""

import numpy as np
import pytest
import torch

from dlbook.exercises.neural_networks import (
    check_gate_weights,
    check_num_parameters,
    check_xor_weights,
    num_parameters,
)

# h1 = OR, h2 = NAND, output = AND of the two
W1 = [[1.0, 1.0], [-1.0, -1.0]]
b1 = [-0.5, 1.5]
W2 = [[1.0, 1.0]]
b2 = -1.5


def test_xor_accepts_a_right_answer_in_any_array_type():
    assert check_xor_weights(W1, b1, W2, b2)
    assert check_xor_weights(torch.tensor(W1), torch.tensor(b1), torch.tensor(W2[0]),
                             torch.tensor([b2]))
    assert check_xor_weights(np.array(W1), np.array(b1), np.array(W2), np.array(b2))


def test_xor_names_the_wrong_input():
    fb = check_xor_weights(W1, b1, W2, -0.5)  # output OR instead of AND: (1,1) fires
    assert not fb
    text = str(fb)
    assert "input (1, 1): your network outputs 1, XOR is 0" in text
    assert "input (0, 1)" not in text


def test_xor_spots_flipped_outputs():
    fb = check_xor_weights(W1, b1, [[-1.0, -1.0]], 1.5)  # XNOR
    assert not fb
    assert "every output is flipped" in str(fb)


def test_xor_spots_identical_hidden_units():
    fb = check_xor_weights([[1.0, 1.0], [1.0, 1.0]], [-0.5, -0.5], W2, b2)
    assert not fb
    assert "both hidden units compute the same thing" in str(fb)


def test_xor_warns_about_sums_exactly_on_the_step():
    fb = check_xor_weights([[1.0, 1.0], [-1.0, -1.0]], [-1.0, 1.5], W2, b2)
    assert ("exactly 0, right on the step (f(0) = 0): hidden unit 1's sum at (0, 1), "
            "(1, 0).") in str(fb)
    fb = check_gate_weights("AND", [1.0, 1.0], -1.0)
    assert "the perceptron's sum at (0, 1), (1, 0)." in str(fb)


def test_xor_reports_shapes():
    fb = check_xor_weights([1.0, 1.0], b1, W2, b2)
    assert not fb
    assert "W1 has shape (2,), expected (2, 2)" in str(fb)
    fb = check_xor_weights(W1, b1, W2, [1.0, 2.0])
    assert "b2 must be one number, got 2 numbers" in str(fb)


def test_an_untouched_placeholder_gets_one_message():
    for fb in (check_xor_weights(..., ..., ..., ...), check_gate_weights("NAND", ..., ...),
               check_num_parameters([4, 3, 2], ...)):
        assert not fb
        assert len(fb.messages) == 1 and "still the placeholder ..." in fb.messages[0]
    fb = check_xor_weights(W1, b1, W2, None)
    assert fb.messages == ["b2 is still the placeholder ...: replace it with your answer."]
    fb = check_xor_weights(..., b1, ..., b2)
    assert fb.messages[0].startswith("W1 and W2 are still the placeholder")


def test_all_zero_weights_get_one_message_not_five():
    fb = check_xor_weights(np.zeros((2, 2)), np.zeros(2), np.zeros((1, 2)), 0.0)
    assert not fb
    assert len(fb.messages) == 1 and "every weight and bias is 0" in fb.messages[0]
    fb = check_gate_weights("NAND", [0.0, 0.0], 0)
    assert not fb and len(fb.messages) == 1
    # a zero bias alone is an answer, judged input by input
    fb = check_gate_weights("NAND", [-1.0, -1.0], 0.0)
    assert not fb and "input (0, 0): your perceptron outputs 0, NAND is 1." in str(fb)


def test_gate_weights():
    assert check_gate_weights("NAND", [-1.0, -1.0], 1.5)
    fb = check_gate_weights("NAND", [1.0, 1.0], -1.5)  # AND
    assert not fb and "every output is flipped" in str(fb)
    fb = check_gate_weights("XOR", [1.0, 1.0], -0.5)
    assert not fb and "no single perceptron can compute XOR" in str(fb)
    fb = check_gate_weights("OR", [0.0, 0.0], 1.0)
    assert "the output is 1 for every input" in str(fb)
    with pytest.raises(ValueError, match="gate must be one of"):
        check_gate_weights("MAYBE", [1.0, 1.0], 0.0)


def test_num_parameters_matches_torch():
    sizes = [64, 32, 32, 10]
    layers = [torch.nn.Linear(a, b) for a, b in zip(sizes, sizes[1:])]
    assert num_parameters(sizes) == sum(p.numel() for m in layers for p in m.parameters())
    assert check_num_parameters(sizes, num_parameters(sizes))


def test_num_parameters_explains_mistakes():
    sizes = [4, 3, 2]
    weights, biases = 4 * 3 + 3 * 2, 3 + 2
    fb = check_num_parameters(sizes, weights)
    assert not fb and "not the 5 biases" in str(fb)
    fb = check_num_parameters(sizes, weights + 4 + 3)
    assert "the layer a connection goes to" in str(fb)
    fb = check_num_parameters(sizes, 9)
    assert "number of units" in str(fb)
    fb = check_num_parameters(sizes, [1, 2])
    assert "your count must be one whole number, got 2 numbers" in str(fb)
    assert "must be a whole number, got 28.5" in str(check_num_parameters(sizes, 28.5))
    assert check_num_parameters(np.array(sizes), torch.tensor(weights + biases))
    with pytest.raises(ValueError, match="layer_sizes must hold at least two"):
        check_num_parameters([4], 0)
    assert weights + biases == num_parameters(sizes)
