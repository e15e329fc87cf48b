"""A scan killed mid-batch and run again without --visit resumes the same visit."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from test_kill_midbatch import check_consistent, make_batch, stored_photos

from shelfscan.store import batch_visit, finish_batch, open_db


def visits(db: Path) -> list[str]:
    return [r[0] for r in sqlite3.connect(db).execute("SELECT id FROM visits ORDER BY id")]


def test_killed_scan_rerun_without_visit_keeps_one_visit(tmp_path: Path) -> None:
    folder, db = tmp_path / "batch", tmp_path / "db.sqlite"
    make_batch(folder, 8)
    cmd = [sys.executable, "-m", "shelfscan", "scan", str(folder), "--db", str(db)]
    cmd += ["--store", "S1", "--threads", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while stored_photos(db) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 2 <= check_consistent(db) < 8
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert "resuming visit" in rerun.stderr
    assert check_consistent(db) == 8 and len(visits(db)) == 1  # not split in two


def test_a_finished_batch_scanned_again_is_a_new_visit(tmp_path: Path) -> None:
    db = open_db(tmp_path / "v.db")
    photos = [tmp_path / "a.jpg", tmp_path / "b.jpg"]
    first, resumed = batch_visit(db, photos, "S1", "alice")
    assert not resumed
    assert batch_visit(db, list(reversed(photos)), "S1", "alice") == (first, True)
    assert batch_visit(db, photos[:1], "S1", "alice")[0] != first  # another batch
    finish_batch(db, first)
    assert batch_visit(db, photos, "S1", "alice")[0] not in (first,)
