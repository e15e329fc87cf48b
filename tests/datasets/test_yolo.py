"""YOLO reader and writer."""

from __future__ import annotations

from pathlib import Path

import pytest
from dataset_helpers import MakeImage, assert_same_boxes

from shelfscan.datasets import AnnotatedImage, DatasetWarning, read_yolo, write_yolo
from shelfscan.datasets.yolo import read_names
from shelfscan.errors import DatasetError


def test_round_trip(tmp_path: Path, two_images: list[AnnotatedImage]) -> None:
    write_yolo(two_images, tmp_path)
    back = read_yolo(tmp_path)
    assert_same_boxes(back, two_images)


def test_writer_copies_images_from_elsewhere(
    tmp_path: Path, two_images: list[AnnotatedImage]
) -> None:
    write_yolo(two_images, tmp_path / "out")
    back = read_yolo(tmp_path / "out")
    assert [b.path.name for b in back] == ["a.png", "b.png"]
    assert all(b.path.parent == tmp_path / "out" / "images" for b in back)


@pytest.mark.parametrize(
    ("files", "names"),
    [
        ({"data.yaml": "path: .\nnames: [gap, product]\n"}, ["gap", "product"]),  # inline list
        ({"data.yaml": "names:\n  - price\n  - item\nnc: 2\n"}, ["price", "item"]),  # block list
        (
            {"data.yaml": "train: x\nnames:\n  0: object\n  1: 'empty'\n"},
            ["object", "empty"],
        ),  # mapping
        ({"classes.txt": "product\nprice_tag\n"}, ["product", "price_tag"]),  # classes.txt
        ({}, None),  # none: ids index CLASS_NAMES
    ],
)
def test_class_names(tmp_path: Path, files: dict[str, str], names: list[str] | None) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert read_names(tmp_path) == names


@pytest.fixture
def yolo_dir(tmp_path: Path, make_image: MakeImage) -> Path:
    make_image(tmp_path / "images" / "x.jpg", 100, 50)
    (tmp_path / "labels").mkdir()
    return tmp_path


def _label(root: Path, text: str) -> Path:
    path = root / "labels" / "x.txt"
    path.write_text(text)
    return path


def test_names_map_ids(yolo_dir: Path) -> None:
    (yolo_dir / "data.yaml").write_text("names: [gap, object]\n")
    _label(yolo_dir, "1 0.5 0.5 0.2 0.4\n0 0.1 0.1 0.1 0.1\n")
    d = read_yolo(yolo_dir)[0].detections
    assert d.class_id.tolist() == [0, 1]
    assert d.xyxy[0].tolist() == pytest.approx([40, 15, 60, 35])


def test_image_without_label_has_no_boxes(yolo_dir: Path, make_image: MakeImage) -> None:
    make_image(yolo_dir / "images" / "y.png")
    _label(yolo_dir, "0 0.5 0.5 0.2 0.2\n")
    items = {i.path.name: i for i in read_yolo(yolo_dir)}
    assert len(items["x.jpg"].detections) == 1 and len(items["y.png"].detections) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0 0.5 0.5 0.2\n", r"x.txt:1: expected 'class cx cy w h'"),
        ("0 0.5 0.5 0.2 0.2\n7 0.5 0.5 0.1 0.1\n", r"x.txt:2: class id 7 out of range 0..2"),
        ("a 0.5 0.5 0.2 0.2\n", r"x.txt:1: class id 'a' is not an integer"),
        ("0 50 25 20 10\n", r"x.txt:1: coordinates must be normalised"),
        ("0 0.5 zz 0.2 0.2\n", r"x.txt:1: y 'zz' is not a number"),
    ],
)
def test_bad_lines_raise_with_file_and_line(yolo_dir: Path, text: str, message: str) -> None:
    _label(yolo_dir, text)
    with pytest.raises(DatasetError, match=message):
        read_yolo(yolo_dir)


def test_label_without_image_raises(yolo_dir: Path) -> None:
    (yolo_dir / "labels" / "ghost.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    with pytest.raises(DatasetError, match=r"ghost.txt: image file not found"):
        read_yolo(yolo_dir)


@pytest.mark.parametrize(
    ("text", "warning", "n"),
    [
        ("0 0.95 0.5 0.2 0.2\n", r"x.txt:1: box .* outside the 100x50 image clipped", 1),
        ("0 0.5 0.5 0 0.2\n", r"x.txt:1: zero-area box", 0),
    ],
)
def test_repairable_boxes_warn(yolo_dir: Path, text: str, warning: str, n: int) -> None:
    _label(yolo_dir, text)
    with pytest.warns(DatasetWarning, match=warning):
        assert len(read_yolo(yolo_dir)[0].detections) == n


def test_rounding_overshoot_is_clipped_silently(yolo_dir: Path) -> None:
    import warnings

    _label(yolo_dir, "0 0.900001 0.5 0.200004 0.2\n")  # x2 = 100.0003 px
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = read_yolo(yolo_dir)[0].detections
    assert d.xyxy[0, 2] == 100


def test_bad_yaml_names(yolo_dir: Path) -> None:
    (yolo_dir / "data.yaml").write_text("names:\n  0: a\n  2: b\n")
    with pytest.raises(DatasetError, match=r"data.yaml:1: class indices must be 0..n-1"):
        read_yolo(yolo_dir)
