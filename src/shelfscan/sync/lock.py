"""One sync at a time per database: an exclusive ``flock`` on ``<db>.sync.lock``, named
after the database's resolved path (a symlink or a relative path cannot dodge it).

The kernel drops the lock when the process dies, even by SIGKILL, so a killed sync never
leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from shelfscan.errors import SyncError


@contextmanager
def single_instance(db_path: Path) -> Iterator[None]:
    real = db_path.resolve()
    path = real.with_name(real.name + ".sync.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise SyncError(f"{path}: another sync is running (pid {holder})") from exc
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)
