"""`shelfscan sync`, `sync status`, `sync retry` in-process; `--every` and the lock as real processes."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from chaos import sync_env
from crm_server import CrmServer
from sync_helpers import fill_outbox
from typer.testing import CliRunner

from shelfscan.cli import app
from shelfscan.errors import SyncError
from shelfscan.store import open_db
from shelfscan.sync.lock import single_instance


def test_dry_run_sync_status_retry(crm: CrmServer, db_path: Path) -> None:
    secret = "cli-secret-token-987654321"
    crm.state.token = secret
    keys = fill_outbox(open_db(db_path), 30, bad=4)
    env = {
        **sync_env(crm.url, db_path),
        "SHELFSCAN_SYNC_AUTH": "bearer",
        "SHELFSCAN_SYNC_TOKEN": secret,
    }
    runner = CliRunner()
    dry = runner.invoke(app, ["sync", "--dry-run", "--json"], env=env)
    assert dry.exit_code == 0, dry.output
    plan = json.loads(dry.stdout)
    assert plan["records"] == 30 and not crm.state.requests and secret not in dry.output
    run = runner.invoke(app, ["sync"], env=env)
    assert run.exit_code == 2 and "sent 29" in run.stdout  # a dead letter: exit 2
    status = runner.invoke(app, ["sync", "status"], env=env)
    assert "pending 0" in status.stdout and "dead 1" in status.stdout and keys[4] in status.stdout
    assert secret not in status.stdout + run.output
    assert json.loads(runner.invoke(app, ["sync", "status", "--json"], env=env).stdout)["dead"] == 1
    retry = runner.invoke(app, ["sync", "retry"], env=env)
    assert retry.exit_code == 0 and "re-queued 1" in retry.stdout


def test_bad_config_is_one_red_line(db_path: Path) -> None:
    env = {**sync_env("http://crm.example.com", db_path)}
    result = CliRunner().invoke(app, ["sync"], env=env)
    assert result.exit_code == 1 and "https" in result.output


def test_single_instance_lock(db_path: Path) -> None:
    with (
        single_instance(db_path),
        pytest.raises(SyncError, match="another sync"),
        single_instance(db_path),
    ):
        pass
    with single_instance(db_path):  # released
        pass


def test_every_loop_stops_cleanly_on_sigterm(crm: CrmServer, db_path: Path) -> None:
    fill_outbox(open_db(db_path), 20)
    proc = subprocess.Popen(
        [sys.executable, "-m", "shelfscan", "sync", "--every", "1s"],
        env=sync_env(crm.url, db_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 15
    while len(crm.state.records) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.2)  # let a second cycle run
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err.decode()
    assert out.decode().count("sent ") >= 2 and len(crm.state.records) == 20
    lines = [line for line in out.decode().splitlines() if line.strip()]
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00 sent ", x) for x in lines), lines


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ([], 75),  # nothing could be delivered: non-zero, records pending
        (["--cron"], 0),  # ...but a cron job offline is normal
    ],
)
def test_undeliverable_exits_75_unless_cron(db_path: Path, args: list[str], code: int) -> None:
    fill_outbox(open_db(db_path), 5)
    env = {**sync_env("http://127.0.0.1:9", db_path), "SHELFSCAN_SYNC_MAX_RETRIES": "0"}
    result = CliRunner().invoke(app, ["sync", *args], env=env)
    assert result.exit_code == code, result.output
    assert "to retry 5" in result.stdout
    if code:
        assert "could not be delivered" in result.output
    assert (
        open_db(db_path)
        .execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
        .fetchone()[0]
        == 5
    )
