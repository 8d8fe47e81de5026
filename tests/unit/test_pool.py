"""``cde.service.pool.run_in_order``: every chunk emitted once, in order, in this process
or in worker processes, and the window it promises (``cde batch`` reuses its shared
output buffers on that promise)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from cde.service.pool import IN_FLIGHT_PER_WORKER, in_flight, run_in_order


def _nothing() -> None:
    pass


def _square_and_pid(chunk: int) -> tuple[int, int]:
    return chunk * chunk, os.getpid()


def test_in_flight_is_the_window_per_worker() -> None:
    assert in_flight(0) == in_flight(1) == 1
    assert in_flight(2) == 2 * IN_FLIGHT_PER_WORKER
    assert in_flight(3) == 3 * IN_FLIGHT_PER_WORKER


@pytest.mark.parametrize("workers", [1, 2])
def test_chunks_are_emitted_in_order_and_taken_only_when_the_window_allows(
    workers: int,
) -> None:
    events: list[tuple[str, int]] = []
    results: list[tuple[int, int]] = []
    count = 50

    def chunks() -> Iterator[int]:
        for i in range(count):
            events.append(("take", i))
            yield i

    def emit(chunk: int, done: tuple[int, int]) -> None:
        events.append(("emit", chunk))
        results.append(done)

    run_in_order(
        chunks(),
        _square_and_pid,
        emit,
        workers=workers,
        initializer=_nothing,
        initargs=(),
    )
    assert [square for square, _ in results] == [i * i for i in range(count)]
    assert [c for kind, c in events if kind == "emit"] == list(range(count))
    window = in_flight(workers)
    for i in range(window, count):
        assert events.index(("emit", i - window)) < events.index(("take", i)), i
    pids = {pid for _, pid in results}
    if workers == 1:
        assert pids == {os.getpid()}
    else:
        assert os.getpid() not in pids
        assert 1 <= len(pids) <= workers
