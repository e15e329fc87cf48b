"""Time a whole scan with every stage on: quality gate, detector, layout, recognition
against a catalog, planogram matching (the issue's bar: ~160 facings, a 200-SKU
catalog and a planogram <= 230 ms, peak RSS <= 300 MB).

    OPENBLAS_NUM_THREADS=1 python scripts/bench_full.py --runs 5
    OPENBLAS_NUM_THREADS=1 python scripts/bench_full.py --runs 5 --dir /tmp/full  # twice:
    # the second run's peak RSS is the scanning process's alone

A synthetic 12 MP shelf photo (products of a 200-SKU synthetic catalog, 3 reference
packshots per SKU imported into a temporary store) and a random 6-shelf planogram of
those SKUs assigned to the visit's store. Prints the median per-stage milliseconds, the
median wall and CPU time of ``scan_file`` and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from shelfscan import catalog as lib  # noqa: E402
from shelfscan.config import load_settings  # noqa: E402
from shelfscan.datasets.synthetic import SyntheticCatalog, render_packshot  # noqa: E402
from shelfscan.datasets.synthetic.render import generate_scene  # noqa: E402
from shelfscan.datasets.synthetic.scene import SceneConfig  # noqa: E402
from shelfscan.imaging.quality import QualitySettings  # noqa: E402
from shelfscan.pipeline import build_pipeline  # noqa: E402
from shelfscan.planogram.synthetic import random_planogram  # noqa: E402
from shelfscan.recognition.embedder import Embedder  # noqa: E402
from shelfscan.recognition.records import SkuInfo  # noqa: E402
from shelfscan.recognition.settings import load_recognition_settings  # noqa: E402
from shelfscan.store import ensure_visit, open_db  # noqa: E402
from shelfscan.store import planogram as store_planogram  # noqa: E402


def build_scene_and_store(root: Path, seed: int, threads: int) -> None:
    """The 12 MP photo and a store holding its 200-SKU catalog and planogram."""
    catalog = SyntheticCatalog(200, seed=7)
    rng = np.random.default_rng(0)
    # a dense bay: 7 shelves, stacked blocks (seed 5 plans 162 products)
    dense = SceneConfig(shelves=(7, 7), view_width=(1.0, 1.0), stack_prob=0.5, facings=(3, 8))
    scene = generate_scene(seed, dense, catalog, size=(4000, 3000))
    cv2.imwrite(str(root / "shelf.jpg"), scene.image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    db = open_db(root / "store.db")
    embedder = Embedder.from_path(load_recognition_settings().embedder_path, threads)
    entries = []
    for spec in catalog.skus:
        paths = []
        for k in range(3):
            path = root / f"{spec.sku}_{k}.png"
            cv2.imwrite(str(path), render_packshot(spec, rng, 192)[0])
            paths.append(path)
        entries.append((SkuInfo(spec.sku, brand=spec.brand), paths))
    lib.add_skus(db, embedder, entries)
    widths = [(s.sku, 80.0) for s in catalog.skus]
    plan = random_planogram(rng, widths, 6, 27)
    store_planogram.save_planogram(db, plan)
    store_planogram.assign_planogram(db, plan.id, store_id="S1")
    db.conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--dir",
        type=Path,
        help="keep the photo and store here; a second run reuses them, so its peak RSS is the"
        " scanning process's alone (no rendering, no catalog import)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.dir or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        if not (root / "store.db").exists():
            build_scene_and_store(root, args.seed, args.threads)
        db = open_db(root / "store.db")
        settings = load_recognition_settings()
        embedder = Embedder.from_path(settings.embedder_path, args.threads)
        photo = root / "shelf.jpg"
        visit = ensure_visit(db, None, "S1", "bench")
        spec_catalog = lib.catalog_spec(db, settings, embedder)
        pipeline, context = build_pipeline(
            load_settings(threads=args.threads),
            db,
            visit,
            quality=QualitySettings(),
            catalog=spec_catalog,
        )
        pipeline.scan_file(photo, context)  # warm-up
        runs = []
        for _ in range(args.runs):
            t0, c0 = time.perf_counter(), time.process_time()
            result = pipeline.scan_file(photo, context)
            wall, cpu = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
            runs.append((result.timings_ms, wall, cpu))
        stages = {k: statistics.median(r[0].get(k, 0.0) for r in runs) for k in runs[0][0]}
        cells = "  ".join(f"{k}={v:.1f}" for k, v in stages.items())
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{result.photo.width}x{result.photo.height} facings={result.layout.facings}"
            f" skus=200 planogram={result.planogram is not None}  {cells}"
            f"  total={statistics.median(r[1] for r in runs):.1f} ms"
            f"  cpu={statistics.median(r[2] for r in runs):.1f} ms  peak_rss={peak:.0f} MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
