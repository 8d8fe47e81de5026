"""In-memory fakes of every port of the service (``cde.service.ports`` lists them), for
service tests that need no database.

Each fake does what its SQL adapter does, as far as a service can tell: the same answers,
the same ordering, the same quota arithmetic, the same refusals (a store's unique keys
refuse duplicates with ``ValueError`` where the database raises ``IntegrityError``).
``tests/integration/test_port_contracts.py`` runs the same assertions against both.

The stores share state the way the SQL ones share the database: a
:class:`FakeRecommendations` spends the quota of its :class:`FakeTenants`, a
:class:`FakeBatches` stores its items' recommendations in its :class:`FakeRecommendations`.
:class:`FakeStores` builds such a set; ``bootstrap(settings, **stores.adapters())`` wires a
whole container on them.

Time comes from ``clocks.TestClock``: no fake reads the machine's clock.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections import Counter, deque
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson

from cde.adapters.db.writer import fit_record
from cde.domain.evaluation import Evaluation
from cde.domain.findings import FIVE_C
from cde.domain.outcomes import Outcome
from cde.domain.text import Lang
from cde.service.audit import GENESIS, AuditEntry, StoredEntry, entry_hash
from cde.service.batches import Batch, BatchProgress, Item, ItemResult
from cde.service.challenger import ChallengerResult, Shadowed
from cde.service.idempotency import Reservation
from cde.service.instructions import Instructions
from cde.service.monitoring import DashboardRow, DecisionRow, dashboard_row
from cde.service.narrators import Narration, ProviderError
from cde.service.outcomes import (
    FAILED,
    JoinedOutcome,
    OutcomeChange,
    OutcomePage,
    SaveResult,
    SaveStatus,
    StoredOutcome,
)
from cde.service.policy_versions import PolicyVersion
from cde.service.ports import (
    Caller,
    Page,
    QuotaExhaustedError,
    RecommendationSummary,
    StoredRecommendation,
)
from cde.service.tenants import Tenant, TenantError
from clocks import TEST_NOW

__all__ = [
    "DEFAULT_TENANT_ID",
    "FakeAuditLog",
    "FakeBatches",
    "FakeChallengerResults",
    "FakeChat",
    "FakeIdempotencyStore",
    "FakeJobQueue",
    "FakeMonitoring",
    "FakeNarrator",
    "FakeOutcomes",
    "FakePolicyVersions",
    "FakeRateLimiter",
    "FakeRecommendations",
    "FakeServiceSettings",
    "FakeStores",
    "FakeTenants",
    "FakeTokenStore",
    "sequential_ids",
]

DEFAULT_TENANT_ID = "default"  # as the migrations create it (cde.adapters.db.tables)
_QUOTA_ERROR = orjson.dumps({"message": "quota exhausted"}).decode()


def sequential_ids(prefix: str = "id") -> Callable[[], str]:
    """A ``new_id`` whose ids sort in the order they were made (as UUIDv7s do)."""
    counter = iter(range(1, 10**12))
    lock = threading.Lock()

    def new_id() -> str:
        with lock:
            return f"{prefix}-{next(counter):012d}"

    return new_id


def _fit_caller(caller: Caller) -> Caller:
    """The caller as the database keeps it: each header cut to its column's width."""
    fitted = fit_record(dataclasses.asdict(caller))
    return Caller(**fitted)


# --- tenants ------------------------------------------------------------------------------


@dataclass
class _Key:
    id: str
    tenant_id: str
    digest: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None = None


