"""Champion–challenger on live traffic, on SQLite and on PostgreSQL: the challenger
(``CDE_CHALLENGER_POLICY``: the default policy with ``decline_below_score`` raised to 70)
decides the shadowed POSTs in a ``challenger`` job, its result is stored beside the
champion's and never answered; ``GET /kocek/cde/reports/challenger`` and
``cde report challenger`` give the swap set per tenant.

Who works the jobs: most tests run with ``CDE_RUN_JOBS_IN_PROCESS=false`` and run the
deferred ``challenger`` jobs themselves (read back from the real queue: the embedded
``jobs`` table on SQLite, ``procrastinate_jobs`` on PostgreSQL), so that they know when the
work is done; ``test_the_job_workers_store_the_challengers_decisions`` leaves it to the
workers (the API's threads on SQLite, a ``cde worker`` process on PostgreSQL).
"""

from __future__ import annotations

import hashlib
import time
import tomllib
from collections import Counter
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select, text
from typer.testing import CliRunner

import pg
from batch_inputs import applications
from cde.adapters.db.tables import challenger_results, jobs
from cde.bootstrap import Container
from cde.entrypoints.cli import app
from cde.entrypoints.http.schemas import ChallengerReportEnvelope
from cde.policies import default_policy, parse_policy
from cde.portfolio.book import APPROVED, replay_one
from cde.service.challenger import compact_of_replayed
from cde.service.ports import Caller, StoredRecommendation
from clocks import TEST_TODAY
from conftest import MakeClient

SINGLE = "/kocek/cde/credit-recommendation"
REPORT = "/kocek/cde/reports/challenger"
OUTCOMES = "/kocek/cde/outcomes"
HEADERS = {  # the conftest's token (CDE_API_TOKENS) and the platform's headers
    "Authorization": "Bearer t1",
    "User-ID": "123",
    "User-Name": "Samehada",
    "User-Role": "Eksekutif",
    "IP": "127.0.0.1",
    "Content-Type": "application/json",
}
STRICT_SCORE = 70
APPS = applications(40, seed=3)  # 7 of them decided otherwise at a score floor of 70
TODAY = TEST_TODAY.isoformat()


def _strict_toml() -> str:
    shipped = resources.files("cde.policies").joinpath("default.toml").read_text("utf-8")
    changed = shipped.replace(
        "decline_below_score = 35", f"decline_below_score = {STRICT_SCORE}"
    ).replace('name = "cde-default"', 'name = "cde-strict"')
    assert changed.count("cde-strict") == 1
    assert f"= {STRICT_SCORE}" in changed
    return changed


STRICT = parse_policy(tomllib.loads(_strict_toml()), "strict.toml")


@pytest.fixture
def strict_file(tmp_path: Path) -> Path:
    path = tmp_path / "strict.toml"
    path.write_text(_strict_toml(), "utf-8")
    return path


def shadowing(strict_file: Path, share: float = 100, **extra: Any) -> dict[str, Any]:
    """Settings overrides: the strict challenger on ``share`` percent; the test works
    the jobs itself."""
    return {
        "challenger_policy": strict_file,
        "challenger_share": share,
        "run_jobs_in_process": False,
        "rate_limit_per_minute": 0,
        **extra,
    }


def kocek(key: str | None = None) -> dict[str, str]:
    return HEADERS if key is None else {**HEADERS, "Authorization": f"Bearer {key}"}


def post_all(client: Any, apps: list[dict[str, Any]], key: str | None = None) -> list[Any]:
    responses = [client.post(SINGLE, content=orjson.dumps(a), headers=kocek(key)) for a in apps]
    assert [r.status_code for r in responses] == [200] * len(apps), responses[0].text
    return responses


def deferred(container: Container) -> list[str]:
    """The record ids of the ``challenger`` jobs in the real queue, in the order deferred."""
    with container.engine.connect() as conn:
        if container.engine.dialect.name == "postgresql":
            rows = conn.execute(
                text(
                    "SELECT args FROM procrastinate_jobs WHERE task_name = 'challenger' ORDER BY id"
                )
            ).all()
            return [str(dict(r[0])["record_id"]) for r in rows]
        rows = conn.execute(
            select(jobs.c.args).where(jobs.c.kind == "challenger").order_by(jobs.c.id)
        ).all()
        return [str(orjson.loads(r[0])["record_id"]) for r in rows]


