"""Numbered schema migrations.

Each module here named ``mNNNN_<what>.py`` defines ``SCHEMA`` (SQL statements separated by
``;``) or, for changes plain SQL cannot express, ``migrate(db)``; they run once each,
in number order, each in its own transaction, and are recorded in ``_migrations``.
Areas own their numbers: 0001 core, 0002 catalog, 0003 planogram, 0004 capture/quality,
0005 sync.
"""

from __future__ import annotations

import importlib
import pkgutil
import sqlite3
from datetime import UTC, datetime

import sqlite_utils


def migration_names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("m"))


def apply_migrations(db: sqlite_utils.Database) -> list[str]:
    """Apply pending migrations; returns the names applied now."""
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    done = {row[0] for row in db.execute("SELECT name FROM _migrations").fetchall()}
    applied = []
    for name in migration_names():
        if name in done:
            continue
        module = importlib.import_module(f"{__name__}.{name}")
        db.execute("BEGIN IMMEDIATE")
        try:
            if hasattr(module, "migrate"):
                module.migrate(db)
            else:
                for statement in module.SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
            db.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                [name, datetime.now(UTC).isoformat(timespec="seconds")],
            )
            db.conn.commit()
        except (sqlite3.Error, Exception):
            db.conn.rollback()
            raise
        applied.append(name)
    return applied
