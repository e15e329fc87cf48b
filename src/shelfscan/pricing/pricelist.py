"""Price lists: the CSV format (``sku,price[,promo_price,valid_from,valid_to]``) and the
rule that picks a SKU's price on a day. Pure: reading the file is the only I/O."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from shelfscan.errors import PriceListError

COLUMNS = ("sku", "price", "promo_price", "valid_from", "valid_to")


@dataclass(frozen=True)
class PriceEntry:
    """One line of a price list; dates are inclusive, None means open-ended."""

    sku: str
    price: float
    promo_price: float | None = None
    valid_from: date | None = None
    valid_to: date | None = None

    def active_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


def _money(text: str, what: str) -> float:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a number") from None
    if not value > 0 or value > 1e6:
        raise ValueError(f"{what} {text!r} must be a positive amount")
    return round(value, 4)


def _day(text: str, what: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a date (YYYY-MM-DD)") from None


def parse_line(cells: list[str]) -> PriceEntry:
    """One CSV row (header excluded) to an entry; raises ``ValueError`` saying what is wrong."""
    if not 2 <= len(cells) <= len(COLUMNS):
        raise ValueError(f"expected 2 to 5 columns ({','.join(COLUMNS)}), got {len(cells)}")
    cells = [*cells, "", "", ""][: len(COLUMNS)]
    sku = cells[0].strip()
    if not sku:
        raise ValueError("empty sku")
    promo = _money(cells[2], "promo_price") if cells[2].strip() else None
    start, end = _day(cells[3], "valid_from"), _day(cells[4], "valid_to")
    if start and end and end < start:
        raise ValueError(f"valid_to {end} is before valid_from {start}")
    return PriceEntry(sku, _money(cells[1], "price"), promo, start, end)


def read_price_csv(path: Path) -> list[PriceEntry]:
    """Every entry of a price-list CSV; any bad line raises ``PriceListError`` with
    the file and line number, so a caller imports all lines or none."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise PriceListError(f"{path}: cannot read price list ({exc})") from exc
    entries: list[PriceEntry] = []
    seen: dict[tuple[str, date | None], int] = {}
    for number, cells in enumerate(csv.reader(text.splitlines()), start=1):
        if not any(c.strip() for c in cells):
            continue
        if number == 1 and cells and cells[0].strip().lower() == "sku":
            continue  # header
        try:
            entry = parse_line(cells)
        except ValueError as exc:
            raise PriceListError(f"{path}:{number}: {exc}") from None
        key = (entry.sku, entry.valid_from)
        if key in seen:
            raise PriceListError(
                f"{path}:{number}: sku {entry.sku!r} already listed on line {seen[key]}"
            )
        seen[key] = number
        entries.append(entry)
    if not entries:
        raise PriceListError(f"{path}: no price lines")
    return entries


def prices_on(entries: Iterable[PriceEntry], day: date) -> dict[str, PriceEntry]:
    """SKU -> the entry in force on ``day`` (the latest-starting one when several are)."""
    out: dict[str, PriceEntry] = {}
    for e in entries:
        if not e.active_on(day):
            continue
        current = out.get(e.sku)
        if current is None or (e.valid_from or date.min) >= (current.valid_from or date.min):
            out[e.sku] = e
    return out


PriceList = Mapping[str, PriceEntry]
