"""The failures a hostile test found in the sync, each against a real local receiver:
redirects, HTML answers, a poison record, 409 while in flight, replayed cached errors,
secrets echoed in every encoding, late Salesforce answers, a symlinked database, and
breakdown keys that disappear after a re-scan."""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from pathlib import Path

import pytest
import sqlite_utils
from chaos import run_with_kills, sync_env
from crm_server import CrmServer
from sync_helpers import fill_outbox, hook_settings, statuses
from test_sync_salesforce import sf_settings
from typer.testing import CliRunner

from helpers import dets, shelf_row_boxes
from shelfscan.cli import app
from shelfscan.errors import SyncError
from shelfscan.layout import build_layout
from shelfscan.store import ensure_visit, open_db, save_scan
from shelfscan.store.catalog import save_rescore
from shelfscan.store.db import transaction
from shelfscan.store.outbox import upsert_outbox
from shelfscan.sync import retry_dead, status_summary, sync_once
from shelfscan.sync.http import secret_forms
from shelfscan.sync.lock import single_instance
from shelfscan.sync.outbox import next_batch, own_batch
from shelfscan.types import KpiReport, PhotoInfo, ScanResult


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_a_redirect_stops_the_run_and_keeps_every_record_pending(
    crm: CrmServer, store: sqlite_utils.Database, code: int
) -> None:
    fill_outbox(store, 30)
    crm.state.redirect = code
    with pytest.raises(SyncError, match=rf"HTTP {code}: redirected to .*/landing"):
        sync_once(hook_settings(crm.url), store)
    assert statuses(store) == {"pending": 30} and not crm.state.records
    assert not any(r["path"] == "/landing" for r in crm.state.requests)  # never followed


def test_a_200_html_page_is_not_an_acknowledgement(
    crm: CrmServer, store: sqlite_utils.Database
) -> None:
    fill_outbox(store, 12)
    crm.state.html_ok = True
    with pytest.raises(SyncError, match=r"non-JSON body \(text/html\)"):
        sync_once(hook_settings(crm.url), store)
    assert statuses(store) == {"pending": 12}
    assert store.execute("SELECT COUNT(*) FROM sync_history").fetchone()[0] == 0


def test_redirect_on_the_command_line_is_one_line_and_exit_1(crm: CrmServer, db_path: Path) -> None:
    fill_outbox(open_db(db_path), 5)
    crm.state.redirect = 302
    result = CliRunner().invoke(app, ["sync"], env=sync_env(crm.url, db_path))
    assert result.exit_code == 1 and "never follows redirects" in result.output
    assert statuses(open_db(db_path)) == {"pending": 5}


def test_a_poison_record_is_isolated_the_rest_arrive_it_dies_with_the_reason(
    crm: CrmServer, store: sqlite_utils.Database
) -> None:
    keys = fill_outbox(store, 300)
    crm.state.poison = {keys[137]}  # any batch holding it gets a 500, forever
    settings = hook_settings(crm.url, batch_size=100, max_retries=1)
    for _ in range(4):  # a cron job running again and again
        sync_once(settings, store)
        time.sleep(0.1)  # past the record's backoff
    assert set(crm.state.records) == set(keys) - {keys[137]}
    assert statuses(store) == {"sent": 299, "dead": 1}
    dead = store.execute("SELECT external_id, last_error FROM outbox WHERE status = 'dead'")
    ext, error = dead.fetchone()
    assert ext == keys[137] and "HTTP 500" in error and "cannot apply record" in error
    assert "failed alone" in error
    hook = [r for r in crm.state.requests if r["path"] == "/hook"]
    assert len(hook) < 60  # isolated by bisection, not one request per record


def test_a_split_part_whose_answer_was_lost_is_resent_as_itself(
    crm: CrmServer, store: sqlite_utils.Database
) -> None:
    keys = fill_outbox(store, 8)
    crm.state.poison = {keys[7]}  # the batch of 8 gets a 500, so it is bisected
    # the first half commits on the server, but its answer never reaches the client
    crm.state.faults.extend(["none", "drop"])
    sync_once(hook_settings(crm.url, batch_size=8, max_retries=0), store)
    assert set(crm.state.records) == set(keys) - {keys[7]}
    assert statuses(store) == {"sent": 7, "pending": 1}
    # the lost half went again as itself, under its own key: a replay, not a second apply
    assert crm.state.duplicates == 0 and crm.state.replays >= 1


