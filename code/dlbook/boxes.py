"""Bounding boxes and intersection over union (IoU), the yardstick of object detection.

A box is ``(x_min, y_min, x_max, y_max)`` in pixels. The IoU of two boxes ``A`` and
``B`` is the area they share divided by the area they cover together,

    IoU(A, B) = |A ∩ B| / |A ∪ B| = |A ∩ B| / (|A| + |B| - |A ∩ B|),

1 for identical boxes and 0 for boxes that do not overlap. A detector's box counts as
a hit when its IoU with a true box reaches a threshold, 0.5 to 0.95 in the COCO
metrics (chapter "Applications of deep learning").
"""

from __future__ import annotations

import torch


def _as_boxes(name: str, boxes) -> torch.Tensor:
    """``boxes`` as a float64 tensor ``(N, 4)``; one box ``(4,)`` becomes ``(1, 4)``."""
    if isinstance(boxes, torch.Tensor):
        t = boxes.detach().to(torch.float64)
    else:
        try:
            t = torch.as_tensor(boxes, dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError) as err:
            raise TypeError(f"{name} must be boxes (x_min, y_min, x_max, y_max), got "
                            f"{type(boxes).__name__}") from err
    if t.dim() == 1:
        t = t.unsqueeze(0)
    if t.dim() != 2 or t.shape[1] != 4:
        raise ValueError(f"{name} must have shape (4,) or (N, 4) as (x_min, y_min, "
                         f"x_max, y_max), got {tuple(t.shape)}")
    if not torch.isfinite(t).all():
        raise ValueError(f"{name} contains NaN or infinite coordinates")
    if (t[:, 2] < t[:, 0]).any() or (t[:, 3] < t[:, 1]).any():
        raise ValueError(f"{name}: every box needs x_max >= x_min and y_max >= y_min")
    return t


def box_area(boxes) -> torch.Tensor:
    """Areas of boxes.

    Args:
        boxes: ``(N, 4)`` or ``(4,)`` as ``(x_min, y_min, x_max, y_max)``.

    Returns:
        ``(N,)`` float64 tensor.
    """
    b = _as_boxes("boxes", boxes)
    return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])


def box_iou(boxes_a, boxes_b) -> torch.Tensor:
    """Intersection over union of each box in ``boxes_a`` with each box in ``boxes_b``.

    Args:
        boxes_a: ``(N, 4)`` or ``(4,)`` as ``(x_min, y_min, x_max, y_max)``.
        boxes_b: ``(M, 4)`` or ``(4,)``.

    Returns:
        ``(N, M)`` float64 tensor of IoUs in [0, 1]. Two boxes of zero area that do
        not overlap have IoU 0.
    """
    a = _as_boxes("boxes_a", boxes_a)
    b = _as_boxes("boxes_b", boxes_b)
    top_left = torch.maximum(a[:, None, :2], b[None, :, :2])  # (N, M, 2)
    bottom_right = torch.minimum(a[:, None, 2:], b[None, :, 2:])  # (N, M, 2)
    # disjoint boxes have a negative width or height of overlap: none is shared
    overlap = (bottom_right - top_left).clamp(min=0)
    inter = overlap[..., 0] * overlap[..., 1]  # (N, M)
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter
    return torch.where(union > 0, inter / union.clamp(min=1e-12),
                       torch.zeros_like(inter))


def iou(box_a, box_b) -> float:
    """IoU of two single boxes ``(x_min, y_min, x_max, y_max)``, as a Python float."""
    a = _as_boxes("box_a", box_a)
    b = _as_boxes("box_b", box_b)
    if len(a) != 1 or len(b) != 1:
        raise ValueError("iou compares two single boxes; use box_iou for sets of boxes")
    return box_iou(a, b).item()
