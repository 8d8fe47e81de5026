"""The HTTP API, held to ``API.md``: envelopes, status codes and messages, what is stored,
the service switch, the bearer tokens, and every error path. Each test runs on SQLite and
on PostgreSQL (``conftest.py``); where the two differ (making the database vanish) the test
branches on ``backend``."""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import anyio
import orjson
import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url

import pg
from cde import __version__
from cde.adapters.db.repository import SqlRecommendations
from cde.adapters.db.tables import recommendations
from cde.adapters.db.writer import DbWriter
from cde.bootstrap import Container, new_id
from cde.service.tenants import AUTH_CACHE_SECONDS
from clocks import TestClock

ROUTE = "/kocek/cde/credit-recommendation"

CREATED = "Berhasil mendapatkan rekomendasi kredit"
CREATED_EN = "Generate credit recommendation successfully"
DETAIL = "Berhasil menampilkan detail rekomendasi kredit."
LISTED = "Berhasil menampilkan daftar rekomendasi kredit."
NOT_FOUND = {"message": "Data not found.", "status": "fail"}
UNAUTHENTICATED = {"code": 401, "message": "Unauthenticated", "status": False}
SERVICE_OFF_TEXT = "Layanan pengecekan rekomendasi pinjaman sedang tidak tersedia"
SERVICE_OFF = {"error": SERVICE_OFF_TEXT, "message": SERVICE_OFF_TEXT, "status": "fail"}

RESULT_FIELDS = {
    "5c",
    "recommendation",
    "decision",
    "assessment",
    "data_quality",
    "analytic",
    "policy",
    "narrative_source",
    "engine_version",
}
FIVE_C = {"character", "capacity", "capital", "collateral", "condition"}

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")  # Monday first
MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
DATE_WORDS = re.compile(
    rf"^({'|'.join(DAYS)}) (\d{{1,2}}) ({'|'.join(MONTHS)}) (\d{{4}}) (\d{{2}}):(\d{{2}})$"
)
ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


# --- helpers ---------------------------------------------------------------------------------


def in_words(moment: datetime, zone: ZoneInfo) -> str:
    """The instant as the API should write it, computed independently of babel."""
    local = moment.astimezone(zone)
    return (
        f"{DAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} {local.year} {local:%H:%M}"
    )


def from_words(text: str) -> datetime:
    """Read an Indonesian ``date`` back into a naive local datetime (checking the day)."""
    match = DATE_WORDS.match(text)
    assert match is not None, text
    day_name, day, month, year, hour, minute = match.groups()
    local = datetime(int(year), MONTHS.index(month) + 1, int(day), int(hour), int(minute))
    assert DAYS[local.weekday()] == day_name, f"{text}: the day name does not fit the date"
    return local


def from_iso(text: str) -> datetime:
    assert ISO_Z.match(text), text
    return datetime.fromisoformat(text)


def result_of(created: dict[str, Any]) -> dict[str, Any]:
    """The result object inside a POST's ``data`` (everything but ``id`` and ``status``)."""
    return {k: v for k, v in created.items() if k not in ("id", "status")}


def rows(container: Container) -> list[dict[str, Any]]:
    with container.engine.connect() as conn:
        found = conn.execute(select(recommendations).order_by(recommendations.c.id)).all()
    return [dict(r._mapping) for r in found]


def row_count(container: Container) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(recommendations)).scalar_one())


def application(seed_bytes: bytes, **changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = orjson.loads(seed_bytes)
    raw.update(changes)
    return raw


def post(client: Any, headers: dict[str, str], body: bytes | dict[str, Any], **kw: Any) -> Any:
    content = body if isinstance(body, bytes) else orjson.dumps(body)
    return client.post(ROUTE, content=content, headers={**headers, **kw.pop("extra", {})}, **kw)


def assert_fail_envelope(body: dict[str, Any]) -> None:
    assert body["status"] == "fail"
    assert isinstance(body["message"], str)
    assert body["message"]
    assert isinstance(body["error"], str)
    assert body["error"]
    assert "detail" not in body


@pytest.fixture
def created(client: Any, kocek_headers: dict[str, str], seed_bytes: bytes) -> dict[str, Any]:
    """The seed, posted once; the POST's ``data``."""
    response = post(client, kocek_headers, seed_bytes)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


# --- POST /kocek/cde/credit-recommendation ---------------------------------------------------


def test_posting_the_seed_with_kocek_headers_returns_the_seed_compatible_success_envelope(
    client: Any, kocek_headers: dict[str, str], seed_bytes: bytes
) -> None:
    response = post(client, kocek_headers, seed_bytes)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"data", "message", "status"}
    assert body["message"] == CREATED
    assert body["status"] == "success"
    data = body["data"]
    assert uuid.UUID(data["id"]).version == 7
    assert str(uuid.UUID(data["id"])) == data["id"]
    assert data["status"] == "success"
    assert set(data) == {"id", "status"} | RESULT_FIELDS
    assert set(data["5c"]) == FIVE_C
    assert all(isinstance(text, str) and text for text in data["5c"].values())
    assert data["recommendation"] == {"plafon": "0", "tenure": "0"}
    assert data["decision"]["outcome"] == "decline"
    assert data["decision"]["plafon"] == 0
    assert data["decision"]["tenure"] == 0
    assert data["decision"]["reasons"]
    assert set(data["decision"]) == {
        "outcome",
        "plafon",
        "tenure",
        "installment",
        "interest_method",
        "conditions",
        "requirements",
        "reasons",
        "sized_plafon",
        "limits",
        "knockouts",
        "thresholds",
    }
    assert data["decision"]["knockouts"] == ["KOLEK_NON_PERFORMING", "CAPACITY_NO_ROOM"]
    assert data["decision"]["requirements"] == []  # a declined loan is never disbursed
    assert 0 <= data["assessment"]["score"] <= 100
    assert data["assessment"]["grade"] in {"A", "B", "C", "D", "E"}
    assert set(data["assessment"]["dimensions"]) == FIVE_C
    assert isinstance(data["data_quality"], list)
    assert data["analytic"].startswith("### Analisis Kredit")
    assert set(data["policy"]) >= {"name", "version"}
    assert data["narrative_source"] in {"rules", "llm"}
    assert data["engine_version"] == __version__


