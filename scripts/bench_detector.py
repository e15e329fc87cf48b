"""Detector latency per stage and peak memory on 12 MP shelf photos.

    python scripts/bench_detector.py                      # shipped model, 1 and 2 threads
    python scripts/bench_detector.py --sizes 640,768,1024 --runs 20 --json

Photos: a synthetic 4000x3000 shelf scene (always), plus the real photos under
``../shared/data/real/`` when that folder exists (skipped with a note otherwise).
Stages are the runtime wrapper's own timings (``Detector.last_timings``): preprocess
(resize + letterbox), inference (ONNX Runtime), postprocess (decode + NMS); "total" is
the wall time of one ``detector(image)`` call. Figures are medians of ``--runs`` runs
after two warm-up runs. Peak memory: Python-side peak from ``tracemalloc`` during one
call, and the process's peak resident set (``ru_maxrss``) at the end. "cpu" is the
process CPU time of one call (all threads): on a shared, loaded machine, the 1-thread
"cpu" figure is the best estimate of the latency on an idle core.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from shelfscan.detection.detector import Detector  # noqa: E402
from shelfscan.imaging.load import load_image  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "real"


def photos(max_real: int) -> list[tuple[str, np.ndarray]]:
    from shelfscan.datasets.synthetic.render import generate_scene

    out = [("synthetic 4000x3000", generate_scene(7, size=(4000, 3000)).image)]
    if not REAL.is_dir():
        print(f"note: {REAL} not found; timing the synthetic photo only", file=sys.stderr)
        return out
    paths = sorted((REAL / "tobacco_shelves").glob("*.JPG"))
    paths += sorted((REAL / "sku110k_shelf_rows" / "images").glob("*.jpg"))
    for path in paths[:max_real]:
        image, _ = load_image(path)
        out.append((f"{path.name} {image.shape[1]}x{image.shape[0]}", image))
    return out


def bench_one(det: Detector, image: np.ndarray, runs: int) -> dict[str, float]:
    for _ in range(2):
        det(image)
    stages: dict[str, list[float]] = {"preprocess": [], "inference": [], "postprocess": []}
    totals, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        det(image)
        totals.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        for key in stages:
            stages[key].append(det.last_timings.get(key, 0.0))
    tracemalloc.start()
    det(image)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    result = {k: statistics.median(v) for k, v in stages.items()}
    result["total"] = statistics.median(totals)
    result["cpu"] = statistics.median(cpu)
    result["py_peak_mb"] = peak / 1e6
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--model", type=Path, default=ROOT / "models" / "detector.onnx")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--sizes", default="", help="input sizes to try [default: the model's]")
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--max-real", type=int, default=3, help="real photos to time at most")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    cv2.setNumThreads(1)  # the phone-class budget: resize on the calling thread
    rows = []
    sizes = [int(s) for s in args.sizes.split(",") if s] or [0]
    for name, image in photos(args.max_real):
        for threads in (int(t) for t in args.threads.split(",")):
            for size in sizes:
                det = Detector.from_path(args.model, threads=threads, input_size=size or None)
                r = bench_one(det, image, args.runs)
                rows.append(
                    {
                        "photo": name,
                        "threads": threads,
                        "input_size": det.input_size,
                        "boxes": len(det(image)),
                        **r,
                    }
                )
                if not args.json:
                    print(
                        f"{name:34s} t={threads} {det.input_size:5d}px  "
                        f"pre {r['preprocess']:6.1f}  inf {r['inference']:6.1f}  "
                        f"post {r['postprocess']:5.1f}  total {r['total']:6.1f} ms  "
                        f"cpu {r['cpu']:6.1f} ms  "
                        f"py peak {r['py_peak_mb']:.0f} MB  boxes {rows[-1]['boxes']}",
                        flush=True,
                    )
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.json:
        print(
            json.dumps(
                {
                    "model": str(args.model),
                    "runs": args.runs,
                    "max_rss_mb": maxrss_mb,
                    "results": rows,
                },
                indent=2,
            )
        )
    else:
        print(f"process peak RSS {maxrss_mb:.0f} MB (includes photo decoding and the generator)")


if __name__ == "__main__":
    main()