def work(container: Container) -> list[str]:
    """Run every deferred ``challenger`` job as a worker would; their record ids."""
    ids = deferred(container)
    for record_id in ids:
        container.handle_job("challenger", {"record_id": record_id})
    return ids


def stored(container: Container) -> list[dict[str, Any]]:
    """The rows of ``challenger_results``, read with SQL, by recommendation id."""
    with container.engine.connect() as conn:
        rows = conn.execute(
            select(challenger_results).order_by(challenger_results.c.recommendation_id)
        ).all()
    return [row._asdict() for row in rows]


def report(client: Any, first: str = TODAY, last: str = TODAY, key: str | None = None) -> Any:
    response = client.get(REPORT, params={"from": first, "to": last}, headers=kocek(key))
    assert response.status_code == 200, response.text
    ChallengerReportEnvelope.model_validate(response.json())  # the documented schema
    return response.json()


def counted(result: str) -> float:
    return REGISTRY.get_sample_value("cde_challenger_total", {"result": result}) or 0.0


def expected_bucket(tenant_id: str, loan_id: str) -> int:
    """The documented rule, computed here on its own."""
    digest = hashlib.sha256(f"{tenant_id}:{loan_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 10_000


# --- storing ----------------------------------------------------------------------------------


def test_at_100_percent_every_post_gets_the_challengers_decision_beside_the_champions(
    make_client: MakeClient, strict_file: Path
) -> None:
    container, client = make_client(**shadowing(strict_file))
    before = counted("stored")
    responses = post_all(client, APPS)
    ids = [r.json()["data"]["id"] for r in responses]
    assert stored(container) == []  # nothing before the jobs run
    assert work(container) == ids

    rows = {row["recommendation_id"]: row for row in stored(container)}
    assert set(rows) == set(ids)
    assert counted("stored") - before == len(APPS)
    differ = 0
    for app_, response in zip(APPS, responses, strict=True):
        data = response.json()["data"]
        row = rows[data["id"]]
        assert row["tenant_id"] == "default"
        assert row["loan_id"] == app_["loan_id"]
        assert (row["champion_policy_name"], row["champion_policy_version"]) == (
            "cde-default",
            default_policy().version,
        )
        assert (row["challenger_policy_name"], row["challenger_policy_version"]) == (
            "cde-strict",
            STRICT.version,
        )
        assert row["challenger_scorecard_name"] is None
        assert row["error"] is None
        champion = orjson.loads(row["champion"])
        challenger = orjson.loads(row["challenger"])
        # the champion's: what the client was told
        assert champion["outcome"] == data["decision"]["outcome"]
        assert champion["plafon"] == data["decision"]["plafon"]
        assert (champion["score"], champion["grade"]) == (
            data["assessment"]["score"],
            data["assessment"]["grade"],
        )
        assert champion["reasons"] == [r["code"] for r in data["decision"]["reasons"]]
        assert champion["knockouts"] == data["decision"]["knockouts"]
        # the challenger's: the strict policy on the same payload and evaluation date
        assert challenger == compact_of_replayed(replay_one(app_, STRICT, TEST_TODAY))
        assert champion == compact_of_replayed(replay_one(app_, default_policy(), TEST_TODAY))
        if champion["outcome"] != challenger["outcome"]:
            differ += 1
            assert champion["score"] < STRICT_SCORE <= 100
            assert (champion["outcome"] in APPROVED, challenger["outcome"]) == (True, "decline")
    assert differ == 7

    assert work(container) == ids  # the jobs again (a worker died): stored once
    assert len(stored(container)) == len(APPS)
    assert counted("stored") - before == len(APPS)


def test_the_kocek_answers_are_the_same_with_and_without_a_challenger(
    make_client: MakeClient, strict_file: Path
) -> None:
    _, plain = make_client(rate_limit_per_minute=0)
    container, shadowed = make_client(**shadowing(strict_file))
    for app_ in APPS[:8]:
        body = orjson.dumps(app_)
        a = plain.post(SINGLE, content=body, headers=HEADERS)
        b = shadowed.post(SINGLE, content=body, headers=HEADERS)
        assert (a.status_code, b.status_code) == (200, 200)
        id_a, id_b = a.json()["data"]["id"], b.json()["data"]["id"]
        assert a.content.replace(id_a.encode(), b"ID") == b.content.replace(id_b.encode(), b"ID")
        assert a.headers["content-type"] == b.headers["content-type"]
    assert len(work(container)) == 8
    for response in (
        shadowed.get(f"{SINGLE}/{id_b}", headers=HEADERS),
        shadowed.get(SINGLE, headers=HEADERS),
        shadowed.get("/kocek/quota", headers=HEADERS),
    ):
        assert response.status_code == 200
        assert b"challenger" not in response.content.lower()
        assert b"cde-strict" not in response.content


def test_at_0_percent_nothing_is_shadowed(make_client: MakeClient, strict_file: Path) -> None:
    container, client = make_client(**shadowing(strict_file, share=0))
    post_all(client, APPS[:10])
    assert deferred(container) == []
    assert stored(container) == []
    data = report(client)["data"]
    assert (data["configured"], data["share"], data["shadowed"]) == (True, 0, 0)
    assert data["note"] == "none_shadowed"


def test_at_50_percent_exactly_the_loans_the_hash_picks_are_shadowed(
    make_client: MakeClient, strict_file: Path
) -> None:
    container, client = make_client(**shadowing(strict_file, share=50))
    tenant, key = container.tenant_admin.create("KSP Hash", None)
    post_all(client, APPS, key)
    work(container)
    expected = {a["loan_id"] for a in APPS if expected_bucket(tenant.id, a["loan_id"]) < 5000}
    assert 5 < len(expected) < len(APPS) - 5  # a real split
    assert {row["loan_id"] for row in stored(container)} == expected
    assert {row["tenant_id"] for row in stored(container)} == {tenant.id}
    # the same loans again: the same ones are shadowed (stored once per recommendation)
    post_all(client, APPS[:10], key)
    work(container)
    again = Counter(row["loan_id"] for row in stored(container))
    assert set(again) == expected
    assert {loan for loan, n in again.items() if n == 2} == {
        a["loan_id"] for a in APPS[:10] if a["loan_id"] in expected
    }


# --- the report -------------------------------------------------------------------------------


def _cell(champion: dict[str, Any] | None, challenger: dict[str, Any] | None) -> str:
    assert champion is not None
    assert challenger is not None
    before, after = champion["outcome"] in APPROVED, challenger["outcome"] in APPROVED
    if before:
        return "approved_both" if after else "swapped_out"
    return "swapped_in" if after else "declined_both"


def test_the_reports_swap_set_is_the_one_the_stored_rows_give(
    make_client: MakeClient, strict_file: Path, clock: Any
) -> None:
    container, client = make_client(**shadowing(strict_file))
    post_all(client, APPS)
    work(container)
    rows = stored(container)
    # outcomes for every other loan: bad for one in three of them
    marked = {row["loan_id"]: i % 3 == 0 for i, row in enumerate(rows) if i % 2 == 0}
    body = b"".join(orjson.dumps({"loan_id": k, "bad": v}) + b"\n" for k, v in marked.items())
    answer = client.post(
        OUTCOMES, content=body, headers={**HEADERS, "Content-Type": "application/x-ndjson"}
    )
    assert answer.status_code == 200, answer.text

    got = report(client)
    assert got["status"] == "success"
    assert got["message"] == "Berhasil menampilkan laporan champion–challenger."
    data = got["data"]
    cells = Counter(_cell(orjson.loads(r["champion"]), orjson.loads(r["challenger"])) for r in rows)
    assert data["swap_set"]["swap"] == {
        c: cells[c] for c in ("approved_both", "declined_both", "swapped_out", "swapped_in")
    }
    assert cells["swapped_out"] == 7
    assert cells["swapped_in"] == 0
    assert data["shadowed"] == data["swap_set"]["applications"] == len(rows) == len(APPS)
    assert (data["failed"], data["with_outcome"], data["note"]) == (0, len(marked), None)
    assert (data["tenant_id"], data["from"], data["to"], data["timezone"]) == (
        "default",
        TODAY,
        TODAY,
        "Asia/Jakarta",
    )
    assert (data["configured"], data["share"]) == (True, 100)
    assert data["champion"] == {
        "name": "cde-default",
        "version": default_policy().version,
        "scorecard": None,
    }
    assert data["challenger"] == {
        "name": "cde-strict",
        "version": STRICT.version,
        "scorecard": None,
    }
    assert data["other_pairs"] == []
    for cell in cells:
        loans = [
            r["loan_id"]
            for r in rows
            if _cell(orjson.loads(r["champion"]), orjson.loads(r["challenger"])) == cell
        ]
        bads = [marked[loan] for loan in loans if loan in marked]
        bad = data["swap_set"]["bad"][cell]
        assert (bad["count"], bad["events"]) == (len(bads), sum(bads)), cell
    approved = sum(orjson.loads(r["champion"])["outcome"] in APPROVED for r in rows)
    assert data["swap_set"]["approval"]["change"] == -cells["swapped_out"]
    assert data["swap_set"]["approval"]["baseline"]["events"] == approved

    # the period: days in Asia/Jakarta, both ends included
    yesterday = (TEST_TODAY - timedelta(days=1)).isoformat()
    tomorrow = (TEST_TODAY + timedelta(days=1)).isoformat()
    assert report(client, yesterday, tomorrow)["data"]["shadowed"] == len(APPS)
    assert report(client, yesterday, yesterday)["data"]["shadowed"] == 0
    assert report(client, yesterday, yesterday)["data"]["note"] == "none_shadowed"
    assert report(client, tomorrow, tomorrow)["data"]["shadowed"] == 0
    assert report(client, "0001-01-01", "9999-12-31")["data"]["shadowed"] == len(APPS)


def test_each_tenant_reads_only_its_own_shadowed_applications(
    make_client: MakeClient, strict_file: Path
) -> None:
    container, client = make_client(**shadowing(strict_file))
    a, key_a = container.tenant_admin.create("KSP A", None)
    b, key_b = container.tenant_admin.create("KSP B", None)
    post_all(client, APPS[:12], key_a)
    post_all(client, APPS[12:17], key_b)
    work(container)
    assert report(client, key=key_a)["data"]["shadowed"] == 12
    assert report(client, key=key_a)["data"]["tenant_id"] == a.id
    assert report(client, key=key_b)["data"]["shadowed"] == 5
    assert report(client)["data"]["shadowed"] == 0  # the default tenant posted none
    # a loan of B that A records an outcome for is not B's outcome
    loan_b = APPS[12]["loan_id"]
    body = orjson.dumps({"loan_id": loan_b, "bad": True}) + b"\n"
    ndjson = {**kocek(key_a), "Content-Type": "application/x-ndjson"}
    assert client.post(OUTCOMES, content=body, headers=ndjson).status_code == 200
    assert report(client, key=key_b)["data"]["with_outcome"] == 0
    assert b.id != a.id


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-13-01", "to": TODAY}, "from"),
        ({"from": TODAY, "to": "kemarin"}, "to"),
        ({"to": TODAY}, "from"),
        ({"from": TODAY}, "to"),
        ({"from": "2026-11-24", "to": "2026-11-23"}, "from"),  # from after to
    ],
)
def test_a_bad_period_is_a_422_naming_the_parameter(
    client: Any, query: dict[str, str], field: str
) -> None:
    response = client.get(REPORT, params=query, headers=HEADERS)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["status"] == "fail"
    assert body["message"] == "Parameter permintaan tidak valid"
    assert body["errors"][0]["field"] == field
    assert body["error"].startswith(f"{field}: ") or body["error"].startswith("from 2026-11-24")


