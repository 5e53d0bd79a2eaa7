"""Checkers for the exercises of the chapter "Training neural networks"."""

from __future__ import annotations

import math

from dlbook.exercises import Feedback
from dlbook.exercises._answers import await_answer, checker, number

# Exercise "One step of gradient descent by hand": one weight, one example,
# L(w) = (w x - y)^2, learning rate LR.
GD_W0, GD_X, GD_Y, GD_LR = 0.5, 3.0, 2.5, 0.1

# Exercise "Two steps with momentum": L(w) = 2 w^2, v <- beta v + dL/dw, w <- w - lr v.
MOM_W0, MOM_LR, MOM_BETA = 1.0, 0.1, 0.9


def _near(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-6)


def gd_step_answer() -> tuple[float, float]:
    """The gradient and the updated weight of the gradient-descent exercise."""
    grad = 2 * (GD_W0 * GD_X - GD_Y) * GD_X
    return grad, GD_W0 - GD_LR * grad


@checker
def check_gd_step(grad, w_new) -> Feedback:
    """Check ``dL/dw`` at ``w0`` and the weight after one step, for
    ``L(w) = (w x - y)^2`` with ``w0 = 0.5, x = 3, y = 2.5`` and ``lr = 0.1``."""
    fb = Feedback("one step of gradient descent")
    await_answer(fb, grad=grad, w_new=w_new)
    grad, w_new = number(fb, "grad", grad), number(fb, "w_new", w_new)
    right_grad, right_w = gd_step_answer()
    residual = GD_W0 * GD_X - GD_Y
    if _near(grad, right_grad):
        fb.note(f"dL/dw = {right_grad:g} is right.")
    elif _near(grad, -right_grad):
        fb.fail("dL/dw has the wrong sign: is the prediction w x above or below y?")
    elif _near(grad, residual * GD_X):
        fb.fail("dL/dw is off by a factor 2: the derivative of u^2 is 2u.")
    elif _near(grad, 2 * residual):
        fb.fail("dL/dw misses the inner derivative: d(w x - y)/dw = x (chain rule).")
    else:
        fb.fail(f"dL/dw = {grad:g} is not right: write L = u^2 with u = w x - y and "
                "use the chain rule.")
    # judge the update with the reader's own gradient: one mistake is not counted twice
    if _near(w_new, right_w):
        fb.note(f"w_new = {right_w:g} is right.")
    elif _near(w_new, GD_W0 - GD_LR * grad):
        fb.note("The update w0 - lr * grad is applied correctly to your gradient.")
    elif _near(w_new, GD_W0 + GD_LR * grad):
        fb.fail("w_new moves along the gradient: gradient descent subtracts lr * grad.")
    elif _near(w_new, GD_W0 - grad):
        fb.fail("w_new forgets the learning rate: the step is lr * grad, not grad.")
    elif _near(w_new, -GD_LR * grad):
        fb.fail("w_new is only the step: add it to the old weight w0.")
    else:
        fb.fail(f"w_new = {w_new:g} does not follow w_new = w0 - lr * dL/dw.")
    return fb


def momentum_answer() -> tuple[float, float]:
    """The weights after one and after two momentum steps of the exercise."""
    w, v, path = MOM_W0, 0.0, []
    for _ in range(2):
        v = MOM_BETA * v + 4 * w   # dL/dw of L = 2 w^2
        w = w - MOM_LR * v
        path.append(round(w, 12) + 0.0)  # 0.0, not -1.1e-16 or -0.0
    return path[0], path[1]


@checker
def check_momentum_steps(w1, w2) -> Feedback:
    """Check two steps of momentum on ``L(w) = 2 w^2`` from ``w0 = 1`` with
    ``lr = 0.1`` and ``beta = 0.9`` (``v <- beta v + dL/dw; w <- w - lr v``)."""
    fb = Feedback("two steps with momentum")
    await_answer(fb, w1=w1, w2=w2)
    w1, w2 = number(fb, "w1", w1), number(fb, "w2", w2)
    right1, right2 = momentum_answer()
    if not _near(w1, right1):
        if _near(w1, MOM_W0 + MOM_LR * 4 * MOM_W0):
            fb.fail("w1 moves uphill: subtract lr * v from the weight.")
        elif _near(w1, MOM_W0 - MOM_LR * (1 - MOM_BETA) * 4 * MOM_W0):
            fb.fail("w1 uses v = (1 - beta) g; this chapter (and PyTorch) uses "
                    "v = beta v + g.")
        elif _near(w1, MOM_W0 - MOM_LR * 2 * MOM_W0):
            fb.fail("w1 uses dL/dw = 2w; the derivative of 2 w^2 is 4w.")
        else:
            fb.fail(f"w1 = {w1:g} is not right: the first velocity is just the first "
                    "gradient, because v starts at 0.")
        return fb
    fb.note(f"w1 = {right1:g} is right.")
    plain = right1 - MOM_LR * 4 * right1
    if _near(w2, right2):
        fb.note(f"w2 = {right2:g} is right: the velocity carried the weight further "
                f"than plain gradient descent would ({plain:g}).")
    elif _near(w2, plain):
        fb.fail("w2 is a plain gradient-descent step: the velocity must keep "
                "beta times the previous one.")
    elif _near(w2, right1 - MOM_LR * MOM_BETA * 4 * MOM_W0):
        fb.fail("w2 forgets the new gradient: v = beta * v_old + dL/dw at w1.")
    else:
        fb.fail(f"w2 = {w2:g} is not right: compute the gradient at w1, then "
                "v2 = beta v1 + gradient, then w2 = w1 - lr v2.")
    return fb
