"""Export stored visits for analysts, BI tools and annotation tools.

- ``csv``: one file per table (``photos``, ``facings``, ``gaps``, ``positions``,
  ``kpis``, ``visit_kpis``), header row, UTF-8, empty cell for NULL.
- ``parquet``: the same tables as Parquet files (needs ``pyarrow``: the ``export`` extra).
- ``coco``: one COCO detection file of every photo with its boxes (``sku``, ``brand``,
  ``row`` and ``match_score`` as annotation keys), readable by ``datasets.read_coco``.

``visit_kpis`` holds each visit's totals as the report computes them (sums and
recomputed shares); the other tables are the stored rows.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from shelfscan.datasets import AnnotatedImage, write_coco
from shelfscan.errors import ShelfscanError
from shelfscan.report.visit import load_visit_report
from shelfscan.store.export import TABLES, export_rows, export_visits
from shelfscan.types import CLASS_NAMES, Detections

FORMATS = ("csv", "parquet", "coco")
VISIT_KPI_COLUMNS = ("visit_id", "name", "scope", "value")


def visit_kpi_rows(db: sqlite_utils.Database, visit_ids: Sequence[str]) -> list[tuple[Any, ...]]:
    """(visit, name, scope, value) of each visit's totals and breakdowns."""
    rows: list[tuple[Any, ...]] = []
    for v in visit_ids:
        report = load_visit_report(db, v)
        rows.extend((v, name, "", value) for name, value in sorted(report.kpis.items()))
        for name, table in sorted(report.breakdowns.items()):
            rows.extend((v, name, key, value) for key, value in sorted(table.items()))
    return rows


def _tables(
    db: sqlite_utils.Database, visits: Sequence[str]
) -> dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]]:
    out = {name: export_rows(db, name, visits) for name in TABLES}
    out["visit_kpis"] = (VISIT_KPI_COLUMNS, visit_kpi_rows(db, visits))
    return out


def _write_csv(path: Path, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows(["" if v is None else v for v in row] for row in rows)


def _write_parquet(path: Path, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ShelfscanError(
            "Parquet export needs pyarrow: pip install 'shelfscan[export]'"
        ) from None
    data = {c: [r[i] for r in rows] for i, c in enumerate(columns)}
    pq.write_table(
        pa.table(data) if rows else pa.table({c: pa.array([], pa.string()) for c in columns}), path
    )


def _coco_items(db: sqlite_utils.Database, visits: Sequence[str]) -> list[AnnotatedImage]:
    _, photos = export_rows(db, "photos", visits)
    _, facings = export_rows(db, "facings", visits)
    by_photo: dict[int, list[tuple[Any, ...]]] = {}
    for f in facings:
        by_photo.setdefault(int(f[1]), []).append(f)
    names = {n: i for i, n in enumerate(CLASS_NAMES)}
    items = []
    for p in photos:
        rows = [f for f in by_photo.get(int(p[1]), []) if f[8] in names]
        dets = Detections.from_boxes(
            np.array([f[3:7] for f in rows], np.float32).reshape(-1, 4),
            np.array([f[7] for f in rows], np.float32),
            np.array([names[f[8]] for f in rows], np.int64),
            row=np.array([-1 if f[9] is None else int(f[9]) for f in rows], np.int64),
            sku=np.array([f[10] or "" for f in rows], dtype=object),
            brand=np.array([f[11] or "" for f in rows], dtype=object),
            match_score=np.array([-1.0 if f[12] is None else float(f[12]) for f in rows]),
        )
        items.append(AnnotatedImage(Path(str(p[2])), int(p[4]), int(p[5]), dets))
    return items


def export(db: sqlite_utils.Database, visit_ids: Sequence[str], fmt: str, out: Path) -> list[Path]:
    """Write the visits (all when ``visit_ids`` is empty) into folder ``out`` (created);
    returns the files written."""
    if fmt not in FORMATS:
        raise ShelfscanError(f"unknown export format {fmt!r} (valid: {', '.join(FORMATS)})")
    visits = export_visits(db, visit_ids)
    try:
        out.mkdir(parents=True, exist_ok=True)
        if fmt == "coco":
            return [write_coco(_coco_items(db, visits), out / "coco.json")]
        written = []
        for name, (columns, rows) in _tables(db, visits).items():
            path = out / f"{name}.{fmt}"
            (_write_csv if fmt == "csv" else _write_parquet)(path, columns, rows)
            written.append(path)
        return written
    except OSError as exc:
        raise ShelfscanError(
            f"{exc.filename or out}: cannot write export ({exc.strerror})"
        ) from exc
