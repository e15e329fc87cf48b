"""Open the SQLite store: path resolution, WAL mode, migrations, transactions."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from shelfscan.errors import StoreError
from shelfscan.store.migrations import apply_migrations

DB_ENV = "SHELFSCAN_DB"


def default_db_path() -> Path:
    """``$SHELFSCAN_DB``, else ``$XDG_DATA_HOME/shelfscan/shelfscan.db`` (~/.local/share)."""
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "shelfscan" / "shelfscan.db"


def open_db(path: Path | None = None) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the store at ``path``.

    The connection runs in autocommit mode; group writes with ``transaction``.
    """
    path = path or default_db_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=30.0)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        db = sqlite_utils.Database(conn)
        apply_migrations(db)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"{path}: cannot open database ({exc})") from exc
    return db


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One atomic write: BEGIN IMMEDIATE ... COMMIT, rolled back on any exception.

    Inside, write with ``db.execute`` (plain SQL): sqlite-utils' table helpers commit
    on their own and would break atomicity.
    """
    try:
        db.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise StoreError(f"cannot start a database transaction ({exc})") from exc
    try:
        yield db
    except BaseException:
        db.conn.rollback()
        raise
    try:
        db.conn.commit()
    except sqlite3.Error as exc:
        db.conn.rollback()
        raise StoreError(f"cannot commit to the database ({exc})") from exc


def db_path(db: sqlite_utils.Database) -> str:
    """The file the connection writes to ("" for an in-memory database)."""
    return str(db.conn.execute("PRAGMA database_list").fetchone()[2])
