"""Detector output decoders: both layouts give the same boxes; a bad name lists the valid ones."""

from __future__ import annotations

import numpy as np
import pytest

from shelfscan.detection.decoders import DECODERS, get_decoder
from shelfscan.errors import ModelError

# two candidates, 2 classes: a product at (10, 20)-(50, 80) and a weak one that is dropped
XYXY = np.array([[[10, 20, 50, 80, 0.9, 0.1], [0, 0, 5, 5, 0.2, 0.3]]], np.float32)
CXCYWH = np.array([[[30, 2.5], [50, 2.5], [40, 5], [60, 5], [0.9, 0.2], [0.1, 0.3]]], np.float32)


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("xyxy", XYXY),  # shelfscan export [1, K, 4 + C]
        ("yolov8", CXCYWH),  # Ultralytics head [1, 4 + C, K], centre and size
    ],
)
def test_decoders_agree(name: str, raw: np.ndarray) -> None:
    boxes, scores, classes = get_decoder(name)(raw, 0.5)
    assert boxes.tolist() == [[10, 20, 50, 80]]
    assert scores.tolist() == pytest.approx([0.9])
    assert classes.tolist() == [0]


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("xyxy", np.zeros((1, 3, 4), np.float32)),  # no class scores
        ("yolov8", np.zeros((2, 6, 3), np.float32)),  # batch of two
    ],
)
def test_bad_shapes_name_the_expected_layout(name: str, raw: np.ndarray) -> None:
    with pytest.raises(ModelError, match="expected"):
        get_decoder(name)(raw, 0.5)


def test_unknown_decoder_lists_the_valid_names() -> None:
    with pytest.raises(ModelError, match=", ".join(sorted(DECODERS))):
        get_decoder("ssd")
