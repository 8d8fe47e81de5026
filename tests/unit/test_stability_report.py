"""The stability and fairness report (``cde.portfolio.stability``) on small cases worked
out by hand, and its use case (``cde.service.monitoring``) on the in-memory fakes. The SQL
store, the route and the command are in ``tests/integration/test_stability.py``.

The hand-worked PSI: baseline scores 10, 20, 30, 40 and current scores 10, 10, 20, 30, 40,
40. The baseline's deciles cut at 10, 20 and 30 (the cut at 40, the maximum, is dropped),
so four bins ≤10, (10, 20], (20, 30], >30 with shares ¼ each in the baseline and ⅓, ⅙, ⅙,
⅓ in the current period:

    PSI = 2·(⅓ − ¼)·ln(⅓ / ¼) + 2·(⅙ − ¼)·ln(⅙ / ¼)
        = ⅙·(ln 4/3 − ln 2/3) = ⅙·ln 2 ≈ 0.1155  ("shift": 0.10 ≤ PSI < 0.25)

and the noise, (bins − 1)·(1/n_b + 1/n_c) = 3·(¼ + ⅙) = 1.25: at these sizes that PSI is
nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest

from cde.domain.application import Kolektibilitas
from cde.domain.outcomes import Outcome
from cde.policies import default_policy
from cde.portfolio.backtest import fairness
from cde.portfolio.book import Replayed
from cde.portfolio.charts import trend
from cde.portfolio.html import stability_html
from cde.portfolio.metrics import psi_noise
from cde.portfolio.stability import (
    MAX_PERIOD_DAYS,
    MISSING,
    Observed,
    Period,
    PeriodError,
    parse_period,
    period,
    psi_chance,
    stability_report,
)
from cde.portfolio.stability_text import stability_text
from cde.service.monitoring import Monitoring, bounds
from cde.service.ports import Caller, StoredRecommendation
from cde.service.tenants import Tenant
from clocks import TEST_NOW
from fakes import DEFAULT_TENANT_ID, FakeMonitoring, FakeOutcomes, FakeRecommendations, FakeTenants

JAN = Period(date(2026, 1, 1), date(2026, 1, 31))
FEB = Period(date(2026, 2, 1), date(2026, 2, 28))
JAKARTA = ZoneInfo("Asia/Jakarta")
SEED = orjson.loads(
    (Path(__file__).resolve().parents[2] / "examples" / "seed_request.json").read_bytes()
)


def obs(
    score: int,
    outcome: str = "approve",
    *,
    day: date = date(2026, 1, 5),
    loan_id: str = "L",
    plafon: int = 0,
    gender: str | None = None,
    age: int | None = None,
    pd: float | None = None,
    bad: int | None = None,
    features: dict[str, Any] | None = None,
) -> Observed:
    return Observed(
        loan_id=loan_id,
        day=day,
        outcome=outcome,
        plafon=plafon,
        score=score,
        grade="C",
        pd=pd,
        gender=gender,
        age=age,
        features=features or {},
        bad=bad,
    )


def report(baseline: Sequence[Observed], current: Sequence[Observed]) -> dict[str, Any]:
    return stability_report(baseline, current, JAN, FEB)


# --- periods -------------------------------------------------------------------------------


def test_a_period_is_two_dates_both_included() -> None:
    assert parse_period("2026-01-01..2026-01-31", "--baseline") == JAN
    assert parse_period(" 2026-02-01 .. 2026-02-01 ", "--current").days == 1
    assert str(JAN) == "2026-01-01..2026-01-31"
    assert JAN.as_dict() == {"from": "2026-01-01", "to": "2026-01-31", "days": 31}


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("2026-01-01", "expected FROM..TO"),
        ("2026-01-01..2026-01-31..2026-02-01", "expected FROM..TO"),
        ("2026-01-01..2026-02-30", "'2026-02-30' is not a date"),
        ("yesterday..today", "'yesterday' is not a date"),
        ("2026-02-01..2026-01-31", "2026-02-01 is after --current 2026-01-31"),
        ("2020-01-01..2026-01-01", f"at most {MAX_PERIOD_DAYS}"),
    ],
)
def test_a_bad_period_is_refused_naming_the_option(text: str, said: str) -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period(text, "--current")
    assert caught.value.field == "--current"
    assert said in caught.value.problem
    assert str(caught.value).startswith("--current: ")
    assert caught.value.status == 422
    assert [e.as_dict("en")["field"] for e in caught.value.field_errors] == ["--current"]


def test_period_names_the_from_when_reversed_and_the_to_when_too_long() -> None:
    with pytest.raises(PeriodError) as reversed_:
        period(date(2026, 2, 1), date(2026, 1, 1), first_name="a_from", last_name="a_to")
    assert reversed_.value.field == "a_from"
    longest = date(2026, 1, 1) + timedelta(days=MAX_PERIOD_DAYS - 1)
    assert period(date(2026, 1, 1), longest, first_name="f", last_name="t").days == 1096
    with pytest.raises(PeriodError) as long_:
        period(date(2026, 1, 1), longest + timedelta(days=1), first_name="f", last_name="t")
    assert long_.value.field == "t"


def test_a_period_in_the_service_zone_is_midnight_to_midnight_and_the_calendars_ends_open() -> None:
    start, end = bounds(JAN, JAKARTA)
    assert start == datetime(2025, 12, 31, 17, tzinfo=UTC)  # 00:00 in Jakarta (UTC+7)
    assert end == datetime(2026, 1, 31, 17, tzinfo=UTC)  # the midnight after the 31st
    assert bounds(Period(date.min, date(1, 1, 2)), JAKARTA)[0] is None
    assert bounds(Period(date(9999, 12, 1), date.max), JAKARTA)[1] is None


# --- PSI -----------------------------------------------------------------------------------


def test_the_score_psi_worked_by_hand() -> None:
    baseline = [obs(s) for s in (10, 20, 30, 40)]
    current = [obs(s, day=date(2026, 2, 2)) for s in (10, 10, 20, 30, 40, 40)]
    score = report(baseline, current)["score"]
    assert score["psi"] == pytest.approx(math.log(2) / 6)
    assert score["level"] == "shift"
    assert score["noise"] == pytest.approx(1.25)
    assert [(b["bin"], b["baseline"], b["current"]) for b in score["bins"]] == [
        ("<= 10", 1, 2),
        ("10 < x <= 20", 1, 1),
        ("20 < x <= 30", 1, 1),
        ("> 30", 1, 2),
    ]
    assert (score["baseline_mean"], score["current_mean"]) == (25.0, 25.0)
    assert (score["baseline_count"], score["current_count"]) == (4, 6)


def test_the_chance_figure_is_the_chi_square_quantile_scaled_by_the_sizes() -> None:
    # χ²(9) 95 %: 16.919; Wilson–Hilferty gives 16.90
    assert psi_chance(300, 300, 10) == pytest.approx(16.919 * 2 / 300, rel=0.005)
    assert psi_chance(50, 200, 4) == pytest.approx(7.815 * (1 / 50 + 1 / 200), rel=0.01)
    assert psi_chance(10, 10, 1) == 0.0
    assert psi_chance(300, 300, 10) > psi_noise(300, 300, 10)
    with pytest.raises(ValueError, match="sample sizes"):
        psi_chance(0, 10, 10)


def test_a_flagged_psi_that_chance_can_give_says_so() -> None:
    # the hand-worked case: a "shift" (0.116), under what chance gives at 4 and 6 loans
    warnings = report(
        [obs(s) for s in (10, 20, 30, 40)], [obs(s) for s in (10, 10, 20, 30, 40, 40)]
    )["warnings"]
    [score] = [w for w in warnings if w.startswith("score:")]
    assert "a shift to watch (>= 0.10)" in score
    assert "it may be chance alone" in score
    assert any("by chance alone: read the thresholds" in w for w in warnings)


def test_a_significant_shift_beyond_chance_is_flagged_as_such() -> None:
    baseline = [obs(s) for s in range(40, 100)] * 5  # 300, scores 40-99
    current = [obs(s - 30) for s in range(40, 100)] * 5  # everything 30 points lower
    r = report(baseline, current)
    assert r["score"]["level"] == "significant"
    assert r["score"]["psi"] > r["score"]["chance_95"]
    [score] = [w for w in r["warnings"] if w.startswith("score:")]
    assert score.startswith("score: PSI ")
    assert "a significant shift (>= 0.25)" in score
    assert "chance" not in score


def test_the_pd_psi_needs_a_pd_in_both_periods() -> None:
    with_pd = [obs(50, pd=p / 100) for p in range(1, 41)]
    without = [obs(50) for _ in range(40)]
    assert report(with_pd, with_pd)["pd"]["psi"] == 0.0
    r = report(without, with_pd)
    assert r["pd"] is None
    assert any("only one period has decisions scored" in w for w in r["warnings"])
    partly = report(with_pd + without, with_pd)
    assert partly["pd"]["baseline_count"] == 40
    assert any("the PD compares the 40 and 40 decisions" in w for w in partly["warnings"])


def test_characteristics_have_a_missing_bin_and_categories() -> None:
    def feats(dsr: float | None, purpose: str | None) -> dict[str, Any]:
        return {"dsr_pct": dsr, "purpose_category": purpose}

    baseline = [obs(50, features=feats(float(x), "modal_kerja")) for x in range(10)]
    current = [obs(50, features=feats(float(x), "konsumtif")) for x in range(5)]
    current += [obs(50, features=feats(None, None)) for _ in range(5)]
    chars = {c["feature"]: c for c in report(baseline, current)["characteristics"]}
    assert len(chars) == 13  # every scorecard feature
    dsr = chars["dsr_pct"]
    assert dsr["kind"] == "numerical"
    assert dsr["bins"][-1] == {"bin": MISSING, "baseline": 0, "current": 5}
    assert sum(b["baseline"] for b in dsr["bins"]) == 10
    assert (dsr["baseline_mean"], dsr["current_mean"]) == (4.5, 2.0)
    purpose = chars["purpose_category"]
    assert purpose["kind"] == "categorical"
    assert [(b["bin"], b["baseline"], b["current"]) for b in purpose["bins"]] == [
        ("konsumtif", 0, 5),
        ("modal_kerja", 10, 0),
        (MISSING, 0, 5),
    ]
    assert purpose["level"] == "significant"
    # a feature no decision has: one bin, (missing), on both sides: no shift
    age = chars["age"]
    assert [b["bin"] for b in age["bins"]] == [MISSING]
    assert (age["psi"], age["level"], age["noise"]) == (0.0, "stable", 0.0)


# --- weeks, fairness, empty periods --------------------------------------------------------


def test_every_iso_week_of_the_current_period_has_its_line() -> None:
    current_period = Period(date(2025, 12, 25), date(2026, 1, 6))
    rows = [
        obs(50, "approve", day=date(2025, 12, 25)),
        obs(50, "decline", day=date(2025, 12, 28)),
        obs(50, "approve_with_conditions", day=date(2026, 1, 2)),
    ]
    r = stability_report([obs(50)], rows, JAN, current_period)
    lines = r["weekly"]["current"]
    assert [(w["week"], w["from"], w["to"], w["applications"]) for w in lines] == [
        ("2025-W52", "2025-12-25", "2025-12-28", 2),
        ("2026-W01", "2025-12-29", "2026-01-04", 1),
        ("2026-W02", "2026-01-05", "2026-01-06", 0),
    ]
    first = lines[0]
    assert first["outcomes"] == {"approve": 1, "approve_with_conditions": 0, "decline": 1}
    assert first["mix"] == {"approve": 0.5, "approve_with_conditions": 0.0, "decline": 0.5}
    assert (first["approval"]["events"], first["approval"]["count"]) == (1, 2)
    empty = lines[2]
    assert empty["approval"]["rate"] is None
    assert empty["mix"] == {"approve": None, "approve_with_conditions": None, "decline": None}
    assert r["weekly"]["baseline"]["week"] == "baseline"
    assert (r["weekly"]["baseline"]["from"], r["weekly"]["baseline"]["to"]) == (
        "2026-01-01",
        "2026-01-31",
    )
    assert "weeks without a decision: 2026-W02" in r["warnings"]


def test_each_week_has_its_score_psi_against_the_baseline() -> None:
    """The PSI over time. Baseline 10, 20, 30, 40 (bins ≤10, (10, 20], (20, 30], >30, a
    quarter each). Week 6 holds 10, 10, 20, 30, 40, 40: the hand-worked ⅙·ln 2 of the
    module's docstring. Week 7 holds 10, 20, 30, 40: the baseline's shares, PSI 0. Week 8
    is empty: no PSI."""
    feb = Period(date(2026, 2, 2), date(2026, 2, 22))  # Mondays: W06, W07, W08
    week6 = [obs(x, day=date(2026, 2, 3)) for x in (10, 10, 20, 30, 40, 40)]
    week7 = [obs(x, day=date(2026, 2, 10)) for x in (10, 20, 30, 40)]
    r = stability_report([obs(x) for x in (10, 20, 30, 40)], week6 + week7, JAN, feb)
    six, seven, eight = (w["score_psi"] for w in r["weekly"]["current"])
    assert six is not None
    assert seven is not None
    assert six["psi"] == pytest.approx(math.log(2) / 6)
    assert six["level"] == "shift"
    assert six["chance_95"] == pytest.approx(psi_chance(4, 6, 4))
    assert (seven["psi"], seven["level"]) == (0.0, "stable")
    assert eight is None
    assert "score_psi" not in r["weekly"]["baseline"]
    text = stability_text(r, "en")
    assert f"PSI 0.116 (chance 95% {psi_chance(4, 6, 4):.3f})" in text


def test_the_html_draws_the_psi_over_time_with_its_thresholds() -> None:
    baseline = [obs(s, gender="l", age=30) for s in range(40, 100)]
    current = [obs(s - 30, day=date(2026, 2, 3 + s % 14)) for s in range(40, 100)]
    r = report(baseline, current)
    page = stability_html(r, "en", "tenant <KSP & Co>")
    assert page == stability_html(r, "en", "tenant <KSP & Co>")  # deterministic
    assert "tenant &lt;KSP &amp; Co&gt;" in page
    assert "<KSP" not in page
    assert page.count("<svg") == 3
    psi_chart = page[page.index("Score PSI by week") : page.index("</svg>")]
    assert psi_chart.count("<polyline") == 2  # the PSI and the chance line, no gap
    assert ">shift</text>" in psi_chart
    assert ">significant</text>" in psi_chart
    weeks = [w for w in r["weekly"]["current"] if w["score_psi"]]
    assert psi_chart.count("<circle") == 2 * len(weeks)
    assert 'lang="en"' in page
    assert "Fairness (current period)" in page
    assert "<script" not in page


def test_a_trend_breaks_its_line_at_a_missing_value() -> None:
    drawn = trend(
        ["W1", "W2", "W3", "W4", "W5"], [("x", "#000", [0.1, 0.2, None, 0.3, None])], "t", "y"
    )
    assert drawn.count("<polyline") == 1  # W1–W2; W4 alone is a point
    assert drawn.count("<circle") == 3


def test_fairness_is_the_backtests_section_over_the_current_period() -> None:
    # gender l: 10 applicants, 8 approved; p: 10 applicants, 4 approved -> AIR 0.5, flagged
    current = [
        obs(
            60,
            "approve" if n < 8 else "decline",
            loan_id=f"l{n}",
            gender="l",
            age=30,
            plafon=10_000_000 if n < 8 else 0,
            bad=n % 2 if n < 4 else None,
        )
        for n in range(10)
    ] + [
        obs(
            60,
            "approve_with_conditions" if n < 4 else "decline",
            loan_id=f"p{n}",
            gender="p",
            age=50,
            plafon=5_000_000 if n < 4 else 0,
        )
        for n in range(10)
    ]
    r = report([obs(60)], current)
    gender = {g["group"]: g for g in r["fairness"]["gender"]}
    assert gender["laki-laki"]["approval"]["rate"] == 0.8
    assert gender["perempuan"]["approval"]["rate"] == 0.4
    assert gender["perempuan"]["adverse_impact"] == pytest.approx(0.5)
    assert gender["perempuan"]["flagged"]
    assert not gender["laki-laki"]["flagged"]
    assert (gender["laki-laki"]["mean_plafon"], gender["perempuan"]["mean_plafon"]) == (
        10_000_000,
        5_000_000,
    )
    assert (gender["laki-laki"]["bad"]["events"], gender["laki-laki"]["bad"]["count"]) == (2, 4)
    assert [g["group"] for g in r["fairness"]["age"]] == ["25-34", "45-54"]
    # exactly what the backtest writes for the same decisions
    replayed = [
        Replayed(
            o.loan_id,
            o.day,
            o.outcome,
            plafon=o.plafon,
            score=o.score,
            gender=o.gender,
            age=o.age,
            grade=o.grade,
        )
        for o in current
    ]
    bads = {o.loan_id: o.bad for o in current if o.bad is not None}
    assert r["fairness"] == fairness(replayed, bads)
    assert (
        "fairness by gender: approval rate under 80% of the highest group's for perempuan"
        in (r["warnings"])
    )
    assert any(w.startswith("fairness by gender: fewer than 30 applicants") for w in r["warnings"])


def test_empty_periods_are_reported_not_refused() -> None:
    r = report([], [])
    assert (r["score"], r["pd"], r["characteristics"]) == (None, None, [])
    assert r["periods"]["baseline"]["applications"] == 0
    assert r["fairness"] == {"gender": [], "age": []}
    assert len(r["weekly"]["current"]) == 5  # 2026-W05 (Sunday 1 Feb) to 2026-W09
    assert all(w["applications"] == 0 for w in r["weekly"]["current"])
    assert r["warnings"][:2] == [
        "the baseline period 2026-01-01..2026-01-31 holds no stored decision: no PSI can be "
        "computed",
        "the current period 2026-02-01..2026-02-28 holds no stored decision: no PSI can be "
        "computed",
    ]
    only_current = report([], [obs(50)])
    assert only_current["score"] is None
    assert only_current["weekly"]["current"][0]["applications"] == 0
    assert "(fewer than 30)" in only_current["warnings"][1]
    assert "Stability and fairness" in stability_text(r, "en")
    assert "tidak ada PSI" in stability_text(r, "id")


def test_the_text_shows_every_section() -> None:
    baseline = [obs(s, gender="l", age=30) for s in range(40, 100)]
    current = [obs(s - 10, gender="p", age=40, day=date(2026, 2, 3)) for s in range(40, 100)]
    text = stability_text(report(baseline, current), "en", "tenant default")
    for part in (
        "Stability and fairness — tenant default",
        "baseline      2026-01-01..2026-01-31: 60 decisions, 0 with an outcome",
        "PSI of the 5C score",
        "Characteristic stability (CSI)",
        "  dsr_pct ",
        "By ISO week",
        "  baseline  2026-01-01..2026-01-31  n=60",
        "  2026-W06  2026-02-02..2026-02-08  n=60",
        "Fairness (current period)",
        "perempuan",
        "Warnings",
    ):
        assert part in text, part


# --- the use case on the fakes -------------------------------------------------------------


def result(
    score: int,
    outcome: str = "approve",
    *,
    plafon: int = 5_000_000,
    age: int | None = 40,
    pd: float | None = None,
) -> str:
    assessment: dict[str, Any] = {
        "score": score,
        "grade": "C",
        "dimensions": {"character": {"metrics": {"age": age}}},
    }
    if pd is not None:
        assessment["scorecard"] = {"pd": pd, "band": "B"}
    return orjson.dumps(
        {"decision": {"outcome": outcome, "plafon": plafon}, "assessment": assessment}
    ).decode()


class World:
    def __init__(self) -> None:
        self.tenants = FakeTenants(now=TEST_NOW)
        self.records = FakeRecommendations(self.tenants)
        self.outcomes = FakeOutcomes(self.records)
        self.seen: list[tuple[str, float | None, float | None]] = []
        self.service = Monitoring(
            FakeMonitoring(self.outcomes),
            default_policy(),
            JAKARTA,
            observe=lambda *args: self.seen.append(args),
        )

    def add(
        self,
        at: datetime,
        result_text: str | None,
        *,
        loan_id: str = "L1",
        status: str = "success",
        tenant_id: str = DEFAULT_TENANT_ID,
        payload: dict[str, Any] | str | None = None,
    ) -> None:
        n = len(self.records.all()) + 1
        body = payload if isinstance(payload, str) else orjson.dumps(payload or SEED).decode()
        self.records.add(
            StoredRecommendation(
                id=f"r-{n:04d}",
                created_at=at,
                loan_id=loan_id,
                customer_id="C1",
                status=status,
                payload=body,
                result=result_text,
                error=None,
                lang="id",
                policy_name="cde-default",
                policy_version="1",
                engine_version="0",
                caller=Caller(),
                tenant_id=tenant_id,
            ),
            spend_quota=False,
        )

    @property
    def tenant(self) -> Tenant:
        found = self.tenants.by_id(DEFAULT_TENANT_ID)
        assert found is not None
        return found


def jakarta(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=JAKARTA).astimezone(UTC)


def test_the_use_case_reads_the_tenants_answered_decisions_of_each_period() -> None:
    w = World()
    w.add(jakarta(date(2026, 1, 1), 0, 0), result(10))  # the baseline's first minute
    w.add(jakarta(date(2026, 1, 31), 23, 59), result(20, pd=0.1), status="processing")
    w.add(jakarta(date(2026, 2, 1), 0, 0), result(30, "decline", age=25), loan_id="L2")
    w.add(jakarta(date(2026, 2, 28), 23, 59), result(40, pd=0.2))
    w.add(jakarta(date(2026, 3, 1), 0, 0), result(99))  # after the current period
    w.add(jakarta(date(2026, 2, 10), 9), None, status="fail")  # never read
    w.add(jakarta(date(2026, 2, 10), 9), result(99), tenant_id="another")  # not ours
    w.add(jakarta(date(2026, 2, 11), 9), '{"decision": {}}')  # no decision: left out
    w.add(jakarta(date(2026, 2, 12), 9), result(50), payload='{"loan_id": 1}')  # unreadable now
    # L2's outcome is a kolektibilitas: bad by the policy's rule
    w.outcomes.save(
        DEFAULT_TENANT_ID,
        [Outcome("L1", False), Outcome("L2", True, Kolektibilitas.MACET)],
        Caller(),
        TEST_NOW,
    )
    r = w.service.stability(w.tenant, JAN, FEB)
    assert r["tenant"] == w.tenant.name
    assert r["read"] == {"unreadable": 1, "not_reassessed": 1}
    baseline, current = r["periods"]["baseline"], r["periods"]["current"]
    assert (baseline["applications"], baseline["with_outcome"], baseline["bad"]["events"]) == (
        2,
        2,
        0,
    )
    # 1 Feb (L2), 12 Feb (L1, its payload unreadable now), 28 Feb (L1)
    assert (current["applications"], current["with_outcome"], current["bad"]["events"]) == (
        3,
        3,
        1,
    )
    assert r["score"]["baseline_mean"] == 15.0
    assert r["score"]["current_mean"] == 40.0  # 30, 40, 50
    assert r["pd"]["baseline_count"] == 1
    assert r["pd"]["current_count"] == 1
    assert any("1 stored results hold no decision" in x for x in r["warnings"])
    assert any("1 stored applications cannot be read" in x for x in r["warnings"])
    assert w.seen == [(w.tenant.name, r["score"]["psi"], r["pd"]["psi"])]
    # the features of the seed, re-assessed on each record's day; none for the unreadable
    age = next(c for c in r["characteristics"] if c["feature"] == "age")
    assert age["bins"][-1] == {"bin": MISSING, "baseline": 0, "current": 1}
    assert age["baseline_count"] == 2
    assert age["current_count"] == 3
    gender = {g["group"]: g["applicants"] for g in r["fairness"]["gender"]}
    assert gender == {"laki-laki": 2, "(tidak diketahui)": 1}
    ages = {g["group"]: g["applicants"] for g in r["fairness"]["age"]}
    assert ages == {"25-34": 1, "35-44": 2}


def test_an_empty_report_sets_the_gauges_to_nothing() -> None:
    w = World()
    r = w.service.stability(w.tenant, JAN, FEB)
    assert r["score"] is None
    assert w.seen == [(w.tenant.name, None, None)]


def test_the_tenants_own_policy_reads_its_outcomes() -> None:
    """Kolektibilitas 3 is bad under the default policy (bad from 3); a tenant whose
    active policy counts bad from 4 reads it as good."""
    w = World()
    policy = default_policy()
    lenient = policy.model_copy(
        update={"outcome": policy.outcome.model_copy(update={"bad_from_kolektibilitas": 4})}
    )
    w.add(jakarta(date(2026, 2, 2), 9), result(50))
    w.outcomes.save(
        DEFAULT_TENANT_ID, [Outcome("L1", True, Kolektibilitas.KURANG_LANCAR)], Caller(), TEST_NOW
    )
    assert w.service.stability(w.tenant, JAN, FEB)["periods"]["current"]["bad"]["events"] == 1
    w.service.policies = lambda tenant_id: lenient
    assert w.service.policy_for(DEFAULT_TENANT_ID) is lenient
    assert w.service.stability(w.tenant, JAN, FEB)["periods"]["current"]["bad"]["events"] == 0
