"""The SKU catalog as a library: add SKUs from reference photos, import/export folders,
build the recognizer from what the store holds. No retraining: a SKU added here is
recognised by the next scan.

Folder format (import and export): one sub-folder per SKU, named by the SKU id, holding
its reference photos, plus an optional ``catalog.csv`` at the top with the header
``sku,ean,name,brand,category,width_mm`` (any subset after ``sku``).
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import sqlite_utils

from shelfscan.errors import CatalogError, ImageError
from shelfscan.imaging import IMAGE_SUFFIXES, load_image
from shelfscan.kpi.share import ShareAnalysis
from shelfscan.recognition import index_cache
from shelfscan.recognition.embedder import Embedder, Image
from shelfscan.recognition.index import CatalogIndex, NumpyIndex, make_index
from shelfscan.recognition.matcher import UNKNOWN, MatchConfig
from shelfscan.recognition.recognizer import CatalogRecognizer
from shelfscan.recognition.records import RefImage, SkuInfo
from shelfscan.recognition.settings import RecognitionSettings, load_recognition_settings
from shelfscan.store import catalog as store
from shelfscan.store.db import transaction
from shelfscan.types import FloatArray

CSV_NAME = "catalog.csv"
CSV_FIELDS = ("sku", "ean", "name", "brand", "category", "width_mm")
MIN_REF_SIDE = 32  # reference photos narrower than this (pixels) are refused
MIN_REF_LONG_SIDE = 64  # ... or whose long side is shorter than this
REF_MAX_SIDE = 384  # reference photos are stored downscaled to this long side
NEAR_DUPLICATE = 0.97  # two SKUs' references this similar will be confused
IMPORT_CHUNK_SKUS = 64  # SKUs decoded and embedded together during an import
NEAR_DUPLICATE_BLOCK = 256  # new references searched per block in the duplicate check


@dataclass
class AddReport:
    """What an add/import did, with warnings for the user (nothing fatal)."""

    skus: list[str] = field(default_factory=list)
    images: int = 0
    warnings: list[str] = field(default_factory=list)


def read_reference(path: Path) -> tuple[Image, RefImage]:
    """Decode and check one reference photo; ``ImageError`` naming the file if unusable."""
    image, info = load_image(path)
    if (
        min(info.width, info.height) < MIN_REF_SIDE
        or max(info.width, info.height) < MIN_REF_LONG_SIDE
    ):
        raise ImageError(
            f"{path}: reference image too small ({info.width}x{info.height}; need at least "
            f"{MIN_REF_SIDE} px on the short side and {MIN_REF_LONG_SIDE} px on the long side)"
        )
    scale = min(1.0, REF_MAX_SIDE / max(info.width, info.height))
    stored = image
    if scale < 1.0:
        size = (round(info.width * scale), round(info.height * scale))
        stored = np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.uint8)
    ok, buf = cv2.imencode(".jpg", stored, [cv2.IMWRITE_JPEG_QUALITY, 92])
    if not ok:
        raise ImageError(f"{path}: cannot re-encode as JPEG")
    return image, RefImage(str(path), info.sha256, info.width, info.height, bytes(buf))


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


def _check_id(sku: str, where: str) -> None:
    if not sku or sku != sku.strip() or "/" in sku or "\\" in sku:
        raise CatalogError(f"{where}: invalid SKU id {sku!r}")
    if sku.lower() == UNKNOWN:
        raise CatalogError(f"{where}: SKU id {sku!r} is reserved for unrecognised facings")


def add_skus(
    db: sqlite_utils.Database,
    embedder: Embedder,
    entries: Sequence[tuple[SkuInfo, Sequence[Path]]],
    append: bool = False,
) -> AddReport:
    """Add SKUs with their reference photos, all or nothing (one transaction).

    With ``append`` an SKU already in the catalog gets the extra photos (its attributes
    are kept); without it, an existing id is an error. Every photo is checked before
    anything is written.
    """
    known = store.sku_ids(db)
    seen: set[str] = set()
    for info, paths in entries:
        _check_id(info.sku, "catalog")
        if info.sku in seen:
            raise CatalogError(f"duplicate SKU id {info.sku!r} in the same import")
        if info.sku in known and not append:
            raise CatalogError(
                f"SKU {info.sku!r} is already in the catalog (use --append to add photos)"
            )
        if not paths:
            raise CatalogError(f"SKU {info.sku!r}: no reference images given")
        seen.add(info.sku)
    return _store(db, embedder, entries, known)


def _store(
    db: sqlite_utils.Database,
    embedder: Embedder,
    entries: Sequence[tuple[SkuInfo, Sequence[Path]]],
    known: set[str],
) -> AddReport:
    """Stream the entries into the store in one transaction: a chunk of SKUs at a time is
    decoded, embedded in batches and written, so memory holds one chunk's images plus
    the vectors (a 20,000-SKU import stays well under 1 GB). A bad photo anywhere rolls
    the whole import back. The near-duplicate check then searches the new references
    against the whole catalog through the index (k-NN), not every pair in Python."""
    report = AddReport()
    index = catalog_index(db, embedder) or make_index("numpy", embedder.dim)
    fresh: list[tuple[str, str]] = []
    fresh_vecs: list[FloatArray] = []
    with transaction(db):
        for start in range(0, len(entries), IMPORT_CHUNK_SKUS):
            chunk = entries[start : start + IMPORT_CHUNK_SKUS]
            loaded = [(info, [read_reference(p) for p in paths]) for info, paths in chunk]
            vecs = embedder([img for _, pairs in loaded for img, _ in pairs])
            at = 0
            for info, pairs in loaded:
                refs = [replace(ref, embedding=vecs[at + k]) for k, (_, ref) in enumerate(pairs)]
                at += len(pairs)
                if info.sku not in known:
                    store.insert_sku(db, info)
                report.images += store.insert_references(db, info.sku, refs, embedder.name)
                report.skus.append(info.sku)
                index.add(info.sku, np.stack([r.embedding for r in refs]))
                fresh.extend((info.sku, r.source) for r in refs)
            fresh_vecs.append(vecs)
    if fresh:
        report.warnings.extend(indexed_near_duplicates(index, fresh, np.concatenate(fresh_vecs)))
    return report


def indexed_near_duplicates(
    index: CatalogIndex,
    new: Sequence[tuple[str, str]],
    vectors: FloatArray,
    limit: float = NEAR_DUPLICATE,
) -> list[str]:
    """``near_duplicates`` through the index: each new reference's nearest reference of
    another SKU is the best SKU among its top two that is not its own (a SKU's score is
    its best reference's). ``index`` holds every reference, old and new; ``new`` gives
    (sku, source) per row of ``vectors``; searched in blocks to bound memory."""
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


def add_crop_reference(
    db: sqlite_utils.Database, embedder: Embedder, sku: str, jpeg: bytes, source: str
) -> list[str]:
    """Inside a transaction: a stored crop joins ``sku``'s references; returns warnings."""
    image, ref = crop_reference(jpeg, source)
    vec = embedder([image])[0]
    index = _built_index(db, embedder) or make_index("numpy", embedder.dim)
    store.insert_references(db, sku, [replace(ref, embedding=vec)], embedder.name)
    index.add(sku, vec[None])
    return indexed_near_duplicates(index, [(sku, source)], vec[None])


def read_catalog_csv(path: Path) -> dict[str, SkuInfo]:
    """``catalog.csv`` -> SKU id -> attributes; ``CatalogError`` with file and line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: cannot read ({exc})") from exc
    reader = csv.DictReader(text.splitlines())
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
        _check_id(sku, f"{path}:{line}")
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


def import_folder(
    db: sqlite_utils.Database, embedder: Embedder, folder: Path, append: bool = False
) -> AddReport:
    """Import a catalog folder in one transaction: all SKUs or none."""
    return add_skus(db, embedder, scan_folder(folder), append)


def export_folder(db: sqlite_utils.Database, out: Path) -> int:
    """Write the catalog in the import format; returns the number of images written."""
    skus = store.list_skus(db)
    if out.exists() and any(out.iterdir()):
        raise CatalogError(f"{out}: folder exists and is not empty")
    out.mkdir(parents=True, exist_ok=True)
    with (out / CSV_NAME).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_FIELDS)
        for s in skus:
            writer.writerow(
                [
                    s["sku"],
                    s["ean"] or "",
                    s["name"] or "",
                    s["brand"] or "",
                    s["category"] or "",
                    "" if s["width_mm"] is None else s["width_mm"],
                ]
            )
    refs = store.references(db)
    jpegs = store.reference_jpegs(db, [r["id"] for r in refs])
    for r in refs:
        folder = out / r["sku"]
        folder.mkdir(exist_ok=True)
        (folder / f"{r['sha256'][:16]}.jpg").write_bytes(jpegs[r["id"]])
    return len(refs)


def _refresh_stale(db: sqlite_utils.Database, embedder: Embedder) -> None:
    """Re-embed (and save) the references embedded by another model, from their JPEG."""
    stale = store.stale_references(db, embedder.name, embedder.dim)
    if not stale:
        return
    jpegs = store.reference_jpegs(db, stale)
    for start in range(0, len(stale), IMPORT_CHUNK_SKUS):
        ids = stale[start : start + IMPORT_CHUNK_SKUS]
        images = [crop_reference(jpegs[i], f"reference #{i}")[0] for i in ids]
        store.update_embeddings(db, dict(zip(ids, embedder(images), strict=True)), embedder.name)


def _grouped_vectors(
    db: sqlite_utils.Database, embedder: Embedder
) -> tuple[list[str], npt.NDArray[np.int64], FloatArray]:
    """(SKU ids, references per SKU, vectors grouped by SKU) of the current model."""
    labels, vectors = store.reference_vectors(db, embedder.name, embedder.dim)
    if not labels:
        return [], np.zeros(0, np.int64), vectors
    arr = np.asarray(labels, dtype=object)
    starts = np.flatnonzero(np.r_[True, arr[1:] != arr[:-1]])
    counts = np.diff(np.r_[starts, len(arr)]).astype(np.int64)
    return [str(arr[i]) for i in starts], counts, vectors


def load_index_vectors(
    db: sqlite_utils.Database, embedder: Embedder
) -> list[tuple[str, FloatArray]]:
    """(sku, (M, D) vectors) of every SKU; references embedded by another model are
    re-embedded from their stored JPEG (and saved) first."""
    _refresh_stale(db, embedder)
    skus, counts, vectors = _grouped_vectors(db, embedder)
    return list(zip(skus, np.split(vectors, np.cumsum(counts)[:-1]), strict=True)) if skus else []


def _built_index(db: sqlite_utils.Database, embedder: Embedder) -> NumpyIndex | None:
    """The catalog's exact index, from the cache file when it is current (see
    ``index_cache``), else from the store (then cached); None for an empty catalog."""
    path = index_cache.cache_path(db, embedder.name)
    cached = index_cache.load_cached(path, store.catalog_version(db), embedder.dim)
    if cached is not None:  # built for this embedder after its refresh, nothing changed since
        return cached if len(cached.skus) else None
    _refresh_stale(db, embedder)
    version = store.catalog_version(db)
    skus, counts, vectors = _grouped_vectors(db, embedder)
    index = NumpyIndex.from_arrays(embedder.dim, skus, counts, vectors)
    if store.catalog_version(db) == version:  # nothing changed while reading
        index_cache.save_cached(path, version, index)
    return index if skus else None


def catalog_index(
    db: sqlite_utils.Database, embedder: Embedder, index_name: str = "numpy"
) -> CatalogIndex | None:
    """The search index over the store's catalog (the named kind); None when empty."""
    built = _built_index(db, embedder)
    if built is None or index_name == "numpy":
        make_index(index_name, embedder.dim)  # ConfigError on a bad name, as before
        return built
    index = make_index(index_name, embedder.dim)
    skus, counts, vectors = built.arrays()
    for sku, vecs in zip(skus, np.split(vectors, np.cumsum(counts)[:-1]), strict=True):
        index.add(sku, vecs)
    return index


