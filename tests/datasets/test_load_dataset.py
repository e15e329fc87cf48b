"""Format detection, ``load_dataset`` and ``check_dataset``."""

from __future__ import annotations

from pathlib import Path

import pytest
from dataset_helpers import assert_same_boxes

from shelfscan.datasets import (
    AnnotatedImage,
    check_dataset,
    load_dataset,
    write_coco,
    write_csv,
    write_voc,
    write_yolo,
)
from shelfscan.errors import DatasetError

WRITERS = {
    "coco": lambda items, root: write_coco(items, root / "annotations.json"),
    "yolo": lambda items, root: write_yolo(items, root),
    "voc": lambda items, root: write_voc(items, root / "Annotations"),
    "csv": lambda items, root: write_csv(items, root / "boxes.csv"),
}


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_detects_each_format_in_a_folder(
    tmp_path: Path, two_images: list[AnnotatedImage], fmt: str
) -> None:
    WRITERS[fmt](two_images, tmp_path)
    assert_same_boxes(load_dataset(tmp_path), two_images)
    assert check_dataset(tmp_path).format == fmt


@pytest.mark.parametrize(
    ("fmt", "file"),
    [
        ("coco", "annotations.json"),
        ("csv", "boxes.csv"),
        ("yolo", "data.yaml"),
        ("voc", "Annotations/a.xml"),
    ],
)
def test_loads_a_single_file(
    tmp_path: Path, two_images: list[AnnotatedImage], fmt: str, file: str
) -> None:
    WRITERS[fmt](two_images, tmp_path)
    items = load_dataset(tmp_path / file)
    assert len(items) == (1 if fmt == "voc" else 2)


def test_mixed_formats_are_refused_unless_one_is_chosen(
    tmp_path: Path, two_images: list[AnnotatedImage]
) -> None:
    WRITERS["coco"](two_images, tmp_path)
    WRITERS["yolo"](two_images, tmp_path)
    with pytest.raises(
        DatasetError, match=r"several annotation formats \(coco: annotations.json; yolo"
    ):
        load_dataset(tmp_path)
    assert_same_boxes(load_dataset(tmp_path, format="yolo"), two_images)


@pytest.mark.parametrize(
    ("setup", "fmt", "message"),
    [
        (lambda p: None, None, r"no annotations found"),  # empty folder
        (lambda p: (p / "notes.json").write_text("[1, 2]"), None, r"no annotations found"),
        (
            lambda p: None,
            "parquet",
            r"unknown dataset format 'parquet' \(valid: coco, yolo, voc, csv\)",
        ),
    ],
)
def test_nothing_to_load(tmp_path: Path, setup, fmt: str | None, message: str) -> None:  # type: ignore[no-untyped-def]
    setup(tmp_path)
    with pytest.raises(DatasetError, match=message):
        load_dataset(tmp_path, format=fmt)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no such file or folder"):
        load_dataset(tmp_path / "nope")


def test_check_records_warnings(tmp_path: Path, two_images: list[AnnotatedImage]) -> None:
    WRITERS["csv"](two_images, tmp_path)
    path = tmp_path / "boxes.csv"
    path.write_text(path.read_text() + "images/a.png,60,40,70,50,product,64,48\n")
    summary = check_dataset(path)
    assert summary.images == 2
    assert summary.boxes == {"product": 3, "empty": 1, "price_tag": 1}
    assert len(summary.warnings) == 1 and "boxes.csv:6: box" in summary.warnings[0]


def test_real_shelf_rows_load(shared_real: Path) -> None:
    # The folder also holds hand-count CSVs, so the format is named.
    summary = check_dataset(shared_real / "sku110k_shelf_rows", format="yolo")
    assert summary.format == "yolo" and summary.images == 37
    assert summary.boxes["product"] > 37  # shelf-row boxes, class 0, several per photo
