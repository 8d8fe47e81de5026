"""What authentication keeps in memory (issue 15): :class:`LookupCache`,
:class:`CachedTenants`, and the service switch and generated tokens kept the same way.
Every answer is kept for at most the bound of the clock it is given (here a test clock
moved by hand), a change made through the cache takes effect at once, and nothing
outlives the bound."""

from __future__ import annotations

import pytest

from cde.service.recommendations import ServiceSwitch, Tokens, token_digest
from cde.service.tenants import AUTH_CACHE_SECONDS, CachedTenants, LookupCache, key_digest
from clocks import TestClock
from fakes import FakeServiceSettings, FakeTenants, FakeTokenStore, sequential_ids


class Counting:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, key: str) -> str:
        self.calls.append(key)
        return key.upper()


def test_an_answer_is_kept_for_the_bound_and_read_again_after_it() -> None:
    clock = TestClock()
    load = Counting()
    cache: LookupCache[str, str] = LookupCache(2.0, clock)

    assert cache.get("a", load) == "A"
    clock.advance(1.5)  # (the test clock also runs at the real pace)
    assert cache.get("a", load) == "A"
    assert load.calls == ["a"]
    clock.advance(0.5)  # the bound reached: read again
    assert cache.get("a", load) == "A"
    assert load.calls == ["a", "a"]


def test_a_clock_that_steps_back_reads_again() -> None:
    clock = TestClock()
    load = Counting()
    cache: LookupCache[str, str] = LookupCache(2.0, clock)
    cache.get("a", load)
    clock.advance(-10)
    cache.get("a", load)
    assert load.calls == ["a", "a"]


def test_no_bound_keeps_nothing_and_a_full_cache_starts_over() -> None:
    clock = TestClock()
    load = Counting()
    off: LookupCache[str, str] = LookupCache(0, clock)
    off.get("a", load)
    off.get("a", load)
    assert load.calls == ["a", "a"]

    small: LookupCache[str, str] = LookupCache(2.0, clock, max_entries=3)
    for key in "abcd":  # the fourth empties it: never more than max_entries
        small.get(key, load)
    assert len(small._entries) <= 3
    small.get("d", load)
    assert load.calls[-1] == "d"
    assert load.calls.count("d") == 1


def _world() -> tuple[TestClock, FakeTenants, CachedTenants, str, str]:
    clock = TestClock()
    store = FakeTenants(now=clock())
    cached = CachedTenants(store, clock)
    from cde.service.tenants import TenantAdmin

    admin = TenantAdmin(store, clock, sequential_ids("t"))
    tenant, key = admin.create("KSP A", None)
    return clock, store, cached, tenant.id, key


def test_a_key_rotated_elsewhere_stops_working_within_the_bound() -> None:
    clock, store, cached, tenant_id, key = _world()
    assert cached.tenant_for_key(key_digest(key)) is not None
    # another process rotates the key: the store changes, this cache does not know
    store.add_key("k2", tenant_id, key_digest("cdek_new"), "cdek_new", True, clock())
    clock.advance(AUTH_CACHE_SECONDS - 0.5)
    assert cached.tenant_for_key(key_digest(key)) is not None  # still kept
    clock.advance(0.5)
    assert cached.tenant_for_key(key_digest(key)) is None
    assert cached.tenant_for_key(key_digest("cdek_new")) is not None


def test_a_tenant_disabled_elsewhere_is_seen_within_the_bound() -> None:
    clock, store, cached, tenant_id, key = _world()
    found = cached.tenant_for_key(key_digest(key))
    assert found is not None
    assert found.active
    assert cached.by_id(tenant_id) is not None
    store.set_active(tenant_id, False, clock())
    clock.advance(AUTH_CACHE_SECONDS)
    found = cached.tenant_for_key(key_digest(key))
    assert found is not None
    assert not found.active
    by_id = cached.by_id(tenant_id)
    assert by_id is not None
    assert not by_id.active


def test_changes_made_through_the_cache_take_effect_at_once() -> None:
    clock, _, cached, tenant_id, key = _world()
    assert cached.by_name("KSP A") is not None
    assert cached.tenant_for_key(key_digest("cdek_unknown")) is None  # kept as absent
    cached.set_active(tenant_id, False, clock())
    found = cached.tenant_for_key(key_digest(key))
    assert found is not None
    assert not found.active
    cached.add_key("k2", tenant_id, key_digest("cdek_unknown"), "cdek_unk", True, clock())
    assert cached.tenant_for_key(key_digest(key)) is None
    assert cached.tenant_for_key(key_digest("cdek_unknown")) is not None
    cached.set_quota(tenant_id, 5, False, clock())
    by_name = cached.by_name("KSP A")
    assert by_name is not None
    assert by_name.total_quota == 5


def test_quota_is_spent_on_the_store_itself() -> None:
    clock, store, cached, tenant_id, _ = _world()
    cached.set_quota(tenant_id, 1, False, clock())
    assert cached.spend(tenant_id) is True
    assert cached.spend(tenant_id) is False
    cached.refund(tenant_id)
    assert store.by_id(tenant_id).used_quota == 0  # type: ignore[union-attr]


def test_the_stored_service_switch_is_read_again_within_the_bound() -> None:
    clock = TestClock()
    store = FakeServiceSettings()
    here = ServiceSwitch(store, True, clock)
    elsewhere = ServiceSwitch(store, True, clock)
    assert here.enabled()
    assert elsewhere.enabled()

    elsewhere.set(False)
    assert elsewhere.enabled() is False  # at once where it was switched
    clock.advance(AUTH_CACHE_SECONDS - 0.5)  # (the test clock also runs at the real pace)
    assert here.enabled() is True
    clock.advance(0.5)
    assert here.enabled() is False


def test_a_configured_off_switch_never_reads_the_store() -> None:
    store = FakeServiceSettings()
    switch = ServiceSwitch(store, False, TestClock())
    store.set_flag("service_enabled", True, TestClock()())
    assert switch.enabled() is False


@pytest.mark.parametrize("seconds", [AUTH_CACHE_SECONDS, 0.0])
def test_generated_tokens_are_kept_within_the_bound(seconds: float) -> None:
    clock = TestClock()
    store = FakeTokenStore()
    here = Tokens(store, ("static",), clock, seconds)
    elsewhere = Tokens(store, (), clock, seconds)
    assert here.valid("static")
    assert not here.valid("cde_x")

    token = elsewhere.generate("by another process", sequential_ids("tok"))
    assert elsewhere.valid(token)  # at once where it was made
    clock.advance(seconds)
    assert here.valid(token)
    assert token_digest(token) in store.token_hashes()
