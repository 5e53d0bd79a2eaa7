"""The scalar autograd engine against torch.autograd (float64) as the oracle."""

import math
import random

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from helpers.strategies import FAST, QUICK

from dlbook.autograd import MLP, Neuron, Value

TOL = 1e-6


def close(a: float, b: float) -> bool:
    """Equal to within 1e-6, relative for large numbers."""
    return abs(a - b) <= TOL * max(1.0, abs(b))


def leaf(x: float) -> tuple[Value, torch.Tensor]:
    return Value(x), torch.tensor(x, dtype=torch.float64, requires_grad=True)


def _binary(rng, a, b):
    """Apply a random binary operation to the pairs a = (Value, tensor), b likewise;
    sometimes one operand is a plain number, on either side."""
    (va, ta), (vb, tb) = a, b
    op = rng.choice("+-*/")
    if rng.random() < 0.25:               # a number on the right: Value op number
        vb = tb = rng.choice([-2.5, -1, 0.5, 2, 3])
    elif rng.random() < 0.25:             # a number on the left: number op Value
        va = ta = rng.choice([-1.5, 1, 2, 4])
    divisor = vb if isinstance(vb, (int, float)) else vb.data
    if op == "/" and abs(divisor) < 0.2:
        op = "*"
    f = {"+": lambda x, y: x + y, "-": lambda x, y: x - y,
         "*": lambda x, y: x * y, "/": lambda x, y: x / y}[op]
    return f(va, vb), f(ta, tb)


def _unary(rng, a):
    """Apply a random unary operation that is defined (and tame) at a's value."""
    va, ta = a
    x = va.data
    choices = ["tanh", "relu", "sigmoid", "neg", "pow"]
    if x < 4:
        choices.append("exp")
    if x > 0.05:
        choices.append("log")
    op = rng.choice(choices)
    if op == "neg":
        return -va, -ta
    if op == "pow":
        exponents = [2, 3]
        if abs(x) > 0.2:
            exponents += [-1, -2]
        if x > 0.05:
            exponents += [0.5, 1.5, -0.5]
        k = rng.choice(exponents)
        return va ** k, ta ** k
    return getattr(va, op)(), getattr(ta, op)()


def random_expression(seed: int, num_leaves: int = 3, num_ops: int = 15):
    """The same random expression graph built from Values and from float64 tensors.

    Operands are drawn from every node built so far, so leaves and subexpressions are
    reused (a DAG, not just a tree), which exercises gradient accumulation.

    Returns:
        The leaves of both, and both outputs (the sum of all non-leaf nodes).
    """
    rng = random.Random(seed)
    leaves = [leaf(rng.uniform(-2, 2)) for _ in range(num_leaves)]
    pool = list(leaves)
    for _ in range(num_ops):
        if rng.random() < 0.5:
            new = _binary(rng, rng.choice(pool), rng.choice(pool))
        else:
            new = _unary(rng, rng.choice(pool))
        if abs(new[0].data) < 1e3:        # keep the numbers in a sane range
            pool.append(new)
    inner = pool[num_leaves:] or leaves
    out_v = sum((v for v, _ in inner), Value(0.0))
    out_t = sum((t for _, t in inner), torch.zeros((), dtype=torch.float64))
    return leaves, out_v, out_t


def check_expression(seed: int) -> None:
    leaves, out_v, out_t = random_expression(seed)
    assert close(out_v.data, out_t.item()), f"seed {seed}: forward values differ"
    out_v.backward()
    if out_t.requires_grad:
        out_t.backward()
    for i, (v, t) in enumerate(leaves):
        want = 0.0 if t.grad is None else t.grad.item()
        assert close(v.grad, want), (
            f"seed {seed}, leaf {i}: engine {v.grad!r}, torch {want!r}")


def test_random_expressions_match_torch_seeded():
    for seed in range(400):
        check_expression(seed)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_random_expressions_match_torch_hypothesis(seed):
    check_expression(seed)


def test_random_expressions_use_every_operation():
    """The generator really exercises all the operations (a test of the test)."""
    ops = set()
    for seed in range(100):
        _, out, _ = random_expression(seed)
        stack, seen = [out], set()
        while stack:
            node = stack.pop()
            if id(node) not in seen:
                seen.add(id(node))
                ops.add(node._op)
                stack.extend(node._prev)
    assert {"+", "*", "exp", "log", "tanh", "relu", "sigmoid"} <= ops
    # subtraction and division are recorded as "+" of "*-1" and "*" of "**-1"
    assert {"**-1", "**0.5", "**2", "**3"} <= ops


UNARY_CASES = [
    ("exp", 0.7), ("exp", -1.2), ("log", 0.3), ("log", 2.5), ("tanh", -0.8),
    ("tanh", 1.9), ("relu", 1.3), ("relu", -0.4), ("sigmoid", 0.4),
    ("sigmoid", -30.0), ("sigmoid", 30.0),
]


