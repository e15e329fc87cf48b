"""Batch inputs: a folder or a CSV / Parquet manifest; bad manifests name file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from shelfscan.batch.manifest import BatchItem, batch_items
from shelfscan.errors import BatchError


def test_csv_manifest_fills_visit_and_resolves_paths(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text("path,store,visit,rep\na.jpg,S1,V1,ann\n/x/b.jpg,,,\n")
    assert batch_items(tmp_path / "m.csv", "VD", rep="bob") == [
        BatchItem(str(tmp_path / "a.jpg"), "V1", "S1", "ann"),  # relative to the manifest
        BatchItem("/x/b.jpg", "VD", None, "bob"),  # defaults fill empty cells
    ]


def test_parquet_manifest(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"path": ["/p/a.jpg"], "store": ["S9"]}), tmp_path / "m.parquet")
    assert batch_items(tmp_path / "m.parquet", "VD") == [BatchItem("/p/a.jpg", "VD", "S9")]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("m.csv", "file,store\na.jpg,S1\n", "needs a 'path' column"),  # no path column
        ("m.csv", "path,shelf\na.jpg,3\n", "unknown column"),  # a column we do not know
        ("m.csv", "path,store\n,S1\n", r"m.csv:2: empty path"),  # file and line
        ("m.txt", "path\na.jpg\n", ".csv or .parquet"),  # not a manifest format
        ("m.parquet", "not parquet", "cannot read manifest"),  # corrupt Parquet
    ],
)
def test_bad_manifest(tmp_path: Path, name: str, text: str, message: str) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(BatchError, match=message):
        batch_items(tmp_path / name, "V")


def test_folder_and_missing_source(tmp_path: Path) -> None:
    (tmp_path / "a.jpg").write_bytes(b"x")
    assert [i.path for i in batch_items(tmp_path, "V", "S1")] == [str(tmp_path / "a.jpg")]
    with pytest.raises(BatchError, match="no such folder or manifest"):
        batch_items(tmp_path / "nope", "V")
