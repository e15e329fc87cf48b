"""What every dataset reader shares: the ``AnnotatedImage`` type, class names, box checks.

Policy for bad input (the same in every reader):

* malformed files or lines, unknown class names, missing image files, boxes with
  x2 < x1 or y2 < y1: ``DatasetError`` naming the file (and line or entry);
* boxes reaching outside the image: clipped, with a ``DatasetWarning`` (silently
  when by at most ``CLIP_TOLERANCE_PX``, i.e. rounding);
* boxes of zero area (after clipping): skipped, with a ``DatasetWarning``.

Warnings go through :mod:`warnings` as ``DatasetWarning`` so callers can record,
silence or promote them (``check_dataset`` records them).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from shelfscan.errors import DatasetError
from shelfscan.types import CLASS_NAMES, Detections

# boxes may overshoot the image by this much (rounding in normalised formats) unwarned
CLIP_TOLERANCE_PX = 1.0
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")

# other names datasets use for our three classes (compared lower-case, "-"/" " -> "_")
CLASS_ALIASES: dict[str, int] = {
    **{n: i for i, n in enumerate(CLASS_NAMES)},
    "object": 0,
    "item": 0,
    "products": 0,
    "facing": 0,
    "sku": 0,
    "goods": 0,
    "gap": 1,
    "void": 1,
    "empty_slot": 1,
    "oos": 1,
    "out_of_stock": 1,
    "empty_space": 1,
    "pricetag": 2,
    "price": 2,
    "tag": 2,
    "price_label": 2,
    "shelf_label": 2,
    "label": 2,
}


class DatasetWarning(UserWarning):
    """A dataset problem that was repaired (box clipped) or skipped (zero-area box)."""


@dataclass(frozen=True)
class AnnotatedImage:
    """One image with its ground-truth boxes (pixels, classes as in ``CLASS_NAMES``)."""

    path: Path
    width: int
    height: int
    detections: Detections


def warn(message: str) -> None:
    warnings.warn(message, DatasetWarning, stacklevel=3)


def class_id_for(
    name: str, where: str, class_map: Mapping[str, str | None] | None = None
) -> int | None:
    """Our class id for a dataset class name; ``None`` when ``class_map`` maps it to None.

    Raises:
        DatasetError: the name is unknown (``where`` names file and line).
    """
    if class_map and name in class_map:
        target = class_map[name]
        if target is None:
            return None
        name = target
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key in CLASS_ALIASES:
        return CLASS_ALIASES[key]
    known = ", ".join(CLASS_NAMES)
    raise DatasetError(
        f"{where}: unknown class {name!r} (known: {known}; pass class_map to map it)"
    )


def class_id_from_index(
    value: str,
    names: Sequence[str] | None,
    where: str,
    class_map: Mapping[str, str | None] | None = None,
) -> int | None:
    """Resolve a numeric class id through ``names`` (or ``CLASS_NAMES`` when None)."""
    try:
        idx = int(value)
    except ValueError:
        raise DatasetError(f"{where}: class id {value!r} is not an integer") from None
    table = list(names) if names is not None else list(CLASS_NAMES)
    if not 0 <= idx < len(table):
        raise DatasetError(f"{where}: class id {idx} out of range 0..{len(table) - 1}")
    return class_id_for(table[idx], where, class_map)


def parse_float(value: str, what: str, where: str) -> float:
    try:
        out = float(value)
    except ValueError:
        raise DatasetError(f"{where}: {what} {value!r} is not a number") from None
    if not np.isfinite(out):
        raise DatasetError(f"{where}: {what} {value!r} is not finite")
    return out


def image_size(path: Path, where: str) -> tuple[int, int]:
    """(width, height) from the file header; ``DatasetError`` if missing or unreadable."""
    if not path.is_file():
        raise DatasetError(f"{where}: image file not found: {path}")
    try:
        with Image.open(path) as im:
            return int(im.width), int(im.height)
    except OSError as exc:
        raise DatasetError(f"{where}: cannot read image {path}: {exc}") from None


def find_image(name: str, roots: Sequence[Path], where: str) -> Path:
    """The first existing ``root / name``; ``DatasetError`` listing the places tried."""
    for root in roots:
        cand = root / name
        if cand.is_file():
            return cand
    tried = ", ".join(str(r / name) for r in roots)
    raise DatasetError(f"{where}: image file not found: {name} (tried {tried})")


def checked_box(
    box: Sequence[float], width: int, height: int, where: str
) -> tuple[float, ...] | None:
    """Clip a box to the image (warning), or ``None`` for a zero-area box (warning).

    Raises:
        DatasetError: x2 < x1 or y2 < y1.
    """
    x1, y1, x2, y2 = (float(v) for v in box)
    if x2 < x1 or y2 < y1:
        raise DatasetError(f"{where}: inverted box ({x1:g}, {y1:g}, {x2:g}, {y2:g})")
    cx1, cy1 = min(max(x1, 0.0), width), min(max(y1, 0.0), height)
    cx2, cy2 = min(max(x2, 0.0), width), min(max(y2, 0.0), height)
    overshoot = max(abs(cx1 - x1), abs(cy1 - y1), abs(cx2 - x2), abs(cy2 - y2))
    if cx2 - cx1 <= 0 or cy2 - cy1 <= 0:
        warn(
            f"{where}: zero-area box ({x1:g}, {y1:g}, {x2:g}, {y2:g}) in a "
            f"{width}x{height} image skipped"
        )
        return None
    if overshoot > CLIP_TOLERANCE_PX:
        warn(
            f"{where}: box ({x1:g}, {y1:g}, {x2:g}, {y2:g}) outside the {width}x{height} "
            "image clipped"
        )
    return cx1, cy1, cx2, cy2


class BoxTable:
    """Collects boxes of one image, with optional extra columns, into ``Detections``."""

    def __init__(self) -> None:
        self.boxes: list[tuple[float, ...]] = []
        self.classes: list[int] = []
        self.scores: list[float] = []
        self.extra: dict[str, list[Any]] = {}

    def add(
        self,
        box: tuple[float, ...],
        cls: int,
        score: float = 1.0,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        n = len(self.boxes)
        for key in extra or {}:
            self.extra.setdefault(key, [None] * n)
        for key, col in self.extra.items():
            col.append((extra or {}).get(key))
        self.boxes.append(box)
        self.classes.append(cls)
        self.scores.append(score)

    def to_detections(self) -> Detections:
        if not self.boxes:
            return Detections.empty()
        data = {k: _column(v) for k, v in self.extra.items()}
        return Detections(
            np.array(self.boxes, np.float32),
            np.array(self.scores, np.float32),
            np.array(self.classes, np.int64),
            data,
        )


def _column(values: list[Any]) -> np.ndarray:
    """A typed column: bool, int (missing -1), float (missing nan) or str (missing "")."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return np.array([bool(v) for v in values], bool)
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return np.array([-1 if v is None else v for v in values], np.int64)
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return np.array([np.nan if v is None else v for v in values], np.float32)
    return np.array(["" if v is None else str(v) for v in values], str)


def relative_name(file: Path, folder: Path) -> str:
    """``file`` relative to ``folder`` (posix, may use ``..``), absolute across drives."""
    try:
        return Path(os.path.relpath(file.resolve(), folder.resolve())).as_posix()
    except ValueError:
        return str(file.resolve())


def json_value(value: Any) -> Any:
    """A numpy scalar as a plain JSON value."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def scalar_columns(dets: Detections) -> list[str]:
    """Names of the 1-D data columns that can be written as per-box values."""
    return [k for k, v in sorted(dets.data.items()) if np.asarray(v).ndim == 1]
