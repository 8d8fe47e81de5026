"""The recommendation use cases on the in-memory fakes (``tests/fakes.py``), no database:
:class:`Recommender` (recommend, quota, failures kept, read, list, purge),
:class:`ServiceSwitch` and :class:`Tokens`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest

from cde import __version__
from cde.domain.application import InvalidApplicationError
from cde.domain.engine import evaluate
from cde.policies import default_policy
from cde.service.ports import Caller, QuotaExhaustedError
from cde.service.recommendations import SERVICE_ENABLED, Recommender, ServiceSwitch, Tokens
from cde.service.tenants import TenantAdmin, key_digest
from clocks import TEST_NOW, TEST_TODAY, TestClock
from fakes import (
    DEFAULT_TENANT_ID,
    FakeRecommendations,
    FakeServiceSettings,
    FakeTenants,
    FakeTokenStore,
    sequential_ids,
)

SEED = (Path(__file__).resolve().parents[2] / "examples" / "seed_request.json").read_bytes()
CALLER = Caller("123", "Samehada", "Eksekutif", "127.0.0.1", "203.0.113.7")
ZONE = ZoneInfo("Asia/Jakarta")


class World:
    def __init__(self) -> None:
        self.clock = TestClock()
        self.new_id = sequential_ids("rec")
        self.tenants = FakeTenants(now=self.clock())
        self.repository = FakeRecommendations(self.tenants)
        self.recommender = Recommender(
            self.repository, default_policy(), self.clock, ZONE, self.new_id
        )

    def tenant(self, quota: int | None) -> str:
        tenant, _ = TenantAdmin(self.tenants, self.clock, sequential_ids("t")).create("KSP", quota)
        return tenant.id

    def used(self, tenant_id: str) -> int:
        tenant = self.tenants.by_id(tenant_id)
        assert tenant is not None
        return tenant.used_quota


@pytest.fixture
def world() -> World:
    return World()


def seed(**changes: Any) -> tuple[bytes, dict[str, Any]]:
    raw = {**orjson.loads(SEED), **changes}
    body = SEED if not changes else orjson.dumps(raw)
    return body, raw


# --- Recommender -----------------------------------------------------------------------------


def test_recommend_stores_the_record_and_spends_one_unit(world: World) -> None:
    tenant_id = world.tenant(3)
    body, raw = seed()
    done = world.recommender.recommend(body, raw, CALLER, "en", tenant_id=tenant_id)

    record = done.record
    assert record.id == "rec-000000000001"
    assert record.status == "success"
    assert record.payload == SEED.decode()  # the body exactly as received
    assert record.result is not None
    assert orjson.loads(record.result) == done.result
    assert (record.loan_id, record.customer_id) == (raw["loan_id"], raw["customer_id"])
    assert (record.lang, record.tenant_id, record.caller) == ("en", tenant_id, CALLER)
    assert record.created_at - TEST_NOW < timedelta(seconds=5)  # the clock given, not today
    policy = default_policy()
    assert (record.policy_name, record.policy_version) == (policy.name, policy.version)
    assert record.engine_version == __version__
    assert world.recommender.get(record.id) == record
    assert world.used(tenant_id) == 1


def test_recommend_while_narrating_stores_a_processing_record_under_the_reserved_id(
    world: World,
) -> None:
    body, raw = seed()
    done = world.recommender.recommend(
        body, raw, CALLER, "id", record_id="reserved", processing=True
    )
    assert (done.record.id, done.record.status) == ("reserved", "processing")
    stored = world.repository.get("reserved", DEFAULT_TENANT_ID)
    assert stored is not None
    assert stored.status == "processing"
    assert stored.result is not None
    assert orjson.loads(stored.result)["5c"]  # the rules narrative, kept in case none comes


def test_the_evaluation_date_is_the_clock_s_day_in_the_zone(world: World) -> None:
    body, raw = seed()
    done = world.recommender.recommend(body, raw, CALLER, "id")
    assert done.result == evaluate(raw, policy=default_policy(), today=TEST_TODAY, lang="id")
    assert done.result != evaluate(
        raw, policy=default_policy(), today=TEST_TODAY.replace(year=2030), lang="id"
    )


def test_an_exhausted_quota_stores_and_spends_nothing(world: World) -> None:
    tenant_id = world.tenant(1)
    body, raw = seed()
    world.recommender.recommend(body, raw, CALLER, "id", tenant_id=tenant_id)
    with pytest.raises(QuotaExhaustedError):
        world.recommender.recommend(body, raw, CALLER, "id", tenant_id=tenant_id)
    assert world.used(tenant_id) == 1
    assert len(world.repository.all()) == 1


def test_an_invalid_application_stores_and_spends_nothing(world: World) -> None:
    tenant_id = world.tenant(5)
    body, raw = seed(character="nobody")
    with pytest.raises(InvalidApplicationError):
        world.recommender.recommend(body, raw, CALLER, "id", tenant_id=tenant_id)
    assert world.repository.all() == ()
    assert world.used(tenant_id) == 0


def test_record_failure_keeps_the_application_without_spending(world: World) -> None:
    tenant_id = world.tenant(0)  # no quota at all: a failure is kept nonetheless
    body = b'{"loan_id": "L1", "customer_id": "C1", "broken": "\xff"}'
    raw = {"loan_id": "L1", "customer_id": "C1"}
    record = world.recommender.record_failure(
        body, raw, CALLER, "id", "internal error", tenant_id=tenant_id, record_id="kept"
    )
    assert record.id == "kept"
    assert (record.status, record.result, record.error) == ("fail", None, "internal error")
    assert "\ufffd" in record.payload  # undecodable bytes replaced, never refused
    assert world.repository.get("kept", tenant_id) == record
    assert world.used(tenant_id) == 0

    no_ids = world.recommender.record_failure(b"[]", {}, CALLER, "en", "boom")
    assert (no_ids.loan_id, no_ids.customer_id, no_ids.tenant_id) == ("", "", DEFAULT_TENANT_ID)


def test_get_is_confined_to_the_tenant(world: World) -> None:
    tenant_id = world.tenant(None)
    body, raw = seed()
    record = world.recommender.recommend(body, raw, CALLER, "id", tenant_id=tenant_id).record
    assert world.recommender.get(record.id, tenant_id) == record
    assert world.recommender.get(record.id) == record
    assert world.recommender.get(record.id, DEFAULT_TENANT_ID) is None
    assert world.recommender.get("missing") is None


def test_list_pages_newest_first_with_filters(world: World) -> None:
    for n in range(5):
        body, raw = seed(loan_id=f"L{n % 2}", customer_id=f"C{n}")
        world.recommender.recommend(body, raw, CALLER, "id")
    other = world.tenant(None)
    body, raw = seed(loan_id="L0")
    world.recommender.recommend(body, raw, CALLER, "id", tenant_id=other)

    def ids(**query: Any) -> tuple[list[str], int]:
        values: dict[str, Any] = {"loan_id": None, "customer_id": None, "status": None}
        page = world.recommender.list(**{**values, "page": 1, "limit": 10, **query})
        return [i.customer_id for i in page.items], page.total

    assert ids(tenant_id=DEFAULT_TENANT_ID) == (["C4", "C3", "C2", "C1", "C0"], 5)
    assert ids(tenant_id=DEFAULT_TENANT_ID, loan_id="L0") == (["C4", "C2", "C0"], 3)
    assert ids(tenant_id=DEFAULT_TENANT_ID, customer_id="C3") == (["C3"], 1)
    assert ids(tenant_id=DEFAULT_TENANT_ID, status="fail") == ([], 0)
    assert ids(loan_id="L0")[1] == 4  # no tenant: every tenant's
    page2 = world.recommender.list(
        tenant_id=DEFAULT_TENANT_ID, loan_id=None, customer_id=None, status=None, page=2, limit=2
    )
    assert ([i.customer_id for i in page2.items], page2.total) == (["C2", "C1"], 5)


def test_purge_deletes_what_was_created_before(world: World) -> None:
    body, raw = seed()
    old = world.recommender.recommend(body, raw, CALLER, "id").record
    world.clock.advance(3600)
    cut = world.clock()
    world.clock.advance(1)
    new = world.recommender.recommend(body, raw, CALLER, "id").record
    assert world.recommender.purge(cut) == 1
    assert world.recommender.get(old.id) is None
    assert world.recommender.get(new.id) == new


# --- ServiceSwitch ---------------------------------------------------------------------------


def test_the_switch_is_on_when_configured_and_not_stored_off() -> None:
    store = FakeServiceSettings()
    clock = TestClock()
    switch = ServiceSwitch(store, True, clock)
    assert switch.enabled()  # nothing stored: the configured default
    switch.set(False)
    assert not switch.enabled()
    value, at = store.flags[SERVICE_ENABLED]
    assert value is False
    assert at - TEST_NOW < timedelta(seconds=5)
    switch.set(True)
    assert switch.enabled()


def test_a_switch_configured_off_stays_off() -> None:
    store = FakeServiceSettings()
    switch = ServiceSwitch(store, False, TestClock())
    switch.set(True)
    assert not switch.enabled()
    assert store.get_flag(SERVICE_ENABLED) is True


# --- Tokens ----------------------------------------------------------------------------------


def test_configured_tokens_are_valid_without_the_store() -> None:
    store = FakeTokenStore()
    tokens = Tokens(store, ("t1", "t2"), TestClock())
    assert tokens.valid_configured("t1")
    assert tokens.valid("t2")
    assert not tokens.valid("t3")
    assert not tokens.valid_configured("")
    assert tokens.any_configured()


def test_generated_tokens_are_stored_as_digests_only() -> None:
    store = FakeTokenStore()
    tokens = Tokens(store, (), TestClock())
    assert not tokens.any_configured()
    token = tokens.generate("for the test", sequential_ids("tok"))
    assert token.startswith("cde_")
    assert tokens.valid(token)
    assert not tokens.valid_configured(token)  # generated, not configured
    assert tokens.any_configured()
    (stored,) = store.tokens.values()
    assert (stored.id, stored.label) == ("tok-000000000001", "for the test")
    assert stored.sha256 == key_digest(token)  # the same SHA-256 as a tenant key's
    assert token not in repr(store.tokens)
