"""Work in worker processes, results back in input order, a bounded number in flight.

``cde batch`` and the portfolio replays (``cde backtest``, ``cde simulate``) both cut
their input into chunks and evaluate them with a policy loaded once per process: this is
the one place that runs such chunks, in this process (``workers <= 1``) or in a pool.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

__all__ = ["IN_FLIGHT_PER_WORKER", "in_flight", "run_in_order"]

T = TypeVar("T")
R = TypeVar("R")

IN_FLIGHT_PER_WORKER = 4  # chunks queued per worker: keeps every worker busy, memory flat


def in_flight(workers: int) -> int:
    """How many chunks :func:`run_in_order` holds at most: taken from its input and not
    yet emitted (1 when it works in this process)."""
    return workers * IN_FLIGHT_PER_WORKER if workers > 1 else 1


def run_in_order(
    chunks: Iterable[T],
    work: Callable[[T], R],
    emit: Callable[[T, R], None],
    *,
    workers: int,
    initializer: Callable[..., None],
    initargs: tuple[Any, ...],
) -> None:
    """``emit(chunk, work(chunk))`` for every chunk, in the chunks' order.

    ``initializer(*initargs)`` prepares each process (in this one when ``workers <= 1``);
    ``work`` must be a module-level function (it is pickled to the workers), and the
    chunks and results picklable. The workers are forked when the platform forks (Linux),
    after this call started: what the caller set up before it, they inherit.

    The window is a promise: chunk *i* is taken from ``chunks`` only once chunk
    *i* − ``in_flight(workers)`` has been emitted, so a caller may give chunk *i* the
    buffer *i* mod ``in_flight(workers)`` and reuse it from then on.
    """
    if workers <= 1:
        initializer(*initargs)
        for chunk in chunks:
            emit(chunk, work(chunk))
        return
    pending: deque[tuple[T, Future[R]]] = deque()
    limit = in_flight(workers)
    with ProcessPoolExecutor(
        max_workers=workers, initializer=initializer, initargs=initargs
    ) as pool:
        for chunk in chunks:
            pending.append((chunk, pool.submit(work, chunk)))
            while len(pending) >= limit:
                done, future = pending.popleft()
                emit(done, future.result())
        while pending:
            done, future = pending.popleft()
            emit(done, future.result())
