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
``--calibrate-verify`` does the same for the verification of close calls (gap, verified
threshold) and the brand fallback threshold, keeping the embedder's match values; with
``--with-tobacco`` it judges them on the seed's tobacco catalog too (one reference per
SKU, ``--tobacco-size`` scenes: packs with changing warnings, what verification is for).
``--calibrate-geometry`` picks the geometric verification values (what confirms a
candidate, what accepts it, and the whole-crop score below which facings get geometry)
on the same seed, by the rule in ``calibrate_geometry``, with half as many scenes and
references at twice ``--size`` / ``--ref-px`` (facings big enough for geometry) as well. ``--no-geometry``: verification without reference
images (fused cues only).
Also reported: brand right (the SKU's brand, or the fallback brand of an unknown facing)
on known and on held-out facings, and the precision of the brands named.

    python scripts/eval_recognition.py --embedder models/embedder.onnx --calibrate
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from shelfscan.datasets.synthetic import SyntheticCatalog, render_packshot
from shelfscan.datasets.synthetic.render import generate_scene
from shelfscan.layout import build_layout
from shelfscan.recognition import geometry
from shelfscan.recognition.embedder import Embedder, crop_boxes
from shelfscan.recognition.geometry import GeometryConfig
from shelfscan.recognition.index import NumpyIndex
from shelfscan.recognition.matcher import (
    UNKNOWN,
    MatchConfig,
    context_groups,
    match_with_context,
    smooth,
)
from shelfscan.recognition.recognizer import CatalogRecognizer, to_verify
from shelfscan.recognition.records import SkuInfo
from shelfscan.recognition.verify import Verifier, VerifyConfig, facing_bands, image_cues
from shelfscan.types import CLASS_PRODUCT

CALIBRATION_SEED = 101
# worse-of-two rate the mixed shelves may give up for the tobacco ones when verification
# values are picked on both (``calibrate_verify``): one point
MIXED_SLACK = 0.01
TEST_SEED = 7


@dataclass
class Split:
    """Cached embeddings of one catalog seed's references and scene facings."""

    recognizer: CatalogRecognizer
    facings: list[
        tuple[np.ndarray, list[list[int]], np.ndarray, np.ndarray]
    ]  # emb, rows, gt, known
    crops: list[list[np.ndarray]]  # per scene, the facings' crops
    brand: dict[str, str]  # SKU -> brand, held-out SKUs included


def reference_images(
    spec: object, refs: int, rng: np.random.Generator, px: int
) -> list[np.ndarray]:
    return [render_packshot(spec, rng, px)[0] for _ in range(refs)]  # type: ignore[arg-type]


def prepare(embedder: Embedder, seed: int, args: argparse.Namespace) -> Split:
    catalog = SyntheticCatalog(args.known + args.held_out, seed=seed, kind=args.kind)
    known = {s.sku for s in catalog.skus[: args.known]}
    rng = np.random.default_rng(seed)
    index = NumpyIndex(embedder.dim)
    info = {
        s.sku: SkuInfo(s.sku, brand=s.brand, category=s.category, width_mm=s.width_mm)
        for s in catalog.skus[: args.known]
    }
    images: dict[str, list[np.ndarray]] = {}
    verifier = Verifier(
        {k: v.brand for k, v in info.items()},
        VerifyConfig(),
        None if getattr(args, "no_geometry", False) else lambda sku: images.get(sku, []),
    )
    for spec in catalog.skus[: args.known]:
        images[spec.sku] = reference_images(spec, args.refs, rng, args.ref_px)
        cues = image_cues(embedder, images[spec.sku])
        index.add(spec.sku, cues.full)
        verifier.add(spec.sku, cues)
    rec = CatalogRecognizer(embedder, index, info, keep_crops=False, verifier=verifier)
    facings, all_crops = [], []
    w, h = (int(v) for v in args.size.split("x"))
    for i in range(args.scenes):
        scene = generate_scene(seed * 1000 + i, catalog=catalog, size=(w, h))
        dets = scene.detections.of_class(CLASS_PRODUCT)
        dets, layout = build_layout(dets, (w, h))
        crops = crop_boxes(scene.image, dets.xyxy)
        emb = embedder(crops)
        rows = [list(r.facing_ids) for r in layout.rows]
        gt = dets.data["sku"].astype(str)
        facings.append((emb, rows, gt, np.isin(gt, list(known))))
        all_crops.append(crops)
    return Split(rec, facings, all_crops, {s.sku: s.brand for s in catalog.skus})


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
    brands: Iterable[tuple[npt.NDArray[Any], npt.NDArray[Any]]] = (),
) -> dict[str, float]:
    """Top-1 on known facings and share of not-in-catalog facings reported unknown,
    from (predicted SKUs, true SKUs, known mask) per scene; with ``brands`` (predicted
    brand, true brand per scene, same order) also the brand figures."""
    right = known_n = rejected = unknown_n = 0
    masks = []
    for pred, gt, known in predictions:
        right += int((pred[known] == gt[known]).sum())
        known_n += int(known.sum())
        rejected += int((pred[~known] == UNKNOWN).sum())
        unknown_n += int((~known).sum())
        masks.append(known)
    out: dict[str, float] = {
        "top1_known": round(right / max(known_n, 1), 4),
        "unknown_rejected": round(rejected / max(unknown_n, 1), 4),
        "known_facings": known_n,
        "unknown_facings": unknown_n,
    }
    b_known = b_held = b_called = b_called_right = 0
    seen = False
    for (pb, tb), known in zip(brands, masks, strict=False):
        seen = True
        b_known += int((pb[known] == tb[known]).sum())
        b_held += int((pb[~known] == tb[~known]).sum())
        called = pb != UNKNOWN
        b_called += int(called.sum())
        b_called_right += int((called & (pb == tb)).sum())
    if seen:
        out["brand_right_known"] = round(b_known / max(known_n, 1), 4)
        out["brand_right_held_out"] = round(b_held / max(unknown_n, 1), 4)
        out["brand_precision"] = round(b_called_right / max(b_called, 1), 4)
    return out


