"""Tests for dlbook.pointcloud: sampled shapes and their order-free features."""

import numpy as np
import pytest
from helpers.strategies import QUICK
from hypothesis import given
from hypothesis import strategies as st

from dlbook import pointcloud
from dlbook.pointcloud import SHAPES, distance_histogram, random_rotation, sample_shape


@pytest.mark.parametrize("kind", SHAPES)
def test_shapes_have_the_asked_number_of_3d_points(kind):
    P = sample_shape(kind, 123, seed=0)
    assert P.shape == (123, 3)
    assert np.all(np.isfinite(P))


def test_points_lie_on_the_surfaces_without_noise():
    sphere = sample_shape("sphere", 500, noise=0.0, rotate=False, seed=0)
    assert np.allclose(np.linalg.norm(sphere, axis=1), 1.0)

    cube = sample_shape("cube", 500, noise=0.0, rotate=False, seed=0)
    assert np.allclose(np.abs(cube).max(axis=1), 1.0)
    # All six faces are used, in roughly equal shares.
    faces = np.argmax(np.abs(cube), axis=1) * 2 + (cube.max(axis=1) >= 1.0)
    assert np.all(np.bincount(faces, minlength=6) > 50)

    torus = sample_shape("torus", 500, noise=0.0, rotate=False, seed=0)
    ring = np.sqrt(torus[:, 0] ** 2 + torus[:, 1] ** 2)
    assert np.allclose((ring - 1.0) ** 2 + torus[:, 2] ** 2, 0.35**2)


def test_sampling_is_seeded():
    assert np.array_equal(sample_shape("torus", 50, seed=7), sample_shape("torus", 50,
                                                                          seed=7))
    assert not np.allclose(sample_shape("torus", 50, seed=7),
                           sample_shape("torus", 50, seed=8))


def test_random_rotation_is_a_proper_rotation():
    R = random_rotation(np.random.default_rng(0))
    assert np.allclose(R @ R.T, np.eye(3))
    assert np.linalg.det(R) == pytest.approx(1.0)


def test_distance_histogram_ignores_order_rotation_and_size():
    rng = np.random.default_rng(0)
    P = sample_shape("cube", 400, seed=0)
    h = distance_histogram(P)
    assert h.shape == (16,)
    assert h.sum() == pytest.approx(1.0)
    moved = 3.0 * P[rng.permutation(400)] @ random_rotation(rng).T + [5.0, -2.0, 1.0]
    assert np.allclose(distance_histogram(moved), h)


def test_distance_histogram_tells_the_shapes_apart():
    # A sphere puts every point at the mean distance; the others spread out.
    sphere = distance_histogram(sample_shape("sphere", 1000, noise=0.0, seed=0))
    cube = distance_histogram(sample_shape("cube", 1000, noise=0.0, seed=0))
    assert np.sort(sphere)[-2:].sum() > 0.99  # 1.0 sits on a bin edge
    assert cube.max() < 0.6


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        (("cone",), {}, "kind must be one of"),
        (("sphere", 0), {}, "num_points must be a positive int"),
        (("sphere", 10), {"noise": -1.0}, "noise must be non-negative"),
    ],
)
def test_sample_shape_rejects_bad_arguments(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        sample_shape(*args, **kwargs)


def test_distance_histogram_rejects_bad_clouds():
    with pytest.raises(ValueError, match=r"shape \(num_points, 3\)"):
        distance_histogram(np.zeros((10, 2)))
    with pytest.raises(ValueError, match="bins must be a positive int"):
        distance_histogram(np.zeros((10, 3)), bins=0)


# --- properties, on drawn inputs ---------------------------------------------------


@QUICK
@given(kind=st.sampled_from(["sphere", "torus", "cube"]), n=st.integers(1, 200),
       seed=st.integers(0, 99), bins=st.integers(1, 20))
def test_point_clouds_and_their_histograms(kind, n, seed, bins):
    points = pointcloud.sample_shape(kind, n, seed=seed)
    assert np.shape(points) == (n, 3)
    assert np.array_equal(points, pointcloud.sample_shape(kind, n, seed=seed))
    hist = pointcloud.distance_histogram(points, bins=bins)
    assert np.shape(hist) == (bins,) and np.all(np.asarray(hist) >= 0)
    assert np.sum(hist) <= 1 + 1e-9


@pytest.mark.parametrize("shape", [(5, 2), (5,), (5, 3, 1)])
def test_distance_histogram_rejects_other_shapes(shape):
    with pytest.raises(ValueError, match=r"points must have shape \(num_points, 3\)"):
        pointcloud.distance_histogram(np.zeros(shape))
