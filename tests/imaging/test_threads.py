"""``for_each``: every item once, on up to a few threads, errors raised to the caller."""

from __future__ import annotations

import threading

import pytest

from shelfscan.imaging.threads import MAX_THREADS, for_each, parallel_map


@pytest.mark.parametrize(
    ("n", "threads"),
    [
        (0, 2),  # nothing to do
        (5, 2),  # too few items to split: the calling thread alone
        (64, 1),  # one thread asked for
        (64, 2),  # split in two
        (101, 3),  # uneven chunks
        (200, 16),  # more threads asked than MAX_THREADS
    ],
)
def test_every_item_once(n: int, threads: int) -> None:
    seen: list[int] = []
    names: set[str] = set()
    lock = threading.Lock()

    def work(i: int) -> None:
        with lock:
            seen.append(i)
            names.add(threading.current_thread().name)

    for_each(work, n, threads)
    assert sorted(seen) == list(range(n))
    assert len(names) <= min(threads, MAX_THREADS)
    if n >= 64 and threads >= 2:
        assert len(names) >= 2


@pytest.mark.parametrize(
    ("bad", "other"),
    [
        (3, range(32, 64)),  # in the calling thread's chunk: the pool's chunk still ran
        (60, range(32)),  # in the pool's chunk: the caller's chunk still ran
    ],
)
def test_an_error_is_raised_after_every_chunk_ran(bad: int, other: range) -> None:
    done: list[int] = []

    def work(i: int) -> None:
        if i == bad:
            raise ValueError(f"item {i}")
        done.append(i)

    with pytest.raises(ValueError, match=f"item {bad}"):
        for_each(work, 64, 2)
    assert set(other) <= set(done) and bad not in done


@pytest.mark.parametrize(
    ("n", "threads"),
    [
        (0, 2),  # nothing to do
        (1, 2),  # one item: the calling thread
        (3, 2),  # few items still split (a chunk may be one item)
        (5, 1),  # one thread asked for
        (9, 16),  # more threads asked than MAX_THREADS
    ],
)
def test_parallel_map_keeps_order_on_few_threads(n: int, threads: int) -> None:
    names: set[str] = set()
    lock = threading.Lock()

    def square(x: int) -> int:
        with lock:
            names.add(threading.current_thread().name)
        return x * x

    assert parallel_map(square, list(range(n)), threads) == [x * x for x in range(n)]
    assert len(names) <= min(threads, MAX_THREADS, max(n, 1))
