"""The embedded job queue: a table in the service's own database, worked by threads.

Used when the database is SQLite (and available on PostgreSQL too). A worker claims the
oldest ready job with a guarded UPDATE and holds a lease on it; a job whose lease ran out
(its worker died) is claimed again; a failing job is retried with exponential backoff up
to ``max_attempts``. Handlers must be idempotent.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Engine, and_, func, insert, or_, select, update

from cde.adapters.db.tables import jobs
from cde.service.ports import Clock

__all__ = ["EmbeddedQueue", "EmbeddedWorker"]

log = logging.getLogger("cde.jobs")

Handler = Callable[[str, dict[str, Any]], None]


class EmbeddedQueue:
    def __init__(
        self, engine: Engine, clock: Clock, lease_seconds: float = 30, max_attempts: int = 5
    ) -> None:
        self._engine = engine
        self.clock = clock
        self.lease = timedelta(seconds=lease_seconds)
        self.max_attempts = max_attempts

    def defer(self, kind: str, args: dict[str, Any]) -> None:
        now = self.clock()
        with self._engine.begin() as conn:
            conn.execute(
                insert(jobs).values(
                    kind=kind,
                    args=orjson.dumps(args).decode(),
                    status="queued",
                    attempts=0,
                    run_after=now,
                    leased_until=None,
                    worker=None,
                    last_error=None,
                    created_at=now,
                    updated_at=now,
                )
            )

    def depth(self) -> int:
        with self._engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).where(jobs.c.status.in_(("queued", "running")))
                ).scalar_one()
            )

    def _ready(self, now: datetime) -> Any:
        return or_(
            and_(jobs.c.status == "queued", jobs.c.run_after <= now),
            and_(jobs.c.status == "running", jobs.c.leased_until < now),  # its worker died
        )

    def claim(self, worker: str) -> tuple[int, str, dict[str, Any], int] | None:
        """The next ready job, leased to ``worker``: (id, kind, args, attempt number)."""
        for _ in range(5):
            now = self.clock()
            with self._engine.begin() as conn:
                row = conn.execute(
                    select(jobs.c.id, jobs.c.kind, jobs.c.args, jobs.c.attempts)
                    .where(self._ready(now))
                    .order_by(jobs.c.id)
                    .limit(1)
                ).first()
                if row is None:
                    return None
                taken = conn.execute(
                    update(jobs)
                    .where(jobs.c.id == row.id, self._ready(now))
                    .values(
                        status="running",
                        leased_until=now + self.lease,
                        worker=worker,
                        attempts=jobs.c.attempts + 1,
                        updated_at=now,
                    )
                ).rowcount
            if taken == 1:
                return int(row.id), str(row.kind), orjson.loads(row.args), int(row.attempts) + 1
        return None

    def complete(self, job_id: int) -> None:
        now = self.clock()
        with self._engine.begin() as conn:
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id)
                .values(status="done", leased_until=None, updated_at=now)
            )

    def fail(self, job_id: int, attempt: int, error: str) -> None:
        now = self.clock()
        final = attempt >= self.max_attempts
        with self._engine.begin() as conn:
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id)
                .values(
                    status="failed" if final else "queued",
                    run_after=now + timedelta(seconds=min(2**attempt, 300)),
                    leased_until=None,
                    last_error=error[:2000],
                    updated_at=now,
                )
            )


class EmbeddedWorker:
    """Threads that work the embedded queue until stopped; one also re-defers the pending
    chunks of batches that stalled (``housekeeping``)."""

    def __init__(
        self,
        queue: EmbeddedQueue,
        handler: Handler,
        name: str,
        threads: int = 1,
        idle_seconds: float = 0.2,
        housekeeping: Callable[[], None] | None = None,
        housekeeping_seconds: float = 30,
    ) -> None:
        self.queue = queue
        self.handler = handler
        self.name = name
        self.threads = threads
        self.idle = idle_seconds
        self.housekeeping = housekeeping
        self.housekeeping_seconds = housekeeping_seconds
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for i in range(self.threads):
            thread = threading.Thread(
                target=self._loop, args=(f"{self.name}-{i}", i == 0), daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def request_stop(self) -> None:
        """Ask every thread to finish its current job and stop (safe from a signal handler)."""
        self._stop.set()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=timeout)

    def run_until_stopped(self) -> None:
        self.start()
        try:
            while not self._stop.wait(1):
                pass
        finally:
            self.stop()

    def _loop(self, worker: str, keeps_house: bool) -> None:
        next_housekeeping = time.monotonic() + self.housekeeping_seconds
        while not self._stop.is_set():
            if keeps_house and self.housekeeping and time.monotonic() >= next_housekeeping:
                next_housekeeping = time.monotonic() + self.housekeeping_seconds
                try:
                    self.housekeeping()
                except Exception:
                    log.exception("job housekeeping failed")
            try:
                job = self.queue.claim(worker)
            except Exception:
                log.exception("claiming a job failed; retrying")
                self._stop.wait(1)
                continue
            if job is None:
                self._stop.wait(self.idle)
                continue
            job_id, kind, args, attempt = job
            try:
                self.handler(kind, args)
            except Exception as exc:
                log.exception("job %s (%s) failed on attempt %s", job_id, kind, attempt)
                try:
                    self.queue.fail(job_id, attempt, f"{type(exc).__name__}: {exc}")
                except Exception:
                    log.exception("recording the failure of job %s failed", job_id)
            else:
                try:
                    self.queue.complete(job_id)
                except Exception:
                    log.exception("recording the completion of job %s failed", job_id)
