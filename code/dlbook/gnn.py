"""A graph convolutional network in plain PyTorch.

The chapter "Recurrent and graph neural networks" teaches it.

A graph of ``N`` nodes is an adjacency matrix ``A`` ``(N, N)`` and a feature matrix
``X`` ``(N, num_features)``, one row per node. A graph convolution mixes every node's
features with those of its neighbours, so after ``k`` layers a node has heard from
every node at most ``k`` edges away. There is no first or last node and no direction
in which information flows: the layer treats every node alike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from dlbook import _checks as checks


def normalized_adjacency(A: torch.Tensor) -> torch.Tensor:
    """The propagation matrix of a GCN: ``D^-1/2 (A + I) D^-1/2``.

    Adding the identity gives every node a self-loop, so it keeps its own features;
    ``D`` is the diagonal degree matrix of ``A + I`` (``D_ii = sum_j (A + I)_ij``).
    Dividing by the square roots of the degrees on both sides keeps the matrix
    symmetric and its largest eigenvalue at 1, so repeated layers neither blow up
    nor shrink the features.

    Args:
        A: adjacency matrix ``(N, N)`` of an undirected graph: symmetric,
            non-negative, zeros on the diagonal (edge weights are allowed).

    Returns:
        ``(N, N)``, symmetric.
    """
    checks.tensor("A", A, ndim=2, shape="(N, N)", floating=True, finite=True)
    if A.shape[0] != A.shape[1] or len(A) == 0 or not torch.allclose(A, A.T) \
            or (A < 0).any():
        raise ValueError(f"A must be a non-empty square matrix (N, N) of edge weights, "
                         f"symmetric (undirected) and non-negative, got shape "
                         f"{tuple(A.shape)}")
    return _normalized_adjacency(A)


def _normalized_adjacency(A: torch.Tensor) -> torch.Tensor:
    """``D^-1/2 (A + I) D^-1/2`` of a checked adjacency matrix ``A`` ``(N, N)``."""
    A_hat = A + torch.eye(len(A), dtype=A.dtype, device=A.device)
    d_inv_sqrt = A_hat.sum(dim=1).rsqrt()  # (N,) the diagonal of D^-1/2
    return d_inv_sqrt[:, None] * A_hat * d_inv_sqrt[None, :]


class GCNLayer(nn.Module):
    """One graph convolution (Kipf and Welling, 2017), before its activation.

    ``H' = A_norm H W + b``, with ``A_norm = D^-1/2 (A + I) D^-1/2`` from
    :func:`normalized_adjacency`; the network applies ``sigma`` after it, giving
    ``H' = sigma(D^-1/2 (A + I) D^-1/2 H W)``. ``W`` is shared by all nodes, as a
    convolution kernel is shared by all pixels.

    Args:
        in_features: features per node in ``H``.
        out_features: features per node in ``H'``.
        bias: add a learned ``b`` ``(out_features,)``.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True):
        super().__init__()
        in_features = checks.positive_int("in_features", in_features)
        out_features = checks.positive_int("out_features", out_features)
        self.weight = nn.Parameter(torch.empty(in_features, out_features))
        self.bias = nn.Parameter(torch.zeros(out_features)) if bias else None
        bound = math.sqrt(6 / (in_features + out_features))  # Glorot uniform
        nn.init.uniform_(self.weight, -bound, bound)

    def forward(self, H: torch.Tensor, A_norm: torch.Tensor) -> torch.Tensor:
        """``H`` ``(N, in_features)`` and ``A_norm`` ``(N, N)`` -> ``H'``
        ``(N, out_features)``."""
        n_in = self.weight.shape[0]
        if H.dim() != 2 or H.shape[1] != n_in or A_norm.shape != (len(H), len(H)):
            raise ValueError(f"H must have shape (N, {n_in}) and A_norm (N, N), got "
                             f"{tuple(H.shape)} and {tuple(A_norm.shape)}")
        out = A_norm @ (H @ self.weight)  # mix each node with its neighbours
        return out if self.bias is None else out + self.bias


