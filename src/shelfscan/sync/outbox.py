"""The outbox seen from the sync: due batches, per-record outcomes, dead letters, status.

A batch's membership is written to the database (``outbox.batch_id``) *before* it is
sent, so a process killed mid-request sends exactly the same records, under the same
``Idempotency-Key``, when it runs again. A record becomes 'sent' only after the server
said so, and only for the version the server received.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import sqlite_utils

from shelfscan.store.db import transaction

Outcome = Literal["sent", "dead", "retry", "requeue"]


@dataclass(frozen=True)
class OutboxRecord:
    """One pending outbox row, with the visit it belongs to."""

    id: int
    external_id: str
    kind: str
    version: int
    payload: dict[str, Any]
    attempts: int
    visit: dict[str, Any]
    epoch: int = 0  # bumped by ``sync retry``: a new Idempotency-Key for a new attempt
    isolated_failures: int = 0  # runs it failed alone with a 5xx while others were accepted


@dataclass(frozen=True)
class RecordResult:
    """What became of one record: 'sent', 'dead' (permanent error), 'retry' (transient),
    or 'requeue' (not tried: its batch was refused because of another record)."""

    record_id: int
    outcome: Outcome
    error: str = ""
    http_status: int | None = None
    remote_id: str | None = None
    retry_after_s: float | None = None  # server-requested wait before the next try
    strike: bool = True  # False: not a failure of the record (409 "request in progress")
    isolated: bool = False  # failed alone with a 5xx while other records were accepted


def now_iso(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).isoformat(timespec="milliseconds")


def batch_key(target: str, records: Sequence[OutboxRecord]) -> str:
    """Idempotency key of a request: the same records at the same versions to the same
    target always get the same key, whichever process sends them."""
    text = (
        target
        + "\n"
        + "\n".join(
            f"{r.external_id}@{r.version}" + (f"#{r.epoch}" if r.epoch else "")
            for r in sorted(records, key=lambda r: r.external_id)
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()[:40]


_SELECT = (
    "SELECT o.id, o.external_id, o.kind, o.version, o.payload, o.attempts, v.id, v.uuid,"
    " v.store_id, v.rep, v.started_at, o.key_epoch, o.isolated_failures"
    " FROM outbox o JOIN visits v ON v.id = o.visit_id"
)


def _record(row: Sequence[Any]) -> OutboxRecord:
    visit = {"id": row[6], "uuid": row[7], "store_id": row[8], "rep": row[9], "started_at": row[10]}
    return OutboxRecord(
        int(row[0]),
        str(row[1]),
        str(row[2]),
        int(row[3]),
        json.loads(row[4]),
        int(row[5]),
        visit,
        int(row[11] or 0),
        int(row[12] or 0),
    )


def next_batch(
    db: sqlite_utils.Database,
    size: int,
    now: datetime | None = None,
    skip: Collection[int] = (),
) -> list[OutboxRecord]:
    """The next due batch: an unfinished one first (same members as before), else up to
    ``size`` due records never batched, which are assigned a new batch id atomically.

    An unfinished batch holding a record of ``skip`` (outbox ids the caller already
    tried in this run) is passed over whole: its members only ever go together, under
    their batch's ``Idempotency-Key``."""
    stamp = now_iso(now)
    due = "o.status = 'pending' AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= ?)"
    skipped = sorted(set(skip))
    marks = ",".join("?" * len(skipped))
    passed_over = (
        f" AND o.batch_id NOT IN (SELECT s.batch_id FROM outbox s WHERE s.id IN ({marks})"
        " AND s.batch_id IS NOT NULL)"
        if skipped
        else ""
    )
    with transaction(db):
        old = db.execute(
            f"SELECT o.batch_id FROM outbox o WHERE {due} AND o.batch_id IS NOT NULL"
            f"{passed_over} ORDER BY o.id LIMIT 1",
            [stamp, *skipped],
        ).fetchone()
        if old is not None:
            rows = db.execute(
                f"{_SELECT} WHERE o.batch_id = ? AND o.status = 'pending' ORDER BY o.id", [old[0]]
            ).fetchall()
            return [_record(r) for r in rows]
        rows = db.execute(
            f"{_SELECT} WHERE {due} AND o.batch_id IS NULL ORDER BY o.id LIMIT ?", [stamp, size]
        ).fetchall()
        batch_id = uuid.uuid4().hex
        db.conn.executemany(
            "UPDATE outbox SET batch_id = ? WHERE id = ?", [(batch_id, r[0]) for r in rows]
        )
    return [_record(r) for r in rows]


