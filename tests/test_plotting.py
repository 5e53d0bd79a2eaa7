import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from helpers.strategies import QUICK  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from dlbook import plotting  # noqa: E402
from dlbook.plotting import (confusion_matrix, plot_confusion_matrix,  # noqa: E402
                             plot_history, show_images)
from dlbook.training import History  # noqa: E402


def test_confusion_matrix_counts():
    c = confusion_matrix(torch.tensor([0, 0, 1, 2, 2]), np.array([0, 1, 1, 2, 0]))
    assert c.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]
    assert confusion_matrix([0], [0], num_classes=4).shape == (4, 4)
    with pytest.raises(ValueError, match="same length"):
        confusion_matrix([0, 1], [0])


def test_plot_history_draws_train_and_validation_curves():
    h = History(train_loss=[1.0, 0.5], train_acc=[0.5, 0.8], val_loss=[1.1, 0.7],
                val_acc=[0.4, 0.7], best_epoch=2)
    fig = plot_history({"a": h, "b": h})
    loss_ax, acc_ax = fig.axes
    assert len(loss_ax.get_lines()) == 6  # 2 runs x (train, val, best marker)
    assert acc_ax.get_ylabel() == "accuracy"
    with pytest.raises(ValueError, match="metrics"):
        plot_history({"a": h}, metrics=("f1",))
    with pytest.raises(ValueError, match="at least one run"):
        plot_history({})


def test_show_images_titles_mark_wrong_predictions():
    fig = show_images(torch.rand(3, 1, 8, 8), [1, 2, 3], predictions=[1, 2, 4], ncols=3)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["1→1", "2→2", "3→4 ✗"]
    with pytest.raises(ValueError, match="one entry per image"):
        show_images(torch.rand(3, 8, 8), [1, 2])
    with pytest.raises(ValueError, match="one channel"):
        show_images(torch.rand(3, 3, 8, 8))


def test_plot_confusion_matrix_shows_counts():
    fig = plot_confusion_matrix([0, 1, 1], [0, 1, 0], num_classes=2)
    texts = sorted(t.get_text() for t in fig.axes[0].texts)
    assert texts == ["1", "1", "1"]


# --- properties, on drawn inputs ---------------------------------------------------


@QUICK
@given(labels=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1,
                       max_size=30))
def test_confusion_matrix_counts_pairs(labels):
    y_true, y_pred = map(list, zip(*labels))
    cm = np.asarray(plotting.confusion_matrix(y_true, y_pred, num_classes=5))
    assert cm.shape == (5, 5) and cm.sum() == len(labels)
    for t, p in set(labels):
        assert cm[t, p] == labels.count((t, p))


@QUICK
@given(n=st.integers(1, 10), cut=st.integers(1, 3))
def test_confusion_matrix_rejects_mismatched_lengths(n, cut):
    with pytest.raises(ValueError, match="y_true and y_pred must"):
        plotting.confusion_matrix([0] * (n + cut), [0] * n)


@pytest.mark.parametrize("y_true,num_classes", [([0, -1], None), ([0, 5], 3)])
def test_confusion_matrix_rejects_labels_outside_the_classes(y_true, num_classes):
    with pytest.raises(ValueError, match="y_true"):
        plotting.confusion_matrix(y_true, [0, 1], num_classes=num_classes)
