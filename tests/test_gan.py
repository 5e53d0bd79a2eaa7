"""The game of the chapter "Generative adversarial networks" (``dlbook.gan``): the
latent vector, the two losses, the training loop and ``generate``."""

import math

import numpy as np
import pytest
import torch
from helpers.strategies import FAST, QUICK, tensors
from hypothesis import given
from hypothesis import strategies as st

from dlbook import dcgan, gan, toy2d
from dlbook._checks import TrainingDiverged

# --- the latent vector ----------------------------------------------------------------


def test_uniform_latent_lies_in_minus_one_one_and_is_seeded():
    z = gan.sample_latent(5000, 100, latent="uniform",
                          generator=torch.Generator().manual_seed(0))
    assert z.shape == (5000, 100)
    assert z.min() >= -1 and z.max() <= 1
    assert z.min() < -0.99 and z.max() > 0.99  # fills the interval
    assert abs(z.mean()) < 0.01 and abs(z.var() - 1 / 3) < 0.01  # uniform: var 1/3
    again = gan.sample_latent(5000, 100, latent="uniform",
                              generator=torch.Generator().manual_seed(0))
    assert torch.equal(z, again)
    normal = gan.sample_latent(5000, 100, generator=torch.Generator().manual_seed(0))
    assert normal.abs().max() > 1  # the default is a standard normal
    with pytest.raises(ValueError, match="latent must be one of"):
        gan.sample_latent(3, 2, latent="gaussian")
    with pytest.raises(ValueError, match="latent must be one of"):
        dcgan.ConvGenerator(latent="gaussian")


class _Recorder(torch.nn.Module):
    """A generator that remembers the noise it is given."""

    def __init__(self, latent):
        super().__init__()
        self.latent_dim, self.latent = 4, latent
        self.layer = torch.nn.Linear(4, 2)
        self.seen = []

    def forward(self, z):
        self.seen.append(z.detach().clone())
        return self.layer(z)


@pytest.mark.parametrize("latent", ["uniform", "normal"])
def test_train_gan_and_generate_draw_z_from_the_generators_distribution(latent):
    G = _Recorder(latent)
    gan.train_gan(G, toy2d.MLPDiscriminator(2, (8,)), toy2d.sample_ring(64, seed=0),
                  num_steps=20, batch_size=32, seed=0)
    gan.generate(G, 200, seed=0)
    z = torch.cat(G.seen)
    inside = bool(z.abs().max() <= 1)
    assert inside == (latent == "uniform")


def test_workshop_gan_trains_on_images_with_finite_losses():
    """A few steps of the workshop's networks on 8x8 images in [-1, 1]: the
    discriminator, much faster than the generator, learns to tell them apart."""
    torch.manual_seed(0)
    X = 2 * torch.rand(256, 1, 8, 8).round() - 1  # black-and-white noise images
    G = dcgan.ConvGenerator(image_shape=(1, 8, 8))
    D = dcgan.ConvDiscriminator((1, 8, 8))
    history = gan.train_gan(G, D, X, num_steps=40, batch_size=32, lr_g=1e-6,
                            lr_d=2e-3, seed=0)
    assert all(math.isfinite(v) for v in history.d_loss + history.g_loss)
    assert sum(history.d_loss[-5:]) / 5 < 0.5 * sum(history.d_loss[:5]) / 5
    images = gan.generate(G, 10, seed=0)
    assert images.shape == (10, 1, 8, 8) and images.abs().max() <= 1


# --- losses -------------------------------------------------------------------------


def test_losses_match_the_minimax_formulas():
    real_logits = torch.tensor([2.0, 0.5, -1.0])
    fake_logits = torch.tensor([-2.0, 0.3])
    d_real, d_fake = torch.sigmoid(real_logits), torch.sigmoid(fake_logits)
    expected_d = -torch.log(d_real).mean() - torch.log(1 - d_fake).mean()
    assert gan.discriminator_loss(real_logits, fake_logits) == pytest.approx(
        expected_d.item(), rel=1e-6)
    assert gan.generator_loss(fake_logits) == pytest.approx(
        -torch.log(d_fake).mean().item(), rel=1e-6)


def test_discriminator_guessing_costs_log_4():
    zeros = torch.zeros(6)  # logit 0: D = 1/2
    assert gan.discriminator_loss(zeros, zeros).item() == pytest.approx(math.log(4))


