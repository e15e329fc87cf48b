"""Settings: HTTPS rule, secrets only from config/env, durations."""

from __future__ import annotations

from pathlib import Path

import pytest

from shelfscan.errors import ConfigError
from shelfscan.sync import load_sync_settings, parse_every
from shelfscan.sync.config import SyncSettings
from shelfscan.sync.http import redact, retry_after_s


@pytest.mark.parametrize(
    ("url", "allow_http", "ok"),
    [
        ("https://crm.example.com/hook", False, True),  # https anywhere
        ("http://127.0.0.1:8080/hook", False, True),  # plain http to localhost
        ("http://localhost/hook", False, True),
        ("http://crm.example.com/hook", False, False),  # plain http elsewhere: refused
        ("http://crm.example.com/hook", True, True),  # ...unless explicitly allowed
        ("ftp://crm.example.com", False, False),  # not http at all
        ("", False, False),  # missing
    ],
)
def test_https_required_except_localhost(url: str, allow_http: bool, ok: bool) -> None:
    settings = SyncSettings(url=url, allow_http=allow_http)
    if ok:
        settings.validate()
    else:
        with pytest.raises(ConfigError):
            settings.validate()


def test_precedence_and_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[sync]\nurl = "https://a.example/hook"\nbatch_size = 50\nauth = "bearer"\n')
    monkeypatch.setenv("SHELFSCAN_SYNC_BATCH_SIZE", "70")
    monkeypatch.setenv("SHELFSCAN_SYNC_TOKEN", "tok-from-env-123456")
    s = load_sync_settings(cfg, batch_size=None)
    assert (s.url, s.batch_size, s.token) == ("https://a.example/hook", 70, "tok-from-env-123456")
    assert load_sync_settings(cfg, batch_size=9).batch_size == 9  # CLI flag wins
    assert "tok-from-env" not in repr(s) and s.describe()["token"] == "(set)"
    with pytest.raises(ConfigError, match="secret"):
        load_sync_settings(cfg, token="on-the-command-line")
    cfg.write_text("[sync]\nbogus = 1\n")
    with pytest.raises(ConfigError, match="bogus"):
        load_sync_settings(cfg)


@pytest.mark.parametrize(("text", "seconds"), [("15m", 900), ("30s", 30), ("1h", 3600), ("90", 90)])
def test_parse_every(text: str, seconds: float) -> None:
    assert parse_every(text) == seconds


@pytest.mark.parametrize("text", ["", "0m", "soon", "-5m"])
def test_parse_every_rejects(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_every(text)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("3", 3.0),
        ("0", 0.0),
        (None, None),
        ("garbage", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ],  # a date in the past: no wait
)
def test_retry_after(header: str | None, expected: float | None) -> None:
    assert retry_after_s(header) == expected


def test_redact() -> None:
    assert redact("bad token abcdefgh12345678 here", ["abcdefgh12345678"]) == "bad token *** here"
    assert "abcdefgh" not in redact("prefix abcdefgh...", ["abcdefgh12345678"])
