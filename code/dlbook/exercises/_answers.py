"""Reading a reader's answer: placeholders, numbers, arrays, dicts and functions.

Every checker reads its answers through these helpers, so that an answer means the same
in any natural form (int, float, NumPy or torch scalar; list, tuple, array or tensor
where several numbers are asked), and an answer in the wrong form, or a function of the
reader's that raises, ends the check with feedback that says what was expected, never
with a traceback.

A helper that cannot read an answer adds its message to the checker's
:class:`~dlbook.exercises.Feedback` and raises :class:`Rejected`; the :func:`checker`
decorator turns that into the checker's return value.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Collection, Mapping

import numpy as np
import torch

# What an untouched exercise cell shows, on the static page as in a notebook.
RUN_IT_LIVE = ("On the book's web page, press “Live code” under the chapter's title to "
               "run the cells there, or open the chapter in Colab or Binder from the "
               "launch menu.")


class Rejected(Exception):
    """A helper has written why an answer cannot be judged into ``feedback``."""

    def __init__(self, feedback) -> None:
        super().__init__(feedback.messages[-1] if feedback.messages else "")
        self.feedback = feedback


def checker(fn: Callable) -> Callable:
    """Let ``fn`` stop at the first unreadable answer: return its Feedback then."""

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Rejected as stop:
            return stop.feedback

    return wrapped


def is_placeholder(value) -> bool:
    """``...`` (the book's placeholder) or ``None``: nothing answered yet."""
    return value is Ellipsis or value is None


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def unanswered(fb, **answers) -> bool:
    """Note in ``fb`` every answer that is still a placeholder; True if there is one.

    When every answer is a placeholder, the reader has not started: ``fb`` becomes
    *pending*, a neutral instruction to fill in the cell and run it, not a failure.
    """
    names = [name for name, value in answers.items() if is_placeholder(value)]
    if not names:
        return False
    one = len(names) == 1
    what = (f"{names[0]} is still the placeholder ...: replace it with your answer"
            if one else f"{_names(names)} are still the placeholder ...: replace them "
            "with your answers")
    if len(names) == len(answers):
        fb.wait(f"{what}, then run this cell to check {'it' if one else 'them'}. "
                f"{RUN_IT_LIVE}")
    else:
        fb.fail(f"{what}.")
    return True


def await_answer(fb, **answers) -> None:
    """:func:`unanswered`, then stop the check if an answer is missing."""
    if unanswered(fb, **answers):
        raise Rejected(fb)


def _reject(fb, message: str):
    fb.fail(message)
    raise Rejected(fb)


def _describe(value) -> str:
    text = repr(value)
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"the {type(value).__name__} {text}"


def _untorch(value):
    """Tensors, also inside lists and tuples, as NumPy arrays."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        if value.is_floating_point() and value.dtype != torch.float64:
            value = value.double()  # NumPy has no bfloat16
        return value.numpy()
    if isinstance(value, (list, tuple)):
        return [_untorch(v) for v in value]
    return value


def to_array(fb, name: str, value, expected: str, *,
             bools: bool = False) -> np.ndarray:
    """``value`` as a float array, or reject it saying that ``name`` must be
    ``expected`` (e.g. ``"one number"``). Text, dicts, ragged lists and (unless
    ``bools``) True/False are rejected: ``"0.5"`` or ``True`` is not a number."""
    bad = f"{name} must be {expected}"
    if isinstance(value, (str, bytes)):
        _reject(fb, f"{bad}, not the text {value!r}: write it without quotes.")
    if isinstance(value, (bool, np.bool_)) and not bools or callable(value) \
            or isinstance(value, (Mapping, set, frozenset)):
        _reject(fb, f"{bad}, got {_describe(value)}.")
    try:
        arr = np.asarray(_untorch(value))
        if arr.dtype.kind == "O":
            if any(is_placeholder(v) for v in arr.flat):
                _reject(fb, f"{name} still holds a placeholder (... or None): replace "
                            "each one with a number.")
            if any(isinstance(v, (str, bytes)) or isinstance(v, (bool, np.bool_))
                   and not bools for v in arr.flat):
                _reject(fb, f"{bad}; {name} holds text or True/False.")
            arr = arr.astype(float)
    except (TypeError, ValueError):
        ragged = isinstance(value, (list, tuple))
        _reject(fb, f"{bad}, got {_describe(value)}"
                + (": are all its rows the same length?" if ragged else "."))
    except Rejected:
        raise
    except Exception as err:  # the reader's object may raise anything when read
        _reject(fb, f"reading {name} as numbers raised {type(err).__name__}: {err}")
    if arr.dtype.kind in "USa":
        _reject(fb, f"{bad}; {name} holds text: write the numbers without quotes.")
    if arr.dtype.kind == "b" and not bools:
        _reject(fb, f"{bad}, got True/False values.")
    if arr.dtype.kind not in "biuf":
        _reject(fb, f"{bad}, got values of type {arr.dtype}.")
    return arr.astype(float)


def number(fb, name: str, value, *, whole: bool = False, finite: bool = True,
           if_many: str = ""):
    """One number (any one-element int, float, array or tensor): a float, or an int if
    ``whole``. A placeholder makes ``fb`` pending, anything else is rejected;
    ``if_many`` is added to the message for several numbers."""
    await_answer(fb, **{name: value})
    expected = "one whole number" if whole else "one number"
    arr = to_array(fb, name, value, expected)
    if arr.size != 1:
        _reject(fb, f"{name} must be {expected}, got {arr.size} numbers "
                    f"(shape {arr.shape}){': ' + if_many if if_many else ''}.")
    x = float(arr.reshape(()))
    if (finite or whole) and not math.isfinite(x):
        _reject(fb, f"{name} is {x}: it must be a finite number.")
    if whole:
        if not x.is_integer():
            _reject(fb, f"{name} must be a whole number, got {x:g}.")
        return int(x)
    return x


def array(fb, name: str, value, shapes: Collection[tuple[int, ...]] | None = None,
          meaning: str = "", *, finite: bool = True) -> np.ndarray:
    """An array of numbers, reshaped to the first of ``shapes`` (any shape if None);
    ``meaning`` says what the numbers are, for the message on a wrong shape."""
    await_answer(fb, **{name: value})
    arr = to_array(fb, name, value, "an array of numbers")
    if shapes is not None:
        shapes = list(shapes)
        if arr.shape not in shapes:
            why = f": {meaning}" if meaning else ""
            _reject(fb, f"{name} has shape {arr.shape}, expected {shapes[0]}{why}.")
        arr = arr.reshape(shapes[0])
    if finite and not np.all(np.isfinite(arr)):
        _reject(fb, f"{name} contains NaN or infinite values.")
    return arr


def whole_numbers(fb, name: str, value, length: int, expected: str) -> tuple[int, ...]:
    """``length`` whole numbers (a tuple, list, array or tensor), e.g. a pair of
    classes; ``expected`` names the form, e.g. ``"a pair (true, predicted)"``."""
    await_answer(fb, **{name: value})
    arr = to_array(fb, name, value, expected)
    if arr.shape != (length,):
        _reject(fb, f"{name} must be {expected}, got {_describe(value)}.")
    if not all(math.isfinite(x) and float(x).is_integer() for x in arr):
        _reject(fb, f"{name} must be {expected} of whole numbers, got "
                    f"{tuple(float(x) for x in arr)}.")
    return tuple(int(x) for x in arr)


def mapping(fb, name: str, value, keys: Collection, example: str,
            keys_are: str | None = None) -> dict:
    """A dict answer with the given ``keys``. Unknown keys fail ``fb`` (``keys_are``
    says which keys are asked for; by default it lists them); missing keys are left
    out of the result, for the checker to name. A dict whose every asked-for value is
    a placeholder makes ``fb`` pending."""
    if is_placeholder(value):
        await_answer(fb, **{name: value})
    if not isinstance(value, Mapping):
        _reject(fb, f"{name} must be a dict such as {example}, got "
                    f"{_describe(value)}.")
    keys = list(keys)
    given = [v for k, v in value.items() if k in keys]
    unknown = [k for k in value if k not in keys]
    if given and not unknown and all(is_placeholder(v) for v in given):
        fb.wait(f"{name} still holds the placeholders ...: replace each one with your "
                f"answer, then run this cell to check them. {RUN_IT_LIVE}")
        raise Rejected(fb)
    if unknown:
        keys_are = keys_are or f"the keys are {', '.join(map(repr, keys))}"
        fb.fail(f"{name} has the key(s) {', '.join(map(repr, unknown))}, not asked "
                f"for: {keys_are}.")
    return {k: value[k] for k in keys if k in value}


def function(fb, name: str, fn, usage: str) -> Callable:
    """The reader's function itself; ``usage`` shows how to pass it."""
    if is_placeholder(fn):
        fb.wait(f"write {name} above, then run this cell to check it with {usage}. "
                f"{RUN_IT_LIVE}")
        raise Rejected(fb)
    if not callable(fn):
        _reject(fb, f"pass your function itself, as in {usage}, not "
                    f"{_describe(fn)}.")
    return fn


def call(fb, label: str, fn: Callable, *args, **kwargs):
    """``fn(*args, **kwargs)``; if the reader's function raises, say so in ``fb``
    (``label`` shows the call, e.g. ``"my_iou((0, 0, 2, 2), (1, 1, 3, 3))"``)."""
    try:
        result = fn(*args, **kwargs)
    except Exception as err:  # the reader's code may raise anything
        _reject(fb, f"{label} raised {type(err).__name__}: {err}")
    if result is Ellipsis:
        fb.wait(f"{label.split('(')[0]} still returns the placeholder ...: write its "
                f"body in place of the ..., then run this cell to check it. "
                f"{RUN_IT_LIVE}")
        raise Rejected(fb)
    if result is None:
        _reject(fb, f"{label} returned None: end your function with return and the "
                    "value it computes.")
    return result


def tolerance(name: str, value) -> float:
    """A tolerance argument: a finite number >= 0 (NaN or inf would pass anything)."""
    if isinstance(value, (bool, str, bytes)) or not isinstance(
            value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} "
                        f"{value!r}")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)
