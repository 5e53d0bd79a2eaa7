"""Property-based tests of the package's public functions under good and bad input.

For each function: every shape and dtype it documents is handled, and anything else
raises ``ValueError`` or ``TypeError`` whose message names the argument and says what
was expected. In particular a wrong shape is never broadcast silently (``X`` and ``y``
of different lengths, a batch that does not match the model, labels of shape
``(N, 1)``). Hypothesis draws the inputs; ``max_examples`` is kept small so the whole
file runs in seconds.
"""

from __future__ import annotations

import copy
import gzip
import hashlib
import importlib
import math
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlbook import data, exercises, models, training, utils

# Few examples each: the file has some 170 tests and must stay fast. Hypothesis keeps
# failing examples in .hypothesis/ and tries them first on the next run.
FAST = settings(max_examples=10, deadline=None,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])
QUICK = settings(FAST, max_examples=20)

# Values that are not numbers, for "wrong type" cases.
not_numbers = st.one_of(st.none(), st.text(max_size=3), st.lists(st.integers(), max_size=2),
                        st.dictionaries(st.text(max_size=2), st.integers(), max_size=1))
non_ints = st.one_of(not_numbers, st.booleans(),
                     st.floats(allow_nan=False).filter(lambda x: not x.is_integer()))


# --- dlbook.utils ---------------------------------------------------------------------


@QUICK
@given(seed=st.integers(0, 2**64 - 1))
def test_set_seed_accepts_every_seed_torch_takes_and_repeats(seed):
    gen = utils.set_seed(seed)
    assert isinstance(gen, torch.Generator)
    first = (torch.rand(3), np.random.rand(), torch.rand(2, generator=gen))
    gen = utils.set_seed(seed)
    second = (torch.rand(3), np.random.rand(), torch.rand(2, generator=gen))
    assert torch.equal(first[0], second[0]) and first[1] == second[1]
    assert torch.equal(first[2], second[2])


@QUICK
@given(seed=st.one_of(st.integers(max_value=-1), st.integers(min_value=2**64)))
def test_set_seed_rejects_out_of_range(seed):
    with pytest.raises(ValueError, match="seed must be in"):
        utils.set_seed(seed)


@QUICK
@given(seed=non_ints)
def test_set_seed_rejects_non_ints(seed):
    with pytest.raises(TypeError, match="seed must be an int"):
        utils.set_seed(seed)


def test_get_device_cpu_and_auto():
    assert utils.get_device("cpu") == torch.device("cpu")
    assert utils.get_device(torch.device("cpu")).type == "cpu"
    assert utils.get_device(None).type in ("cpu", "cuda")


@QUICK
@given(name=st.text(max_size=8).filter(lambda s: s.strip().lower() not in ("cpu", "cuda")
                                       and not s.startswith(("cpu:", "cuda", "mps"))))
def test_get_device_rejects_unknown_names(name):
    with pytest.raises(ValueError, match="device"):
        utils.get_device(name)


@QUICK
@given(device=st.one_of(st.integers(), st.floats(), st.lists(st.text(), max_size=1)))
def test_get_device_rejects_other_types(device):
    with pytest.raises(TypeError, match="device must be"):
        utils.get_device(device)


@QUICK
@given(value=st.sampled_from(utils.PROFILES), pad=st.sampled_from(["", " ", "\n"]),
       upper=st.booleans())
def test_get_profile_reads_the_environment(value, pad, upper):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DLBOOK_PROFILE", pad + (value.upper() if upper else value) + pad)
        assert utils.get_profile() == value


@QUICK
@given(value=st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
       .filter(lambda s: s not in utils.PROFILES))
def test_get_profile_rejects_unknown_profiles(value):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DLBOOK_PROFILE", value)
        with pytest.raises(ValueError, match="DLBOOK_PROFILE must be one of"):
            utils.get_profile()


# --- dlbook.data: splits ----------------------------------------------------------------


@st.composite
def labelled_images(draw):
    """``X`` (N, 1, H, W) in [0, 1] whose first pixel encodes the example's index, and
    integer labels ``y`` with enough examples per class to stratify."""
    num_classes = draw(st.integers(2, 4))
    per_class = draw(st.integers(5, 9))
    h, w = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    y = np.repeat(np.arange(num_classes), per_class)
    y = y[draw(st.permutations(range(len(y))))]
    y = y.astype(draw(st.sampled_from([np.int64, np.int32, np.uint8, np.int16])))
    n = len(y)
    X = np.asarray(draw(hnp.arrays(np.float32, (n, 1, h, w),
                                   elements=st.floats(0, 1, width=32))))
    X[:, 0, 0, 0] = np.arange(n) / n  # a fingerprint of each example
    return X, y


@settings(FAST, max_examples=8)
@given(Xy=labelled_images(), seed=st.integers(0, 2**32 - 1))
def test_split_stratified_partitions_the_examples(Xy, seed):
    X, y = Xy
    n = len(y)
    splits = data.split_stratified(X, y, seed=seed)
    parts = [(splits.X_train, splits.y_train), (splits.X_val, splits.y_val),
             (splits.X_test, splits.y_test)]
    assert sum(splits.sizes().values()) == n
    seen = []
    for Xs, ys in parts:
        assert Xs.dtype == torch.float32 and ys.dtype == torch.int64
        assert Xs.shape[1:] == X.shape[1:] and ys.shape == (len(Xs),)
        assert float(Xs.min()) >= 0 and float(Xs.max()) <= 1
        ids = np.rint(Xs[:, 0, 0, 0].numpy() * n).astype(int)
        # each example keeps its own label: no shuffling of X apart from y
        assert np.array_equal(ys.numpy(), y[ids])
        seen.extend(ids)
    assert sorted(seen) == list(range(n)), "the splits must partition the examples"
    assert set(splits.y_train.tolist()) == set(y.tolist()), "stratified: all classes"
    assert splits.input_shape == X.shape[1:]
    assert splits.num_classes == int(y.max()) + 1
    assert [len(d) for d in splits.datasets()] == list(splits.sizes().values())
    again = data.split_stratified(X, y, seed=seed)
    assert torch.equal(again.X_val, splits.X_val), "the same seed, the same split"


@FAST
@given(Xy=labelled_images(), extra=st.integers(-3, 3).filter(bool))
def test_split_stratified_rejects_y_of_another_length(Xy, extra):
    X, y = Xy
    y = np.resize(y, len(y) + extra)
    with pytest.raises(ValueError, match=r"y must have shape \(\d+,\) to match X"):
        data.split_stratified(X, y)


@FAST
@given(Xy=labelled_images(), shape=st.sampled_from(["flat", "3d", "channels", "5d"]))
def test_split_stratified_rejects_images_of_the_wrong_shape(Xy, shape):
    X, y = Xy
    X = {"flat": X.reshape(len(X), -1), "3d": X[:, 0], "5d": X[..., None],
         "channels": np.concatenate([X, X], axis=1)}[shape]
    with pytest.raises(ValueError, match=r"X must have shape \(N, 1, H, W\)"):
        data.split_stratified(X, y)


