"""Catalog inputs, pure: reference photos checked and downscaled, near-duplicate
warnings, SKU ids, and the import folder format (``shelfscan.catalog`` stores them).

Folder format (import and export): one sub-folder per SKU, named by the SKU id, holding
its reference photos, plus an optional ``catalog.csv`` at the top with the header
``sku,ean,name,brand,category,width_mm`` (any subset after ``sku``).
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from shelfscan.errors import CatalogError, ImageError
from shelfscan.imaging import IMAGE_SUFFIXES, load_image
from shelfscan.recognition.embedder import Image, crop_boxes
from shelfscan.recognition.index import CatalogIndex
from shelfscan.recognition.matcher import UNKNOWN
from shelfscan.recognition.records import RefImage, SkuInfo
from shelfscan.types import FloatArray

CSV_NAME = "catalog.csv"
CSV_FIELDS = ("sku", "ean", "name", "brand", "category", "width_mm")
MIN_REF_SIDE = 32  # reference photos narrower than this (pixels) are refused
MIN_REF_LONG_SIDE = 64  # ... or whose long side is shorter than this
REF_MAX_SIDE = 384  # reference photos are stored downscaled to this long side
NEAR_DUPLICATE = 0.97  # two SKUs' references this similar will be confused
NEAR_DUPLICATE_BLOCK = 256  # new references searched per block in the duplicate check


def read_reference(path: Path) -> tuple[Image, RefImage]:
    """Decode and check one reference photo; ``ImageError`` naming the file if unusable."""
    image, info = load_image(path)
    return image, make_reference(image, str(path), info.sha256)


def make_reference(image: Image, source: str, sha256: str = "") -> RefImage:
    """Check a decoded reference image's size and encode it for storage (long side at
    most ``REF_MAX_SIDE``); ``sha256`` defaults to that of the stored JPEG."""
    height, width = image.shape[:2]
    if min(width, height) < MIN_REF_SIDE or max(width, height) < MIN_REF_LONG_SIDE:
        raise ImageError(
            f"{source}: reference image too small ({width}x{height}; need at least "
            f"{MIN_REF_SIDE} px on the short side and {MIN_REF_LONG_SIDE} px on the long side)"
        )
    scale = min(1.0, REF_MAX_SIDE / max(width, height))
    stored = image
    if scale < 1.0:
        size = (round(width * scale), round(height * scale))
        stored = np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.uint8)
    ok, buf = cv2.imencode(".jpg", stored, [cv2.IMWRITE_JPEG_QUALITY, 92])
    if not ok:
        raise ImageError(f"{source}: cannot re-encode as JPEG")
    jpeg = bytes(buf)
    return RefImage(source, sha256 or hashlib.sha256(jpeg).hexdigest(), width, height, jpeg)


Box = tuple[float, float, float, float]


def parse_box(text: str) -> Box:
    """``"x1,y1,x2,y2"`` in pixels of a photo -> a box; ``CatalogError`` if malformed."""
    parts = [p.strip() for p in text.split(",")]
    try:
        x1, y1, x2, y2 = (float(p) for p in parts)
    except ValueError:
        raise CatalogError(f"--box must be x1,y1,x2,y2 in pixels, got {text!r}") from None
    if not (x2 > x1 and y2 > y1):
        raise CatalogError(f"--box {text!r}: need x2 > x1 and y2 > y1")
    return (x1, y1, x2, y2)


def cut_box(image: Image, box: Box, width: int, height: int, source: str) -> Image:
    """The box (in the photo's own pixels, ``width`` x ``height``) out of ``image`` (which
    may be decoded at another size), cut as the scan cuts its facings (``crop_boxes``):
    the box itself, tight like a packshot."""
    x1, y1, x2, y2 = box
    if x2 <= 0 or y2 <= 0 or x1 >= width or y1 >= height:
        raise CatalogError(f"{source}: box {box} lies outside the {width}x{height} photo")
    sx, sy = image.shape[1] / width, image.shape[0] / height
    scaled = np.array([[x1 * sx, y1 * sy, x2 * sx, y2 * sy]], np.float32)
    return crop_boxes(image, scaled)[0]


def crop_reference(jpeg: bytes, source: str) -> tuple[Image, RefImage]:
    """A reference from JPEG bytes already in the store (a reviewed unknown crop)."""
    decoded = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    if decoded is None:
        raise ImageError(f"{source}: stored crop is not a decodable JPEG")
    image = np.asarray(decoded, np.uint8)
    h, w = image.shape[:2]
    return image, RefImage(source, hashlib.sha256(jpeg).hexdigest(), w, h, jpeg)


def near_duplicates(
    new: Sequence[tuple[str, str, FloatArray]],
    existing: Sequence[tuple[str, FloatArray]],
    limit: float = NEAR_DUPLICATE,
) -> list[str]:
    """Warnings for references nearly identical to another SKU's.

    Args:
        new: (sku, source, unit vector) of the references being added.
        existing: (sku, unit vector) of references already in the catalog.
    """
    pool = list(existing) + [(s, v) for s, _, v in new]
    if not pool or not new:
        return []
    others = np.stack([v for _, v in pool])
    labels = np.array([s for s, _ in pool], dtype=object)
    worst: dict[tuple[str, str], tuple[float, str]] = {}  # one warning per pair of SKUs
    for sku, source, vec in new:
        sims = others @ vec
        sims[labels == sku] = -1.0
        j = int(np.argmax(sims))
        pair = (sku, str(labels[j]))
        key = (min(pair), max(pair))
        if sims[j] >= limit and float(sims[j]) > worst.get(key, (-1.0, ""))[0]:
            worst[key] = (float(sims[j]), f"{source} ({sku})")
    return _duplicate_warnings(worst)


MAX_SKU_ID = 128  # characters


def check_sku_id(sku: str, where: str) -> None:
    """A SKU id names a folder in catalog exports: no path separators, no '.' or '..',
    no control characters, at most ``MAX_SKU_ID`` characters."""
    if (
        not sku
        or sku != sku.strip()
        or "/" in sku
        or "\\" in sku
        or sku in (".", "..")
        or len(sku) > MAX_SKU_ID
        or any(ord(c) < 32 or ord(c) == 127 for c in sku)
    ):
        raise CatalogError(
            f"{where}: invalid SKU id {sku[:MAX_SKU_ID]!r} (no '/', '\\', '.' or '..', "
            f"control characters or surrounding spaces; at most {MAX_SKU_ID} characters)"
        )
    if sku.lower() == UNKNOWN:
        raise CatalogError(f"{where}: SKU id {sku!r} is reserved for unrecognised facings")


def read_catalog_csv(path: Path) -> dict[str, SkuInfo]:
    """``catalog.csv`` -> SKU id -> attributes; ``CatalogError`` with file and line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: cannot read ({exc})") from exc
    reader = csv.DictReader(text.splitlines())
    try:
        return _catalog_rows(path, reader)
    except csv.Error as exc:  # e.g. a field over 128 KB
        raise CatalogError(f"{path}:{reader.line_num}: malformed CSV ({exc})") from None


