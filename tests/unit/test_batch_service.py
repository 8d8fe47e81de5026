""":class:`BatchService` on the in-memory fakes (``tests/fakes.py``), no database: submit
defers one job per chunk, the fake queue runs them as a worker would, each item is stored
exactly once however often a chunk runs, invalid applications and quota exhaustion are
failed items, the summary is what the stored results say, and stalled batches are
re-deferred. The same over the SQL store: ``tests/integration/test_batch_service_sql.py``."""

from __future__ import annotations

import copy
from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest

import cde.service.batches as batches_module
from batch_inputs import CALLER, QUOTA_ERROR, applications, invalid_application, jsonl
from cde.policies import default_policy
from cde.service.batches import BatchError, BatchService, Item, ItemResult
from cde.service.jobs import BATCH_CHUNK
from cde.service.tenants import TenantAdmin
from clocks import TestClock
from fakes import (
    DEFAULT_TENANT_ID,
    FakeBatches,
    FakeJobQueue,
    FakeRecommendations,
    FakeTenants,
    sequential_ids,
)

ZONE = ZoneInfo("Asia/Jakarta")


class World:
    """A batch service on fakes that share their state as one database would."""

    def __init__(self, store: FakeBatches | None = None) -> None:
        self.clock = TestClock()
        self.new_id = sequential_ids()
        self.tenants = FakeTenants(now=self.clock())
        self.records = FakeRecommendations(self.tenants)
        self.store = store if store is not None else FakeBatches(self.records)
        self.queue = FakeJobQueue()
        self.service = self.make_service(self.store)

    def make_service(self, store: FakeBatches) -> BatchService:
        return BatchService(
            store,
            self.queue,
            default_policy(),
            self.clock,
            ZONE,
            self.new_id,
            max_items=1000,
        )

    def chunks(self, batch_id: str | None = None) -> list[tuple[int, int]]:
        """Every chunk job deferred so far (of ``batch_id``), in order."""
        found = []
        for job in self.queue.deferred:
            assert job.kind == BATCH_CHUNK
            if batch_id is None or job.args["batch_id"] == batch_id:
                found.append((job.args["first"], job.args["last"]))
        return found

    def work(self) -> int:
        """Run every waiting job as a worker would (``Container.handle_job``)."""

        def handle(kind: str, args: dict[str, Any]) -> None:
            assert kind == BATCH_CHUNK
            self.service.process_chunk(str(args["batch_id"]), int(args["first"]), int(args["last"]))

        return self.queue.run_all(handle)

    def run(self, chunks: list[tuple[int, int]], batch_id: str) -> int:
        return sum(self.service.process_chunk(batch_id, first, last) for first, last in chunks)

    def lines(self, batch_id: str, tenant_id: str = DEFAULT_TENANT_ID) -> list[dict[str, Any]]:
        lines = self.service.results(batch_id, tenant_id)
        assert lines is not None
        return [orjson.loads(line) for line in lines]


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    """Chunks of 4 items, so a few applications make several chunks."""
    monkeypatch.setattr(batches_module, "CHUNK_ITEMS", 4)
    return 4


def test_submit_stores_every_item_pending_and_defers_one_job_per_chunk(
    world: World, small_chunks: int
) -> None:
    service = world.service
    batch = service.submit(jsonl(applications(10)), DEFAULT_TENANT_ID, CALLER, "id")
    assert batch.total == 10
    assert batch.tenant_id == DEFAULT_TENANT_ID
    assert batch.caller == CALLER
    assert batch.as_of == batch.created_at.astimezone(ZONE).date()
    assert world.chunks() == [(1, 4), (5, 8), (9, 10)]
    assert service.queue.depth() == 3

    progress = service.get(batch.id, DEFAULT_TENANT_ID)
    assert progress is not None
    assert (progress.pending, progress.done, progress.failed) == (10, 0, 0)
    assert progress.status == "queued"
    assert world.records.all() == ()
    assert service.store.get(batch.id, None) == batch

    assert service.get(batch.id, "another-tenant") is None
    assert service.results(batch.id, "another-tenant") is None
    assert service.get("missing", DEFAULT_TENANT_ID) is None


