"""SQL adapter of the audit trail: appends through the shared writer, reads by query."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future
from datetime import datetime

from sqlalchemy import Engine, select

from cde.adapters.db.tables import audit_log, service_settings
from cde.adapters.db.writer import AUDIT_HEAD_KEY, DbWriter
from cde.service.audit import GENESIS, AuditEntry, StoredEntry

__all__ = ["SqlAuditLog"]


class SqlAuditLog:
    """Appends go through the shared :class:`DbWriter` (chained and committed in the same
    group transactions as the records); reads are plain queries."""

    def __init__(self, engine: Engine, writer: DbWriter) -> None:
        self._engine = engine
        self._writer = writer

    def append(self, entry: AuditEntry) -> None:
        self.submit(entry).result()

    def submit(self, entry: AuditEntry) -> Future[None]:
        return self._writer.submit_audit(entry)

    def head(self) -> str:
        with self._engine.connect() as conn:
            value = conn.execute(
                select(service_settings.c.value).where(service_settings.c.key == AUDIT_HEAD_KEY)
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
