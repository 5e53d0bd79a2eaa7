"""Generative adversarial networks: the game of a generator and a discriminator.

The generator ``G`` turns noise ``z`` (see :func:`sample_latent`) into a sample; the
discriminator ``D`` turns a sample into a logit, the log-odds that the sample is real.
They play

    min_G max_D  E_x[log D(x)] + E_z[log(1 - D(G(z)))]

(chapter "Generative adversarial networks"). This module holds the game: the noise,
the two losses, the training loop :func:`train_gan` that alternates the players'
moves, and :func:`generate`. It knows nothing of specific networks; the chapter's
players are in :mod:`dlbook.toy2d` (points in the plane) and :mod:`dlbook.dcgan`
(images), and :mod:`dlbook.gan_eval` judges what a generator draws.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from dlbook import _checks
from dlbook.utils import get_device

# --- the latent vector -----------------------------------------------------------

LATENTS = ("normal", "uniform")


def _check_latent(latent) -> str:
    return _checks.choice("latent", latent, LATENTS)


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
    n = _checks.positive_int("n", n)
    latent_dim = _checks.positive_int("latent_dim", latent_dim)
    if _check_latent(latent) == "uniform":
        return 2 * torch.rand(n, latent_dim, generator=generator) - 1
    return torch.randn(n, latent_dim, generator=generator)


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


def _check_players(generator, discriminator, X, y) -> bool:
    """Check the networks and the data of :func:`train_gan`; True if conditional."""
    for name, model in (("generator", generator), ("discriminator", discriminator)):
        if not isinstance(model, nn.Module):
            raise TypeError(
                f"{name} must be a torch.nn.Module, got {type(model).__name__}")
    if not hasattr(generator, "latent_dim"):
        raise TypeError("generator must have a latent_dim attribute, the size of the "
                        "noise z it takes")
    _checks.positive_int("generator.latent_dim", generator.latent_dim)
    _latent(generator)
    weights = next(discriminator.parameters(), None)
    _checks.tensor("X", X, floating=True, finite=True,
                   float_dtype=None if weights is None else weights.dtype)
    if X.dim() < 2 or len(X) == 0:
        raise ValueError("X must be a non-empty tensor of shape (N, ...), got "
                         f"{tuple(X.shape)}")
    conditional = _conditional(generator)
    if conditional != _conditional(discriminator):
        raise ValueError("the generator and the discriminator must both be conditional "
                         "or both unconditional")
    if conditional and (not isinstance(y, torch.Tensor) or y.shape != (len(X),)):
        raise ValueError(f"conditional networks need labels y of shape ({len(X)},)")
    if not conditional and y is not None:
        raise ValueError("y was given, but the networks are unconditional")
    return conditional


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
        X: the real data, ``(N, ...)``, finite, of the discriminator's dtype and in
            the range of the generator's output ([-1, 1] for
            :class:`dlbook.dcgan.ConvGenerator`).
        y: labels ``(N,)``; needed exactly when the networks are conditional.
        num_steps: number of (D step, G step) pairs; an *epoch* is
            ``ceil(N / batch_size)`` of them.
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

    Raises:
        dlbook._checks.TrainingDiverged: a loss became NaN or infinite; the message
            names the loss, the step and the epoch.
    """
    conditional = _check_players(generator, discriminator, X, y)
    num_steps = _checks.positive_int("num_steps", num_steps)
    batch_size = _checks.positive_int("batch_size", batch_size)
    lr_g = _checks.positive("lr_g", lr_g)
    lr_d = _checks.positive("lr_d", lr_d)
    seed = _checks.seed(seed)
    if batch_size > len(X):
        raise ValueError(
            f"batch_size ({batch_size}) exceeds the {len(X)} examples of X")
    if ema_decay is not None:
        ema_decay = _checks.fraction("ema_decay", ema_decay)
    steps_per_epoch = math.ceil(len(X) / batch_size)

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
        epoch = (step - 1) // steps_per_epoch + 1
        _checks.finite_loss(history.d_loss[-1], epoch=epoch, step=step,
                            what="the discriminator's loss")
        _checks.finite_loss(history.g_loss[-1], epoch=epoch, step=step,
                            what="the generator's loss")
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
    n = _checks.positive_int("n", n)
    g = torch.Generator().manual_seed(_checks.seed(seed))
    z = sample_latent(n, generator.latent_dim, latent=_latent(generator), generator=g)
    device = next(generator.parameters()).device
    was_training = generator.training
    generator.eval()
    args = () if labels is None else (labels.to(device),)
    samples = generator(z.to(device), *args).cpu()
    generator.train(was_training)
    return samples