class FakeTenants:
    """:class:`cde.service.tenants.TenantStore` in memory. Like a migrated database, it
    starts with the ``default`` tenant (unlimited quota) unless ``with_default`` is off."""

    def __init__(self, *, with_default: bool = True, now: datetime = TEST_NOW) -> None:
        self._lock = threading.RLock()
        self._tenants: dict[str, Tenant] = {}
        self._keys: dict[str, _Key] = {}  # by digest
        if with_default:
            self.create(Tenant(DEFAULT_TENANT_ID, "default", True, None, 0, now, now))

    def create(self, tenant: Tenant) -> None:
        with self._lock:
            if tenant.id in self._tenants or self.by_name(tenant.name) is not None:
                raise TenantError(f"a tenant named {tenant.name!r} exists already")
            self._tenants[tenant.id] = tenant

    def by_name(self, name: str) -> Tenant | None:
        with self._lock:
            return next((t for t in self._tenants.values() if t.name == name), None)

    def by_id(self, tenant_id: str) -> Tenant | None:
        with self._lock:
            return self._tenants.get(tenant_id)

    def all(self) -> list[Tenant]:
        with self._lock:
            return sorted(self._tenants.values(), key=lambda t: t.name)

    def _update(self, tenant_id: str, **changes: Any) -> None:
        tenant = self._tenants.get(tenant_id)
        if tenant is not None:
            self._tenants[tenant_id] = dataclasses.replace(tenant, **changes)

    def set_active(self, tenant_id: str, active: bool, now: datetime) -> None:
        with self._lock:
            self._update(tenant_id, active=active, updated_at=now)

    def set_quota(self, tenant_id: str, total: int | None, reset_used: bool, now: datetime) -> None:
        with self._lock:
            changes: dict[str, Any] = {"total_quota": total, "updated_at": now}
            if reset_used:
                changes["used_quota"] = 0
            self._update(tenant_id, **changes)

    def add_key(
        self,
        key_id: str,
        tenant_id: str,
        digest: str,
        prefix: str,
        revoke_others: bool,
        now: datetime,
    ) -> None:
        with self._lock:
            if tenant_id not in self._tenants:
                raise ValueError(f"no tenant {tenant_id!r} (the database's foreign key)")
            if digest in self._keys or any(k.id == key_id for k in self._keys.values()):
                raise ValueError("the key exists already (the database's unique key)")
            if revoke_others:
                for key in self._keys.values():
                    if key.tenant_id == tenant_id and key.revoked_at is None:
                        key.revoked_at = now
            self._keys[digest] = _Key(key_id, tenant_id, digest, prefix, now)

    def active_key_counts(self) -> dict[str, int]:
        with self._lock:
            return dict(Counter(k.tenant_id for k in self._keys.values() if k.revoked_at is None))

    def tenant_for_key(self, digest: str) -> Tenant | None:
        with self._lock:
            key = self._keys.get(digest)
            if key is None or key.revoked_at is not None:
                return None
            return self._tenants.get(key.tenant_id)

    def spend(self, tenant_id: str) -> bool:
        with self._lock:
            tenant = self._tenants.get(tenant_id)
            if tenant is None:
                return False
            if tenant.total_quota is not None and tenant.used_quota >= tenant.total_quota:
                return False
            self._tenants[tenant_id] = dataclasses.replace(tenant, used_quota=tenant.used_quota + 1)
            return True

    def refund(self, tenant_id: str) -> None:
        with self._lock:
            tenant = self._tenants.get(tenant_id)
            if tenant is not None and tenant.used_quota > 0:
                self._tenants[tenant_id] = dataclasses.replace(
                    tenant, used_quota=tenant.used_quota - 1
                )


# --- recommendations ----------------------------------------------------------------------


class FakeRecommendations:
    """:class:`cde.service.ports.RecommendationRepository` in memory; ``add`` spends the
    quota of ``tenants`` in the same step, as the SQL writer does in one transaction.

    ``down`` makes every call raise ``ConnectionError`` (a database that does not answer).
    """

    def __init__(
        self, tenants: FakeTenants | None = None, audit: FakeAuditLog | None = None
    ) -> None:
        self.tenants = tenants if tenants is not None else FakeTenants()
        self.audit = audit  # where ``submit(..., audit=entry)`` appends the entry
        self.down = False
        self._lock = threading.RLock()
        self._records: dict[str, StoredRecommendation] = {}

    def _reachable(self) -> None:
        if self.down:
            raise ConnectionError("the fake database is down")

    def add(self, record: StoredRecommendation, *, spend_quota: bool = True) -> None:
        self._reachable()
        with self._lock:
            if record.id in self._records:
                raise ValueError(f"a record {record.id!r} exists already (the primary key)")
            if spend_quota and not self.tenants.spend(record.tenant_id):
                raise QuotaExhaustedError(record.tenant_id)
            self._records[record.id] = dataclasses.replace(
                record, caller=_fit_caller(record.caller)
            )

    def submit(
        self,
        record: StoredRecommendation,
        *,
        spend_quota: bool = True,
        audit: AuditEntry | None = None,
    ) -> Future[None]:
        """``add``, done at once; with ``audit`` the entry is appended to the linked audit
        log in the same step, only if the record was stored."""
        done: Future[None] = Future()
        try:
            with self._lock:
                if audit is not None and self.audit is None:
                    raise ValueError("no audit log linked to this fake repository")
                self.add(record, spend_quota=spend_quota)
                if audit is not None and self.audit is not None:
                    self.audit.append(audit)
        except Exception as exc:
            done.set_exception(exc)
        else:
            done.set_result(None)
        return done

    def store(self, records: list[StoredRecommendation]) -> None:
        """Store without spending (what the batch store's transaction does)."""
        with self._lock:
            for record in records:
                self.add(record, spend_quota=False)

    def get(self, record_id: str, tenant_id: str | None = None) -> StoredRecommendation | None:
        self._reachable()
        with self._lock:
            record = self._records.get(record_id)
        if record is None or (tenant_id is not None and record.tenant_id != tenant_id):
            return None
        return record

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
        self._reachable()
        with self._lock:
            found = [
                r
                for r in self._records.values()
                if (tenant_id is None or r.tenant_id == tenant_id)
                and (loan_id is None or r.loan_id == loan_id)
                and (customer_id is None or r.customer_id == customer_id)
                and (status is None or r.status == status)
                and (created_from is None or r.created_at >= created_from)
                and (created_to is None or r.created_at < created_to)
                and (outcome is None or _in_result(r, "decision", "outcome") == outcome)
                and (grade is None or _in_result(r, "assessment", "grade") == grade)
            ]
        found.sort(key=lambda r: r.id, reverse=True)  # ids are time-ordered: newest first

        def summary(r: StoredRecommendation) -> RecommendationSummary:
            decided: tuple[str | None, str | None, int | None] = (None, None, None)
            if with_decision and r.result is not None:
                plafon = _in_result(r, "decision", "plafon")
                decided = (
                    _in_result(r, "decision", "outcome"),
                    _in_result(r, "assessment", "grade"),
                    int(plafon) if plafon is not None and plafon.isdigit() else None,
                )
            return RecommendationSummary(
                r.id, r.created_at, r.status, r.loan_id, r.customer_id, *decided
            )

        return Page(items=[summary(r) for r in found[offset : offset + limit]], total=len(found))

    def finish(self, record_id: str, result: str) -> bool:
        self._reachable()
        with self._lock:
            record = self._records.get(record_id)
            if record is None or record.status != "processing":
                return False
            self._records[record_id] = dataclasses.replace(record, status="success", result=result)
            return True

    def processing_before(self, before: datetime, limit: int) -> tuple[str, ...]:
        self._reachable()
        with self._lock:
            found = [
                r
                for r in self._records.values()
                if r.status == "processing" and r.created_at < before
            ]
        found.sort(key=lambda r: r.created_at)
        return tuple(r.id for r in found[:limit])

    def ping(self) -> None:
        self._reachable()

    def purge(self, before: datetime) -> int:
        self._reachable()
        with self._lock:
            gone = [i for i, r in self._records.items() if r.created_at < before]
            for record_id in gone:
                del self._records[record_id]
        return len(gone)

    def all(self) -> tuple[StoredRecommendation, ...]:
        """Every stored record, oldest id first (for assertions)."""
        with self._lock:
            return tuple(sorted(self._records.values(), key=lambda r: r.id))


