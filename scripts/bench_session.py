"""Choose ONNX Runtime session settings by measurement: threads x spinning, idle and loaded.

    python scripts/bench_session.py --runs 15              # idle machine
    python scripts/bench_session.py --runs 15 --load 2     # with 2 busy foreign processes

For each setting it builds the detector session (``detection.session.session_options``
with overrides), runs one photo-sized input ``--runs`` times after warm-up and prints the
median wall time and the median process CPU time per run. The CPU figure includes the
worker threads' spinning after a run (measured over a short pause that follows each
run, as in a scan where other stages follow inference).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from shelfscan.detection.session import session_options  # noqa: E402

PAUSE_S = 0.05  # other stages' time between two inferences (spinning burns CPU here)


def _busy(stop: float) -> None:
    x = 0
    while time.time() < stop:
        x += 1


def measure(model: Path, threads: int, spin: bool, inter: int, runs: int) -> tuple[float, float]:
    opts = session_options(threads, spinning=spin)
    opts.inter_op_num_threads = inter
    sess = ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    x = np.random.default_rng(0).random((1, 3, 576, 768), dtype=np.float32)
    for _ in range(3):  # warm-up
        sess.run(None, {name: x})
    walls, cpus = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        sess.run(None, {name: x})
        wall = time.perf_counter() - t0
        time.sleep(PAUSE_S)
        cpus.append((time.process_time() - c0) * 1000)
        walls.append(wall * 1000)
    return statistics.median(walls), statistics.median(cpus)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "detector.onnx")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--load", type=int, default=0, help="busy foreign processes")
    args = parser.parse_args(argv)
    procs = [
        mp.Process(target=_busy, args=(time.time() + 600,), daemon=True) for _ in range(args.load)
    ]
    for p in procs:
        p.start()
    try:
        print(
            f"foreign busy processes: {args.load}, runs={args.runs}, pause={PAUSE_S * 1000:.0f} ms"
        )
        for threads, spin, inter in ((1, True, 1), (1, False, 1), (2, True, 1), (2, False, 1)):
            wall, cpu = measure(args.model, threads, spin, inter, args.runs)
            print(
                f"threads={threads} inter_op={inter} spinning={int(spin)}"
                f"  wall={wall:.1f} ms  cpu={cpu:.1f} ms"
            )
    finally:
        for p in procs:
            p.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
