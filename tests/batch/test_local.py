"""Parallel local scan: the same stored results as one process; a killed worker costs a retry."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest

from shelfscan.batch.local import scan_parallel, worker_spec
from shelfscan.config import Settings, models_dir
from shelfscan.datasets.synthetic import generate_scene
from shelfscan.imaging.quality import QualitySettings
from shelfscan.pipeline import PipelineSpec, scan_batch
from shelfscan.store import ensure_visit, open_db

# every stored result column (not timings, scan times or the visit's random uuid)
TABLES = {
    "photos": "sha256, width, height, model",
    "detections": "photo_id, idx, x1, y1, x2, y2, confidence, class_name, row, sku",
    "gaps": "photo_id, row, x1, y1, x2, y2, width_facings",
    "kpis": "photo_id, name, scope, value",
    "outbox": "kind, json_extract(payload, '$.photo_sha256'), json_extract(payload, '$.kpi'),"
    " json_extract(payload, '$.scope'), json_extract(payload, '$.value')",  # the visit uuid differs
    "photo_quality": "photo_id, passed, sharpness, phash, duplicate_of",
}


def photos(folder: Path, count: int, seed: int = 600) -> Path:
    folder.mkdir(exist_ok=True)
    for i in range(count):
        image = generate_scene(seed=seed + i, size=(900, 675)).image
        cv2.imwrite(str(folder / f"shot_{i:02d}.jpg"), image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return folder


def dump(db: Path) -> dict[str, list[tuple[object, ...]]]:
    con = sqlite3.connect(db)
    return {t: con.execute(f"SELECT {cols} FROM {t} ORDER BY 1, 2").fetchall() for t, cols in TABLES.items()}  # fmt: skip


def need_detector() -> None:
    if not (models_dir() / "detector.onnx").is_file():
        pytest.skip("detector model not found")


def test_parallel_scan_stores_what_one_process_stores(tmp_path: Path) -> None:
    need_detector()
    folder = photos(tmp_path / "in", 4)
    paths = [*sorted(folder.iterdir()), tmp_path / "missing.jpg"]  # a bad path in the batch
    spec = PipelineSpec(Settings(threads=2), quality=QualitySettings())
    runs = {}
    for workers in (1, 2):  # this process has run OpenCV: its workers are spawned
        db_path = tmp_path / f"w{workers}.db"
        db = open_db(db_path)
        ensure_visit(db, "V1")
        if workers == 1:
            outcomes = list(scan_batch(spec.build(), paths, db, "V1"))
        else:
            outcomes = list(scan_parallel(spec, paths, db, "V1", workers=workers))
        assert [o.path for o in outcomes] == paths  # input order
        assert [o.error is None for o in outcomes] == [True] * 4 + [False]
        runs[workers] = dump(db_path)
    assert runs[1] == runs[2]
    assert len(runs[2]["photos"]) == 4 and runs[2]["detections"]
    # the CLI forks its workers (nothing ran before them): the same rows again
    cli_db = tmp_path / "cli.db"
    cmd = [sys.executable, "-m", "shelfscan", "scan", *map(str, paths), "--db", str(cli_db),
           "--visit", "V1", "--workers", "2", "--threads", "2"]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "missing.jpg" in done.stderr  # the bad path only
    assert dump(cli_db) == runs[1]


@pytest.mark.parametrize(
    ("threads", "workers", "each"),
    [
        (2, 2, 1),  # the default budget over two cores
        (8, 2, 4),
        (1, 4, 1),  # never below one
    ],
)
def test_thread_budget_is_split(threads: int, workers: int, each: int) -> None:
    assert worker_spec(PipelineSpec(Settings(threads=threads)), workers).settings.threads == each


def workers_of(pid: int) -> list[int]:
    """Pool workers of a process: its children (forked or spawned), not the resource
    tracker that spawned ones come with."""
    kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [
        int(k) for k in kids if "resource_tracker" not in Path(f"/proc/{k}/cmdline").read_text()
    ]


def stored(db: Path) -> int:
    try:
        return int(
            sqlite3.connect(db, timeout=5).execute("SELECT COUNT(*) FROM photos").fetchone()[0]
        )
    except sqlite3.OperationalError:
        return 0


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc (Linux)")
def test_killed_worker_costs_a_retry_not_a_photo(tmp_path: Path) -> None:
    need_detector()
    folder, db = photos(tmp_path / "in", 8, seed=640), tmp_path / "db.sqlite"
    cmd = [sys.executable, "-m", "shelfscan", "scan", str(folder), "--db", str(db),
           "--visit", "V1", "--workers", "2", "--threads", "2"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while stored(db) < 1 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    victims = workers_of(proc.pid)
    assert victims, "no worker processes found"
    os.kill(victims[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    shas = [r[0] for r in con.execute("SELECT sha256 FROM photos")]
    assert len(shas) == len(set(shas)) == 8  # none lost, none stored twice
    kpis = con.execute("SELECT COUNT(*) FROM kpis").fetchone()[0]
    assert kpis > 0 and con.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == kpis


START_PROBE = """
import threading, time
from pathlib import Path
from shelfscan.batch.local import start_method
{setup}
print(start_method())
"""


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork")
@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("", "fork"),  # a fresh process: workers start by fork, with the imports done
        # another thread could hold a lock at the fork
        ("threading.Thread(target=time.sleep, args=(5,), daemon=True).start()", "spawn"),
        # OpenCV's thread pool runs: a forked worker would hang at its first OpenCV call
        (
            "import cv2, numpy as np\n"
            "cv2.GaussianBlur(np.zeros((2000, 2000, 3), np.uint8), (9, 9), 0)",
            "spawn",
        ),
        # a live ONNX Runtime session (its thread pools) must not be forked
        (
            "from shelfscan.detection.session import load_session\n"
            "from shelfscan.config import models_dir\n"
            "s = load_session(models_dir() / 'detector.onnx', threads=2)",
            "spawn",
        ),
        # one that is gone no longer counts
        (
            "from shelfscan.detection.session import load_session\n"
            "from shelfscan.config import models_dir\n"
            "s = load_session(models_dir() / 'detector.onnx', threads=2)\n"
            "del s",
            "fork",
        ),
    ],
)
def test_workers_fork_only_from_a_safe_process(setup: str, expected: str) -> None:
    if "load_session" in setup:
        need_detector()
    code = START_PROBE.format(setup=setup)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split()[-1] == expected


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc (Linux)")
def test_a_pool_broken_between_photos_loses_none(tmp_path: Path) -> None:
    """A worker killed while the parent stores a result breaks the pool before the next
    submit, which then raises: that photo goes again too (it was lost: 7 of 8 stored,
    exit 0, in about one run in six of the test above)."""
    need_detector()
    folder = photos(tmp_path / "in", 6, seed=660)
    paths = sorted(folder.iterdir())
    db = open_db(tmp_path / "d.db")
    ensure_visit(db, "V1")
    spec = PipelineSpec(Settings(threads=2), quality=QualitySettings())
    outcomes = scan_parallel(spec, paths, db, "V1", workers=2)
    first = next(outcomes)  # suspended at its yield: the window is not refilled yet
    victims = workers_of(os.getpid())
    assert victims, "no worker processes found"
    os.kill(victims[0], signal.SIGKILL)
    deadline = time.monotonic() + 30  # until the pool has seen the death
    while any(p.pid == victims[0] for p in multiprocessing.active_children()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)
    rest = list(outcomes)
    assert [o.path for o in [first, *rest]] == paths
    assert all(o.error is None for o in [first, *rest])
    shas = [r[0] for r in db.execute("SELECT sha256 FROM photos").fetchall()]
    assert len(shas) == len(set(shas)) == 6