def test_a_server_that_is_down_blames_no_record(
    crm: CrmServer, store: sqlite_utils.Database
) -> None:
    fill_outbox(store, 200)
    crm.state.fault_rate, crm.state.fault_kinds = 1.0, ("500",)
    settings = hook_settings(crm.url, batch_size=100, max_retries=1, backoff_s=0.0)
    for _ in range(4):
        report = sync_once(settings, store)
        assert report.unreachable and report.sent == 0
        store.execute("UPDATE outbox SET next_attempt_at = NULL")  # due again at once
    assert statuses(store) == {"pending": 200}  # no dead letter from an outage
    assert len(crm.state.requests) <= 4 * (2 + 4)  # a few probes per run, not a bisection


def test_409_in_progress_retries_the_same_request_later(
    crm: CrmServer, store: sqlite_utils.Database
) -> None:
    keys = fill_outbox(store, 6)
    crm.state.conflict_in_flight, crm.state.slow_s = True, 0.8
    crm.state.faults.extend(["slow"] * 6)  # every first copy outlives the client's timeout
    settings = hook_settings(crm.url, batch_size=1, max_attempts=2, timeout_s=0.2)
    deadline = time.monotonic() + 30
    while statuses(store).get("pending") and time.monotonic() < deadline:
        sync_once(settings, store)
        time.sleep(0.3)
    assert statuses(store) == {"sent": 6}  # not one good record dead-lettered
    assert set(crm.state.records) == set(keys) and crm.state.duplicates == 0
    assert any(r.get("key") for r in crm.state.requests)
    per_record = {r["key"] for r in crm.state.requests if r["path"] == "/hook"}
    assert len(per_record) == 6  # same key for every copy: no splits, no new keys


def test_retry_of_a_dead_letter_gets_a_new_key_past_a_replaying_server(
    crm: CrmServer, store: sqlite_utils.Database
) -> None:
    keys = fill_outbox(store, 6, bad=2)
    settings = hook_settings(crm.url, batch_size=1)  # the refusal is cached under its own key
    sync_once(settings, store)
    assert statuses(store) == {"sent": 5, "dead": 1}
    crm.state.lenient = True  # the server is fixed; its idempotency cache still holds the 400
    assert retry_dead(store) == 1
    assert sync_once(settings, store).sent == 1
    assert statuses(store) == {"sent": 6} and keys[2] in crm.state.records


