"""The HTTP client's retry policy against the real local server."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import sqlite_utils
from crm_server import CrmServer
from sync_helpers import fill_outbox, hook_settings

from shelfscan.sync import sync_once
from shelfscan.sync.auth import NoAuth
from shelfscan.sync.http import HttpClient

BODY = {"schema": "shelfscan.webhook/v1", "records": []}


def client(**kw: float) -> HttpClient:
    opts = {"timeout_s": 0.3, "max_retries": 3, "backoff_base_s": 0.01, "backoff_max_s": 0.05}
    opts.update(kw)
    return HttpClient(NoAuth(), **opts)  # type: ignore[arg-type]


def test_retry_after_is_honoured(crm: CrmServer) -> None:
    crm.state.retry_after = "1"
    crm.state.faults.append("429")
    start = time.monotonic()
    reply = client().request("POST", f"{crm.url}/hook", BODY, "k1")
    assert reply.ok and reply.attempts == 2
    assert time.monotonic() - start >= 1.0  # waited as told, not the 10 ms backoff


def test_a_long_retry_after_waits_in_the_outbox_not_in_the_process(
    crm: CrmServer, store: sqlite_utils.Database
) -> None:
    fill_outbox(store, 5)
    crm.state.retry_after = "120"
    crm.state.faults.append("429")
    start = time.monotonic()
    report = sync_once(hook_settings(crm.url), store)
    assert report.retry == 5 and report.unreachable and time.monotonic() - start < 5
    due = store.execute("SELECT MIN(next_attempt_at) FROM outbox").fetchone()[0]
    wait = datetime.fromisoformat(due) - datetime.now(UTC)
    assert 100 < wait.total_seconds() <= 121


def test_every_request_carries_an_idempotency_key_and_retries_reuse_it(crm: CrmServer) -> None:
    crm.state.faults.extend(["500", "drop"])
    reply = client().request("POST", f"{crm.url}/hook", BODY, "key-42")
    assert reply.ok and reply.attempts == 3
    assert [r["key"] for r in crm.state.requests] == ["key-42"] * 3


def test_connection_refused_is_transient() -> None:
    reply = client(max_retries=1).request("POST", "http://127.0.0.1:9/hook", BODY, "k")
    assert reply.transient and reply.status is None and "connection error" in reply.error