@FAST
@given(Xy=labelled_images(), scale=st.sampled_from([255.0, -1.0, np.nan]))
def test_split_stratified_rejects_pixels_outside_0_1(Xy, scale):
    X, y = Xy
    X = X.copy()
    X[0, 0, 0, 0] = scale
    with pytest.raises(ValueError, match=r"X must hold pixel values in \[0, 1\]"):
        data.split_stratified(X, y)


@FAST
@given(Xy=labelled_images())
def test_split_stratified_rejects_labels_that_are_not_classes(Xy):
    X, y = Xy
    with pytest.raises(TypeError, match="y must hold integer class labels"):
        data.split_stratified(X, y + 0.5)
    with pytest.raises(TypeError, match="y must hold integer class labels"):
        data.split_stratified(X, y.astype(str))
    with pytest.raises(ValueError, match="y must hold class labels 0, 1, 2"):
        data.split_stratified(X, y.astype(np.int64) - 1)
    # whole numbers stored as floats are labels all the same
    assert data.split_stratified(X, y.astype(np.float64)).y_train.dtype == torch.int64


@QUICK
@given(name=st.sampled_from(["val_size", "test_size"]),
       value=st.one_of(st.floats(max_value=0), st.floats(min_value=1),
                       st.just(math.nan)))
def test_split_stratified_rejects_fractions_outside_0_1(name, value):
    X, y = np.zeros((20, 1, 2, 2)), np.arange(20) % 2
    with pytest.raises(ValueError, match=f"{name} must be in"):
        data.split_stratified(X, y, **{name: value})


@QUICK
@given(name=st.sampled_from(["val_size", "test_size"]), value=not_numbers)
def test_split_stratified_rejects_fractions_that_are_not_numbers(name, value):
    X, y = np.zeros((20, 1, 2, 2)), np.arange(20) % 2
    with pytest.raises(TypeError, match=f"{name} must be a number"):
        data.split_stratified(X, y, **{name: value})


def test_split_stratified_rejects_fractions_summing_to_one_or_more():
    X, y = np.zeros((20, 1, 2, 2)), np.arange(20) % 2
    with pytest.raises(ValueError, match="val_size \\+ test_size must be below 1"):
        data.split_stratified(X, y, val_size=0.5, test_size=0.5)


@QUICK
@given(seed=st.one_of(st.integers(max_value=-1), st.integers(min_value=2**32),
                      non_ints))
def test_split_stratified_rejects_bad_seeds(seed):
    X, y = np.zeros((20, 1, 2, 2)), np.arange(20) % 2
    with pytest.raises((TypeError, ValueError), match="seed must be"):
        data.split_stratified(X, y, seed=seed)


def test_split_stratified_rejects_empty_data():
    with pytest.raises(ValueError, match="X is empty"):
        data.split_stratified(np.zeros((0, 1, 2, 2)), np.zeros(0, dtype=int))


def test_load_digits_and_load_dataset_quick():
    splits = data.load_digits(seed=3)
    assert splits.input_shape == (1, 8, 8) and splits.num_classes == 10
    assert sum(splits.sizes().values()) == 1797
    assert torch.equal(data.load_dataset("quick", seed=3).y_val, splits.y_val)
    with pytest.raises(ValueError, match="profile must be 'quick' or 'full'"):
        data.load_dataset("fast")


# --- dlbook.data: IDX files and downloads --------------------------------------------


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("idx")


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    return (struct.pack(">HBB", 0, type_code, array.ndim)
            + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes())


idx_arrays = hnp.arrays(np.uint8, hnp.array_shapes(min_dims=1, max_dims=3, max_side=6))


@QUICK
@given(array=idx_arrays, compressed=st.booleans())
def test_read_idx_round_trips(scratch, array, compressed):
    raw = idx_bytes(array)
    path = scratch / "roundtrip.idx"
    path.write_bytes(gzip.compress(raw) if compressed else raw)
    got = data.read_idx(path)
    assert got.dtype == np.uint8 and np.array_equal(got, array)
    assert data.md5sum(path) == hashlib.md5(path.read_bytes()).hexdigest()


@QUICK
@given(array=idx_arrays, cut=st.integers(1, 100), compressed=st.booleans())
def test_read_idx_rejects_truncated_files(scratch, array, cut, compressed):
    raw = idx_bytes(array)
    cut = min(cut, len(raw))
    body = raw[:-cut]
    if compressed:
        body = gzip.compress(raw)[:-cut]  # a gzip stream cut short
    path = scratch / "truncated.idx"
    path.write_bytes(body)
    with pytest.raises(ValueError, match="truncated|too short|not a readable IDX|"
                                         "not an IDX"):
        data.read_idx(path)


@QUICK
@given(array=idx_arrays, extra=st.binary(min_size=1, max_size=8))
def test_read_idx_rejects_trailing_bytes(scratch, array, extra):
    path = scratch / "long.idx"
    path.write_bytes(idx_bytes(array) + extra)
    with pytest.raises(ValueError, match="truncated or corrupt"):
        data.read_idx(path)


@QUICK
@given(head=st.binary(min_size=4, max_size=64))
def test_read_idx_rejects_files_that_are_not_idx(scratch, head):
    assume(head[:2] != b"\x00\x00")  # not the IDX magic number
    path = scratch / "page.html"
    path.write_bytes(head)
    with pytest.raises(ValueError, match="not an IDX file|not a readable IDX"):
        data.read_idx(path)


@QUICK
@given(array=idx_arrays, code=st.integers(0, 255).filter(lambda c: c != 0x08))
def test_read_idx_rejects_other_element_types(scratch, array, code):
    path = scratch / "float.idx"
    path.write_bytes(idx_bytes(array, code))
    with pytest.raises(ValueError, match="type code .* expected 0x08"):
        data.read_idx(path)


def test_read_idx_survives_absurd_header(scratch):
    # four dimensions of 2**32 - 1: their product overflows 64-bit integers
    path = scratch / "absurd.idx"
    path.write_bytes(struct.pack(">HBB4I", 0, 8, 4, *[2**32 - 1] * 4) + b"\0" * 8)
    with pytest.raises(ValueError, match="truncated or corrupt"):
        data.read_idx(path)


@QUICK
@given(url=st.one_of(st.integers(), st.none(), st.binary(max_size=4)))
def test_download_rejects_urls_that_are_not_strings(scratch, url):
    with pytest.raises(TypeError, match="url must be a str"):
        data.download(url, scratch / "x")


@QUICK
@given(url=st.sampled_from(["file:///etc/passwd", "ftp://example.org/x", "x.gz", "",
                            "data:,hello", "javascript:alert(1)"]))
def test_download_only_speaks_http(scratch, url):
    with pytest.raises(ValueError, match="url must start with http:// or https://"):
        data.download(url, scratch / "x")
    assert not (scratch / "x").exists()


@QUICK
@given(md5=st.one_of(st.text(max_size=40).filter(lambda s: len(s) != 32),
                     st.text("ABCDEFXYZ", min_size=32, max_size=32), st.integers()))