def test_loss_gradients_match_the_hand_derivation():
    """d/da of the losses, against autograd: (sigmoid(a) - label) / batch size."""
    real = torch.tensor([1.5, -0.5, 0.2, 3.0], requires_grad=True)
    fake = torch.tensor([-1.0, 0.7], requires_grad=True)
    gan.discriminator_loss(real, fake).backward()
    assert torch.allclose(real.grad, (torch.sigmoid(real) - 1).detach() / 4)
    assert torch.allclose(fake.grad, torch.sigmoid(fake).detach() / 2)
    fake.grad = None
    gan.generator_loss(fake).backward()
    # non-saturating: a strong push exactly when D rejects the fake (sigmoid small)
    assert torch.allclose(fake.grad, (torch.sigmoid(fake) - 1).detach() / 2)


def test_losses_are_stable_for_extreme_logits():
    big = torch.tensor([80.0, -80.0])
    assert torch.isfinite(gan.discriminator_loss(big, -big))
    assert torch.isfinite(gan.generator_loss(-big))
    assert gan.discriminator_loss(torch.tensor([80.0]), torch.tensor([-80.0])) < 1e-6
    assert gan.generator_loss(torch.tensor([-80.0])) == pytest.approx(80.0)


@QUICK
@given(real=tensors(1, 1, 8), fake=tensors(1, 1, 8))
def test_gan_losses_are_binary_cross_entropy(real, fake):
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    want = bce(real, torch.ones_like(real)) + bce(fake, torch.zeros_like(fake))
    assert torch.allclose(gan.discriminator_loss(real, fake), want, atol=1e-5)
    assert torch.allclose(gan.generator_loss(fake), bce(fake, torch.ones_like(fake)),
                          atol=1e-5)


# --- training -----------------------------------------------------------------------


def _toy(seed=0):
    torch.manual_seed(seed)
    return toy2d.MLPGenerator(2, 2, (16,)), toy2d.MLPDiscriminator(2, (16,))


def test_train_gan_records_history_and_is_seeded():
    X = toy2d.sample_ring(256, seed=0)
    runs = []
    for _ in range(2):
        G, D = _toy()
        history = gan.train_gan(G, D, X, num_steps=15, batch_size=32, seed=1)
        runs.append((history, G))
    history = runs[0][0]
    assert history.num_steps == 15
    assert len(history.g_loss) == len(history.d_real) == len(history.d_fake) == 15
    assert all(0 < p < 1 for p in history.d_real + history.d_fake)
    assert history.seconds > 0
    assert history.d_loss == runs[1][0].d_loss  # same seed, same run
    assert torch.equal(gan.generate(runs[0][1], 10, seed=0),
                       gan.generate(runs[1][1], 10, seed=0))


def test_discriminator_learns_to_separate_while_the_generator_is_slow():
    """With a tiny generator learning rate, D's loss falls well below log 4."""
    X = toy2d.sample_ring(512, seed=0)
    G, D = _toy()
    history = gan.train_gan(G, D, X, num_steps=60, batch_size=64, lr_g=1e-6,
                            lr_d=1e-2, seed=0)
    assert sum(history.d_loss[-10:]) / 10 < 0.5 * math.log(4)
    assert sum(history.d_real[-10:]) / 10 > sum(history.d_fake[-10:]) / 10 + 0.3


def test_conditional_training_runs_on_images():
    X, y = torch.rand(40, 1, 8, 8), torch.arange(40) % 4
    G = dcgan.ConvGenerator(8, (1, 8, 8), num_classes=4, channels=4)
    D = dcgan.ConvDiscriminator((1, 8, 8), num_classes=4, channels=4)
    history = gan.train_gan(G, D, X, y, num_steps=3, batch_size=8, seed=0)
    assert history.num_steps == 3 and all(math.isfinite(v) for v in history.g_loss)
    images = gan.generate(G, 6, torch.tensor([0, 1, 2, 3, 0, 1]), seed=0)
    assert images.shape == (6, 1, 8, 8)
    assert G.training  # generate() restores the mode it found


