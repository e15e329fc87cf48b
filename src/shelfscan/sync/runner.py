"""Run the sync: pending outbox rows -> adapter -> outcomes, once or every N minutes."""

from __future__ import annotations

import logging
import random
import re
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import FrameType
from typing import Any

import sqlite_utils

from shelfscan.errors import ConfigError, ShelfscanError
from shelfscan.store.db import open_db
from shelfscan.sync.adapters import Adapter, get_adapter_factory
from shelfscan.sync.auth import Auth, BearerAuth, NoAuth, OAuth2ClientCredentials
from shelfscan.sync.config import SyncSettings
from shelfscan.sync.http import HttpClient
from shelfscan.sync.lock import single_instance
from shelfscan.sync.outbox import (
    OutboxRecord,
    RecordResult,
    next_batch,
    own_batch,
    pending_preview,
    record_results,
)

log = logging.getLogger("shelfscan.sync")


@dataclass
class SyncReport:
    """What one run did."""

    batches: int = 0
    sent: int = 0
    dead: int = 0
    retry: int = 0
    requeued: int = 0
    unreachable: bool = False
    split_requests: int = 0  # requests spent isolating a batch that failed with a 5xx
    errors: list[str] = field(default_factory=list)

    @property
    def failing(self) -> bool:
        """Records could not be delivered in this run (dead-lettered or still failing)."""
        return self.dead > 0 or self.retry > 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "batches": self.batches,
            "sent": self.sent,
            "dead": self.dead,
            "retry": self.retry,
            "requeued": self.requeued,
            "unreachable": self.unreachable,
            "split_requests": self.split_requests,
            "errors": self.errors[:5],
        }


def make_auth(settings: SyncSettings) -> Auth:
    if settings.auth == "bearer":
        return BearerAuth(settings.token)
    if settings.auth == "oauth2":
        return OAuth2ClientCredentials(
            settings.token_url,
            settings.client_id,
            settings.client_secret,
            settings.scope,
            settings.timeout_s,
        )
    return NoAuth()


def make_adapter(
    settings: SyncSettings, db: sqlite_utils.Database, stop: threading.Event | None = None
) -> Adapter:
    """The adapter named in ``settings`` (validated), with its HTTP client and auth;
    ``stop`` cuts retry waits short (SIGTERM)."""
    settings.validate()
    client = HttpClient(
        make_auth(settings),
        timeout_s=settings.timeout_s,
        max_retries=settings.max_retries,
        backoff_base_s=settings.backoff_s,
        backoff_max_s=settings.backoff_max_s,
        secrets=settings.secrets(),
        stop=stop,
    )
    return get_adapter_factory(settings.adapter)(client, settings, db)


def dry_run(settings: SyncSettings, db: sqlite_utils.Database, limit: int = 1000) -> dict[str, Any]:
    """What would go, as the adapter would send it; touches neither the store nor the network."""
    adapter = make_adapter(settings, db)
    records = pending_preview(db, limit)
    return {
        "target": settings.target,
        "records": len(records),
        "requests": adapter.preview(records),
    }


def sync_once(
    settings: SyncSettings,
    db: sqlite_utils.Database,
    adapter: Adapter | None = None,
    stop: threading.Event | None = None,
    max_batches: int | None = None,
) -> SyncReport:
    """Send every due pending record, batch after batch, until none is due, ``stop`` is
    set, or a whole batch failed transiently (the CRM is unreachable: no point hammering
    it with the next batches; they wait for the next run).

    A batch of several records that fails with a server error (5xx) is split
    (``_isolate``): the records that go through are sent, and a record that fails alone
    while others were accepted is a poison suspect; after ``poison_after`` such runs it
    is a dead letter with the server's reason."""
    adapter = adapter or make_adapter(settings, db)
    report, rng = SyncReport(), random.Random()

    def commit(records: Sequence[OutboxRecord], results: Sequence[RecordResult]) -> None:
        final = record_results(
            db,
            records,
            [_scrub(r, adapter.client) for r in results],
            settings.target,
            max_attempts=settings.max_attempts,
            backoff_s=settings.backoff_s,
            backoff_max_s=settings.backoff_max_s,
            rng=rng,
            poison_after=settings.poison_after,
        )
        for res in final:
            setattr(report, _FIELD[res.outcome], getattr(report, _FIELD[res.outcome]) + 1)
            if res.error and res.outcome != "sent":
                report.errors.append(res.error)

    # Lone records that failed with a 5xx before anything was accepted in this run: the
    # server may be down, or the record may be poison. One is held: judged when the run
    # ends (a suspect if others went through meanwhile), not sent again in this run; a
    # second such failure in a row means the server is down, as a failed batch does.
    held: list[tuple[OutboxRecord, RecordResult]] = []
    while not (stop and stop.is_set()) and (max_batches is None or report.batches < max_batches):
        batch = next_batch(db, settings.batch_size, skip=[rec.id for rec, _ in held])
        if not batch:
            break
        dead_before = report.dead
        results = adapter.send(batch)
        report.batches += 1
        if len(batch) > 1 and _server_failed(results):
            results = _isolate(adapter, db, batch, results, commit, settings, report)
        elif len(batch) == 1 and _server_failed(results) and report.sent == 0 and not held:
            held.append((batch[0], results[0]))
            log.info("lone record failed with a 5xx before any was accepted: trying others")
            continue
        else:
            if _server_failed(results):  # a lone record: a suspect if others went through
                suspect = report.sent > 0 or batch[0].isolated_failures > 0
                results = [replace(results[0], isolated=suspect)]
            commit(batch, results)
        log.info("batch of %d: %s", len(batch), report.as_dict())
        if all(r.outcome == "retry" for r in results) and report.dead == dead_before:
            report.unreachable = True
            break
    for rec, res in held:
        commit([rec], [replace(res, isolated=report.sent > 0 or rec.isolated_failures > 0)])
    if held and report.sent == 0:
        report.unreachable = True
    return report