def test_download_rejects_malformed_checksums(scratch, md5):
    with pytest.raises(ValueError, match="md5 must be 32 lowercase hexadecimal"):
        data.download("http://127.0.0.1:9/x", scratch / "x", md5=md5)


@QUICK
@given(timeout=st.one_of(st.floats(max_value=0), st.just(math.inf), st.just(math.nan),
                         not_numbers, st.booleans()))
def test_download_rejects_bad_timeouts(scratch, timeout):
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        data.download("http://127.0.0.1:9/x", scratch / "x", timeout=timeout)


@pytest.mark.parametrize("mirrors", ["https://example.org/", (), [1, 2], None])
def test_fetch_mnist_rejects_mirrors_that_are_not_a_list_of_urls(scratch, mirrors):
    with pytest.raises(TypeError, match="mirrors must be a non-empty tuple of URL"):
        data.fetch_mnist(scratch / "mnist", mirrors=mirrors)


def test_load_mnist_validates_its_arguments(scratch):
    with pytest.raises(ValueError, match="val_size must be in"):
        data.load_mnist(scratch, download=False, val_size=1.5)
    with pytest.raises(TypeError, match="download must be True or False"):
        data.load_mnist(scratch, download="no")
    with pytest.raises(FileNotFoundError, match="is missing: call load_mnist"):
        data.load_mnist(scratch / "empty", download=False)


# --- dlbook.models ----------------------------------------------------------------------


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


# --- dlbook.training --------------------------------------------------------------------


@st.composite
def classification_data(draw, min_size=1):
    n = draw(st.integers(min_size, 24))
    num_classes = draw(st.integers(2, 4))
    shape = (1, draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    g = torch.Generator().manual_seed(draw(st.integers(0, 1000)))
    X = torch.rand(n, *shape, generator=g)
    y = torch.randint(0, num_classes, (n,), generator=g)
    return X, y, num_classes


@settings(FAST, max_examples=8)
@given(d=classification_data(), num_epochs=st.integers(1, 2), batch_size=st.integers(2, 9),
       optimizer=st.sampled_from(["sgd", "adam"]), shuffle=st.booleans(),
       as_dataset=st.booleans())
def test_fit_evaluate_predict_on_any_small_data(d, num_epochs, batch_size, optimizer,
                                                shuffle, as_dataset):
    X, y, num_classes = d
    model = models.Perceptron(tuple(X.shape[1:]), num_classes)
    twin = copy.deepcopy(model)
    train = torch.utils.data.TensorDataset(X, y) if as_dataset else (X, y)
    kwargs = dict(num_epochs=num_epochs, batch_size=batch_size, optimizer=optimizer,
                  shuffle=shuffle, lr=0.1, seed=1, progress=False)
    history = training.fit(model, train, (X, y), **kwargs)
    assert history.num_epochs == num_epochs == len(history.val_loss)
    assert all(math.isfinite(v) for v in history.train_loss + history.val_loss)
    assert all(0 <= a <= 1 for a in history.train_acc + history.val_acc)
    # same data, same initial weights, same seed: the same numbers
    assert training.fit(twin, train, (X, y), **kwargs).train_loss == history.train_loss
    loss, acc = training.evaluate(model, (X, y), batch_size=batch_size)
    assert math.isclose(loss, history.val_loss[-1], rel_tol=1e-5, abs_tol=1e-6)
    assert acc == history.val_acc[-1]
    proba = training.predict(model, X, batch_size=batch_size)
    assert proba.shape == (len(X), num_classes)
    assert torch.allclose(proba.sum(dim=1), torch.ones(len(X)), atol=1e-5)


def test_predict_on_no_examples_gives_no_rows():
    model = models.Perceptron((1, 2, 2), 3)
    assert training.predict(model, torch.zeros(0, 1, 2, 2)).shape == (0, 3)


@FAST
@given(d=classification_data(min_size=2), cut=st.integers(1, 5),
       which=st.sampled_from(["X", "y"]))
def test_fit_rejects_X_and_y_of_different_lengths(d, cut, which):
    X, y, num_classes = d
    cut = min(cut, len(y) - 1)
    X, y = (X[:-cut], y) if which == "X" else (X, y[:-cut])
    model = models.Perceptron(tuple(X.shape[1:]), num_classes)
    for call in (lambda: training.fit(model, (X, y), num_epochs=1),
                 lambda: training.fit(model, (X[:len(y)], y[:len(X)]), (X, y),
                                      num_epochs=1),
                 lambda: training.evaluate(model, (X, y))):
        with pytest.raises(ValueError, match="X and y must have the same length"):
            call()


@FAST
@given(d=classification_data(), shape=st.sampled_from(["column", "onehot", "scalar"]))
def test_fit_rejects_labels_of_the_wrong_shape(d, shape):
    X, y, num_classes = d
    model = models.Perceptron(tuple(X.shape[1:]), num_classes)
    if shape == "scalar":
        with pytest.raises(ValueError, match="must have a batch dimension"):
            training.fit(model, (X, y[0]), num_epochs=1)
        return
    # (N, 1) labels would broadcast against (N,) predictions into an (N, N) mess
    bad = y[:, None] if shape == "column" else torch.nn.functional.one_hot(y, num_classes)
    for call in (lambda: training.fit(model, (X, bad), num_epochs=1),
                 lambda: training.evaluate(model, (X, bad))):
        with pytest.raises(ValueError, match=r"labels y must have shape \(batch,\)"):
            call()


@FAST
@given(d=classification_data(), dtype=st.sampled_from([torch.float32, torch.int32,
                                                      torch.bool, torch.float64]))
def test_fit_rejects_labels_that_are_not_class_indices(d, dtype):
    X, y, num_classes = d
    model = models.Perceptron(tuple(X.shape[1:]), num_classes)
    with pytest.raises(TypeError, match="labels y must be class indices of dtype"):
        training.fit(model, (X, y.to(dtype)), num_epochs=1)


@FAST
@given(d=classification_data(), shift=st.sampled_from([-1, 1]))
def test_fit_rejects_labels_outside_the_models_classes(d, shift):
    X, y, num_classes = d
    model = models.Perceptron(tuple(X.shape[1:]), num_classes)
    y = y.clone()
    y[0] = -1 if shift < 0 else num_classes  # one label out of range is enough
    match = "labels y must be class indices 0, 1" if shift < 0 else "labels y go up to"
    with pytest.raises(ValueError, match=match):
        training.fit(model, (X, y), num_epochs=1)
    with pytest.raises(ValueError, match=match):
        training.evaluate(model, (X, y))


@FAST
@given(d=classification_data(), wrong=st.sampled_from(["flat", "bigger", "3d"]))
def test_fit_rejects_inputs_the_model_was_not_built_for(d, wrong):
    X, y, num_classes = d
    model = models.Perceptron(tuple(X.shape[1:]), num_classes)
    X = {"flat": X.flatten(1), "bigger": torch.rand(len(X), 1, 5, 5),
         "3d": X[:, 0]}[wrong]
    with pytest.raises(ValueError, match="Perceptron expects a batch of shape"):
        training.fit(model, (X, y), num_epochs=1)


def test_fit_rejects_models_whose_output_is_not_logits():
    X, y = torch.rand(6, 3), torch.tensor([0, 1, 0, 1, 0, 1])
    flat = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0))  # (batch,)
    with pytest.raises(ValueError, match=r"logits of shape \(batch, num_classes\)"):
        training.fit(flat, (X, y), num_epochs=1)


