"""The catalog index cached beside the store: used while current, rebuilt on any change;
the near-duplicate check through the index agrees with the all-pairs definition."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from catalog_builders import embedder, write_catalog_folder, write_sku_folder
from shelfscan import catalog as lib
from shelfscan.recognition import catalog as pure
from shelfscan.recognition import index_cache
from shelfscan.recognition.index import NumpyIndex
from shelfscan.recognition.records import SkuInfo
from shelfscan.store import catalog as store
from shelfscan.store import open_db


def test_cache_is_used_while_current_and_rebuilt_after_a_change(tmp_path: Path) -> None:
    db = open_db(tmp_path / "a.db")
    lib.import_folder(db, embedder(), write_catalog_folder(tmp_path / "in", ["SKU0001", "SKU0002"]))
    path = index_cache.cache_path(store.db_file(db), embedder().name)
    assert path is not None and path.parent == tmp_path
    first = lib.build_recognizer(db, embedder())
    version = store.catalog_version(db)
    assert first is not None and path.is_file()
    cached = index_cache.load_cached(path, version, embedder().dim)
    assert cached is not None and cached.skus == ["SKU0001", "SKU0002"]
    # every kind of catalog change bumps the version: the cached file no longer matches
    changes = [
        lambda: lib.add_skus(
            db, embedder(), [(SkuInfo("SKU0003"), write_sku_folder(tmp_path, "SKU0003"))]
        ),
        lambda: db.execute("UPDATE sku_images SET source = 'x' WHERE sku_id = 'SKU0001'"),
        lambda: store.remove_skus(db, ["SKU0002"]),
    ]
    for change in changes:
        before = store.catalog_version(db)
        change()
        assert store.catalog_version(db) > before
        assert index_cache.load_cached(path, before, embedder().dim) is not None
        assert index_cache.load_cached(path, store.catalog_version(db), embedder().dim) is None
        rebuilt = lib.build_recognizer(db, embedder())
        assert rebuilt is not None
        assert rebuilt.index.skus == sorted(store.sku_ids(db))


def test_a_corrupt_cache_is_rebuilt(tmp_path: Path) -> None:
    db = open_db(tmp_path / "b.db")
    lib.import_folder(db, embedder(), write_catalog_folder(tmp_path / "in", ["SKU0001"]))
    path = index_cache.cache_path(store.db_file(db), embedder().name)
    assert path is not None
    path.write_bytes(b"half-written")
    assert index_cache.load_cached(path, store.catalog_version(db), embedder().dim) is None
    rec = lib.build_recognizer(db, embedder())
    assert rec is not None and rec.index.skus == ["SKU0001"]


def _unit(rng: np.random.Generator, n: int, dim: int = 6) -> np.ndarray:
    v = rng.normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.mark.parametrize(
    ("seed", "existing", "new", "limit"),
    [
        (0, 20, 10, 0.9),  # some pairs above the limit
        (1, 0, 15, 0.8),  # a fresh catalog: new references only
        (2, 30, 5, 0.99),  # almost nothing that close
    ],
)
def test_indexed_near_duplicates_match_all_pairs(
    seed: int, existing: int, new: int, limit: float
) -> None:
    rng = np.random.default_rng(seed)
    old_vecs, new_vecs = _unit(rng, existing), _unit(rng, new)
    old = [(f"E{i % 7}", v) for i, v in enumerate(old_vecs)]
    fresh = [(f"N{i % 4}", f"n{i}.jpg", v) for i, v in enumerate(new_vecs)]
    index = NumpyIndex(6)
    for sku, v in old + [(s, v) for s, _, v in fresh]:
        index.add(sku, v[None])
    got = pure.indexed_near_duplicates(index, [(s, src) for s, src, _ in fresh], new_vecs, limit)
    assert got == pure.near_duplicates(fresh, old, limit)
