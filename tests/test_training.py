import math

import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

from dlbook.models import MLP, Perceptron
from dlbook.training import History, evaluate, fit, predict


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


def test_training_is_repeatable_with_the_same_seed():
    X, y = blobs()
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = MLP((1, 2, 2), 3, num_hiddens=(8,))
        runs.append(fit(model, (X, y), num_epochs=3, seed=5, shuffle=True).train_loss)
    assert runs[0] == runs[1]


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


def test_predict_returns_probabilities():
    X, _ = blobs(10)
    p = predict(Perceptron((1, 2, 2), 3), X)
    assert p.shape == (10, 3)
    assert torch.allclose(p.sum(dim=1), torch.ones(10))


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(lr=0), ValueError, "lr must be positive"),
    (dict(lr=-0.1), ValueError, "lr must be positive"),
    (dict(lr=math.nan), ValueError, "lr must be positive"),
    (dict(num_epochs=0), ValueError, "num_epochs"),
    (dict(batch_size=2.5), TypeError, "batch_size"),
    (dict(momentum=1.0), ValueError, "momentum"),
    (dict(weight_decay=-1), ValueError, "weight_decay"),
    (dict(optimizer="rmsprop"), ValueError, "optimizer must be one of"),
    (dict(device="gpu"), ValueError, "device"),
    (dict(shuffle=1), TypeError, "shuffle"),
    (dict(patience=2), ValueError, "needs val_data"),
])
def test_fit_rejects_bad_settings(kwargs, error, match):
    X, y = blobs(12)
    with pytest.raises(error, match=match):
        fit(Perceptron((1, 2, 2), 3), (X, y), **kwargs)


def test_fit_rejects_bad_data():
    X, y = blobs(12)
    model = Perceptron((1, 2, 2), 3)
    with pytest.raises(ValueError, match="train_data is empty"):
        fit(model, (X[:0], y[:0]))
    with pytest.raises(ValueError, match="same length"):
        fit(model, (X, y[:5]))
    with pytest.raises(TypeError, match="Dataset or a tuple"):
        fit(model, [X, y])
    with pytest.raises(TypeError, match="nn.Module"):
        fit("model", (X, y))
    with pytest.raises(ValueError, match="expects a batch of shape"):
        fit(model, (X.reshape(12, 1, 4, 1), y))


def test_history_defaults():
    h = History()
    assert h.num_epochs == 0 and h.best_epoch is None


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
