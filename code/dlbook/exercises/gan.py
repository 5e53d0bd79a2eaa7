"""Checkers for the exercises of the chapter "Generative adversarial networks"."""

from __future__ import annotations

import math

import numpy as np

from dlbook.exercises import Feedback
from dlbook.exercises._answers import checker, number

# The discriminator's verdicts D(x) on a batch of four real images and D(G(z)) on a
# batch of four generated ones, used by the exercise on the discriminator's loss.
D_REAL = (0.9, 0.8, 0.6, 0.7)
D_FAKE = (0.3, 0.1, 0.2, 0.5)


def _d_loss(d_real, d_fake, log=np.log) -> float:
    d_real, d_fake = np.asarray(d_real, float), np.asarray(d_fake, float)
    return float(-np.mean(log(d_real)) - np.mean(log(1 - d_fake)))


@checker
def check_discriminator_loss(value, d_real=D_REAL, d_fake=D_FAKE) -> Feedback:
    """Check the discriminator's loss ``-mean log D(x) - mean log(1 - D(G(z)))``.

    Args:
        value: the reader's loss, a number (or a one-element tensor).
        d_real: ``D(x)`` on the real batch, probabilities in (0, 1).
        d_fake: ``D(G(z))`` on the generated batch.
    """
    fb = Feedback("the discriminator's loss")
    got = number(fb, "the loss", value, finite=False, if_many="average over the batch")
    if not math.isfinite(got):
        return fb.fail("the loss is NaN or infinite: take the log of probabilities in "
                       "(0, 1), not of 0 or of a negative number.")
    r, f = np.asarray(d_real, float), np.asarray(d_fake, float)
    want = _d_loss(r, f)
    if math.isclose(got, want, rel_tol=1e-4, abs_tol=1e-6):
        return fb.note(f"L_D = {want:.4f}. At the equilibrium D = 1/2 everywhere and "
                       f"L_D = log 4 = {math.log(4):.4f}.")
    wrong = {
        "you flipped the sign: the discriminator maximises log D(x) + "
        "log(1 - D(G(z))), so its loss (to minimise) is the negative of that.": -want,
        "the real and the fake terms are swapped: real images should be pushed "
        "towards D = 1, so the real term is -log D(x) and the fake term "
        "-log(1 - D(G(z))).": _d_loss(1 - r, 1 - f),
        "only the real term: add -mean log(1 - D(G(z))) for the generated batch.":
            float(-np.mean(np.log(r))),
        "only the fake term: add -mean log D(x) for the real batch.":
            float(-np.mean(np.log(1 - f))),
        "you summed over the batch: the expectations are means, so divide each sum by "
        "the batch size.": float(-np.sum(np.log(r)) - np.sum(np.log(1 - f))),
        "you averaged the two terms: each term is a mean over its own batch, and the "
        "loss is their sum.": want / 2,
        "this is log base 10: use the natural logarithm (np.log, torch.log).":
            _d_loss(r, f, np.log10),
        "this is the generator's loss -mean log D(G(z)), not the discriminator's.":
            float(-np.mean(np.log(f))),
        "you used log(D(G(z))) instead of log(1 - D(G(z))) in the fake term.":
            float(-np.mean(np.log(r)) - np.mean(np.log(f))),
    }
    for message, value_if_so in wrong.items():
        if math.isclose(got, value_if_so, rel_tol=1e-4, abs_tol=1e-6):
            return fb.fail(f"got {got:.4f}: {message}")
    return fb.fail(f"got {got:.4f}, which is not the expected value. Write it term by "
                   "term: the mean of -log D(x) over the real batch, plus the mean of "
                   "-log(1 - D(G(z))) over the generated batch.")
