"""The SKU catalog as a library: add SKUs from reference photos, import/export folders,
build the recognizer's catalog from what the store holds, and review unknown facings.
No retraining: a SKU added here is recognised by the next scan; a labelled crop joins
the catalog as a reference of its SKU at once (``pipeline.rescore_visit`` updates
stored visits).

This module composes the recognition stage with the store (it is not a stage itself):
the pure parts live in ``recognition.catalog``, the SQL in ``store.catalog``.
"""

from __future__ import annotations

import csv
import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import sqlite_utils

from shelfscan.errors import CatalogError
from shelfscan.imaging import load_image
from shelfscan.recognition import index_cache
from shelfscan.recognition.catalog import (
    CSV_FIELDS,
    CSV_NAME,
    Box,
    check_sku_id,
    crop_reference,
    cut_box,
    indexed_near_duplicates,
    make_reference,
    near_duplicates,
    parse_box,
    read_reference,
    scan_folder,
)
from shelfscan.recognition.embedder import Embedder, Image
from shelfscan.recognition.index import CatalogIndex, NumpyIndex, make_index
from shelfscan.recognition.matcher import MatchConfig
from shelfscan.recognition.recognizer import CatalogRecognizer
from shelfscan.recognition.records import RefImage, SkuInfo, SkuTable
from shelfscan.recognition.settings import RecognitionSettings
from shelfscan.recognition.spec import CatalogSpec, match_config, verify_config
from shelfscan.recognition.verify import (
    COLOUR_DIM,
    Cues,
    CueTable,
    Verifier,
    VerifyConfig,
    image_cues,
)
from shelfscan.report.review_page import ReviewCandidate, ReviewItem
from shelfscan.store import catalog as store
from shelfscan.store import references as ref_store
from shelfscan.store import review as reviewed
from shelfscan.store.db import transaction
from shelfscan.types import FloatArray

__all__ = ["near_duplicates", "parse_box"]  # re-exported (CLI, tests)

IMPORT_CHUNK_SKUS = 64  # SKUs decoded and embedded together during an import

# progress(stage, done, total): "reading" then "embedding", one call per SKU
Progress = Callable[[str, int, int], None]


@dataclass
class AddReport:
    """What an add/import did, with warnings for the user (nothing fatal)."""

    skus: list[str] = field(default_factory=list)
    images: int = 0
    warnings: list[str] = field(default_factory=list)


def add_skus(
    db: sqlite_utils.Database,
    embedder: Embedder,
    entries: Sequence[tuple[SkuInfo, Sequence[Path]]],
    append: bool = False,
    progress: Progress | None = None,
) -> AddReport:
    """Add SKUs with their reference photos, all or nothing (one transaction).

    With ``append`` an SKU already in the catalog gets the extra photos (its attributes
    are kept); without it, an existing id is an error. Every photo is checked before
    anything is written.
    """
    known = _check_entries(db, [(info, len(paths)) for info, paths in entries], append)
    return _store(db, embedder, entries, read_reference, known, progress)


def add_loaded(
    db: sqlite_utils.Database,
    embedder: Embedder,
    entries: Sequence[tuple[SkuInfo, list[tuple[Image, RefImage]]]],
    append: bool = False,
) -> AddReport:
    """``add_skus`` for reference images already decoded (boxes cut from a shelf photo,
    stored facings)."""
    known = _check_entries(db, [(info, len(refs)) for info, refs in entries], append)
    return _store(db, embedder, entries, lambda pair: pair, known)


def _check_entries(
    db: sqlite_utils.Database, entries: Sequence[tuple[SkuInfo, int]], append: bool
) -> set[str]:
    """Validate ids and image counts before anything is written; the known ids."""
    known = store.sku_ids(db)
    seen: set[str] = set()
    for info, paths in entries:
        check_sku_id(info.sku, "catalog")
        if info.sku in seen:
            raise CatalogError(f"duplicate SKU id {info.sku!r} in the same import")
        if info.sku in known and not append:
            raise CatalogError(
                f"SKU {info.sku!r} is already in the catalog (use --append to add photos)"
            )
        if not paths:
            raise CatalogError(f"SKU {info.sku!r}: no reference images given")
        seen.add(info.sku)
    return known


