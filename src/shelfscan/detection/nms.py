"""Box overlap and non-maximum suppression, pure numpy."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

IntArr = npt.NDArray[np.int64]


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

    A box is suppressed when its IoU with a kept, higher-scoring box exceeds
    ``iou_threshold``. With ``class_ids`` (N,), boxes only suppress their own class.
    Runs OpenCV's C++ NMS (dense shelves give thousands of candidates).
    """
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
    scores = np.asarray(scores, dtype=np.float32).reshape(-1)
    if len(boxes) == 0:
        return np.zeros((0,), dtype=np.int64)
    xywh = np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]], axis=1).astype(np.float64)
    classes = np.zeros(len(boxes), np.int32) if class_ids is None else np.asarray(class_ids)
    found = cv2.dnn.NMSBoxesBatched(
        xywh.tolist(), scores.tolist(), classes.astype(np.int32).tolist(), -np.inf, iou_threshold
    )
    kept: npt.NDArray[np.int64] = np.asarray(found, dtype=np.int64).reshape(-1)
    return kept[np.argsort(-scores[kept], kind="stable")]


def overlapping_pairs(boxes: npt.NDArray[np.float64]) -> tuple[IntArr, IntArr]:
    """Index pairs (a, b), a != b, of the boxes (N, 4) whose x ranges overlap, each pair once.

    Sort by x1; a box's partners are the boxes that start inside its x range (a sweep:
    ``searchsorted`` then a vectorised expansion), so the work is n log n plus the number
    of pairs. Boxes of one photo overlap few others, unlike the n^2 of every pair.
    """
    order = np.argsort(boxes[:, 0], kind="stable")
    x1, x2 = boxes[order, 0], boxes[order, 2]
    pos = np.arange(len(order))
    ends = np.searchsorted(x1, x2, side="left")  # first box starting at or after x2
    counts = np.maximum(ends - pos - 1, 0)
    firsts = np.repeat(pos, counts)
    starts = np.cumsum(counts) - counts
    seconds = np.arange(int(counts.sum())) - np.repeat(starts, counts) + firsts + 1
    return order[firsts].astype(np.int64), order[seconds].astype(np.int64)


def suppress_contained(
    boxes: npt.NDArray[np.floating],
    scores: npt.NDArray[np.floating],
    min_inside: float = 0.5,
    class_ids: npt.NDArray[np.integer] | None = None,
    max_area_ratio: float = 2.0,
) -> npt.NDArray[np.int64]:
    """Indices of the boxes (N, 4) kept, highest score first, after containment suppression.

    A box is dropped when at least ``min_inside`` of its own area lies inside a kept,
    higher-scoring box (of the same class when ``class_ids`` (N,) is given): a second box
    on one product, nested in the first, that IoU-based NMS keeps because the boxes differ
    in size, or two copies of a narrow pack shifted sideways (IoU under the NMS threshold,
    most of the weaker box inside the stronger one). Facings side by side share only an
    edge, so a threshold as low as 0.5 keeps them. Only a container at most
    ``max_area_ratio`` times the box's area counts: a big (often false) box over a whole
    group of packs must not erase the packs inside it. Run it after ``nms``.

    Only overlapping pairs are compared (``overlapping_pairs``), so 1,280 facings take
    milliseconds; ``min_inside`` must be positive (a box touches no box it does not
    overlap).
    """
    if min_inside <= 0:
        raise ValueError(f"min_inside must be positive, got {min_inside}")
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    if len(b) == 0:
        return np.zeros((0,), dtype=np.int64)
    cls = np.zeros(len(b), np.int64) if class_ids is None else np.asarray(class_ids, np.int64)
    order = np.argsort(-s, kind="stable")
    b, cls = b[order], cls[order]  # from here on, index = rank (0 = best score)
    area = (b[:, 2] - b[:, 0]).clip(0) * (b[:, 3] - b[:, 1]).clip(0)
    p, q = overlapping_pairs(b)
    # rank order inside a pair: ``hi`` scored better, ``lo`` is the one that may be dropped
    hi, lo = np.minimum(p, q), np.maximum(p, q)
    inter = np.prod(
        (np.minimum(b[hi, 2:], b[lo, 2:]) - np.maximum(b[hi, :2], b[lo, :2])).clip(0), axis=1
    )
    drops = (
        (cls[hi] == cls[lo])
        & (area[hi] <= max_area_ratio * area[lo])
        & (inter / np.maximum(area[lo], 1e-9) >= min_inside)
    )
    victims, containers = lo[drops], hi[drops]
    keep = np.ones(len(b), dtype=bool)
    if len(victims):  # greedy, best first: only a kept container drops a box
        by_victim = np.lexsort((containers, victims))
        victims, containers = victims[by_victim], containers[by_victim]
        firsts = np.flatnonzero(np.r_[True, victims[1:] != victims[:-1]])
        bounds = np.r_[firsts, len(victims)]
        for k in range(len(firsts)):
            keep[victims[bounds[k]]] = not keep[containers[bounds[k] : bounds[k + 1]]].any()
    kept: npt.NDArray[np.int64] = order[keep].astype(np.int64)
    return kept
