"""The checker of the chapter "Generative adversarial networks" accepts the right
discriminator loss and names the slip behind wrong ones."""

import math

import numpy as np
import torch

from dlbook import gan
from dlbook.exercises.gan import D_FAKE, D_REAL, check_discriminator_loss

r, f = np.array(D_REAL), np.array(D_FAKE)
RIGHT = -np.mean(np.log(r)) - np.mean(np.log(1 - f))


def test_right_answer_in_any_form():
    assert check_discriminator_loss(RIGHT)
    assert check_discriminator_loss(torch.tensor(RIGHT))
    assert check_discriminator_loss([RIGHT])
    logit = lambda p: torch.logit(torch.tensor(p))  # noqa: E731
    loss = gan.discriminator_loss(logit(D_REAL), logit(D_FAKE))
    assert check_discriminator_loss(loss)
    assert "log 4" in str(check_discriminator_loss(RIGHT))


def test_names_the_slip():
    slips = {
        "flipped the sign": -RIGHT,
        "swapped": -np.mean(np.log(1 - r)) - np.mean(np.log(f)),
        "only the real term": -np.mean(np.log(r)),
        "only the fake term": -np.mean(np.log(1 - f)),
        "summed over the batch": -np.sum(np.log(r)) - np.sum(np.log(1 - f)),
        "averaged the two terms": RIGHT / 2,
        "log base 10": -np.mean(np.log10(r)) - np.mean(np.log10(1 - f)),
        "generator's loss": -np.mean(np.log(f)),
        "instead of log(1 - D(G(z)))": -np.mean(np.log(r)) - np.mean(np.log(f)),
    }
    for phrase, value in slips.items():
        fb = check_discriminator_loss(value)
        assert not fb, phrase
        assert phrase in str(fb), (phrase, str(fb))


def test_placeholders_and_odd_input_do_not_raise():
    assert not check_discriminator_loss(0.0)
    assert "not the expected value" in str(check_discriminator_loss(0.0))
    assert "one number, got 2 numbers (shape (2,)): average over the batch" in str(
        check_discriminator_loss([0.1, 0.2]))
    assert check_discriminator_loss(torch.tensor([RIGHT], requires_grad=True))
    assert "not the text" in str(check_discriminator_loss(str(RIGHT)))
    assert "NaN" in str(check_discriminator_loss(math.nan))
    assert check_discriminator_loss(...).pending  # the chapter's untouched cell
    assert check_discriminator_loss(None).pending


def test_other_batches():
    assert check_discriminator_loss(2 * math.log(2), d_real=[0.5], d_fake=[0.5])
    assert not check_discriminator_loss(RIGHT, d_real=[0.5], d_fake=[0.5])
