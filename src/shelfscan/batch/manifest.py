"""What a batch scans: a folder of photos, or a manifest (CSV or Parquet) of photo paths
with the store, visit and rep of each."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from shelfscan.errors import BatchError
from shelfscan.imaging import iter_image_paths

COLUMNS = ("path", "store", "visit", "rep")


@dataclass(frozen=True)
class BatchItem:
    """One photo of a batch and where it belongs."""

    path: str
    visit: str
    store: str | None = None
    rep: str | None = None


def _item(row: dict[str, object], where: str, base: Path, visit: str) -> BatchItem:
    raw = str(row.get("path") or "").strip()
    if not raw:
        raise BatchError(f"{where}: empty path")
    path = Path(raw).expanduser()
    if not path.is_absolute():
        path = base / path  # relative to the manifest's folder
    text = {k: str(row.get(k) or "").strip() or None for k in ("store", "visit", "rep")}
    return BatchItem(str(path), text["visit"] or visit, text["store"], text["rep"])


def _check_header(header: list[str], source: Path) -> None:
    if "path" not in header:
        raise BatchError(f"{source}: needs a 'path' column (columns: {', '.join(COLUMNS)})")
    extra = [h for h in header if h not in COLUMNS]
    if extra:
        raise BatchError(
            f"{source}: unknown column(s) {', '.join(extra)} (valid: {', '.join(COLUMNS)})"
        )


def read_manifest(source: Path, visit: str) -> list[BatchItem]:
    """Rows of a ``.csv`` or ``.parquet`` manifest; ``visit`` where a row names none."""
    suffix = source.suffix.lower()
    try:
        if suffix == ".csv":
            with source.open(newline="", encoding="utf-8-sig") as fh:
                reader = csv.DictReader(fh)
                _check_header(list(reader.fieldnames or []), source)
                return [
                    _item(row, f"{source}:{n}", source.parent, visit)
                    for n, row in enumerate(reader, start=2)
                ]
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(source)
            _check_header(list(table.column_names), source)
            return [
                _item(row, f"{source} row {n}", source.parent, visit)
                for n, row in enumerate(table.to_pylist(), start=1)
            ]
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # pyarrow errors are ValueErrors
        raise BatchError(f"{source}: cannot read manifest ({exc})") from exc
    raise BatchError(f"{source}: a manifest is a .csv or .parquet file")


def batch_items(
    source: Path, visit: str, store: str | None = None, rep: str | None = None
) -> list[BatchItem]:
    """A folder (every photo under it, for ``visit``/``store``/``rep``) or a manifest."""
    if source.is_dir():
        return [BatchItem(str(p), visit, store, rep) for p in iter_image_paths([source])]
    if not source.is_file():
        raise BatchError(f"{source}: no such folder or manifest")
    items = read_manifest(source, visit)
    if store or rep:  # flags fill what the manifest leaves empty
        items = [BatchItem(i.path, i.visit, i.store or store, i.rep or rep) for i in items]
    return items