def test_a_batch_over_the_limit_stores_nothing_and_defers_nothing(world: World) -> None:
    world.service.max_items = 2
    with pytest.raises(BatchError):
        world.service.submit(jsonl(applications(3)), DEFAULT_TENANT_ID, CALLER, "id")
    assert world.queue.deferred == []
    assert world.store.get("id-000000000001", None) is None


def test_the_queued_jobs_finish_the_batch(world: World, small_chunks: int) -> None:
    apps = applications(10)
    batch = world.service.submit(jsonl(apps), DEFAULT_TENANT_ID, CALLER, "en")
    assert world.work() == 3
    assert world.queue.depth() == 0
    progress = world.service.get(batch.id, DEFAULT_TENANT_ID)
    assert progress is not None
    assert (progress.status, progress.done, progress.failed, progress.pending) == ("done", 10, 0, 0)
    assert progress.batch.finished_at is not None
    records = world.records.all()
    assert sorted(r.loan_id for r in records) == sorted(a["loan_id"] for a in apps)
    assert {(r.tenant_id, r.lang, r.status) for r in records} == {
        (DEFAULT_TENANT_ID, "en", "success")
    }
    assert {r.caller for r in records} == {CALLER}


def test_a_chunk_run_twice_stores_each_item_once(world: World, small_chunks: int) -> None:
    service = world.service
    apps = applications(10)
    batch = service.submit(jsonl(apps), DEFAULT_TENANT_ID, CALLER, "en")
    assert service.process_chunk(batch.id, 1, 4) == 4
    assert service.process_chunk(batch.id, 1, 4) == 0  # its worker died after committing
    assert len(world.records.all()) == 4
    progress = service.get(batch.id, DEFAULT_TENANT_ID)
    assert progress is not None
    assert (progress.pending, progress.done, progress.failed) == (6, 4, 0)
    assert progress.status == "running"
    assert progress.batch.finished_at is None

    assert service.process_chunk(batch.id, 1, 10) == 6
    assert service.process_chunk(batch.id, 5, 8) == 0
    assert sorted(r.loan_id for r in world.records.all()) == sorted(a["loan_id"] for a in apps)
    finished = service.get(batch.id, DEFAULT_TENANT_ID)
    assert finished is not None
    assert finished.status == "done"
    assert finished.batch.finished_at is not None
    assert service.process_chunk("no-such-batch", 1, 4) == 0


def test_a_chunk_that_lost_the_race_stores_nothing_twice(small_chunks: int) -> None:
    """Two workers evaluate the same pending items; the one that completes second finds
    them done and adds nothing."""

    class RacingStore(FakeBatches):
        rival: BatchService | None = None

        def complete(self, batch: Any, results: list[ItemResult], now: datetime) -> None:
            if self.rival is not None:
                rival, self.rival = self.rival, None
                assert rival.process_chunk(batch.id, 1, 4) == 4
            super().complete(batch, results, now)

    world = World()
    racing = RacingStore(world.records)
    slow = world.make_service(racing)
    racing.rival = world.make_service(racing)
    apps = applications(4)
    batch = slow.submit(jsonl(apps), DEFAULT_TENANT_ID, CALLER, "id")
    slow.process_chunk(batch.id, 1, 4)
    records = world.records.all()
    assert sorted(r.loan_id for r in records) == sorted(a["loan_id"] for a in apps)
    assert len(records) == 4
    lines = slow.results(batch.id, DEFAULT_TENANT_ID)
    assert lines is not None
    linked = {orjson.loads(line)["id"] for line in lines}
    assert linked == {r.id for r in records}  # every item points at the record stored


