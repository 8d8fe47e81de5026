"""Stability and fairness over live traffic, on SQLite and on PostgreSQL:
``GET /kocek/cde/reports/stability``, ``cde report stability`` and the ``cde_score_psi`` /
``cde_pd_psi`` gauges, over decisions stored by the real service.

The populations come from ``benchmarks/generate_applications.py``: a baseline week
(``generate(300, 1)``), a current week of the same population (``generate(300, 2)``) and
a week of the same generator with every income cut to a third (``generate(300, 3)``;
halved, the score's PSI is 0.26, too near the 0.25 it must pass), stored
through the service layer (``Recommender.recommend``, what the route runs; 16 at a time,
as ``test_scorecard_from_db.py`` does) two weeks apart by the test clock. The hand-worked
PSI, the fairness case and the tenant isolation store hand-made results straight into the
repository (the SQL adapter), so that every number can be worked out; the report reads
them through the SQL monitoring store like any other.
"""

from __future__ import annotations

import copy
import math
from datetime import date, timedelta
from itertools import count
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from cde.bootstrap import Container
from cde.domain.outcomes import Outcome
from cde.entrypoints.cli import app
from cde.service.ports import StoredRecommendation
from clocks import TestClock
from conftest import SEED_FILE, MakeClient
from generate_applications import generate
from stored import CALLER, store_many

ROUTE = "/kocek/cde/reports/stability"
JAKARTA = ZoneInfo("Asia/Jakarta")
SEED = orjson.loads(SEED_FILE.read_bytes())
DAY = timedelta(days=1)
_ids = count(1)


def today(clock: TestClock) -> date:
    return clock().astimezone(JAKARTA).date()


def query(baseline: tuple[date, date], current: tuple[date, date]) -> dict[str, str]:
    return {
        "baseline_from": baseline[0].isoformat(),
        "baseline_to": baseline[1].isoformat(),
        "current_from": current[0].isoformat(),
        "current_to": current[1].isoformat(),
    }


def poorer(application: dict[str, Any]) -> dict[str, Any]:
    """The same applicant earning a third: each income range ``low-high`` divided by 3."""
    changed = copy.deepcopy(application)
    for item in changed["income"]:
        low, high = item["value"].split("-")
        item["value"] = f"{int(low) // 3}-{int(high) // 3}"
    return changed


def put(
    container: Container,
    clock: TestClock,
    score: int,
    outcome: str = "approve",
    *,
    loan_id: str | None = None,
    gender: str = "l",
    age: int = 40,
    plafon: int = 5_000_000,
    pd: float | None = None,
    status: str = "success",
    tenant_id: str = "default",
) -> str:
    """A hand-made decision stored as the service stores one (the seed as its payload,
    with ``gender``), now by the test clock; its loan id."""
    n = next(_ids)
    loan = loan_id or f"L{n}"
    payload = copy.deepcopy(SEED)
    payload["character"]["gender"] = gender
    assessment: dict[str, Any] = {
        "score": score,
        "grade": "C",
        "dimensions": {"character": {"metrics": {"age": age}}},
    }
    if pd is not None:
        assessment["scorecard"] = {"pd": pd, "band": "B"}
    container.recommender.repository.add(
        StoredRecommendation(
            id=f"00000000-0000-7000-8000-{n:012d}",
            created_at=clock(),
            loan_id=loan,
            customer_id="C1",
            status=status,
            payload=orjson.dumps(payload).decode(),
            result=orjson.dumps(
                {"decision": {"outcome": outcome, "plafon": plafon}, "assessment": assessment}
            ).decode(),
            error=None,
            lang="id",
            policy_name="cde-default",
            policy_version="1",
            engine_version="0",
            caller=CALLER,
            tenant_id=tenant_id,
        ),
        spend_quota=False,
    )
    return loan


def gauges(client: Any, tenant: str) -> tuple[float | None, float | None]:
    """``cde_score_psi`` and ``cde_pd_psi`` of ``tenant`` as ``/metrics`` shows them."""
    body = client.get("/metrics").text
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name in ("cde_score_psi", "cde_pd_psi") and sample.labels == {
                "tenant": tenant
            }:
                found[sample.name] = sample.value
    return found.get("cde_score_psi"), found.get("cde_pd_psi")


