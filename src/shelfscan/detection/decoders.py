"""Detector output decoders, chosen by name (model metadata ``shelfscan.decoder``).

A decoder turns one raw output tensor into candidate boxes in the letterboxed input's
pixels, before clipping and suppression: (boxes (K, 4) x1 y1 x2 y2, scores (K,), class
ids (K,)), already filtered by the score threshold.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

from shelfscan.errors import ModelError

Floats = npt.NDArray[np.float32]
Ints = npt.NDArray[np.int64]
Decoded = tuple[Floats, Floats, Ints]


class Decoder(Protocol):
    """Raw output -> boxes, scores and classes at or above ``score_threshold``."""

    def __call__(self, raw: Floats, score_threshold: float) -> Decoded: ...


def _best_class(boxes: Floats, class_scores: Floats, score_threshold: float) -> Decoded:
    if len(class_scores) == 0 or class_scores.shape[1] == 0:
        return np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64)
    cls = class_scores.argmax(axis=1)
    score = class_scores[np.arange(len(class_scores)), cls]
    keep = score >= score_threshold
    return boxes[keep].astype(np.float32), score[keep].astype(np.float32), cls[keep]


def decode_xyxy(raw: Floats, score_threshold: float) -> Decoded:
    """shelfscan's own export: [1, K, 4 + C], boxes x1 y1 x2 y2 then C class scores."""
    if raw.ndim != 3 or raw.shape[0] != 1 or raw.shape[2] < 5:
        raise ModelError(f"detector output has shape {raw.shape}, expected [1, K, 4 + C]")
    preds = raw[0]
    return _best_class(preds[:, :4], preds[:, 4:], score_threshold)


def decode_yolov8(raw: Floats, score_threshold: float) -> Decoded:
    """An Ultralytics YOLOv8 raw head: [1, 4 + C, K], boxes cx cy w h then C scores."""
    if raw.ndim != 3 or raw.shape[0] != 1 or raw.shape[1] < 5:
        raise ModelError(f"detector output has shape {raw.shape}, expected [1, 4 + C, K]")
    preds = raw[0].T
    cx, cy, w, h = (preds[:, i] for i in range(4))
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    return _best_class(boxes, preds[:, 4:], score_threshold)


DECODERS: dict[str, Decoder] = {
    "xyxy": decode_xyxy,
    "yolov8": decode_yolov8,
}
DEFAULT_DECODER = "xyxy"


def get_decoder(name: str = DEFAULT_DECODER) -> Decoder:
    """The decoder registered as ``name``; ``ModelError`` listing the valid names if none."""
    try:
        return DECODERS[name]
    except KeyError:
        raise ModelError(
            f"unknown detector output decoder {name!r} (valid: {', '.join(sorted(DECODERS))})"
        ) from None
