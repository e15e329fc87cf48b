"""Pascal VOC XML: one ``<annotation>`` file per image (read and write).

The image is ``<filename>`` resolved against the XML's folder, ``../JPEGImages`` and
``../images``; errors name the XML file and the line of the offending ``<object>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.parsers import expat

from shelfscan.errors import DatasetError

from .common import (
    AnnotatedImage,
    BoxTable,
    checked_box,
    class_id_for,
    find_image,
    parse_float,
    relative_name,
)


def _object_lines(text: str) -> list[int]:
    """Line number of each ``<object>`` start tag, in document order."""
    lines: list[int] = []
    parser = expat.ParserCreate()

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == "object":
            lines.append(parser.CurrentLineNumber)

    parser.StartElementHandler = start
    parser.Parse(text, True)
    return lines


def read_voc_file(path: Path, class_map: Mapping[str, str | None] | None = None) -> AnnotatedImage:
    """Read one VOC XML file."""
    try:
        text = path.read_text(encoding="utf-8")
        root = ET.fromstring(text)
        obj_lines = _object_lines(text)
    except FileNotFoundError:
        raise DatasetError(f"{path}: file not found") from None
    except ET.ParseError as exc:
        raise DatasetError(f"{path}:{exc.position[0]}: invalid XML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read: {exc}") from None
    if root.tag != "annotation":
        raise DatasetError(f"{path}: not a VOC file (root element <{root.tag}>)")
    name = (root.findtext("filename") or "").strip()
    if not name:
        raise DatasetError(f"{path}: no <filename>")
    img = find_image(
        name,
        [
            path.parent,
            path.parent.parent / "JPEGImages",
            path.parent.parent / "images",
            path.parent / "images",
        ],
        str(path),
    )
    width = parse_float(root.findtext("size/width") or "", "width", f"{path}: <size>")
    height = parse_float(root.findtext("size/height") or "", "height", f"{path}: <size>")
    table = BoxTable()
    for obj, line in zip(root.iter("object"), obj_lines, strict=True):
        where = f"{path}:{line}"
        cls = class_id_for((obj.findtext("name") or "").strip(), where, class_map)
        bnd = obj.find("bndbox")
        if bnd is None:
            raise DatasetError(f"{where}: <object> without <bndbox>")
        vals = [
            parse_float(bnd.findtext(k) or "", k, where) for k in ("xmin", "ymin", "xmax", "ymax")
        ]
        if cls is None:
            continue
        box = checked_box(vals, int(width), int(height), where)
        if box is not None:
            table.add(box, cls)
    return AnnotatedImage(img, int(width), int(height), table.to_detections())


def read_voc(
    path: Path | str, class_map: Mapping[str, str | None] | None = None
) -> list[AnnotatedImage]:
    """Read one XML file, or every ``*.xml`` in a folder (or its ``Annotations/``)."""
    path = Path(path)
    if path.is_file():
        return [read_voc_file(path, class_map)]
    folder = path / "Annotations" if (path / "Annotations").is_dir() else path
    files = sorted(folder.glob("*.xml"))
    if not files:
        raise DatasetError(f"{path}: no VOC .xml files")
    return [read_voc_file(f, class_map) for f in files]


def write_voc(items: Sequence[AnnotatedImage], folder: Path | str) -> Path:
    """Write one ``<stem>.xml`` per image into ``folder``."""
    from shelfscan.types import CLASS_NAMES

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for item in items:
        ann = ET.Element("annotation")
        ET.SubElement(ann, "filename").text = relative_name(item.path, folder)
        size = ET.SubElement(ann, "size")
        for key, val in (("width", item.width), ("height", item.height), ("depth", 3)):
            ET.SubElement(size, key).text = str(val)
        dets = item.detections
        for k in range(len(dets)):
            obj = ET.SubElement(ann, "object")
            ET.SubElement(obj, "name").text = CLASS_NAMES[int(dets.class_id[k])]
            bnd = ET.SubElement(obj, "bndbox")
            for key, v in zip(("xmin", "ymin", "xmax", "ymax"), dets.xyxy[k], strict=True):
                ET.SubElement(bnd, key).text = f"{float(v):.2f}"
        ET.indent(ann)
        (folder / f"{item.path.stem}.xml").write_text(
            ET.tostring(ann, encoding="unicode") + "\n", encoding="utf-8"
        )
    return folder