def _store(
    db: sqlite_utils.Database,
    embedder: Embedder,
    entries: Sequence[tuple[SkuInfo, Sequence[Any]]],
    load: Callable[[Any], tuple[Image, RefImage]],
    known: set[str],
    progress: Progress | None = None,
) -> AddReport:
    """Stream the entries into the store in one transaction: ``IMPORT_CHUNK_SKUS`` SKUs
    at a time are decoded (``load``), embedded in batches and written, so memory holds
    one chunk's images plus the vectors (20,000 SKUs: ~330 MB peak, not 4.9 GB). A bad
    photo anywhere rolls the whole import back. The near-duplicate check then searches
    the new references against the whole catalog through the index (k-NN), not all pairs."""
    report = AddReport()
    index = _built_index(db, embedder) or NumpyIndex(embedder.dim)
    fresh: list[tuple[str, str]] = []
    fresh_vecs: list[FloatArray] = []
    with transaction(db):
        for start in range(0, len(entries), IMPORT_CHUNK_SKUS):
            chunk = []
            for n, (info, items) in enumerate(entries[start : start + IMPORT_CHUNK_SKUS], start):
                chunk.append((info, [load(x) for x in items]))
                if progress is not None:
                    progress("reading", n + 1, len(entries))
            cues = image_cues(embedder, [img for _, pairs in chunk for img, _ in pairs])
            at = 0
            for n, (info, pairs) in enumerate(chunk, start):
                if progress is not None:
                    progress("embedding", n + 1, len(entries))
                part = slice(at, at + len(pairs))
                at += len(pairs)
                vecs = cues.full[part]
                refs = [replace(ref, embedding=v) for (_, ref), v in zip(pairs, vecs, strict=True)]
                if info.sku not in known:
                    store.insert_sku(db, info)
                report.images += store.insert_references(db, info.sku, refs, embedder.name)
                own = Cues(vecs, cues.upper[part], cues.colour[part])
                _insert_cues(db, info.sku, refs, own, embedder.name)
                report.skus.append(info.sku)
                index.add(info.sku, vecs)
                fresh.extend((info.sku, r.source) for r in refs)
            fresh_vecs.append(cues.full)
    if fresh:
        report.warnings.extend(indexed_near_duplicates(index, fresh, np.concatenate(fresh_vecs)))
    return report


def _insert_cues(
    db: sqlite_utils.Database, sku: str, refs: Sequence[RefImage], cues: Cues, model: str
) -> None:
    """Inside a transaction: the verification cues of ``refs`` (same order as ``cues``)."""
    ref_store.insert_cues(
        db, sku, [(r.sha256, cues.upper[i], cues.colour[i]) for i, r in enumerate(refs)], model
    )


def add_crop_reference(
    db: sqlite_utils.Database, embedder: Embedder, sku: str, jpeg: bytes, source: str
) -> list[str]:
    """Inside a transaction: a stored crop joins ``sku``'s references; returns warnings."""
    image, ref = crop_reference(jpeg, source)
    return add_image_reference(db, embedder, sku, image, ref)


def add_image_reference(
    db: sqlite_utils.Database, embedder: Embedder, sku: str, image: Image, ref: RefImage
) -> list[str]:
    """Inside a transaction: ``image`` (described by ``ref``) joins ``sku``'s references,
    with its verification cues; returns near-duplicate warnings."""
    cues = image_cues(embedder, [image])
    vec = cues.full[0]
    index = _built_index(db, embedder) or NumpyIndex(embedder.dim)
    ref = replace(ref, embedding=vec)
    store.insert_references(db, sku, [ref], embedder.name)
    _insert_cues(db, sku, [ref], cues, embedder.name)
    index.add(sku, vec[None])
    return indexed_near_duplicates(index, [(sku, ref.source)], vec[None])


# -- references as users have them: a box on a shelf photo, a facing of a stored scan --


def photo_reference(photo: Path, box: Box) -> tuple[Image, RefImage]:
    """A reference cut from ``box`` on a shelf photo, grown like the scan's own crops
    (so it looks like the facings it must match); ``ImageError`` if unusable."""
    image, info = load_image(photo)
    crop = cut_box(image, box, info.width, info.height, str(photo))
    return crop, make_reference(crop, f"{photo}#box={','.join(f'{v:g}' for v in box)}")


