"""A practical subset of JDA / Blue Yonder Space Planning ``.psa`` exports (cp1252 text).

A ``.psa`` file is comma-separated records, one per line, the first field naming the
record. shelfscan reads these fields and ignores every other field and record type
(Project, Segment, Drawing, Performance, ...):

    Planogram,<name>,...                       starts a bay (several per file allowed)
    Product,<id>,<name>,<width>,...            a product; <width> = one facing's width
    Fixture,<type>,<name>,<x>,<y>,...          a shelf; <y> measured from the floor
    Position,<product id>,<x>,<hfacings>,...   a SKU block on the latest Fixture

Shelves are ordered top first (highest ``y``), positions by ``x``. A Position before any
Fixture, a missing or non-numeric field, or a Position naming an unknown Product (when
Product records are present) is a ``PlanogramError`` naming the line.
"""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass, field
from pathlib import Path

from shelfscan.errors import PlanogramError
from shelfscan.planogram.model import Planogram, PlanogramShelf, Position
from shelfscan.planogram.readers._build import (
    MAX_FACINGS,
    MAX_POSITIONS,
    parse_float,
    parse_int,
    short,
)
from shelfscan.planogram.readers._io import read_bytes


@dataclass
class _Fixture:
    name: str
    y: float
    where: str
    positions: list[tuple[float, Position]] = field(default_factory=list)


@dataclass
class _Bay:
    name: str
    fixtures: list[_Fixture] = field(default_factory=list)


def _field(row: list[str], i: int, what: str, where: str) -> str:
    if len(row) <= i or not row[i].strip():
        raise PlanogramError(f"{where}: malformed {row[0]} record: missing field {i} ({what})")
    return row[i].strip()


def _finish(bay: _Bay, source: str) -> Planogram:
    if not bay.fixtures:
        raise PlanogramError(
            f"{source}: planogram {bay.name!r} has no fixtures (a bay with no shelves)"
        )
    shelves = []
    for fx in sorted(bay.fixtures, key=lambda f: -f.y):
        if not fx.positions:
            raise PlanogramError(f"{fx.where}: fixture {fx.name!r} has no positions")
        xs = sorted(x for x, _ in fx.positions)  # n log n: 100k positions on one fixture
        dup = next((a for a, b in itertools.pairwise(xs) if a == b), None)
        if dup is not None:
            raise PlanogramError(
                f"{fx.where}: duplicate position at x={dup:g} on fixture {fx.name!r}"
            )
        shelves.append(
            PlanogramShelf(tuple(p for _, p in sorted(fx.positions, key=lambda t: t[0])))
        )
    return Planogram(bay.name, tuple(shelves), bay.name, source)


def read_psa_text(text: str, source: str, default_id: str) -> list[Planogram]:
    widths: dict[str, float | None] = {}
    bays: list[_Bay] = []
    pending: list[tuple[str, float, int, str]] = []  # product id, x, facings, where
    count = 0
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{source}:{lineno}"
        try:
            row = next(csv.reader(io.StringIO(line)))
        except csv.Error as exc:
            raise PlanogramError(f"{where}: malformed PSA line ({exc})") from None
        kind = row[0].strip()
        if kind == "Planogram":
            bays.append(
                _Bay(
                    row[1].strip()
                    if len(row) > 1 and row[1].strip()
                    else f"{default_id}-{len(bays) + 1}"
                )
            )
        elif kind == "Product":
            pid = _field(row, 1, "product id", where)
            widths[pid] = parse_float(row[3] if len(row) > 3 else "", "width", where, optional=True)
        elif kind == "Fixture":
            if not bays:
                bays.append(_Bay(default_id))
            y = parse_float(_field(row, 4, "y", where), "fixture y", where)
            bays[-1].fixtures.append(
                _Fixture(row[2].strip() if len(row) > 2 else "", float(y or 0.0), where)
            )
        elif kind == "Position":
            if not bays or not bays[-1].fixtures:
                raise PlanogramError(f"{where}: malformed PSA: Position record before any Fixture")
            pid = _field(row, 1, "product id", where)
            x = parse_float(_field(row, 2, "x", where), "position x", where)
            facings = parse_int(
                _field(row, 3, "hfacings", where), "hfacings", where, maximum=MAX_FACINGS
            )
            count += 1
            if count > MAX_POSITIONS:
                raise PlanogramError(f"{where}: more than {MAX_POSITIONS} positions in one file")
            pending.append((pid, float(x or 0.0), facings, where))
            bays[-1].fixtures[-1].positions.append(
                (float(x or 0.0), Position(pid, facings, None, "", where))
            )
        elif not kind.replace(" ", "").isalnum():
            raise PlanogramError(f"{where}: malformed PSA line: record type {short(kind)}")
    if not bays:
        raise PlanogramError(f"{source}: no Planogram or Fixture records (a bay with no shelves)")
    if widths:
        for pid, _, _, where in pending:
            if pid not in widths:
                raise PlanogramError(f"{where}: Position names unknown product {pid!r}")
    out = []
    for bay in bays:
        for fx in bay.fixtures:
            fx.positions = [
                (x, Position(p.sku, p.facings, widths.get(p.sku), "", p.source))
                for x, p in fx.positions
            ]
        out.append(_finish(bay, source))
    return out


def read_psa(path: Path) -> list[Planogram]:
    try:
        text = read_bytes(path).decode("cp1252")
    except UnicodeDecodeError as exc:
        raise PlanogramError(f"{path}: cannot read as cp1252 text ({exc.reason})") from None
    return read_psa_text(text, str(path), path.stem)
