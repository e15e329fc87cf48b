"""Throughput of ``shelfscan scan`` with 1 and N worker processes (photos/s, whole command),
and of ``shelfscan batch`` on a local Ray (its scan time; Ray's start-up reported apart).

Each configuration runs the real CLI in a subprocess into a fresh database; runs are
interleaved and repeated, and the median is reported with the children's CPU time
(user + system), so a figure taken on a shared machine can be judged for noise.

    python scripts/bench_workers.py ../shared/data/real --count 40 --repeat 3 --batch
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFIGS = {  # name -> extra CLI flags
    "1 worker, 2 threads": ["--workers", "1", "--threads", "2"],
    "1 worker, 1 thread": ["--workers", "1", "--threads", "1"],
    "2 workers, 1 thread each": ["--workers", "2", "--threads", "2"],
}


def real_photos(root: Path, count: int) -> list[Path]:
    """The SKU-110K photos, then the tobacco shelf, then the store photos: ``count`` in all."""
    found = sorted((root / "sku110k_shelf_rows" / "images").glob("*.jpg"))
    found += sorted((root / "tobacco_shelves").glob("*.JPG"))
    found += sorted((root / "unannotated").glob("store_photo_*.jpg"))
    if len(found) < count:
        raise SystemExit(f"{root}: only {len(found)} photos, {count} wanted")
    return found[:count]


def run(paths: list[Path], flags: list[str]) -> tuple[float, float]:
    """(wall seconds, children CPU seconds) of one scan into a fresh database."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "shelfscan", "scan", *map(str, paths)]
        cmd += ["--db", str(Path(tmp) / "b.db"), "--visit", "B", *flags]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def run_ray(paths: list[Path], workers: int) -> tuple[float, float, float]:
    """(scan seconds, Ray start-up seconds, children CPU seconds) of one ``batch``."""
    with tempfile.TemporaryDirectory() as tmp:
        manifest = Path(tmp) / "m.csv"
        manifest.write_text("path\n" + "".join(f"{p.resolve()}\n" for p in paths))
        cmd = [sys.executable, "-m", "shelfscan", "batch", str(manifest), "--json"]
        cmd += ["--merge-db", str(Path(tmp) / "b.db"), "--out", str(Path(tmp) / "out")]
        cmd += ["--visit", "B", "--workers", str(workers)]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    report = json.loads(done.stdout)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return float(report["scan_s"]), float(report["ray_start_s"]), cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch", action="store_true", help="also time `shelfscan batch`")
    args = parser.parse_args(argv)
    paths = real_photos(args.root, args.count)
    results: dict[str, list[tuple[float, float]]] = {k: [] for k in CONFIGS}
    ray_runs: list[tuple[float, float, float]] = []
    for _ in range(args.repeat):
        for name, flags in CONFIGS.items():
            results[name].append(run(paths, flags))
        if args.batch:
            ray_runs.append(run_ray(paths, 2))
    first = results[next(iter(CONFIGS))]
    base = statistics.median(len(paths) / w for w, _ in first)
    base_best = max(len(paths) / w for w, _ in first)
    for name, runs in results.items():
        rate = statistics.median(len(paths) / w for w, _ in runs)
        best = max(len(paths) / w for w, _ in runs)
        walls = ", ".join(f"{w:.1f}" for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(
            f"{name:26s} {rate:5.2f} photos/s median (x{rate / base:.2f}), best {best:.2f}"
            f" (x{best / base_best:.2f})  wall s: {walls}  CPU s (median): {cpu:.1f}"
        )
    if ray_runs:
        rate = statistics.median(len(paths) / s for s, _, _ in ray_runs)
        best = max(len(paths) / s for s, _, _ in ray_runs)
        scans = ", ".join(f"{s:.1f}" for s, _, _ in ray_runs)
        starts = ", ".join(f"{r:.1f}" for _, r, _ in ray_runs)
        cpu = statistics.median(c for _, _, c in ray_runs)
        print(
            f"{'batch (Ray), 2 actors':26s} {rate:5.2f} photos/s median (x{rate / base:.2f}),"
            f" best {best:.2f} (x{best / base_best:.2f})  scan s:"
            f" {scans}  Ray start-up s (apart): {starts}  CPU s (median): {cpu:.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
