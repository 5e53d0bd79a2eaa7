"""Every checker reads an answer the same way (dlbook.exercises._answers).

The right answer passes in any natural form (int, float, NumPy or torch scalar; list,
tuple, array or tensor where several numbers are asked); a wrong one fails; a malformed
one fails with feedback that says what form is expected; an exception of the reader's
own code is feedback, never a traceback; an untouched placeholder ``...`` is *pending*,
an instruction to answer, not a failure. The exercise cells of the chapters follow the
same convention.
"""

import importlib
import inspect
import math
import pkgutil
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from dlbook import exercises
from dlbook.exercises import Feedback, as_array, check_close
from dlbook.exercises import activations as act
from dlbook.exercises import applications as app
from dlbook.exercises import bias_variance as bv
from dlbook.exercises import cnn
from dlbook.exercises import fundamentals as fun
from dlbook.exercises import gan
from dlbook.exercises import lab_mnist as lab
from dlbook.exercises import ml_tasks as mlt
from dlbook.exercises import neural_networks as nn_
from dlbook.exercises import rnn_gnn as rg
from dlbook.exercises import training as tr
from dlbook.exercises._answers import RUN_IT_LIVE
from dlbook.gnn import normalized_adjacency
from dlbook.signals import synthetic_ecg

BOOK = Path(__file__).resolve().parents[1] / "book"


class Boom:
    """An answer that raises when read, like a reader's half-built object."""

    def _raise(self, *args, **kwargs):
        raise RuntimeError("boom")

    __array__ = __float__ = __int__ = __index__ = __iter__ = __len__ = _raise


# --- Feedback ------------------------------------------------------------------------


def test_pending_feedback_is_an_instruction_not_a_failure():
    fb = Feedback("ex").wait("x is still the placeholder ...")
    assert not fb and fb.pending
    assert str(fb).startswith("✎ Your turn: ex") and "Not yet" not in str(fb)
    assert fb._repr_markdown_().startswith("**✎ Your turn**: ex")
    assert not Feedback("ex").fail("wrong").wait("y missing").pending  # a failure stays


def test_check_close_placeholder_says_how_to_run_the_cell():
    fb = check_close("ex", "W", ..., [1.0, 2.0])
    assert fb.pending and "W is still the placeholder ...: replace it" in str(fb)
    assert "run this cell" in str(fb) and RUN_IT_LIVE in str(fb)


@pytest.mark.parametrize("kwargs", [{"rtol": math.inf}, {"rtol": math.nan},
                                    {"atol": -1.0}, {"atol": math.inf}])
def test_check_close_rejects_a_tolerance_that_passes_anything(kwargs):
    with pytest.raises(ValueError, match="must be a finite number >= 0"):
        check_close("ex", "x", 5.0, 2.0, **kwargs)


def test_check_close_takes_a_one_element_answer_for_a_number():
    assert check_close("ex", "x", [2.0], 2.0)
    assert check_close("ex", "x", torch.tensor([2.0]), 2.0)
    assert not check_close("ex", "x", [2.0], [2.0, 3.0])


@pytest.mark.parametrize("value", [None, [1.0, None], ["1", 2]])
def test_as_array_does_not_turn_none_or_text_into_numbers(value):
    with pytest.raises(TypeError, match="x "):
        as_array("x", value)


# --- every checker, every form -------------------------------------------------------

ECG = synthetic_ecg(num_beats=60, seed=0)
CONFUSION = np.array([[9, 0, 1], [3, 8, 0], [0, 1, 7]])
XOR = ([[1.0, 1.0], [-1.0, -1.0]], [-0.5, 1.5], [[1.0, 1.0]], -1.5)
D_LOSS = float(-np.mean(np.log(gan.D_REAL)) - np.mean(np.log(1 - np.array(gan.D_FAKE))))
(GRAD, W_NEW), (W1, W2) = tr.gd_step_answer(), tr.momentum_answer()

