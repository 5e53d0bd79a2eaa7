"""Generative adversarial networks: a generator, a discriminator and their game.

The generator ``G`` turns noise ``z`` (see :func:`sample_latent`) into a sample; the
discriminator ``D`` turns a sample into a logit, the log-odds that the sample is real.
They play

    min_G max_D  E_x[log D(x)] + E_z[log(1 - D(G(z)))]

(chapter "Generative adversarial networks"). Two pairs of networks live here: small
MLPs for points in the plane, where mode collapse can be seen and counted, and
DCGAN-style convolutional networks for images (by default the workshop's lab: latent
vectors of size 100, uniform in [-1, 1], and for 28x28 images a first layer
``Linear(100, 3136)``), optionally told the class to draw. One training loop,
:func:`train_gan`, serves both; it knows nothing of specific models.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from dlbook.utils import get_device


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def _positive_float(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a positive number, got {value!r}")
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be positive and finite, got {value}")
    return float(value)


# --- the latent vector -----------------------------------------------------------

LATENTS = ("normal", "uniform")


def _check_latent(latent) -> str:
    if latent not in LATENTS:
        raise ValueError(f"latent must be one of {LATENTS}, got {latent!r}")
    return latent


def sample_latent(n: int, latent_dim: int, *, latent: str = "normal",
                  generator: torch.Generator | None = None) -> torch.Tensor:
    """Draw ``n`` noise vectors ``z``, the generator's input.

    Args:
        n: number of vectors.
        latent_dim: size of each vector.
        latent: ``"normal"`` for ``z ~ N(0, I)``; ``"uniform"`` for every entry
            uniform in [-1, 1], as in the workshop's lab.
        generator: a ``torch.Generator`` that fixes the draw.

    Returns:
        ``(n, latent_dim)`` float tensor.
    """
    _positive_int("n", n)
    _positive_int("latent_dim", latent_dim)
    if _check_latent(latent) == "uniform":
        return 2 * torch.rand(n, latent_dim, generator=generator) - 1
    return torch.randn(n, latent_dim, generator=generator)


# --- a toy distribution: a ring of Gaussians ---------------------------------------


def ring_centers(num_modes: int = 8, radius: float = 2.0) -> torch.Tensor:
    """The means of the ring: ``num_modes`` points evenly spaced on a circle.

    Returns:
        ``(num_modes, 2)`` tensor; mode ``k`` sits at angle ``2 pi k / num_modes``.
    """
    _positive_int("num_modes", num_modes)
    _positive_float("radius", radius)
    angles = 2 * math.pi * torch.arange(num_modes) / num_modes
    return radius * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)


def sample_ring(n: int, *, num_modes: int = 8, radius: float = 2.0, std: float = 0.05,
                seed: int = 0) -> torch.Tensor:
    """Draw ``n`` points from an equal mixture of Gaussians on a ring.

    Args:
        n: number of points.
        num_modes: number of Gaussians (modes), see :func:`ring_centers`.
        radius: radius of the ring.
        std: standard deviation of each Gaussian, the same along both axes.
        seed: fixes the draw.

    Returns:
        ``(n, 2)`` float tensor.
    """
    _positive_int("n", n)
    _positive_float("std", std)
    centers = ring_centers(num_modes, radius)
    g = torch.Generator().manual_seed(seed)
    modes = torch.randint(num_modes, (n,), generator=g)
    return centers[modes] + std * torch.randn(n, 2, generator=g)


@dataclass(frozen=True)
class ModeCoverage:
    """How a set of samples spreads over the modes of a mixture.

    ``counts[k]`` is the number of samples whose nearest mode is ``k`` and that lie
    within ``max_distance`` of it; ``covered`` counts the modes holding at least
    ``min_share`` of all samples; ``share_near`` is the share of samples near any mode.
    """

    counts: torch.Tensor
    covered: int
    share_near: float


def mode_coverage(samples: torch.Tensor, centers: torch.Tensor, *, max_distance: float,
                  min_share: float = 0.02) -> ModeCoverage:
    """Count the modes of a mixture that a set of samples covers.

    Args:
        samples: ``(n, d)`` points, for example from a generator.
        centers: ``(num_modes, d)`` means of the mixture.
        max_distance: a sample farther than this from every mode is off the data.
        min_share: a mode is covered when at least this share of samples is near it.

    Returns:
        A :class:`ModeCoverage`.
    """
    if not isinstance(samples, torch.Tensor) or samples.dim() != 2 or len(samples) == 0:
        raise ValueError(f"samples must be a non-empty (n, d) tensor, got "
                         f"{getattr(samples, 'shape', type(samples).__name__)}")
    if centers.dim() != 2 or centers.shape[1] != samples.shape[1]:
        raise ValueError(f"centers must have shape (num_modes, {samples.shape[1]}), "
                         f"got {tuple(centers.shape)}")
    _positive_float("max_distance", max_distance)
    if not 0 < min_share <= 1:
        raise ValueError(f"min_share must be in (0, 1], got {min_share}")
    distance, nearest = torch.cdist(samples.float(), centers.float()).min(dim=1)
    near = distance <= max_distance
    counts = torch.bincount(nearest[near], minlength=len(centers))
    covered = int((counts >= min_share * len(samples)).sum())
    return ModeCoverage(counts, covered, near.float().mean().item())


# --- networks for points in the plane ----------------------------------------------


def _mlp(in_features: int, out_features: int, num_hiddens: Sequence[int],
         activation: type[nn.Module]) -> nn.Sequential:
    if (not isinstance(num_hiddens, Sequence) or not num_hiddens
            or not all(isinstance(h, int) and not isinstance(h, bool) and h > 0
                       for h in num_hiddens)):
        raise ValueError("num_hiddens must be a non-empty sequence of positive ints, "
                         f"got {num_hiddens!r}")
    layers: list[nn.Module] = []
    width = in_features
    for h in num_hiddens:
        layers += [nn.Linear(width, h), activation()]
        width = h
    layers.append(nn.Linear(width, out_features))
    return nn.Sequential(*layers)


class MLPGenerator(nn.Module):
    """``G(z)``: a fully-connected network from noise ``(batch, latent_dim)`` to points.

    Args:
        latent_dim: size of the noise vector ``z``.
        out_dim: size of a generated point.
        num_hiddens: widths of the hidden layers (ReLU).
        latent: the distribution of ``z``, see :func:`sample_latent`.
    """

    num_classes = None

    def __init__(self, latent_dim: int = 2, out_dim: int = 2,
                 num_hiddens: Sequence[int] = (128, 128), latent: str = "normal"):
        super().__init__()
        self.latent_dim = _positive_int("latent_dim", latent_dim)
        self.latent = _check_latent(latent)
        self.out_dim = _positive_int("out_dim", out_dim)
        self.net = _mlp(latent_dim, out_dim, num_hiddens, nn.ReLU)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """``(batch, latent_dim)`` -> ``(batch, out_dim)``."""
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (batch, {self.latent_dim}), "
                             f"got {tuple(z.shape)}")
        return self.net(z)


class MLPDiscriminator(nn.Module):
    """``D(x)``: a fully-connected network from points to one real-vs-fake logit.

    Args:
        in_dim: size of one point.
        num_hiddens: widths of the hidden layers (LeakyReLU).
    """

    num_classes = None

    def __init__(self, in_dim: int = 2, num_hiddens: Sequence[int] = (128, 128)):
        super().__init__()
        self.in_dim = _positive_int("in_dim", in_dim)
        self.net = _mlp(in_dim, 1, num_hiddens, nn.LeakyReLU)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, in_dim)`` -> logits ``(batch,)``."""
        if x.dim() != 2 or x.shape[1] != self.in_dim:
            raise ValueError(f"x must have shape (batch, {self.in_dim}), "
                             f"got {tuple(x.shape)}")
        return self.net(x).squeeze(1)


