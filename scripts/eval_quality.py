"""Quality-gate accuracy on synthetic shelf photos degraded by known camera effects.

Good photos (mild, realistic effects) should pass; photos past the thresholds (named
amounts of blur, shake, exposure, roll, keystone) should fail. Also runs the gate over
``/work/shared/data/real`` (or --real DIR) when present, as a sanity figure only.

    python scripts/eval_quality.py --scenes 40
"""

from __future__ import annotations

import argparse
import functools
import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from shelfscan.datasets.synthetic import CameraEffects, SceneConfig, apply_camera, generate_scene
from shelfscan.imaging.quality import assess_quality
from shelfscan.types import Detections

# Amounts are for a 1600 x 1200 photo (blur in pixels of that size). Exposure gains are
# relative to a correct exposure (scene mean luminance brought to MID_GREY), since the
# rendered scenes have their own lighting: x2.2 on an already dark scene is not overexposed.
MID_GREY = 0.45
GOOD = {
    "clean": lambda r: CameraEffects(),
    "phone": lambda r: CameraEffects(
        blur_sigma=r.uniform(0, 1.0),
        noise_sigma=r.uniform(0, 5),
        jpeg_quality=int(r.integers(70, 95)),
        white_balance=r.uniform(-0.4, 0.4),
    ),
    "shake": lambda r: CameraEffects(motion_blur_px=r.uniform(0, 4)),
    "light": lambda r: CameraEffects(
        exposure_gain=r.uniform(0.75, 1.35), gamma=r.uniform(0.85, 1.15)
    ),
    "angle": lambda r: CameraEffects(tilt_deg=r.uniform(-2, 2), perspective=r.uniform(-0.25, 0.25)),
}
BAD = {
    "blur": lambda r: CameraEffects(blur_sigma=r.uniform(2.5, 6)),
    "shaken": lambda r: CameraEffects(motion_blur_px=r.uniform(12, 30)),
    "dark": lambda r: CameraEffects(exposure_gain=r.uniform(0.15, 0.4)),
    "bright": lambda r: CameraEffects(exposure_gain=r.uniform(2.2, 3.5)),
    "rolled": lambda r: CameraEffects(tilt_deg=float(r.choice([-1, 1]) * r.uniform(5, 10))),
    "keystone": lambda r: CameraEffects(perspective=float(r.choice([-1, 1]) * r.uniform(0.8, 1.0))),
}


@functools.cache
def scene(seed: int) -> np.ndarray:
    return generate_scene(seed, SceneConfig(camera_strength=0.0), size=(1600, 1200)).image


def rate(kind: dict, scenes: int, first: int, expect_pass: bool) -> dict[str, float]:  # type: ignore[type-arg]
    out = {}
    for name, make in kind.items():
        right = 0
        for seed in range(first, first + scenes):
            rng = np.random.default_rng(seed)
            img = scene(seed)
            effects = make(rng)
            if effects.exposure_gain != 1.0:  # gains are relative to a correct exposure
                mean = float(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).mean()) / 255
                effects = replace(effects, exposure_gain=effects.exposure_gain * MID_GREY / mean)
            shot, _ = apply_camera(img, Detections.empty(), effects, rng)
            right += assess_quality(shot).passed == expect_pass
        out[name] = right / scenes
        print(f"{'accept' if expect_pass else 'reject'} {name}: {out[name]:.1%}", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scenes", type=int, default=20)
    ap.add_argument("--first-seed", type=int, default=9000)
    ap.add_argument("--real", type=Path, default=Path("/work/shared/data/real"))
    args = ap.parse_args()
    accept = rate(GOOD, args.scenes, args.first_seed, True)
    reject = rate(BAD, args.scenes, args.first_seed, False)
    result = {
        "scenes_per_case": args.scenes,
        "accept_good": accept,
        "accept_good_overall": float(np.mean(list(accept.values()))),
        "reject_bad": reject,
        "reject_bad_overall": float(np.mean(list(reject.values()))),
    }
    photos = (
        sorted(p for p in args.real.rglob("*") if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
        if args.real.is_dir()
        else []
    )
    if photos:
        passed, fails = 0, {}  # type: ignore[var-annotated]
        for p in photos:
            img = cv2.imread(str(p))
            if img is None:
                continue
            r = assess_quality(np.asarray(img, np.uint8))
            passed += r.passed
            for c in r.failed:
                fails[c.name] = fails.get(c.name, 0) + 1
        result["real_photos"] = {
            "n": len(photos),
            "pass_rate": passed / len(photos),
            "failed_checks": fails,
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