def _in_result(record: StoredRecommendation, *path: str) -> str | None:
    """A member of the stored result as the SQL list reads it: text, None when absent."""
    value: Any = orjson.loads(record.result) if record.result is not None else None
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- switches and tokens ------------------------------------------------------------------


class FakeServiceSettings:
    """:class:`cde.service.ports.ServiceSettings` in memory."""

    def __init__(self) -> None:
        self.flags: dict[str, tuple[bool, datetime]] = {}

    def get_flag(self, key: str) -> bool | None:
        found = self.flags.get(key)
        return None if found is None else found[0]

    def set_flag(self, key: str, value: bool, now: datetime) -> None:
        self.flags[key] = (value, now)


@dataclass(frozen=True)
class StoredToken:
    id: str
    sha256: str
    label: str
    created_at: datetime


class FakeTokenStore:
    """:class:`cde.service.ports.TokenStore` in memory (SHA-256 digests only)."""

    def __init__(self) -> None:
        self.tokens: dict[str, StoredToken] = {}  # by digest

    def token_hashes(self) -> frozenset[str]:
        return frozenset(self.tokens)

    def add_token(self, token_id: str, token_sha256: str, label: str, now: datetime) -> None:
        if token_sha256 in self.tokens or any(t.id == token_id for t in self.tokens.values()):
            raise ValueError("the token exists already (the database's unique key)")
        self.tokens[token_sha256] = StoredToken(token_id, token_sha256, label, now)


# --- audit trail and rate limiter ---------------------------------------------------------


class FakeAuditLog:
    """:class:`cde.service.audit.AuditLog` in memory: the same hash chain as the SQL log
    (so ``cde.service.audit.verify`` holds over it). Unlike the database it keeps texts
    longer than their columns whole."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.stored: list[StoredEntry] = []
        self._head = GENESIS

    def append(self, entry: AuditEntry) -> None:
        with self._lock:
            digest = entry_hash(self._head, entry)
            self.stored.append(StoredEntry(len(self.stored) + 1, entry, self._head, digest))
            self._head = digest

    def submit(self, entry: AuditEntry) -> Future[None]:
        done: Future[None] = Future()
        try:
            self.append(entry)
        except Exception as exc:
            done.set_exception(exc)
        else:
            done.set_result(None)
        return done

    def entries(self, since: datetime | None = None) -> Iterator[StoredEntry]:
        with self._lock:
            chosen = [s for s in self.stored if since is None or s.entry.at >= since]
        return iter(chosen)

    def head(self) -> str:
        with self._lock:
            return self._head


class FakeRateLimiter:
    """:class:`cde.service.ports.RateLimiter` in memory: the SQL limiter's token bucket per
    key (``per_minute`` refill, ``burst`` capacity, a clock in seconds that never runs
    backwards for a bucket). ``per_minute=0`` allows everything."""

    def __init__(self, per_minute: int, burst: int, clock: Callable[[], float]) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(max(burst, 1))
        self.clock = clock
        self.buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, stamp)
        self._lock = threading.Lock()

    def check(self, key: str) -> float:
        if self.rate <= 0:
            return 0.0
        with self._lock:
            reading = self.clock()
            bucket = self.buckets.get(key)
            if bucket is None:
                self.buckets[key] = (self.burst - 1.0, reading)
                return 0.0
            tokens, stamp = bucket
            tokens = min(self.burst, tokens + max(reading - stamp, 0.0) * self.rate)
            if tokens >= 1.0:
                self.buckets[key] = (tokens - 1.0, max(stamp, reading))
                return 0.0
            return float(max((1.0 - tokens) / self.rate, 0.001))

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, math.ceil(wait)))


# --- idempotency --------------------------------------------------------------------------


class FakeIdempotencyStore:
    """:class:`cde.service.idempotency.IdempotencyStore` in memory."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reservations: dict[tuple[str, str], Reservation] = {}

    def reserve(
        self, tenant_id: str, key: str, body_sha256: str, record_id: str, now: datetime
    ) -> Reservation | None:
        with self._lock:
            existing = self.reservations.get((tenant_id, key))
            if existing is not None:
                return existing
            self.reservations[(tenant_id, key)] = Reservation(body_sha256, record_id, now)
            return None

    def take_over(self, tenant_id: str, key: str, old_created_at: datetime, now: datetime) -> bool:
        with self._lock:
            existing = self.reservations.get((tenant_id, key))
            if existing is None or existing.created_at != old_created_at:
                return False
            self.reservations[(tenant_id, key)] = dataclasses.replace(existing, created_at=now)
            return True

    def release(self, tenant_id: str, key: str, record_id: str) -> None:
        with self._lock:
            existing = self.reservations.get((tenant_id, key))
            if existing is not None and existing.record_id == record_id:
                del self.reservations[(tenant_id, key)]


