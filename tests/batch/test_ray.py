"""`shelfscan batch` on a real local Ray (2 CPUs): the same results as `scan`, merged once,
and a killed Ray worker costs a retry, not a photo. One Ray start-up for the module."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from batch.test_local import dump, need_detector, photos, stored
from shelfscan.cli import app

ray = pytest.importorskip("ray")
runner = CliRunner()


@pytest.fixture(scope="module", autouse=True)
def local_ray() -> Iterator[None]:
    need_detector()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def run(*args: str) -> dict[str, object]:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def manifest(folder: Path) -> Path:
    lines = ["path,store,visit,rep"] + [f"{p.name},S1,V1,ann" for p in sorted(folder.glob("*.jpg"))]
    (folder / "batch.csv").write_text("\n".join(lines) + "\n")
    return folder / "batch.csv"


def test_batch_gives_scan_s_results_and_merges_once(tmp_path: Path) -> None:
    folder = photos(tmp_path / "in", 3, seed=660)
    again = cv2.imread(str(folder / "shot_00.jpg"))  # a near-duplicate: its KPIs not counted
    cv2.imwrite(str(folder / "shot_00_again.jpg"), again, [cv2.IMWRITE_JPEG_QUALITY, 75])
    scan_db, merge_db, out = tmp_path / "scan.db", tmp_path / "merge.db", tmp_path / "out"
    run("scan", str(folder), "--db", str(scan_db), "--store", "S1", "--visit", "V1",
        "--rep", "ann", "--workers", "1", "--json")  # fmt: skip
    report = run("batch", str(manifest(folder)), "--merge-db", str(merge_db),
                 "--out", str(out), "--workers", "2", "--json")  # fmt: skip
    assert report["photos"] == report["merged"] == 4 and report["failed"] == 0
    assert dump(merge_db) == dump(scan_db)  # the very rows `scan` stores
    con = sqlite3.connect(merge_db)
    assert con.execute("SELECT COUNT(duplicate_of) FROM photo_quality").fetchone()[0] == 1
    facings = pq.read_table(out / "facings.parquet")
    assert facings.num_rows == con.execute("SELECT COUNT(*) FROM detections").fetchone()[0]
    stored_kpis = sorted(con.execute("SELECT name, scope, value FROM kpis").fetchall())
    # the Parquet KPIs are the stored ones (the duplicate's left out), with or without a merge
    lone = tmp_path / "lone"
    run("batch", str(folder / "batch.csv"), "--out", str(lone), "--db", str(scan_db),
        "--workers", "2", "--json")  # fmt: skip
    for tables in (out, lone):
        kpis = pq.read_table(tables / "kpis.parquet").to_pylist()
        assert sorted((k["name"], k["scope"], k["value"]) for k in kpis) == stored_kpis
        flags = pq.read_table(tables / "photos.parquet").column("duplicate").to_pylist()
        assert sorted(flags) == [False, False, False, True]
    outbox = con.execute("SELECT COUNT(*), MAX(version) FROM outbox").fetchone()
    run("batch", str(folder / "batch.csv"), "--merge-db", str(merge_db), "--out", str(out),
        "--workers", "2", "--json")  # fmt: skip
    assert dump(merge_db) == dump(scan_db)  # merged again: nothing doubled
    assert con.execute("SELECT COUNT(*), MAX(version) FROM outbox").fetchone() == outbox


def scan_actor_pids() -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and b"ScanActor" in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc (Linux)")
def test_killed_ray_worker_costs_a_retry_not_a_photo(tmp_path: Path) -> None:
    folder = photos(tmp_path / "in", 6, seed=670)
    db = tmp_path / "merge.db"
    killed: list[int] = []

    def kill_one_actor() -> None:
        deadline = time.monotonic() + 240
        while stored(db) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        victims = scan_actor_pids()
        if victims:
            os.kill(victims[0], signal.SIGKILL)
            killed.append(victims[0])

    killer = threading.Thread(target=kill_one_actor, daemon=True)
    killer.start()
    report = run("batch", str(manifest(folder)), "--merge-db", str(db), "--out",
                 str(tmp_path / "out"), "--workers", "2", "--json")  # fmt: skip
    killer.join(timeout=10)
    assert killed, "no Ray worker was killed mid-run"
    assert report["photos"] == report["merged"] == 6 and report["failed"] == 0
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    shas = [r[0] for r in con.execute("SELECT sha256 FROM photos")]
    assert len(shas) == len(set(shas)) == 6  # none lost, none stored twice
    kpis = con.execute("SELECT COUNT(*) FROM kpis").fetchone()[0]
    assert kpis > 0 and con.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == kpis
