"""Wire the quality gate into a pipeline, and summarise its result for output."""

from __future__ import annotations

from typing import Any

from shelfscan.imaging.quality import DistanceStage, QualitySettings, gate_for
from shelfscan.pipeline import Pipeline
from shelfscan.store.quality import quality_of
from shelfscan.types import ScanResult


def add_quality_stages(pipeline: Pipeline, settings: QualitySettings) -> Pipeline:
    """Gate every photo before detection, and check the distance after it."""
    if settings.enabled:
        pipeline.quality_gate = gate_for(settings)
        pipeline.analyses.append(DistanceStage(settings))
    return pipeline


def quality_json(result: ScanResult) -> dict[str, Any] | None:
    """The gate's result of one scan (distance included), or None without a gate."""
    report = quality_of(result)
    return None if report is None else report.to_dict()