# --- batches ------------------------------------------------------------------------------


@dataclass
class _ItemRow:
    seq: int
    payload: str
    loan_id: str | None
    customer_id: str | None
    status: str = "pending"
    record_id: str | None = None
    outcome: str | None = None
    grade: str | None = None
    plafon: int | None = None
    error: str | None = None


@dataclass
class _BatchRow:
    batch: Batch
    updated_at: datetime
    items: dict[int, _ItemRow] = field(default_factory=dict)


class FakeBatches:
    """:class:`cde.service.batches.BatchStore` in memory. ``complete`` moves items and
    spends quota exactly as the SQL transaction does, storing each item's recommendation
    in ``recommendations`` (and so in the tenant quota of its tenant store)."""

    def __init__(self, recommendations: FakeRecommendations | None = None) -> None:
        self.recommendations = (
            recommendations if recommendations is not None else FakeRecommendations()
        )
        self._lock = threading.RLock()
        self._batches: dict[str, _BatchRow] = {}

    def create(self, batch: Batch, items: list[Item]) -> None:
        with self._lock:
            if batch.id in self._batches:
                raise ValueError(f"a batch {batch.id!r} exists already (the primary key)")
            stored = dataclasses.replace(batch, caller=_fit_caller(batch.caller), finished_at=None)
            row = _BatchRow(stored, batch.created_at)
            for item in items:
                if item.seq in row.items:
                    raise ValueError(f"item {item.seq} twice (the primary key)")
                row.items[item.seq] = _ItemRow(
                    item.seq, item.payload, item.loan_id, item.customer_id, error=item.error
                )
            self._batches[batch.id] = row

    def get(self, batch_id: str, tenant_id: str | None) -> Batch | None:
        with self._lock:
            row = self._batches.get(batch_id)
        if row is None or (tenant_id is not None and row.batch.tenant_id != tenant_id):
            return None
        return row.batch

    def progress(self, batch: Batch) -> BatchProgress:
        with self._lock:
            row = self._batches.get(batch.id)
            items = list(row.items.values()) if row is not None else []
        counts = Counter(i.status for i in items)
        progress = BatchProgress(
            batch=batch, pending=counts["pending"], done=counts["done"], failed=counts["failed"]
        )
        for item in items:
            if item.status == "done":
                assert item.outcome is not None
                assert item.grade is not None
                progress.outcomes[item.outcome] += 1
                progress.grades[item.grade] += 1
                progress.total_plafon += item.plafon or 0
        return progress

    def pending(self, batch_id: str, first: int, last: int) -> list[Item]:
        with self._lock:
            row = self._batches.get(batch_id)
            chosen = [
                i
                for i in (row.items.values() if row is not None else ())
                if i.status == "pending" and first <= i.seq <= last
            ]
        return [
            Item(i.seq, i.payload, i.loan_id, i.customer_id, i.error)
            for i in sorted(chosen, key=lambda i: i.seq)
        ]

    def complete(self, batch: Batch, results: list[ItemResult], now: datetime) -> None:
        with self._lock:
            row = self._batches[batch.id]
            records: list[StoredRecommendation] = []
            for result in results:
                item = row.items.get(result.seq)
                if item is None or item.status != "pending":
                    continue  # already handled by an earlier run
                item.status = result.status
                item.record_id = result.record.id if result.record is not None else None
                item.outcome, item.grade, item.plafon = result.outcome, result.grade, result.plafon
                item.error = result.error
                if result.record is None:
                    continue  # a failed item
                if self.recommendations.tenants.spend(batch.tenant_id):
                    records.append(result.record)
                else:
                    item.status = "failed"
                    item.record_id = item.outcome = item.grade = None
                    item.plafon = None
                    item.error = _QUOTA_ERROR
            self.recommendations.store(records)
            row.updated_at = now

    def finish_if_complete(self, batch_id: str, now: datetime) -> bool:
        with self._lock:
            row = self._batches.get(batch_id)
            if row is None:
                return False
            if any(i.status == "pending" for i in row.items.values()):
                return False
            if row.batch.finished_at is not None:
                return False
            row.batch = dataclasses.replace(row.batch, finished_at=now)
            row.updated_at = now
            return True

    def results(self, batch: Batch) -> Iterator[bytes]:
        with self._lock:
            row = self._batches.get(batch.id)
            items = sorted(row.items.values(), key=lambda i: i.seq) if row is not None else []
            items = [dataclasses.replace(i) for i in items]
        for item in items:
            line: dict[str, Any] = {
                "seq": item.seq,
                "loan_id": item.loan_id,
                "customer_id": item.customer_id,
                "status": item.status,
            }
            if item.status == "done":
                assert item.record_id is not None
                record = self.recommendations.get(item.record_id)
                assert record is not None
                assert record.result is not None
                line["id"] = item.record_id
                line["result"] = orjson.Fragment(record.result.encode("utf-8"))
            elif item.status == "failed":
                assert item.error is not None
                line["error"] = orjson.Fragment(item.error.encode("utf-8"))
            yield orjson.dumps(line) + b"\n"

    def unfinished(self, older_than: datetime, now: datetime) -> list[tuple[str, int, int]]:
        out = []
        with self._lock:
            for batch_id, row in self._batches.items():
                if row.batch.finished_at is not None or not row.updated_at < older_than:
                    continue
                row.updated_at = now
                pending = [i.seq for i in row.items.values() if i.status == "pending"]
                if pending:
                    out.append((batch_id, min(pending), max(pending)))
        return out


