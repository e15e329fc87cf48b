"""Time the store at the scale of years of visits: ``report`` and ``visits``.

    python scripts/bench_store.py --visits 10 --photos 220 --facings 160

Fills a SQLite store (``--db``, kept and reused when it exists) with ``--visits`` visits of
``--photos`` photos, each with ``--facings`` detections and shelf KPIs (``save_scan``,
one transaction per photo), then prints the median wall and CPU milliseconds of loading
one visit's report (``load_visit_report``) and of the visit list (``list_visits``), and
the wall and CPU time of ``shelfscan visits``, ``shelfscan --help`` and ``shelfscan
visits --help`` as a user runs them (a new process each: start-up included).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from shelfscan.kpi import shelf_kpis  # noqa: E402
from shelfscan.layout import build_layout  # noqa: E402
from shelfscan.report.visit import load_visit_report  # noqa: E402
from shelfscan.store import ensure_visit, list_visits, open_db, save_scan  # noqa: E402
from shelfscan.types import Detections, PhotoInfo, ScanResult  # noqa: E402


def fake_scan(i: int, facings: int) -> ScanResult:
    per_row = 20
    k = np.arange(facings)
    x1, y1 = (k % per_row) * 100.0, (k // per_row) * 300.0
    xyxy = np.stack([x1, y1, x1 + 90, y1 + 280], axis=1)
    dets = Detections(xyxy, np.full(facings, 0.9), np.zeros(facings, np.int64))
    dets, layout = build_layout(dets, (2000, 3000))
    photo = PhotoInfo(Path(f"/p/{i}.jpg"), f"{i:064x}", 1000, 2000, 3000, "2026-01-01T00:00:00")
    return ScanResult(photo, dets, layout, shelf_kpis(dets, layout), "detector.onnx", {})


def timed(fn, *args):  # type: ignore[no-untyped-def]
    t0, c0 = time.perf_counter(), time.process_time()
    fn(*args)
    return (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=10)
    parser.add_argument("--photos", type=int, default=220)
    parser.add_argument("--facings", type=int, default=160)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", type=Path)
    args = parser.parse_args(argv)
    path = args.db or Path(tempfile.mkdtemp()) / "store.db"
    fresh = not path.exists()
    db = open_db(path)
    if fresh:
        t0 = time.perf_counter()
        for v in range(args.visits):
            visit = ensure_visit(db, f"V{v:03d}", f"S{v % 3}", "rep")
            for p in range(args.photos):
                save_scan(db, visit, fake_scan(v * args.photos + p, args.facings))
        print(f"filled {args.visits * args.photos} photos in {time.perf_counter() - t0:.1f} s")
    last = f"V{args.visits - 1:03d}"
    for name, fn, arg in (
        ("report", load_visit_report, (db, last)),
        ("visits", list_visits, (db,)),
    ):
        runs = [timed(fn, *arg) for _ in range(args.runs)]
        print(
            f"{name}: median wall={statistics.median(r[0] for r in runs):.0f} ms"
            f"  cpu={statistics.median(r[1] for r in runs):.0f} ms"
        )
    exe = str(Path(sys.executable).parent / "shelfscan")
    for label, cli in (
        ("shelfscan visits", [exe, "visits", "--db", str(path)]),
        ("shelfscan --help", [exe, "--help"]),
        ("shelfscan visits --help", [exe, "visits", "--help"]),
    ):
        runs = [timed_process(cli) for _ in range(args.runs)]
        print(
            f"{label} (new process): median wall={statistics.median(r[0] for r in runs):.0f} ms"
            f"  cpu={statistics.median(r[1] for r in runs):.0f} ms"
        )
    return 0


def timed_process(cli: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + system of the child) milliseconds of one run of ``cli``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cli, check=True, capture_output=True)
    wall = (time.perf_counter() - t0) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu


if __name__ == "__main__":
    sys.exit(main())