# name: (call with the answer, right answer, wrong answer); "name/arg" when the
# checker takes several answers and the others are right.
NUMBERS = {
    "check_sigmoid_derivative/d_at_0": (
        lambda v: act.check_sigmoid_derivative(v, 0.1875), 0.25, 0.5),
    "check_sigmoid_derivative/d_at_ln3": (
        lambda v: act.check_sigmoid_derivative(0.25, v), 0.1875, 0.75),
    "check_vanishing_factor": (act.check_vanishing_factor, 0.25 ** 10, 0.5 ** 10),
    "check_correlation_value": (cnn.check_correlation_value, -2.0, 4.0),
    "check_cpu_training_days": (fun.check_cpu_training_days, 5 * 11_400 / 540,
                                5 * 540 / 11_400),
    "check_discriminator_loss": (gan.check_discriminator_loss, D_LOSS, -D_LOSS),
    "check_gd_step/grad": (lambda v: tr.check_gd_step(v, W_NEW), GRAD, -GRAD),
    "check_gd_step/w_new": (lambda v: tr.check_gd_step(GRAD, v), W_NEW, 0.5 + GRAD),
    "check_momentum_steps/w1": (lambda v: tr.check_momentum_steps(v, W2), W1, 1.4),
    "check_momentum_steps/w2": (lambda v: tr.check_momentum_steps(W1, v), W2, 0.36),
    "check_close": (lambda v: check_close("ex", "x", v, 2.5), 2.5, 3.0),
}
WHOLE_NUMBERS = {
    "check_output_size": (lambda v: cnn.check_output_size(v, size=28, kernel_size=5),
                          24, 23),
    "check_conv_parameters": (cnn.check_conv_parameters, 4640, 4608),
    "check_parameter_count": (lab.check_parameter_count, 7850, 7840),
    "check_num_parameters": (lambda v: nn_.check_num_parameters([64, 32, 32, 10], v),
                             3466, 3392),
}
ARRAYS = {
    "check_hidden_thresholds": (fun.check_hidden_thresholds,
                                list(fun.HIDDEN_THRESHOLDS),
                                [t + 5 for t in fun.HIDDEN_THRESHOLDS]),
    "check_gate_weights/w": (lambda v: nn_.check_gate_weights("NAND", v, 1.5),
                             [-1.0, -1.0], [1.0, 1.0]),
    "check_xor_weights/W1": (lambda v: nn_.check_xor_weights(v, *XOR[1:]), XOR[0],
                             [[1.0, 1.0], [1.0, 1.0]]),
    "check_normalized_adjacency": (rg.check_normalized_adjacency,
                                   normalized_adjacency(rg.PATH_A).tolist(),
                                   (rg.PATH_A + torch.eye(3)).tolist()),
    "check_abnormal_beats": (lambda v: mlt.check_abnormal_beats(v, ECG),
                             ECG.abnormal.tolist(), [True] * ECG.num_beats),
    "check_most_confused": (lambda v: lab.check_most_confused(v, CONFUSION), (1, 0),
                            (0, 1)),
}


def _right_kfold(n, k, seed=0):
    parts = np.array_split(np.random.default_rng(seed).permutation(n), k)
    return [(np.concatenate(parts[:j] + parts[j + 1:]), parts[j]) for j in range(k)]


def _right_iou(a, b):
    w = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union


FUNCTIONS = {  # the checked function returns one number, except my_kfold
    "check_iou": (app.check_iou, _right_iou, lambda a, b: 0.5),
    "check_mse": (bv.check_mse, lambda y_hat, y: np.mean((y_hat - y) ** 2),
                  lambda y_hat, y: np.sum((y_hat - y) ** 2)),
    "check_kfold": (bv.check_kfold, _right_kfold,
                    lambda n, k, seed=0: [(p, p) for p in np.array_split(range(n), k)]),
}
TASKS = {p: t for p, (t, _) in mlt.PROBLEMS.items()}
DICTS = {  # (call, right, wrong, whether the values are numbers)
    "check_output_activations": (
        act.check_output_activations, {t: a for t, (a, _) in act.OUTPUT_TASKS.items()},
        dict.fromkeys(act.OUTPUT_TASKS, "softmax"), False),
    "check_diagnosis": (bv.check_diagnosis,
                        {"A": "overfitting", "B": "underfitting", "C": "just right"},
                        {"A": "underfitting", "B": "underfitting", "C": "just right"},
                        False),
    "check_task_names": (mlt.check_task_names, TASKS,
                         dict.fromkeys(TASKS, "regression"), False),
    "check_output_sizes": (cnn.check_output_sizes, {"a": 24, "b": 10, "c": 3},
                           {"a": 23, "b": 10, "c": 3}, True),
    "check_rnn_parameters": (rg.check_rnn_parameters,
                             {"rnn": 1120, "gru": 3360, "lstm": 4480},
                             {"rnn": 1120, "gru": 1120, "lstm": 4480}, True),
}