def own_batch(db: sqlite_utils.Database, records: Sequence[OutboxRecord]) -> None:
    """Give part of a batch a batch id of its own before it is sent, so a part whose
    answer never came (a timeout, a kill) is sent again as exactly that part, under the
    same ``Idempotency-Key``, and not merged back into its old batch under a new key."""
    batch_id = uuid.uuid4().hex
    with transaction(db):
        db.conn.executemany(
            "UPDATE outbox SET batch_id = ? WHERE id = ? AND status = 'pending'",
            [(batch_id, r.id) for r in records],
        )


def pending_preview(db: sqlite_utils.Database, limit: int) -> list[OutboxRecord]:
    """Pending records in sending order, without touching them (for ``--dry-run``)."""
    rows = db.execute(f"{_SELECT} WHERE o.status = 'pending' ORDER BY o.id LIMIT ?", [limit])
    return [_record(r) for r in rows.fetchall()]


def record_results(
    db: sqlite_utils.Database,
    records: Sequence[OutboxRecord],
    results: Sequence[RecordResult],
    target: str,
    *,
    max_attempts: int,
    backoff_s: float,
    backoff_max_s: float,
    rng: random.Random | None = None,
    now: datetime | None = None,
    poison_after: int = 3,
) -> list[RecordResult]:
    """Apply the outcomes of one batch in one transaction, with a history row each.

    A record that failed alone with a server error while others were accepted
    (``isolated``) ``poison_after`` times is a dead letter with the server's reason; a
    retry without ``strike`` (the server is still processing the same request) counts
    as no attempt at all. Returns the outcomes as applied (a retry may become 'dead')."""
    rng = rng or random.Random()
    applied: list[RecordResult] = []
    when = now or datetime.now(UTC)
    stamp = now_iso(when)
    by_id = {r.id: r for r in records}
    with transaction(db):
        for res in results:
            rec = by_id[res.record_id]
            if res.outcome == "sent":
                # Only the version the server saw is sent; a newer re-scan stays pending.
                db.execute(
                    "UPDATE outbox SET status = CASE WHEN version = ? THEN 'sent' ELSE status END,"
                    " sent_at = ?, sent_to = ?, sent_version = ?, last_error = NULL,"
                    " batch_id = CASE WHEN version = ? THEN NULL ELSE batch_id END,"
                    " next_attempt_at = NULL WHERE id = ?",
                    [rec.version, stamp, target, rec.version, rec.version, rec.id],
                )
            elif (
                res.outcome == "dead"
                or (res.outcome == "retry" and res.strike and 0 < max_attempts <= rec.attempts + 1)
                or (res.isolated and 0 < poison_after <= rec.isolated_failures + 1)
            ):
                error = res.error or "failed"
                if res.outcome == "retry" and res.isolated:
                    error += (
                        f" (failed alone {rec.isolated_failures + 1} times"
                        " while other records were accepted)"
                    ) + _earlier_reasons(db, rec, error)
                res = replace(res, outcome="dead", error=error)
                db.execute(
                    "UPDATE outbox SET status = 'dead', dead_at = ?, last_error = ?,"
                    " attempts = attempts + 1, batch_id = NULL, isolated_failures ="
                    " isolated_failures + ? WHERE id = ? AND version = ?",
                    [stamp, error, int(res.isolated), rec.id, rec.version],
                )
            elif res.outcome == "retry":
                tries = rec.attempts if res.strike else 0
                wait = rng.uniform(0.5, 1.0) * min(backoff_max_s, backoff_s * 2.0**tries)
                wait = max(wait, res.retry_after_s or 0.0)
                db.execute(
                    "UPDATE outbox SET attempts = attempts + ?, last_error = ?,"
                    " isolated_failures = isolated_failures + ?,"
                    " next_attempt_at = ? WHERE id = ? AND version = ?",
                    [
                        int(res.strike),
                        res.error,
                        int(res.isolated),
                        now_iso(when + timedelta(seconds=wait)),
                        rec.id,
                        rec.version,
                    ],
                )
            else:  # requeue: not this record's fault, try again in a new batch now
                db.execute(
                    "UPDATE outbox SET batch_id = NULL WHERE id = ? AND version = ?",
                    [rec.id, rec.version],
                )
                applied.append(res)
                continue
            applied.append(res)
            db.execute(
                "INSERT INTO sync_history (outbox_id, external_id, version, target, outcome,"
                " http_status, error, remote_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    rec.id,
                    rec.external_id,
                    rec.version,
                    target,
                    res.outcome,
                    res.http_status,
                    res.error or None,
                    res.remote_id,
                    stamp,
                ],
            )
    return applied


