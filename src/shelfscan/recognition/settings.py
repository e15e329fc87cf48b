"""Recognition settings: table ``[recognition]`` of the config file, env, CLI overrides."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shelfscan.config import load_section, models_dir


@dataclass(frozen=True)
class RecognitionSettings:
    """Field names are the config keys; env vars are ``SHELFSCAN_RECOGNITION_<NAME>``.

    ``threshold``, ``margin``, ``link`` and ``confident`` left at 0 take the values calibrated for the embedder
    (its ONNX metadata, see ``models/README.md``); ``verify_gap``, ``verify_threshold``,
    ``brand_threshold`` and ``geometry_low`` left at 0 take the values of ``recognition.verify``
    (``geometry_low`` 0.95: geometry on every facing below ``verify.SURE``, slow);
    ``geometry_budget`` below 0 takes ``verify.BUDGET`` (0: no per-photo budget).
    """

    embedder: str = "embedder.onnx"  # file name under models/, or a path
    threshold: float = 0.0  # open-set cosine threshold; below it a facing is unknown
    margin: float = 0.0  # required lead of the best SKU over the runner-up
    link: float = 0.0  # similarity that groups neighbouring facings (above 1: off)
    confident: float = 0.0  # own score from which a facing ignores its group's answer
    index: str = "numpy"
    threads: int = 2
    keep_crops: bool = True  # store crops of unknown facings for review
    verify: bool = True  # re-score close calls on the brand band and its colours
    verify_gap: float = 0.0  # verify facings whose best two SKUs are closer than this
    verify_threshold: float = 0.0  # verified score from which the best candidate is taken
    brand_threshold: float = 0.0  # verified score from which an unknown facing gets a brand
    geometric: bool = True  # verify on local features of the brand band (reference images)
    geometry_low: float = 0.0  # geometry on facings scoring below this (0: calibrated)
    geometry_budget: int = -1  # per photo, K more lowest-scoring facings (<0: verify.BUDGET)

    @property
    def embedder_path(self) -> Path:
        path = Path(self.embedder).expanduser()
        return path if path.is_absolute() or path.exists() else models_dir() / self.embedder


def load_recognition_settings(path: Path | None = None, **overrides: Any) -> RecognitionSettings:
    """Defaults < config ``[recognition]`` < ``SHELFSCAN_RECOGNITION_<NAME>`` < overrides."""
    return load_section(RecognitionSettings, "recognition", path, overrides)