def test_accept_language_en_gives_the_english_message_and_english_narratives(
    client: Any, kocek_headers: dict[str, str], seed_bytes: bytes
) -> None:
    english = post(client, kocek_headers, seed_bytes, extra={"Accept-Language": "en"})
    indonesian = post(client, kocek_headers, seed_bytes)

    assert english.status_code == 200
    assert english.json()["message"] == CREATED_EN
    data = english.json()["data"]
    assert data["analytic"].startswith("### Credit Analysis")
    assert data["5c"]["character"].startswith("Character")
    assert data["5c"]["capacity"].startswith("Capacity")
    assert data["recommendation"] == {"plafon": "0", "tenure": "0"}
    assert indonesian.json()["data"]["5c"]["character"].startswith("Karakter")
    # the same decision whatever the language
    assert data["decision"]["outcome"] == indonesian.json()["data"]["decision"]["outcome"]


def test_the_stored_record_keeps_the_caller_headers_the_socket_address_and_the_exact_body(
    client: Any,
    container: Container,
    kocek_headers: dict[str, str],
    seed_bytes: bytes,
    peer_host: str,
) -> None:
    # odd spacing and an unknown field: the stored payload is the body as received
    body = seed_bytes.replace(b"{", b"{ ", 1).replace(
        b'"loan_id"', b'"x_extra": [1, 2],\n"loan_id"'
    )
    response = post(client, kocek_headers, body)
    assert response.status_code == 200, response.text
    data = response.json()["data"]

    (row,) = rows(container)
    assert row["id"] == data["id"]
    assert row["status"] == "success"
    assert row["user_id"] == "123"
    assert row["user_name"] == "Samehada"
    assert row["user_role"] == "Eksekutif"
    assert row["claimed_ip"] == "127.0.0.1"
    assert row["remote_addr"] == peer_host
    assert row["payload"] == body.decode("utf-8")
    assert row["loan_id"] == "21bef131-7ef0-405f-bb80-bcc2a53b34ef"
    assert row["customer_id"] == "ac06b74c-6864-407a-802e-f12ee1d8ce40"
    assert row["lang"] == "id"
    assert row["policy_name"] == data["policy"]["name"] == container.policy.name
    assert row["policy_version"] == data["policy"]["version"] == container.policy.version
    assert row["engine_version"] == __version__
    assert row["error"] is None
    assert orjson.loads(row["result"]) == result_of(data)
    detail = client.get(f"{ROUTE}/{data['id']}", headers=kocek_headers).json()["data"]
    assert detail["payload"]["x_extra"] == [1, 2]  # unknown fields are kept
    assert detail["payload"] == orjson.loads(body)


def test_a_post_without_the_platform_headers_is_still_recorded_with_the_socket_address(
    client: Any, container: Container, seed_bytes: bytes, peer_host: str
) -> None:
    response = post(client, {"Authorization": "Bearer t1"}, seed_bytes)

    assert response.status_code == 200
    (row,) = rows(container)
    assert (row["user_id"], row["user_name"], row["user_role"], row["claimed_ip"]) == (
        None,
        None,
        None,
        None,
    )
    assert row["remote_addr"] == peer_host


# --- GET /kocek/cde/credit-recommendation/{id} -----------------------------------------------


def test_get_by_id_returns_the_detail_with_the_date_in_indonesian_words_in_jakarta_time(
    client: Any,
    kocek_headers: dict[str, str],
    seed_bytes: bytes,
    created: dict[str, Any],
    clock: Any,
) -> None:
    before = clock()  # the service's clock, not the machine's date
    response = client.get(f"{ROUTE}/{created['id']}", headers=kocek_headers)

    assert response.status_code == 200
    body = response.json()
    assert body["message"] == DETAIL
    assert body["status"] == "success"
    data = body["data"]
    assert set(data) == {"id", "status", "date", "datetime", "payload", "result"}
    assert data["id"] == created["id"]
    assert data["status"] == "success"
    moment = from_iso(data["datetime"])
    assert data["datetime"].endswith("Z")
    assert before - timedelta(minutes=1) <= moment <= before + timedelta(seconds=1)
    assert DATE_WORDS.match(data["date"])
    assert data["date"] == in_words(moment, ZoneInfo("Asia/Jakarta"))
    assert data["payload"] == orjson.loads(seed_bytes)
    assert data["result"] == result_of(created)


