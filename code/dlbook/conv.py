"""Convolution and pooling written out by hand, for "Convolutional networks".

Each function computes what ``torch.nn.functional.conv2d``, ``max_pool2d`` and
``avg_pool2d`` compute, with an explicit loop over the output positions, so that the
code reads like the formula. They are built from differentiable torch operations, so
autograd gives their gradients too; they are slow, and meant to be read, not trained.

As in every deep-learning library, "convolution" here is cross-correlation: the
kernel slides over the image without being flipped.
"""

from __future__ import annotations

import torch

from dlbook import _checks as checks

Pair = int | tuple[int, int]


def _pair(name: str, value: Pair, *, minimum: int) -> tuple[int, int]:
    """Turn ``value`` (an int or a pair of ints) into ``(vertical, horizontal)``."""
    values = value if isinstance(value, tuple) else (value, value)
    if len(values) != 2:
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    return tuple(checks.integer(name, v, low=minimum) for v in values)


def conv_output_size(size: int, kernel_size: int, stride: int = 1,
                     padding: int = 0) -> int:
    """Length of a convolution's (or pooling's) output along one axis.

    ``floor((size + 2 * padding - kernel_size) / stride) + 1``

    Args:
        size: length of the input along the axis (height or width).
        kernel_size: length of the kernel along the same axis.
        stride: step between two neighbouring windows.
        padding: zeros added on each side of the input.

    Returns:
        The number of positions the kernel fits in.

    Raises:
        ValueError: a size is not positive, the padding is negative, or the kernel
            is larger than the padded input.
    """
    size, kernel_size, stride = map(checks.positive_int, ("size", "kernel_size",
                                    "stride"), (size, kernel_size, stride))
    padding = checks.non_negative_int("padding", padding)
    if kernel_size > size + 2 * padding:
        raise ValueError(
            f"kernel_size {kernel_size} is larger than the padded input "
            f"{size} + 2 * {padding} = {size + 2 * padding}"
        )
    return (size + 2 * padding - kernel_size) // stride + 1


def conv2d(X: torch.Tensor, K: torch.Tensor, b: torch.Tensor | None = None, *,
           stride: Pair = 1, padding: Pair = 0) -> torch.Tensor:
    """2-D convolution (cross-correlation) with a loop over the output pixels.

    ``Y[n, o, i, j] = b[o] + sum_{c,u,v} X[n, c, i*s + u, j*s + v] K[o, c, u, v]``,
    with ``X`` zero-padded and ``s`` the stride.

    Args:
        X: images ``(batch, in_channels, height, width)``, or one image
            ``(height, width)``.
        K: kernels ``(out_channels, in_channels, kh, kw)``, or one kernel
            ``(kh, kw)`` for one image.
        b: biases ``(out_channels,)``, or ``None``.
        stride, padding: an int, or a pair ``(vertical, horizontal)``.

    Returns:
        ``(batch, out_channels, out_height, out_width)``, or ``(out_height,
        out_width)`` for one image; sizes as in :func:`conv_output_size`.
    """
    if isinstance(X, torch.Tensor) and X.dim() == 2:  # one image, one kernel
        checks.tensor("K", K, ndim=2, shape="(kh, kw), one kernel for one image")
        Y = conv2d(X[None, None], K[None, None], b, stride=stride, padding=padding)
        return Y[0, 0]
    checks.tensor("X", X, ndim=4, shape="(batch, channels, height, width)")
    checks.tensor("K", K, ndim=4, shape="(out_channels, in_channels, kh, kw)")
    if K.shape[1] != X.shape[1]:
        raise ValueError(f"K expects {K.shape[1]} input channels but X has "
                         f"{X.shape[1]}")
    if b is not None and checks.tensor("b", b).shape != K.shape[:1]:
        raise ValueError(f"b must have shape ({K.shape[0]},), one bias per kernel, "
                         f"got {tuple(b.shape)}")
    dtype = torch.promote_types(X.dtype, K.dtype)  # int images, float kernels: float
    return _conv2d(X.to(dtype), K.to(dtype), b, _pair("stride", stride, minimum=1),
                   _pair("padding", padding, minimum=0))


def _conv2d(X: torch.Tensor, K: torch.Tensor, b: torch.Tensor | None,
            stride: tuple[int, int], padding: tuple[int, int]) -> torch.Tensor:
    """:func:`conv2d` of a batch ``X`` ``(batch, in_channels, height, width)``."""
    (sh, sw), (ph, pw) = stride, padding
    kh, kw = K.shape[2:]
    h_out = conv_output_size(X.shape[2], kh, sh, ph)
    w_out = conv_output_size(X.shape[3], kw, sw, pw)

    X = torch.nn.functional.pad(X, (pw, pw, ph, ph))  # zeros around the image
    Y = X.new_zeros(X.shape[0], K.shape[0], h_out, w_out)
    for i in range(h_out):
        for j in range(w_out):
            window = X[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]  # (n, c, kh, kw)
            products = window[:, None] * K[None]  # (n, out_channels, c, kh, kw)
            Y[:, :, i, j] = products.sum(dim=(2, 3, 4))  # sum over c, u, v
    if b is not None:
        Y = Y + b[None, :, None, None]
    return Y


def _pool_args(X, kernel_size: Pair, stride: Pair | None):
    checks.tensor("X", X, ndim=4, shape="(batch, channels, height, width)",
                  floating=True)
    kernel_size = _pair("kernel_size", kernel_size, minimum=1)
    return X, kernel_size, _pair("stride", stride or kernel_size, minimum=1)


def _pool2d(X: torch.Tensor, kernel_size: tuple[int, int], stride: tuple[int, int],
            reduce: str) -> torch.Tensor:
    (kh, kw), (sh, sw) = kernel_size, stride
    h_out = conv_output_size(X.shape[2], kh, sh)
    w_out = conv_output_size(X.shape[3], kw, sw)
    Y = X.new_zeros(*X.shape[:2], h_out, w_out)
    for i in range(h_out):
        for j in range(w_out):
            window = X[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]  # (n, c, kh, kw)
            window = window.flatten(start_dim=2)  # (n, c, kh * kw)
            if reduce == "max":
                Y[:, :, i, j] = window.amax(dim=2)
            else:
                Y[:, :, i, j] = window.mean(dim=2)
    return Y


def max_pool2d(X: torch.Tensor, kernel_size: Pair = 2,
               stride: Pair | None = None) -> torch.Tensor:
    """Max pooling: the largest value of each window, channel by channel.

    ``Y[n, c, i, j] = max_{u, v} X[n, c, i*s + u, j*s + v]``

    Args:
        X: feature maps ``(batch, channels, height, width)``.
        kernel_size: window size, an int or ``(kh, kw)``.
        stride: step between windows; ``None`` means the window size, so windows
            do not overlap (the default of ``torch.nn.MaxPool2d`` too).

    Returns:
        ``(batch, channels, out_height, out_width)``.
    """
    return _pool2d(*_pool_args(X, kernel_size, stride), "max")


def avg_pool2d(X: torch.Tensor, kernel_size: Pair = 2,
               stride: Pair | None = None) -> torch.Tensor:
    """Average pooling: the mean of each window, channel by channel.

    ``Y[n, c, i, j] = mean_{u, v} X[n, c, i*s + u, j*s + v]``

    Args:
        X: feature maps ``(batch, channels, height, width)``.
        kernel_size: window size, an int or ``(kh, kw)``.
        stride: step between windows; ``None`` means the window size.

    Returns:
        ``(batch, channels, out_height, out_width)``.
    """
    return _pool2d(*_pool_args(X, kernel_size, stride), "mean")
