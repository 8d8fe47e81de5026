"""SQL adapter of the monitoring store: a tenant's answered recommendations of a period,
each outer-joined with its loan's outcome (``recommendations`` and ``outcomes``); and the
small rows of the dashboard, read the same way."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, or_, select

from cde.adapters.db.tables import outcomes, recommendations
from cde.service.monitoring import DashboardRow, DecisionRow, dashboard_row
from cde.service.outcomes import FAILED

__all__ = ["SqlMonitoring"]


class SqlMonitoring:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _pages(
        self,
        tenant_id: str,
        start: datetime | None,
        end: datetime | None,
        page_size: int,
        *,
        columns: tuple[ColumnElement[Any], ...],
        answered_only: bool,
    ) -> Iterator[Any]:
        """One query a page, each on its own connection: the tenant's next ``page_size``
        records after the last (created_at, id) seen, with the loan's outcome (the
        outcomes' primary key is (tenant_id, loan_id): at most one per record)."""
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        r, o = recommendations.c, outcomes.c
        where = [r.tenant_id == tenant_id]
        if answered_only:
            where.append(r.status != FAILED)
        if start is not None:
            where.append(r.created_at >= start)
        if end is not None:
            where.append(r.created_at < end)
        query = (
            select(r.id, r.created_at, *columns, o.bad, o.kolektibilitas)
            .select_from(
                recommendations.outerjoin(
                    outcomes, and_(o.tenant_id == r.tenant_id, o.loan_id == r.loan_id)
                )
            )
            .where(*where)
            .order_by(r.created_at, r.id)
            .limit(page_size)
        )
        after: tuple[datetime, str] | None = None
        while True:
            page = query
            if after is not None:
                at, last_id = after
                page = query.where(or_(r.created_at > at, and_(r.created_at == at, r.id > last_id)))
            with self._engine.connect() as conn:
                rows = conn.execute(page).all()
            yield from rows
            if len(rows) < page_size:
                return
            after = (rows[-1].created_at, rows[-1].id)

    def decisions(
        self,
        tenant_id: str,
        start: datetime | None,
        end: datetime | None,
        *,
        page_size: int = 1000,
    ) -> Iterator[DecisionRow]:
        """The tenant's answered records of the period, oldest first (:meth:`_pages`)."""
        r = recommendations.c
        for row in self._pages(
            tenant_id,
            start,
            end,
            page_size,
            columns=(r.loan_id, r.payload, r.result),
            answered_only=True,
        ):
            yield DecisionRow(
                record_id=row.id,
                created_at=row.created_at,
                loan_id=row.loan_id,
                payload=row.payload,
                result=row.result,
                bad=None if row.bad is None else bool(row.bad),
                kolektibilitas=row.kolektibilitas,
            )

    def dashboard_rows(
        self,
        tenant_id: str,
        start: datetime | None,
        end: datetime | None,
        *,
        page_size: int = 1000,
    ) -> Iterator[DashboardRow]:
        """Keyset pages as :meth:`decisions`, of every status; the stored result is read
        here, a page at a time, and only its decision is kept (:func:`dashboard_row`)."""
        r = recommendations.c
        for row in self._pages(
            tenant_id,
            start,
            end,
            page_size,
            columns=(r.loan_id, r.status, r.result),
            answered_only=False,
        ):
            yield dashboard_row(
                row.created_at,
                row.loan_id,
                row.status,
                row.result,
                None if row.bad is None else bool(row.bad),
                row.kolektibilitas,
            )
