"""Price lists (per store or store group) and the price tags read on each photo, with
the facings each tag prices and the check against the list."""

from __future__ import annotations

SCHEMA = """
CREATE TABLE price_lists (
    id INTEGER PRIMARY KEY,
    store_id TEXT,
    group_id TEXT,
    source TEXT NOT NULL,
    lines INTEGER NOT NULL,
    imported_at TEXT NOT NULL,
    CHECK ((store_id IS NULL) != (group_id IS NULL))
);
CREATE UNIQUE INDEX price_lists_scope ON price_lists(COALESCE(store_id, ''), COALESCE(group_id, ''));
CREATE TABLE prices (
    list_id INTEGER NOT NULL REFERENCES price_lists(id) ON DELETE CASCADE,
    sku TEXT NOT NULL,
    price REAL NOT NULL,
    promo_price REAL,
    valid_from TEXT,
    valid_to TEXT,
    line INTEGER NOT NULL
);
CREATE INDEX prices_list_sku ON prices(list_id, sku);
CREATE TABLE price_tags (
    id INTEGER PRIMARY KEY,
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    status TEXT NOT NULL,
    price REAL,
    second_price REAL,
    second_role TEXT,
    multi_qty INTEGER,
    unit_price REAL,
    unit TEXT,
    currency TEXT,
    ean TEXT,
    text TEXT,
    confidence REAL,
    kind TEXT NOT NULL,
    row INTEGER,
    sku TEXT,
    expected_price REAL,
    promo_price REAL,
    compliant INTEGER,
    promo_compliant INTEGER
);
CREATE INDEX price_tags_photo ON price_tags(photo_id);
CREATE TABLE facing_prices (
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    facing_idx INTEGER NOT NULL,
    tag_idx INTEGER NOT NULL,
    price REAL,
    PRIMARY KEY (photo_id, facing_idx)
)
"""