# --- outcomes -----------------------------------------------------------------------------


def _outcome_values(o: Outcome | StoredOutcome | OutcomeChange) -> tuple[Any, ...]:
    kolek = int(o.kolektibilitas) if o.kolektibilitas is not None else None
    return (o.bad, kolek, o.observed_at, o.applied_at)


class FakeOutcomes:
    """:class:`cde.service.outcomes.OutcomeStore` in memory; its loans are known when
    ``recommendations`` holds a record of the tenant with that loan id."""

    def __init__(self, recommendations: FakeRecommendations | None = None) -> None:
        self.recommendations = (
            recommendations if recommendations is not None else FakeRecommendations()
        )
        self._lock = threading.RLock()
        self._rows: dict[tuple[str, str], StoredOutcome] = {}
        self._history: list[OutcomeChange] = []

    def save(
        self, tenant_id: str, outcomes: Sequence[Outcome], caller: Caller, now: datetime
    ) -> SaveResult:
        who = _fit_caller(caller)
        statuses: list[SaveStatus] = []
        with self._lock:
            for outcome in outcomes:
                key = (tenant_id, outcome.loan_id)
                bad, kolek, observed_at, applied_at = _outcome_values(outcome)
                old = self._rows.get(key)
                if old is not None and _outcome_values(old) == _outcome_values(outcome):
                    statuses.append("unchanged")
                    continue
                if old is not None:
                    self._history.append(
                        OutcomeChange(
                            tenant_id=tenant_id,
                            loan_id=outcome.loan_id,
                            revision=old.revision,
                            bad=old.bad,
                            kolektibilitas=old.kolektibilitas,
                            observed_at=old.observed_at,
                            applied_at=old.applied_at,
                            recorded_at=old.updated_at,
                            recorded_by=Caller(
                                old.caller.user_id, old.caller.user_name, old.caller.user_role
                            ),
                            replaced_at=now,
                            replaced_by=Caller(
                                who.user_id, who.user_name, who.user_role, None, who.remote_addr
                            ),
                        )
                    )
                self._rows[key] = StoredOutcome(
                    tenant_id=tenant_id,
                    loan_id=outcome.loan_id,
                    bad=bad,
                    kolektibilitas=kolek,
                    observed_at=observed_at,
                    applied_at=applied_at,
                    received_at=old.received_at if old is not None else now,
                    updated_at=now,
                    revision=old.revision + 1 if old is not None else 1,
                    caller=who,
                )
                statuses.append("new" if old is None else "replaced")
        return SaveResult(statuses)

    def known_loans(self, tenant_id: str, loan_ids: Collection[str]) -> set[str]:
        wanted = set(loan_ids)
        return {
            r.loan_id
            for r in self.recommendations.all()
            if r.tenant_id == tenant_id and r.loan_id in wanted
        }

    def get(self, tenant_id: str, loan_id: str) -> StoredOutcome | None:
        with self._lock:
            return self._rows.get((tenant_id, loan_id))

    def history(self, tenant_id: str, loan_ids: Collection[str]) -> list[OutcomeChange]:
        wanted = set(loan_ids)
        with self._lock:
            found = [c for c in self._history if c.tenant_id == tenant_id and c.loan_id in wanted]
        return sorted(found, key=lambda c: (c.loan_id, c.revision))

    def list(self, tenant_id: str, *, loan_id: str | None, offset: int, limit: int) -> OutcomePage:
        with self._lock:
            rows = sorted(
                (
                    row
                    for (tenant, loan), row in self._rows.items()
                    if tenant == tenant_id and (loan_id is None or loan == loan_id)
                ),
                key=lambda row: row.loan_id,
            )
        return OutcomePage(rows[offset : offset + limit], len(rows))

    def _latest_records(self, tenant_id: str) -> dict[str, StoredRecommendation]:
        """The tenant's latest answered record of each loan (created_at, then id)."""
        latest: dict[str, StoredRecommendation] = {}
        for r in self.recommendations.all():
            if r.tenant_id != tenant_id or r.status == FAILED:
                continue
            best = latest.get(r.loan_id)
            if best is None or (r.created_at, r.id) > (best.created_at, best.id):
                latest[r.loan_id] = r
        return latest

    def joined(self, tenant_id: str, *, page_size: int = 1000) -> Iterator[JoinedOutcome]:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        with self._lock:
            rows = sorted(
                (row for (tenant, _), row in self._rows.items() if tenant == tenant_id),
                key=lambda row: row.loan_id,
            )
        latest = self._latest_records(tenant_id)
        for row in rows:
            record = latest.get(row.loan_id)
            yield JoinedOutcome(
                loan_id=row.loan_id,
                bad=row.bad,
                kolektibilitas=row.kolektibilitas,
                applied_at=row.applied_at,
                record_id=record.id if record is not None else None,
                record_created_at=record.created_at if record is not None else None,
                record_payload=record.payload if record is not None else None,
            )

    def applications_without_outcome(self, tenant_id: str) -> int:
        with self._lock:
            labelled = {loan for (tenant, loan) in self._rows if tenant == tenant_id}
        return len(set(self._latest_records(tenant_id)) - labelled)


