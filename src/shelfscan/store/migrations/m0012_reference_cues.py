"""Verification cues of reference images: upper-region embedding and colour signature."""

from __future__ import annotations

SCHEMA = """
CREATE TABLE sku_image_cues (
    image_id INTEGER PRIMARY KEY REFERENCES sku_images(id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    upper BLOB NOT NULL,
    upper_dim INTEGER NOT NULL,
    colour BLOB NOT NULL,
    colour_dim INTEGER NOT NULL
);
"""