def facing_reference(db: sqlite_utils.Database, detection_id: int) -> tuple[Image, RefImage]:
    """A reference cut from a stored product facing, re-read from its photo file
    (``CatalogError`` when there is no such facing or the file changed since the scan)."""
    src = ref_store.facing_source(db, detection_id)
    if src is None:
        raise CatalogError(f"no stored product facing with id {detection_id}")
    image, info = load_image(Path(src.path))
    if info.sha256 != src.sha256:
        raise CatalogError(f"{src.path}: file changed since it was scanned (SHA-256 differs)")
    crop = cut_box(image, src.box, info.width, info.height, src.path)
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
    check_sku_id(info.sku, "catalog")
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
    (``info``: create ``sku`` first, as a new SKU): the review loop's way to learn from
    a mistake, recognised or not. Returns near-duplicate warnings; the stored scan
    itself changes on rescore."""
    crop, ref = facing_reference(db, detection_id)
    known = store.sku_ids(db)
    if info is None and sku not in known:
        raise CatalogError(f"SKU {sku!r} is not in the catalog (give its attributes to create it)")
    with transaction(db):
        if info is not None and sku not in known:
            check_sku_id(sku, "review")
            store.insert_sku(db, info)
        return add_image_reference(db, embedder, sku, crop, ref)


def import_folder(
    db: sqlite_utils.Database,
    embedder: Embedder,
    folder: Path,
    append: bool = False,
    progress: Progress | None = None,
) -> AddReport:
    """Import a catalog folder in one transaction: all SKUs or none."""
    return add_skus(db, embedder, scan_folder(folder), append, progress)


def export_folder(db: sqlite_utils.Database, out: Path) -> int:
    """Write the catalog in the import format; returns the number of images written."""
    skus = store.list_skus(db)
    root = out.resolve()
    for s in skus:  # ids stored before ids were checked: refuse before writing anything
        check_sku_id(s["sku"], f"{out}: catalog")
        if (root / s["sku"]).resolve().parent != root:
            raise CatalogError(f"{out}: SKU id {s['sku']!r} would write outside the folder")
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
    for start in range(0, len(stale), IMPORT_CHUNK_SKUS):
        ids = stale[start : start + IMPORT_CHUNK_SKUS]
        jpegs = store.reference_jpegs(db, ids)
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
    index = _built_index(db, embedder)
    if index is None:
        return []
    skus, counts, vectors = index.arrays()
    return list(zip(skus, index_cache.split_rows(vectors, counts), strict=True))


def _built_index(db: sqlite_utils.Database, embedder: Embedder) -> NumpyIndex | None:
    """The catalog's exact index, from the cache file when it is current (see
    ``recognition.index_cache``), else from the store (then cached); None when empty."""
    path = index_cache.cache_path(store.db_file(db), embedder.name)
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
    index = make_index(index_name, embedder.dim)  # ConfigError on a bad name
    if built is None or isinstance(index, NumpyIndex):
        return built
    skus, counts, vectors = built.arrays()
    for sku, vecs in zip(skus, np.split(vectors, np.cumsum(counts)[:-1]), strict=True):
        index.add(sku, vecs)
    return index


def sku_table(db: sqlite_utils.Database) -> SkuTable:
    """Every SKU's attributes, from the cache file beside the store while the catalog
    version stays (``recognition.index_cache``), else from the store (then cached)."""
    path = index_cache.skus_path(store.db_file(db))
    version = store.catalog_version(db)
    cached = index_cache.load_cached_skus(path, version)
    if cached is not None:
        return cached
    table = store.sku_table(db)
    if store.catalog_version(db) == version:
        index_cache.save_cached_skus(path, version, table)
    return table


def load_cues(db: sqlite_utils.Database, embedder: Embedder) -> list[tuple[str, Cues]]:
    """(sku, its references' verification cues) of every SKU embedded by ``embedder``
    (see ``load_cue_table``)."""
    return list(load_cue_table(db, embedder))


def load_cue_table(db: sqlite_utils.Database, embedder: Embedder) -> CueTable:
    """Every SKU's verification cues (of references embedded by ``embedder``); cues
    missing or of another model are computed from the stored JPEGs (and saved) first.
    Call after ``load_index_vectors`` (which re-embeds stale references). Cached beside
    the store while the catalog version stays (``recognition.index_cache``)."""
    path = index_cache.cues_path(store.db_file(db), embedder.name)
    version = store.catalog_version(db)
    cached = index_cache.load_cached_cues(path, version, embedder.dim)
    if cached is not None:
        return cached
    table = CueTable.of(_stored_cues(db, embedder), embedder.dim)
    if store.catalog_version(db) == version:  # nothing changed while reading
        index_cache.save_cached_cues(path, version, table)
    return table


def _stored_cues(db: sqlite_utils.Database, embedder: Embedder) -> list[tuple[str, Cues]]:
    """``load_cues`` from the store itself (missing cues computed and saved)."""
    refs = [r for r in store.references(db) if r["model"] == embedder.name]
    have = {  # cues of an older signature layout are computed again
        i: c for i, c in ref_store.load_cues(db, embedder.name).items() if len(c[1]) == COLOUR_DIM
    }
    missing = [r["id"] for r in refs if r["id"] not in have]
    if missing:
        jpegs = store.reference_jpegs(db, missing)
        images = [crop_reference(jpegs[i], f"reference #{i}")[0] for i in missing]
        computed = image_cues(embedder, images)
        fresh = {i: (computed.upper[j], computed.colour[j]) for j, i in enumerate(missing)}
        ref_store.update_cues(db, fresh, embedder.name)
        have.update(fresh)
    by_sku: dict[str, list[int]] = {}
    for j, r in enumerate(refs):
        by_sku.setdefault(r["sku"], []).append(j)
    out = []
    for sku, rows in by_sku.items():
        full = np.stack([store.from_blob(refs[j]["embedding"], refs[j]["dim"]) for j in rows])
        upper = np.stack([have[refs[j]["id"]][0] for j in rows])
        colour = np.stack([have[refs[j]["id"]][1] for j in rows])
        out.append((sku, Cues(full, upper, colour)))
    return out


class StoredReferences:
    """A SKU's reference images, read from the store on demand (geometric verification
    asks for the few candidates it checks), from any thread (one read-only connection,
    used under a lock). Pickles as the store's path: each worker process opens its own
    connection. A store in memory is read whole at once."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db_file = store.db_file(db)
        self._reader: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._held: dict[str, list[bytes]] = (
            {} if self.db_file is not None else _all_reference_jpegs(db)
        )

    def __getstate__(self) -> dict[str, Any]:
        return {"db_file": self.db_file, "_held": self._held}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.db_file, self._held = state["db_file"], state["_held"]
        self._reader, self._lock = None, threading.Lock()

    def __call__(self, sku: str) -> list[Image]:
        if self.db_file is None:
            jpegs = self._held.get(sku, [])
        else:
            with self._lock:
                if self._reader is None:
                    self._reader = store.open_reference_reader(self.db_file)
                jpegs = store.sku_reference_jpegs(self._reader, sku)
        return [crop_reference(j, f"reference of {sku}")[0] for j in jpegs]