def test_the_date_follows_the_configured_time_zone(
    client: Any, kocek_headers: dict[str, str], created: dict[str, Any], make_client: Any
) -> None:
    _, makassar = make_client(timezone="Asia/Makassar")  # same database, another zone

    jakarta = client.get(f"{ROUTE}/{created['id']}", headers=kocek_headers).json()["data"]
    central = makassar.get(f"{ROUTE}/{created['id']}", headers=kocek_headers).json()["data"]

    assert central["datetime"] == jakarta["datetime"]
    assert from_words(central["date"]) - from_words(jakarta["date"]) == timedelta(hours=1)
    assert central["date"] == in_words(from_iso(central["datetime"]), ZoneInfo("Asia/Makassar"))
    listed = makassar.get(ROUTE, headers=kocek_headers).json()["data"]
    assert listed[0]["date"] == central["date"]


def test_two_reads_of_the_same_id_give_identical_bodies(
    client: Any, kocek_headers: dict[str, str], created: dict[str, Any]
) -> None:
    first = client.get(f"{ROUTE}/{created['id']}", headers=kocek_headers)
    second = client.get(f"{ROUTE}/{created['id']}", headers=kocek_headers)

    assert first.status_code == second.status_code == 200
    assert first.content == second.content


@pytest.mark.parametrize(
    "record_id",
    [
        "01920000-0000-7000-8000-000000000000",  # well-formed, unknown
        "not-a-uuid",
        "x" * 300,
        "%27%20OR%201%3D1%20--",
    ],
)
def test_an_unknown_or_garbage_id_is_data_not_found(
    client: Any, kocek_headers: dict[str, str], created: dict[str, Any], record_id: str
) -> None:
    response = client.get(f"{ROUTE}/{record_id}", headers=kocek_headers)

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


# --- GET /kocek/cde/credit-recommendation (list) ---------------------------------------------


@pytest.fixture
def three(client: Any, kocek_headers: dict[str, str], seed_bytes: bytes) -> list[dict[str, Any]]:
    """Three applications, oldest first: loans L-1..L-3; customers C-1, C-1, C-2."""
    made = []
    for loan, customer in [("L-1", "C-1"), ("L-2", "C-1"), ("L-3", "C-2")]:
        body = application(seed_bytes, loan_id=loan, customer_id=customer)
        response = post(client, kocek_headers, body)
        assert response.status_code == 200, response.text
        made.append(response.json()["data"])
    return made


def test_the_list_is_newest_first_with_meta_and_the_list_message(
    client: Any, kocek_headers: dict[str, str], three: list[dict[str, Any]]
) -> None:
    response = client.get(ROUTE, headers=kocek_headers)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"data", "meta", "message", "status"}
    assert body["status"] == "success"
    assert body["message"] == LISTED
    assert body["meta"] == {"limit": 10, "page": 1, "total": 3}
    assert [item["id"] for item in body["data"]] == [made["id"] for made in reversed(three)]
    assert [item["loan_id"] for item in body["data"]] == ["L-3", "L-2", "L-1"]
    assert [item["customer_id"] for item in body["data"]] == ["C-2", "C-1", "C-1"]
    for item in body["data"]:
        assert set(item) == {"id", "date", "datetime", "status", "loan_id", "customer_id"}
        assert item["status"] == "success"
        assert item["date"] == in_words(from_iso(item["datetime"]), ZoneInfo("Asia/Jakarta"))
    moments = [from_iso(item["datetime"]) for item in body["data"]]
    assert moments == sorted(moments, reverse=True)


@pytest.mark.parametrize(
    ("query", "loans", "total"),
    [
        ({"loan_id": "L-2"}, ["L-2"], 1),
        ({"customer_id": "C-1"}, ["L-2", "L-1"], 2),
        ({"customer_id": "C-1", "loan_id": "L-1"}, ["L-1"], 1),
        ({"status": "success"}, ["L-3", "L-2", "L-1"], 3),
        ({"status": "fail"}, [], 0),
        ({"status": "processing"}, [], 0),
        ({"loan_id": "nope"}, [], 0),
    ],
)
def test_the_list_filters_by_loan_id_customer_id_and_status(
    client: Any,
    kocek_headers: dict[str, str],
    three: list[dict[str, Any]],
    query: dict[str, str],
    loans: list[str],
    total: int,
) -> None:
    response = client.get(ROUTE, params=query, headers=kocek_headers)

    assert response.status_code == 200
    body = response.json()
    assert [item["loan_id"] for item in body["data"]] == loans
    assert body["meta"] == {"limit": 10, "page": 1, "total": total}


@pytest.mark.parametrize(
    ("page", "limit", "loans"),
    [
        (1, 2, ["L-3", "L-2"]),
        (2, 2, ["L-1"]),
        (3, 2, []),
        (2, 1, ["L-2"]),
        (1, 100, ["L-3", "L-2", "L-1"]),
    ],
)
def test_the_list_paginates_with_page_and_limit(
    client: Any,
    kocek_headers: dict[str, str],
    three: list[dict[str, Any]],
    page: int,
    limit: int,
    loans: list[str],
) -> None:
    response = client.get(ROUTE, params={"page": page, "limit": limit}, headers=kocek_headers)

    assert response.status_code == 200
    body = response.json()
    assert [item["loan_id"] for item in body["data"]] == loans
    assert body["meta"] == {"limit": limit, "page": page, "total": 3}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("page=abc", "page"),
        ("limit=-5", "limit"),
        ("status=bogus", "status"),
    ],
)
def test_a_bad_list_parameter_is_422_naming_the_parameter(
    client: Any, kocek_headers: dict[str, str], query: str, field: str
) -> None:
    response = client.get(f"{ROUTE}?{query}", headers=kocek_headers)

    assert response.status_code == 422
    body = response.json()
    assert_fail_envelope(body)
    assert body["message"] == "Parameter permintaan tidak valid"
    assert [e["field"] for e in body["errors"]] == [field]
    assert all(e["message"] for e in body["errors"])


