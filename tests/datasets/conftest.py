"""Fixtures for the dataset reader/writer tests: tiny real image files and annotations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from dataset_helpers import MakeImage
from PIL import Image

from shelfscan.datasets import AnnotatedImage
from shelfscan.types import Detections


@pytest.fixture
def make_image() -> MakeImage:
    """Write a small RGB image file and return its path."""

    def make(path: Path, width: int = 64, height: int = 48) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (width, height), (90, 120, 150)).save(path)
        return path

    return make


@pytest.fixture
def two_images(tmp_path: Path, make_image: MakeImage) -> list[AnnotatedImage]:
    """Two annotated images under ``tmp_path/images`` with all three classes and extras."""
    a = make_image(tmp_path / "images" / "a.png", 64, 48)
    b = make_image(tmp_path / "images" / "b.png", 80, 60)
    da = Detections.from_boxes(
        [[1, 2, 20, 30], [25.5, 4, 40, 44], [41, 40, 63, 47]],
        class_id=[0, 1, 2],
        sku=np.array(["SKU0001", "", ""]),
        brand=np.array(["ACME", "", ""]),
        shelf=np.array([0, 0, 1]),
    )
    db = Detections.from_boxes(
        [[0, 0, 80, 60]],
        class_id=[0],
        sku=np.array(["SKU0002"]),
        brand=np.array(["ZED"]),
        shelf=np.array([2]),
    )
    return [AnnotatedImage(a, 64, 48, da), AnnotatedImage(b, 80, 60, db)]
