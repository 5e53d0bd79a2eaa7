"""Tests of dlbook.neurons: the perceptron, its learning rule, and the XOR network."""

import itertools
import warnings

import pytest
import torch
from helpers.strategies import QUICK
from hypothesis import assume, given
from hypothesis import strategies as st

from dlbook import neurons
from dlbook.neurons import (
    GATES,
    TwoLayerNet,
    line_through,
    perceptron,
    step,
    train_perceptron,
    train_xor_net,
    truth_table,
)


def test_truth_tables():
    X, y = truth_table("xor")
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.tolist() == [0, 1, 1, 0]
    assert truth_table("AND")[1].tolist() == [0, 0, 0, 1]
    with pytest.raises(ValueError, match="gate must be one of"):
        truth_table("MAYBE")


def test_step_is_one_only_above_zero():
    assert step(torch.tensor([-1.0, 0.0, 1e-6, 2.0])).tolist() == [0, 0, 1, 1]


def test_perceptron_with_hand_weights_computes_and():
    X, y = truth_table("AND")
    out = perceptron(X, torch.tensor([1.0, 1.0]), -1.5)
    assert out.tolist() == y.tolist()


def test_perceptron_checks_the_weight_shape():
    X, _ = truth_table("AND")
    with pytest.raises(ValueError, match=r"w must have shape \(2,\)"):
        perceptron(X, torch.ones(3), 0.0)
    with pytest.raises(ValueError, match=r"X must have shape \(N, num_inputs\)"):
        perceptron(torch.ones(2), torch.ones(2), 0.0)


@pytest.mark.parametrize("gate", ["AND", "OR", "NAND", "NOR"])
def test_learning_rule_solves_separable_gates(gate):
    X, y = truth_table(gate)
    run = train_perceptron(X, y, lr=0.2, num_epochs=50, seed=0)
    assert run.accuracy[-1] == 1.0
    assert perceptron(X, run.w, run.b).tolist() == y.tolist()
    assert perceptron(X, run.best_w, run.best_b).tolist() == y.tolist()


def test_learning_rule_never_solves_xor():
    X, y = truth_table("XOR")
    for seed in range(5):
        run = train_perceptron(X, y, lr=0.2, num_epochs=30, seed=seed)
        assert len(run.accuracy) == 30 * 4
        assert run.best_accuracy <= 0.75
        acc = (perceptron(X, run.best_w, run.best_b) == y).float().mean().item()
        assert acc == run.best_accuracy


def test_no_line_gets_all_of_xor_right():
    X, y = truth_table("XOR")
    grid = torch.linspace(-2, 2, 41)
    W = torch.tensor(list(itertools.product(grid.tolist(), repeat=2)))  # (1681, 2)
    outputs = step((X @ W.T)[:, :, None] + grid)    # (4, lines, biases)
    accuracy = (outputs == y[:, None, None]).float().mean(dim=0)
    assert accuracy.max().item() == 0.75


def test_train_perceptron_rejects_bad_input():
    X, y = truth_table("AND")
    with pytest.raises(ValueError, match="y must hold only 0s and 1s"):
        train_perceptron(X, 2 * y)
    with pytest.raises(ValueError, match=r"y of shape \(4,\) to match"):
        train_perceptron(X, y[:3])
    with pytest.raises(ValueError, match="lr must be positive"):
        train_perceptron(X, y, lr=0)
    with pytest.raises(ValueError, match="num_epochs must be a positive int"):
        train_perceptron(X, y, num_epochs=0)


def test_line_through():
    x1 = torch.tensor([0.0, 1.0])
    # x1 + 2 x2 - 1 = 0  ->  x2 = (1 - x1) / 2
    assert line_through([1.0, 2.0], -1.0, x1).tolist() == [0.5, 0.0]
    with pytest.raises(ValueError, match="vertical"):
        line_through([1.0, 0.0], -1.0, x1)


