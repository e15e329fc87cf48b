"""Builders shared by the tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from shelfscan.types import CLASS_PRODUCT, Detections


def shelf_row_boxes(
    y_top: float, height: float, xs: Sequence[tuple[float, float]]
) -> list[list[float]]:
    """Boxes of one row standing on the same board: [(x1, x2), ...] -> xyxy lists."""
    return [[x1, y_top, x2, y_top + height] for x1, x2 in xs]


def dets(
    boxes: Sequence[Sequence[float]], class_id: int | Sequence[int] = CLASS_PRODUCT
) -> Detections:
    """Detections from xyxy lists; one class for all or one per box."""
    n = len(boxes)
    classes = np.full(n, class_id) if isinstance(class_id, int) else np.asarray(class_id)
    return Detections.from_boxes(
        np.asarray(boxes, dtype=np.float32).reshape(-1, 4), np.ones(n), classes
    )