# --- monitoring -----------------------------------------------------------------------------


class FakeMonitoring:
    """:class:`cde.service.monitoring.MonitoringStore` in memory: the records of its
    :class:`FakeOutcomes`' recommendations, each with the outcome it holds."""

    def __init__(self, outcomes: FakeOutcomes | None = None) -> None:
        self.outcomes = outcomes if outcomes is not None else FakeOutcomes()

    def decisions(
        self,
        tenant_id: str,
        start: datetime | None,
        end: datetime | None,
        *,
        page_size: int = 1000,
    ) -> Iterator[DecisionRow]:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        records = sorted(
            (
                r
                for r in self.outcomes.recommendations.all()
                if r.tenant_id == tenant_id
                and r.status != FAILED
                and (start is None or r.created_at >= start)
                and (end is None or r.created_at < end)
            ),
            key=lambda r: (r.created_at, r.id),
        )
        for r in records:
            outcome = self.outcomes.get(tenant_id, r.loan_id)
            yield DecisionRow(
                record_id=r.id,
                created_at=r.created_at,
                loan_id=r.loan_id,
                payload=r.payload,
                result=r.result,
                bad=outcome.bad if outcome is not None else None,
                kolektibilitas=outcome.kolektibilitas if outcome is not None else None,
            )

    def dashboard_rows(
        self,
        tenant_id: str,
        start: datetime | None,
        end: datetime | None,
        *,
        page_size: int = 1000,
    ) -> Iterator[DashboardRow]:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        records = sorted(
            (
                r
                for r in self.outcomes.recommendations.all()
                if r.tenant_id == tenant_id
                and (start is None or r.created_at >= start)
                and (end is None or r.created_at < end)
            ),
            key=lambda r: (r.created_at, r.id),
        )
        for r in records:
            outcome = self.outcomes.get(tenant_id, r.loan_id)
            yield dashboard_row(
                r.created_at,
                r.loan_id,
                r.status,
                r.result,
                outcome.bad if outcome is not None else None,
                outcome.kolektibilitas if outcome is not None else None,
            )


# --- policy versions -------------------------------------------------------------------------


class FakePolicyVersions:
    """Policy versions in a dict; unique (tenant, name, version) and one active version per
    tenant, as the table's constraints make them."""

    def __init__(self) -> None:
        self.rows: dict[str, PolicyVersion] = {}
        self.active_reads = 0  # how often the active version was looked up
        self._lock = threading.Lock()

    def add(self, version: PolicyVersion) -> bool:
        with self._lock:
            key = (version.tenant_id, version.name, version.version)
            if version.id in self.rows or any(
                (v.tenant_id, v.name, v.version) == key for v in self.rows.values()
            ):
                return False
            self.rows[version.id] = version
            return True

    def get(self, version_id: str) -> PolicyVersion | None:
        return self.rows.get(version_id)

    def of_tenant(self, tenant_id: str) -> list[PolicyVersion]:
        found = [v for v in self.rows.values() if v.tenant_id == tenant_id]
        return sorted(found, key=lambda v: (v.created_at, v.id))

    def active_id(self, tenant_id: str) -> str | None:
        self.active_reads += 1
        for v in self.rows.values():
            if v.tenant_id == tenant_id and v.status == "active":
                return v.id
        return None

    def update(self, changes: list[tuple[PolicyVersion, str]]) -> bool:
        with self._lock:
            after = dict(self.rows)
            for version, expected in changes:
                stored = after.get(version.id)
                if stored is None or stored.status != expected:
                    return False
                after[version.id] = dataclasses.replace(
                    version,
                    tenant_id=stored.tenant_id,
                    name=stored.name,
                    version=stored.version,
                    format=stored.format,
                    text=stored.text,
                    sha256=stored.sha256,
                    created_by=stored.created_by,
                    created_at=stored.created_at,
                )
            active = Counter(v.tenant_id for v in after.values() if v.status == "active")
            if any(n > 1 for n in active.values()):
                return False
            self.rows = after
            return True