def _earlier_reasons(db: sqlite_utils.Database, rec: OutboxRecord, last: str) -> str:
    """The other 5xx reasons this record's version got before (newest first, at most
    three): the last answer may be a passing fault, not the reason it cannot apply."""
    rows = db.execute(
        "SELECT error FROM sync_history WHERE outbox_id = ? AND version = ? AND outcome = 'retry'"
        " AND http_status >= 500 AND error IS NOT NULL GROUP BY error ORDER BY MAX(id) DESC",
        [rec.id, rec.version],
    ).fetchall()
    others = [str(r[0]) for r in rows if r[0] and not last.startswith(str(r[0]))][:3]
    return f"; earlier: {' | '.join(others)}"[:600] if others else ""


def status_summary(db: sqlite_utils.Database) -> dict[str, Any]:
    """Counts per status, the oldest pending record, the last error and last success."""
    counts = {"pending": 0, "sent": 0, "dead": 0}
    for status, n in db.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status"):
        counts[str(status)] = int(n)
    retrying = db.execute(
        "SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND attempts > 0"
    ).fetchone()[0]
    last_error = db.execute(
        "SELECT external_id, error, at FROM sync_history WHERE outcome IN ('retry', 'dead')"
        " ORDER BY id DESC LIMIT 1"
    ).fetchone()
    last_sent = db.execute(
        "SELECT at, target FROM sync_history WHERE outcome = 'sent' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return {
        **counts,
        "failing": int(retrying),
        "last_error": None
        if last_error is None
        else {"external_id": last_error[0], "error": last_error[1], "at": last_error[2]},
        "last_sent": None if last_sent is None else {"at": last_sent[0], "target": last_sent[1]},
    }


def dead_letters(db: sqlite_utils.Database, limit: int = 20) -> list[dict[str, Any]]:
    rows = db.execute(
        "SELECT external_id, version, attempts, dead_at, last_error FROM outbox"
        " WHERE status = 'dead' ORDER BY id LIMIT ?",
        [limit],
    ).fetchall()
    keys = ("external_id", "version", "attempts", "dead_at", "last_error")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def retry_dead(db: sqlite_utils.Database, external_ids: Sequence[str] = ()) -> int:
    """Re-queue dead letters (all, or those named); returns how many.

    Each gets a new attempt (``key_epoch`` + 1), hence a new Idempotency-Key: a server
    that replays its first answer per key would otherwise send the cached refusal back."""
    sql = (
        "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = NULL,"
        " batch_id = NULL, dead_at = NULL, isolated_failures = 0,"
        " key_epoch = key_epoch + 1 WHERE status = 'dead'"
    )
    with transaction(db):
        if external_ids:
            marks = ",".join("?" * len(external_ids))
            cur = db.execute(f"{sql} AND external_id IN ({marks})", list(external_ids))
        else:
            cur = db.execute(sql)
    return int(cur.rowcount)
