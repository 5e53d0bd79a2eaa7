"""The checkers of the chapter "Training neural networks" accept right answers and
name the mistake in wrong ones."""

import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch

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
    (..., ..., "grad and w_new are still the placeholder ...: replace them"),
    (-6.0, ..., "w_new is still the placeholder ...: replace it"),
])
def test_gd_step_names_the_mistake(grad, w_new, expected):
    fb = check_gd_step(grad, w_new)
    assert not fb
    assert expected in messages(fb)


def test_gd_step_judges_the_update_with_the_readers_gradient():
    fb = check_gd_step(6.0, -0.1)  # wrong sign, but the update itself is consistent
    assert "applied correctly" in messages(fb)


def test_gd_step_takes_any_scalar_and_rejects_arrays():
    assert check_gd_step(torch.tensor(-6.0), np.float32(1.1))
    assert check_gd_step(np.array([-6.0]), torch.tensor([1.1], requires_grad=True))
    fb = check_gd_step([1.0, 2.0], 1.0)
    assert not fb and "grad must be one number, got 2 numbers" in messages(fb)


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
    (..., 0.0, "w1 is still the placeholder ...: replace it"),
    (0.6, "0.0", "w2 must be one number, not the text '0.0'"),
])
def test_momentum_names_the_mistake(w1, w2, expected):
    fb = check_momentum_steps(w1, w2)
    assert not fb
    assert expected in messages(fb)


CHAPTER = Path(__file__).resolve().parents[1] / "book" / "training.md"


def solution_code(label: str) -> str:
    """The ```python block of the chapter's solution to exercise ``label``."""
    text = CHAPTER.read_text()
    block = re.search(rf"````{{solution}} {label}\n(.*?)\n````\n", text, re.S)
    assert block, f"no solution with code for {label} in {CHAPTER.name}"
    code = re.search(r"```python\n(.*?)```", block.group(1), re.S)
    assert code, f"the solution to {label} has no python block"
    return code.group(1)


def test_solution_of_the_gd_step_exercise_passes_its_checker():
    verdicts = []
    namespace = {"check_gd_step": lambda *args: verdicts.append(check_gd_step(*args))}
    exec(solution_code("ex-training-1"), namespace)
    assert verdicts and all(verdicts)


def test_solution_of_the_sin_exercise_agrees_with_torch(capsys):
    namespace = {}
    exec(solution_code("ex-training-4"), namespace)
    rows = [[float(v) for v in line.split()]
            for line in capsys.readouterr().out.splitlines()]
    a, b = 0.3, -2.0
    want = [b * math.cos(a * b) + 1, a * math.cos(a * b)]  # d/da and d/db
    assert len(rows) == 2
    for (engine, torch_value), exact in zip(rows, want):
        assert engine == pytest.approx(torch_value, abs=1e-12)  # "to rounding error"
        assert engine == pytest.approx(exact, abs=1e-12)


def test_the_momentum_solutions_suggested_check_gives_its_answer():
    text = CHAPTER.read_text()
    block = re.search(r"```{solution} ex-training-2\n(.*?)\n```\n", text, re.S)
    call = re.search(r"You can check with `(descent\.momentum\(.*?\))`", block.group(1),
                     re.S)
    assert call, "the solution to ex-training-2 no longer suggests a check"
    path = eval(" ".join(call.group(1).split()), {"descent": descent})
    assert (path[1, 0], path[2, 0]) == pytest.approx(momentum_answer(), abs=1e-12)
