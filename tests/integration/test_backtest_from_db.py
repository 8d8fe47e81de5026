"""``cde backtest --from-db``, on SQLite and on PostgreSQL: the tenant's stored
applications that have a recorded outcome are replayed, each on its ``applied_at``, and
the report equals the one from the same book in files; another tenant's data is not read;
files and ``--from-db`` do not mix."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from cde.entrypoints.cli import app
from conftest import MakeClient
from generate_loan_book import loan_book, write_book
from stored import store_many

OUTCOMES = "/kocek/cde/outcomes"


def cde(env: dict[str, str], *args: str) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {result.exception!r}") from result.exception
    assert "Traceback" not in result.stderr
    return result.exit_code, result.stdout_bytes, " ".join(result.stderr.split())


def test_the_stored_book_replays_as_the_same_book_in_files(
    make_client: MakeClient,
    kocek_headers: dict[str, str],
    database_env: dict[str, str],
    tmp_path: Path,
) -> None:
    book = loan_book(160, seed=4)
    container, client = make_client(rate_limit_per_minute=0)
    other, other_key = container.tenant_admin.create("KSP Lain", None)
    store_many(container, book.applications, "default")
    outcomes = [{**o, "applied_at": o["applied_at"].isoformat()} for o in book.outcomes]
    response = client.post(OUTCOMES, content=orjson.dumps(outcomes), headers=kocek_headers)
    assert response.status_code == 200, response.text
    # another tenant stores the first 40 loans too, all bad: never part of this book
    store_many(container, book.applications[:40], other.id)
    theirs = {**kocek_headers, "Authorization": f"Bearer {other_key}"}
    bad = [{"loan_id": a["loan_id"], "bad": 1} for a in book.applications[:40]]
    assert client.post(OUTCOMES, content=orjson.dumps(bad), headers=theirs).status_code == 200

    code, stored, err = cde(database_env, "backtest", "--from-db", "--format", "json")
    assert code == 0, err
    apps, outs = write_book(book, tmp_path)
    code, files, err = cde(
        database_env, "backtest", str(apps), "--outcomes", str(outs), "--format", "json"
    )
    assert code == 0, err
    from_db, from_files = orjson.loads(stored), orjson.loads(files)
    assert from_db["book"]["with_outcome"] == 160
    assert from_db["book"]["bad"]["events"] == sum(o["bad"] for o in book.outcomes)
    assert from_db == from_files


def test_files_and_the_database_do_not_mix(database_env: dict[str, str], tmp_path: Path) -> None:
    code, out, err = cde(database_env, "backtest", "x.jsonl", "--from-db")
    assert code == 2
    assert out == b""
    assert "--from-db" in err
    code, _, err = cde(database_env, "backtest", "--tenant", "KSP Lain")
    assert code == 2
    code, _, err = cde(database_env, "backtest", "x.jsonl")
    assert code == 2
    assert "--outcomes" in err
