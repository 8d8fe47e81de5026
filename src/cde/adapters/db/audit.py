"""SQL adapter of the audit trail.

Appends are serialised across threads by one writer thread (entries arriving together are
chained and committed in one transaction) and across processes by the database: the
transaction first updates the stored head row, which takes SQLite's write lock (or the
row lock in PostgreSQL) before the head is read, so two processes can never chain onto
the same predecessor.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from datetime import datetime

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from cde.adapters.db.tables import audit_log, service_settings
from cde.service.audit import GENESIS, AuditEntry, StoredEntry, entry_hash

__all__ = ["SqlAuditLog"]

HEAD_KEY = "audit_head"
_MAX_GROUP = 256


class SqlAuditLog:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._queue: queue.SimpleQueue[tuple[AuditEntry, Future[None]] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="cde-audit-writer", daemon=True)
        self._thread.start()

    # --- writing -----------------------------------------------------------------------------

    def append(self, entry: AuditEntry) -> None:
        self.submit(entry).result()

    def submit(self, entry: AuditEntry) -> Future[None]:
        done: Future[None] = Future()
        self._queue.put((entry, done))
        return done

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            group = [item]
            stop = False
            while len(group) < _MAX_GROUP:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                group.append(more)
            try:
                self._write([e for e, _ in group])
            except Exception as exc:
                for _, done in group:
                    done.set_exception(exc)
            else:
                for _, done in group:
                    done.set_result(None)
            if stop:
                return

    def _lock_head(self, conn: Connection, now: datetime) -> str:
        locked = conn.execute(
            update(service_settings)
            .where(service_settings.c.key == HEAD_KEY)
            .values(updated_at=now)
        ).rowcount
        if not locked:
            conn.execute(
                insert(service_settings).values(key=HEAD_KEY, value=GENESIS, updated_at=now)
            )
        head = conn.execute(
            select(service_settings.c.value).where(service_settings.c.key == HEAD_KEY)
        ).scalar_one()
        return str(head)

    def _write(self, entries: list[AuditEntry]) -> None:
        for attempt in range(3):
            try:
                with self._engine.begin() as conn:
                    prev = self._lock_head(conn, entries[0].at)
                    rows = []
                    for entry in entries:
                        digest = entry_hash(prev, entry)
                        row = {
                            "at": entry.at,
                            "request_id": entry.request_id,
                            "tenant_id": entry.tenant_id,
                            "user_id": entry.user_id,
                            "user_name": entry.user_name,
                            "user_role": entry.user_role,
                            "claimed_ip": entry.claimed_ip,
                            "remote_addr": entry.remote_addr,
                            "method": entry.method,
                            "route": entry.route,
                            "status_code": entry.status_code,
                            "outcome": entry.outcome,
                            "record_id": entry.record_id,
                            "body_sha256": entry.body_sha256,
                            "prev_hash": prev,
                            "hash": digest,
                        }
                        rows.append(row)
                        prev = digest
                    conn.execute(insert(audit_log), rows)
                    conn.execute(
                        update(service_settings)
                        .where(service_settings.c.key == HEAD_KEY)
                        .values(value=prev)
                    )
                return
            except IntegrityError:  # two processes created the head row at once: retry
                if attempt == 2:
                    raise

    # --- reading -----------------------------------------------------------------------------

    def head(self) -> str:
        with self._engine.connect() as conn:
            value = conn.execute(
                select(service_settings.c.value).where(service_settings.c.key == HEAD_KEY)
            ).scalar_one_or_none()
        return GENESIS if value is None else str(value)

    def entries(self, since: datetime | None = None) -> Iterator[StoredEntry]:
        query = select(audit_log).order_by(audit_log.c.seq)
        if since is not None:
            query = query.where(audit_log.c.at >= since)
        with self._engine.connect() as conn:
            for row in conn.execute(query.execution_options(yield_per=1000)):
                yield StoredEntry(
                    seq=row.seq,
                    entry=AuditEntry(
                        at=row.at,
                        request_id=row.request_id,
                        tenant_id=row.tenant_id,
                        user_id=row.user_id,
                        user_name=row.user_name,
                        user_role=row.user_role,
                        claimed_ip=row.claimed_ip,
                        remote_addr=row.remote_addr,
                        method=row.method,
                        route=row.route,
                        status_code=row.status_code,
                        outcome=row.outcome,
                        record_id=row.record_id,
                        body_sha256=row.body_sha256,
                    ),
                    prev_hash=row.prev_hash,
                    hash=row.hash,
                )