def test_every_bad_list_parameter_is_named(client: Any, kocek_headers: dict[str, str]) -> None:
    response = client.get(f"{ROUTE}?page=abc&limit=0&status=bogus", headers=kocek_headers)

    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"page", "limit", "status"}


# --- authentication --------------------------------------------------------------------------

ROUTES = [("POST", ROUTE), ("GET", f"{ROUTE}/01920000-0000-7000-8000-000000000000"), ("GET", ROUTE)]


@pytest.mark.parametrize(("method", "url"), ROUTES)
@pytest.mark.parametrize(
    "authorization",
    [None, "Basic dDE6", "t1", "Bearer", "Bearer ", "Bearer wrong", "Token t1", "Bearer t1x"],
)
def test_a_missing_malformed_or_wrong_token_is_401_in_the_kocek_shape(
    client: Any,
    container: Container,
    seed_bytes: bytes,
    method: str,
    url: str,
    authorization: str | None,
) -> None:
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization

    response = client.request(
        method, url, content=seed_bytes if method == "POST" else None, headers=headers
    )

    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED
    assert response.json()["status"] is False
    assert row_count(container) == 0


def test_every_token_configured_in_settings_is_accepted(
    make_client: Any, kocek_headers: dict[str, str], seed_bytes: bytes
) -> None:
    _, client = make_client(api_tokens=("first-token", "second-token"))

    for token in ("first-token", "second-token"):
        headers = {**kocek_headers, "Authorization": f"Bearer {token}"}
        assert post(client, headers, seed_bytes).status_code == 200
        assert client.get(ROUTE, headers=headers).status_code == 200
    stale = {**kocek_headers, "Authorization": "Bearer t1"}
    assert client.get(ROUTE, headers=stale).status_code == 401


def test_the_bearer_scheme_is_case_insensitive(client: Any, kocek_headers: dict[str, str]) -> None:
    response = client.get(ROUTE, headers={**kocek_headers, "Authorization": "bearer t1"})

    assert response.status_code == 200


def test_a_token_generated_by_the_service_is_accepted_on_every_route(
    client: Any, container: Container, kocek_headers: dict[str, str], seed_bytes: bytes
) -> None:
    token = container.tokens.generate("integration test", new_id)
    headers = {**kocek_headers, "Authorization": f"Bearer {token}"}

    made = post(client, headers, seed_bytes)
    assert made.status_code == 200
    assert client.get(f"{ROUTE}/{made.json()['data']['id']}", headers=headers).status_code == 200
    assert client.get(ROUTE, headers=headers).status_code == 200


def test_a_token_generated_by_one_process_is_accepted_by_another_at_once(
    client: Any, make_client: Any, kocek_headers: dict[str, str]
) -> None:
    other, _ = make_client()  # a second process on the same database
    token = other.tokens.generate("other process", new_id)

    response = client.get(ROUTE, headers={**kocek_headers, "Authorization": f"Bearer {token}"})

    assert response.status_code == 200


# --- the service switch ----------------------------------------------------------------------


def _answers(client: Any, headers: dict[str, str], seed_bytes: bytes, record_id: str) -> list[Any]:
    return [
        post(client, headers, seed_bytes),
        client.get(f"{ROUTE}/{record_id}", headers=headers),
        client.get(ROUTE, headers=headers),
    ]


def test_switching_the_service_off_answers_403_on_every_kocek_route(
    client: Any,
    container: Container,
    kocek_headers: dict[str, str],
    seed_bytes: bytes,
    created: dict[str, Any],
) -> None:
    container.switch.set(False)

    for response in _answers(client, kocek_headers, seed_bytes, created["id"]):
        assert response.status_code == 403
        assert response.json() == SERVICE_OFF
    assert row_count(container) == 1  # the refused POST stored nothing


def test_an_unauthenticated_request_gets_401_before_the_switch_is_consulted(
    client: Any, container: Container, seed_bytes: bytes, created: dict[str, Any]
) -> None:
    container.switch.set(False)

    for response in _answers(client, {"Authorization": "Bearer wrong"}, seed_bytes, created["id"]):
        assert response.status_code == 401
        assert response.json() == UNAUTHENTICATED


def test_switching_the_service_back_on_restores_every_route(
    client: Any,
    container: Container,
    kocek_headers: dict[str, str],
    seed_bytes: bytes,
    created: dict[str, Any],
) -> None:
    container.switch.set(False)
    container.switch.set(True)

    statuses = [r.status_code for r in _answers(client, kocek_headers, seed_bytes, created["id"])]

    assert statuses == [200, 200, 200]


def test_service_enabled_false_in_settings_answers_403(
    make_client: Any, kocek_headers: dict[str, str], seed_bytes: bytes
) -> None:
    container, client = make_client(service_enabled=False)

    for response in _answers(client, kocek_headers, seed_bytes, "any-id"):
        assert response.status_code == 403
        assert response.json() == SERVICE_OFF
    container.switch.set(True)  # the stored switch cannot override the configured one
    assert client.get(ROUTE, headers=kocek_headers).status_code == 403
    assert client.get("/health").status_code == 200


