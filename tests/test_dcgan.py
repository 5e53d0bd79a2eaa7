"""The DCGAN of the GAN lab (``dlbook.dcgan``): the workshop's generator and
discriminator, their shapes and sizes, and the conditional networks."""

import numpy as np
import pytest
import torch

from dlbook import dcgan
from dlbook.gan import sample_latent


@pytest.mark.parametrize("image_shape", [(1, 8, 8), (1, 28, 28), (3, 16, 12)])
@pytest.mark.parametrize("num_classes", [None, 10])
def test_conv_players_shapes(image_shape, num_classes):
    G = dcgan.ConvGenerator(16, image_shape, num_classes=num_classes, channels=8)
    D = dcgan.ConvDiscriminator(image_shape, num_classes=num_classes, channels=8)
    labels = None if num_classes is None else torch.arange(5) % num_classes
    args = () if labels is None else (labels,)
    images = G(torch.randn(5, 16), *args)
    assert images.shape == (5, *image_shape)
    assert images.min() >= -1 and images.max() <= 1  # tanh: the data scaled to [-1, 1]
    assert D(images, *args).shape == (5,)


def test_workshop_generator_on_mnist_starts_with_linear_100_to_3136_without_bias():
    G = dcgan.ConvGenerator()  # the workshop's: latent 100, image (1, 28, 28)
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
    images = G(sample_latent(6, 100, latent="uniform"))
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
    assert _num_params(dcgan.ConvGenerator(image_shape=(1, size, size))) == g_params
    assert _num_params(dcgan.ConvDiscriminator((1, size, size))) == d_params
    assert {28: (353_217, 36_513), 8: (59_457, 33_633)}[size] == (g_params, d_params)


def test_digits_generator_starts_from_64_maps_of_2x2():
    G = dcgan.ConvGenerator(image_shape=(1, 8, 8))
    assert G.project[0].out_features == 64 * 2 * 2
    start = G.project(torch.zeros(2, 100)).view(2, 64, 2, 2)
    assert G.net[:3](start).shape == (2, 32, 4, 4)
    assert G(torch.zeros(2, 100)).shape == (2, 1, 8, 8)


def test_discriminator_drops_out_only_while_training():
    D = dcgan.ConvDiscriminator((1, 8, 8), dropout=0.5)
    drops = [m for m in D.features if isinstance(m, torch.nn.Dropout)]
    assert len(drops) == 2 and all(m.p == 0.5 for m in drops)
    x = torch.rand(4, 1, 8, 8)
    D.eval()
    assert torch.equal(D(x), D(x))
    D.train()
    torch.manual_seed(0)
    assert not torch.equal(D(x), D(x))
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\), got 1.0"):
        dcgan.ConvDiscriminator(dropout=1.0)


def test_generator_upsamples_with_transposed_convolutions_and_d_downsamples():
    G = dcgan.ConvGenerator(8, (1, 28, 28), channels=4)
    D = dcgan.ConvDiscriminator((1, 28, 28), channels=4)
    convT = [m for m in G.modules() if isinstance(m, torch.nn.ConvTranspose2d)]
    conv = [m for m in D.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convT) == 2 and all(m.stride == (2, 2) for m in convT)
    assert len(conv) == 2 and all(m.stride == (2, 2) for m in conv)
    assert not any(isinstance(m, torch.nn.MaxPool2d) for m in D.modules())


def test_conditional_players_need_labels_and_use_them():
    torch.manual_seed(0)
    G = dcgan.ConvGenerator(8, (1, 8, 8), num_classes=3, channels=4).eval()
    D = dcgan.ConvDiscriminator((1, 8, 8), num_classes=3, channels=4).eval()
    z = torch.randn(2, 8)
    with pytest.raises(ValueError, match="conditional on 3 classes"):
        G(z)
    with pytest.raises(ValueError, match=r"labels must have shape \(2,\)"):
        G(z, torch.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match="unconditional"):
        dcgan.ConvGenerator(8, (1, 8, 8), channels=4)(z, torch.tensor([0, 1]))
    x = torch.rand(2, 1, 8, 8)
    assert not torch.allclose(G(z, torch.tensor([0, 0])), G(z, torch.tensor([1, 1])))
    assert not torch.allclose(D(x, torch.tensor([0, 0])), D(x, torch.tensor([2, 2])))


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(image_shape=(1, 10, 8)), ValueError, "multiples of 4"),
    (dict(image_shape=(8, 8)), ValueError, "image_shape must be"),
    (dict(image_shape=(1, 8, 0)), ValueError, r"image_shape\[2\] must be .*got 0"),
    (dict(image_shape=(1, 8.0, 8)), TypeError, r"image_shape\[1\] must be an int"),
    (dict(num_classes=1), ValueError, "num_classes must be .*2.*got 1"),
    (dict(num_classes=2.0), TypeError, "num_classes must be an int"),
    (dict(channels=0), ValueError, "channels must be .*got 0"),
])
def test_conv_players_reject_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        dcgan.ConvGenerator(**kwargs)
    with pytest.raises(error, match=match):
        dcgan.ConvDiscriminator(**kwargs)


def test_conv_players_take_numpy_sizes_and_torch_shapes():
    """A reader's shape from ``X.shape[1:]`` and sizes from NumPy are as good as ints."""
    X = torch.rand(3, 1, 8, 8)
    G = dcgan.ConvGenerator(np.int64(16), X.shape[1:], num_classes=np.int64(3),
                            channels=np.int64(4))
    D = dcgan.ConvDiscriminator(X.shape[1:], num_classes=np.int64(3),
                                channels=np.int64(4), dropout=np.float32(0.25))
    assert G.image_shape == D.image_shape == (1, 8, 8)
    labels = torch.tensor([0, 1, 2])
    assert D(G(torch.randn(3, 16), labels), labels).shape == (3,)


def test_conditional_players_want_class_indices():
    G = dcgan.ConvGenerator(8, (1, 8, 8), num_classes=3, channels=4)
    D = dcgan.ConvDiscriminator((1, 8, 8), num_classes=3, channels=4)
    with pytest.raises(TypeError, match="labels must hold class indices"):
        G(torch.randn(2, 8), torch.tensor([0.0, 1.5]))  # 1.5 is no class
    with pytest.raises(TypeError, match="labels must hold class indices"):
        D(torch.rand(2, 1, 8, 8), torch.tensor([0.0, 1.0]))


def test_discriminator_rejects_wrong_image_shape():
    D = dcgan.ConvDiscriminator((1, 8, 8), channels=4)
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 1, 8, 8\)"):
        D(torch.rand(2, 1, 28, 28))
