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

Pair = int | tuple[int, int]


def _pair(name: str, value: Pair, *, minimum: int) -> tuple[int, int]:
    """Turn ``value`` (an int or a pair of ints) into ``(vertical, horizontal)``."""
    values = value if isinstance(value, tuple) else (value, value)
    if len(values) != 2 or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in values
    ):
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if any(v < minimum for v in values):
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return values  # type: ignore[return-value]


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
    for name, value, minimum in (("size", size, 1), ("kernel_size", kernel_size, 1),
                                 ("stride", stride, 1), ("padding", padding, 0)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int (one axis), got {value!r}")
        if value < minimum:
            raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if kernel_size > size + 2 * padding:
        raise ValueError(
            f"kernel_size {kernel_size} is larger than the padded input "
            f"{size} + 2 * {padding} = {size + 2 * padding}"
        )
    return (size + 2 * padding - kernel_size) // stride + 1


def _check_images(X: torch.Tensor) -> None:
    if not isinstance(X, torch.Tensor):
        raise TypeError(f"X must be a torch.Tensor, got {type(X).__name__}")
    if X.dim() != 4:
        raise ValueError(
            f"X must have shape (batch, channels, height, width), got {tuple(X.shape)}"
        )


def _check_conv_inputs(X: torch.Tensor, K: torch.Tensor, b: torch.Tensor | None
                       ) -> None:
    _check_images(X)
    if not isinstance(K, torch.Tensor) or K.dim() != 4:
        raise ValueError("K must be a tensor of shape (out_channels, in_channels, kh, "
                         f"kw), got {getattr(K, 'shape', type(K).__name__)}")
    if K.shape[1] != X.shape[1]:
        raise ValueError(f"K expects {K.shape[1]} input channels but X has "
                         f"{X.shape[1]}")
    if b is not None and (not isinstance(b, torch.Tensor) or b.shape != K.shape[:1]):
        raise ValueError(f"b must have shape ({K.shape[0]},), one bias per kernel, "
                         f"got {getattr(b, 'shape', type(b).__name__)}")


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
        if not isinstance(K, torch.Tensor) or K.dim() != 2:
            raise ValueError("a single image (height, width) needs a single kernel "
                             f"(kh, kw), got K of shape {getattr(K, 'shape', K)}")
        Y = conv2d(X[None, None], K[None, None], b, stride=stride, padding=padding)
        return Y[0, 0]
    _check_conv_inputs(X, K, b)
    sh, sw = _pair("stride", stride, minimum=1)
    ph, pw = _pair("padding", padding, minimum=0)
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


def _pool2d(X: torch.Tensor, kernel_size: Pair, stride: Pair | None,
            reduce: str) -> torch.Tensor:
    _check_images(X)
    kh, kw = _pair("kernel_size", kernel_size, minimum=1)
    sh, sw = _pair("stride", kernel_size if stride is None else stride, minimum=1)
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
    return _pool2d(X, kernel_size, stride, "max")


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
    return _pool2d(X, kernel_size, stride, "mean")
