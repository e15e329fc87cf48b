"""The webhook sync against a real local CRM server with injected faults."""

from __future__ import annotations

import json

import pytest
import sqlite_utils
from crm_server import CrmServer
from sync_helpers import fill_outbox, hook_settings, statuses

from shelfscan.store.db import transaction
from shelfscan.store.outbox import upsert_outbox
from shelfscan.sync import retry_dead, status_summary, sync_once


def test_every_record_arrives_once_and_remembers_where(
    crm: CrmServer, store: sqlite_utils.Database
) -> None:
    keys = fill_outbox(store, 250)
    settings = hook_settings(crm.url)
    report = sync_once(settings, store)
    assert report.sent == 250 and report.batches == 3
    assert set(crm.state.records) == set(keys) and crm.state.duplicates == 0
    row = store.execute(
        "SELECT status, sent_at, sent_to, sent_version FROM outbox LIMIT 1"
    ).fetchone()
    assert row[0] == "sent" and row[1] and row[2] == settings.target and row[3] == 1
    assert sync_once(settings, store).sent == 0  # nothing left: nothing is sent twice
    keys_seen = [r["key"] for r in crm.state.requests]
    assert len(keys_seen) == len(set(keys_seen)) == 3


@pytest.mark.parametrize(
    "faults",
    [
        ["500", "500"],  # server errors, retried with backoff
        ["429"],  # rate limited with Retry-After
        ["slow"],  # answer after the client's timeout, but committed
        ["drop"],  # committed, then the connection dropped: replayed by key
        ["drop", "slow", "500", "429"],  # all of it in a row
    ],
)
def test_transient_faults_lose_nothing_and_duplicate_nothing(
    crm: CrmServer, store: sqlite_utils.Database, faults: list[str]
) -> None:
    keys = fill_outbox(store, 120)
    crm.state.faults.extend(faults)
    report = sync_once(hook_settings(crm.url, max_retries=5), store)
    assert report.sent == 120
    assert set(crm.state.records) == set(keys) and crm.state.duplicates == 0
    assert sum(crm.state.injected.values()) == len(faults)


def test_out_of_retries_keeps_records_pending_with_the_error(
    crm: CrmServer, store: sqlite_utils.Database
) -> None:
    fill_outbox(store, 10)
    crm.state.faults.extend(["503"] * 2)  # unavailable: no point splitting the batch
    report = sync_once(hook_settings(crm.url, max_retries=1, backoff_s=30.0), store)
    assert report.retry == 10 and statuses(store) == {"pending": 10}
    summary = status_summary(store)
    assert summary["failing"] == 10 and "HTTP 503" in summary["last_error"]["error"]
    # not due yet (backoff): a second run now sends nothing
    assert sync_once(hook_settings(crm.url), store).sent == 0


@pytest.mark.parametrize(
    "detail",
    [
        "named",  # the 400 names the bad record
        "none",  # the 400 says nothing: bisect
        "wrong",  # the 400 names a record not in the batch: bisect, no endless requeue
    ],
)
def test_one_bad_record_is_dead_lettered_the_rest_arrive(
    crm: CrmServer, store: sqlite_utils.Database, detail: str
) -> None:
    keys = fill_outbox(store, 64, bad=37)
    crm.state.detail = detail
    report = sync_once(hook_settings(crm.url, batch_size=64), store)
    assert report.sent == 63 and report.dead == 1
    assert set(crm.state.records) == set(keys) - {keys[37]}
    dead = store.execute(
        "SELECT external_id, last_error FROM outbox WHERE status = 'dead'"
    ).fetchall()
    assert dead[0][0] == keys[37] and "HTTP 400" in dead[0][1]
    if detail == "named":
        assert "must be a number" in dead[0][1]
    # fix the record (a re-scan), or re-queue as is: retry puts it back in the queue
    assert retry_dead(store) == 1 and statuses(store)["pending"] == 1


