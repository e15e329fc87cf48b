"""Pascal VOC reader and writer."""

from __future__ import annotations

from pathlib import Path

import pytest
from dataset_helpers import MakeImage, assert_same_boxes

from shelfscan.datasets import AnnotatedImage, DatasetWarning, read_voc, write_voc
from shelfscan.errors import DatasetError


def test_round_trip(tmp_path: Path, two_images: list[AnnotatedImage]) -> None:
    folder = write_voc(two_images, tmp_path / "Annotations")
    assert_same_boxes(read_voc(folder), two_images)
    assert_same_boxes(read_voc(tmp_path), two_images)  # finds Annotations/ itself


def _xml(objects: str, filename: str = "a.png") -> str:
    return (
        f"<annotation>\n  <filename>{filename}</filename>\n"
        "  <size><width>64</width><height>48</height><depth>3</depth></size>\n"
        f"{objects}</annotation>\n"
    )


def _obj(name: str, box: str = "<xmin>1</xmin><ymin>2</ymin><xmax>10</xmax><ymax>20</ymax>") -> str:
    return f"  <object>\n    <name>{name}</name>\n    <bndbox>{box}</bndbox>\n  </object>\n"


@pytest.fixture
def voc_dir(tmp_path: Path, make_image: MakeImage) -> Path:
    make_image(tmp_path / "a.png", 64, 48)
    return tmp_path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_xml(_obj("product") + _obj("pallet")), r"a.xml:8: unknown class 'pallet'"),  # 2nd object
        (_xml(_obj("product"), filename="nope.jpg"), r"a.xml: image file not found: nope.jpg"),
        (_xml("  <object><name>product</name></object>\n"), r"a.xml:4: <object> without <bndbox>"),
        (
            _xml(_obj("tag", "<xmin>1</xmin><ymin>x</ymin><xmax>3</xmax><ymax>4</ymax>")),
            r"a.xml:4: ymin 'x'",
        ),
        ("<annotation><filename>a.png</filename>\n<size>", r"a.xml:2: invalid XML"),
        ("<root/>", r"a.xml: not a VOC file"),
    ],
)
def test_bad_input_raises_with_file_and_line(voc_dir: Path, text: str, message: str) -> None:
    (voc_dir / "a.xml").write_text(text)
    with pytest.raises(DatasetError, match=message):
        read_voc(voc_dir / "a.xml")


def test_clipped_box_warns_with_line(voc_dir: Path) -> None:
    box = "<xmin>50</xmin><ymin>2</ymin><xmax>90</xmax><ymax>20</ymax>"
    (voc_dir / "a.xml").write_text(_xml(_obj("product") + _obj("price", box)))
    with pytest.warns(DatasetWarning, match=r"a.xml:8: box .* clipped"):
        item = read_voc(voc_dir / "a.xml")[0]
    assert item.detections.xyxy[1].tolist() == [50, 2, 64, 20]
    assert item.detections.class_id.tolist() == [0, 2]


def test_empty_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"no VOC \.xml files"):
        read_voc(tmp_path)
