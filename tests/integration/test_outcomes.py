"""Loan outcomes in, on SQLite and on PostgreSQL: ``POST`` and ``GET /kocek/cde/outcomes``
(a report of accepted, replaced and unknown loans and of each invalid line with its field
errors; a repeat replaces and the history keeps the old value, when and by whom; tenants
kept apart; paging; the same guards, body limit and audit trail as every route) and
``cde outcomes import`` / ``list`` with a CSV and a JSON-lines file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from cde.bootstrap import Container
from cde.entrypoints.cli import app
from conftest import MakeClient

OUTCOMES = "/kocek/cde/outcomes"
SINGLE = "/kocek/cde/credit-recommendation"
JSONL = {"Content-Type": "application/x-ndjson"}


def jsonl(*records: object) -> bytes:
    return b"\n".join(orjson.dumps(r) for r in records) + b"\n"


def headers(base: dict[str, str], key: str | None = None, **extra: str) -> dict[str, str]:
    out = {**base, **extra}
    if key is not None:
        out["Authorization"] = f"Bearer {key}"
    return out


def post(client: Any, body: bytes, hdrs: dict[str, str], status: int = 200) -> dict[str, Any]:
    response = client.post(OUTCOMES, content=body, headers=hdrs)
    assert response.status_code == status, response.text
    answer: dict[str, Any] = response.json()
    return answer


def seed_loan_id(seed_bytes: bytes) -> str:
    return str(orjson.loads(seed_bytes)["loan_id"])


def test_outcomes_are_recorded_and_reported(
    client: Any, kocek_headers: dict[str, str], seed_bytes: bytes
) -> None:
    assert client.post(SINGLE, content=seed_bytes, headers=kocek_headers).status_code == 200
    known = seed_loan_id(seed_bytes)
    body = jsonl(
        {"loan_id": known, "kolektibilitas": "Macet", "observed_at": "2026-10-31"},
        {"loan_id": "L-unknown", "bad": 0, "applied_at": "2025-10-21"},
        {"loan_id": "L-bad", "bad": 0, "kolektibilitas": 4},
        {"loan_id": "L-date", "bad": 1, "observed_at": "besok"},
    )
    answer = post(client, body, headers(kocek_headers, **JSONL))
    assert answer["status"] == "success"
    assert answer["message"] == "Hasil pinjaman diterima"
    data = answer["data"]
    assert {k: data[k] for k in ("received", "accepted", "new", "replaced", "invalid")} == {
        "received": 4,
        "accepted": 2,
        "new": 2,
        "replaced": 0,
        "invalid": 2,
    }
    assert data["unknown_loan_ids"] == ["L-unknown"]
    assert [(e["line"], e["loan_id"]) for e in data["errors"]] == [(3, "L-bad"), (4, "L-date")]
    assert [p["field"] for p in data["errors"][0]["errors"]] == ["bad"]
    assert "bertentangan" in data["errors"][0]["errors"][0]["message"]
    assert [p["field"] for p in data["errors"][1]["errors"]] == ["observed_at"]

    listed = client.get(OUTCOMES, headers=kocek_headers).json()
    assert listed["meta"] == {"limit": 10, "page": 1, "total": 2}
    by_loan = {o["loan_id"]: o for o in listed["data"]}
    assert by_loan[known]["bad"] is True
    assert by_loan[known]["kolektibilitas"] == 5
    assert by_loan[known]["observed_at"] == "2026-10-31"
    assert by_loan["L-unknown"]["applied_at"] == "2025-10-21"
    assert by_loan["L-unknown"]["revision"] == 1
    assert by_loan["L-unknown"]["history"] == []


def test_a_json_array_is_accepted_and_english_on_request(
    client: Any, kocek_headers: dict[str, str]
) -> None:
    body = orjson.dumps([{"loan_id": "A1", "bad": True}, {"loan_id": "A2", "bad": "x"}])
    answer = post(client, body, headers(kocek_headers, **{"Accept-Language": "en"}))
    assert answer["message"] == "Loan outcomes received"
    assert (answer["data"]["accepted"], answer["data"]["errors"][0]["line"]) == (1, 2)
    assert answer["data"]["errors"][0]["errors"][0]["message"].startswith("cannot be read")


def test_a_repeat_replaces_and_the_history_keeps_the_old_value(
    client: Any, kocek_headers: dict[str, str], container: Container
) -> None:
    post(client, jsonl({"loan_id": "L1", "kolektibilitas": 2}), headers(kocek_headers, **JSONL))
    container.clock.advance(3600)  # type: ignore[attr-defined]
    other_user = headers(kocek_headers, **{"User-ID": "777", "User-Name": "Budi", **JSONL})
    again = post(client, jsonl({"loan_id": "L1", "kolektibilitas": 5}), other_user)
    assert (again["data"]["new"], again["data"]["replaced"]) == (0, 1)
    same = post(client, jsonl({"loan_id": "L1", "kolektibilitas": 5}), other_user)
    assert same["data"]["unchanged"] == 1

    [item] = client.get(OUTCOMES, params={"loan_id": "L1"}, headers=kocek_headers).json()["data"]
    assert (item["bad"], item["kolektibilitas"], item["revision"]) == (True, 5, 2)
    [old] = item["history"]
    assert (old["revision"], old["bad"], old["kolektibilitas"]) == (1, False, 2)
    assert old["recorded_by"] == {
        "user_id": "123",
        "user_name": "Samehada",
        "user_role": "Eksekutif",
    }
    assert old["replaced_by"] == {"user_id": "777", "user_name": "Budi", "user_role": "Eksekutif"}
    assert old["replaced_at"] == item["updated_at"]
    assert old["recorded_at"] == item["received_at"] < item["updated_at"]


def test_outcomes_are_kept_apart_by_tenant(
    make_client: MakeClient, kocek_headers: dict[str, str], seed_bytes: bytes
) -> None:
    container, client = make_client()
    tenant, key = container.tenant_admin.create("KSP Lain", None)
    # The default tenant's recommendation does not make the loan known to the other tenant.
    assert client.post(SINGLE, content=seed_bytes, headers=kocek_headers).status_code == 200
    known = seed_loan_id(seed_bytes)
    mine = post(client, jsonl({"loan_id": known, "bad": 1}), headers(kocek_headers, **JSONL))
    assert mine["data"]["unknown_loan_ids"] == []
    theirs = post(client, jsonl({"loan_id": known, "bad": 0}), headers(kocek_headers, key, **JSONL))
    assert (theirs["data"]["new"], theirs["data"]["unknown_loan_ids"]) == (1, [known])

    [own] = client.get(OUTCOMES, headers=kocek_headers).json()["data"]
    [other] = client.get(OUTCOMES, headers=headers(kocek_headers, key)).json()["data"]
    assert (own["bad"], own["history"]) == (True, [])
    assert (other["bad"], other["history"]) == (False, [])
    assert container.outcomes.get(tenant.id, known) is not None


def test_outcomes_are_listed_in_pages(client: Any, kocek_headers: dict[str, str]) -> None:
    body = orjson.dumps([{"loan_id": f"L{n:03d}", "bad": n % 3 == 0} for n in range(1, 24)])
    assert post(client, body, kocek_headers)["data"]["accepted"] == 23
    page = client.get(OUTCOMES, params={"page": 3, "limit": 10}, headers=kocek_headers).json()
    assert page["meta"] == {"limit": 10, "page": 3, "total": 23}
    assert [o["loan_id"] for o in page["data"]] == ["L021", "L022", "L023"]
    assert page["message"] == "Berhasil menampilkan daftar hasil pinjaman."
    beyond = client.get(OUTCOMES, params={"page": 9}, headers=kocek_headers).json()
    assert (beyond["data"], beyond["meta"]["total"]) == ([], 23)
    bad = client.get(OUTCOMES, params={"limit": 0}, headers=kocek_headers)
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("body", "hdrs"),
    [
        (b"", JSONL),
        (b"42", {}),
        (b'{\n"loan_id": "L1",\n"bad": 1\n}', {}),
        (b"[1, 2", {}),
        (b'{"loan_id": "L1", "bad": 1}', {"Content-Type": "application/json"}),
    ],
)
def test_a_body_that_is_not_json_lines_or_an_array_is_a_400(
    client: Any, kocek_headers: dict[str, str], body: bytes, hdrs: dict[str, str]
) -> None:
    answer = post(client, body, headers(kocek_headers, **hdrs), status=400)
    assert answer["status"] == "fail"
    assert answer["message"] == "Data hasil pinjaman tidak valid"
    assert answer["errors"][0]["field"] == "(body)"


def test_a_body_over_the_batch_limit_is_a_413(
    make_client: MakeClient, kocek_headers: dict[str, str]
) -> None:
    _, client = make_client(max_batch_bytes=2048, max_body_bytes=1024)
    body = jsonl(*({"loan_id": f"L{n}", "bad": 1} for n in range(100)))
    assert len(body) > 2048
    answer = post(client, body, headers(kocek_headers, **JSONL), status=413)
    assert "CDE_MAX_BATCH_BYTES" in answer["error"]
    # under the batch limit but over the single-request one: accepted
    small = jsonl(*({"loan_id": f"L{n}", "bad": 1} for n in range(60)))
    assert 1024 < len(small) < 2048
    assert post(client, small, headers(kocek_headers, **JSONL))["data"]["accepted"] == 60


def test_the_routes_have_the_guards_of_the_others(
    make_client: MakeClient, kocek_headers: dict[str, str]
) -> None:
    container, client = make_client(request_roles=("Eksekutif",), read_roles=("Manajer",))
    body = jsonl({"loan_id": "L1", "bad": 1})
    kocek_headers = headers(kocek_headers, **JSONL)
    assert client.post(OUTCOMES, content=body, headers={}).status_code == 401
    assert client.get(OUTCOMES).status_code == 401
    assert post(client, body, kocek_headers)["data"]["accepted"] == 1
    assert client.get(OUTCOMES, headers=kocek_headers).status_code == 403  # not a Manajer
    manajer = headers(kocek_headers, **{"User-Role": "Manajer"})
    assert client.get(OUTCOMES, headers=manajer).status_code == 200
    assert client.post(OUTCOMES, content=body, headers=manajer).status_code == 403
    container.switch.set(False)
    assert client.post(OUTCOMES, content=body, headers=kocek_headers).status_code == 403


def test_every_outcome_request_is_in_the_audit_trail(
    client: Any, kocek_headers: dict[str, str], container: Container
) -> None:
    post(client, jsonl({"loan_id": "L1", "bad": 1}), headers(kocek_headers, **JSONL))
    client.get(OUTCOMES, headers=kocek_headers)
    client.post(OUTCOMES, content=b"", headers=headers(kocek_headers, **JSONL))
    client.post(OUTCOMES, content=b"[]", headers={})
    rows = [
        (e.method, e.route, e.status_code, e.tenant_id, e.user_id)
        for e in (stored.entry for stored in container.audit.entries())
        if e.route.startswith(OUTCOMES)
    ]
    assert rows == [
        ("POST", OUTCOMES, 200, "default", "123"),
        ("GET", OUTCOMES, 200, "default", "123"),
        ("POST", OUTCOMES, 400, "default", "123"),
        ("POST", OUTCOMES, 401, None, None),
    ]


# --- the command line -------------------------------------------------------------------


def cde(env: dict[str, str], *args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin, env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {result.exception!r}") from result.exception
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, " ".join(result.stderr.split())


def test_the_cli_imports_a_csv_file_and_lists_it(
    database_env: dict[str, str], tmp_path: Path
) -> None:
    csv_file = tmp_path / "outcomes.csv"
    csv_file.write_text(
        "loan_id,bad,kolektibilitas,observed_at,applied_at\n"
        "L1,1,,2026-10-31,2025-10-01\n"
        "L2,,Kurang Lancar,31/10/2026,\n"
        "L3,0,5,,\n",
        "utf-8",
    )
    code, out, err = cde(database_env, "outcomes", "import", str(csv_file), "--lang", "en")
    assert code == 1  # one invalid line; the good ones are stored
    assert "3 records: 2 accepted (2 new, 0 replaced, 0 unchanged), 1 invalid" in out
    assert "2 loan ids without a stored recommendation: L1, L2" in out
    assert "line 4 (L3): bad: bad = false contradicts kolektibilitas 5" in err

    code, out, _ = cde(database_env, "outcomes", "list", "--json")
    assert code == 0
    listed = orjson.loads(out)
    assert listed["total"] == 2
    assert listed["items"][1] == {
        "loan_id": "L2",
        "bad": True,
        "kolektibilitas": 3,
        "observed_at": "2026-10-31",
        "applied_at": None,
        "revision": 1,
    }


def test_the_cli_imports_json_lines_from_stdin_for_a_tenant(
    database_env: dict[str, str], make_client: MakeClient
) -> None:
    container, _ = make_client()
    tenant, _ = container.tenant_admin.create("KSP Maju", None)
    body = jsonl({"loan_id": "L1", "bad": 0}, {"loan_id": "L1", "kolektibilitas": 4})
    code, out, _ = cde(
        database_env, "outcomes", "import", "-", "--tenant", "KSP Maju", "--json", stdin=body
    )
    assert code == 0
    report = orjson.loads(out)
    assert (report["accepted"], report["new"], report["replaced"]) == (2, 1, 1)
    stored = container.outcomes.get(tenant.id, "L1")
    assert stored is not None
    assert (stored.bad, stored.revision, stored.caller.user_id) == (True, 2, "cli")
    assert container.outcomes.list("default").total == 0  # not the default tenant's
    code, out, _ = cde(database_env, "outcomes", "list", "--tenant", "KSP Maju")
    assert out.splitlines()[1] == "L1\ttrue\t4\t\t\t2"


def test_the_cli_refuses_an_unknown_tenant_and_a_file_that_is_no_outcomes(
    database_env: dict[str, str], tmp_path: Path
) -> None:
    file = tmp_path / "o.jsonl"
    file.write_bytes(jsonl({"loan_id": "L1", "bad": 1}))
    code, _, err = cde(database_env, "outcomes", "import", str(file), "--tenant", "nope")
    assert (code, "no tenant named 'nope'" in err) == (2, True)
    headerless = tmp_path / "o.csv"
    headerless.write_text("id,bad\n1,1\n", "utf-8")
    code, _, err = cde(database_env, "outcomes", "import", str(headerless))
    assert (code, "no loan_id column" in err) == (2, True)
