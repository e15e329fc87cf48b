"""Product detection: ONNX session, letterbox, tiling, NMS."""

from __future__ import annotations

from shelfscan.detection.detector import Detector, letterbox
from shelfscan.detection.nms import box_iou_batch, nms

__all__ = ["Detector", "box_iou_batch", "letterbox", "nms"]
