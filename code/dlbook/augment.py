"""Data augmentation: new training examples made by transforming the images we have.

A digit shifted by a pixel, turned by a few degrees or sprinkled with a little noise is
still the same digit, so each transformed image comes with its original label:

    (x, y)  ->  (T(x) + noise, y),   T = a random rotation and translation.

Taught in the chapter "Learning scheme, bias and variance".
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def _check_images(X) -> torch.Tensor:
    if not isinstance(X, torch.Tensor):
        raise TypeError(f"images must be a torch.Tensor, got {type(X).__name__}")
    if X.dim() != 4:
        raise ValueError(f"images must have shape (N, C, H, W), got {tuple(X.shape)}")
    if len(X) == 0:
        raise ValueError("images is empty: expected at least one image")
    return X


def _check_non_negative(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not value >= 0 or not math.isfinite(value):
        raise ValueError(f"{name} must be a non-negative number, got {value}")
    return float(value)


def rotate_and_shift(X: torch.Tensor, angles: torch.Tensor,
                     shifts: torch.Tensor) -> torch.Tensor:
    """Rotate each image about its centre and then move it, with bilinear resampling.

    Pixels that come from outside the image are 0 (the background of the digits).

    Args:
        X: images, shape ``(N, C, H, W)``.
        angles: rotation of each image in degrees, counter-clockwise, shape ``(N,)``.
        shifts: translation of each image in pixels, ``(dx, dy)`` with ``dx`` to
            the right and ``dy`` down, shape ``(N, 2)``.

    Returns:
        The transformed images, shape ``(N, C, H, W)``.
    """
    X = _check_images(X)
    n, _, h, w = X.shape
    if angles.shape != (n,):
        raise ValueError(f"angles must have shape ({n},), got {tuple(angles.shape)}")
    if shifts.shape != (n, 2):
        raise ValueError(f"shifts must have shape ({n}, 2), got {tuple(shifts.shape)}")
    rad = torch.deg2rad(angles.to(X.dtype))
    cos, sin = torch.cos(rad), torch.sin(rad)
    # affine_grid maps each output pixel to where it samples the input, in coordinates
    # running from -1 to 1 across the image: one pixel is 2 / size of them.
    tx = -shifts[:, 0].to(X.dtype) * 2 / w
    ty = -shifts[:, 1].to(X.dtype) * 2 / h
    # The row axis points down, so a counter-clockwise turn on the screen samples the
    # input at the output position turned the other way: [[cos, -sin], [sin, cos]].
    theta = torch.stack([
        torch.stack([cos, -sin, tx], dim=1),
        torch.stack([sin, cos, ty], dim=1),
    ], dim=1)  # (N, 2, 3)
    grid = F.affine_grid(theta, list(X.shape), align_corners=False)
    return F.grid_sample(X, grid, mode="bilinear", padding_mode="zeros",
                         align_corners=False)


def augment(X: torch.Tensor, *, max_shift: float = 0.5,
            max_angle: float = 15.0, noise_std: float = 0.1,
            seed: int = 0) -> torch.Tensor:
    """One random variant of each image: a small turn and shift, some noise.

    Args:
        X: images, shape ``(N, C, H, W)``, values in [0, 1].
        max_shift: largest shift in pixels, uniform in each direction.
        max_angle: largest rotation in degrees, uniform in either sense.
        noise_std: standard deviation of the Gaussian noise on each pixel.
        seed: seeds the transformations: same seed, same images.

    Returns:
        The augmented images, shape ``(N, C, H, W)``, clipped to [0, 1].
    """
    X = _check_images(X)
    max_shift = _check_non_negative("max_shift", max_shift)
    max_angle = _check_non_negative("max_angle", max_angle)
    noise_std = _check_non_negative("noise_std", noise_std)
    g = torch.Generator().manual_seed(seed)
    n = len(X)
    angles = (torch.rand(n, generator=g) * 2 - 1) * max_angle
    shifts = (torch.rand(n, 2, generator=g) * 2 - 1) * max_shift
    out = rotate_and_shift(X, angles, shifts)
    noise = torch.randn(out.shape, generator=g, dtype=out.dtype)
    out = out + noise_std * noise
    return out.clamp(0.0, 1.0)


def augment_dataset(X: torch.Tensor, y: torch.Tensor, *, copies: int = 4,
                    seed: int = 0, **kwargs) -> tuple[torch.Tensor, torch.Tensor]:
    """The original examples followed by ``copies`` augmented variants of each.

    Args:
        X: images, shape ``(N, C, H, W)``.
        y: labels, shape ``(N,)``; every variant keeps its original's label.
        copies: how many augmented variants of each example to add.
        seed: the first copy uses ``seed``, the next ``seed + 1``, and so on.
        kwargs: passed to :func:`augment` (``max_shift``, ``max_angle``,
            ``noise_std``).

    Returns:
        ``(X_aug, y_aug)`` of shapes ``(N * (copies + 1), C, H, W)`` and
        ``(N * (copies + 1),)``.
    """
    X = _check_images(X)
    if not isinstance(y, torch.Tensor) or y.shape != (len(X),):
        got = tuple(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__
        raise ValueError(f"y must be a tensor of shape ({len(X)},) to match X, "
                         f"got {got}")
    if isinstance(copies, bool) or not isinstance(copies, int) or copies < 0:
        raise ValueError(f"copies must be a non-negative int, got {copies!r}")
    variants = [augment(X, seed=seed + k, **kwargs) for k in range(copies)]
    return torch.cat([X, *variants]), y.repeat(copies + 1)
