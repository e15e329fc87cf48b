"""Catalog tables: SKUs, reference images with embeddings, unknown facings, must-have lists."""

from __future__ import annotations

SCHEMA = """
CREATE TABLE skus (
    id TEXT PRIMARY KEY,
    ean TEXT,
    name TEXT,
    brand TEXT,
    category TEXT,
    width_mm REAL,
    created_at TEXT NOT NULL
);
CREATE INDEX skus_brand ON skus(brand);
CREATE TABLE sku_images (
    id INTEGER PRIMARY KEY,
    sku_id TEXT NOT NULL REFERENCES skus(id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    image_jpeg BLOB NOT NULL,
    embedding BLOB NOT NULL,
    dim INTEGER NOT NULL,
    model TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (sku_id, sha256)
);
CREATE INDEX sku_images_sku ON sku_images(sku_id);
CREATE TABLE unknown_facings (
    id INTEGER PRIMARY KEY,
    visit_id TEXT NOT NULL REFERENCES visits(id),
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    det_idx INTEGER NOT NULL,
    x1 REAL NOT NULL, y1 REAL NOT NULL, x2 REAL NOT NULL, y2 REAL NOT NULL,
    crop_jpeg BLOB NOT NULL,
    nearest_sku TEXT,
    score REAL,
    status TEXT NOT NULL DEFAULT 'open',
    label_sku TEXT,
    created_at TEXT NOT NULL,
    reviewed_at TEXT,
    UNIQUE (photo_id, det_idx)
);
CREATE INDEX unknown_facings_status ON unknown_facings(status);
CREATE TABLE must_have (
    store_id TEXT NOT NULL,
    sku_id TEXT NOT NULL REFERENCES skus(id) ON DELETE CASCADE,
    PRIMARY KEY (store_id, sku_id)
);
"""
