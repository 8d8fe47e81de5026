"""Portfolio batches below the HTTP layer: :class:`BatchService` over the SQL store with the
embedded job queue, on the test's database (a SQLite file; PostgreSQL too, see the
conftest) — chunks deferred, each item stored exactly once however often a chunk runs,
invalid applications and quota exhaustion as failed items, the summary against the stored
results, and the re-deferral of stalled batches. The same behaviour on the in-memory fakes:
``tests/unit/test_batch_service.py``."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from sqlalchemy import Engine, func, select

import cde.service.batches as batches_module
from batch_inputs import CALLER, QUOTA_ERROR, applications, invalid_application, jsonl
from cde.adapters.db.batches import SqlBatches
from cde.adapters.db.engine import create_db_engine, migrate
from cde.adapters.db.tables import DEFAULT_TENANT_ID, batch_items, jobs, recommendations
from cde.adapters.db.tenants import SqlTenants
from cde.adapters.jobs.embedded import EmbeddedQueue
from cde.bootstrap import new_id
from cde.policies import default_policy
from cde.service.batches import BatchError, BatchService, Item, ItemResult
from cde.service.jobs import BATCH_CHUNK
from cde.service.tenants import TenantAdmin
from clocks import TestClock

CLOCK = TestClock()  # the services' clock: never the machine's date


# --- BatchService over the SQL store ----------------------------------------------------------


@pytest.fixture
def engine(database_url: str | None, data_dir: Path) -> Iterator[Engine]:
    """The test's database (the conftest's): a SQLite file in the test's data directory, or
    the module's PostgreSQL database, reset to just-migrated."""
    built = create_db_engine(database_url or f"sqlite:///{(data_dir / 'cde.db').as_posix()}")
    migrate(built)
    try:
        yield built
    finally:
        built.dispose()


@pytest.fixture
def queue(engine: Engine) -> EmbeddedQueue:
    return EmbeddedQueue(engine, CLOCK, lease_seconds=30)


def make_service(engine: Engine, queue: EmbeddedQueue, store: Any = None) -> BatchService:
    return BatchService(
        store if store is not None else SqlBatches(engine),
        queue,
        default_policy(),
        CLOCK,
        ZoneInfo("Asia/Jakarta"),
        new_id,
        max_items=1000,
    )


@pytest.fixture
def service(engine: Engine, queue: EmbeddedQueue) -> BatchService:
    return make_service(engine, queue)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    """Chunks of 4 items, so a few applications make several chunks."""
    monkeypatch.setattr(batches_module, "CHUNK_ITEMS", 4)
    return 4


def deferred_chunks(engine: Engine, batch_id: str | None = None) -> list[tuple[int, int]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(jobs.c.kind, jobs.c.args, jobs.c.status).order_by(jobs.c.id)
        ).all()
    chunks = []
    for kind, args, status in rows:
        assert kind == BATCH_CHUNK
        assert status == "queued"
        decoded = orjson.loads(args)
        if batch_id is None or decoded["batch_id"] == batch_id:
            chunks.append((decoded["first"], decoded["last"]))
    return chunks


def stored_records(engine: Engine, tenant_id: str | None = None) -> list[Any]:
    query = select(recommendations).order_by(recommendations.c.loan_id)
    if tenant_id is not None:
        query = query.where(recommendations.c.tenant_id == tenant_id)
    with engine.connect() as conn:
        return list(conn.execute(query).all())


def run_all(service: BatchService, chunks: list[tuple[int, int]], batch_id: str) -> int:
    return sum(service.process_chunk(batch_id, first, last) for first, last in chunks)


def result_lines(service: BatchService, batch_id: str, tenant_id: str) -> list[dict[str, Any]]:
    lines = service.results(batch_id, tenant_id)
    assert lines is not None
    return [orjson.loads(line) for line in lines]


def test_submit_stores_every_item_pending_and_defers_one_job_per_chunk(
    service: BatchService, engine: Engine, small_chunks: int
) -> None:
    apps = applications(10)
    batch = service.submit(jsonl(apps), DEFAULT_TENANT_ID, CALLER, "id")
    assert batch.total == 10
    assert batch.tenant_id == DEFAULT_TENANT_ID
    assert batch.caller == CALLER
    assert batch.as_of == batch.created_at.astimezone(ZoneInfo("Asia/Jakarta")).date()
    assert deferred_chunks(engine) == [(1, 4), (5, 8), (9, 10)]
    assert service.queue.depth() == 3

    progress = service.get(batch.id, DEFAULT_TENANT_ID)
    assert progress is not None
    assert (progress.pending, progress.done, progress.failed) == (10, 0, 0)
    assert progress.status == "queued"
    assert stored_records(engine) == []
    assert service.store.get(batch.id, None) == batch  # as stored, read back

    # another tenant's batch is as absent as a missing one
    assert service.get(batch.id, "another-tenant") is None
    assert service.results(batch.id, "another-tenant") is None
    assert service.get("missing", DEFAULT_TENANT_ID) is None


