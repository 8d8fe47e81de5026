"""SQL adapter of the challenger store (``challenger_results``; ``between`` reads the
tenant's ``outcomes`` too)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Engine, and_, delete, insert, select
from sqlalchemy.exc import IntegrityError

from cde.adapters.db.tables import challenger_results, outcomes
from cde.service.challenger import ChallengerResult, PolicyId, Shadowed

__all__ = ["SqlChallengerResults"]


def _json(value: dict[str, Any] | None) -> str | None:
    return orjson.dumps(value).decode() if value is not None else None


def _policy(row: Any, prefix: str) -> PolicyId:
    return PolicyId(
        getattr(row, f"{prefix}_policy_name"),
        getattr(row, f"{prefix}_policy_version"),
        getattr(row, f"{prefix}_scorecard_name"),
        getattr(row, f"{prefix}_scorecard_version"),
    )


class SqlChallengerResults:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, result: ChallengerResult) -> bool:
        champion, challenger = result.champion_policy, result.challenger_policy
        row = {
            "recommendation_id": result.recommendation_id,
            "tenant_id": result.tenant_id,
            "loan_id": result.loan_id,
            "decided_at": result.decided_at,
            "created_at": result.created_at,
            "champion_policy_name": champion.name,
            "champion_policy_version": champion.version,
            "champion_scorecard_name": champion.scorecard_name,
            "champion_scorecard_version": champion.scorecard_version,
            "challenger_policy_name": challenger.name,
            "challenger_policy_version": challenger.version,
            "challenger_scorecard_name": challenger.scorecard_name,
            "challenger_scorecard_version": challenger.scorecard_version,
            "champion": _json(result.champion),
            "challenger": _json(result.challenger),
            "error": result.error,
        }
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(challenger_results).values(**row))
        except IntegrityError:  # this recommendation's result is stored already
            return False
        return True

    def between(
        self, tenant_id: str, start: datetime | None, end: datetime | None
    ) -> list[Shadowed]:
        c, o = challenger_results.c, outcomes.c
        where = [c.tenant_id == tenant_id]
        if start is not None:
            where.append(c.decided_at >= start)
        if end is not None:
            where.append(c.decided_at < end)
        query = (
            select(challenger_results, o.bad)
            .select_from(
                challenger_results.outerjoin(
                    outcomes, and_(o.tenant_id == c.tenant_id, o.loan_id == c.loan_id)
                )
            )
            .where(*where)
            .order_by(c.decided_at, c.recommendation_id)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            Shadowed(
                ChallengerResult(
                    recommendation_id=row.recommendation_id,
                    tenant_id=row.tenant_id,
                    loan_id=row.loan_id,
                    decided_at=row.decided_at,
                    created_at=row.created_at,
                    champion_policy=_policy(row, "champion"),
                    challenger_policy=_policy(row, "challenger"),
                    champion=orjson.loads(row.champion) if row.champion is not None else None,
                    challenger=orjson.loads(row.challenger) if row.challenger is not None else None,
                    error=row.error,
                ),
                bool(row.bad) if row.bad is not None else None,
            )
            for row in rows
        ]

    def purge(self, before: datetime) -> int:
        with self._engine.begin() as conn:
            return int(
                conn.execute(
                    delete(challenger_results).where(challenger_results.c.decided_at < before)
                ).rowcount
            )
