"""Run ``shelfscan sync`` as a real process against a CrmServer and SIGKILL it at random
points until the outbox is empty. Shared by the test suite and scripts/bench_sync.py."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from crm_server import CrmServer


@dataclass
class ChaosResult:
    kills: int
    runs: int
    seconds: float


def sync_env(url: str, db: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHELFSCAN_SYNC_")}
    env.update(
        {
            "SHELFSCAN_DB": str(db),
            "SHELFSCAN_CONFIG": str(db.with_suffix(".none.toml")),
            "SHELFSCAN_SYNC_ADAPTER": "webhook",
            "SHELFSCAN_SYNC_URL": f"{url}/hook",
            "SHELFSCAN_SYNC_TIMEOUT_S": "0.5",
            "SHELFSCAN_SYNC_MAX_RETRIES": "3",
            "SHELFSCAN_SYNC_BACKOFF_S": "0.02",
            "SHELFSCAN_SYNC_BACKOFF_MAX_S": "0.2",
            **extra,
        }
    )
    return env


def pending(db: Path) -> int:
    con = sqlite3.connect(db, timeout=30)
    try:
        return int(
            con.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").fetchone()[0]
        )
    finally:
        con.close()


def run_with_kills(
    crm: CrmServer,
    db: Path,
    kills: int,
    seed: int = 0,
    max_delay_s: float = 1.0,
    batch_size: int = 100,
    deadline_s: float = 300.0,
) -> ChaosResult:
    """Start the sync again and again, SIGKILLing it after a random delay, ``kills`` times
    (only kills that land while it is still working count); then let it finish."""
    rng = random.Random(seed)
    env = sync_env(crm.url, db, SHELFSCAN_SYNC_BATCH_SIZE=str(batch_size))
    cmd = [sys.executable, "-m", "shelfscan", "sync"]
    done_kills = runs = 0
    start = time.monotonic()
    while time.monotonic() - start < deadline_s:
        runs += 1
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if done_kills < kills:
            time.sleep(rng.uniform(0.05, max_delay_s) + 0.35)  # past interpreter start-up
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                done_kills += 1
        proc.wait()
        err = proc.stderr.read().decode() if proc.stderr else ""
        proc.stderr and proc.stderr.close()
        # 75: records still failing (the CRM was unreachable); 2: dead letters this run
        if proc.returncode not in (0, 2, 75, -signal.SIGKILL):
            raise RuntimeError(f"sync exited {proc.returncode}: {err.strip()[-500:]}")
        if pending(db) == 0:
            break
    return ChaosResult(done_kills, runs, time.monotonic() - start)
