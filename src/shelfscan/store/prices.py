"""Price lists and read price tags in SQLite (plain SQL; the only price DB code)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import sqlite_utils

from shelfscan.errors import PriceListError
from shelfscan.pricing.pricelist import PriceEntry, prices_on, read_price_csv
from shelfscan.store.db import transaction
from shelfscan.types import PriceCheck, PriceReadings


def import_price_list(
    db: sqlite_utils.Database, path: Path, store_id: str | None = None, group_id: str | None = None
) -> int:
    """Replace the price list of one store or one store group with the CSV at ``path``.

    The whole file is checked first and written in one transaction: a bad line raises
    ``PriceListError`` (file:line) and leaves the store as it was. Returns the line count.
    """
    if (store_id is None) == (group_id is None):
        raise PriceListError("give exactly one of a store or a store group")
    entries = read_price_csv(path)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with transaction(db):
        if store_id is not None:
            db.execute(
                "INSERT OR IGNORE INTO stores (id, name, created_at) VALUES (?, ?, ?)",
                [store_id, store_id, now],
            )
        db.execute(
            "DELETE FROM price_lists WHERE COALESCE(store_id, '') = ? AND COALESCE(group_id, '') = ?",
            [store_id or "", group_id or ""],
        )
        cur = db.execute(
            "INSERT INTO price_lists (store_id, group_id, source, lines, imported_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [store_id, group_id, str(path.resolve()), len(entries), now],
        )
        list_id = int(cur.lastrowid or 0)
        db.conn.executemany(
            "INSERT INTO prices (list_id, sku, price, promo_price, valid_from, valid_to, line)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    list_id,
                    e.sku,
                    e.price,
                    e.promo_price,
                    e.valid_from.isoformat() if e.valid_from else None,
                    e.valid_to.isoformat() if e.valid_to else None,
                    n,
                )
                for n, e in enumerate(entries, start=1)
            ],
        )
    return len(entries)


def _entries(db: sqlite_utils.Database, where: str, args: list[object]) -> list[PriceEntry]:
    rows = db.execute(
        "SELECT p.sku, p.price, p.promo_price, p.valid_from, p.valid_to FROM prices p"
        f" JOIN price_lists l ON l.id = p.list_id WHERE {where}",
        args,
    ).fetchall()
    return [
        PriceEntry(
            r[0],
            float(r[1]),
            None if r[2] is None else float(r[2]),
            date.fromisoformat(r[3]) if r[3] else None,
            date.fromisoformat(r[4]) if r[4] else None,
        )
        for r in rows
    ]


def prices_for_store(
    db: sqlite_utils.Database, store_id: str | None, day: date | None = None
) -> dict[str, PriceEntry] | None:
    """SKU -> entry in force on ``day`` (default today) for the store: its own list wins
    over its groups' lists. None when neither the store nor any of its groups has a list."""
    if store_id is None:
        return None
    day = day or datetime.now(UTC).date()
    own = _entries(db, "l.store_id = ?", [store_id])
    grouped = _entries(
        db,
        "l.group_id IN (SELECT group_id FROM store_groups WHERE store_id = ?)",
        [store_id],
    )
    has_list = db.execute(
        "SELECT 1 FROM price_lists WHERE store_id = ? OR group_id IN"
        " (SELECT group_id FROM store_groups WHERE store_id = ?)",
        [store_id, store_id],
    ).fetchone()
    if has_list is None:
        return None
    merged = prices_on(grouped, day)
    merged.update(prices_on(own, day))
    return merged


def prices_for_visit(db: sqlite_utils.Database, visit_id: str) -> dict[str, PriceEntry] | None:
    """The price list in force for the visit's store (see ``prices_for_store``)."""
    row = db.execute("SELECT store_id FROM visits WHERE id = ?", [visit_id]).fetchone()
    return prices_for_store(db, row[0] if row else None)


def save_prices(db: sqlite_utils.Database, photo_id: int, readings: PriceReadings) -> None:
    """Write one photo's tags and facing prices; call inside the photo's transaction."""
    db.execute("DELETE FROM price_tags WHERE photo_id = ?", [photo_id])
    db.execute("DELETE FROM facing_prices WHERE photo_id = ?", [photo_id])
    checks = {c.tag: c for c in readings.checks}
    rows = []
    for t, tag in enumerate(readings.tags):
        c = checks.get(t)
        rows.append(
            (
                photo_id, tag.det_index, tag.status, tag.price, tag.second_price, tag.second_role,
                tag.multi_qty, tag.unit_price, tag.unit, tag.currency, tag.ean, tag.text,
                tag.confidence, tag.kind, tag.row, c.sku if c else None,
                c.expected if c else None, c.promo_expected if c else None,
                None if c is None else int(c.ok),
                None if c is None or c.promo_ok is None else int(c.promo_ok),
            )
        )  # fmt: skip
    db.conn.executemany(
        "INSERT INTO price_tags (photo_id, idx, status, price, second_price, second_role,"
        " multi_qty, unit_price, unit, currency, ean, text, confidence, kind, row, sku,"
        " expected_price, promo_price, compliant, promo_compliant)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    db.conn.executemany(
        "INSERT INTO facing_prices (photo_id, facing_idx, tag_idx, price) VALUES (?, ?, ?, ?)",
        [
            (photo_id, f, readings.tags[t].det_index, readings.tags[t].price)
            for f, t in sorted(readings.facing_tag.items())
        ],
    )


def photo_price_tags(db: sqlite_utils.Database, visit_id: str) -> list[dict[str, object]]:
    """Every price tag read on the visit's photos, photo by photo."""
    cur = db.execute(
        "SELECT t.photo_id, t.idx, t.status, t.price, t.second_price, t.multi_qty, t.currency,"
        " t.kind, t.row, t.sku, t.expected_price, t.promo_price, t.compliant, t.promo_compliant"
        " FROM price_tags t JOIN photos p ON p.id = t.photo_id WHERE p.visit_id = ?"
        " ORDER BY t.photo_id, t.idx",
        [visit_id],
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def price_checks(db: sqlite_utils.Database, visit_id: str) -> list[tuple[str, int, PriceCheck]]:
    """(photo path, row, check) of every tag of the visit checked against a price list."""
    rows = db.execute(
        "SELECT p.path, t.row, t.idx, t.sku, COALESCE(s.name, t.sku), t.price, t.multi_qty,"
        " t.expected_price, t.promo_price, t.compliant, t.promo_compliant FROM price_tags t"
        " JOIN photos p ON p.id = t.photo_id LEFT JOIN skus s ON s.id = t.sku"
        " WHERE p.visit_id = ? AND t.compliant IS NOT NULL ORDER BY p.id, t.idx",
        [visit_id],
    ).fetchall()
    return [
        (
            str(r[0]),
            int(r[1] if r[1] is not None else -1),
            PriceCheck(
                int(r[2]),
                str(r[3]),
                str(r[4] or r[3]),
                round(float(r[5]) / (r[6] or 1), 2),
                float(r[7]),
                None if r[8] is None else float(r[8]),
                bool(r[9]),
                None if r[10] is None else bool(r[10]),
            ),
        )
        for r in rows
    ]
