"""Indexed bands of 64-bit perceptual hashes: near-duplicate lookup without a full scan.

A hash is cut into ``PHASH_BANDS`` bands of consecutive bits. Two hashes at most
``PHASH_BANDS - 1`` bits apart agree on at least one whole band (pigeonhole), so the
photos sharing a band value with a new hash are the only candidates to compare.
"""

from __future__ import annotations

from itertools import pairwise

import sqlite_utils

# imaging.phash.DUPLICATE_BITS + 1 (6 bits of tolerance: 7 bands of 9-10 bits); not
# imported from there, which would load OpenCV into every command that opens the store
PHASH_BANDS = 7
_EDGES = [round(64 * k / PHASH_BANDS) for k in range(PHASH_BANDS + 1)]


def bands(value: int) -> list[int]:
    """The band values of a 64-bit hash, band 0 = lowest bits."""
    return [(value >> lo) & ((1 << (hi - lo)) - 1) for lo, hi in pairwise(_EDGES)]


def band_rows(photo_id: int, value: int) -> list[tuple[int, int, int]]:
    return [(photo_id, b, v) for b, v in enumerate(bands(value))]


def store_bands(db: sqlite_utils.Database, photo_id: int, value: int | None) -> None:
    """Inside a transaction: (re)write the bands of a photo's hash (none without a hash)."""
    db.execute("DELETE FROM phash_bands WHERE photo_id = ?", [photo_id])
    if value is not None:
        db.conn.executemany(
            "INSERT INTO phash_bands (photo_id, band, value) VALUES (?, ?, ?)",
            band_rows(photo_id, value),
        )


def near_hashes(
    db: sqlite_utils.Database, value: int, photo_id: int, max_bits: int
) -> list[tuple[int, int]] | None:
    """(photo id, hash) of the stored, non-duplicate photos other than ``photo_id`` that
    share a band with ``value``: every hash within ``max_bits`` is among them. None when
    ``max_bits`` exceeds what the bands guarantee (the caller then reads every hash)."""
    if max_bits >= PHASH_BANDS:
        return None
    clauses = " OR ".join("(b.band = ? AND b.value = ?)" for _ in range(PHASH_BANDS))
    params: list[int] = [x for pair in enumerate(bands(value)) for x in pair]
    rows = db.execute(
        "SELECT DISTINCT q.photo_id, q.phash FROM phash_bands b"
        " JOIN photo_quality q ON q.photo_id = b.photo_id"
        f" WHERE ({clauses}) AND b.photo_id != ? AND q.duplicate_of IS NULL"
        " ORDER BY q.photo_id",
        [*params, photo_id],
    ).fetchall()
    found = [(int(pid), int(str(h), 16)) for pid, h in rows if h is not None]
    return [(pid, h) for pid, h in found if (h ^ value).bit_count() <= max_bits]