BAD_SETTINGS = [
    ("num_epochs", 0, ValueError), ("num_epochs", -2, ValueError),
    ("num_epochs", 2.0, TypeError), ("num_epochs", True, TypeError),
    ("batch_size", 0, ValueError), ("batch_size", 1.5, TypeError),
    ("batch_size", None, TypeError),
    ("lr", 0, ValueError), ("lr", -0.1, ValueError), ("lr", math.nan, ValueError),
    ("lr", math.inf, ValueError), ("lr", "0.1", TypeError),
    ("momentum", 1.0, ValueError), ("momentum", -0.5, ValueError),
    ("momentum", "a", TypeError),
    ("weight_decay", -1e-4, ValueError), ("weight_decay", None, TypeError),
    ("weight_decay", math.nan, ValueError),
    ("shuffle", 1, TypeError), ("shuffle", "yes", TypeError),
    ("seed", -1, ValueError), ("seed", 1.5, TypeError),
    ("progress", "yes", TypeError),
    ("patience", 0, ValueError), ("patience", 1.5, TypeError),
    ("optimizer", "rmsprop", ValueError),
]


@pytest.mark.parametrize("name,value,error", BAD_SETTINGS)
def test_fit_rejects_bad_settings_naming_them(name, value, error):
    X, y = torch.rand(4, 1, 2, 2), torch.tensor([0, 1, 0, 1])
    model = models.Perceptron((1, 2, 2), 2)
    with pytest.raises(error, match=name):
        training.fit(model, (X, y), (X, y), **{"num_epochs": 1, name: value})


def test_fit_rejects_bad_data_containers():
    X, y = torch.rand(4, 1, 2, 2), torch.tensor([0, 1, 0, 1])
    model = models.Perceptron((1, 2, 2), 2)
    cases = [((X.numpy(), y.numpy()), TypeError, "tuple of tensors"),
             ([X, y], TypeError, "Dataset or a tuple"),
             ((X, y, y), TypeError, "Dataset or a tuple"),
             ((X[:0], y[:0]), ValueError, "train_data is empty")]
    for train, error, match in cases:
        with pytest.raises(error, match=match):
            training.fit(model, train, num_epochs=1)
    with pytest.raises(ValueError, match="patience .* needs val_data"):
        training.fit(model, (X, y), num_epochs=1, patience=2)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        training.fit("model", (X, y), num_epochs=1)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        training.evaluate(None, (X, y))
    with pytest.raises(TypeError, match="X must be a torch.Tensor"):
        training.predict(model, X.numpy())
    with pytest.raises(ValueError, match="batch_size must be positive"):
        training.predict(model, X, batch_size=0)
    with pytest.raises(ValueError, match="batch_size must be positive"):
        training.evaluate(model, (X, y), batch_size=-4)


# --- dlbook.exercises ------------------------------------------------------------------

finite = st.floats(-1e3, 1e3, allow_nan=False, width=32)
answers = hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
                     elements=finite)


@QUICK
@given(expected=answers, kind=st.sampled_from(["array", "tensor", "list"]))
def test_check_close_accepts_the_right_answer_in_any_form(expected, kind):
    answer = {"array": expected, "tensor": torch.tensor(expected, requires_grad=True)
              if expected.ndim else torch.tensor(expected),
              "list": expected.tolist()}[kind]
    fb = exercises.check_close("ex", "W", answer, expected)
    assert fb and fb.ok and "✓ Correct" in str(fb)


@QUICK
@given(expected=answers.filter(lambda a: a.size > 0), data_=st.data())
def test_check_close_names_where_a_wrong_answer_differs(expected, data_):
    index = data_.draw(st.tuples(*[st.integers(0, n - 1) for n in expected.shape]))
    answer = expected.copy()
    answer[index] += 10.0
    fb = exercises.check_close("ex", "W", answer, expected)
    assert not fb and "W differs from the expected value" in str(fb)
    if expected.ndim:
        assert f"at index {tuple(int(i) for i in index)}" in str(fb)


@QUICK
@given(expected=answers.filter(lambda a: a.ndim >= 1), how=st.sampled_from(
    ["transpose", "extra axis", "drop one", "scalar"]))
def test_check_close_never_broadcasts_a_wrong_shape(expected, how):
    answer = {"transpose": expected.T[..., None] if expected.ndim == 1 else expected.T,
              "extra axis": expected[None],
              "drop one": expected.ravel()[1:],
              "scalar": expected.ravel()[0]}[how]
    assume(np.shape(answer) != expected.shape)
    fb = exercises.check_close("ex", "W", answer, expected)
    assert not fb and f"W has shape {np.shape(answer)}, expected {expected.shape}" in str(fb)


@QUICK
@given(expected=answers, bad=st.sampled_from([math.nan, math.inf, -math.inf]))
def test_check_close_reports_nan_and_inf(expected, bad):
    answer = np.full(expected.shape, bad)
    fb = exercises.check_close("ex", "W", answer, expected)
    assert not fb and "W contains NaN or infinite values" in str(fb)


@pytest.mark.parametrize("placeholder", [None, ...])
def test_check_close_treats_a_placeholder_gently(placeholder):
    fb = exercises.check_close("ex", "W", placeholder, [1.0, 2.0])
    assert not fb and "W is still the placeholder" in str(fb)


@QUICK
@given(answer=st.one_of(st.text(max_size=3), st.sampled_from(["1.5", "inf", "nan"]),
    st.dictionaries(st.text(max_size=2), st.integers(), min_size=1, max_size=2),
    st.just([[1.0, 2.0], [3.0]]), st.just(object())))
def test_as_array_names_answers_that_are_not_numbers(answer):
    with pytest.raises(TypeError, match="W must be a number or an array of numbers"):
        exercises.as_array("W", answer)


def test_feedback_truthiness_and_text():
    fb = exercises.Feedback("ex")
    assert fb and str(fb).startswith("✓ Correct: ex")
    fb.fail("wrong sign").note("try again")
    assert not fb and "✗ Not yet" in str(fb) and "  - wrong sign" in str(fb)
    assert "**✗ Not yet**" in fb._repr_markdown_()


# === The concept modules of the chapters ==============================================
# Each block is skipped only while its module does not exist yet. Known bugs of these
# modules are strict xfails: they pass while the bug is there, and fail (XPASS) as a
# reminder to drop the marker once it is fixed.


def module(name: str):
    try:
        return importlib.import_module(f"dlbook.{name}")
    except ModuleNotFoundError as err:
        if err.name == f"dlbook.{name}":
            pytest.skip(f"dlbook.{name} does not exist yet")
        raise


