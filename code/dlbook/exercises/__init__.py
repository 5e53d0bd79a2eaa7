"""Checkers for the book's exercises: they tell the reader what is wrong with an answer.

Each chapter with checkable exercises has a module here, ``dlbook.exercises.<chapter>``,
whose ``check_*`` functions return a :class:`Feedback`. A Feedback prints as one line
per finding in a notebook and is truthy only when the answer is right, so tests can
``assert check_x(answer)``. An exercise cell still holding its placeholder ``...`` gets
a *pending* Feedback: an instruction to fill it in and run it, not a failure.

The checkers read answers through the helpers of :mod:`dlbook.exercises._answers`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dlbook.exercises._answers import (
    Rejected,
    array,
    checker,
    to_array,
    tolerance,
    unanswered,
)

__all__ = ["Feedback", "as_array", "check_close", "unanswered"]


@dataclass
class Feedback:
    """The verdict on one answer: ``ok`` and the messages that explain it.

    ``pending`` marks an exercise not started yet (its answer is still the
    placeholder): not right, but no failure either.
    """

    exercise: str
    ok: bool = True
    messages: list[str] = field(default_factory=list)
    pending: bool = False

    def fail(self, message: str) -> "Feedback":
        self.ok = False
        self.pending = False
        self.messages.append(message)
        return self

    def note(self, message: str) -> "Feedback":
        self.messages.append(message)
        return self

    def wait(self, message: str) -> "Feedback":
        """Not answered yet: say how to answer, unless something already failed."""
        if self.ok:
            self.pending = True
        self.ok = False
        self.messages.append(message)
        return self

    def __bool__(self) -> bool:
        return self.ok

    @property
    def verdict(self) -> str:
        if self.pending:
            return "✎ Your turn"
        return "✓ Correct" if self.ok else "✗ Not yet"

    def __str__(self) -> str:
        return "\n".join([f"{self.verdict}: {self.exercise}",
                          *(f"  - {m}" for m in self.messages)])

    def _repr_markdown_(self) -> str:
        return "\n".join([f"**{self.verdict}**: {self.exercise}", "",
                          *(f"- {m}" for m in self.messages)])

    __repr__ = __str__


def as_array(name: str, value) -> np.ndarray:
    """Turn a reader's answer (number, list, array or tensor) into a float array.

    Raises:
        TypeError: naming ``name``, if the answer is not numbers (text, a dict, a
            ragged list, ...).
    """
    fb = Feedback(name)
    try:
        return to_array(fb, name, value, "a number or an array of numbers")
    except Rejected:
        raise TypeError(fb.messages[-1]) from None


@checker
def check_close(exercise: str, name: str, answer, expected, *, rtol: float = 1e-4,
                atol: float = 1e-6, hint: str = "") -> Feedback:
    """Compare a numeric answer with the expected one: shape first, then values."""
    rtol, atol = tolerance("rtol", rtol), tolerance("atol", atol)
    fb = Feedback(exercise)
    want = as_array("expected", expected)
    got = array(fb, name, answer, finite=False)
    if want.shape == () and got.size == 1:  # a one-element list or tensor is a number
        got = got.reshape(())
    if got.shape != want.shape:
        return fb.fail(f"{name} has shape {got.shape}, expected {want.shape}.")
    if not np.all(np.isfinite(got)):
        return fb.fail(f"{name} contains NaN or infinite values.")
    if not np.allclose(got, want, rtol=rtol, atol=atol):
        worst = (np.unravel_index(np.argmax(np.abs(got - want)), got.shape)
                 if got.shape else ())
        where = f" at index {tuple(int(i) for i in worst)}" if worst else ""
        fb.fail(f"{name} differs from the expected value{where}: got "
                f"{got[worst] if worst else got.item():.6g}, expected "
                f"{want[worst] if worst else want.item():.6g}.")
        if hint:
            fb.note(hint)
    return fb
