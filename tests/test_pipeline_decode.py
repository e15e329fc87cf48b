"""The pipeline decodes a big photo reduced, yet reports boxes in full-photo pixels and
hands full-resolution pixels to the recogniser (decoded only when there is one)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from shelfscan.config import load_settings
from shelfscan.imaging.load import load_image
from shelfscan.pipeline import PipelineSpec
from shelfscan.types import Detections, ShelfLayout

PHOTO_12MP = Path(__file__).resolve().parents[1] / "sample_images" / "shelf_05_12mp.jpg"


@dataclass
class ShapeProbe:
    """A recogniser that records the shape of the image it was given."""

    seen: list[tuple[int, ...]] = field(default_factory=list)

    def __call__(
        self, image: npt.NDArray[np.uint8], dets: Detections, layout: ShelfLayout
    ) -> Detections:
        self.seen.append(image.shape)
        return dets


def test_reduced_decode_keeps_photo_coordinates_and_results() -> None:
    pipeline = PipelineSpec(load_settings()).build()
    assert pipeline.working_long_side == 1536  # twice the detector's 768 px input
    reduced = pipeline.scan_file(PHOTO_12MP)
    full = pipeline.scan_image(*load_image(PHOTO_12MP))
    assert (reduced.photo.width, reduced.photo.height) == (4000, 3000)
    assert reduced.photo.sha256 == full.photo.sha256
    # same facings, same places (in full-photo pixels), within resampling noise
    a, b = reduced.detections.of_class(0), full.detections.of_class(0)
    assert abs(len(a) - len(b)) <= max(2, len(b) // 20)
    centres_a = (a.xyxy[:, :2] + a.xyxy[:, 2:]) / 2
    centres_b = (b.xyxy[:, :2] + b.xyxy[:, 2:]) / 2
    nearest = np.linalg.norm(centres_a[:, None] - centres_b[None], axis=2).min(axis=1)
    assert np.median(nearest) < 10  # pixels, on a 4000 px wide photo
    # the recogniser crops from the full resolution, decoded on demand
    probe = ShapeProbe()
    pipeline.recognizer = probe
    pipeline.scan_file(PHOTO_12MP)
    assert probe.seen == [(3000, 4000, 3)]