def test_every_checker_is_in_these_tables():
    tables = [NUMBERS, WHOLE_NUMBERS, ARRAYS, FUNCTIONS, DICTS]
    tested = {name.split("/")[0] for table in tables for name in table}
    found = {
        name for info in pkgutil.iter_modules(exercises.__path__)
        for name, fn in vars(importlib.import_module(f"dlbook.exercises.{info.name}"))
        .items() if name.startswith("check_") and inspect.isfunction(fn)
    } | {"check_close"}
    assert found == tested


def is_pending(fb) -> bool:
    return isinstance(fb, Feedback) and not fb and fb.pending and \
        "run this cell" in str(fb)


def fails_with(fb, *phrases) -> bool:
    """A failure (not pending) whose text holds one of ``phrases``."""
    return (isinstance(fb, Feedback) and not fb and not fb.pending
            and any(p in str(fb) for p in phrases))


def number_forms(v, whole):
    forms = [v, np.float64(v), np.array(v), torch.tensor(v), [v], torch.tensor([v]),
             torch.tensor(float(v), requires_grad=True)]
    return forms + ([float(v), np.int64(v), np.float32(v)] if whole else
                    [np.float32(v)] if abs(v) > 1e-3 else [])


NUMBER_CASES = [(name, *spec, False) for name, spec in NUMBERS.items()] + \
               [(name, *spec, True) for name, spec in WHOLE_NUMBERS.items()]
MALFORMED = "must be", "NaN", "nan", "has shape"


@pytest.mark.parametrize("name,check,right,wrong,whole", NUMBER_CASES,
                         ids=[c[0] for c in NUMBER_CASES])
def test_number_answers(name, check, right, wrong, whole):
    for form in number_forms(right, whole):
        assert check(form), (form, str(check(form)))
    for form in (wrong, torch.tensor(wrong)):
        assert fails_with(check(form), ""), form
    for bad in (str(right), {"x": right}, True, [right, right], math.nan):
        assert fails_with(check(bad), *MALFORMED), (bad, str(check(bad)))
    if whole:
        assert fails_with(check(right + 0.5), "whole number")
    assert fails_with(check(Boom()), "raised RuntimeError: boom")
    if "/" in name:  # one answer of several: the others are there
        assert fails_with(check(...), "still the placeholder ...")
    else:
        assert is_pending(check(...))


@pytest.mark.parametrize("name", ARRAYS)
def test_array_answers(name):
    check, right, wrong = ARRAYS[name]
    arr = np.asarray(right)
    for form in (right, tuple(right), arr, torch.tensor(arr), arr.tolist()):
        assert check(form), (type(form), str(check(form)))
    if arr.dtype.kind == "f":
        assert check(torch.tensor(arr, dtype=torch.float32, requires_grad=True))
    assert fails_with(check(wrong), "")
    for bad in (str(right), [[1.0], [1.0, 2.0]], {"x": right}):
        assert fails_with(check(bad), *MALFORMED, "shape"), (bad, str(check(bad)))
    assert fails_with(check(Boom()), "raised RuntimeError: boom")
    if "/" in name:
        assert fails_with(check(...), "still the placeholder ...")
    else:
        assert is_pending(check(...))


def calls_made(check, fn) -> int:
    count = []

    def counted(*args, **kwargs):
        count.append(1)
        return fn(*args, **kwargs)

    assert check(counted)
    return len(count)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_answers(name):
    check, right, wrong = FUNCTIONS[name]
    assert check(right)
    assert fails_with(check(wrong), "")
    if name != "check_kfold":
        assert check(lambda *args: np.float32(right(*args)))
        assert check(lambda *args: torch.tensor(float(right(*args))))
        assert fails_with(check(lambda *args: str(right(*args))), "not the text")
    assert fails_with(check(0.5), "pass your function itself")
    assert fails_with(check(lambda *args, **kwargs: None), "returned None")
    # the reader's exception, on the first call and on the last one the check makes
    assert fails_with(check(lambda *args, **kwargs: 1 / 0), "raised ZeroDivisionError")
    last, count = calls_made(check, right), []

    def fails_last(*args, **kwargs):
        count.append(1)
        if len(count) == last:
            raise KeyError("late")
        return right(*args, **kwargs)

    assert fails_with(check(fails_last), "raised KeyError: 'late'")
    assert is_pending(check(lambda *args, **kwargs: ...))