def test_a_second_process_on_the_same_database_sees_the_switch_change_within_the_bound(
    client: Any,
    container: Container,
    make_client: Any,
    clock: TestClock,
    kocek_headers: dict[str, str],
    seed_bytes: bytes,
    created: dict[str, Any],
) -> None:
    # Each process keeps the stored switch for up to AUTH_CACHE_SECONDS (docs/security.md).
    _, other = make_client()
    assert other.get(ROUTE, headers=kocek_headers).status_code == 200

    container.switch.set(False)
    clock.advance(AUTH_CACHE_SECONDS)
    for response in _answers(other, kocek_headers, seed_bytes, created["id"]):
        assert response.status_code == 403
        assert response.json() == SERVICE_OFF

    container.switch.set(True)
    clock.advance(AUTH_CACHE_SECONDS)
    assert [r.status_code for r in _answers(other, kocek_headers, seed_bytes, created["id"])] == [
        200,
        200,
        200,
    ]


# --- invalid input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", [b"{not json", b"", b'{"loan_id": "a",}', b"\xff\xfe{}", b'{"a": 1} trailing']
)
def test_a_body_that_is_not_json_is_400_naming_the_body(
    client: Any, container: Container, kocek_headers: dict[str, str], body: bytes
) -> None:
    response = post(client, kocek_headers, body)

    assert response.status_code == 400
    payload = response.json()
    assert_fail_envelope(payload)
    assert payload["message"] == "Badan permintaan bukan JSON yang valid"
    assert payload["errors"][0]["field"] == "(body)"
    assert row_count(container) == 0


def test_an_invalid_application_is_422_naming_every_bad_field(
    client: Any, container: Container, kocek_headers: dict[str, str], seed_bytes: bytes
) -> None:
    raw = application(seed_bytes)
    raw["character"]["age"] = "empat puluh"
    del raw["application"]

    response = post(client, kocek_headers, raw)

    assert response.status_code == 422
    body = response.json()
    assert_fail_envelope(body)
    assert body["message"] == "Data permohonan tidak valid"
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"character.age", "application"}
    assert all(e["message"] for e in body["errors"])
    first = body["errors"][0]
    assert body["error"] == f"{first['field']}: {first['message']}"
    assert row_count(container) == 0


def test_an_invalid_application_in_english_has_english_messages(
    client: Any, kocek_headers: dict[str, str], seed_bytes: bytes
) -> None:
    raw = application(seed_bytes)
    del raw["application"]

    response = post(client, kocek_headers, raw, extra={"Accept-Language": "en"})

    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "The application data is invalid"
    assert body["errors"] == [{"field": "application", "message": "is required"}]


@pytest.mark.parametrize("absent", ["missing", "null"])
def test_an_application_without_its_applicant_is_422_naming_character_and_stores_nothing(
    client: Any,
    container: Container,
    kocek_headers: dict[str, str],
    seed_bytes: bytes,
    absent: str,
) -> None:
    raw = application(seed_bytes)
    if absent == "missing":
        del raw["character"]
    else:
        raw["character"] = None

    response = post(client, kocek_headers, raw, extra={"Accept-Language": "en"})

    assert response.status_code == 422
    body = response.json()
    assert_fail_envelope(body)
    assert body["errors"] == [{"field": "character", "message": "is required"}]
    assert row_count(container) == 0


def test_an_empty_object_is_422_naming_every_required_section(
    client: Any, container: Container, kocek_headers: dict[str, str]
) -> None:
    response = post(client, kocek_headers, b"{}")

    assert response.status_code == 422
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["customer_id", "loan_id", "character", "application"]
    assert row_count(container) == 0


@pytest.mark.parametrize("body", [b"[1, 2]", b"null", b'"text"', b"42"])
def test_json_that_is_not_an_object_is_422_naming_the_body(
    client: Any, container: Container, kocek_headers: dict[str, str], body: bytes
) -> None:
    response = post(client, kocek_headers, body)

    assert response.status_code == 422
    payload = response.json()
    assert_fail_envelope(payload)
    assert [e["field"] for e in payload["errors"]] == ["(body)"]
    assert row_count(container) == 0


def test_the_custom_system_instruction_file_header_is_refused_with_400(
    client: Any, container: Container, kocek_headers: dict[str, str], seed_bytes: bytes
) -> None:
    headers = {
        **kocek_headers,
        "X-Cde-Custom-System-Instruction-File": "cde/cde_system_instructions_testing_only.json",
    }

    response = post(client, headers, seed_bytes)

    assert response.status_code == 400
    assert_fail_envelope(response.json())
    assert row_count(container) == 0


# --- body size -------------------------------------------------------------------------------


@pytest.fixture
def limited(make_client: Any) -> tuple[Container, Any]:
    return make_client(max_body_bytes=2048)


def _padded(seed_bytes: bytes, size: int) -> bytes:
    compact = orjson.dumps(orjson.loads(seed_bytes))
    return compact + b" " * (size - len(compact))  # trailing whitespace is valid JSON


def test_a_body_over_the_limit_with_content_length_is_413(
    limited: tuple[Container, Any], kocek_headers: dict[str, str], seed_bytes: bytes
) -> None:
    container, client = limited
    body = _padded(seed_bytes, 2049)

    response = post(client, kocek_headers, body)

    assert response.request.headers["content-length"] == "2049"
    assert response.status_code == 413
    payload = response.json()
    assert_fail_envelope(payload)
    assert payload["message"] == "Badan permintaan terlalu besar"
    assert row_count(container) == 0


def test_a_streamed_body_over_the_limit_is_413(
    limited: tuple[Container, Any], kocek_headers: dict[str, str], seed_bytes: bytes
) -> None:
    container, client = limited
    body = _padded(seed_bytes, 4096)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 512):
            yield body[start : start + 512]

    response = client.post(ROUTE, content=chunks(), headers=kocek_headers)

    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert response.status_code == 413
    assert response.json()["message"] == "Badan permintaan terlalu besar"
    assert row_count(container) == 0


