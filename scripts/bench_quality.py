"""Time the quality gate on a 12 MP photo (default 2 OpenCV threads).

python scripts/bench_quality.py [--threads 2] [--runs 30] [photo.jpg]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np

from shelfscan.datasets.synthetic import SceneConfig, generate_scene
from shelfscan.imaging.quality import assess_quality


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("photo", nargs="?", type=Path)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    cv2.setNumThreads(args.threads)
    if args.photo:
        read = cv2.imread(str(args.photo))
        if read is None:
            raise SystemExit(f"{args.photo}: cannot read image")
        img = np.asarray(read, np.uint8)
    else:
        small = generate_scene(1, SceneConfig(camera_strength=0.3), size=(2000, 1500)).image
        img = np.asarray(cv2.resize(small, (4000, 3000), interpolation=cv2.INTER_CUBIC), np.uint8)
    assess_quality(img)  # warm-up
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        report = assess_quality(img)
        times.append((time.perf_counter() - t0) * 1000)
    print(
        json.dumps(
            {
                "size": f"{img.shape[1]}x{img.shape[0]}",
                "threads": args.threads,
                "median_ms": round(float(np.median(times)), 2),
                "p90_ms": round(float(np.percentile(times, 90)), 2),
                "passed": report.passed,
            }
        )
    )


if __name__ == "__main__":
    main()
