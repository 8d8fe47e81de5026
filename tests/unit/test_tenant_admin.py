"""Tenants on the in-memory fakes, no database: :class:`TenantAdmin` (``cde tenant …``)
and the :class:`Authenticator` that resolves a bearer credential to one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cde.service.auth import Authenticator
from cde.service.recommendations import Tokens
from cde.service.tenants import TenantAdmin, TenantError, key_digest
from clocks import TestClock
from fakes import DEFAULT_TENANT_ID, FakeTenants, FakeTokenStore, sequential_ids


class World:
    def __init__(self) -> None:
        self.clock = TestClock()
        self.tenants = FakeTenants(now=self.clock())
        self.admin = TenantAdmin(self.tenants, self.clock, sequential_ids("t"))
        self.tokens = Tokens(FakeTokenStore(), ("static-token",), self.clock)
        self.auth = Authenticator(self.tenants, self.tokens, DEFAULT_TENANT_ID)


@pytest.fixture
def world() -> World:
    return World()


def test_create_stores_the_tenant_and_one_key_shown_once(world: World) -> None:
    tenant, key = world.admin.create("KSP Maju Jaya", 100)
    assert (tenant.name, tenant.active, tenant.total_quota, tenant.used_quota) == (
        "KSP Maju Jaya",
        True,
        100,
        0,
    )
    assert tenant.remaining_quota == 100
    assert tenant.created_at == tenant.updated_at
    assert world.tenants.by_name("KSP Maju Jaya") == tenant
    assert key.startswith("cdek_")
    assert world.tenants.tenant_for_key(key_digest(key)) == tenant
    assert world.tenants.tenant_for_key(key) is None  # only the digest is stored
    assert world.tenants.active_key_counts() == {tenant.id: 1}


@pytest.mark.parametrize("name", ["", " lead", "trail ", "a/b", "x" * 101, "-dash"])
def test_bad_names_are_refused(world: World, name: str) -> None:
    with pytest.raises(TenantError, match="a tenant name is"):
        world.admin.create(name, None)


def test_a_negative_quota_and_a_duplicate_name_are_refused(world: World) -> None:
    with pytest.raises(TenantError, match="zero or more"):
        world.admin.create("KSP", -1)
    world.admin.create("KSP", None)
    with pytest.raises(TenantError, match="exists already"):
        world.admin.create("KSP", 5)
    with pytest.raises(TenantError, match="zero or more"):
        world.admin.set_quota("KSP", -5)


def test_list_gives_each_tenant_with_its_active_keys(world: World) -> None:
    b, _ = world.admin.create("b-coop", None)
    a, _ = world.admin.create("a-coop", 5)
    world.admin.rotate_key("b-coop")
    listed = [(t.name, keys) for t, keys in world.admin.list()]
    assert listed == [("a-coop", 1), ("b-coop", 1), ("default", 0)]
    assert {t.id for t, _ in world.admin.list()} == {a.id, b.id, DEFAULT_TENANT_ID}


def test_switching_off_and_setting_the_quota(world: World) -> None:
    tenant, _ = world.admin.create("KSP", 2)
    world.clock.advance(10)
    off = world.admin.set_active("KSP", False)
    assert not off.active
    assert off.updated_at - tenant.updated_at >= timedelta(seconds=10)
    assert world.tenants.spend(tenant.id)
    assert world.tenants.spend(tenant.id)
    assert not world.tenants.spend(tenant.id)

    more = world.admin.set_quota("KSP", 5)
    assert (more.total_quota, more.used_quota, more.remaining_quota) == (5, 2, 3)
    reset = world.admin.set_quota("KSP", None, reset_used=True)
    assert (reset.total_quota, reset.used_quota, reset.remaining_quota) == (None, 0, None)


def test_rotating_a_key_revokes_every_older_one(world: World) -> None:
    tenant, first = world.admin.create("KSP", None)
    second = world.admin.rotate_key("KSP")
    assert second != first
    assert world.tenants.tenant_for_key(key_digest(first)) is None
    assert world.tenants.tenant_for_key(key_digest(second)) == tenant
    assert world.tenants.active_key_counts() == {tenant.id: 1}


def test_unknown_names_are_refused(world: World) -> None:
    for action in (
        lambda: world.admin.set_active("nobody", True),
        lambda: world.admin.set_quota("nobody", 1),
        lambda: world.admin.rotate_key("nobody"),
    ):
        with pytest.raises(TenantError, match="no tenant named 'nobody'"):
            action()


# --- Authenticator -------------------------------------------------------------------------


def test_a_tenant_key_authenticates_as_its_tenant(world: World) -> None:
    tenant, key = world.admin.create("KSP", None)
    principal = world.auth.authenticate(key)
    assert principal is not None
    assert (principal.tenant, principal.via) == (tenant, "key")
    world.admin.rotate_key("KSP")
    assert world.auth.authenticate(key) is None  # revoked


def test_static_and_generated_tokens_act_for_the_default_tenant(world: World) -> None:
    principal = world.auth.authenticate("static-token")
    assert principal is not None
    assert (principal.tenant.id, principal.via) == (DEFAULT_TENANT_ID, "token")
    generated = world.tokens.generate("test", sequential_ids("tok"))
    principal = world.auth.authenticate(generated)
    assert principal is not None
    assert principal.tenant.id == DEFAULT_TENANT_ID


@pytest.mark.parametrize("credential", ["", "nope", "x" * 8193, "a.b.c"])
def test_anything_else_is_nobody(world: World, credential: str) -> None:
    assert world.auth.authenticate(credential) is None


def test_without_the_default_tenant_a_static_token_is_nobody() -> None:
    tenants = FakeTenants(with_default=False)
    auth = Authenticator(tenants, Tokens(FakeTokenStore(), ("t",), TestClock()), "default")
    assert auth.authenticate("t") is None
