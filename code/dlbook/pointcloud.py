"""Synthetic 3-D point clouds: points sampled from the surface of a simple shape.

A point cloud, the output of a lidar or a depth camera, is an unordered set of points
``(num_points, 3)``: shuffling its rows does not change the object, and neither does
turning it around. Features of a cloud should therefore not depend on the order of the
points or on the orientation, like the histogram of distances from the centroid,

    d_i = ||p_i - mean(p)|| / mean_j ||p_j - mean(p)||,

used by the chapter "Machine learning tasks" to tell spheres, tori and cubes apart.
"""

from __future__ import annotations

import numpy as np

from dlbook import _checks as checks

SHAPES = ("sphere", "torus", "cube")


def random_rotation(rng: np.random.Generator) -> np.ndarray:
    """A uniformly random 3-D rotation matrix, shape ``(3, 3)``, determinant +1."""
    Q, R = np.linalg.qr(rng.standard_normal((3, 3)))
    Q = Q * np.sign(np.diag(R))  # makes the distribution uniform over rotations
    if np.linalg.det(Q) < 0:
        Q[:, 0] = -Q[:, 0]
    return Q


def sample_shape(
    kind: str,
    num_points: int = 500,
    *,
    noise: float = 0.02,
    rotate: bool = True,
    seed: int = 0,
) -> np.ndarray:
    """Sample points from the surface of a unit-sized shape, plus Gaussian noise.

    Args:
        kind: ``"sphere"`` (radius 1), ``"torus"`` (radii 1 and 0.35) or ``"cube"``
            (side 2, the surface only).
        num_points: how many points to sample.
        noise: standard deviation of the noise added to every coordinate.
        rotate: turn the shape by a random rotation.
        seed: seeds the sampling, the noise and the rotation.

    Returns:
        The point cloud, shape ``(num_points, 3)``.
    """
    checks.choice("kind", kind, SHAPES)
    num_points = checks.positive_int("num_points", num_points)
    noise = checks.non_negative("noise", noise)
    rng = np.random.default_rng(checks.seed(seed))
    if kind == "sphere":
        P = rng.standard_normal((num_points, 3))
        P /= np.linalg.norm(P, axis=1, keepdims=True)
    elif kind == "torus":
        R, r = 1.0, 0.35
        # Reject angles in proportion to the area they cover, so points are uniform.
        P = np.empty((0, 3))
        while len(P) < num_points:
            u, v = rng.uniform(0, 2 * np.pi, (2, 2 * num_points))
            keep = rng.uniform(0, R + r, len(u)) < R + r * np.cos(v)
            u, v = u[keep], v[keep]
            ring = R + r * np.cos(v)
            P = np.vstack([P, np.stack([ring * np.cos(u), ring * np.sin(u),
                                        r * np.sin(v)], axis=1)])
        P = P[:num_points]
    else:
        face = rng.integers(0, 6, num_points)  # 3 axes x 2 sides, all of equal area
        P = rng.uniform(-1, 1, (num_points, 3))
        P[np.arange(num_points), face % 3] = np.where(face < 3, -1.0, 1.0)
    if rotate:
        P = P @ random_rotation(rng).T
    return P + noise * rng.standard_normal(P.shape)


def distance_histogram(points, *, bins: int = 16,
                       max_distance: float = 2.0) -> np.ndarray:
    """Order- and rotation-free features of a cloud: its distances from the centroid.

    Distances are divided by their mean, so the size of the object does not matter
    either, and counted in ``bins`` equal bins over ``[0, max_distance]``.

    Args:
        points: the cloud, shape ``(num_points, 3)``.
        bins: number of histogram bins.
        max_distance: upper end of the histogram, in units of the mean distance.

    Returns:
        The fraction of points in each bin, shape ``(bins,)``.
    """
    P = np.asarray(points, dtype=float)
    if P.ndim != 2 or P.shape[1] != 3 or len(P) == 0:
        raise ValueError(f"points must have shape (num_points, 3), got {P.shape}")
    bins = checks.positive_int("bins", bins)
    max_distance = checks.positive("max_distance", max_distance)
    d = np.linalg.norm(P - P.mean(axis=0), axis=1)  # (num_points,)
    d = d / max(d.mean(), np.finfo(float).tiny)
    counts, _ = np.histogram(np.clip(d, 0, max_distance), bins=bins,
                             range=(0, max_distance))
    return counts / len(P)
