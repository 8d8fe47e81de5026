"""The contract of each port, held against both of its implementations: the in-memory fake
the unit tests use (``tests/fakes.py``) and the SQL adapter production uses, on SQLite and
on PostgreSQL (the conftest's databases). Every assertion in :class:`PortContract` runs on
each: ``TestFakes::test_…`` and ``TestSql::test_…[sqlite|postgresql]``. A fake that passes
here behaves like the database as far as the services can tell, so the service tests
that run on the fakes (``tests/unit``) hold on the database too.

Covered: the recommendation repository (with the quota it spends), the tenant store, the
Idempotency-Key store, the service switch and token stores, the audit log (the same hash
chain, entry for entry), the batch store, the outcome store (with its join of outcomes and
stored applications), the challenger results (with the outcomes of their loans), the
monitoring store (a tenant's decisions of a period, with their outcomes; the dashboard's
rows), the policy-version store and the rate limiter.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy.exc import IntegrityError

from cde.adapters.db.audit import SqlAuditLog
from cde.adapters.db.batches import SqlBatches
from cde.adapters.db.challenger import SqlChallengerResults
from cde.adapters.db.engine import create_db_engine, migrate
from cde.adapters.db.idempotency import SqlIdempotency
from cde.adapters.db.monitoring import SqlMonitoring
from cde.adapters.db.outcomes import SqlOutcomes
from cde.adapters.db.policy_versions import SqlPolicyVersions
from cde.adapters.db.ratelimit import SqlRateLimiter
from cde.adapters.db.repository import SqlRecommendations, SqlServiceSettings, SqlTokenStore
from cde.adapters.db.tenants import SqlTenants
from cde.adapters.db.writer import DbWriter
from cde.domain.application import Kolektibilitas
from cde.domain.outcomes import Outcome
from cde.service.audit import GENESIS, AuditEntry, AuditLog, entry_hash, verify
from cde.service.batches import Batch, BatchStore, Item, ItemResult
from cde.service.challenger import ChallengerResult, ChallengerStore, PolicyId
from cde.service.idempotency import IdempotencyStore, Reservation
from cde.service.monitoring import MonitoringStore
from cde.service.outcomes import OutcomeStore
from cde.service.policy_versions import PolicyVersion, PolicyVersionStore
from cde.service.ports import (
    Caller,
    QuotaExhaustedError,
    RateLimiter,
    RecommendationRepository,
    ServiceSettings,
    StoredRecommendation,
    TokenStore,
)
from cde.service.tenants import Tenant, TenantError, TenantStore
from clocks import TEST_NOW
from fakes import (
    DEFAULT_TENANT_ID,
    FakeAuditLog,
    FakeBatches,
    FakeChallengerResults,
    FakeIdempotencyStore,
    FakeMonitoring,
    FakeOutcomes,
    FakePolicyVersions,
    FakeRateLimiter,
    FakeRecommendations,
    FakeServiceSettings,
    FakeTenants,
    FakeTokenStore,
)

T0 = TEST_NOW
CALLER = Caller("123", "Samehada", "Eksekutif", "127.0.0.1", "203.0.113.7")
# What a store refuses as a duplicate: the database's IntegrityError, the fake's ValueError.
DUPLICATE = (IntegrityError, ValueError)


@dataclass
class Ports:
    recommendations: RecommendationRepository
    tenants: TenantStore
    idempotency: IdempotencyStore
    settings: ServiceSettings
    tokens: TokenStore
    audit: AuditLog
    batches: BatchStore
    outcomes: OutcomeStore
    challenger: ChallengerStore
    monitoring: MonitoringStore
    policy_versions: PolicyVersionStore


MakeLimiter = Callable[[int, int, Callable[[], float]], RateLimiter]


def uid(n: int, kind: int = 0) -> str:
    """A 36-character, time-ordered id (the columns' width), the n-th of its kind."""
    return f"00000000-0000-7000-{8000 + kind:04d}-{n:012d}"


def record(
    n: int,
    *,
    tenant_id: str = DEFAULT_TENANT_ID,
    status: str = "success",
    at: datetime | None = None,
    loan_id: str = "L1",
    customer_id: str = "C1",
    caller: Caller = CALLER,
) -> StoredRecommendation:
    return StoredRecommendation(
        id=uid(n),
        created_at=at or T0 + timedelta(seconds=n),
        loan_id=loan_id,
        customer_id=customer_id,
        status=status,
        payload=orjson.dumps({"loan_id": loan_id}).decode(),
        result=None if status == "fail" else orjson.dumps({"n": n}).decode(),
        error="boom" if status == "fail" else None,
        lang="id",
        policy_name="default",
        policy_version="2025.1",
        engine_version="0.0.test",
        caller=caller,
        tenant_id=tenant_id,
    )


def tenant(n: int, name: str, quota: int | None = None) -> Tenant:
    return Tenant(uid(n, 1), name, True, quota, 0, T0, T0)


def audit_entry(n: int, tenant_id: str | None = DEFAULT_TENANT_ID) -> AuditEntry:
    return AuditEntry(
        at=T0 + timedelta(seconds=n),
        request_id=f"req-{n}",
        tenant_id=tenant_id,
        user_id="123",
        user_name="S*******",
        user_role="Eksekutif",
        claimed_ip="127.0.0.1",
        remote_addr="203.0.113.7",
        method="POST",
        route="/kocek/cde/credit-recommendation",
        status_code=200,
        outcome="accepted",
        record_id=uid(n),
        body_sha256="ab" * 32,
    )


class PortContract:
    """The assertions; the subclasses give the implementations (``ports``,
    ``make_limiter``)."""

    # --- the recommendation repository ------------------------------------------------------

    def test_a_record_reads_back_as_stored_within_its_tenant(self, ports: Ports) -> None:
        stored = record(1)
        ports.recommendations.add(stored, spend_quota=False)
        assert ports.recommendations.get(stored.id) == stored
        assert ports.recommendations.get(stored.id, DEFAULT_TENANT_ID) == stored
        assert ports.recommendations.get(stored.id, "another-tenant") is None
        assert ports.recommendations.get(uid(2)) is None
        failed = record(3, status="fail")
        ports.recommendations.add(failed, spend_quota=False)
        assert ports.recommendations.get(failed.id) == failed
        ports.recommendations.ping()

    def test_callers_headers_are_cut_to_their_columns(self, ports: Ports) -> None:
        long = Caller("u" * 300, "n" * 300, "r" * 300, "i" * 300, "a" * 300)
        ports.recommendations.add(record(1, caller=long), spend_quota=False)
        got = ports.recommendations.get(uid(1))
        assert got is not None
        assert got.caller == Caller("u" * 255, "n" * 255, "r" * 100, "i" * 100, "a" * 100)

    def test_adding_spends_the_tenants_quota_or_stores_nothing(self, ports: Ports) -> None:
        ports.tenants.create(tenant(1, "KSP", quota=2))
        tenant_id = uid(1, 1)
        ports.recommendations.add(record(1, tenant_id=tenant_id))
        ports.recommendations.add(record(2, tenant_id=tenant_id))
        with pytest.raises(QuotaExhaustedError):
            ports.recommendations.add(record(3, tenant_id=tenant_id))
        assert ports.recommendations.get(uid(3)) is None
        ports.recommendations.add(record(4, tenant_id=tenant_id), spend_quota=False)
        assert ports.recommendations.get(uid(4)) is not None
        after = ports.tenants.by_id(tenant_id)
        assert after is not None
        assert after.used_quota == 2
        with pytest.raises(QuotaExhaustedError):  # a tenant that does not exist has none
            ports.recommendations.add(record(5, tenant_id="nobody"))

    def test_a_submitted_record_and_its_audit_entry_are_one_write(self, ports: Ports) -> None:
        ports.tenants.create(tenant(1, "KSP", quota=1))
        tenant_id = uid(1, 1)
        first, second = record(1, tenant_id=tenant_id), record(2, tenant_id=tenant_id)
        ports.recommendations.submit(first, audit=audit_entry(1, tenant_id)).result(timeout=10)
        assert ports.recommendations.get(first.id) == first
        assert [s.entry for s in ports.audit.entries()] == [audit_entry(1, tenant_id)]
        # No quota left: neither the record nor its entry is written.
        refused = ports.recommendations.submit(second, audit=audit_entry(2, tenant_id))
        with pytest.raises(QuotaExhaustedError):
            refused.result(timeout=10)
        assert ports.recommendations.get(second.id) is None
        assert [s.entry.request_id for s in ports.audit.entries()] == ["req-1"]
        assert verify(ports.audit.entries(), ports.audit.head()).ok

    def test_submissions_at_once_spend_exactly_the_quota(self, ports: Ports) -> None:
        # Many records of several tenants queued at once (one group, or a few, for the SQL
        # writer): each tenant's quota accepts exactly as many as it has, in order.
        ports.tenants.create(tenant(1, "KSP A", quota=3))
        ports.tenants.create(tenant(2, "KSP B", quota=None))
        a, b = uid(1, 1), uid(2, 1)
        owners = [a if n % 2 else b for n in range(1, 21)]
        pending = [
            ports.recommendations.submit(record(n, tenant_id=owner), audit=audit_entry(n, owner))
            for n, owner in enumerate(owners, start=1)
        ]
        outcomes = []
        for future in pending:
            try:
                future.result(timeout=10)
                outcomes.append(True)
            except QuotaExhaustedError:
                outcomes.append(False)
        assert outcomes == [n in (1, 3, 5) or n % 2 == 0 for n in range(1, 21)]
        stored = {n for n in range(1, 21) if ports.recommendations.get(uid(n)) is not None}
        assert stored == {n for n, ok in enumerate(outcomes, start=1) if ok}
        used = ports.tenants.by_id(a)
        assert used is not None
        assert used.used_quota == 3
        audited = sorted(int(s.entry.request_id[4:]) for s in ports.audit.entries())
        assert audited == sorted(stored)
        assert verify(ports.audit.entries(), ports.audit.head()).ok

    def test_a_duplicate_id_is_refused(self, ports: Ports) -> None:
        ports.recommendations.add(record(1), spend_quota=False)
        with pytest.raises(DUPLICATE):
            ports.recommendations.add(dataclasses.replace(record(1), loan_id="other"))
        got = ports.recommendations.get(uid(1))
        assert got is not None
        assert got.loan_id == "L1"

    def test_list_is_newest_first_filtered_and_paged(self, ports: Ports) -> None:
        ports.tenants.create(tenant(1, "KSP"))
        for n in range(1, 8):
            ports.recommendations.add(
                record(
                    n,
                    loan_id=f"L{n % 2}",
                    customer_id=f"C{n % 3}",
                    status="fail" if n == 4 else "success",
                    tenant_id=uid(1, 1) if n == 7 else DEFAULT_TENANT_ID,
                ),
                spend_quota=False,
            )

        def listed(**query: Any) -> tuple[list[str], int]:
            values: dict[str, Any] = {
                "tenant_id": DEFAULT_TENANT_ID,
                "loan_id": None,
                "customer_id": None,
                "status": None,
                "offset": 0,
                "limit": 50,
                **query,
            }
            page = ports.recommendations.list(**values)
            return [i.id[-2:] for i in page.items], page.total

        assert listed() == (["06", "05", "04", "03", "02", "01"], 6)
        assert listed(tenant_id=None) == (["07", "06", "05", "04", "03", "02", "01"], 7)
        assert listed(loan_id="L1") == (["05", "03", "01"], 3)
        assert listed(customer_id="C0") == (["06", "03"], 2)
        assert listed(status="fail") == (["04"], 1)
        assert listed(loan_id="L0", customer_id="C1") == (["04"], 1)
        assert listed(offset=2, limit=3) == (["04", "03", "02"], 6)
        assert listed(offset=10) == ([], 6)
        assert listed(tenant_id="nobody") == ([], 0)
        page = ports.recommendations.list(
            tenant_id=None, loan_id=None, customer_id=None, status=None, offset=0, limit=1
        )
        (summary,) = page.items
        assert (summary.id, summary.status) == (uid(7), "success")
        assert summary.created_at == T0 + timedelta(seconds=7)

    def test_list_filters_on_the_decision_and_the_time_and_reads_the_decision(
        self, ports: Ports
    ) -> None:
        """The workspace's list: outcome and grade from the stored result, a creation-time
        range (from inclusive, to exclusive) and, when asked, each item's decision."""
        decided = [("approve", "A", 5_000_000), ("decline", "E", 0), ("approve", "B", 700)]
        for n, (outcome, grade, plafon) in enumerate(decided, 1):
            result = {
                "decision": {"outcome": outcome, "plafon": plafon},
                "assessment": {"grade": grade},
            }
            ports.recommendations.add(
                dataclasses.replace(record(n), result=orjson.dumps(result).decode()),
                spend_quota=False,
            )
        ports.recommendations.add(record(4, status="fail"), spend_quota=False)

        def listed(**query: Any) -> list[str]:
            values: dict[str, Any] = {
                "tenant_id": DEFAULT_TENANT_ID,
                "loan_id": None,
                "customer_id": None,
                "status": None,
                "offset": 0,
                "limit": 50,
                **query,
            }
            return [i.id[-2:] for i in ports.recommendations.list(**values).items]

        assert listed(outcome="approve") == ["03", "01"]
        assert listed(outcome="decline") == ["02"]
        assert listed(grade="B") == ["03"]
        assert listed(outcome="approve", grade="E") == []
        assert listed(outcome="decline", tenant_id="another") == []
        at = T0 + timedelta(seconds=2)
        assert listed(created_from=at) == ["04", "03", "02"]
        assert listed(created_to=at) == ["01"]
        assert listed(created_from=at, created_to=at + timedelta(seconds=1)) == ["02"]
        page = ports.recommendations.list(
            tenant_id=DEFAULT_TENANT_ID,
            loan_id=None,
            customer_id=None,
            status=None,
            offset=0,
            limit=10,
            with_decision=True,
        )
        assert [(i.outcome, i.grade, i.plafon) for i in page.items] == [
            (None, None, None),
            ("approve", "B", 700),
            ("decline", "E", 0),
            ("approve", "A", 5_000_000),
        ]
        plain = ports.recommendations.list(
            tenant_id=DEFAULT_TENANT_ID,
            loan_id=None,
            customer_id=None,
            status=None,
            offset=0,
            limit=10,
        )
        assert {(i.outcome, i.grade, i.plafon) for i in plain.items} == {(None, None, None)}

    def test_finish_moves_only_a_processing_record(self, ports: Ports) -> None:
        ports.recommendations.add(record(1, status="processing"), spend_quota=False)
        ports.recommendations.add(record(2), spend_quota=False)
        assert ports.recommendations.finish(uid(1), '{"final": true}')
        done = ports.recommendations.get(uid(1))
        assert done is not None
        assert (done.status, done.result) == ("success", '{"final": true}')
        assert not ports.recommendations.finish(uid(1), '{"again": true}')
        assert not ports.recommendations.finish(uid(2), '{"again": true}')
        assert not ports.recommendations.finish(uid(3), "{}")
        again = ports.recommendations.get(uid(1))
        assert again is not None
        assert again.result == '{"final": true}'

    def test_processing_before_is_oldest_first_up_to_the_limit(self, ports: Ports) -> None:
        for n, at in ((1, 30), (2, 10), (3, 20), (4, 40)):
            ports.recommendations.add(
                record(n, status="processing", at=T0 + timedelta(seconds=at)), spend_quota=False
            )
        ports.recommendations.add(record(5, at=T0), spend_quota=False)  # not processing
        cut = T0 + timedelta(seconds=40)
        assert ports.recommendations.processing_before(cut, 10) == (uid(2), uid(3), uid(1))
        assert ports.recommendations.processing_before(cut, 2) == (uid(2), uid(3))
        assert ports.recommendations.processing_before(T0, 10) == ()

    def test_purge_deletes_what_was_created_before(self, ports: Ports) -> None:
        for n in (1, 2, 3):
            ports.recommendations.add(record(n), spend_quota=False)
        assert ports.recommendations.purge(T0 + timedelta(seconds=2)) == 1
        assert ports.recommendations.get(uid(1)) is None
        assert ports.recommendations.get(uid(2)) is not None
        assert ports.recommendations.purge(T0) == 0

    # --- the tenant store -----------------------------------------------------------------

    def test_a_tenant_reads_back_by_id_and_by_name(self, ports: Ports) -> None:
        made = tenant(1, "KSP Maju", quota=10)
        ports.tenants.create(made)
        assert ports.tenants.by_id(made.id) == made
        assert ports.tenants.by_name("KSP Maju") == made
        assert ports.tenants.by_name("ksp maju") is None
        assert ports.tenants.by_id(uid(2, 1)) is None
        default = ports.tenants.by_id(DEFAULT_TENANT_ID)
        assert default is not None  # the migrations' default tenant
        assert (default.name, default.active, default.total_quota) == ("default", True, None)

    def test_a_duplicate_tenant_is_refused(self, ports: Ports) -> None:
        ports.tenants.create(tenant(1, "KSP"))
        with pytest.raises(TenantError, match="exists already"):
            ports.tenants.create(tenant(2, "KSP"))
        with pytest.raises(TenantError, match="exists already"):
            ports.tenants.create(tenant(1, "Another"))
        assert ports.tenants.by_id(uid(2, 1)) is None

    def test_all_tenants_by_name(self, ports: Ports) -> None:
        for n, name in enumerate(("zeta", "alpha", "midway"), 1):
            ports.tenants.create(tenant(n, name))
        assert [t.name for t in ports.tenants.all()] == ["alpha", "default", "midway", "zeta"]

    def test_switching_and_setting_the_quota(self, ports: Ports) -> None:
        made = tenant(1, "KSP", quota=3)
        ports.tenants.create(made)
        later = T0 + timedelta(hours=1)
        ports.tenants.set_active(made.id, False, later)
        assert ports.tenants.spend(made.id)  # switched off or not, the store spends
        off = ports.tenants.by_id(made.id)
        assert off is not None
        assert (off.active, off.updated_at, off.created_at, off.used_quota) == (
            False,
            later,
            T0,
            1,
        )
        ports.tenants.set_quota(made.id, 10, False, later + timedelta(seconds=1))
        kept = ports.tenants.by_id(made.id)
        assert kept is not None
        assert (kept.total_quota, kept.used_quota) == (10, 1)
        ports.tenants.set_quota(made.id, None, True, later + timedelta(seconds=2))
        reset = ports.tenants.by_id(made.id)
        assert reset is not None
        assert (reset.total_quota, reset.used_quota, reset.updated_at) == (
            None,
            0,
            later + timedelta(seconds=2),
        )
        ports.tenants.set_active("nobody", True, later)  # nothing to change, no error
        ports.tenants.set_quota("nobody", 1, True, later)

    def test_spending_and_refunding(self, ports: Ports) -> None:
        ports.tenants.create(tenant(1, "KSP", quota=2))
        tenant_id = uid(1, 1)
        assert [ports.tenants.spend(tenant_id) for _ in range(3)] == [True, True, False]
        ports.tenants.refund(tenant_id)
        assert ports.tenants.spend(tenant_id)
        assert not ports.tenants.spend("nobody")
        ports.tenants.create(tenant(2, "Zero", quota=0))
        assert not ports.tenants.spend(uid(2, 1))
        ports.tenants.refund(uid(2, 1))  # never below zero
        zero = ports.tenants.by_id(uid(2, 1))
        assert zero is not None
        assert zero.used_quota == 0
        assert all(ports.tenants.spend(DEFAULT_TENANT_ID) for _ in range(5))  # unlimited

    def test_keys_resolve_to_their_tenant_until_revoked(self, ports: Ports) -> None:
        one, two = tenant(1, "One"), tenant(2, "Two")
        ports.tenants.create(one)
        ports.tenants.create(two)
        ports.tenants.add_key(uid(1, 2), one.id, "a" * 64, "cdek_aaaa", False, T0)
        ports.tenants.add_key(uid(2, 2), one.id, "b" * 64, "cdek_bbbb", False, T0)
        ports.tenants.add_key(uid(3, 2), two.id, "c" * 64, "cdek_cccc", False, T0)
        assert ports.tenants.tenant_for_key("a" * 64) == one
        assert ports.tenants.tenant_for_key("c" * 64) == two
        assert ports.tenants.tenant_for_key("d" * 64) is None
        assert ports.tenants.active_key_counts() == {one.id: 2, two.id: 1}

        ports.tenants.add_key(uid(4, 2), one.id, "e" * 64, "cdek_eeee", True, T0)
        assert ports.tenants.tenant_for_key("a" * 64) is None
        assert ports.tenants.tenant_for_key("b" * 64) is None
        assert ports.tenants.tenant_for_key("e" * 64) == one
        assert ports.tenants.tenant_for_key("c" * 64) == two  # another tenant's stay
        assert ports.tenants.active_key_counts() == {one.id: 1, two.id: 1}

        with pytest.raises(DUPLICATE):
            ports.tenants.add_key(uid(5, 2), two.id, "e" * 64, "cdek_eeee", False, T0)
        with pytest.raises(DUPLICATE):
            ports.tenants.add_key(uid(6, 2), "nobody", "f" * 64, "cdek_ffff", False, T0)

    # --- Idempotency-Key reservations -------------------------------------------------------

    def test_a_reservation_is_made_once_and_read_back(self, ports: Ports) -> None:
        store = ports.idempotency
        assert store.reserve("t1", "key", "a" * 64, uid(1), T0) is None
        again = store.reserve("t1", "key", "b" * 64, uid(2), T0 + timedelta(seconds=1))
        assert again == Reservation("a" * 64, uid(1), T0)
        assert store.reserve("t2", "key", "b" * 64, uid(3), T0) is None  # another tenant's

    def test_a_reservation_is_taken_over_once_and_released_by_its_record(
        self, ports: Ports
    ) -> None:
        store = ports.idempotency
        store.reserve("t1", "key", "a" * 64, uid(1), T0)
        later = T0 + timedelta(minutes=2)
        assert not store.take_over("t1", "key", T0 + timedelta(seconds=1), later)
        assert store.take_over("t1", "key", T0, later)
        assert not store.take_over("t1", "key", T0, later)  # someone did first
        assert not store.take_over("t1", "other", T0, later)
        assert store.reserve("t1", "key", "a" * 64, uid(2), later) == Reservation(
            "a" * 64, uid(1), later
        )
        store.release("t1", "key", uid(2))  # not its record: kept
        assert store.reserve("t1", "key", "a" * 64, uid(2), later) is not None
        store.release("t1", "key", uid(1))
        assert store.reserve("t1", "key", "b" * 64, uid(3), later) is None

    # --- the service switch and the generated tokens ----------------------------------------

    def test_flags_read_back_as_set(self, ports: Ports) -> None:
        assert ports.settings.get_flag("service_enabled") is None
        ports.settings.set_flag("service_enabled", False, T0)
        assert ports.settings.get_flag("service_enabled") is False
        ports.settings.set_flag("service_enabled", True, T0 + timedelta(seconds=1))
        assert ports.settings.get_flag("service_enabled") is True
        assert ports.settings.get_flag("another") is None

    def test_tokens_are_kept_as_digests_once(self, ports: Ports) -> None:
        assert ports.tokens.token_hashes() == frozenset()
        ports.tokens.add_token(uid(1, 3), "a" * 64, "first", T0)
        ports.tokens.add_token(uid(2, 3), "b" * 64, "second", T0)
        assert ports.tokens.token_hashes() == {"a" * 64, "b" * 64}
        with pytest.raises(DUPLICATE):
            ports.tokens.add_token(uid(3, 3), "a" * 64, "again", T0)

    # --- the audit log -------------------------------------------------------------------

    def test_the_audit_log_chains_entries_the_same_way(self, ports: Ports) -> None:
        audit = ports.audit
        assert audit.head() == GENESIS
        assert list(audit.entries()) == []
        entries = [audit_entry(n) for n in (1, 2, 3)]
        audit.append(entries[0])
        audit.submit(entries[1]).result(timeout=10)
        audit.append(entries[2])
        stored = list(audit.entries())
        assert [s.seq for s in stored] == [1, 2, 3]
        assert [s.entry for s in stored] == entries
        prev = GENESIS
        for s in stored:  # the chain is fixed by the entries alone: fake and SQL agree
            assert (s.prev_hash, s.hash) == (prev, entry_hash(prev, s.entry))
            prev = s.hash
        assert audit.head() == prev
        assert verify(audit.entries(), audit.head()).ok
        assert [s.seq for s in audit.entries(T0 + timedelta(seconds=2))] == [2, 3]

    # --- the batch store -----------------------------------------------------------------

    def test_a_batch_moves_its_items_once_and_spends_quota(self, ports: Ports) -> None:
        ports.tenants.create(tenant(1, "KSP", quota=1))
        tenant_id = uid(1, 1)
        batch = Batch(uid(1, 4), tenant_id, T0, date(2026, 11, 23), "id", 4, CALLER)
        items = [
            Item(1, '{"loan_id": "L1"}', "L1", "C1"),
            Item(2, '{"loan_id": "L2"}', "L2", "C2"),
            Item(3, "{oops", None, None, "invalid JSON: oops"),
            Item(4, '{"loan_id": "L4"}', "L4", "C4"),
        ]
        store = ports.batches
        store.create(batch, items)
        assert store.get(batch.id, None) == batch
        assert store.get(batch.id, tenant_id) == batch
        assert store.get(batch.id, "another-tenant") is None
        assert store.get(uid(2, 4), None) is None
        assert [i.seq for i in store.pending(batch.id, 2, 3)] == [2, 3]
        assert store.pending(batch.id, 3, 3) == [items[2]]
        progress = store.progress(batch)
        assert (progress.pending, progress.done, progress.failed) == (4, 0, 0)

        def done(seq: int, n: int) -> ItemResult:
            stored = record(n, tenant_id=tenant_id, loan_id=f"L{seq}", customer_id=f"C{seq}")
            return ItemResult(seq, "done", stored, "approve", "B", 1_000_000 * seq)

        first_error = '{"message":"invalid JSON: oops"}'
        results = [done(1, 11), done(2, 12), ItemResult(3, "failed", error=first_error)]
        store.complete(batch, results, T0 + timedelta(seconds=5))
        store.complete(batch, results, T0 + timedelta(seconds=6))  # a job that ran twice
        assert [i.seq for i in store.pending(batch.id, 1, 4)] == [4]
        assert not store.finish_if_complete(batch.id, T0 + timedelta(seconds=7))
        progress = store.progress(batch)
        assert (progress.pending, progress.done, progress.failed) == (1, 1, 2)
        assert (progress.outcomes, progress.grades, progress.total_plafon) == (
            {"approve": 1},
            {"B": 1},
            1_000_000,
        )
        assert ports.recommendations.get(uid(11)) is not None
        assert ports.recommendations.get(uid(12)) is None  # no quota left for it
        spent = ports.tenants.by_id(tenant_id)
        assert spent is not None
        assert spent.used_quota == 1

        store.complete(batch, [ItemResult(4, "failed", error='{"message":"x"}')], T0)
        finished_at = T0 + timedelta(seconds=8)
        assert store.finish_if_complete(batch.id, finished_at)
        assert not store.finish_if_complete(batch.id, finished_at)
        finished = store.get(batch.id, None)
        assert finished is not None
        assert finished.finished_at == finished_at
        lines = [orjson.loads(line) for line in store.results(batch)]
        assert [(line["seq"], line["loan_id"], line["customer_id"]) for line in lines] == [
            (1, "L1", "C1"),
            (2, "L2", "C2"),
            (3, None, None),
            (4, "L4", "C4"),
        ]
        assert [line["status"] for line in lines] == ["done", "failed", "failed", "failed"]
        assert (lines[0]["id"], lines[0]["result"]) == (uid(11), {"n": 11})
        assert [line.get("error") for line in lines] == [
            None,
            {"message": "quota exhausted"},
            {"message": "invalid JSON: oops"},
            {"message": "x"},
        ]
        assert [("id" in line, "result" in line) for line in lines[1:]] == [(False, False)] * 3

    def test_unfinished_batches_are_found_and_touched(self, ports: Ports) -> None:
        store = ports.batches

        def make(n: int, total: int) -> Batch:
            batch = Batch(uid(n, 4), DEFAULT_TENANT_ID, T0, date(2026, 11, 23), "id", total, CALLER)
            store.create(batch, [Item(s, "{}", None, None) for s in range(1, total + 1)])
            return batch

        stalled, done, empty = make(1, 5), make(2, 1), make(3, 2)
        store.complete(stalled, [ItemResult(1, "failed", error="{}")], T0)
        store.complete(done, [ItemResult(1, "failed", error="{}")], T0)
        store.finish_if_complete(done.id, T0)
        store.complete(empty, [ItemResult(s, "failed", error="{}") for s in (1, 2)], T0)
        cut = T0 + timedelta(minutes=1)
        found = sorted(store.unfinished(cut, cut))
        assert found == [(stalled.id, 2, 5)]  # the one without pending items is only touched
        assert store.unfinished(cut, cut) == []  # touched at the cut: not older than it
        later = cut + timedelta(seconds=1)
        assert sorted(store.unfinished(later, later)) == [(stalled.id, 2, 5)]

    # --- the outcome store ------------------------------------------------------------------

    def test_outcomes_are_stored_replaced_with_history_and_listed_per_tenant(
        self, ports: Ports
    ) -> None:
        store = ports.outcomes
        other = tenant(1, "KSP Lain")
        ports.tenants.create(other)
        bob = Caller("456", "Bob" * 100, "Analis", "10.0.0.1", "203.0.113.9")
        t1, t2 = T0 + timedelta(days=1), T0 + timedelta(days=2)
        first = [
            Outcome("L2", False, Kolektibilitas.DPK, date(2026, 10, 31), date(2025, 10, 1)),
            Outcome("L1", True),
            Outcome("L2", False, Kolektibilitas.DPK, date(2026, 10, 31), date(2025, 10, 1)),
        ]
        assert store.save(DEFAULT_TENANT_ID, first, CALLER, T0).statuses == [
            "new",
            "new",
            "unchanged",
        ]
        assert store.save(other.id, [Outcome("L1", False)], CALLER, T0).statuses == ["new"]
        second = [Outcome("L2", True, Kolektibilitas.MACET), Outcome("L3", False)]
        assert store.save(DEFAULT_TENANT_ID, second, bob, t1).statuses == ["replaced", "new"]
        third = [Outcome("L2", True, Kolektibilitas.DIRAGUKAN, date(2026, 11, 30))]
        assert store.save(DEFAULT_TENANT_ID, third, CALLER, t2).statuses == ["replaced"]

        l2 = store.get(DEFAULT_TENANT_ID, "L2")
        assert l2 is not None
        assert (l2.bad, l2.kolektibilitas, l2.observed_at, l2.applied_at) == (
            True,
            4,
            date(2026, 11, 30),
            None,
        )
        assert (l2.received_at, l2.updated_at, l2.revision, l2.caller) == (T0, t2, 3, CALLER)
        assert store.get(DEFAULT_TENANT_ID, "L9") is None
        assert store.get(other.id, "L2") is None

        history = store.history(DEFAULT_TENANT_ID, ["L1", "L2", "L3"])
        assert [(h.loan_id, h.revision, h.bad, h.kolektibilitas) for h in history] == [
            ("L2", 1, False, 2),
            ("L2", 2, True, 5),
        ]
        assert (history[0].observed_at, history[0].applied_at) == (
            date(2026, 10, 31),
            date(2025, 10, 1),
        )
        assert (history[0].recorded_at, history[0].replaced_at) == (T0, t1)
        assert history[0].recorded_by == Caller("123", "Samehada", "Eksekutif")
        assert history[0].replaced_by == Caller(
            "456", ("Bob" * 100)[:255], "Analis", None, "203.0.113.9"
        )
        assert (history[1].recorded_at, history[1].replaced_at) == (t1, t2)
        assert history[1].recorded_by.user_name == ("Bob" * 100)[:255]
        assert store.history(other.id, ["L1", "L2"]) == []

        page = store.list(DEFAULT_TENANT_ID, loan_id=None, offset=1, limit=1)
        assert (page.total, [o.loan_id for o in page.items]) == (3, ["L2"])
        page = store.list(DEFAULT_TENANT_ID, loan_id=None, offset=0, limit=10)
        assert [o.loan_id for o in page.items] == ["L1", "L2", "L3"]
        only = store.list(other.id, loan_id="L1", offset=0, limit=10)
        assert (only.total, [(o.tenant_id, o.bad) for o in only.items]) == (1, [(other.id, False)])
        assert store.list(other.id, loan_id="L2", offset=0, limit=10).total == 0

        twice = [Outcome("L4", False), Outcome("L4", True, observed_at=date(2026, 12, 1))]
        assert store.save(other.id, twice, bob, t2).statuses == ["new", "replaced"]
        l4 = store.get(other.id, "L4")
        assert l4 is not None
        assert (l4.bad, l4.revision, l4.received_at, l4.observed_at) == (
            True,
            2,
            t2,
            date(2026, 12, 1),
        )
        [earlier] = store.history(other.id, ["L4"])
        assert (earlier.revision, earlier.bad, earlier.recorded_at, earlier.replaced_at) == (
            1,
            False,
            t2,
            t2,
        )

    def test_known_loans_are_those_of_the_tenants_recommendations(self, ports: Ports) -> None:
        ports.recommendations.add(record(1, loan_id="L1"), spend_quota=False)
        ports.recommendations.add(record(2, loan_id="L1"), spend_quota=False)
        ports.recommendations.add(record(3, loan_id="L2", tenant_id="x"), spend_quota=False)
        ids = [f"L{n}" for n in range(1, 1200)]  # more than one IN (...) at a time
        assert ports.outcomes.known_loans(DEFAULT_TENANT_ID, ids) == {"L1"}
        assert ports.outcomes.known_loans("x", ["L1", "L2"]) == {"L2"}
        assert ports.outcomes.known_loans(DEFAULT_TENANT_ID, []) == set()

    def test_outcomes_are_joined_with_the_latest_answered_application_of_their_tenant(
        self, ports: Ports
    ) -> None:
        add = ports.recommendations.add
        late = T0 + timedelta(hours=1)
        # L1: the record created last wins, although its id is the smaller one
        add(record(1, loan_id="L1", at=late), spend_quota=False)
        add(record(2, loan_id="L1", at=T0), spend_quota=False)
        # L2: the same creation time: the greater id wins; a later failed record is no
        # application the engine read; another tenant's later record is not this tenant's
        add(record(3, loan_id="L2", at=T0), spend_quota=False)
        add(record(4, loan_id="L2", at=T0, status="processing"), spend_quota=False)
        add(record(5, loan_id="L2", at=late, status="fail"), spend_quota=False)
        add(record(6, loan_id="L2", at=late, tenant_id="x"), spend_quota=False)
        # L3: only another tenant's record; L4: only a failed one; L5, L6: no outcome
        add(record(7, loan_id="L3", tenant_id="x"), spend_quota=False)
        add(record(8, loan_id="L4", status="fail"), spend_quota=False)
        add(record(9, loan_id="L5"), spend_quota=False)
        add(record(10, loan_id="L5"), spend_quota=False)
        add(record(11, loan_id="L6"), spend_quota=False)
        add(record(12, loan_id="L7", tenant_id="x"), spend_quota=False)
        mine = [
            Outcome("L4", True, Kolektibilitas.MACET),
            Outcome("L1", False, applied_at=date(2025, 3, 1)),
            Outcome("L3", False),
            Outcome("L2", True, Kolektibilitas.KURANG_LANCAR, date(2026, 1, 31)),
        ]
        ports.outcomes.save(DEFAULT_TENANT_ID, mine, CALLER, T0)
        ports.outcomes.save("x", [Outcome("L1", True), Outcome("L7", True)], CALLER, T0)

        for page_size in (1, 2, 3, 1000):  # pages that end on, before and past the last
            rows = list(ports.outcomes.joined(DEFAULT_TENANT_ID, page_size=page_size))
            assert [(j.loan_id, j.record_id) for j in rows] == [
                ("L1", uid(1)),
                ("L2", uid(4)),
                ("L3", None),
                ("L4", None),
            ]
        l1, l2, l3, l4 = rows
        assert (l1.bad, l1.kolektibilitas, l1.applied_at) == (False, None, date(2025, 3, 1))
        assert (l1.record_created_at, l1.record_payload) == (late, record(1).payload)
        assert (l2.bad, l2.kolektibilitas, l2.applied_at) == (True, 3, None)
        assert (l2.record_created_at, l2.record_payload) == (T0, '{"loan_id":"L2"}')
        assert (l3.record_created_at, l3.record_payload) == (None, None)
        assert (l4.bad, l4.kolektibilitas, l4.record_payload) == (True, 5, None)

        [l1x, l7x] = ports.outcomes.joined("x", page_size=1)
        assert [(j.loan_id, j.bad, j.record_id) for j in (l1x, l7x)] == [
            ("L1", True, None),
            ("L7", True, uid(12)),
        ]
        assert list(ports.outcomes.joined("nobody")) == []
        # L5 and L6 (L5 twice, counted once); not L4, whose only record failed
        assert ports.outcomes.applications_without_outcome(DEFAULT_TENANT_ID) == 2
        assert ports.outcomes.applications_without_outcome("x") == 2  # L2, L3
        assert ports.outcomes.applications_without_outcome("nobody") == 0

    # --- the challenger results ------------------------------------------------------------

    def test_challenger_results_are_stored_once_and_read_by_tenant_and_period(
        self, ports: Ports
    ) -> None:
        champion = PolicyId("cde-default", "2026.11.1")
        challenger = PolicyId("cde-strict", "2026.12.1", "kop-card", "3")

        def result(
            n: int, loan_id: str, at: datetime, tenant_id: str = DEFAULT_TENANT_ID
        ) -> ChallengerResult:
            decision = {
                "outcome": "approve",
                "plafon": 5_000_000 + n,
                "score": 70,
                "grade": "B",
                "pd": None,
                "band": None,
                "reasons": ["APPROVE_CLEAN"],
                "knockouts": [],
            }
            strict = {**decision, "outcome": "decline", "plafon": 0, "pd": 0.0731, "band": "C"}
            return ChallengerResult(
                recommendation_id=uid(n),
                tenant_id=tenant_id,
                loan_id=loan_id,
                decided_at=at,
                created_at=at + timedelta(seconds=5),
                champion_policy=champion,
                challenger_policy=challenger,
                champion=decision,
                challenger=strict,
            )

        store = ports.challenger
        r1 = result(1, "L1", T0 + timedelta(hours=1))
        r2 = result(2, "L2", T0)
        r3 = result(3, "L1", T0, tenant_id="x")
        r4 = dataclasses.replace(
            result(4, "L3", T0 + timedelta(days=2)), challenger=None, error="ValueError: boom"
        )
        r5 = result(5, "L4", T0 - timedelta(seconds=1))
        assert [store.add(r) for r in (r1, r2, r3, r4, r5)] == [True] * 5
        assert store.add(dataclasses.replace(r1, loan_id="other")) is False  # once per record
        ports.outcomes.save(
            DEFAULT_TENANT_ID, [Outcome("L1", True), Outcome("L3", False)], CALLER, T0
        )
        ports.outcomes.save("x", [Outcome("L2", True)], CALLER, T0)

        day = store.between(DEFAULT_TENANT_ID, T0, T0 + timedelta(days=1))
        assert [(s.result, s.bad) for s in day] == [(r2, None), (r1, True)]  # by decided_at
        every = store.between(DEFAULT_TENANT_ID, None, None)
        assert [(s.result, s.bad) for s in every] == [
            (r5, None),
            (r2, None),
            (r1, True),
            (r4, False),
        ]
        assert [(s.result, s.bad) for s in store.between("x", None, None)] == [(r3, None)]
        assert store.between("nobody", None, None) == []
        later = store.between(DEFAULT_TENANT_ID, T0 + timedelta(days=1), None)
        assert [s.result for s in later] == [r4]
        assert store.purge(T0) == 1  # r5
        assert [s.result for s in store.between(DEFAULT_TENANT_ID, None, None)] == [r2, r1, r4]
        assert [s.result for s in store.between("x", None, None)] == [r3]

    # --- the monitoring store --------------------------------------------------------------

    def test_monitoring_reads_the_tenants_answered_decisions_of_a_period_with_outcomes(
        self, ports: Ports
    ) -> None:
        def at(hours: int) -> datetime:
            return T0 + timedelta(hours=hours)

        add = ports.recommendations.add
        add(record(1, loan_id="L1", at=at(0)), spend_quota=False)  # at the start: in
        add(record(3, loan_id="L1", at=at(5)), spend_quota=False)  # same instant as 2: by id
        add(record(2, loan_id="L2", at=at(5)), spend_quota=False)
        add(record(4, loan_id="L3", at=at(6), status="processing"), spend_quota=False)
        add(record(5, loan_id="L4", at=at(7), status="fail"), spend_quota=False)  # failed
        add(record(6, loan_id="L1", at=at(8), tenant_id="x"), spend_quota=False)  # not ours
        add(record(7, loan_id="L5", at=at(10)), spend_quota=False)  # at the end: out
        add(record(8, loan_id="L6", at=at(-1)), spend_quota=False)  # before the start
        lancar = Kolektibilitas.LANCAR
        ports.outcomes.save(
            DEFAULT_TENANT_ID, [Outcome("L1", True), Outcome("L3", False, lancar)], CALLER, T0
        )
        ports.outcomes.save("x", [Outcome("L2", True)], CALLER, T0)  # another tenant's L2

        decisions = ports.monitoring.decisions
        for page_size in (1, 2, 3, 1000):  # pages that end on, before and past the last
            rows = list(decisions(DEFAULT_TENANT_ID, at(0), at(10), page_size=page_size))
            assert [(r.record_id, r.loan_id, r.bad, r.kolektibilitas) for r in rows] == [
                (uid(1), "L1", True, None),
                (uid(2), "L2", None, None),
                (uid(3), "L1", True, None),
                (uid(4), "L3", False, 1),
            ]
        first = rows[0]
        assert (first.created_at, first.payload, first.result) == (
            at(0),
            record(1).payload,
            record(1).result,
        )
        assert [r.record_id for r in decisions(DEFAULT_TENANT_ID, None, None)] == [
            uid(n) for n in (8, 1, 2, 3, 4, 7)
        ]
        assert [r.record_id for r in decisions(DEFAULT_TENANT_ID, at(6), None)] == [
            uid(4),
            uid(7),
        ]
        assert [(r.record_id, r.bad) for r in decisions("x", None, at(9))] == [(uid(6), None)]
        assert list(decisions("nobody", None, None)) == []
        with pytest.raises(ValueError, match="page_size"):
            list(decisions(DEFAULT_TENANT_ID, None, None, page_size=0))

    def test_dashboard_rows_are_the_tenants_records_of_a_period_reduced_to_their_decision(
        self, ports: Ports
    ) -> None:
        def at(hours: int) -> datetime:
            return T0 + timedelta(hours=hours)

        def decided(n: int, outcome: str, grade: str, score: int, plafon: int, **kw: Any) -> None:
            text = orjson.dumps(
                {
                    "decision": {"outcome": outcome, "plafon": plafon},
                    "assessment": {"score": score, "grade": grade},
                }
            ).decode()
            ports.recommendations.add(
                dataclasses.replace(record(n, **kw), result=text), spend_quota=False
            )

        add = ports.recommendations.add
        decided(1, "approve", "A", 85, 10_000_000, loan_id="L1", at=at(0))  # the start: in
        decided(3, "decline", "E", 20, 0, loan_id="L1", at=at(5))  # same instant as 2: by id
        decided(2, "approve_with_conditions", "B", 70, 5_000_000, loan_id="L2", at=at(5))
        decided(4, "decline", "D", 40, 0, loan_id="L3", at=at(6), status="processing")
        add(record(5, loan_id="L4", at=at(7), status="fail"), spend_quota=False)  # failed: in
        add(record(6, loan_id="L5", at=at(7)), spend_quota=False)  # a result without decision
        decided(7, "approve", "A", 90, 1, loan_id="L1", at=at(8), tenant_id="x")  # not ours
        decided(8, "approve", "A", 90, 1, loan_id="L6", at=at(10))  # at the end: out
        decided(9, "approve", "A", 90, 1, loan_id="L7", at=at(-1))  # before the start
        lancar, macet = Kolektibilitas.LANCAR, Kolektibilitas.MACET
        ports.outcomes.save(
            DEFAULT_TENANT_ID,
            [Outcome("L1", True, macet), Outcome("L3", False, lancar), Outcome("L4", True)],
            CALLER,
            T0,
        )
        ports.outcomes.save("x", [Outcome("L2", True)], CALLER, T0)  # another tenant's L2

        rows_of = ports.monitoring.dashboard_rows
        for page_size in (1, 2, 3, 1000):  # pages that end on, before and past the last
            rows = list(rows_of(DEFAULT_TENANT_ID, at(0), at(10), page_size=page_size))
            assert [
                (
                    r.created_at,
                    r.loan_id,
                    r.status,
                    r.outcome,
                    r.grade,
                    r.score,
                    r.plafon,
                    r.bad,
                    r.kolektibilitas,
                )
                for r in rows
            ] == [
                (at(0), "L1", "success", "approve", "A", 85, 10_000_000, True, 5),
                (at(5), "L2", "success", "approve_with_conditions", "B", 70, 5_000_000, None, None),
                (at(5), "L1", "success", "decline", "E", 20, 0, True, 5),
                (at(6), "L3", "processing", "decline", "D", 40, 0, False, 1),
                (at(7), "L4", "fail", None, None, None, None, None, None),  # never joined
                (at(7), "L5", "success", None, None, None, None, None, None),
            ]
        assert [r.loan_id for r in rows_of(DEFAULT_TENANT_ID, None, None)] == [
            "L7",
            "L1",
            "L2",
            "L1",
            "L3",
            "L4",
            "L5",
            "L6",
        ]
        assert [r.loan_id for r in rows_of(DEFAULT_TENANT_ID, at(7), None)] == ["L4", "L5", "L6"]
        assert [(r.loan_id, r.bad, r.grade) for r in rows_of("x", None, at(9))] == [
            ("L1", None, "A")
        ]
        assert list(rows_of("nobody", None, None)) == []
        with pytest.raises(ValueError, match="page_size"):
            list(rows_of(DEFAULT_TENANT_ID, None, None, page_size=0))

    # --- the policy-version store -----------------------------------------------------------

    def test_policy_versions_store_one_active_per_tenant_guarded_by_status(
        self, ports: Ports
    ) -> None:
        store = ports.policy_versions

        def draft(n: int, tenant_id: str = DEFAULT_TENANT_ID, version: str = "") -> PolicyVersion:
            return PolicyVersion(
                id=uid(n, 7),
                tenant_id=tenant_id,
                name="kebijakan",
                version=version or f"2026.{n}",
                format="toml",
                text=f'name = "kebijakan"\nversion = "2026.{n}"\n',
                sha256="cd" * 32,
                status="draft",
                created_by="maker",
                created_at=T0 + timedelta(seconds=n),
            )

        one, two, other = draft(1), draft(2), draft(3, tenant_id="x", version="2026.1")
        assert [store.add(v) for v in (one, two, other)] == [True, True, True]
        assert store.add(draft(4, version="2026.1")) is False  # same tenant, name, version
        assert store.get(one.id) == one
        assert store.get(uid(9, 7)) is None
        assert [v.id for v in store.of_tenant(DEFAULT_TENANT_ID)] == [one.id, two.id]
        assert store.of_tenant("nobody") == []
        assert store.active_id(DEFAULT_TENANT_ID) is None

        approved = dataclasses.replace(
            one,
            status="approved",
            approved_by="checker",
            approved_role="Manajer",
            approved_at=T0 + timedelta(minutes=1),
            backtest='{"book": {}}',
            backtest_sha256="ef" * 32,
            backtest_by="maker",
            backtest_at=T0,
        )
        assert store.update([(approved, "draft")]) is True
        assert store.update([(approved, "draft")]) is False  # no longer a draft
        assert store.get(one.id) == approved
        active = dataclasses.replace(
            approved, status="active", activated_by="ops", activated_at=T0 + timedelta(minutes=2)
        )
        assert store.update([(active, "approved")]) is True
        assert store.active_id(DEFAULT_TENANT_ID) == one.id
        assert store.active_id("x") is None
        # a second active version of the tenant is refused, and nothing of the step is kept
        second = dataclasses.replace(two, status="active")
        assert store.update([(second, "draft")]) is False
        assert store.get(two.id) == two
        # a step whose second change is stale changes nothing
        retired = dataclasses.replace(active, status="retired", retired_by="ops", retired_at=T0)
        assert store.update([(retired, "active"), (second, "approved")]) is False
        assert store.get(one.id) == active
        # retire and activate in one step
        swapped = dataclasses.replace(second, previous_id=one.id)
        assert store.update([(retired, "active"), (swapped, "draft")]) is True
        assert store.active_id(DEFAULT_TENANT_ID) == two.id
        assert store.get(one.id) == retired
        assert store.get(two.id) == swapped
        # the identity and the text never change through ``update``
        renamed = dataclasses.replace(swapped, text="changed", name="other", status="retired")
        assert store.update([(renamed, "active")]) is True
        kept = store.get(two.id)
        assert kept is not None
        assert (kept.text, kept.name, kept.status) == (two.text, two.name, "retired")

    # --- the rate limiter ----------------------------------------------------------------

    def test_the_rate_limiter_spends_refills_and_waits(self, make_limiter: MakeLimiter) -> None:
        now = [1000.0]
        limiter = make_limiter(60, 2, lambda: now[0])  # one token a second, 2 at most
        assert [limiter.check("t1") for _ in range(2)] == [0.0, 0.0]
        assert limiter.check("t1") == pytest.approx(1.0)
        assert limiter.check("t2") == 0.0  # its own bucket
        now[0] += 0.5
        assert limiter.check("t1") == pytest.approx(0.5)
        now[0] -= 10  # a reading older than the bucket's stamp: no refill, no drain
        assert limiter.check("t1") == pytest.approx(1.0)
        now[0] += 10.5
        assert limiter.check("t1") == 0.0
        now[0] += 100  # never more than the burst
        assert [limiter.check("t1") for _ in range(3)] == [0.0, 0.0, pytest.approx(1.0)]
        assert [limiter.retry_after(w) for w in (0.001, 0.5, 1.0, 1.01, 2.5)] == [
            "1",
            "1",
            "1",
            "2",
            "3",
        ]
        unlimited = make_limiter(0, 1, lambda: now[0])
        assert all(unlimited.check("t1") == 0.0 for _ in range(10))


class TestFakes(PortContract):
    @pytest.fixture
    def ports(self) -> Ports:
        tenants = FakeTenants(now=T0)
        audit = FakeAuditLog()
        recommendations = FakeRecommendations(tenants, audit)
        outcomes = FakeOutcomes(recommendations)
        return Ports(
            recommendations=recommendations,
            tenants=tenants,
            idempotency=FakeIdempotencyStore(),
            settings=FakeServiceSettings(),
            tokens=FakeTokenStore(),
            audit=audit,
            batches=FakeBatches(recommendations),
            outcomes=outcomes,
            challenger=FakeChallengerResults(outcomes),
            monitoring=FakeMonitoring(outcomes),
            policy_versions=FakePolicyVersions(),
        )

    @pytest.fixture
    def make_limiter(self) -> MakeLimiter:
        return FakeRateLimiter


class TestSql(PortContract):
    @pytest.fixture
    def url(self, database_url: str | None, data_dir: Path) -> str:
        """The conftest's database: a SQLite file, or PostgreSQL reset to just-migrated."""
        return database_url or f"sqlite:///{(data_dir / 'cde.db').as_posix()}"

    @pytest.fixture
    def ports(self, url: str) -> Iterator[Ports]:
        engine = create_db_engine(url)
        migrate(engine)
        writer = DbWriter(engine)
        try:
            yield Ports(
                recommendations=SqlRecommendations(engine, writer),
                tenants=SqlTenants(engine),
                idempotency=SqlIdempotency(engine),
                settings=SqlServiceSettings(engine),
                tokens=SqlTokenStore(engine),
                audit=SqlAuditLog(engine, writer),
                batches=SqlBatches(engine),
                outcomes=SqlOutcomes(engine),
                challenger=SqlChallengerResults(engine),
                monitoring=SqlMonitoring(engine),
                policy_versions=SqlPolicyVersions(engine),
            )
        finally:
            writer.close()
            engine.dispose()

    @pytest.fixture
    def make_limiter(self, url: str) -> Iterator[MakeLimiter]:
        engine = create_db_engine(url)
        made: list[SqlRateLimiter] = []

        def make(per_minute: int, burst: int, clock: Callable[[], float]) -> RateLimiter:
            made.append(SqlRateLimiter(engine, per_minute, burst, clock=clock))
            return made[-1]

        try:
            yield make
        finally:
            for limiter in made:
                limiter._engine.dispose()
            engine.dispose()
