"""The use case behind POST /kocek/cde/credit-recommendation (``service/submissions.py``),
on the in-memory fakes: every step and every way it can end, with no database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from batch_inputs import CALLER
from cde.bootstrap import Container, bootstrap
from cde.domain.application import InvalidApplicationError
from cde.errors import (
    BadIdempotencyKeyError,
    BodyTooDeepError,
    EvaluationFailedError,
    IdempotencyConflictError,
    InvalidBodyError,
    QuotaExhaustedError,
)
from cde.service.audit import AuditEntry
from cde.service.jobs import NARRATE
from cde.service.submissions import Submission, Submitted, depth_exceeds
from cde.settings import Settings
from clocks import TEST_NOW, TestClock
from fakes import DEFAULT_TENANT_ID, FakeNarrator, FakeStores, sequential_ids

SEED = (Path(__file__).resolve().parents[2] / "examples" / "seed_request.json").read_bytes()


class World:
    def __init__(self, **extra: Any) -> None:
        self.clock = TestClock()
        self.stores = FakeStores.new(self.clock)
        self.observed: list[dict[str, Any]] = []
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url="sqlite://",
            api_tokens=("t1",),
            max_json_depth=8,
        )
        self.container: Container = bootstrap(
            settings,
            run_migrations=False,
            clock=self.clock,
            new_id=sequential_ids(),
            **self.stores.adapters(),
            **extra,
        )
        self.container.submissions.observe = self.observed.append

    def submit(
        self, body: bytes = SEED, key: str | None = None, tenant: str = DEFAULT_TENANT_ID
    ) -> Submitted:
        return self.container.submissions.submit(_submission(tenant, key, body))


@pytest.fixture
def world() -> Iterator[World]:
    built = World()
    try:
        yield built
    finally:
        built.container.close()


def test_a_submission_is_evaluated_stored_and_counted(world: World) -> None:
    done = world.submit()
    assert (done.status, done.replay, done.narrating) == ("success", False, False)
    stored = world.stores.recommendations.get(done.record_id)
    assert stored is not None
    assert orjson.loads(stored.result or "") == done.result
    assert stored.payload == SEED.decode()
    assert done.result["decision"]["outcome"] == "decline"
    assert world.observed == [done.result]
    assert world.stores.tenants.by_id(DEFAULT_TENANT_ID).used_quota == 1  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{not json", InvalidBodyError),
        (b"[" * 9 + b"]" * 9, BodyTooDeepError),  # deeper than max_json_depth=8
    ],
)
def test_a_body_that_cannot_be_read_stores_nothing(
    world: World, body: bytes, error: type[Exception]
) -> None:
    with pytest.raises(error) as raised:
        world.submit(body)
    assert type(raised.value) is error
    assert raised.value.field_errors[0].as_dict("en")["field"] == "(body)"  # type: ignore[attr-defined]
    assert world.stores.recommendations.all() == ()


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there"])
def test_an_idempotency_key_that_is_no_key_is_refused(world: World, key: str) -> None:
    with pytest.raises(BadIdempotencyKeyError):
        world.submit(key=key)
    assert world.stores.recommendations.all() == ()


def test_a_repeat_with_the_same_key_answers_the_first_record(world: World) -> None:
    first = world.submit(key="k-1")
    again = world.submit(key="k-1")
    assert again.replay
    assert (again.record_id, again.result) == (first.record_id, first.result)
    assert len(world.stores.recommendations.all()) == 1
    assert len(world.observed) == 1  # a replay is no new result
    with pytest.raises(IdempotencyConflictError):
        world.submit(SEED.replace(b"fulan", b"fulanah"), key="k-1")


def test_an_invalid_application_releases_its_key(world: World) -> None:
    raw = orjson.loads(SEED)
    del raw["character"]
    with pytest.raises(InvalidApplicationError) as raised:
        world.submit(orjson.dumps(raw), key="k-2")
    assert [e.field for e in raised.value.errors] == ["character"]
    assert world.stores.recommendations.all() == ()
    # the key is free again: the corrected body is accepted under it
    assert not world.submit(key="k-2").replay


def test_a_used_up_quota_stores_nothing_and_releases_the_key(world: World) -> None:
    tenant, _ = world.container.tenant_admin.create("KSP Kecil", 1)
    world.submit(tenant=tenant.id)
    with pytest.raises(QuotaExhaustedError):
        world.submit(tenant=tenant.id, key="k-3")
    assert len(world.stores.recommendations.all()) == 1
    world.container.tenant_admin.set_quota("KSP Kecil", 2, reset_used=False)
    assert not world.submit(tenant=tenant.id, key="k-3").replay


def test_an_engine_defect_keeps_the_application_as_a_fail_record(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def crash(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("a defect")

    monkeypatch.setattr("cde.service.recommendations.evaluate", crash)
    with pytest.raises(EvaluationFailedError) as raised:
        world.submit(key="k-4")
    record_id = raised.value.record_id
    assert record_id is not None
    stored = world.stores.recommendations.get(record_id)
    assert stored is not None
    assert (stored.status, stored.result) == ("fail", None)
    assert stored.error == "internal error; request id req-1"
    assert stored.payload == SEED.decode()
    assert "evaluation failed (request req-1)" in caplog.text
    assert "ZeroDivisionError" in caplog.text  # the cause, with its traceback
    assert world.observed == []
    # the key now names the fail record: a repeat answers it
    again = world.submit(key="k-4")
    assert (again.replay, again.record_id, again.status) == (True, record_id, "fail")


def test_with_a_later_narrator_the_answer_is_processing_and_a_job_is_deferred() -> None:
    world = World(narrator=FakeNarrator())
    try:
        done = world.submit()
        assert done.narrating
        assert world.container.submissions.finished(done.record_id) is None
        assert [job.kind for job in world.stores.jobs.deferred] == [NARRATE]
        world.stores.jobs.run_all(world.container.handle_job)
        finished = world.container.submissions.finished(done.record_id)
        assert finished is not None
        assert finished.status == "success"
    finally:
        world.container.close()


def test_depth_is_counted_without_recursion() -> None:
    deep: Any = 0
    for _ in range(100_000):
        deep = [deep]
    assert depth_exceeds(deep, 32)
    assert not depth_exceeds({"a": [1, {"b": 2}]}, 3)
    assert depth_exceeds({"a": [1, {"b": [2]}]}, 3)


# --- start and finish: the POST that awaits its commit in the event loop (issue 15) -------


def _audit_template() -> AuditEntry:
    return AuditEntry(
        at=TEST_NOW,
        request_id="req-1",
        tenant_id=DEFAULT_TENANT_ID,
        user_id="123",
        user_name="S*******",
        user_role="Eksekutif",
        claimed_ip="127.0.0.1",
        remote_addr="127.0.0.1",
        method="POST",
        route="/kocek/cde/credit-recommendation",
        status_code=200,
        outcome="ok",
        record_id=None,
        body_sha256=None,
    )


def _submission(
    tenant: str = DEFAULT_TENANT_ID, key: str | None = None, body: bytes = SEED
) -> Submission:
    return Submission(
        body=body,
        caller=CALLER,
        lang="id",
        tenant_id=tenant,
        request_id="req-1",
        idempotency_key=key,
    )


def test_start_and_finish_store_the_record_with_its_audit_entry(world: World) -> None:
    submissions = world.container.submissions
    assert submissions.inline(_submission())
    assert not submissions.inline(_submission(key="k1"))
    pending = submissions.start(_submission(), audit=_audit_template())
    done = submissions.finish(pending)
    assert done.audited
    assert orjson.loads(done.result_json) == done.result
    stored = world.stores.recommendations.get(done.record_id)
    assert stored is not None
    assert stored.result == done.result_json.decode()
    entries = [s.entry for s in world.stores.audit.entries()]
    assert [(e.record_id, e.at, e.status_code) for e in entries] == [
        (done.record_id, stored.created_at, 200)
    ]
    assert world.observed == [done.result]


def test_finish_raises_when_the_quota_is_used_up_and_nothing_is_written(world: World) -> None:
    tenant, _ = world.container.tenant_admin.create("KSP", 0)
    submissions = world.container.submissions
    pending = submissions.start(_submission(tenant.id), audit=_audit_template())
    with pytest.raises(QuotaExhaustedError):
        submissions.finish(pending)
    assert list(world.stores.audit.entries()) == []
    assert world.observed == []


def test_start_takes_no_idempotency_key(world: World) -> None:
    with pytest.raises(ValueError, match="Idempotency-Key"):
        world.container.submissions.start(_submission(key="k1"))
