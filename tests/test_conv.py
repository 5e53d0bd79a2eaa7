"""dlbook.conv: convolution and pooling by hand, with torch as the oracle."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from helpers.strategies import FAST, tensors

from dlbook import conv
from dlbook.conv import avg_pool2d, conv2d, conv_output_size, max_pool2d


@pytest.mark.parametrize("shape, kernel, stride, padding", [
    ((2, 3, 9, 7), (4, 3, 3, 2), 1, 0),
    ((1, 1, 8, 8), (2, 1, 3, 3), 1, 1),
    ((3, 2, 10, 11), (5, 2, 4, 3), 2, 1),
    ((2, 3, 9, 9), (1, 3, 5, 5), (3, 2), (2, 0)),
    ((1, 1, 5, 5), (1, 1, 5, 5), 1, 0),  # the kernel covers the whole image
])
def test_conv2d_matches_torch(shape, kernel, stride, padding):
    X, K, b = torch.randn(shape), torch.randn(kernel), torch.randn(kernel[0])
    got = conv2d(X, K, b, stride=stride, padding=padding)
    want = F.conv2d(X, K, b, stride=stride, padding=padding)
    assert got.shape == want.shape
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-5)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 3), c_in=st.integers(1, 3), c_out=st.integers(1, 3),
       h=st.integers(3, 9), w=st.integers(3, 9), k=st.integers(1, 3),
       s=st.integers(1, 3), p=st.integers(0, 2), seed=st.integers(0, 1000))
def test_conv2d_matches_torch_on_random_shapes(n, c_in, c_out, h, w, k, s, p, seed):
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(n, c_in, h, w, generator=gen)
    K = torch.randn(c_out, c_in, k, k, generator=gen)
    got = conv2d(X, K, stride=s, padding=p)
    want = F.conv2d(X, K, stride=s, padding=p)
    assert got.shape == want.shape
    assert got.shape[2:] == (conv_output_size(h, k, s, p), conv_output_size(w, k, s, p))
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-5)


def test_conv2d_gradients_match_torch():
    X = torch.randn(2, 2, 6, 5, requires_grad=True)
    K = torch.randn(3, 2, 3, 3, requires_grad=True)
    b = torch.randn(3, requires_grad=True)
    upstream = torch.randn(2, 3, 3, 3)
    (conv2d(X, K, b, stride=2, padding=1) * upstream).sum().backward()
    mine = [t.grad.clone() for t in (X, K, b)]
    for t in (X, K, b):
        t.grad = None
    (F.conv2d(X, K, b, stride=2, padding=1) * upstream).sum().backward()
    for got, t in zip(mine, (X, K, b)):
        torch.testing.assert_close(got, t.grad, rtol=1e-4, atol=1e-5)


def test_conv2d_on_one_image_and_one_kernel():
    image, kernel = torch.randn(8, 8), torch.randn(3, 3)
    got = conv2d(image, kernel, padding=1)
    assert got.shape == (8, 8)
    torch.testing.assert_close(got, F.conv2d(image[None, None], kernel[None, None],
                                             padding=1)[0, 0])


def test_conv2d_does_not_flip_the_kernel():
    image = torch.zeros(3, 3)
    image[0, 0] = 1.0
    kernel = torch.arange(9.0).reshape(3, 3)
    assert conv2d(image, kernel).item() == kernel[0, 0].item()


@pytest.mark.parametrize("kernel_size, stride",
                         [(2, None), (3, 1), (3, 2), ((2, 3), (1, 2))])
@pytest.mark.parametrize("mine, theirs", [(max_pool2d, F.max_pool2d),
                                          (avg_pool2d, F.avg_pool2d)])
def test_pooling_matches_torch(kernel_size, stride, mine, theirs):
    X = torch.randn(2, 3, 7, 8)
    got = mine(X, kernel_size, stride)
    want = theirs(X, kernel_size, stride)
    assert got.shape == want.shape
    torch.testing.assert_close(got, want)


def test_max_pool_gradient_goes_to_the_maximum():
    X = torch.tensor([[[[1.0, 5.0], [2.0, 3.0]]]], requires_grad=True)
    max_pool2d(X, 2).sum().backward()
    assert X.grad.tolist() == [[[[0.0, 1.0], [0.0, 0.0]]]]


@pytest.mark.parametrize("n, k, s, p, want", [
    (28, 5, 1, 0, 24), (28, 3, 1, 1, 28), (28, 3, 2, 1, 14), (7, 2, 2, 0, 3),
    (224, 7, 2, 3, 112), (5, 5, 1, 0, 1),
])
def test_conv_output_size(n, k, s, p, want):
    assert conv_output_size(n, k, s, p) == want


def test_conv_output_size_rejects_bad_sizes():
    with pytest.raises(ValueError, match="kernel_size 5 is larger"):
        conv_output_size(3, 5)
    with pytest.raises(ValueError, match="stride must be a positive int"):
        conv_output_size(8, 3, 0)
    with pytest.raises(ValueError, match="padding must be a non-negative int"):
        conv_output_size(8, 3, 1, -1)
    with pytest.raises(TypeError, match="size must be an int"):
        conv_output_size(8.0, 3)


def test_conv2d_rejects_bad_input():
    X, K = torch.randn(1, 2, 6, 6), torch.randn(3, 2, 3, 3)
    with pytest.raises(ValueError, match="input channels"):
        conv2d(X, torch.randn(3, 1, 3, 3))
    with pytest.raises(ValueError, match=r"X must have shape \(batch, channels"):
        conv2d(torch.randn(2, 6, 6), K)
    with pytest.raises(ValueError, match="K must have shape"):
        conv2d(X, torch.randn(2, 3, 3))
    with pytest.raises(ValueError, match="one kernel for one image"):
        conv2d(torch.randn(6, 6), K)
    with pytest.raises(ValueError, match="one bias per kernel"):
        conv2d(X, K, torch.randn(2))
    with pytest.raises(ValueError, match="stride must be a positive int"):
        conv2d(X, K, stride=0)
    with pytest.raises(ValueError, match="padding must be a non-negative int"):
        conv2d(X, K, padding=-1)
    with pytest.raises(TypeError, match="stride must be an int"):
        conv2d(X, K, stride=1.5)
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv2d(torch.randn(1, 2, 2, 2), K)
    with pytest.raises(TypeError, match="X must be a torch.Tensor"):
        max_pool2d([[1.0]], 2)
    with pytest.raises(ValueError, match="kernel_size must be a positive int"):
        avg_pool2d(X, 0)


# --- properties, on drawn inputs ---------------------------------------------------


@st.composite
def conv_problems(draw):
    n, c_in, c_out = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    k = draw(st.integers(1, 3))
    stride, padding = draw(st.integers(1, 2)), draw(st.integers(0, 2))
    h = draw(st.integers(max(1, k - 2 * padding), 7))
    w = draw(st.integers(max(1, k - 2 * padding), 7))
    g = torch.Generator().manual_seed(draw(st.integers(0, 99)))
    X = torch.randn(n, c_in, h, w, generator=g, dtype=torch.float64)
    K = torch.randn(c_out, c_in, k, k, generator=g, dtype=torch.float64)
    b = torch.randn(c_out, generator=g, dtype=torch.float64) if draw(st.booleans()) else None
    return X, K, b, stride, padding


@FAST
@given(problem=conv_problems())
def test_conv2d_matches_torch(problem):
    X, K, b, stride, padding = problem
    got = conv.conv2d(X, K, b, stride=stride, padding=padding)
    want = torch.nn.functional.conv2d(X, K, b, stride=stride, padding=padding)
    assert got.shape == want.shape and torch.allclose(got, want, atol=1e-9)
    assert got.shape[-1] == conv.conv_output_size(X.shape[-1], K.shape[-1], stride, padding)


@FAST
@given(X=tensors(min_dims=4, max_dims=4, max_side=6).filter(lambda t: min(t.shape[-2:]) >= 2),
       kernel=st.integers(1, 2), kind=st.sampled_from(["max", "avg"]))
def test_pooling_matches_torch(X, kernel, kind):
    ours = getattr(conv, f"{kind}_pool2d")(X, kernel)
    theirs = getattr(torch.nn.functional, f"{kind}_pool2d")(X, kernel)
    assert torch.allclose(ours, theirs, atol=1e-6)


def test_conv2d_names_what_does_not_fit():
    with pytest.raises(ValueError, match="K expects 1 input channels but X has 2"):
        conv.conv2d(torch.rand(1, 2, 5, 5), torch.rand(3, 1, 3, 3))
    with pytest.raises(ValueError, match="b must have shape"):
        conv.conv2d(torch.rand(1, 1, 5, 5), torch.rand(3, 1, 3, 3), torch.rand(2))
    with pytest.raises(ValueError, match="kernel_size 3 is larger than"):
        conv.conv2d(torch.rand(1, 1, 2, 2), torch.rand(1, 1, 3, 3))
    with pytest.raises(ValueError, match="stride must be"):
        conv.conv2d(torch.rand(1, 1, 5, 5), torch.rand(1, 1, 3, 3), stride=0)
