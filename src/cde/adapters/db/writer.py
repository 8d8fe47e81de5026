"""One writer thread for everything a request must have committed before it is answered.

Every request's writes — its recommendation (with the tenant's quota spent in the same
transaction) and its audit entry — are queued here. The writer takes everything waiting
at that moment, writes it in ONE transaction and commits once; each caller is released
only after its own write is committed. With SQLite in WAL mode and ``synchronous=FULL``
this keeps every acknowledged record through a power cut while concurrent requests share
one fsync. Across processes the database serialises the writers (SQLite's write lock,
PostgreSQL's row locks); the audit chain's head row is locked first in the transaction so
two processes never chain onto the same predecessor.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, String, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from cde.adapters.db.quota import spend_quota
from cde.adapters.db.tables import audit_log, recommendations, service_settings
from cde.service.audit import GENESIS, AuditEntry, entry_hash

__all__ = ["AUDIT_HEAD_KEY", "DbWriter"]

AUDIT_HEAD_KEY = "audit_head"
_MAX_GROUP = 512


def _widths(table: Table) -> dict[str, int]:
    return {
        c.name: c.type.length
        for c in table.columns
        if isinstance(c.type, String) and c.type.length is not None
    }


# What a request's headers put in a row (who called, from where, with which method) is
# only as short as the caller makes it: each such text is cut to its column's width, on
# every database alike. PostgreSQL refuses a longer value (the request would fail with a
# 503, and again on every retry); SQLite would keep it whole.
_CALLER = ("user_id", "user_name", "user_role", "claimed_ip", "remote_addr")
_RECORD_WIDTHS = {k: w for k, w in _widths(recommendations).items() if k in _CALLER}
_AUDIT_WIDTHS = {
    k: w for k, w in _widths(audit_log).items() if k in {*_CALLER, "request_id", "method", "route"}
}


def fit_record(row: dict[str, Any]) -> dict[str, Any]:
    """The row cut to its columns' widths (PostgreSQL refuses longer text)."""
    long = {
        k: row[k][:w]
        for k, w in _RECORD_WIDTHS.items()
        if isinstance(row.get(k), str) and len(row[k]) > w
    }
    return {**row, **long} if long else row


def _fit_audit(entry: AuditEntry) -> AuditEntry:
    """The entry as it will be stored (and so hashed: ``cde audit verify`` recomputes the
    hash from the stored row)."""
    long: dict[str, Any] = {
        k: v[:w]
        for k, w in _AUDIT_WIDTHS.items()
        if isinstance(v := getattr(entry, k), str) and len(v) > w
    }
    return dataclasses.replace(entry, **long) if long else entry


@dataclass(slots=True)
class _Record:
    row: dict[str, Any]
    spend_quota: bool
    done: Future[bool]  # False: the tenant's quota is used up (nothing stored)


@dataclass(slots=True)
class _Audit:
    entry: AuditEntry
    done: Future[None]


class DbWriter:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._queue: queue.SimpleQueue[_Record | _Audit | None] = queue.SimpleQueue()
        self._audit_head_ready = False  # the head row is known to exist (see _ensure_audit_head)
        self._thread = threading.Thread(target=self._run, name="cde-db-writer", daemon=True)
        self._thread.start()

    # --- callers ---------------------------------------------------------------------------

    def add_record(self, row: dict[str, Any], *, spend_quota: bool) -> bool:
        """Store a recommendation row; with ``spend_quota`` only if its tenant has quota
        left (one unit is spent in the same transaction). False: quota used up."""
        done: Future[bool] = Future()
        self._queue.put(_Record(row, spend_quota, done))
        return done.result()  # re-raises the database error, if any

    def submit_audit(self, entry: AuditEntry) -> Future[None]:
        done: Future[None] = Future()
        self._queue.put(_Audit(entry, done))
        return done

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    # --- the writer thread -------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group: list[_Record | _Audit] = [first]
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
            self._commit(group)
            if stop:
                return

    def _commit(self, group: list[_Record | _Audit]) -> None:
        records = [op for op in group if isinstance(op, _Record)]
        audits = [op for op in group if isinstance(op, _Audit)]
        for attempt in range(3):
            try:
                if audits:
                    self._ensure_audit_head(audits[0].entry.at)
                with self._engine.begin() as conn:
                    stored = self._write_records(conn, records)
                    if audits:
                        self._write_audits(conn, [a.entry for a in audits])
            except IntegrityError as exc:  # the audit head row created twice at once: retry
                if attempt < 2 and not records:
                    continue
                self._fail(group, exc)
                return
            except Exception as exc:  # every waiter learns its write failed
                self._fail(group, exc)
                return
            break
        for op, ok in zip(records, stored, strict=True):
            op.done.set_result(ok)
        for a in audits:
            a.done.set_result(None)

    def _ensure_audit_head(self, now: datetime) -> None:
        """Create the audit chain's head row, once, in a transaction of its own. When several
        processes write their first audit entries at once, each tries; one INSERT wins and
        the others fail here harmlessly. Inside the group's transaction the loser's failed
        INSERT would abort the whole group on PostgreSQL, records included (a 503)."""
        if self._audit_head_ready:
            return
        try:
            with self._engine.begin() as conn:
                found = conn.execute(
                    select(service_settings.c.key).where(service_settings.c.key == AUDIT_HEAD_KEY)
                ).first()
                if found is None:
                    conn.execute(
                        insert(service_settings).values(
                            key=AUDIT_HEAD_KEY, value=GENESIS, updated_at=now
                        )
                    )
        except IntegrityError:
            pass  # another process created it first
        self._audit_head_ready = True

    @staticmethod
    def _fail(group: list[_Record | _Audit], exc: BaseException) -> None:
        for op in group:
            op.done.set_exception(exc)

    @staticmethod
    def _write_records(conn: Connection, records: list[_Record]) -> list[bool]:
        stored: list[bool] = []
        rows: list[dict[str, Any]] = []
        for op in records:
            if op.spend_quota:
                spent = spend_quota(conn, op.row["tenant_id"])
                if not spent:
                    stored.append(False)
                    continue
            stored.append(True)
            rows.append(fit_record(op.row))
        if rows:
            conn.execute(insert(recommendations), rows)
        return stored

    @staticmethod
    def _write_audits(conn: Connection, entries: list[AuditEntry]) -> None:
        now = entries[0].at
        locked = conn.execute(
            update(service_settings)
            .where(service_settings.c.key == AUDIT_HEAD_KEY)
            .values(updated_at=now)
        ).rowcount
        if not locked:
            conn.execute(
                insert(service_settings).values(key=AUDIT_HEAD_KEY, value=GENESIS, updated_at=now)
            )
        prev = str(
            conn.execute(
                select(service_settings.c.value).where(service_settings.c.key == AUDIT_HEAD_KEY)
            ).scalar_one()
        )
        rows = []
        for entry in map(_fit_audit, entries):
            digest = entry_hash(prev, entry)
            rows.append(
                {
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
            )
            prev = digest
        conn.execute(insert(audit_log), rows)
        conn.execute(
            update(service_settings)
            .where(service_settings.c.key == AUDIT_HEAD_KEY)
            .values(value=prev)
        )
