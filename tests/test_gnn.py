"""dlbook.gnn: the GCN normalisation, layer, network and the karate club."""

import pytest
import torch
import numpy as np
from helpers.strategies import FAST, QUICK
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlbook import gnn
from dlbook.gnn import (GCN, GCNLayer, load_karate_club, normalized_adjacency,
                        train_node_classifier)
from dlbook.utils import set_seed


def _random_graph(n=7, p=0.4, seed=0):
    gen = torch.Generator().manual_seed(seed)
    A = (torch.rand(n, n, generator=gen) < p).float().triu(1)
    return A + A.T


def test_normalized_adjacency_is_symmetric_with_spectrum_in_minus_one_one():
    A_norm = normalized_adjacency(_random_graph(9, seed=3))
    torch.testing.assert_close(A_norm, A_norm.T)
    eig = torch.linalg.eigvalsh(A_norm)
    assert eig.max().item() == pytest.approx(1.0, abs=1e-5)
    assert eig.min().item() > -1.0


def test_normalized_adjacency_rows_of_a_path():
    # path 0 - 1 - 2: degrees with self-loops are 2, 3, 2
    A = torch.tensor([[0.0, 1, 0], [1, 0, 1], [0, 1, 0]])
    A_norm = normalized_adjacency(A)
    s6 = 6 ** -0.5
    want = torch.tensor([[0.5, s6, 0.0], [s6, 1 / 3, s6], [0.0, s6, 0.5]])
    torch.testing.assert_close(A_norm, want)
    # a node of degree d (with self-loop) whose neighbours all have degree d: rows
    # sum to 1, as for the middle of a cycle
    cycle = torch.roll(torch.eye(5), 1, dims=1)
    cycle = cycle + cycle.T
    torch.testing.assert_close(normalized_adjacency(cycle).sum(1), torch.ones(5))


def test_isolated_node_keeps_its_features():
    A = torch.zeros(3, 3)
    A[0, 1] = A[1, 0] = 1.0
    A_norm = normalized_adjacency(A)
    assert A_norm[2].tolist() == [0.0, 0.0, 1.0]


def test_gcn_layer_and_network_shapes():
    A_norm = normalized_adjacency(_random_graph(6))
    X = torch.randn(6, 5)
    assert GCNLayer(5, 3)(X, A_norm).shape == (6, 3)
    model = GCN(5, 4, num_hiddens=(8, 2))
    assert model(X, A_norm).shape == (6, 4)
    assert model.embed(X, A_norm).shape == (6, 2)


def test_gcn_layer_without_edges_is_a_linear_layer():
    layer = GCNLayer(4, 3)
    X = torch.randn(5, 4)
    torch.testing.assert_close(layer(X, normalized_adjacency(torch.zeros(5, 5))),
                               X @ layer.weight + layer.bias)


def test_gcn_is_permutation_equivariant():
    A = _random_graph(6, seed=1)
    X = torch.randn(6, 3)
    model = GCN(3, 2, num_hiddens=(4,))
    perm = torch.randperm(6)
    out = model(X, normalized_adjacency(A))
    out_perm = model(X[perm], normalized_adjacency(A[perm][:, perm]))
    torch.testing.assert_close(out_perm, out[perm], rtol=1e-5, atol=1e-6)


def test_loss_falls():
    club = load_karate_club()
    mask = torch.zeros(34, dtype=torch.bool)
    mask[[0, 33]] = True
    model = GCN(34, 2)
    losses = train_node_classifier(model, torch.eye(34), normalized_adjacency(club.A),
                                   club.y, mask, num_epochs=50)
    assert len(losses) == 50 and losses[-1] < 0.5 * losses[0]


def test_karate_club_data():
    club = load_karate_club()
    assert club.A.shape == (34, 34) and club.A.sum().item() == 2 * 78
    assert club.y[0].item() == 0 and club.y[33].item() == 1
    assert club.y.sum().item() == 17  # the club split in two halves of 17


