"""All cores of one box: worker processes scan, the parent alone writes SQLite.

Each worker builds the pipeline once from the ``PipelineSpec`` (its own ONNX sessions)
and returns ``ScanResult`` objects; the parent stores them in input order, one
transaction per photo, exactly as the one-process ``scan_batch`` does, so photo ids,
results and crash safety are the same. A worker that dies (killed, out of memory) only
costs a retry: the photos it had in flight are scanned again by a fresh pool; a photo
in flight at ``MAX_ATTEMPTS`` deaths is reported as failed and the batch goes on.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path

import sqlite_utils

from shelfscan.errors import ShelfscanError
from shelfscan.pipeline import PhotoOutcome, Pipeline, PipelineSpec, ScanContext, scan_batch
from shelfscan.store import save_scan
from shelfscan.types import ScanResult

MAX_ATTEMPTS = 3  # pool deaths a photo may be in flight for before it is reported failed
_PIPELINE: Pipeline | str | None = None  # per worker, built by ``_init`` (str: its error)


def default_workers() -> int:
    """One worker per CPU core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def can_start_workers() -> bool:
    """Whether worker processes can start: by fork (``start_method``), or by spawn when
    this user may run the interpreter they start with (a user who can run Python only
    through a path it cannot resolve scans in one process)."""
    from multiprocessing import spawn

    return start_method() == "fork" or os.access(spawn.get_executable(), os.X_OK)


def holds_onnx_sessions() -> bool:
    """Whether an ONNX Runtime session is alive in this process."""
    ort = sys.modules.get("onnxruntime")
    kind = getattr(ort, "InferenceSession", None)
    return isinstance(kind, type) and any(isinstance(o, kind) for o in gc.get_objects())


def _os_threads() -> int | None:
    """This process's native threads (None where /proc does not tell)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return None


# numpy, OpenCV and ONNX Runtime are imported now (above) and have not run yet: the
# threads they start at import; OpenCV's pool and ORT's intra-op pools start on first use
_IMPORT_THREADS = _os_threads()


def start_method() -> str:
    """How workers start: "fork" while this process is as safe to fork as after its
    imports (one Python thread, no native thread started since, no ONNX Runtime
    session), else "spawn" (a fresh interpreter that imports everything again).

    A thread, OpenCV's thread pool or an ORT session at the fork would be copied without
    its threads, its locks perhaps held: a forked worker could hang at its first OpenCV
    call. A forked worker starts in milliseconds with its imports done; a spawned one
    pays ~0.5 s of imports, a large share of a 40-photo batch on two cores."""
    if "fork" not in multiprocessing.get_all_start_methods() or _IMPORT_THREADS is None:
        return "spawn"
    now = _os_threads()
    if threading.active_count() > 1 or now is None or now > _IMPORT_THREADS:
        return "spawn"
    return "spawn" if holds_onnx_sessions() else "fork"


def worker_spec(spec: PipelineSpec, workers: int) -> PipelineSpec:
    """The spec each worker builds: the thread budget (``threads``) split over workers."""
    threads = max(1, spec.settings.threads // workers)
    catalog, pricing = spec.catalog, spec.pricing
    if catalog is not None:
        catalog = replace(catalog, settings=replace(catalog.settings, threads=threads))
    if pricing is not None:
        pricing = replace(pricing, ocr=replace(pricing.ocr, threads=threads))
    return replace(
        spec,
        settings=replace(spec.settings, threads=threads),
        catalog=catalog,
        pricing=pricing,
    )


def _exit_with_parent(parent: int) -> None:
    """Leave when the parent is gone (killed): an orphan worker would wait forever."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _init(blob: bytes, parent: int) -> None:
    """Build this worker's pipeline from the pickled spec: forked or spawned, a worker
    gets its own copy (a handle the parent's spec holds, such as a read-only SQLite
    connection, is reopened here, never shared across the fork)."""
    global _PIPELINE
    import cv2

    spec: PipelineSpec = pickle.loads(blob)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()

    cv2.setNumThreads(spec.settings.threads)  # no oversubscription across workers
    try:
        _PIPELINE = spec.build()
    except ShelfscanError as exc:  # e.g. a corrupt model: every photo reports it
        _PIPELINE = str(exc)


