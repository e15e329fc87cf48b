"""Hostile catalog input: ids that are paths, CSV fields over the csv module's limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog_builders import embedder, write_catalog_folder
from shelfscan import catalog as lib
from shelfscan.errors import CatalogError
from shelfscan.recognition.records import SkuInfo
from shelfscan.store import catalog as store
from shelfscan.store import open_db


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        ("sku,name\n..,parent\n", r"catalog.csv:2: invalid SKU id '\.\.'"),
        ("sku,name\n.,here\n", r"catalog.csv:2: invalid SKU id '\.'"),
        ("sku,name\nA\x01B,ctl\n", "catalog.csv:2: invalid SKU id"),
        ("sku,name\n" + "X" * 300 + ",long\n", "at most 128 characters"),
        ('sku,name\nSKU0001,"' + "n" * 200_000 + '"\n', r"catalog.csv:\d+: malformed CSV"),
    ],
)
def test_bad_catalog_csv_is_one_line(tmp_path: Path, csv_text: str, message: str) -> None:
    root = write_catalog_folder(tmp_path / "in", ["SKU0001"])
    (root / "catalog.csv").write_text(csv_text)
    db = open_db(tmp_path / "c.db")
    with pytest.raises(CatalogError, match=message) as err:
        lib.import_folder(db, embedder(), root)
    assert "\n" not in str(err.value) and len(str(err.value)) < 400
    assert store.list_skus(db) == []


@pytest.mark.parametrize("sku", ["..", ".", "a/../../x"])
def test_export_never_writes_outside_its_folder(tmp_path: Path, sku: str) -> None:
    db = open_db(tmp_path / "e.db")
    store.insert_sku(db, SkuInfo(sku))  # stored by an older version, unchecked
    out = tmp_path / "deep" / "out"
    with pytest.raises(CatalogError, match=r"invalid SKU id|outside"):
        lib.export_folder(db, out)
    assert not out.exists()  # nothing half-written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.db", "e.db-shm", "e.db-wal"]
