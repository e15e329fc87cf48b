"""CRM sync: per-record delivery state on the outbox, batches, dead letters, send history."""

from __future__ import annotations

SCHEMA = """
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN last_error TEXT;
ALTER TABLE outbox ADD COLUMN next_attempt_at TEXT;
ALTER TABLE outbox ADD COLUMN batch_id TEXT;
ALTER TABLE outbox ADD COLUMN sent_at TEXT;
ALTER TABLE outbox ADD COLUMN sent_to TEXT;
ALTER TABLE outbox ADD COLUMN sent_version INTEGER;
ALTER TABLE outbox ADD COLUMN dead_at TEXT;
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
CREATE INDEX outbox_batch ON outbox(batch_id);
CREATE TABLE sync_history (
    id INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    target TEXT NOT NULL,
    outcome TEXT NOT NULL,
    http_status INTEGER,
    error TEXT,
    remote_id TEXT,
    at TEXT NOT NULL
);
CREATE INDEX sync_history_outbox ON sync_history(outbox_id);
CREATE TABLE sync_uploads (
    key TEXT NOT NULL,
    target TEXT NOT NULL,
    remote_id TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (key, target)
);
"""
