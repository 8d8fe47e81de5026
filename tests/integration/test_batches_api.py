"""Portfolio batches over the HTTP API (``/kocek/cde/batches``), on SQLite and on
PostgreSQL: submit JSONL or a JSON array, follow the progress to the end, read the summary
and the results stream (one line per item, in order, each the same as the record read by
id), tenant isolation, the same 401/403/429 as single requests, the batch body limit, bad
bodies, quotas and the audit trail.

Who works the jobs
------------------
On SQLite the API works them in its own process (the embedded queue; the app's lifespan
starts the worker threads). On PostgreSQL the API never does (jobs go to procrastinate),
so the tests that need the work done start a real ``cde worker`` process on the test's
database (``worker`` fixture). Tests that look at the progress step by step run no worker
at all and run the deferred chunks themselves.

Every test has its own database: SQLite in its temporary directory, or a PostgreSQL
database ``cde_b_<hex>`` created through psycopg and dropped ``WITH (FORCE)`` at the end.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import orjson
import psycopg
import pytest
from psycopg import sql
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

import cde.service.batches as batches_module
import pg  # tests/pg.py (pytest's pythonpath)
from batch_inputs import applications as generated
from batch_inputs import invalid_application, jsonl
from cde.adapters.db.tables import audit_log, batch_items, batches, jobs, recommendations
from cde.bootstrap import Container, bootstrap
from cde.entrypoints.http.app import create_app
from cde.settings import Settings
from clocks import TestClock  # likewise

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "from cde.entrypoints.cli import main; main()"]
BATCHES = "/kocek/cde/batches"
SINGLE = "/kocek/cde/credit-recommendation"
TOKEN = "t1"
PEER = ("203.0.113.7", 51000)
UNAUTHENTICATED = {"code": 401, "message": "Unauthenticated", "status": False}
NOT_FOUND = {"message": "Data not found.", "status": "fail"}
QUOTA_ERROR = {"message": "quota exhausted"}
BATCH_DETAIL = "Berhasil menampilkan status batch."
BATCH_DETAIL_EN = "Successfully displayed the batch status."
WAIT_SECONDS = 90.0

_DEFAULT_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE_PREFIX = "cde_b_"


def kocek(key: str = TOKEN, **extra: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {key}",
        "User-ID": "123",
        "User-Name": "Samehada",
        "User-Role": "Eksekutif",
        "IP": "127.0.0.1",
        **extra,
    }


def jsonl_headers(key: str = TOKEN, **extra: str) -> dict[str, str]:
    return kocek(key, **{"Content-Type": "application/x-ndjson", **extra})


# --- applications -----------------------------------------------------------------------------


def applications(n: int, seed: int = 3) -> list[dict[str, Any]]:
    return generated(n, seed)


# --- PostgreSQL ---------------------------------------------------------------------------------


def admin_dsn() -> str:
    return os.environ.get("TEST_POSTGRES_DSN") or _DEFAULT_ADMIN_DSN


def _admin() -> psycopg.Connection[tuple[Any, ...]]:
    return psycopg.connect(admin_dsn(), autocommit=True, connect_timeout=3)


def require_postgres() -> None:
    try:
        with _admin() as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        reason = f"PostgreSQL at {make_url(admin_dsn())!r} is unreachable: {exc}".strip()
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: the PostgreSQL variants must run on CI)")
        pytest.skip(reason)


@pytest.fixture
def fresh_postgres() -> Iterator[Callable[[], str]]:
    """Make fresh databases ``cde_b_<hex>``; each is dropped (FORCE) at the end."""
    names: list[str] = []

    def make() -> str:
        require_postgres()
        name = f"{DATABASE_PREFIX}{uuid.uuid4().hex}"
        with _admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        names.append(name)
        url = make_url(admin_dsn()).set(drivername="postgresql+psycopg", database=name)
        return url.render_as_string(hide_password=False)

    try:
        yield make
    finally:
        for name in names:
            assert name.startswith(DATABASE_PREFIX)
            with _admin() as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


# --- fixtures: the database, the API, the worker ------------------------------------------------


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
    ]
)
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(db_kind: str, fresh_postgres: Callable[[], str]) -> str | None:
    return None if db_kind == "sqlite" else fresh_postgres()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def _no_traceback(response: httpx.Response) -> None:
    response.read()
    assert "Traceback" not in response.text, response.text


MakeApi = Callable[..., tuple[Container, TestClient]]


@pytest.fixture
def make_api(data_dir: Path, database_url: str | None, clock: TestClock) -> Iterator[MakeApi]:
    """An API (container + TestClient, lifespan running) on the test's database; settings
    as keywords. All are closed at the end of the test."""
    with ExitStack() as stack:

        def make(**overrides: Any) -> tuple[Container, TestClient]:
            values: dict[str, Any] = {
                "data_dir": data_dir,
                "database_url": database_url,
                "api_tokens": (TOKEN,),
                "service_enabled": True,
                "timezone": "Asia/Jakarta",
                "max_body_bytes": 1_048_576,
                # off unless a test is about it: reading hundreds of records by id is many
                # more requests than a tenant's default burst
                "rate_limit_per_minute": 0,
            }
            values.update(overrides)
            settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
            container = bootstrap(settings, clock=clock)
            stack.callback(container.close)
            client = TestClient(create_app(container), client=PEER)
            client.event_hooks = {"request": [], "response": [_no_traceback]}
            stack.enter_context(client)
            return container, client

        yield make


@pytest.fixture
def worker(db_kind: str, database_url: str | None, tmp_path: Path) -> Iterator[None]:
    """Jobs get worked: on SQLite by the API itself; on PostgreSQL by a ``cde worker``."""
    if db_kind == "sqlite":
        yield
        return
    assert database_url is not None
    started = pg.WorkerProcess(database_url, tmp_path)
    try:
        yield
        assert started.proc.poll() is None, f"cde worker died:\n{started.output()}"
    finally:
        started.stop()


def new_tenant(container: Container, quota: int | None = None) -> tuple[str, str]:
    """A new tenant: (its id, its API key)."""
    tenant, key = container.tenant_admin.create(f"KSP {uuid.uuid4().hex[:12]}", quota)
    return tenant.id, key


# --- helpers --------------------------------------------------------------------------------------


def submit(client: TestClient, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    response = client.post(BATCHES, content=body, headers=headers)
    assert response.status_code == 202, response.text
    assert response.headers["content-type"] == "application/json"
    envelope = response.json()
    assert envelope["status"] == "success"
    assert isinstance(envelope["message"], str)
    assert envelope["message"]
    data: dict[str, Any] = envelope["data"]
    return data


def check_view(data: dict[str, Any], total: int) -> None:
    assert set(data) == {
        "id",
        "status",
        "date",
        "datetime",
        "as_of",
        "total",
        "done",
        "failed",
        "pending",
        "summary",
    }
    assert data["status"] in ("queued", "running", "done")
    assert data["total"] == total
    assert data["done"] + data["failed"] + data["pending"] == total
    assert isinstance(data["date"], str)
    assert data["date"]
    created = datetime.fromisoformat(data["datetime"])  # UTC, as for single records
    assert data["datetime"].endswith("Z")
    assert data["as_of"] == created.astimezone(ZoneInfo("Asia/Jakarta")).date().isoformat()
    if data["pending"]:
        assert data["status"] in ("queued", "running")
        assert data["summary"] is None
    else:
        assert data["status"] == "done"
        assert set(data["summary"]) == {"outcomes", "grades", "total_plafon"}
    if data["status"] == "queued":
        assert data["done"] == data["failed"] == 0


def wait_done(
    client: TestClient, batch_id: str, headers: dict[str, str], total: int
) -> dict[str, Any]:
    """Poll the batch until it is done; every view on the way is consistent and the
    counts never go back."""
    deadline = time.monotonic() + WAIT_SECONDS
    last = (0, 0)
    while True:
        response = client.get(f"{BATCHES}/{batch_id}", headers=headers)
        assert response.status_code == 200, response.text
        english = headers.get("Accept-Language") == "en"
        assert response.json()["message"] == (BATCH_DETAIL_EN if english else BATCH_DETAIL)
        data: dict[str, Any] = response.json()["data"]
        check_view(data, total)
        assert data["id"] == batch_id
        assert (data["done"], data["failed"]) >= last
        last = (data["done"], data["failed"])
        if data["status"] == "done":
            return data
        assert time.monotonic() < deadline, f"batch not done in {WAIT_SECONDS} s: {data}"
        time.sleep(0.1)


def read_results(client: TestClient, batch_id: str, headers: dict[str, str]) -> list[Any]:
    response = client.get(f"{BATCHES}/{batch_id}/results", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    assert response.content.endswith(b"\n")
    return [orjson.loads(line) for line in response.content.splitlines()]


def summary_of(lines: list[dict[str, Any]]) -> dict[str, Any]:
    done = [line for line in lines if line["status"] == "done"]
    return {
        "outcomes": dict(sorted(Counter(x["result"]["decision"]["outcome"] for x in done).items())),
        "grades": dict(sorted(Counter(x["result"]["assessment"]["grade"] for x in done).items())),
        "total_plafon": sum(x["result"]["decision"]["plafon"] for x in done),
    }


def listed_ids(client: TestClient, headers: dict[str, str]) -> tuple[set[str], int]:
    ids: set[str] = set()
    page = 1
    while True:
        response = client.get(SINGLE, headers=headers, params={"page": page, "limit": 100})
        assert response.status_code == 200, response.text
        body = response.json()
        ids |= {item["id"] for item in body["data"]}
        if len(body["data"]) < 100:
            return ids, int(body["meta"]["total"])
        page += 1


def check_results_against_records(
    client: TestClient,
    lines: list[dict[str, Any]],
    submitted: list[Any],
    headers: dict[str, str],
) -> None:
    """One line per item in order; each done line's result is the record's, read by id."""
    assert [line["seq"] for line in lines] == list(range(1, len(submitted) + 1))
    for line, sent in zip(lines, submitted, strict=True):
        if isinstance(sent, dict):
            assert line["loan_id"] == sent.get("loan_id")
            assert line["customer_id"] == sent.get("customer_id")
        if line["status"] != "done":
            assert line["status"] == "failed"
            assert "id" not in line
            assert "result" not in line
            assert isinstance(line["error"]["message"], str)
            continue
        got = client.get(f"{SINGLE}/{line['id']}", headers=headers)
        assert got.status_code == 200, got.text
        record = got.json()["data"]
        assert record["id"] == line["id"]
        assert record["status"] == "success"
        assert record["result"] == line["result"]
        assert record["payload"] == sent


# --- the happy paths ----------------------------------------------------------------------------


def test_a_jsonl_batch_is_worked_to_the_end_with_progress_summary_and_results(
    make_api: MakeApi, worker: None
) -> None:
    container, client = make_api()
    tenant_id, key = new_tenant(container)
    headers = jsonl_headers(key)
    apps = applications(230)  # two chunks of 200
    invalid = invalid_application(apps[0], "loan-invalid")
    submitted: list[Any] = [*apps[:100], invalid, *apps[100:]]
    body = jsonl(submitted[:50]) + b"\n\n" + jsonl(submitted[50:]) + b"{this is not json\n"
    submitted.append(None)  # the unreadable line

    data = submit(client, body, headers)
    total = len(submitted)
    check_view(data, total)
    done = wait_done(client, data["id"], kocek(key), total)
    assert (done["done"], done["failed"], done["pending"]) == (230, 2, 0)
    assert (done["date"], done["datetime"], done["as_of"]) == (
        data["date"],
        data["datetime"],
        data["as_of"],
    )

    lines = read_results(client, data["id"], kocek(key))
    assert done["summary"] == summary_of(lines)
    assert sum(done["summary"]["outcomes"].values()) == 230
    assert sum(done["summary"]["grades"].values()) == 230
    assert done["summary"]["total_plafon"] > 0
    check_results_against_records(client, lines, submitted, kocek(key))
    assert lines[100]["error"]["message"] == "invalid application"
    assert lines[-1]["error"]["message"].startswith("invalid JSON")
    assert lines[-1]["loan_id"] is None

    # every item's record is in the tenant's normal list, and nothing else is
    ids, count = listed_ids(client, kocek(key))
    assert ids == {line["id"] for line in lines if line["status"] == "done"}
    assert count == 230
    by_loan = client.get(SINGLE, headers=kocek(key), params={"loan_id": apps[7]["loan_id"]})
    assert [item["id"] for item in by_loan.json()["data"]] == [lines[7]["id"]]

    # stored once each, for this tenant, with the submitter's headers
    with container.engine.connect() as conn:
        rows = conn.execute(
            select(recommendations.c.tenant_id, recommendations.c.user_id).where(
                recommendations.c.tenant_id == tenant_id
            )
        ).all()
    assert len(rows) == 230
    assert {tuple(r) for r in rows} == {(tenant_id, "123")}


def test_a_json_array_batch_in_english(make_api: MakeApi, worker: None) -> None:
    container, client = make_api()
    _, key = new_tenant(container)
    apps = applications(5, seed=9)
    headers = kocek(key, **{"Content-Type": "application/json", "Accept-Language": "en"})
    body = orjson.dumps(apps, option=orjson.OPT_INDENT_2)
    response = client.post(BATCHES, content=body, headers=headers)
    assert response.status_code == 202, response.text
    assert response.json()["message"] != "Batch diterima dan sedang diproses"  # English
    data = response.json()["data"]
    check_view(data, 5)
    done = wait_done(client, data["id"], headers, 5)
    assert (done["done"], done["failed"]) == (5, 0)
    lines = read_results(client, data["id"], headers)
    check_results_against_records(client, lines, apps, headers)
    assert done["summary"] == summary_of(lines)
    # the items were evaluated in English, as the submitter asked
    english = client.post(SINGLE, json=apps[0], headers=headers)
    assert english.status_code == 200, english.text
    assert lines[0]["result"]["decision"] == english.json()["data"]["decision"]


def _chunk_jobs(container: Container) -> list[dict[str, Any]]:
    """The deferred chunk jobs' arguments, in the order they were deferred."""
    with container.engine.connect() as conn:
        if container.engine.dialect.name == "postgresql":
            rows = conn.execute(
                text(
                    "SELECT args FROM procrastinate_jobs WHERE task_name = 'batch_chunk' "
                    "ORDER BY id"
                )
            ).all()
            return [dict(r[0]) for r in rows]
        return [orjson.loads(r[0]) for r in conn.execute(select(jobs.c.args).order_by(jobs.c.id))]


