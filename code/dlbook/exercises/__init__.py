"""Checkers for the book's exercises: they tell the reader what is wrong with an answer.

Each chapter with checkable exercises has a module here, ``dlbook.exercises.<chapter>``,
whose ``check_*`` functions return a :class:`Feedback`. A Feedback prints as one line
per finding in a notebook and is truthy only when the answer is right, so tests can
``assert check_x(answer)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch


@dataclass
class Feedback:
    """The verdict on one answer: ``ok`` and the messages that explain it."""

    exercise: str
    ok: bool = True
    messages: list[str] = field(default_factory=list)

    def fail(self, message: str) -> "Feedback":
        self.ok = False
        self.messages.append(message)
        return self

    def note(self, message: str) -> "Feedback":
        self.messages.append(message)
        return self

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        head = f"{'✓ Correct' if self.ok else '✗ Not yet'}: {self.exercise}"
        return "\n".join([head, *(f"  - {m}" for m in self.messages)])

    def _repr_markdown_(self) -> str:
        head = f"**{'✓ Correct' if self.ok else '✗ Not yet'}**: {self.exercise}"
        return "\n".join([head, "", *(f"- {m}" for m in self.messages)])

    __repr__ = __str__


def as_array(name: str, value) -> np.ndarray:
    """Turn a reader's answer (number, list, array or tensor) into a float array."""
    if isinstance(value, (str, bytes)):  # "1.5" or "inf" is text, not a number
        raise TypeError(f"{name} must be a number or an array of numbers, got "
                        f"{type(value).__name__} {value!r}")
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be a number or an array of numbers, got "
                        f"{type(value).__name__}") from err
    return arr


def unanswered(fb: Feedback, **answers) -> bool:
    """Fail ``fb`` with one message if any answer is still a placeholder (``...`` or
    ``None``), naming every such answer; ``False`` when all are answered."""
    names = [name for name, value in answers.items() if value is None or value is ...]
    if not names:
        return False
    if len(names) == 1:
        fb.fail(f"{names[0]} is still the placeholder ...: replace it with your "
                "answer.")
    else:
        listed = ", ".join(names[:-1]) + " and " + names[-1]
        fb.fail(f"{listed} are still the placeholder ...: replace them with your "
                "answers.")
    return True


def check_close(exercise: str, name: str, answer, expected, *, rtol: float = 1e-4,
                atol: float = 1e-6, hint: str = "") -> Feedback:
    """Compare a numeric answer with the expected one: shape first, then values."""
    fb = Feedback(exercise)
    if unanswered(fb, **{name: answer}):
        return fb
    got, want = as_array(name, answer), as_array("expected", expected)
    if got.shape != want.shape:
        return fb.fail(f"{name} has shape {got.shape}, expected {want.shape}.")
    if not np.all(np.isfinite(got)):
        return fb.fail(f"{name} contains NaN or infinite values.")
    if not np.allclose(got, want, rtol=rtol, atol=atol):
        worst = np.unravel_index(np.argmax(np.abs(got - want)), got.shape) if got.shape else ()
        where = f" at index {tuple(int(i) for i in worst)}" if worst else ""
        fb.fail(f"{name} differs from the expected value{where}: got "
                f"{got[worst] if worst else got.item():.6g}, expected "
                f"{want[worst] if worst else want.item():.6g}.")
        if hint:
            fb.note(hint)
    return fb
