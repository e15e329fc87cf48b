"""The pipeline decodes a big photo reduced, yet reports boxes in full-photo pixels and
hands full-resolution pixels to the recogniser (decoded only when there is one)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from shelfscan.config import load_settings
from shelfscan.imaging.load import load_image, load_photo
from shelfscan.pipeline import PipelineSpec
from shelfscan.types import Detections, ShelfLayout

PHOTO_12MP = Path(__file__).resolve().parents[1] / "sample_images" / "shelf_05_12mp.jpg"


@dataclass
class ShapeProbe:
    """A recogniser that records the shape of the image it was given and the widest box."""

    seen: list[tuple[int, ...]] = field(default_factory=list)
    right: list[float] = field(default_factory=list)

    def __call__(
        self, image: npt.NDArray[np.uint8], dets: Detections, layout: ShelfLayout
    ) -> Detections:
        self.seen.append(image.shape)
        self.right.append(float(dets.xyxy[:, 2].max()))
        return dets


@dataclass(frozen=True)
class FakeEmbedder:
    input_hw: tuple[int, int]


@dataclass
class SizedProbe(ShapeProbe):
    """A recogniser whose embedder says what crop size it needs."""

    embedder: FakeEmbedder = FakeEmbedder((96, 64))


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


def test_big_facings_are_cropped_from_the_working_copy() -> None:
    pipeline = PipelineSpec(load_settings()).build()
    small_input, huge_input = SizedProbe(), SizedProbe(embedder=FakeEmbedder((4000, 4000)))
    pipeline.recognizer = small_input  # 81 facings on 12 MP: ~2x the input at half size
    result = pipeline.scan_file(PHOTO_12MP)
    assert small_input.seen == [(1500, 2000, 3)]
    assert small_input.right[0] <= 2000  # boxes handed over in working pixels ...
    assert float(result.detections.xyxy[:, 2].max()) > 2000  # ... and back in photo pixels
    assert "decode_crops" in result.timings_ms
    pipeline.recognizer = huge_input  # crops too small at half size: full resolution
    pipeline.scan_file(PHOTO_12MP)
    assert huge_input.seen == [(3000, 4000, 3)]


@dataclass
class PixelProbe(SizedProbe):
    """A sized recogniser that keeps a copy of the pixels it was given."""

    pixels: list[npt.NDArray[np.uint8]] = field(default_factory=list)

    def __call__(
        self, image: npt.NDArray[np.uint8], dets: Detections, layout: ShelfLayout
    ) -> Detections:
        self.pixels.append(image.copy())
        return super().__call__(image, dets, layout)


@pytest.mark.parametrize(
    ("input_hw", "full_decoded"),
    [
        ((96, 64), False),  # big facings: the working copy, the full photo never decoded
        ((4000, 4000), True),  # small: decoded during the gate and layout, the exact photo
    ],
)
def test_full_resolution_only_when_needed_and_exact(
    input_hw: tuple[int, int], full_decoded: bool
) -> None:
    pipeline = PipelineSpec(load_settings()).build()
    probe = PixelProbe(embedder=FakeEmbedder(input_hw))
    pipeline.recognizer = probe
    loaded = load_photo(PHOTO_12MP, pipeline.working_long_side)
    pipeline.scan_photo(loaded)
    assert (loaded._full is not None) == full_decoded
    expected = load_image(PHOTO_12MP)[0] if full_decoded else loaded.working
    assert np.array_equal(probe.pixels[0], expected)
