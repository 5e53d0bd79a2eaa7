"""The exercise checkers' shared machinery: ``check_close`` accepts a right answer in any
form and says where a wrong one differs, and every chapter's checker answers any number."""

from __future__ import annotations

import importlib
import inspect
import math
import pkgutil

import numpy as np
import pytest
import torch
from helpers.strategies import FAST, QUICK
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlbook import exercises

finite = st.floats(-1e3, 1e3, allow_nan=False, width=32)
answers = hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
                     elements=finite)


@QUICK
@given(expected=answers, kind=st.sampled_from(["array", "tensor", "list"]))
def test_check_close_accepts_the_right_answer_in_any_form(expected, kind):
    answer = {"array": expected, "tensor": torch.tensor(expected, requires_grad=True)
              if expected.ndim else torch.tensor(expected),
              "list": expected.tolist()}[kind]
    fb = exercises.check_close("ex", "W", answer, expected)
    assert fb and fb.ok and "✓ Correct" in str(fb)


@QUICK
@given(expected=answers.filter(lambda a: a.size > 0), data_=st.data())
def test_check_close_names_where_a_wrong_answer_differs(expected, data_):
    index = data_.draw(st.tuples(*[st.integers(0, n - 1) for n in expected.shape]))
    answer = expected.copy()
    answer[index] += 10.0
    fb = exercises.check_close("ex", "W", answer, expected)
    assert not fb and "W differs from the expected value" in str(fb)
    if expected.ndim:
        assert f"at index {tuple(int(i) for i in index)}" in str(fb)


@QUICK
@given(expected=answers.filter(lambda a: a.ndim >= 1), how=st.sampled_from(
    ["transpose", "extra axis", "drop one", "scalar"]))
def test_check_close_never_broadcasts_a_wrong_shape(expected, how):
    answer = {"transpose": expected.T[..., None] if expected.ndim == 1 else expected.T,
              "extra axis": expected[None],
              "drop one": expected.ravel()[1:],
              "scalar": expected.ravel()[0]}[how]
    assume(np.shape(answer) != expected.shape)
    fb = exercises.check_close("ex", "W", answer, expected)
    assert not fb and f"W has shape {np.shape(answer)}, expected {expected.shape}" in str(fb)


@QUICK
@given(expected=answers, bad=st.sampled_from([math.nan, math.inf, -math.inf]))
def test_check_close_reports_nan_and_inf(expected, bad):
    answer = np.full(expected.shape, bad)
    fb = exercises.check_close("ex", "W", answer, expected)
    assert not fb and "W contains NaN or infinite values" in str(fb)


@pytest.mark.parametrize("placeholder", [None, ...])
def test_check_close_treats_a_placeholder_gently(placeholder):
    fb = exercises.check_close("ex", "W", placeholder, [1.0, 2.0])
    assert not fb and "W is still the placeholder" in str(fb)


@QUICK
@given(answer=st.one_of(st.text(max_size=3), st.sampled_from(["1.5", "inf", "nan"]),
    st.dictionaries(st.text(max_size=2), st.integers(), min_size=1, max_size=2),
    st.just([[1.0, 2.0], [3.0]]), st.just(object())))
def test_as_array_names_answers_that_are_not_numbers(answer):
    with pytest.raises(TypeError, match="W must be a number or an array of numbers"):
        exercises.as_array("W", answer)


def test_feedback_truthiness_and_text():
    fb = exercises.Feedback("ex")
    assert fb and str(fb).startswith("✓ Correct: ex")
    fb.fail("wrong sign").note("try again")
    assert not fb and "✗ Not yet" in str(fb) and "  - wrong sign" in str(fb)
    assert "**✗ Not yet**" in fb._repr_markdown_()




def checkers():
    """Every ``check_*`` of the chapters' exercise modules that takes one answer."""
    found = []
    for info in pkgutil.iter_modules(exercises.__path__):
        mod = importlib.import_module(f"dlbook.exercises.{info.name}")
        for name, fn in vars(mod).items():
            if name.startswith("check_") and inspect.isfunction(fn) \
                    and fn.__module__ == mod.__name__:
                required = [p for p in inspect.signature(fn).parameters.values()
                            if p.default is p.empty
                            and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
                if len(required) == 1:
                    found.append(pytest.param(fn, id=f"{info.name}.{name}"))
    return found


numeric_answers = st.one_of(
    st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
               elements=st.floats(-1e3, 1e3)),
    st.none())


@pytest.mark.parametrize("check", checkers())
@settings(FAST, max_examples=20)
@given(answer=numeric_answers)
def test_checkers_answer_any_number_with_feedback(check, answer):
    """A reader's answer of any shape gets a verdict, or a TypeError/ValueError saying
    what was expected; never a crash from deep inside the checker."""
    try:
        verdict = check(answer)
    except (TypeError, ValueError) as err:
        assert str(err), "the error must say what was expected"
        return
    assert isinstance(verdict, exercises.Feedback)
    assert isinstance(str(verdict), str)
