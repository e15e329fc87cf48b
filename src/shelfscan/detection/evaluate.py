"""Run a detector model over an annotated dataset and score it (``shelfscan model eval``).

A dataset spec is either ``synthetic:A-B`` (held-out synthetic scenes with seeds A..B,
inclusive; training uses seeds >= 1,000,000), ``realistic:A-B`` (the same seeds with the
generator's hard cases of real stores on, ``datasets.synthetic.hard.REALISTIC``) or a
path any dataset reader loads.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from shelfscan.detection.detector import Detector
from shelfscan.detection.metrics import DetectionMetrics, evaluate
from shelfscan.errors import ConfigError, DatasetError
from shelfscan.types import Detections

Sample = tuple[str, npt.NDArray[np.uint8], Detections]
_SYNTH = re.compile(r"^(synthetic|realistic):(\d+)-(\d+)$")
EVAL_SCENE_SIZE = (1600, 1200)  # width, height of held-out synthetic scenes


@dataclass(frozen=True)
class EvalReport:
    metrics: DetectionMetrics
    dataset: str
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "seconds": self.seconds, **self.metrics.as_dict()}


def synthetic_samples(first: int, last: int, realistic: bool = False) -> Iterator[Sample]:
    """Held-out synthetic scenes ``first..last`` with their exact ground truth."""
    from shelfscan.datasets.synthetic.hard import REALISTIC
    from shelfscan.datasets.synthetic.render import generate_scene
    from shelfscan.datasets.synthetic.scene import SceneConfig

    config = SceneConfig(realism=REALISTIC) if realistic else None
    for seed in range(first, last + 1):
        scene = generate_scene(seed, config, size=EVAL_SCENE_SIZE)
        yield f"synthetic-{seed}", scene.image, scene.detections


def dataset_samples(path: Path) -> Iterator[Sample]:
    """Images and boxes of an annotated dataset on disk (COCO, YOLO, VOC, CSV)."""
    from shelfscan.datasets import load_dataset
    from shelfscan.imaging import load_image

    dataset = load_dataset(path)
    for item in dataset:
        image, _info = load_image(item.path)
        yield str(item.path), image, item.detections


def samples_for(spec: str) -> Iterator[Sample]:
    """Resolve a dataset spec to its samples; raises ``ConfigError`` on a bad spec."""
    match = _SYNTH.match(spec)
    if match:
        first, last = int(match.group(2)), int(match.group(3))
        if last < first:
            raise ConfigError(f"{spec}: empty seed range (write synthetic:FIRST-LAST)")
        return synthetic_samples(first, last, realistic=match.group(1) == "realistic")
    if spec.startswith(("synthetic", "realistic")):
        raise ConfigError(f"{spec}: write held-out synthetic scenes as synthetic:FIRST-LAST")
    path = Path(spec)
    if not path.exists():
        raise DatasetError(f"{path}: no such dataset file or folder")
    return dataset_samples(path)


def evaluate_model(
    detector: Detector,
    spec: str,
    classes: tuple[int, ...] = (0,),
    count_threshold: float = 0.5,
    on_image: Callable[[str], None] | None = None,
) -> EvalReport:
    """Detect on every sample of ``spec`` and compute AP/AR/counting metrics."""
    preds: list[Detections] = []
    gts: list[Detections] = []
    start = time.perf_counter()
    for name, image, gt in samples_for(spec):
        preds.append(detector(image))
        gts.append(gt)
        if on_image is not None:
            on_image(name)
    if not gts:
        raise DatasetError(f"{spec}: the dataset holds no images")
    metrics = evaluate(preds, gts, classes=classes, count_threshold=count_threshold)
    return EvalReport(metrics, spec, time.perf_counter() - start)