# --- convolutional networks for images (DCGAN) -------------------------------------


def _check_image_shape(image_shape: Sequence[int]) -> tuple[int, int, int]:
    if (not isinstance(image_shape, Sequence) or len(image_shape) != 3
            or not all(isinstance(s, int) and s > 0 for s in image_shape)):
        raise ValueError(
            f"image_shape must be (channels, height, width) of positive ints, "
            f"got {image_shape!r}"
        )
    c, h, w = image_shape
    if h % 4 or w % 4:
        raise ValueError(f"height and width must be multiples of 4, got {h}x{w}")
    return c, h, w


def _check_classes(num_classes) -> int | None:
    if num_classes is not None and (isinstance(num_classes, bool)
                                    or not isinstance(num_classes, int)
                                    or num_classes < 2):
        raise ValueError(
            f"num_classes must be None or an int >= 2, got {num_classes!r}")
    return num_classes


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
    return F.one_hot(labels.long(), num_classes).float()


class ConvGenerator(nn.Module):
    """DCGAN generator, the workshop's: noise -> small feature maps -> two transposed
    convolutions.

    ``z -> linear (no bias) -> BN -> LeakyReLU -> reshape (2 * channels, H/4, W/4)
    -> convT(4, stride 2) -> BN -> LeakyReLU -> convT(4, stride 2) -> tanh``. Each transposed
    convolution doubles the height and the width, ``H/4 -> H/2 -> H``, so the same
    class draws 8x8 digits and 28x28 MNIST; with the defaults on 28x28 the first layer
    is the workshop's ``Linear(100, 64 * 7 * 7 = 3136)``. The layers followed by batch
    normalisation have no bias, which the normalisation would subtract again. Pixels
    come out in [-1, 1], the range of tanh: scale the data to match.

    Args:
        latent_dim: size of the noise vector ``z``.
        image_shape: ``(channels, height, width)``; height and width multiples of 4.
        num_classes: ``None`` for an unconditional generator; otherwise the one-hot
            label is appended to ``z`` and the generator draws the class it is told.
        channels: feature maps after the first transposed convolution; the smallest
            feature map has twice as many.
        latent: the distribution of ``z``, see :func:`sample_latent`;
            :func:`train_gan` and :func:`generate` draw from it.
    """

    def __init__(self, latent_dim: int = 100, image_shape: Sequence[int] = (1, 28, 28),
                 num_classes: int | None = None, channels: int = 32,
                 latent: str = "uniform"):
        super().__init__()
        self.latent_dim = _positive_int("latent_dim", latent_dim)
        self.image_shape = _check_image_shape(image_shape)
        self.num_classes = _check_classes(num_classes)
        self.latent = _check_latent(latent)
        _positive_int("channels", channels)
        c, h, w = self.image_shape
        self._start = (2 * channels, h // 4, w // 4)
        in_features = latent_dim + (num_classes or 0)
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
    no batch normalisation: :func:`train_gan` shows it real and generated images in
    one batch, and shared batch statistics would blur the difference it must find.
    A conditional discriminator adds the projection of the class embedding on the
    features, ``logit = w.h + e_y.h``, so it judges whether an image is a real
    example *of its label*.

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
        _positive_int("channels", channels)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) \
                or not 0 <= dropout < 1:
            raise ValueError(f"dropout must be a number in [0, 1), got {dropout!r}")
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
        self.embed = (nn.Embedding(num_classes, num_features)
                      if num_classes is not None else None)

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


