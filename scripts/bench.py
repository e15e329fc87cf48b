"""Benchmark the whole scan pipeline per stage: median latency over N runs and peak memory.

    python scripts/bench.py sample_images --runs 5 --threads 2

Prints one row per photo size with the median milliseconds of each stage (load, quality,
detect, layout, recognize, kpi, ...), the median wall and process CPU time of a whole scan
(CPU time is the steadier figure on a shared machine) and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

from shelfscan.config import load_settings
from shelfscan.imaging import iter_image_paths
from shelfscan.imaging.quality import QualitySettings
from shelfscan.pipeline import PipelineSpec


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tiles", default=None)
    parser.add_argument("--quality", action="store_true", help="run the quality gate too")
    args = parser.parse_args(argv)
    settings = load_settings(threads=args.threads, tiles=args.tiles)
    quality = QualitySettings() if args.quality else None
    pipeline = PipelineSpec(settings, quality=quality).build()
    print(f"threads={args.threads} runs={args.runs} model={pipeline.model_name}")
    for path in iter_image_paths(args.paths):
        pipeline.scan_file(path)  # warm-up
        runs = []
        for _ in range(args.runs):
            t0, c0 = time.perf_counter(), time.process_time()
            result = pipeline.scan_file(path)
            wall, cpu = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
            runs.append((result.timings_ms, wall, cpu))
        stages = {k: statistics.median(r[0].get(k, 0.0) for r in runs) for k in runs[0][0]}
        total = statistics.median(r[1] for r in runs)
        cpu = statistics.median(r[2] for r in runs)
        cells = "  ".join(f"{k}={v:.1f}" for k, v in stages.items())
        print(
            f"{path.name} {result.photo.width}x{result.photo.height} facings={result.layout.facings}"
            f"  {cells}  total={total:.1f} ms  cpu={cpu:.1f} ms  peak_rss={peak_rss_mb():.0f} MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
