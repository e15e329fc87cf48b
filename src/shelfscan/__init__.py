"""shelfscan: offline shelf recognition toolkit."""

from __future__ import annotations

import os

# One BLAS thread: catalog searches are small matrix products, and OpenBLAS's spinning
# worker threads would otherwise steal a core from the next ONNX Runtime call (150 facings
# recognised in 90 ms instead of 168 ms on 2 cores). Set before numpy is imported; a value
# the user set wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from shelfscan.lazy import install_import_hooks

install_import_hooks()  # sqlite_utils without pandas: 0.28 s off every store command

__version__ = "0.1.0"
