"""``cde scorecard train --from-db``, on SQLite and on PostgreSQL: the tenant's stored
applications joined with its outcomes (posted to ``POST /kocek/cde/outcomes``) train the
scorecard. The latest stored application of a loan is the one used; a kolektibilitas-only
outcome is bad by the policy's rule; ``applied_at`` falls back to the recommendation's
date in the service's time zone; outcomes with no stored application are left out and
counted, as are stored applications with no outcome; another tenant's data is never read;
a book too small gets the trainer's refusal with its numbers; the data comes from the
files or from the database, never both.

The book comes from ``benchmarks/generate_loan_book.py`` (its true PD model is of no
interest here: these tests are about which rows the training gets). Its 620 applications
are stored through the service layer (``Recommender.recommend``, what the route runs), 16
at a time: through the HTTP API one by one they take 6 s on SQLite and 9 s on
PostgreSQL, the whole test 3 s this way. The applications whose choice is tested (a loan's
second application, the other tenant's) go through the HTTP API."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from typer.testing import CliRunner

from cde.domain.scorecard.model import load_scorecard
from cde.entrypoints.cli import app
from cde.scorecard.training import MIN_BADS, MIN_ROWS, input_sha256
from clocks import TEST_TODAY, TestClock
from conftest import MakeClient
from generate_loan_book import LoanBook, loan_book
from stored import store_many

pytest.importorskip("optbinning")
pytest.importorskip("sklearn")

SINGLE = "/kocek/cde/credit-recommendation"
OUTCOMES = "/kocek/cde/outcomes"
JAKARTA = ZoneInfo("Asia/Jakarta")

STORED = 620  # applications the default tenant stores
LABELLED = 600  # the first 600 loans get an outcome; the last 20 stored ones none
KOLEK_ONLY = 60  # the first 60 loans' outcomes: a kolektibilitas only, no applied_at
NO_APPLICATION = [f"NOAPP-{n}" for n in range(7)]  # outcomes of loans never stored


def _kolek(n: int) -> int:
    """Loan n's kolektibilitas (n < KOLEK_ONLY): 3, 4 or 5 for the first 45 (bad by the
    default policy's rule, 3 or worse), then 1 or 2 (good)."""
    return 3 + n % 3 if n < 45 else 1 + n % 2


@pytest.fixture(scope="module")
def book() -> LoanBook:
    return loan_book(STORED, seed=21)


