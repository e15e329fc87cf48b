"""Salesforce Consumer Goods Cloud (retail execution).

Upserts ``Visit`` and ``RetailVisitKpi`` records by an external id field (default
``Shelfscan_External_Id__c``, created by the org's admin on both objects and on
``AssessmentIndicatorDefinition``) through the sObject Collections API:
``PATCH /services/data/vXX.X/composite/sobjects/{Object}/{ExternalIdField}``, at most 200
records a call, ``allOrNone: false``, one result per record. A visit is upserted before
its KPIs; a KPI links to its visit and its indicator definition by external id. Photos,
where enabled (``upload_photos``), go up once each as ``ContentVersion`` published to the
visit (``FirstPublishLocationId``), found again by the same external id field.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlite_utils

from shelfscan.errors import SyncError
from shelfscan.sync.adapters.base import all_results, check_abort
from shelfscan.sync.http import HttpClient, Reply
from shelfscan.sync.outbox import OutboxRecord, RecordResult, batch_key, now_iso

MAX_COLLECTION = 200  # the sObject Collections limit


def visit_record(visit: dict[str, Any], field: str) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "attributes": {"type": "Visit"},
        field: visit["uuid"],
        "Status": "Completed",
    }
    if visit.get("started_at"):
        rec["ActualVisitStartTime"] = visit["started_at"]
        rec["PlannedVisitStartTime"] = visit["started_at"]
    if visit.get("store_id"):
        rec["PlaceId"] = visit["store_id"]  # the RetailStore (Account) id of the store
    return rec


def kpi_record(record: OutboxRecord, field: str) -> dict[str, Any]:
    p = record.payload
    return {
        "attributes": {"type": "RetailVisitKpi"},
        field: record.external_id,
        "Visit": {field: record.visit["uuid"]},
        "AssessmentIndDefinition": {field: str(p.get("kpi", ""))},
        "ActualDecimalValue": p.get("value"),
        "ActualStringValue": str(p.get("scope") or ""),
    }


class SalesforceAdapter:
    name = "salesforce"

    def __init__(
        self,
        client: HttpClient,
        instance_url: str,
        target: str,
        *,
        api_version: str = "v61.0",
        external_id_field: str = "Shelfscan_External_Id__c",
        max_batch: int = MAX_COLLECTION,
        db: sqlite_utils.Database | None = None,
        upload_photos: bool = False,
        upload_settle_s: float = 120.0,
    ) -> None:
        self.client = client
        self.base = f"{instance_url.rstrip('/')}/services/data/{api_version}"
        self.target = target
        self.field = external_id_field
        self.max_batch = min(max_batch, MAX_COLLECTION)
        self.db = db
        self.upload_photos = upload_photos and db is not None
        self.upload_settle_s = upload_settle_s  # wait before re-trying an unanswered upload

    def url(self, sobject: str) -> str:
        return f"{self.base}/composite/sobjects/{sobject}/{self.field}"

    def preview(self, records: Sequence[OutboxRecord]) -> list[dict[str, Any]]:
        visits = {r.visit["uuid"]: r.visit for r in records}
        bodies = [
            {
                "url": self.url("Visit"),
                "records": [visit_record(v, self.field) for v in visits.values()],
            }
        ]
        for i in range(0, len(records), self.max_batch):
            chunk = records[i : i + self.max_batch]
            bodies.append(
                {
                    "url": self.url("RetailVisitKpi"),
                    "records": [kpi_record(r, self.field) for r in chunk],
                }
            )
        return bodies

    def send(self, records: Sequence[OutboxRecord]) -> list[RecordResult]:
        out: list[RecordResult] = []
        for i in range(0, len(records), self.max_batch):
            out.extend(self._send(records[i : i + self.max_batch]))
        return out

    def _send(self, records: Sequence[OutboxRecord]) -> list[RecordResult]:
        visits = {r.visit["uuid"]: r.visit for r in records}
        vrecs = [visit_record(v, self.field) for v in visits.values()]
        reply = self._collection("Visit", vrecs, batch_key(self.target + "#visit", records))
        if reply.transient:
            return all_results(records, "retry", reply)
        _check_shape(reply, len(vrecs), self.url("Visit"))
        items = dict(zip(visits, _items(reply, len(vrecs)), strict=True))
        failed = {uuid: err for uuid, (ok, err, _) in items.items() if not ok}
        if self.upload_photos:
            self._photos(records, {u: rid for u, (ok, _, rid) in items.items() if ok and rid})
        todo = [r for r in records if r.visit["uuid"] not in failed]
        out = [
            RecordResult(r.id, "dead", f"visit: {failed[r.visit['uuid']]}", reply.status)
            for r in records
            if r.visit["uuid"] in failed
        ]
        if not todo:
            return out
        kreply = self._collection(
            "RetailVisitKpi",
            [kpi_record(r, self.field) for r in todo],
            batch_key(self.target, todo),
        )
        if kreply.transient:
            return out + all_results(todo, "retry", kreply)
        _check_shape(kreply, len(todo), self.url("RetailVisitKpi"))
        for rec, (ok, err, rid) in zip(todo, _items(kreply, len(todo)), strict=True):
            out.append(
                RecordResult(rec.id, "sent", http_status=kreply.status, remote_id=rid)
                if ok
                else RecordResult(rec.id, "dead", err, kreply.status)
            )
        return out

    def _collection(self, sobject: str, recs: list[dict[str, Any]], key: str) -> Reply:
        url = self.url(sobject)
        reply = self.client.request("PATCH", url, {"allOrNone": False, "records": recs}, key)
        check_abort(reply, url)
        return reply

    def _photos(self, records: Sequence[OutboxRecord], visit_ids: dict[str, str]) -> None:
        """Each photo once per target, as a ContentVersion published to its Visit.

        Salesforce ignores Idempotency-Key, so a create is never retried blindly: before
        every upload a query by external id (the photo's SHA-256) looks for one an
        earlier try made, and the create itself goes once (no retries). An upload whose
        answer never came (timeout, dropped connection, 5xx) is noted as uncertain in
        ``sync_uploads`` (empty remote id) and is not tried again before
        ``upload_settle_s`` have passed, so a late answer is found by the query instead
        of being uploaded a second time. A failed query uploads nothing.
        """
        if self.db is None:
            return
        photos = {
            str(r.payload["photo_sha256"]): r.visit
            for r in records
            if r.payload.get("photo_sha256")
        }
        for sha, visit in photos.items():
            noted = self.db.execute(
                "SELECT remote_id, at FROM sync_uploads WHERE key = ? AND target = ?",
                [sha, self.target],
            ).fetchone()
            if noted is not None and noted[0]:
                continue
            if noted is not None and not _settled(str(noted[1]), self.upload_settle_s):
                continue
            row = self.db.execute(
                "SELECT path FROM photos WHERE visit_id = ? AND sha256 = ?", [visit["id"], sha]
            ).fetchone()
            if row is None or not Path(row[0]).is_file():
                continue
            found, remote = self._find_content(sha)
            if not found:
                continue  # the query failed: cannot know, so do not create
            uncertain = False
            if remote is None:
                remote, uncertain = self._upload(Path(row[0]), sha, visit_ids.get(visit["uuid"]))
            if remote or uncertain:
                self.db.execute(
                    "INSERT OR REPLACE INTO sync_uploads (key, target, remote_id, at)"
                    " VALUES (?, ?, ?, ?)",
                    [sha, self.target, remote or "", now_iso()],
                )

    def _find_content(self, sha: str) -> tuple[bool, str | None]:
        """(the query answered, the id of a ContentVersion with this external id)."""
        soql = f"SELECT Id FROM ContentVersion WHERE {self.field} = '{sha}'"
        reply = self.client.request("GET", f"{self.base}/query?q={quote(soql)}", None, f"q-{sha}")
        if not (reply.ok and isinstance(reply.data, dict)):
            return False, None
        recs = reply.data.get("records")
        if recs and isinstance(recs, list) and isinstance(recs[0], dict) and recs[0].get("Id"):
            return True, str(recs[0]["Id"])
        return True, None

    def _upload(self, path: Path, sha: str, visit_sf_id: str | None) -> tuple[str | None, bool]:
        """POST one ContentVersion, once: (its id, whether the outcome is unknown)."""
        body = {
            "Title": path.name,
            "PathOnClient": path.name,
            self.field: sha,
            "VersionData": base64.b64encode(path.read_bytes()).decode(),
        }
        if visit_sf_id:
            body["FirstPublishLocationId"] = visit_sf_id
        url = f"{self.base}/sobjects/ContentVersion"
        reply = self.client.request("POST", url, body, sha, max_retries=0)
        if reply.ok and isinstance(reply.data, dict) and reply.data.get("id"):
            return str(reply.data["id"]), False
        return None, reply.status is None or reply.status >= 500 or reply.ok


def _settled(at: str, settle_s: float) -> bool:
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        return True
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (datetime.now(UTC) - when).total_seconds() >= settle_s


def _check_shape(reply: Reply, n: int, url: str) -> None:
    """A 2xx that is not one result per record is no acknowledgement: stop the run."""
    if reply.ok and not (isinstance(reply.data, list) and len(reply.data) == n):
        raise SyncError(
            f"{url}: HTTP {reply.status} without one result per record: not an "
            "acknowledgement; every record stays pending"
        )


def _items(reply: Reply, n: int) -> list[tuple[bool, str, str | None]]:
    """(success, error, id) per record of a collection reply; a whole-call failure or a
    malformed answer applies its error to every record."""
    data = reply.data
    if reply.ok and isinstance(data, list) and len(data) == n:
        out = []
        for item in data:
            if isinstance(item, dict) and item.get("success"):
                out.append((True, "", str(item.get("id") or "") or None))
            else:
                errs = item.get("errors", []) if isinstance(item, dict) else []
                msg = (
                    "; ".join(
                        f"{e.get('statusCode', '')}: {e.get('message', '')}"
                        for e in errs
                        if isinstance(e, dict)
                    )
                    or "rejected"
                )
                out.append((False, msg[:500], None))
        return out
    error = reply.error or f"HTTP {reply.status}: unexpected reply"
    return [(False, error, None)] * n
