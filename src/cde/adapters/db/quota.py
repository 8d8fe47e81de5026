"""Spending a tenant's quota: one conditional UPDATE, shared by every writer."""

from __future__ import annotations

from sqlalchemy import Connection, and_, or_, update

from cde.adapters.db.tables import tenants

__all__ = ["spend_quota"]


def spend_quota(conn: Connection, tenant_id: str) -> bool:
    """Use one unit of the tenant's quota inside the caller's transaction; False when it is
    used up. The database serialises concurrent spenders, so a quota of N accepts exactly N
    however many arrive at once, from however many processes."""
    changed = conn.execute(
        update(tenants)
        .where(
            and_(
                tenants.c.id == tenant_id,
                or_(tenants.c.total_quota.is_(None), tenants.c.used_quota < tenants.c.total_quota),
            )
        )
        .values(used_quota=tenants.c.used_quota + 1)
    ).rowcount
    return changed == 1
