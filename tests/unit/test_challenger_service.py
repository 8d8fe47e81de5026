"""Champion–challenger on the fakes (``cde.service.challenger``): the hash that picks the
shadowed loans, the compact decision, the job and its failures, the report's choice of the
pair it compares, the settings and the start-up refusals. The SQL path and the HTTP and
CLI edges are in ``tests/integration/test_challenger.py``."""

from __future__ import annotations

import dataclasses
import hashlib
import tomllib
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from batch_inputs import CALLER, applications
from cde.bootstrap import Container, bootstrap
from cde.domain.engine import evaluate
from cde.domain.scorecard.model import Scorecard, ScorecardError
from cde.policies import PolicyError, default_policy, parse_policy
from cde.portfolio.book import replay_one
from cde.service.challenger import (
    ChallengerResult,
    ChallengerService,
    PolicyId,
    ReportPeriodError,
    bucket,
    compact_of_replayed,
    compact_of_result,
    shadowed,
)
from cde.service.jobs import CHALLENGER
from cde.service.submissions import Submission
from cde.settings import Settings
from clocks import TEST_NOW, TEST_TODAY, TestClock
from fakes import DEFAULT_TENANT_ID, FakeJobQueue, FakeStores, sequential_ids
from scorecards import small_scorecard

APPS = applications(30, seed=3)


def strict_toml(score: int = 70, name: str = "cde-strict") -> str:
    shipped = resources.files("cde.policies").joinpath("default.toml").read_text("utf-8")
    return shipped.replace("decline_below_score = 35", f"decline_below_score = {score}").replace(
        'name = "cde-default"', f'name = "{name}"'
    )


@pytest.fixture
def strict_file(tmp_path: Path) -> Path:
    path = tmp_path / "strict.toml"
    path.write_text(strict_toml(), "utf-8")
    return path


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": "sqlite://",  # never used: every store is a fake
        "api_tokens": ("t1",),
        "timezone": "Asia/Jakarta",
        "policy_file": None,
        **overrides,
    }
    return Settings(_env_file=None, **values)


def wired(stores: FakeStores, clock: TestClock, **overrides: Any) -> Container:
    return bootstrap(
        settings(**overrides),
        run_migrations=False,
        clock=clock,
        new_id=sequential_ids(),
        **stores.adapters(),
    )


def submission(app: dict[str, Any], key: str | None = None) -> Submission:
    return Submission(
        body=orjson.dumps(app),
        caller=CALLER,
        lang="id",
        tenant_id=DEFAULT_TENANT_ID,
        request_id="req",
        idempotency_key=key,
    )


# --- the hash ---------------------------------------------------------------------------------


def test_the_bucket_is_the_first_8_bytes_of_sha256_modulo_10000() -> None:
    for tenant, loan in (("default", "L1"), ("t-9", "00000001-abc"), ("ä", "ü")):
        digest = hashlib.sha256(f"{tenant}:{loan}".encode()).digest()
        assert bucket(tenant, loan) == int.from_bytes(digest[:8], "big") % 10_000


def test_a_share_picks_the_loans_whose_bucket_is_below_it() -> None:
    loans = [f"L{n}" for n in range(4000)]
    assert not any(shadowed("t", loan, 0) for loan in loans)
    assert all(shadowed("t", loan, 100) for loan in loans)
    quarter = {loan for loan in loans if shadowed("t", loan, 25)}
    half = {loan for loan in loans if shadowed("t", loan, 50)}
    assert quarter < half  # raising the share only adds loans
    assert 0.45 < len(half) / len(loans) < 0.55
    assert {loan for loan in loans if shadowed("t", loan, 12.34)} == {
        loan for loan in loans if bucket("t", loan) < 1234
    }
    other = {loan for loan in loans if shadowed("u", loan, 50)}
    assert other != half  # the tenant is part of the hash


# --- the compact decision ------------------------------------------------------------------------


@pytest.mark.parametrize("with_card", [False, True])
def test_a_stored_results_compact_decision_is_its_replays(with_card: bool) -> None:
    policy = default_policy()
    if with_card:
        policy = policy.with_scorecard(Scorecard.model_validate(small_scorecard()))
    for app in APPS:
        result = evaluate(app, policy=policy, today=TEST_TODAY, lang="id")
        compact = compact_of_result(orjson.loads(orjson.dumps(result)))
        assert compact == compact_of_replayed(replay_one(app, policy, TEST_TODAY))
        assert (compact["pd"] is not None) == with_card
        assert (compact["band"] is not None) == with_card


# --- the job, on the fakes -----------------------------------------------------------------------


