"""Export: CSV and Parquet read back to the database's rows; COCO loads with our reader."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from bay_builders import stored_visit
from shelfscan.cli import app
from shelfscan.datasets import read_coco
from shelfscan.report.export import VISIT_KPI_COLUMNS, export, visit_kpi_rows
from shelfscan.store.export import TABLES, export_rows
from shelfscan.types import CLASS_NAMES

ALL_TABLES = (*TABLES, "visit_kpis")


def _db_rows(db: Any, table: str) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    if table == "visit_kpis":
        return VISIT_KPI_COLUMNS, visit_kpi_rows(db, ["V1"])
    return export_rows(db, table, ["V1"])


@pytest.mark.parametrize("table", ALL_TABLES)
def test_parquet_reads_back_to_the_database_rows(tmp_path: Path, db_path: Path, table: str) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    db, visit, _ = stored_visit(tmp_path, db_path)
    export(db, [visit], "parquet", tmp_path / "out")
    columns, rows = _db_rows(db, table)
    read = pq.read_table(tmp_path / "out" / f"{table}.parquet")
    assert tuple(read.column_names) == columns
    assert [tuple(r[c] for c in columns) for r in read.to_pylist()] == rows
    assert rows, f"{table}: the stored visit should have rows to compare"


@pytest.mark.parametrize("table", ALL_TABLES)
def test_csv_reads_back_to_the_database_rows(tmp_path: Path, db_path: Path, table: str) -> None:
    db, visit, _ = stored_visit(tmp_path, db_path)
    export(db, [visit], "csv", tmp_path / "out")
    columns, rows = _db_rows(db, table)
    with (tmp_path / "out" / f"{table}.csv").open(newline="", encoding="utf-8") as fh:
        header, *body = list(csv.reader(fh))
    assert tuple(header) == columns
    # csv holds text: NULL is an empty cell, numbers their repr
    assert body == [["" if v is None else str(v) for v in row] for row in rows]


def test_coco_export_loads_with_the_project_reader(tmp_path: Path, db_path: Path) -> None:
    db, visit, _ = stored_visit(tmp_path, db_path)
    (path,) = export(db, [visit], "coco", tmp_path / "out")
    (item,) = read_coco(path)
    _, facings = export_rows(db, "facings", [visit])
    assert item.path.resolve() == (tmp_path / "shelf.jpg").resolve()
    assert len(item.detections) == len(facings) > 0
    np.testing.assert_allclose(item.detections.xyxy, [f[3:7] for f in facings], atol=0.01)
    assert [CLASS_NAMES[c] for c in item.detections.class_id] == [f[8] for f in facings]
    assert [s or "" for s in item.detections.column("sku", "")] == [f[10] or "" for f in facings]


def test_visit_kpis_are_the_reports_totals(tmp_path: Path, db_path: Path) -> None:
    db, visit, _ = stored_visit(tmp_path, db_path)
    rows = {(name, scope): value for _, name, scope, value in visit_kpi_rows(db, [visit])}
    facings = sum(1 for f in export_rows(db, "facings", [visit])[1] if f[8] == "product")
    assert rows[("facings", "")] == facings
    assert 0 < rows[("planogram_compliance", "")] < 1


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        # a visit id, csv by default
        (["V1"], 0, "facings.csv"),
        # every visit
        (["--all", "--format", "parquet"], 0, "kpis.parquet"),
        (["--all", "--format", "coco"], 0, "coco.json"),
        # neither ids nor --all
        ([], 1, "give visit ids or --all"),
        # an unknown visit is named
        (["NOPE"], 1, "no visit 'NOPE'"),
        # an unknown format lists the valid ones
        (["V1", "--format", "xlsx"], 1, "csv, parquet, coco"),
    ],
)
def test_export_cli(
    tmp_path: Path, db_path: Path, args: list[str], code: int, fragment: str
) -> None:
    stored_visit(tmp_path, db_path)
    result = CliRunner().invoke(
        app, ["export", *args, "--out", str(tmp_path / "x"), "--db", str(db_path)]
    )
    assert result.exit_code == code, result.output
    assert fragment in result.output


def test_export_of_a_missing_database_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    result = CliRunner().invoke(app, ["export", "--all", "--db", str(missing)])
    assert result.exit_code == 1 and "no such database" in result.output
    assert not missing.exists()