def rates(found: Found, config: MatchConfig) -> dict[str, float]:
    return tally(
        (match_with_context(raw, grouped, config)[0].astype(str), gt, known)
        for raw, grouped, gt, known in found
    )


def score(
    split: Split, config: MatchConfig, verify: VerifyConfig | None = None
) -> dict[str, float]:
    """Rates of ``config`` (and ``verify``; None: off) through the recognizer's own path."""
    rec = split.recognizer
    rec.config = config
    assert rec.verifier is not None
    rec.verifier.config = verify or replace(VerifyConfig(), gap=-1.0)
    preds, brands = [], []
    for (emb, rows, gt, known), crops in zip(split.facings, split.crops, strict=True):
        skus, _, _, fallback = rec.match_verified(emb, rows, crops)
        pred_brand = np.array(
            [
                str(fb) if s == UNKNOWN and fb else (split.brand.get(str(s), UNKNOWN))
                for s, fb in zip(skus, fallback, strict=True)
            ],
            dtype=object,
        )
        preds.append((skus.astype(str), gt, known))
        brands.append((pred_brand, np.array([split.brand[g] for g in gt], dtype=object)))
    return tally(preds, brands)


Predict = Callable[[float, float], list[tuple[np.ndarray, np.ndarray, np.ndarray]]]


