"""Time SKU recognition: 150 facings per photo, and a 10,000-SKU catalog.

1. Embedding + search for 150 facings (crops from synthetic shelf scenes) against a
   200-SKU catalog with 3 references each: cropping, embedding in batches, shelf-context
   grouping, search and the open-set decision, ``--threads`` CPU threads; median of
   ``--repeats`` runs.
2. A 10,000-SKU catalog (30,000 references; filler SKUs carry random unit vectors, which
   cost the same to search as real ones) in a real SQLite store: time to add one more SKU
   from 3 reference photos through ``add_skus`` (decode, check, embed, near-duplicate
   check, one transaction) plus loading it into the index; search time per facing.

    OPENBLAS_NUM_THREADS=1 python scripts/bench_recognition.py --embedder models/embedder.onnx

Run it with ``OPENBLAS_NUM_THREADS=1`` as the runtime should: numpy's OpenBLAS threads
keep spinning after each catalog search and take a core from ONNX Runtime's next run
(150 facings: about 90 ms with one BLAS thread, about 170 ms with the default).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from shelfscan import catalog as lib
from shelfscan.datasets.synthetic import SyntheticCatalog, render_packshot
from shelfscan.datasets.synthetic.render import generate_scene
from shelfscan.layout import build_layout
from shelfscan.recognition.embedder import Embedder, crop_boxes
from shelfscan.recognition.geometry import MIN_NATIVE_WIDTH
from shelfscan.recognition.index import NumpyIndex
from shelfscan.recognition.recognizer import CatalogRecognizer, to_verify
from shelfscan.recognition.records import SkuInfo
from shelfscan.recognition.verify import COLOUR_DIM, Verifier, image_cues
from shelfscan.store import catalog as store
from shelfscan.store import open_db, transaction
from shelfscan.store import references as ref_store
from shelfscan.types import CLASS_PRODUCT, Detections


def facings_150(
    catalog: SyntheticCatalog, size: tuple[int, int] = (1600, 1200)
) -> tuple[np.ndarray, Detections]:
    """One tall synthetic image stacking scenes until it holds >= 150 product boxes."""
    images, parts, offset = [], [], 0
    for seed in range(10):
        scene = generate_scene(500 + seed, catalog=catalog, size=size)
        d = scene.detections.of_class(CLASS_PRODUCT)
        parts.append(d.with_boxes(d.xyxy + np.array([0, offset, 0, offset], np.float32)))
        images.append(scene.image)
        offset += size[1]
        if sum(len(p) for p in parts) >= 150:
            break
    dets = Detections.merge([Detections(p.xyxy, p.confidence, p.class_id) for p in parts])[:150]
    return np.vstack(images), dets


def bench_photo(
    embedder: Embedder, repeats: int, size: tuple[int, int] = (1600, 1200), ref_px: int = 192
) -> dict[str, float]:
    """150 facings of scenes of ``size``; references rendered ``ref_px`` high; the
    verifier has the reference images (geometric verification of judged facings)."""
    catalog = SyntheticCatalog(200, seed=7)
    rng = np.random.default_rng(0)
    index = NumpyIndex(embedder.dim)
    images: dict[str, list[np.ndarray]] = {}
    verifier = Verifier({s.sku: s.brand for s in catalog.skus}, None, images.__getitem__)
    for spec in catalog.skus:
        images[spec.sku] = [render_packshot(spec, rng, ref_px)[0] for _ in range(3)]
        cues = image_cues(embedder, images[spec.sku])
        index.add(spec.sku, cues.full)
        verifier.add(spec.sku, cues)
    info = {s.sku: SkuInfo(s.sku, brand=s.brand) for s in catalog.skus}
    rec = CatalogRecognizer(embedder, index, info, embedder.match_config, True, verifier)
    image, dets = facings_150(catalog, size)
    dets, layout = build_layout(dets, (image.shape[1], image.shape[0]))
    rec(image, dets, layout)  # warm-up
    times, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        rec(image, dets, layout)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    rec.verifier = None
    plain, plain_cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        rec(image, dets, layout)
        plain.append((time.perf_counter() - t0) * 1000)
        plain_cpu.append((time.process_time() - c0) * 1000)
    crops = crop_boxes(image, dets.xyxy)
    rec.verifier = verifier
    emb = embedder(crops)
    scores, _ = index.search(emb, 2)
    raw = rec.match(emb, [list(r.facing_ids) for r in layout.rows])[0]
    verified = to_verify(scores, raw, verifier)
    judged = np.array([c.shape[1] >= MIN_NATIVE_WIDTH for c in crops]) & verified
    emb_times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        embedder(crops)
        emb_times.append((time.perf_counter() - t0) * 1000)
    return {
        "facings": len(dets),
        "recognize_150_median_ms": round(statistics.median(times), 1),
        "recognize_150_p90_ms": round(float(np.percentile(times, 90)), 1),
        "recognize_150_cpu_median_ms": round(statistics.median(cpu), 1),
        "recognize_150_no_verify_median_ms": round(statistics.median(plain), 1),
        "recognize_150_no_verify_cpu_median_ms": round(statistics.median(plain_cpu), 1),
        "verified_share": round(float(verified.mean()), 3),
        "geometry_share": round(float(judged.mean()), 3),
        "median_facing_width_px": round(float(np.median([c.shape[1] for c in crops])), 1),
        "embed_only_150_median_ms": round(statistics.median(emb_times), 1),
    }


def bench_large(embedder: Embedder, n_skus: int) -> dict[str, float]:
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "big.db")
        jpeg = bytes(cv2.imencode(".jpg", np.zeros((64, 32, 3), np.uint8))[1])
        t0 = time.perf_counter()
        with transaction(db):
            for i in range(n_skus):
                store.insert_sku(db, SkuInfo(f"F{i:05d}", brand=f"B{i % 700}"))
                vecs = rng.normal(size=(3, embedder.dim)).astype(np.float32)
                vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
                db.conn.executemany(
                    "INSERT INTO sku_images (sku_id, source, sha256, width, height, image_jpeg,"
                    " embedding, dim, model, created_at) VALUES (?, ?, ?, 32, 64, ?, ?, ?, ?, '')",
                    [
                        (
                            f"F{i:05d}",
                            "filler",
                            f"{i}-{k}",
                            jpeg,
                            store.to_blob(v),
                            embedder.dim,
                            embedder.name,
                        )
                        for k, v in enumerate(vecs)
                    ],
                )
        ids = [r[0] for r in db.execute("SELECT id FROM sku_images").fetchall()]
        cue_vecs = rng.normal(size=(len(ids), embedder.dim)).astype(np.float32)
        cue_vecs /= np.linalg.norm(cue_vecs, axis=1, keepdims=True)
        colour = np.full(COLOUR_DIM, COLOUR_DIM**-0.5, np.float32)
        ref_store.update_cues(
            db, {i: (v, colour) for i, v in zip(ids, cue_vecs, strict=True)}, embedder.name
        )
        fill_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        rec = lib.build_recognizer(db, embedder)
        build_s = time.perf_counter() - t0
        if rec is None:
            raise SystemExit("catalog unexpectedly empty")
        spec = SyntheticCatalog(1, seed=99).skus[0]
        paths = []
        for k in range(3):
            path = Path(tmp) / f"new{k}.png"
            cv2.imwrite(str(path), render_packshot(spec, rng, 192)[0])
            paths.append(path)
        t0 = time.perf_counter()
        report = lib.add_skus(db, embedder, [(SkuInfo("NEW"), paths)])
        vecs = [v for s, v in lib.load_index_vectors(db, embedder) if s == "NEW"]
        rec.index.add("NEW", vecs[0])
        add_s = time.perf_counter() - t0
        queries = rng.normal(size=(150, embedder.dim)).astype(np.float32)
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        rec.index.search(queries, 5)
        times = []
        for _ in range(10):
            t0 = time.perf_counter()
            rec.index.search(queries, 5)
            times.append((time.perf_counter() - t0) * 1000 / len(queries))
        return {
            "catalog_skus": n_skus + 1,
            "catalog_references": len(rec.index),
            "fill_store_s": round(fill_s, 1),
            "build_recognizer_s": round(build_s, 2),
            "add_one_sku_s": round(add_s, 3),
            "add_one_sku_images": report.images,
            "search_ms_per_facing": round(statistics.median(times), 4),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--embedder", type=Path, default=Path("models/embedder.onnx"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument("--size", default="1600x1200", help="scene size of the 150 facings")
    parser.add_argument("--ref-px", type=int, default=192, help="reference height, pixels")
    args = parser.parse_args()
    cv2.setNumThreads(args.threads)
    embedder = Embedder.from_path(args.embedder, args.threads)
    w, h = (int(v) for v in args.size.split("x"))
    size = (w, h)
    out = {
        "embedder": embedder.name,
        "threads": args.threads,
        "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
        "scene_size": args.size,
        **bench_photo(embedder, args.repeats, size, args.ref_px),
        **bench_large(embedder, args.skus),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
