import pytest
import torch

from dlbook.models import (CNN, MLP, Perceptron, WorkshopCNN, count_parameters,
                           workshop_models)

SHAPES = [(1, 8, 8), (1, 28, 28), (3, 12, 16)]


@pytest.mark.parametrize("Model", [Perceptron, MLP, CNN, WorkshopCNN])
@pytest.mark.parametrize("shape", SHAPES)
def test_models_return_logits_for_any_input_shape(Model, shape):
    model = Model(shape, num_classes=7)
    out = model(torch.rand(5, *shape))
    assert out.shape == (5, 7)
    assert out.dtype == torch.float32


def test_perceptron_is_one_linear_layer():
    assert count_parameters(Perceptron((1, 8, 8), 10)) == 64 * 10 + 10
    assert count_parameters(Perceptron((1, 28, 28), 10)) == 784 * 10 + 10


def test_mlp_parameter_count_follows_its_widths():
    model = MLP((1, 8, 8), 10, num_hiddens=(32, 16))
    assert count_parameters(model) == (64 * 32 + 32) + (32 * 16 + 16) + (16 * 10 + 10)


@pytest.mark.parametrize("Model", [Perceptron, MLP, CNN, WorkshopCNN])
def test_models_reject_the_wrong_input_shape(Model):
    model = Model((1, 8, 8), 10)
    with pytest.raises(ValueError, match=r"expects a batch of shape \(batch, 1, 8, 8\)"):
        model(torch.rand(4, 1, 28, 28))
    with pytest.raises(ValueError, match="expects a batch"):
        model(torch.rand(1, 8, 8))
    with pytest.raises(TypeError, match="torch.Tensor"):
        model([[0.0]])


@pytest.mark.parametrize("kwargs, match", [
    (dict(input_shape=(8, 8)), "channels, height, width"),
    (dict(input_shape=(1, 0, 8)), "positive ints"),
    (dict(num_classes=1), "num_classes"),
])
def test_models_reject_bad_construction(kwargs, match):
    args = dict(input_shape=(1, 8, 8), num_classes=10) | kwargs
    for Model in (Perceptron, MLP, CNN, WorkshopCNN):
        with pytest.raises(ValueError, match=match):
            Model(**args)


def test_cnn_and_mlp_reject_bad_options():
    with pytest.raises(ValueError, match="at least 4x4"):
        CNN((1, 3, 3))
    with pytest.raises(ValueError, match="channels"):
        CNN((1, 8, 8), channels=(8,))
    with pytest.raises(ValueError, match="num_hiddens"):
        MLP((1, 8, 8), num_hiddens=())
    with pytest.raises(ValueError, match="dropout"):
        MLP((1, 8, 8), dropout=1.0)


@pytest.mark.parametrize("Model", [Perceptron, MLP, CNN, WorkshopCNN])
def test_gradients_reach_every_parameter(Model):
    model = Model((1, 8, 8), 10)
    loss = torch.nn.functional.cross_entropy(model(torch.rand(6, 1, 8, 8)),
                                             torch.arange(6))
    loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all()
               for p in model.parameters())


def test_workshop_models_have_the_workshops_sizes_on_mnist():
    models = workshop_models((1, 28, 28), 10)
    counts = {name: count_parameters(m) for name, m in models.items()}
    assert counts == {"perceptron": 7_850, "deep": 15_910, "CNN": 1_766}
    deep = [m for m in models["deep"].modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in deep] == [(784, 20), (20, 10)]


def test_workshop_cnn_follows_the_workshops_layers_on_mnist():
    cnn = WorkshopCNN((1, 28, 28), 10)
    convs = [m for m in cnn.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size, c.padding) for c in convs] \
        == [(1, 2, (5, 5), (0, 0)), (2, 4, (5, 5), (0, 0))]
    assert cnn.features(torch.rand(3, 1, 28, 28)).shape == (3, 4, 4, 4)  # 64 numbers
    dropout = [m for m in cnn.modules() if isinstance(m, torch.nn.Dropout)]
    assert [d.p for d in dropout] == [0.5]


def test_workshop_cnn_pads_images_too_small_for_two_unpadded_5x5_convolutions():
    cnn = WorkshopCNN((1, 8, 8), 10)
    assert cnn.padding == 2
    assert cnn.features(torch.rand(2, 1, 8, 8)).shape == (2, 4, 2, 2)
    # 16x16 is just large enough: 16 -> 12 -> 6 -> 2 -> 1
    assert WorkshopCNN((1, 16, 16)).padding == 0
    with pytest.raises(ValueError, match="at least 4x4"):
        WorkshopCNN((1, 3, 8))


def test_workshop_cnn_drops_out_only_in_training():
    torch.manual_seed(0)
    cnn, X = WorkshopCNN((1, 8, 8), 10), torch.rand(16, 1, 8, 8)
    cnn.eval()
    assert torch.equal(cnn(X), cnn(X))
    cnn.train()
    assert not torch.equal(cnn(X), cnn(X))