def test_line_through_a_layer_weight_warns_of_nothing():
    weight = torch.nn.Parameter(torch.tensor([1.0, 2.0]))  # requires grad, as in a net
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert line_through(weight, -1.0, torch.tensor([0.0, 1.0])).tolist() == [0.5, 0.0]
        bias = torch.nn.Parameter(torch.tensor([-1.0]))  # a layer's bias, as in a net
        line = line_through(weight, bias[0], torch.tensor([0.0, 1.0]))
        assert line.tolist() == [0.5, 0.0] and not line.requires_grad


def test_two_layer_net_shapes_and_gradients():
    net = TwoLayerNet(num_hiddens=3)
    X = torch.rand(5, 2, requires_grad=True)
    out = net(X)
    assert out.shape == (5,)
    assert net.hidden_units(X).shape == (5, 3)
    # forward is sigmoid-free: W2 tanh(W1 x + b1) + b2, checked by hand
    W1, b1 = net.hidden.weight, net.hidden.bias
    W2, b2 = net.output.weight, net.output.bias
    torch.testing.assert_close(out, (torch.tanh(X @ W1.T + b1) @ W2.T + b2).squeeze(1))
    out.sum().backward()
    assert W1.grad is not None and W1.grad.shape == (3, 2)
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\)"):
        net(torch.rand(5, 3))
    with pytest.raises(ValueError, match="num_hiddens must be a positive int"):
        TwoLayerNet(0)


def test_hidden_layer_solves_xor_and_leaves_global_rng_alone():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    net, losses = train_xor_net(4, num_epochs=150, seed=0)
    after = torch.rand(1)
    assert torch.equal(before, after)
    assert losses[-1] < 0.05 * losses[0]
    X, y = truth_table("XOR")
    assert ((net(X) > 0).float() == y).all()


def test_train_xor_net_is_seeded():
    a, la = train_xor_net(2, num_epochs=20, seed=1)
    b, lb = train_xor_net(2, num_epochs=20, seed=1)
    assert la == lb
    torch.testing.assert_close(a.hidden.weight, b.hidden.weight)
    with pytest.raises(ValueError, match="num_epochs must be a positive int"):
        train_xor_net(num_epochs=0)


def test_gates_table_is_consistent():
    for name, outputs in GATES.items():
        assert len(outputs) == 4 and set(outputs) <= {0, 1}, name


# --- properties, on drawn inputs ---------------------------------------------------


@QUICK
@given(n=st.integers(1, 6), d=st.integers(1, 4), seed=st.integers(0, 99),
       b=st.floats(-2, 2), scale=st.floats(0.1, 10))
def test_perceptron_answers_which_side_of_its_hyperplane_a_point_lies(n, d, seed, b,
                                                                     scale):
    g = torch.Generator().manual_seed(seed)
    X, w = torch.randn(n, d, generator=g), torch.randn(d, generator=g)
    assume(bool(((X @ w + b).abs() > 1e-3).all()))  # the step at 0 is a convention
    out = neurons.perceptron(X, w, b)
    assert out.shape == (n,) and set(out.tolist()) <= {0, 1}
    # scaling w and b by a positive number moves no point across the hyperplane
    assert torch.equal(neurons.perceptron(X, scale * w, scale * b), out)
    # negating them swaps the two sides
    assert torch.equal(neurons.perceptron(X, -w, -b), 1 - out)
    # far along w lies the positive side, far against it the negative one
    far = 10 * (1 + abs(b)) / w.dot(w) * w[None]
    assert neurons.perceptron(far, w, b).tolist() == [1]
    assert neurons.perceptron(-far, w, b).tolist() == [0]
    with pytest.raises(ValueError, match="w must have shape"):
        neurons.perceptron(X, torch.randn(d + 1), b)


@pytest.mark.parametrize("gate", ["AND", "OR", "NAND", "NOR", "XOR", "XNOR"])
def test_truth_tables(gate):
    X, y = neurons.truth_table(gate)
    assert X.shape == (4, 2) and y.shape == (4,)
    a, b = X[:, 0].bool(), X[:, 1].bool()
    want = {"AND": a & b, "OR": a | b, "NAND": ~(a & b), "NOR": ~(a | b), "XOR": a ^ b,
            "XNOR": ~(a ^ b)}[gate]
    assert torch.equal(y.bool(), want)
