"""The Salesforce adapter against the local server's sObject Collections endpoint."""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path

import sqlite_utils
from crm_server import CrmServer
from sync_helpers import fill_outbox, statuses

from shelfscan.sync import sync_once
from shelfscan.sync.config import SyncSettings


def sf_settings(url: str) -> SyncSettings:
    return SyncSettings(
        adapter="salesforce",
        url=url,
        auth="oauth2",
        token_url=f"{url}/oauth/token",
        client_id="cid",
        client_secret="sf-secret-0123456789",
        timeout_s=1.0,
        backoff_s=0.01,
        backoff_max_s=0.05,
        batch_size=500,
    )


def test_visits_then_kpis_upserted_in_collections_of_200(
    crm: CrmServer, store: sqlite_utils.Database
) -> None:
    crm.state.client_secret = "sf-secret-0123456789"
    keys = fill_outbox(store, 450, visits=3, bad=11)
    report = sync_once(sf_settings(crm.url), store)
    kpis = crm.state.sobjects["RetailVisitKpi"]
    assert report.sent == 449 and report.dead == 1 and set(kpis) == set(keys) - {keys[11]}
    assert len(crm.state.sobjects["Visit"]) == 3
    calls = [r for r in crm.state.requests if "RetailVisitKpi" in r["path"]]
    assert len(calls) == 3  # 200 + 200 + 50
    dead = store.execute("SELECT last_error FROM outbox WHERE status = 'dead'").fetchone()[0]
    assert "ActualDecimalValue" in dead
    # a second run sends nothing; a re-sent record would be an upsert, not a new record
    assert sync_once(sf_settings(crm.url), store).sent == 0
    assert statuses(store) == {"sent": 449, "dead": 1}


def test_photos_go_once_as_content_versions_of_their_visit(
    crm: CrmServer, store: sqlite_utils.Database, tmp_path: Path
) -> None:
    crm.state.client_secret = "sf-secret-0123456789"
    fill_outbox(store, 8, visits=2)  # photo_sha256 of record i is f"{i:064x}"
    for i in range(3):  # three of the photos exist on disk
        photo = tmp_path / f"p{i}.jpg"
        photo.write_bytes(b"\xff\xd8 jpeg bytes %d" % i)
        store.execute(
            "INSERT INTO photos (visit_id, path, sha256, size_bytes, width, height, scanned_at)"
            " VALUES (?, ?, ?, 10, 1, 1, 'now')",
            [f"V{i % 2}", str(photo), f"{i:064x}"],
        )
    settings = replace(sf_settings(crm.url), upload_photos=True)
    store.execute(
        "INSERT INTO sync_uploads VALUES (?, ?, 'x', 'now')", [f"{2:064x}", settings.target]
    )
    crm.state.sobjects["ContentVersion"] = {  # uploaded by a run killed before noting it
        "068old": {"Id": "068old", settings.external_id_field: f"{1:064x}"}
    }
    assert sync_once(settings, store).sent == 8
    versions = crm.state.sobjects["ContentVersion"]
    assert len(versions) == 2  # photo 0 uploaded; 1 found by external id; 2 already noted
    new = next(v for k, v in versions.items() if k != "068old")
    visit_ids = {v["Id"] for v in crm.state.sobjects["Visit"].values()}
    assert new["FirstPublishLocationId"] in visit_ids
    assert new["VersionData"] == base64.b64encode(b"\xff\xd8 jpeg bytes 0").decode()
    uploads = store.execute("SELECT key, remote_id FROM sync_uploads ORDER BY key").fetchall()
    assert [r[1] for r in uploads][:2] == [new["Id"], "068old"]