def test_a_batch_over_the_limit_stores_nothing_and_defers_nothing(
    engine: Engine, queue: EmbeddedQueue
) -> None:
    service = make_service(engine, queue)
    service.max_items = 2
    with pytest.raises(BatchError):
        service.submit(jsonl(applications(3)), DEFAULT_TENANT_ID, CALLER, "id")
    assert deferred_chunks(engine) == []
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(batch_items)).scalar_one() == 0


def test_a_chunk_run_twice_stores_each_item_once(
    service: BatchService, engine: Engine, small_chunks: int
) -> None:
    apps = applications(10)
    batch = service.submit(jsonl(apps), DEFAULT_TENANT_ID, CALLER, "en")
    assert service.process_chunk(batch.id, 1, 4) == 4
    assert service.process_chunk(batch.id, 1, 4) == 0  # its worker died after committing
    assert len(stored_records(engine)) == 4
    progress = service.get(batch.id, DEFAULT_TENANT_ID)
    assert progress is not None
    assert (progress.pending, progress.done, progress.failed) == (6, 4, 0)
    assert progress.status == "running"
    assert progress.batch.finished_at is None

    # an overlapping range (a re-deferred stalled batch) only does what is left
    assert service.process_chunk(batch.id, 1, 10) == 6
    assert service.process_chunk(batch.id, 5, 8) == 0
    records = stored_records(engine)
    assert sorted(r.loan_id for r in records) == sorted(a["loan_id"] for a in apps)
    assert {r.tenant_id for r in records} == {DEFAULT_TENANT_ID}
    assert {r.lang for r in records} == {"en"}
    assert {(r.user_id, r.user_name, r.user_role, r.claimed_ip) for r in records} == {
        ("123", "Samehada", "Eksekutif", "127.0.0.1")
    }
    finished = service.get(batch.id, DEFAULT_TENANT_ID)
    assert finished is not None
    assert finished.status == "done"
    assert finished.batch.finished_at is not None
    # a missing batch is nothing to do
    assert service.process_chunk("no-such-batch", 1, 4) == 0


def test_a_chunk_that_lost_the_race_stores_nothing_twice(
    engine: Engine, queue: EmbeddedQueue, small_chunks: int
) -> None:
    """Two workers evaluate the same pending items (a lease ran out while the first was
    still busy); the one that commits second finds them done and adds nothing."""

    class RacingStore(SqlBatches):
        """Before completing, lets a rival worker run the same chunk to the end."""

        rival: BatchService | None = None

        def complete(self, batch: Any, results: list[ItemResult], now: datetime) -> None:
            if self.rival is not None:
                rival, self.rival = self.rival, None
                assert rival.process_chunk(batch.id, 1, 4) == 4
            super().complete(batch, results, now)

    racing = RacingStore(engine)
    slow = make_service(engine, queue, racing)
    racing.rival = make_service(engine, queue)
    apps = applications(4)
    batch = slow.submit(jsonl(apps), DEFAULT_TENANT_ID, CALLER, "id")
    slow.process_chunk(batch.id, 1, 4)
    records = stored_records(engine)
    assert sorted(r.loan_id for r in records) == sorted(a["loan_id"] for a in apps)
    assert len(records) == 4
    with engine.connect() as conn:
        linked = set(
            conn.execute(select(batch_items.c.record_id).where(batch_items.c.batch_id == batch.id))
            .scalars()
            .all()
        )
    assert linked == {r.id for r in records}  # every item points at the record stored


def test_invalid_applications_are_failed_items_with_their_field_errors(
    service: BatchService, engine: Engine, small_chunks: int
) -> None:
    apps = applications(3)
    bad = invalid_application(apps[0], "bad-plafon")
    body = jsonl([apps[0], bad, apps[1]]) + b"{oops\n" + jsonl([[1, 2], apps[2]])
    batch = service.submit(body, DEFAULT_TENANT_ID, CALLER, "en")
    run_all(service, deferred_chunks(engine), batch.id)

    progress = service.get(batch.id, DEFAULT_TENANT_ID)
    assert progress is not None
    assert (progress.done, progress.failed, progress.pending) == (3, 3, 0)
    lines = result_lines(service, batch.id, DEFAULT_TENANT_ID)
    assert [line["seq"] for line in lines] == [1, 2, 3, 4, 5, 6]
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
    assert all(e["message"] for e in invalid["error"]["errors"])
    assert "id" not in invalid
    assert "result" not in invalid
    unreadable = lines[3]
    assert unreadable["error"]["message"].startswith("invalid JSON")
    assert (unreadable["loan_id"], unreadable["customer_id"]) == (None, None)
    not_an_object = lines[4]
    assert not_an_object["error"]["message"] == "invalid application"
    assert [e["field"] for e in not_an_object["error"]["errors"]] == ["(body)"]
    # failed items store no recommendation and spend no quota
    assert sorted(r.loan_id for r in stored_records(engine)) == sorted(a["loan_id"] for a in apps)


