"""CSV planograms: ``bay,shelf,position,sku,facings[,width_mm][,brand]`` with that header.

Shelf 1 is the top shelf, position 1 the leftmost; one row per position (SKU block).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from shelfscan.errors import PlanogramError
from shelfscan.planogram.model import Planogram, Position
from shelfscan.planogram.readers._build import Record, assemble, parse_float, parse_int
from shelfscan.planogram.readers._io import decode_text, read_bytes

REQUIRED = ("bay", "shelf", "position", "sku", "facings")
OPTIONAL = ("width_mm", "brand")


def read_csv_text(text: str, source: str) -> list[Planogram]:
    reader = csv.reader(io.StringIO(text))
    try:
        rows = list(reader)
    except csv.Error as exc:  # e.g. a field over 128 KB, or a NUL byte
        raise PlanogramError(f"{source}:{reader.line_num}: malformed CSV ({exc})") from None
    if not rows:
        raise PlanogramError(f"{source}:1: empty file (expected header {','.join(REQUIRED)})")
    header = [h.strip().lower() for h in rows[0]]
    if tuple(header[:5]) != REQUIRED or any(h not in OPTIONAL for h in header[5:]):
        raise PlanogramError(
            f"{source}:1: wrong header {','.join(rows[0])!r}; expected "
            f"{','.join(REQUIRED)}[,{'][,'.join(OPTIONAL)}]"
        )
    records = []
    for lineno, row in enumerate(rows[1:], start=2):
        if not row or all(not c.strip() for c in row):
            continue
        where = f"{source}:{lineno}"
        if len(row) != len(header):
            raise PlanogramError(f"{where}: expected {len(header)} columns, got {len(row)}")
        cells = dict(zip(header, (c.strip() for c in row), strict=True))
        if not cells["bay"] or not cells["sku"]:
            raise PlanogramError(f"{where}: bay and sku must not be empty")
        width = parse_float(cells.get("width_mm"), "width_mm", where, optional=True)
        pos = Position(
            cells["sku"],
            parse_int(cells["facings"], "facings", where),
            width,
            cells.get("brand", ""),
            where,
        )
        records.append(
            Record(
                cells["bay"],
                parse_int(cells["shelf"], "shelf", where),
                parse_int(cells["position"], "position", where),
                pos,
                where,
            )
        )
    return assemble(records, source)


def read_csv(path: Path) -> list[Planogram]:
    return read_csv_text(decode_text(read_bytes(path), path), str(path))
