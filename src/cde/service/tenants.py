"""Tenants (cooperatives sharing one deployment): their life cycle, keys and quota.

A tenant is switched on or off and metered like Kocek's ``cde_feature``
(``total_quota`` / ``used_quota``). API keys are generated here, shown once, and stored
only as SHA-256 hashes.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cde.errors import InvalidInputError
from cde.service.ports import Clock

__all__ = [
    "Tenant",
    "TenantAdmin",
    "TenantError",
    "TenantStore",
    "key_digest",
]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,98}[A-Za-z0-9]$|^[A-Za-z0-9]$")


class TenantError(InvalidInputError):
    """A tenant operation that cannot be done (unknown name, duplicate, bad quota)."""


@dataclass(frozen=True, slots=True)
class Tenant:
    id: str
    name: str
    active: bool
    total_quota: int | None  # None: unlimited
    used_quota: int
    created_at: datetime
    updated_at: datetime

    @property
    def remaining_quota(self) -> int | None:
        if self.total_quota is None:
            return None
        return max(0, self.total_quota - self.used_quota)


class TenantStore(Protocol):
    def create(self, tenant: Tenant) -> None: ...

    def by_name(self, name: str) -> Tenant | None: ...

    def by_id(self, tenant_id: str) -> Tenant | None: ...

    def all(self) -> list[Tenant]: ...

    def set_active(self, tenant_id: str, active: bool, now: datetime) -> None: ...

    def set_quota(
        self, tenant_id: str, total: int | None, reset_used: bool, now: datetime
    ) -> None: ...

    def add_key(
        self,
        key_id: str,
        tenant_id: str,
        digest: str,
        prefix: str,
        revoke_others: bool,
        now: datetime,
    ) -> None: ...

    def active_key_counts(self) -> dict[str, int]: ...

    def tenant_for_key(self, digest: str) -> Tenant | None:
        """The tenant owning a non-revoked key."""

    def spend(self, tenant_id: str) -> bool:
        """Use one unit of quota, atomically; False when the quota is exhausted."""

    def refund(self, tenant_id: str) -> None: ...


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _new_key() -> str:
    return "cdek_" + secrets.token_urlsafe(32)


class TenantAdmin:
    """What ``cde tenant …`` does."""

    def __init__(self, store: TenantStore, clock: Clock, new_id: Callable[[], str]) -> None:
        self.store = store
        self.clock = clock
        self.new_id = new_id

    def _get(self, name: str) -> Tenant:
        tenant = self.store.by_name(name)
        if tenant is None:
            raise TenantError(f"no tenant named {name!r}")
        return tenant

    def create(self, name: str, quota: int | None) -> tuple[Tenant, str]:
        if not _NAME.match(name):
            raise TenantError(
                "a tenant name is 1-100 letters, digits, spaces, dots, dashes or underscores, "
                "starting and ending with a letter or digit"
            )
        if quota is not None and quota < 0:
            raise TenantError("the quota must be zero or more")
        if self.store.by_name(name) is not None:
            raise TenantError(f"a tenant named {name!r} exists already")
        now = self.clock()
        tenant = Tenant(self.new_id(), name, True, quota, 0, now, now)
        self.store.create(tenant)
        key = _new_key()
        self.store.add_key(self.new_id(), tenant.id, key_digest(key), key[:9], False, now)
        return tenant, key

    def list(self) -> list[tuple[Tenant, int]]:
        counts = self.store.active_key_counts()
        return [(t, counts.get(t.id, 0)) for t in self.store.all()]

    def set_active(self, name: str, active: bool) -> Tenant:
        tenant = self._get(name)
        self.store.set_active(tenant.id, active, self.clock())
        return self._get(name)

    def set_quota(self, name: str, total: int | None, reset_used: bool = False) -> Tenant:
        if total is not None and total < 0:
            raise TenantError("the quota must be zero or more")
        tenant = self._get(name)
        self.store.set_quota(tenant.id, total, reset_used, self.clock())
        return self._get(name)

    def rotate_key(self, name: str) -> str:
        """A new key for the tenant; every older key stops working at once."""
        tenant = self._get(name)
        key = _new_key()
        self.store.add_key(self.new_id(), tenant.id, key_digest(key), key[:9], True, self.clock())
        return key
