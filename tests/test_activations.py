"""Activation functions and their written-out derivatives, against torch."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from helpers.strategies import FAST, QUICK, tensors
from hypothesis import given
from hypothesis import strategies as st

from dlbook import activations as act


def random_inputs(shape=(7, 5)):
    z = 3 * torch.randn(*shape, dtype=torch.float64)
    z[0, 0] = 0.0  # the kink of ReLU: the derivative must follow PyTorch's convention
    return z


REFERENCE = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": F.relu,
    "leaky_relu": lambda z: F.leaky_relu(z, 0.01),
}


@pytest.mark.parametrize("name", act.ACTIVATIONS)
def test_function_matches_torch(name):
    f, _ = act.ACTIVATIONS[name]
    z = random_inputs()
    torch.testing.assert_close(f(z), REFERENCE[name](z))


@pytest.mark.parametrize("name", act.ACTIVATIONS)
def test_derivative_matches_autograd(name):
    _, df = act.ACTIVATIONS[name]
    z = random_inputs().requires_grad_()
    (auto,) = torch.autograd.grad(REFERENCE[name](z).sum(), z)
    torch.testing.assert_close(df(z.detach()), auto, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("slope", [0.0, 0.2])
def test_leaky_relu_slope(slope):
    z = random_inputs().requires_grad_()
    (auto,) = torch.autograd.grad(F.leaky_relu(z, slope).sum(), z)
    torch.testing.assert_close(act.leaky_relu(z.detach(), slope),
                               F.leaky_relu(z.detach(), slope))
    torch.testing.assert_close(act.d_leaky_relu(z.detach(), slope), auto)


def test_derivative_bounds():
    z = torch.linspace(-10, 10, 2001, dtype=torch.float64)
    assert act.d_sigmoid(z).max().item() == pytest.approx(0.25)
    assert act.d_tanh(z).max().item() == pytest.approx(1.0)


def test_functions_accept_numbers_and_lists():
    assert act.sigmoid(0.0).item() == pytest.approx(0.5)
    assert act.relu([-1.0, 2.0]).tolist() == [0.0, 2.0]


def test_softmax_matches_torch_and_sums_to_one():
    z = random_inputs((4, 6))
    p = act.softmax(z)
    torch.testing.assert_close(p, torch.softmax(z, dim=-1))
    torch.testing.assert_close(p.sum(dim=-1), torch.ones(4, dtype=torch.float64))


def test_softmax_does_not_overflow():
    p = act.softmax(torch.tensor([1000.0, 0.0, -1000.0]))
    assert torch.isfinite(p).all() and p[0].item() == pytest.approx(1.0)


def test_softmax_jacobian_matches_autograd_for_a_batch():
    z = random_inputs((3, 4))
    J = act.softmax_jacobian(z)
    assert J.shape == (3, 4, 4)
    for row in range(3):
        auto = torch.autograd.functional.jacobian(act.softmax, z[row])
        torch.testing.assert_close(J[row], auto, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(J.sum(dim=-1), torch.zeros(3, 4, dtype=torch.float64))


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="softmax needs at least one dimension"):
        act.softmax(torch.tensor(1.0))
    with pytest.raises(TypeError, match="z must be a tensor or numbers"):
        act.sigmoid("abc")
    with pytest.raises(ValueError, match=r"negative_slope must be in \[0, 1\)"):
        act.leaky_relu(torch.zeros(2), negative_slope=-0.1)
    with pytest.raises(ValueError, match="activation must be one of"):
        act.activation_module("swish")


def test_deep_mlp_structure_and_shapes():
    net = act.deep_mlp(6, [5, 4], 3, activation="tanh")
    linears = [m for m in net if isinstance(m, nn.Linear)]
    shapes = [(m.in_features, m.out_features) for m in linears]
    assert shapes == [(6, 5), (5, 4), (4, 3)]
    assert sum(isinstance(m, nn.Tanh) for m in net) == 2
    assert net(torch.randn(10, 6)).shape == (10, 3)
    assert act.deep_mlp(2, [], 2)(torch.randn(1, 2)).shape == (1, 2)


@pytest.mark.parametrize("init,variance", [("kaiming", lambda n_in, n_out: 2 / n_in),
                                           ("xavier", lambda n_in, n_out:
                                            2 / (n_in + n_out))])
def test_initialisations_have_the_documented_variance(init, variance):
    net = act.deep_mlp(400, [300], 2, init=init)
    layer = net[0]
    assert layer.weight.var().item() == pytest.approx(variance(400, 300), rel=0.05)
    assert torch.all(layer.bias == 0)


def test_deep_mlp_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"num_hiddens\[1\] must be a positive int"):
        act.deep_mlp(2, [3, 0], 2)
    with pytest.raises(ValueError, match="num_inputs must be a positive int"):
        act.deep_mlp(0, [3], 2)
    with pytest.raises(ValueError, match="init must be"):
        act.deep_mlp(2, [3], 2, init="orthogonal")


def test_gradients_vanish_in_a_deep_sigmoid_net_but_not_a_relu_net():
    X, y = torch.randn(64, 20), torch.randint(0, 3, (64,))
    torch.manual_seed(0)
    sig = act.deep_mlp(20, [32] * 8, 3, activation="sigmoid", init="xavier")
    torch.manual_seed(0)
    rel = act.deep_mlp(20, [32] * 8, 3, activation="relu", init="kaiming")
    sig_norms = act.layer_gradient_norms(sig, X, y)
    rel_norms = act.layer_gradient_norms(rel, X, y)
    assert len(sig_norms) == 9
    assert sig_norms[-1] / sig_norms[0] > 1e3
    assert 0.1 < rel_norms[-1] / rel_norms[0] < 10
    assert all(p.grad is None for p in sig.parameters())  # left clean


def test_layer_gradient_norms_needs_linear_layers():
    with pytest.raises(ValueError, match="no nn.Linear layer"):
        act.layer_gradient_norms(nn.Tanh(), torch.zeros(1, 2), torch.zeros(1))


@pytest.mark.parametrize("num_hiddens", [3, "32", None, (w for w in (3, 4))])
def test_deep_mlp_wants_a_sequence_of_widths(num_hiddens):
    with pytest.raises(TypeError, match=r"num_hiddens must be a sequence .* \(3,\)"):
        act.deep_mlp(2, num_hiddens, 2)


@pytest.mark.parametrize("num_hiddens", [(3, 4), [3, 4], range(3, 5)])
def test_deep_mlp_takes_any_sequence_of_widths(num_hiddens):
    net = act.deep_mlp(2, num_hiddens, 2)
    shapes = [(m.in_features, m.out_features) for m in net if isinstance(m, nn.Linear)]
    assert shapes == [(2, 3), (3, 4), (4, 2)]


def test_layer_gradient_norms_checks_the_batch_before_the_pass():
    net = act.deep_mlp(4, [3], 2)
    with pytest.raises(ValueError, match=r"X must have 4 features.* \(5, 3\)"):
        act.layer_gradient_norms(net, torch.rand(5, 3),
                                 torch.zeros(5, dtype=torch.long))
    nested = nn.Sequential(net, nn.Identity())  # the first layer is found inside
    with pytest.raises(ValueError, match="X must have 4 features"):
        act.layer_gradient_norms(nested, torch.rand(5, 6),
                                 torch.zeros(5, dtype=torch.long))
    with pytest.raises(ValueError, match="X and y must hold the same number"):
        act.layer_gradient_norms(net, torch.rand(5, 4),
                                 torch.zeros(4, dtype=torch.long))
    with pytest.raises(TypeError, match="X must be a torch.Tensor, got list"):
        act.layer_gradient_norms(net, [[0.0] * 4], torch.zeros(1, dtype=torch.long))
    with pytest.raises(ValueError, match=r"y must have shape \(batch, ...\)"):
        act.layer_gradient_norms(net, torch.rand(1, 4), torch.tensor(0))
    with pytest.raises(ValueError, match="X must have 4 features"):
        act.layer_gradient_norms(nn.Linear(4, 2), torch.rand(3, 5),
                                 torch.zeros(3, dtype=torch.long))
    assert all(p.grad is None for p in net.parameters())


# --- properties, on drawn inputs ---------------------------------------------------


ACTIVATION_PAIRS = [("sigmoid", torch.sigmoid), ("tanh", torch.tanh), ("relu", torch.relu),
                    ("leaky_relu", lambda z: torch.nn.functional.leaky_relu(z, 0.01))]


@QUICK
@given(z=tensors(), pair=st.sampled_from(ACTIVATION_PAIRS))
def test_activations_and_their_derivatives_match_autograd(z, pair):
    name, reference = pair
    z = z.double()
    if name in ("relu", "leaky_relu"):
        z = torch.where(z.abs() < 1e-3, torch.full_like(z, 0.5), z)  # no kink at 0
    assert getattr(act, name)(z).shape == z.shape
    assert torch.allclose(getattr(act, name)(z), reference(z), atol=1e-6)
    leaf = z.clone().requires_grad_(True)
    reference(leaf).sum().backward()
    assert torch.allclose(getattr(act, f"d_{name}")(z), leaf.grad, atol=1e-6)


@QUICK
@given(z=tensors(max_dims=2, low=-30, high=30))
def test_softmax_and_its_jacobian(z):
    z = z.double()
    p = act.softmax(z)
    assert torch.allclose(p, torch.softmax(z, dim=-1), atol=1e-9)
    assert torch.allclose(p.sum(dim=-1), torch.ones(z.shape[:-1], dtype=z.dtype))
    if z.dim() == 1:
        J = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, dim=-1), z)
        assert torch.allclose(act.softmax_jacobian(z), J, atol=1e-9)


@QUICK
@given(name=st.text(max_size=8).filter(lambda s: s not in ("relu", "tanh", "sigmoid",
                                                             "leaky_relu")))
def test_activation_module_rejects_unknown_names(name):
    with pytest.raises(ValueError, match="activation must be one of"):
        act.activation_module(name)


@FAST
@given(num_inputs=st.integers(1, 6), hiddens=st.lists(st.integers(1, 6), max_size=3),
       num_outputs=st.integers(1, 4), batch=st.integers(1, 5),
       activation=st.sampled_from(["relu", "tanh", "sigmoid", "leaky_relu"]))
def test_deep_mlp_maps_inputs_to_outputs(num_inputs, hiddens, num_outputs, batch,
                                         activation):
    net = act.deep_mlp(num_inputs, hiddens, num_outputs, activation=activation)
    assert net(torch.rand(batch, num_inputs)).shape == (batch, num_outputs)


@QUICK
@given(num_inputs=st.one_of(st.integers(max_value=0), st.floats(1, 3), st.none()))
def test_deep_mlp_rejects_bad_input_sizes(num_inputs):
    with pytest.raises((TypeError, ValueError), match="num_inputs"):
        act.deep_mlp(num_inputs, (3,), 2)


def test_deep_mlp_names_a_bad_num_hiddens():
    with pytest.raises((TypeError, ValueError), match="num_hiddens"):
        act.deep_mlp(2, 3, 2)


def test_layer_gradient_norms_names_inputs_of_the_wrong_width():
    net = act.deep_mlp(4, (3,), 2)
    with pytest.raises(ValueError, match="X"):
        act.layer_gradient_norms(net, torch.rand(5, 3), torch.zeros(5, dtype=torch.long))
