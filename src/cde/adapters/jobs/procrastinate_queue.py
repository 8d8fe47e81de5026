"""Background jobs on procrastinate (PostgreSQL): deferred by the API, run by ``cde worker``.

The procrastinate schema is created by cde's own migrations (revision 0004). Workers
heartbeat; a periodic pass re-queues the jobs of workers that stopped heartbeating (their
process died) and re-defers the pending chunks of stalled batches. Jobs retry with
exponential backoff.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import procrastinate
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from cde.service.jobs import BATCH_CHUNK, CHALLENGER, NARRATE

__all__ = ["ProcrastinateQueue", "conninfo_from_url", "make_app", "run_worker"]

log = logging.getLogger("cde.jobs")

Handler = Callable[[str, dict[str, Any]], None]

_HANDLER: dict[str, Handler] = {}


def conninfo_from_url(url: str) -> str:
    """A libpq connection string from a SQLAlchemy URL (``postgresql+psycopg://…``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def make_app(url: str) -> procrastinate.App:
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo_from_url(url))
    )

    retry = procrastinate.RetryStrategy(max_attempts=8, exponential_wait=2)

    @app.task(name=BATCH_CHUNK, retry=retry)
    def batch_chunk(batch_id: str, first: int, last: int) -> None:
        _handle(BATCH_CHUNK, {"batch_id": batch_id, "first": first, "last": last})

    @app.task(name=NARRATE, retry=retry)
    def narrate(record_id: str, instructions: str | None = None) -> None:
        _handle(NARRATE, {"record_id": record_id, "instructions": instructions})

    @app.task(name=CHALLENGER, retry=retry)
    def challenger(record_id: str) -> None:
        _handle(CHALLENGER, {"record_id": record_id})

    return app


def _handle(kind: str, args: dict[str, Any]) -> None:
    handler = _HANDLER.get("handler")
    if handler is None:
        raise RuntimeError("no job handler registered in this process")
    handler(kind, args)


class ProcrastinateQueue:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.app = make_app(str(engine.url.render_as_string(hide_password=False)))
        self._opened = False

    def open(self) -> None:
        if not self._opened:
            self.app.open()
            self._opened = True

    def close(self) -> None:
        if self._opened:
            self.app.close()
            self._opened = False

    def defer(self, kind: str, args: dict[str, Any]) -> None:
        self.open()
        self.app.configure_task(name=kind).defer(**args)

    def depth(self) -> int:
        with self._engine.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"
                    )
                ).scalar_one()
            )


async def _recover(
    app: procrastinate.App, housekeeping: Callable[[], None], every: float, stalled_after: float
) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after)
            for job in stalled:
                log.warning("re-queueing job %s of a worker that stopped", job.id)
                await app.job_manager.retry_job(job)
            await asyncio.to_thread(housekeeping)
        except Exception:
            log.exception("job recovery pass failed")


def run_worker(
    url: str,
    handler: Handler,
    housekeeping: Callable[[], None],
    *,
    concurrency: int = 1,
    name: str = "cde-worker",
    heartbeat_seconds: float = 2.0,
    stalled_after_seconds: float = 10.0,
) -> None:
    """Run a procrastinate worker in this process until it is stopped (SIGINT/SIGTERM)."""
    _HANDLER["handler"] = handler
    app = make_app(url)

    async def main() -> None:
        async with app.open_async():
            recovery = asyncio.create_task(
                _recover(app, housekeeping, heartbeat_seconds * 2, stalled_after_seconds)
            )
            try:
                await app.run_worker_async(
                    name=name,
                    concurrency=concurrency,
                    update_heartbeat_interval=heartbeat_seconds,
                    stalled_worker_timeout=stalled_after_seconds,
                )
            finally:
                recovery.cancel()

    asyncio.run(main())
