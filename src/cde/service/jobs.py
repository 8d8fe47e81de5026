"""Background jobs: the port the service defers work through.

Two adapters: the embedded queue (:mod:`cde.adapters.jobs.embedded`, a table in the
service's own database, worked by threads in the service process — the SQLite default)
and procrastinate (:mod:`cde.adapters.jobs.procrastinate_queue`, PostgreSQL, worked by
``cde worker`` processes on any machine). Either way a job's state lives in the database:
it survives a restart of every process, and a failed job is retried with backoff.

Jobs must be idempotent: a job may run again after its worker died halfway.
"""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["BATCH_CHUNK", "CHALLENGER", "NARRATE", "JobQueue"]

BATCH_CHUNK = "batch_chunk"  # args: batch_id, first, last (item sequence numbers)
NARRATE = "narrate"  # args: record_id, instructions (a file name or None)
CHALLENGER = "challenger"  # args: record_id (a shadowed recommendation)


class JobQueue(Protocol):
    def defer(self, kind: str, args: dict[str, Any]) -> None:
        """Queue a job durably (it is in the database when this returns)."""

    def depth(self) -> int:
        """Jobs waiting or running."""