def test_oauth2_token_never_shown_in_any_encoding(
    crm: CrmServer, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    crm.state.client_secret = "client-secret-abcdef123456"
    crm.state.token_extra = "/Ab+cd/ef=="  # needs escaping in JSON (PHP), URLs and base64
    crm.state.echo_auth = crm.state.echo_forms = True
    keys = fill_outbox(open_db(db_path), 8, bad=3)
    env = {
        **sync_env(crm.url, db_path),
        "SHELFSCAN_SYNC_AUTH": "oauth2",
        "SHELFSCAN_SYNC_TOKEN_URL": f"{crm.url}/oauth/token",
        "SHELFSCAN_SYNC_CLIENT_ID": "shelfscan",
        "SHELFSCAN_SYNC_CLIENT_SECRET": "client-secret-abcdef123456",
    }
    caplog.set_level("DEBUG")
    runner = CliRunner()
    run = runner.invoke(app, ["sync"], env=env)
    assert run.exit_code == 2 and "sent 7" in run.stdout  # one dead letter: exit 2
    token = crm.state.issued[0]
    status = runner.invoke(app, ["sync", "status"], env=env)
    status_json = runner.invoke(app, ["sync", "status", "--json"], env=env)
    store = open_db(db_path)
    dump = run.output + status.output + status_json.output + caplog.text
    dump += " ".join(str(r) for r in store.execute("SELECT * FROM sync_history").fetchall())
    dump += " ".join(str(r) for r in store.execute("SELECT * FROM outbox").fetchall())
    assert keys[3] in status.stdout and "(echo " in dump  # the echo is there, masked
    for form in secret_forms(token) + secret_forms("client-secret-abcdef123456"):
        assert form not in dump and form[:8] not in dump, form


def test_salesforce_late_answer_does_not_duplicate_a_photo(
    crm: CrmServer, store: sqlite_utils.Database, tmp_path: Path
) -> None:
    crm.state.client_secret = "sf-secret-0123456789"
    keys = fill_outbox(store, 1, visits=1)
    photo = tmp_path / "p0.jpg"
    photo.write_bytes(b"\xff\xd8 jpeg bytes")
    store.execute(
        "INSERT INTO photos (visit_id, path, sha256, size_bytes, width, height, scanned_at)"
        " VALUES ('V0', ?, ?, 10, 1, 1, 'now')",
        [str(photo), f"{0:064x}"],
    )
    crm.state.slow_s = 0.8
    crm.state.faults.extend(["none", "none", "slow"])  # Visit, query, then the upload is late
    settings = replace(sf_settings(crm.url), upload_photos=True, timeout_s=0.3, upload_settle_s=1.0)
    assert sync_once(settings, store).sent == 1
    time.sleep(1.2)  # the late create has landed; the settle time is over
    with transaction(store):  # a re-scan of the same photo: its records go again
        row = store.execute("SELECT payload FROM outbox").fetchone()
        upsert_outbox(store, keys[0], "kpi", "V0", {**json.loads(row[0]), "value": 5.0})
    assert sync_once(settings, store).sent == 1
    versions = crm.state.sobjects["ContentVersion"]
    assert len(versions) == 1  # found by external id, not uploaded again
    noted = store.execute("SELECT remote_id FROM sync_uploads").fetchall()
    assert noted == [(next(iter(versions)),)]


def test_the_lock_holds_through_a_symlink(db_path: Path, tmp_path: Path) -> None:
    open_db(db_path)
    link = tmp_path / "other" / "link.db"
    link.parent.mkdir()
    os.symlink(db_path, link)
    with single_instance(db_path), pytest.raises(SyncError, match="another sync"):  # noqa: SIM117
        with single_instance(link):
            pass


def _scan(rows: dict[str, float]) -> ScanResult:
    d, layout = build_layout(dets(shelf_row_boxes(0, 100, [(0.0, 40.0)])), (400, 300))
    photo = PhotoInfo(Path("/photos/p.jpg"), "b" * 64, 1234, 400, 300, "2026-11-20T10:00:00")
    kpis = KpiReport({"facings": sum(rows.values())}, {"facings_per_row": rows})
    return ScanResult(photo, d, layout, kpis, "detector.onnx", {})


def test_a_breakdown_key_that_disappears_is_retracted(
    crm: CrmServer, store: sqlite_utils.Database
) -> None:
    visit = ensure_visit(store, "V1", "S1", "alice")
    save_scan(store, visit, _scan({"0": 3.0, "1": 2.0, "2": 4.0}))
    settings = hook_settings(crm.url)
    assert sync_once(settings, store).sent == 4
    stale = [k for k in crm.state.records if k.endswith(":facings_per_row:2")]
    save_scan(store, visit, _scan({"0": 3.0, "1": 2.0}))  # a re-scan lost row 2
    assert sync_once(settings, store).sent == 2  # the total changed; row 2 retracted
    assert stale and stale[0] not in crm.state.records and crm.state.retracted == set(stale)
    save_scan(store, visit, _scan({"0": 3.0, "1": 2.0}))  # unchanged: nothing new queued
    assert statuses(store) == {"sent": 4}


@pytest.mark.slow
def test_chaos_with_poison_and_409_in_flight_loses_nothing(crm: CrmServer, db_path: Path) -> None:
    keys = fill_outbox(open_db(db_path), 600)
    crm.state.poison = {keys[311]}
    crm.state.fault_rate, crm.state.slow_s = 0.25, 0.7
    crm.state.conflict_in_flight = True
    result = run_with_kills(crm, db_path, kills=4, seed=5, max_delay_s=0.4, batch_size=50)
    assert result.kills == 4
    assert set(crm.state.records) == set(keys) - {keys[311]}
    assert crm.state.duplicates == 0
    final = open_db(db_path)
    assert statuses(final) == {"sent": 599, "dead": 1}
    error = final.execute("SELECT last_error FROM outbox WHERE status = 'dead'").fetchone()[0]
    assert "cannot apply record" in error
    # nothing marked sent without the server having it
    sent = {r[0] for r in final.execute("SELECT external_id FROM outbox WHERE status = 'sent'")}
    assert sent <= set(crm.state.records)
    assert status_summary(final)["dead"] == 1


def test_a_poison_record_left_alone_by_a_kill_does_not_block_the_others(
    crm: CrmServer, store: sqlite_utils.Database
) -> None:
    """A kill right after ``_isolate`` gave the poison record a batch of its own (before
    its answer was recorded) leaves it the first unfinished batch of every later run.
    Failing alone before anything was accepted must not end the run as 'CRM down': the
    healthy records go, and the poison is a dead letter after ``poison_after`` runs."""
    keys = fill_outbox(store, 12)
    crm.state.poison = {keys[0]}
    batch = next_batch(store, 12)  # a run took the batch, split it, and was killed ...
    own_batch(store, [r for r in batch if r.external_id == keys[0]])  # ... right here
    settings = hook_settings(crm.url, batch_size=5, poison_after=3)
    first = sync_once(settings, store)
    assert first.sent == 11 and not first.unreachable
    assert set(crm.state.records) == set(keys[1:])
    for _ in range(2):
        time.sleep(settings.backoff_max_s * 2)  # its next try is due
        sync_once(settings, store)
    assert statuses(store) == {"sent": 11, "dead": 1}
    error = store.execute("SELECT last_error FROM outbox WHERE status = 'dead'").fetchone()[0]
    assert "cannot apply record" in error and "failed alone 3 times" in error
    assert crm.state.duplicates == 0


def test_a_lone_record_failing_while_the_crm_is_down_is_no_suspect(
    crm: CrmServer, store: sqlite_utils.Database
) -> None:
    """Every request fails with a 500: the run stops (unreachable) and blames no one."""
    keys = fill_outbox(store, 6)
    batch = next_batch(store, 6)
    own_batch(store, [r for r in batch if r.external_id == keys[0]])
    crm.state.fault_rate, crm.state.fault_kinds = 1.0, ("500",)
    report = sync_once(hook_settings(crm.url, batch_size=5, max_retries=0), store)
    assert report.unreachable and report.sent == 0
    assert statuses(store) == {"pending": 6}
    assert store.execute("SELECT MAX(isolated_failures) FROM outbox").fetchone()[0] == 0


def test_a_rescore_retracts_a_lost_brand_and_leaves_other_kpis(
    crm: CrmServer, store: sqlite_utils.Database
) -> None:
    visit = ensure_visit(store, "V1", "S1", "alice")
    scan = _scan({"0": 3.0})
    photo_id = save_scan(store, visit, scan)
    brands = [("share_facings_brand", "Acme", 0.5), ("share_facings_brand", "Bolt", 0.5)]
    save_rescore(store, visit, photo_id, scan.detections, brands, {"share_facings_brand"})
    settings = hook_settings(crm.url)
    assert sync_once(settings, store).sent == 4  # facings, row 0, two brands
    save_rescore(  # the catalog changed: every facing is Acme now
        store,
        visit,
        photo_id,
        scan.detections,
        [("share_facings_brand", "Acme", 1.0)],
        {"share_facings_brand"},
    )
    assert sync_once(settings, store).sent == 2  # Acme updated, Bolt retracted
    assert {k.rsplit(":", 1)[-1] for k in crm.state.retracted} == {"Bolt"}
    assert len(crm.state.records) == 3  # facings and row 0 untouched
