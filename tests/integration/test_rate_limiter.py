"""The per-tenant token bucket (``SqlRateLimiter``) on SQLite and PostgreSQL, driven by a
hand-set clock: spending, refilling, the wait it reports, and a clock reading older than
the bucket's stamp (a request that waited for a connection while others spent tokens, or
a process whose clock is behind), which must neither drain the bucket nor move its stamp
back. Before that was so, a burst of 40 concurrent requests through two API processes on
one PostgreSQL could be refused with 429 well inside the burst."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from cde.adapters.db.engine import create_db_engine
from cde.adapters.db.ratelimit import SqlRateLimiter, buckets


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def engine(backend: str, database_url: str | None, tmp_path: Path) -> Iterator[Engine]:
    url = database_url if backend == "postgresql" else f"sqlite:///{tmp_path / 'cde.db'}"
    assert url is not None
    made = create_db_engine(url)
    try:
        yield made
    finally:
        made.dispose()


def _limiter(engine: Engine, clock: Clock, per_minute: int = 60, burst: int = 3) -> SqlRateLimiter:
    return SqlRateLimiter(engine, per_minute, burst, clock=clock)


def _stamp(limiter: SqlRateLimiter, key: str) -> tuple[float, float]:
    with limiter._engine.connect() as conn:
        row = conn.execute(
            select(buckets.c.tokens, buckets.c.stamp).where(buckets.c.tenant_id == key)
        ).one()
    return float(row.tokens), float(row.stamp)


def test_a_burst_then_the_wait_then_a_refill(engine: Engine) -> None:
    clock = Clock()
    limiter = _limiter(engine, clock)
    assert [limiter.check("t1") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.check("t1")
    assert wait == pytest.approx(1.0)  # 60 a minute: one token a second
    assert limiter.check("t2") == 0.0  # another tenant has its own bucket
    clock.now += 0.5
    assert limiter.check("t1") == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.check("t1") == 0.0
    clock.now += 3600  # a long pause refills only up to the burst
    assert [limiter.check("t1") for _ in range(4)][:3] == [0.0, 0.0, 0.0]
    assert limiter.check("t1") > 0


def test_a_clock_reading_older_than_the_stamp_costs_one_token_only(engine: Engine) -> None:
    clock = Clock()
    limiter = _limiter(engine, clock, per_minute=600, burst=60)  # the defaults: 10 a second
    assert limiter.check("t") == 0.0
    tokens, stamp = _stamp(limiter, "t")
    assert (tokens, stamp) == (59.0, 1000.0)
    clock.now = 997.0  # three seconds behind: the old code took 30 tokens here
    assert limiter.check("t") == 0.0
    assert _stamp(limiter, "t") == (58.0, 1000.0)  # one token, and the stamp stays
    clock.now = 1000.2  # later again: 0.2 s of refill (2 tokens), from the kept stamp
    assert limiter.check("t") == 0.0
    tokens, stamp = _stamp(limiter, "t")
    assert tokens == pytest.approx(58.0 + 2.0 - 1.0)
    assert stamp == 1000.2


def test_stale_readings_cannot_refuse_a_burst(engine: Engine) -> None:
    """40 concurrent requests, each with a clock up to 4 s older than the latest one
    written, all inside a burst of 60: every one is allowed."""
    draw = random.Random(7)
    lock = threading.Lock()

    class Stale:
        def __call__(self) -> float:
            with lock:
                return 1000.0 + draw.uniform(-2.0, 2.0)

    limiter = SqlRateLimiter(engine, 600, 60, clock=Stale())
    with ThreadPoolExecutor(max_workers=8) as pool:
        waits = list(pool.map(lambda _: limiter.check("t"), range(40)))
    assert waits == [0.0] * 40
    tokens, _ = _stamp(limiter, "t")
    assert tokens <= 60.0 - 40.0 + 4 * 10.0  # at most 4 s of refill across the readings
