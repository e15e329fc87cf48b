"""Batch results as Parquet tables: photos, facings, gaps and KPIs, keyed by the photo's
SHA-256 and visit (the same key the store uses), streamed to disk in row groups.

As in the store, a photo that duplicates an earlier one (perceptual hash within
``DUPLICATE_BITS``) is listed with ``duplicate`` set and its facings, but its KPIs are not
counted again: the ``kpis`` table holds what the store's ``kpis`` table holds."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

from shelfscan.batch.manifest import BatchItem
from shelfscan.imaging.phash import DUPLICATE_BITS, find_duplicate
from shelfscan.store.phash_bands import bands
from shelfscan.store.scans import kpi_rows
from shelfscan.types import CLASS_NAMES, ScanResult

ROWS_PER_GROUP = 50_000  # rows buffered per table before a row group is written


def _schemas() -> dict[str, Any]:
    import pyarrow as pa

    key = [("sha256", pa.string()), ("visit", pa.string())]
    box = [(c, pa.float64()) for c in ("x1", "y1", "x2", "y2")]
    return {
        "photos": pa.schema(
            [
                ("path", pa.string()),
                *key,
                ("store", pa.string()),
                ("rep", pa.string()),
                ("width", pa.int64()),
                ("height", pa.int64()),
                ("taken_at", pa.string()),
                ("model", pa.string()),
                ("facings", pa.int64()),
                ("elapsed_ms", pa.float64()),
                ("error", pa.string()),
                ("duplicate", pa.bool_()),
            ]
        ),
        "facings": pa.schema(
            [
                *key,
                ("idx", pa.int64()),
                *box,
                ("confidence", pa.float64()),
                ("class_name", pa.string()),
                ("row", pa.int64()),
                ("sku", pa.string()),
                ("brand", pa.string()),
                ("match_score", pa.float64()),
            ]
        ),
        "gaps": pa.schema([*key, ("row", pa.int64()), *box, ("width_facings", pa.float64())]),
        "kpis": pa.schema(
            [*key, ("name", pa.string()), ("scope", pa.string()), ("value", pa.float64())]
        ),
    }


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def facing_rows(item: BatchItem, r: ScanResult) -> list[dict[str, Any]]:
    """One row per detection, as the store's ``detections`` table holds it."""
    d = r.detections
    rows, sku, brand = d.column("row", -1), d.column("sku", None), d.column("brand", None)
    score = d.column("match_score", None)
    out = []
    for i in range(len(d)):
        cls = int(d.class_id[i])
        x1, y1, x2, y2 = (float(v) for v in d.xyxy[i])
        out.append(
            {
                "sha256": r.photo.sha256, "visit": item.visit, "idx": i,
                "x1": x1, "y1": y1, "x2": x2, "y2": y2,
                "confidence": float(d.confidence[i]),
                "class_name": CLASS_NAMES[cls] if 0 <= cls < len(CLASS_NAMES) else str(cls),
                "row": int(rows[i]), "sku": _text(sku[i]), "brand": _text(brand[i]),
                "match_score": _number(score[i]),
            }
        )  # fmt: skip
    return out


class Duplicates:
    """Near-duplicate photos within a batch, by the store's rule: a photo duplicates the
    closest earlier non-duplicate within ``max_bits`` (hashes indexed by band, so each
    lookup compares only the photos sharing a band)."""

    def __init__(self, max_bits: int = DUPLICATE_BITS) -> None:
        self.max_bits = max_bits
        self.by_band: dict[tuple[int, int], list[tuple[int, int]]] = {}
        self.count = 0

    def __call__(self, result: ScanResult) -> bool:
        """Whether ``result`` duplicates an earlier photo (else it is remembered)."""
        value = None if result.quality is None else result.quality.phash
        if value is None:
            return False
        keys = list(enumerate(bands(value)))
        known = {k for key in keys for k in self.by_band.get(key, [])}
        if find_duplicate(value, sorted(known), self.max_bits) is not None:
            return True
        self.count += 1
        for key in keys:
            self.by_band.setdefault(key, []).append((self.count, value))
        return False


class TableWriter:
    """Appends each photo's rows to ``out/<table>.parquet``; ``close`` (or the ``with``
    block) writes what is buffered and closes the files."""

    def __init__(self, out: Path) -> None:
        import pyarrow.parquet as pq

        out.mkdir(parents=True, exist_ok=True)
        self.schemas = _schemas()
        self.paths = {name: out / f"{name}.parquet" for name in self.schemas}
        self.writers = {n: pq.ParquetWriter(self.paths[n], s) for n, s in self.schemas.items()}
        self.buffers: dict[str, list[dict[str, Any]]] = {name: [] for name in self.schemas}
        self.duplicates = Duplicates()

    def add(
        self,
        item: BatchItem,
        result: ScanResult | None,
        error: str = "",
        duplicate: bool | None = None,
    ) -> None:
        """One photo's rows. ``duplicate``: whether the store counted it as a duplicate
        (None: decide within this batch, by the same rule)."""
        photo: dict[str, Any] = {
            "path": item.path, "sha256": None, "visit": item.visit, "store": item.store,
            "rep": item.rep, "width": None, "height": None, "taken_at": None, "model": None,
            "facings": None, "elapsed_ms": None, "error": error or None, "duplicate": None,
        }  # fmt: skip
        if result is not None:
            p = result.photo
            if duplicate is None:
                duplicate = self.duplicates(result)
            photo.update(
                sha256=p.sha256, width=p.width, height=p.height, taken_at=p.taken_at,
                model=result.model, facings=result.layout.facings,
                elapsed_ms=result.elapsed_ms, error=None, duplicate=duplicate,
            )  # fmt: skip
            key = {"sha256": p.sha256, "visit": item.visit}
            self._extend("facings", facing_rows(item, result))
            self._extend(
                "gaps",
                [
                    {
                        **key,
                        "row": g.row,
                        "x1": g.xyxy[0],
                        "y1": g.xyxy[1],
                        "x2": g.xyxy[2],
                        "y2": g.xyxy[3],
                        "width_facings": g.width_facings,
                    }
                    for g in result.layout.gaps
                ],
            )
            kpis = [] if duplicate else kpi_rows(result)  # as the store counts them
            self._extend("kpis", [{**key, "name": n, "scope": s, "value": v} for n, s, v in kpis])
        self._extend("photos", [photo])

    def _extend(self, name: str, rows: list[dict[str, Any]]) -> None:
        self.buffers[name].extend(rows)
        if len(self.buffers[name]) >= ROWS_PER_GROUP:
            self._flush(name)

    def _flush(self, name: str) -> None:
        import pyarrow as pa

        if self.buffers[name]:
            table = pa.Table.from_pylist(self.buffers[name], schema=self.schemas[name])
            self.writers[name].write_table(table)
            self.buffers[name] = []

    def close(self) -> None:
        for name, writer in self.writers.items():
            self._flush(name)
            writer.close()

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
