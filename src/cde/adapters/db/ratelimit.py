"""Per-tenant rate limiting shared by every process: a token bucket per tenant in the
database, refilled and spent by one conditional UPDATE (portable SQL), so concurrent
processes never both take the last token.

The buckets are throw-away state: on SQLite they live in their own file beside the
database (``ratelimit.db``, ``synchronous=OFF``: losing them in a crash only resets the
buckets), on PostgreSQL in an ``UNLOGGED`` table created here. Neither costs the main
database an fsync.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Float,
    MetaData,
    String,
    Table,
    case,
    create_engine,
    event,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from cde.adapters.db.engine import sqlite_path

__all__ = ["SqlRateLimiter"]

_metadata = MetaData()
buckets = Table(
    "cde_rate_buckets",
    _metadata,
    Column("tenant_id", String(36), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("stamp", Float, nullable=False),  # seconds (the limiter's clock)
    prefixes=["UNLOGGED"],
)


def _bucket_engine(main: Engine) -> Engine:
    path = sqlite_path(str(main.url))
    if main.dialect.name == "sqlite":
        target = (path or Path("data/cde.db")).with_name("ratelimit.db") if path else None
        url = f"sqlite:///{target.as_posix()}" if target is not None else "sqlite://"
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        # SQLite has no UNLOGGED tables; the prefix is dropped for it.
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "CREATE TABLE IF NOT EXISTS cde_rate_buckets ("
                "tenant_id VARCHAR(36) PRIMARY KEY, tokens FLOAT NOT NULL, stamp FLOAT NOT NULL)"
            )
        return engine
    _metadata.create_all(main, checkfirst=True)
    return main


class SqlRateLimiter:
    def __init__(
        self,
        engine: Engine,
        per_minute: int,
        burst: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(max(burst, 1))
        self.clock = clock
        self._engine = _bucket_engine(engine) if per_minute > 0 else engine

    def check(self, key: str) -> float:
        """0 when allowed (and counted); otherwise the seconds to wait."""
        if self.rate <= 0:
            return 0.0
        for _ in range(3):
            # Read the clock per attempt, and never let time run backwards: a request whose
            # clock reading is older than the bucket's stamp (it waited for a connection or a
            # row lock while others spent tokens, or another process's clock is behind)
            # refills nothing and leaves the stamp where it is. Without the clamp such a
            # request drains the bucket by its whole delay and refuses with 429 under load.
            reading = self.clock()
            now = literal(reading)
            later = buckets.c.stamp < now
            refill = buckets.c.tokens + case(
                (later, (now - buckets.c.stamp) * self.rate), else_=0.0
            )
            refilled = case((refill > self.burst, self.burst), else_=refill)
            stamp = case((later, now), else_=buckets.c.stamp)
            with self._engine.begin() as conn:
                taken = conn.execute(
                    update(buckets)
                    .where(buckets.c.tenant_id == key, refilled >= 1.0)
                    .values(tokens=refilled - 1.0, stamp=stamp)
                ).rowcount
                if taken == 1:
                    return 0.0
                row = conn.execute(
                    select(buckets.c.tokens, buckets.c.stamp).where(buckets.c.tenant_id == key)
                ).first()
                if row is not None:
                    elapsed = max(reading - row.stamp, 0.0)
                    tokens = min(self.burst, row.tokens + elapsed * self.rate)
                    if tokens >= 1.0:
                        # The bucket was created (by another request) after the UPDATE's
                        # snapshot and before this SELECT's: there is a token, try again.
                        continue
                    return float(max((1.0 - tokens) / self.rate, 0.001))
                try:
                    conn.execute(
                        insert(buckets).values(
                            tenant_id=key, tokens=self.burst - 1.0, stamp=reading
                        )
                    )
                except IntegrityError:
                    continue  # another process created the bucket: try again
                return 0.0
        return 1.0

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, int(-(-wait // 1))))
