"""Time the layout stage (structure, facing clean-up, rows, gaps with evidence) on 12 MP photos.

    python scripts/bench_layout.py                  # the shared real photos, 2 threads
    python scripts/bench_layout.py --repeat 7 --threads 1

The detector runs once per photo (not timed); each photo and its boxes are then scaled to
12 MP (about 4000x3000) and ``build_layout`` is timed with the photo (texture evidence),
``--repeat`` times. Prints per-photo medians and, over all photos, the median, p90 and max
of the wall and process CPU time (ms). Real photos are read from ``../shared/data/real``
(evaluation only); without that folder the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
TWELVE_MP = 12_000_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, default=REAL, help="the shared real-photo folder")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--detector", default="detector.onnx", help="model under models/, or a path"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    folder = args.real / "sku110k_shelf_rows" / "images"
    if not folder.is_dir():
        print(f"{folder}: not found; nothing to time")
        return 0
    import cv2
    import numpy as np

    from shelfscan.config import Settings
    from shelfscan.imaging.load import load_photo
    from shelfscan.layout import build_layout
    from shelfscan.pipeline import PipelineSpec

    pipeline = PipelineSpec(Settings(detector=args.detector, threads=args.threads)).build()
    walls, cpus = [], []
    for path in sorted(folder.glob("*.jpg")):
        loaded = load_photo(path, pipeline.working_long_side)  # as a scan decodes it
        dets = pipeline.detector(loaded.working)
        full = loaded.full()
        h, w = full.shape[:2]
        s = (TWELVE_MP / (w * h)) ** 0.5
        image = cv2.resize(full, (round(w * s), round(h * s)), interpolation=cv2.INTER_LINEAR)
        dets = dets.with_boxes(dets.xyxy * np.float32(s / loaded.scale))
        size = (image.shape[1], image.shape[0])
        wall, cpu = [], []
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            build_layout(dets, size, image=image)
            wall.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        walls.append(statistics.median(wall))
        cpus.append(statistics.median(cpu))
        print(
            f"{path.name} {size[0]}x{size[1]} {len(dets)} boxes: "
            f"wall {walls[-1]:.1f} ms, CPU {cpus[-1]:.1f} ms"
        )
    for name, v in (("wall", walls), ("CPU", cpus)):
        v = sorted(v)
        p90 = v[min(len(v) - 1, int(0.9 * len(v)))]
        print(
            f"{name}: median {statistics.median(v):.1f} ms, p90 {p90:.1f} ms, max {v[-1]:.1f} ms "
            f"over {len(v)} photos (12 MP)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
