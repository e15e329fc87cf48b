"""Capture and quality: per-photo gate result and perceptual hash, duplicates, bays."""

from __future__ import annotations

SCHEMA = """
CREATE TABLE photo_quality (
    photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
    passed INTEGER NOT NULL,
    sharpness REAL,
    brightness REAL,
    tilt_deg REAL,
    keystone_deg REAL,
    distance REAL,
    hints TEXT NOT NULL DEFAULT '',
    report TEXT NOT NULL,
    phash TEXT,
    duplicate_of INTEGER REFERENCES photos(id) ON DELETE SET NULL,
    duplicate_bits INTEGER,
    source TEXT
);
CREATE INDEX photo_quality_phash ON photo_quality(phash);
CREATE TABLE bays (
    id INTEGER PRIMARY KEY,
    visit_id TEXT NOT NULL REFERENCES visits(id),
    method TEXT NOT NULL,
    photos INTEGER NOT NULL,
    facings INTEGER NOT NULL,
    double_counted INTEGER NOT NULL,
    warnings TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX bays_visit ON bays(visit_id);
CREATE TABLE bay_photos (
    bay_id INTEGER NOT NULL REFERENCES bays(id) ON DELETE CASCADE,
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    offset_x REAL,
    overlap REAL,
    kept_facings INTEGER NOT NULL,
    PRIMARY KEY (bay_id, position)
);
CREATE TABLE bay_kpis (
    bay_id INTEGER NOT NULL REFERENCES bays(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (bay_id, name)
);
"""