# --- the game ----------------------------------------------------------------------


def discriminator_loss(real_logits: torch.Tensor,
                       fake_logits: torch.Tensor) -> torch.Tensor:
    """``-mean log D(x) - mean log(1 - D(G(z)))``, computed stably from logits.

    The discriminator's side of the minimax game: binary cross-entropy with label 1
    for real samples and 0 for generated ones, each term averaged over its batch.
    """
    bce = F.binary_cross_entropy_with_logits
    return (bce(real_logits, torch.ones_like(real_logits))  # -mean log D(x)
            + bce(fake_logits, torch.zeros_like(fake_logits)))  # -mean log(1 - D(G(z)))


def generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """``-mean log D(G(z))``: the non-saturating loss of the generator.

    Minimising ``log(1 - D(G(z)))``, the generator's side of the minimax game, gives
    almost no gradient while ``D`` easily rejects the samples; this loss has the
    same fixed point and a strong gradient exactly then.
    """
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


@dataclass
class GANHistory:
    """Per-step record of :func:`train_gan`: both losses and ``D``'s mean verdicts."""

    d_loss: list[float] = field(default_factory=list)
    g_loss: list[float] = field(default_factory=list)
    d_real: list[float] = field(default_factory=list)  # mean D(x) on real samples
    d_fake: list[float] = field(default_factory=list)  # mean D(G(z)) before G's step
    seconds: float = 0.0

    @property
    def num_steps(self) -> int:
        return len(self.d_loss)


