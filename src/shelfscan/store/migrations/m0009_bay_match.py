"""A merged bay's planogram match (#16): the bay is matched as one, so its compliance and
actions are the bay's, not each overlapping photo's."""

from __future__ import annotations

SCHEMA = """
CREATE TABLE bay_matches (
    bay_id INTEGER PRIMARY KEY REFERENCES bays(id) ON DELETE CASCADE,
    visit_id TEXT NOT NULL REFERENCES visits(id),
    planogram_id TEXT NOT NULL,
    matcher TEXT NOT NULL,
    result TEXT NOT NULL,
    facings TEXT NOT NULL,
    breakdowns TEXT NOT NULL
);
CREATE INDEX bay_matches_visit ON bay_matches(visit_id)
"""
