"""The planogram model: a bay has shelves (top to bottom), each an ordered list of positions.

Numbering in files and messages is 1-based (shelf 1 = top shelf, position 1 = leftmost);
inside the library indices are 0-based.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from shelfscan.errors import PlanogramError


@dataclass(frozen=True)
class Position:
    """One planogram position: a SKU block of ``facings`` side-by-side facings."""

    sku: str
    facings: int = 1
    width_mm: float | None = None  # width of ONE facing
    brand: str = ""
    source: str = field(default="", compare=False)  # "file:line" it was read from


@dataclass(frozen=True)
class PlanogramShelf:
    """One shelf: positions left to right."""

    positions: tuple[Position, ...]

    @property
    def facings(self) -> int:
        return sum(p.facings for p in self.positions)


@dataclass(frozen=True)
class Planogram:
    """One bay: shelves top to bottom."""

    id: str
    shelves: tuple[PlanogramShelf, ...]
    name: str = ""
    source: str = ""

    @classmethod
    def from_blocks(
        cls,
        planogram_id: str,
        shelves: Iterable[Iterable[tuple[str, int] | tuple[str, int, float | None]]],
        name: str = "",
    ) -> Planogram:
        """Build from ``[[(sku, facings[, width_mm]), ...], ...]`` (shelves top to bottom)."""
        built = []
        for blocks in shelves:
            positions = []
            for block in blocks:
                width = block[2] if len(block) > 2 else None
                positions.append(
                    Position(str(block[0]), int(block[1]), None if width is None else float(width))
                )
            built.append(PlanogramShelf(tuple(positions)))
        return cls(planogram_id, tuple(built), name or planogram_id)

    def __iter__(self) -> Iterator[tuple[int, int, Position]]:
        """(shelf index, position index, position) of every position, top-left first."""
        for s, shelf in enumerate(self.shelves):
            for p, pos in enumerate(shelf.positions):
                yield s, p, pos

    @property
    def facings(self) -> int:
        return sum(s.facings for s in self.shelves)

    @property
    def n_positions(self) -> int:
        return sum(len(s.positions) for s in self.shelves)

    def skus(self) -> list[str]:
        """Distinct SKUs in first-seen order."""
        return list(dict.fromkeys(pos.sku for _, _, pos in self))

    def to_json(self) -> dict[str, Any]:
        """shelfscan's own planogram JSON (the format ``read_json`` reads)."""
        return {
            "id": self.id,
            "name": self.name,
            "shelves": [[_position_json(p) for p in shelf.positions] for shelf in self.shelves],
        }


def _position_json(p: Position) -> dict[str, Any]:
    out: dict[str, Any] = {"sku": p.sku, "facings": p.facings}
    if p.width_mm is not None:
        out["width_mm"] = p.width_mm
    if p.brand:
        out["brand"] = p.brand
    return out


def validate(planogram: Planogram, known_skus: set[str] | None = None) -> None:
    """Raise ``PlanogramError`` for a bay with no shelves, an empty shelf, bad facings
    or widths, or (given ``known_skus``, e.g. the catalog) SKUs that are not known."""
    where = planogram.source or planogram.id
    if not planogram.shelves:
        raise PlanogramError(f"{where}: bay {planogram.id!r} has no shelves")
    for s, shelf in enumerate(planogram.shelves):
        if not shelf.positions:
            raise PlanogramError(f"{where}: bay {planogram.id!r} shelf {s + 1} has no positions")
    for s, p, pos in planogram:
        at = pos.source or f"{where}: bay {planogram.id!r} shelf {s + 1} position {p + 1}"
        if not pos.sku:
            raise PlanogramError(f"{at}: empty SKU")
        if pos.facings < 1:
            raise PlanogramError(f"{at}: facings must be at least 1, got {pos.facings}")
        if pos.width_mm is not None and not pos.width_mm > 0:
            raise PlanogramError(f"{at}: width_mm must be positive, got {pos.width_mm}")
    if known_skus is not None:
        unknown = [(s, p, pos) for s, p, pos in planogram if pos.sku not in known_skus]
        if unknown:
            s, p, pos = unknown[0]
            at = pos.source or f"{where}: shelf {s + 1} position {p + 1}"
            more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
            raise PlanogramError(f"{at}: unknown SKU {pos.sku!r}, not in the catalog{more}")