def test_quota_exhaustion_fails_the_remaining_items_and_spends_exactly_the_quota(
    engine: Engine, queue: EmbeddedQueue, small_chunks: int
) -> None:
    tenants = SqlTenants(engine)
    tenant, _ = TenantAdmin(tenants, CLOCK, new_id).create("KSP Kuota", 5)
    service = make_service(engine, queue)
    apps = applications(9)
    body = jsonl([apps[0], invalid_application(apps[1], "bad"), *apps[2:]])
    batch = service.submit(body, tenant.id, CALLER, "id")
    chunks = deferred_chunks(engine)
    run_all(service, chunks, batch.id)
    run_all(service, chunks, batch.id)  # every job again: nothing more is spent

    after = tenants.by_id(tenant.id)
    assert after is not None
    assert after.used_quota == 5
    assert after.remaining_quota == 0
    records = stored_records(engine, tenant.id)
    assert len(records) == 5
    lines = result_lines(service, batch.id, tenant.id)
    assert [line["status"] for line in lines] == ["done", "failed"] + ["done"] * 4 + ["failed"] * 3
    assert lines[1]["error"]["message"] == "invalid application"
    for line in lines[6:]:
        assert line["error"] == QUOTA_ERROR
        assert "id" not in line
    assert {line["id"] for line in lines if line["status"] == "done"} == {r.id for r in records}
    progress = service.get(batch.id, tenant.id)
    assert progress is not None
    assert (progress.status, progress.done, progress.failed, progress.pending) == ("done", 5, 4, 0)

    # a tenant with no quota left: every item fails, nothing is spent or stored
    second = service.submit(jsonl(applications(2, seed=12)), tenant.id, CALLER, "id")
    run_all(service, deferred_chunks(engine, second.id), second.id)
    assert [line["error"] for line in result_lines(service, second.id, tenant.id)] == [
        QUOTA_ERROR,
        QUOTA_ERROR,
    ]
    assert len(stored_records(engine, tenant.id)) == 5


def test_the_summary_is_what_the_stored_results_say(service: BatchService, engine: Engine) -> None:
    apps = applications(60, seed=5)
    body = jsonl(apps[:30]) + b"not json\n" + jsonl([invalid_application(apps[30], "x")])
    body += jsonl(apps[31:])
    batch = service.submit(body, DEFAULT_TENANT_ID, CALLER, "id")
    run_all(service, deferred_chunks(engine), batch.id)

    progress = service.get(batch.id, DEFAULT_TENANT_ID)
    assert progress is not None
    assert progress.status == "done"
    assert (progress.done, progress.failed, progress.pending) == (59, 2, 0)

    lines = result_lines(service, batch.id, DEFAULT_TENANT_ID)
    done = [line for line in lines if line["status"] == "done"]
    outcomes = Counter(line["result"]["decision"]["outcome"] for line in done)
    grades = Counter(line["result"]["assessment"]["grade"] for line in done)
    plafon = sum(line["result"]["decision"]["plafon"] for line in done)
    assert progress.outcomes == outcomes
    assert progress.grades == grades
    assert progress.total_plafon == plafon
    assert len(outcomes) > 1  # the generated applications are varied
    assert plafon > 0

    # and the stream's results are the stored records' results, item by item
    by_id = {r.id: r for r in stored_records(engine)}
    assert len(by_id) == 59
    for line, app in zip(
        [line for line in lines if line["status"] == "done"], apps[:30] + apps[31:], strict=True
    ):
        record = by_id[line["id"]]
        assert orjson.loads(record.result) == line["result"]
        assert orjson.loads(record.payload) == app
        assert (line["loan_id"], line["customer_id"]) == (app["loan_id"], app["customer_id"])
        assert record.status == "success"


