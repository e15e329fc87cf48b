"""Open the SQLite store: path resolution, WAL mode, migrations, transactions."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from shelfscan.errors import StoreError
from shelfscan.store.migrations import apply_migrations, migration_names

DB_ENV = "SHELFSCAN_DB"
# Tables of reference images and crops: large, and not worth a check at every open.
_UNCHECKED = frozenset({"sku_images", "unknown_facings"})


def default_db_path() -> Path:
    """``$SHELFSCAN_DB``, else ``$XDG_DATA_HOME/shelfscan/shelfscan.db`` (~/.local/share)."""
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "shelfscan" / "shelfscan.db"


def explain(exc: BaseException, path: Path | str, action: str = "database error") -> str:
    """One line for a SQLite failure: read-only, corrupt, or as SQLite says it."""
    text = str(exc)
    if "readonly" in text or "read-only" in text:
        return (
            f"{path}: {action}: the database is read-only ({text}); "
            "check its permissions or use another --db"
        )
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return (
            f"{path}: {action}: the database is corrupt ({text}); restore a backup or "
            "recover it with `sqlite3 DB .recover`"
        )
    return f"{path}: {action} ({text})"


def _refuse_newer(db: sqlite_utils.Database, path: Path) -> None:
    """A database migrated by a newer shelfscan is refused before anything touches it."""
    has = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
    ).fetchone()
    if not has:
        return
    known = set(migration_names())
    unknown = sorted({str(r[0]) for r in db.execute("SELECT name FROM _migrations")} - known)
    if unknown:
        raise StoreError(
            f"{path}: cannot open database: written by a newer shelfscan (schema "
            f"{unknown[-1]}; this version knows up "
            f"to {max(known)}); upgrade shelfscan to open it"
        )


def quick_check(db: sqlite_utils.Database, path: Path) -> None:
    """``PRAGMA quick_check`` of every table except the large image tables: a corrupt page
    is refused at open with one line instead of failing later, or never being noticed."""
    tables = [
        str(r[0])
        for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if str(r[0]) not in _UNCHECKED
    ]
    for table in tables:
        quoted = table.replace('"', '""')
        rows = db.execute(f'PRAGMA quick_check("{quoted}")').fetchall()
        if rows and rows[0][0] != "ok":
            raise StoreError(
                f"{path}: cannot open database: the database is corrupt (table {table}: "
                f"{str(rows[0][0])[:200]}); restore a backup or recover it with "
                "`sqlite3 DB .recover`"
            )


def open_db(path: Path | None = None, *, check: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the store at ``path``.

    A database from a newer shelfscan is refused, and (``check``) a cheap integrity
    check runs first, so a corrupt page is one clear line at open. The connection runs
    in autocommit mode; group writes with ``transaction``.
    """
    path = path or default_db_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=30.0)
        db = sqlite_utils.Database(conn)
        _refuse_newer(db, path)
        if check:
            quick_check(db, path)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        apply_migrations(db)
    except sqlite3.Error as exc:
        if isinstance(exc, sqlite3.OperationalError) and not _writable(path):
            exc = sqlite3.OperationalError(f"{exc}; readonly file or folder")
        raise StoreError(explain(exc, path, "cannot open database")) from exc
    except OSError as exc:
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
        raise StoreError(explain(exc, _where(db), "cannot write to the database")) from exc
    try:
        yield db
    except sqlite3.Error as exc:  # read-only, corrupt, disk full: one line, nothing half-written
        db.conn.rollback()
        raise StoreError(explain(exc, _where(db), "cannot write to the database")) from exc
    except BaseException:
        db.conn.rollback()
        raise
    try:
        db.conn.commit()
    except sqlite3.Error as exc:
        db.conn.rollback()
        raise StoreError(explain(exc, _where(db), "cannot write to the database")) from exc


def _writable(path: Path) -> bool:
    """The file (if it exists) and its folder (for the -wal and -shm files) are writable."""
    folder = path.parent if str(path.parent) else Path(".")
    return os.access(folder, os.W_OK) and (not path.exists() or os.access(path, os.W_OK))


def _where(db: sqlite_utils.Database) -> str:
    try:
        row = db.conn.execute("PRAGMA database_list").fetchone()
    except sqlite3.Error:
        return "database"
    return str(row[2]) if row and row[2] else "database"


def db_path(db: sqlite_utils.Database) -> str:
    """The file the connection writes to ("" for an in-memory database)."""
    return str(db.conn.execute("PRAGMA database_list").fetchone()[2])
