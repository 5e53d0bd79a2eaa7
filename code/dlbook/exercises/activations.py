"""Checkers for the exercises of the chapter "Activations and hyperparameters"."""

from __future__ import annotations

import math

from dlbook.exercises import Feedback
from dlbook.exercises._answers import await_answer, checker, mapping, number

# Exercise "The sigmoid's derivative by hand": sigma'(z) at these two points.
SIGMOID_POINTS = (0.0, math.log(3.0))  # sigma = 1/2 and 3/4 there

# Exercise "How fast can a gradient vanish?": the number of sigmoid units.
NUM_SIGMOID_LAYERS = 10

# Exercise "Output activations": task -> the right output activation, and why.
OUTPUT_TASKS = {
    "house price": ("linear", "a price is any real number: no squashing"),
    "spam or not": ("sigmoid", "one probability for the positive class"),
    "which digit": ("softmax", "one probability per class, summing to one"),
    "photo tags": ("sigmoid", "each tag is its own yes/no question, so one sigmoid "
                              "per tag; the probabilities need not sum to one"),
}
_SYNONYMS = {"identity": "linear", "none": "linear", "logistic": "sigmoid"}


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


@checker
def check_sigmoid_derivative(d_at_0, d_at_ln3) -> Feedback:
    """Check ``σ'(0)`` and ``σ'(ln 3)``, computed by hand."""
    fb = Feedback("the sigmoid's derivative")
    await_answer(fb, d_at_0=d_at_0, d_at_ln3=d_at_ln3)
    got_both = number(fb, "d_at_0", d_at_0), number(fb, "d_at_ln3", d_at_ln3)
    for z, got, name in zip(SIGMOID_POINTS, got_both, ("d_at_0", "d_at_ln3")):
        s = _sigmoid(z)
        right = s * (1 - s)
        near = lambda v: math.isclose(got, v, rel_tol=1e-3, abs_tol=1e-6)  # noqa: E731
        if near(right):
            fb.note(f"{name} = {right:.4g} is right.")
        elif near(s):
            fb.fail(f"{name} is σ(z) itself; the derivative is σ(z) (1 - σ(z)).")
        elif near(1 - s):
            fb.fail(f"{name} is 1 - σ(z); multiply by σ(z): σ'(z) = σ(z) (1 - σ(z)).")
        elif near(s * (1 + s)) or near(-right):
            fb.fail(f"{name} has a sign wrong: d/dz (1 + e^-z)^-1 = "
                    "e^-z / (1 + e^-z)^2, which equals σ(z) (1 - σ(z)) > 0.")
        elif near(math.exp(-z)):
            fb.fail(f"{name} is e^-z, the derivative of the inner function only; the "
                    "chain rule multiplies it by the outer derivative 1/(1 + e^-z)^2.")
        else:
            fb.fail(f"{name} = {got:.4g} is not right: first compute σ(z), then "
                    "σ(z) (1 - σ(z)).")
    return fb


@checker
def check_vanishing_factor(bound) -> Feedback:
    """Check the upper bound on ``∂h_n/∂h_0`` through ``NUM_SIGMOID_LAYERS`` sigmoids
    with all weights equal to one: a product of ``n`` factors ``σ'(·) <= 1/4``."""
    fb = Feedback("how fast a gradient can vanish")
    got = number(fb, "bound", bound)
    n = NUM_SIGMOID_LAYERS
    right = 0.25 ** n
    near = lambda v: math.isclose(got, v, rel_tol=1e-3)  # noqa: E731
    if near(right):
        return fb.note(f"Right: each of the {n} factors is at most 1/4, so the product "
                       f"is at most 0.25^{n} ≈ {right:.3g}. The bound is not reached: "
                       "σ'(z) = 1/4 only at z = 0, and from the second unit on the "
                       "inputs h lie between 0 and 1, where σ' < 1/4.")
    if near(0.25 * n):
        return fb.fail("The factors of the units multiply (chain rule); they do not "
                       "add up.")
    if near(0.5 ** n):
        return fb.fail("0.5 is σ(0), not σ'(0): the derivative is "
                       "σ(0) (1 - σ(0)) = 0.5 × 0.5.")
    if near(0.25 ** (n - 1)) or near(0.25 ** (n + 1)):
        return fb.fail(f"Count again: the gradient crosses {n} sigmoids, one factor "
                       "σ'(·) each.")
    if got > 1:
        return fb.fail("The bound must be below 1: with weights of one, each sigmoid "
                       "multiplies the gradient by σ'(·) < 1.")
    if got < right:
        return fb.fail(f"{got:.3g} is smaller than the bound that σ'(z) <= 1/4 "
                       "gives: replace every factor by its largest value.")
    return fb.fail(f"{got:.3g} is not the bound: what is the largest value of σ'(z), "
                   f"and how many times is the gradient multiplied by it?")


@checker
def check_output_activations(answers: dict) -> Feedback:
    """Check a dict ``{task: activation}`` for the tasks of :data:`OUTPUT_TASKS`."""
    fb = Feedback("output activations")
    answers = mapping(fb, "answers", answers, OUTPUT_TASKS,
                      '{"house price": "linear", ...}')
    for task, (right, why) in OUTPUT_TASKS.items():
        given = answers.get(task)
        if given is None or given is Ellipsis:
            fb.fail(f"{task!r}: no answer yet.")
            continue
        if not isinstance(given, str):
            fb.fail(f"{task!r}: the answer must be the name of an activation, in "
                    f"quotes, e.g. \"sigmoid\"; got {given!r}.")
            continue
        name = _SYNONYMS.get(given.strip().lower(), given.strip().lower())
        if name == right:
            fb.note(f"{task!r}: {right} is right ({why}).")
        elif name in ("relu", "tanh", "leaky_relu"):
            fb.fail(f"{task!r}: {name} is a hidden-layer activation; think about the "
                    "range the output must have.")
        else:
            fb.fail(f"{task!r}: {name} is not the usual choice; what values can the "
                    "target take, and must they sum to one?")
    return fb
