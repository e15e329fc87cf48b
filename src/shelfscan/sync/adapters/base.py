"""The adapter interface: turn outbox records into requests, and replies into outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from shelfscan.errors import SyncError
from shelfscan.sync.http import HttpClient, Reply
from shelfscan.sync.outbox import OutboxRecord, Outcome, RecordResult

# A 4xx that says the endpoint or credentials are wrong, not the records: stop the run
# and keep every record pending instead of dead-lettering good data.
ABORT_STATUSES = frozenset({401, 403, 404, 405, 407})


class Adapter(Protocol):
    """One CRM. ``send`` returns one ``RecordResult`` per record it was given."""

    name: str
    max_batch: int
    client: HttpClient

    def send(self, records: Sequence[OutboxRecord]) -> list[RecordResult]: ...

    def preview(self, records: Sequence[OutboxRecord]) -> list[dict[str, Any]]: ...


def check_abort(reply: Reply, url: str, *, json_ack: bool = True) -> None:
    """Raise ``SyncError`` for a reply that means 'fix the configuration': 401/403/404/
    405/407, any redirect (never followed), and a 2xx whose body is not JSON (an HTML
    landing page is no acknowledgement). Nothing is marked sent or dead then."""
    if reply.status in ABORT_STATUSES:
        raise SyncError(f"{url}: {reply.error} (check sync.url and credentials)")
    if reply.redirect or (json_ack and reply.ok and reply.body_kind == "other"):
        raise SyncError(f"{url}: {reply.error}; every record stays pending")


def all_results(
    records: Sequence[OutboxRecord], outcome: Outcome, reply: Reply
) -> list[RecordResult]:
    """The same outcome for every record of a batch."""
    return [
        RecordResult(
            r.id,
            outcome,
            reply.error,
            reply.status,
            retry_after_s=reply.retry_after_s,
            strike=not reply.in_progress,
        )
        for r in records
    ]
