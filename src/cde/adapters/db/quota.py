"""Spending a tenant's quota: conditional UPDATEs, shared by every writer."""

from __future__ import annotations

from sqlalchemy import Connection, and_, bindparam, or_, update

from cde.adapters.db.tables import tenants

__all__ = ["SPEND_ONE", "spend_quota", "spend_quota_many"]

_t = tenants.c

# One unit, if any is left (``tenant_id`` bound): built once, compiled once.
SPEND_ONE = (
    update(tenants)
    .where(
        and_(
            _t.id == bindparam("tenant_id"),
            or_(_t.total_quota.is_(None), _t.used_quota < _t.total_quota),
        )
    )
    .values(used_quota=_t.used_quota + 1)
)

# ``n`` units at once, only if all ``n`` are left.
_SPEND_MANY = (
    update(tenants)
    .where(
        and_(
            _t.id == bindparam("tenant_id"),
            or_(_t.total_quota.is_(None), _t.used_quota + bindparam("n") <= _t.total_quota),
        )
    )
    .values(used_quota=_t.used_quota + bindparam("n"))
)


def spend_quota(conn: Connection, tenant_id: str) -> bool:
    """Use one unit of the tenant's quota inside the caller's transaction; False when it is
    used up. The database serialises concurrent spenders, so a quota of N accepts exactly N
    however many arrive at once, from however many processes."""
    return conn.execute(SPEND_ONE, {"tenant_id": tenant_id}).rowcount == 1


def spend_quota_many(conn: Connection, tenant_id: str, n: int) -> bool:
    """Use ``n`` units at once inside the caller's transaction, or none: False when fewer
    than ``n`` are left (the caller then spends them one by one)."""
    if n == 1:
        return spend_quota(conn, tenant_id)
    return conn.execute(_SPEND_MANY, {"tenant_id": tenant_id, "n": n}).rowcount == 1
