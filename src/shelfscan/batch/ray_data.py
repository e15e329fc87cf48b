"""``shelfscan batch`` on Ray Data: HQ-scale re-scans on a local Ray or a cluster.

photos (folder / manifest rows) -> ``ray.data.from_items`` -> ``map_batches(ScanActor)``
(each actor builds the pipeline once from the ``PipelineSpec``: its own ONNX sessions)
-> the driver streams the results, in input order, into Parquet tables (photos,
facings, gaps, KPIs) and, with a merge database, into SQLite through ``save_scan``:
one transaction per photo with its outbox rows, the very writes of ``shelfscan scan``.

Ray Data restarts a dead actor and retries its task (``max_restarts`` and
``max_task_retries`` are unlimited for actor pools), so a killed worker costs a retry;
the driver receives each photo's result once, and ``save_scan`` replaces an earlier
copy of the same photo (SHA-256) in the same visit, so a merge is exactly once per
photo even when the whole batch is run again after a crash.
"""

from __future__ import annotations

import logging
import pickle
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import sqlite_utils

from shelfscan.batch.manifest import BatchItem
from shelfscan.batch.tables import TableWriter
from shelfscan.errors import BatchError, ShelfscanError
from shelfscan.pipeline import PipelineSpec, ScanContext
from shelfscan.store import ensure_visit, save_scan
from shelfscan.store.quality import photo_quality
from shelfscan.types import ScanResult

Batch = dict[str, npt.NDArray[Any]]


class ScanActor:
    """A Ray Data actor: the pipeline (ONNX sessions) lives as long as the actor."""

    def __init__(self, spec: PipelineSpec) -> None:
        self.pipeline = spec.build()

    def __call__(self, batch: Batch) -> Batch:
        results, errors = [], []
        for path, store in zip(batch["path"], batch["store"], strict=True):
            try:
                result = self.pipeline.scan_file(Path(str(path)), ScanContext(str(store) or None))
            except ShelfscanError as exc:
                results.append(b"")
                errors.append(str(exc))
                continue
            results.append(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
            errors.append("")
        return {
            **batch,
            "result": np.array(results, dtype=object),
            "error": np.array(errors, dtype=object),
        }


@dataclass
class BatchReport:
    """What a batch did, with Ray's start-up timed apart from the scanning."""

    photos: int = 0
    failed: int = 0
    merged: int = 0
    ray_start_s: float = 0.0
    scan_s: float = 0.0
    errors: list[str] = field(default_factory=list)
    tables: dict[str, str] = field(default_factory=dict)

    @property
    def photos_per_s(self) -> float:
        return self.photos / self.scan_s if self.scan_s > 0 else 0.0


def start_ray(address: str | None, num_cpus: int | None) -> tuple[bool, float]:
    """Connect to ``address``, or start a local Ray; (started here, seconds it took)."""
    import ray

    t0 = time.perf_counter()
    if ray.is_initialized():
        return False, 0.0
    # the one-line notice that a local Ray enables token authentication (it stays on)
    logging.getLogger("ray._private.authentication.authentication_token_setup").setLevel(
        logging.ERROR
    )
    try:
        ray.init(
            address=address,
            num_cpus=None if address else num_cpus,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.WARNING,
        )
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise BatchError(f"cannot start or reach Ray at {address or 'local'}: {exc}") from exc
    quiet_ray_data()
    return True, time.perf_counter() - t0


def quiet_ray_data() -> None:
    """Ray Data's console lines (execution plan, progress-bar notice) off the terminal
    below ERROR; its log file in the Ray session folder still gets everything."""
    import_module("ray.data")  # configures the "ray.data" logger and its console handler
    for handler in logging.getLogger("ray.data").handlers:
        if isinstance(handler, logging.StreamHandler):  # the console (files are not)
            handler.setLevel(logging.ERROR)


def _results(items: list[BatchItem], spec: PipelineSpec, workers: int) -> Iterator[Batch]:
    import ray

    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # merge in input order, like `scan`
    context.enable_progress_bars = False
    rows = [{"path": i.path, "store": i.store or "", "visit": i.visit} for i in items]
    photos = ray.data.from_items(rows, override_num_blocks=max(1, min(len(rows), 4 * workers)))
    scanned = photos.map_batches(
        ScanActor,
        fn_constructor_kwargs={"spec": spec},
        batch_size=1,
        batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=workers),
        num_cpus=spec.settings.threads,
    )
    yield from scanned.iter_batches(batch_size=8, batch_format="numpy", prefetch_batches=0)


def run_batch(
    items: list[BatchItem],
    spec: PipelineSpec,
    out: Path,
    merge_db: sqlite_utils.Database | None = None,
    *,
    address: str | None = None,
    workers: int = 2,
    num_cpus: int | None = None,
) -> BatchReport:
    """Scan ``items`` on Ray with ``workers`` actors; write Parquet tables under ``out``
    and, given ``merge_db``, merge every photo into it (visits created as needed)."""
    if not items:
        raise BatchError("nothing to scan: the folder or manifest holds no photos")
    spec.check()
    by_path = {i.path: i for i in items}
    if merge_db is not None:
        for visit, store, rep in sorted({(i.visit, i.store or "", i.rep or "") for i in items}):
            ensure_visit(merge_db, visit, store or None, rep or None)
    started, report = False, BatchReport()
    try:
        started, report.ray_start_s = start_ray(address, num_cpus)
        t0 = time.perf_counter()
        with TableWriter(out) as tables:
            for batch in _results(items, spec, workers):
                for path, blob, error in zip(
                    batch["path"], batch["result"], batch["error"], strict=True
                ):
                    item = by_path[str(path)]
                    result: ScanResult | None = pickle.loads(blob) if blob else None
                    _record(report, item, result, str(error), tables, merge_db)
        report.scan_s = time.perf_counter() - t0
        report.tables = {k: str(v) for k, v in tables.paths.items()}
    finally:
        if started:
            import ray

            ray.shutdown()
    return report


def _record(
    report: BatchReport,
    item: BatchItem,
    result: ScanResult | None,
    error: str,
    tables: TableWriter,
    merge_db: sqlite_utils.Database | None,
) -> None:
    report.photos += 1
    duplicate = None  # decided by the table writer, unless the store decides
    if result is not None and merge_db is not None:
        try:
            photo_id = save_scan(merge_db, item.visit, result)
            report.merged += 1
            quality = photo_quality(merge_db, photo_id)
            duplicate = quality is not None and quality.get("duplicate_of") is not None
        except ShelfscanError as exc:
            result, error = None, str(exc)
    if result is None:
        report.failed += 1
        report.errors.append(error if item.path in error else f"{item.path}: {error}")
    tables.add(item, result, error, duplicate)