def build_recognizer(
    db: sqlite_utils.Database,
    embedder: Embedder,
    config: MatchConfig | None = None,
    index_name: str = "numpy",
    keep_crops: bool = True,
) -> CatalogRecognizer | None:
    """A recognizer over the store's catalog; None when the catalog is empty."""
    index = catalog_index(db, embedder, index_name)
    if index is None:
        return None
    return CatalogRecognizer(
        embedder, index, store.SkuInfoLookup(db), config or embedder.match_config, keep_crops
    )


def recognizer_for(
    db: sqlite_utils.Database, settings: RecognitionSettings
) -> CatalogRecognizer | None:
    """The scan's recognizer per ``settings``; None (no embedder loaded) when the catalog
    has no SKUs."""
    if not store.has_skus(db):
        return None
    embedder = Embedder.from_path(settings.embedder_path, settings.threads)
    return build_recognizer(
        db, embedder, match_config(embedder, settings), settings.index, settings.keep_crops
    )


def match_config(embedder: Embedder, settings: RecognitionSettings) -> MatchConfig:
    """The embedder's calibrated decision values, overridden by non-zero settings."""
    base = embedder.match_config
    return MatchConfig(
        threshold=settings.threshold or base.threshold,
        margin=settings.margin or base.margin,
        link=settings.link or base.link,
        confident=settings.confident or base.confident,
    )


def scan_stages(
    db: sqlite_utils.Database, visit_id: str, settings: RecognitionSettings | None = None
) -> tuple[CatalogRecognizer | None, ShareAnalysis | None]:
    """The recognizer and share-KPI stage for scanning into ``visit_id`` (the visit's
    store decides the must-have list); (None, None) while the catalog is empty. The
    catalog is loaded once here, for the whole batch."""
    recognizer = recognizer_for(db, settings or load_recognition_settings())
    if recognizer is None:
        return None, None
    row = db.execute("SELECT store_id FROM visits WHERE id = ?", [visit_id]).fetchone()
    return recognizer, ShareAnalysis(frozenset(store.must_have(db, row[0] if row else None)))
