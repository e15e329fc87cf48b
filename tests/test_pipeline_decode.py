"""The pipeline decodes a big photo reduced, yet reports boxes in full-photo pixels and
hands full-resolution pixels to the stages that read them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from shelfscan.config import load_settings
from shelfscan.imaging.load import load_image
from shelfscan.pipeline import Pipeline
from shelfscan.types import Detections, KpiReport, ShelfLayout

PHOTO_12MP = Path(__file__).resolve().parents[1] / "sample_images" / "shelf_05_12mp.jpg"


@dataclass
class ShapeProbe:
    """An analysis that records the shape of the image it was given."""

    name: str
    seen: list[tuple[int, ...]] = field(default_factory=list)

    def __call__(
        self,
        image: npt.NDArray[np.uint8],
        dets: Detections,
        layout: ShelfLayout,
        context: dict[str, Any],
    ) -> tuple[None, KpiReport]:
        self.seen.append(image.shape)
        return None, KpiReport({})


@dataclass
class BoxesOnlyProbe(ShapeProbe):
    needs_image: ClassVar[bool] = False


def test_reduced_decode_keeps_photo_coordinates_and_results() -> None:
    pipeline = Pipeline.from_settings(load_settings())
    pixels, boxes_only = ShapeProbe("pixels"), BoxesOnlyProbe("boxes")
    pipeline.analyses += [pixels, boxes_only]
    reduced = pipeline.scan_file(PHOTO_12MP)
    full = pipeline.scan_image(*load_image(PHOTO_12MP))
    assert (reduced.photo.width, reduced.photo.height) == (4000, 3000)
    assert reduced.photo.sha256 == full.photo.sha256
    # the stage that reads pixels gets the full photo; the one that does not, the copy
    assert pixels.seen[0] == (3000, 4000, 3)
    assert boxes_only.seen[0] == (1500, 2000, 3)
    # same facings, same places (in full-photo pixels), within resampling noise
    a, b = reduced.detections.of_class(0), full.detections.of_class(0)
    assert abs(len(a) - len(b)) <= max(2, len(b) // 20)
    centres_a = (a.xyxy[:, :2] + a.xyxy[:, 2:]) / 2
    centres_b = (b.xyxy[:, :2] + b.xyxy[:, 2:]) / 2
    nearest = np.linalg.norm(centres_a[:, None] - centres_b[None], axis=2).min(axis=1)
    assert np.median(nearest) < 10  # pixels, on a 4000 px wide photo
