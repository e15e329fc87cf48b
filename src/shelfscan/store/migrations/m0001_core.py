"""Core tables: stores, visits, photos, detections, gaps, kpis, outbox."""

from __future__ import annotations

SCHEMA = """
CREATE TABLE stores (
    id TEXT PRIMARY KEY,
    name TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE visits (
    id TEXT PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    store_id TEXT REFERENCES stores(id),
    rep TEXT,
    started_at TEXT NOT NULL
);
CREATE TABLE photos (
    id INTEGER PRIMARY KEY,
    visit_id TEXT NOT NULL REFERENCES visits(id),
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    taken_at TEXT,
    scanned_at TEXT NOT NULL,
    model TEXT,
    elapsed_ms REAL,
    UNIQUE (visit_id, sha256)
);
CREATE TABLE detections (
    id INTEGER PRIMARY KEY,
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    x1 REAL NOT NULL, y1 REAL NOT NULL, x2 REAL NOT NULL, y2 REAL NOT NULL,
    confidence REAL NOT NULL,
    class_name TEXT NOT NULL,
    row INTEGER,
    sku TEXT,
    brand TEXT,
    match_score REAL
);
CREATE INDEX detections_photo ON detections(photo_id);
CREATE TABLE gaps (
    id INTEGER PRIMARY KEY,
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    row INTEGER NOT NULL,
    x1 REAL NOT NULL, y1 REAL NOT NULL, x2 REAL NOT NULL, y2 REAL NOT NULL,
    width_facings REAL NOT NULL
);
CREATE INDEX gaps_photo ON gaps(photo_id);
CREATE TABLE kpis (
    id INTEGER PRIMARY KEY,
    visit_id TEXT NOT NULL REFERENCES visits(id),
    photo_id INTEGER REFERENCES photos(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    scope TEXT NOT NULL DEFAULT '',
    value REAL NOT NULL
);
CREATE INDEX kpis_visit ON kpis(visit_id);
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    visit_id TEXT NOT NULL REFERENCES visits(id),
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX outbox_status ON outbox(status);
"""
