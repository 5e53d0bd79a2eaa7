"""The classifiers of the lab "MNIST in three flavours".

Each is built from the shape of one input example and the number of classes, so the
same class serves the 8x8 digits and 28x28 MNIST, and each returns logits (no softmax:
``nn.CrossEntropyLoss`` applies it). :func:`workshop_models` gives the workshop's own
three (a perceptron, a one-hidden-layer network and :class:`WorkshopCNN`); the wider
``MLP`` defaults and the batch-normalised ``CNN`` show what more capacity buys.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import torch
from torch import nn

from dlbook import _checks as checks


def _check_shape(input_shape: Sequence[int], num_classes: int, min_size: int = 1,
                 caller: str = "") -> tuple[int, int, int]:
    """``input_shape`` as ``(channels, height, width)``, each image at least
    ``min_size`` pixels on each side."""
    if (isinstance(input_shape, (str, bytes)) or not isinstance(input_shape, Sequence)
            or len(input_shape) != 3):
        raise ValueError(
            f"input_shape must be (channels, height, width), got {input_shape!r}"
        )
    if not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0
               for s in input_shape):
        raise ValueError(f"input_shape must hold positive ints, got {input_shape!r}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral) \
            or num_classes < 2:
        raise ValueError(f"num_classes must be an int >= 2, got {num_classes!r}")
    c, h, w = map(int, input_shape)
    if min(h, w) < min_size:
        raise ValueError(f"{caller} needs images of at least {min_size}x{min_size}, "
                         f"got {h}x{w}")
    return c, h, w


def _check_sizes(name: str, sizes, count: int | None = None) -> tuple[int, ...]:
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(f"{name} must be a sequence of positive ints, got {sizes!r}")
    if not sizes or (count is not None and len(sizes) != count):
        what = f"{count} positive ints" if count else "a non-empty sequence of ints"
        raise ValueError(f"{name} must be {what}, got {sizes!r}")
    return tuple(checks.positive_int(name, k) for k in sizes)


class _Classifier(nn.Module):
    """Checks that a batch has the shape the model was built for."""

    input_shape: tuple[int, int, int]

    def _check_input(self, X: torch.Tensor) -> None:
        shape = f"(batch, {', '.join(map(str, self.input_shape))})"
        if checks.tensor("X", X).dim() != 4 or tuple(X.shape[1:]) != self.input_shape:
            raise ValueError(f"{type(self).__name__} expects a batch of shape {shape}, "
                             f"got {tuple(X.shape)}")
        weight = next(self.parameters())
        if X.dtype != weight.dtype:
            raise TypeError(f"X must have the dtype of the model's weights, "
                            f"{weight.dtype}, got {X.dtype}; convert the images with "
                            f"X.to({weight.dtype})")


class Perceptron(_Classifier):
    """One linear layer: ``y_hat = W x + b``, one output unit per class.

    The multi-class perceptron of the lab; with softmax and cross-entropy it is
    multinomial logistic regression.
    """

    def __init__(self, input_shape: Sequence[int], num_classes: int = 10):
        super().__init__()
        self.input_shape = _check_shape(input_shape, num_classes)
        self.net = nn.Sequential(
            nn.Flatten(), nn.Linear(math.prod(self.input_shape), num_classes)
        )

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """``(batch, C, H, W)`` -> logits ``(batch, num_classes)``."""
        self._check_input(X)
        return self.net(X)


class MLP(_Classifier):
    """A deep fully-connected network: ``x^(i) = ReLU(W^(i) x^(i-1) + b^(i))``.

    The lab's image classifier: it flattens images of a fixed ``input_shape``, checks
    every batch against that shape, and can add dropout. To compare activations
    and initialisations on plain vectors, use :func:`dlbook.activations.deep_mlp`.

    Args:
        input_shape: ``(channels, height, width)`` of one example.
        num_classes: number of output logits.
        num_hiddens: width of each hidden layer, in order.
        dropout: dropout probability after each hidden layer (0 for none).
    """

    def __init__(self, input_shape: Sequence[int], num_classes: int = 10,
                 num_hiddens: Sequence[int] = (256, 128), dropout: float = 0.0):
        super().__init__()
        self.input_shape = _check_shape(input_shape, num_classes)
        num_hiddens = _check_sizes("num_hiddens", num_hiddens)
        dropout = checks.fraction("dropout", dropout, low_open=False)
        layers: list[nn.Module] = [nn.Flatten()]
        width = math.prod(self.input_shape)
        for h in num_hiddens:
            layers += [nn.Linear(width, h), nn.ReLU()]
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = h
        layers.append(nn.Linear(width, num_classes))
        self.net = nn.Sequential(*layers)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """``(batch, C, H, W)`` -> logits ``(batch, num_classes)``."""
        self._check_input(X)
        return self.net(X)


class CNN(_Classifier):
    """A small VGG-style convolutional network.

    ``[conv(3x3) -> BatchNorm -> ReLU] x 2 -> maxpool(2) -> conv(3x3) -> BatchNorm
    -> ReLU -> maxpool(2) -> dropout -> linear``. Padding keeps the size through each
    convolution, so the feature map shrinks only in the pooling layers:
    ``H -> H/2 -> H/4``.

    Args:
        input_shape: ``(channels, height, width)`` of one example; height and width
            must be at least 4.
        num_classes: number of output logits.
        channels: output channels of the first and the second block.
        dropout: dropout probability before the last layer.
    """

    def __init__(self, input_shape: Sequence[int], num_classes: int = 10,
                 channels: Sequence[int] = (32, 64), dropout: float = 0.3):
        super().__init__()
        self.input_shape = c, h, w = _check_shape(input_shape, num_classes, 4, "CNN")
        c1, c2 = _check_sizes("channels", channels, 2)
        dropout = checks.fraction("dropout", dropout, low_open=False)

        def block(c_in: int, c_out: int) -> list[nn.Module]:
            return [nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out),
                    nn.ReLU()]

        self.features = nn.Sequential(
            *block(c, c1), *block(c1, c1),
            nn.MaxPool2d(2),  # (batch, c1, H/2, W/2)
            *block(c1, c2),
            nn.MaxPool2d(2),  # (batch, c2, H/4, W/4)
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(c2 * (h // 4) * (w // 4), num_classes),
        )

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """``(batch, C, H, W)`` -> logits ``(batch, num_classes)``."""
        self._check_input(X)
        return self.classifier(self.features(X))


class WorkshopCNN(_Classifier):
    """The workshop's small convolutional network: 1,766 parameters on MNIST.

    ``conv(5x5, 2 maps) -> maxpool(2) -> ReLU -> conv(5x5, 4 maps) -> maxpool(2) -> ReLU
    -> linear(20) -> ReLU -> dropout(0.5) -> linear(num_classes)``. On 28x28 images the
    convolutions have no padding, ``28 -> 24 -> 12 -> 8 -> 4``, and the classifier reads
    ``4 x 4 x 4 = 64`` numbers. An image too small for that (the 8x8 digits) gets
    padding 2, which keeps the size through each convolution: ``8 -> 4 -> 2``.

    Args:
        input_shape: ``(channels, height, width)`` of one example; at least 4x4.
        num_classes: number of output logits.
    """

    def __init__(self, input_shape: Sequence[int], num_classes: int = 10):
        super().__init__()
        self.input_shape = c, h, w = _check_shape(input_shape, num_classes, 4,
                                                     "WorkshopCNN")

        def unpadded(size: int) -> int:  # conv(5) -> pool(2), twice
            return ((size - 4) // 2 - 4) // 2

        self.padding = 0 if min(unpadded(h), unpadded(w)) >= 1 else 2
        out_h, out_w = (h // 4, w // 4) if self.padding else (unpadded(h), unpadded(w))
        self.features = nn.Sequential(
            nn.Conv2d(c, 2, 5, padding=self.padding), nn.MaxPool2d(2), nn.ReLU(),
            nn.Conv2d(2, 4, 5, padding=self.padding), nn.MaxPool2d(2), nn.ReLU(),
        )  # (batch, 4, out_h, out_w)
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(4 * out_h * out_w, 20), nn.ReLU(),
            nn.Dropout(0.5),
            nn.Linear(20, num_classes),
        )

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """``(batch, C, H, W)`` -> logits ``(batch, num_classes)``."""
        self._check_input(X)
        return self.classifier(self.features(X))


def workshop_models(input_shape: Sequence[int],
                    num_classes: int = 10) -> dict[str, nn.Module]:
    """The workshop's three flavours, freshly initialised, by name.

    On MNIST they have 7,850 (perceptron), 15,910 (deep: one hidden layer of 20 ReLU
    units) and 1,766 (CNN) trainable parameters.
    """
    return {
        "perceptron": Perceptron(input_shape, num_classes),
        "deep": MLP(input_shape, num_classes, num_hiddens=(20,)),
        "CNN": WorkshopCNN(input_shape, num_classes),
    }


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in checks.module("model", model).parameters()
               if p.requires_grad)
