"""Recognition settings: defaults < [recognition] table < env < overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from shelfscan.errors import ConfigError
from shelfscan.recognition.settings import load_recognition_settings


@pytest.mark.parametrize(
    ("toml", "env", "overrides", "field", "value"),
    [
        ("", {}, {}, "threshold", 0.0),  # default: the embedder's calibrated value
        ("[recognition]\nthreshold = 0.8\n", {}, {}, "threshold", 0.8),  # config file
        (
            "[recognition]\nthreshold = 0.8\n",
            {"SHELFSCAN_RECOGNITION_THRESHOLD": "0.7"},
            {},
            "threshold",
            0.7,
        ),  # env beats the file
        ("", {"SHELFSCAN_RECOGNITION_THRESHOLD": "0.7"}, {"threshold": 0.6}, "threshold", 0.6),
        ("", {"SHELFSCAN_RECOGNITION_KEEP_CROPS": "no"}, {}, "keep_crops", False),
        ("", {}, {}, "geometry_budget", -1),  # default: verify.BUDGET
        ("", {"SHELFSCAN_RECOGNITION_GEOMETRY_BUDGET": "0"}, {}, "geometry_budget", 0),
        ("[scan]\nthreads = 4\n", {}, {"embedder": "x.onnx"}, "embedder", "x.onnx"),
    ],
)
def test_precedence(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    toml: str,
    env: dict[str, str],
    overrides: dict[str, object],
    field: str,
    value: object,
) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(toml)
    for key, val in env.items():
        monkeypatch.setenv(key, val)
    assert getattr(load_recognition_settings(cfg, **overrides), field) == value


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[recognition]\nthreshhold = 0.8\n", "unknown setting recognition.threshhold"),
        ("[recognition]\nthreshold = 'high'\n", "threshold: expected float"),
        ("[recognition\n", "cannot read config"),
    ],
)
def test_bad_config(tmp_path: Path, toml: str, message: str) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(toml)
    with pytest.raises(ConfigError, match=message):
        load_recognition_settings(cfg)
