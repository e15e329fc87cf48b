"""Generic JSON webhook, schema ``shelfscan.webhook/v1`` (documented in docs/sync.md).

One POST per batch; the receiver upserts by ``external_id`` and may answer with
per-record results. A 4xx without per-record detail is bisected until the bad record
is found, so one bad record never blocks the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shelfscan.errors import SyncError
from shelfscan.sync.adapters.base import all_results, check_abort
from shelfscan.sync.http import HttpClient, Reply
from shelfscan.sync.outbox import OutboxRecord, RecordResult, batch_key

SCHEMA = "shelfscan.webhook/v1"


def record_body(record: OutboxRecord) -> dict[str, Any]:
    return {
        "external_id": record.external_id,
        "kind": record.kind,
        "version": record.version,
        "visit": {k: record.visit[k] for k in ("uuid", "id", "store_id", "rep", "started_at")},
        "data": record.payload,
    }


class WebhookAdapter:
    name = "webhook"

    def __init__(self, client: HttpClient, url: str, target: str, max_batch: int = 500) -> None:
        self.client = client
        self.url = url
        self.target = target
        self.max_batch = max_batch

    def envelope(self, records: Sequence[OutboxRecord]) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "batch_id": batch_key(self.target, records),
            "records": [record_body(r) for r in records],
        }

    def preview(self, records: Sequence[OutboxRecord]) -> list[dict[str, Any]]:
        return [
            self.envelope(records[i : i + self.max_batch])
            for i in range(0, len(records), self.max_batch)
        ]

    def send(self, records: Sequence[OutboxRecord]) -> list[RecordResult]:
        out: list[RecordResult] = []
        for i in range(0, len(records), self.max_batch):
            out.extend(self._send(records[i : i + self.max_batch]))
        return out

    def _send(self, records: Sequence[OutboxRecord]) -> list[RecordResult]:
        body = self.envelope(records)
        reply = self.client.request("POST", self.url, body, body["batch_id"])
        check_abort(reply, self.url)
        if reply.transient:
            return all_results(records, "retry", reply)
        detail = _per_record(reply)
        named = {
            r.external_id
            for r in records
            if r.external_id in detail and detail[r.external_id].get("status") != "ok"
        }
        if reply.ok:
            if isinstance(reply.data, dict) and "results" in reply.data and not detail:
                raise SyncError(
                    f"{self.url}: HTTP {reply.status} with a malformed 'results' list: "
                    "not an acknowledgement; every record stays pending"
                )
            if reply.body_kind == "json" and not isinstance(reply.data, dict):
                raise SyncError(
                    f"{self.url}: HTTP {reply.status} with a JSON body that is not an object: "
                    "not a shelfscan.webhook/v1 acknowledgement; every record stays pending"
                )
            acked = bool(detail)
            return [_ok_or_error(r, detail.get(r.external_id), reply, acked) for r in records]
        if named:  # refused, naming the bad records: they are dead, the rest go again
            return [
                RecordResult(r.id, "dead", _reason(detail[r.external_id], reply), reply.status)
                if r.external_id in named
                else RecordResult(r.id, "requeue")
                for r in records
            ]
        if len(records) == 1:
            return all_results(records, "dead", reply)
        mid = len(records) // 2  # no detail: bisect to isolate the bad record(s)
        return self._send(records[:mid]) + self._send(records[mid:])


def _per_record(reply: Reply) -> dict[str, dict[str, Any]]:
    data = reply.data
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list):
        return {}
    return {str(r["external_id"]): r for r in results if isinstance(r, dict) and "external_id" in r}


def _reason(item: dict[str, Any], reply: Reply) -> str:
    return f"HTTP {reply.status}: {item.get('error') or 'rejected'}"[:500]


def _ok_or_error(
    record: OutboxRecord, item: dict[str, Any] | None, reply: Reply, per_record: bool
) -> RecordResult:
    """A 2xx: with per-record results, a record they do not name was not acknowledged
    and stays pending; without them, the whole batch was accepted."""
    if item is None and per_record:
        return RecordResult(
            record.id, "retry", f"HTTP {reply.status}: not acknowledged", reply.status
        )
    if item is None or item.get("status", "ok") == "ok":
        remote = None if item is None or item.get("id") is None else str(item["id"])
        return RecordResult(record.id, "sent", http_status=reply.status, remote_id=remote)
    return RecordResult(record.id, "dead", _reason(item, reply), reply.status)
