"""Checkers for the exercises of the chapter "Applications of deep learning"."""

from __future__ import annotations

import math

from dlbook.exercises import Feedback
from dlbook.exercises._answers import call, checker, function, number

# (box_a, box_b, IoU); boxes are (x_min, y_min, x_max, y_max)
IOU_CASES = (
    ((0, 0, 2, 2), (1, 1, 3, 3), 1 / 7),  # partial overlap
    ((0, 0, 2, 2), (0, 0, 2, 2), 1.0),  # identical
    ((0, 0, 4, 4), (1, 1, 2, 2), 1 / 16),  # one inside the other
    ((0, 0, 1, 1), (2, 2, 3, 3), 0.0),  # apart along both axes
    ((0, 0, 1, 1), (2, 0, 3, 1), 0.0),  # apart along x only
    ((0, 0, 1, 1), (1, 0, 2, 1), 0.0),  # touching edges
    ((10, 20, 30, 60), (15, 30, 35, 50), 300 / 900),  # rectangles
)


@checker
def check_iou(fn) -> Feedback:
    """Check a function ``fn(box_a, box_b) -> float`` computing the IoU of two boxes.

    The boxes are tuples ``(x_min, y_min, x_max, y_max)``. The checker runs the function
    on overlapping, identical, nested, disjoint and touching boxes and names the first
    kind of case it gets wrong.
    """
    fb = Feedback("intersection over union")
    fn = function(fb, "my_iou", fn, "check_iou(my_iou)")

    def iou(a, b) -> float:
        label = f"my_iou({a}, {b})"
        return number(fb, f"the result of {label}", call(fb, label, fn, a, b),
                      finite=False)

    for a, b, want in IOU_CASES:
        got = iou(a, b)
        if not math.isfinite(got):
            return fb.fail(f"my_iou({a}, {b}) returned {got}: guard against dividing "
                           "by a zero union.")
        if math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-9):
            continue
        where = f"my_iou({a}, {b}) returned {got:.4f}, expected {want:.4f}"
        if want == 0 and got != 0:
            return fb.fail(f"{where}. These boxes do not overlap, but the overlap's "
                           "width or height came out negative and still entered the "
                           "product: clamp both at 0 (max(0, ...)).")
        if got < 0 or got > 1:
            return fb.fail(f"{where}. An IoU always lies between 0 and 1.")
        area_a = (a[2] - a[0]) * (a[3] - a[1])
        area_b = (b[2] - b[0]) * (b[3] - b[1])
        inter = want * (area_a + area_b) / (1 + want)
        hints = {
            inter / (area_a + area_b): "you divided by the sum of the areas: the union "
            "counts the shared area only once, so subtract the intersection.",
            inter: "you returned the intersection itself: divide it by the union.",
        }
        for area in (area_a, area_b):
            hints.setdefault(inter / max(area, 1e-12), "you divided by the area of one "
                             "box only: divide by the union of both.")
        for value, hint in hints.items():
            if math.isclose(got, value, rel_tol=1e-6):
                return fb.fail(f"{where}: {hint}")
        return fb.fail(f"{where}. Check the corners of the overlap: its top-left is "
                       "the larger of the two top-lefts, its bottom-right the smaller "
                       "of the two bottom-rights.")
    for a, b, _ in IOU_CASES:
        if not math.isclose(iou(a, b), iou(b, a), rel_tol=1e-9):
            return fb.fail(f"my_iou is not symmetric on {a} and {b}: IoU(A, B) must "
                           "equal IoU(B, A).")
    return fb.note(f"all {len(IOU_CASES)} cases right, including boxes that do not "
                   "overlap.")
