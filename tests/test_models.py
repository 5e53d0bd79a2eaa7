import math

import numpy as np
import pytest
import torch
from helpers.strategies import FAST, QUICK
from hypothesis import assume, given
from hypothesis import strategies as st

from dlbook import models
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


# --- properties: any input shape, and every bad input named ---------------------------


def build(kind: str, input_shape, num_classes):
    if kind == "Perceptron":
        return models.Perceptron(input_shape, num_classes)
    if kind == "MLP":
        return models.MLP(input_shape, num_classes, num_hiddens=(5, 3), dropout=0.1)
    return models.CNN(input_shape, num_classes, channels=(2, 3))


@st.composite
def model_and_shape(draw, kinds=("Perceptron", "MLP", "CNN")):
    kind = draw(st.sampled_from(kinds))
    low = 4 if kind == "CNN" else 1
    shape = (draw(st.integers(1, 3)), draw(st.integers(low, 9)), draw(st.integers(low, 9)))
    num_classes = draw(st.integers(2, 5))
    return kind, shape, num_classes


@FAST
@given(spec=model_and_shape(), batch=st.integers(1, 4), train=st.booleans())
def test_models_map_a_batch_to_logits(spec, batch, train):
    kind, shape, num_classes = spec
    model = build(kind, shape, num_classes).train(train)
    if kind == "CNN" and train and batch == 1:
        batch = 2  # BatchNorm needs two examples to estimate a variance in training
    out = model(torch.rand(batch, *shape))
    assert out.shape == (batch, num_classes) and torch.isfinite(out).all()
    assert models.count_parameters(model) > 0
    if kind == "Perceptron":
        assert models.count_parameters(model) == (math.prod(shape) + 1) * num_classes


@st.composite
def wrong_batches(draw):
    kind, shape, num_classes = draw(model_and_shape())
    batch = draw(st.integers(1, 3))
    c, h, w = shape
    wrong = draw(st.sampled_from([
        (batch, c * h * w),            # flattened: a Linear layer would take it
        (c, h, w),                     # one example without its batch dimension
        (batch, c + 1, h, w),
        (batch, c, h + 1, w),
        (batch, c, h, w + 2),
        (batch, c, w + 1, h),
        (batch, 1, c, h, w),
        (batch, c * h, w),
    ]))
    assume(tuple(wrong[1:]) != shape)
    return kind, shape, num_classes, wrong


@FAST
@given(case=wrong_batches())
def test_models_reject_batches_of_the_wrong_shape(case):
    kind, shape, num_classes, wrong = case
    model = build(kind, shape, num_classes)
    with pytest.raises(ValueError, match=rf"{kind} expects a batch of shape \(batch, "):
        model(torch.rand(*wrong))


@FAST
@given(spec=model_and_shape(), dtype=st.sampled_from([torch.float64, torch.float16,
                                                      torch.int64, torch.uint8,
                                                      torch.bool]))
def test_models_reject_batches_of_the_wrong_dtype(spec, dtype):
    kind, shape, num_classes = spec
    model = build(kind, shape, num_classes)
    with pytest.raises(TypeError, match="X must have the dtype of the model's weights"):
        model(torch.zeros(2, *shape, dtype=dtype))


@FAST
@given(spec=model_and_shape(), how=st.sampled_from(["numpy", "list"]))
def test_models_reject_inputs_that_are_not_tensors(spec, how):
    kind, shape, num_classes = spec
    model = build(kind, shape, num_classes)
    X = np.zeros((2, *shape), dtype=np.float32)
    with pytest.raises(TypeError, match="X must be a torch.Tensor"):
        model(X if how == "numpy" else X.tolist())


@QUICK
@given(kind=st.sampled_from(["Perceptron", "MLP", "CNN"]),
       input_shape=st.one_of(
           st.lists(st.integers(1, 8), min_size=0, max_size=5).filter(lambda s: len(s) != 3),
           st.tuples(st.integers(-3, 0), st.integers(4, 8), st.integers(4, 8)),
           st.tuples(st.integers(1, 2), st.floats(4, 8), st.integers(4, 8)),
           st.just("abc"), st.just(None), st.just(28)))
def test_models_reject_bad_input_shapes(kind, input_shape):
    with pytest.raises(ValueError, match="input_shape must"):
        build(kind, input_shape, 10)


@QUICK
@given(kind=st.sampled_from(["Perceptron", "MLP", "CNN"]),
       num_classes=st.one_of(st.integers(max_value=1), st.floats(2, 10), st.booleans(),
                             st.none()))
def test_models_reject_bad_class_counts(kind, num_classes):
    with pytest.raises(ValueError, match="num_classes must be an int >= 2"):
        build(kind, (1, 8, 8), num_classes)


@QUICK
@given(num_hiddens=st.one_of(
    st.just(()), st.integers(1, 8), st.text(max_size=3), st.none(),
    st.lists(st.integers(-3, 0), min_size=1, max_size=2),
    st.lists(st.booleans(), min_size=1, max_size=2),
    st.lists(st.floats(1, 4), min_size=1, max_size=2)))
def test_mlp_rejects_bad_hidden_sizes(num_hiddens):
    with pytest.raises((TypeError, ValueError), match="num_hiddens must"):
        models.MLP((1, 4, 4), num_hiddens=num_hiddens)


@QUICK
@given(channels=st.one_of(
    st.integers(1, 8), st.none(), st.just("ab"),
    st.lists(st.integers(1, 4), max_size=4).filter(lambda c: len(c) != 2),
    st.tuples(st.integers(-2, 0), st.integers(1, 4)),
    st.tuples(st.integers(1, 4), st.floats(1, 4))))
def test_cnn_rejects_bad_channels(channels):
    with pytest.raises((TypeError, ValueError), match="channels must"):
        models.CNN((1, 8, 8), channels=channels)


@QUICK
@given(kind=st.sampled_from(["MLP", "CNN"]),
       dropout=st.one_of(st.floats(max_value=-1e-9), st.floats(min_value=1),
                         st.just(math.nan), st.text(max_size=2), st.none()))
def test_models_reject_bad_dropout(kind, dropout):
    cls = getattr(models, kind)
    with pytest.raises((TypeError, ValueError), match="dropout must be"):
        cls((1, 8, 8), dropout=dropout)


@QUICK
@given(size=st.tuples(st.integers(1, 3), st.integers(1, 3)))
def test_cnn_rejects_images_smaller_than_4x4(size):
    with pytest.raises(ValueError, match="CNN needs images of at least 4x4"):
        models.CNN((1, *size))


def test_count_parameters_rejects_non_modules():
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        models.count_parameters([torch.zeros(3)])