@pytest.mark.parametrize("name", DICTS)
def test_dict_answers(name):
    check, right, wrong, numeric = DICTS[name]
    assert check(right)
    assert check(dict(reversed(list(right.items()))))
    assert fails_with(check(wrong), "")
    assert fails_with(check(list(right.values())), "must be a dict such as")
    assert fails_with(check({**right, 1: right[next(iter(right))]}), "not asked for")
    first = next(iter(right))
    if numeric:
        assert check({k: torch.tensor(v) for k, v in right.items()})
        assert check({k: np.int64(v) for k, v in right.items()})
        assert check({k: float(v) for k, v in right.items()})
        assert fails_with(check({**right, first: str(right[first])}), "not the text")
        assert fails_with(check({**right, first: Boom()}), "raised RuntimeError")
    else:
        assert fails_with(check({**right, first: 3}), "")
    assert is_pending(check(dict.fromkeys(right, ...)))
    partial = check({**right, first: ...})
    assert not partial and not partial.pending


def test_a_fixed_ragged_or_text_array_never_becomes_numbers():
    assert fails_with(nn_.check_xor_weights([[1, ...], [1, 1]], *XOR[1:]),
                      "still holds a placeholder")
    assert fails_with(nn_.check_gate_weights("NAND", ["-1", "-1"], 1.5), "text")


# --- the chapters' exercise cells ----------------------------------------------------

CELL = re.compile(r"```\{code-cell\}[^\n]*\n(.*?)\n```", re.S)


def solution_span(part: str, label: str) -> tuple[int, int] | None:
    """Where the solution to ``label`` starts and ends in ``part``."""
    start = re.search(rf"^(`{{3,}})\{{solution(-start)?\}} {re.escape(label)}\n", part,
                      re.M)
    if not start:
        return None
    fence, split = start.group(1), start.group(2)
    end = re.compile(r"^`{3,}\{solution-end\}" if split else rf"^{fence}$", re.M)
    stop = end.search(part, start.end())
    return start.start(), stop.end() if stop else len(part)


def exercise_cells():
    """(chapter, exercise label, the reader's cell that calls a checker, the text of
    the exercise up to the next one)."""
    found = []
    for md in sorted(BOOK.glob("*.md")):
        text = md.read_text()
        for ex in re.finditer(r"`{3,}\{exercise\}[^\n]*\n:label: (\S+)", text):
            nxt = re.search(r"`{3,}\{exercise\}", text[ex.end():])
            part = text[ex.end():ex.end() + nxt.start() if nxt else len(text)]
            span = solution_span(part, ex.group(1)) or (len(part), len(part))
            for cell in CELL.finditer(part):
                inside = span[0] <= cell.start() < span[1]
                if not inside and "remove-cell" not in cell.group(1) and \
                        re.search(r"\bcheck_\w+\(", cell.group(1)):
                    found.append((md.name, ex.group(1), cell, part))
                    break
    return found


def test_the_chapters_have_checked_exercises():
    assert len(exercise_cells()) >= 20


@pytest.mark.parametrize("chapter,label,cell,part", exercise_cells(),
                         ids=[f"{c[0]}:{c[1]}" for c in exercise_cells()])
def test_an_exercise_cell_comes_before_its_solution_and_uses_the_placeholder(
        chapter, label, cell, part):
    span = solution_span(part, label)
    assert span, f"{chapter}: no solution to {label}"
    assert cell.start() < span[0], \
        f"{chapter}: the solution to {label} comes before the cell it solves"
    code = cell.group(1)
    assert "..." in code, f"{chapter}: {label}'s cell has no placeholder ...\n{code}"
    assert not re.search(r"= None\b", code), f"{chapter}: {label} uses None"
