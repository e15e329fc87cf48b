"""Auth for the sync: none, a static bearer token, or OAuth2 client credentials.

Secrets live only in these objects (from ``SyncSettings``) and in request headers; no
method returns or formats them for display.
"""

from __future__ import annotations

import time
from typing import Protocol

import requests

from shelfscan.errors import SyncError


class Auth(Protocol):
    def headers(self) -> dict[str, str]: ...

    def refresh(self) -> None: ...

    def secrets(self) -> list[str]:
        """Every secret this auth holds now (to mask in any text shown or stored)."""
        ...


class NoAuth:
    def headers(self) -> dict[str, str]:
        return {}

    def secrets(self) -> list[str]:
        return []

    def refresh(self) -> None:
        return None


class BearerAuth:
    def __init__(self, token: str) -> None:
        self._token = token

    def __repr__(self) -> str:
        return "BearerAuth(token=***)"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    def secrets(self) -> list[str]:
        return [self._token] if self._token else []

    def refresh(self) -> None:
        return None  # a static token cannot be refreshed; the 401 stays permanent


class OAuth2ClientCredentials:
    """Fetches an access token with the client-credentials grant; refreshes it before it
    expires and whenever the API answers 401."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        scope: str = "",
        timeout_s: float = 10.0,
        session: requests.Session | None = None,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self.scope = scope
        self.timeout_s = timeout_s
        self.session = session or requests.Session()
        self._token = ""
        self._expires = 0.0
        self.instance_url = ""  # Salesforce returns the org's API host with the token
        self.fetches = 0
        self._old_tokens: list[str] = []  # earlier access tokens may still be echoed

    def secrets(self) -> list[str]:
        return [s for s in (self._secret, self._token, *self._old_tokens) if s]

    def __repr__(self) -> str:
        return (
            f"OAuth2ClientCredentials(token_url={self.token_url!r}, client_id={self.client_id!r})"
        )

    def headers(self) -> dict[str, str]:
        if not self._token or time.monotonic() >= self._expires:
            self.refresh()
        return {"Authorization": f"Bearer {self._token}"}

    def refresh(self) -> None:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._secret,
        }
        if self.scope:
            form["scope"] = self.scope
        try:
            resp = self.session.post(
                self.token_url, data=form, timeout=self.timeout_s, allow_redirects=False
            )
        except requests.RequestException as exc:
            raise SyncError(
                f"{self.token_url}: cannot reach the token endpoint ({type(exc).__name__})"
            ) from exc
        if resp.status_code != 200:
            raise SyncError(f"{self.token_url}: token request refused (HTTP {resp.status_code})")
        try:
            body = resp.json()
            token = str(body["access_token"])
        except (ValueError, KeyError, TypeError) as exc:
            raise SyncError(f"{self.token_url}: token response has no access_token") from exc
        self.fetches += 1
        if self._token:
            self._old_tokens = [self._token, *self._old_tokens][:8]
        self._token = token
        self.instance_url = str(body.get("instance_url", "") or "")
        expires_in = float(body.get("expires_in", 3600) or 3600)
        self._expires = time.monotonic() + max(1.0, expires_in - 30.0)