def test_resume_stale_re_defers_only_stale_unfinished_batches(
    service: BatchService, engine: Engine, small_chunks: int
) -> None:
    apps = applications(10, seed=21)
    finished = service.submit(jsonl(apps[:3]), DEFAULT_TENANT_ID, CALLER, "id")
    stalled = service.submit(jsonl(apps), DEFAULT_TENANT_ID, CALLER, "id")
    untouched = service.submit(jsonl(apps[:5]), DEFAULT_TENANT_ID, CALLER, "id")
    run_all(service, [(1, 4)], finished.id)
    service.process_chunk(stalled.id, 5, 8)  # its other jobs were lost
    cut = CLOCK()
    fresh = service.submit(jsonl(apps[:2]), DEFAULT_TENANT_ID, CALLER, "id")
    assert fresh.created_at > cut

    jobs_before = len(deferred_chunks(engine))
    assert service.resume_stale(cut) == 2  # stalled and untouched; finished, fresh not
    new = deferred_chunks(engine)[jobs_before:]
    by_batch: dict[str, list[tuple[int, int]]] = {}
    with engine.connect() as conn:
        for (args,) in conn.execute(select(jobs.c.args).order_by(jobs.c.id)).all()[jobs_before:]:
            decoded = orjson.loads(args)
            by_batch.setdefault(decoded["batch_id"], []).append((decoded["first"], decoded["last"]))
    assert len(new) == sum(len(v) for v in by_batch.values())
    # the pending range (1..10: 1-4 and 9-10 are pending) in chunks of 4
    assert by_batch == {stalled.id: [(1, 4), (5, 8), (9, 10)], untouched.id: [(1, 4), (5, 5)]}

    # they were marked touched: at once again, nothing is stale
    assert service.resume_stale(cut) == 0
    assert len(deferred_chunks(engine)) == jobs_before + len(new)
    # later still, the unfinished ones are stale again; the finished one never is
    later = CLOCK() + timedelta(seconds=1)
    assert service.resume_stale(later) == 3  # stalled, untouched, fresh

    # the re-deferred jobs finish the stalled batch, each item once
    run_all(service, by_batch[stalled.id], stalled.id)
    progress = service.get(stalled.id, DEFAULT_TENANT_ID)
    assert progress is not None
    assert (progress.status, progress.done) == ("done", 10)
    with engine.connect() as conn:
        stored = conn.execute(
            select(func.count(), func.count(func.distinct(recommendations.c.loan_id)))
        ).one()
    assert tuple(stored) == (13, 10)  # finished's 3 (the same loans again) and stalled's 10


def test_a_finished_batch_with_nothing_pending_is_never_re_deferred(
    service: BatchService, engine: Engine
) -> None:
    batch = service.submit(jsonl(applications(2)), DEFAULT_TENANT_ID, CALLER, "id")
    run_all(service, deferred_chunks(engine), batch.id)
    before = len(deferred_chunks(engine))
    assert service.resume_stale(CLOCK() + timedelta(hours=1)) == 0
    assert len(deferred_chunks(engine)) == before


def test_the_store_reads_pending_items_in_order_within_the_range(
    service: BatchService, engine: Engine
) -> None:
    apps = applications(6)
    batch = service.submit(jsonl(apps), DEFAULT_TENANT_ID, CALLER, "id")
    store = SqlBatches(engine)
    assert [i.seq for i in store.pending(batch.id, 2, 4)] == [2, 3, 4]
    service.process_chunk(batch.id, 3, 3)
    pending = store.pending(batch.id, 1, 6)
    assert [i.seq for i in pending] == [1, 2, 4, 5, 6]
    assert isinstance(pending[0], Item)
    assert orjson.loads(pending[0].payload) == apps[0]


# --- an item the engine itself fails on ---------------------------------------------------------


def test_an_item_the_engine_fails_on_fails_alone_and_the_batch_completes(
    service: BatchService, engine: Engine, small_chunks: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An engine bug on one input (fuzzing found one: a plafon of 1e308 raised
    ``decimal.InvalidOperation``) must not sink its chunk: before the fix in
    ``process_chunk`` the chunk's job failed on every attempt, its other items stayed
    pending for ever and the batch was never done."""
    real_evaluate = batches_module.evaluate

    def crashing(raw: Any, **kwargs: Any) -> Any:
        if isinstance(raw, dict) and raw.get("loan_id") == "poison":
            raise ArithmeticError("an engine bug")
        return real_evaluate(raw, **kwargs)

    monkeypatch.setattr(batches_module, "evaluate", crashing)
    apps = applications(4, seed=31)
    poison = copy.deepcopy(apps[0])
    poison["loan_id"] = "poison"
    batch = service.submit(jsonl([apps[0], poison, *apps[1:]]), DEFAULT_TENANT_ID, CALLER, "id")
    assert run_all(service, deferred_chunks(engine), batch.id) == 5
    progress = service.get(batch.id, DEFAULT_TENANT_ID)
    assert progress is not None
    assert (progress.status, progress.done, progress.failed) == ("done", 4, 1)
    lines = result_lines(service, batch.id, DEFAULT_TENANT_ID)
    assert lines[1]["status"] == "failed"
    assert lines[1]["loan_id"] == "poison"
    assert lines[1]["error"] == {
        "message": "internal error: the engine could not evaluate this application"
    }
    assert len(stored_records(engine)) == 4
