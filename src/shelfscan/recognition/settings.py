"""Recognition settings: table ``[recognition]`` of the config file, env, CLI overrides."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from shelfscan.config import default_config_path, models_dir
from shelfscan.errors import ConfigError


@dataclass(frozen=True)
class RecognitionSettings:
    """Field names are the config keys; env vars are ``SHELFSCAN_RECOGNITION_<NAME>``.

    ``threshold``, ``margin``, ``link`` and ``confident`` left at 0 take the values calibrated for the embedder
    (its ONNX metadata, see ``models/README.md``).
    """

    embedder: str = "embedder.onnx"  # file name under models/, or a path
    threshold: float = 0.0  # open-set cosine threshold; below it a facing is unknown
    margin: float = 0.0  # required lead of the best SKU over the runner-up
    link: float = 0.0  # similarity that groups neighbouring facings (above 1: off)
    confident: float = 0.0  # own score from which a facing ignores its group's answer
    index: str = "numpy"
    threads: int = 2
    keep_crops: bool = True  # store crops of unknown facings for review

    @property
    def embedder_path(self) -> Path:
        path = Path(self.embedder).expanduser()
        return path if path.is_absolute() or path.exists() else models_dir() / self.embedder


def _coerce(name: str, value: Any, kind: type) -> Any:
    if kind is bool and isinstance(value, str):
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"recognition setting {name}: expected true/false, got {value!r}")
    try:
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"recognition setting {name}: expected {kind.__name__}, got {value!r}"
        ) from exc


def load_recognition_settings(path: Path | None = None, **overrides: Any) -> RecognitionSettings:
    """Defaults < config ``[recognition]`` < ``SHELFSCAN_RECOGNITION_<NAME>`` < overrides."""
    kinds = {
        f.name: type(getattr(RecognitionSettings(), f.name)) for f in fields(RecognitionSettings)
    }
    values: dict[str, Any] = {}
    path = path or default_config_path()
    if path.is_file():
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8")).get("recognition", {})
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read config ({exc})") from exc
        for key, value in table.items():
            if key not in kinds:
                raise ConfigError(
                    f"{path}: unknown setting recognition.{key} (valid: {', '.join(kinds)})"
                )
            values[key] = value
    for key in kinds:
        env = os.environ.get(f"SHELFSCAN_RECOGNITION_{key.upper()}")
        if env is not None:
            values[key] = env
    values.update({k: v for k, v in overrides.items() if v is not None})
    return replace(RecognitionSettings(), **{k: _coerce(k, v, kinds[k]) for k, v in values.items()})