def test_with_no_challenger_and_no_results_the_report_is_empty_and_says_so(
    client: Any, seed_bytes: bytes
) -> None:
    assert client.post(SINGLE, content=seed_bytes, headers=HEADERS).status_code == 200
    got = report(client)
    assert got["message"] == (
        "Tidak ada challenger yang dikonfigurasi dan tidak ada hasil challenger pada periode ini."
    )
    data = got["data"]
    assert (data["configured"], data["share"], data["shadowed"]) == (False, 0, 0)
    assert (data["champion"], data["challenger"], data["note"]) == (None, None, "no_challenger")
    assert data["swap_set"]["applications"] == 0
    english = client.get(
        REPORT, params={"from": TODAY, "to": TODAY}, headers={**HEADERS, "Accept-Language": "en"}
    )
    assert english.json()["message"].startswith("No challenger is configured")


def test_stored_results_are_reported_after_the_challenger_is_switched_off(
    make_client: MakeClient, strict_file: Path
) -> None:
    container, client = make_client(**shadowing(strict_file))
    post_all(client, APPS[:6])
    work(container)
    _, plain = make_client(rate_limit_per_minute=0)  # a process without the challenger
    data = report(plain)["data"]
    assert (data["configured"], data["shadowed"], data["note"]) == (False, 6, None)
    assert data["challenger"]["name"] == "cde-strict"


