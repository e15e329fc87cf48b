"""Shared helpers of the planogram readers: numbered records -> ``Planogram``."""

from __future__ import annotations

from dataclasses import dataclass

from shelfscan.errors import PlanogramError
from shelfscan.planogram.model import Planogram, PlanogramShelf, Position


@dataclass(frozen=True)
class Record:
    """One position as a file states it: 1-based shelf and position numbers."""

    bay: str
    shelf: int
    position: float  # ordering key within the shelf (a number or an x coordinate)
    pos: Position
    where: str  # "file:line" or "file: json path"


def assemble(records: list[Record], source: str, shelf_gaps_ok: bool = False) -> list[Planogram]:
    """Group records into bays; duplicate (bay, shelf, position) and missing shelves are errors.

    Bays come out in first-seen order; shelves sorted by number (1 = top), positions by key.
    """
    seen: dict[tuple[str, int, float], str] = {}
    bays: dict[str, dict[int, list[Record]]] = {}
    for rec in records:
        key = (rec.bay, rec.shelf, rec.position)
        if key in seen:
            raise PlanogramError(
                f"{rec.where}: duplicate position (bay {rec.bay!r} shelf {rec.shelf} "
                f"position {rec.position:g}), first given at {seen[key]}"
            )
        seen[key] = rec.where
        bays.setdefault(rec.bay, {}).setdefault(rec.shelf, []).append(rec)
    out = []
    for bay, shelves in bays.items():
        numbers = sorted(shelves)
        if not shelf_gaps_ok:
            missing = sorted(set(range(1, numbers[-1] + 1)) - set(numbers))
            if missing:
                first = shelves[numbers[0]][0].where
                raise PlanogramError(
                    f"{first}: bay {bay!r} has no positions on shelf {missing[0]} "
                    f"(shelves are numbered 1 = top, without holes)"
                )
        built = tuple(
            PlanogramShelf(tuple(r.pos for r in sorted(shelves[n], key=lambda r: r.position)))
            for n in numbers
        )
        out.append(Planogram(bay, built, bay, source))
    if not out:
        raise PlanogramError(f"{source}: no planogram positions found (a bay with no shelves)")
    return out


def parse_int(value: str, what: str, where: str, minimum: int = 1) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise PlanogramError(f"{where}: {what} must be a whole number, got {value!r}") from None
    if number < minimum:
        raise PlanogramError(f"{where}: {what} must be at least {minimum}, got {number}")
    return number


def parse_float(value: object, what: str, where: str, optional: bool = False) -> float | None:
    if optional and (value is None or str(value).strip() == ""):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        raise PlanogramError(f"{where}: {what} must be a number, got {value!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise PlanogramError(f"{where}: {what} must be finite, got {value!r}")
    return number
