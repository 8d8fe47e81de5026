""":class:`OutcomeService` on the in-memory fakes (``tests/fakes.py``), no database: a body
of JSON lines, a JSON array or CSV is read line by line; the good lines are stored and a
bad one is reported with its line and field errors; a repeat replaces and the old value
goes to the history; loan ids without a recommendation are reported. The SQL store is held
to the same behaviour by ``tests/integration/test_port_contracts.py``."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import orjson
import pytest

from cde.policies import default_policy
from cde.service.outcomes import (
    OutcomeBodyError,
    OutcomeService,
    RawLine,
    parse_csv,
    parse_lines,
)
from cde.service.ports import Caller, StoredRecommendation
from clocks import TestClock
from fakes import DEFAULT_TENANT_ID, FakeOutcomes, FakeRecommendations, FakeTenants

ANA = Caller("1", "Ana", "Analis", "127.0.0.1", "203.0.113.7")
BUDI = Caller("2", "Budi", "Eksekutif", None, "203.0.113.8")


def jsonl(*records: object) -> bytes:
    return b"\n".join(orjson.dumps(r) for r in records) + b"\n"


class World:
    def __init__(self, max_lines: int = 100) -> None:
        self.clock = TestClock()
        self.records = FakeRecommendations(FakeTenants(now=self.clock()))
        self.store = FakeOutcomes(self.records)
        self.service = OutcomeService(self.store, default_policy(), self.clock, max_lines)

    def recommend(self, loan_id: str, tenant_id: str = DEFAULT_TENANT_ID) -> None:
        n = len(self.records.all()) + 1
        self.records.add(
            StoredRecommendation(
                id=f"r-{n:04d}",
                created_at=self.clock(),
                loan_id=loan_id,
                customer_id="C1",
                status="success",
                payload="{}",
                result="{}",
                error=None,
                lang="id",
                policy_name="cde-default",
                policy_version="1",
                engine_version="0",
                caller=ANA,
                tenant_id=tenant_id,
            ),
            spend_quota=False,
        )


@pytest.fixture
def world() -> World:
    return World()


def test_good_lines_are_stored_and_bad_lines_reported_with_their_field_errors(
    world: World,
) -> None:
    world.recommend("L1")
    body = jsonl(
        {"loan_id": "L1", "bad": 1, "observed_at": "2026-10-31", "applied_at": "2025-10-01"},
        {"loan_id": "L2", "kolektibilitas": "Macet"},
        {"loan_id": "L3", "bad": 0, "kolektibilitas": 4},
        {"bad": "maybe"},
    )
    report = world.service.record_body(body, DEFAULT_TENANT_ID, ANA)
    assert (report.received, report.accepted, report.new, report.invalid) == (4, 2, 2, 2)
    assert report.unknown_loan_ids == ["L2"]
    assert [(e.line, e.loan_id) for e in report.errors] == [(3, "L3"), (4, None)]
    assert [p.field for p in report.errors[0].errors] == ["bad"]
    assert [p.field for p in report.errors[1].errors] == ["loan_id", "bad"]
    first = world.store.get(DEFAULT_TENANT_ID, "L1")
    assert first is not None
    assert (first.bad, first.observed_at, first.applied_at, first.revision) == (
        True,
        date(2026, 10, 31),
        date(2025, 10, 1),
        1,
    )
    second = world.store.get(DEFAULT_TENANT_ID, "L2")
    assert second is not None
    assert (second.bad, second.kolektibilitas) == (True, 5)
    assert world.store.get(DEFAULT_TENANT_ID, "L3") is None


def test_a_repeat_replaces_and_the_history_keeps_the_old_value_when_and_by_whom(
    world: World,
) -> None:
    world.service.record_body(jsonl({"loan_id": "L1", "kolektibilitas": 2}), "default", ANA)
    before = world.store.get("default", "L1")
    assert before is not None
    first_at = before.updated_at
    world.clock.advance(30 * 86400)
    report = world.service.record_body(
        jsonl({"loan_id": "L1", "kolektibilitas": 5}, {"loan_id": "L2", "bad": 0}), "default", BUDI
    )
    assert (report.accepted, report.new, report.replaced, report.unchanged) == (2, 1, 1, 0)
    now = world.store.get("default", "L1")
    assert now is not None
    assert (now.bad, now.kolektibilitas, now.revision, now.caller) == (True, 5, 2, BUDI)
    assert now.received_at == first_at
    [change] = world.service.history("default", ["L1", "L2"])
    assert (change.revision, change.bad, change.kolektibilitas) == (1, False, 2)
    assert (change.recorded_at, change.recorded_by.user_name) == (first_at, "Ana")
    assert (change.replaced_at, change.replaced_by.user_name) == (now.updated_at, "Budi")
    assert now.updated_at - first_at >= timedelta(days=30)


def test_the_same_value_again_changes_nothing(world: World) -> None:
    body = jsonl({"loan_id": "L1", "bad": True})
    world.service.record_body(body, "default", ANA)
    report = world.service.record_body(body, "default", BUDI)
    assert (report.accepted, report.new, report.replaced, report.unchanged) == (1, 0, 0, 1)
    stored = world.store.get("default", "L1")
    assert stored is not None
    assert (stored.revision, stored.caller) == (1, ANA)
    assert world.service.history("default", ["L1"]) == []


def test_a_loan_twice_in_one_body_keeps_the_last_and_the_first_in_history(world: World) -> None:
    body = jsonl({"loan_id": "L1", "bad": 0}, {"loan_id": "L1", "bad": 1})
    report = world.service.record_body(body, "default", ANA)
    assert (report.new, report.replaced, report.unknown_loan_ids) == (1, 1, ["L1"])
    stored = world.store.get("default", "L1")
    assert stored is not None
    assert (stored.bad, stored.revision) == (True, 2)
    assert [c.bad for c in world.service.history("default", ["L1"])] == [False]


def test_tenants_are_kept_apart(world: World) -> None:
    world.recommend("L1", tenant_id="other")
    report = world.service.record_body(jsonl({"loan_id": "L1", "bad": 1}), "default", ANA)
    assert report.unknown_loan_ids == ["L1"]  # the other tenant's loan is not this one's
    world.service.record_body(jsonl({"loan_id": "L1", "bad": 0}), "other", ANA)
    assert world.service.list("default").total == 1
    assert world.service.list("other").items[0].bad is False
    assert world.service.history("default", ["L1"]) == []


def test_the_list_is_paged_by_loan_id(world: World) -> None:
    body = jsonl(*({"loan_id": f"L{n:02d}", "bad": n % 2} for n in range(1, 26)))
    world.service.record_body(body, "default", ANA)
    page = world.service.list("default", page=3, limit=10)
    assert page.total == 25
    assert [o.loan_id for o in page.items] == [f"L{n:02d}" for n in range(21, 26)]
    only = world.service.list("default", loan_id="L07")
    assert [o.loan_id for o in only.items] == ["L07"]


def test_a_body_of_only_bad_lines_stores_nothing_and_reports_each(world: World) -> None:
    report = world.service.record_body(b'{"loan_id": "L1"}\nnope\n', "default", ANA)
    assert (report.received, report.accepted, report.invalid) == (2, 0, 2)
    assert [e.line for e in report.errors] == [1, 2]
    assert report.errors[1].errors[0].field == "(line)"
    assert world.service.list("default").total == 0


@pytest.mark.parametrize(
    ("body", "media_type"),
    [
        (b"", None),
        (b"  \n\n", None),
        (b"5", None),
        (b'{\n"loan_id": "L1",\n"bad": 1\n}', None),
        (b"[1, 2", None),
        (b'{"loan_id": "L1", "bad": 1}', "application/json"),
        (b"[]", None),
    ],
)
def test_a_body_that_is_not_outcome_records_is_refused(
    world: World, body: bytes, media_type: str | None
) -> None:
    with pytest.raises(OutcomeBodyError):
        world.service.record_body(body, "default", ANA, media_type)


def test_too_many_lines_are_refused() -> None:
    world = World(max_lines=2)
    with pytest.raises(OutcomeBodyError, match="at most 2"):
        world.service.record_body(
            jsonl(*({"loan_id": f"L{n}", "bad": 1} for n in range(3))), "default", ANA
        )


def test_json_lines_are_numbered_by_their_line_and_an_array_by_its_position() -> None:
    lines = parse_lines(b'{"loan_id": "A"}\n\n{"loan_id": "B"}\n')
    assert [(line.line, line.value["loan_id"]) for line in lines] == [(1, "A"), (3, "B")]
    array = parse_lines(b'[{"loan_id": "A"}, 7]', "application/json")
    assert array == [RawLine(1, {"loan_id": "A"}), RawLine(2, 7)]
    with pytest.raises(OutcomeBodyError):  # a JSON-lines body that is one array
        parse_lines(b'[{"loan_id": "A"}]', "application/x-ndjson")


def test_csv_rows_are_records_numbered_by_their_line_in_the_file() -> None:
    body = (
        "\ufeffloan_id;Bad;kolektibilitas;observed_at\r\n"
        "L1;1;;2026-10-31\r\n"
        "\r\n"
        'L2;;"Kurang Lancar";\r\n'
        "L3;1;2;x;extra\r\n"
    ).encode()
    lines = parse_csv(body)
    assert [line.line for line in lines] == [2, 4, 5]
    assert lines[0].value == {
        "loan_id": "L1",
        "bad": "1",
        "kolektibilitas": "",
        "observed_at": "2026-10-31",
    }
    assert lines[1].value["kolektibilitas"] == "Kurang Lancar"
    assert lines[2].error is not None
    with pytest.raises(OutcomeBodyError, match="loan_id"):
        parse_csv(b"id,bad\n1,1\n")
    with pytest.raises(OutcomeBodyError, match="header"):
        parse_csv(b"")


def test_the_report_reads_as_the_api_writes_it(world: World) -> None:
    report = world.service.record_body(
        jsonl({"loan_id": "L1", "bad": "x"}, {"loan_id": "L2", "bad": 0}), "default", ANA
    )
    assert report.as_dict("en") == {
        "received": 2,
        "accepted": 1,
        "new": 1,
        "replaced": 0,
        "unchanged": 0,
        "invalid": 1,
        "unknown_loan_ids": ["L2"],
        "errors": [
            {
                "line": 1,
                "loan_id": "L1",
                "errors": [
                    {
                        "field": "bad",
                        "message": "cannot be read: expected yes or no, such as true/false, "
                        "ya/tidak or 1/0, got 'x'",
                    }
                ],
            }
        ],
    }
    assert dataclasses.replace(report, errors=[]).as_dict("id")["errors"] == []
