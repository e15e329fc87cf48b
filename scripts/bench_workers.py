"""Throughput of ``shelfscan scan`` with 1 and N worker processes, and of ``shelfscan
batch`` on a local Ray.

Each configuration runs the real CLI in a subprocess into a fresh database; runs are
interleaved and repeated, and the median is reported with the children's CPU time
(user + system) and the load average, so a figure taken on a shared machine can be
judged for noise. Two rates per configuration:
- "with start-up": ``count`` photos over the whole command's wall time (interpreter,
  imports, models, workers, writer, exit);
- "without": the marginal rate, ``count - head`` photos over the difference between a
  run of ``count`` photos and a run of the first ``head``; every fixed cost cancels.

``batch``: its scan time (from Ray up to the last photo merged, actors' start-up in it)
and Ray's own start-up (``ray.init``) apart.

    python scripts/bench_workers.py ../shared/data/real --count 40 --repeat 3 --batch
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFIGS = {  # name -> extra CLI flags; the first is the base of the ratios
    "1 worker, 1 thread": ["--workers", "1", "--threads", "1"],  # = each of the 2 below
    "1 worker, 2 threads": ["--workers", "1", "--threads", "2"],  # one process's default
    "2 workers, 1 thread each": ["--workers", "2", "--threads", "2"],  # the default
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


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def _line(name: str, count: int, head: int, full: list[tuple[float, float]],
          part: list[tuple[float, float]], base: tuple[float, float] | None) -> tuple[float, float]:  # fmt: skip
    """Print one configuration; (rate with start-up, rate without) medians."""
    rate = statistics.median(count / w for w, _ in full)
    walls = statistics.median(w for w, _ in full)
    marginal = (count - head) / (walls - statistics.median(w for w, _ in part))
    cpu = statistics.median(c for _, c in full)
    ratio = "" if base is None else f" (x{rate / base[0]:.2f})"
    ratio_m = "" if base is None else f" (x{marginal / base[1]:.2f})"
    runs = ", ".join(f"{w:.2f}" for w, _ in full)
    print(
        f"{name:26s} with start-up {rate:5.2f} photos/s{ratio:8s} without {marginal:5.2f}"
        f"{ratio_m:8s} wall s: {runs} (first {head}: {statistics.median(w for w, _ in part):.2f})"
        f"  CPU s: {cpu:.2f}"
    )
    return rate, marginal


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--head", type=int, default=8, help="photos of the short run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch", action="store_true", help="also time `shelfscan batch`")
    args = parser.parse_args(argv)
    paths = real_photos(args.root, args.count)
    full: dict[str, list[tuple[float, float]]] = {k: [] for k in CONFIGS}
    part: dict[str, list[tuple[float, float]]] = {k: [] for k in CONFIGS}
    ray_runs: list[tuple[float, float, float]] = []
    ray_part: list[tuple[float, float, float]] = []
    print(f"{args.count} photos, {args.repeat} runs each; load average before: {_load()}")
    for _ in range(args.repeat):
        for name, flags in CONFIGS.items():
            full[name].append(run(paths, flags))
            part[name].append(run(paths[: args.head], flags))
        if args.batch:
            ray_runs.append(run_ray(paths, 2))
            ray_part.append(run_ray(paths[: args.head], 2))
    base = None
    rates = {}
    for name in CONFIGS:
        rates[name] = _line(name, args.count, args.head, full[name], part[name], base)
        base = base or rates[name]
    if ray_runs:
        rate = statistics.median(len(paths) / s for s, _, _ in ray_runs)
        scan = statistics.median(s for s, _, _ in ray_runs)
        marginal = (args.count - args.head) / (scan - statistics.median(s for s, _, _ in ray_part))
        scans = ", ".join(f"{s:.2f}" for s, _, _ in ray_runs)
        starts = ", ".join(f"{r:.2f}" for _, r, _ in ray_runs)
        cpu = statistics.median(c for _, _, c in ray_runs)
        with_, without = rates["2 workers, 1 thread each"]
        print(
            f"{'batch (Ray), 2 actors':26s} scan (actors' start-up in it) {rate:5.2f} photos/s"
            f" (x{rate / with_:.2f} of 2-worker scan with start-up), without start-up"
            f" {marginal:5.2f} (x{marginal / without:.2f} of 2-worker scan without)"
            f"  scan s: {scans}  Ray start-up s (apart): {starts}  driver CPU s: {cpu:.2f}"
        )
    print(f"load average after: {_load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
