""":func:`cde.bootstrap.bootstrap` wired on the in-memory fakes (``tests/fakes.py``): the
whole container works on them — a recommendation, a batch run by its jobs, tenants, keys,
the switch, the audit trail, the rate limit, a deferred narrative — and no database file
is made (the engine is an unused in-memory SQLite one)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from batch_inputs import CALLER, applications, jsonl
from cde.bootstrap import Container, bootstrap
from cde.service.audit import AuditEntry, verify
from cde.service.narrators import LlmNarrator
from cde.settings import Settings
from clocks import TestClock
from fakes import DEFAULT_TENANT_ID, FakeChat, FakeNarrator, FakeStores, sequential_ids

SEED = (Path(__file__).resolve().parents[2] / "examples" / "seed_request.json").read_bytes()


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": "sqlite://",  # in memory: nothing on disk, and never used here
        "api_tokens": ("t1",),
        "service_enabled": True,
        "timezone": "Asia/Jakarta",
        "policy_file": None,
        **overrides,
    }
    return Settings(_env_file=None, **values)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory: whatever the container wrote would show up in it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def wired(stores: FakeStores, clock: TestClock, **extra: Any) -> Container:
    return bootstrap(
        settings(**extra.pop("settings", {})),
        run_migrations=False,
        clock=clock,
        new_id=sequential_ids(),
        **stores.adapters(),
        **extra,
    )


def test_the_container_runs_on_the_fakes(here: Path) -> None:
    clock = TestClock()
    stores = FakeStores.new(clock, per_minute=60, burst=2)
    container = wired(stores, clock)
    try:
        assert container.writer is None  # no SQL store needs the group-commit writer
        assert container.tenants is stores.tenants
        assert container.audit is stores.audit
        assert container.rate_limiter is stores.rate_limiter
        assert container.jobs is stores.jobs
        assert container.recommender.repository is stores.recommendations
        assert container.batches.store is stores.batches
        assert container.idempotency.store is stores.idempotency

        # a tenant, its key, one recommendation spending its quota
        tenant, key = container.tenant_admin.create("KSP", 1)
        principal = container.authenticator.authenticate(key)
        assert principal is not None
        assert principal.tenant.id == tenant.id
        done = container.recommender.recommend(
            SEED, orjson.loads(SEED), CALLER, "id", tenant_id=tenant.id
        )
        assert stores.recommendations.get(done.record.id) == done.record
        assert done.record.id == "id-000000000003"  # the ids given (tenant, key, record)
        assert stores.tenants.by_id(tenant.id).used_quota == 1  # type: ignore[union-attr]

        # a batch: deferred to the fake queue, worked through the container's job handler
        batch = container.batches.submit(jsonl(applications(3)), DEFAULT_TENANT_ID, CALLER, "id")
        assert container.jobs.depth() == 1
        assert stores.jobs.run_all(container.handle_job) == 1
        progress = container.batches.get(batch.id, DEFAULT_TENANT_ID)
        assert progress is not None
        assert (progress.status, progress.done) == ("done", 3)
        container.housekeeping()  # nothing stale: nothing re-deferred
        assert container.jobs.depth() == 0

        # the switch, the static token, the rate limit, the audit trail
        container.switch.set(False)
        assert not container.switch.enabled()
        assert stores.service_settings.get_flag("service_enabled") is False
        assert container.tokens.valid("t1")
        assert container.rate_limiter.check(tenant.id) == 0
        assert container.rate_limiter.check(tenant.id) == 0
        assert container.rate_limiter.check(tenant.id) > 0  # a burst of 2
        entry = AuditEntry(
            at=clock(),
            request_id="req-1",
            tenant_id=tenant.id,
            user_id=None,
            user_name=None,
            user_role=None,
            claimed_ip=None,
            remote_addr=None,
            method="GET",
            route="/kocek/cde/credit-recommendation",
            status_code=200,
            outcome="ok",
            record_id=None,
            body_sha256=None,
        )
        container.audit.submit(entry).result(timeout=1)
        assert verify(container.audit.entries(), container.audit.head()).ok

        container.recommender.repository.ping()
        container.start_jobs()  # the fake queue has no in-process worker
        assert container.worker is None
    finally:
        container.close()
    assert list(here.iterdir()) == []  # no database, no rate-limit file, no data directory


def test_a_narrator_or_a_chat_model_can_be_given(here: Path) -> None:
    clock = TestClock()
    stores = FakeStores.new(clock)
    narrator = FakeNarrator()
    container = wired(stores, clock, narrator=narrator)
    try:
        assert container.narration.narrator is narrator
        assert container.narration.deferred
        record = container.recommender.recommend(
            SEED, orjson.loads(SEED), CALLER, "id", processing=True
        ).record
        container.narration.defer(record.id, None)
        stores.jobs.run_all(container.handle_job)
        stored = stores.recommendations.get(record.id)
        assert stored is not None
        assert stored.status == "success"
        assert len(narrator.calls) == 1
    finally:
        container.close()

    chat = FakeChat("not json", "not json either")
    llm = {"narrator": "llm", "llm_base_url": "http://127.0.0.1:9/v1", "llm_model": "m"}
    container = wired(FakeStores.new(clock), clock, settings=llm, chat=chat)
    try:
        assert isinstance(container.narration.narrator, LlmNarrator)
        assert container.narration.narrator.chat is chat  # never the endpoint named
    finally:
        container.close()
    assert list(here.iterdir()) == []