@pytest.mark.parametrize("op,x", UNARY_CASES)
def test_each_unary_op_alone(op, x):
    v, t = leaf(x)
    out_v, out_t = getattr(v, op)(), getattr(t, op)()
    out_v.backward()
    out_t.backward()
    assert close(out_v.data, out_t.item())
    assert close(v.grad, t.grad.item())


BINARY_CASES = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}


@pytest.mark.parametrize("op", BINARY_CASES)
@pytest.mark.parametrize("x,y", [(1.5, -0.7), (-2.0, 3.0)])
def test_each_binary_op_alone(op, x, y):
    (va, ta), (vb, tb) = leaf(x), leaf(y)
    f = BINARY_CASES[op]
    out_v, out_t = f(va, vb), f(ta, tb)
    out_v.backward()
    out_t.backward()
    assert close(out_v.data, out_t.item())
    assert close(va.grad, ta.grad.item()) and close(vb.grad, tb.grad.item())


@pytest.mark.parametrize("op", BINARY_CASES)
def test_binary_ops_with_numbers_on_either_side(op):
    f = BINARY_CASES[op]
    for number_left in (False, True):
        v, t = leaf(1.7)
        out_v = f(2.5, v) if number_left else f(v, 2.5)
        out_t = f(2.5, t) if number_left else f(t, 2.5)
        out_v.backward()
        out_t.backward()
        assert close(out_v.data, out_t.item())
        assert close(v.grad, t.grad.item())


@pytest.mark.parametrize("k", [2, 3, -1, -2, 0.5, 1.5, 0])
def test_power_alone(k):
    v, t = leaf(1.3)
    (v ** k).backward()
    (t ** k).backward()
    assert close(v.grad, t.grad.item())


def test_negative_base_with_integer_power():
    v, t = leaf(-1.3)
    (v ** 3).backward()
    (t ** 3).backward()
    assert close(v.grad, t.grad.item())


def test_reused_value_accumulates_along_both_paths():
    a, b = Value(2.0), Value(3.0)
    f = a * b + a
    f.backward()
    assert a.grad == 4.0 and b.grad == 2.0


def test_backward_twice_accumulates_like_torch():
    a = Value(1.5)
    f = a * a
    f.backward()
    f.backward()
    assert a.grad == pytest.approx(2 * 3.0)


def test_deep_chain_does_not_hit_the_recursion_limit():
    x = Value(1.0)
    y = x
    for _ in range(5000):
        y = y * 1.0001 + 0.0
    y.backward()
    assert x.grad == pytest.approx(1.0001 ** 5000)


@pytest.mark.parametrize("bad", ["a", None, [1.0], True, 1 + 2j])
def test_non_numeric_data_raises_type_error(bad):
    with pytest.raises(TypeError, match="Value holds a number"):
        Value(bad)


@pytest.mark.parametrize("bad", ["a", None, [1.0], {"x": 1}])
def test_non_numeric_operands_raise_type_error(bad):
    v = Value(2.0)
    for f in (lambda: v + bad, lambda: bad + v, lambda: v - bad, lambda: bad - v,
              lambda: v * bad, lambda: bad * v, lambda: v / bad, lambda: bad / v):
        with pytest.raises(TypeError, match="unsupported operand"):
            f()


def test_value_exponent_raises_type_error():
    with pytest.raises(TypeError, match="exponent must be an int or a float"):
        Value(2.0) ** Value(2.0)
    with pytest.raises(TypeError, match="exponent"):
        Value(2.0) ** "2"


def test_log_of_non_positive_raises_value_error():
    for x in (0.0, -1.0):
        with pytest.raises(ValueError, match="log needs a positive input"):
            Value(x).log()


def test_fractional_power_of_negative_raises_value_error():
    with pytest.raises(ValueError, match="integer exponent"):
        Value(-2.0) ** 0.5


def test_repr_shows_data_and_grad():
    assert repr(Value(1.5)) == "Value(data=1.5, grad=0)"


# --- the MLP of Values ---------------------------------------------------------------


def test_mlp_shapes_and_parameter_count():
    net = MLP(2, [8, 1], seed=0)
    out = net([0.3, -0.2])
    assert len(out) == 1 and isinstance(out[0], Value)
    assert 0 < out[0].data < 1  # sigmoid output
    assert len(net.parameters()) == 8 * 3 + 9


def test_mlp_gradients_match_torch():
    net = MLP(2, [3, 2, 1], activation="tanh", output_activation="sigmoid", seed=1)
    x = [0.4, -1.1]
    out = net(x)[0]
    loss = -(out.log())
    loss.backward()
    h = torch.tensor(x, dtype=torch.float64)
    tensors = []
    for i, layer in enumerate(net.layers):
        W = torch.tensor([[p.data for p in n.w] for n in layer], dtype=torch.float64,
                         requires_grad=True)
        b = torch.tensor([n.b.data for n in layer], dtype=torch.float64,
                         requires_grad=True)
        tensors.append((W, b))
        z = W @ h + b
        h = torch.sigmoid(z) if i == len(net.layers) - 1 else torch.tanh(z)
    (-h.log()).sum().backward()
    for layer, (W, b) in zip(net.layers, tensors):
        for j, neuron in enumerate(layer):
            for k, w in enumerate(neuron.w):
                assert close(w.grad, W.grad[j, k].item())
            assert close(neuron.b.grad, b.grad[j].item())


