"""Measure SKU recognition on synthetic shelves (open set: known SKUs and unknown ones).

A synthetic catalog of ``known + held_out`` SKUs is drawn; the first ``known`` go into
the recognition catalog with ``refs`` varied packshots each (``render_packshot`` with
an rng), the rest are never shown to it. Shelf scenes rendered from the whole catalog
with camera effects give the facings (ground-truth boxes), which run through the real
layout and recognition stages. Reported: top-1 accuracy on facings of known SKUs (an
``unknown`` answer counts as wrong) and the share of held-out facings reported
``unknown``.

``--calibrate`` picks the threshold and shelf-context link on a *calibration* catalog
seed and then reports on the test seed, so the figures are not tuned on the test set.

    python scripts/eval_recognition.py --embedder models/embedder.onnx --calibrate
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from shelfscan.datasets.synthetic import SyntheticCatalog, render_packshot
from shelfscan.datasets.synthetic.render import generate_scene
from shelfscan.layout import build_layout
from shelfscan.recognition.embedder import Embedder, crop_boxes
from shelfscan.recognition.index import NumpyIndex
from shelfscan.recognition.matcher import (
    UNKNOWN,
    MatchConfig,
    context_groups,
    match_with_context,
    smooth,
)
from shelfscan.recognition.recognizer import CatalogRecognizer, SkuInfo
from shelfscan.types import CLASS_PRODUCT

CALIBRATION_SEED = 101
TEST_SEED = 7


@dataclass
class Split:
    """Cached embeddings of one catalog seed's references and scene facings."""

    recognizer: CatalogRecognizer
    facings: list[
        tuple[np.ndarray, list[list[int]], np.ndarray, np.ndarray]
    ]  # emb, rows, gt, known


def reference_images(
    spec: object, refs: int, rng: np.random.Generator, px: int
) -> list[np.ndarray]:
    return [render_packshot(spec, rng, px)[0] for _ in range(refs)]  # type: ignore[arg-type]


def prepare(embedder: Embedder, seed: int, args: argparse.Namespace) -> Split:
    catalog = SyntheticCatalog(args.known + args.held_out, seed=seed)
    known = {s.sku for s in catalog.skus[: args.known]}
    rng = np.random.default_rng(seed)
    index = NumpyIndex(embedder.dim)
    for spec in catalog.skus[: args.known]:
        index.add(spec.sku, embedder(reference_images(spec, args.refs, rng, args.ref_px)))
    info = {s.sku: SkuInfo(s.sku, s.brand, s.category, s.width_mm) for s in catalog.skus}
    rec = CatalogRecognizer(embedder, index, info, keep_crops=False)
    facings = []
    w, h = (int(v) for v in args.size.split("x"))
    for i in range(args.scenes):
        scene = generate_scene(seed * 1000 + i, catalog=catalog, size=(w, h))
        dets = scene.detections.of_class(CLASS_PRODUCT)
        dets, layout = build_layout(dets, (w, h))
        emb = embedder(crop_boxes(scene.image, dets.xyxy))
        rows = [list(r.facing_ids) for r in layout.rows]
        gt = dets.data["sku"].astype(str)
        facings.append((emb, rows, gt, np.isin(gt, list(known))))
    return Split(rec, facings)


Found = list[
    tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], np.ndarray, np.ndarray]
]


def searched(split: Split, link: float) -> Found:
    """Per scene: own and shelf-context (group) top-2 searches, truth, known mask."""
    out = []
    index = split.recognizer.index
    for emb, rows, gt, known in split.facings:
        groups = context_groups(emb, rows, link)
        out.append((index.search(emb, k=2), index.search(smooth(emb, groups), k=2), gt, known))
    return out


def tally(
    predictions: Iterable[tuple[npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[np.bool_]]],
) -> dict[str, float]:
    """Top-1 on known facings and share of not-in-catalog facings reported unknown,
    from (predicted SKUs, true SKUs, known mask) per scene."""
    right = known_n = rejected = unknown_n = 0
    for pred, gt, known in predictions:
        right += int((pred[known] == gt[known]).sum())
        known_n += int(known.sum())
        rejected += int((pred[~known] == UNKNOWN).sum())
        unknown_n += int((~known).sum())
    return {
        "top1_known": round(right / max(known_n, 1), 4),
        "unknown_rejected": round(rejected / max(unknown_n, 1), 4),
        "known_facings": known_n,
        "unknown_facings": unknown_n,
    }


def rates(found: Found, config: MatchConfig) -> dict[str, float]:
    return tally(
        (match_with_context(raw, grouped, config)[0].astype(str), gt, known)
        for raw, grouped, gt, known in found
    )


def score(split: Split, config: MatchConfig) -> dict[str, float]:
    """Rates of ``config`` through the recognizer's own matching path."""
    split.recognizer.config = config
    return tally(
        (split.recognizer.match(emb, rows)[0].astype(str), gt, known)
        for emb, rows, gt, known in split.facings
    )


def calibrate(split: Split, base: MatchConfig) -> MatchConfig:
    """Threshold, margin, link and confident level maximising the worse of the two rates,
    each relative to its bar (top-1 / 0.95, unknown rejection / 0.90), on ``split``."""
    best, best_cfg = -1.0, base
    for link in (1.01, 0.97, 0.95, 0.93, 0.9):
        found = searched(split, link)
        for margin in (0.0, 0.01, 0.02, 0.04):
            for thr in np.arange(0.5, 0.95, 0.005):
                for extra in (0.0, 0.05, 0.1) if link <= 1.0 else (0.0,):
                    cfg = replace(
                        base,
                        threshold=float(round(thr, 3)),
                        link=link,
                        margin=margin,
                        confident=float(round(thr + extra, 3)) if extra else 0.0,
                    )
                    r = rates(found, cfg)
                    value = min(r["top1_known"] / 0.95, r["unknown_rejected"] / 0.90)
                    if value > best:
                        best, best_cfg = value, cfg
    return best_cfg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--embedder", type=Path, default=Path("models/embedder.onnx"))
    parser.add_argument("--known", type=int, default=200)
    parser.add_argument("--held-out", type=int, default=50)
    parser.add_argument("--refs", type=int, default=3)
    parser.add_argument("--ref-px", type=int, default=192)
    parser.add_argument("--scenes", type=int, default=30)
    parser.add_argument("--size", default="1600x1200")
    parser.add_argument("--threshold", type=float)
    parser.add_argument("--link", type=float)
    parser.add_argument("--margin", type=float)
    parser.add_argument("--confident", type=float)
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    t0 = time.perf_counter()
    embedder = Embedder.from_path(args.embedder, args.threads)
    cfg = embedder.match_config
    report: dict[str, object] = {"embedder": embedder.name}
    if args.calibrate:
        cfg = calibrate(prepare(embedder, CALIBRATION_SEED, args), cfg)
        report["calibration_seed"] = CALIBRATION_SEED
    cfg = replace(
        cfg,
        threshold=cfg.threshold if args.threshold is None else args.threshold,
        link=cfg.link if args.link is None else args.link,
        margin=cfg.margin if args.margin is None else args.margin,
        confident=cfg.confident if args.confident is None else args.confident,
    )
    test = prepare(embedder, TEST_SEED, args)
    report.update(
        test_seed=TEST_SEED,
        config={
            "threshold": cfg.threshold,
            "link": cfg.link,
            "margin": cfg.margin,
            "confident": cfg.confident,
        },
        with_context=score(test, cfg),
        without_context=score(test, replace(cfg, link=1.01)),
        seconds=round(time.perf_counter() - t0, 1),
    )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
