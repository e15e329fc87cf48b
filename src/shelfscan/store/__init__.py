"""SQLite storage: schema, migrations, scan writes, queries. The only DB code at run time."""

from __future__ import annotations

from shelfscan.store.db import default_db_path, open_db, transaction
from shelfscan.store.queries import delete_if_empty, delete_visit, list_visits, visit_detail
from shelfscan.store.scans import batch_visit, ensure_visit, finish_batch, save_scan

__all__ = [
    "batch_visit",
    "default_db_path",
    "delete_if_empty",
    "delete_visit",
    "ensure_visit",
    "finish_batch",
    "list_visits",
    "open_db",
    "save_scan",
    "transaction",
    "visit_detail",
]
