"""SKU-110K-style CSV reader and writer."""

from __future__ import annotations

from pathlib import Path

import pytest
from dataset_helpers import MakeImage, assert_same_boxes

from shelfscan.datasets import AnnotatedImage, DatasetWarning, read_csv, write_csv
from shelfscan.errors import DatasetError

HEADER = "image_name,x1,y1,x2,y2,class,image_width,image_height\n"


@pytest.mark.parametrize("header", [True, False])
def test_round_trip(tmp_path: Path, two_images: list[AnnotatedImage], header: bool) -> None:
    path = write_csv(two_images, tmp_path / "ann.csv", header=header)
    assert_same_boxes(read_csv(path), two_images)


@pytest.fixture
def csv_dir(tmp_path: Path, make_image: MakeImage) -> Path:
    make_image(tmp_path / "images" / "a.jpg", 64, 48)
    return tmp_path


@pytest.mark.parametrize(
    ("body", "classes"),
    [
        (HEADER + "a.jpg,1,2,10,20,object,64,48\n", [0]),  # SKU-110K's class name
        ("a.jpg,1,2,10,20,0,64,48\na.jpg,3,3,9,9,2,64,48\n", [0, 2]),  # numeric, no header
        ("a.jpg,1,2,10,20,price tag,64,48\n", [2]),  # spelled with a space
    ],
)
def test_class_column_forms(csv_dir: Path, body: str, classes: list[int]) -> None:
    (csv_dir / "a.csv").write_text(body)
    assert read_csv(csv_dir / "a.csv")[0].detections.class_id.tolist() == classes


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (HEADER + "a.jpg,1,2,10,20,object,64\n", r"a.csv:2: expected 8 fields"),
        (
            HEADER + "a.jpg,1,2,10,20,object,64,48\nb.jpg,1,2,3,4,object,64,48\n",
            r"a.csv:3: image file not found: b.jpg",
        ),
        (HEADER + "a.jpg,1,2,10,20,shelf,64,48\n", r"a.csv:2: unknown class 'shelf'"),
        (HEADER + "a.jpg,1,2,10,20,5,64,48\n", r"a.csv:2: class id 5 out of range"),
        (HEADER + "a.jpg,1,two,10,20,0,64,48\n", r"a.csv:2: y1 'two' is not a number"),
        (HEADER + "a.jpg,10,2,1,20,0,64,48\n", r"a.csv:2: inverted box"),
        (
            "a.jpg,1,2,10,20,0,64,48\na.jpg,1,2,10,20,0,65,48\n",
            r"a.csv:2: image a.jpg has size 65x48 here",
        ),
        (HEADER, r"a.csv: no annotation rows"),
    ],
)
def test_bad_input_raises_with_file_and_line(csv_dir: Path, body: str, message: str) -> None:
    (csv_dir / "a.csv").write_text(body)
    with pytest.raises(DatasetError, match=message):
        read_csv(csv_dir / "a.csv")


@pytest.mark.parametrize(
    ("row", "warning", "n"),
    [
        ("a.jpg,50,2,80,20,0,64,48", r"a.csv:2: box .* outside the 64x48 image clipped", 1),
        ("a.jpg,5,5,5,20,0,64,48", r"a.csv:2: zero-area box", 0),
        ("a.jpg,1,2,10,20,0,640,480", r"a.csv:2: image a.jpg is 64x48 on disk but 640x480", 1),
    ],
)
def test_repairable_rows_warn(csv_dir: Path, row: str, warning: str, n: int) -> None:
    (csv_dir / "a.csv").write_text(HEADER + row + "\n")
    with pytest.warns(DatasetWarning, match=warning):
        assert len(read_csv(csv_dir / "a.csv")[0].detections) == n


def test_real_tobacco_csv(shared_real: Path) -> None:
    items = read_csv(shared_real / "tobacco_shelves" / "annotations.csv")
    assert len(items) == 1 and len(items[0].detections) == 28
    assert (items[0].width, items[0].height) == (3264, 2448)
    assert set(items[0].detections.class_id.tolist()) == {0}
