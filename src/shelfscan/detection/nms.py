"""Box overlap and non-maximum suppression, pure numpy."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def box_iou_batch(
    boxes_a: npt.NDArray[np.floating], boxes_b: npt.NDArray[np.floating]
) -> npt.NDArray[np.float32]:
    """IoU of every box in ``boxes_a`` (N, 4) with every box in ``boxes_b`` (M, 4): (N, M)."""
    a = np.asarray(boxes_a, dtype=np.float32).reshape(-1, 4)
    b = np.asarray(boxes_b, dtype=np.float32).reshape(-1, 4)
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)), dtype=np.float32)
    area_a = (a[:, 2] - a[:, 0]).clip(0) * (a[:, 3] - a[:, 1]).clip(0)
    area_b = (b[:, 2] - b[:, 0]).clip(0) * (b[:, 3] - b[:, 1]).clip(0)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = (rb - lt).clip(0)
    inter = wh[..., 0] * wh[..., 1]
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0).astype(np.float32)


def nms(
    boxes: npt.NDArray[np.floating],
    scores: npt.NDArray[np.floating],
    iou_threshold: float = 0.5,
    class_ids: npt.NDArray[np.integer] | None = None,
) -> npt.NDArray[np.int64]:
    """Indices of the boxes (N, 4) kept by greedy NMS, highest score first.

    With ``class_ids`` (N,), boxes only suppress boxes of their own class.
    """
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
    scores = np.asarray(scores, dtype=np.float32).reshape(-1)
    if len(boxes) == 0:
        return np.zeros((0,), dtype=np.int64)
    if class_ids is not None:
        # Offset each class to its own region of the plane: one pass handles all classes.
        span = float(boxes.max()) + 1.0
        boxes = boxes + (np.asarray(class_ids, dtype=np.float32) * span)[:, None]
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    while order.size:
        best = int(order[0])
        keep.append(best)
        if order.size == 1:
            break
        rest = order[1:]
        ious = box_iou_batch(boxes[best : best + 1], boxes[rest])[0]
        order = rest[ious <= iou_threshold]
    return np.asarray(keep, dtype=np.int64)
