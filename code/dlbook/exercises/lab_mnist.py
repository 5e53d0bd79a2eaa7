"""Checkers for the exercises of the lab "MNIST in three flavours"."""

from __future__ import annotations

import math

import numpy as np
import torch

from dlbook.exercises import Feedback
from dlbook.exercises._answers import checker, number, whole_numbers
from dlbook.models import MLP, Perceptron, WorkshopCNN, count_parameters


def _count_weights_only(model: torch.nn.Module) -> int:
    return sum(p.numel() for name, p in model.named_parameters() if "bias" not in name)


@checker
def check_parameter_count(answer, *, model: str = "perceptron",
                          input_shape=(1, 28, 28), num_classes: int = 10,
                          num_hiddens=(20,)) -> Feedback:
    """Check a hand count of the trainable parameters of one of the lab's networks.

    Args:
        answer: the reader's count, an integer.
        model: ``"perceptron"``, ``"mlp"`` (by default the workshop's deep network,
            one hidden layer of 20 units) or ``"cnn"`` (the workshop's CNN).
        input_shape, num_classes, num_hiddens: the network the reader counted.
    """
    exercise = f"parameters of the {model} for {tuple(input_shape)} inputs"
    fb = Feedback(exercise)
    if model == "perceptron":
        net = Perceptron(input_shape, num_classes)
    elif model == "mlp":
        net = MLP(input_shape, num_classes, num_hiddens=num_hiddens)
    elif model == "cnn":
        net = WorkshopCNN(input_shape, num_classes)
    else:
        raise ValueError(f"model must be 'perceptron', 'mlp' or 'cnn', got {model!r}")
    answer = number(fb, "the answer", answer, whole=True)
    expected = count_parameters(net)
    if answer == expected:
        return fb.note(f"{expected:,} parameters: weights and biases of every layer.")
    fb.fail(f"you counted {answer:,}; that is not the number of trainable parameters.")
    if answer == _count_weights_only(net):
        fb.note("You counted the weights only: every output unit has a bias as well.")
    elif answer == math.prod(input_shape) * num_classes and model == "mlp":
        fb.note("That is the perceptron's weight count: the MLP has hidden layers.")
    elif model == "cnn":
        fb.note("A convolution has in_channels x out_channels x 5 x 5 weights and one "
                "bias per output map, shared by every position; add the two Linear "
                "layers (inputs x outputs + outputs each). Pooling, ReLU and dropout "
                "have none.")
    elif answer < expected:
        fb.note("Too few: count, for every Linear layer, inputs x outputs + outputs.")
    else:
        fb.note("Too many: a layer has inputs x outputs weights and one bias per "
                "output.")
    return fb


@checker
def check_most_confused(answer, confusion: np.ndarray) -> Feedback:
    """Check the reader's (true, predicted) pair: the largest off-diagonal count.

    Args:
        answer: a pair ``(true_class, predicted_class)``.
        confusion: the confusion matrix, ``confusion[i, j]`` = examples of class ``i``
            predicted as ``j``.
    """
    fb = Feedback("the pair of digits the model confuses most")
    confusion = np.asarray(confusion)
    if confusion.ndim != 2 or confusion.shape[0] != confusion.shape[1]:
        raise ValueError(f"confusion must be a square matrix, got {confusion.shape}")
    true, pred = whole_numbers(fb, "answer", answer, 2,
                               "a pair of classes (true, predicted)")
    k = len(confusion)
    if not (0 <= true < k and 0 <= pred < k):
        return fb.fail(f"classes run from 0 to {k - 1}, got ({true}, {pred})")
    if true == pred:
        return fb.fail("that is a diagonal cell: those are correct predictions")
    off = confusion.copy()
    np.fill_diagonal(off, 0)
    best = off.max()
    ties = int((off == best).sum())
    if off[true, pred] == best:
        images = "test image" if best == 1 else "test images"
        fb.note(f"{best} {images} of a {true} were read as a {pred}.")
        if ties > 1:
            others = ("1 other pair is" if ties == 2 else f"{ties - 1} other pairs are")
            fb.note(f"{others} confused as often: any of them is right.")
        return fb
    fb.fail(f"{off[true, pred]} images of a {true} were read as a {pred}; "
            f"some pair has {best}.")
    if off[pred, true] == best:
        fb.note("Close: you swapped the rows (true class) and columns (prediction).")
    return fb
