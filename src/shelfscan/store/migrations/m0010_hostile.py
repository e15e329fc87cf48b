"""Hostile-input fixes (#17): a new Idempotency-Key per re-queued dead letter, and the
count of runs a record failed alone while others were accepted (poison isolation)."""

from __future__ import annotations

SCHEMA = """
ALTER TABLE outbox ADD COLUMN key_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN isolated_failures INTEGER NOT NULL DEFAULT 0;
"""