def verify_predictor(split: Split, config: MatchConfig) -> tuple[Predict, list[Any], list[Any]]:
    """(predict(gap, threshold) -> per-scene (pred, truth, known), per-scene table, fused
    scores): the verified decision of ``split``'s facings for any (gap, threshold), from
    one search and one cue computation."""
    rec = split.recognizer
    rec.config = config
    v = rec.verifier
    assert v is not None
    k = v.config.candidates
    table = []  # per scene: context decision, own top-2 gap, candidates, truth, known
    for emb, rows, gt, known in split.facings:
        skus, _, _, (scores, labels) = rec.match_candidates(emb, rows)
        table.append((skus, scores[:, 0] - scores[:, 1], labels[:, :k], gt, known))
    fused = []  # per scene: (n, k) verified score of each candidate
    for (emb, _, _, _), crops, (_, _, cands, _, _) in zip(
        split.facings, split.crops, table, strict=True
    ):
        q = image_cues(rec.embedder, crops, emb)
        fused.append(np.array(v.scores(q, [[str(c) for c in row] for row in cands]), np.float32))

    def predict(gap: float, thr: float) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        out = []
        for (skus, gaps, cands, gt, known), f in zip(table, fused, strict=True):
            pred = skus.astype(str).copy()
            todo = ((gaps < gap) | (skus == UNKNOWN)) if gap >= 0 else np.zeros(len(skus), bool)
            j = np.argmax(f, axis=1)
            top = f[np.arange(len(f)), j]
            pick = cands[np.arange(len(f)), j].astype(str)
            pred[todo] = np.where(top[todo] >= thr, pick[todo], UNKNOWN)
            out.append((pred, gt, known))
        return out

    return predict, table, fused


def worse_of_two(r: dict[str, float]) -> float:
    """The worse of the two rates, each relative to its bar (top-1 0.95, unknown 0.90)."""
    return min(r["top1_known"] / 0.95, r["unknown_rejected"] / 0.90)


def calibrate_verify(
    split: Split, config: MatchConfig, tobacco: Split | None = None
) -> VerifyConfig:
    """Verification values on ``split`` (calibration seed), by a rule fixed in advance.

    Without ``tobacco``: mixed synthetic packs keep one design per SKU, so they show what
    verifying costs, not what it gains on real packs. Rule: among (gap, threshold) pairs
    that keep both bars (top-1 >= 0.95, unknown >= 0.90) the largest gap, then the best
    worse-of-two rate; if none keeps both, the best worse-of-two rate.

    With ``tobacco`` (the calibration seed's tobacco catalog, one reference per SKU, at
    phone-photo size): packs whose warning picture changes from pack to pack and whose
    variants differ in the band, what verification is for. Rule: among the (gap,
    threshold) pairs whose worse-of-two rate on ``split`` is within ``MIXED_SLACK`` of the
    best there (what the mixed shelves allow), the one with the best worse-of-two rate on
    ``tobacco`` (ties: the smaller gap, then the higher threshold). Brand threshold (both
    rules, on ``split``): the lowest at which the fallback brand is right on >= 95 % of
    the unknown facings it names.
    """
    v = split.recognizer.verifier
    assert v is not None
    k = v.config.candidates
    predict, table, fused = verify_predictor(split, config)
    other = verify_predictor(tobacco, config)[0] if tobacco is not None else None
    pairs = [
        (gap, float(round(thr, 3)))
        for gap in (-1.0, 0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3)
        for thr in (np.arange(0.6, 0.95, 0.005) if gap >= 0 else (1.0,))
    ]
    values = {p: worse_of_two(tally(predict(*p))) for p in pairs}
    best_key: tuple[float, ...] = (-1.0,)
    best = (-1.0, 1.0)
    top = max(values.values())
    for p in pairs:
        gap, thr, value = p[0], p[1], values[p]
        if other is not None:
            if value < top - MIXED_SLACK:
                continue
            key: tuple[float, ...] = (worse_of_two(tally(other(gap, thr))), -gap, thr)
        else:
            key = (1.0, gap, value) if value >= 1.0 else (0.0, value, -gap)
        if key > best_key:
            best_key, best = key, (gap, thr)
    gap, thr = best
    # brand threshold: facings unknown after verification, brand of their best two candidates
    pairs = []
    for (pred, gt, _), (_, _, cands, _, _), f in zip(predict(gap, thr), table, fused, strict=True):
        order = np.argsort(-f, axis=1)
        for i in np.flatnonzero(pred == UNKNOWN):
            b1 = v.brands.get(str(cands[i, order[i, 0]]), "")
            b2 = v.brands.get(str(cands[i, order[i, 1]]), "") if cands.shape[1] > 1 else b1
            if b1 and b1 == b2:
                pairs.append((float(f[i, order[i, 0]]), b1 == split.brand[str(gt[i])]))
    brand = 1.01
    for b in np.arange(0.5, 1.0, 0.005):
        hits = [ok for s, ok in pairs if s >= b]
        if hits and sum(hits) / len(hits) >= 0.95:
            brand = float(round(b, 3))
            break
    return VerifyConfig(gap=gap, threshold=thr, brand=brand, candidates=k)


