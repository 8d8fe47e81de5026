"""SQL adapter of the batch store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import Engine, func, insert, select, update

from cde.adapters.db.quota import spend_quota
from cde.adapters.db.repository import record_row
from cde.adapters.db.tables import batch_items, batches, recommendations
from cde.adapters.db.writer import fit_record
from cde.service.batches import Batch, BatchProgress, Item, ItemResult
from cde.service.ports import Caller

__all__ = ["SqlBatches"]

_QUOTA_ERROR = orjson.dumps({"message": "quota exhausted"}).decode()


def _batch(row: Any) -> Batch:
    return Batch(
        id=row.id,
        tenant_id=row.tenant_id,
        created_at=row.created_at,
        as_of=date.fromisoformat(row.as_of),
        lang=row.lang,
        total=row.total,
        caller=Caller(
            user_id=row.user_id,
            user_name=row.user_name,
            user_role=row.user_role,
            claimed_ip=row.claimed_ip,
            remote_addr=row.remote_addr,
        ),
        finished_at=row.finished_at,
    )


def _record_row(result: ItemResult) -> dict[str, Any]:
    assert result.record is not None
    return fit_record(record_row(result.record))


class SqlBatches:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, batch: Batch, items: list[Item]) -> None:
        c = batch.caller
        with self._engine.begin() as conn:
            conn.execute(
                insert(batches).values(
                    id=batch.id,
                    tenant_id=batch.tenant_id,
                    created_at=batch.created_at,
                    updated_at=batch.created_at,
                    finished_at=None,
                    as_of=batch.as_of.isoformat(),
                    lang=batch.lang,
                    total=batch.total,
                    # the caller's headers, cut to their columns like a record's
                    **fit_record(
                        {
                            "user_id": c.user_id,
                            "user_name": c.user_name,
                            "user_role": c.user_role,
                            "claimed_ip": c.claimed_ip,
                            "remote_addr": c.remote_addr,
                        }
                    ),
                )
            )
            rows = [
                {
                    "batch_id": batch.id,
                    "seq": item.seq,
                    "status": "pending",
                    "loan_id": item.loan_id,
                    "customer_id": item.customer_id,
                    "payload": item.payload,
                    "record_id": None,
                    "outcome": None,
                    "grade": None,
                    "plafon": None,
                    "error": item.error,
                }
                for item in items
            ]
            for start in range(0, len(rows), 1000):
                conn.execute(insert(batch_items), rows[start : start + 1000])

    def get(self, batch_id: str, tenant_id: str | None) -> Batch | None:
        query = select(batches).where(batches.c.id == batch_id)
        if tenant_id is not None:
            query = query.where(batches.c.tenant_id == tenant_id)
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return _batch(row) if row is not None else None

    def progress(self, batch: Batch) -> BatchProgress:
        t = batch_items.c
        with self._engine.connect() as conn:
            counts: dict[str, int] = {
                status: int(n)
                for status, n in conn.execute(
                    select(t.status, func.count()).where(t.batch_id == batch.id).group_by(t.status)
                ).all()
            }
            done_rows = conn.execute(
                select(t.outcome, t.grade, func.count(), func.coalesce(func.sum(t.plafon), 0))
                .where(t.batch_id == batch.id, t.status == "done")
                .group_by(t.outcome, t.grade)
            ).all()
        progress = BatchProgress(
            batch=batch,
            pending=int(counts.get("pending", 0)),
            done=int(counts.get("done", 0)),
            failed=int(counts.get("failed", 0)),
        )
        for outcome, grade, count, plafon in done_rows:
            progress.outcomes[outcome] += int(count)
            progress.grades[grade] += int(count)
            progress.total_plafon += int(plafon)
        return progress

    def pending(self, batch_id: str, first: int, last: int) -> list[Item]:
        t = batch_items.c
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(t.seq, t.payload, t.loan_id, t.customer_id, t.error)
                .where(
                    t.batch_id == batch_id,
                    t.status == "pending",
                    t.seq >= first,
                    t.seq <= last,
                )
                .order_by(t.seq)
            ).all()
        return [Item(r.seq, r.payload, r.loan_id, r.customer_id, r.error) for r in rows]

    def complete(self, batch: Batch, results: list[ItemResult], now: datetime) -> None:
        t = batch_items.c
        with self._engine.begin() as conn:
            records = []
            for result in results:
                moved = conn.execute(
                    update(batch_items)
                    .where(t.batch_id == batch.id, t.seq == result.seq, t.status == "pending")
                    .values(
                        status=result.status,
                        record_id=result.record.id if result.record is not None else None,
                        outcome=result.outcome,
                        grade=result.grade,
                        plafon=result.plafon,
                        error=result.error,
                    )
                ).rowcount
                if moved != 1 or result.record is None:
                    continue  # already handled by an earlier run, or a failed item
                if spend_quota(conn, batch.tenant_id):
                    records.append(_record_row(result))
                else:
                    conn.execute(
                        update(batch_items)
                        .where(t.batch_id == batch.id, t.seq == result.seq)
                        .values(
                            status="failed",
                            record_id=None,
                            outcome=None,
                            grade=None,
                            plafon=None,
                            error=_QUOTA_ERROR,
                        )
                    )
            if records:
                conn.execute(insert(recommendations), records)
            conn.execute(update(batches).where(batches.c.id == batch.id).values(updated_at=now))

    def finish_if_complete(self, batch_id: str, now: datetime) -> bool:
        t = batch_items.c
        with self._engine.begin() as conn:
            left = conn.execute(
                select(func.count()).where(t.batch_id == batch_id, t.status == "pending")
            ).scalar_one()
            if left:
                return False
            changed = conn.execute(
                update(batches)
                .where(batches.c.id == batch_id, batches.c.finished_at.is_(None))
                .values(finished_at=now, updated_at=now)
            ).rowcount
        return changed == 1

    def results(self, batch: Batch) -> Iterator[bytes]:
        t = batch_items.c
        query = (
            select(
                t.seq,
                t.status,
                t.loan_id,
                t.customer_id,
                t.record_id,
                t.error,
                recommendations.c.result,
            )
            .select_from(
                batch_items.outerjoin(recommendations, recommendations.c.id == t.record_id)
            )
            .where(t.batch_id == batch.id)
            .order_by(t.seq)
        )
        with self._engine.connect() as conn:
            for row in conn.execute(query.execution_options(yield_per=500)):
                line: dict[str, Any] = {
                    "seq": row.seq,
                    "loan_id": row.loan_id,
                    "customer_id": row.customer_id,
                    "status": row.status,
                }
                if row.status == "done":
                    line["id"] = row.record_id
                    line["result"] = orjson.Fragment(row.result.encode("utf-8"))
                elif row.status == "failed":
                    line["error"] = orjson.Fragment(row.error.encode("utf-8"))
                yield orjson.dumps(line) + b"\n"

    def unfinished(self, older_than: datetime, now: datetime) -> list[tuple[str, int, int]]:
        t = batch_items.c
        with self._engine.begin() as conn:
            stale = (
                conn.execute(
                    select(batches.c.id).where(
                        batches.c.finished_at.is_(None), batches.c.updated_at < older_than
                    )
                )
                .scalars()
                .all()
            )
            out = []
            for batch_id in stale:
                low, high = conn.execute(
                    select(func.min(t.seq), func.max(t.seq)).where(
                        t.batch_id == batch_id, t.status == "pending"
                    )
                ).one()
                conn.execute(update(batches).where(batches.c.id == batch_id).values(updated_at=now))
                if low is not None:
                    out.append((batch_id, int(low), int(high)))
        return out
