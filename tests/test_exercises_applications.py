"""The IoU checker of the chapter "Applications of deep learning"."""

import numpy as np
import torch

from dlbook.boxes import iou
from dlbook.exercises.applications import IOU_CASES, check_iou


def right(a, b):
    w = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


def no_clamp(a, b):
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


def sum_of_areas(a, b):
    w = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    return w * h / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]))


def first_area(a, b):
    w = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    return w * h / ((a[2] - a[0]) * (a[3] - a[1]))


def test_accepts_right_answers():
    assert check_iou(right)
    assert check_iou(iou)
    assert "do not overlap" in str(check_iou(right))


def test_names_the_slip():
    assert "clamp both at 0" in str(check_iou(no_clamp))
    assert "sum of the areas" in str(check_iou(sum_of_areas))
    assert "area of one box only" in str(check_iou(first_area))
    assert "intersection itself" in str(check_iou(
        lambda a, b: max(0, min(a[2], b[2]) - max(a[0], b[0]))
        * max(0, min(a[3], b[3]) - max(a[1], b[1]))))


def test_placeholder_and_broken_functions_do_not_raise():
    fb = check_iou(lambda a, b: 0.0)
    assert not fb and "returned 0.0000, expected 0.1429" in str(fb)
    assert "raised ZeroDivisionError" in str(check_iou(lambda a, b: 1 / 0))
    assert "pass your function itself" in str(check_iou(0.5))
    assert "between 0 and 1" in str(check_iou(lambda a, b: 2.0))
    # right on every case as given, but not when the two boxes swap places
    assert "symmetric" in str(check_iou(lambda a, b: right(a, b) if a <= b
                                        else right(a, b) + 1e-3))


def test_an_exception_on_the_symmetry_pass_is_feedback_not_a_traceback():
    calls = []

    def fails_late(a, b):  # right on the first pass, raises when the boxes swap
        calls.append((a, b))
        if len(calls) > len(IOU_CASES):
            raise ValueError("late failure")
        return right(a, b)

    fb = check_iou(fails_late)
    assert not fb and "raised ValueError: late failure" in str(fb)


def test_results_in_any_numeric_form_and_placeholders():
    assert check_iou(lambda a, b: np.float32(right(a, b)))
    assert check_iou(lambda a, b: torch.tensor(right(a, b)))
    fb = check_iou(lambda a, b: str(right(a, b)))
    assert not fb and "must be one number, not the text" in str(fb)
    fb = check_iou(lambda a, b: None)
    assert not fb and "returned None" in str(fb)
    fb = check_iou(lambda a, b: ...)  # the chapter's untouched placeholder
    assert not fb and fb.pending and "still returns the placeholder ..." in str(fb)
