from __future__ import annotations

from pathlib import Path

import pytest

from shelfscan.config import load_settings
from shelfscan.errors import ConfigError


@pytest.mark.parametrize(
    ("toml", "env", "flags", "field", "value"),
    [
        ("", {}, {}, "threads", 2),  # shipped default
        ("[scan]\nthreads = 4\n", {}, {}, "threads", 4),  # config file beats default
        ("[scan]\nthreads = 4\n", {"SHELFSCAN_THREADS": "3"}, {}, "threads", 3),  # env beats file
        ("[scan]\nthreads = 4\n", {"SHELFSCAN_THREADS": "3"}, {"threads": 1}, "threads", 1),  # flag
        ("[scan]\nthreads = 4\n", {}, {"threads": None}, "threads", 4),  # None = flag not given
        ("[scan]\ntiles = '2x2'\n", {}, {}, "tile_grid", (2, 2)),
    ],
)
def test_precedence(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    toml: str,
    env: dict[str, str],
    flags: dict[str, object],
    field: str,
    value: object,
) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(toml)
    for key, val in env.items():
        monkeypatch.setenv(key, val)
    assert getattr(load_settings(cfg, **flags), field) == value


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[scan]\nthread = 4\n", "unknown setting scan.thread"),  # typo in a key
        ("[scan]\nthreads = 'many'\n", "setting scan.threads: expected int"),  # wrong type
        ("[scan\n", "cannot read config"),  # broken TOML
    ],
)
def test_bad_config_is_one_clear_error(tmp_path: Path, toml: str, message: str) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(toml)
    with pytest.raises(ConfigError, match=r"config\.toml") as err:
        load_settings(cfg)
    assert message in str(err.value)


@pytest.mark.parametrize("tiles", ["2by2", "0x1", "1000x1000", "9x1", "1x" + "9" * 5001])
def test_bad_tiles(tiles: str) -> None:
    with pytest.raises(ConfigError, match="tiles"):
        _ = load_settings(Path("/nonexistent.toml"), tiles=tiles).tile_grid


@pytest.mark.parametrize(
    ("toml", "env", "origin"),
    [
        # a bad environment variable is named, not the config file
        ("", {"SHELFSCAN_THREADS": "many"}, "from environment variable SHELFSCAN_THREADS"),
        # ... even when the config file sets the same key correctly
        (
            "[scan]\nthreads = 4\n",
            {"SHELFSCAN_THREADS": "x"},
            "environment variable SHELFSCAN_THREADS",
        ),
        # a bad value in the file names the file
        ("[scan]\nthreads = 'x'\n", {}, "from config "),
    ],
)
def test_bad_value_names_where_it_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str, env: dict[str, str], origin: str
) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(toml)
    for key, val in env.items():
        monkeypatch.setenv(key, val)
    with pytest.raises(ConfigError) as err:
        load_settings(cfg)
    assert origin in str(err.value)
    if env:
        assert "config.toml" not in str(err.value)