def report_of(client: Any, headers: dict[str, str], params: dict[str, str]) -> dict[str, Any]:
    response = client.get(ROUTE, params=params, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success"
    assert body["message"] == "Berhasil menampilkan laporan stabilitas dan keadilan."
    data: dict[str, Any] = body["data"]
    return data


def test_a_shifted_population_is_a_significant_shift_and_the_same_one_is_stable(
    make_client: MakeClient, kocek_headers: dict[str, str], clock: TestClock
) -> None:
    container, client = make_client(rate_limit_per_minute=0)
    week_a = today(clock)
    store_many(container, generate(300, 1))
    clock.advance(14 * 86400)
    week_b = today(clock)
    store_many(container, generate(300, 2))
    clock.advance(14 * 86400)
    week_c = today(clock)
    store_many(container, (poorer(a) for a in generate(300, 3)))
    baseline = (week_a, week_a + 6 * DAY)

    same = report_of(client, kocek_headers, query(baseline, (week_b, week_b + 6 * DAY)))
    assert same["tenant"] == "default"
    assert same["periods"]["baseline"]["applications"] == 300
    assert same["periods"]["current"]["applications"] == 300
    score = same["score"]
    assert score["level"] == "stable"
    assert score["psi"] < 3 * score["noise"]
    assert score["noise"] == pytest.approx((len(score["bins"]) - 1) * 2 / 300)
    assert not [w for w in same["warnings"] if w.startswith("score:")]
    assert same["pd"] is None  # no scorecard configured
    assert gauges(client, "default")[0] == pytest.approx(score["psi"])

    shifted = report_of(client, kocek_headers, query(baseline, (week_c, week_c + 6 * DAY)))
    score = shifted["score"]
    assert score["level"] == "significant"
    assert score["psi"] > score["chance_95"]
    assert shifted["score"]["current_mean"] < shifted["score"]["baseline_mean"]
    [warning] = [w for w in shifted["warnings"] if w.startswith("score:")]
    assert "a significant shift (>= 0.25)" in warning
    chars = {c["feature"]: c for c in shifted["characteristics"]}
    assert chars["dsr_pct"]["level"] == "significant"  # the instalment over half the income
    assert chars["interest_method"]["level"] == "stable"  # untouched by the income
    assert any(w.startswith("characteristic dsr_pct: PSI") for w in shifted["warnings"])
    weekly = shifted["weekly"]
    assert [w["applications"] for w in weekly["current"]] == [300] + [0] * (
        len(weekly["current"]) - 1
    )
    assert weekly["current"][0]["approval"]["rate"] < weekly["baseline"]["approval"]["rate"]
    assert sum(weekly["current"][0]["outcomes"].values()) == 300
    score_gauge, pd_gauge = gauges(client, "default")
    assert score_gauge == pytest.approx(score["psi"])  # the latest report's
    assert pd_gauge is not None
    assert math.isnan(pd_gauge)
    fairness = shifted["fairness"]
    assert {g["group"] for g in fairness["gender"]} == {"laki-laki", "perempuan"}
    assert sum(g["applicants"] for g in fairness["age"]) == 300


def test_the_psi_worked_by_hand_through_the_store_and_the_route(
    make_client: MakeClient, kocek_headers: dict[str, str], clock: TestClock
) -> None:
    """Baseline scores 10, 20, 30, 40; current 10, 10, 20, 30, 40, 40: PSI = ln 2 / 6
    (``tests/unit/test_stability_report.py`` works it out), for the PDs score/100 too."""
    container, client = make_client(rate_limit_per_minute=0)
    first = today(clock)
    for s in (10, 20, 30, 40):
        put(container, clock, s, pd=s / 100)
    put(container, clock, 99, status="fail")  # a failed evaluation is no decision
    put(container, clock, 99, tenant_id="another")  # another tenant's
    clock.advance(7 * 86400)
    second = today(clock)
    for s in (10, 10, 20, 30, 40, 40):
        put(container, clock, s, pd=s / 100, status="processing")  # decided, narrative due
    data = report_of(client, kocek_headers, query((first, first), (second, second)))
    for key in ("score", "pd"):
        section = data[key]
        assert section["psi"] == pytest.approx(math.log(2) / 6), key
        assert section["level"] == "shift"
        assert section["noise"] == pytest.approx(1.25)
        assert [(b["baseline"], b["current"]) for b in section["bins"]] == [
            (1, 2),
            (1, 1),
            (1, 1),
            (1, 2),
        ]
    assert [b["bin"] for b in data["score"]["bins"]] == [
        "<= 10",
        "10 < x <= 20",
        "20 < x <= 30",
        "> 30",
    ]
    assert (data["score"]["baseline_count"], data["score"]["current_count"]) == (4, 6)
    [warning] = [w for w in data["warnings"] if w.startswith("score:")]
    assert "it may be chance alone" in warning  # 0.116, with 4 and 6 decisions
    assert gauges(client, "default") == (
        pytest.approx(math.log(2) / 6),
        pytest.approx(math.log(2) / 6),
    )
    # the seed's features, re-assessed on each record's day: the same applicant throughout
    chars = {c["feature"]: c for c in data["characteristics"]}
    assert chars["tenor_months"]["psi"] == 0.0
    assert chars["purpose_category"]["bins"] == [{"bin": "konsumtif", "baseline": 4, "current": 6}]


def test_fairness_groups_and_their_adverse_impact(
    make_client: MakeClient, kocek_headers: dict[str, str], clock: TestClock
) -> None:
    """Ten men aged 30, eight approved (plafon 10 juta); ten women aged 50, four approved
    with conditions (5 juta): the women's approval rate is half the men's, flagged. Four of
    the men's loans have outcomes, two bad."""
    container, client = make_client(rate_limit_per_minute=0)
    day = today(clock)
    men = [
        put(
            container,
            clock,
            70,
            "approve" if n < 8 else "decline",
            gender="l",
            age=30,
            plafon=10_000_000 if n < 8 else 0,
        )
        for n in range(10)
    ]
    for n in range(10):
        put(
            container,
            clock,
            60,
            "approve_with_conditions" if n < 4 else "decline",
            gender="p",
            age=50,
            plafon=5_000_000 if n < 4 else 0,
        )
    outcomes = [Outcome(loan, n % 2 == 1) for n, loan in enumerate(men[:4])]
    container.outcomes.store.save("default", outcomes, CALLER, clock())
    data = report_of(client, kocek_headers, query((day, day), (day, day)))
    gender = {g["group"]: g for g in data["fairness"]["gender"]}
    assert list(gender) == ["laki-laki", "perempuan"]
    men_row, women_row = gender["laki-laki"], gender["perempuan"]
    assert (men_row["applicants"], men_row["approval"]["rate"]) == (10, 0.8)
    assert (women_row["applicants"], women_row["approval"]["rate"]) == (10, 0.4)
    assert (men_row["adverse_impact"], men_row["flagged"]) == (1.0, False)
    assert women_row["adverse_impact"] == pytest.approx(0.5)
    assert women_row["flagged"] is True
    assert (men_row["mean_plafon"], women_row["mean_plafon"]) == (10_000_000, 5_000_000)
    assert (men_row["bad"]["events"], men_row["bad"]["count"]) == (2, 4)
    assert women_row["bad"]["count"] == 0
    ages = {g["group"]: g["applicants"] for g in data["fairness"]["age"]}
    assert ages == {"25-34": 10, "45-54": 10}
    assert data["periods"]["current"]["with_outcome"] == 4
    assert (
        "fairness by gender: approval rate under 80% of the highest group's for perempuan"
        in data["warnings"]
    )
    assert any(w.startswith("fairness by gender: fewer than 30") for w in data["warnings"])


def test_empty_periods_are_reported_and_clear_the_gauges(
    make_client: MakeClient, kocek_headers: dict[str, str], clock: TestClock
) -> None:
    container, client = make_client(rate_limit_per_minute=0)
    day = today(clock)
    put(container, clock, 50)
    data = report_of(client, kocek_headers, query((day - 30 * DAY, day - 1 * DAY), (day, day)))
    assert data["periods"]["baseline"]["applications"] == 0
    assert data["periods"]["current"]["applications"] == 1
    assert (data["score"], data["pd"], data["characteristics"]) == (None, None, [])
    assert data["weekly"]["baseline"]["applications"] == 0
    assert data["warnings"][0].startswith("the baseline period ")
    assert "holds no stored decision" in data["warnings"][0]
    score_gauge, pd_gauge = gauges(client, "default")
    assert score_gauge is not None
    assert pd_gauge is not None
    assert math.isnan(score_gauge)
    assert math.isnan(pd_gauge)
    nothing = report_of(
        client, kocek_headers, query((day + DAY, day + DAY), (day + DAY, day + DAY))
    )
    assert nothing["fairness"] == {"gender": [], "age": []}
    assert [w["applications"] for w in nothing["weekly"]["current"]] == [0]


def test_only_the_callers_tenant_is_read(
    make_client: MakeClient, kocek_headers: dict[str, str], clock: TestClock
) -> None:
    container, client = make_client(rate_limit_per_minute=0)
    other, key = container.tenant_admin.create("KSP Lain", None)
    theirs = {**kocek_headers, "Authorization": f"Bearer {key}"}
    day = today(clock)
    for s in (40, 50, 60):
        put(container, clock, s)
    for s in (80, 90):
        put(container, clock, s, tenant_id=other.id, loan_id="L1")  # our loan id, theirs
    container.outcomes.store.save(other.id, [Outcome("L1", True)], CALLER, clock())
    ours = report_of(client, kocek_headers, query((day, day), (day, day)))
    assert ours["tenant"] == "default"
    assert ours["periods"]["current"]["applications"] == 3
    assert ours["periods"]["current"]["with_outcome"] == 0
    assert ours["score"]["current_mean"] == 50.0
    mine = report_of(client, theirs, query((day, day), (day, day)))
    assert mine["tenant"] == "KSP Lain"
    assert (mine["periods"]["current"]["applications"], mine["score"]["current_mean"]) == (2, 85.0)
    assert mine["periods"]["current"]["with_outcome"] == 2
    assert gauges(client, "KSP Lain")[0] == 0.0
    assert gauges(client, "default")[0] == 0.0


def test_bad_dates_and_periods_are_422_naming_the_parameter(
    make_client: MakeClient, kocek_headers: dict[str, str]
) -> None:
    _, client = make_client(rate_limit_per_minute=0)
    good = query((date(2026, 1, 1), date(2026, 1, 31)), (date(2026, 2, 1), date(2026, 2, 28)))
    cases = [
        ({"current_to": None}, "current_to"),
        ({"baseline_from": "2026-13-01"}, "baseline_from"),
        ({"baseline_to": "kemarin"}, "baseline_to"),
        ({"current_from": "2026-03-01"}, "current_from"),  # after current_to
        ({"baseline_from": "2026-02-01"}, "baseline_from"),  # after baseline_to
        ({"baseline_from": "2020-01-01"}, "baseline_to"),  # longer than 1,096 days
    ]
    for change, field in cases:
        params = {k: v for k, v in {**good, **change}.items() if v is not None}
        response = client.get(ROUTE, params=params, headers=kocek_headers)
        assert response.status_code == 422, (change, response.text)
        body = response.json()
        assert body["status"] == "fail", change
        assert body["message"] == "Parameter permintaan tidak valid"
        assert [e["field"] for e in body["errors"]] == [field], change
        assert body["error"].startswith(f"{field}: "), change


def test_the_report_is_behind_the_read_roles(
    make_client: MakeClient, kocek_headers: dict[str, str]
) -> None:
    _, client = make_client(rate_limit_per_minute=0, read_roles=("Analis",))
    params = query((date(2026, 1, 1), date(2026, 1, 31)), (date(2026, 2, 1), date(2026, 2, 28)))
    assert client.get(ROUTE, params=params, headers=kocek_headers).status_code == 403
    analyst = {**kocek_headers, "User-Role": "Analis"}
    assert client.get(ROUTE, params=params, headers=analyst).status_code == 200
    assert client.get(ROUTE, params=params).status_code == 401


def cde(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {result.exception!r}") from result.exception
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, " ".join(result.stderr.split())


def test_the_command_writes_text_json_and_html_and_refuses_bad_periods(
    make_client: MakeClient,
    kocek_headers: dict[str, str],
    database_env: dict[str, str],
    clock: TestClock,
    tmp_path: Path,
) -> None:
    container, client = make_client(rate_limit_per_minute=0)
    other, _ = container.tenant_admin.create("KSP Lain", None)
    first = today(clock)
    for s in (10, 20, 30, 40):
        put(container, clock, s, gender="p")
    clock.advance(7 * 86400)
    second = today(clock)
    for s in (10, 10, 20, 30, 40, 40):
        put(container, clock, s, "decline" if s == 10 else "approve")
    put(container, clock, 99, tenant_id=other.id)
    periods = ("--baseline", f"{first}..{first}", "--current", f"{second}..{second}")

    code, out, err = cde(database_env, "report", "stability", *periods, "--format", "json")
    assert code == 0, err
    printed = orjson.loads(out)
    served = report_of(client, kocek_headers, query((first, first), (second, second)))
    assert printed == served  # the same report, from the command line
    assert printed["score"]["psi"] == pytest.approx(math.log(2) / 6)

    code, out, err = cde(database_env, "report", "stability", *periods, "--lang", "en")
    assert code == 0, err
    for part in (
        "Stability and fairness — tenant default",
        f"baseline      {first}..{first}: 4 decisions, 0 with an outcome",
        "PSI of the 5C score        0.116 (shift; noise 1.250",
        "Characteristic stability (CSI)",
        "By ISO week",
        "Fairness (current period)",
        "Warnings",
        "- score: PSI 0.116, a shift to watch (>= 0.10); but two samples",
    ):
        assert part in out, part
    code, out, _ = cde(database_env, "report", "stability", *periods)  # Indonesian
    assert code == 0
    assert "Stabilitas dan keadilan" in out

    page = tmp_path / "stability.html"
    code, out, err = cde(
        database_env, "report", "stability", *periods, "--format", "html", "-o", str(page)
    )
    assert code == 0, err
    assert out == ""
    html = page.read_text("utf-8")
    week = printed["weekly"]["current"][0]
    assert week["score_psi"]["psi"] == pytest.approx(printed["score"]["psi"])  # one week: same
    for part in (
        '<html lang="id">',
        "Stabilitas dan keadilan — tenant default",
        "PSI skor per minggu",  # the PSI over time, drawn
        "Sebaran skor 5C",
        "Tingkat persetujuan per minggu",
        "0,116 (shift)",
        "Keadilan (periode kini)",
    ):
        assert part in html, part
    assert html.count("<svg") == 3
    assert "http" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")  # no network

    code, out, _ = cde(
        database_env, "report", "stability", *periods, "--tenant", "KSP Lain", "--format", "json"
    )
    assert code == 0
    assert orjson.loads(out)["periods"]["current"]["applications"] == 1

    for args, option, said in (
        (
            ("--baseline", "2026-02-01..2026-01-01", "--current", "2026-02-01..2026-02-02"),
            "--baseline",
            "2026-02-01 is after --baseline 2026-01-01",
        ),
        (
            ("--baseline", "2026-01-01", "--current", "2026-02-01..2026-02-02"),
            "--baseline",
            "expected FROM..TO",
        ),
        (
            ("--baseline", "2026-01-01..2026-01-31", "--current", "2026-02-01..2026-02-30"),
            "--current",
            "'2026-02-30' is not a date",
        ),
    ):
        code, _, err = cde(database_env, "report", "stability", *args)
        assert code == 2, args
        assert f"error: {option}: {said}" in err, (args, err)
    code, _, err = cde(database_env, "report", "stability", *periods, "--tenant", "Nobody")
    assert code == 2
    assert "no tenant named 'Nobody'" in err
    code, _, err = cde(database_env, "report", "stability", *periods, "--format", "xml")
    assert code == 2
    assert "--format must be text, json or html" in err
    code, _, err = cde(database_env, "report", "stability", "--current", f"{first}..{first}")
    assert code == 2
    assert "--baseline" in err
