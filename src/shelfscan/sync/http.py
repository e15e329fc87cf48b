"""HTTP for the sync: timeouts, retries with exponential backoff and full jitter,
Retry-After, an ``Idempotency-Key`` on every request, auth refresh on 401, and error
text scrubbed of secrets before anyone stores or prints it."""

from __future__ import annotations

import base64
import email.utils
import json
import random
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, quote_plus

import requests

from shelfscan.sync.auth import Auth

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_ERROR_CHARS = 500
# A 409 for a request whose Idempotency-Key the server is still processing: the same
# request (same key) must be sent again later; it says nothing about the records.
_IN_PROGRESS = re.compile(r"in.?progress|in.?flight|concurrent|being processed", re.I)


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
    body_kind: str = "empty"  # "empty" | "json" | "other" (HTML, text: not an answer of ours)
    in_progress: bool = False  # 409: the server is still processing this Idempotency-Key

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def redirect(self) -> bool:
        return self.status is not None and 300 <= self.status < 400


def secret_forms(secret: str) -> list[str]:
    """The ways a server may echo ``secret``: as is, JSON-escaped (``\\/`` as PHP writes
    it, ``\\u`` escapes), URL-encoded, and base64 of it or of its ``Authorization`` header."""
    forms = {
        secret,
        secret.replace("/", "\\/"),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1].replace("/", "\\/"),
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        quote(secret, safe="/"),
    }
    for raw in (secret, f"Bearer {secret}"):
        enc = base64.b64encode(raw.encode()).decode()
        forms.update({enc, enc.rstrip("="), base64.urlsafe_b64encode(raw.encode()).decode()})
    return sorted((f for f in forms if f), key=len, reverse=True)


def redact(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every secret, in every form a server may echo it (``secret_forms``),
    and the first 8+ characters of each form, replaced by ``***``."""
    for secret in secrets:
        if not secret:
            continue
        for form in secret_forms(secret):
            text = text.replace(form, "***")
            if len(secret) >= 12 and len(form) >= 12:
                text = text.replace(form[:8], "***")
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
        max_retries: int | None = None,
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
            limit = self.max_retries if max_retries is None else max_retries
            done = not reply.transient or attempt >= limit
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
            # A redirect is never followed: requests would turn the POST into a GET and
            # the landing page's 200 would look like an acknowledgement.
            resp = self.session.request(
                method,
                url,
                data=data,
                headers=headers,
                timeout=self.timeout_s,
                allow_redirects=False,
            )
        except requests.Timeout:
            return Reply(None, error=f"timeout after {self.timeout_s:g} s", transient=True), None
        except requests.RequestException as exc:
            msg = self.redact(f"connection error: {type(exc).__name__}")
            return Reply(None, error=msg, transient=True), None
        kind = "empty"
        payload: Any = None
        if resp.content.strip():
            try:
                payload, kind = resp.json(), "json"
            except ValueError:
                kind = "other"
        status = resp.status_code
        error = "" if 200 <= status < 300 else self._reason(status, resp.text)
        if 300 <= status < 400:
            where = self.redact(resp.headers.get("Location", "") or "?")
            error = (
                f"HTTP {status}: redirected to {where}; a sync never follows redirects "
                "(set sync.url to the final address)"
            )
        elif 200 <= status < 300 and kind == "other":
            ctype = resp.headers.get("Content-Type", "") or "no content type"
            error = (
                f"HTTP {status} with a non-JSON body ({ctype.split(';')[0]}): not an "
                "acknowledgement (is sync.url the CRM endpoint?)"
            )
        in_progress = status == 409 and bool(_IN_PROGRESS.search(resp.text[:2000]))
        wait = retry_after_s(resp.headers.get("Retry-After")) if status in (409, 429, 503) else None
        hdrs = {k: v for k, v in resp.headers.items() if k.lower() != "set-cookie"}
        transient = status in RETRY_STATUSES or in_progress
        return (
            Reply(status, payload, error, transient, 1, hdrs, None, kind, in_progress),
            wait,
        )

    def redact(self, text: str) -> str:
        """``text`` without any secret: the configured ones and the auth's live token."""
        return redact(text, [*self.secrets, *self.auth.secrets()])

    def _reason(self, status: int, text: str) -> str:
        text = " ".join(text.split())[:MAX_ERROR_CHARS]
        return self.redact(f"HTTP {status}: {text}" if text else f"HTTP {status}")