# --- challenger results ---------------------------------------------------------------------


class FakeChallengerResults:
    """:class:`cde.service.challenger.ChallengerStore` in memory; ``between`` reads the
    outcomes of its :class:`FakeOutcomes`."""

    def __init__(self, outcomes: FakeOutcomes | None = None) -> None:
        self.outcomes = outcomes if outcomes is not None else FakeOutcomes()
        self._lock = threading.RLock()
        self._rows: dict[str, ChallengerResult] = {}

    def add(self, result: ChallengerResult) -> bool:
        # through JSON, as the database keeps the decisions
        stored = dataclasses.replace(
            result,
            champion=orjson.loads(orjson.dumps(result.champion)),
            challenger=orjson.loads(orjson.dumps(result.challenger)),
        )
        with self._lock:
            if result.recommendation_id in self._rows:
                return False
            self._rows[result.recommendation_id] = stored
            return True

    def between(
        self, tenant_id: str, start: datetime | None, end: datetime | None
    ) -> list[Shadowed]:
        with self._lock:
            rows = sorted(
                (
                    r
                    for r in self._rows.values()
                    if r.tenant_id == tenant_id
                    and (start is None or r.decided_at >= start)
                    and (end is None or r.decided_at < end)
                ),
                key=lambda r: (r.decided_at, r.recommendation_id),
            )
        found = []
        for r in rows:
            outcome = self.outcomes.get(tenant_id, r.loan_id)
            found.append(Shadowed(r, outcome.bad if outcome is not None else None))
        return found

    def purge(self, before: datetime) -> int:
        with self._lock:
            old = [k for k, r in self._rows.items() if r.decided_at < before]
            for k in old:
                del self._rows[k]
        return len(old)


# --- jobs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    kind: str
    args: dict[str, Any]


class FakeJobQueue:
    """:class:`cde.service.jobs.JobQueue` in memory: records every deferred job (its args
    as the database would keep them: through JSON) and runs the waiting ones on demand,
    oldest first, as a worker would."""

    def __init__(self) -> None:
        self.deferred: list[Job] = []  # everything ever deferred, in order
        self.waiting: deque[Job] = deque()

    def defer(self, kind: str, args: dict[str, Any]) -> None:
        job = Job(kind, orjson.loads(orjson.dumps(args)))
        self.deferred.append(job)
        self.waiting.append(job)

    def depth(self) -> int:
        return len(self.waiting)

    def run_next(self, handler: Callable[[str, dict[str, Any]], None]) -> Job | None:
        """Run the oldest waiting job; the job, or None when none waits. A job whose
        handler raises goes back to the end of the queue (it would be retried)."""
        if not self.waiting:
            return None
        job = self.waiting.popleft()
        try:
            handler(job.kind, dict(job.args))
        except Exception:
            self.waiting.append(job)
            raise
        return job

    def run_all(self, handler: Callable[[str, dict[str, Any]], None], limit: int = 10_000) -> int:
        """Run waiting jobs, those they defer too, until none is left; how many ran."""
        ran = 0
        while self.waiting:
            if ran >= limit:
                raise RuntimeError(f"still jobs waiting after {limit}: a job that defers itself?")
            self.run_next(handler)
            ran += 1
        return ran

    def lose_all(self) -> list[Job]:
        """Drop every waiting job (a queue that lost them); the jobs dropped."""
        lost = list(self.waiting)
        self.waiting.clear()
        return lost


# --- narrators -------------------------------------------------------------------------------


Reply = str | Exception | Callable[[list[dict[str, str]]], str]


class FakeChat:
    """:class:`cde.service.narrators.ChatModel` answering from a script: each call takes the
    next reply (a text, an exception to raise, or a function of the messages). With the
    script used up it fails like an unreachable provider."""

    def __init__(self, *replies: Reply, model: str = "fake-model") -> None:
        self.model = model
        self.replies: deque[Reply] = deque(replies)
        self.calls: list[list[dict[str, str]]] = []
        self.state = "closed"

    def complete(
        self, messages: list[dict[str, str]], *, temperature: float | None, max_tokens: int | None
    ) -> str:
        self.calls.append([dict(m) for m in messages])
        if not self.replies:
            raise ProviderError("unavailable", "the fake chat has no reply left")
        reply = self.replies.popleft()
        if isinstance(reply, Exception):
            raise reply
        if callable(reply):
            return reply(messages)
        return reply

    def circuit(self) -> str:
        return self.state


