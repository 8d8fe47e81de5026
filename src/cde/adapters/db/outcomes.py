"""SQL adapter of the outcome store (``outcomes`` and ``outcome_history``; ``joined`` and
``applications_without_outcome`` read ``recommendations`` too)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from cde.adapters.db.tables import outcome_history, outcomes, recommendations
from cde.adapters.db.writer import fit_record
from cde.domain.outcomes import Outcome
from cde.service.outcomes import (
    FAILED,
    JoinedOutcome,
    OutcomeChange,
    OutcomePage,
    SaveResult,
    SaveStatus,
    StoredOutcome,
)
from cde.service.ports import Caller

__all__ = ["SqlOutcomes"]

_CHUNK = 500  # loan ids per IN (…): well under every database's parameter limit
_VALUES = ("bad", "kolektibilitas", "observed_at", "applied_at")
_CALLER = ("user_id", "user_name", "user_role", "claimed_ip", "remote_addr")


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _caller_columns(caller: Caller) -> dict[str, Any]:
    """The caller's headers, cut to their columns like a record's."""
    return fit_record({name: getattr(caller, name) for name in _CALLER})


def _values(outcome: Outcome) -> dict[str, Any]:
    return {
        "bad": outcome.bad,
        "kolektibilitas": int(outcome.kolektibilitas) if outcome.kolektibilitas else None,
        "observed_at": outcome.observed_at,
        "applied_at": outcome.applied_at,
    }


def _caller(row: Any, prefix: str = "") -> Caller:
    return Caller(
        user_id=getattr(row, f"{prefix}user_id"),
        user_name=getattr(row, f"{prefix}user_name"),
        user_role=getattr(row, f"{prefix}user_role"),
        claimed_ip=getattr(row, f"{prefix}claimed_ip", None),
        remote_addr=getattr(row, f"{prefix}remote_addr", None),
    )


def _stored(row: Any) -> StoredOutcome:
    return StoredOutcome(
        tenant_id=row.tenant_id,
        loan_id=row.loan_id,
        bad=bool(row.bad),
        kolektibilitas=row.kolektibilitas,
        observed_at=row.observed_at,
        applied_at=row.applied_at,
        received_at=row.received_at,
        updated_at=row.updated_at,
        revision=row.revision,
        caller=_caller(row),
    )


class SqlOutcomes:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def save(
        self, tenant_id: str, outcomes_: Sequence[Outcome], caller: Caller, now: datetime
    ) -> SaveResult:
        try:
            return self._save(tenant_id, outcomes_, caller, now)
        except IntegrityError:
            # Another request stored the first outcome of one of these loans meanwhile:
            # once more, and that outcome is now one to replace.
            return self._save(tenant_id, outcomes_, caller, now)

    def _existing(self, conn: Connection, tenant_id: str, loan_ids: list[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for chunk in _chunks(loan_ids):
            rows = conn.execute(
                select(outcomes)
                .where(outcomes.c.tenant_id == tenant_id, outcomes.c.loan_id.in_(chunk))
                .with_for_update()
            ).all()
            found.update({row.loan_id: row._asdict() for row in rows})
        return found

    def _save(
        self, tenant_id: str, outcomes_: Sequence[Outcome], caller: Caller, now: datetime
    ) -> SaveResult:
        who = _caller_columns(caller)
        statuses: list[SaveStatus] = []
        history: list[dict[str, Any]] = []
        with self._engine.begin() as conn:
            loan_ids = list(dict.fromkeys(o.loan_id for o in outcomes_))
            current = self._existing(conn, tenant_id, loan_ids)
            stored_before = set(current)
            changed: set[str] = set()
            for outcome in outcomes_:
                values = _values(outcome)
                old = current.get(outcome.loan_id)
                if old is None:
                    current[outcome.loan_id] = {
                        "tenant_id": tenant_id,
                        "loan_id": outcome.loan_id,
                        **values,
                        "received_at": now,
                        "updated_at": now,
                        "revision": 1,
                        **who,
                    }
                    statuses.append("new")
                elif all(old[k] == values[k] for k in _VALUES):
                    statuses.append("unchanged")
                    continue
                else:
                    history.append(
                        {
                            "tenant_id": tenant_id,
                            "loan_id": outcome.loan_id,
                            "revision": old["revision"],
                            **{k: old[k] for k in _VALUES},
                            "recorded_at": old["updated_at"],
                            "user_id": old["user_id"],
                            "user_name": old["user_name"],
                            "user_role": old["user_role"],
                            "replaced_at": now,
                            "replaced_by_user_id": who["user_id"],
                            "replaced_by_user_name": who["user_name"],
                            "replaced_by_user_role": who["user_role"],
                            "replaced_by_remote_addr": who["remote_addr"],
                        }
                    )
                    current[outcome.loan_id] = {
                        **old,
                        **values,
                        "updated_at": now,
                        "revision": old["revision"] + 1,
                        **who,
                    }
                    statuses.append("replaced")
                changed.add(outcome.loan_id)
            new_rows = [current[k] for k in loan_ids if k in changed and k not in stored_before]
            for start in range(0, len(new_rows), 1000):
                conn.execute(insert(outcomes), new_rows[start : start + 1000])
            for loan_id in loan_ids:
                if loan_id in changed and loan_id in stored_before:
                    row = current[loan_id]
                    conn.execute(
                        update(outcomes)
                        .where(outcomes.c.tenant_id == tenant_id, outcomes.c.loan_id == loan_id)
                        .values(
                            **{k: row[k] for k in _VALUES},
                            updated_at=row["updated_at"],
                            revision=row["revision"],
                            **{k: row[k] for k in _CALLER},
                        )
                    )
            for start in range(0, len(history), 1000):
                conn.execute(insert(outcome_history), history[start : start + 1000])
        return SaveResult(statuses)

    def known_loans(self, tenant_id: str, loan_ids: Collection[str]) -> set[str]:
        known: set[str] = set()
        r = recommendations.c
        with self._engine.connect() as conn:
            for chunk in _chunks(list(loan_ids)):
                known.update(
                    conn.execute(
                        select(r.loan_id)
                        .where(r.tenant_id == tenant_id, r.loan_id.in_(chunk))
                        .distinct()
                    ).scalars()
                )
        return known

    def get(self, tenant_id: str, loan_id: str) -> StoredOutcome | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(outcomes).where(
                    outcomes.c.tenant_id == tenant_id, outcomes.c.loan_id == loan_id
                )
            ).first()
        return _stored(row) if row is not None else None

    def history(self, tenant_id: str, loan_ids: Collection[str]) -> list[OutcomeChange]:
        h = outcome_history.c
        changes: list[OutcomeChange] = []
        with self._engine.connect() as conn:
            for chunk in _chunks(list(loan_ids)):
                rows = conn.execute(
                    select(outcome_history)
                    .where(h.tenant_id == tenant_id, h.loan_id.in_(chunk))
                    .order_by(h.loan_id, h.revision, h.id)
                ).all()
                changes += [
                    OutcomeChange(
                        tenant_id=row.tenant_id,
                        loan_id=row.loan_id,
                        revision=row.revision,
                        bad=bool(row.bad),
                        kolektibilitas=row.kolektibilitas,
                        observed_at=row.observed_at,
                        applied_at=row.applied_at,
                        recorded_at=row.recorded_at,
                        recorded_by=_caller(row),
                        replaced_at=row.replaced_at,
                        replaced_by=_caller(row, "replaced_by_"),
                    )
                    for row in rows
                ]
        changes.sort(key=lambda c: (c.loan_id, c.revision))
        return changes

    def list(self, tenant_id: str, *, loan_id: str | None, offset: int, limit: int) -> OutcomePage:
        where = [outcomes.c.tenant_id == tenant_id]
        if loan_id is not None:
            where.append(outcomes.c.loan_id == loan_id)
        with self._engine.connect() as conn:
            count = int(
                conn.execute(select(func.count()).select_from(outcomes).where(*where)).scalar_one()
            )
            rows = conn.execute(
                select(outcomes)
                .where(*where)
                .order_by(outcomes.c.loan_id)
                .offset(offset)
                .limit(limit)
            ).all()
        return OutcomePage([_stored(row) for row in rows], count)

    def joined(self, tenant_id: str, *, page_size: int = 1000) -> Iterator[JoinedOutcome]:
        """One query a page, each on its own connection: the tenant's next ``page_size``
        outcomes after the last loan id seen (the primary key's order), each outer-joined
        with the recommendation a correlated subquery picks (the tenant's answered records
        of that loan, ``ix_recommendations_tenant_loan``, latest by created_at then id)."""
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        o = outcomes.c
        candidate = recommendations.alias("candidate")
        chosen = recommendations.alias("chosen")
        c = candidate.c
        # ``status != 'fail'``, not ``status IN ('success', 'processing')``: with two
        # equalities ``ix_recommendations_tenant_status`` would look as good to SQLite's
        # planner as the loan index, and it would scan all the tenant's records per outcome.
        latest = (
            select(c.id)
            .where(c.tenant_id == o.tenant_id, c.loan_id == o.loan_id, c.status != FAILED)
            .order_by(c.created_at.desc(), c.id.desc())
            .limit(1)
            .correlate(outcomes)
            .scalar_subquery()
        )
        query = (
            select(
                o.loan_id,
                o.bad,
                o.kolektibilitas,
                o.applied_at,
                chosen.c.id,
                chosen.c.created_at,
                chosen.c.payload,
            )
            .select_from(
                outcomes.outerjoin(
                    chosen, (chosen.c.id == latest) & (chosen.c.tenant_id == tenant_id)
                )
            )
            .where(o.tenant_id == tenant_id)
            .order_by(o.loan_id)
            .limit(page_size)
        )
        after: str | None = None
        while True:
            page = query if after is None else query.where(o.loan_id > after)
            with self._engine.connect() as conn:
                rows = conn.execute(page).all()
            for row in rows:
                yield JoinedOutcome(
                    loan_id=row.loan_id,
                    bad=bool(row.bad),
                    kolektibilitas=row.kolektibilitas,
                    applied_at=row.applied_at,
                    record_id=row.id,
                    record_created_at=row.created_at,
                    record_payload=row.payload,
                )
            if len(rows) < page_size:
                return
            after = rows[-1].loan_id

    def applications_without_outcome(self, tenant_id: str) -> int:
        r, o = recommendations.c, outcomes.c
        query = select(func.count(r.loan_id.distinct())).where(
            r.tenant_id == tenant_id,
            r.status != FAILED,
            ~exists().where(o.tenant_id == tenant_id, o.loan_id == r.loan_id),
        )
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar_one())
