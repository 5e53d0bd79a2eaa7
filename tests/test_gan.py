"""The GAN of the chapter "Generative adversarial networks": data, networks, losses,
training loop and the judge of generated samples."""

import math

import pytest
import torch

from dlbook import gan

# --- the ring of Gaussians ---------------------------------------------------------


def test_ring_centers_lie_on_the_circle():
    centers = gan.ring_centers(8, radius=2.0)
    assert centers.shape == (8, 2)
    assert torch.allclose(centers.norm(dim=1), torch.full((8,), 2.0))
    assert torch.allclose(centers[0], torch.tensor([2.0, 0.0]))


def test_sample_ring_is_seeded_and_centred_on_modes():
    a = gan.sample_ring(500, std=0.05, seed=3)
    assert a.shape == (500, 2)
    assert torch.equal(a, gan.sample_ring(500, std=0.05, seed=3))
    assert not torch.equal(a, gan.sample_ring(500, std=0.05, seed=4))
    distance = torch.cdist(a, gan.ring_centers()).min(dim=1).values
    assert distance.max() < 0.05 * 6


@pytest.mark.parametrize("kwargs, match", [
    (dict(n=0), "n must be a positive int"),
    (dict(n=10, std=0.0), "std must be positive"),
    (dict(n=10, num_modes=0), "num_modes must be a positive int"),
])
def test_sample_ring_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gan.sample_ring(**kwargs)


def test_mode_coverage_counts_modes_and_quality():
    centers = gan.ring_centers(4, radius=1.0)
    near = centers[[0, 0, 1, 1, 2, 2]] + 0.01
    far = torch.tensor([[5.0, 5.0], [0.0, 0.0]])
    coverage = gan.mode_coverage(torch.cat([near, far]), centers, max_distance=0.1,
                                 min_share=0.2)
    assert coverage.counts.tolist() == [2, 2, 2, 0]
    assert coverage.covered == 3
    assert coverage.share_near == pytest.approx(6 / 8)
    # a stricter share: two of eight samples (25%) are not 30% of them
    assert gan.mode_coverage(torch.cat([near, far]), centers, max_distance=0.1,
                             min_share=0.3).covered == 0


def test_mode_coverage_rejects_bad_input():
    centers = gan.ring_centers()
    with pytest.raises(ValueError, match="samples must be a non-empty"):
        gan.mode_coverage(torch.zeros(0, 2), centers, max_distance=0.1)
    with pytest.raises(ValueError, match="centers must have shape"):
        gan.mode_coverage(torch.zeros(5, 3), centers, max_distance=0.1)
    with pytest.raises(ValueError, match="max_distance must be positive"):
        gan.mode_coverage(torch.zeros(5, 2), centers, max_distance=-1.0)
    with pytest.raises(ValueError, match="min_share"):
        gan.mode_coverage(torch.zeros(5, 2), centers, max_distance=0.1, min_share=0)


# --- networks -----------------------------------------------------------------------


def test_mlp_players_shapes_and_errors():
    G, D = gan.MLPGenerator(latent_dim=3, out_dim=2), gan.MLPDiscriminator(in_dim=2)
    x = G(torch.randn(7, 3))
    assert x.shape == (7, 2)
    assert D(x).shape == (7,)
    with pytest.raises(ValueError, match=r"z must have shape \(batch, 3\)"):
        G(torch.randn(7, 2))
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 2\)"):
        D(torch.randn(7, 3))
    with pytest.raises(ValueError, match="num_hiddens"):
        gan.MLPGenerator(num_hiddens=())


@pytest.mark.parametrize("image_shape", [(1, 8, 8), (1, 28, 28), (3, 16, 12)])
@pytest.mark.parametrize("num_classes", [None, 10])
def test_conv_players_shapes(image_shape, num_classes):
    G = gan.ConvGenerator(16, image_shape, num_classes=num_classes, channels=8)
    D = gan.ConvDiscriminator(image_shape, num_classes=num_classes, channels=8)
    labels = None if num_classes is None else torch.arange(5) % num_classes
    args = () if labels is None else (labels,)
    images = G(torch.randn(5, 16), *args)
    assert images.shape == (5, *image_shape)
    assert images.min() >= -1 and images.max() <= 1  # tanh: the data scaled to [-1, 1]
    assert D(images, *args).shape == (5,)


