"""The policy-version use case on the fakes: a tenant's portfolio batch is decided under its
active stored version (the single POST is covered on both databases in
``tests/integration/test_policy_versions.py``); a version is parsed once; the refresh
window of :class:`~cde.service.policy_versions.TenantPolicies`."""

from __future__ import annotations

from importlib import resources
from typing import Any

import orjson
from builders import clean_application

from cde.bootstrap import Container, bootstrap
from cde.service.policy_versions import TenantPolicies
from cde.service.ports import Caller
from cde.settings import Settings
from clocks import TestClock
from fakes import FakeStores, sequential_ids

CALLER = Caller("123", "Samehada", "Eksekutif", "127.0.0.1", "203.0.113.7")


def _text(version: str) -> str:
    shipped = resources.files("cde.policies").joinpath("default.toml").read_text("utf-8")
    return shipped.replace('version = "2026.11.1"', f'version = "{version}"').replace(
        "max_plafon = 500000000", "max_plafon = 10000000"
    )


def _report(version: str) -> str:
    policy = {"name": "cde-default", "version": version}
    return orjson.dumps({"book": {}, "decisions": {}, "ranking": {}, "policy": policy}).decode()


def wired(stores: FakeStores, clock: TestClock, **overrides: Any) -> Container:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url="sqlite://",
        api_tokens=("t1",),
        timezone="Asia/Jakarta",
        policy_file=None,
        run_jobs_in_process=False,
        **overrides,
    )
    return bootstrap(
        settings, run_migrations=False, clock=clock, new_id=sequential_ids(), **stores.adapters()
    )


def promote(container: Container, tenant: str, version: str) -> str:
    lifecycle = container.policy_versions
    draft = lifecycle.submit(tenant, _text(version), "toml", "andi")
    lifecycle.attach_backtest(draft.id, _report(version), "andi")
    lifecycle.approve(draft.id, "rina", "Manajer")
    lifecycle.activate(draft.id, "budi")
    return draft.id


def test_a_tenants_batch_is_decided_under_its_active_version() -> None:
    clock = TestClock()
    stores = FakeStores.new(clock)
    container = wired(stores, clock)
    try:
        maju, _ = container.tenant_admin.create("Koperasi Maju", None)
        lain, _ = container.tenant_admin.create("Koperasi Lain", None)
        promote(container, "Koperasi Maju", "2026.12.1")
        body = orjson.dumps(clean_application()) + b"\n"
        decided = {}
        for tenant in (maju, lain):
            batch = container.batches.submit(body * 2, tenant.id, CALLER, "id")
            assert container.batches.process_chunk(batch.id, 1, 2) == 2
            lines = [orjson.loads(x) for x in container.batches.results(batch.id, tenant.id) or []]
            decided[tenant.name] = {
                (x["status"], x["result"]["decision"]["plafon"], x["result"]["policy"]["version"])
                for x in lines
            }
        assert decided == {
            "Koperasi Maju": {("done", 10_000_000, "2026.12.1")},
            "Koperasi Lain": {("done", 20_000_000, "2026.11.1")},
        }
    finally:
        container.close()


def test_a_version_is_parsed_once_and_the_active_one_reread_after_the_window() -> None:
    clock = TestClock()
    stores = FakeStores.new(clock)
    container = wired(stores, clock)
    try:
        container.tenant_admin.create("Koperasi Maju", None)
        tenant = container.tenants.by_name("Koperasi Maju")
        assert tenant is not None
        now = [0.0]
        policies = TenantPolicies(
            stores.policy_versions, container.policy, refresh_seconds=2, monotonic=lambda: now[0]
        )
        assert policies(tenant.id) is container.policy
        promote(container, "Koperasi Maju", "2026.12.1")
        assert policies(tenant.id) is container.policy  # within the window
        reads = stores.policy_versions.active_reads
        now[0] = 2.0
        first = policies(tenant.id)
        assert first.version == "2026.12.1"
        assert stores.policy_versions.active_reads == reads + 1
        now[0] = 5.0
        assert policies(tenant.id) is first  # re-read, not re-parsed
        policies.forget(tenant.id)
        assert policies(tenant.id) is first
    finally:
        container.close()
