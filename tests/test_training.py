import copy
import math

import pytest
import torch
from helpers.strategies import FAST
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.data import TensorDataset

from dlbook import models, training
from dlbook.models import MLP, Perceptron
from dlbook.training import evaluate, fit


def blobs(n=120, seed=0):
    """Three well separated classes of 1x2x2 'images'."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 3
    centers = torch.tensor([[2.0, 0, 0, 0], [0, 2.0, 0, 0], [0, 0, 2.0, 0]])
    X = centers[y] + 0.3 * torch.randn(n, 4, generator=g)
    return X.reshape(n, 1, 2, 2), y


def test_loss_falls_and_accuracy_rises_on_a_tiny_problem():
    X, y = blobs()
    model = Perceptron((1, 2, 2), 3)
    h = fit(model, (X, y), (X, y), num_epochs=15, lr=0.1, batch_size=16, shuffle=True)
    assert h.num_epochs == 15
    assert h.train_loss[-1] < h.train_loss[0] / 3
    assert h.val_acc[-1] == 1.0
    assert evaluate(model, (X, y))[1] == 1.0


def test_history_has_one_entry_per_epoch_and_no_validation_when_none():
    X, y = blobs()
    h = fit(Perceptron((1, 2, 2), 3), (X, y), num_epochs=3, shuffle=False)
    assert len(h.train_loss) == len(h.train_acc) == 3
    assert h.val_loss == [] and h.best_epoch == 3 and h.seconds > 0


def test_shuffle_changes_the_batches():
    X, y = blobs()
    losses = []
    for shuffle in (False, True):
        torch.manual_seed(0)
        model = MLP((1, 2, 2), 3, num_hiddens=(8,))
        losses.append(fit(model, (X, y), num_epochs=2, batch_size=8,
                          shuffle=shuffle).train_loss)
    assert losses[0] != losses[1]


def test_early_stopping_restores_the_best_weights():
    X, y = blobs(60)
    Xv, yv = blobs(60, seed=1)
    yv = yv[torch.randperm(60)]  # validation labels that training cannot fit
    model = MLP((1, 2, 2), 3, num_hiddens=(32,))
    h = fit(model, (X, y), (Xv, yv), num_epochs=40, lr=0.2, patience=3)
    assert h.stopped_early and h.num_epochs < 40
    best = h.best_epoch
    assert h.val_loss[best - 1] == min(h.val_loss)
    assert h.num_epochs == best + 3
    assert evaluate(model, (Xv, yv))[0] == pytest.approx(h.val_loss[best - 1], rel=1e-5)


def test_a_dataset_that_is_not_tensor_backed_goes_through_a_dataloader():
    X, y = blobs()

    class Wrapped(torch.utils.data.Dataset):
        def __len__(self):
            return len(y)

        def __getitem__(self, i):
            return X[i], y[i]

    h = fit(Perceptron((1, 2, 2), 3), Wrapped(), TensorDataset(X, y), num_epochs=5,
            lr=0.1)
    assert h.val_acc[-1] > 0.9


def test_adam_and_a_ready_optimizer_both_work():
    X, y = blobs()
    model = Perceptron((1, 2, 2), 3)
    assert fit(model, (X, y), num_epochs=5, optimizer="adam", lr=0.05).train_acc[-1] > 0.9
    model = Perceptron((1, 2, 2), 3)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    assert fit(model, (X, y), num_epochs=5, batch_size=16,
               optimizer=opt).train_acc[-1] > 0.9


def test_evaluate_leaves_the_model_mode_alone():
    X, y = blobs(12)
    model = nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.Linear(4, 3))
    model.train()
    evaluate(model, (X, y))
    assert model.training


def _progress_lines(capsys) -> list[str]:
    return [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("epoch")]


def test_progress_shows_every_epoch_when_epochs_are_slow(capsys, monkeypatch):
    import dlbook.training as training

    monkeypatch.setattr(training, "PROGRESS_EVERY", 0.0)
    X, y = blobs()
    fit(Perceptron((1, 2, 2), 3), (X, y), num_epochs=6, shuffle=False, progress=True)
    lines = _progress_lines(capsys)
    assert [ln.split()[1] for ln in lines] == [f"{e}/6" for e in range(1, 7)]


def test_progress_of_fast_epochs_is_thinned_but_keeps_first_and_last(capsys,
                                                                      monkeypatch):
    import dlbook.training as training

    monkeypatch.setattr(training, "PROGRESS_EVERY", 3600.0)
    X, y = blobs()
    fit(Perceptron((1, 2, 2), 3), (X, y), num_epochs=40, shuffle=False, progress=True)
    assert [ln.split()[1] for ln in _progress_lines(capsys)] == ["1/40", "40/40"]
    # the epoch where early stopping ends the run is always shown (random validation
    # labels: the validation loss rises as the network grows confident)
    X_val, _ = blobs(30, seed=1)
    y_val = torch.randint(0, 3, (30,), generator=torch.Generator().manual_seed(0))
    h = fit(MLP((1, 2, 2), 3, num_hiddens=(16,)), (X, y), (X_val, y_val),
            num_epochs=200, lr=0.5, patience=2, shuffle=False, progress=True)
    lines = _progress_lines(capsys)
    assert h.stopped_early
    assert lines[-1].split()[1] == f"{h.num_epochs}/200"


def test_progress_is_off_when_asked(capsys):
    X, y = blobs()
    fit(Perceptron((1, 2, 2), 3), (X, y), num_epochs=3, shuffle=False, progress=False)
    assert _progress_lines(capsys) == []


@pytest.mark.parametrize("as_floats", [True, False], ids=["floats", "tensors"])
@pytest.mark.parametrize("sizes", [[5], [4, 4, 2], [3, 3, 3]])
def test_epoch_summary_weighs_each_batch_by_its_size(sizes, as_floats):
    # losses come as floats on a CPU and as 0-d tensors on a GPU (read once an epoch)
    from dlbook.training import _epoch_summary

    g = torch.Generator().manual_seed(0)
    outputs = [torch.randn(n, 3, generator=g) for n in sizes]
    targets = [torch.randint(0, 3, (n,), generator=g) for n in sizes]
    losses = [nn.functional.cross_entropy(o, t) for o, t in zip(outputs, targets)]
    if as_floats:
        losses = [loss.item() for loss in losses]
    loss, acc = _epoch_summary(losses, outputs, targets)
    every = torch.cat(outputs), torch.cat(targets)
    assert loss == pytest.approx(nn.functional.cross_entropy(*every).item(), rel=1e-6)
    assert acc == (every[0].argmax(dim=1) == every[1]).sum().item() / sum(sizes)


# --- properties: any small data set, and every bad input named -------------------------


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
        with pytest.raises(ValueError, match=r"y must have shape \(batch,\)"):
            training.fit(model, (X, y[0]), num_epochs=1)
        return
    # (N, 1) labels would broadcast against (N,) predictions into an (N, N) mess
    bad = y[:, None] if shape == "column" else torch.nn.functional.one_hot(y, num_classes)
    for call in (lambda: training.fit(model, (X, bad), num_epochs=1),
                 lambda: training.evaluate(model, (X, bad))):
        with pytest.raises(ValueError, match=r"y must have shape \(batch,\)"):
            call()


@FAST
@given(d=classification_data(), dtype=st.sampled_from([torch.float32, torch.int32,
                                                      torch.bool, torch.float64]))
def test_fit_rejects_labels_that_are_not_class_indices(d, dtype):
    X, y, num_classes = d
    model = models.Perceptron(tuple(X.shape[1:]), num_classes)
    with pytest.raises(TypeError, match=r"y must have dtype torch.int64"):
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
    ("optimizer", "rmsprop", ValueError), ("device", "gpu", ValueError),
]


@pytest.mark.parametrize("name,value,error", BAD_SETTINGS)
def test_fit_rejects_bad_settings_naming_them(name, value, error):
    X, y = torch.rand(4, 1, 2, 2), torch.tensor([0, 1, 0, 1])
    model = models.Perceptron((1, 2, 2), 2)
    with pytest.raises(error, match=f"{name} must"):
        training.fit(model, (X, y), (X, y), **{"num_epochs": 1, name: value})


def test_fit_rejects_bad_data_containers():
    X, y = torch.rand(4, 1, 2, 2), torch.tensor([0, 1, 0, 1])
    model = models.Perceptron((1, 2, 2), 2)
    cases = [((X.numpy(), y.numpy()), TypeError, "X must be a torch.Tensor"),
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
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        training.predict(model, X, batch_size=0)
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        training.evaluate(model, (X, y), batch_size=-4)