def test_workshop_generator_on_mnist_starts_with_linear_100_to_3136_without_bias():
    G = gan.ConvGenerator()  # the workshop's: latent 100, image (1, 28, 28)
    first, norm, act = G.project
    assert isinstance(first, torch.nn.Linear)
    assert (first.in_features, first.out_features) == (100, 64 * 7 * 7) == (100, 3136)
    assert first.bias is None
    assert isinstance(norm, torch.nn.BatchNorm1d) and norm.num_features == 3136
    assert isinstance(act, torch.nn.LeakyReLU)
    convT = [m for m in G.net if isinstance(m, torch.nn.ConvTranspose2d)]
    assert [(m.in_channels, m.out_channels) for m in convT] == [(64, 32), (32, 1)]
    assert isinstance(G.net[-1], torch.nn.Tanh)
    assert G.latent == "uniform" and G.latent_dim == 100
    G.eval()
    images = G(gan.sample_latent(6, 100, latent="uniform"))
    assert images.shape == (6, 1, 28, 28)
    assert images.min() >= -1 and images.max() <= 1
    # the feature maps on the way: 64 x 7 x 7 -> 32 x 14 x 14 -> 1 x 28 x 28
    start = G.project(torch.zeros(2, 100)).view(2, 64, 7, 7)
    assert G.net[:3](start).shape == (2, 32, 14, 14)


def _num_params(model):
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("size, g_params, d_params", [
    # the counts the chapter states (book/gan.md, glued from the same classes)
    (28, 100 * 3136 + 2 * 3136 + 64 * 32 * 16 + 2 * 32 + 32 * 16 + 1,
     (16 + 1) * 32 + (32 * 16 + 1) * 64 + 64 * 7 * 7 + 1),
    (8, 100 * 256 + 2 * 256 + 64 * 32 * 16 + 2 * 32 + 32 * 16 + 1,
     (16 + 1) * 32 + (32 * 16 + 1) * 64 + 64 * 2 * 2 + 1),
])
def test_parameter_counts_of_the_workshop_networks(size, g_params, d_params):
    assert _num_params(gan.ConvGenerator(image_shape=(1, size, size))) == g_params
    assert _num_params(gan.ConvDiscriminator((1, size, size))) == d_params
    assert {28: (353_217, 36_513), 8: (59_457, 33_633)}[size] == (g_params, d_params)


def test_digits_generator_starts_from_64_maps_of_2x2():
    G = gan.ConvGenerator(image_shape=(1, 8, 8))
    assert G.project[0].out_features == 64 * 2 * 2
    start = G.project(torch.zeros(2, 100)).view(2, 64, 2, 2)
    assert G.net[:3](start).shape == (2, 32, 4, 4)
    assert G(torch.zeros(2, 100)).shape == (2, 1, 8, 8)