def _all_reference_jpegs(db: sqlite_utils.Database) -> dict[str, list[bytes]]:
    return {s: store.sku_reference_jpegs(db, s) for s in sorted(store.sku_ids(db))}


def load_verifier(
    db: sqlite_utils.Database, embedder: Embedder, config: VerifyConfig | None = None
) -> Verifier:
    """A verifier over every reference's cues (see ``load_cues``)."""
    verifier = Verifier(sku_table(db).brands(), config, StoredReferences(db))
    verifier.add_table(load_cue_table(db, embedder))
    return verifier


def build_recognizer(
    db: sqlite_utils.Database,
    embedder: Embedder,
    config: MatchConfig | None = None,
    index_name: str = "numpy",
    keep_crops: bool = True,
    verify: VerifyConfig | None = None,
) -> CatalogRecognizer | None:
    """A recognizer over the store's catalog; None when the catalog is empty.
    ``verify`` (default: the calibrated values) with ``gap`` below 0 turns verification off."""
    index = catalog_index(db, embedder, index_name)
    if index is None:
        return None
    verify = verify or VerifyConfig()
    verifier = load_verifier(db, embedder, verify) if verify.enabled else None
    return CatalogRecognizer(
        embedder,
        index,
        store.sku_infos(db),
        config or embedder.match_config,
        keep_crops,
        verifier,
    )


def catalog_spec(
    db: sqlite_utils.Database, settings: RecognitionSettings, embedder: Embedder | None = None
) -> CatalogSpec | None:
    """The store's catalog as a ``CatalogSpec`` per ``settings``; None (no embedder
    loaded) when the catalog has no SKUs."""
    if not store.has_skus(db):
        return None
    embedder = embedder or Embedder.from_path(settings.embedder_path, settings.threads)
    vectors = load_index_vectors(db, embedder)
    if not vectors:
        return None
    verify = verify_config(settings)
    cues = load_cue_table(db, embedder) if verify.enabled else ()
    return CatalogSpec(
        settings,
        match_config(embedder, settings),
        tuple(vectors),
        sku_table(db),
        cues,
        verify,
        StoredReferences(db) if verify.enabled and settings.geometric else None,
    )


def recognizer_for(
    db: sqlite_utils.Database, settings: RecognitionSettings
) -> CatalogRecognizer | None:
    """The scan's recognizer per ``settings``; None (no embedder loaded) when the catalog
    has no SKUs."""
    if not store.has_skus(db):
        return None
    embedder = Embedder.from_path(settings.embedder_path, settings.threads)
    spec = catalog_spec(db, settings, embedder)
    return None if spec is None else spec.build(embedder)


