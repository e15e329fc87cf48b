"""YOLO txt folders: ``images/**/x.jpg`` with ``labels/**/x.txt`` lines ``cls cx cy w h``.

Coordinates are normalised to [0, 1]. Class names come from ``data.yaml``
(``names:`` as an inline list, a block list or an ``index: name`` mapping) or
``classes.txt`` (one name a line); without either, ids index ``CLASS_NAMES``.
An image without a label file has no boxes; a label file without an image is an error.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from shelfscan.errors import DatasetError
from shelfscan.types import CLASS_NAMES

from .common import (
    IMAGE_SUFFIXES,
    AnnotatedImage,
    BoxTable,
    checked_box,
    class_id_from_index,
    image_size,
    parse_float,
)


def is_yolo(path: Path) -> bool:
    labels = path / "labels"
    return labels.is_dir() and any(labels.rglob("*.txt"))


def read_names(root: Path) -> list[str] | None:
    """Class names from ``data.yaml``/``dataset.yaml`` or ``classes.txt``, else None."""
    for name in ("data.yaml", "dataset.yaml", "data.yml"):
        if (root / name).is_file():
            return _yaml_names(root / name)
    for cand in (root / "classes.txt", root / "labels" / "classes.txt"):
        if cand.is_file():
            return [
                ln.strip() for ln in cand.read_text(encoding="utf-8").splitlines() if ln.strip()
            ]
    return None


def _yaml_names(path: Path) -> list[str]:
    """The ``names`` of a YOLO data.yaml (the subset of YAML these files use)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^names\s*:\s*(.*)$", line)
        if not m:
            continue
        rest = m.group(1).split("#")[0].strip()
        if rest.startswith("["):
            inner = rest.strip("[]")
            return [v.strip().strip("'\"") for v in inner.split(",") if v.strip()]
        names: dict[int, str] = {}
        for j, sub in enumerate(lines[i + 1 :], start=i + 2):
            if not sub.strip() or sub.lstrip().startswith("#"):
                continue
            if not sub.startswith((" ", "\t", "-")):
                break
            item = sub.strip()
            if item.startswith("-"):
                names[len(names)] = item[1:].strip().strip("'\"")
            elif ":" in item:
                key, val = item.split(":", 1)
                if not key.strip().isdigit():
                    raise DatasetError(f"{path}:{j}: expected 'index: name', got {item!r}")
                names[int(key)] = val.strip().strip("'\"")
        if sorted(names) != list(range(len(names))):
            raise DatasetError(f"{path}:{i + 1}: class indices must be 0..n-1, got {sorted(names)}")
        return [names[k] for k in range(len(names))]
    raise DatasetError(f"{path}: no 'names:' entry")


def read_yolo(
    root: Path | str, class_map: Mapping[str, str | None] | None = None
) -> list[AnnotatedImage]:
    """Read a YOLO folder (``root/images`` and ``root/labels``)."""
    root = Path(root)
    img_dir, lbl_dir = root / "images", root / "labels"
    if not lbl_dir.is_dir():
        raise DatasetError(f"{root}: no labels/ folder")
    names = read_names(root)
    images = (
        {
            p.relative_to(img_dir).with_suffix(""): p
            for p in sorted(img_dir.rglob("*"))
            if p.suffix.lower() in IMAGE_SUFFIXES
        }
        if img_dir.is_dir()
        else {}
    )
    for lbl in sorted(lbl_dir.rglob("*.txt")):
        if lbl.name == "classes.txt":
            continue
        if lbl.relative_to(lbl_dir).with_suffix("") not in images:
            raise DatasetError(
                f"{lbl}: image file not found (looked for "
                f"{img_dir / lbl.relative_to(lbl_dir).with_suffix('.*')})"
            )
    out = []
    for key, img in images.items():
        width, height = image_size(img, str(img))
        table = BoxTable()
        lbl = (lbl_dir / key).with_suffix(".txt")
        if lbl.is_file():
            _read_label(lbl, width, height, names, class_map, table)
        out.append(AnnotatedImage(img, width, height, table.to_detections()))
    return out


def _read_label(
    path: Path,
    width: int,
    height: int,
    names: Sequence[str] | None,
    class_map: Mapping[str, str | None] | None,
    table: BoxTable,
) -> None:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        where = f"{path}:{n}"
        parts = line.split()
        if not parts:
            continue
        if len(parts) not in (5, 6):
            raise DatasetError(f"{where}: expected 'class cx cy w h', got {line.strip()!r}")
        cls = class_id_from_index(parts[0], names, where, class_map)
        cx, cy, w, h = (parse_float(v, k, where) for v, k in zip(parts[1:5], "xywh", strict=True))
        if max(cx, cy, w, h) > 1.5 or min(w, h) < 0:
            raise DatasetError(
                f"{where}: coordinates must be normalised to [0, 1], got {' '.join(parts[1:5])}"
            )
        score = parse_float(parts[5], "score", where) if len(parts) == 6 else 1.0
        if cls is None:
            continue
        box = (
            (cx - w / 2) * width,
            (cy - h / 2) * height,
            (cx + w / 2) * width,
            (cy + h / 2) * height,
        )
        ok = checked_box(box, width, height, where)
        if ok is not None:
            table.add(ok, cls, score)


def write_yolo(items: Sequence[AnnotatedImage], root: Path | str) -> Path:
    """Write labels (and ``data.yaml``, ``classes.txt``) under ``root``.

    Images not already in ``root/images`` are copied there. Extra columns are not kept.
    """
    root = Path(root)
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "labels").mkdir(parents=True, exist_ok=True)
    for item in items:
        img = root / "images" / item.path.name
        if item.path.resolve() != img.resolve():
            shutil.copyfile(item.path, img)
        rows = []
        for k in range(len(item.detections)):
            x1, y1, x2, y2 = (float(v) for v in item.detections.xyxy[k])
            rows.append(
                f"{int(item.detections.class_id[k])} {(x1 + x2) / 2 / item.width:.6f} "
                f"{(y1 + y2) / 2 / item.height:.6f} {(x2 - x1) / item.width:.6f} "
                f"{(y2 - y1) / item.height:.6f}"
            )
        (root / "labels" / img.with_suffix(".txt").name).write_text(
            "\n".join(rows) + ("\n" if rows else ""), encoding="utf-8"
        )
    names = "\n".join(f"  {i}: {n}" for i, n in enumerate(CLASS_NAMES))
    (root / "data.yaml").write_text(
        f"path: .\ntrain: images\nval: images\nnames:\n{names}\n", encoding="utf-8"
    )
    (root / "classes.txt").write_text("\n".join(CLASS_NAMES) + "\n", encoding="utf-8")
    return root