Looked = list[tuple[Any, Any, Any, Any, dict[int, Any]]]


def looked_at(split: Split, verify: VerifyConfig, sure: float) -> Looked:
    """Per scene of ``split``: truth, known mask, the answers without geometry, their
    brands and, per facing geometry would look at (verified, or below ``sure``) and
    judge, (band, candidates, fused scores, matches)."""
    rec = split.recognizer
    v = rec.verifier
    assert v is not None
    k = verify.candidates
    v.config = replace(verify, sure=0.0)
    refs, v.references = v.references, None  # the answers without geometry
    plain_answers = [
        rec.match_verified(emb, rows, crops)
        for (emb, rows, _, _), crops in zip(split.facings, split.crops, strict=True)
    ]
    v.references = refs
    scenes: Looked = []
    for (emb, rows, gt, known), crops, (plain, _, _, plain_brand) in zip(
        split.facings, split.crops, plain_answers, strict=True
    ):
        skus, _, _, (scores, labels) = rec.match_candidates(emb, rows)
        looked = to_verify(scores, skus, v) | (scores[:, 0] < sure)
        cands = [[str(c) for c in row[:k] if c] for row in labels]
        geo: dict[int, Any] = {}
        if looked.any():
            fused = v.scores(image_cues(rec.embedder, crops, emb), cands)
            for i, band in enumerate(facing_bands(crops, judged_only=True)):
                if looked[i] and GeometryConfig(min_inliers=4).judges(band):
                    full = emb[i]
                    found = [
                        geometry.best_match(band, v.matched_references(c, full)) for c in cands[i]
                    ]
                    geo[i] = (band, cands[i], fused[i], found)
        scenes.append((gt, known, plain, plain_brand, geo))
    return scenes


