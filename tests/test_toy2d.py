"""The GAN in the plane (``dlbook.toy2d``): the ring of Gaussians, the small players
and the count of covered modes."""

import numpy as np
import pytest
import torch
from helpers.strategies import QUICK
from hypothesis import given
from hypothesis import strategies as st

from dlbook import toy2d

# --- the ring of Gaussians ---------------------------------------------------------


def test_ring_centers_lie_on_the_circle():
    centers = toy2d.ring_centers(8, radius=2.0)
    assert centers.shape == (8, 2)
    assert torch.allclose(centers.norm(dim=1), torch.full((8,), 2.0))
    assert torch.allclose(centers[0], torch.tensor([2.0, 0.0]))


def test_sample_ring_is_seeded_and_centred_on_modes():
    a = toy2d.sample_ring(500, std=0.05, seed=3)
    assert a.shape == (500, 2)
    assert torch.equal(a, toy2d.sample_ring(500, std=0.05, seed=3))
    assert not torch.equal(a, toy2d.sample_ring(500, std=0.05, seed=4))
    distance = torch.cdist(a, toy2d.ring_centers()).min(dim=1).values
    assert distance.max() < 0.05 * 6


@QUICK
@given(num_modes=st.integers(1, 12), radius=st.floats(0.1, 10), n=st.integers(1, 50),
       seed=st.integers(0, 100))
def test_ring_of_modes(num_modes, radius, n, seed):
    centers = toy2d.ring_centers(num_modes, radius)
    assert centers.shape == (num_modes, 2)
    assert torch.allclose(centers.norm(dim=1), torch.full((num_modes,), radius),
                          rtol=1e-5)
    samples = toy2d.sample_ring(n, num_modes=num_modes, radius=radius, seed=seed)
    assert samples.shape == (n, 2)
    assert torch.equal(samples, toy2d.sample_ring(n, num_modes=num_modes, radius=radius,
                                                  seed=seed))


def test_sample_ring_takes_numpy_and_torch_scalars():
    a = toy2d.sample_ring(np.int64(50), num_modes=torch.tensor(4), std=np.float32(0.1),
                          seed=np.int64(3))
    assert torch.equal(a, toy2d.sample_ring(50, num_modes=4, std=0.1, seed=3))


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(n=0), ValueError, "n must be .*got 0"),
    (dict(n=2.5), TypeError, "n must be an int"),
    (dict(n=10, std=0.0), ValueError, "std must be positive"),
    (dict(n=10, num_modes=0), ValueError, "num_modes must be .*got 0"),
    (dict(n=10, radius=float("nan")), ValueError, "radius must be a finite number"),
    (dict(n=10, seed=-1), ValueError, r"seed must be in \[0, 4294967296\)"),
])
def test_sample_ring_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        toy2d.sample_ring(**kwargs)


# --- mode coverage -------------------------------------------------------------------


def test_mode_coverage_counts_modes_and_quality():
    centers = toy2d.ring_centers(4, radius=1.0)
    near = centers[[0, 0, 1, 1, 2, 2]] + 0.01
    far = torch.tensor([[5.0, 5.0], [0.0, 0.0]])
    coverage = toy2d.mode_coverage(torch.cat([near, far]), centers, max_distance=0.1,
                                   min_share=0.2)
    assert coverage.counts.tolist() == [2, 2, 2, 0]
    assert coverage.covered == 3
    assert coverage.share_near == pytest.approx(6 / 8)
    # a stricter share: two of eight samples (25%) are not 30% of them
    assert toy2d.mode_coverage(torch.cat([near, far]), centers, max_distance=0.1,
                               min_share=0.3).covered == 0


def test_a_diverged_generators_samples_cover_no_mode():
    centers = toy2d.ring_centers(4, radius=1.0)
    samples = torch.cat([centers[:2], torch.full((2, 2), float("nan")),
                         torch.tensor([[float("inf"), 0.0]])])
    coverage = toy2d.mode_coverage(samples, centers, max_distance=0.1, min_share=0.2)
    assert coverage.counts.tolist() == [1, 1, 0, 0]
    assert coverage.share_near == pytest.approx(2 / 5)
    assert coverage.covered == 2  # the NaN and inf samples are near no mode


def test_mode_coverage_rejects_bad_input():
    centers = toy2d.ring_centers()
    with pytest.raises(ValueError, match="samples must be a non-empty"):
        toy2d.mode_coverage(torch.zeros(0, 2), centers, max_distance=0.1)
    with pytest.raises(TypeError, match="samples must be a torch.Tensor"):
        toy2d.mode_coverage(np.zeros((5, 2)), centers, max_distance=0.1)
    with pytest.raises(ValueError, match="centers must have shape"):
        toy2d.mode_coverage(torch.zeros(5, 3), centers, max_distance=0.1)
    with pytest.raises(ValueError, match="max_distance must be positive"):
        toy2d.mode_coverage(torch.zeros(5, 2), centers, max_distance=-1.0)
    with pytest.raises(ValueError, match="min_share"):
        toy2d.mode_coverage(torch.zeros(5, 2), centers, max_distance=0.1, min_share=0)


# --- the players ---------------------------------------------------------------------


def test_mlp_players_shapes_and_errors():
    G, D = toy2d.MLPGenerator(latent_dim=3, out_dim=2), toy2d.MLPDiscriminator(in_dim=2)
    x = G(torch.randn(7, 3))
    assert x.shape == (7, 2)
    assert D(x).shape == (7,)
    with pytest.raises(ValueError, match=r"z must have shape \(batch, 3\)"):
        G(torch.randn(7, 2))
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 2\)"):
        D(torch.randn(7, 3))
    with pytest.raises(ValueError, match="latent must be one of"):
        toy2d.MLPGenerator(latent="gaussian")


def test_mlp_players_are_the_books_deep_mlp():
    """ReLU in the generator, LeakyReLU (slope 0.01) in the discriminator."""
    G = toy2d.MLPGenerator(latent_dim=3, out_dim=2, num_hiddens=(5, 4))
    D = toy2d.MLPDiscriminator(in_dim=2, num_hiddens=(6,))
    assert [type(m).__name__ for m in G.net] == ["Linear", "ReLU", "Linear", "ReLU",
                                                 "Linear"]
    assert [(m.in_features, m.out_features) for m in G.net[::2]] == [(3, 5), (5, 4),
                                                                     (4, 2)]
    assert isinstance(D.net[1], torch.nn.LeakyReLU) and D.net[1].negative_slope == 0.01
    assert (D.net[-1].in_features, D.net[-1].out_features) == (6, 1)


@pytest.mark.parametrize("num_hiddens", [8, "8", (8, 0), (8, 2.5)],
                         ids=["int", "str", "zero width", "fraction"])
def test_mlp_networks_want_a_sequence_of_widths(num_hiddens):
    for make in (toy2d.MLPGenerator, toy2d.MLPDiscriminator):
        with pytest.raises((TypeError, ValueError), match="num_hiddens"):
            make(num_hiddens=num_hiddens)