def test_invalid_applications_are_failed_items_with_their_field_errors(
    world: World, small_chunks: int
) -> None:
    apps = applications(3)
    bad = invalid_application(apps[0], "bad-plafon")
    body = jsonl([apps[0], bad, apps[1]]) + b"{oops\n" + jsonl([[1, 2], apps[2]])
    batch = world.service.submit(body, DEFAULT_TENANT_ID, CALLER, "en")
    world.work()

    progress = world.service.get(batch.id, DEFAULT_TENANT_ID)
    assert progress is not None
    assert (progress.done, progress.failed, progress.pending) == (3, 3, 0)
    lines = world.lines(batch.id)
    assert [line["status"] for line in lines] == [
        "done",
        "failed",
        "done",
        "failed",
        "failed",
        "done",
    ]
    invalid = lines[1]
    assert invalid["loan_id"] == "bad-plafon"
    assert invalid["error"]["message"] == "invalid application"
    assert "application.plafon" in {e["field"] for e in invalid["error"]["errors"]}
    assert "id" not in invalid
    assert lines[3]["error"]["message"].startswith("invalid JSON")
    assert [e["field"] for e in lines[4]["error"]["errors"]] == ["(body)"]
    assert sorted(r.loan_id for r in world.records.all()) == sorted(a["loan_id"] for a in apps)
    tenant = world.tenants.by_id(DEFAULT_TENANT_ID)
    assert tenant is not None
    assert tenant.used_quota == 3  # failed items spend nothing


def test_quota_exhaustion_fails_the_remaining_items_and_spends_exactly_the_quota(
    world: World, small_chunks: int
) -> None:
    tenant, _ = TenantAdmin(world.tenants, world.clock, world.new_id).create("KSP Kuota", 5)
    apps = applications(9)
    body = jsonl([apps[0], invalid_application(apps[1], "bad"), *apps[2:]])
    batch = world.service.submit(body, tenant.id, CALLER, "id")
    world.work()
    world.run(world.chunks(batch.id), batch.id)  # every job again: nothing more is spent

    after = world.tenants.by_id(tenant.id)
    assert after is not None
    assert (after.used_quota, after.remaining_quota) == (5, 0)
    records = [r for r in world.records.all() if r.tenant_id == tenant.id]
    assert len(records) == 5
    lines = world.lines(batch.id, tenant.id)
    assert [line["status"] for line in lines] == ["done", "failed"] + ["done"] * 4 + ["failed"] * 3
    for line in lines[6:]:
        assert line["error"] == QUOTA_ERROR
        assert "id" not in line
    assert {line["id"] for line in lines if line["status"] == "done"} == {r.id for r in records}
    progress = world.service.get(batch.id, tenant.id)
    assert progress is not None
    assert (progress.status, progress.done, progress.failed, progress.pending) == ("done", 5, 4, 0)

    second = world.service.submit(jsonl(applications(2, seed=12)), tenant.id, CALLER, "id")
    world.work()
    assert [line["error"] for line in world.lines(second.id, tenant.id)] == [
        QUOTA_ERROR,
        QUOTA_ERROR,
    ]
    assert len([r for r in world.records.all() if r.tenant_id == tenant.id]) == 5


def test_the_summary_is_what_the_stored_results_say(world: World) -> None:
    apps = applications(60, seed=5)
    body = jsonl(apps[:30]) + b"not json\n" + jsonl([invalid_application(apps[30], "x")])
    body += jsonl(apps[31:])
    batch = world.service.submit(body, DEFAULT_TENANT_ID, CALLER, "id")
    world.work()

    progress = world.service.get(batch.id, DEFAULT_TENANT_ID)
    assert progress is not None
    assert (progress.status, progress.done, progress.failed, progress.pending) == ("done", 59, 2, 0)
    done = [line for line in world.lines(batch.id) if line["status"] == "done"]
    assert progress.outcomes == Counter(line["result"]["decision"]["outcome"] for line in done)
    assert progress.grades == Counter(line["result"]["assessment"]["grade"] for line in done)
    assert progress.total_plafon == sum(line["result"]["decision"]["plafon"] for line in done)
    by_id = {r.id: r for r in world.records.all()}
    for line, app in zip(done, apps[:30] + apps[31:], strict=True):
        record = by_id[line["id"]]
        assert record.result is not None
        assert orjson.loads(record.result) == line["result"]
        assert orjson.loads(record.payload) == app


