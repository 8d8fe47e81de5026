"""SQL adapter of the policy-version store (``policy_versions``)."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from cde.adapters.db.repository import unmatchable
from cde.adapters.db.tables import policy_versions
from cde.service.policy_versions import PolicyVersion

__all__ = ["SqlPolicyVersions"]

_FIELDS = tuple(f.name for f in dataclasses.fields(PolicyVersion))
# What a lifecycle step may change; the identity and the text never do.
_MUTABLE = tuple(
    f
    for f in _FIELDS
    if f not in ("id", "tenant_id", "name", "version", "format", "text", "sha256")
    and not f.startswith("created_")
)


def _row(version: PolicyVersion, names: tuple[str, ...] = _FIELDS) -> dict[str, Any]:
    row = {name: getattr(version, name) for name in names}
    row["active_tenant_id"] = version.tenant_id if version.status == "active" else None
    return row


def _version(row: Any) -> PolicyVersion:
    return PolicyVersion(**{name: getattr(row, name) for name in _FIELDS})


class _StaleError(Exception):
    """A version's stored status is no longer the expected one: roll back."""


class SqlPolicyVersions:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, version: PolicyVersion) -> bool:
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(policy_versions).values(**_row(version)))
        except IntegrityError:
            return False
        return True

    def get(self, version_id: str) -> PolicyVersion | None:
        if unmatchable(self._engine, version_id):
            return None
        with self._engine.connect() as conn:
            row = conn.execute(
                select(policy_versions).where(policy_versions.c.id == version_id)
            ).first()
        return _version(row) if row is not None else None

    def of_tenant(self, tenant_id: str) -> list[PolicyVersion]:
        if unmatchable(self._engine, tenant_id):
            return []
        query = (
            select(policy_versions)
            .where(policy_versions.c.tenant_id == tenant_id)
            .order_by(policy_versions.c.created_at, policy_versions.c.id)
        )
        with self._engine.connect() as conn:
            return [_version(row) for row in conn.execute(query)]

    def active_id(self, tenant_id: str) -> str | None:
        if unmatchable(self._engine, tenant_id):
            return None
        with self._engine.connect() as conn:
            value = conn.execute(
                select(policy_versions.c.id).where(policy_versions.c.active_tenant_id == tenant_id)
            ).scalar_one_or_none()
        return None if value is None else str(value)

    def update(self, changes: list[tuple[PolicyVersion, str]]) -> bool:
        try:
            with self._engine.begin() as conn:
                for version, expected in changes:
                    done = conn.execute(
                        update(policy_versions)
                        .where(
                            policy_versions.c.id == version.id,
                            policy_versions.c.status == expected,
                        )
                        .values(**_row(version, _MUTABLE))
                    )
                    if done.rowcount != 1:
                        raise _StaleError
        except (_StaleError, IntegrityError):  # changed meanwhile, or a second active version
            return False
        return True
