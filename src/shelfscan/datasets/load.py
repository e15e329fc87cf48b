"""Load any supported dataset, detecting its format; summarise it for ``dataset check``."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from shelfscan.errors import DatasetError
from shelfscan.types import CLASS_NAMES

from .coco import is_coco, read_coco
from .common import AnnotatedImage, DatasetWarning
from .csv import read_csv
from .voc import read_voc
from .yolo import is_yolo, read_yolo

FORMATS = ("coco", "yolo", "voc", "csv")


def detect_formats(path: Path) -> dict[str, list[Path]]:
    """Format name -> the files or folders holding annotations of that format."""
    found: dict[str, list[Path]] = {}
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix == ".json" and is_coco(path):
            found["coco"] = [path]
        elif suffix == ".csv":
            found["csv"] = [path]
        elif suffix == ".xml":
            found["voc"] = [path]
        elif suffix in (".yaml", ".yml") and is_yolo(path.parent):
            found["yolo"] = [path.parent]
        return found
    if not path.is_dir():
        raise DatasetError(f"{path}: no such file or folder")
    coco = [
        p
        for d in (path, path / "annotations")
        if d.is_dir()
        for p in sorted(d.glob("*.json"))
        if is_coco(p)
    ]
    if coco:
        found["coco"] = coco
    if is_yolo(path):
        found["yolo"] = [path]
    voc = sorted(path.glob("*.xml")) + sorted((path / "Annotations").glob("*.xml"))
    if voc:
        found["voc"] = voc
    csvs = sorted(path.glob("*.csv"))
    if csvs:
        found["csv"] = csvs
    return found


def load_dataset(
    path: Path | str,
    format: str | None = None,
    class_map: Mapping[str, str | None] | None = None,
) -> list[AnnotatedImage]:
    """Read a dataset file or folder in any supported format.

    Args:
        path: a COCO ``.json``, a ``.csv``, a VOC ``.xml``, a YOLO ``data.yaml``, or a
            folder holding one of these formats.
        format: one of ``FORMATS`` to pick one when a folder holds several.
        class_map: dataset class name -> one of ``CLASS_NAMES`` (or None to drop it).

    Raises:
        DatasetError: no annotations, several formats mixed, or bad content.
    """
    path = Path(path)
    found = detect_formats(path)
    if format is not None:
        if format not in FORMATS:
            raise DatasetError(f"unknown dataset format {format!r} (valid: {', '.join(FORMATS)})")
        found = {k: v for k, v in found.items() if k == format}
    if not found:
        want = format or "COCO .json, YOLO labels/, VOC .xml or .csv"
        raise DatasetError(f"{path}: no annotations found ({want})")
    if len(found) > 1:
        parts = "; ".join(f"{k}: {', '.join(p.name for p in v[:3])}" for k, v in found.items())
        raise DatasetError(
            f"{path}: holds several annotation formats ({parts}); "
            "point at one file or pass a format"
        )
    fmt, sources = next(iter(found.items()))
    out: list[AnnotatedImage] = []
    for src in sources:
        if fmt == "coco":
            out += read_coco(src, class_map)
        elif fmt == "yolo":
            out += read_yolo(src, class_map)
        elif fmt == "voc":
            out += read_voc(src, class_map)
        else:
            out += read_csv(src, class_map)
    return out


@dataclass
class DatasetSummary:
    """What ``check_dataset`` found."""

    path: Path
    format: str
    images: int
    boxes: dict[str, int]
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "format": self.format,
            "images": self.images,
            "boxes": self.boxes,
            "warnings": self.warnings,
        }


def check_dataset(
    path: Path | str, format: str | None = None, class_map: Mapping[str, str | None] | None = None
) -> DatasetSummary:
    """Load a dataset, counting images and boxes per class and recording the warnings."""
    path = Path(path)
    found = detect_formats(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DatasetWarning)
        items = load_dataset(path, format, class_map)
    fmt = format or next(iter(found), "?")
    counts = {name: 0 for name in CLASS_NAMES}
    for item in items:
        ids, n = np.unique(item.detections.class_id, return_counts=True)
        for i, c in zip(ids.tolist(), n.tolist(), strict=True):
            counts[CLASS_NAMES[i]] += c
    msgs = [str(w.message) for w in caught if issubclass(w.category, DatasetWarning)]
    return DatasetSummary(path, fmt, len(items), counts, msgs)