def test_resume_stale_re_defers_only_stale_unfinished_batches(
    world: World, small_chunks: int
) -> None:
    service = world.service
    apps = applications(10, seed=21)
    finished = service.submit(jsonl(apps[:3]), DEFAULT_TENANT_ID, CALLER, "id")
    stalled = service.submit(jsonl(apps), DEFAULT_TENANT_ID, CALLER, "id")
    untouched = service.submit(jsonl(apps[:5]), DEFAULT_TENANT_ID, CALLER, "id")
    world.run([(1, 4)], finished.id)
    service.process_chunk(stalled.id, 5, 8)
    world.queue.lose_all()  # the other jobs were lost
    cut = world.clock()
    world.clock.advance(1)
    fresh = service.submit(jsonl(apps[:2]), DEFAULT_TENANT_ID, CALLER, "id")
    assert fresh.created_at > cut

    before = len(world.queue.deferred)
    assert service.resume_stale(cut) == 2  # stalled and untouched; finished, fresh not
    by_batch: dict[str, list[tuple[int, int]]] = {}
    for job in world.queue.deferred[before:]:
        by_batch.setdefault(job.args["batch_id"], []).append((job.args["first"], job.args["last"]))
    assert by_batch == {stalled.id: [(1, 4), (5, 8), (9, 10)], untouched.id: [(1, 4), (5, 5)]}

    assert service.resume_stale(cut) == 0  # marked touched
    world.clock.advance(1)
    assert service.resume_stale(world.clock()) == 3  # stalled, untouched, fresh

    world.work()  # the re-deferred jobs finish every batch, each item once
    for batch, total in ((stalled, 10), (untouched, 5), (fresh, 2), (finished, 3)):
        progress = service.get(batch.id, DEFAULT_TENANT_ID)
        assert progress is not None
        assert (progress.status, progress.done) == ("done", total)
    assert len(world.records.all()) == 20


def test_a_finished_batch_with_nothing_pending_is_never_re_deferred(world: World) -> None:
    batch = world.service.submit(jsonl(applications(2)), DEFAULT_TENANT_ID, CALLER, "id")
    world.work()
    before = len(world.queue.deferred)
    assert world.service.resume_stale(world.clock() + timedelta(hours=1)) == 0
    assert len(world.queue.deferred) == before
    assert world.service.get(batch.id, DEFAULT_TENANT_ID) is not None


def test_the_store_reads_pending_items_in_order_within_the_range(world: World) -> None:
    apps = applications(6)
    batch = world.service.submit(jsonl(apps), DEFAULT_TENANT_ID, CALLER, "id")
    assert [i.seq for i in world.store.pending(batch.id, 2, 4)] == [2, 3, 4]
    world.service.process_chunk(batch.id, 3, 3)
    pending = world.store.pending(batch.id, 1, 6)
    assert [i.seq for i in pending] == [1, 2, 4, 5, 6]
    assert isinstance(pending[0], Item)
    assert orjson.loads(pending[0].payload) == apps[0]


def test_an_item_the_engine_fails_on_fails_alone_and_the_batch_completes(
    world: World, small_chunks: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_evaluate = batches_module.evaluate

    def crashing(raw: Any, **kwargs: Any) -> Any:
        if isinstance(raw, dict) and raw.get("loan_id") == "poison":
            raise ArithmeticError("an engine bug")
        return real_evaluate(raw, **kwargs)

    monkeypatch.setattr(batches_module, "evaluate", crashing)
    apps = applications(4, seed=31)
    poison = copy.deepcopy(apps[0])
    poison["loan_id"] = "poison"
    batch = world.service.submit(
        jsonl([apps[0], poison, *apps[1:]]), DEFAULT_TENANT_ID, CALLER, "id"
    )
    world.work()
    progress = world.service.get(batch.id, DEFAULT_TENANT_ID)
    assert progress is not None
    assert (progress.status, progress.done, progress.failed) == ("done", 4, 1)
    assert world.lines(batch.id)[1]["error"] == {
        "message": "internal error: the engine could not evaluate this application"
    }
    assert len(world.records.all()) == 4


def test_observe_is_told_of_every_evaluated_item(world: World) -> None:
    seen: list[dict[str, Any]] = []
    world.service.observe = seen.append
    apps = applications(3)
    world.service.submit(
        jsonl([apps[0], invalid_application(apps[1], "bad"), apps[2]]),
        DEFAULT_TENANT_ID,
        CALLER,
        "id",
    )
    world.work()
    assert len(seen) == 2  # the invalid application is not a result
    stored = [orjson.loads(r.result or "null") for r in world.records.all()]
    assert sorted(orjson.dumps(r) for r in seen) == sorted(orjson.dumps(r) for r in stored)
