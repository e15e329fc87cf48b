"""Detection metrics in the COCO / SKU-110K definitions (pure numpy).

- AP: mean over IoU thresholds 0.50:0.05:0.95 of the 101-point interpolated area
  under the precision/recall curve, at most ``max_dets`` (300) detections per image
  ranked by score, greedy matching of each detection to the unmatched ground-truth
  box it overlaps most (COCO ``cocoeval``). AP50 and AP75 are single thresholds.
- AR300: recall with at most 300 detections per image, averaged over the same IoU
  thresholds (the SKU-110K paper's AR300).
- Counting: per image, the number of detections scoring at least ``count_threshold``
  against the number of ground-truth boxes; MAE and RMSE over images (SKU-110K).
Metrics are computed per class and averaged over the classes that have ground truth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from shelfscan.types import Detections

IOU_THRESHOLDS = np.round(np.arange(0.5, 0.951, 0.05), 2)
RECALL_POINTS = np.linspace(0.0, 1.0, 101)


@dataclass(frozen=True)
class DetectionMetrics:
    """Summary over a dataset; AP-type values are in [0, 1] (nan without ground truth)."""

    ap: float
    ap50: float
    ap75: float
    ar300: float
    count_mae: float
    count_rmse: float
    images: int
    gt_boxes: int
    detections: int

    def as_dict(self) -> dict[str, float | int]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def box_iou(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """Pairwise IoU of (N, 4) and (M, 4) x1 y1 x2 y2 boxes -> (N, M); empty-safe."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)), np.float64)
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    lt = np.maximum(a64[:, None, :2], b64[None, :, :2])
    rb = np.minimum(a64[:, None, 2:], b64[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(axis=2)
    area_a = np.clip(a64[:, 2:] - a64[:, :2], 0, None).prod(axis=1)
    area_b = np.clip(b64[:, 2:] - b64[:, :2], 0, None).prod(axis=1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def match_image(
    iou: npt.NDArray[np.float64], thresholds: npt.NDArray[np.float64]
) -> npt.NDArray[np.bool_]:
    """Greedy COCO matching for one image.

    iou: (D, G) with detections already sorted by descending score.
    Returns (T, D) true-positive flags, one row per IoU threshold.
    """
    d, g = iou.shape
    tp = np.zeros((len(thresholds), d), bool)
    if d == 0 or g == 0:
        return tp
    for t, thr in enumerate(thresholds):
        taken = np.zeros(g, bool)
        for i in range(d):
            cand = np.where(taken, -1.0, iou[i])
            j = int(np.argmax(cand))
            if cand[j] >= thr:
                taken[j] = True
                tp[t, i] = True
    return tp


def interpolated_ap(tp: npt.NDArray[np.bool_], n_gt: int) -> float:
    """101-point interpolated AP of score-sorted TP flags (COCO)."""
    if n_gt == 0:
        return float("nan")
    if len(tp) == 0:
        return 0.0
    ctp = np.cumsum(tp)
    cfp = np.cumsum(~tp)
    recall = ctp / n_gt
    precision = ctp / (ctp + cfp)
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    idx = np.searchsorted(recall, RECALL_POINTS, side="left")
    sampled = np.where(idx < len(envelope), envelope[np.minimum(idx, len(envelope) - 1)], 0.0)
    return float(sampled.mean())


def class_ap(
    preds: Sequence[Detections], gts: Sequence[Detections], class_id: int, max_dets: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], int]:
    """Per-threshold AP (T,) and recall (T,) for one class, and its GT count."""
    scores, flags = [], []
    n_gt = 0
    for pred, gt in zip(preds, gts, strict=True):
        p, g = pred.of_class(class_id), gt.of_class(class_id)
        order = np.argsort(-p.confidence, kind="stable")[:max_dets]
        p = p[order]
        n_gt += len(g)
        flags.append(match_image(box_iou(p.xyxy, g.xyxy), IOU_THRESHOLDS))
        scores.append(p.confidence)
    all_scores = np.concatenate(scores) if scores else np.zeros(0, np.float32)
    all_tp = np.concatenate(flags, axis=1) if flags else np.zeros((len(IOU_THRESHOLDS), 0), bool)
    order = np.argsort(-all_scores, kind="stable")
    all_tp = all_tp[:, order]
    aps = np.array([interpolated_ap(row, n_gt) for row in all_tp])
    recall = all_tp.sum(axis=1) / n_gt if n_gt else np.full(len(IOU_THRESHOLDS), np.nan)
    return aps, recall, n_gt


def counting_errors(
    preds: Sequence[Detections], gts: Sequence[Detections], class_id: int, threshold: float
) -> tuple[float, float]:
    """MAE and RMSE of per-image counts (detections scoring >= threshold vs GT boxes)."""
    if not preds:
        return float("nan"), float("nan")
    err = np.array(
        [
            int((p.of_class(class_id).confidence >= threshold).sum()) - len(g.of_class(class_id))
            for p, g in zip(preds, gts, strict=True)
        ],
        np.float64,
    )
    return float(np.abs(err).mean()), float(np.sqrt((err**2).mean()))


def evaluate(
    preds: Sequence[Detections],
    gts: Sequence[Detections],
    classes: Sequence[int] = (0,),
    max_dets: int = 300,
    count_threshold: float = 0.5,
) -> DetectionMetrics:
    """AP, AP50, AP75, AR300 (mean over ``classes`` with ground truth) and counting
    error of the first class in ``classes`` (the product class by default)."""
    if len(preds) != len(gts):
        raise ValueError(f"{len(preds)} predictions for {len(gts)} ground-truth images")
    per_ap, per_rec, total_gt = [], [], 0
    for c in classes:
        aps, rec, n_gt = class_ap(preds, gts, c, max_dets)
        total_gt += n_gt
        if n_gt:
            per_ap.append(aps)
            per_rec.append(rec)
    mae, rmse = (
        counting_errors(preds, gts, classes[0], count_threshold)
        if classes
        else (
            float("nan"),
            float("nan"),
        )
    )
    ap_mat = np.array(per_ap) if per_ap else np.full((1, len(IOU_THRESHOLDS)), np.nan)
    rec_mat = np.array(per_rec) if per_rec else np.full((1, len(IOU_THRESHOLDS)), np.nan)
    return DetectionMetrics(
        ap=float(ap_mat.mean()),
        ap50=float(ap_mat[:, 0].mean()),
        ap75=float(ap_mat[:, 5].mean()),
        ar300=float(rec_mat.mean()),
        count_mae=mae,
        count_rmse=rmse,
        images=len(gts),
        gt_boxes=total_gt,
        detections=sum(len(p) for p in preds),
    )