def test_a_body_exactly_at_the_limit_is_accepted_announced_or_streamed(
    limited: tuple[Container, Any], kocek_headers: dict[str, str], seed_bytes: bytes
) -> None:
    container, client = limited
    body = _padded(seed_bytes, 2048)

    announced = post(client, kocek_headers, body)
    streamed = client.post(ROUTE, content=iter([body[:1000], body[1000:]]), headers=kocek_headers)

    assert announced.status_code == 200, announced.text
    assert streamed.status_code == 200, streamed.text
    assert [r["payload"] for r in rows(container)] == [body.decode("utf-8")] * 2


def test_a_body_arriving_in_many_chunks_is_refused_as_soon_as_it_passes_the_limit(
    limited: tuple[Container, Any],
) -> None:
    container, client = limited
    pending = [b" " * 512 for _ in range(10)]
    sent: list[dict[str, Any]] = []
    unread_when_answered: list[int] = []

    async def receive() -> dict[str, Any]:
        chunk = pending.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            unread_when_answered.append(len(pending))
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": ROUTE,
        "raw_path": ROUTE.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"authorization", b"Bearer t1"), (b"transfer-encoding", b"chunked")],
        "client": ("203.0.113.7", 1),
        "server": ("testserver", 80),
    }

    anyio.run(client.app, scope, receive, send)

    assert sent[0]["type"] == "http.response.start"
    assert sent[0]["status"] == 413
    assert unread_when_answered == [5]  # 5 x 512 > 2048: answered as soon as it passed
    assert pending == []  # then the rest was read and dropped (docs/api.md: a write-first
    # client only gets its 413 if the server reads what it sends)
    assert (b"connection", b"close") in sent[0]["headers"]
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert orjson.loads(body)["status"] == "fail"
    assert row_count(container) == 0


# --- unknown routes, methods, request ids ----------------------------------------------------


@pytest.mark.parametrize("url", ["/nope", "/kocek/cde", "/kocek/cde/credit-recommendation/a/b"])
def test_an_unknown_route_is_a_404_envelope(
    client: Any, kocek_headers: dict[str, str], url: str
) -> None:
    response = client.get(url, headers=kocek_headers)

    assert response.status_code == 404
    body = response.json()
    assert_fail_envelope(body)
    assert body["message"] == "Alamat tidak ditemukan"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("DELETE", ROUTE),
        ("PUT", f"{ROUTE}/some-id"),
        ("POST", f"{ROUTE}/some-id"),
        ("POST", "/health"),
    ],
)
def test_a_wrong_method_is_a_405_envelope(
    client: Any, kocek_headers: dict[str, str], method: str, url: str
) -> None:
    response = client.request(method, url, headers=kocek_headers, content=b"{}")

    assert response.status_code == 405
    body = response.json()
    assert_fail_envelope(body)
    assert body["message"] == "Metode tidak diizinkan"


def _allowed(response: Any) -> set[str]:
    return set(response.headers["allow"].replace(" ", "").split(","))


@pytest.mark.parametrize(
    ("method", "url", "allowed"),
    [
        ("PUT", f"{ROUTE}/some-id", {"GET"}),
        ("POST", f"{ROUTE}/some-id", {"GET"}),
        ("POST", "/health", {"GET"}),
    ],
)
def test_a_405_on_a_single_method_route_says_which_method_is_allowed(
    client: Any, kocek_headers: dict[str, str], method: str, url: str, allowed: set[str]
) -> None:
    response = client.request(method, url, headers=kocek_headers, content=b"{}")

    assert response.status_code == 405
    assert_fail_envelope(response.json())
    assert _allowed(response) == allowed


def test_a_405_says_which_methods_are_allowed(client: Any, kocek_headers: dict[str, str]) -> None:
    # GET and POST on the collection are two routes: Allow lists the methods of both
    # (RFC 9110 §15.5.6: the methods the target resource supports)
    response = client.delete(ROUTE, headers=kocek_headers)

    assert response.status_code == 405
    assert_fail_envelope(response.json())
    assert _allowed(response) == {"GET", "POST"}


def test_every_response_carries_a_fresh_request_id(
    limited: tuple[Container, Any], kocek_headers: dict[str, str], seed_bytes: bytes
) -> None:
    _, client = limited
    compact = orjson.dumps(orjson.loads(seed_bytes))
    responses = [
        post(client, kocek_headers, compact),  # 200
        client.get(ROUTE, headers=kocek_headers),  # 200
        client.get(f"{ROUTE}/missing", headers=kocek_headers),  # 404
        client.get(ROUTE),  # 401
        client.get(f"{ROUTE}?page=0", headers=kocek_headers),  # 422
        post(client, kocek_headers, b"{"),  # 400
        post(client, kocek_headers, _padded(seed_bytes, 4000)),  # 413
        client.get("/nope"),  # 404
        client.delete(ROUTE, headers=kocek_headers),  # 405
        client.get("/health"),
        client.get("/ready"),
        client.get("/openapi.json"),
    ]

    ids = [r.headers.get("x-request-id") for r in responses]
    assert all(ids), list(zip([r.status_code for r in responses], ids, strict=True))
    assert len(set(ids)) == len(ids)


