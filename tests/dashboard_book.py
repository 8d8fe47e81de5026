"""The small book of the dashboard's tests, worked out by hand in
``tests/unit/test_dashboard.py`` (which runs the dashboard on the fakes) and read again
through the SQL adapters in ``tests/integration/test_dashboard_sql.py``.

Import it by name (``from dashboard_book import World``): ``tests/`` is on pytest's
``pythonpath`` (pyproject.toml).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from cde.domain.application import Kolektibilitas
from cde.domain.outcomes import Outcome
from cde.policies import default_policy
from cde.service.challenger import ChallengerResult, ChallengerService, ChallengerStore, PolicyId
from cde.service.dashboard import Dashboard, DashboardView
from cde.service.monitoring import MonitoringStore
from cde.service.outcomes import OutcomeStore
from cde.service.ports import Caller, RecommendationRepository, StoredRecommendation
from clocks import TEST_NOW, TestClock
from fakes import (
    DEFAULT_TENANT_ID,
    FakeChallengerResults,
    FakeJobQueue,
    FakeMonitoring,
    FakeOutcomes,
    FakeRecommendations,
    FakeTenants,
)

__all__ = [
    "CALLER",
    "FIRST",
    "JAKARTA",
    "LAST",
    "Stores",
    "World",
    "jakarta",
    "nov",
    "psi_book",
    "result",
    "shadowed",
    "the_book",
    "the_book_reversed",
]

JAKARTA = ZoneInfo("Asia/Jakarta")
FIRST, LAST = date(2026, 11, 9), date(2026, 11, 22)
CALLER = Caller("123", "Samehada", "Eksekutif")


def jakarta(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=JAKARTA).astimezone(UTC)


def nov(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return jakarta(date(2026, 11, day), hour, minute)


def result(outcome: str, grade: str, score: int, plafon: int) -> str:
    return orjson.dumps(
        {
            "decision": {"outcome": outcome, "plafon": plafon, "reasons": []},
            "assessment": {"score": score, "grade": grade},
        }
    ).decode()


@dataclass(frozen=True)
class Stores:
    """The stores a dashboard reads, sharing one book (the fakes, or the SQL adapters on
    one database)."""

    records: RecommendationRepository
    outcomes: OutcomeStore
    results: ChallengerStore
    monitoring: MonitoringStore

    @classmethod
    def fakes(cls) -> Stores:
        records = FakeRecommendations(FakeTenants(now=TEST_NOW))
        outcomes = FakeOutcomes(records)
        return cls(records, outcomes, FakeChallengerResults(outcomes), FakeMonitoring(outcomes))


class World:
    """Stores sharing one book (the fakes by default), a challenger service reading its
    stored results and the dashboard over them, on a clock at ``TEST_NOW`` (23 November
    2026, Jakarta)."""

    def __init__(self, stores: Stores | None = None) -> None:
        stores = stores or Stores.fakes()
        self.clock = TestClock(TEST_NOW)
        self.records = stores.records
        self.outcomes = stores.outcomes
        self.results = stores.results
        self.monitoring = stores.monitoring
        self.challenger = ChallengerService(
            self.results,
            self.records,
            FakeJobQueue(),
            default_policy(),
            None,
            0.0,
            JAKARTA,
            self.clock,
        )
        self.dashboard = Dashboard(
            self.monitoring,
            default_policy(),
            JAKARTA,
            self.clock,
            challenger=self.challenger,
        )
        self.n = 0

    def add(
        self,
        at: datetime,
        outcome: str = "approve",
        grade: str = "C",
        score: int = 50,
        plafon: int = 0,
        *,
        loan_id: str | None = None,
        status: str = "success",
        tenant_id: str = DEFAULT_TENANT_ID,
        record_id: str | None = None,
        result_text: str | None = None,
    ) -> str:
        self.n += 1
        failed = status == "fail"
        stored = StoredRecommendation(
            id=record_id or f"r-{self.n:04d}",
            created_at=at,
            loan_id=loan_id or f"L{self.n}",
            customer_id="C1",
            status=status,
            payload="{}",
            result=None if failed else result_text or result(outcome, grade, score, plafon),
            error="refused" if failed else None,
            lang="id",
            policy_name="default",
            policy_version="2025.1",
            engine_version="0",
            caller=CALLER,
            tenant_id=tenant_id,
        )
        self.records.add(stored, spend_quota=False)
        return stored.id

    def view(
        self,
        lang: str = "id",
        start: date | None = FIRST,
        end: date | None = LAST,
        tenant_id: str = DEFAULT_TENANT_ID,
    ) -> DashboardView:
        return self.dashboard.overview(tenant_id, lang, start, end)


def the_book(w: World) -> None:
    w.add(nov(9, 0, 0), "approve", "A", 85, 10_000_000, loan_id="L1")
    w.add(nov(10), "approve_with_conditions", "B", 72, 5_000_000, loan_id="L2")
    w.add(nov(12), "decline", "E", 31, 0, loan_id="L3")
    w.add(nov(16), "approve", "B", 78, 20_000_000, loan_id="L4")
    w.add(nov(18), "decline", "D", 45, 0, loan_id="L5")
    w.add(nov(20), status="fail", loan_id="L6")
    w.add(nov(21), "approve", "A", 100, 15_000_000, loan_id="L7")
    w.add(nov(22, 23, 59), "decline", "C", 55, 0, loan_id="L8")
    w.add(nov(19), "decline", "E", 21, 0, loan_id="L12", status="processing")
    # out of the range, or another tenant's
    w.add(nov(8, 23, 59), "approve", "A", 90, 99_000_000, loan_id="L9")
    w.add(nov(23, 0, 0), "approve", "A", 90, 99_000_000, loan_id="L10")
    w.add(nov(15), "approve", "A", 90, 99_000_000, loan_id="L2", tenant_id="x")
    k = Kolektibilitas
    w.outcomes.save(
        DEFAULT_TENANT_ID,
        [
            Outcome("L1", False, k.LANCAR),
            Outcome("L8", False, k.DPK),
            Outcome("L4", True, k.DIRAGUKAN),
            Outcome("L3", True, k.MACET),
            Outcome("L5", True),
            Outcome("L6", True),  # the loan of the failed record: never answered
        ],
        CALLER,
        TEST_NOW,
    )
    w.outcomes.save("x", [Outcome("L2", True)], CALLER, TEST_NOW)


def the_book_reversed(w: World) -> None:
    """:func:`the_book`, added last record first, with ids that sort the other way."""
    rows = [
        (nov(15), "approve", "A", 90, 99_000_000, "L2", "success", "x"),
        (nov(23, 0, 0), "approve", "A", 90, 99_000_000, "L10", "success", DEFAULT_TENANT_ID),
        (nov(8, 23, 59), "approve", "A", 90, 99_000_000, "L9", "success", DEFAULT_TENANT_ID),
        (nov(19), "decline", "E", 21, 0, "L12", "processing", DEFAULT_TENANT_ID),
        (nov(22, 23, 59), "decline", "C", 55, 0, "L8", "success", DEFAULT_TENANT_ID),
        (nov(21), "approve", "A", 100, 15_000_000, "L7", "success", DEFAULT_TENANT_ID),
        (nov(20), "approve", "C", 50, 0, "L6", "fail", DEFAULT_TENANT_ID),
        (nov(18), "decline", "D", 45, 0, "L5", "success", DEFAULT_TENANT_ID),
        (nov(16), "approve", "B", 78, 20_000_000, "L4", "success", DEFAULT_TENANT_ID),
        (nov(12), "decline", "E", 31, 0, "L3", "success", DEFAULT_TENANT_ID),
        (nov(10), "approve_with_conditions", "B", 72, 5_000_000, "L2", "success", "default"),
        (nov(9, 0, 0), "approve", "A", 85, 10_000_000, "L1", "success", DEFAULT_TENANT_ID),
    ]
    for n, (at, outcome, grade, score, plafon, loan, status, tenant) in enumerate(rows):
        w.add(
            at,
            outcome,
            grade,
            score,
            plafon,
            loan_id=loan,
            status=status,
            tenant_id=tenant,
            record_id=f"z-{99 - n:04d}",
        )
    k = Kolektibilitas
    w.outcomes.save("x", [Outcome("L2", True)], CALLER, TEST_NOW)
    w.outcomes.save(
        DEFAULT_TENANT_ID,
        [
            Outcome("L6", True),
            Outcome("L5", True),
            Outcome("L3", True, k.MACET),
            Outcome("L4", True, k.DIRAGUKAN),
            Outcome("L8", False, k.DPK),
            Outcome("L1", False, k.LANCAR),
        ],
        CALLER,
        TEST_NOW,
    )


def psi_book(w: World) -> None:
    """Baseline (3 August – 25 October) scores 10, 20, 30, 40; current (26 October –
    22 November) 10, 10, 20, 30, 40, 40."""
    for score, day in zip((10, 20, 30, 40), (3, 10, 17, 24), strict=True):
        w.add(jakarta(date(2026, 9, day)), "approve", "C", score, 1_000_000)
    for score, day in zip((10, 10, 20, 30, 40, 40), (26, 27, 28, 29, 30, 31), strict=True):
        w.add(jakarta(date(2026, 10, day)), "approve", "C", score, 1_000_000)


def shadowed(
    w: World, n: int, day: int, before: tuple[str, int], after: tuple[str, int], **kw: Any
) -> None:
    def compact(outcome: str, plafon: int) -> dict[str, Any]:
        return {
            "outcome": outcome,
            "plafon": plafon,
            "score": 60,
            "grade": "C",
            "pd": None,
            "band": None,
            "reasons": [] if outcome != "decline" else ["DECLINE_SCORE_LOW"],
            "knockouts": [],
        }

    w.results.add(
        ChallengerResult(
            recommendation_id=f"c-{n:04d}",
            tenant_id=kw.get("tenant_id", DEFAULT_TENANT_ID),
            loan_id=f"S{n}",
            decided_at=nov(day),
            created_at=nov(day),
            champion_policy=PolicyId("default", "2025.1"),
            challenger_policy=PolicyId("challenger", "2026.1", "kartu", "3"),
            champion=compact(*before),
            challenger=compact(*after),
        )
    )