def _server_failed(results: Sequence[RecordResult]) -> bool:
    """Every record failed transiently with an HTTP 5xx (the server answered, but not
    with 503 'unavailable', which is about the server, not the records)."""
    return bool(results) and all(
        r.outcome == "retry"
        and r.http_status is not None
        and 500 <= r.http_status < 600
        and r.http_status != 503
        for r in results
    )


def _isolate(
    adapter: Adapter,
    db: sqlite_utils.Database,
    batch: list[OutboxRecord],
    first: list[RecordResult],
    commit: Callable[[Sequence[OutboxRecord], Sequence[RecordResult]], None],
    settings: SyncSettings,
    report: SyncReport,
) -> list[RecordResult]:
    """Bisect a batch that failed with a 5xx: each part is sent once (no retries), a part
    that fails again is split further, down to single records, within
    ``max_split_requests``. Delivered parts are committed at once (so a kill loses
    nothing); a lone failure counts as ``isolated`` only when some other record was
    accepted (else the server is simply down and nothing is blamed)."""
    budget = settings.max_split_requests
    done: dict[int, RecordResult] = {}
    alone: dict[int, RecordResult] = {}
    accepted = False
    misses = 0  # parts failed in a row while nothing was accepted: the server is down
    mid = len(batch) // 2
    stack = [batch[mid:], batch[:mid]]
    client, retries = adapter.client, adapter.client.max_retries
    client.max_retries = 0  # each part goes once; the run's retries were spent on the batch
    try:
        while (
            stack
            and budget > 0
            and misses < _DOWN_AFTER
            and not (client.stop and client.stop.is_set())
        ):
            part = stack.pop()
            budget -= 1
            report.split_requests += 1
            own_batch(db, part)
            results = adapter.send(part)
            if _server_failed(results):
                misses = 0 if accepted else misses + 1
                if len(part) > 1:
                    half = len(part) // 2
                    stack.extend([part[half:], part[:half]])
                else:
                    alone[part[0].id] = results[0]
                continue
            accepted = accepted or any(r.outcome == "sent" for r in results)
            commit(part, results)
            done.update({r.record_id: r for r in results})
    finally:
        client.max_retries = retries
    first_by = {r.record_id: r for r in first}
    todo = [r for r in batch if r.id not in done]
    rest = [
        replace(alone[r.id], isolated=accepted or r.isolated_failures > 0)
        if r.id in alone
        else first_by[r.id]
        for r in todo
    ]
    commit(todo, rest)
    done.update({r.record_id: r for r in rest})
    return [done[r.id] for r in batch]


_DOWN_AFTER = 4  # enough to pass two poison records in different halves

_FIELD = {"sent": "sent", "dead": "dead", "retry": "retry", "requeue": "requeued"}


def _scrub(result: RecordResult, client: HttpClient) -> RecordResult:
    """The server's error text with any secret it echoed masked (the access token too)."""
    return replace(result, error=client.redact(result.error)) if result.error else result


def parse_every(text: str) -> float:
    """'15m', '30s', '1h', '90' (seconds) -> seconds."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text.lower())
    if not m or float(m.group(1)) <= 0:
        raise ConfigError(f"--every: expected a duration like 15m, 30s or 1h, got {text!r}")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[threading.Event]:
    """Set ``stop`` on SIGTERM/SIGINT while inside (main thread only); the work in flight
    finishes and is recorded, then the caller returns."""

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, handler)
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_every(
    interval_s: float,
    cycle: Callable[[threading.Event], None],
    stop: threading.Event,
    on_error: Callable[[Exception], None] | None = None,
) -> None:
    """Call ``cycle`` now and then every ``interval_s`` until ``stop`` is set."""
    while not stop.is_set():
        try:
            cycle(stop)
        except ShelfscanError as exc:  # a bad cycle (token endpoint down) must not end the loop
            if on_error is None:
                raise
            on_error(exc)
        stop.wait(interval_s)


def run_sync(
    db_path: Path,
    settings: SyncSettings,
    every_s: float | None = None,
    on_cycle: Callable[[SyncReport], None] | None = None,
    on_error: Callable[[Exception], None] | None = None,
) -> SyncReport:
    """``shelfscan sync``: hold the single-instance lock, then sync once, or every
    ``every_s`` seconds, until done or SIGTERM. Returns the last cycle's report.

    Any error raised out of here is scrubbed of every secret, the live access token too."""
    settings.validate()
    last = SyncReport()
    with single_instance(db_path), stop_on_signals(threading.Event()) as stop:
        db = open_db(db_path)
        adapter = make_adapter(settings, db, stop)

        def cycle(stop: threading.Event) -> None:
            nonlocal last
            last = sync_once(settings, db, adapter, stop)
            if on_cycle is not None:
                on_cycle(last)

        def scrubbed_error(exc: Exception) -> None:
            if on_error is not None:
                on_error(type(exc)(adapter.client.redact(str(exc))))

        try:
            if every_s is None:
                cycle(stop)
            else:
                run_every(every_s, cycle, stop, scrubbed_error if on_error else None)
        except ShelfscanError as exc:  # a server may have echoed a secret into it
            raise type(exc)(adapter.client.redact(str(exc))) from None
    return last
