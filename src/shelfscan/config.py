"""Settings: shipped defaults < config file < environment < CLI flags, resolved once."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from shelfscan.errors import ConfigError

CONFIG_ENV = "SHELFSCAN_CONFIG"
MODELS_ENV = "SHELFSCAN_MODELS"


def models_dir() -> Path:
    """``$SHELFSCAN_MODELS``, else the ``models/`` folder of the source checkout."""
    if os.environ.get(MODELS_ENV):
        return Path(os.environ[MODELS_ENV]).expanduser()
    return Path(__file__).resolve().parents[2] / "models"


def default_config_path() -> Path:
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV]).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "shelfscan" / "config.toml"


@dataclass(frozen=True)
class Settings:
    """Every tunable of a scan. Field names are the config file's keys (section ``[scan]``)."""

    detector: str = "detector.onnx"  # file name under models/, or a path
    threads: int = 2
    score_threshold: float = 0.5  # counting error is lowest here (models/README.md)
    iou_threshold: float = 0.5
    tiles: str = "1x1"  # columns x rows for very large photos
    min_gap_facings: float = 0.8

    @property
    def detector_path(self) -> Path:
        path = Path(self.detector).expanduser()
        return path if path.is_absolute() or path.exists() else models_dir() / self.detector

    @property
    def tile_grid(self) -> tuple[int, int]:
        try:
            cols, rows = (int(v) for v in self.tiles.lower().split("x"))
        except ValueError as exc:
            raise ConfigError(f"tiles must look like 2x2, got {self.tiles!r}") from exc
        if cols < 1 or rows < 1:
            raise ConfigError(f"tiles must be at least 1x1, got {self.tiles!r}")
        return cols, rows


def _coerce(name: str, value: Any, kind: type) -> Any:
    try:
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name}: expected {kind.__name__}, got {value!r}") from exc


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Defaults, then the config file's ``[scan]`` table, then ``SHELFSCAN_<NAME>`` env vars,
    then ``overrides`` (CLI flags; None means 'not given')."""
    kinds = {f.name: type(getattr(Settings(), f.name)) for f in fields(Settings)}
    values: dict[str, Any] = {}
    path = path or default_config_path()
    if path.is_file():
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8")).get("scan", {})
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read config ({exc})") from exc
        for key, value in table.items():
            if key not in kinds:
                raise ConfigError(f"{path}: unknown setting {key!r} (valid: {', '.join(kinds)})")
            values[key] = value
    for key in kinds:
        env = os.environ.get(f"SHELFSCAN_{key.upper()}")
        if env is not None:
            values[key] = env
    values.update({k: v for k, v in overrides.items() if v is not None})
    return replace(Settings(), **{k: _coerce(k, v, kinds[k]) for k, v in values.items()})
