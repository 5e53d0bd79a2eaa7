"""The checkers of the chapter "Training neural networks" accept right answers and
name the mistake in wrong ones."""

import pytest

from dlbook import descent
from dlbook.exercises.training import (
    check_gd_step,
    check_momentum_steps,
    gd_step_answer,
    momentum_answer,
)


def messages(fb):
    return " ".join(fb.messages)


def test_gd_step_right_answer():
    assert gd_step_answer() == (-6.0, pytest.approx(1.1))
    assert check_gd_step(-6.0, 1.1)


@pytest.mark.parametrize("grad,w_new,expected", [
    (6.0, -0.1, "wrong sign"),
    (-3.0, 0.8, "off by a factor 2"),
    (-2.0, 0.7, "inner derivative"),
    (-6.0, -0.1, "moves along the gradient"),
    (-6.0, 6.5, "forgets the learning rate"),
    (-6.0, 0.6, "only the step"),
    (-5.0, 1.0, "not right"),
    (None, None, "Replace the None placeholders"),
])
def test_gd_step_names_the_mistake(grad, w_new, expected):
    fb = check_gd_step(grad, w_new)
    assert not fb
    assert expected in messages(fb)


def test_gd_step_judges_the_update_with_the_readers_gradient():
    fb = check_gd_step(6.0, -0.1)  # wrong sign, but the update itself is consistent
    assert "applied correctly" in messages(fb)


def test_gd_step_rejects_arrays():
    with pytest.raises(TypeError, match="single number"):
        check_gd_step([1.0, 2.0], 1.0)


def test_momentum_right_answer_matches_the_package():
    path = descent.momentum(lambda w: 4 * w, [1.0], lr=0.1, beta=0.9, num_steps=2)
    assert momentum_answer() == pytest.approx((path[1, 0], path[2, 0]), abs=1e-12)
    assert check_momentum_steps(0.6, 0.0)


@pytest.mark.parametrize("w1,w2,expected", [
    (0.6, 0.36, "plain gradient-descent step"),
    (0.6, 0.24, "forgets the new gradient"),
    (1.4, 0.0, "uphill"),
    (0.96, 0.9, "(1 - beta) g"),
    (0.8, 0.5, "4w"),
    (0.6, 0.1, "w2 = 0.1 is not right"),
    (None, 0.0, "Replace the None placeholders"),
])
def test_momentum_names_the_mistake(w1, w2, expected):
    fb = check_momentum_steps(w1, w2)
    assert not fb
    assert expected in messages(fb)