def _catalog_rows(path: Path, reader: csv.DictReader[str]) -> dict[str, SkuInfo]:
    header = reader.fieldnames or []
    if "sku" not in header:
        raise CatalogError(
            f"{path}:1: header must include 'sku' (columns: {', '.join(CSV_FIELDS)})"
        )
    extra = [h for h in header if h not in CSV_FIELDS]
    if extra:
        raise CatalogError(
            f"{path}:1: unknown column(s) {', '.join(extra)} (valid: {', '.join(CSV_FIELDS)})"
        )
    out: dict[str, SkuInfo] = {}
    for line, row in enumerate(reader, start=2):
        sku = (row.get("sku") or "").strip()
        check_sku_id(sku, f"{path}:{line}")
        if sku in out:
            raise CatalogError(f"{path}:{line}: duplicate SKU id {sku!r}")
        width = (row.get("width_mm") or "").strip()
        try:
            width_mm = float(width) if width else None
        except ValueError:
            raise CatalogError(f"{path}:{line}: width_mm must be a number, got {width!r}") from None
        if width_mm is not None and width_mm <= 0:
            raise CatalogError(f"{path}:{line}: width_mm must be positive, got {width!r}")
        attrs = {k: (row.get(k) or "").strip() for k in ("ean", "name", "brand", "category")}
        out[sku] = SkuInfo(sku, width_mm=width_mm, **attrs)
    return out