def test_discriminator_drops_out_only_while_training():
    D = gan.ConvDiscriminator((1, 8, 8), dropout=0.5)
    drops = [m for m in D.features if isinstance(m, torch.nn.Dropout)]
    assert len(drops) == 2 and all(m.p == 0.5 for m in drops)
    x = torch.rand(4, 1, 8, 8)
    D.eval()
    assert torch.equal(D(x), D(x))
    D.train()
    torch.manual_seed(0)
    assert not torch.equal(D(x), D(x))
    with pytest.raises(ValueError, match=r"dropout must be a number in \[0, 1\)"):
        gan.ConvDiscriminator(dropout=1.0)


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
        gan.ConvGenerator(latent="gaussian")


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
    gan.train_gan(G, gan.MLPDiscriminator(2, (8,)), gan.sample_ring(64, seed=0),
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
    G = gan.ConvGenerator(image_shape=(1, 8, 8))
    D = gan.ConvDiscriminator((1, 8, 8))
    history = gan.train_gan(G, D, X, num_steps=40, batch_size=32, lr_g=1e-6,
                            lr_d=2e-3, seed=0)
    assert all(math.isfinite(v) for v in history.d_loss + history.g_loss)
    assert sum(history.d_loss[-5:]) / 5 < 0.5 * sum(history.d_loss[:5]) / 5
    images = gan.generate(G, 10, seed=0)
    assert images.shape == (10, 1, 8, 8) and images.abs().max() <= 1


def test_generator_upsamples_with_transposed_convolutions_and_d_downsamples():
    G = gan.ConvGenerator(8, (1, 28, 28), channels=4)
    D = gan.ConvDiscriminator((1, 28, 28), channels=4)
    convT = [m for m in G.modules() if isinstance(m, torch.nn.ConvTranspose2d)]
    conv = [m for m in D.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convT) == 2 and all(m.stride == (2, 2) for m in convT)
    assert len(conv) == 2 and all(m.stride == (2, 2) for m in conv)
    assert not any(isinstance(m, torch.nn.MaxPool2d) for m in D.modules())


def test_conditional_players_need_labels_and_use_them():
    torch.manual_seed(0)
    G = gan.ConvGenerator(8, (1, 8, 8), num_classes=3, channels=4).eval()
    D = gan.ConvDiscriminator((1, 8, 8), num_classes=3, channels=4).eval()
    z = torch.randn(2, 8)
    with pytest.raises(ValueError, match="conditional on 3 classes"):
        G(z)
    with pytest.raises(ValueError, match=r"labels must have shape \(2,\)"):
        G(z, torch.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match="unconditional"):
        gan.ConvGenerator(8, (1, 8, 8), channels=4)(z, torch.tensor([0, 1]))
    x = torch.rand(2, 1, 8, 8)
    assert not torch.allclose(G(z, torch.tensor([0, 0])), G(z, torch.tensor([1, 1])))
    assert not torch.allclose(D(x, torch.tensor([0, 0])), D(x, torch.tensor([2, 2])))


@pytest.mark.parametrize("kwargs, match", [
    (dict(image_shape=(1, 10, 8)), "multiples of 4"),
    (dict(image_shape=(8, 8)), "image_shape must be"),
    (dict(num_classes=1), "num_classes must be None or an int >= 2"),
    (dict(channels=0), "channels must be a positive int"),
])
def test_conv_players_reject_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gan.ConvGenerator(**kwargs)
    with pytest.raises(ValueError, match=match):
        gan.ConvDiscriminator(**kwargs)


def test_discriminator_rejects_wrong_image_shape():
    D = gan.ConvDiscriminator((1, 8, 8), channels=4)
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 1, 8, 8\)"):
        D(torch.rand(2, 1, 28, 28))


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


# --- training -----------------------------------------------------------------------


def _toy(seed=0):
    torch.manual_seed(seed)
    return gan.MLPGenerator(2, 2, (16,)), gan.MLPDiscriminator(2, (16,))


def test_train_gan_records_history_and_is_seeded():
    X = gan.sample_ring(256, seed=0)
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
    X = gan.sample_ring(512, seed=0)
    G, D = _toy()
    history = gan.train_gan(G, D, X, num_steps=60, batch_size=64, lr_g=1e-6,
                            lr_d=1e-2, seed=0)
    assert sum(history.d_loss[-10:]) / 10 < 0.5 * math.log(4)
    assert sum(history.d_real[-10:]) / 10 > sum(history.d_fake[-10:]) / 10 + 0.3


def test_conditional_training_runs_on_images():
    X, y = torch.rand(40, 1, 8, 8), torch.arange(40) % 4
    G = gan.ConvGenerator(8, (1, 8, 8), num_classes=4, channels=4)
    D = gan.ConvDiscriminator((1, 8, 8), num_classes=4, channels=4)
    history = gan.train_gan(G, D, X, y, num_steps=3, batch_size=8, seed=0)
    assert history.num_steps == 3 and all(math.isfinite(v) for v in history.g_loss)
    images = gan.generate(G, 6, torch.tensor([0, 1, 2, 3, 0, 1]), seed=0)
    assert images.shape == (6, 1, 8, 8)
    assert G.training  # generate() restores the mode it found


def test_train_gan_rejects_bad_arguments():
    X = gan.sample_ring(64, seed=0)
    G, D = _toy()
    with pytest.raises(ValueError, match="num_steps must be a positive int"):
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
    Gc = gan.ConvGenerator(8, (1, 8, 8), num_classes=4, channels=4)
    Dc = gan.ConvDiscriminator((1, 8, 8), num_classes=4, channels=4)
    images = torch.rand(16, 1, 8, 8)
    with pytest.raises(ValueError, match="need labels y of shape"):
        gan.train_gan(Gc, Dc, images, num_steps=1, batch_size=4)
    with pytest.raises(ValueError, match="both be conditional"):
        gan.train_gan(Gc, gan.ConvDiscriminator((1, 8, 8), channels=4), images,
                      num_steps=1, batch_size=4)


# --- the judge ----------------------------------------------------------------------