def test_rescan_sends_an_update_not_a_duplicate(
    crm: CrmServer, store: sqlite_utils.Database
) -> None:
    keys = fill_outbox(store, 20)
    settings = hook_settings(crm.url)
    sync_once(settings, store)
    with transaction(store):  # a re-scan after a catalog change: same ids, new values
        for key in keys[:5]:
            payload = json.loads(
                store.execute("SELECT payload FROM outbox WHERE external_id = ?", [key]).fetchone()[
                    0
                ]
            )
            upsert_outbox(store, key, "kpi", payload["visit_id"], {**payload, "value": 99.0})
    assert statuses(store) == {"pending": 5, "sent": 15}
    assert sync_once(settings, store).sent == 5
    assert len(crm.state.records) == 20 and crm.state.duplicates == 0
    assert (
        crm.state.records[keys[0]]["version"] == 2
        and crm.state.records[keys[0]]["data"]["value"] == 99.0
    )
    history = store.execute(
        "SELECT version, outcome FROM sync_history WHERE external_id = ? ORDER BY id", [keys[0]]
    ).fetchall()
    assert history == [(1, "sent"), (2, "sent")]


def test_bearer_token_is_used_and_never_shown(
    crm: CrmServer, store: sqlite_utils.Database, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "s3cr3t-token-0123456789abcdef"
    crm.state.token, crm.state.echo_auth = secret, True
    fill_outbox(store, 30, bad=3)
    caplog.set_level("DEBUG")
    settings = hook_settings(crm.url, auth="bearer", token=secret)
    assert sync_once(settings, store).sent == 29
    assert all(r["auth"] == f"Bearer {secret}" for r in crm.state.requests)
    dump = (
        json.dumps(status_summary(store))
        + caplog.text
        + repr(settings)
        + json.dumps(settings.describe())
    )
    dump += " ".join(str(r) for r in store.execute("SELECT * FROM sync_history").fetchall())
    dump += " ".join(str(r) for r in store.execute("SELECT * FROM outbox").fetchall())
    assert "(request Bearer ***)" in dump  # the echoed token was masked
    assert secret not in dump and secret[:8] not in dump


def test_wrong_token_stops_the_run_and_keeps_records(
    crm: CrmServer, store: sqlite_utils.Database
) -> None:
    from shelfscan.errors import SyncError

    crm.state.token = "right-token"
    fill_outbox(store, 5)
    with pytest.raises(SyncError, match="HTTP 401"):
        sync_once(hook_settings(crm.url, auth="bearer", token="wrong-token-value"), store)
    assert statuses(store) == {"pending": 5}


def test_oauth2_fetches_and_refreshes_the_token(
    crm: CrmServer, store: sqlite_utils.Database
) -> None:
    crm.state.client_secret = "client-secret-abcdef123456"
    fill_outbox(store, 40)
    settings = hook_settings(
        crm.url,
        auth="oauth2",
        token_url=f"{crm.url}/oauth/token",
        client_id="shelfscan",
        client_secret="client-secret-abcdef123456",
        batch_size=10,
    )
    from shelfscan.sync.runner import make_adapter

    adapter = make_adapter(settings, store)
    assert sync_once(settings, store, adapter, max_batches=2).sent == 20
    crm.state.revoked.update(crm.state.issued)  # the token expires server-side
    assert sync_once(settings, store, adapter).sent == 20
    assert len(crm.state.issued) == 2 and set(crm.state.records) and crm.state.duplicates == 0


def test_a_fixed_rescan_revives_a_dead_letter(crm: CrmServer, store: sqlite_utils.Database) -> None:
    keys = fill_outbox(store, 6, bad=2)
    settings = hook_settings(crm.url)
    sync_once(settings, store)
    assert statuses(store) == {"sent": 5, "dead": 1}
    row = store.execute("SELECT payload, visit_id FROM outbox WHERE external_id = ?", [keys[2]])
    payload, visit = row.fetchone()
    with transaction(store):  # the re-scan now yields a number
        upsert_outbox(store, keys[2], "kpi", visit, {**json.loads(payload), "value": 3.0})
    state = store.execute(
        "SELECT status, version, attempts, last_error FROM outbox WHERE external_id = ?", [keys[2]]
    ).fetchone()
    assert state == ("pending", 2, 0, None)
    assert sync_once(settings, store).sent == 1 and crm.state.records[keys[2]]["version"] == 2