def tensors(min_dims=1, max_dims=3, max_side=5, low=-5.0, high=5.0):
    return hnp.arrays(np.float32, hnp.array_shapes(min_dims=min_dims, max_dims=max_dims,
                                                   max_side=max_side),
                      elements=st.floats(low, high, width=32)).map(torch.from_numpy)


def known_bug(reason: str):
    return pytest.mark.xfail(strict=True, reason=f"known bug, reported: {reason}")


# --- dlbook.activations ---------------------------------------------------------------

ACTIVATION_PAIRS = [("sigmoid", torch.sigmoid), ("tanh", torch.tanh), ("relu", torch.relu),
                    ("leaky_relu", lambda z: torch.nn.functional.leaky_relu(z, 0.01))]


@QUICK
@given(z=tensors(), pair=st.sampled_from(ACTIVATION_PAIRS))
def test_activations_and_their_derivatives_match_autograd(z, pair):
    A = module("activations")
    name, reference = pair
    z = z.double()
    if name in ("relu", "leaky_relu"):
        z = torch.where(z.abs() < 1e-3, torch.full_like(z, 0.5), z)  # no kink at 0
    assert getattr(A, name)(z).shape == z.shape
    assert torch.allclose(getattr(A, name)(z), reference(z), atol=1e-6)
    leaf = z.clone().requires_grad_(True)
    reference(leaf).sum().backward()
    assert torch.allclose(getattr(A, f"d_{name}")(z), leaf.grad, atol=1e-6)


@QUICK
@given(z=tensors(max_dims=2, low=-30, high=30))
def test_softmax_and_its_jacobian(z):
    A = module("activations")
    z = z.double()
    p = A.softmax(z)
    assert torch.allclose(p, torch.softmax(z, dim=-1), atol=1e-9)
    assert torch.allclose(p.sum(dim=-1), torch.ones(z.shape[:-1], dtype=z.dtype))
    if z.dim() == 1:
        J = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, dim=-1), z)
        assert torch.allclose(A.softmax_jacobian(z), J, atol=1e-9)


@QUICK
@given(name=st.text(max_size=8).filter(lambda s: s not in ("relu", "tanh", "sigmoid",
                                                             "leaky_relu")))
def test_activation_module_rejects_unknown_names(name):
    A = module("activations")
    with pytest.raises(ValueError, match="activation must be one of"):
        A.activation_module(name)


@FAST
@given(num_inputs=st.integers(1, 6), hiddens=st.lists(st.integers(1, 6), max_size=3),
       num_outputs=st.integers(1, 4), batch=st.integers(1, 5),
       activation=st.sampled_from(["relu", "tanh", "sigmoid", "leaky_relu"]))
def test_deep_mlp_maps_inputs_to_outputs(num_inputs, hiddens, num_outputs, batch,
                                         activation):
    A = module("activations")
    net = A.deep_mlp(num_inputs, hiddens, num_outputs, activation=activation)
    assert net(torch.rand(batch, num_inputs)).shape == (batch, num_outputs)


@QUICK
@given(num_inputs=st.one_of(st.integers(max_value=0), st.floats(1, 3), st.none()))
def test_deep_mlp_rejects_bad_input_sizes(num_inputs):
    A = module("activations")
    with pytest.raises((TypeError, ValueError), match="num_inputs"):
        A.deep_mlp(num_inputs, (3,), 2)


def test_deep_mlp_names_a_bad_num_hiddens():
    A = module("activations")
    with pytest.raises((TypeError, ValueError), match="num_hiddens"):
        A.deep_mlp(2, 3, 2)


def test_layer_gradient_norms_names_inputs_of_the_wrong_width():
    A = module("activations")
    net = A.deep_mlp(4, (3,), 2)
    with pytest.raises(ValueError, match="X"):
        A.layer_gradient_norms(net, torch.rand(5, 3), torch.zeros(5, dtype=torch.long))


# --- dlbook.augment --------------------------------------------------------------------


@FAST
@given(n=st.integers(1, 4), side=st.integers(4, 10), copies=st.integers(0, 3),
       seed=st.integers(0, 100))
def test_augment_dataset_keeps_labels_and_counts(n, side, copies, seed):
    G = module("augment")
    X, y = torch.rand(n, 1, side, side), torch.arange(n)
    X_aug, y_aug = G.augment_dataset(X, y, copies=copies, seed=seed)
    assert X_aug.shape == (n * (copies + 1), 1, side, side)
    assert torch.equal(y_aug, y.repeat(copies + 1))
    assert torch.equal(X_aug[:n], X), "the originals come first, unchanged"
    again = G.augment_dataset(X, y, copies=copies, seed=seed)[0]
    assert torch.equal(again, X_aug), "one seed, one augmentation"


@FAST
@given(n=st.integers(2, 4), which=st.sampled_from(["angles", "shifts"]))
def test_rotate_and_shift_rejects_parameters_of_another_length(n, which):
    G = module("augment")
    X = torch.rand(n, 1, 6, 6)
    angles, shifts = torch.zeros(n), torch.zeros(n, 2)
    if which == "angles":
        angles = torch.zeros(n - 1)
    else:
        shifts = torch.zeros(n)
    with pytest.raises(ValueError, match=which):
        G.rotate_and_shift(X, angles, shifts)


def test_augment_dataset_rejects_labels_of_another_length():
    G = module("augment")
    with pytest.raises(ValueError, match="y must"):
        G.augment_dataset(torch.rand(4, 1, 6, 6), torch.zeros(3, dtype=torch.long))


# --- dlbook.autograd -------------------------------------------------------------------

UNARY = ["tanh", "exp", "relu", "sigmoid", "neg", "square"]
BINARY = ["+", "-", "*", "/"]


