"""The one place where ONNX Runtime sessions are built."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import onnxruntime as ort

from shelfscan.errors import ModelError


def session_options(threads: int = 2, spinning: bool = False) -> ort.SessionOptions:
    """Session options: explicit thread counts, no spinning, full graph optimisation.

    Chosen by ``scripts/bench_session.py`` (detector, 2-core machine, see
    docs/performance.md): after each run ORT's worker threads spin-wait by default,
    which doubles the CPU of a 2-thread run (97 vs 43 ms per inference) and slows the
    stages that follow; without spinning the run itself is as fast. The graph runs
    sequentially (one inter-op thread: the models are single chains). Under foreign
    load one thread beats two (the second thread waits for a busy core), so
    ``threads`` stays a setting (``--threads 1`` on a busy machine).

    No memory pattern: ORT then takes each run's tensors from its arena as they come
    instead of planning one block per input shape (the embedder sees several batch
    sizes); same outputs and speed, and the scanning process's peak RSS with a catalog
    falls from 311 to 284 MB (``docs/performance.md``).
    """
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = max(1, threads)
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    opts.enable_mem_pattern = False
    spin = "1" if spinning else "0"
    opts.add_session_config_entry("session.intra_op.allow_spinning", spin)
    opts.add_session_config_entry("session.inter_op.allow_spinning", spin)
    return opts


def load_session(path: Path, threads: int = 2, providers: list[str] | None = None) -> Any:
    """Open an ONNX model as an ``InferenceSession`` (CPU unless providers say otherwise)."""
    if not path.is_file():
        raise ModelError(f"{path}: model file not found")
    try:
        return ort.InferenceSession(
            str(path),
            sess_options=session_options(threads),
            providers=providers or ["CPUExecutionProvider"],
        )
    except Exception as exc:  # onnxruntime raises its own untyped errors
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"{path}: cannot load ONNX model ({first_line})") from exc


def metadata(session: Any) -> dict[str, str]:
    """The model's ``metadata_props`` as a dict."""
    return dict(session.get_modelmeta().custom_metadata_map)