def _conditional(model: nn.Module) -> bool:
    return getattr(model, "num_classes", None) is not None


def _latent(generator: nn.Module) -> str:
    """The distribution of ``z`` the generator was built for; ``"normal"`` if unsaid."""
    return _check_latent(getattr(generator, "latent", "normal"))


def _call(model: nn.Module, x: torch.Tensor, labels: torch.Tensor | None):
    """``model(x)``, or ``model(x, labels)`` for a conditional network."""
    return model(x) if labels is None else model(x, labels)


def train_gan(generator: nn.Module, discriminator: nn.Module, X: torch.Tensor,
              y: torch.Tensor | None = None, *, num_steps: int = 1000,
              batch_size: int = 64, lr_g: float = 2e-4, lr_d: float = 2e-4,
              betas: tuple[float, float] = (0.5, 0.999), ema_decay: float | None = None,
              seed: int = 0, device=None, progress: bool = False) -> GANHistory:
    """Train a GAN by alternating one Adam step of ``D`` and one of ``G``.

    Each step draws a mini-batch of real samples and as many noise vectors (from the
    generator's ``latent`` distribution, see :func:`sample_latent`), and generates a
    fake from each. ``D`` takes a step on :func:`discriminator_loss` (the
    max of the game), then ``G`` takes one on :func:`generator_loss` against the
    updated ``D`` (the min). When the networks are conditional (``num_classes`` set)
    both get the labels ``y`` of the real batch: the generator draws a fake of each
    of those classes, so fakes and real images have the same classes.

    Args:
        generator: maps ``(batch, latent_dim)`` noise [and labels] to samples; has a
            ``latent_dim`` attribute, and a ``latent`` one unless ``z`` is normal.
        discriminator: maps samples [and labels] to logits ``(batch,)``.
        X: the real data, ``(N, ...)``, in the range of the generator's output
            ([-1, 1] for :class:`ConvGenerator`).
        y: labels ``(N,)``; needed exactly when the networks are conditional.
        num_steps: number of (D step, G step) pairs.
        batch_size: real samples per step, and fakes per step.
        lr_g, lr_d: Adam learning rates of the generator and the discriminator; their
            ratio sets who moves faster in the game.
        betas: Adam's betas; DCGAN's (0.5, 0.999) keep the momentum short.
        ema_decay: ``None`` keeps the generator's last weights. A number ``d`` in
            (0, 1) keeps an exponential moving average of them instead,
            ``w_avg <- d w_avg + (1 - d) w`` after every step, and gives it to the
            generator at the end: averaging over the last ``1 / (1 - d)`` or so
            steps smooths out the oscillation of the game.
        seed: fixes the mini-batches and the noise.
        device: where to train, chosen by :func:`dlbook.utils.get_device`.
        progress: write the losses to stderr ten times during the run.

    Returns:
        The :class:`GANHistory`; both networks are trained in place.
    """
    for name, model in (("generator", generator), ("discriminator", discriminator)):
        if not isinstance(model, nn.Module):
            raise TypeError(
                f"{name} must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(X, torch.Tensor) or X.dim() < 2 or len(X) == 0:
        raise ValueError("X must be a non-empty tensor of shape (N, ...)")
    conditional = _conditional(generator)
    if conditional != _conditional(discriminator):
        raise ValueError("the generator and the discriminator must both be conditional "
                         "or both unconditional")
    if conditional and (y is None or y.shape != (len(X),)):
        raise ValueError(f"conditional networks need labels y of shape ({len(X)},)")
    if not conditional and y is not None:
        raise ValueError("y was given, but the networks are unconditional")
    _positive_int("num_steps", num_steps)
    _positive_int("batch_size", batch_size)
    _positive_float("lr_g", lr_g)
    _positive_float("lr_d", lr_d)
    if batch_size > len(X):
        raise ValueError(
            f"batch_size ({batch_size}) exceeds the {len(X)} examples of X")
    if ema_decay is not None and not 0 < ema_decay < 1:
        raise ValueError(f"ema_decay must be None or in (0, 1), got {ema_decay}")

    latent = _latent(generator)

    device = get_device(device)
    generator.to(device).train()
    discriminator.to(device).train()
    fused = device.type in ("cpu", "cuda")  # one kernel per update: fast for small nets
    opt_g = torch.optim.Adam(generator.parameters(), lr=lr_g, betas=betas, fused=fused)
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=lr_d, betas=betas,
                             fused=fused)
    rng = torch.Generator().manual_seed(seed)
    weights = list(generator.parameters())
    averaged = None if ema_decay is None else [w.detach().clone() for w in weights]
    history = GANHistory()
    start = time.perf_counter()
    for step in range(1, num_steps + 1):
        idx = torch.randint(len(X), (batch_size,), generator=rng)
        real = X[idx].to(device)
        z = sample_latent(batch_size, generator.latent_dim, latent=latent,
                          generator=rng).to(device)
        labels = y[idx].to(device) if conditional else None
        fake = _call(generator, z, labels)

        # The discriminator's move (max over D): real -> 1, fake -> 0. One pass over
        # both halves; detach() keeps this step from reaching into G.
        both = _call(discriminator, torch.cat([real, fake.detach()]),
                     None if labels is None else torch.cat([labels, labels]))
        real_logits, fake_logits = both[:batch_size], both[batch_size:]
        loss_d = discriminator_loss(real_logits, fake_logits)
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()

        # The generator's move (min over G), against the updated D. D's weights stay
        # as they are; only the gradient with respect to the fake images is needed.
        discriminator.requires_grad_(False)
        loss_g = generator_loss(_call(discriminator, fake, labels))
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        discriminator.requires_grad_(True)
        if averaged is not None:
            with torch.no_grad():
                for w_avg, w in zip(averaged, weights):
                    w_avg.lerp_(w, 1 - ema_decay)  # w_avg + (1 - d) (w - w_avg)

        history.d_loss.append(loss_d.item())
        history.g_loss.append(loss_g.item())
        history.d_real.append(torch.sigmoid(real_logits.detach()).mean().item())
        history.d_fake.append(torch.sigmoid(fake_logits.detach()).mean().item())
        if progress and step % max(1, num_steps // 10) == 0:
            print(f"step {step:5d}/{num_steps}  D loss {history.d_loss[-1]:.3f}  "
                  f"G loss {history.g_loss[-1]:.3f}", file=sys.stderr, flush=True)
    if averaged is not None:
        with torch.no_grad():
            for w, w_avg in zip(weights, averaged):
                w.copy_(w_avg)
    history.seconds = time.perf_counter() - start
    return history


@torch.no_grad()
def generate(generator: nn.Module, n: int, labels: torch.Tensor | None = None, *,
             seed: int = 0) -> torch.Tensor:
    """Draw ``n`` samples from a trained generator, in evaluation mode, on the CPU.

    Args:
        generator: a generator with a ``latent_dim`` attribute (and ``latent``, the
            distribution of ``z``, unless it is normal).
        n: number of samples.
        labels: ``(n,)`` classes to draw, for a conditional generator.
        seed: fixes the noise.
    """
    _positive_int("n", n)
    g = torch.Generator().manual_seed(seed)
    z = sample_latent(n, generator.latent_dim, latent=_latent(generator), generator=g)
    device = next(generator.parameters()).device
    was_training = generator.training
    generator.eval()
    args = () if labels is None else (labels.to(device),)
    samples = generator(z.to(device), *args).cpu()
    generator.train(was_training)
    return samples


@dataclass(frozen=True)
class Verdict:
    """What a classifier makes of generated images (see :func:`judge`)."""

    predicted: torch.Tensor  # (n,) most probable class of each sample
    confidence: torch.Tensor  # (n,) its probability
    share_confident: float  # share of samples with confidence >= threshold
    class_shares: torch.Tensor  # (num_classes,) share of samples predicted per class


def judge(probs: torch.Tensor, *, threshold: float = 0.9) -> Verdict:
    """Summarise a classifier's probabilities for generated images.

    A good generator of digits draws images that a good classifier recognises with
    confidence (sharp digits, not blends) and in all classes alike (no collapse).

    Args:
        probs: ``(n, num_classes)`` class probabilities, rows summing to 1
            (to within 1e-3).
        threshold: the confidence that counts as recognised.
    """
    if not isinstance(probs, torch.Tensor) or probs.dim() != 2 or len(probs) == 0:
        raise ValueError("probs must be a non-empty (n, num_classes) tensor")
    p = probs.double()
    sums = p.sum(dim=1)  # (n,)
    # Logits or unnormalised scores would give a verdict that means nothing.
    if not (torch.isfinite(p).all() and p.min() >= 0 and p.max() <= 1
            and (sums - 1).abs().max() <= 1e-3):
        raise ValueError(
            f"probs must be class probabilities, entries in [0, 1] with each row "
            f"summing to 1 (the softmax of logits); got entries in [{p.min():.3g}, "
            f"{p.max():.3g}] and row sums in [{sums.min():.3g}, {sums.max():.3g}]")
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    confidence, predicted = probs.max(dim=1)
    shares = torch.bincount(predicted, minlength=probs.shape[1]).float() / len(probs)
    share_confident = (confidence >= threshold).float().mean().item()
    return Verdict(predicted, confidence, share_confident, shares)


def class_spread(images: torch.Tensor, labels: torch.Tensor) -> float:
    """Mean Euclidean distance between two images of the same class, over the classes.

    The classifier-based :func:`judge` cannot see a generator that draws one perfect
    image of each class over and over; this measure can. Compare it with the same
    number for real images: the closer, the more varied the generated ones.

    Args:
        images: ``(n, ...)`` images.
        labels: ``(n,)`` their classes; every class present needs two images or more.

    Returns:
        The mean over classes of the mean pairwise distance within the class (pairs
        of an image with itself included, as zeros).
    """
    if not isinstance(images, torch.Tensor) or images.dim() < 2 or len(images) < 2:
        raise ValueError("images must be a tensor (n, ...) with n >= 2")
    if labels.shape != (len(images),):
        raise ValueError(f"labels must have shape ({len(images)},), "
                         f"got {tuple(labels.shape)}")
    spreads = []
    for k in labels.unique():
        members = images[labels == k].flatten(1).float()  # (n_k, pixels)
        if len(members) < 2:
            raise ValueError(f"class {int(k)} has a single image: no pairs to compare")
        spreads.append(torch.cdist(members, members).mean())
    return torch.stack(spreads).mean().item()
