"""SQL adapter of the tenant store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from cde.adapters.db.quota import spend_quota
from cde.adapters.db.repository import unmatchable
from cde.adapters.db.tables import tenant_keys, tenants
from cde.service.tenants import Tenant, TenantError

__all__ = ["SqlTenants"]


def _tenant(row: Any) -> Tenant:
    return Tenant(
        id=row.id,
        name=row.name,
        active=bool(row.active),
        total_quota=row.total_quota,
        used_quota=row.used_quota,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlTenants:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, tenant: Tenant) -> None:
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    insert(tenants).values(
                        id=tenant.id,
                        name=tenant.name,
                        active=tenant.active,
                        total_quota=tenant.total_quota,
                        used_quota=tenant.used_quota,
                        created_at=tenant.created_at,
                        updated_at=tenant.updated_at,
                    )
                )
        except IntegrityError:
            raise TenantError(f"a tenant named {tenant.name!r} exists already") from None

    def _one(self, where: Any, *looked_up: str) -> Tenant | None:
        if unmatchable(self._engine, *looked_up):  # e.g. a JWT's tenant claim with a NUL
            return None
        with self._engine.connect() as conn:
            row = conn.execute(select(tenants).where(where)).first()
        return _tenant(row) if row is not None else None

    def by_name(self, name: str) -> Tenant | None:
        return self._one(tenants.c.name == name, name)

    def by_id(self, tenant_id: str) -> Tenant | None:
        return self._one(tenants.c.id == tenant_id, tenant_id)

    def all(self) -> list[Tenant]:
        with self._engine.connect() as conn:
            return [_tenant(r) for r in conn.execute(select(tenants).order_by(tenants.c.name))]

    def set_active(self, tenant_id: str, active: bool, now: datetime) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                update(tenants)
                .where(tenants.c.id == tenant_id)
                .values(active=active, updated_at=now)
            )

    def set_quota(self, tenant_id: str, total: int | None, reset_used: bool, now: datetime) -> None:
        values: dict[str, Any] = {"total_quota": total, "updated_at": now}
        if reset_used:
            values["used_quota"] = 0
        with self._engine.begin() as conn:
            conn.execute(update(tenants).where(tenants.c.id == tenant_id).values(**values))

    def add_key(
        self,
        key_id: str,
        tenant_id: str,
        digest: str,
        prefix: str,
        revoke_others: bool,
        now: datetime,
    ) -> None:
        with self._engine.begin() as conn:
            if revoke_others:
                conn.execute(
                    update(tenant_keys)
                    .where(tenant_keys.c.tenant_id == tenant_id, tenant_keys.c.revoked_at.is_(None))
                    .values(revoked_at=now)
                )
            conn.execute(
                insert(tenant_keys).values(
                    id=key_id,
                    tenant_id=tenant_id,
                    key_sha256=digest,
                    prefix=prefix,
                    created_at=now,
                    revoked_at=None,
                )
            )

    def active_key_counts(self) -> dict[str, int]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(tenant_keys.c.tenant_id, func.count())
                .where(tenant_keys.c.revoked_at.is_(None))
                .group_by(tenant_keys.c.tenant_id)
            ).all()
        return {r[0]: int(r[1]) for r in rows}

    def tenant_for_key(self, digest: str) -> Tenant | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                select(tenants)
                .join(tenant_keys, tenant_keys.c.tenant_id == tenants.c.id)
                .where(tenant_keys.c.key_sha256 == digest, tenant_keys.c.revoked_at.is_(None))
            ).first()
        return _tenant(row) if row is not None else None

    def spend(self, tenant_id: str) -> bool:
        with self._engine.begin() as conn:
            return spend_quota(conn, tenant_id)

    def refund(self, tenant_id: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                update(tenants)
                .where(tenants.c.id == tenant_id, tenants.c.used_quota > 0)
                .values(used_quota=tenants.c.used_quota - 1)
            )
