"""The service layer's ports: what the use cases need from storage and time.

Each port has a SQL adapter (:mod:`cde.adapters.db.repository`) and an in-memory fake
(:mod:`cde.adapters.memory`) for tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = [
    "Caller",
    "Clock",
    "Page",
    "QuotaExhaustedError",
    "Recommendation",
    "RecommendationRepository",
    "RecommendationSummary",
    "ServiceSettings",
    "TokenStore",
]

Clock = Callable[[], datetime]  # an aware UTC datetime


class QuotaExhaustedError(Exception):
    """The tenant's quota is used up; nothing was stored."""


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is acting, as the calling platform says (headers) and as the socket shows."""

    user_id: str | None = None
    user_name: str | None = None
    user_role: str | None = None
    claimed_ip: str | None = None
    remote_addr: str | None = None


@dataclass(frozen=True, slots=True)
class Recommendation:
    id: str
    created_at: datetime
    loan_id: str
    customer_id: str
    status: str  # success | fail | processing
    payload: str  # the request body exactly as received (JSON text)
    result: str | None  # the result object as JSON text
    error: str | None
    lang: str
    policy_name: str | None
    policy_version: str | None
    engine_version: str
    caller: Caller
    tenant_id: str = "default"


@dataclass(frozen=True, slots=True)
class RecommendationSummary:
    id: str
    created_at: datetime
    status: str
    loan_id: str
    customer_id: str


@dataclass(frozen=True, slots=True)
class Page:
    items: list[RecommendationSummary]
    total: int


class RecommendationRepository(Protocol):
    def add(self, record: Recommendation, *, spend_quota: bool = True) -> None:
        """Store durably; returns only after the record is committed. With
        ``spend_quota`` one unit of the tenant's quota is spent in the same transaction,
        or QuotaExhaustedError is raised and nothing is stored."""

    def get(self, record_id: str, tenant_id: str | None = None) -> Recommendation | None:
        """The record, if it exists and (when ``tenant_id`` is given) belongs to the tenant."""

    def list(
        self,
        *,
        tenant_id: str | None = None,
        loan_id: str | None,
        customer_id: str | None,
        status: str | None,
        offset: int,
        limit: int,
    ) -> Page:
        """Newest first."""

    def finish(self, record_id: str, result: str) -> bool:
        """Store the final result of a ``processing`` record and mark it ``success``;
        False (and nothing changed) when it is not processing any more."""

    def processing_before(self, before: datetime, limit: int) -> tuple[str, ...]:
        """Ids of records still ``processing`` that were created before ``before``."""

    def ping(self) -> None:
        """Raise if the storage cannot be reached."""

    def purge(self, before: datetime) -> int:
        """Delete records created before ``before``; how many."""


class ServiceSettings(Protocol):
    def get_flag(self, key: str) -> bool | None: ...

    def set_flag(self, key: str, value: bool, now: datetime) -> None: ...


class TokenStore(Protocol):
    def token_hashes(self) -> frozenset[str]: ...

    def add_token(self, token_id: str, token_sha256: str, label: str, now: datetime) -> None: ...
