"""Planogram tables: planograms and their positions, store groups, assignments, and the
per-photo match results (one JSON blob for drawing plus one row per position for SQL)."""

from __future__ import annotations

SCHEMA = """
CREATE TABLE planograms (
    id TEXT PRIMARY KEY,
    name TEXT,
    source TEXT,
    format TEXT,
    shelves INTEGER NOT NULL,
    positions INTEGER NOT NULL,
    facings INTEGER NOT NULL,
    body TEXT NOT NULL,
    imported_at TEXT NOT NULL
);
CREATE TABLE planogram_positions (
    planogram_id TEXT NOT NULL REFERENCES planograms(id) ON DELETE CASCADE,
    shelf INTEGER NOT NULL,
    position INTEGER NOT NULL,
    sku TEXT NOT NULL,
    facings INTEGER NOT NULL,
    width_mm REAL,
    brand TEXT,
    PRIMARY KEY (planogram_id, shelf, position)
);
CREATE INDEX planogram_positions_sku ON planogram_positions(sku);
CREATE TABLE store_groups (
    group_id TEXT NOT NULL,
    store_id TEXT NOT NULL REFERENCES stores(id),
    PRIMARY KEY (group_id, store_id)
);
CREATE TABLE planogram_assignments (
    id INTEGER PRIMARY KEY,
    planogram_id TEXT NOT NULL REFERENCES planograms(id) ON DELETE CASCADE,
    store_id TEXT REFERENCES stores(id),
    group_id TEXT,
    assigned_at TEXT NOT NULL,
    CHECK ((store_id IS NULL) != (group_id IS NULL))
);
CREATE INDEX planogram_assignments_store ON planogram_assignments(store_id);
CREATE TABLE planogram_matches (
    photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
    visit_id TEXT NOT NULL REFERENCES visits(id),
    planogram_id TEXT NOT NULL,
    matcher TEXT NOT NULL,
    cost REAL,
    elapsed_ms REAL,
    result TEXT NOT NULL
);
CREATE INDEX planogram_matches_visit ON planogram_matches(visit_id);
CREATE TABLE planogram_results (
    id INTEGER PRIMARY KEY,
    photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
    visit_id TEXT NOT NULL REFERENCES visits(id),
    planogram_id TEXT NOT NULL,
    shelf INTEGER NOT NULL,
    position INTEGER NOT NULL,
    sku TEXT NOT NULL,
    expected INTEGER NOT NULL,
    observed INTEGER NOT NULL,
    status TEXT NOT NULL
);
CREATE INDEX planogram_results_visit ON planogram_results(visit_id);
"""