# --- failures -----------------------------------------------------------------------------------


def test_a_failing_challenger_is_counted_and_leaves_the_champions_record_alone(
    make_client: MakeClient, strict_file: Path
) -> None:
    """A stored application the challenger cannot read (its payload is no application:
    the champion's record was written by something other than the engine, or edited
    since): the job logs it, counts it, stores the failure and is not retried."""
    container, client = make_client(**shadowing(strict_file))
    [good] = post_all(client, APPS[:1])
    real = container.recommender.get(good.json()["data"]["id"])
    assert real is not None
    broken = StoredRecommendation(
        id="01930000-0000-7000-8000-00000000b0b0",
        created_at=real.created_at,
        loan_id="L-broken",
        customer_id="C-broken",
        status="success",
        payload=orjson.dumps({"loan_id": "L-broken", "application": "?"}).decode(),
        result=real.result,
        error=None,
        lang="id",
        policy_name=real.policy_name,
        policy_version=real.policy_version,
        engine_version=real.engine_version,
        caller=Caller("123"),
    )
    container.recommender.repository.add(broken, spend_quota=False)
    assert container.challenger.shadow(broken)  # deferred through the real queue
    failed, ok = counted("failed"), counted("stored")
    work(container)

    assert (counted("failed") - failed, counted("stored") - ok) == (1, 1)
    rows = {row["loan_id"]: row for row in stored(container)}
    assert rows["L-broken"]["challenger"] is None
    assert rows["L-broken"]["error"].startswith("ValueError: the challenger cannot read")
    assert rows["L-broken"]["champion"] == rows[real.loan_id]["champion"]  # its stored result
    assert container.recommender.get(broken.id) == broken  # untouched
    assert container.recommender.get(real.id) == real
    again = client.get(f"{SINGLE}/{real.id}", headers=HEADERS)
    assert again.json()["data"]["result"] == orjson.loads(str(real.result))
    data = report(client)["data"]
    assert (data["shadowed"], data["failed"]) == (2, 1)
    assert data["swap_set"]["unreadable"] == 1
    # the job again: nothing more stored or counted
    work(container)
    assert counted("failed") - failed == 1
    assert len(stored(container)) == 2