def test_train_gan_rejects_bad_arguments():
    X = toy2d.sample_ring(64, seed=0)
    G, D = _toy()
    with pytest.raises(ValueError, match="num_steps must be .*got 0"):
        gan.train_gan(G, D, X, num_steps=0)
    with pytest.raises(ValueError, match="batch_size .* exceeds"):
        gan.train_gan(G, D, X, num_steps=1, batch_size=65)
    with pytest.raises(ValueError, match="lr_d must be positive"):
        gan.train_gan(G, D, X, num_steps=1, batch_size=8, lr_d=0.0)
    with pytest.raises(ValueError, match="unconditional"):
        gan.train_gan(G, D, X, torch.zeros(64, dtype=torch.long), num_steps=1)
    with pytest.raises(ValueError, match="X must be a non-empty tensor"):
        gan.train_gan(G, D, torch.zeros(0, 2), num_steps=1)
    with pytest.raises(TypeError, match="discriminator must be a torch.nn.Module"):
        gan.train_gan(G, "D", X, num_steps=1)
    Gc = dcgan.ConvGenerator(8, (1, 8, 8), num_classes=4, channels=4)
    Dc = dcgan.ConvDiscriminator((1, 8, 8), num_classes=4, channels=4)
    images = torch.rand(16, 1, 8, 8)
    with pytest.raises(ValueError, match="need labels y of shape"):
        gan.train_gan(Gc, Dc, images, num_steps=1, batch_size=4)
    with pytest.raises(ValueError, match="both be conditional"):
        gan.train_gan(Gc, dcgan.ConvDiscriminator((1, 8, 8), channels=4), images,
                      num_steps=1, batch_size=4)


def test_generate_is_seeded_and_validates():
    G = toy2d.MLPGenerator()
    with pytest.raises(ValueError, match="n must be .*got 0"):
        gan.generate(G, 0)
    assert gan.generate(G, 4, seed=0).shape == (4, 2)
    assert torch.equal(gan.generate(G, 4, seed=0), gan.generate(G, 4, seed=0))
    assert not torch.equal(gan.generate(G, 4, seed=0), gan.generate(G, 4, seed=1))


@FAST
@given(n=st.integers(1, 6), seed=st.integers(0, 50))
def test_generate_draws_n_samples_reproducibly(n, seed):
    torch.manual_seed(0)
    generator = toy2d.MLPGenerator(latent_dim=2, out_dim=2, num_hiddens=(4,))
    out = gan.generate(generator, n, seed=seed)
    assert out.shape == (n, 2) and torch.equal(out, gan.generate(generator, n, seed=seed))


def test_ema_decay_gives_the_generator_its_averaged_weights():
    X = toy2d.sample_ring(256, seed=0)
    G, D = _toy()
    start = [w.detach().clone() for w in G.parameters()]
    gan.train_gan(G, D, X, num_steps=1, batch_size=32, ema_decay=0.5, seed=0)
    G2, D2 = _toy()
    gan.train_gan(G2, D2, X, num_steps=1, batch_size=32, seed=0)
    # one step: the average is halfway between the start and the trained weights
    for w, w0, w1 in zip(G.parameters(), start, G2.parameters()):
        assert torch.allclose(w, 0.5 * w0 + 0.5 * w1, atol=1e-6)
    with pytest.raises(ValueError, match=r"ema_decay must be in \(0, 1\), got 1.0"):
        gan.train_gan(G, D, X, num_steps=1, batch_size=32, ema_decay=1.0)



# --- a game that goes wrong stops, and says where -------------------------------------


class _Poisoned(torch.nn.Module):
    """A discriminator whose logits turn NaN on the calls ``poison`` picks.

    ``train_gan`` calls it twice a step: for D's move (calls 1, 3, 5, ...), then for
    G's (calls 2, 4, 6, ...).
    """

    num_classes = None

    def __init__(self, poison):
        super().__init__()
        self.net, self.poison, self.calls = toy2d.MLPDiscriminator(2, (8,)), poison, 0

    def forward(self, x):
        self.calls += 1
        logits = self.net(x)
        return logits * float("nan") if self.poison(self.calls) else logits


