"""SKU-110K-style CSV: ``image_name,x1,y1,x2,y2,class,image_width,image_height``.

With or without a header line. ``class`` is a name (``object`` and other aliases
allowed) or an index into ``CLASS_NAMES``. Images are looked up next to the CSV and
in an ``images/`` folder beside it; every referenced image must exist.
"""

from __future__ import annotations

import csv as _csv
from collections.abc import Mapping, Sequence
from pathlib import Path

from shelfscan.errors import DatasetError
from shelfscan.types import CLASS_NAMES

from .common import (
    AnnotatedImage,
    BoxTable,
    checked_box,
    class_id_for,
    class_id_from_index,
    find_image,
    image_size,
    parse_float,
    relative_name,
    warn,
)

COLUMNS = ("image_name", "x1", "y1", "x2", "y2", "class", "image_width", "image_height")


def _class(value: str, where: str, class_map: Mapping[str, str | None] | None) -> int | None:
    if value.strip().lstrip("-").isdigit():
        return class_id_from_index(value, None, where, class_map)
    return class_id_for(value, where, class_map)


def read_csv(
    path: Path | str, class_map: Mapping[str, str | None] | None = None
) -> list[AnnotatedImage]:
    """Read one CSV file; one ``AnnotatedImage`` per distinct image, in first-seen order."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise DatasetError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read: {exc}") from None
    roots = [path.parent, path.parent / "images"]
    images: dict[str, tuple[Path, int, int]] = {}
    tables: dict[str, BoxTable] = {}
    for n, row in enumerate(_csv.reader(lines), start=1):
        where = f"{path}:{n}"
        if not row or not "".join(row).strip():
            continue
        if n == 1 and len(row) > 1 and row[1].strip().lower() in ("x1", "xmin", "x_min", "left"):
            continue  # header
        if len(row) != len(COLUMNS):
            raise DatasetError(
                f"{where}: expected {len(COLUMNS)} fields ({','.join(COLUMNS)}), got {len(row)}"
            )
        name = row[0].strip()
        box = [parse_float(v, k, where) for v, k in zip(row[1:5], COLUMNS[1:5], strict=True)]
        cls = _class(row[5], where, class_map)
        width = int(parse_float(row[6], "image_width", where))
        height = int(parse_float(row[7], "image_height", where))
        if name not in images:
            file = find_image(name, roots, where)
            real = image_size(file, where)
            if real != (width, height):
                warn(
                    f"{where}: image {name} is {real[0]}x{real[1]} on disk but "
                    f"{width}x{height} in the CSV; using the CSV size"
                )
            images[name] = (file, width, height)
            tables[name] = BoxTable()
        elif images[name][1:] != (width, height):
            raise DatasetError(
                f"{where}: image {name} has size {width}x{height} here but "
                f"{images[name][1]}x{images[name][2]} on an earlier line"
            )
        if cls is None:
            continue
        ok = checked_box(box, width, height, where)
        if ok is not None:
            tables[name].add(ok, cls)
    if not images:
        raise DatasetError(f"{path}: no annotation rows")
    return [AnnotatedImage(f, w, h, tables[k].to_detections()) for k, (f, w, h) in images.items()]


def write_csv(items: Sequence[AnnotatedImage], path: Path | str, header: bool = True) -> Path:
    """Write ``items`` as one CSV (class names, pixel boxes rounded to 0.01)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = _csv.writer(fh)
        if header:
            out.writerow(COLUMNS)
        for item in items:
            name = relative_name(item.path, path.parent)
            for k in range(len(item.detections)):
                x1, y1, x2, y2 = (round(float(v), 2) for v in item.detections.xyxy[k])
                out.writerow(
                    [
                        name,
                        x1,
                        y1,
                        x2,
                        y2,
                        CLASS_NAMES[int(item.detections.class_id[k])],
                        item.width,
                        item.height,
                    ]
                )
    return path
