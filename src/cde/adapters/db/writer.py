"""One writer thread for everything a request must have committed before it is answered.

Every request's writes — its recommendation (with the tenant's quota spent in the same
transaction) and its audit entry — are queued here; a POST queues the three as ONE
operation (:meth:`DbWriter.submit_record` with its ``audit`` entry). The writer takes
everything waiting at that moment, writes it in ONE transaction and commits once; each
caller is released only after its own write is committed. With SQLite in WAL mode and
``synchronous=FULL`` this keeps every acknowledged record through a power cut while
concurrent requests share one fsync.

Per group, whatever its size: one conditional UPDATE of each tenant's quota (the records
of a tenant that has not quota enough for all of them spend one unit each, in order,
until it runs out: exactly the quota is accepted), one multi-row INSERT of the records,
and for the audit entries one UPDATE … RETURNING that locks the chain's head and reads
it, one multi-row INSERT and one UPDATE of the head (each multi-row INSERT one
``executemany``). The statements are built once; the writer keeps one connection of its
own (a fresh one after any failure).

Across processes the database serialises the writers (SQLite's write lock, PostgreSQL's
row locks, always taken in the same order: tenants by id, then the audit head), so two
processes never chain onto the same predecessor nor spend the same unit of quota. On a
SQLite file the writers of several processes also take turns through a ``flock`` beside
the database, so that one waits for the other's commit rather than for SQLite's busy
handler to wake it.
"""

from __future__ import annotations

import dataclasses
import fcntl
import logging
import os
import queue
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, String, Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from cde.adapters.db.engine import sqlite_path
from cde.adapters.db.quota import SPEND_ONE, spend_quota_many
from cde.adapters.db.tables import audit_log, recommendations, service_settings
from cde.service.audit import GENESIS, AuditEntry, entry_hash
from cde.service.ports import QuotaExhaustedError

__all__ = ["AUDIT_HEAD_KEY", "DbWriter", "running_future"]

log = logging.getLogger("cde.db")

AUDIT_HEAD_KEY = "audit_head"
_MAX_GROUP = 512

# The statements of a group, built once (SQLAlchemy caches their compiled form).
_INSERT_RECORDS = insert(recommendations)
_INSERT_AUDITS = insert(audit_log)
_HEAD = service_settings.c.key == AUDIT_HEAD_KEY
_LOCK_HEAD = (
    update(service_settings)
    .where(_HEAD)
    .values(updated_at=bindparam("now"))
    .returning(service_settings.c.value)
)
_SET_HEAD = update(service_settings).where(_HEAD).values(value=bindparam("head"))
_FIND_HEAD = select(service_settings.c.key).where(_HEAD)


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


# On PostgreSQL, while a group is written, the interpreter's switch interval is 0.5 ms
# instead of 5 ms. The writer lets go of the GIL at every statement (a round trip to the
# server); the event loop, busy evaluating, takes it, and the writer gets it back only
# when the loop is made to let go: after the switch interval. With 5 ms a group's
# half-dozen round trips made it last ≈ 60 ms under load (16 records; ≈ 9 ms with an idle
# loop; ≈ 12 ms with 0.5 ms), every request of the group waiting and, across processes,
# every other writer waiting on its row locks. Kept short only while a group is written.
# Not on SQLite: its calls are short enough that the writer mostly takes the GIL back
# before the loop wakes (≈ 12 ms against ≈ 7 ms), and the extra switches cost more CPU
# per request than that wins.
_GROUP_SWITCH_INTERVAL = 0.0005
_switch_lock = threading.Lock()
_switch_users = 0
_switch_saved = 0.005


@contextmanager
def _prompt_gil() -> Iterator[None]:
    global _switch_users, _switch_saved
    with _switch_lock:
        if _switch_users == 0:
            _switch_saved = sys.getswitchinterval()
            sys.setswitchinterval(min(_switch_saved, _GROUP_SWITCH_INTERVAL))
        _switch_users += 1
    try:
        yield
    finally:
        with _switch_lock:
            _switch_users -= 1
            if _switch_users == 0:
                sys.setswitchinterval(_switch_saved)


