"""Settings: shipped defaults < config file < environment < CLI flags, resolved once."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, TypeVar

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


MAX_TILES_PER_SIDE = 8  # 64 detector runs per photo at most


@dataclass(frozen=True)
class Settings:
    """Every tunable of a scan. Field names are the config file's keys (section ``[scan]``)."""

    detector: str = "detector.onnx"  # file name under models/, or a path
    threads: int = 2
    score_threshold: float = 0.5  # counting error is lowest here (models/README.md)
    iou_threshold: float = 0.5
    tiles: str = "1x1"  # columns x rows for very large photos
    min_gap_facings: float = 0.8
    workers: int = 0  # scan worker processes; 0 = one per CPU core (threads split over them)

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
        if cols > MAX_TILES_PER_SIDE or rows > MAX_TILES_PER_SIDE:
            raise ConfigError(
                f"tiles must be at most {MAX_TILES_PER_SIDE}x{MAX_TILES_PER_SIDE}, got "
                f"{self.tiles!r} (each tile is a full detector run)"
            )
        return cols, rows


T = TypeVar("T")
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def _coerce(section: str, name: str, value: Any, kind: type, origin: str) -> Any:
    """``value`` as ``kind``; ``ConfigError`` naming where the value came from (the config
    file, the environment variable or the command-line option)."""
    where = f"setting {section}.{name}"
    if kind is bool and isinstance(value, str):
        if value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ConfigError(f"{where}: expected true/false, got {value!r} (from {origin})")
    try:
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"{where}: expected {kind.__name__}, got {value!r} (from {origin})"
        ) from exc


def load_section(
    cls: type[T], section: str, path: Path | None = None, overrides: Mapping[str, Any] | None = None
) -> T:
    """Resolve a frozen settings dataclass ``cls``: its defaults < the ``[section]`` table of
    the config file < ``SHELFSCAN_<SECTION>_<NAME>`` env vars (``SHELFSCAN_<NAME>`` for
    ``scan``) < ``overrides`` (CLI flags; None means 'not given')."""
    defaults = cls()
    kinds = {f.name: type(getattr(defaults, f.name)) for f in fields(cls)}  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    path = path or default_config_path()
    if path.is_file():
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8")).get(section, {})
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read config ({exc})") from exc
        for key, value in table.items():
            if key not in kinds:
                raise ConfigError(
                    f"{path}: unknown setting {section}.{key} (valid: {', '.join(kinds)})"
                )
            values[key] = value
            origins[key] = f"config {path}"
    prefix = "SHELFSCAN_" if section == "scan" else f"SHELFSCAN_{section.upper()}_"
    for key in kinds:
        env = os.environ.get(f"{prefix}{key.upper()}")
        if env is not None:
            values[key] = env
            origins[key] = f"environment variable {prefix}{key.upper()}"
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = value
            origins[key] = "command-line option"
    coerced = {k: _coerce(section, k, v, kinds[k], origins[k]) for k, v in values.items()}
    return replace(defaults, **coerced)  # type: ignore[type-var]


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Scan settings: defaults < ``[scan]`` of the config file < ``SHELFSCAN_<NAME>`` < flags."""
    return load_section(Settings, "scan", path, overrides)
