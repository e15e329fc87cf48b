"""Target assignment and losses for the stride-8 FCOS-style head.

Assignment: a location is positive for a box when it lies inside the box and within
its central region (half-extent ``max(0.3 * side, stride)``); a location claimed by
several boxes goes to the smallest. Every box also claims the location nearest its
centre, so tiny boxes (price tags) are never left without a positive.
Losses: sigmoid focal loss for classes, GIoU for boxes, and BCE of the quality
branch against the IoU of the predicted box with its target (IoU-aware scoring).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from shelfscan.training.model import STRIDE, decode_boxes, grid_points


@dataclass(frozen=True)
class Targets:
    labels: torch.Tensor  # (B, P) int64 class id, -1 for background
    boxes: torch.Tensor  # (B, P, 4) target boxes (only meaningful where labels >= 0)


def assign_one(
    points: torch.Tensor, grid: tuple[int, int], boxes: torch.Tensor, classes: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """points (P, 2) on a (gh, gw) grid, boxes (N, 4), classes (N,)
    -> labels (P,), boxes (P, 4)."""
    p = points.shape[0]
    labels = torch.full((p,), -1, dtype=torch.int64, device=points.device)
    out = torch.zeros((p, 4), dtype=torch.float32, device=points.device)
    if boxes.shape[0] == 0:
        return labels, out
    x, y = points[:, 0:1], points[:, 1:2]  # (P, 1)
    x1, y1, x2, y2 = boxes.unbind(dim=1)  # (N,)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    w, h = (x2 - x1).clamp(min=1.0), (y2 - y1).clamp(min=1.0)
    rx = torch.clamp(0.3 * w, min=float(STRIDE))
    ry = torch.clamp(0.3 * h, min=float(STRIDE))
    inside = (x > x1) & (x < x2) & (y > y1) & (y < y2)
    central = ((x - cx).abs() <= rx) & ((y - cy).abs() <= ry)
    ok = inside & central  # (P, N)
    # nearest location to each centre (grid is regular: compute its index directly)
    gh, gw = grid
    ix = (cx / STRIDE).floor().clamp(0, gw - 1).long()
    iy = (cy / STRIDE).floor().clamp(0, gh - 1).long()
    nearest = iy * gw + ix
    ok[nearest, torch.arange(boxes.shape[0], device=points.device)] = True
    area = (w * h).unsqueeze(0).expand(p, -1)
    cost = torch.where(ok, area, torch.full_like(area, float("inf")))
    best_cost, best = cost.min(dim=1)
    pos = torch.isfinite(best_cost)
    labels[pos] = classes[best[pos]]
    out[pos] = boxes[best[pos]]
    return labels, out


def assign(
    points: torch.Tensor,
    grid: tuple[int, int],
    gt_boxes: list[torch.Tensor],
    gt_classes: list[torch.Tensor],
) -> Targets:
    pairs = [assign_one(points, grid, b, c) for b, c in zip(gt_boxes, gt_classes, strict=True)]
    return Targets(torch.stack([p[0] for p in pairs]), torch.stack([p[1] for p in pairs]))


def box_iou_giou(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Element-wise IoU and GIoU of (M, 4) boxes."""
    lt = torch.maximum(a[:, :2], b[:, :2])
    rb = torch.minimum(a[:, 2:], b[:, 2:])
    inter = (rb - lt).clamp(min=0).prod(dim=1)
    area_a = (a[:, 2:] - a[:, :2]).clamp(min=0).prod(dim=1)
    area_b = (b[:, 2:] - b[:, :2]).clamp(min=0).prod(dim=1)
    union = area_a + area_b - inter + 1e-6
    iou = inter / union
    hull = (torch.maximum(a[:, 2:], b[:, 2:]) - torch.minimum(a[:, :2], b[:, :2])).prod(dim=1)
    giou = iou - (hull - union) / (hull + 1e-6)
    return iou, giou


def detection_loss(
    outputs: tuple[torch.Tensor, torch.Tensor, torch.Tensor],
    gt_boxes: list[torch.Tensor],
    gt_classes: list[torch.Tensor],
) -> dict[str, torch.Tensor]:
    """Total loss and its parts for one batch of raw head outputs."""
    cls, reg, ctr = (o.float() for o in outputs)
    b, c, h, w = cls.shape
    points = grid_points(h, w, cls.device)
    with torch.no_grad():
        targets = assign(points, (h, w), gt_boxes, gt_classes)
    logits = cls.reshape(b, c, -1).permute(0, 2, 1)  # (B, P, C)
    pos = targets.labels >= 0
    n_pos = max(float(pos.sum()), 1.0)
    onehot = torch.zeros_like(logits)
    onehot[pos, targets.labels[pos]] = 1.0
    loss_cls = _focal(logits, onehot).sum() / n_pos
    pred_boxes = decode_boxes(reg, points)[pos]
    tgt_boxes = targets.boxes[pos]
    iou, giou = box_iou_giou(pred_boxes, tgt_boxes)
    loss_box = (1.0 - giou).sum() / n_pos
    quality = ctr.reshape(b, -1)[pos]
    loss_q = (
        F.binary_cross_entropy_with_logits(quality, iou.detach().clamp(0, 1), reduction="sum")
        / n_pos
    )
    total = loss_cls + 2.0 * loss_box + loss_q
    return {"loss": total, "cls": loss_cls, "box": loss_box, "quality": loss_q}


def _focal(logits: torch.Tensor, target: torch.Tensor, alpha: float = 0.25) -> torch.Tensor:
    p = torch.sigmoid(logits)
    ce = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    p_t = p * target + (1 - p) * (1 - target)
    a_t = alpha * target + (1 - alpha) * (1 - target)
    return a_t * ce * (1 - p_t) ** 2