@pytest.mark.parametrize("seed", range(5))
def test_karate_from_two_labels_at_least_90_percent(seed):
    club = load_karate_club()
    X, A_norm = torch.eye(34), normalized_adjacency(club.A)
    mask = torch.zeros(34, dtype=torch.bool)
    mask[[0, 33]] = True
    set_seed(seed)
    model = GCN(34, 2, num_hiddens=(16, 2))
    train_node_classifier(model, X, A_norm, club.y, mask, num_epochs=200)
    with torch.no_grad():
        correct = model(X, A_norm).argmax(1) == club.y
    assert correct.float().mean().item() >= 0.9
    assert correct[~mask].float().mean().item() >= 0.9


def test_bad_input_raises():
    with pytest.raises(ValueError, match="square matrix"):
        normalized_adjacency(torch.zeros(3, 4))
    with pytest.raises(ValueError, match="symmetric"):
        normalized_adjacency(torch.tensor([[0.0, 1.0], [0.0, 0.0]]))
    with pytest.raises(ValueError, match="non-negative"):
        normalized_adjacency(torch.tensor([[0.0, -1.0], [-1.0, 0.0]]))
    with pytest.raises(TypeError, match="torch.Tensor"):
        normalized_adjacency([[0, 1], [1, 0]])
    with pytest.raises(ValueError, match="in_features must be a positive int"):
        GCNLayer(0, 3)
    with pytest.raises(ValueError, match=r"H must have shape \(N, 4\)"):
        GCNLayer(4, 3)(torch.randn(5, 3), torch.eye(5))
    with pytest.raises(ValueError, match=r"A_norm \(N, N\)"):
        GCNLayer(4, 3)(torch.randn(5, 4), torch.eye(4))
    with pytest.raises(ValueError, match="num_hiddens"):
        GCN(4, 2, num_hiddens=())
    with pytest.raises(ValueError, match="num_classes"):
        GCN(4, 1)
    y = torch.zeros(4, dtype=torch.long)
    with pytest.raises(ValueError, match="select at least one node"):
        train_node_classifier(GCN(4, 2), torch.eye(4), torch.eye(4), y,
                              torch.zeros(4, dtype=torch.bool))
    with pytest.raises(TypeError, match="train_mask must have dtype torch.bool"):
        train_node_classifier(GCN(4, 2), torch.eye(4), torch.eye(4), y,
                              torch.tensor([1, 0, 0, 0]))


# --- properties, on drawn inputs ---------------------------------------------------


@st.composite
def graphs(draw):
    n = draw(st.integers(1, 7))
    upper = np.triu(np.asarray(draw(hnp.arrays(np.float64, (n, n),
                                               elements=st.sampled_from([0.0, 1.0, 2.5])))),
                    k=1)
    return torch.from_numpy(upper + upper.T)


@QUICK
@given(A=graphs())
def test_normalized_adjacency_keeps_features_from_growing_or_shrinking(A):
    """Symmetric, every eigenvalue in (-1, 1], and the square roots of the degrees of
    A + I are its eigenvector of eigenvalue 1, on any graph with any edge weights."""
    A_norm = gnn.normalized_adjacency(A).double()
    torch.testing.assert_close(A_norm, A_norm.T)
    eig = torch.linalg.eigvalsh(A_norm)
    assert eig.max().item() == pytest.approx(1.0, abs=1e-9) and eig.min().item() > -1
    root_degrees = (A.sum(dim=1) + 1).sqrt()
    torch.testing.assert_close(A_norm @ root_degrees, root_degrees)


@pytest.mark.parametrize("A", [torch.rand(3, 4), torch.tensor([[0.0, 1.0], [0.0, 0.0]]),
                               -torch.ones(3, 3), torch.zeros(0, 0)])
def test_normalized_adjacency_rejects_what_is_not_a_graph(A):
    with pytest.raises(ValueError, match="A must"):
        gnn.normalized_adjacency(A)


@FAST
@given(n=st.integers(1, 6), f_in=st.integers(1, 4), f_out=st.integers(1, 4),
       wrong=st.sampled_from(["nodes", "features"]))
def test_gcn_layer_checks_its_inputs(n, f_in, f_out, wrong):
    layer = gnn.GCNLayer(f_in, f_out)
    H, A = torch.rand(n, f_in), torch.eye(n)
    assert layer(H, A).shape == (n, f_out)
    bad = (H, torch.eye(n + 1)) if wrong == "nodes" else (torch.rand(n, f_in + 1), A)
    with pytest.raises(ValueError, match="A_norm|H"):
        layer(*bad)