def _open_unknown(db: sqlite_utils.Database, unknown_id: int) -> bytes:
    status = store.unknown_status(db, unknown_id)
    if status is None:
        raise CatalogError(f"no unknown facing with id {unknown_id}")
    if status != store.UNKNOWN_OPEN:
        raise CatalogError(f"unknown facing {unknown_id} was already reviewed ({status})")
    return store.unknown_crop(db, unknown_id)


def assign(db: sqlite_utils.Database, embedder: Embedder, unknown_id: int, sku: str) -> list[str]:
    """Label a facing as an existing SKU; its crop becomes a reference. Returns warnings."""
    crop = _open_unknown(db, unknown_id)
    if sku not in store.sku_ids(db):
        raise CatalogError(f"SKU {sku!r} is not in the catalog (create it with --new-sku)")
    with transaction(db):
        warnings = add_crop_reference(db, embedder, sku, crop, f"review:{unknown_id}")
        store.mark_unknown(db, unknown_id, "assigned", sku)
    return warnings


def create_sku(
    db: sqlite_utils.Database, embedder: Embedder, unknown_id: int, info: SkuInfo
) -> list[str]:
    """Label a facing as a new SKU, created with the crop as its first reference."""
    crop = _open_unknown(db, unknown_id)
    check_sku_id(info.sku, "review")
    with transaction(db):
        store.insert_sku(db, info)
        warnings = add_crop_reference(db, embedder, info.sku, crop, f"review:{unknown_id}")
        store.mark_unknown(db, unknown_id, "new_sku", info.sku)
    return warnings


def not_product(db: sqlite_utils.Database, unknown_id: int) -> None:
    """Label a facing as not a product (a false detection): nothing joins the catalog and
    its box stops counting as a facing (``rescore`` then recomputes the photo's KPIs)."""
    _open_unknown(db, unknown_id)
    with transaction(db):
        store.mark_unknown(db, unknown_id, "not_product", None)
        reviewed.reject_detection(db, unknown_id)


def undo(db: sqlite_utils.Database, unknown_id: int) -> str:
    """Take back a review decision; the facing is open again. Returns the status undone."""
    with transaction(db):
        return reviewed.undo_review(db, unknown_id)


@dataclass(frozen=True)
class Candidate:
    """A catalog SKU a crop resembles, best first."""

    sku: str
    score: float
    name: str = ""
    brand: str = ""


def review_candidates(
    recognizer: CatalogRecognizer, crops: Sequence[bytes], k: int = 3
) -> list[list[Candidate]]:
    """The ``k`` most similar catalog SKUs of each crop (JPEG bytes)."""
    if not crops:
        return []
    images = [crop_reference(c, "review")[0] for c in crops]
    scores, labels = recognizer.index.search(recognizer.embedder(images), k=k)
    out = []
    for row_s, row_l in zip(scores, labels, strict=True):
        found = []
        for score, sku in zip(row_s, row_l, strict=True):
            if sku and np.isfinite(score):
                info = recognizer.info.get(str(sku))
                found.append(
                    Candidate(
                        str(sku),
                        float(score),
                        info.name if info else "",
                        info.brand if info else "",
                    )
                )
        out.append(found)
    return out


def review_items(
    db: sqlite_utils.Database,
    rows: Sequence[Mapping[str, Any]],
    recognizer: CatalogRecognizer | None,
    k: int = 3,
) -> list[ReviewItem]:
    """The page's items for ``rows`` of ``store.catalog.list_unknowns``: crops from the
    store, the ``k`` closest catalog SKUs (when a recognizer is given) with a reference
    thumbnail each."""
    crops = [store.unknown_crop(db, int(r["id"])) for r in rows]
    found = review_candidates(recognizer, crops, k) if recognizer is not None else []
    first_ref: dict[str, int] = {}
    for ref in store.references(db):
        first_ref.setdefault(str(ref["sku"]), int(ref["id"]))
    wanted = {first_ref[c.sku] for cands in found for c in cands if c.sku in first_ref}
    thumbs = store.reference_jpegs(db, sorted(wanted))
    items = []
    for n, (r, crop) in enumerate(zip(rows, crops, strict=True)):
        cands = [
            ReviewCandidate(c.sku, c.name, c.brand, c.score, thumbs.get(first_ref.get(c.sku, -1)))
            for c in (found[n] if n < len(found) else [])
        ]
        items.append(
            ReviewItem(
                int(r["id"]),
                str(r["visit_id"]),
                Path(str(r["path"])).name,
                crop,
                None if r.get("nearest_sku") in (None, "") else str(r["nearest_sku"]),
                None if r.get("score") is None else float(r["score"]),
                cands,
            )
        )
    return items
