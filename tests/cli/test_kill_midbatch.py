"""Kill `shelfscan scan` mid-batch (SIGKILL) and check that nothing stored is lost or half-written."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest

from shelfscan.datasets.synthetic import generate_scene


def make_batch(folder: Path, count: int) -> None:
    """``count`` different synthetic shelf photos (distinct scenes: no near-duplicates)."""
    folder.mkdir()
    for i in range(count):
        scene = generate_scene(seed=500 + i, size=(1000, 750))
        cv2.imwrite(str(folder / f"shot_{i:02d}.jpg"), scene.image, [cv2.IMWRITE_JPEG_QUALITY, 88])


def stored_photos(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(db, timeout=5)
        return int(con.execute("SELECT COUNT(*) FROM photos").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def check_consistent(db: Path) -> int:
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    photos = [r[0] for r in con.execute("SELECT id FROM photos")]
    for pid in photos:
        facings = con.execute(
            "SELECT value FROM kpis WHERE photo_id = ? AND name = 'facings' AND scope = ''", [pid]
        ).fetchone()
        assert facings is not None, f"photo {pid} has no KPIs: half-written"
        n = con.execute(
            "SELECT COUNT(*) FROM detections WHERE photo_id = ? AND "
            "class_name = 'product' AND row >= 0",
            [pid],
        ).fetchone()[0]
        assert n == facings[0]
    kpis = con.execute("SELECT COUNT(*) FROM kpis").fetchone()[0]
    assert con.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == kpis
    return len(photos)


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("workers", ["1", "2"])  # one process; a pool with one writer
def test_sigkill_mid_batch_keeps_finished_photos_whole(tmp_path: Path, workers: str) -> None:
    folder, db = tmp_path / "batch", tmp_path / "db.sqlite"
    make_batch(folder, 10)
    cmd = [
        sys.executable,
        "-m",
        "shelfscan",
        "scan",
        str(folder),
        "--db",
        str(db),
        "--visit",
        "V1",
        "--threads",
        "1",
        "--workers",
        workers,
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while stored_photos(db) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    kids = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    orphans = [int(k) for k in kids.read_text().split()] if kids.exists() else []
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 60
    while any(alive(k) for k in orphans) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(k) for k in orphans), "workers outlived the killed scan"
    done = check_consistent(db)
    assert 2 <= done < 10, f"the kill should land mid-batch, {done} photos were stored"
    # Running the same batch again finishes it without duplicating what was stored.
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert check_consistent(db) == 10
