"""CRM sync: outbox -> adapter (webhook | salesforce) -> CRM, reliably.

See docs/sync.md for the delivery guarantees and the webhook schema.
"""

from __future__ import annotations

from shelfscan.sync.config import SyncSettings, load_sync_settings
from shelfscan.sync.outbox import retry_dead, status_summary
from shelfscan.sync.runner import SyncReport, dry_run, parse_every, run_sync, sync_once

__all__ = [
    "SyncReport",
    "SyncSettings",
    "dry_run",
    "load_sync_settings",
    "parse_every",
    "retry_dead",
    "run_sync",
    "status_summary",
    "sync_once",
]