def test_a_shadowed_post_is_decided_by_the_challenger_in_a_job(strict_file: Path) -> None:
    clock = TestClock()
    stores = FakeStores.new(clock)
    container = wired(stores, clock, challenger_policy=strict_file, challenger_share=100)
    plain = wired(FakeStores.new(clock), clock)
    observed: list[str] = []
    container.challenger.observe = observed.append
    try:
        answers = [container.submissions.submit(submission(app)) for app in APPS]
        # the same answers as a service without a challenger
        for app, answer in zip(APPS, answers, strict=True):
            assert answer.result == plain.submissions.submit(submission(app)).result
        assert [j.kind for j in stores.jobs.deferred] == [CHALLENGER] * len(APPS)
        assert stores.challenger_results.between(DEFAULT_TENANT_ID, None, None) == []
        assert stores.jobs.run_all(container.handle_job) == len(APPS)
        rows = stores.challenger_results.between(DEFAULT_TENANT_ID, None, None)
        assert [s.result.recommendation_id for s in rows] == [a.record_id for a in answers]
        assert observed == ["stored"] * len(APPS)
        strict = parse_policy(tomllib.loads(strict_toml()))
        for app, answer, s in zip(APPS, answers, rows, strict=True):
            r = s.result
            assert r.champion == compact_of_result(answer.result)
            assert r.challenger == compact_of_replayed(replay_one(app, strict, TEST_TODAY))
            assert r.champion_policy == PolicyId.of(default_policy())
            assert r.challenger_policy == PolicyId("cde-strict", strict.version)
            record = stores.recommendations.get(answer.record_id)
            assert record is not None
            assert (r.decided_at, r.loan_id, r.error) == (record.created_at, app["loan_id"], None)
        assert sum(s.result.champion != s.result.challenger for s in rows) > 0

        # a repeat with an Idempotency-Key is the first answer: not shadowed again
        container.submissions.submit(submission(APPS[0], key="k-1"))
        container.submissions.submit(submission(APPS[0], key="k-1"))
        assert len(stores.jobs.waiting) == 1
        # a job that runs twice stores once, and is counted once
        job = stores.jobs.waiting[0]
        container.handle_job(job.kind, job.args)
        container.handle_job(job.kind, job.args)
        assert len(stores.challenger_results.between(DEFAULT_TENANT_ID, None, None)) == 31
        assert observed.count("stored") == 31
    finally:
        container.close()
        plain.close()


def test_the_job_does_nothing_without_a_record_or_a_challenger(strict_file: Path) -> None:
    clock = TestClock()
    stores = FakeStores.new(clock)
    container = wired(stores, clock, challenger_policy=strict_file, challenger_share=100)
    try:
        assert container.challenger.run("no-such-record") is None
        answer = container.submissions.submit(submission(APPS[0]))
        # the same stores, the challenger switched off since the job was deferred
        service = ChallengerService(
            stores.challenger_results,
            stores.recommendations,
            stores.jobs,
            default_policy(),
            None,
            0,
            container.settings.zone,
            clock,
        )
        assert not service.on
        observed: list[str] = []
        service.observe = observed.append
        # a job left from before it was switched off (or a worker configured without it)
        assert service.run(answer.record_id) == "failed"
        assert observed == ["failed"]
        assert stores.challenger_results.between(DEFAULT_TENANT_ID, None, None) == []
        assert container.challenger.run(answer.record_id) == "stored"
    finally:
        container.close()


class _BrokenQueue(FakeJobQueue):
    def defer(self, kind: str, args: dict[str, Any]) -> None:
        raise ConnectionError("the queue is down")


def test_a_queue_that_fails_is_counted_and_never_fails_the_post(strict_file: Path) -> None:
    clock = TestClock()
    stores = FakeStores.new(clock)
    stores.jobs = _BrokenQueue()
    container = wired(stores, clock, challenger_policy=strict_file, challenger_share=100)
    observed: list[str] = []
    container.challenger.observe = observed.append
    try:
        answer = container.submissions.submit(submission(APPS[0]))
        assert answer.status == "success"
        assert stores.recommendations.get(answer.record_id) is not None
        assert observed == ["failed"]
    finally:
        container.close()


# --- the report ------------------------------------------------------------------------------


def _row(n: int, challenger: PolicyId, at_hours: float, outcome: str = "decline") -> Any:
    champion = {
        "outcome": "approve",
        "plafon": 1_000_000,
        "score": 60,
        "grade": "C",
        "pd": None,
        "band": None,
        "reasons": ["APPROVE_CLEAN"],
        "knockouts": [],
    }
    return ChallengerResult(
        recommendation_id=f"r{n:03d}",
        tenant_id=DEFAULT_TENANT_ID,
        loan_id=f"L{n}",
        decided_at=TEST_NOW + timedelta(hours=at_hours),
        created_at=TEST_NOW + timedelta(hours=at_hours),
        champion_policy=PolicyId.of(default_policy()),
        challenger_policy=challenger,
        champion=champion,
        challenger={
            **champion,
            "outcome": outcome,
            "plafon": 0,
            "reasons": ["DECLINE_SCORE_LOW"],
        },
    )


