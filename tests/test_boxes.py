"""Intersection over union of bounding boxes (chapter "Applications of deep
learning")."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook.boxes import box_area, box_iou, iou


def _raster_iou(a, b, resolution=1):
    """IoU by counting unit cells of an integer grid: a slow, obvious oracle."""
    grid = np.zeros((2, 40 * resolution, 40 * resolution), dtype=bool)
    for k, (x0, y0, x1, y1) in enumerate((a, b)):
        grid[k, y0:y1, x0:x1] = True
    union = (grid[0] | grid[1]).sum()
    return (grid[0] & grid[1]).sum() / union if union else 0.0


def test_known_values():
    assert iou((0, 0, 2, 2), (1, 1, 3, 3)) == pytest.approx(1 / 7)
    assert iou((0, 0, 2, 2), (0, 0, 2, 2)) == 1.0
    assert iou((0, 0, 4, 4), (1, 1, 2, 2)) == pytest.approx(1 / 16)
    assert iou((0, 0, 1, 1), (2, 2, 3, 3)) == 0.0  # apart: no negative "overlap"
    assert iou((0, 0, 1, 1), (2, 0, 3, 1)) == 0.0
    assert iou((0, 0, 1, 1), (1, 0, 2, 1)) == 0.0  # touching edges share no area


def test_shifted_square_follows_the_closed_form():
    side = 40.0
    for d in (0.0, 5.0, 13.0, 39.0):
        assert iou((0, 0, side, side), (d, 0, d + side, side)) == pytest.approx(
            (side - d) / (side + d))


def test_pairwise_shape_and_area():
    a = torch.tensor([[0, 0, 2, 2], [1, 1, 3, 3], [5, 5, 6, 8]])
    b = [(0, 0, 2, 2), (10, 10, 12, 12)]
    out = box_iou(a, b)
    assert out.shape == (3, 2)
    assert out[:, 1].tolist() == [0.0, 0.0, 0.0]
    assert box_area(a).tolist() == [4.0, 4.0, 3.0]
    assert box_iou((0, 0, 1, 1), (0, 0, 1, 1)).shape == (1, 1)


def test_zero_area_boxes_do_not_divide_by_zero():
    assert iou((1, 1, 1, 1), (1, 1, 1, 1)) == 0.0
    assert iou((1, 1, 1, 1), (0, 0, 2, 2)) == 0.0


boxes = st.tuples(st.integers(0, 38), st.integers(0, 38), st.integers(1, 20),
                  st.integers(1, 20)).map(
    lambda t: (t[0], t[1], min(40, t[0] + t[2]), min(40, t[1] + t[3])))


@settings(max_examples=100, deadline=None)
@given(boxes, boxes)
def test_matches_raster_oracle_and_is_symmetric(a, b):
    value = iou(a, b)
    assert value == pytest.approx(_raster_iou(a, b), abs=1e-12)
    assert value == pytest.approx(iou(b, a), abs=1e-12)
    assert 0.0 <= value <= 1.0


@pytest.mark.parametrize("bad, error, match", [
    ((0, 0, 1), ValueError, r"shape \(4,\) or \(N, 4\)"),
    ((2, 0, 1, 1), ValueError, "x_max >= x_min"),
    ((0, 0, 1, float("nan")), ValueError, "NaN or infinite"),
    ("box", TypeError, "must be boxes"),
])
def test_bad_boxes_raise(bad, error, match):
    with pytest.raises(error, match=match):
        box_iou(bad, (0, 0, 1, 1))


def test_iou_is_for_single_boxes():
    with pytest.raises(ValueError, match="two single boxes"):
        iou([(0, 0, 1, 1), (0, 0, 2, 2)], (0, 0, 1, 1))
