"""Data augmentation: new training examples made by transforming the images we have.

A digit shifted by a pixel, turned by a few degrees or sprinkled with a little noise is
still the same digit, so each transformed image comes with its original label:

    (x, y)  ->  (T(x) + noise, y),   T = a random rotation and translation.

:func:`slant_and_scale` makes a different family of changes (slant and size), to test
a model on variations its augmentation did not show it.

Taught in the chapter "Learning scheme, bias and variance".
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from dlbook import _checks as checks


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
    n, _, h, w = checks.images("X", X).shape
    for name, t, shape in (("matrices", matrices, (n, 2, 2)),
                           ("shifts", shifts, (n, 2))):
        if checks.tensor(name, t).shape != shape:
            raise ValueError(f"{name} must have shape {shape}, got {tuple(t.shape)}")
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
    n = len(checks.images("X", X))
    if checks.tensor("angles", angles).shape != (n,):
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
    return _slant_and_scale(checks.images("X", X),
                            checks.non_negative("max_slant", max_slant),
                            checks.fraction("max_zoom", max_zoom, low_open=False),
                            checks.seed(seed))


def _slant_and_scale(X: torch.Tensor, max_slant: float, max_zoom: float,
                     seed: int) -> torch.Tensor:
    """``x -> zoom * shear(slant) x`` for each image, slant and zoom uniform."""
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
    return _augment(checks.images("X", X), checks.non_negative("max_shift", max_shift),
                    checks.non_negative("max_angle", max_angle),
                    checks.non_negative("noise_std", noise_std), checks.seed(seed))


def _augment(X: torch.Tensor, max_shift: float, max_angle: float, noise_std: float,
             seed: int) -> torch.Tensor:
    """``T(x) + noise`` for each image: a random turn and shift, then noise."""
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
    if checks.tensor("y", y).shape != (len(checks.images("X", X)),):
        raise ValueError(f"y must have shape ({len(X)},) to match X, got "
                         f"{tuple(y.shape)}")
    copies, seed = checks.non_negative_int("copies", copies), checks.seed(seed)
    variants = [augment(X, seed=seed + k, **kwargs) for k in range(copies)]
    return torch.cat([X, *variants]), y.repeat(copies + 1)