def cde(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {result.exception!r}") from result.exception
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, " ".join(result.stderr.split())


def store(client: Any, headers: dict[str, str], applications: list[dict[str, Any]]) -> None:
    """Through the HTTP API."""
    for application in applications:
        response = client.post(SINGLE, content=orjson.dumps(application), headers=headers)
        assert response.status_code == 200, response.text


def post_outcomes(client: Any, headers: dict[str, str], records: list[dict[str, Any]]) -> None:
    response = client.post(OUTCOMES, content=orjson.dumps(records), headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["invalid"] == 0


def by_loan_id(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: str(r["loan_id"]))


def test_training_from_the_database_uses_the_latest_application_of_each_loan(
    book: LoanBook,
    make_client: MakeClient,
    kocek_headers: dict[str, str],
    database_env: dict[str, str],
    clock: TestClock,
    tmp_path: Path,
) -> None:
    apps = book.applications
    container, client = make_client(rate_limit_per_minute=0)
    _, other_key = container.tenant_admin.create("KSP Lain", None)
    theirs = {**kocek_headers, "Authorization": f"Bearer {other_key}"}
    store_many(container, apps, "default")
    # Loan 0 again 17 hours later (the next day in Jakarta, still the same day in UTC): a
    # changed application, the one the loan was disbursed on.
    clock.advance(17 * 3600)
    again = copy.deepcopy(apps[0])
    again["application"]["plafon"] += 500_000
    store(client, kocek_headers, [again])
    redone = clock().astimezone(JAKARTA).date()
    assert (redone, clock().date()) == (date(2026, 11, 24), date(2026, 11, 23))
    # Another tenant: a later application of loan 1, applications of loans 615-619, and
    # outcomes (all bad, in 2020) of loans 0-39, which the default tenant has too.
    other_app = copy.deepcopy(apps[1])
    other_app["application"]["plafon"] += 1_000_000
    store(client, theirs, [other_app, *apps[STORED - 5 :]])
    post_outcomes(
        client,
        theirs,
        [{"loan_id": a["loan_id"], "bad": 1, "applied_at": "2020-01-01"} for a in apps[:40]],
    )
    # The default tenant's outcomes: loans 0-59 by kolektibilitas alone, 60-599 as the
    # book has them, and seven of loans it never stored.
    mine: list[dict[str, Any]] = []
    for n, outcome in enumerate(book.outcomes[:LABELLED]):
        if n < KOLEK_ONLY:
            mine.append({"loan_id": outcome["loan_id"], "kolektibilitas": _kolek(n)})
        else:
            mine.append({**outcome, "applied_at": outcome["applied_at"].isoformat()})
    mine += [{"loan_id": loan, "bad": 1} for loan in NO_APPLICATION]
    post_outcomes(client, kocek_headers, mine)

    # What the training must get: the latest application of each loan; bad by the rule
    # (kolektibilitas 3 or worse) or as posted; applied_at as posted, else the date in
    # Jakarta of the recommendation (TEST_TODAY; loan 0: the day after).
    expected_apps = [again, *apps[1:LABELLED]]
    expected_rows = [
        {"loan_id": o["loan_id"], "bad": o["bad"], "applied_at": o["applied_at"]}
        if n >= KOLEK_ONLY
        else {
            "loan_id": o["loan_id"],
            "bad": int(_kolek(n) >= 3),
            "applied_at": redone if n == 0 else TEST_TODAY,
        }
        for n, o in enumerate(book.outcomes[:LABELLED])
    ]
    bads = sum(r["bad"] for r in expected_rows)
    assert bads >= MIN_BADS  # big enough to train on
    assert LABELLED >= MIN_ROWS

    output = tmp_path / "card.json"
    code, out, err = cde(database_env, "scorecard", "train", "--from-db", "--output", str(output))
    assert code == 0, err
    assert (
        f"data: the database, tenant 'default': {LABELLED} outcomes with a stored application "
        f"({bads} bads); {len(NO_APPLICATION)} outcomes have no stored application and were "
        f"left out; {STORED - LABELLED} stored applications have no outcome; applied_at from "
        f"the recommendation's date for {KOLEK_ONLY}\n"
    ) in out
    for words in ("input sha256", "AUC", "Gini", "information value", f"wrote {output}"):
        assert words in out
    card = load_scorecard(output)
    assert (card.training["book"]["rows"], card.training["book"]["bads"]) == (LABELLED, bads)
    # exactly these applications and rows: the input's digest is theirs
    assert card.training["input_sha256"] == input_sha256(expected_apps, expected_rows)

    # The same book through the service, row by row.
    found = container.outcomes.training_book("default", JAKARTA)
    assert by_loan_id(found.outcomes) == by_loan_id(expected_rows)
    assert by_loan_id(found.applications) == by_loan_id(expected_apps)
    assert next(a for a in found.applications if a["loan_id"] == apps[0]["loan_id"]) == again
    assert next(a for a in found.applications if a["loan_id"] == apps[1]["loan_id"]) == apps[1]
    assert (found.outcomes_without_application, found.applications_without_outcome) == (7, 20)
    # A policy whose rule is 4 or worse turns the kolektibilitas-3 outcomes good.
    outcome_rule = container.policy.outcome.model_copy(update={"bad_from_kolektibilitas": 4})
    stricter = container.policy.model_copy(update={"outcome": outcome_rule})
    strict = container.outcomes.training_book("default", JAKARTA, stricter)
    threes = sum(1 for n in range(KOLEK_ONLY) if _kolek(n) == 3)
    assert (strict.bads, strict.bad_changed_by_policy) == (bads - threes, threes)
    assert "15 outcomes' bad follows the policy's bad_from_kolektibilitas" in strict.summary("x")


def test_a_tenants_book_too_small_is_refused_with_its_numbers(
    book: LoanBook,
    make_client: MakeClient,
    kocek_headers: dict[str, str],
    database_env: dict[str, str],
    tmp_path: Path,
) -> None:
    container, client = make_client(rate_limit_per_minute=0)
    _, key = container.tenant_admin.create("KSP Kecil", None)
    small = {**kocek_headers, "Authorization": f"Bearer {key}"}
    store(client, small, book.applications[:25])
    outcomes = [{**o, "applied_at": o["applied_at"].isoformat()} for o in book.outcomes[:25]] + [
        {"loan_id": "NOAPP-1", "bad": 0},
        {"loan_id": "NOAPP-2", "bad": 1},
    ]
    post_outcomes(client, small, outcomes)
    bads = sum(o["bad"] for o in book.outcomes[:25])
    # the default tenant's big book is not the small tenant's
    store_many(container, book.applications[25:], "default")
    post_outcomes(
        client, kocek_headers, [{"loan_id": a["loan_id"], "bad": 1} for a in book.applications]
    )

    output = tmp_path / "card.json"
    args = ("scorecard", "train", "--from-db", "--output", str(output))
    code, out, err = cde(database_env, *args, "--tenant", "KSP Kecil")
    assert code == 2
    assert (
        "data: the database, tenant 'KSP Kecil': 25 outcomes with a stored application "
        f"({bads} bads); 2 outcomes have no stored application and were left out; 0 stored "
        "applications have no outcome; applied_at from the recommendation's date for 0"
    ) in out
    assert (
        f"too few outcomes to train a scorecard: 25 rows with {bads} bads; at least 500 rows "
        "and 100 bads (and 100 goods) are needed"
    ) in err
    assert not output.exists()

    code, out, err = cde(database_env, *args, "--tenant", "KSP Kosong")
    assert (code, "no tenant named 'KSP Kosong'" in err) == (2, True)
    container.tenant_admin.create("KSP Kosong", None)
    code, out, err = cde(database_env, *args, "--tenant", "KSP Kosong")
    assert code == 2
    assert "tenant 'KSP Kosong': 0 outcomes with a stored application (0 bads)" in out
    assert "too few outcomes to train a scorecard: 0 rows with 0 bads" in err


def test_the_data_comes_from_the_files_or_from_the_database(
    database_env: dict[str, str], tmp_path: Path
) -> None:
    apps, outcomes = tmp_path / "apps.jsonl", tmp_path / "outcomes.csv"
    apps.write_bytes(b"")
    outcomes.write_text("loan_id,bad\n", "utf-8")
    train = ("scorecard", "train", "--output", str(tmp_path / "card.json"))
    code, _, err = cde(database_env, *train, "--from-db", str(apps))
    assert code == 2
    assert "--from-db reads the applications and outcomes from the database: " in err
    assert "APPLICATIONS must not be given" in err
    code, _, err = cde(database_env, *train, "--from-db", "--outcomes", str(outcomes))
    assert (code, "--outcomes must not be given" in err) == (2, True)
    code, _, err = cde(database_env, *train, "--from-db", str(apps), "--outcomes", str(outcomes))
    assert (code, "APPLICATIONS and --outcomes must not be given" in err) == (2, True)
    for partial in ((), (str(apps),), ("--outcomes", str(outcomes))):
        code, _, err = cde(database_env, *train, *partial)
        assert code == 2
        assert "give the APPLICATIONS file and --outcomes CSV, or --from-db" in err
    code, _, err = cde(
        database_env, *train, str(apps), "--outcomes", str(outcomes), "--tenant", "x"
    )
    assert (code, "add --from-db" in err) == (2, True)