def calibrate_geometry(
    split: Split, official: Split, config: MatchConfig, verify: VerifyConfig
) -> VerifyConfig:
    """Geometric verification values on catalog seed 101, by a rule fixed in advance
    (before any real photo was scored with these values). ``split``: scenes big enough
    for geometry to judge most facings; ``official``: scenes of the synthetic bars.

    - ``sure``: the lowest whole-crop score (0.5 to 1.0 by 0.01) from which the
      embedder's own best SKU is right on at least 99 % of ``split``'s facings (held-out
      ones count as wrong) at or above it: facings below it get geometry too;
    - what confirms a candidate (``min_inliers`` from 4, 6, 8, 10, 12, 15, 20 and
      ``min_aligned`` from -0.2 to 0.9 by 0.05), on the facings geometry judges
      (``GeometryConfig.judges``): the pair that confirms the most true candidates among
      their top-k SKUs while confirming at most 1 % of the candidates of *another brand*
      (ties: more inliers, then higher similarity). Candidates of the same brand are left
      out of this rule: synthetic variants of a brand share their band by construction;
    - ``accept`` (0.5 to 1.0 by 0.01): among the values at which geometry loses nothing
      on ``official`` (top-1 and held-out unknown both at least their values without
      geometry), the lowest that keeps both bars on ``split`` (top-1 >= 0.95, unknown
      >= 0.90), else the one with the best worse-of-two rate there;
    - which facings of those below ``sure`` (not close calls) geometry runs on (``low``
      from 0.5 to ``sure`` by 0.01, ``near`` from 0 to 0.1 by 0.01: facings scoring
      below ``low`` or whose best two are within ``near``): the pair that checks the
      fewest judged facings of ``split`` while keeping at least the net corrections
      (right answers made minus right answers lost) that checking every facing below
      ``sure`` makes there (ties: the larger pair).
    """
    for sp in (split, official):
        sp.recognizer.config = config
    v = split.recognizer.verifier
    assert v is not None and v.geometric
    best, right = [], []
    for emb, rows, gt, _ in split.facings:
        _, _, _, (scores, labels) = split.recognizer.match_candidates(emb, rows)
        best.extend(scores[:, 0].tolist())
        right.extend((labels[:, 0] == gt).tolist())
    b, r = np.array(best), np.array(right)
    sure = 1.0
    for s in np.arange(0.5, 1.0001, 0.01):
        above = b >= s
        if above.any() and r[above].mean() >= 0.99:
            sure = float(round(s, 2))
            break
    big = looked_at(split, verify, sure)
    small = looked_at(official, verify, sure)
    true, other = [], []
    for gt, _, _, _, geo in big:
        for i, (_, cands_i, _, found) in geo.items():
            for c, m in zip(cands_i, found, strict=True):
                if c == gt[i]:
                    true.append((m.inliers, m.aligned))
                elif v.brands.get(c) != split.brand[str(gt[i])]:
                    other.append((m.inliers, m.aligned))
    t = np.array(true, np.float64).reshape(-1, 2)
    o = np.array(other, np.float64).reshape(-1, 2)
    pick, pick_key = verify.geometry, (-1.0, 0, 0.0)
    for n in (4, 6, 8, 10, 12, 15, 20):
        for a in np.arange(-0.2, 0.9001, 0.05):
            a = float(round(a, 2))
            fp = float(((o[:, 0] >= n) & (o[:, 1] >= a)).mean()) if len(o) else 0.0
            tp = float(((t[:, 0] >= n) & (t[:, 1] >= a)).mean()) if len(t) else 0.0
            if fp <= 0.01 and (tp, n, a) > pick_key:
                pick_key, pick = (tp, n, a), GeometryConfig(min_inliers=n, min_aligned=a)

    def rates_at(scenes: Looked, accept: float, verifier: Verifier) -> dict[str, float]:
        verifier.config = replace(verify, sure=sure, geometry=replace(pick, accept=accept))
        preds = []
        for gt, known, plain, _, geo in scenes:
            pred = plain.astype(str).copy()
            for i, (band, cands_i, fused_i, found) in geo.items():
                out = verifier.geometric_decision(band, cands_i, fused_i, str(plain[i]), found)
                if out is not None:
                    pred[i] = out[0]
            preds.append((pred, gt, known))
        return tally(preds)

    v_small = official.recognizer.verifier
    assert v_small is not None
    base = tally((plain.astype(str), gt, known) for gt, known, plain, _, _ in small)
    accept, accept_key = 1.01, (-1.0, 0.0)
    chosen: dict[str, Any] = {}
    for x in [*np.arange(0.5, 1.0001, 0.01), 1.01]:
        on_small = rates_at(small, float(x), v_small)
        if any(on_small[m] < base[m] for m in ("top1_known", "unknown_rejected")):
            continue
        rt = rates_at(big, float(x), v)
        value = worse_of_two(rt)
        key = (1.0, -float(x)) if value >= 1.0 else (0.0, value)
        if key > accept_key:
            accept_key, accept = key, float(round(x, 2))
            chosen = {"split": rt, "official": on_small}
    pick = replace(pick, accept=accept)
    v.config = replace(verify, sure=sure, geometry=pick)
    low, near, check_rule = check_set(split, big, v, sure)
    print(
        json.dumps(
            {
                "geometry_rule": {
                    "judged_facings": sum(len(g) for *_, g in big),
                    "facings": len(b),
                    "true_confirmed": round(pick_key[0], 4),
                    "looked_share_at_sure": round(float((b < sure).mean()), 4),
                    "check_set": check_rule,
                    "rates": chosen,
                    "official_without_geometry": base,
                    "split_without_geometry": tally(
                        (plain.astype(str), gt, known) for gt, known, plain, _, _ in big
                    ),
                }
            }
        )
    )
    v.config = verify
    return replace(verify, geometry=pick, sure=sure, low=low, near=near)