@st.composite
def expressions(draw, depth=3):
    """A random expression tree over two inputs, as nested tuples."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(["a", "b"]))
    if draw(st.booleans()):
        return (draw(st.sampled_from(UNARY)), draw(expressions(depth=depth - 1)))
    return (draw(st.sampled_from(BINARY)), draw(expressions(depth=depth - 1)),
            draw(expressions(depth=depth - 1)))


def evaluate_tree(tree, env, torch_mode):
    if isinstance(tree, str):
        return env[tree]
    op, *args = tree
    vals = [evaluate_tree(a, env, torch_mode) for a in args]
    if op in BINARY:
        x, y = vals
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        return x / (y * y + 1)  # a denominator away from 0
    (x,) = vals
    if op == "neg":
        return -x
    if op == "square":
        return x ** 2
    if op == "exp":
        x = x.tanh()  # keep exp in range
        return torch.exp(x) if torch_mode else x.exp()
    if torch_mode:
        return {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}[op](x)
    return getattr(x, op)()


@FAST
@given(tree=expressions(), a=st.floats(-2, 2), b=st.floats(-2, 2))
def test_value_gradients_match_torch(tree, a, b):
    V = module("autograd").Value
    assume(abs(a) > 1e-3 and abs(b) > 1e-3)  # no relu kink at 0
    va, vb = V(a), V(b)
    out = evaluate_tree(tree, {"a": va, "b": vb}, torch_mode=False)
    ta = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    ref = evaluate_tree(tree, {"a": ta, "b": tb}, torch_mode=True)
    if not isinstance(out, V):
        return  # the tree is a bare input
    out.backward()
    ref.backward()
    assert math.isclose(out.data, ref.item(), rel_tol=1e-9, abs_tol=1e-9)
    for v, t in ((va, ta), (vb, tb)):
        grad = 0.0 if t.grad is None else t.grad.item()
        assert math.isclose(v.grad, grad, rel_tol=1e-7, abs_tol=1e-9)


@QUICK
@given(data_=st.one_of(st.text(max_size=3), st.none(), st.lists(st.floats(), max_size=2)))
def test_value_holds_numbers_only(data_):
    V = module("autograd").Value
    with pytest.raises(TypeError, match="Value holds a number"):
        V(data_)
    with pytest.raises(TypeError, match="unsupported operand"):
        V(1.0) + data_


# --- dlbook.compute --------------------------------------------------------------------


@QUICK
@given(n=st.integers(1, 10**4), m=st.integers(1, 10**4), k=st.integers(1, 10**4))
def test_matmul_flops_is_2nmk(n, m, k):
    C = module("compute")
    assert C.matmul_flops(n, m, k) == 2 * n * m * k
    assert C.matmul_flops(n) == 2 * n ** 3


@QUICK
@given(value=st.one_of(st.integers(max_value=0), st.floats(0.5, 3), st.text(max_size=2)),
       which=st.sampled_from(["n", "m", "k"]))
def test_matmul_flops_rejects_bad_sizes(value, which):  # None means "n" for m and k
    C = module("compute")
    sizes = {"n": 3, "m": 3, "k": 3, which: value}
    with pytest.raises((TypeError, ValueError), match=which):
        C.matmul_flops(sizes["n"], sizes["m"], sizes["k"])


@QUICK
@given(duration=st.floats(1e-3, 1e6), rate=st.floats(1e-3, 1e6), other=st.floats(1e-3, 1e6))
def test_scaled_duration_is_proportional(duration, rate, other):
    C = module("compute")
    assert math.isclose(C.scaled_duration(duration, rate, other), duration * rate / other,
                        rel_tol=1e-9, abs_tol=1e-12)


# --- dlbook.conv ------------------------------------------------------------------------


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
    V = module("conv")
    X, K, b, stride, padding = problem
    got = V.conv2d(X, K, b, stride=stride, padding=padding)
    want = torch.nn.functional.conv2d(X, K, b, stride=stride, padding=padding)
    assert got.shape == want.shape and torch.allclose(got, want, atol=1e-9)
    assert got.shape[-1] == V.conv_output_size(X.shape[-1], K.shape[-1], stride, padding)


@FAST
@given(X=tensors(min_dims=4, max_dims=4, max_side=6).filter(lambda t: min(t.shape[-2:]) >= 2),
       kernel=st.integers(1, 2), kind=st.sampled_from(["max", "avg"]))
def test_pooling_matches_torch(X, kernel, kind):
    V = module("conv")
    ours = getattr(V, f"{kind}_pool2d")(X, kernel)
    theirs = getattr(torch.nn.functional, f"{kind}_pool2d")(X, kernel)
    assert torch.allclose(ours, theirs, atol=1e-6)


def test_conv2d_names_what_does_not_fit():
    V = module("conv")
    with pytest.raises(ValueError, match="K expects 1 input channels but X has 2"):
        V.conv2d(torch.rand(1, 2, 5, 5), torch.rand(3, 1, 3, 3))
    with pytest.raises(ValueError, match="b must have shape"):
        V.conv2d(torch.rand(1, 1, 5, 5), torch.rand(3, 1, 3, 3), torch.rand(2))
    with pytest.raises(ValueError, match="kernel_size 3 is larger than"):
        V.conv2d(torch.rand(1, 1, 2, 2), torch.rand(1, 1, 3, 3))
    with pytest.raises(ValueError, match="stride must be"):
        V.conv2d(torch.rand(1, 1, 5, 5), torch.rand(1, 1, 3, 3), stride=0)


# --- dlbook.descent ---------------------------------------------------------------------


@FAST
@given(theta0=hnp.arrays(np.float64, st.integers(1, 4), elements=st.floats(-5, 5)),
       method=st.sampled_from(["gradient_descent", "momentum", "adam"]),
       num_steps=st.integers(1, 30))
def test_optimisers_return_the_path_and_go_downhill(theta0, method, num_steps):
    D = module("descent")
    path = np.asarray(getattr(D, method)(lambda th: 2 * th, theta0, lr=0.1,
                                         num_steps=num_steps))
    assert path.shape == (num_steps + 1, len(theta0))
    assert np.array_equal(path[0], theta0)
    assert np.all(np.isfinite(path))
    if method == "gradient_descent":  # on x^2 plain descent shrinks every step
        assert np.all(np.abs(path[-1]) <= np.abs(theta0) + 1e-12)


@pytest.mark.parametrize("method", ["gradient_descent", "momentum", "adam"])
def test_optimisers_reject_gradients_of_the_wrong_shape(method):
    D = module("descent")
    for bad in (lambda th: np.ones(1), lambda th: np.float64(1.0)):
        with pytest.raises(ValueError, match="grad"):
            getattr(D, method)(bad, np.zeros(2), lr=0.1, num_steps=2)


def test_line_fit_rejects_mismatched_data():
    D = module("descent")
    with pytest.raises(ValueError, match="x and y must"):
        D.LineFit(np.zeros(5), np.zeros(4))


# --- dlbook.features --------------------------------------------------------------------


@FAST
@given(n=st.integers(1, 3), grid=st.integers(1, 3), cells=st.integers(1, 3))
def test_edge_features_have_the_documented_shapes(n, grid, cells):
    FE = module("features")
    side = grid * cells * 2
    X = torch.rand(n, 1, side, side)
    assert FE.edge_maps(X).shape == (n, 4, side, side)
    assert FE.edge_part_features(X, grid=grid).shape == (n, 4 * grid * grid)


@pytest.mark.parametrize("shape", [(2, 8, 8), (2, 3, 8, 8), (0, 1, 8, 8), (8, 8)])
def test_edge_maps_reject_other_shapes(shape):
    FE = module("features")
    with pytest.raises(ValueError, match=r"X must have shape \(N, 1, H, W\)"):
        FE.edge_maps(torch.rand(*shape))


# --- dlbook.gan -------------------------------------------------------------------------


@QUICK
@given(num_modes=st.integers(1, 12), radius=st.floats(0.1, 10), n=st.integers(1, 50),
       seed=st.integers(0, 100))
def test_ring_of_modes(num_modes, radius, n, seed):
    gan = module("gan")
    centers = gan.ring_centers(num_modes, radius)
    assert centers.shape == (num_modes, 2)
    assert torch.allclose(centers.norm(dim=1), torch.full((num_modes,), radius), rtol=1e-5)
    samples = gan.sample_ring(n, num_modes=num_modes, radius=radius, seed=seed)
    assert samples.shape == (n, 2)
    assert torch.equal(samples, gan.sample_ring(n, num_modes=num_modes, radius=radius,
                                                seed=seed))


@QUICK
@given(real=tensors(1, 1, 8), fake=tensors(1, 1, 8))
def test_gan_losses_are_binary_cross_entropy(real, fake):
    gan = module("gan")
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    want = bce(real, torch.ones_like(real)) + bce(fake, torch.zeros_like(fake))
    assert torch.allclose(gan.discriminator_loss(real, fake), want, atol=1e-5)
    assert torch.allclose(gan.generator_loss(fake), bce(fake, torch.ones_like(fake)),
                          atol=1e-5)


@FAST
@given(n=st.integers(1, 6), seed=st.integers(0, 50))
def test_generate_draws_n_samples_reproducibly(n, seed):
    gan = module("gan")
    torch.manual_seed(0)
    generator = gan.MLPGenerator(latent_dim=2, out_dim=2, num_hiddens=(4,))
    out = gan.generate(generator, n, seed=seed)
    assert out.shape == (n, 2) and torch.equal(out, gan.generate(generator, n, seed=seed))


def test_judge_rejects_rows_that_are_not_probabilities():
    gan = module("gan")
    with pytest.raises(ValueError, match="probs"):
        gan.judge(torch.full((4, 3), 0.9))


# --- dlbook.gnn -------------------------------------------------------------------------


@st.composite
def graphs(draw):
    n = draw(st.integers(1, 7))
    upper = np.triu(np.asarray(draw(hnp.arrays(np.float64, (n, n),
                                               elements=st.sampled_from([0.0, 1.0, 2.5])))),
                    k=1)
    return torch.from_numpy(upper + upper.T)


@QUICK
@given(A=graphs())
def test_normalized_adjacency_is_the_gcn_formula(A):
    gnn = module("gnn")
    A_hat = A + torch.eye(len(A), dtype=A.dtype)
    d = A_hat.sum(dim=1) ** -0.5
    want = d[:, None] * A_hat * d[None, :]
    got = gnn.normalized_adjacency(A)
    assert torch.allclose(got.double(), want, atol=1e-6)
    assert torch.allclose(got, got.T)


@pytest.mark.parametrize("A", [torch.rand(3, 4), torch.tensor([[0.0, 1.0], [0.0, 0.0]]),
                               -torch.ones(3, 3), torch.zeros(0, 0)])
def test_normalized_adjacency_rejects_what_is_not_a_graph(A):
    gnn = module("gnn")
    with pytest.raises(ValueError, match="A must"):
        gnn.normalized_adjacency(A)


@FAST
@given(n=st.integers(1, 6), f_in=st.integers(1, 4), f_out=st.integers(1, 4),
       wrong=st.sampled_from(["nodes", "features"]))
def test_gcn_layer_checks_its_inputs(n, f_in, f_out, wrong):
    gnn = module("gnn")
    layer = gnn.GCNLayer(f_in, f_out)
    H, A = torch.rand(n, f_in), torch.eye(n)
    assert layer(H, A).shape == (n, f_out)
    bad = (H, torch.eye(n + 1)) if wrong == "nodes" else (torch.rand(n, f_in + 1), A)
    with pytest.raises(ValueError, match="A_norm|H"):
        layer(*bad)


# --- dlbook.neurons ---------------------------------------------------------------------


@QUICK
@given(n=st.integers(1, 6), d=st.integers(1, 4), seed=st.integers(0, 99),
       b=st.floats(-2, 2))
def test_perceptron_is_a_step_of_an_affine_map(n, d, seed, b):
    N = module("neurons")
    g = torch.Generator().manual_seed(seed)
    X, w = torch.randn(n, d, generator=g), torch.randn(d, generator=g)
    z = X @ w + b
    assume(bool((z.abs() > 1e-4).all()))  # the step at 0 is a convention
    assert torch.equal(N.perceptron(X, w, b), (z > 0).to(N.perceptron(X, w, b).dtype))
    with pytest.raises(ValueError, match="w must have shape"):
        N.perceptron(X, torch.randn(d + 1), b)


@pytest.mark.parametrize("gate", ["AND", "OR", "NAND", "NOR", "XOR", "XNOR"])
def test_truth_tables(gate):
    N = module("neurons")
    X, y = N.truth_table(gate)
    assert X.shape == (4, 2) and y.shape == (4,)
    a, b = X[:, 0].bool(), X[:, 1].bool()
    want = {"AND": a & b, "OR": a | b, "NAND": ~(a & b), "NOR": ~(a | b), "XOR": a ^ b,
            "XNOR": ~(a ^ b)}[gate]
    assert torch.equal(y.bool(), want)


# --- dlbook.playground ------------------------------------------------------------------


@QUICK
@given(name=st.sampled_from(["circles", "moons", "spirals", "xor"]), n=st.integers(2, 60),
       seed=st.integers(0, 99))
def test_playground_data_sets(name, n, seed):
    P = module("playground")
    assume(name in P.DATASETS)
    X, y = P.make_dataset(name, n, seed=seed)
    assert X.shape == (n, 2) and X.dtype == torch.float32
    assert y.shape == (n,) and y.dtype == torch.int64 and set(y.tolist()) <= {0, 1}
    assert torch.equal(X, P.make_dataset(name, n, seed=seed)[0])
    parts = P.split(X, y, seed=seed)
    assert sum(len(part[1]) for part in parts) == n
    for Xp, yp in parts:
        assert len(Xp) == len(yp)


@QUICK
@given(cut=st.integers(1, 5))
def test_playground_split_rejects_mismatched_lengths(cut):
    P = module("playground")
    X, y = P.make_dataset("moons", 20)
    with pytest.raises(ValueError, match="X and y must have the same length"):
        P.split(X, y[:-cut])


# --- dlbook.plotting --------------------------------------------------------------------


@QUICK
@given(labels=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1,
                       max_size=30))
def test_confusion_matrix_counts_pairs(labels):
    PL = module("plotting")
    y_true, y_pred = map(list, zip(*labels))
    cm = np.asarray(PL.confusion_matrix(y_true, y_pred, num_classes=5))
    assert cm.shape == (5, 5) and cm.sum() == len(labels)
    for t, p in set(labels):
        assert cm[t, p] == labels.count((t, p))


@QUICK
@given(n=st.integers(1, 10), cut=st.integers(1, 3))
def test_confusion_matrix_rejects_mismatched_lengths(n, cut):
    PL = module("plotting")
    with pytest.raises(ValueError, match="y_true and y_pred must"):
        PL.confusion_matrix([0] * (n + cut), [0] * n)


@pytest.mark.parametrize("y_true,num_classes", [([0, -1], None), ([0, 5], 3)])
def test_confusion_matrix_rejects_labels_outside_the_classes(y_true, num_classes):
    PL = module("plotting")
    with pytest.raises(ValueError, match="y_true"):
        PL.confusion_matrix(y_true, [0, 1], num_classes=num_classes)


# --- dlbook.pointcloud ------------------------------------------------------------------


@QUICK
@given(kind=st.sampled_from(["sphere", "torus", "cube"]), n=st.integers(1, 200),
       seed=st.integers(0, 99), bins=st.integers(1, 20))
def test_point_clouds_and_their_histograms(kind, n, seed, bins):
    PC = module("pointcloud")
    points = PC.sample_shape(kind, n, seed=seed)
    assert np.shape(points) == (n, 3)
    assert np.array_equal(points, PC.sample_shape(kind, n, seed=seed))
    hist = PC.distance_histogram(points, bins=bins)
    assert np.shape(hist) == (bins,) and np.all(np.asarray(hist) >= 0)
    assert np.sum(hist) <= 1 + 1e-9


@pytest.mark.parametrize("shape", [(5, 2), (5,), (5, 3, 1)])
def test_distance_histogram_rejects_other_shapes(shape):
    PC = module("pointcloud")
    with pytest.raises(ValueError, match=r"points must have shape \(num_points, 3\)"):
        PC.distance_histogram(np.zeros(shape))


# --- dlbook.regression ------------------------------------------------------------------


@QUICK
@given(y=hnp.arrays(np.float64, st.integers(1, 20), elements=st.floats(-100, 100)),
       shift=st.floats(-10, 10))
def test_mse_is_the_mean_squared_difference(y, shift):
    R = module("regression")
    assert math.isclose(R.mse(y + shift, y), shift ** 2, rel_tol=1e-6, abs_tol=1e-6)


@QUICK
@given(n=st.integers(1, 6), shape=st.sampled_from(["longer", "column", "row"]))
def test_mse_never_broadcasts(n, shape):
    R = module("regression")
    y = np.zeros(n)
    y_hat = {"longer": np.zeros(n + 1), "column": np.zeros((n, 1)),
             "row": np.zeros((1, n))}[shape]
    with pytest.raises(ValueError, match="y_hat"):
        R.mse(y_hat, y)


@QUICK
@given(x=hnp.arrays(np.float64, st.integers(1, 10), elements=st.floats(-2, 2)),
       degree=st.integers(0, 5))
def test_polynomial_features_are_powers(x, degree):
    R = module("regression")
    Phi = R.polynomial_features(x, degree)
    assert Phi.shape == (len(x), degree + 1)
    assert np.allclose(Phi, x[:, None] ** np.arange(degree + 1))


@FAST
@given(coeffs=st.lists(st.floats(-3, 3), min_size=1, max_size=4), seed=st.integers(0, 99))
def test_polynomial_regression_recovers_a_polynomial(coeffs, seed):
    R = module("regression")
    x = np.linspace(-1, 1, 25)
    y = np.polynomial.polynomial.polyval(x, coeffs)
    model = R.PolynomialRegression(len(coeffs) - 1).fit(x, y)
    assert np.allclose(model.predict(x), y, atol=1e-6)
    with pytest.raises(ValueError, match="x and y must have the same shape"):
        R.PolynomialRegression(1).fit(x, y[:-1])


# --- dlbook.sequences -------------------------------------------------------------------


@QUICK
@given(series=tensors(1, 1, 30), window=st.integers(1, 10))
def test_windows_are_past_values_and_the_next_one(series, window):
    S = module("sequences")
    assume(len(series) > window)
    X, y = S.make_windows(series, window)
    n = len(series) - window
    assert X.shape == (n, window, 1) and y.shape == (n, 1)
    for k in range(n):
        assert torch.equal(X[k, :, 0], series[k:k + window])
        assert y[k, 0] == series[k + window]
    assert torch.equal(S.naive_forecast(X), X[:, -1])


@FAST
@given(batch=st.integers(1, 3), steps=st.integers(1, 5), d_in=st.integers(1, 3),
       d_h=st.integers(1, 4), seed=st.integers(0, 99))
def test_rnn_unrolled_matches_torch_rnn(batch, steps, d_in, d_h, seed):
    S = module("sequences")
    torch.manual_seed(seed)
    rnn = torch.nn.RNN(d_in, d_h, batch_first=True).double()
    X = torch.randn(batch, steps, d_in, dtype=torch.float64)
    want, _ = rnn(X)
    got = S.rnn_unrolled(X, rnn.weight_ih_l0, rnn.weight_hh_l0,
                         rnn.bias_ih_l0 + rnn.bias_hh_l0)
    assert torch.allclose(got, want, atol=1e-9)


def test_train_regressor_rejects_targets_that_would_broadcast():
    S = module("sequences")
    model = S.RNNRegressor(num_hiddens=4)
    with pytest.raises(ValueError, match="y"):
        S.train_regressor(model, torch.rand(6, 5, 1), torch.rand(6), num_epochs=1)


# --- dlbook.signals ---------------------------------------------------------------------


@FAST
@given(num_beats=st.integers(5, 15), seed=st.integers(0, 99))
def test_beats_are_found_and_cut_out(num_beats, seed):
    SG = module("signals")
    ecg = SG.synthetic_ecg(num_beats, noise=0.0, seed=seed)
    peaks = np.asarray(SG.find_beats(ecg.signal, ecg.fs))
    assert np.all(np.diff(peaks) > 0)
    assert abs(len(peaks) - len(ecg.r_peaks)) <= 2
    inner = peaks[(peaks > ecg.fs) & (peaks < len(ecg.signal) - ecg.fs)]
    beats = np.asarray(SG.segment_beats(ecg.signal, inner, ecg.fs))
    assert beats.ndim == 2 and len(beats) == len(inner)
    assert np.shape(SG.beat_scores(beats)) == (len(inner),)


@pytest.mark.parametrize("fs", [0, -250.0])
def test_find_beats_rejects_bad_sampling_rates(fs):
    SG = module("signals")
    with pytest.raises(ValueError, match="fs must be positive"):
        SG.find_beats(np.zeros(100), fs)


# --- dlbook.exercises.* -----------------------------------------------------------------


def checkers():
    """Every ``check_*`` of the chapters' exercise modules that takes one answer."""
    import inspect
    import pkgutil

    found = []
    for info in pkgutil.iter_modules(exercises.__path__):
        mod = importlib.import_module(f"dlbook.exercises.{info.name}")
        for name, fn in vars(mod).items():
            if name.startswith("check_") and inspect.isfunction(fn) \
                    and fn.__module__ == mod.__name__:
                required = [p for p in inspect.signature(fn).parameters.values()
                            if p.default is p.empty
                            and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
                if len(required) == 1:
                    found.append(pytest.param(fn, id=f"{info.name}.{name}"))
    return found


numeric_answers = st.one_of(
    st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
               elements=st.floats(-1e3, 1e3)),
    st.none())


@pytest.mark.parametrize("check", checkers())
@settings(FAST, max_examples=20)
@given(answer=numeric_answers)
def test_checkers_answer_any_number_with_feedback(check, answer):
    """A reader's answer of any shape gets a verdict, or a TypeError/ValueError saying
    what was expected; never a crash from deep inside the checker."""
    try:
        verdict = check(answer)
    except (TypeError, ValueError) as err:
        assert str(err), "the error must say what was expected"
        return
    assert isinstance(verdict, exercises.Feedback)
    assert isinstance(str(verdict), str)
