"""HTTP for the sync: timeouts, retries with exponential backoff and full jitter,
Retry-After, an ``Idempotency-Key`` on every request, auth refresh on 401, and error
text scrubbed of secrets before anyone stores or prints it."""

from __future__ import annotations

import email.utils
import json
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import requests

from shelfscan.sync.auth import Auth

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_ERROR_CHARS = 500


@dataclass(frozen=True)
class Reply:
    """The end of one logical request (after retries).

    ``status`` None means no HTTP answer (timeout, connection error). ``transient`` says
    the caller should try again later; otherwise a non-2xx ``status`` is permanent.
    """

    status: int | None
    data: Any = None
    error: str = ""
    transient: bool = False
    attempts: int = 1
    headers: dict[str, str] = field(default_factory=dict)
    retry_after_s: float | None = None  # the server's Retry-After, where it sent one

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def redact(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every secret (and its first 8+ characters) replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
            if len(secret) >= 12:
                text = text.replace(secret[:8], "***")
    return text


def retry_after_s(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (now if now is not None else datetime.now(UTC).timestamp()))


def backoff_s(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Full-jitter exponential backoff: uniform(0, min(cap, base * 2**attempt))."""
    return rng.uniform(0.0, min(cap, base * (2.0 ** max(0, attempt))))


class HttpClient:
    """One ``requests.Session`` with the retry policy of the sync."""

    def __init__(
        self,
        auth: Auth,
        *,
        timeout_s: float,
        max_retries: int,
        backoff_base_s: float,
        backoff_max_s: float,
        secrets: Sequence[str] = (),
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        stop: threading.Event | None = None,
        max_inline_wait_s: float = 30.0,
    ) -> None:
        self.auth = auth
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.secrets = [*secrets]
        self.session = session or requests.Session()
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.stop = stop
        self.max_inline_wait_s = max_inline_wait_s

    def request(
        self,
        method: str,
        url: str,
        body: Any,
        idempotency_key: str,
        extra: dict[str, str] | None = None,
    ) -> Reply:
        """Send ``body`` as JSON; retry transient failures; never raises for HTTP trouble.

        A wait longer than ``max_inline_wait_s`` (a long Retry-After) or a stop request
        ends the retries early: the reply is returned transient with ``retry_after_s`` so
        the records wait in the outbox instead of in this process.
        """
        data = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        refreshed = False
        attempt = 0
        while True:
            reply, wait = self._once(method, url, data, idempotency_key, extra or {})
            if reply.status == 401 and not refreshed:
                refreshed = True
                self.auth.refresh()  # an expired token: fetch a new one, once
                continue
            delay = (
                wait
                if wait is not None
                else backoff_s(attempt, self.backoff_base_s, self.backoff_max_s, self.rng)
            )
            done = not reply.transient or attempt >= self.max_retries
            if done or delay > self.max_inline_wait_s or self._stopped(delay):
                return replace(reply, attempts=attempt + 1, retry_after_s=wait)
            attempt += 1

    def _stopped(self, delay: float) -> bool:
        """Sleep ``delay`` seconds; True when a stop was requested meanwhile."""
        if self.stop is None:
            self.sleep(delay)
            return False
        return self.stop.wait(delay)

    def _once(
        self, method: str, url: str, data: bytes | None, key: str, extra: dict[str, str]
    ) -> tuple[Reply, float | None]:
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Idempotency-Key": key,
            "User-Agent": "shelfscan-sync/1",
            **extra,
            **self.auth.headers(),
        }
        try:
            resp = self.session.request(
                method, url, data=data, headers=headers, timeout=self.timeout_s
            )
        except requests.Timeout:
            return Reply(None, error=f"timeout after {self.timeout_s:g} s", transient=True), None
        except requests.RequestException as exc:
            msg = redact(f"connection error: {type(exc).__name__}", self.secrets)
            return Reply(None, error=msg, transient=True), None
        try:
            payload: Any = resp.json() if resp.content else None
        except ValueError:
            payload = None
        status = resp.status_code
        error = "" if 200 <= status < 300 else self._reason(status, resp.text)
        wait = retry_after_s(resp.headers.get("Retry-After")) if status in (429, 503) else None
        hdrs = {k: v for k, v in resp.headers.items() if k.lower() != "set-cookie"}
        return Reply(status, payload, error, status in RETRY_STATUSES, 1, hdrs), wait

    def _reason(self, status: int, text: str) -> str:
        text = " ".join(text.split())[:MAX_ERROR_CHARS]
        return redact(f"HTTP {status}: {text}" if text else f"HTTP {status}", self.secrets)
