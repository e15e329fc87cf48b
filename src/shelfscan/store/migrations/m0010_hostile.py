"""Hostile-input fixes (#17): a new Idempotency-Key per re-queued dead letter, the count
of times a record failed alone while others were accepted (poison isolation), and the
batch a visit was opened for, so a killed scan re-run without --visit resumes it."""

from __future__ import annotations

SCHEMA = """
ALTER TABLE outbox ADD COLUMN key_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN isolated_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE visits ADD COLUMN batch_key TEXT;
ALTER TABLE visits ADD COLUMN batch_done_at TEXT;
CREATE INDEX visits_batch ON visits(batch_key);
"""
