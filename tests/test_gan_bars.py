"""The quality bars of the chapter "Generative adversarial networks", at the chapter's
own settings (the quick profile, ``book/gan.md``): the conditional DCGAN trains on the
8x8 digits in under a minute, and the lab's CNN recognises at least 80% of 1,000
generated digits with confidence >= 0.9, with every class at least 5% of them; the
toy GAN collapses when its generator outpaces the discriminator and covers all eight
modes when they are balanced.

Slow (a minute or so on two cores); the cheap checks of the same code are in
``test_gan.py``.
"""

import pytest
import torch

from dlbook import gan
from dlbook.data import load_digits
from dlbook.models import CNN
from dlbook.training import fit, predict
from dlbook.utils import set_seed

pytestmark = pytest.mark.slow

# the chapter's SETTINGS["quick"]
CHANNELS, NUM_STEPS, BATCH_SIZE, LR, EMA_DECAY = 16, 400, 128, 2e-3, 0.98
JUDGE_EPOCHS, LATENT_DIM = 10, 32


@pytest.fixture(scope="module")
def data():
    return load_digits(seed=0)


@pytest.fixture(scope="module")
def judge(data):
    set_seed(0)
    net = CNN(data.input_shape, data.num_classes, channels=(16, 32))
    fit(net, (data.X_train, data.y_train), (data.X_val, data.y_val),
        num_epochs=JUDGE_EPOCHS, optimizer="adam", lr=3e-3, batch_size=64, shuffle=True,
        seed=0, progress=False)
    return net


def test_digit_gan_meets_the_bars(data, judge):
    set_seed(0)
    G = gan.ConvGenerator(LATENT_DIM, data.input_shape, num_classes=10,
                          channels=CHANNELS)
    D = gan.ConvDiscriminator(data.input_shape, num_classes=10, channels=CHANNELS)
    history = gan.train_gan(G, D, data.X_train, data.y_train, num_steps=NUM_STEPS,
                            batch_size=BATCH_SIZE, lr_g=LR, lr_d=LR,
                            ema_decay=EMA_DECAY, seed=0)
    assert history.seconds < 60
    requested = torch.arange(1000) % 10
    samples = gan.generate(G, 1000, requested, seed=3)
    verdict = gan.judge(predict(judge, samples), threshold=0.9)
    assert verdict.share_confident >= 0.8
    assert verdict.class_shares.min() >= 0.05
    assert (verdict.predicted == requested).float().mean() >= 0.9
    # and not one image per class drawn over and over: at least 60% of the variety
    # of real digits of the same class
    spread_real = gan.class_spread(data.X_test, data.y_test)
    assert gan.class_spread(samples, requested) >= 0.6 * spread_real


@pytest.mark.parametrize("seed", [0, 1, 2])  # 0 is the chapter's
def test_toy_collapse_and_cure(seed):
    X = gan.sample_ring(4096, std=0.1, seed=0)
    centers = gan.ring_centers()
    covered = {}
    for name, (lr_g, lr_d) in {"fast": (5e-3, 5e-4), "balanced": (2e-3, 2e-3)}.items():
        set_seed(seed)
        G, D = gan.MLPGenerator(), gan.MLPDiscriminator()
        gan.train_gan(G, D, X, num_steps=400, batch_size=256, lr_g=lr_g, lr_d=lr_d,
                      seed=seed)
        covered[name] = gan.mode_coverage(gan.generate(G, 2000, seed=1), centers,
                                          max_distance=0.3).covered
    assert covered["fast"] <= 2
    assert covered["balanced"] == 8
