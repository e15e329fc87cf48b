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
from shelfscan.recognition.verify import COLOUR_DIM, Cues
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
    if path is None or not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if int(data["format"]) != CACHE_FORMAT or int(data["version"]) != version:
                return None
            vectors = np.asarray(data["vectors"], np.float32)
            if vectors.ndim != 2 or vectors.shape[1] != dim:
                return None
            return NumpyIndex.from_arrays(dim, data["skus"].tolist(), data["counts"], vectors)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None  # unreadable or half-written by a crash: rebuild


def save_cached(path: Path | None, version: int, index: NumpyIndex) -> None:
    """Write the index cache atomically (see ``_save``)."""
    skus, counts, vectors = index.arrays()
    _save(path, version, skus=np.asarray(skus, dtype=str), counts=counts, vectors=vectors)


def load_cached_cues(path: Path | None, version: int, dim: int) -> list[tuple[str, Cues]] | None:
    """The cached (sku, cues) list if ``path`` holds one for this catalog ``version``."""
    if path is None or not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if int(data["format"]) != CACHE_FORMAT or int(data["version"]) != version:
                return None
            skus: list[str] = data["skus"].tolist()
            counts = np.asarray(data["counts"], np.int64)
            full = np.asarray(data["full"], np.float32)
            upper = np.asarray(data["upper"], np.float32)
            colour = np.asarray(data["colour"], np.float32)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None  # unreadable or half-written by a crash: rebuild
    n = int(counts.sum())
    shapes = [(full, dim), (upper, dim), (colour, COLOUR_DIM)]
    if len(counts) != len(skus) or any(a.shape != (n, d) for a, d in shapes):
        return None
    cuts = np.cumsum(counts)[:-1]
    parts = zip(np.split(full, cuts), np.split(upper, cuts), np.split(colour, cuts), strict=True)
    return [(sku, Cues(f, u, c)) for sku, (f, u, c) in zip(skus, parts, strict=True)]


def save_cached_cues(
    path: Path | None, version: int, cues: list[tuple[str, Cues]], dim: int
) -> None:
    """Write the cues cache atomically (see ``_save``)."""

    def stacked(arrays: list[FloatArray], width: int) -> FloatArray:
        return np.concatenate(arrays) if arrays else np.zeros((0, width), np.float32)

    _save(
        path,
        version,
        skus=np.asarray([s for s, _ in cues], dtype=str),
        counts=np.asarray([len(c) for _, c in cues], np.int64),
        full=stacked([c.full for _, c in cues], dim),
        upper=stacked([c.upper for _, c in cues], dim),
        colour=stacked([c.colour for _, c in cues], COLOUR_DIM),
    )


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
