"""Checkers for the exercises of the chapter "Machine learning fundamentals"."""

from __future__ import annotations

import math

import numpy as np

from dlbook.exercises import Feedback
from dlbook.exercises._answers import array, checker, number, tolerance

# A grading scale the reader never sees: grade i+1 starts at HIDDEN_THRESHOLDS[i].
HIDDEN_GRADES = ("2.0", "3.0", "3.5", "4.0", "4.5", "5.0")
HIDDEN_THRESHOLDS = (50.0, 61.0, 68.0, 77.0, 88.0)

# Peak FP32 rates from the workshop's table, in GFLOP/s.
I7_7700K_GFLOPS = 540.0
GTX_1080_TI_GFLOPS = 11_400.0


def hidden_grade_examples(num_examples: int = 300, *, seed: int = 0):
    """Exam scores and the grades a teacher gave them, by a rule kept secret.

    Args:
        num_examples: how many graded exams.
        seed: seeds the scores.

    Returns:
        ``(scores, grades)``: scores in [0, 100], shape ``(num_examples,)``, and
        grade names such as ``"3.5"``, shape ``(num_examples,)``.
    """
    if isinstance(num_examples, bool) or not isinstance(num_examples, int) \
            or num_examples <= 0:
        raise ValueError(f"num_examples must be a positive int, got {num_examples!r}")
    rng = np.random.default_rng(seed)
    scores = np.round(rng.uniform(20, 100, num_examples), 1)
    grades = np.array(HIDDEN_GRADES)[np.searchsorted(HIDDEN_THRESHOLDS, scores,
                                                     side="right")]
    return scores, grades


@checker
def check_hidden_thresholds(thresholds, *, tol: float = 1.0) -> Feedback:
    """Are the learned boundaries of the secret grading scale within ``tol`` points?"""
    tol = tolerance("tol", tol)
    fb = Feedback("thresholds of the hidden grading scale")
    got = array(fb, "thresholds", thresholds, finite=False)
    if got.ndim > 1:
        return fb.fail(f"thresholds must be a flat list of numbers, got an array of "
                       f"shape {got.shape}.")
    got = np.sort(got.ravel())
    want = np.array(HIDDEN_THRESHOLDS)
    if len(got) != len(want):
        return fb.fail(
            f"you gave {len(got)} thresholds, but there are {len(HIDDEN_GRADES)} "
            f"grades, so {len(want)} boundaries between them. Keep only the split "
            "points of the tree's inner nodes: sklearn marks leaves with the "
            "threshold -2."
        )
    if not np.all(np.isfinite(got)):
        return fb.fail("thresholds contain NaN or infinite values.")
    for i, (g, w) in enumerate(zip(got, want)):
        if abs(g - w) > tol:
            fb.fail(
                f"the boundary between {HIDDEN_GRADES[i]} and {HIDDEN_GRADES[i + 1]} "
                f"is {g:.1f}, more than {tol:g} point{'s' if tol != 1 else ''} from "
                "the true one. More examples, or a tree deep enough to use them, will "
                "pin it down."
            )
    if fb.ok:
        fb.note(f"all {len(want)} boundaries are within {tol:g} of the truth: "
                + ", ".join(f"{w:g}" for w in want) + ".")
    return fb


@checker
def check_cpu_training_days(days) -> Feedback:
    """5 days of training on a GTX 1080 Ti at peak: how many on an i7-7700k?"""
    fb = Feedback("5 GPU days on the CPU")
    got = number(fb, "days", days)
    want = 5 * GTX_1080_TI_GFLOPS / I7_7700K_GFLOPS
    if not math.isfinite(got) or got <= 0:
        return fb.fail(f"days must be a positive number, got {got}.")
    ratio = got / want
    if abs(ratio - 1) < 0.01:
        return fb.note(f"{want:.1f} days: the CPU is {want / 5:.1f} times slower.")
    fb.fail(f"got {got:.4g} days, which is not right.")
    if abs(got * want / 25 - 1) < 0.01:
        fb.note("you divided the wrong way round: the slower chip needs MORE time, so "
                "multiply the 5 days by GPU rate / CPU rate.")
    elif any(abs(ratio - f) < 0.01 * f for f in (1e3, 1e-3)):
        fb.note("off by a factor of 1000: write both rates in the same unit "
                "(1 TFLOP/s = 1000 GFLOP/s).")
    elif abs(ratio - 24) < 0.24:
        fb.note("that is the answer in hours; the question asks for days.")
    elif abs(ratio - 0.2) < 0.002:
        fb.note("that is the time for one GPU day; the job takes 5.")
    return fb