def test_mlp_training_lowers_the_loss():
    data = [([0.0, 0.0], 0), ([0.0, 1.0], 1), ([1.0, 0.0], 1), ([1.0, 1.0], 1)]  # OR
    net = MLP(2, [4, 1], seed=0)

    def loss_fn():
        total = Value(0.0)
        for x, y in data:
            p = net(x)[0]
            total = total - (y * p.log() + (1 - y) * (1 - p).log())
        return total / len(data)

    first = loss_fn().data
    for _ in range(50):
        loss = loss_fn()
        net.zero_grad()
        loss.backward()
        for p in net.parameters():
            p.data -= 1.0 * p.grad
    assert loss_fn().data < 0.5 * first


def test_zero_grad_resets_every_parameter():
    net = MLP(2, [2, 1], seed=0)
    net([1.0, 2.0])[0].backward()
    assert any(p.grad != 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad == 0 for p in net.parameters())


def test_mlp_is_seeded():
    a = [p.data for p in MLP(2, [3, 1], seed=5).parameters()]
    b = [p.data for p in MLP(2, [3, 1], seed=5).parameters()]
    c = [p.data for p in MLP(2, [3, 1], seed=6).parameters()]
    assert a == b and a != c


def test_linear_output_activation():
    net = MLP(1, [1], output_activation="linear", seed=0)
    neuron = net.layers[0][0]
    assert net([2.0])[0].data == pytest.approx(neuron.w[0].data * 2.0 + neuron.b.data)


def test_mlp_and_neuron_reject_bad_arguments():
    with pytest.raises(ValueError, match="activation must be one of"):
        Neuron(2, activation="swish")
    with pytest.raises(ValueError, match="num_inputs must be a positive int"):
        Neuron(0)
    with pytest.raises(ValueError, match="layer_sizes"):
        MLP(2, [])
    with pytest.raises(ValueError, match="expected 2 inputs, got 3"):
        MLP(2, [1])([1.0, 2.0, 3.0])


def test_sigmoid_is_stable_for_large_inputs():
    for x in (-800.0, 800.0):
        v = Value(x)
        s = v.sigmoid()
        s.backward()
        assert math.isfinite(s.data) and math.isfinite(v.grad)


# --- properties, on drawn inputs ---------------------------------------------------


UNARY = ["tanh", "exp", "relu", "sigmoid", "neg", "square"]
BINARY = ["+", "-", "*", "/"]


@st.composite
def expressions(draw, depth=3):
    """A random expression tree over two inputs, as nested tuples."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(["a", "b"]))
    if draw(st.booleans()):
        return (draw(st.sampled_from(UNARY)), draw(expressions(depth=depth - 1)))
    return (draw(st.sampled_from(BINARY)), draw(expressions(depth=depth - 1)),
            draw(expressions(depth=depth - 1)))


def evaluate_tree(tree, env, torch_mode):
    if isinstance(tree, str):
        return env[tree]
    op, *args = tree
    vals = [evaluate_tree(a, env, torch_mode) for a in args]
    if op in BINARY:
        x, y = vals
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        return x / (y * y + 1)  # a denominator away from 0
    (x,) = vals
    if op == "neg":
        return -x
    if op == "square":
        return x ** 2
    if op == "exp":
        x = x.tanh()  # keep exp in range
        return torch.exp(x) if torch_mode else x.exp()
    if torch_mode:
        return {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}[op](x)
    return getattr(x, op)()


@FAST
@given(tree=expressions(), a=st.floats(-2, 2), b=st.floats(-2, 2))
def test_value_gradients_match_torch(tree, a, b):
    assume(abs(a) > 1e-3 and abs(b) > 1e-3)  # no relu kink at 0
    va, vb = Value(a), Value(b)
    out = evaluate_tree(tree, {"a": va, "b": vb}, torch_mode=False)
    ta = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    ref = evaluate_tree(tree, {"a": ta, "b": tb}, torch_mode=True)
    if not isinstance(out, Value):
        return  # the tree is a bare input
    out.backward()
    ref.backward()
    assert math.isclose(out.data, ref.item(), rel_tol=1e-9, abs_tol=1e-9)
    for v, t in ((va, ta), (vb, tb)):
        grad = 0.0 if t.grad is None else t.grad.item()
        assert math.isclose(v.grad, grad, rel_tol=1e-7, abs_tol=1e-9)


@QUICK
@given(data_=st.one_of(st.text(max_size=3), st.none(), st.lists(st.floats(), max_size=2)))
def test_value_holds_numbers_only(data_):
    with pytest.raises(TypeError, match="Value holds a number"):
        Value(data_)
    with pytest.raises(TypeError, match="unsupported operand"):
        Value(1.0) + data_
