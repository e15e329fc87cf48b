"""Recognition from the working copy against the full resolution, by facing size.

The pipeline decodes a JPEG at a reduced size for the detector (``load_photo``) and
crops the recogniser's facings from that working copy when they are big enough there,
else decodes the photo again at full resolution (``Pipeline._crop_source``). This
measures what the working copy costs the recogniser at each facing size: synthetic
12 MP shelf photos (JPEG, quality 90) rendered with camera effects from a catalog of
``known + held_out`` SKUs, ``known`` of them in the recognition catalog (``refs``
packshots each, verification on); ground-truth boxes; each photo recognised twice,
from the full resolution and from the working copy. Scenes are grouped by the median
facing's size in the working copy over the embedder's input (the smaller of width and
height ratios, as ``_crop_source`` reads it).

    OPENBLAS_NUM_THREADS=1 python scripts/eval_crop_source.py --scenes 40
"""

from __future__ import annotations

import argparse
import tempfile
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

from shelfscan.datasets.synthetic import SyntheticCatalog, render_packshot
from shelfscan.datasets.synthetic.render import generate_scene
from shelfscan.datasets.synthetic.scene import SceneConfig
from shelfscan.imaging.load import load_photo
from shelfscan.layout import build_layout
from shelfscan.recognition.embedder import Embedder
from shelfscan.recognition.index import NumpyIndex
from shelfscan.recognition.matcher import UNKNOWN
from shelfscan.recognition.recognizer import CatalogRecognizer
from shelfscan.recognition.records import SkuInfo
from shelfscan.recognition.settings import load_recognition_settings
from shelfscan.recognition.verify import Verifier, VerifyConfig, image_cues
from shelfscan.types import CLASS_PRODUCT

BUCKETS = (0.6, 0.7, 0.8, 0.9, 1.0, 1.2, 10.0)  # upper edges of the size-ratio groups


def recognizer(
    embedder: Embedder, catalog: SyntheticCatalog, known: int, refs: int
) -> CatalogRecognizer:
    rng = np.random.default_rng(1)
    index = NumpyIndex(embedder.dim)
    info = {s.sku: SkuInfo(s.sku, brand=s.brand, category=s.category) for s in catalog.skus[:known]}
    verifier = Verifier({k: v.brand for k, v in info.items()}, VerifyConfig())
    for spec in catalog.skus[:known]:
        cues = image_cues(embedder, [render_packshot(spec, rng, 192)[0] for _ in range(refs)])
        index.add(spec.sku, cues.full)
        verifier.add(spec.sku, cues)
    return CatalogRecognizer(embedder, index, info, keep_crops=False, verifier=verifier)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", type=int, default=40)
    ap.add_argument("--known", type=int, default=150)
    ap.add_argument("--held-out", type=int, default=50)
    ap.add_argument("--refs", type=int, default=3)
    ap.add_argument("--size", default="4000x3000")
    ap.add_argument("--working-side", type=int, default=1600, help="the pipeline's (2 x 800)")
    args = ap.parse_args(argv)
    settings = load_recognition_settings()
    embedder = Embedder.from_path(settings.embedder_path, 1)
    hh, ww = embedder.input_hw
    catalog = SyntheticCatalog(args.known + args.held_out, seed=7)
    known_skus = {s.sku for s in catalog.skus[: args.known]}
    rec = recognizer(embedder, catalog, args.known, args.refs)
    w, h = (int(v) for v in args.size.split("x"))
    # (right full, right working, known n, rejected full, rejected working, unknown n, same)
    tally: dict[float, list[int]] = defaultdict(lambda: [0] * 7)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "shelf.jpg"
        for i in range(args.scenes):
            shelves = 5 + i % 6  # 5..10 shelves: facings from large to small
            cfg = SceneConfig(
                shelves=(shelves, shelves), view_width=(1.0, 1.0), facings=(3, 8), stack_prob=0.5
            )
            scene = generate_scene(100 + i, cfg, catalog, size=(w, h))
            cv2.imwrite(str(path), scene.image, [cv2.IMWRITE_JPEG_QUALITY, 90])
            loaded = load_photo(path, args.working_side)
            dets = scene.detections.of_class(CLASS_PRODUCT)
            if not len(dets) or loaded.scale == 1.0:
                continue
            dets, layout = build_layout(dets, (w, h))
            bw = float(np.median(dets.xyxy[:, 2] - dets.xyxy[:, 0])) * loaded.scale
            bh = float(np.median(dets.xyxy[:, 3] - dets.xyxy[:, 1])) * loaded.scale
            ratio = min(bw / ww, bh / hh)
            full = rec(loaded.full(), dets, layout).data["sku"].astype(str)
            small = dets.with_boxes(dets.xyxy * np.float32(loaded.scale))
            work = rec(loaded.working, small, layout).data["sku"].astype(str)
            gt = dets.data["sku"].astype(str)
            known = np.isin(gt, list(known_skus))
            t = tally[next(b for b in BUCKETS if ratio < b)]
            t[0] += int((full[known] == gt[known]).sum())
            t[1] += int((work[known] == gt[known]).sum())
            t[2] += int(known.sum())
            t[3] += int((full[~known] == UNKNOWN).sum())
            t[4] += int((work[~known] == UNKNOWN).sum())
            t[5] += int((~known).sum())
            t[6] += int((full == work).sum())
            print(f"scene {i}: {len(dets)} facings, working/input size {ratio:.2f}", flush=True)
    print(f"\n{args.scenes} scenes {args.size}, working copy long side >= {args.working_side}")
    print(
        "size ratio   known  top-1 full  top-1 working  unknown  rejected full  working  same answer"
    )
    lo = 0.0
    for b in BUCKETS:
        if b in tally:
            t = tally[b]
            n = t[2] + t[5]
            print(
                f"{lo:.1f}-{b:<5.1f} {t[2]:>8} {t[0] / max(t[2], 1):>11.4f} {t[1] / max(t[2], 1):>14.4f}"
                f" {t[5]:>8} {t[3] / max(t[5], 1):>14.4f} {t[4] / max(t[5], 1):>8.4f}"
                f" {t[6] / max(n, 1):>12.4f}"
            )
        lo = b
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