def test_progress_step_by_step_with_no_worker_running(
    make_api: MakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nobody works the jobs (no worker process; on SQLite jobs are not run in process):
    the batch stays queued; running its deferred chunks by hand moves it along."""
    monkeypatch.setattr(batches_module, "CHUNK_ITEMS", 4)
    container, client = make_api(run_jobs_in_process=False)
    _, key = new_tenant(container)
    apps = applications(10, seed=4)
    data = submit(client, jsonl(apps), jsonl_headers(key))
    batch_id = data["id"]
    assert (data["status"], data["done"], data["failed"], data["pending"]) == ("queued", 0, 0, 10)
    assert data["summary"] is None

    chunks = _chunk_jobs(container)
    assert [(c["batch_id"], c["first"], c["last"]) for c in chunks] == [
        (batch_id, 1, 4),
        (batch_id, 5, 8),
        (batch_id, 9, 10),
    ]
    time.sleep(0.5)
    view = client.get(f"{BATCHES}/{batch_id}", headers=kocek(key)).json()["data"]
    assert (view["status"], view["pending"]) == ("queued", 10)  # really nobody works it

    container.handle_job("batch_chunk", chunks[1])
    view = client.get(f"{BATCHES}/{batch_id}", headers=kocek(key)).json()["data"]
    check_view(view, 10)
    assert (view["status"], view["done"], view["failed"], view["pending"]) == ("running", 4, 0, 6)
    assert view["summary"] is None
    lines = read_results(client, batch_id, kocek(key))
    assert [line["status"] for line in lines] == ["pending"] * 4 + ["done"] * 4 + ["pending"] * 2
    assert all("id" not in line and "error" not in line for line in lines if line["seq"] < 5)

    container.handle_job("batch_chunk", chunks[1])  # run twice: nothing changes
    for chunk in chunks:
        container.handle_job("batch_chunk", chunk)
    view = client.get(f"{BATCHES}/{batch_id}", headers=kocek(key)).json()["data"]
    check_view(view, 10)
    assert (view["status"], view["done"], view["pending"]) == ("done", 10, 0)
    lines = read_results(client, batch_id, kocek(key))
    assert view["summary"] == summary_of(lines)
    check_results_against_records(client, lines, apps, kocek(key))
    assert listed_ids(client, kocek(key))[1] == 10


# --- tenants, authentication, refusals ----------------------------------------------------------


def test_another_tenants_batch_is_as_absent_as_a_missing_one(make_api: MakeApi) -> None:
    container, client = make_api(run_jobs_in_process=False)
    _, key_a = new_tenant(container)
    _, key_b = new_tenant(container)
    data = submit(client, jsonl(applications(2)), jsonl_headers(key_a))
    batch_id = data["id"]
    assert client.get(f"{BATCHES}/{batch_id}", headers=kocek(key_a)).status_code == 200
    assert client.get(f"{BATCHES}/{batch_id}/results", headers=kocek(key_a)).status_code == 200

    missing = str(uuid.uuid4())
    for key in (key_b, TOKEN):  # another tenant; the static token's default tenant
        for suffix in ("", "/results"):
            theirs = client.get(f"{BATCHES}/{batch_id}{suffix}", headers=kocek(key))
            absent = client.get(f"{BATCHES}/{missing}{suffix}", headers=kocek(key))
            assert theirs.status_code == absent.status_code == 404
            assert theirs.json() == absent.json() == NOT_FOUND
            assert theirs.headers["content-type"] == absent.headers["content-type"]
    too_long = client.get(f"{BATCHES}/{'x' * 65}", headers=kocek(key_a))
    assert too_long.status_code == 404
    assert too_long.json() == NOT_FOUND


def test_no_or_a_wrong_token_gets_the_same_401_as_single_requests(make_api: MakeApi) -> None:
    _, client = make_api(run_jobs_in_process=False)
    body = jsonl(applications(1))
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        single = client.post(SINGLE, content=body, headers=headers)
        assert single.status_code == 401
        for method, path in (
            ("POST", BATCHES),
            ("GET", f"{BATCHES}/x"),
            ("GET", f"{BATCHES}/x/results"),
        ):
            response = client.request(method, path, content=body, headers=headers)
            assert response.status_code == 401, (method, path, headers)
            assert response.json() == single.json() == UNAUTHENTICATED


def _same_refusal(single: httpx.Response, batch: httpx.Response, status: int) -> None:
    assert single.status_code == batch.status_code == status, (single.text, batch.text)
    assert batch.json() == single.json()
    assert batch.json()["status"] == "fail"


def test_service_off_and_inactive_tenant_get_the_same_403_as_single_requests(
    make_api: MakeApi,
) -> None:
    container, client = make_api(run_jobs_in_process=False)
    tenant_id, key = new_tenant(container)
    app = applications(1)[0]
    data = submit(client, jsonl([app]), jsonl_headers(key))

    container.switch.set(False)
    try:
        for lang in ("id", "en"):
            headers = kocek(key, **{"Accept-Language": lang})
            _same_refusal(
                client.post(SINGLE, json=app, headers=headers),
                client.post(BATCHES, content=jsonl([app]), headers=headers),
                403,
            )
            for suffix in ("", "/results"):
                _same_refusal(
                    client.get(f"{SINGLE}/{data['id']}", headers=headers),
                    client.get(f"{BATCHES}/{data['id']}{suffix}", headers=headers),
                    403,
                )
    finally:
        container.switch.set(True)

    tenant = container.tenants.by_id(tenant_id)
    assert tenant is not None
    container.tenant_admin.set_active(tenant.name, False)
    _same_refusal(
        client.post(SINGLE, json=app, headers=kocek(key)),
        client.post(BATCHES, content=jsonl([app]), headers=jsonl_headers(key)),
        403,
    )
    _same_refusal(
        client.get(f"{SINGLE}/x", headers=kocek(key)),
        client.get(f"{BATCHES}/{data['id']}", headers=kocek(key)),
        403,
    )
    with container.engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(batches)).scalar_one()
    assert count == 1  # only the batch submitted while everything was on


def test_roles_are_checked_as_for_single_requests(make_api: MakeApi) -> None:
    _, client = make_api(
        run_jobs_in_process=False, request_roles=("Eksekutif",), read_roles=("Manajer",)
    )
    app = applications(1)[0]
    data = submit(client, jsonl([app]), jsonl_headers())  # Eksekutif may request
    as_staff = kocek(**{"User-Role": "Staf"})
    _same_refusal(
        client.post(SINGLE, json=app, headers=as_staff),
        client.post(BATCHES, content=jsonl([app]), headers=as_staff),
        403,
    )
    # Eksekutif may not read
    _same_refusal(
        client.get(f"{SINGLE}/x", headers=kocek()),
        client.get(f"{BATCHES}/{data['id']}", headers=kocek()),
        403,
    )
    as_manager = kocek(**{"User-Role": "Manajer"})
    assert client.get(f"{BATCHES}/{data['id']}", headers=as_manager).status_code == 200
    assert client.get(f"{BATCHES}/{data['id']}/results", headers=as_manager).status_code == 200


def test_batches_count_against_the_rate_limit_like_single_requests(make_api: MakeApi) -> None:
    _, client = make_api(run_jobs_in_process=False, rate_limit_per_minute=1, rate_limit_burst=1)
    app = applications(1)[0]
    submit(client, jsonl([app]), jsonl_headers())
    batch = client.post(BATCHES, content=jsonl([app]), headers=jsonl_headers())
    single = client.post(SINGLE, json=app, headers=kocek())
    _same_refusal(single, batch, 429)
    assert int(batch.headers["Retry-After"]) >= 1


def test_the_batch_body_limit_is_its_own_and_answers_413(make_api: MakeApi) -> None:
    apps = applications(4, seed=8)
    body = jsonl(apps)
    assert len(body) > 4096
    _, client = make_api(
        run_jobs_in_process=False, max_body_bytes=1024, max_batch_bytes=len(body) + 10
    )
    # a batch may be larger than a single request may
    single = client.post(SINGLE, content=orjson.dumps(apps[0]), headers=kocek())
    assert single.status_code == 413
    submit(client, body, jsonl_headers())

    _, small = make_api(run_jobs_in_process=False, max_batch_bytes=4096)
    for content in (body, iter([body[:3000], body[3000:]])):  # announced, and streamed
        response = small.post(BATCHES, content=content, headers=jsonl_headers())
        assert response.status_code == 413, response.text
        envelope = response.json()
        assert envelope["status"] == "fail"
        assert envelope["message"] == single.json()["message"]
        assert "CDE_MAX_BATCH_BYTES" in envelope["error"]


JSONL = "application/x-ndjson"
JSON = "application/json"


@pytest.mark.parametrize(
    ("content_type", "body", "reason"),
    [
        (JSONL, b"", "no applications"),
        (JSONL, b" \n\n \r\n", "no applications"),
        (JSON, b"[]", "no applications"),
        (None, b" [ ]\n", "no applications"),
        (JSON, b'[{"loan_id": "a"}, ', "not a valid JSON array"),
        (None, b'[{"loan_id": "a"}, ', "not a valid JSON array"),
        (JSON, b'{"loan_id": "a"}\n{"loan_id": "b"}\n', "must be a JSON array"),
        (JSONL, b"5", "expected a JSON array or JSON lines"),
        (None, b"null", "expected a JSON array or JSON lines"),
        (JSONL, b'{\n  "loan_id": "a"\n}\n', "expected a JSON array or JSON lines"),
        (JSONL, b'{"loan_id": 1}\n' * 4, "at most 3"),
        (JSON, b'[{"loan_id": 1}, {}, {}, {}]', "at most 3"),
    ],
    ids=[
        "empty",
        "blank",
        "empty-array",
        "empty-array-no-type",
        "broken-array",
        "broken-array-no-type",
        "json-lines-as-json",
        "scalar",
        "null-no-type",
        "pretty-object",
        "too-many-lines",
        "too-many-in-array",
    ],
)
def test_a_bad_body_is_a_400_envelope_and_nothing_is_stored(
    make_api: MakeApi, content_type: str | None, body: bytes, reason: str
) -> None:
    container, client = make_api(run_jobs_in_process=False, max_batch_items=3)
    for lang, text_ in (("id", "Batch tidak valid"), ("en", "The batch is not valid")):
        headers = kocek(**{"Accept-Language": lang})
        if content_type is not None:
            headers["Content-Type"] = content_type
        response = client.post(BATCHES, content=body, headers=headers)
        assert response.status_code == 400, response.text
        envelope = response.json()
        assert envelope["status"] == "fail"
        assert envelope["message"] == text_
        assert reason in envelope["error"]
        assert envelope["errors"] == [{"field": "(body)", "message": envelope["error"]}]
    with container.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(batches)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(batch_items)).scalar_one() == 0
    assert container.jobs.depth() == 0


# --- quotas and the audit trail -------------------------------------------------------------------


def test_items_spend_the_quota_and_fail_when_it_is_used_up(make_api: MakeApi, worker: None) -> None:
    container, client = make_api()
    tenant_id, key = new_tenant(container, quota=3)
    apps = applications(5, seed=6)
    data = submit(client, jsonl(apps), jsonl_headers(key))
    done = wait_done(client, data["id"], kocek(key), 5)
    assert (done["done"], done["failed"]) == (3, 2)
    lines = read_results(client, data["id"], kocek(key))
    assert [line["status"] for line in lines] == ["done"] * 3 + ["failed"] * 2
    assert [line["error"] for line in lines[3:]] == [QUOTA_ERROR, QUOTA_ERROR]
    assert sum(done["summary"]["outcomes"].values()) == 3

    quota = client.get("/kocek/quota", headers=kocek(key)).json()["data"]
    assert (quota["total_quota"], quota["used_quota"], quota["remaining_quota"]) == (3, 3, 0)
    refused = client.post(SINGLE, json=apps[0], headers=kocek(key))
    assert refused.status_code == 403
    with container.engine.connect() as conn:
        stored = conn.execute(
            select(func.count()).where(recommendations.c.tenant_id == tenant_id)
        ).scalar_one()
    assert stored == 3


def test_every_batch_request_is_in_the_audit_trail(make_api: MakeApi) -> None:
    container, client = make_api(run_jobs_in_process=False)
    tenant_id, key = new_tenant(container)
    data = submit(client, jsonl(applications(2)), jsonl_headers(key))
    client.get(f"{BATCHES}/{data['id']}", headers=kocek(key))
    client.get(f"{BATCHES}/{data['id']}/results", headers=kocek(key))
    client.post(BATCHES, content=b"", headers=jsonl_headers(key))
    client.post(BATCHES, content=b"[]", headers={})
    with container.engine.connect() as conn:
        rows = conn.execute(
            select(
                audit_log.c.method,
                audit_log.c.route,
                audit_log.c.status_code,
                audit_log.c.tenant_id,
                audit_log.c.record_id,
                audit_log.c.user_id,
            ).order_by(audit_log.c.seq)
        ).all()
    batch_rows = [tuple(r) for r in rows if r.route.startswith(BATCHES)]
    assert batch_rows == [
        ("POST", BATCHES, 202, tenant_id, data["id"], "123"),
        ("GET", f"{BATCHES}/{{batch_id}}", 200, tenant_id, None, "123"),
        ("GET", f"{BATCHES}/{{batch_id}}/results", 200, tenant_id, None, "123"),
        ("POST", BATCHES, 400, tenant_id, None, "123"),
        ("POST", BATCHES, 401, None, None, None),
    ]
