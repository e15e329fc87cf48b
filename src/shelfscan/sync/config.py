"""Sync settings: the ``[sync]`` table of the config file, then ``SHELFSCAN_SYNC_<NAME>``.

Secrets (``token``, ``client_secret``) come only from here: never from a CLI flag, and
never printed (``SyncSettings.__repr__`` and ``describe`` mask them).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from shelfscan.config import load_section
from shelfscan.errors import ConfigError

SECRET_FIELDS = ("token", "client_secret")
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
ADAPTERS = ("webhook", "salesforce")
AUTH_KINDS = ("none", "bearer", "oauth2")


@dataclass(frozen=True)
class SyncSettings:
    """Every tunable of ``shelfscan sync``. Field names are the keys of ``[sync]``."""

    adapter: str = "webhook"  # webhook | salesforce
    url: str = ""  # webhook endpoint, or the Salesforce instance URL
    auth: str = "none"  # none | bearer | oauth2
    token: str = field(default="", repr=False)  # bearer token (secret)
    token_url: str = ""  # OAuth2 client-credentials token endpoint
    client_id: str = ""
    client_secret: str = field(default="", repr=False)  # (secret)
    scope: str = ""
    allow_http: bool = False  # plain http to a non-local host (tests behind a proxy only)
    batch_size: int = 500  # records per request (Salesforce: at most 200)
    timeout_s: float = 10.0  # per request (connect and read)
    max_retries: int = 4  # retries of one request within a run
    backoff_s: float = 0.5  # first backoff; doubles each retry, full jitter
    backoff_max_s: float = 300.0  # cap of any wait, Retry-After included
    max_attempts: int = 0  # failed runs before a dead letter; 0: transient errors never are
    poison_after: int = 3  # runs a record fails alone with a 5xx (others accepted) -> dead
    max_split_requests: int = 64  # requests one run may spend isolating a failing batch
    api_version: str = "v61.0"  # Salesforce REST API version
    external_id_field: str = "Shelfscan_External_Id__c"  # Salesforce external id field
    upload_photos: bool = False  # Salesforce: photos as ContentVersion
    upload_settle_s: float = 120.0  # Salesforce: wait before re-trying an unanswered upload

    def describe(self) -> dict[str, Any]:
        """Settings as a dict safe to print: secrets shown only as set / not set."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = ("(set)" if value else "(not set)") if f.name in SECRET_FIELDS else value
        return out

    @property
    def target(self) -> str:
        """Where records go, as recorded in ``outbox.sent_to``: adapter + scheme://host/path."""
        parts = urlsplit(self.url)
        return (
            f"{self.adapter}:{parts.scheme}://{parts.hostname or ''}"
            + (f":{parts.port}" if parts.port else "")
            + parts.path
        )

    def secrets(self) -> list[str]:
        return [s for s in (self.token, self.client_secret) if s]

    def validate(self) -> None:
        """Raise ``ConfigError`` naming the setting that is missing or invalid."""
        if self.adapter not in ADAPTERS:
            raise ConfigError(
                f"sync.adapter: unknown {self.adapter!r} (valid: {', '.join(ADAPTERS)})"
            )
        if self.auth not in AUTH_KINDS:
            raise ConfigError(f"sync.auth: unknown {self.auth!r} (valid: {', '.join(AUTH_KINDS)})")
        check_url("sync.url", self.url, self.allow_http)
        if self.auth == "bearer" and not self.token:
            raise ConfigError("sync.auth is 'bearer' but no token is set (SHELFSCAN_SYNC_TOKEN)")
        if self.auth == "oauth2":
            check_url("sync.token_url", self.token_url, self.allow_http)
            if not self.client_id or not self.client_secret:
                raise ConfigError(
                    "sync.auth is 'oauth2' but client_id or client_secret is not set "
                    "(SHELFSCAN_SYNC_CLIENT_ID, SHELFSCAN_SYNC_CLIENT_SECRET)"
                )
        if self.batch_size < 1 or self.timeout_s <= 0 or self.max_retries < 0:
            raise ConfigError("sync.batch_size >= 1, sync.timeout_s > 0, sync.max_retries >= 0")


def check_url(name: str, url: str, allow_http: bool) -> None:
    """HTTPS is required, except for localhost or where ``allow_http`` is set."""
    if not url:
        raise ConfigError(f"{name} is not set (config [sync] or SHELFSCAN_SYNC_{name[5:].upper()})")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f"{name}: not an http(s) URL: {url!r}")
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS and not allow_http:
        raise ConfigError(
            f"{name}: plain http to {parts.hostname} is refused; use https "
            "(or set sync.allow_http = true for a trusted network)"
        )


def load_sync_settings(path: Path | None = None, **overrides: Any) -> SyncSettings:
    """Defaults < ``[sync]`` of the config file < ``SHELFSCAN_SYNC_<NAME>`` < ``overrides``
    (non-secret CLI flags; None means 'not given')."""
    for key, value in overrides.items():
        if key in SECRET_FIELDS and value is not None:
            raise ConfigError(f"sync.{key} is a secret: set it in the config file or environment")
    return load_section(SyncSettings, "sync", path, overrides)