def _scan(path: Path, context: ScanContext) -> ScanResult | str:
    """In a worker: the photo's result, or the message of the error that stopped it."""
    if _PIPELINE is None:
        raise RuntimeError("worker pipeline not initialised")
    if isinstance(_PIPELINE, str):
        return _PIPELINE
    try:
        return _PIPELINE.scan_file(path, context)
    except ShelfscanError as exc:
        return str(exc)


def _finish(
    item: PhotoOutcome | Path,
    job: Future[ScanResult | str] | None,
    db: sqlite_utils.Database,
    visit_id: str,
) -> PhotoOutcome:
    """The outcome of the oldest photo in flight (waits for its worker)."""
    if isinstance(item, PhotoOutcome):
        return item
    if job is None:
        raise ValueError(f"{item}: submitted without a job")
    return _store(db, visit_id, item, job.result())


def _store(
    db: sqlite_utils.Database, visit_id: str, path: Path, result: ScanResult | str
) -> PhotoOutcome:
    if isinstance(result, str):
        return PhotoOutcome(path, error=result)
    try:
        photo_id = save_scan(db, visit_id, result)
    except ShelfscanError as exc:
        return PhotoOutcome(path, error=str(exc))
    return PhotoOutcome(path, result, photo_id)


def scan_parallel(
    spec: PipelineSpec,
    items: Iterable[PhotoOutcome | Path],
    db: sqlite_utils.Database,
    visit_id: str,
    context: ScanContext | None = None,
    workers: int = 0,
) -> Iterator[PhotoOutcome]:
    """Scan with ``workers`` processes (0: one per core) and store in input order; the
    same outcomes as ``scan_batch`` over ``spec.build()``."""
    context = context or ScanContext()
    workers = workers or default_workers()
    items = list(items)
    if workers < 2 or sum(isinstance(i, Path) for i in items) < 2 or not can_start_workers():
        yield from scan_batch(spec.build(), items, db, visit_id, context)
        return
    spec.check()  # a missing model is one clear error, as in one process
    todo = deque(range(len(items)))  # indices into items, in input order
    deaths = [0] * len(items)
    window = 2 * workers  # photos in flight: enough to keep every worker busy
    while todo:
        with _pool(worker_spec(spec, workers), workers) as pool:
            flight: deque[tuple[int, Future[ScanResult | str] | None]] = deque()
            try:
                while todo or flight:
                    while todo and len(flight) < window:
                        # off ``todo`` only once submitted: a pool that broke meanwhile
                        # raises in ``submit``, and the photo must stay queued to go again
                        i = todo[0]
                        item = items[i]
                        job = pool.submit(_scan, item, context) if isinstance(item, Path) else None
                        todo.popleft()
                        flight.append((i, job))
                    i, job = flight[0]
                    outcome = _finish(items[i], job, db, visit_id)
                    flight.popleft()
                    yield outcome
            except BrokenProcessPool:
                for i, _ in flight:  # a worker died: what was in flight goes again
                    deaths[i] += 1
                    dead = items[i]
                    if deaths[i] >= MAX_ATTEMPTS and isinstance(dead, Path):
                        items[i] = PhotoOutcome(
                            dead, error=f"{dead}: a worker process died scanning it"
                        )
                todo.extendleft(reversed([i for i, _ in flight]))


def _pool(spec: PipelineSpec, workers: int) -> ProcessPoolExecutor:
    # with fork, the executor starts every worker up front, in this thread, at the first
    # submit (before its own manager thread), so the checks of ``start_method`` hold
    return ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context(start_method()),
        initializer=_init,
        initargs=(pickle.dumps(spec, pickle.HIGHEST_PROTOCOL), os.getpid()),
    )