def test_a_caller_supplied_request_id_is_echoed(
    client: Any, kocek_headers: dict[str, str], seed_bytes: bytes
) -> None:
    headers = {**kocek_headers, "X-Request-ID": "kocek-req-42"}

    created = post(client, headers, seed_bytes)
    refused = client.get(ROUTE, headers={"X-Request-ID": "kocek-req-43"})

    assert created.headers["x-request-id"] == "kocek-req-42"
    assert refused.status_code == 401
    assert refused.headers["x-request-id"] == "kocek-req-43"


def test_an_unexpected_error_while_reading_is_a_500_envelope_with_a_request_id(
    make_client: Any, kocek_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    container, client = make_client(raise_server_exceptions=False)

    def broken(record_id: str) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(container.recommender, "get", broken)
    response = client.get(f"{ROUTE}/some-id", headers={**kocek_headers, "X-Request-ID": "r-500"})

    assert response.status_code == 500
    body = response.json()
    assert_fail_envelope(body)
    assert "secret internals" not in response.text
    assert "r-500" in body["error"]
    assert response.headers.get("x-request-id") == "r-500"


def test_an_unexpected_error_without_a_caller_request_id_gets_a_fresh_one(
    make_client: Any, kocek_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    container, client = make_client(raise_server_exceptions=False)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(container.recommender, "get", broken)
    monkeypatch.setattr(container.recommender, "list", broken)
    by_id = client.get(f"{ROUTE}/some-id", headers=kocek_headers)
    listed = client.get(ROUTE, headers=kocek_headers)

    for response in (by_id, listed):
        assert response.status_code == 500
        assert_fail_envelope(response.json())
        request_id = response.headers.get("x-request-id")
        assert request_id
        assert request_id in response.json()["error"]
        assert "secret internals" not in response.text
    assert by_id.headers["x-request-id"] != listed.headers["x-request-id"]


# --- engine crash ----------------------------------------------------------------------------


def test_an_engine_crash_is_a_500_envelope_and_the_payload_is_kept_as_a_fail_record(
    client: Any,
    container: Container,
    kocek_headers: dict[str, str],
    seed_bytes: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("division by zero in /secret/path.py")

    monkeypatch.setattr("cde.service.recommendations.evaluate", crash)

    response = post(client, kocek_headers, seed_bytes)

    assert response.status_code == 500
    body = response.json()
    assert set(body) == {"status", "message", "error"}
    assert body["status"] == "fail"
    assert body["message"] == "Terjadi kesalahan pada server; coba lagi nanti"
    assert response.headers["x-request-id"] in body["error"]
    assert "RuntimeError" not in response.text
    assert "secret" not in response.text

    (row,) = rows(container)
    assert row["status"] == "fail"
    assert row["payload"] == seed_bytes.decode("utf-8")
    assert row["result"] is None
    assert row["error"]
    assert row["user_id"] == "123"
    assert row["id"] in body["error"]

    listed = client.get(ROUTE, params={"status": "fail"}, headers=kocek_headers).json()
    assert [(i["id"], i["status"]) for i in listed["data"]] == [(row["id"], "fail")]
    assert listed["meta"]["total"] == 1

    detail = client.get(f"{ROUTE}/{row['id']}", headers=kocek_headers)
    assert detail.status_code == 200
    assert detail.json()["data"]["status"] == "fail"
    assert detail.json()["data"]["result"] is None
    assert detail.json()["data"]["payload"] == orjson.loads(seed_bytes)


# --- database unreachable, health, readiness -------------------------------------------------


def test_health_and_ready_answer_200_when_all_is_well(client: Any) -> None:
    health = client.get("/health")
    ready = client.get("/ready")

    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert ready.status_code == 200
    # (other members may follow the database's, e.g. the job queue's)
    assert {k: ready.json()[k] for k in ("status", "database")} == {
        "status": "ok",
        "database": "ok",
    }
    assert ready.json()["narrator"] == {"kind": "rules"}


@pytest.mark.own_database  # on PostgreSQL it is dropped: not the module's shared one
def test_a_vanished_database_is_a_503_envelope_and_not_ready_but_still_healthy(
    client: Any,
    container: Container,
    backend: str,
    database_url: str | None,
    kocek_headers: dict[str, str],
    seed_bytes: bytes,
    data_dir: Path,
    created: dict[str, Any],
) -> None:
    if backend == "sqlite":
        container.engine.dispose()
        # as root a chmod would not stop SQLite; removing the directory does
        shutil.rmtree(data_dir)
    else:
        # PostgreSQL: the database is dropped under the running service (FORCE ends the
        # pool's open connections; pre-ping finds them dead, and reconnecting fails).
        assert database_url is not None
        pg.drop_database(str(make_url(database_url).database))

    for response in _answers(client, kocek_headers, seed_bytes, created["id"]):
        assert response.status_code == 503, response.text
        body = response.json()
        assert_fail_envelope(body)
        assert body["message"].startswith("Layanan sementara tidak tersedia")
        assert response.headers["x-request-id"] in body["error"]
        for internal in ("sqlite", "postgres", "psycopg", "cde_t_"):
            assert internal not in response.text.lower()
    assert client.get("/ready").status_code == 503
    assert client.get("/ready").json()["status"] == "unavailable"
    assert client.get("/health").status_code == 200


def test_a_failed_write_is_a_503_and_never_a_success(
    client: Any,
    container: Container,
    backend: str,
    kocek_headers: dict[str, str],
    seed_bytes: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The repository is swapped for one on a database that cannot be opened: on SQLite a
    # file in a directory that does not exist, on PostgreSQL a database that does not.
    if backend == "sqlite":
        missing = tmp_path / "missing" / "dir" / "cde.db"
        unreachable = create_engine(f"sqlite:///{missing.as_posix()}")
    else:
        unreachable = create_engine(pg.missing_database_url())
    writer = DbWriter(unreachable)
    monkeypatch.setattr(
        container.recommender, "repository", SqlRecommendations(unreachable, writer)
    )

    made = post(client, kocek_headers, seed_bytes, extra={"Accept-Language": "en"})

    assert made.status_code == 503
    assert made.json()["message"].startswith("The service is temporarily unavailable")
    assert client.get(ROUTE, headers=kocek_headers).status_code == 503
    assert client.get("/ready").status_code == 503
    unreachable.dispose()


# --- OpenAPI and docs ------------------------------------------------------------------------


def _resolve(spec: dict[str, Any], ref: str) -> dict[str, Any]:
    assert ref.startswith("#/")
    node: Any = spec
    for part in ref[2:].split("/"):
        node = node[part]
    assert isinstance(node, dict)
    return node


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_openapi_describes_the_three_routes_with_bearer_security(
    client: Any, seed_bytes: bytes
) -> None:
    response = client.get("/openapi.json")

    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"]
    assert spec["info"]["version"] == __version__
    paths = spec["paths"]
    assert "post" in paths[ROUTE]
    assert "get" in paths[ROUTE]
    assert "get" in paths[f"{ROUTE}/{{record_id}}"]
    content = paths[ROUTE]["post"]["requestBody"]["content"]["application/json"]
    assert content["schema"] == {"$ref": "#/components/schemas/Application"}
    application_schema = _resolve(spec, content["schema"]["$ref"])
    assert set(application_schema["properties"]) >= {
        "customer_id",
        "loan_id",
        "character",
        "application",
        "internal_data",
    }
    seed = orjson.loads(seed_bytes)
    assert content["example"]["loan_id"] == seed["loan_id"]
    assert content["example"]["collaterals"] == seed["collaterals"]
    assert spec["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    for operation in [
        paths[ROUTE]["post"],
        paths[ROUTE]["get"],
        paths[f"{ROUTE}/{{record_id}}"]["get"],
    ]:
        assert operation["security"] == [{"bearer": []}]
        assert "401" in operation["responses"]
        assert "403" in operation["responses"]
    for ref in set(_refs(spec)):  # every reference in the document resolves
        _resolve(spec, ref)


def test_openapi_post_example_is_the_seed_exactly(client: Any, seed_bytes: bytes) -> None:
    spec = client.get("/openapi.json").json()

    example = spec["paths"][ROUTE]["post"]["requestBody"]["content"]["application/json"]["example"]

    seed = orjson.loads(seed_bytes)
    assert seed["internal_data"]["behaviour_pattern_avg_growth_balance"] is None  # a null kept
    assert example == seed


def test_the_docs_page_is_html(client: Any) -> None:
    response = client.get("/docs")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in response.text


def test_the_seed_example_shipped_in_the_package_equals_the_one_in_examples(
    seed_bytes: bytes,
) -> None:
    shipped = resources.files("cde.entrypoints.http").joinpath("seed_request.json").read_bytes()

    assert shipped == seed_bytes


# --- Idempotency-Key (ours) ------------------------------------------------------------------


def test_a_repeated_post_with_the_same_idempotency_key_returns_the_first_result(
    client: Any, container: Container, kocek_headers: dict[str, str], seed_bytes: bytes
) -> None:
    headers = {**kocek_headers, "Idempotency-Key": "kocek-7f3a"}

    first = post(client, headers, seed_bytes)
    again = post(client, headers, seed_bytes)

    assert first.status_code == again.status_code == 200
    assert again.json()["data"]["id"] == first.json()["data"]["id"]
    assert row_count(container) == 1


def test_the_same_idempotency_key_with_another_body_is_a_422_and_stores_nothing(
    client: Any, container: Container, kocek_headers: dict[str, str], seed_bytes: bytes
) -> None:
    headers = {**kocek_headers, "Idempotency-Key": "kocek-reused"}
    first = post(client, headers, seed_bytes)
    other = orjson.dumps({**orjson.loads(seed_bytes), "loan_id": "another-loan"})

    reused = post(client, headers, other)

    assert first.status_code == 200
    assert reused.status_code == 422
    assert reused.json()["status"] == "fail"
    assert reused.json()["errors"][0]["field"] == "Idempotency-Key"
    assert row_count(container) == 1


def test_concurrent_repeats_with_one_idempotency_key_create_one_record(
    client: Any, container: Container, kocek_headers: dict[str, str], seed_bytes: bytes
) -> None:
    headers = {**kocek_headers, "Idempotency-Key": "kocek-concurrent"}
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: post(client, headers, seed_bytes), range(8)))

    assert {a.status_code for a in answers} == {200}
    assert len({a.json()["data"]["id"] for a in answers}) == 1
    assert row_count(container) == 1


def test_an_invalid_post_releases_its_idempotency_key(
    client: Any, container: Container, kocek_headers: dict[str, str], seed_bytes: bytes
) -> None:
    headers = {**kocek_headers, "Idempotency-Key": "kocek-fixed-later"}
    broken = orjson.dumps({**orjson.loads(seed_bytes), "application": None})

    assert post(client, headers, broken).status_code == 422
    fixed = post(client, headers, seed_bytes)  # the same key, now with a valid body

    assert fixed.status_code == 200
    assert row_count(container) == 1