def test_the_report_compares_one_pair_and_counts_the_others(strict_file: Path) -> None:
    clock = TestClock()
    stores = FakeStores.new(clock)
    old, new = PolicyId("cde-strict", "2025.1"), PolicyId("cde-strict", default_policy().version)
    for n in range(3):
        stores.challenger_results.add(_row(n, old, n))
    for n in range(3, 8):
        stores.challenger_results.add(_row(n, new, n, "approve" if n % 2 else "decline"))
    configured = wired(stores, clock, challenger_policy=strict_file, challenger_share=10)
    unconfigured = wired(stores, clock)
    try:
        data = configured.challenger.report(DEFAULT_TENANT_ID, TEST_TODAY, TEST_TODAY)
        assert (data["shadowed"], data["configured"], data["share"]) == (5, True, 10)
        assert data["challenger"] == new.as_dict()
        assert data["swap_set"]["swap"]["swapped_out"] == 2  # r4 and r6 (r3, r5, r7 approve)
        assert data["other_pairs"] == [
            {"champion": data["champion"], "challenger": old.as_dict(), "shadowed": 3}
        ]
        # no challenger configured: the pair of the latest stored result
        data = unconfigured.challenger.report(DEFAULT_TENANT_ID, TEST_TODAY, TEST_TODAY)
        assert (data["configured"], data["challenger"], data["shadowed"]) == (
            False,
            new.as_dict(),
            5,
        )
        assert data["note"] is None
        before = TEST_TODAY - timedelta(days=3)
        data = unconfigured.challenger.report(DEFAULT_TENANT_ID, before, before)
        assert (data["note"], data["champion"], data["shadowed"]) == ("no_challenger", None, 0)
        data = configured.challenger.report(DEFAULT_TENANT_ID, before, before)
        assert (data["note"], data["shadowed"]) == ("none_shadowed", 0)
        # the calendar's ends overflow nothing
        data = configured.challenger.report(DEFAULT_TENANT_ID, date.min, date.max)
        assert data["shadowed"] == 5
        with pytest.raises(ReportPeriodError) as refused:
            configured.challenger.report(DEFAULT_TENANT_ID, TEST_TODAY, before)
        assert [e.as_dict("en")["field"] for e in refused.value.field_errors] == ["from"]
        assert refused.value.status == 422
    finally:
        configured.close()
        unconfigured.close()


# --- settings and start-up -----------------------------------------------------------------------


def test_a_share_or_a_scorecard_without_a_challenger_policy_is_a_settings_error() -> None:
    with pytest.raises(
        ValidationError, match=r"CDE_CHALLENGER_SHARE=12\.5 needs CDE_CHALLENGER_POLICY"
    ):
        settings(challenger_share=12.5)
    with pytest.raises(ValidationError, match="CDE_CHALLENGER_SCORECARD needs CDE_CHALLENGER"):
        settings(challenger_scorecard="card.json")
    for share in (-1, 100.5, float("nan")):
        with pytest.raises(ValidationError, match="challenger_share"):
            settings(challenger_policy="p.toml", challenger_share=share)
    assert settings().challenger_share == 0
    assert settings(challenger_policy="p.toml").challenger_share == 0  # stored, not shadowing


def test_a_challenger_file_that_cannot_be_used_refuses_the_start(tmp_path: Path) -> None:
    clock = TestClock()
    bad = tmp_path / "bad.toml"
    bad.write_text(strict_toml().replace("decline_below_score = 70", 'decline_below_score = "x"'))
    with pytest.raises(PolicyError, match=r"bad\.toml \(CDE_CHALLENGER_POLICY\)"):
        wired(FakeStores.new(clock), clock, challenger_policy=bad, challenger_share=5)
    good = tmp_path / "good.toml"
    good.write_text(strict_toml())
    card = tmp_path / "card.json"
    card.write_text('{"format": "cde-scorecard/1"}')
    with pytest.raises(ScorecardError, match=r"card\.json \(CDE_CHALLENGER_SCORECARD\)"):
        wired(
            FakeStores.new(clock),
            clock,
            challenger_policy=good,
            challenger_scorecard=card,
            challenger_share=5,
        )
    card.write_text(orjson.dumps(small_scorecard()).decode())
    container = wired(
        FakeStores.new(clock), clock, challenger_policy=good, challenger_scorecard=card
    )
    try:
        assert container.challenger.challenger is not None
        assert PolicyId.of(container.challenger.challenger).scorecard_name == "unit"
        assert not container.challenger.on  # share 0
    finally:
        container.close()


def test_the_champion_compared_is_the_one_that_decided_the_tenants_applications(
    strict_file: Path,
) -> None:
    """A tenant whose own policy version answers: its results pair with that champion."""
    clock = TestClock()
    stores = FakeStores.new(clock)
    own = PolicyId("kop-own", "3")
    strict = PolicyId("cde-strict", default_policy().version)
    for n in range(4):
        row = _row(n, strict, n)
        stores.challenger_results.add(dataclasses.replace(row, champion_policy=own))
    container = wired(stores, clock, challenger_policy=strict_file, challenger_share=50)
    try:
        data = container.challenger.report(DEFAULT_TENANT_ID, TEST_TODAY, TEST_TODAY)
        assert (data["champion"], data["challenger"]) == (own.as_dict(), strict.as_dict())
        assert (data["shadowed"], data["other_pairs"]) == (4, [])
    finally:
        container.close()
