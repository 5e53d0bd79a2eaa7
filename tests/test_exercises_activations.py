"""The checkers of the chapter "Activations and hyperparameters"."""

import pytest

from dlbook.exercises.activations import (
    check_output_activations,
    check_sigmoid_derivative,
    check_vanishing_factor,
)


def messages(fb):
    return " ".join(fb.messages)


def test_sigmoid_derivative_right_answer():
    assert check_sigmoid_derivative(0.25, 0.1875)
    assert check_sigmoid_derivative(0.25, 3 / 16)


@pytest.mark.parametrize("d0,d1,expected", [
    (0.5, 0.75, "σ(z) itself"),
    (0.25, 0.25, "1 - σ(z)"),
    (-0.25, -0.1875, "sign wrong"),
    (0.25, 1 / 3, "e^-z"),
    (0.3, 0.2, "d_at_0 = 0.3 is not right"),
    (..., 0.1875, "d_at_0 is still the placeholder ...: replace it"),
    ([0.25, 0.25], 0.1875, "d_at_0 must be one number, got 2 numbers"),
    ("0.25", 0.1875, "d_at_0 must be one number, not the text '0.25'"),
])
def test_sigmoid_derivative_names_the_mistake(d0, d1, expected):
    fb = check_sigmoid_derivative(d0, d1)
    assert not fb
    assert expected in messages(fb)


def test_vanishing_factor_right_answer():
    assert check_vanishing_factor(0.25 ** 10)
    assert check_vanishing_factor(9.5367e-7)
    fb = check_vanishing_factor(2.0 ** -20)
    assert "at most 0.25^10 ≈ 9.54e-07" in messages(fb)
    assert "not reached" in messages(fb)


@pytest.mark.parametrize("factor,expected", [
    (2.5, "multiply"),
    (0.5 ** 10, "0.5 is σ(0), not σ'(0)"),
    (0.25 ** 9, "Count again"),
    (0.25 ** 11, "Count again"),
    (4.0 ** 10, "must be below 1"),
    (0.01, "is not the bound"),
    (0.25 ** 12, "replace every factor by its largest value"),
    ("1e-6", "bound must be one number, not the text"),
    ({"bound": 1e-6}, "bound must be one number, got the dict"),
])
def test_vanishing_factor_names_the_mistake(factor, expected):
    fb = check_vanishing_factor(factor)
    assert not fb
    assert expected in messages(fb)


RIGHT = {"house price": "linear", "spam or not": "sigmoid", "which digit": "softmax",
         "photo tags": "sigmoid"}


def test_output_activations_right_answer_and_synonyms():
    assert check_output_activations(RIGHT)
    assert check_output_activations({**RIGHT, "house price": "Identity"})


def test_output_activations_names_each_wrong_task():
    fb = check_output_activations({**RIGHT, "photo tags": "softmax",
                                   "house price": "relu"})
    assert not fb
    text = messages(fb)
    assert "'photo tags': softmax is not the usual choice" in text
    assert "'house price': relu is a hidden-layer activation" in text
    assert "'which digit': softmax is right" in text


def test_output_activations_placeholders_and_bad_input():
    fb = check_output_activations(dict.fromkeys(RIGHT, ...))
    assert not fb and fb.pending and "run this cell" in messages(fb)
    fb = check_output_activations({**RIGHT, "photo tags": ...})
    assert not fb and not fb.pending and "'photo tags': no answer yet" in messages(fb)
    fb = check_output_activations(["linear"])
    assert not fb and "answers must be a dict such as" in messages(fb)
    fb = check_output_activations({**RIGHT, "house price": 3})
    assert not fb and "name of an activation, in quotes" in messages(fb)
    fb = check_output_activations({**RIGHT, 3: "linear"})  # a key of another type
    assert not fb and "key(s) 3, not asked for" in messages(fb)
