"""Throughput of ``shelfscan scan`` with 1 and N worker processes (photos/s, whole command).

Each configuration runs the real CLI in a subprocess into a fresh database; runs are
interleaved and repeated, and the median is reported with the children's CPU time
(user + system), so a figure taken on a shared machine can be judged for noise.

    python scripts/bench_workers.py ../shared/data/real --count 40 --repeat 3
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    paths = real_photos(args.root, args.count)
    results: dict[str, list[tuple[float, float]]] = {k: [] for k in CONFIGS}
    for _ in range(args.repeat):
        for name, flags in CONFIGS.items():
            results[name].append(run(paths, flags))
    base = statistics.median(len(paths) / w for w, _ in results[next(iter(CONFIGS))])
    for name, runs in results.items():
        rate = statistics.median(len(paths) / w for w, _ in runs)
        walls = ", ".join(f"{w:.1f}" for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(
            f"{name:26s} {rate:5.2f} photos/s (x{rate / base:.2f})  wall s: {walls}"
            f"  CPU s (median): {cpu:.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
