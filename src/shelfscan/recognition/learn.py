"""References as users have them: a box on a shelf photo, or a facing of a stored scan.

Adding a SKU from a box on a shelf photo is the common case in the field; labelling a
facing of a past scan (a mistake the rep corrects in review) is the other. Both make the
crop a reference image of the SKU at once, with its verification cues, so the next scan
(or ``rescore``) recognises that pack. Crops are cut like the scan's own crops (the box
grown by ``CONTEXT_MARGIN``), so a reference looks like the facings it must match.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import sqlite_utils

from shelfscan.errors import CatalogError
from shelfscan.imaging import load_image
from shelfscan.recognition.catalog import (
    AddReport,
    _check_id,
    add_image_reference,
    add_loaded,
    make_reference,
    read_reference,
)
from shelfscan.recognition.embedder import Embedder, Image, crop_boxes
from shelfscan.recognition.records import RefImage, SkuInfo
from shelfscan.store import catalog as store
from shelfscan.store import references as ref_store
from shelfscan.store.db import transaction

Box = tuple[float, float, float, float]


def parse_box(text: str) -> Box:
    """``"x1,y1,x2,y2"`` in pixels of the photo -> a box; ``CatalogError`` if malformed."""
    parts = [p.strip() for p in text.split(",")]
    try:
        x1, y1, x2, y2 = (float(p) for p in parts)
    except ValueError:
        raise CatalogError(f"--box must be x1,y1,x2,y2 in pixels, got {text!r}") from None
    if not (x2 > x1 and y2 > y1):
        raise CatalogError(f"--box {text!r}: need x2 > x1 and y2 > y1")
    return (x1, y1, x2, y2)


def _cut(image: Image, box: Box, width: int, height: int, source: str) -> Image:
    """The box (in the photo's own pixels, ``width`` x ``height``) out of ``image``
    (which may be decoded at another size)."""
    x1, y1, x2, y2 = box
    if x2 <= 0 or y2 <= 0 or x1 >= width or y1 >= height:
        raise CatalogError(f"{source}: box {box} lies outside the {width}x{height} photo")
    sx, sy = image.shape[1] / width, image.shape[0] / height
    scaled = np.array([[x1 * sx, y1 * sy, x2 * sx, y2 * sy]], np.float32)
    return crop_boxes(image, scaled)[0]


def photo_reference(photo: Path, box: Box) -> tuple[Image, RefImage]:
    """A reference cut from ``box`` on a shelf photo (``ImageError`` if unusable)."""
    image, info = load_image(photo)
    source = f"{photo}#box={','.join(f'{v:g}' for v in box)}"
    crop = _cut(image, box, info.width, info.height, str(photo))
    return crop, make_reference(crop, source)


def facing_reference(db: sqlite_utils.Database, detection_id: int) -> tuple[Image, RefImage]:
    """A reference cut from a stored product facing, re-read from its photo file
    (``CatalogError`` when there is no such facing or the file changed since the scan)."""
    src = ref_store.facing_source(db, detection_id)
    if src is None:
        raise CatalogError(f"no stored product facing with id {detection_id}")
    image, info = load_image(Path(src.path))
    if info.sha256 != src.sha256:
        raise CatalogError(f"{src.path}: file changed since it was scanned (SHA-256 differs)")
    crop = _cut(image, src.box, info.width, info.height, src.path)
    return crop, make_reference(crop, f"facing:{detection_id}")


def add_sku(
    db: sqlite_utils.Database,
    embedder: Embedder,
    info: SkuInfo,
    paths: Sequence[Path] = (),
    boxes: Sequence[tuple[Path, Box]] = (),
    facings: Sequence[int] = (),
    append: bool = False,
) -> AddReport:
    """Add (or with ``append`` extend) one SKU from any mix of reference photos, boxes on
    shelf photos and stored facings, in one transaction; all are checked first."""
    _check_id(info.sku, "catalog")
    refs = [read_reference(p) for p in paths]
    refs += [photo_reference(photo, box) for photo, box in boxes]
    refs += [facing_reference(db, f) for f in facings]
    return add_loaded(db, embedder, [(info, refs)], append)


def label_facing(
    db: sqlite_utils.Database,
    embedder: Embedder,
    detection_id: int,
    sku: str,
    info: SkuInfo | None = None,
) -> list[str]:
    """A facing of a stored scan labelled as ``sku`` becomes one of its references
    (``info``: create ``sku`` first, as a new SKU). Returns near-duplicate warnings.
    The stored scan itself changes on ``rescore``."""
    crop, ref = facing_reference(db, detection_id)
    known = store.sku_ids(db)
    if info is None and sku not in known:
        raise CatalogError(f"SKU {sku!r} is not in the catalog (give its attributes to create it)")
    with transaction(db):
        if info is not None and sku not in known:
            _check_id(sku, "review")
            store.insert_sku(db, info)
        return add_image_reference(db, embedder, sku, crop, ref)
