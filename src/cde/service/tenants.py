"""Tenants (cooperatives sharing one deployment): their life cycle, keys and quota.

A tenant is switched on or off and metered like Kocek's ``cde_feature``
(``total_quota`` / ``used_quota``). API keys are generated here, shown once, and stored
only as SHA-256 hashes.

:class:`CachedTenants` is the tenant store as authentication sees it: the answers of the
lookups a request makes (key → tenant, id → tenant, name → tenant) are kept in this
process for at most ``seconds`` (:data:`AUTH_CACHE_SECONDS`) of the service's clock, so a
key rotated, a tenant disabled or enabled by another process takes effect here within that
bound; what goes through the cache itself takes effect at once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from cde.errors import InvalidInputError
from cde.service.ports import Clock

__all__ = [
    "AUTH_CACHE_SECONDS",
    "CachedTenants",
    "LookupCache",
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


# How long a process may go on using what it read about tenants, keys and the service
# switch for authentication (docs/security.md, "How fast a change takes effect").
AUTH_CACHE_SECONDS = 2.0

K = TypeVar("K")
V = TypeVar("V")


class LookupCache(Generic[K, V]):
    """Answers kept for at most ``seconds`` of ``clock`` (a wall clock that may be moved by
    the tests; a reading earlier than the one an answer was kept at counts as expired), at
    most ``max_entries`` of them (past that, all are dropped at once: a flood of unknown
    keys cannot grow it without bound). ``seconds <= 0``: nothing is kept."""

    def __init__(
        self, seconds: float, clock: Callable[[], datetime], max_entries: int = 10_000
    ) -> None:
        self.seconds = seconds
        self.clock = clock
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: dict[K, tuple[float, V]] = {}

    def get(self, key: K, load: Callable[[K], V]) -> V:
        if self.seconds <= 0:
            return load(key)
        now = self.clock().timestamp()
        found = self._entries.get(key)
        if found is not None and 0 <= now - found[0] < self.seconds:
            return found[1]
        value = load(key)
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (now, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class CachedTenants:
    """A :class:`TenantStore` whose lookups by key, id and name are answered from this
    process's memory for up to ``seconds`` (see the module's docstring); every change made
    through it empties the cache, so this process sees its own changes at once. Spending
    and refunding quota go straight to the store. Meant for authentication: what shows the
    quota reads the store itself."""

    def __init__(
        self, store: TenantStore, clock: Callable[[], datetime], seconds: float = AUTH_CACHE_SECONDS
    ) -> None:
        self.store = store
        self._by_key: LookupCache[str, Tenant | None] = LookupCache(seconds, clock)
        self._by_id: LookupCache[str, Tenant | None] = LookupCache(seconds, clock)
        self._by_name: LookupCache[str, Tenant | None] = LookupCache(seconds, clock)

    def forget(self) -> None:
        """Drop every kept answer (a change was made in this process)."""
        for cache in (self._by_key, self._by_id, self._by_name):
            cache.clear()

    def create(self, tenant: Tenant) -> None:
        try:
            self.store.create(tenant)
        finally:
            self.forget()

    def by_name(self, name: str) -> Tenant | None:
        return self._by_name.get(name, self.store.by_name)

    def by_id(self, tenant_id: str) -> Tenant | None:
        return self._by_id.get(tenant_id, self.store.by_id)

    def all(self) -> list[Tenant]:
        return self.store.all()

    def set_active(self, tenant_id: str, active: bool, now: datetime) -> None:
        try:
            self.store.set_active(tenant_id, active, now)
        finally:
            self.forget()

    def set_quota(self, tenant_id: str, total: int | None, reset_used: bool, now: datetime) -> None:
        try:
            self.store.set_quota(tenant_id, total, reset_used, now)
        finally:
            self.forget()

    def add_key(
        self,
        key_id: str,
        tenant_id: str,
        digest: str,
        prefix: str,
        revoke_others: bool,
        now: datetime,
    ) -> None:
        try:
            self.store.add_key(key_id, tenant_id, digest, prefix, revoke_others, now)
        finally:
            self.forget()

    def active_key_counts(self) -> dict[str, int]:
        return self.store.active_key_counts()

    def tenant_for_key(self, digest: str) -> Tenant | None:
        return self._by_key.get(digest, self.store.tenant_for_key)

    def spend(self, tenant_id: str) -> bool:
        return self.store.spend(tenant_id)

    def refund(self, tenant_id: str) -> None:
        self.store.refund(tenant_id)


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
