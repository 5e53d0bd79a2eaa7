"""Hand-made features of images, built in two levels: edges, then parts.

Level 1 finds edges with four fixed 3x3 filters (horizontal, vertical and the two
diagonals), each a convolution

    E_k = |K_k * X|,

level 2 pools each edge map over a coarse grid of cells, so a feature says "there is
a vertical stroke in the top-left quarter". The chapter "Machine learning
fundamentals" uses them to show a hierarchy of concepts before deep networks learn
their own filters.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from dlbook import _checks as checks

EDGE_NAMES = ("horizontal", "vertical", "diagonal \\", "diagonal /")
# Each kernel responds where the intensity changes across its direction.
EDGE_KERNELS = torch.tensor([
    [[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]],    # horizontal edge
    [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]],    # vertical edge
    [[0.0, 1.0, 2.0], [-1.0, 0.0, 1.0], [-2.0, -1.0, 0.0]],    # edge along \
    [[-2.0, -1.0, 0.0], [-1.0, 0.0, 1.0], [0.0, 1.0, 2.0]],    # edge along /
]).unsqueeze(1) / 8  # (4, 1, 3, 3)


def edge_maps(X: torch.Tensor) -> torch.Tensor:
    """Level 1: the strength of edges in four directions at every pixel.

    Args:
        X: grayscale images, shape ``(N, 1, H, W)``.

    Returns:
        Edge strengths, shape ``(N, 4, H, W)``, in the order of ``EDGE_NAMES``.
    """
    X = checks.images("X", X, channels=1)
    return F.conv2d(X, EDGE_KERNELS.to(X.device), padding=1).abs()


def edge_part_features(X: torch.Tensor, *, grid: int = 2) -> torch.Tensor:
    """Level 2: the mean edge strength of each direction in each cell of a grid.

    Args:
        X: grayscale images, shape ``(N, 1, H, W)``; ``H`` and ``W`` divisible
            by ``grid``.
        grid: cells per side, so ``grid * grid`` cells.

    Returns:
        Features, shape ``(N, 4 * grid * grid)``: for each direction, its cells in
        row-major order.
    """
    H, W = checks.images("X", X, channels=1).shape[-2:]
    grid = checks.positive_int("grid", grid)
    if H % grid or W % grid:
        raise ValueError(f"image size {H}x{W} is not divisible by grid={grid}")
    pooled = F.avg_pool2d(edge_maps(X), kernel_size=(H // grid, W // grid))
    return pooled.flatten(start_dim=1)  # (N, 4, grid, grid) -> (N, 4 * grid * grid)
