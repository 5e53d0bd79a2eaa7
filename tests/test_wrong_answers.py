"""Calls that once answered wrongly without saying so: each now gives the right answer
or stops with a message that says what happened and what to do."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dlbook import autograd, compute, conv, gnn, neurons, playground, plotting, \
    sequences, training
from dlbook._checks import TrainingDiverged
from dlbook.activations import deep_mlp


def small_data(n=16, num_features=4, num_classes=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(n, num_features, generator=g),
            torch.randint(0, num_classes, (n,), generator=g))


def test_predict_rejects_outputs_that_are_not_logits_per_example():
    # was: shape (1, 20, 3), softmaxed over the 20 examples instead of the 3 classes
    with pytest.raises(ValueError, match=r"logits of shape \(batch, num_classes\)"):
        training.predict(nn.Linear(4, 3), torch.rand(1, 20, 4))


def test_conv2d_of_an_integer_image_is_not_truncated():
    # was: [[3, 4], [7, 8]], the float products cut to the image's int64
    X = torch.arange(9).reshape(3, 3)
    K = torch.full((2, 2), 0.3)
    expected = F.conv2d(X[None, None].float(), K[None, None])[0, 0]  # [[3.6, 4.8], ...]
    assert torch.allclose(conv.conv2d(X, K), expected)


def test_fit_rejects_the_optimizer_of_another_model():
    # was: trained nothing and reported a flat loss
    model, other = nn.Linear(4, 3), nn.Linear(4, 3)
    opt = torch.optim.SGD(other.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="optimizer does not update any of this model"):
        training.fit(model, small_data(), optimizer=opt, num_epochs=1, progress=False)


def test_fit_rejects_nan_in_the_data():
    X, y = small_data()
    X[3, 1] = math.nan
    with pytest.raises(ValueError, match="X contains 1 NaN or infinite"):
        training.fit(nn.Linear(4, 3), (X, y), num_epochs=1, progress=False)


def test_fit_stops_when_the_loss_diverges():
    # was: a history of NaNs
    torch.manual_seed(0)
    with pytest.raises(TrainingDiverged, match=r"at epoch \d+: training diverged. "
                                               r"Try a smaller learning rate"):
        training.fit(nn.Linear(4, 3), small_data(), lr=1e38, momentum=0.0,
                     num_epochs=20, progress=False)


def test_train_regressor_stops_when_the_loss_diverges():
    X, y = torch.randn(32, 3), torch.randn(32, 1)
    with pytest.raises(TrainingDiverged, match="epoch 1"):
        sequences.train_regressor(nn.Linear(3, 1), X, y * 1e30, num_epochs=3)
    X[0, 0] = math.nan
    with pytest.raises(ValueError, match="X contains 1 NaN"):
        sequences.train_regressor(nn.Linear(3, 1), X, y, num_epochs=1)


def test_train_node_classifier_stops_on_nan():
    A_norm = gnn.normalized_adjacency(torch.ones(4, 4) - torch.eye(4))
    X, y = torch.eye(4), torch.tensor([0, 1, 0, 1])
    mask = torch.tensor([True, True, False, False])
    X_nan = X.clone()
    X_nan[2, 2] = math.nan
    with pytest.raises(ValueError, match="X contains 1 NaN"):
        gnn.train_node_classifier(gnn.GCN(4, 2), X_nan, A_norm, y, mask)
    model = gnn.GCN(4, 2)
    with torch.no_grad():
        model.classifier.weight.fill_(math.inf)  # a loss that is NaN from the start
    with pytest.raises(TrainingDiverged, match="epoch 1"):
        gnn.train_node_classifier(model, X, A_norm, y, mask, num_epochs=2)


def test_train_classifier_stops_on_nan_and_diverging_loss():
    X, y = playground.make_moons(40)
    X_nan = X.clone()
    X_nan[0, 0] = math.nan
    with pytest.raises(ValueError, match="X contains 1 NaN"):
        playground.train_classifier(X_nan, y, num_epochs=2)
    with pytest.raises(TrainingDiverged, match="training diverged"):
        playground.train_classifier(X, y, optimizer="sgd", lr=1e38,
                                    momentum=0.0, num_epochs=5)


def test_train_perceptron_rejects_nan_inputs():
    X, y = neurons.truth_table("AND")
    X[0, 0] = math.nan
    with pytest.raises(ValueError, match="X contains 1 NaN"):
        neurons.train_perceptron(X, y)


def test_rnn_unrolled_rejects_a_bias_that_would_broadcast():
    # was: with batch == hidden, b of shape (hidden, 1) added row-wise, silently
    hidden = batch = 3
    X = torch.randn(batch, 5, 2)
    W_xh, W_hh = torch.randn(hidden, 2), torch.randn(hidden, hidden)
    with pytest.raises(ValueError, match=r"b must have shape \(3,\), got \(3, 1\)"):
        sequences.rnn_unrolled(X, W_xh, W_hh, torch.randn(hidden, 1))
    with pytest.raises(ValueError, match="h0 must have shape"):
        sequences.rnn_unrolled(X, W_xh, W_hh, torch.randn(hidden), torch.randn(hidden))


def test_confusion_matrix_rejects_float_labels():
    # was: 1.7 counted as class 1
    with pytest.raises(TypeError, match="y_pred must hold integer class indices"):
        plotting.confusion_matrix([0, 1, 2], np.array([0.0, 1.7, 2.0]))


def test_playground_split_rejects_empty_parts():
    # was: sizes [2, 0, 0], an empty validation and test set
    X, y = torch.zeros(2, 2), torch.zeros(2, dtype=torch.long)
    with pytest.raises(ValueError, match=r"cannot be split.*\[2, 0, 0\]"):
        playground.split(X, y)


def test_train_classifier_rejects_batch_size_zero():
    # was: batch_size=0 silently trained on the full batch
    X, y = playground.make_moons(20)
    with pytest.raises(ValueError, match="batch_size must be a positive int, got 0"):
        playground.train_classifier(X, y, batch_size=0, num_epochs=1)


def test_deep_mlp_rejects_an_unknown_activation_without_hidden_layers():
    # was: accepted, because no hidden layer ever looked the name up
    with pytest.raises(ValueError, match="activation must be one of"):
        deep_mlp(2, (), 2, activation="nope")


def test_autograd_mlp_rejects_empty_layers():
    # was: MLP(2, [0]) returned [] for every input
    with pytest.raises(ValueError, match=r"layer_sizes\[0\] must be a positive int"):
        autograd.MLP(2, [0])


def test_matmul_gflops_rejects_an_infinite_budget():
    # was: never returned
    with pytest.raises(ValueError, match="budget_s must be a finite number"):
        compute.matmul_gflops(4, budget_s=math.inf)


def test_float64_numpy_data_gets_a_message_that_says_to_convert():
    # was: torch's "mat1 and mat2 must have the same dtype"
    X64 = torch.from_numpy(np.random.default_rng(0).normal(size=(8, 4)))
    y = torch.zeros(8, dtype=torch.long)
    model = nn.Linear(4, 3)
    with pytest.raises(TypeError, match=r"X has dtype torch.float64 but the model's "
                                        r"weights are torch.float32; convert it with "
                                        r"X.to\(torch.float32\)"):
        training.fit(model, (X64, y), num_epochs=1, progress=False)
    with pytest.raises(TypeError, match=r"convert it with X.to\(torch.float32\)"):
        training.predict(model, X64)
    with pytest.raises(TypeError, match=r"convert it with torch.as_tensor\(X, "
                                        r"dtype=torch.float32\)"):
        training.fit(model, (X64.numpy(), y), num_epochs=1, progress=False)
