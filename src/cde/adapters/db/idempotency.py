"""SQL adapter of the Idempotency-Key reservations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from cde.adapters.db.tables import idempotency_keys
from cde.service.idempotency import Reservation

__all__ = ["SqlIdempotency"]


class SqlIdempotency:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def reserve(
        self, tenant_id: str, key: str, body_sha256: str, record_id: str, now: datetime
    ) -> Reservation | None:
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    insert(idempotency_keys).values(
                        tenant_id=tenant_id,
                        key=key,
                        body_sha256=body_sha256,
                        record_id=record_id,
                        created_at=now,
                    )
                )
            return None
        except IntegrityError:
            pass
        with self._engine.connect() as conn:
            row = conn.execute(
                select(idempotency_keys).where(
                    idempotency_keys.c.tenant_id == tenant_id, idempotency_keys.c.key == key
                )
            ).one()
        return Reservation(row.body_sha256, row.record_id, row.created_at)

    def take_over(self, tenant_id: str, key: str, old_created_at: datetime, now: datetime) -> bool:
        with self._engine.begin() as conn:
            changed = conn.execute(
                update(idempotency_keys)
                .where(
                    idempotency_keys.c.tenant_id == tenant_id,
                    idempotency_keys.c.key == key,
                    idempotency_keys.c.created_at == old_created_at,
                )
                .values(created_at=now)
            ).rowcount
        return changed == 1

    def release(self, tenant_id: str, key: str, record_id: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                delete(idempotency_keys).where(
                    idempotency_keys.c.tenant_id == tenant_id,
                    idempotency_keys.c.key == key,
                    idempotency_keys.c.record_id == record_id,
                )
            )
