"""Data augmentation: new training examples made by transforming the images we have.

A digit shifted by a pixel, turned by a few degrees or sprinkled with a little noise is
still the same digit, so each transformed image comes with its original label:

    (x, y)  ->  (T(x) + noise, y),   T = a random rotation and translation.

:func:`slant_and_scale` makes a different family of changes (slant and size), to test
a model on variations its augmentation did not show it.

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


def warp(X: torch.Tensor, matrices: torch.Tensor,
         shifts: torch.Tensor) -> torch.Tensor:
    """Apply the affine map ``p -> A p + t`` to each image, with bilinear resampling.

    ``p`` is a position in pixels measured from the centre of the image, ``x`` to the
    right and ``y`` down: the content at ``p`` moves to ``A p + t``. Pixels that come
    from outside the image are 0 (the background of the digits).

    Args:
        X: images, shape ``(N, C, H, W)``.
        matrices: the linear part ``A`` of each map, shape ``(N, 2, 2)``, invertible.
        shifts: the translation ``t = (dx, dy)`` of each image in pixels, shape
            ``(N, 2)``.

    Returns:
        The transformed images, shape ``(N, C, H, W)``.
    """
    X = _check_images(X)
    n, _, h, w = X.shape
    for name, value in (("matrices", matrices), ("shifts", shifts)):
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got "
                            f"{type(value).__name__}")
    if matrices.shape != (n, 2, 2):
        raise ValueError(f"matrices must have shape ({n}, 2, 2), got "
                         f"{tuple(matrices.shape)}")
    if shifts.shape != (n, 2):
        raise ValueError(f"shifts must have shape ({n}, 2), got {tuple(shifts.shape)}")
    A_inv = torch.linalg.inv(matrices.to(X.device, X.dtype))  # (N, 2, 2)
    # affine_grid asks the opposite question: for each output pixel, where in the
    # input to sample, p = A^-1 (q - t), in coordinates running from -1 to 1 across
    # the image (one pixel is 2 / size of them): q_unit = D q with D = diag(2/w, 2/h).
    D = torch.diag(torch.tensor([2 / w, 2 / h], dtype=X.dtype, device=X.device))
    linear = D @ A_inv @ torch.linalg.inv(D)  # (N, 2, 2)
    offset = -D @ A_inv @ shifts.to(X.device, X.dtype).unsqueeze(-1)  # (N, 2, 1)
    theta = torch.cat([linear, offset], dim=2)  # (N, 2, 3)
    grid = F.affine_grid(theta, list(X.shape), align_corners=False)
    return F.grid_sample(X, grid, mode="bilinear", padding_mode="zeros",
                         align_corners=False)


def rotate_and_shift(X: torch.Tensor, angles: torch.Tensor,
                     shifts: torch.Tensor) -> torch.Tensor:
    """Rotate each image about its centre and then move it, with bilinear resampling.

    Args:
        X: images, shape ``(N, C, H, W)``.
        angles: rotation of each image in degrees, counter-clockwise, shape ``(N,)``.
        shifts: translation of each image in pixels, ``(dx, dy)`` with ``dx`` to
            the right and ``dy`` down, shape ``(N, 2)``.

    Returns:
        The transformed images, shape ``(N, C, H, W)``.
    """
    X = _check_images(X)
    n = len(X)
    if not isinstance(angles, torch.Tensor):
        raise TypeError(f"angles must be a torch.Tensor, got {type(angles).__name__}")
    if angles.shape != (n,):
        raise ValueError(f"angles must have shape ({n},), got {tuple(angles.shape)}")
    rad = torch.deg2rad(angles.to(X.dtype))
    cos, sin = torch.cos(rad), torch.sin(rad)
    # The y axis points down, so a counter-clockwise turn on the screen is
    # [[cos, sin], [-sin, cos]] in these coordinates.
    A = torch.stack([torch.stack([cos, sin], dim=1),
                     torch.stack([-sin, cos], dim=1)], dim=1)  # (N, 2, 2)
    return warp(X, A, shifts)


def slant_and_scale(X: torch.Tensor, *, max_slant: float = 0.3,
                    max_zoom: float = 0.15, seed: int = 0) -> torch.Tensor:
    """Slant each image like italic writing and make it larger or smaller.

    The slant is a horizontal shear, ``x -> x - s y`` (``y`` points down, so ``s > 0``
    leans the top to the right), with ``s`` uniform in ``[-max_slant, max_slant]``;
    the image is then scaled about its centre by a factor uniform in
    ``[1 - max_zoom, 1 + max_zoom]``. No rotation, no shift, no noise: a different
    family of changes from :func:`augment`'s.

    Args:
        X: images, shape ``(N, C, H, W)``.
        max_slant: largest shear factor (0.3 leans a vertical stroke by about 17
            degrees).
        max_zoom: largest relative change of size, below 1.
        seed: seeds the slants and sizes: same seed, same images.

    Returns:
        The transformed images, shape ``(N, C, H, W)``.
    """
    X = _check_images(X)
    max_slant = _check_non_negative("max_slant", max_slant)
    max_zoom = _check_non_negative("max_zoom", max_zoom)
    if max_zoom >= 1:
        raise ValueError(f"max_zoom must be below 1, got {max_zoom}")
    g = torch.Generator().manual_seed(seed)
    n = len(X)
    slant = (torch.rand(n, generator=g) * 2 - 1) * max_slant
    zoom = 1 + (torch.rand(n, generator=g) * 2 - 1) * max_zoom
    A = torch.zeros(n, 2, 2)
    A[:, 0, 0], A[:, 0, 1], A[:, 1, 1] = zoom, -slant * zoom, zoom  # zoom * shear
    return warp(X, A, torch.zeros(n, 2))


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
    noise = torch.randn(out.shape, generator=g, dtype=out.dtype).to(out.device)
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
