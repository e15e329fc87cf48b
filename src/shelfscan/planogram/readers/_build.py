"""Shared helpers of the planogram readers: numbered records -> ``Planogram``."""

from __future__ import annotations

from dataclasses import dataclass

from shelfscan.errors import PlanogramError
from shelfscan.planogram.model import Planogram, PlanogramShelf, Position

# Bounds on every number a planogram file states: far above any real bay, low enough
# that no value can exhaust memory or time (a shelf number of 10**8 used to allocate
# a range of that size).
MAX_SHELVES = 100  # shelves per bay (real gondolas have 4-10)
MAX_POSITION = 1_000_000  # a position number on a shelf
MAX_FACINGS = 1000  # facings of one position
MAX_WIDTH_MM = 10_000.0  # one facing 10 m wide
MAX_COORD = 1e9  # x / y coordinates (any unit)
MAX_POSITIONS = 500_000  # positions in one file
MAX_FILE_BYTES = 64 * 1024 * 1024  # a planogram file
MAX_TEXT = 200  # characters of a bad value quoted in an error message


def short(value: object) -> str:
    """``repr(value)``, cut to ``MAX_TEXT`` characters (a 5001-digit number stays one line)."""
    text = repr(value)
    return text if len(text) <= MAX_TEXT else f"{text[: MAX_TEXT - 20]}... ({len(text)} chars)"


def check_bounds(bay: Planogram) -> None:
    """Raise ``PlanogramError`` for a bay whose counts or sizes are beyond any real bay."""
    where = bay.source or bay.id
    if len(bay.shelves) > MAX_SHELVES:
        raise PlanogramError(
            f"{where}: bay {bay.id!r} has {len(bay.shelves)} shelves (at most {MAX_SHELVES})"
        )
    for _, _, pos in bay:
        at = pos.source or where
        if not 1 <= pos.facings <= MAX_FACINGS:
            raise PlanogramError(
                f"{at}: facings must be 1 to {MAX_FACINGS}, got {short(pos.facings)}"
            )
        if pos.width_mm is not None and not 0 < pos.width_mm <= MAX_WIDTH_MM:
            raise PlanogramError(
                f"{at}: width_mm must be above 0 and at most {MAX_WIDTH_MM:g}, got {pos.width_mm:g}"
            )


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
        if len(seen) > MAX_POSITIONS:
            raise PlanogramError(f"{rec.where}: more than {MAX_POSITIONS} positions in one file")
        bays.setdefault(rec.bay, {}).setdefault(rec.shelf, []).append(rec)
    out = []
    for bay, shelves in bays.items():
        numbers = sorted(shelves)
        if numbers[-1] > MAX_SHELVES:
            at = shelves[numbers[-1]][0].where
            raise PlanogramError(
                f"{at}: shelf {numbers[-1]} of bay {bay!r} is beyond {MAX_SHELVES} shelves"
            )
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


def parse_int(
    value: str, what: str, where: str, minimum: int = 1, maximum: int = MAX_POSITION
) -> int:
    text = str(value).strip()
    try:
        if len(text) > 12:  # no bound here has more digits; int() of 5001 digits raises
            raise ValueError
        number = int(text)
    except ValueError:
        raise PlanogramError(
            f"{where}: {what} must be a whole number from {minimum} to {maximum}, got {short(value)}"
        ) from None
    if not minimum <= number <= maximum:
        raise PlanogramError(f"{where}: {what} must be {minimum} to {maximum}, got {number}")
    return number


def parse_float(
    value: object, what: str, where: str, optional: bool = False, limit: float = MAX_COORD
) -> float | None:
    if optional and (value is None or str(value).strip() == ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PlanogramError(f"{where}: {what} must be a number, got {short(value)}")
    text = str(value).strip()
    try:
        if len(text) > 40:
            raise ValueError
        number = float(text)
    except (ValueError, OverflowError):
        raise PlanogramError(f"{where}: {what} must be a number, got {short(value)}") from None
    if number != number or not -limit <= number <= limit:
        raise PlanogramError(
            f"{where}: {what} must be a finite number within +-{limit:g}, got {short(value)}"
        )
    return number