def scan_folder(folder: Path) -> list[tuple[SkuInfo, list[Path]]]:
    """Parse an import folder; ``CatalogError`` listing stray files or missing folders."""
    if not folder.is_dir():
        raise CatalogError(f"{folder}: not a folder")
    attrs = read_catalog_csv(folder / CSV_NAME) if (folder / CSV_NAME).is_file() else {}
    stray: list[str] = []
    entries: list[tuple[SkuInfo, list[Path]]] = []
    for item in sorted(folder.iterdir()):
        if item.name.startswith("."):
            continue
        if item.is_file():
            if item.name != CSV_NAME:
                stray.append(str(item))
            continue
        images = []
        for f in sorted(item.iterdir()):
            if f.name.startswith("."):
                continue
            if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES:
                images.append(f)
            else:
                stray.append(str(f))
        if not images:
            raise CatalogError(f"{item}: SKU folder holds no images")
        entries.append((attrs.get(item.name, SkuInfo(item.name)), images))
    if stray:
        shown = ", ".join(stray[:5]) + (f" and {len(stray) - 5} more" if len(stray) > 5 else "")
        raise CatalogError(
            f"{folder}: stray file(s) not in the import format: {shown} "
            f"(expected SKU sub-folders of images and an optional {CSV_NAME})"
        )
    orphans = sorted(set(attrs) - {info.sku for info, _ in entries})
    if orphans:
        raise CatalogError(
            f"{folder / CSV_NAME}: SKU(s) without an image folder: {', '.join(orphans)}"
        )
    if not entries:
        raise CatalogError(f"{folder}: no SKU sub-folders found")
    return entries


def indexed_near_duplicates(
    index: CatalogIndex,
    new: Sequence[tuple[str, str]],
    vectors: FloatArray,
    limit: float = NEAR_DUPLICATE,
) -> list[str]:
    """``near_duplicates`` through the index (k-NN instead of all pairs): each new
    reference's nearest reference of another SKU is the best SKU among its top two that
    is not its own (a SKU's score is its best reference's). ``index`` holds every
    reference, old and new; ``new`` gives (sku, source) per row of ``vectors``; searched
    in blocks to bound memory."""
    worst: dict[tuple[str, str], tuple[float, str]] = {}
    for start in range(0, len(new), NEAR_DUPLICATE_BLOCK):
        scores, labels = index.search(vectors[start : start + NEAR_DUPLICATE_BLOCK], k=2)
        for (sku, source), row_s, row_l in zip(
            new[start : start + NEAR_DUPLICATE_BLOCK], scores, labels, strict=True
        ):
            j = 1 if row_l[0] == sku else 0
            other, sim = str(row_l[j]), float(row_s[j])
            if not other or sim < limit:
                continue
            key = (min(sku, other), max(sku, other))
            if sim > worst.get(key, (-1.0, ""))[0]:
                worst[key] = (sim, f"{source} ({sku})")
    return _duplicate_warnings(worst)


def _duplicate_warnings(worst: dict[tuple[str, str], tuple[float, str]]) -> list[str]:
    return [
        f"{what} is nearly identical to a reference of {b if what.endswith(f'({a})') else a} "
        f"(similarity {sim:.3f}): these two SKUs will be confused"
        for (a, b), (sim, what) in sorted(worst.items())
    ]
