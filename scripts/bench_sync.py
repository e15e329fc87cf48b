"""Sync bars, end to end against a real local CRM server (tests/sync/crm_server.py).

1. Throughput: N KPI records (default 10,000) through `shelfscan sync` (a real process,
   start-up included) into the server; bar: <= 10 s.
2. Chaos: N records, 30% of requests failing (500, 429 + Retry-After, slow past the
   timeout, connection dropped after commit), the sync process SIGKILLed at random
   points K times (default 20); bar: every record arrives, none twice.

    python scripts/bench_sync.py [--records 10000] [--kills 20] [--fault-rate 0.3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "sync"))

from chaos import run_with_kills, sync_env  # noqa: E402
from crm_server import CrmServer  # noqa: E402
from sync_helpers import fill_outbox, statuses  # noqa: E402

from shelfscan.store import open_db  # noqa: E402


def throughput(n: int, folder: Path) -> float:
    db = folder / "throughput.db"
    keys = fill_outbox(open_db(db), n, visits=20)
    with CrmServer() as crm:
        env = sync_env(crm.url, db, SHELFSCAN_SYNC_BATCH_SIZE="500")
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "shelfscan", "sync"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        seconds = time.perf_counter() - start
        ok = set(crm.state.records) == set(keys) and crm.state.duplicates == 0
    print(
        f"throughput: {n} records in {seconds:.2f} s ({n / seconds:,.0f}/s), "
        f"all arrived once: {ok}; bar <= 10 s: {'PASS' if ok and seconds <= 10 else 'FAIL'}"
    )
    return seconds


def chaos(n: int, kills: int, rate: float, folder: Path, seed: int) -> bool:
    db = folder / "chaos.db"
    keys = fill_outbox(open_db(db), n, visits=20)
    with CrmServer(seed=seed) as crm:
        crm.state.fault_rate, crm.state.slow_s = rate, 0.7
        result = run_with_kills(
            crm, db, kills=kills, seed=seed, max_delay_s=1.5, batch_size=100, deadline_s=600
        )
        st = crm.state
        requests = len([r for r in st.requests if r["path"] == "/hook"])
        arrived = set(st.records) == set(keys)
        final = statuses(open_db(db))
        ok = arrived and st.duplicates == 0 and result.kills >= kills and final == {"sent": n}
        print(
            f"chaos: {n} records, {result.kills} SIGKILLs over {result.runs} runs, "
            f"{requests} requests, faults injected {dict(st.injected)} "
            f"({sum(st.injected.values()) / max(1, requests):.0%}), "
            f"{st.replays} answered from the idempotency cache, {result.seconds:.1f} s; "
            f"all arrived: {arrived}, duplicates: {st.duplicates}, outbox: {final}; "
            f"bar: {'PASS' if ok else 'FAIL'}"
        )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--fault-rate", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        seconds = throughput(args.records, Path(tmp))
        ok = chaos(args.records, args.kills, args.fault_rate, Path(tmp), args.seed)
    sys.exit(0 if ok and seconds <= 10 else 1)


if __name__ == "__main__":
    main()