def check_set(
    split: Split, scenes: Looked, v: Verifier, sure: float
) -> tuple[float, float, dict[str, Any]]:
    """(``low``, ``near``, what the rule saw) by the check-set rule of
    ``calibrate_geometry``, with ``v.config`` holding the picked geometry values."""
    s0, gap, delta = [], [], []
    for (emb, rows, _, _), (gt, known, plain, _, geo) in zip(split.facings, scenes, strict=True):
        skus, _, _, (scores, _) = split.recognizer.match_candidates(emb, rows)
        close = to_verify(scores, skus, v)
        for i, (band, cands_i, fused_i, found) in geo.items():
            if close[i] or scores[i, 0] >= sure:
                continue
            out = v.geometric_decision(band, cands_i, fused_i, str(plain[i]), found)
            new = str(plain[i]) if out is None else out[0]
            truth = str(gt[i]) if known[i] else UNKNOWN
            s0.append(float(scores[i, 0]))
            second = float(scores[i, 1]) if scores.shape[1] > 1 else -np.inf
            gap.append(float(scores[i, 0]) - (second if np.isfinite(second) else -np.inf))
            delta.append(int(new == truth) - int(str(plain[i]) == truth))
    b, g, d = np.array(s0), np.array(gap), np.array(delta, np.int64)
    full = int(d.sum())
    low, near, key = sure, 0.0, (len(b), sure, 0.0)
    for lo in np.arange(0.5, sure + 1e-4, 0.01):
        for ne in np.arange(0.0, 0.1001, 0.01):
            lo_, ne_ = float(round(lo, 2)), float(round(ne, 2))
            take = (b < lo_) | (g < ne_)
            k = (int(take.sum()), -lo_, -ne_)
            if int(d[take].sum()) >= full and k < (key[0], -key[1], -key[2]):
                low, near, key = lo_, ne_, (k[0], lo_, ne_)
    take = (b < low) | (g < near)
    rule = {
        "low": low,
        "near": near,
        "judged_below_sure": len(b),
        "checked": int(take.sum()),
        "net_corrections_all": full,
        "net_corrections_checked": int(d[take].sum()),
        "changed": [
            {"score": round(float(x), 3), "gap": round(float(y), 3), "delta": int(z)}
            for x, y, z in zip(b, g, d, strict=True)
            if z
        ],
    }
    return low, near, rule


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
                    value = worse_of_two(rates(found, cfg))
                    if value > best:
                        best, best_cfg = value, cfg
    return best_cfg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--embedder", type=Path, default=Path("models/embedder.onnx"))
    parser.add_argument("--known", type=int, default=200)
    parser.add_argument("--held-out", type=int, default=50)
    parser.add_argument("--refs", type=int, default=3)
    parser.add_argument(
        "--kind", default="mixed", help="catalog kind: mixed, or tobacco (per-pack warnings)"
    )
    parser.add_argument("--ref-px", type=int, default=192)
    parser.add_argument("--scenes", type=int, default=30)
    parser.add_argument("--size", default="1600x1200")
    parser.add_argument("--threshold", type=float)
    parser.add_argument("--link", type=float)
    parser.add_argument("--margin", type=float)
    parser.add_argument("--confident", type=float)
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--calibrate-verify", action="store_true")
    parser.add_argument("--calibrate-geometry", action="store_true")
    parser.add_argument(
        "--with-tobacco",
        action="store_true",
        help="--calibrate-verify on the mixed and the tobacco catalog of the seed together",
    )
    parser.add_argument("--tobacco-size", default="3200x2400", help="its scenes (8 MP photos)")
    parser.add_argument("--no-geometry", action="store_true", help="no reference images")
    parser.add_argument("--sure", type=float, help="verify facings scoring below this")
    parser.add_argument("--low", type=float, help="of those, geometry below this score")
    parser.add_argument("--near", type=float, help="or with the best two within this")
    parser.add_argument("--min-inliers", type=int)
    parser.add_argument("--min-aligned", type=float)
    parser.add_argument("--accept", type=float, help="four-cue mean to take a confirmed SKU")
    parser.add_argument("--test-size", help="scene size of the test seed (default: --size)")
    parser.add_argument("--gap", type=float, help="verification gap (below 0: off)")
    parser.add_argument("--verify-threshold", type=float)
    parser.add_argument("--brand-threshold", type=float)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    t0 = time.perf_counter()
    embedder = Embedder.from_path(args.embedder, args.threads)
    cfg = embedder.match_config
    report: dict[str, object] = {"embedder": embedder.name}
    vcfg = VerifyConfig()
    if args.calibrate or args.calibrate_verify or args.calibrate_geometry:
        cal = prepare(embedder, CALIBRATION_SEED, args)
        if args.calibrate:
            cfg = calibrate(cal, cfg)
        if args.calibrate or args.calibrate_verify:
            tob = None
            if args.with_tobacco:
                tob_args = argparse.Namespace(
                    **{
                        **vars(args),
                        "kind": "tobacco",
                        "refs": 1,
                        "size": args.tobacco_size,
                        "scenes": max(1, args.scenes // 3),
                    }
                )
                tob = prepare(embedder, CALIBRATION_SEED, tob_args)
            vcfg = calibrate_verify(cal, cfg, tob)
        if args.calibrate_geometry:
            w, h = (int(x) for x in args.size.split("x"))
            big = argparse.Namespace(
                **{
                    **vars(args),
                    "size": f"{2 * w}x{2 * h}",
                    "ref_px": 2 * args.ref_px,
                    "scenes": max(1, args.scenes // 2),
                }
            )
            vcfg = calibrate_geometry(prepare(embedder, CALIBRATION_SEED, big), cal, cfg, vcfg)
        report["calibration_seed"] = CALIBRATION_SEED
        del cal
    geo = vcfg.geometry
    vcfg = replace(
        vcfg,
        sure=vcfg.sure if args.sure is None else args.sure,
        low=vcfg.low if args.low is None else args.low,
        near=vcfg.near if args.near is None else args.near,
        geometry=GeometryConfig(
            min_inliers=geo.min_inliers if args.min_inliers is None else args.min_inliers,
            min_aligned=geo.min_aligned if args.min_aligned is None else args.min_aligned,
            accept=geo.accept if args.accept is None else args.accept,
        ),
        gap=vcfg.gap if args.gap is None else args.gap,
        threshold=vcfg.threshold if args.verify_threshold is None else args.verify_threshold,
        brand=vcfg.brand if args.brand_threshold is None else args.brand_threshold,
    )
    cfg = replace(
        cfg,
        threshold=cfg.threshold if args.threshold is None else args.threshold,
        link=cfg.link if args.link is None else args.link,
        margin=cfg.margin if args.margin is None else args.margin,
        confident=cfg.confident if args.confident is None else args.confident,
    )
    if args.test_size:
        args.size = args.test_size
    test = prepare(embedder, TEST_SEED, args)
    report.update(
        test_seed=TEST_SEED,
        test_size=args.size,
        config={
            "threshold": cfg.threshold,
            "link": cfg.link,
            "margin": cfg.margin,
            "confident": cfg.confident,
        },
        verify={
            "gap": vcfg.gap,
            "threshold": vcfg.threshold,
            "brand": vcfg.brand,
            "sure": vcfg.sure,
            "low": vcfg.low,
            "near": vcfg.near,
            "min_inliers": vcfg.geometry.min_inliers,
            "min_aligned": vcfg.geometry.min_aligned,
            "accept": vcfg.geometry.accept,
            "geometric": not args.no_geometry,
        },
        verified=score(test, cfg, vcfg),
        with_context=score(test, cfg),
        without_context=score(test, replace(cfg, link=1.01)),
        seconds=round(time.perf_counter() - t0, 1),
    )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
