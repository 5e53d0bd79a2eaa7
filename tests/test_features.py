"""Tests for dlbook.features: fixed edge filters and pooled part features."""

import pytest
import torch
import torch.nn.functional as F
from helpers.strategies import FAST
from hypothesis import given
from hypothesis import strategies as st

from dlbook import features
from dlbook.features import EDGE_KERNELS, EDGE_NAMES, edge_maps, edge_part_features


def _vertical_bar():
    X = torch.zeros(1, 1, 8, 8)
    X[..., :, 3:5] = 1.0  # a vertical stroke two pixels wide
    return X


def test_edge_maps_shape_and_sign():
    X = torch.rand(5, 1, 8, 8)
    E = edge_maps(X)
    assert E.shape == (5, len(EDGE_NAMES), 8, 8)
    assert (E >= 0).all()


def test_a_vertical_stroke_excites_the_vertical_filter_most():
    E = edge_maps(_vertical_bar())[0]  # (4, 8, 8)
    strength = E.sum(dim=(1, 2))
    assert EDGE_NAMES[int(strength.argmax())] == "vertical"
    # Inside the image, away from the top and bottom, there is no horizontal edge.
    assert E[EDGE_NAMES.index("horizontal"), 2:6].abs().max() == 0


def test_a_flat_image_has_no_edges_inside():
    E = edge_maps(torch.ones(1, 1, 8, 8))
    assert torch.allclose(E[..., 1:-1, 1:-1], torch.zeros(1, 4, 6, 6))


def test_edge_maps_match_a_direct_convolution():
    X = torch.rand(2, 1, 8, 8)
    direct = F.conv2d(X, EDGE_KERNELS, padding=1).abs()
    assert torch.allclose(edge_maps(X), direct)


@pytest.mark.parametrize("grid", [1, 2, 4])
def test_part_features_are_cell_means_of_the_edge_maps(grid):
    X = torch.rand(3, 1, 8, 8)
    feats = edge_part_features(X, grid=grid)
    assert feats.shape == (3, 4 * grid * grid)
    E = edge_maps(X)
    size = 8 // grid
    top_left = E[:, :, :size, :size].mean(dim=(2, 3))  # (3, 4)
    assert torch.allclose(feats.reshape(3, 4, grid * grid)[:, :, 0], top_left)


@pytest.mark.parametrize(
    "X, error, message",
    [
        (torch.rand(8, 8), ValueError, r"X must have shape \(batch, channels"),
        (torch.rand(2, 3, 8, 8), ValueError, r"X must have 1 channel"),
        (torch.rand(0, 1, 8, 8), ValueError, "X is empty"),
        ([[0.0]], TypeError, "torch.Tensor"),
    ],
)
def test_edge_maps_reject_bad_images(X, error, message):
    with pytest.raises(error, match=message):
        edge_maps(X)


def test_part_features_reject_a_grid_that_does_not_divide():
    with pytest.raises(ValueError, match="not divisible by grid=3"):
        edge_part_features(torch.rand(1, 1, 8, 8), grid=3)
    with pytest.raises(ValueError, match="grid must be a positive int"):
        edge_part_features(torch.rand(1, 1, 8, 8), grid=0)


# --- properties, on drawn inputs ---------------------------------------------------


@FAST
@given(n=st.integers(1, 3), grid=st.integers(1, 3), cells=st.integers(1, 3))
def test_edge_features_have_the_documented_shapes(n, grid, cells):
    side = grid * cells * 2
    X = torch.rand(n, 1, side, side)
    assert features.edge_maps(X).shape == (n, 4, side, side)
    assert features.edge_part_features(X, grid=grid).shape == (n, 4 * grid * grid)


@pytest.mark.parametrize("shape", [(2, 8, 8), (2, 3, 8, 8), (0, 1, 8, 8), (8, 8)])
def test_edge_maps_reject_other_shapes(shape):
    with pytest.raises(ValueError, match=r"X (must have|is empty)"):
        features.edge_maps(torch.rand(*shape))