def running_future() -> Future[Any]:
    """A future already marked running: cancelling it (an awaiting task that is cancelled,
    as ``asyncio.wrap_future`` passes it on) does nothing, so the writer can always set
    its outcome."""
    done: Future[Any] = Future()
    done.set_running_or_notify_cancel()
    return done


@dataclass(slots=True)
class _Record:
    row: dict[str, Any]
    spend_quota: bool
    audit: AuditEntry | None  # written in the same transaction when the record is stored
    done: Future[None]  # QuotaExhaustedError: the tenant's quota is used up (nothing stored)


@dataclass(slots=True)
class _Audit:
    entry: AuditEntry
    done: Future[None]


class DbWriter:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._queue: queue.SimpleQueue[_Record | _Audit | None] = queue.SimpleQueue()
        self._audit_head_ready = False  # the head row is known to exist (see _ensure_audit_head)
        self._conn: Connection | None = None  # the writer thread's own connection
        self._pool: Any = None  # the engine's pool it came from
        # each statement a network round trip (PostgreSQL): see _prompt_gil
        self._round_trips = engine.dialect.name != "sqlite"
        path = sqlite_path(str(engine.url)) if engine.dialect.name == "sqlite" else None
        # the lock file of the writers' turns (see _turn), on SQLite files only
        self._turns_path = path.with_name(path.name + ".writer-lock") if path else None
        self._turns: int | None = None
        self._thread = threading.Thread(target=self._run, name="cde-db-writer", daemon=True)
        self._thread.start()

    # --- callers ---------------------------------------------------------------------------

    def submit_record(
        self, row: dict[str, Any], *, spend_quota: bool, audit: AuditEntry | None = None
    ) -> Future[None]:
        """Store a recommendation row — with ``spend_quota`` only if its tenant has quota
        left (one unit is spent in the same transaction), with ``audit`` the entry chained
        in the same transaction too. The future is done once committed; its exception is
        :class:`QuotaExhaustedError` when the quota is used up (nothing stored, no entry),
        or the database's error."""
        done: Future[None] = running_future()
        self._queue.put(_Record(row, spend_quota, audit, done))
        return done

    def add_record(self, row: dict[str, Any], *, spend_quota: bool) -> bool:
        """:meth:`submit_record`, waited for: False when the quota is used up."""
        try:
            self.submit_record(row, spend_quota=spend_quota).result()
        except QuotaExhaustedError:
            return False
        return True  # a database error is raised

    def submit_audit(self, entry: AuditEntry) -> Future[None]:
        done: Future[None] = running_future()
        self._queue.put(_Audit(entry, done))
        return done

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)
        self._drop_connection()
        if self._turns is not None and not self._thread.is_alive():
            os.close(self._turns)
            self._turns = None

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
            try:
                self._commit(group)
            except BaseException as exc:  # never leave a waiter hanging
                self._fail(group, exc)
            if stop:
                return

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """On a SQLite file, wait for this writer's turn among the processes writing to it
        (an exclusive ``flock`` beside the database, held for the transaction). Without it
        two processes' writers meet at SQLite's write lock, whose busy handler sleeps and
        retries (1, 2, 5 … 100 ms): the second waits far longer than the first's commit.
        The kernel wakes a ``flock`` waiter as soon as the lock is free."""
        if self._turns is None and self._turns_path is not None:
            # no directory: the database cannot be written either, and says so
            with suppress(OSError):
                self._turns = os.open(self._turns_path, os.O_RDWR | os.O_CREAT, 0o600)
        if self._turns is None:
            yield
            return
        fcntl.flock(self._turns, fcntl.LOCK_EX)  # the GIL is let go while waiting
        try:
            yield
        finally:
            fcntl.flock(self._turns, fcntl.LOCK_UN)

    def _connection(self) -> Connection:
        if self._conn is not None and self._pool is not self._engine.pool:
            self._drop_connection()  # the engine was disposed of: so is this connection
        if self._conn is None:
            self._pool = self._engine.pool
            self._conn = self._engine.connect()
        return self._conn

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.invalidate()  # never back to the pool: its state is unknown
                conn.close()
            except Exception:
                log.debug("closing the writer's connection failed", exc_info=True)

    def _commit(self, group: list[_Record | _Audit]) -> None:
        if self._round_trips:
            with _prompt_gil():
                self._write_group(group)
        else:
            self._write_group(group)

    def _write_group(self, group: list[_Record | _Audit]) -> None:
        records = [op for op in group if isinstance(op, _Record)]
        audits = [op.entry for op in group if isinstance(op, _Audit)]
        first_at = audits[0].at if audits else None
        if first_at is None:
            first_at = next((op.audit.at for op in records if op.audit is not None), None)
        stored: list[bool] = []
        for attempt in range(3):
            try:
                if first_at is not None:
                    self._ensure_audit_head(first_at)
                conn = self._connection()
                with self._turn(), conn.begin():
                    stored = self._write_records(conn, records)
                    chained = audits + [
                        op.audit
                        for op, ok in zip(records, stored, strict=True)
                        if ok and op.audit is not None
                    ]
                    if chained:
                        self._write_audits(conn, chained)
            except IntegrityError as exc:  # the audit head row created twice at once: retry
                self._drop_connection()
                if attempt < 2 and not records:
                    continue
                self._fail(group, exc)
                return
            except Exception as exc:  # every waiter learns its write failed
                self._drop_connection()
                self._fail(group, exc)
                return
            break
        for op, ok in zip(records, stored, strict=True):
            if ok:
                op.done.set_result(None)
            else:
                op.done.set_exception(QuotaExhaustedError(str(op.row["tenant_id"])))
        for item in group:
            if isinstance(item, _Audit):
                item.done.set_result(None)

    def _ensure_audit_head(self, now: datetime) -> None:
        """Create the audit chain's head row, once, in a transaction of its own. When several
        processes write their first audit entries at once, each tries; one INSERT wins and
        the others fail here harmlessly. Inside the group's transaction the loser's failed
        INSERT would abort the whole group on PostgreSQL, records included (a 503)."""
        if self._audit_head_ready:
            return
        try:
            with self._engine.begin() as conn:
                found = conn.execute(_FIND_HEAD).first()
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
            if not op.done.done():
                op.done.set_exception(exc)

    @staticmethod
    def _write_records(conn: Connection, records: list[_Record]) -> list[bool]:
        """Spend the quota (tenants in order of their id: processes lock them alike) and
        insert the records that got theirs; which ones were stored."""
        stored = [True] * len(records)
        spenders: dict[str, list[int]] = {}
        for index, op in enumerate(records):
            if op.spend_quota:
                spenders.setdefault(str(op.row["tenant_id"]), []).append(index)
        for tenant_id in sorted(spenders):
            indices = spenders[tenant_id]
            if spend_quota_many(conn, tenant_id, len(indices)):
                continue
            # Not quota enough for all of them: one unit each, in order, while any is left.
            left = True
            for index in indices:
                left = left and conn.execute(SPEND_ONE, {"tenant_id": tenant_id}).rowcount == 1
                stored[index] = left
        rows = [fit_record(op.row) for op, ok in zip(records, stored, strict=True) if ok]
        if rows:
            conn.execute(_INSERT_RECORDS, rows)  # one executemany
        return stored

    @staticmethod
    def _write_audits(conn: Connection, entries: list[AuditEntry]) -> None:
        now = entries[0].at
        prev = conn.execute(_LOCK_HEAD, {"now": now}).scalar_one_or_none()
        if prev is None:  # the head row went missing (someone deleted it): start again
            conn.execute(
                insert(service_settings).values(key=AUDIT_HEAD_KEY, value=GENESIS, updated_at=now)
            )
            prev = GENESIS
        prev = str(prev)
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
        conn.execute(_INSERT_AUDITS, rows)
        conn.execute(_SET_HEAD, {"head": prev})
