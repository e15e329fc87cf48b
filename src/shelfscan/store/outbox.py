"""The one outbox writer: every record for the CRM is queued here, inside the caller's
transaction (``store.scans.save_scan``, ``store.catalog.save_rescore``)."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from typing import Any

import sqlite_utils


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def upsert_outbox(
    db: sqlite_utils.Database, external_id: str, kind: str, visit_id: str, payload: dict[str, Any]
) -> None:
    """Queue a record for the CRM; a changed record already queued, sent or dead-lettered
    is queued again as the next version (sent as an update of the same external id), with
    its retry state and batch cleared; an unchanged one is left alone."""
    body = json.dumps(payload, sort_keys=True)
    now = _now()
    db.execute(
        "INSERT INTO outbox (external_id, kind, visit_id, payload, status, version, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, 'pending', 1, ?, ?)"
        " ON CONFLICT(external_id) DO UPDATE SET payload = excluded.payload,"
        " status = 'pending', version = outbox.version + 1, updated_at = excluded.updated_at,"
        " attempts = 0, last_error = NULL, next_attempt_at = NULL, batch_id = NULL,"
        " dead_at = NULL, isolated_failures = 0"
        " WHERE outbox.payload != excluded.payload",
        [external_id, kind, visit_id, body, now, now],
    )


def queue_kpis(
    db: sqlite_utils.Database,
    visit_id: str,
    visit_uuid: str,
    photo_sha256: str,
    kpis: Iterable[tuple[str, str, float]],
    *,
    replaces: Collection[str] | None,
) -> None:
    """One ``kpi`` record per (name, scope, value) of a photo, keyed by visit, photo and KPI.

    ``kpis`` replace the photo's earlier KPIs: all of them (``replaces`` None, a scan or
    re-scan), or those named in ``replaces`` (a rescore). An earlier record that is not
    among them any more (a shelf row or a brand that disappeared) is queued as a
    retraction, so the CRM drops the stale record (``retract_missing``)."""
    prefix = f"{visit_uuid}:{photo_sha256[:16]}:"
    queued: set[str] = set()
    for name, scope, value in kpis:
        key = f"{prefix}{name}" + (f":{scope}" if scope else "")
        queued.add(key)
        payload = {
            "visit_uuid": visit_uuid,
            "visit_id": visit_id,
            "photo_sha256": photo_sha256,
            "kpi": name,
            "scope": scope,
            "value": value,
        }
        upsert_outbox(db, key, "kpi", visit_id, payload)
    retract_missing(db, prefix, queued, replaces)


def retract_missing(
    db: sqlite_utils.Database,
    prefix: str,
    queued: set[str],
    names: Collection[str] | None = None,
) -> None:
    """Every record under ``prefix`` (one photo of one visit) not in ``queued`` is queued
    again as a retraction: the same external id, the next version, ``value`` null and
    ``retracted`` true. ``names``: only KPIs of these names were recomputed."""
    rows = db.execute(
        "SELECT external_id, kind, visit_id, payload FROM outbox"
        " WHERE substr(external_id, 1, ?) = ?",
        [len(prefix), prefix],
    ).fetchall()
    for external_id, kind, visit_id, payload in rows:
        body = json.loads(payload)
        if external_id in queued or body.get("retracted"):
            continue
        if names is not None and body.get("kpi") not in names:
            continue
        upsert_outbox(db, external_id, kind, visit_id, {**body, "value": None, "retracted": True})
