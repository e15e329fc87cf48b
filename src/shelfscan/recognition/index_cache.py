"""The catalog's search index, cached between scans.

Loading a 20,000-SKU catalog from SQLite (every embedding blob, then grouping) costs about
a second; the same vectors from one ``.npz`` file beside the store cost milliseconds. The
file is keyed on the catalog version (``store.catalog.catalog_version``: it changes with
every SKU or reference change) and on the embedder, so a stale cache is never used: it is
rebuilt on the next scan. Stores without a file (in memory) are not cached.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from shelfscan.recognition.index import NumpyIndex

CACHE_FORMAT = 1


def cache_path(db_file: Path | None, embedder_name: str) -> Path | None:
    """``<store>.index-<embedder digest>.npz`` beside the database file; None in memory."""
    if db_file is None:
        return None
    digest = hashlib.sha256(embedder_name.encode()).hexdigest()[:12]
    return db_file.with_name(f"{db_file.name}.index-{digest}.npz")


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
    """Write the cache atomically (temporary file, then rename); silently skipped where
    the folder is not writable (a read-only store still scans, just slower)."""
    if path is None:
        return
    skus, counts, vectors = index.arrays()
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(
                fh,
                format=np.int64(CACHE_FORMAT),
                version=np.int64(version),
                skus=np.asarray(skus, dtype=str),
                counts=counts,
                vectors=vectors,
            )
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
