"""COCO reader and writer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from dataset_helpers import MakeImage, assert_same_boxes

from shelfscan.datasets import AnnotatedImage, DatasetWarning, read_coco, write_coco
from shelfscan.errors import DatasetError


def test_round_trip_keeps_boxes_classes_and_extra_columns(
    tmp_path: Path, two_images: list[AnnotatedImage]
) -> None:
    path = write_coco(two_images, tmp_path / "annotations.json")
    back = read_coco(path)
    assert_same_boxes(back, two_images)
    assert back[0].detections.data["sku"].tolist() == ["SKU0001", "", ""]
    assert back[0].detections.data["brand"].tolist() == ["ACME", "", ""]
    assert back[1].detections.data["shelf"].tolist() == [2]


def _doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "images": [{"id": 1, "file_name": "a.png", "width": 64, "height": 48}],
        "annotations": [{"id": 7, "image_id": 1, "category_id": 1, "bbox": [2, 3, 10, 20]}],
        "categories": [{"id": 1, "name": "object"}],
    }
    for key, val in changes.items():
        section, _, field = key.partition("__")
        if field:
            doc[section][0][field] = val
        else:
            doc[section] = val
    return doc


@pytest.fixture
def coco_dir(tmp_path: Path, make_image: MakeImage) -> Path:
    make_image(tmp_path / "a.png", 64, 48)
    return tmp_path


def _write(folder: Path, doc: dict[str, Any]) -> Path:
    path = folder / "ann.json"
    path.write_text(json.dumps(doc, indent=1))
    return path


def test_alias_class_name_and_image_lookup(coco_dir: Path) -> None:
    items = read_coco(_write(coco_dir, _doc()))
    assert items[0].detections.class_id.tolist() == [0]  # "object" -> product
    assert items[0].detections.xyxy.tolist() == [[2, 3, 12, 23]]


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (
            _doc(categories__name="shelf"),
            r"ann.json: categories\[0\] \(id 1\): unknown class 'shelf'",
        ),
        (
            _doc(images__file_name="missing.png"),
            r"images\[0\] \(id 1\): image file not found: missing.png",
        ),
        (_doc(annotations__bbox=[1, 2, 3]), r"annotations\[0\] \(id 7\): bbox must be 4 numbers"),
        (_doc(annotations__image_id=9), r"annotations\[0\] \(id 7\): unknown image_id 9"),
        (_doc(annotations__category_id=5), r"annotations\[0\] \(id 7\): unknown category_id 5"),
        (_doc(annotations__bbox=[10, 10, -4, 5]), r"annotations\[0\] \(id 7\): inverted box"),
        (_doc(categories=None), r"not a COCO file \(no 'categories' list\)"),
    ],
)
def test_bad_input_raises_with_location(coco_dir: Path, doc: dict[str, Any], message: str) -> None:
    with pytest.raises(DatasetError, match=message):
        read_coco(_write(coco_dir, doc))


def test_invalid_json_names_the_line(coco_dir: Path) -> None:
    path = coco_dir / "ann.json"
    path.write_text('{\n "images": [],\n "annotations": [,]\n}')
    with pytest.raises(DatasetError, match=r"ann.json:3: invalid JSON"):
        read_coco(path)


@pytest.mark.parametrize(
    ("bbox", "warning", "boxes"),
    [
        (
            [50, 40, 30, 20],
            r"annotations\[0\] \(id 7\): box .* outside the 64x48 image clipped",
            [[50, 40, 64, 48]],
        ),
        ([5, 5, 0, 10], r"annotations\[0\] \(id 7\): zero-area box", []),
        ([70, 5, 5, 10], r"zero-area box", []),  # entirely outside: nothing left
    ],
)
def test_repairable_boxes_warn(
    coco_dir: Path, bbox: list[float], warning: str, boxes: list[list[float]]
) -> None:
    with pytest.warns(DatasetWarning, match=warning):
        items = read_coco(_write(coco_dir, _doc(annotations__bbox=bbox)))
    assert items[0].detections.xyxy.tolist() == boxes


def test_class_map_renames_and_drops(coco_dir: Path) -> None:
    doc = _doc(categories=[{"id": 1, "name": "shelf"}])
    assert len(read_coco(_write(coco_dir, doc), class_map={"shelf": None})[0].detections) == 0
    items = read_coco(_write(coco_dir, doc), class_map={"shelf": "empty"})
    assert items[0].detections.class_id.tolist() == [1]