@pytest.mark.parametrize("poison, loss, where", [
    (lambda call: call >= 5, "discriminator's", "epoch 2, step 3"),
    (lambda call: call == 4, "generator's", "epoch 1, step 2"),
], ids=["D", "G"])
def test_a_loss_that_becomes_nan_stops_training_naming_the_step_and_epoch(poison, loss,
                                                                          where):
    X = toy2d.sample_ring(64, seed=0)  # 64 / 32: two steps an epoch
    G, D = toy2d.MLPGenerator(2, 2, (8,)), _Poisoned(poison)
    with pytest.raises(TrainingDiverged, match=rf"the {loss} loss became nan at {where}: "
                                               r"training diverged\. Try a smaller "
                                               r"learning rate"):
        gan.train_gan(G, D, X, num_steps=10, batch_size=32, seed=0)


def test_an_infinite_loss_stops_training():
    """A discriminator so sure that every sample is fake that ``-mean log D(x)``
    overflows."""
    X = toy2d.sample_ring(64, seed=0)
    G, D = toy2d.MLPGenerator(2, 2, (8,)), toy2d.MLPDiscriminator(2, (8,))
    with torch.no_grad():  # logit -3e38 for every point: 32 of them sum to -inf
        D.net[-1].weight.zero_()
        D.net[-1].bias.fill_(-3e38)
    with pytest.raises(TrainingDiverged, match=r"discriminator's loss became inf at "
                                               r"epoch 1, step 1"):
        gan.train_gan(G, D, X, num_steps=3, batch_size=32, seed=0)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_data_with_nan_or_inf_is_refused_before_training(bad):
    X = toy2d.sample_ring(64, seed=0)
    X[5, 1] = bad
    G, D = toy2d.MLPGenerator(2, 2, (8,)), toy2d.MLPDiscriminator(2, (8,))
    before = [w.clone() for w in G.parameters()]
    with pytest.raises(ValueError, match=r"X contains 1 NaN or infinite value"):
        gan.train_gan(G, D, X, num_steps=3, batch_size=32)
    assert all(torch.equal(w, w0) for w, w0 in zip(G.parameters(), before))


def test_data_of_another_dtype_than_the_discriminator_is_named():
    X = toy2d.sample_ring(64, seed=0).double()
    G, D = toy2d.MLPGenerator(2, 2, (8,)), toy2d.MLPDiscriminator(2, (8,))
    with pytest.raises(TypeError, match=r"X has dtype torch.float64 but the model's "
                                        r"weights are torch.float32"):
        gan.train_gan(G, D, X, num_steps=1, batch_size=8)


def test_train_gan_takes_numpy_and_torch_scalars():
    X = toy2d.sample_ring(64, seed=0)
    runs = []
    for cast in (lambda v: v, np.float64, torch.tensor):
        torch.manual_seed(0)
        G, D = toy2d.MLPGenerator(2, 2, (8,)), toy2d.MLPDiscriminator(2, (8,))
        history = gan.train_gan(G, D, X, num_steps=int(cast(3)), batch_size=np.int64(16),
                                lr_g=cast(1e-3), lr_d=cast(1e-3), ema_decay=cast(0.5),
                                seed=np.int64(1))
        runs.append(history.d_loss)
    assert runs[0] == runs[1] == runs[2]


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(lr_g=float("nan")), ValueError, "lr_g must be a finite number"),
    (dict(lr_g="1e-3"), TypeError, "lr_g must be a number"),
    (dict(batch_size=8.0), TypeError, "batch_size must be an int"),
    (dict(seed=-1), ValueError, r"seed must be in \[0, 4294967296\)"),
    (dict(ema_decay=0.0), ValueError, r"ema_decay must be in \(0, 1\)"),
])
def test_train_gan_names_the_bad_setting(kwargs, error, match):
    X = toy2d.sample_ring(64, seed=0)
    G, D = toy2d.MLPGenerator(2, 2, (8,)), toy2d.MLPDiscriminator(2, (8,))
    with pytest.raises(error, match=match):
        gan.train_gan(G, D, X, **{"num_steps": 1, "batch_size": 8, **kwargs})


def test_a_generator_without_latent_dim_is_named():
    X = toy2d.sample_ring(64, seed=0)
    with pytest.raises(TypeError, match="generator must have a latent_dim attribute"):
        gan.train_gan(torch.nn.Linear(2, 2), toy2d.MLPDiscriminator(2, (8,)), X,
                      num_steps=1, batch_size=8)
