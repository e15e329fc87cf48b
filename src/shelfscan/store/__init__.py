"""SQLite storage: schema, migrations, scan writes, queries. The only DB code at run time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shelfscan.lazy import lazy_exports

if TYPE_CHECKING:
    from shelfscan.store.db import default_db_path, open_db, transaction
    from shelfscan.store.queries import delete_if_empty, delete_visit, list_visits, visit_detail
    from shelfscan.store.scans import batch_visit, ensure_visit, finish_batch, save_scan

# name -> module: imported on first use (PEP 562), so that importing one light part
# of the package does not load OpenCV / ONNX Runtime with the rest
_EXPORTS = {
    "default_db_path": "shelfscan.store.db",
    "open_db": "shelfscan.store.db",
    "transaction": "shelfscan.store.db",
    "delete_if_empty": "shelfscan.store.queries",
    "delete_visit": "shelfscan.store.queries",
    "list_visits": "shelfscan.store.queries",
    "visit_detail": "shelfscan.store.queries",
    "batch_visit": "shelfscan.store.scans",
    "ensure_visit": "shelfscan.store.scans",
    "finish_batch": "shelfscan.store.scans",
    "save_scan": "shelfscan.store.scans",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)


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
