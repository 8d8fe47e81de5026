"""SQL adapters for the service ports. Recommendations are written through the shared
:class:`~cde.adapters.db.writer.DbWriter` (group commits, quota spent in the same
transaction); everything else is a plain transaction."""

from __future__ import annotations

from concurrent.futures import Future
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Engine,
    cast,
    delete,
    func,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB

from cde.adapters.db.tables import api_tokens, recommendations, service_settings
from cde.adapters.db.writer import DbWriter
from cde.service.audit import AuditEntry
from cde.service.ports import (
    Caller,
    Page,
    RecommendationSummary,
    StoredRecommendation,
)

__all__ = ["SqlRecommendations", "SqlServiceSettings", "SqlTokenStore", "unmatchable"]


def unmatchable(engine: Engine, *values: str | None) -> bool:
    """Whether a looked-up text can be in no row of this database: PostgreSQL text never
    holds a NUL character, and comparing with one is an error there (a 503 for, say,
    ``GET …/a%00b``), so such a lookup finds nothing without asking. SQLite can store and
    compare NUL: it is asked as usual."""
    return engine.dialect.name == "postgresql" and any(
        v is not None and "\x00" in v for v in values
    )


def record_row(record: StoredRecommendation) -> dict[str, Any]:
    """A recommendation as a row of ``recommendations``."""
    c = record.caller
    return {
        "id": record.id,
        "tenant_id": record.tenant_id,
        "created_at": record.created_at,
        "loan_id": record.loan_id,
        "customer_id": record.customer_id,
        "status": record.status,
        "payload": record.payload,
        "result": record.result,
        "error": record.error,
        "lang": record.lang,
        "policy_name": record.policy_name,
        "policy_version": record.policy_version,
        "engine_version": record.engine_version,
        "user_id": c.user_id,
        "user_name": c.user_name,
        "user_role": c.user_role,
        "claimed_ip": c.claimed_ip,
        "remote_addr": c.remote_addr,
    }


def _whole(text: str | None) -> int | None:
    """A whole number read back from JSON text (``1500000``), else None."""
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return None


