"""Checkers of the fundamentals chapter: accept right answers, explain wrong ones."""

import math

import numpy as np
import pytest
import torch
from sklearn.tree import DecisionTreeClassifier

from dlbook.exercises.fundamentals import (
    HIDDEN_GRADES,
    HIDDEN_THRESHOLDS,
    check_cpu_training_days,
    check_hidden_thresholds,
    hidden_grade_examples,
)


def test_hidden_examples_follow_the_hidden_scale():
    scores, grades = hidden_grade_examples(500, seed=1)
    assert scores.shape == grades.shape == (500,)
    assert set(grades) <= set(HIDDEN_GRADES)
    for score, grade in zip(scores, grades):
        i = HIDDEN_GRADES.index(grade)
        assert i == 0 or score >= HIDDEN_THRESHOLDS[i - 1]
        assert i == len(HIDDEN_THRESHOLDS) or score < HIDDEN_THRESHOLDS[i]
    with pytest.raises(ValueError, match="num_examples must be a positive int"):
        hidden_grade_examples(0)


def test_the_solution_passes_the_thresholds_checker():
    scores, grades = hidden_grade_examples(300, seed=0)
    tree = DecisionTreeClassifier(random_state=0).fit(scores[:, None], grades)
    thresholds = np.sort(tree.tree_.threshold[tree.tree_.feature >= 0])
    feedback = check_hidden_thresholds(thresholds)
    assert feedback, str(feedback)
    assert "within 1" in str(feedback)


def test_thresholds_checker_counts_and_locates_errors():
    empty = check_hidden_thresholds([])
    assert not empty and "you gave 0 thresholds" in str(empty)

    off = list(HIDDEN_THRESHOLDS)
    off[2] += 3.0
    feedback = check_hidden_thresholds(off)
    assert not feedback
    assert f"between {HIDDEN_GRADES[2]} and {HIDDEN_GRADES[3]}" in str(feedback)
    assert str(feedback).count("boundary") == 1

    # Order does not matter; the checker sorts.
    assert check_hidden_thresholds(list(reversed(HIDDEN_THRESHOLDS)))


def test_few_examples_usually_miss_the_thresholds():
    scores, grades = hidden_grade_examples(30, seed=0)
    tree = DecisionTreeClassifier(random_state=0).fit(scores[:, None], grades)
    thresholds = np.sort(tree.tree_.threshold[tree.tree_.feature >= 0])
    assert not check_hidden_thresholds(thresholds)


def test_cpu_days_checker_accepts_the_right_answer():
    assert check_cpu_training_days(5 * 11_400 / 540)
    assert check_cpu_training_days(105.6)  # rounded to one decimal


@pytest.mark.parametrize(
    "answer, message",
    [
        (5 * 540 / 11_400, "wrong way round"),
        (5 * 11.4 / 540, "factor of 1000"),
        (24 * 5 * 11_400 / 540, "in hours"),
        (11_400 / 540, "one GPU day"),
        (0.0, "positive number"),
        ([1.0, 2.0], "one number"),
    ],
)
def test_cpu_days_checker_names_the_mistake(answer, message):
    feedback = check_cpu_training_days(answer)
    assert not feedback
    assert message in str(feedback)


@pytest.mark.parametrize("tol", [math.nan, math.inf, -1.0])
def test_a_tolerance_that_would_pass_anything_is_an_error(tol):
    far = [t + 5 for t in HIDDEN_THRESHOLDS]
    with pytest.raises(ValueError, match="tol must be a finite number >= 0"):
        check_hidden_thresholds(far, tol=tol)


def test_thresholds_in_any_form():
    assert check_hidden_thresholds(torch.tensor(HIDDEN_THRESHOLDS))
    assert check_hidden_thresholds(tuple(HIDDEN_THRESHOLDS))
    fb = check_hidden_thresholds([[50.0, 61.0], [68.0]])
    assert not fb and "are all its rows the same length?" in str(fb)
    assert check_hidden_thresholds(...).pending
    assert check_cpu_training_days(torch.tensor(5 * 11_400 / 540))
    assert "not the text" in str(check_cpu_training_days("105.6"))
