"""COCO detection JSON: read and write.

Extra per-box columns (``sku``, ``brand``, ``shelf`` ...) are written as extra keys of
each annotation and read back from them. ``file_name`` is resolved against the JSON's
folder, its parent, and an ``images/`` folder in either.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from shelfscan.errors import DatasetError
from shelfscan.types import CLASS_NAMES

from .common import (
    AnnotatedImage,
    BoxTable,
    checked_box,
    class_id_for,
    find_image,
    json_value,
    relative_name,
    scalar_columns,
)

_STANDARD_KEYS = {
    "id",
    "image_id",
    "category_id",
    "bbox",
    "area",
    "iscrowd",
    "segmentation",
    "score",
    "ignore",
}


def is_coco(path: Path) -> bool:
    """True for a JSON object with ``images`` and ``annotations`` lists."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and "images" in doc and "annotations" in doc


def _load(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DatasetError(f"{path}: file not found") from None
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read: {exc}") from None
    for key in ("images", "annotations", "categories"):
        if not isinstance(doc, dict) or not isinstance(doc.get(key), list):
            raise DatasetError(f"{path}: not a COCO file (no {key!r} list)")
    out: dict[str, Any] = doc
    return out


def _entry(path: Path, section: str, i: int, entry: Any) -> str:
    ident = entry.get("id") if isinstance(entry, dict) else None
    return f"{path}: {section}[{i}]" + (f" (id {ident})" if ident is not None else "")


def _categories(
    path: Path, doc: dict[str, Any], class_map: Mapping[str, str | None] | None
) -> dict[Any, int | None]:
    cats: dict[Any, int | None] = {}
    for i, cat in enumerate(doc["categories"]):
        where = _entry(path, "categories", i, cat)
        if not isinstance(cat, dict) or "id" not in cat or "name" not in cat:
            raise DatasetError(f"{where}: a category needs 'id' and 'name'")
        cats[cat["id"]] = class_id_for(str(cat["name"]), where, class_map)
    return cats


def read_coco(
    path: Path | str,
    class_map: Mapping[str, str | None] | None = None,
    image_root: Path | None = None,
) -> list[AnnotatedImage]:
    """Read a COCO detection file; see the module docstring for path resolution."""
    path = Path(path)
    doc = _load(path)
    cats = _categories(path, doc, class_map)
    roots = [image_root] if image_root else []
    roots += [
        path.parent,
        path.parent / "images",
        path.parent.parent,
        path.parent.parent / "images",
    ]
    images: dict[Any, tuple[Path, int, int]] = {}
    order: list[Any] = []
    for i, im in enumerate(doc["images"]):
        where = _entry(path, "images", i, im)
        if not isinstance(im, dict) or not {"id", "file_name", "width", "height"} <= im.keys():
            raise DatasetError(f"{where}: an image needs id, file_name, width and height")
        file = find_image(str(im["file_name"]), roots, where)
        images[im["id"]] = (file, int(im["width"]), int(im["height"]))
        order.append(im["id"])
    tables: dict[Any, BoxTable] = {k: BoxTable() for k in images}
    for i, ann in enumerate(doc["annotations"]):
        _add_annotation(path, i, ann, images, cats, tables)
    return [
        AnnotatedImage(images[k][0], images[k][1], images[k][2], tables[k].to_detections())
        for k in order
    ]


def _add_annotation(
    path: Path,
    i: int,
    ann: Any,
    images: dict[Any, tuple[Path, int, int]],
    cats: dict[Any, int | None],
    tables: dict[Any, BoxTable],
) -> None:
    where = _entry(path, "annotations", i, ann)
    if not isinstance(ann, dict) or not {"image_id", "category_id", "bbox"} <= ann.keys():
        raise DatasetError(f"{where}: an annotation needs image_id, category_id and bbox")
    if ann["image_id"] not in images:
        raise DatasetError(f"{where}: unknown image_id {ann['image_id']!r}")
    if ann["category_id"] not in cats:
        raise DatasetError(f"{where}: unknown category_id {ann['category_id']!r}")
    cls = cats[ann["category_id"]]
    if cls is None:
        return
    bbox = ann["bbox"]
    if not (
        isinstance(bbox, list) and len(bbox) == 4 and all(isinstance(v, (int, float)) for v in bbox)
    ):
        raise DatasetError(f"{where}: bbox must be 4 numbers [x, y, w, h], got {bbox!r}")
    x, y, w, h = (float(v) for v in bbox)
    _, width, height = images[ann["image_id"]]
    box = checked_box((x, y, x + w, y + h), width, height, where)
    if box is None:
        return
    extra = {
        k: v
        for k, v in ann.items()
        if k not in _STANDARD_KEYS and isinstance(v, (str, int, float, bool))
    }
    tables[ann["image_id"]].add(box, cls, float(ann.get("score", 1.0)), extra)


def write_coco(items: Sequence[AnnotatedImage], path: Path | str) -> Path:
    """Write ``items`` as one COCO file; image paths are stored relative to its folder.

    Every 1-D data column (``sku``, ``brand``, ``shelf`` ...) becomes an annotation key.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    images: list[dict[str, Any]] = []
    anns: list[dict[str, Any]] = []
    for img_id, item in enumerate(items, start=1):
        images.append(
            {
                "id": img_id,
                "file_name": relative_name(item.path, path.parent),
                "width": item.width,
                "height": item.height,
            }
        )
        dets = item.detections
        cols = scalar_columns(dets)
        for k in range(len(dets)):
            x1, y1, x2, y2 = (round(float(v), 2) for v in dets.xyxy[k])
            ann: dict[str, Any] = {
                "id": len(anns) + 1,
                "image_id": img_id,
                "category_id": int(dets.class_id[k]) + 1,
                "bbox": [x1, y1, round(x2 - x1, 2), round(y2 - y1, 2)],
                "area": round((x2 - x1) * (y2 - y1), 2),
                "iscrowd": 0,
            }
            if float(dets.confidence[k]) != 1.0:
                ann["score"] = round(float(dets.confidence[k]), 5)
            ann.update({c: json_value(dets.data[c][k]) for c in cols if c not in _STANDARD_KEYS})
            anns.append(ann)
    cats = [{"id": i + 1, "name": n, "supercategory": "shelf"} for i, n in enumerate(CLASS_NAMES)]
    doc = {
        "info": {"description": "shelfscan dataset"},
        "images": images,
        "annotations": anns,
        "categories": cats,
    }
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return path