class FakeNarrator:
    """:class:`cde.service.narrators.Narrator` writing fixed texts (``fail``: raising it
    instead); records what it was asked. Its ``name`` is not ``rules``, so narratives are
    written after the answer, as with the LLM narrator."""

    def __init__(self, name: str = "fake", fail: Exception | None = None) -> None:
        self.name = name
        self.fail = fail
        self.calls: list[tuple[str, Lang, Instructions | None]] = []  # (loan id, lang, file)

    def describe(self) -> dict[str, str]:
        return {"kind": self.name}

    def narrate(
        self,
        ev: Evaluation,
        rules: dict[str, Any],
        lang: Lang,
        instructions: Instructions | None = None,
    ) -> Narration:
        self.calls.append((str(rules.get("loan_id", "")), lang, instructions))
        if self.fail is not None:
            raise self.fail
        return Narration(
            {dim: f"{dim}: written by the fake narrator" for dim in FIVE_C},
            "memo written by the fake narrator",
            "llm",
            {"narrator": self.name, "source": "llm"},
        )


# --- a whole set ------------------------------------------------------------------------------


@dataclass
class FakeStores:
    """One fake of every store, sharing their state as one database would."""

    tenants: FakeTenants
    recommendations: FakeRecommendations
    batches: FakeBatches
    outcomes: FakeOutcomes
    idempotency: FakeIdempotencyStore
    service_settings: FakeServiceSettings
    tokens: FakeTokenStore
    audit: FakeAuditLog
    rate_limiter: FakeRateLimiter
    jobs: FakeJobQueue
    challenger_results: FakeChallengerResults
    monitoring: FakeMonitoring
    policy_versions: FakePolicyVersions = field(default_factory=FakePolicyVersions)

    @classmethod
    def new(
        cls,
        clock: Callable[[], datetime],
        *,
        per_minute: int = 0,
        burst: int = 1,
    ) -> FakeStores:
        tenants = FakeTenants(now=clock())
        audit = FakeAuditLog()
        recommendations = FakeRecommendations(tenants, audit)
        outcomes = FakeOutcomes(recommendations)
        return cls(
            tenants=tenants,
            recommendations=recommendations,
            batches=FakeBatches(recommendations),
            outcomes=outcomes,
            idempotency=FakeIdempotencyStore(),
            service_settings=FakeServiceSettings(),
            tokens=FakeTokenStore(),
            audit=audit,
            rate_limiter=FakeRateLimiter(per_minute, burst, lambda: clock().timestamp()),
            jobs=FakeJobQueue(),
            challenger_results=FakeChallengerResults(outcomes),
            monitoring=FakeMonitoring(outcomes),
        )

    def adapters(self) -> dict[str, Any]:
        """The keyword arguments of :func:`cde.bootstrap.bootstrap` that wire these."""
        return {
            "recommendations": self.recommendations,
            "tenants": self.tenants,
            "batch_store": self.batches,
            "outcomes": self.outcomes,
            "idempotency_store": self.idempotency,
            "service_settings": self.service_settings,
            "token_store": self.tokens,
            "audit": self.audit,
            "rate_limiter": self.rate_limiter,
            "jobs": self.jobs,
            "challenger_results": self.challenger_results,
            "monitoring_store": self.monitoring,
            "policy_version_store": self.policy_versions,
        }


if TYPE_CHECKING:  # mypy holds each fake to its port

    def _conforms(clock: Callable[[], datetime]) -> None:
        from cde.service.audit import AuditLog
        from cde.service.batches import BatchStore
        from cde.service.challenger import ChallengerStore
        from cde.service.idempotency import IdempotencyStore
        from cde.service.jobs import JobQueue
        from cde.service.monitoring import MonitoringStore
        from cde.service.narrators import ChatModel, Narrator
        from cde.service.outcomes import OutcomeStore
        from cde.service.policy_versions import PolicyVersionStore
        from cde.service.ports import (
            RateLimiter,
            RecommendationRepository,
            ServiceSettings,
            TokenStore,
        )
        from cde.service.tenants import TenantStore

        stores = FakeStores.new(clock)
        _tenants: TenantStore = stores.tenants
        _recommendations: RecommendationRepository = stores.recommendations
        _batches: BatchStore = stores.batches
        _outcomes: OutcomeStore = stores.outcomes
        _idempotency: IdempotencyStore = stores.idempotency
        _settings: ServiceSettings = stores.service_settings
        _tokens: TokenStore = stores.tokens
        _audit: AuditLog = stores.audit
        _limiter: RateLimiter = stores.rate_limiter
        _jobs: JobQueue = stores.jobs
        _challenger: ChallengerStore = stores.challenger_results
        _policy_versions: PolicyVersionStore = stores.policy_versions
        _monitoring: MonitoringStore = stores.monitoring
        _chat: ChatModel = FakeChat()
        _narrator: Narrator = FakeNarrator()
