"""Helpers shared by the dataset reader/writer tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from shelfscan.datasets import AnnotatedImage

MakeImage = Callable[..., Path]


def assert_same_boxes(got: list[AnnotatedImage], want: list[AnnotatedImage]) -> None:
    assert [g.path.resolve() for g in got] == [w.path.resolve() for w in want]
    for g, w in zip(got, want, strict=True):
        assert (g.width, g.height) == (w.width, w.height)
        assert np.allclose(g.detections.xyxy, w.detections.xyxy, atol=0.01)
        assert g.detections.class_id.tolist() == w.detections.class_id.tolist()