# --- the workers --------------------------------------------------------------------------------


def test_the_job_workers_store_the_challengers_decisions(
    make_client: MakeClient,
    strict_file: Path,
    backend: str,
    database_url: str | None,
    tmp_path: Path,
) -> None:
    overrides = shadowing(strict_file, run_jobs_in_process=True)
    container, client = make_client(**overrides)
    worker = None
    if backend == "postgresql":
        assert database_url is not None
        env = {
            "CDE_CHALLENGER_POLICY": str(strict_file),
            "CDE_CHALLENGER_SHARE": "100",
        }
        worker = pg.WorkerProcess(database_url, tmp_path, concurrency=2, env=env)
    try:
        post_all(client, APPS[:10])
        deadline = time.monotonic() + 60
        while len(stored(container)) < 10:
            assert time.monotonic() < deadline, "the challenger jobs were never worked"
            if worker is not None:
                assert worker.proc.poll() is None, worker.output()
            time.sleep(0.1)
    finally:
        if worker is not None:
            worker.stop()
    rows = stored(container)
    assert all(r["error"] is None for r in rows)
    assert all(r["challenger"] is not None for r in rows)
    assert report(client)["data"]["shadowed"] == 10


# --- the command line ---------------------------------------------------------------------------


def cli(env: dict[str, str | None], *args: str) -> Any:
    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {result.exception!r}") from result.exception
    return result


