"""Time contained-box suppression on dense shelves (the issue's bar: 1,280 facings <= 15 ms).

    python scripts/bench_suppress.py --facings 160,640,1280,2000 --runs 7

A grid of facings (rows of 128-pack shelves' width) plus one shifted duplicate box per
tenth facing, scored at random; prints the median wall and CPU milliseconds of
``suppress_contained`` and, with ``--dense``, of the former all-pairs version.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from shelfscan.detection.nms import suppress_contained  # noqa: E402


def shelf_boxes(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` facings 30 x 90 px in rows of 64, plus duplicates; boxes and scores."""
    i = np.arange(n)
    x1, y1 = (i % 64) * 31.0, (i // 64) * 100.0
    boxes = np.stack([x1, y1, x1 + 30, y1 + 90], axis=1) + rng.normal(0, 1, (n, 4))
    dup = boxes[::10] + np.array([4, 3, 2, 0])
    all_boxes = np.concatenate([boxes, dup])
    return all_boxes, rng.random(len(all_boxes))


def dense(boxes: np.ndarray, scores: np.ndarray, min_inside: float = 0.5) -> np.ndarray:
    """The former all-pairs version (n^2 memory), for comparison."""
    order = np.argsort(-scores, kind="stable")
    b = boxes[order]
    area = (b[:, 2] - b[:, 0]).clip(0) * (b[:, 3] - b[:, 1]).clip(0)
    lt = np.maximum(b[:, None, :2], b[None, :, :2])
    rb = np.minimum(b[:, None, 2:], b[None, :, 2:])
    inter = np.prod((rb - lt).clip(0), axis=2)
    similar = area[None, :] <= 2.0 * area[:, None]
    inside = np.where(similar, inter / np.maximum(area[:, None], 1e-9), 0.0)
    keep = np.zeros(len(b), dtype=bool)
    for i in range(len(b)):
        keep[i] = not bool((inside[i, :i][keep[:i]] >= min_inside).any())
    return order[keep]


def timed(fn, *args) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    t0, c0 = time.perf_counter(), time.process_time()
    fn(*args)
    return (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facings", default="160,640,1280,2000")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--dense", action="store_true", help="also time the all-pairs version")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    for n in (int(v) for v in args.facings.split(",")):
        boxes, scores = shelf_boxes(n, rng)
        fns = [("suppress_contained", suppress_contained)] + (
            [("dense", dense)] if args.dense else []
        )
        for name, fn in fns:
            runs = [timed(fn, boxes, scores) for _ in range(args.runs)]
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            print(
                f"{n:>5} facings ({len(boxes)} boxes)  {name:<18} wall={wall:.1f} ms  cpu={cpu:.1f} ms"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