class GCN(nn.Module):
    """Graph convolutions with ``tanh`` in between, then a linear classifier.

    ``H^(0) = X``, ``H^(l+1) = tanh(A_norm H^(l) W^(l))`` for each hidden layer, and
    ``logits = H^(L) W_out + b_out``: the last hidden layer is the node embedding,
    and the classifier must separate the classes with a straight line in it.

    Args:
        num_features: features per input node.
        num_classes: number of node classes.
        num_hiddens: sizes of the graph-convolution layers; the last is the size
            of the embedding (2 lets you plot it).
        dropout: dropout probability on each layer's input during training.
    """

    def __init__(self, num_features: int, num_classes: int,
                 num_hiddens: Sequence[int] = (16, 2), dropout: float = 0.0):
        super().__init__()
        if (isinstance(num_hiddens, (str, bytes))
                or not isinstance(num_hiddens, Sequence) or not num_hiddens):
            raise ValueError(f"num_hiddens must be a non-empty sequence of positive "
                             f"ints, got {num_hiddens!r}")
        num_classes = checks.integer("num_classes", num_classes, low=2)
        dropout = checks.fraction("dropout", dropout, low_open=False)
        sizes = [num_features, *num_hiddens]
        self.layers = nn.ModuleList(GCNLayer(a, b) for a, b in zip(sizes, sizes[1:]))
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(sizes[-1], num_classes)

    def embed(self, X: torch.Tensor, A_norm: torch.Tensor) -> torch.Tensor:
        """Node embeddings ``(N, num_hiddens[-1])``: the last hidden layer."""
        H = X
        for layer in self.layers:
            H = torch.tanh(layer(self.dropout(H), A_norm))
        return H

    def forward(self, X: torch.Tensor, A_norm: torch.Tensor) -> torch.Tensor:
        """``X`` ``(N, num_features)``, ``A_norm`` ``(N, N)`` -> logits
        ``(N, num_classes)``."""
        return self.classifier(self.embed(X, A_norm))


def train_node_classifier(model: nn.Module, X: torch.Tensor, A_norm: torch.Tensor,
                          y: torch.Tensor, train_mask: torch.Tensor, *,
                          num_epochs: int = 200, lr: float = 0.01,
                          weight_decay: float = 5e-4) -> list[float]:
    """Semi-supervised training: the loss sees only the labels where ``train_mask``.

    The whole graph goes through the network in every step (the unlabelled nodes
    pass messages too); only the cross-entropy is restricted to the labelled ones.

    Args:
        model: maps ``(X, A_norm)`` to logits ``(N, num_classes)``.
        X: node features ``(N, num_features)``.
        A_norm: normalised adjacency ``(N, N)``.
        y: labels ``(N,)``; only those under ``train_mask`` are read.
        train_mask: boolean ``(N,)``, True for the labelled nodes.
        num_epochs, lr, weight_decay: settings of Adam (one step per epoch).

    Returns:
        The training loss of each epoch.
    """
    checks.tensor("X", X, ndim=2, shape="(N, num_features)", finite=True)
    checks.tensor("train_mask", train_mask, dtype=torch.bool)
    if train_mask.shape != checks.tensor("y", y, ndim=1).shape or not train_mask.any():
        raise ValueError(f"train_mask must have the shape of y, {tuple(y.shape)}, and "
                         f"select at least one node, got {tuple(train_mask.shape)}")
    num_epochs = checks.positive_int("num_epochs", num_epochs)
    lr = checks.positive("lr", lr)
    weight_decay = checks.non_negative("weight_decay", weight_decay)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    model.train()
    for epoch in range(1, num_epochs + 1):
        loss = loss_fn(model(X, A_norm)[train_mask], y[train_mask])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(checks.finite_loss(loss, epoch=epoch))
    model.eval()
    return losses


@dataclass(frozen=True)
class KarateClub:
    """Zachary's karate club: 34 members, 78 friendships, and the split of the club."""

    A: torch.Tensor  # (34, 34) adjacency, 1 for a friendship
    y: torch.Tensor  # (34,) the club each member joined: 0 Mr. Hi, 1 Officer
    class_names: tuple[str, str]
    graph: object  # the networkx.Graph, for drawing


def load_karate_club() -> KarateClub:
    """Zachary's karate club as shipped with networkx (no download)."""
    import networkx as nx

    graph = nx.karate_club_graph()
    class_names = ("Mr. Hi", "Officer")
    A = torch.tensor(nx.to_numpy_array(graph, nodelist=range(34), weight=None),
                     dtype=torch.float32)
    y = torch.tensor([class_names.index(graph.nodes[i]["club"]) for i in range(34)])
    return KarateClub(A, y, class_names, graph)
