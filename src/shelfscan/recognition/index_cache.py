"""The catalog's search index, cached between scans.

Loading a 20,000-SKU catalog from SQLite (every embedding blob, then grouping) costs about
a second; the same vectors from one ``.npz`` file beside the store cost milliseconds. The
file is keyed on the catalog version (``store.catalog.catalog_version``: it changes with
every SKU or reference change) and on the embedder, so a stale cache is never used: it is
rebuilt on the next scan. Stores without a file (in memory) are not cached.

The verification cues of every reference (``sku_image_cues``, issue 13) are cached the same
way, in a second file with the same key (m0014 makes changes to ``sku_image_cues`` bump the
version too): reading them from SQLite costs ~0.4 s per scan at 20,000 SKUs.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from shelfscan.recognition.index import NumpyIndex
from shelfscan.recognition.records import SkuTable
from shelfscan.recognition.verify import COLOUR_DIM, Cues, CueTable
from shelfscan.types import FloatArray

CACHE_FORMAT = 1


def cache_path(db_file: Path | None, embedder_name: str) -> Path | None:
    """``<store>.index-<embedder digest>.npz`` beside the database file; None in memory."""
    if db_file is None:
        return None
    digest = hashlib.sha256(embedder_name.encode()).hexdigest()[:12]
    return db_file.with_name(f"{db_file.name}.index-{digest}.npz")


def cues_path(db_file: Path | None, embedder_name: str) -> Path | None:
    """``<store>.cues-<embedder digest>.npz`` beside the database file; None in memory."""
    if db_file is None:
        return None
    digest = hashlib.sha256(embedder_name.encode()).hexdigest()[:12]
    return db_file.with_name(f"{db_file.name}.cues-{digest}.npz")


def load_cached(path: Path | None, version: int, dim: int) -> NumpyIndex | None:
    """The cached index if ``path`` holds one for this catalog ``version``; else None."""
    data = _load(path, version, ("skus", "counts", "vectors"))
    if data is None:
        return None
    vectors = np.asarray(data["vectors"], np.float32)
    if vectors.ndim != 2 or vectors.shape[1] != dim:
        return None
    return NumpyIndex.from_arrays(dim, data["skus"].tolist(), data["counts"], vectors)


def save_cached(path: Path | None, version: int, index: NumpyIndex) -> None:
    """Write the index cache atomically (see ``_save``)."""
    skus, counts, vectors = index.arrays()
    _save(path, version, skus=np.asarray(skus, dtype=str), counts=counts, vectors=vectors)


def load_cached_cues(path: Path | None, version: int, dim: int) -> CueTable | None:
    """The cached cue table if ``path`` holds one for this catalog ``version``; else None."""
    data = _load(path, version, ("skus", "counts", "full", "upper", "colour"))
    if data is None:
        return None
    skus: list[str] = data["skus"].tolist()
    counts = np.asarray(data["counts"], np.int64)
    full = np.asarray(data["full"], np.float32)
    upper = np.asarray(data["upper"], np.float32)
    colour = np.asarray(data["colour"], np.float32)
    n = int(counts.sum())
    shapes = [(full, dim), (upper, dim), (colour, COLOUR_DIM)]
    if len(counts) != len(skus) or any(a.shape != (n, d) for a, d in shapes):
        return None
    return CueTable(tuple(skus), counts, Cues(full, upper, colour))


def skus_path(db_file: Path | None) -> Path | None:
    """``<store>.skus.npz`` (every SKU's attributes) beside the database file."""
    return None if db_file is None else db_file.with_name(f"{db_file.name}.skus.npz")


_SKU_COLUMNS = ("ids", "eans", "names", "brands", "categories")


def load_cached_skus(path: Path | None, version: int) -> SkuTable | None:
    """The cached SKU attributes if ``path`` holds them for this catalog ``version``."""
    data = _load(path, version, (*_SKU_COLUMNS, "widths"))
    if data is None:
        return None
    cols: list[list[str]] = [data[c].tolist() for c in _SKU_COLUMNS]
    widths: list[float] = np.asarray(data["widths"], np.float64).tolist()
    if any(len(c) != len(widths) for c in cols):
        return None
    ids, eans, names, brands, categories = cols
    return SkuTable(ids, eans, names, brands, categories, [None if w != w else w for w in widths])


def save_cached_skus(path: Path | None, version: int, table: SkuTable) -> None:
    """Write the SKU attributes cache atomically (see ``_save``)."""
    cols = table.columns()
    widths = np.asarray([np.nan if w is None else w for w in cols[5]], np.float64)
    _save(
        path,
        version,
        widths=widths,
        **{
            name: np.asarray(col, dtype=str)
            for name, col in zip(_SKU_COLUMNS, cols[:5], strict=True)
        },
    )


def split_rows(array: FloatArray, counts: npt.NDArray[np.int64]) -> list[FloatArray]:
    """``array``'s rows in consecutive groups of ``counts`` (views; ``np.split`` costs
    ~10 us a piece, 0.1 s for a 20,000-SKU catalog)."""
    ends = np.cumsum(counts).tolist()
    return [array[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]


def save_cached_cues(path: Path | None, version: int, table: CueTable) -> None:
    """Write the cues cache atomically (see ``_save``)."""
    _save(
        path,
        version,
        skus=np.asarray(table.skus, dtype=str),
        counts=table.counts,
        full=table.cues.full,
        upper=table.cues.upper,
        colour=table.cues.colour,
    )


def _load(
    path: Path | None, version: int, names: tuple[str, ...]
) -> dict[str, npt.NDArray[Any]] | None:
    """The arrays ``names`` of a cache file written by ``_save`` for this catalog
    ``version`` and cache format; None when absent, stale, unreadable or half-written by
    a crash (the caller rebuilds)."""
    if path is None or not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if int(data["format"]) != CACHE_FORMAT or int(data["version"]) != version:
                return None
            return {name: np.asarray(data[name]) for name in names}
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None


def _save(path: Path | None, version: int, **arrays: npt.NDArray[Any]) -> None:
    """Write ``arrays`` with the format and ``version`` atomically (temporary file, then
    rename); silently skipped where the folder is not writable (a read-only store still
    scans, just slower)."""
    if path is None:
        return
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            header = {"format": np.int64(CACHE_FORMAT), "version": np.int64(version)}
            savez: Any = np.savez  # its stubs type ``**kwds`` against ``allow_pickle``
            savez(fh, **header, **arrays)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
