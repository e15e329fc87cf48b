"""Hostile databases: read-only, from a newer shelfscan, with a corrupt page. Each is one
clear line and a non-zero exit, for writes (scan) and reads (visits, sync status) alike."""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shelfscan.cli import app
from shelfscan.errors import StoreError
from shelfscan.store import ensure_visit, open_db, transaction

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))
from sync_helpers import fill_outbox

NOBODY = 65534


def _filled(path: Path, n: int = 3000) -> Path:
    db = open_db(path)
    fill_outbox(db, n)
    db.conn.close()  # checkpoints the WAL into the main file
    return path


def _corrupt(path: Path, pages: int = 8) -> None:
    """Overwrite ``pages`` pages in the middle of the file with garbage (outbox pages
    among them: the outbox fills most of the file)."""
    page = 4096
    size = path.stat().st_size
    assert size > 4 * pages * page
    with path.open("r+b") as f:
        f.seek((size // page // 2) * page)
        f.write(os.urandom(pages * page))


def _cli(args: list[str], db: Path) -> tuple[int, str]:
    env = {"SHELFSCAN_DB": str(db), "SHELFSCAN_CONFIG": str(db.with_suffix(".none.toml"))}
    result = CliRunner().invoke(app, args, env=env)
    return result.exit_code, result.output + (repr(result.exception) if result.exception else "")


COMMANDS = [["visits"], ["sync", "status"], ["sync", "--dry-run"]]


def test_a_newer_schema_is_refused_at_open(db_path: Path) -> None:
    db = open_db(db_path)
    db.execute("INSERT INTO _migrations VALUES ('m9999_future', 'now')")
    db.conn.close()
    with pytest.raises(StoreError, match=r"newer shelfscan \(schema m9999_future"):
        open_db(db_path)
    for args in COMMANDS:
        code, out = _cli(args, db_path)
        assert code == 1 and "upgrade shelfscan" in out and "Traceback" not in out, out


def test_a_corrupt_page_is_one_line_for_reads_and_writes(db_path: Path) -> None:
    _corrupt(_filled(db_path))
    with pytest.raises(StoreError, match="database is corrupt"):
        open_db(db_path)
    for args in COMMANDS:
        code, out = _cli(args, db_path)
        assert code == 1 and "database is corrupt" in out, (args, out)
        assert "Traceback" not in out and "DatabaseError" not in out


def test_a_corrupt_page_met_inside_a_write_is_one_line(db_path: Path) -> None:
    _corrupt(_filled(db_path))
    db = open_db(db_path, check=False)  # no check at open: the write meets the bad page
    with pytest.raises(StoreError, match="cannot write to the database: the database is corrupt"):  # noqa: SIM117
        with transaction(db):
            db.execute("UPDATE outbox SET attempts = attempts + 1")


def _in_child(fn: Callable[[], str]) -> str:
    """Run ``fn`` in a forked child without root (uid nobody where we are root), so file
    permissions bind; returns its result or its exception as text."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(r)
        try:
            if os.geteuid() == 0:
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            text = fn()
        except BaseException as exc:
            text = f"{type(exc).__name__}: {exc}"
        os.write(w, text.encode()[:8000])
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        out = f.read().decode()
    os.waitpid(pid, 0)
    return out


@pytest.fixture
def readonly_db() -> Iterator[Path]:
    base = Path(tempfile.mkdtemp(prefix="shelfscan-ro-"))  # pytest's tmp is root-only
    base.chmod(0o755)
    folder = base / "ro"
    folder.mkdir()
    path = _filled(folder / "shelfscan.db", 50)
    path.chmod(0o444)
    folder.chmod(0o555)
    yield path
    folder.chmod(0o755)
    shutil.rmtree(base)


def test_a_read_only_database_is_one_clear_line(readonly_db: Path) -> None:
    _cli(["visits"], readonly_db.with_name("warm.db"))  # import everything before the fork

    def write() -> str:
        db = open_db(readonly_db)
        ensure_visit(db, "V-new")
        return "wrote"

    def cli() -> str:
        code, out = _cli(["visits"], readonly_db)
        return f"exit {code}: {out}"

    assert "StoreError" in (msg := _in_child(write)) and "read-only" in msg, msg
    out = _in_child(cli)
    assert out.startswith("exit 1") and "read-only" in out and "Traceback" not in out, out
    assert sqlite3.connect(readonly_db).execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 50
