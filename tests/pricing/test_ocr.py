"""Tag OCR with the real bundled RapidOCR models on rendered tags; no network needed."""

from __future__ import annotations

import socket
from pathlib import Path

import cv2
import numpy as np
import pytest

from shelfscan.errors import ModelError
from shelfscan.layout import build_layout
from shelfscan.pricing.ocr import DET_MODEL, REC_MODEL, OcrSettings, TagOcr, bundled_models_dir
from shelfscan.pricing.parse import parse_tag
from shelfscan.pricing.stage import PricingStage
from shelfscan.types import CLASS_PRICE_TAG, CLASS_PRODUCT, Detections


def shelf_photo(prices: list[str]) -> tuple[np.ndarray, list[list[float]]]:
    """A grey shelf with white tags printed with ``prices``, 200 px apart; tag boxes."""
    img = np.full((400, 220 * len(prices) + 20, 3), 90, np.uint8)
    boxes = []
    for i, text in enumerate(prices):
        x = 20 + 220 * i
        cv2.rectangle(img, (x, 250), (x + 180, 330), (255, 255, 255), -1)
        cv2.putText(
            img, text, (x + 12, 310), cv2.FONT_HERSHEY_SIMPLEX, 1.6, (0, 0, 0), 4, cv2.LINE_AA
        )
        boxes.append([x, 250, x + 180, 330])
    return img, boxes


@pytest.fixture(scope="module")
def ocr() -> TagOcr:
    return TagOcr()


def test_models_come_from_the_rapidocr_wheel() -> None:
    folder = bundled_models_dir()
    assert folder.parent.name == "rapidocr" and (folder / "PP-OCRv6_rec_small.onnx").is_file()


@pytest.mark.parametrize(
    "settings",
    [
        OcrSettings(det_model=DET_MODEL),  # RapidOCR's detector, not in the given folder
        OcrSettings(rec_model=REC_MODEL),  # RapidOCR's recogniser, likewise
        OcrSettings(rec_model="no_such_model.onnx"),  # not under models/ either
    ],
)
def test_missing_models_are_a_model_error(settings: OcrSettings, tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="never downloads"):
        TagOcr(settings, bundled=tmp_path)


def test_reads_rendered_tags_without_network(ocr: TagOcr, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise OSError("network used")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    fresh = TagOcr()  # loading the models must not touch the network either
    img, boxes = shelf_photo(["4.99", "12.50", "0.89"])
    lines = fresh.read(img, boxes)
    assert [parse_tag(ln).price for ln in lines] == [4.99, 12.5, 0.89]


def test_blank_tag_is_unreadable(ocr: TagOcr) -> None:
    img, boxes = shelf_photo([""])
    (lines,) = ocr.read(img, boxes)
    assert parse_tag(lines).status == "unreadable"
    assert ocr.read(img, np.zeros((0, 4))) == []


def test_stage_links_read_prices_to_facings(ocr: TagOcr) -> None:
    img, boxes = shelf_photo(["2.49", "3.99"])
    products = [[20, 60, 120, 240], [130, 60, 230, 240], [240, 60, 340, 240], [350, 60, 450, 240]]
    dets = Detections.from_boxes(
        np.asarray(products + boxes, np.float32), None, [CLASS_PRODUCT] * 4 + [CLASS_PRICE_TAG] * 2
    )
    dets, layout = build_layout(dets, (img.shape[1], img.shape[0]))
    readings = PricingStage(ocr)(img, dets, layout)
    assert [(t.price, t.facing_ids) for t in readings.tags] == [(2.49, (0, 1)), (3.99, (2, 3))]
    assert readings.untagged == () and not readings.has_price_list
    assert readings.elapsed_ms >= readings.ocr_ms > 0
