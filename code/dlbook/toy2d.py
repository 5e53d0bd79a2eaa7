"""A GAN in the plane: a ring of Gaussians, small players, and the modes they cover.

The smallest data set on which a GAN shows its best-known failure, *mode collapse*:
an equal mixture of ``num_modes`` Gaussians evenly spaced on a circle
(:func:`sample_ring`). Two fully-connected networks play the game on it
(:class:`MLPGenerator`, :class:`MLPDiscriminator`, built by
:func:`dlbook.activations.deep_mlp`), and :func:`mode_coverage` counts the modes a
generator's samples reach. Taught in "Generative adversarial networks"; the game
itself is in :mod:`dlbook.gan`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from dlbook import _checks
from dlbook.activations import deep_mlp
from dlbook.gan import _check_latent

# --- a toy distribution: a ring of Gaussians ---------------------------------------


def ring_centers(num_modes: int = 8, radius: float = 2.0) -> torch.Tensor:
    """The means of the ring: ``num_modes`` points evenly spaced on a circle.

    Returns:
        ``(num_modes, 2)`` tensor; mode ``k`` sits at angle ``2 pi k / num_modes``.
    """
    num_modes = _checks.positive_int("num_modes", num_modes)
    radius = _checks.positive("radius", radius)
    angles = 2 * math.pi * torch.arange(num_modes) / num_modes
    return radius * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)


def sample_ring(n: int, *, num_modes: int = 8, radius: float = 2.0, std: float = 0.05,
                seed: int = 0) -> torch.Tensor:
    """Draw ``n`` points from an equal mixture of Gaussians on a ring.

    Args:
        n: number of points.
        num_modes: number of Gaussians (modes), see :func:`ring_centers`.
        radius: radius of the ring.
        std: standard deviation of each Gaussian, the same along both axes.
        seed: fixes the draw.

    Returns:
        ``(n, 2)`` float tensor.
    """
    n = _checks.positive_int("n", n)
    std = _checks.positive("std", std)
    centers = ring_centers(num_modes, radius)
    g = torch.Generator().manual_seed(_checks.seed(seed))
    modes = torch.randint(len(centers), (n,), generator=g)
    return centers[modes] + std * torch.randn(n, 2, generator=g)


# --- the players: small fully-connected networks ---------------------------------


class MLPGenerator(nn.Module):
    """``G(z)``: a fully-connected network from noise ``(batch, latent_dim)`` to points.

    Args:
        latent_dim: size of the noise vector ``z``.
        out_dim: size of a generated point.
        num_hiddens: widths of the hidden layers (ReLU).
        latent: the distribution of ``z``, see :func:`dlbook.gan.sample_latent`.
    """

    num_classes = None

    def __init__(self, latent_dim: int = 2, out_dim: int = 2,
                 num_hiddens: Sequence[int] = (128, 128), latent: str = "normal"):
        super().__init__()
        self.latent_dim = _checks.positive_int("latent_dim", latent_dim)
        self.latent = _check_latent(latent)
        self.out_dim = _checks.positive_int("out_dim", out_dim)
        self.net = deep_mlp(latent_dim, num_hiddens, out_dim, activation="relu")

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """``(batch, latent_dim)`` -> ``(batch, out_dim)``."""
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (batch, {self.latent_dim}), "
                             f"got {tuple(z.shape)}")
        return self.net(z)


class MLPDiscriminator(nn.Module):
    """``D(x)``: a fully-connected network from points to one real-vs-fake logit.

    Args:
        in_dim: size of one point.
        num_hiddens: widths of the hidden layers (LeakyReLU).
    """

    num_classes = None

    def __init__(self, in_dim: int = 2, num_hiddens: Sequence[int] = (128, 128)):
        super().__init__()
        self.in_dim = _checks.positive_int("in_dim", in_dim)
        self.net = deep_mlp(in_dim, num_hiddens, 1, activation="leaky_relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, in_dim)`` -> logits ``(batch,)``."""
        if x.dim() != 2 or x.shape[1] != self.in_dim:
            raise ValueError(f"x must have shape (batch, {self.in_dim}), "
                             f"got {tuple(x.shape)}")
        return self.net(x).squeeze(1)


# --- how many modes the samples cover ---------------------------------------------


@dataclass(frozen=True)
class ModeCoverage:
    """How a set of samples spreads over the modes of a mixture.

    ``counts[k]`` is the number of samples whose nearest mode is ``k`` and that lie
    within ``max_distance`` of it; ``covered`` counts the modes holding at least
    ``min_share`` of all samples; ``share_near`` is the share of samples near any mode.
    """

    counts: torch.Tensor
    covered: int
    share_near: float


def mode_coverage(samples: torch.Tensor, centers: torch.Tensor, *, max_distance: float,
                  min_share: float = 0.02) -> ModeCoverage:
    """Count the modes of a mixture that a set of samples covers.

    A sample that is NaN or infinite (a generator that diverged) is near no mode.

    Args:
        samples: ``(n, d)`` points, for example from a generator.
        centers: ``(num_modes, d)`` means of the mixture.
        max_distance: a sample farther than this from every mode is off the data.
        min_share: a mode is covered when at least this share of samples is near it.

    Returns:
        A :class:`ModeCoverage`.
    """
    _checks.tensor("samples", samples, ndim=2, shape="(n, d)")
    if len(samples) == 0:
        raise ValueError("samples must be a non-empty (n, d) tensor, got "
                         f"{tuple(samples.shape)}")
    _checks.tensor("centers", centers, ndim=2, shape=f"(num_modes, {samples.shape[1]})",
                   finite=True)
    if centers.shape[1] != samples.shape[1] or len(centers) == 0:
        raise ValueError(f"centers must have shape (num_modes, {samples.shape[1]}), "
                         f"got {tuple(centers.shape)}")
    max_distance = _checks.positive("max_distance", max_distance)
    min_share = _checks.fraction("min_share", min_share, high_open=False)
    distance, nearest = torch.cdist(samples.float(), centers.float()).min(dim=1)
    near = distance <= max_distance  # False for NaN
    counts = torch.bincount(nearest[near], minlength=len(centers))
    covered = int((counts >= min_share * len(samples)).sum())
    return ModeCoverage(counts, covered, near.float().mean().item())