def test_cde_report_challenger_prints_the_same_report(
    make_client: MakeClient, strict_file: Path, database_env: dict[str, str], tmp_path: Path
) -> None:
    container, client = make_client(**shadowing(strict_file))
    tenant, key = container.tenant_admin.create("KSP Cli", None)
    post_all(client, APPS, key)
    work(container)
    env: dict[str, str | None] = {
        **database_env,
        "CDE_CHALLENGER_POLICY": str(strict_file),
        "CDE_CHALLENGER_SHARE": "100",
        "CDE_POLICY_FILE": None,
    }
    args = ("report", "challenger", "--from", TODAY, "--to", TODAY, "--tenant", "KSP Cli")
    as_json = cli(env, *args, "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    assert orjson.loads(as_json.stdout) == report(client, key=key)["data"]

    as_text = cli(env, *args, "--lang", "en")
    assert as_text.exit_code == 0, as_text.output
    out = as_text.stdout
    assert "Champion–challenger — tenant KSP Cli" in out
    assert "Challenger: cde-strict" in out
    assert "shadows 100% of applications" in out
    assert "Shadowed: 40 (failed 0, with an outcome 0)" in out
    assert "Simulation — cde-default" in out
    assert "swapped out (approve → decline)" in out

    page = tmp_path / "challenger.html"
    as_html = cli(env, *args, "--format", "html", "--output", str(page), "--lang", "en")
    assert as_html.exit_code == 0, as_html.output
    html = page.read_text("utf-8")
    assert "tenant KSP Cli" in html
    assert "cde-default" in html
    assert "cde-strict" in html
    assert html.count("<svg") == 1  # the swap set, drawn

    default = cli(env, "report", "challenger", "--from", TODAY, "--to", TODAY)
    assert default.exit_code == 0
    assert "Belum ada permohonan yang dibayangi" in default.stdout  # the default tenant's
    nothing = cli(env, "report", "challenger", "--from", TODAY, "--to", TODAY, "--format", "html")
    assert nothing.exit_code == 1  # no swap set to draw: said, no empty page
    assert "Belum ada permohonan yang dibayangi" in nothing.output

    plain: dict[str, str | None] = {**database_env, "CDE_POLICY_FILE": None}
    empty = cli(plain, "report", "challenger", "--from", "2020-01-01", "--to", "2020-01-31")
    assert empty.exit_code == 0
    assert "Tidak ada challenger yang dikonfigurasi" in empty.stdout

    bad = cli(env, "report", "challenger", "--from", "2026-11-31", "--to", TODAY)
    assert bad.exit_code == 2
    assert "--from must be a date" in bad.output
    reversed_ = cli(env, "report", "challenger", "--from", TODAY, "--to", "2026-01-01")
    assert reversed_.exit_code == 2
    assert "is after --to" in reversed_.output
    nobody = cli(env, *args[:6], "--tenant", "nobody")
    assert nobody.exit_code == 2
    assert "no tenant named 'nobody'" in nobody.output
    assert tenant.name == "KSP Cli"


def test_a_challenger_file_that_cannot_be_used_refuses_the_start(
    database_env: dict[str, str], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('name = "x"\n[decision]\ndecline_below_score = "high"\n', "utf-8")
    args = ("report", "challenger", "--from", TODAY, "--to", TODAY)
    env: dict[str, str | None] = {
        **database_env,
        "CDE_CHALLENGER_POLICY": str(broken),
        "CDE_POLICY_FILE": None,
    }
    run = cli(env, *args)
    assert run.exit_code == 2
    flat = " ".join(run.output.split())
    assert "CDE_CHALLENGER_POLICY" in flat
    assert "broken.toml" in flat

    missing = {**env, "CDE_CHALLENGER_POLICY": str(tmp_path / "nowhere.toml")}
    assert cli(missing, *args).exit_code == 2

    share = {**env, "CDE_CHALLENGER_POLICY": None, "CDE_CHALLENGER_SHARE": "25"}
    run = cli(share, *args)
    assert run.exit_code == 2
    flat = " ".join(run.output.split())
    assert "CDE_CHALLENGER_SHARE=25 needs CDE_CHALLENGER_POLICY" in flat
