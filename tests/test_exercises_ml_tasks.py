"""Checkers of the ml-tasks chapter: accept right answers, explain wrong ones."""

import numpy as np
import pytest

from dlbook.exercises.ml_tasks import (
    PROBLEMS,
    TASKS,
    check_abnormal_beats,
    check_task_names,
)
from dlbook.signals import find_beats, synthetic_ecg

RIGHT = {problem: task for problem, (task, _) in PROBLEMS.items()}


def test_every_problem_has_a_known_task():
    assert set(RIGHT.values()) <= set(TASKS)


def test_task_names_right_answers_pass():
    feedback = check_task_names(RIGHT)
    assert feedback, str(feedback)
    assert check_task_names({p: t.upper() + " " for p, t in RIGHT.items()})


def test_task_names_explain_what_is_wrong():
    placeholder = check_task_names({p: ... for p in PROBLEMS})
    assert not placeholder and placeholder.pending
    blank = check_task_names({p: "" for p in PROBLEMS})
    assert not blank and f"{len(PROBLEMS)} of {len(PROBLEMS)}" in str(blank)

    swapped = dict(RIGHT)
    swapped["price of a flat from its area and district"] = "classification"
    feedback = check_task_names(swapped)
    assert not feedback
    assert "is not classification" in str(feedback)

    unknown = dict(RIGHT)
    unknown["the text of a scanned page"] = "OCR"
    assert "is not a task name" in str(check_task_names(unknown))

    extra = dict(RIGHT, **{"the weather tomorrow": "regression"})
    assert "the problems are the keys of PROBLEMS" in str(check_task_names(extra))

    assert "must be a dict" in str(check_task_names(["regression"]))


@pytest.fixture(scope="module")
def ecg():
    return synthetic_ecg(num_beats=60, seed=0)


def test_abnormal_beats_truth_and_solution_pass(ecg):
    assert check_abnormal_beats(ecg.abnormal, ecg)
    rr = np.diff(find_beats(ecg.signal, ecg.fs)) / ecg.fs
    flags = np.concatenate([[False], rr < 0.8 * np.median(rr)])
    feedback = check_abnormal_beats(flags, ecg)
    assert feedback, str(feedback)
    assert "recall 100%" in str(feedback)
    assert check_abnormal_beats(ecg.abnormal.astype(int), ecg)


def test_abnormal_beats_explain_what_is_wrong(ecg):
    none = check_abnormal_beats(np.zeros(ecg.num_beats, dtype=bool), ecg)
    assert not none and "no beat is flagged" in str(none)
    assert "precision 0%" not in str(none)  # nothing flagged: no precision to report

    every = check_abnormal_beats(np.ones(ecg.num_beats, dtype=bool), ecg)
    assert not every and "raise the threshold" in str(every)

    missed = ecg.abnormal.copy()
    missed[np.flatnonzero(missed)[:2]] = False
    assert "lower the threshold" in str(check_abnormal_beats(missed, ecg))

    short = check_abnormal_beats(np.zeros(3, dtype=bool), ecg)
    assert not short and "one flag per beat" in str(short)

    scores = check_abnormal_beats(np.linspace(0, 1, ecg.num_beats), ecg)
    assert not scores and "True/False" in str(scores)