def test_judge_confidence_and_class_shares():
    probs = torch.tensor([[0.95, 0.05, 0.0],
                          [0.10, 0.80, 0.10],
                          [0.00, 0.05, 0.95],
                          [0.92, 0.04, 0.04]])
    verdict = gan.judge(probs, threshold=0.9)
    assert verdict.predicted.tolist() == [0, 1, 2, 0]
    assert verdict.share_confident == pytest.approx(0.75)
    assert verdict.class_shares.tolist() == pytest.approx([0.5, 0.25, 0.25])
    assert verdict.class_shares.sum().item() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="threshold"):
        gan.judge(probs, threshold=0)
    with pytest.raises(ValueError, match="probs must be a non-empty"):
        gan.judge(torch.zeros(0, 3))


def test_generate_is_seeded_and_validates():
    G = gan.MLPGenerator()
    with pytest.raises(ValueError, match="n must be a positive int"):
        gan.generate(G, 0)
    assert gan.generate(G, 4, seed=0).shape == (4, 2)
    assert torch.equal(gan.generate(G, 4, seed=0), gan.generate(G, 4, seed=0))
    assert not torch.equal(gan.generate(G, 4, seed=0), gan.generate(G, 4, seed=1))


def test_class_spread_sees_collapse_within_a_class():
    torch.manual_seed(0)
    varied = torch.rand(20, 1, 4, 4)
    labels = torch.arange(20) % 2
    collapsed = varied[labels == 0][:1].repeat(20, 1, 1, 1)  # one image, twenty times
    assert gan.class_spread(collapsed, labels) == 0.0
    assert gan.class_spread(varied, labels) > 0.5
    pair = torch.tensor([[0.0, 0.0], [3.0, 4.0]])
    # distances 0, 5, 5, 0 between the two images of one class: mean 2.5
    assert gan.class_spread(pair, torch.tensor([1, 1])) == pytest.approx(2.5)
    with pytest.raises(ValueError, match="single image"):
        gan.class_spread(pair, torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"labels must have shape \(2,\)"):
        gan.class_spread(pair, torch.tensor([0, 1, 1]))


def test_ema_decay_gives_the_generator_its_averaged_weights():
    X = gan.sample_ring(256, seed=0)
    G, D = _toy()
    start = [w.detach().clone() for w in G.parameters()]
    gan.train_gan(G, D, X, num_steps=1, batch_size=32, ema_decay=0.5, seed=0)
    G2, D2 = _toy()
    gan.train_gan(G2, D2, X, num_steps=1, batch_size=32, seed=0)
    # one step: the average is halfway between the start and the trained weights
    for w, w0, w1 in zip(G.parameters(), start, G2.parameters()):
        assert torch.allclose(w, 0.5 * w0 + 0.5 * w1, atol=1e-6)
    with pytest.raises(ValueError, match="ema_decay must be None or in"):
        gan.train_gan(G, D, X, num_steps=1, batch_size=32, ema_decay=1.0)


@pytest.mark.parametrize("probs", [
    torch.full((4, 3), 0.9),  # rows summing to 2.7
    torch.tensor([[2.0, -1.0, 0.0]]),  # logits whose row happens to sum to 1
    torch.tensor([[0.5, 0.4, 0.0]]),  # a row summing to 0.9
    torch.tensor([[float("nan"), 0.5, 0.5]]),
])
def test_judge_rejects_rows_that_are_not_probabilities(probs):
    with pytest.raises(ValueError, match=r"probs must be class probabilities, entries "
                                         r"in \[0, 1\] with each row summing to 1"):
        gan.judge(probs)


def test_judge_takes_softmax_rows_of_any_dtype():
    logits = 5 * torch.randn(1000, 10, generator=torch.Generator().manual_seed(0))
    probs = logits.softmax(dim=1)  # float32: rows sum to 1 up to rounding
    verdict = gan.judge(probs)
    assert torch.equal(verdict.predicted, logits.argmax(dim=1))
    assert torch.equal(gan.judge(probs.half()).predicted, verdict.predicted)
    one_hot = torch.nn.functional.one_hot(torch.tensor([2, 0, 2]), 3)  # int64
    assert gan.judge(one_hot).share_confident == 1.0


@pytest.mark.parametrize("num_hiddens", [8, (), (8, 0), "8"],
                         ids=["int", "empty", "zero width", "str"])
def test_mlp_networks_want_a_sequence_of_widths(num_hiddens):
    for make in (gan.MLPGenerator, gan.MLPDiscriminator):
        with pytest.raises(ValueError, match="num_hiddens must be a non-empty"):
            make(num_hiddens=num_hiddens)