class SqlRecommendations:
    def __init__(self, engine: Engine, writer: DbWriter) -> None:
        self._engine = engine
        self._writer = writer

    def add(self, record: StoredRecommendation, *, spend_quota: bool = True) -> None:
        self.submit(record, spend_quota=spend_quota).result()

    def submit(
        self,
        record: StoredRecommendation,
        *,
        spend_quota: bool = True,
        audit: AuditEntry | None = None,
    ) -> Future[None]:
        return self._writer.submit_record(record_row(record), spend_quota=spend_quota, audit=audit)

    def get(self, record_id: str, tenant_id: str | None = None) -> StoredRecommendation | None:
        if unmatchable(self._engine, record_id, tenant_id):
            return None
        query = select(recommendations).where(recommendations.c.id == record_id)
        if tenant_id is not None:
            query = query.where(recommendations.c.tenant_id == tenant_id)
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        m = row._mapping
        return StoredRecommendation(
            id=m["id"],
            created_at=m["created_at"],
            loan_id=m["loan_id"],
            customer_id=m["customer_id"],
            status=m["status"],
            payload=m["payload"],
            result=m["result"],
            error=m["error"],
            lang=m["lang"],
            policy_name=m["policy_name"],
            policy_version=m["policy_version"],
            engine_version=m["engine_version"],
            caller=Caller(
                user_id=m["user_id"],
                user_name=m["user_name"],
                user_role=m["user_role"],
                claimed_ip=m["claimed_ip"],
                remote_addr=m["remote_addr"],
            ),
            tenant_id=m["tenant_id"],
        )

    def _in_result(self, *path: str) -> ColumnElement[str]:
        """A text member of the stored result (JSON text): SQLite's ``json_extract``,
        PostgreSQL's ``#>>`` on the text cast to ``jsonb`` (no index: a filter on it reads
        the tenant's rows, which the other filters and the date range narrow)."""
        t = recommendations.c
        document: ColumnElement[Any] = (
            cast(t.result, JSONB)
            if self._engine.dialect.name == "postgresql"
            else type_coerce(t.result, JSON)
        )
        member: ColumnElement[str] = document[path].as_string()
        return member

    def list(
        self,
        *,
        tenant_id: str | None = None,
        loan_id: str | None,
        customer_id: str | None,
        status: str | None,
        offset: int,
        limit: int,
        outcome: str | None = None,
        grade: str | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        with_decision: bool = False,
    ) -> Page:
        if unmatchable(self._engine, tenant_id, loan_id, customer_id, status, outcome, grade):
            return Page(items=[], total=0)
        t = recommendations.c
        where = []
        if tenant_id is not None:
            where.append(t.tenant_id == tenant_id)
        if loan_id is not None:
            where.append(t.loan_id == loan_id)
        if customer_id is not None:
            where.append(t.customer_id == customer_id)
        if status is not None:
            where.append(t.status == status)
        if created_from is not None:
            where.append(t.created_at >= created_from)
        if created_to is not None:
            where.append(t.created_at < created_to)
        if outcome is not None:
            where.append(self._in_result("decision", "outcome") == outcome)
        if grade is not None:
            where.append(self._in_result("assessment", "grade") == grade)
        columns = select(t.id, t.created_at, t.status, t.loan_id, t.customer_id).where(*where)
        decided: dict[str, tuple[str | None, str | None, int | None]] = {}
        with self._engine.connect() as conn:
            total = conn.execute(
                select(func.count()).select_from(recommendations).where(*where)
            ).scalar_one()
            rows = conn.execute(columns.order_by(t.id.desc()).offset(offset).limit(limit)).all()
            if with_decision and rows:  # read from the page's results only
                query = select(
                    t.id,
                    self._in_result("decision", "outcome"),
                    self._in_result("assessment", "grade"),
                    self._in_result("decision", "plafon"),
                ).where(t.id.in_([r.id for r in rows]), t.result.is_not(None))
                for found_id, found_outcome, found_grade, plafon in conn.execute(query):
                    decided[found_id] = (found_outcome, found_grade, _whole(plafon))
        return Page(
            items=[
                RecommendationSummary(
                    r.id,
                    r.created_at,
                    r.status,
                    r.loan_id,
                    r.customer_id,
                    *decided.get(r.id, (None, None, None)),
                )
                for r in rows
            ],
            total=int(total),
        )

    def finish(self, record_id: str, result: str) -> bool:
        t = recommendations.c
        with self._engine.begin() as conn:
            changed = conn.execute(
                update(recommendations)
                .where(t.id == record_id, t.status == "processing")
                .values(status="success", result=result)
            ).rowcount
        return bool(changed)

    def processing_before(self, before: datetime, limit: int) -> tuple[str, ...]:
        t = recommendations.c
        query = (
            select(t.id)
            .where(t.status == "processing", t.created_at < before)
            .order_by(t.created_at)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return tuple(str(i) for i in conn.execute(query).scalars())

    def ping(self) -> None:
        with self._engine.connect() as conn:
            conn.execute(select(1)).scalar_one()

    def purge(self, before: datetime) -> int:
        """Delete every recommendation created before ``before``; how many went."""
        with self._engine.begin() as conn:
            return int(
                conn.execute(
                    delete(recommendations).where(recommendations.c.created_at < before)
                ).rowcount
            )


class SqlServiceSettings:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get_flag(self, key: str) -> bool | None:
        with self._engine.connect() as conn:
            value = conn.execute(
                select(service_settings.c.value).where(service_settings.c.key == key)
            ).scalar_one_or_none()
        return None if value is None else value == "true"

    def set_flag(self, key: str, value: bool, now: datetime) -> None:
        text = "true" if value else "false"
        with self._engine.begin() as conn:
            changed = conn.execute(
                update(service_settings)
                .where(service_settings.c.key == key)
                .values(value=text, updated_at=now)
            ).rowcount
            if not changed:
                conn.execute(insert(service_settings).values(key=key, value=text, updated_at=now))


class SqlTokenStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def token_hashes(self) -> frozenset[str]:
        with self._engine.connect() as conn:
            return frozenset(conn.execute(select(api_tokens.c.token_sha256)).scalars())

    def add_token(self, token_id: str, token_sha256: str, label: str, now: datetime) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                insert(api_tokens).values(
                    id=token_id, token_sha256=token_sha256, label=label, created_at=now
                )
            )
