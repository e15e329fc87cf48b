"""Large catalogs: import time and memory, catalog load per scan, search per photo.

    OPENBLAS_NUM_THREADS=1 python scripts/bench_catalog.py --skus 20000 --refs 1

1. Renders a catalog folder of ``--skus`` synthetic SKUs with ``--refs`` packshots each
   (``--folder``, default /tmp/shelfscan_catalog_<skus>x<refs>; kept for the next run).
2. Imports it into a fresh SQLite store with ``import_folder`` (decode, check, embed,
   near-duplicate check, one transaction): wall and CPU seconds, and the process's peak
   resident memory (``ru_maxrss``; the import is the first heavy step of the process).
3. Loads the catalog for a scan ``--runs`` times: ``catalog_index`` (the search index,
   what this issue caches) and ``catalog_spec`` (all a scan reads: index, SKU attributes
   and the verification cues); the first run may build the index cache, the median of
   the others is the load per scan. The embedder session is loaded once, outside.
4. Searches 150 facings (random unit vectors in 10 rows of 15, so the shelf-context
   groups exist) with the recogniser's ``match``: median wall and CPU ms per photo.
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
from shelfscan.datasets.synthetic import SyntheticCatalog, render_packshot  # noqa: E402
from shelfscan.recognition.embedder import Embedder  # noqa: E402
from shelfscan.recognition.settings import load_recognition_settings  # noqa: E402
from shelfscan.store import open_db  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_folder(folder: Path, n_skus: int, refs: int) -> None:
    if (folder / ".complete").exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for spec in SyntheticCatalog(n_skus, seed=11).skus:
        sub = folder / spec.sku
        sub.mkdir(exist_ok=True)
        for k in range(refs):
            image = render_packshot(spec, rng, 240)[0]
            cv2.imwrite(str(sub / f"{k}.jpg"), image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    (folder / ".complete").write_text("ok")


def timed(fn, *args):  # type: ignore[no-untyped-def]
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=20_000)
    parser.add_argument("--refs", type=int, default=1)
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--embedder", type=Path, default=ROOT / "models" / "embedder.onnx")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--db", type=Path, help="keep the store here (reused if present)")
    args = parser.parse_args(argv)
    folder = (
        args.folder or Path(tempfile.gettempdir()) / f"shelfscan_catalog_{args.skus}x{args.refs}"
    )
    make_folder(folder, args.skus, args.refs)
    embedder = Embedder.from_path(args.embedder, args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = args.db or Path(tmp) / "catalog.db"
        reuse = db_path.exists()
        db = open_db(db_path)
        before = peak_rss_mb()
        if not reuse:
            report, wall, cpu = timed(lib.import_folder, db, embedder, folder)
            print(
                f"import {len(report.skus)} SKUs / {report.images} images: wall={wall / 1000:.1f}"
                f" s  cpu={cpu / 1000:.1f} s  peak_rss={peak_rss_mb():.0f} MB"
                f" (before {before:.0f} MB)  warnings={len(report.warnings)}"
            )
        db.close()
        settings = load_recognition_settings()
        for name, fn in (
            ("catalog_index", lambda d: lib.catalog_index(d, embedder)),
            ("catalog_spec", lambda d: lib.catalog_spec(d, settings, embedder)),
        ):
            loads = []
            for _ in range(args.runs):
                db = open_db(db_path)
                loads.append(timed(fn, db)[1:])
                db.close()
            rest = loads[1:] or loads
            print(
                f"load per scan ({name}): first={loads[0][0]:.0f} ms, then median wall="
                f"{statistics.median(w for w, _ in rest):.1f} ms"
                f"  cpu={statistics.median(c for _, c in rest):.1f} ms"
            )
        db = open_db(db_path)
        rec = lib.build_recognizer(db, embedder)
        if rec is None:
            raise SystemExit("catalog unexpectedly empty")
        rng = np.random.default_rng(1)
        emb = rng.normal(size=(150, embedder.dim)).astype(np.float32)
        rows = [list(range(r * 15, r * 15 + 15)) for r in range(10)]
        for r in rows:  # neighbours alike, as on a shelf, so that groups form
            emb[r[1:]] = emb[r[0]] + 0.1 * emb[r[1:]]
        emb /= np.linalg.norm(emb, axis=1, keepdims=True)
        rec.match(emb, rows)
        runs = [timed(rec.match, emb, rows)[1:] for _ in range(max(5, args.runs))]
        print(
            f"search 150 facings in {len(rec.index.skus)} SKUs: median wall="
            f"{statistics.median(w for w, _ in runs):.1f} ms"
            f"  cpu={statistics.median(c for _, c in runs):.1f} ms per photo"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
