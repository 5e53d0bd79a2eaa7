"""DCGAN: the convolutional generator and discriminator of the workshop's GAN lab.

A DCGAN's players are convolutional networks without pooling
(Radford et al., 2016): the generator *upsamples* noise into an image with
transposed convolutions, the discriminator *downsamples* an image into one logit with
strided convolutions. By default these are the workshop's networks: latent vectors of
size 100, uniform in [-1, 1], and for 28x28 images a first layer ``Linear(100, 3136)``;
both can be told the class to draw or judge. They play the game of :mod:`dlbook.gan`
(chapter "Generative adversarial networks").
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from dlbook import _checks
from dlbook.gan import _check_latent

def _check_image_shape(image_shape: Sequence[int]) -> tuple[int, int, int]:
    if not isinstance(image_shape, Sequence) or len(image_shape) != 3:
        raise ValueError(
            f"image_shape must be (channels, height, width) of positive ints, "
            f"got {image_shape!r}"
        )
    c, h, w = (_checks.positive_int(f"image_shape[{i}]", s)
               for i, s in enumerate(image_shape))
    if h % 4 or w % 4:
        raise ValueError(f"height and width must be multiples of 4, got {h}x{w}")
    return c, h, w


def _check_classes(num_classes) -> int | None:
    """``None`` (an unconditional network) or a number of classes, at least 2."""
    if num_classes is None:
        return None
    return _checks.integer("num_classes", num_classes, low=2)


def _one_hot(labels: torch.Tensor | None, num_classes: int | None,
             batch: int) -> torch.Tensor | None:
    """Labels ``(batch,)`` as one-hot ``(batch, num_classes)``; checks they fit."""
    if num_classes is None:
        if labels is not None:
            raise ValueError("this network is unconditional: call it without labels")
        return None
    if labels is None:
        raise ValueError(f"this network is conditional on {num_classes} classes: "
                         "pass labels of shape (batch,)")
    if labels.shape != (batch,):
        raise ValueError(
            f"labels must have shape ({batch},), got {tuple(labels.shape)}")
    if labels.is_floating_point() or labels.is_complex():
        raise TypeError(f"labels must hold class indices (integers), got "
                        f"{labels.dtype}; convert them with labels.long()")
    return F.one_hot(labels.long(), num_classes).float()


class ConvGenerator(nn.Module):
    """DCGAN generator, the workshop's: noise -> small feature maps -> two transposed
    convolutions.

    ``z -> linear (no bias) -> BN -> LeakyReLU -> reshape (2 * channels, H/4, W/4)
    -> convT(4, stride 2) -> BN -> LeakyReLU -> convT(4, stride 2) -> tanh``. Each
    transposed convolution doubles the height and the width, ``H/4 -> H/2 -> H``, so
    the same class draws 8x8 digits and 28x28 MNIST; with the defaults on 28x28 the
    first layer is the workshop's ``Linear(100, 64 * 7 * 7 = 3136)``. The layers
    followed by batch normalisation have no bias, which the normalisation would
    subtract again. Pixels come out in [-1, 1], the range of tanh: scale the data to
    match.

    Args:
        latent_dim: size of the noise vector ``z``.
        image_shape: ``(channels, height, width)``; height and width multiples of 4.
        num_classes: ``None`` for an unconditional generator; otherwise the one-hot
            label is appended to ``z`` and the generator draws the class it is told.
        channels: feature maps after the first transposed convolution; the smallest
            feature map has twice as many.
        latent: the distribution of ``z``, see :func:`dlbook.gan.sample_latent`;
            :func:`dlbook.gan.train_gan` and :func:`dlbook.gan.generate` draw from it.
    """

    def __init__(self, latent_dim: int = 100, image_shape: Sequence[int] = (1, 28, 28),
                 num_classes: int | None = None, channels: int = 32,
                 latent: str = "uniform"):
        super().__init__()
        self.latent_dim = _checks.positive_int("latent_dim", latent_dim)
        self.image_shape = _check_image_shape(image_shape)
        self.num_classes = _check_classes(num_classes)
        self.latent = _check_latent(latent)
        channels = _checks.positive_int("channels", channels)
        c, h, w = self.image_shape
        self._start = (2 * channels, h // 4, w // 4)
        in_features = self.latent_dim + (self.num_classes or 0)
        self.project = nn.Sequential(
            nn.Linear(in_features, math.prod(self._start), bias=False),
            nn.BatchNorm1d(math.prod(self._start)),
            nn.LeakyReLU(0.2),
        )
        self.net = nn.Sequential(
            nn.ConvTranspose2d(2 * channels, channels, 4, stride=2, padding=1,
                               bias=False),
            nn.BatchNorm2d(channels),
            nn.LeakyReLU(0.2),  # (batch, channels, H/2, W/2)
            nn.ConvTranspose2d(channels, c, 4, stride=2, padding=1),
            nn.Tanh(),  # (batch, c, H, W)
        )

    def forward(self, z: torch.Tensor,
                labels: torch.Tensor | None = None) -> torch.Tensor:
        """``(batch, latent_dim)`` [and labels ``(batch,)``] -> ``(batch, C, H, W)``."""
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (batch, {self.latent_dim}), "
                             f"got {tuple(z.shape)}")
        onehot = _one_hot(labels, self.num_classes, len(z))
        if onehot is not None:
            z = torch.cat([z, onehot], dim=1)
        start = self.project(z).view(len(z), *self._start)  # (batch, 2ch, H/4, W/4)
        return self.net(start)


class ConvDiscriminator(nn.Module):
    """DCGAN discriminator, the generator's mirror: two strided convolutions, one logit.

    ``x -> conv(4, stride 2) -> LeakyReLU -> dropout -> conv(4, stride 2) -> LeakyReLU
    -> dropout -> linear``. Each strided convolution halves the height and the width,
    ``H -> H/2 -> H/4``; there is no pooling. Unlike DCGAN's, this discriminator has
    no batch normalisation: :func:`dlbook.gan.train_gan` shows it real and generated
    images in one batch, and shared batch statistics would blur the difference it
    must find. A conditional discriminator adds the projection of the class
    embedding on the features, ``logit = w.h + e_y.h``, so it judges whether an image
    is a real example *of its label*.

    Args:
        image_shape: ``(channels, height, width)``; height and width multiples of 4.
        num_classes: ``None`` for an unconditional discriminator, else the number of
            classes of the labels it is given.
        channels: feature maps after the first convolution; the second has twice as
            many.
        dropout: probability of zeroing a feature during training.
    """

    def __init__(self, image_shape: Sequence[int] = (1, 28, 28),
                 num_classes: int | None = None, channels: int = 32,
                 dropout: float = 0.3):
        super().__init__()
        self.image_shape = _check_image_shape(image_shape)
        self.num_classes = _check_classes(num_classes)
        channels = _checks.positive_int("channels", channels)
        dropout = _checks.fraction("dropout", dropout, low_open=False)
        c, h, w = self.image_shape
        self.features = nn.Sequential(
            nn.Conv2d(c, channels, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Dropout(dropout),  # (batch, channels, H/2, W/2)
            nn.Conv2d(channels, 2 * channels, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Dropout(dropout),  # (batch, 2 channels, H/4, W/4)
            nn.Flatten(),
        )
        num_features = 2 * channels * (h // 4) * (w // 4)
        self.head = nn.Linear(num_features, 1)
        self.embed = (nn.Embedding(self.num_classes, num_features)
                      if self.num_classes is not None else None)

    def forward(self, x: torch.Tensor,
                labels: torch.Tensor | None = None) -> torch.Tensor:
        """``(batch, C, H, W)`` [and labels ``(batch,)``] -> logits ``(batch,)``."""
        if x.dim() != 4 or tuple(x.shape[1:]) != self.image_shape:
            raise ValueError(
                f"x must have shape (batch, {', '.join(map(str, self.image_shape))}), "
                f"got {tuple(x.shape)}"
            )
        _one_hot(labels, self.num_classes, len(x))  # checks the labels
        features = self.features(x)  # (batch, num_features)
        logits = self.head(features).squeeze(1)
        if self.embed is not None:
            logits = logits + (self.embed(labels) * features).sum(dim=1)
        return logits
