"""Run independent per-item image work (resizes of many small crops) on a few threads.

OpenCV releases the GIL inside each call but does not split a small image's resize over
its own thread pool, so a list of crops resized one by one uses one core. ``for_each``
splits the items into contiguous chunks: the calling thread takes the first, a shared
pool the others. As many threads as OpenCV is allowed (``cv2.getNumThreads``: the CPU
count, or the ``threads`` setting in batch workers), at most ``MAX_THREADS``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar, cast

import cv2

MAX_THREADS = 4
MIN_CHUNK = 8  # items per thread below which splitting costs more than it saves

_pool: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(MAX_THREADS - 1, thread_name_prefix="shelfscan-image")
        return _pool


T = TypeVar("T")
R = TypeVar("R")


def for_each(
    work: Callable[[int], None], n: int, threads: int | None = None, min_chunk: int = MIN_CHUNK
) -> None:
    """Call ``work(i)`` for every i in range(n) (in no set order across threads), in chunks
    of at least ``min_chunk`` items; the first exception raised is raised here, after every
    chunk has finished."""
    wanted = threads if threads is not None else cv2.getNumThreads()
    parts = max(1, min(wanted, MAX_THREADS, n // min_chunk))
    if parts == 1:
        for i in range(n):
            work(i)
        return
    bounds = [n * k // parts for k in range(parts + 1)]

    def chunk(k: int) -> None:
        for i in range(bounds[k], bounds[k + 1]):
            work(i)

    futures = [_executor().submit(chunk, k) for k in range(1, parts)]
    error: BaseException | None = None
    try:
        chunk(0)
    except BaseException as exc:  # wait for the other chunks before raising
        error = exc
    for future in futures:
        failed = future.exception()  # waits for the chunk
        error = error or failed
    if error is not None:
        raise error


def parallel_map(fn: Callable[[T], R], items: Sequence[T], threads: int) -> list[R]:
    """``[fn(x) for x in items]``, in order, on up to ``threads`` threads (at most
    ``MAX_THREADS``) of the same pool: for a few costly items (SIFT and RANSAC of a facing
    band: OpenCV and numpy release the GIL), so a chunk may be a single item."""
    out: list[R | None] = [None] * len(items)

    def one(i: int) -> None:
        out[i] = fn(items[i])

    for_each(one, len(items), threads, min_chunk=1)
    return cast(list[R], out)
