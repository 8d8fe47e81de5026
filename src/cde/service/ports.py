"""The service layer's ports: what the use cases need from storage, time and the outside.

Every dependency of a service is a :class:`typing.Protocol`. The ones defined here:

* :class:`RecommendationRepository`, :class:`ServiceSettings`, :class:`TokenStore` —
  SQL adapters in :mod:`cde.adapters.db.repository`;
* :class:`RateLimiter` — SQL adapter :class:`cde.adapters.db.ratelimit.SqlRateLimiter`;
* :data:`Clock` — :func:`cde.bootstrap.utc_now`.

The others are defined beside the use case that owns them (importing them here would be
circular, as those modules import the types of this one):

* :class:`cde.service.tenants.TenantStore` — :class:`cde.adapters.db.tenants.SqlTenants`;
* :class:`cde.service.audit.AuditLog` — :class:`cde.adapters.db.audit.SqlAuditLog`;
* :class:`cde.service.idempotency.IdempotencyStore` —
  :class:`cde.adapters.db.idempotency.SqlIdempotency`;
* :class:`cde.service.batches.BatchStore` — :class:`cde.adapters.db.batches.SqlBatches`;
* :class:`cde.service.outcomes.OutcomeStore` — :class:`cde.adapters.db.outcomes.SqlOutcomes`;
* :class:`cde.service.challenger.ChallengerStore` —
  :class:`cde.adapters.db.challenger.SqlChallengerResults`;
* :class:`cde.service.monitoring.MonitoringStore` —
  :class:`cde.adapters.db.monitoring.SqlMonitoring`;
* :class:`cde.service.policy_versions.PolicyVersionStore` —
  :class:`cde.adapters.db.policy_versions.SqlPolicyVersions`;
* :class:`cde.service.jobs.JobQueue` — :class:`cde.adapters.jobs.embedded.EmbeddedQueue`
  (SQLite) and :class:`cde.adapters.jobs.procrastinate_queue.ProcrastinateQueue`
  (PostgreSQL);
* :class:`cde.service.narrators.Narrator` — :class:`~cde.service.narrators.RulesNarrator` and
  :class:`~cde.service.narrators.LlmNarrator`, the latter over a
  :class:`cde.service.narrators.ChatModel` (:class:`cde.adapters.llm.OpenAIChat`).

:func:`cde.bootstrap.bootstrap` takes any of them as a parameter (None: the real adapter).
The tests' in-memory fakes of every port are in ``tests/fakes.py``; the contract tests in
``tests/integration/test_port_contracts.py`` hold each fake to what its SQL adapter does.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cde.errors import QuotaExhaustedError  # re-exported: raised by the stores
from cde.service.audit import AuditEntry

__all__ = [
    "Caller",
    "Clock",
    "Page",
    "QuotaExhaustedError",
    "RateLimiter",
    "RecommendationRepository",
    "RecommendationSummary",
    "ServiceSettings",
    "StoredRecommendation",
    "TokenStore",
]

Clock = Callable[[], datetime]  # an aware UTC datetime


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is acting, as the calling platform says (headers) and as the socket shows."""

    user_id: str | None = None
    user_name: str | None = None
    user_role: str | None = None
    claimed_ip: str | None = None
    remote_addr: str | None = None


@dataclass(frozen=True, slots=True)
class StoredRecommendation:
    """One request's record: the body as received, the result, who asked and when (the
    row of ``recommendations``; not the API's ``recommendation`` member)."""

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
    # From the stored result, only when the list is asked ``with_decision`` (the analyst's
    # workspace); None otherwise, and for a record without a result.
    outcome: str | None = None
    grade: str | None = None
    plafon: int | None = None


@dataclass(frozen=True, slots=True)
class Page:
    items: list[RecommendationSummary]
    total: int


class RecommendationRepository(Protocol):
    def add(self, record: StoredRecommendation, *, spend_quota: bool = True) -> None:
        """Store durably; returns only after the record is committed. With
        ``spend_quota`` one unit of the tenant's quota is spent in the same transaction,
        or QuotaExhaustedError is raised and nothing is stored."""

    def submit(
        self,
        record: StoredRecommendation,
        *,
        spend_quota: bool = True,
        audit: AuditEntry | None = None,
    ) -> Future[None]:
        """:meth:`add` without waiting: the future is done once the record is committed
        (its exception: QuotaExhaustedError, or the storage's error). With ``audit`` that
        entry is appended to the audit trail in the same write, and only if the record is
        stored (the HTTP layer waits on it without holding a thread)."""

    def get(self, record_id: str, tenant_id: str | None = None) -> StoredRecommendation | None:
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
        outcome: str | None = None,
        grade: str | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        with_decision: bool = False,
    ) -> Page:
        """Newest first. ``outcome`` (``decision.outcome``) and ``grade``
        (``assessment.grade``) filter on the stored result; ``created_from`` (inclusive) and
        ``created_to`` (exclusive) on the creation time; ``with_decision`` fills each
        summary's ``outcome``, ``grade`` and ``plafon`` from its result."""

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


class RateLimiter(Protocol):
    """Per-tenant request rate, shared by every process of the deployment."""

    def check(self, key: str) -> float:
        """0 when a request of ``key`` is allowed now (and counted); else the seconds to wait."""

    def retry_after(self, wait: float) -> str:
        """A ``Retry-After`` header value (whole seconds, at least 1) for ``wait``."""
