"""An attacker's suite (issue 4): every attack on tenancy, credentials, quota, JWT, roles,
the audit trail, personal data, the instruction-file header and the limits is attempted
against the real application (``create_app`` over a bootstrapped container on a temporary
database), and every refusal is asserted with its exact status and envelope. Each test runs
on SQLite and on PostgreSQL (``conftest.py``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import logging
import logging.config
import os
import time
import uuid
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx
import jwt
import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

import cde.service.recommendations as recommendations_module
from cde.adapters.db.tables import audit_log, recommendations, tenant_keys
from cde.adapters.jwt_verifier import JwtVerifier
from cde.bootstrap import Container
from cde.domain.masking import mask_name, mask_nik, mask_text
from cde.entrypoints.cli import app as cli_app
from cde.observability.logging_config import MaskingFilter, logging_config
from cde.service.audit import entry_hash, verify
from cde.service.tenants import TenantError
from clocks import TestClock  # tests/clocks.py (pytest's pythonpath)

ROUTE = "/kocek/cde/credit-recommendation"
DETAIL_ROUTE = "/kocek/cde/credit-recommendation/{record_id}"
QUOTA_ROUTE = "/kocek/quota"

STATIC_TOKEN = "t1"  # the conftest's CDE_API_TOKENS: the default tenant
SEED_NIK = "12121212121212"  # character.nik of examples/seed_request.json
SEED_NAME = "fulan"  # character.name of the seed
USER_NAME = "Samehada"

NOT_FOUND = {"message": "Data not found.", "status": "fail"}
UNAUTHENTICATED = {"code": 401, "message": "Unauthenticated", "status": False}
SERVICE_OFF_TEXT = "Layanan pengecekan rekomendasi pinjaman sedang tidak tersedia"
SERVICE_OFF = {"error": SERVICE_OFF_TEXT, "message": SERVICE_OFF_TEXT, "status": "fail"}
QUOTA_TEXT = "Kuota layanan rekomendasi kredit telah habis"
QUOTA_USED_UP = {"error": QUOTA_TEXT, "message": QUOTA_TEXT, "status": "fail"}
INSTRUCTION_REFUSED = "Berkas instruksi sistem kustom ditolak"
RATE_LIMITED = "Terlalu banyak permintaan; coba lagi sebentar lagi"
TOO_LARGE = "Badan permintaan terlalu besar"
TOO_DEEP = "Badan permintaan terlalu dalam bersarang"
BAD_JSON = "Badan permintaan bukan JSON yang valid"
INTERNAL = "Terjadi kesalahan pada server; coba lagi nanti"

# What no response body may ever contain (internal detail).
LEAKS = ("Traceback", "/work/", "sqlalchemy", "site-packages", 'File "')


# --- helpers ---------------------------------------------------------------------------------


def headers(token: str | None = STATIC_TOKEN, **extra: str) -> dict[str, str]:
    """The headers the Kocek platform sends, with ``token`` as the bearer credential."""
    sent = {
        "User-ID": "123",
        "User-Name": USER_NAME,
        "User-Role": "Eksekutif",
        "IP": "127.0.0.1",
        "Content-Type": "application/json",
    }
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    for name, value in extra.items():
        sent[name.replace("_", "-")] = value
    return sent


def post(client: Any, token: str | None, body: bytes, **extra: str) -> httpx.Response:
    return client.post(ROUTE, content=body, headers=headers(token, **extra))


def get_one(client: Any, token: str | None, record_id: str, **extra: str) -> httpx.Response:
    return client.get(f"{ROUTE}/{record_id}", headers=headers(token, **extra))


def get_list(client: Any, token: str | None, **params: Any) -> httpx.Response:
    return client.get(ROUTE, params=params, headers=headers(token))


def accepted_id(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success"
    assert body["data"]["status"] == "success"
    record_id = body["data"]["id"]
    assert isinstance(record_id, str)
    return record_id


def invalid_application(seed_bytes: bytes) -> bytes:
    """The seed with an impossible age: a 422, never a record."""
    raw = orjson.loads(seed_bytes)
    raw["character"]["age"] = -5
    return orjson.dumps(raw)


def assert_no_leak(response: httpx.Response) -> None:
    for needle in LEAKS:
        assert needle not in response.text, (needle, response.status_code, response.text)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def hand_made_token(header: dict[str, Any], payload: dict[str, Any], secret: bytes | None) -> str:
    """A JWT built by hand (PyJWT refuses to build the malicious ones): unsigned when
    ``secret`` is None, else HMAC-SHA256 over the signing input with ``secret``."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
    if secret is None:
        return signing_input + "."
    signature = hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def run_cli(database_env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """``cde …`` in-process, on the test's database (``database_env``: its data directory,
    and its URL on PostgreSQL); (exit code, stdout, stderr with rich's wrapping undone)."""
    env = {**database_env, "COLUMNS": "200"}
    result = CliRunner().invoke(cli_app, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {result.exception!r}") from result.exception
    out, err = result.stdout, result.stderr
    assert "Traceback" not in out + err
    return result.exit_code, out, " ".join(err.split())


@pytest.fixture(autouse=True)
def _no_cde_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI reads settings from the environment: nothing but the test's may leak in."""
    for name in list(os.environ):
        if name.startswith("CDE_"):
            monkeypatch.delenv(name)


# --- tenancy -------------------------------------------------------------------------------


def test_two_tenants_each_see_only_their_own_records(make_client: Any, seed_bytes: bytes) -> None:
    container, client = make_client()
    tenant_a, key_a = container.tenant_admin.create("KSP A", None)
    tenant_b, key_b = container.tenant_admin.create("KSP B", None)
    assert key_a.startswith("cdek_")
    assert key_b.startswith("cdek_")
    assert key_a != key_b

    id_a = accepted_id(post(client, key_a, seed_bytes))
    id_b = accepted_id(post(client, key_b, seed_bytes))
    assert container.recommender.get(id_a, None).tenant_id == tenant_a.id  # type: ignore[union-attr]
    assert container.recommender.get(id_b, None).tenant_id == tenant_b.id  # type: ignore[union-attr]

    # Each reads its own record.
    own = get_one(client, key_a, id_a)
    assert own.status_code == 200
    assert own.json()["data"]["id"] == id_a
    assert get_one(client, key_b, id_b).status_code == 200

    # The other's id is a 404, byte-identical to a random id's (and to an oversized one).
    for reader, foreign in ((key_a, id_b), (key_b, id_a)):
        cross = get_one(client, reader, foreign)
        missing = get_one(client, reader, str(uuid.uuid4()))
        oversized = get_one(client, reader, "x" * 500)
        assert cross.status_code == missing.status_code == oversized.status_code == 404
        assert cross.json() == NOT_FOUND
        assert cross.content == missing.content == oversized.content
        assert {k: v for k, v in cross.headers.items() if k != "x-request-id"} == {
            k: v for k, v in missing.headers.items() if k != "x-request-id"
        }

    # The list counts and shows only the tenant's own records, with or without filters.
    for reader, mine in ((key_a, id_a), (key_b, id_b)):
        listed = get_list(client, reader)
        assert listed.status_code == 200
        assert listed.json()["meta"]["total"] == 1
        assert [item["id"] for item in listed.json()["data"]] == [mine]
        seed = orjson.loads(seed_bytes)
        by_loan = get_list(client, reader, loan_id=seed["loan_id"], customer_id=seed["customer_id"])
        assert [item["id"] for item in by_loan.json()["data"]] == [mine]

    # SQL injection in the id and in a filter finds nothing.
    injected = get_one(client, key_a, "x' OR '1'='1")
    assert injected.status_code == 404
    assert injected.json() == NOT_FOUND
    sneaky = get_list(client, key_a, loan_id="' OR 1=1 --")
    assert sneaky.json()["meta"]["total"] == 0

    # The static token acts as the `default` tenant: it sees neither record.
    for foreign in (id_a, id_b):
        assert get_one(client, STATIC_TOKEN, foreign).json() == NOT_FOUND
    assert get_list(client, STATIC_TOKEN).json()["meta"]["total"] == 0
    id_default = accepted_id(post(client, STATIC_TOKEN, seed_bytes))
    assert container.recommender.get(id_default, None).tenant_id == "default"  # type: ignore[union-attr]
    for key in (key_a, key_b):
        assert get_one(client, key, id_default).json() == NOT_FOUND
        assert get_list(client, key).json()["meta"]["total"] == 1


def test_an_idempotency_key_never_replays_another_tenants_record(
    make_client: Any, seed_bytes: bytes
) -> None:
    container, client = make_client()
    _, key_a = container.tenant_admin.create("KSP A", None)
    _, key_b = container.tenant_admin.create("KSP B", None)
    id_a = accepted_id(post(client, key_a, seed_bytes, Idempotency_Key="same-key"))
    # The same key and the same body from another tenant: its own, new record.
    id_b = accepted_id(post(client, key_b, seed_bytes, Idempotency_Key="same-key"))
    assert id_b != id_a
    assert get_one(client, key_b, id_a).json() == NOT_FOUND
    # Each tenant's repeat replays its own record.
    assert accepted_id(post(client, key_a, seed_bytes, Idempotency_Key="same-key")) == id_a
    assert accepted_id(post(client, key_b, seed_bytes, Idempotency_Key="same-key")) == id_b


# --- activation, keys -----------------------------------------------------------------------


def test_a_disabled_tenant_gets_the_seeds_403_and_others_are_unaffected(
    make_client: Any, seed_bytes: bytes
) -> None:
    container, client = make_client()
    _, key_a = container.tenant_admin.create("KSP A", None)
    _, key_b = container.tenant_admin.create("KSP B", None)
    id_a = accepted_id(post(client, key_a, seed_bytes))

    disabled = container.tenant_admin.set_active("KSP A", False)
    assert disabled.active is False
    for response in (
        post(client, key_a, seed_bytes),
        get_one(client, key_a, id_a),
        get_list(client, key_a),
    ):
        assert response.status_code == 403
        assert response.json() == SERVICE_OFF
    # Nothing was stored by the refused POST.
    assert (
        container.recommender.list(
            tenant_id=container.tenants.by_name("KSP A").id,  # type: ignore[union-attr]
            loan_id=None,
            customer_id=None,
            status=None,
            page=1,
            limit=10,
        ).total
        == 1
    )
    # Its quota still answers, saying it is not active.
    quota = client.get(QUOTA_ROUTE, headers=headers(key_a))
    assert quota.status_code == 200
    assert quota.json()["data"]["is_active"] is False

    # Another tenant and the static token keep working.
    accepted_id(post(client, key_b, seed_bytes))
    assert get_list(client, key_b).status_code == 200
    accepted_id(post(client, STATIC_TOKEN, seed_bytes))

    container.tenant_admin.set_active("KSP A", True)
    accepted_id(post(client, key_a, seed_bytes))
    assert get_one(client, key_a, id_a).status_code == 200
    assert get_list(client, key_a).json()["meta"]["total"] == 2


def test_a_rotated_key_stops_working_at_once(make_client: Any, seed_bytes: bytes) -> None:
    container, client = make_client()
    _, old_key = container.tenant_admin.create("KSP A", None)
    accepted_id(post(client, old_key, seed_bytes))
    new_key = container.tenant_admin.rotate_key("KSP A")
    assert new_key != old_key
    assert new_key.startswith("cdek_")
    for response in (
        post(client, old_key, seed_bytes),
        get_list(client, old_key),
        client.get(QUOTA_ROUTE, headers=headers(old_key)),
    ):
        assert response.status_code == 401
        assert response.json() == UNAUTHENTICATED
    accepted_id(post(client, new_key, seed_bytes))
    assert get_list(client, new_key).json()["meta"]["total"] == 2
    # Keys are stored only as hashes.
    with container.engine.connect() as conn:
        stored = " ".join(str(v) for row in conn.execute(select(tenant_keys)) for v in row)
    for key in (old_key, new_key):
        assert key not in stored
        assert hashlib.sha256(key.encode()).hexdigest() in stored
    # Rotating again revokes the second key too.
    newest = container.tenant_admin.rotate_key("KSP A")
    assert get_list(client, new_key).status_code == 401
    assert get_list(client, newest).status_code == 200


def test_revoked_unknown_and_garbage_credentials_are_401(make_client: Any) -> None:
    container, client = make_client()
    _, key = container.tenant_admin.create("KSP A", None)
    digest = hashlib.sha256(key.encode()).hexdigest()
    refused_authorizations = [
        None,  # no Authorization at all
        "",
        "Bearer",
        "Bearer ",
        f"Basic {key}",
        f"Token {key}",
        key,  # no scheme
        "Bearer cdek_" + "A" * 43,  # well-formed but unknown
        f"Bearer {key[:-1]}",  # one character short
        f"Bearer {key}x",
        f"Bearer {key.upper()}",
        f"Bearer {digest}",  # the stored hash is not the key
        f"Bearer {key[:9]}",  # nor is the stored prefix
        "Bearer t2",  # not a configured static token
        "Bearer " + "x" * 9000,  # oversized
        "Bearer a.b.c",  # JWT-shaped garbage
        "Bearer \u00e9\u00e8",  # not ASCII
    ]
    for authorization in refused_authorizations:
        sent: dict[str, Any] = headers(None)
        if authorization is not None:
            sent["Authorization"] = authorization.encode("utf-8")  # raw bytes on the wire
        for response in (
            client.get(ROUTE, headers=sent),
            client.get(f"{ROUTE}/{uuid.uuid4()}", headers=sent),
            client.post(ROUTE, content=b"{}", headers=sent),
            client.get(QUOTA_ROUTE, headers=sent),
        ):
            assert response.status_code == 401, (authorization, response.text)
            assert response.json() == UNAUTHENTICATED
    # Case of the scheme does not matter; the key does.
    assert client.get(ROUTE, headers={"Authorization": f"bearer {key}"}).status_code == 200


def test_tenant_names_and_quotas_are_validated(make_client: Any) -> None:
    container, _ = make_client()
    admin = container.tenant_admin
    admin.create("KSP A", 5)
    for name in ("", " KSP", "KSP\nA", "../etc", "a" * 101, "<script>", "KSP;DROP", "KSP A "):
        with pytest.raises(TenantError):
            admin.create(name, None)
    for name in ("KSP A", "default"):  # duplicates, including the static tokens' tenant
        with pytest.raises(TenantError, match="exists already"):
            admin.create(name, None)
    with pytest.raises(TenantError):
        admin.create("KSP N", -1)
    with pytest.raises(TenantError):
        admin.set_quota("KSP A", -1)
    for unknown in ("KSP Nobody", "ksp a"):
        with pytest.raises(TenantError, match="no tenant"):
            admin.set_active(unknown, False)
        with pytest.raises(TenantError, match="no tenant"):
            admin.rotate_key(unknown)
    assert [t.name for t, _ in admin.list()] == ["KSP A", "default"]


# --- quota ----------------------------------------------------------------------------------


def test_quota_is_spent_atomically_under_50_concurrent_requests(
    make_client: Any, seed_bytes: bytes
) -> None:
    container, client = make_client(rate_limit_per_minute=0)
    _, key = container.tenant_admin.create("KSP Q", 10)

    # An invalid application spends nothing.
    invalid = post(client, key, invalid_application(seed_bytes))
    assert invalid.status_code == 422
    assert container.tenants.by_name("KSP Q").used_quota == 0  # type: ignore[union-attr]

    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(lambda _: post(client, key, seed_bytes), range(50)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 10 + [403] * 40
    for response in responses:
        if response.status_code == 403:
            assert response.json() == QUOTA_USED_UP
    accepted = {r.json()["data"]["id"] for r in responses if r.status_code == 200}
    assert len(accepted) == 10

    quota = client.get(QUOTA_ROUTE, headers=headers(key))
    assert quota.status_code == 200
    assert quota.json() == {
        "data": {
            "feature": "cde_feature",
            "is_active": True,
            "total_quota": 10,
            "used_quota": 10,
            "remaining_quota": 0,
            "unlimited": False,
        },
        "message": "Berhasil menampilkan kuota layanan rekomendasi kredit.",
        "status": "success",
    }
    listed = get_list(client, key, limit=100)
    assert listed.json()["meta"]["total"] == 10
    assert {item["id"] for item in listed.json()["data"]} == accepted

    # Exhausted: an invalid application is still a 422 and spends nothing; a valid one 403.
    assert post(client, key, invalid_application(seed_bytes)).status_code == 422
    assert post(client, key, seed_bytes).json() == QUOTA_USED_UP
    assert container.tenants.by_name("KSP Q").used_quota == 10  # type: ignore[union-attr]

    # Raising the quota lets exactly one more through.
    container.tenant_admin.set_quota("KSP Q", 11)
    accepted_id(post(client, key, seed_bytes))
    assert post(client, key, seed_bytes).json() == QUOTA_USED_UP


def test_quota_is_spent_atomically_by_several_processes_at_once(
    make_client: Any, seed_bytes: bytes
) -> None:
    """Each container has its own writer thread, so requests to one are written one group
    at a time; five containers on one database (five processes of a deployment) make the
    database itself arbitrate: SQLite's write lock, PostgreSQL's row lock on the tenant
    (its conditional UPDATE re-checks ``used_quota`` once the lock is granted)."""
    processes = [make_client(rate_limit_per_minute=0) for _ in range(5)]
    container = processes[0][0]
    _, key = container.tenant_admin.create("KSP Q", 10)

    def send(i: int) -> httpx.Response:
        return post(processes[i % len(processes)][1], key, seed_bytes)

    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(send, range(50)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 10 + [403] * 40
    assert container.tenants.by_name("KSP Q").used_quota == 10  # type: ignore[union-attr]
    accepted = {r.json()["data"]["id"] for r in responses if r.status_code == 200}
    listed = get_list(processes[-1][1], key, limit=100).json()
    assert listed["meta"]["total"] == 10
    assert {item["id"] for item in listed["data"]} == accepted
    # Every request, accepted or refused, is in the one audit chain, unbroken.
    stored = list(container.audit.entries())
    assert sorted(e.entry.status_code for e in stored if e.entry.method == "POST") == statuses
    assert verify(stored, container.audit.head()).ok


def test_quota_shape_for_an_unlimited_tenant_and_the_default_tenant(make_client: Any) -> None:
    container, client = make_client()
    _, key = container.tenant_admin.create("KSP U", None)
    for token in (key, STATIC_TOKEN):
        response = client.get(QUOTA_ROUTE, headers=headers(token))
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"data", "message", "status"}
        assert body["status"] == "success"
        assert isinstance(body["message"], str)
        assert body["message"]
        assert body["data"] == {
            "feature": "cde_feature",
            "is_active": True,
            "total_quota": None,
            "used_quota": 0,
            "remaining_quota": None,
            "unlimited": True,
        }


# --- JWT ------------------------------------------------------------------------------------

JWT_SECRET = "k" * 16 + "0123456789abcdefghij"  # 36 characters
ISSUER = "https://idp.koperasi.id"
AUDIENCE = "cde"


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    values: dict[str, Any] = {
        "tenant": "KSP A",
        "sub": "u-77",
        "name": "Siti Aminah",
        "role": "Eksekutif",
        "exp": now + 300,
        "iat": now,
        "iss": ISSUER,
        "aud": AUDIENCE,
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def hs256(secret: str = JWT_SECRET, **overrides: Any) -> str:
    return jwt.encode(claims(**overrides), secret, algorithm="HS256")


@pytest.fixture
def hs_client(make_client: Any) -> tuple[Container, Any]:
    container, client = make_client(jwt_secret=JWT_SECRET, jwt_issuer=ISSUER, jwt_audience=AUDIENCE)
    container.tenant_admin.create("KSP A", None)
    container.tenant_admin.create("KSP B", None)
    return container, client


def test_a_valid_hs256_token_acts_for_its_tenant_and_person(
    hs_client: tuple[Container, Any], seed_bytes: bytes
) -> None:
    container, client = hs_client
    # The platform's user headers are ignored: the token's claims say who acts.
    response = post(client, hs256(), seed_bytes)
    record_id = accepted_id(response)
    tenant_a = container.tenants.by_name("KSP A")
    assert tenant_a is not None
    stored = container.recommender.get(record_id, tenant_a.id)
    assert stored is not None
    assert stored.tenant_id == tenant_a.id
    assert stored.caller.user_id == "u-77"
    assert stored.caller.user_name == "Siti Aminah"
    assert stored.caller.user_role == "Eksekutif"
    # The audit entry names the token's person (masked), not the headers'.
    entry = next(e.entry for e in container.audit.entries() if e.entry.record_id == record_id)
    assert (entry.tenant_id, entry.user_id, entry.user_name, entry.user_role) == (
        tenant_a.id,
        "u-77",
        "S**i A****h",
        "Eksekutif",
    )
    # Another tenant's token does not see it; the static token still works (default tenant).
    assert get_one(client, hs256(tenant="KSP B"), record_id).json() == NOT_FOUND
    assert get_one(client, hs256(), record_id).status_code == 200
    assert get_list(client, STATIC_TOKEN).status_code == 200


def test_refused_hs256_tokens_are_401(hs_client: tuple[Container, Any], seed_bytes: bytes) -> None:
    container, client = hs_client
    now = int(time.time())
    valid = hs256()
    head, payload, signature = valid.split(".")
    forged_payload = b64url(json.dumps(claims(tenant="KSP B", role="Admin")).encode())
    with warnings.catch_warnings():  # PyJWT warns that 36 bytes is short for HS512
        warnings.simplefilter("ignore")
        hs512 = jwt.encode(claims(), JWT_SECRET, algorithm="HS512")
    refused = {
        "expired": hs256(exp=now - 3600),
        "expired beyond the leeway": hs256(exp=now - 120),
        "not yet valid": hs256(nbf=now + 3600),
        "wrong issuer": hs256(iss="https://evil.example"),
        "no issuer": hs256(iss=None),
        "wrong audience": hs256(aud="another-service"),
        "no audience": hs256(aud=None),
        "no exp": jwt.encode(
            {k: v for k, v in claims().items() if k != "exp"}, JWT_SECRET, algorithm="HS256"
        ),
        "alg none": hand_made_token({"alg": "none", "typ": "JWT"}, claims(), None),
        "alg None": hand_made_token({"alg": "None", "typ": "JWT"}, claims(), None),
        "alg none with a valid signature": b64url(b'{"alg": "none", "typ": "JWT"}')
        + f".{payload}.{signature}",
        "other secret": hs256(secret="another-secret-of-at-least-32-characters!"),
        "HS512 with the right secret": hs512,
        "tampered payload": f"{head}.{forged_payload}.{signature}",
        "stripped signature": f"{head}.{payload}.",
        "unknown tenant": hs256(tenant="KSP Nobody"),
        "no tenant": hs256(tenant=None),
        "empty tenant": hs256(tenant=""),
        "tenant not a string": jwt.encode(
            {**claims(), "tenant": ["KSP A"]}, JWT_SECRET, algorithm="HS256"
        ),
    }
    before = container.tenants.by_name("KSP A")
    for why, token in refused.items():
        for response in (post(client, token, seed_bytes), get_list(client, token)):
            assert response.status_code == 401, (why, response.text)
            assert response.json() == UNAUTHENTICATED, why
    # Nothing was stored or spent by any of them.
    assert get_list(client, valid).json()["meta"]["total"] == 0
    assert container.tenants.by_name("KSP A") == before
    # The valid token, for contrast.
    accepted_id(post(client, valid, seed_bytes))


def test_a_valid_token_of_a_disabled_tenant_gets_the_seeds_403(
    hs_client: tuple[Container, Any], seed_bytes: bytes
) -> None:
    container, client = hs_client
    container.tenant_admin.set_active("KSP A", False)
    response = post(client, hs256(), seed_bytes)
    assert response.status_code == 403
    assert response.json() == SERVICE_OFF
    accepted_id(post(client, hs256(tenant="KSP B"), seed_bytes))


def test_a_short_jwt_secret_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="at least 32 characters"):
        JwtVerifier(secret="too-short")


def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _public_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_rs256_with_a_public_key_file_and_algorithm_confusion(
    make_client: Any, tmp_path: Path, seed_bytes: bytes
) -> None:
    key = _rsa_key()
    pem = _public_pem(key)
    pem_file = tmp_path / "idp.pem"
    pem_file.write_bytes(pem)
    container, client = make_client(
        jwt_public_key_file=pem_file, jwt_issuer=ISSUER, jwt_audience=AUDIENCE
    )
    container.tenant_admin.create("KSP A", None)

    accepted_id(post(client, jwt.encode(claims(), key, algorithm="RS256"), seed_bytes))

    # ALGORITHM CONFUSION: HS256 with the public key's PEM bytes as the HMAC secret.
    confused = hand_made_token({"alg": "HS256", "typ": "JWT"}, claims(), pem)
    # ...and with the PEM as text without its trailing newline, as some libraries load it.
    confused_stripped = hand_made_token({"alg": "HS256", "typ": "JWT"}, claims(), pem.strip())
    refused = {
        "algorithm confusion": confused,
        "algorithm confusion (stripped PEM)": confused_stripped,
        "alg none": hand_made_token({"alg": "none", "typ": "JWT"}, claims(), None),
        "another RSA key": jwt.encode(claims(), _rsa_key(), algorithm="RS256"),
        "expired": jwt.encode(claims(exp=int(time.time()) - 3600), key, algorithm="RS256"),
        "PS256 with the right key": jwt.encode(claims(), key, algorithm="PS256"),
    }
    for why, token in refused.items():
        response = post(client, token, seed_bytes)
        assert response.status_code == 401, (why, response.text)
        assert response.json() == UNAUTHENTICATED


def test_jwks_keys_are_chosen_by_kid(make_client: Any, tmp_path: Path, seed_bytes: bytes) -> None:
    rsa_key = _rsa_key()
    ec_key = ec.generate_private_key(ec.SECP256R1())
    rsa_jwk = jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key(), as_dict=True)
    ec_jwk = jwt.algorithms.ECAlgorithm.to_jwk(ec_key.public_key(), as_dict=True)
    jwks = {
        "keys": [
            {**rsa_jwk, "kid": "rsa-1", "use": "sig", "alg": "RS256"},
            {**ec_jwk, "kid": "ec-1", "use": "sig", "alg": "ES256"},
        ]
    }
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps(jwks), "utf-8")
    container, client = make_client(
        jwt_jwks_file=jwks_file, jwt_issuer=ISSUER, jwt_audience=AUDIENCE
    )
    container.tenant_admin.create("KSP A", None)

    rs = jwt.encode(claims(), rsa_key, algorithm="RS256", headers={"kid": "rsa-1"})
    es = jwt.encode(claims(), ec_key, algorithm="ES256", headers={"kid": "ec-1"})
    accepted_id(post(client, rs, seed_bytes))
    accepted_id(post(client, es, seed_bytes))

    refused = {
        "unknown kid": jwt.encode(claims(), rsa_key, algorithm="RS256", headers={"kid": "rsa-9"}),
        "no kid": jwt.encode(claims(), rsa_key, algorithm="RS256"),
        "kid of the other key": jwt.encode(
            claims(), rsa_key, algorithm="RS256", headers={"kid": "ec-1"}
        ),
        "right kid, foreign key": jwt.encode(
            claims(), _rsa_key(), algorithm="RS256", headers={"kid": "rsa-1"}
        ),
        "HS256 with the JWKS as secret": hand_made_token(
            {"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}, claims(), jwks_file.read_bytes()
        ),
        "HS256 with the RSA PEM as secret": hand_made_token(
            {"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}, claims(), _public_pem(rsa_key)
        ),
        "alg none with a kid": hand_made_token(
            {"alg": "none", "typ": "JWT", "kid": "rsa-1"}, claims(), None
        ),
        "kid not a string": hand_made_token(
            {"alg": "HS256", "typ": "JWT", "kid": ["rsa-1"]}, claims(), b"x" * 32
        ),
        "expired ES256": jwt.encode(
            claims(exp=int(time.time()) - 3600), ec_key, algorithm="ES256", headers={"kid": "ec-1"}
        ),
    }
    for why, token in refused.items():
        response = post(client, token, seed_bytes)
        assert response.status_code == 401, (why, response.text)
        assert response.json() == UNAUTHENTICATED
    assert get_list(client, rs).json()["meta"]["total"] == 2


# --- roles ----------------------------------------------------------------------------------

ROLES = {"request_roles": ("Eksekutif",), "read_roles": ("Eksekutif", "Auditor")}


def test_roles_allowed_to_request_and_to_read(make_client: Any, seed_bytes: bytes) -> None:
    _, client = make_client(**ROLES)
    record_id = accepted_id(post(client, STATIC_TOKEN, seed_bytes, User_Role="Eksekutif"))

    teller = post(client, STATIC_TOKEN, seed_bytes, User_Role="Teller")
    assert teller.status_code == 403
    assert teller.json() == {
        "status": "fail",
        "message": "Peran Teller tidak diizinkan meminta rekomendasi kredit",
        "error": "role 'Teller'",
    }
    english = post(client, STATIC_TOKEN, seed_bytes, User_Role="Teller", Accept_Language="en")
    assert english.json()["message"] == "The role Teller may not request credit recommendations"

    no_role = headers()
    del no_role["User-Role"]
    missing = client.post(ROUTE, content=seed_bytes, headers=no_role)
    assert missing.status_code == 403
    assert missing.json()["status"] == "fail"
    assert "tidak diizinkan meminta" in missing.json()["message"]
    empty = post(client, STATIC_TOKEN, seed_bytes, User_Role="")
    assert empty.status_code == 403

    # Auditor reads but does not request.
    auditor = post(client, STATIC_TOKEN, seed_bytes, User_Role="Auditor")
    assert auditor.status_code == 403
    assert auditor.json()["message"] == "Peran Auditor tidak diizinkan meminta rekomendasi kredit"
    assert get_one(client, STATIC_TOKEN, record_id, User_Role="Auditor").status_code == 200
    assert get_list(client, STATIC_TOKEN).status_code == 200  # headers() say Eksekutif
    reader = client.get(ROUTE, headers=headers(User_Role="Auditor"))
    assert reader.status_code == 200

    # Teller reads nothing.
    refused_read = get_one(client, STATIC_TOKEN, record_id, User_Role="Teller")
    assert refused_read.status_code == 403
    assert refused_read.json() == {
        "status": "fail",
        "message": "Peran Teller tidak diizinkan melihat rekomendasi kredit",
        "error": "role 'Teller'",
    }
    assert client.get(ROUTE, headers=headers(User_Role="Teller")).status_code == 403

    # Only the accepted POST was stored.
    assert get_list(client, STATIC_TOKEN).json()["meta"]["total"] == 1


def test_with_jwt_the_role_claim_wins_over_the_header(make_client: Any, seed_bytes: bytes) -> None:
    container, client = make_client(
        jwt_secret=JWT_SECRET, jwt_issuer=ISSUER, jwt_audience=AUDIENCE, **ROLES
    )
    container.tenant_admin.create("KSP A", None)
    teller = hs256(role="Teller")
    forged = post(client, teller, seed_bytes, User_Role="Eksekutif")
    assert forged.status_code == 403
    assert forged.json()["message"] == "Peran Teller tidak diizinkan meminta rekomendasi kredit"
    no_role_claim = post(client, hs256(role=None), seed_bytes, User_Role="Eksekutif")
    assert no_role_claim.status_code == 403
    accepted_id(post(client, hs256(role="Eksekutif"), seed_bytes, User_Role="Teller"))
    assert get_list(client, hs256(role="Auditor")).status_code == 200
    assert client.get(ROUTE, headers=headers(teller, User_Role="Auditor")).status_code == 403


# --- audit trail ----------------------------------------------------------------------------


@pytest.fixture
def audited(make_client: Any, seed_bytes: bytes) -> dict[str, Any]:
    """A mix of requests, each answered and audited: accepted, 401, 403, 404, 422, 413;
    plus probes that are not audited."""
    container, client = make_client(max_body_bytes=4096)
    tenant_a, key_a = container.tenant_admin.create("KSP A", None)
    tenant_b, key_b = container.tenant_admin.create("KSP B", None)
    container.tenant_admin.set_active("KSP B", False)
    random_id = str(uuid.uuid4())
    big = b'{"pad": "' + b"x" * 5000 + b'"}'
    responses = [
        post(client, key_a, seed_bytes),
        post(client, "wrong-token", seed_bytes),
        post(client, key_b, seed_bytes),
        get_one(client, key_a, random_id),
        post(client, key_a, invalid_application(seed_bytes)),
        post(client, key_a, big),
    ]
    assert [r.status_code for r in responses] == [200, 401, 403, 404, 422, 413]
    for probe in ("/health", "/ready"):
        assert client.get(probe).status_code == 200
    return {
        "container": container,
        "client": client,
        "responses": responses,
        "tenants": (tenant_a, tenant_b),
        "bodies": [seed_bytes, seed_bytes, seed_bytes, None, invalid_application(seed_bytes), big],
    }


def test_every_request_leaves_one_audit_entry(audited: dict[str, Any], peer_host: str) -> None:
    container: Container = audited["container"]
    responses: list[httpx.Response] = audited["responses"]
    tenant_a, tenant_b = audited["tenants"]
    stored = list(container.audit.entries())
    assert len(stored) == len(responses)  # /health and /ready are not audited
    assert [s.seq for s in stored] == list(range(1, len(responses) + 1))
    entries = [s.entry for s in stored]

    assert [e.status_code for e in entries] == [200, 401, 403, 404, 422, 413]
    assert [e.outcome for e in entries] == [
        "ok",
        "unauthenticated",
        "tenant_inactive",
        "not_found",
        "invalid",
        "too_large",
    ]
    assert [e.tenant_id for e in entries] == [
        tenant_a.id,
        None,
        tenant_b.id,
        tenant_a.id,
        tenant_a.id,
        None,  # refused before anyone was authenticated
    ]
    assert [e.method for e in entries] == ["POST", "POST", "POST", "GET", "POST", "POST"]
    assert [e.route for e in entries] == [ROUTE, ROUTE, ROUTE, DETAIL_ROUTE, ROUTE, ROUTE]
    record_id = responses[0].json()["data"]["id"]
    assert [e.record_id for e in entries] == [record_id, None, None, None, None, None]
    for entry, response, body in zip(entries, responses, audited["bodies"], strict=True):
        assert entry.request_id == response.headers["x-request-id"]
        assert entry.user_id == "123"
        assert entry.user_name == "S******a"
        assert entry.user_role == "Eksekutif"
        assert entry.claimed_ip == "127.0.0.1"
        assert entry.remote_addr == peer_host
        assert entry.at.tzinfo is not None
        if body is not None and entry.status_code != 413:
            assert entry.body_sha256 == hashlib.sha256(body).hexdigest()
    assert entries[0].body_sha256 == hashlib.sha256(audited["bodies"][0]).hexdigest()
    assert entries[3].body_sha256 is None  # a GET has no body
    assert entries[5].body_sha256 is None  # refused before it was read to the end

    report = verify(stored, container.audit.head())
    assert report.ok
    assert report.checked == 6


def test_no_personal_data_in_any_audit_column(audited: dict[str, Any]) -> None:
    container: Container = audited["container"]
    with container.engine.connect() as conn:
        rows = conn.execute(select(audit_log)).all()
    assert len(rows) == 6
    dumped = " ".join(str(value) for row in rows for value in row)
    for secret in (SEED_NIK, USER_NAME, SEED_NAME):
        assert secret not in dumped


def test_cde_audit_verify_and_export(
    audited: dict[str, Any], data_dir: Path, database_env: dict[str, str], clock: TestClock
) -> None:
    code, out, _ = run_cli(database_env, "audit", "verify")
    assert code == 0
    assert "audit trail intact: 6 entries" in out

    today = clock().date()  # the entries' day (UTC), by the clock the service was given
    export = data_dir.parent / "audit.jsonl"
    code, _, err = run_cli(
        database_env, "audit", "export", "--since", today.isoformat(), "-o", str(export)
    )
    assert code == 0
    assert "6 audit entries written" in err
    lines = [orjson.loads(line) for line in export.read_bytes().splitlines()]
    assert [line["seq"] for line in lines] == [1, 2, 3, 4, 5, 6]
    previous = "0" * 64
    for line in lines:
        assert line["prev_hash"] == previous
        assert len(line["hash"]) == 64
        assert {"at", "tenant_id", "user_name", "route", "status_code", "outcome"} <= set(line)
        previous = line["hash"]
    assert previous == audited["container"].audit.head()
    assert SEED_NIK not in export.read_text("utf-8")
    tomorrow = (today + timedelta(days=1)).isoformat()
    code, out, err = run_cli(database_env, "audit", "export", "--since", tomorrow)
    assert code == 0
    assert out == ""
    assert "0 audit entries written" in err
    code, _, err = run_cli(database_env, "audit", "export", "--since", "yesterday")
    assert code == 2


@pytest.mark.parametrize(
    ("tamper", "named", "problem"),
    [
        ("alter", 3, "entry altered"),
        # The attacker also recomputes row 3's hash: row 4's link to it breaks.
        ("alter-hash-too", 4, "chain broken: an entry before it was deleted or altered"),
        ("delete-middle", 4, "entries 3–3 were deleted"),
        ("delete-last", 6, "the last entries were deleted"),
        ("delete-first", 2, "entries 1–1 were deleted"),
    ],
)
def test_cde_audit_verify_names_the_first_tampered_entry(
    audited: dict[str, Any], database_env: dict[str, str], tamper: str, named: int, problem: str
) -> None:
    container: Container = audited["container"]
    with container.engine.begin() as conn:
        if tamper == "alter":
            conn.execute(update(audit_log).where(audit_log.c.seq == 3).values(status_code=200))
        elif tamper == "alter-hash-too":
            row = conn.execute(select(audit_log).where(audit_log.c.seq == 3)).one()
            entry = next(s.entry for s in container.audit.entries() if s.seq == 3)
            forged = replace(entry, status_code=200, outcome="ok")
            conn.execute(
                update(audit_log)
                .where(audit_log.c.seq == 3)
                .values(status_code=200, outcome="ok", hash=entry_hash(row.prev_hash, forged))
            )
        elif tamper == "delete-middle":
            conn.execute(delete(audit_log).where(audit_log.c.seq == 3))
        elif tamper == "delete-last":
            conn.execute(delete(audit_log).where(audit_log.c.seq == 6))
        else:
            conn.execute(delete(audit_log).where(audit_log.c.seq == 1))
    report = verify(container.audit.entries(), container.audit.head())
    assert not report.ok
    assert report.first_bad_seq == named

    code, _, err = run_cli(database_env, "audit", "verify")
    assert code == 1
    assert f"audit trail broken at entry {named}:" in err
    assert problem in err


# --- personal data --------------------------------------------------------------------------


def test_masking_helpers() -> None:
    assert mask_nik("5171011004840001") == "5171********0001"
    assert mask_nik(SEED_NIK) == "1212******1212"
    assert mask_name(USER_NAME) == "S******a"
    assert mask_name("Samehada Kisame") == "S******a K****e"
    assert mask_text("nik=5171011004840001, lagi 12121212121212.") == (
        "nik=5171********0001, lagi 1212******1212."
    )
    record = logging.LogRecord(
        "cde", logging.INFO, __file__, 1, "nik %s", ("5171011004840001",), None
    )
    assert MaskingFilter().filter(record)
    assert record.getMessage() == "nik 5171********0001"


def _boom_with_nik(*_: Any, **__: Any) -> Any:
    raise RuntimeError(f"NIK {SEED_NIK} tidak cocok; see /work/secret/sqlalchemy Traceback")


def test_a_failing_request_answers_without_detail_and_logs_the_nik_masked_in_its_message(
    make_client: Any,
    seed_bytes: bytes,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, client = make_client()
    monkeypatch.setattr(recommendations_module, "evaluate", _boom_with_nik)
    caplog.set_level(logging.INFO, logger="cde")
    caplog.handler.addFilter(MaskingFilter())
    response = post(client, STATIC_TOKEN, seed_bytes)
    assert response.status_code == 500
    body = response.json()
    assert body["status"] == "fail"
    assert body["message"] == INTERNAL
    assert SEED_NIK not in response.text
    assert_no_leak(response)
    assert response.headers["x-request-id"] in body["error"]
    # The log record's own message names the request, never the person.
    records = [r for r in caplog.records if r.name.startswith("cde")]
    assert records
    for record in records:
        assert SEED_NIK not in record.getMessage()


@pytest.fixture
def service_log() -> Iterator[io.StringIO]:
    """The service's own logging (``logging_config``, as ``cde serve`` installs it) writing
    into a buffer instead of stderr; the loggers it touches are restored afterwards."""
    names = ("cde", "uvicorn", "uvicorn.error", "uvicorn.access")
    saved = {
        name: (lg.handlers[:], lg.level, lg.propagate, lg.disabled)
        for name in names
        for lg in [logging.getLogger(name)]
    }
    buffer = io.StringIO()
    config = logging_config("info", json=True)
    config["handlers"]["stderr"]["stream"] = buffer
    logging.config.dictConfig(config)
    try:
        yield buffer
    finally:
        for name, (handlers, level, propagate, disabled) in saved.items():
            lg = logging.getLogger(name)
            for handler in lg.handlers[:]:
                if handler not in handlers:
                    lg.removeHandler(handler)
                    handler.close()
            for handler in handlers:
                if handler not in lg.handlers:
                    lg.addHandler(handler)
            lg.setLevel(level)
            lg.propagate = propagate
            lg.disabled = disabled


def test_the_nik_in_a_logged_traceback_is_masked(
    make_client: Any,
    seed_bytes: bytes,
    monkeypatch: pytest.MonkeyPatch,
    service_log: io.StringIO,
) -> None:
    _, client = make_client()
    monkeypatch.setattr(recommendations_module, "evaluate", _boom_with_nik)
    assert post(client, STATIC_TOKEN, seed_bytes).status_code == 500
    written = service_log.getvalue()
    assert "evaluation failed" in written
    assert "RuntimeError" in written  # the traceback was logged
    assert SEED_NIK not in written
    assert mask_nik(SEED_NIK) in written


def test_cde_purge_deletes_old_records_and_says_how_many(
    make_client: Any, seed_bytes: bytes, database_env: dict[str, str]
) -> None:
    container, client = make_client()
    old_id = accepted_id(post(client, STATIC_TOKEN, seed_bytes))
    new_id = accepted_id(post(client, STATIC_TOKEN, seed_bytes))
    with container.engine.begin() as conn:
        conn.execute(
            update(recommendations)
            .where(recommendations.c.id == old_id)
            .values(created_at=container.clock() - timedelta(days=10))
        )
    code, out, _ = run_cli(database_env, "purge", "--older-than", "1d")
    assert code == 0
    assert out.startswith("1 recommendations created before ")
    assert get_one(client, STATIC_TOKEN, old_id).json() == NOT_FOUND
    assert get_one(client, STATIC_TOKEN, new_id).status_code == 200
    code, out, _ = run_cli(database_env, "purge", "--older-than", "1d")
    assert code == 0
    assert out.startswith("0 recommendations")
    for bad in ("0d", "1m", "-1d", "forever"):
        code, _, _err = run_cli(database_env, "purge", "--older-than", bad)
        assert code == 2, bad


# --- the instruction-file header ------------------------------------------------------------

INSTRUCTION_HEADER = "X-Cde-Custom-System-Instruction-File"


def _refused_instruction(response: httpx.Response, why: str) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["status"] == "fail"
    assert body["message"] == INSTRUCTION_REFUSED
    assert why in body["error"], body
    assert body["errors"] == [{"field": INSTRUCTION_HEADER, "message": body["error"]}]
    assert_no_leak(response)


def test_the_instruction_header_is_refused_unless_enabled(
    make_client: Any, seed_bytes: bytes, tmp_path: Path
) -> None:
    instr = tmp_path / "instr"
    instr.mkdir()
    (instr / "ok.json").write_text('{"system": "ok"}', "utf-8")
    for overrides in (
        {},
        {"instruction_dir": instr},  # a directory alone does not enable it
        {"custom_instructions_enabled": True},  # enabled without a directory
    ):
        _, client = make_client(**overrides)
        response = client.post(
            ROUTE, content=seed_bytes, headers={**headers(), INSTRUCTION_HEADER: "ok.json"}
        )
        _refused_instruction(response, "not enabled")
        assert get_list(client, STATIC_TOKEN).json()["meta"]["total"] == 0


@pytest.fixture
def instruction_client(make_client: Any, tmp_path: Path) -> Any:
    instr = tmp_path / "instr"
    (instr / "sub").mkdir(parents=True)
    valid = orjson.loads(files("cde.instructions").joinpath("default.json").read_bytes())
    (instr / "ok.json").write_bytes(orjson.dumps({**valid, "name": "singkat"}))
    (instr / "sub" / "nested.json").write_bytes(orjson.dumps({**valid, "name": "nested"}))
    (instr / "unfit.json").write_text('{"system": "not an instruction file"}', "utf-8")
    (instr / "list.json").write_text('["not", "an", "object"]', "utf-8")
    (instr / "broken.json").write_text("{not json", "utf-8")
    (instr / "notes.txt").write_text('{"system": "txt"}', "utf-8")
    (instr / "dir.json").mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.json").write_text('{"system": "from outside"}', "utf-8")
    (tmp_path / "x.json").write_text('{"system": "from the parent"}', "utf-8")
    (instr / "escape.json").symlink_to(outside / "x.json")
    (instr / "passwd.json").symlink_to("/etc/passwd")
    (instr / "linkdir").symlink_to(outside, target_is_directory=True)
    _, client = make_client(custom_instructions_enabled=True, instruction_dir=instr)
    return client


@pytest.mark.parametrize("name", ["ok.json", "sub/nested.json", "./ok.json"])
def test_an_instruction_file_inside_the_directory_is_accepted(
    instruction_client: Any, seed_bytes: bytes, name: str
) -> None:
    response = instruction_client.post(
        ROUTE, content=seed_bytes, headers={**headers(), INSTRUCTION_HEADER: name}
    )
    accepted_id(response)


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("/etc/passwd", "absolute paths are refused"),
        ("/etc/passwd.json", "absolute paths are refused"),
        ("//etc/passwd.json", "absolute paths are refused"),
        ("../x.json", "'..' is refused"),
        ("sub/../../x.json", "'..' is refused"),
        ("sub/../ok.json", "'..' is refused"),
        ("..", "'..' is refused"),
        ("escape.json", "resolves outside the instruction directory"),
        ("passwd.json", "resolves outside the instruction directory"),
        ("linkdir/x.json", "resolves outside the instruction directory"),
        ("notes.txt", "only .json"),
        ("ok.json.txt", "only .json"),
        ("sub", "only .json"),
        ("list.json", "must hold a JSON object"),
        ("unfit.json", "schema_version: Field required"),
        ("broken.json", "not valid JSON"),
        ("missing.json", "no such instruction file"),
        ("OK.json", "no such instruction file"),  # no case folding onto ok.json
        ("dir.json", "no such instruction file"),
        ("%2e%2e/x.json", "no such instruction file"),  # headers are not URL-decoded
        ("a\x00.json", "forbidden characters"),
        ("ok.json\x00.txt", "forbidden characters"),
        ("..\\x.json", "forbidden characters"),
        ("sub\\nested.json", "forbidden characters"),
        ("", "empty"),
        ("a" * 300 + ".json", "too long"),
    ],
)
def test_an_instruction_file_outside_or_unfit_is_refused(
    instruction_client: Any, seed_bytes: bytes, name: str, why: str
) -> None:
    response = instruction_client.post(
        ROUTE, content=seed_bytes, headers={**headers(), INSTRUCTION_HEADER: name}
    )
    _refused_instruction(response, why)
    assert "root:" not in response.text  # /etc/passwd's content never comes back
    assert "from outside" not in response.text
    assert get_list(instruction_client, STATIC_TOKEN).json()["meta"]["total"] == 0


# --- limits ---------------------------------------------------------------------------------


class FrozenClock:
    """The rate limiter's clock, moved only by the test (a slow machine cannot refill a
    bucket between two requests)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_rate_limit_is_per_tenant_with_retry_after(make_client: Any) -> None:
    container, client = make_client(rate_limit_per_minute=60, rate_limit_burst=3)
    clock = container.rate_limiter.clock = FrozenClock()
    _, key_a = container.tenant_admin.create("KSP A", None)
    _, key_b = container.tenant_admin.create("KSP B", None)
    assert [get_list(client, key_a).status_code for _ in range(3)] == [200, 200, 200]
    limited = get_list(client, key_a)
    assert limited.status_code == 429
    retry_after = limited.headers["retry-after"]
    assert retry_after == "1"  # 60 a minute: the next one is allowed in a second
    assert limited.json() == {
        "status": "fail",
        "message": RATE_LIMITED,
        "error": f"retry after {retry_after} s",
    }
    assert limited.headers["x-content-type-options"] == "nosniff"
    # Another key of the same tenant shares the bucket; other tenants have their own.
    second_key = container.tenant_admin.rotate_key("KSP A")
    assert get_list(client, second_key).status_code == 429
    assert [get_list(client, key_b).status_code for _ in range(3)] == [200, 200, 200]
    assert get_list(client, STATIC_TOKEN).status_code == 200
    # Refused credentials do not drain anyone's bucket.
    assert get_list(client, "nope").status_code == 401
    audited = [e.entry.outcome for e in container.audit.entries()]
    assert audited.count("rate_limited") == 2
    # A second later, one more request (not a burst) is allowed.
    clock.now += 1.0
    assert [get_list(client, second_key).status_code for _ in range(2)] == [200, 429]


def test_the_quota_route_is_rate_limited_too(make_client: Any) -> None:
    container, client = make_client(rate_limit_per_minute=60, rate_limit_burst=3)
    container.rate_limiter.clock = FrozenClock()
    _, key = container.tenant_admin.create("KSP A", None)
    statuses = [client.get(QUOTA_ROUTE, headers=headers(key)).status_code for _ in range(6)]
    assert 429 in statuses


def test_bodies_above_the_limit_are_413(make_client: Any, seed_bytes: bytes) -> None:
    _, client = make_client(max_body_bytes=4096)
    accepted_id(post(client, STATIC_TOKEN, seed_bytes))  # 2 KB: fine
    expected = {
        "status": "fail",
        "message": TOO_LARGE,
        "error": "limit 4096 bytes (CDE_MAX_BODY_BYTES)",
    }
    big = b'{"pad": "' + b"x" * 5000 + b'"}'
    declared = post(client, STATIC_TOKEN, big)
    assert declared.status_code == 413
    assert declared.json() == expected

    def chunks() -> Iterator[bytes]:  # streamed, no Content-Length
        for _ in range(10):
            yield b" " * 1000

    streamed = client.post(ROUTE, content=chunks(), headers=headers())
    assert streamed.status_code == 413
    assert streamed.json() == expected
    # Unauthenticated callers cannot make the server read a large body either.
    assert post(client, None, big).status_code == 413
    assert get_list(client, STATIC_TOKEN).json()["meta"]["total"] == 1


def test_json_nested_too_deep_is_400(make_client: Any, seed_bytes: bytes) -> None:
    _, client = make_client(max_json_depth=8)
    raw = orjson.loads(seed_bytes)
    nested: Any = "bottom"
    for _ in range(20):
        nested = {"n": nested}
    raw["extra"] = nested
    response = post(client, STATIC_TOKEN, orjson.dumps(raw))
    assert response.status_code == 400
    assert response.json() == {
        "status": "fail",
        "message": TOO_DEEP,
        "error": "nesting deeper than 8 levels",
        "errors": [{"field": "(body)", "message": "nesting deeper than 8 levels"}],
    }
    arrays = post(client, STATIC_TOKEN, b"[" * 9 + b"]" * 9)
    assert arrays.status_code == 400
    assert arrays.json()["message"] == TOO_DEEP
    # Just inside the limit is not refused for its depth (the seed itself has depth 3).
    shallow = dict(orjson.loads(seed_bytes), extra={"a": {"b": {"c": {"d": 1}}}})
    accepted_id(post(client, STATIC_TOKEN, orjson.dumps(shallow)))
    # A nesting bomb far deeper than the parser's own limit is a 400, never a 500.
    _, default_client = make_client()
    bomb = post(default_client, STATIC_TOKEN, b"[" * 200_000 + b"]" * 200_000)
    assert bomb.status_code == 400
    assert bomb.json()["message"] in (TOO_DEEP, BAD_JSON)
    assert_no_leak(bomb)


SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}


def _assert_security_headers(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (name, response.status_code)
    csp = response.headers.get("content-security-policy", "")
    assert "default-src 'none'" in csp, response.status_code
    assert "frame-ancestors 'none'" in csp


def test_security_headers_on_every_api_response(make_client: Any, seed_bytes: bytes) -> None:
    _, client = make_client(max_body_bytes=4096)
    responses = [
        post(client, STATIC_TOKEN, seed_bytes),  # 200
        get_list(client, None),  # 401
        post(client, STATIC_TOKEN, seed_bytes, User_Role=""),  # 200 (no roles configured)
        get_one(client, STATIC_TOKEN, "nope"),  # 404
        post(client, STATIC_TOKEN, invalid_application(seed_bytes)),  # 422
        post(client, STATIC_TOKEN, b"{" * 10),  # 400
        post(client, STATIC_TOKEN, b'{"p": "' + b"x" * 5000 + b'"}'),  # 413
        client.get(f"{ROUTE}?page=0", headers=headers()),  # 422
        client.delete(ROUTE, headers=headers()),  # 405
        client.get("/kocek/nothing-here", headers=headers()),  # 404
        client.get(QUOTA_ROUTE, headers=headers()),
        client.get("/health"),
        client.get("/openapi.json"),
    ]
    assert {r.status_code for r in responses} >= {200, 400, 401, 404, 405, 413, 422}
    for response in responses:
        _assert_security_headers(response)
        assert response.headers["x-request-id"]


def test_cors_is_off_unless_configured(make_client: Any) -> None:
    _, client = make_client()
    for origin in ("https://app.koperasi.id", "https://evil.example", "null"):
        response = client.get(ROUTE, headers={**headers(), "Origin": origin})
        assert response.status_code == 200
        assert "access-control-allow-origin" not in response.headers
        preflight = client.options(
            ROUTE,
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization",
            },
        )
        assert "access-control-allow-origin" not in preflight.headers
        assert preflight.status_code == 405


def test_cors_allows_only_the_configured_origin(make_client: Any) -> None:
    allowed = "https://app.koperasi.id"
    _, client = make_client(cors_origins=(allowed,))
    ok = client.get(ROUTE, headers={**headers(), "Origin": allowed})
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == allowed
    assert "access-control-allow-credentials" not in ok.headers
    for origin in ("https://evil.example", "https://app.koperasi.id.evil.example", "null"):
        other = client.get(ROUTE, headers={**headers(), "Origin": origin})
        assert other.status_code == 200
        assert "access-control-allow-origin" not in other.headers
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization",
    }
    good = client.options(ROUTE, headers={"Origin": allowed, **preflight})
    assert good.status_code == 200
    assert good.headers["access-control-allow-origin"] == allowed
    bad = client.options(ROUTE, headers={"Origin": "https://evil.example", **preflight})
    assert bad.status_code == 400
    assert "access-control-allow-origin" not in bad.headers


def test_no_response_body_leaks_internal_detail(
    make_client: Any, seed_bytes: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    container, client = make_client(max_body_bytes=4096, raise_server_exceptions=False)
    responses = [
        post(client, None, seed_bytes),
        post(client, STATIC_TOKEN, b"\xff\xfe not json"),
        post(client, STATIC_TOKEN, b'{"loan_id": ' + b"9" * 2000 + b"}"),
        post(client, STATIC_TOKEN, b"[]"),
        post(client, STATIC_TOKEN, b'{"character": "x"}'),
        post(client, STATIC_TOKEN, invalid_application(seed_bytes)),
        post(client, STATIC_TOKEN, b'{"p": "' + b"x" * 5000 + b'"}'),
        client.get(f"{ROUTE}?page=-1&limit=1000&status=evil", headers=headers()),
        client.get(f"{ROUTE}/..%2f..%2fetc%2fpasswd", headers=headers()),
        client.get("/kocek/../../etc/passwd", headers=headers()),
        client.put(ROUTE, headers=headers()),
    ]
    # A forced 500 while evaluating (the exception's text names paths and internals).
    monkeypatch.setattr(recommendations_module, "evaluate", _boom_with_nik)
    responses.append(post(client, STATIC_TOKEN, seed_bytes))
    monkeypatch.undo()
    # A forced 500 outside the evaluation: an unexpected error while reading.
    monkeypatch.setattr(
        container.recommender, "get", lambda *_: (_ for _ in ()).throw(KeyError("/work/x.py"))
    )
    responses.append(get_one(client, STATIC_TOKEN, "some-id"))
    # The database failing: 503, the SQL and the file path stay inside.
    monkeypatch.setattr(
        container.recommender,
        "get",
        lambda *_: (_ for _ in ()).throw(
            OperationalError("SELECT * FROM recommendations", {}, Exception("/work/data/cde.db"))
        ),
    )
    unavailable = get_one(client, STATIC_TOKEN, "some-id")
    responses.append(unavailable)
    assert unavailable.status_code == 503
    assert {r.status_code for r in responses} >= {400, 401, 404, 405, 413, 422, 500, 503}
    for response in responses:
        assert_no_leak(response)
        assert SEED_NIK not in response.text
        assert response.headers["content-type"].startswith("application/json")
        assert isinstance(response.json(), dict)


_OUTSIDE_500 = (
    "src/cde/entrypoints/http/app.py registers its 500 handler for `Exception`, which "
    "Starlette runs in ServerErrorMiddleware, outside the app's SecurityHeaders and "
    "AuditTrail middleware: an unexpected error outside the evaluation (here in GET "
    "/kocek/cde/credit-recommendation/{id}) "
)


def _forced_500(make_client: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[Container, Any]:
    container, client = make_client(raise_server_exceptions=False)
    monkeypatch.setattr(
        container.recommender, "get", lambda *_: (_ for _ in ()).throw(KeyError("boom"))
    )
    response = get_one(client, STATIC_TOKEN, "some-id")
    assert response.status_code == 500
    assert response.json()["message"] == INTERNAL
    assert_no_leak(response)
    return container, response


def test_a_forced_500_outside_the_evaluation_keeps_the_security_headers(
    make_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, response = _forced_500(make_client, monkeypatch)
    _assert_security_headers(response)


def test_a_forced_500_outside_the_evaluation_is_audited(
    make_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    container, _ = _forced_500(make_client, monkeypatch)
    entries = [e.entry for e in container.audit.entries()]
    assert [(e.status_code, e.route, e.outcome) for e in entries] == [(500, DETAIL_ROUTE, "error")]


def test_audit_rows_cannot_be_written_by_a_request(make_client: Any, seed_bytes: bytes) -> None:
    """Headers that look like audit columns or SQL are stored as data, never executed."""
    container, client = make_client()
    sneaky = {
        "User-ID": "1'); DELETE FROM audit_log; --",
        "User-Name": "Robert'); DROP TABLE audit_log;--",
        "IP": "1.2.3.4, 10.0.0.1",
        "X-Request-ID": "r" * 500,
    }
    response = client.post(ROUTE, content=seed_bytes, headers={**headers(), **sneaky})
    accepted_id(response)
    assert response.headers["x-request-id"] == "r" * 64
    stored = list(container.audit.entries())
    assert len(stored) == 1
    entry = stored[0].entry
    assert entry.user_id == sneaky["User-ID"]
    assert entry.user_name == mask_name(sneaky["User-Name"])
    assert entry.request_id == "r" * 64
    with container.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == 1
    assert verify(stored, container.audit.head()).ok


# --- what one database stores and the other refuses -----------------------------------------


def test_oversized_caller_headers_are_stored_cut_to_their_columns(
    make_client: Any, seed_bytes: bytes
) -> None:
    """PostgreSQL refuses a text longer than its column (SQLite keeps it): the caller's
    headers are cut to the column's width on both, and the audit chain still verifies."""
    container, client = make_client()
    long = {"User-ID": "u" * 300, "User-Name": "n" * 300, "User-Role": "r" * 150, "IP": "1" * 150}
    response = client.post(ROUTE, content=seed_bytes, headers={**headers(), **long})
    record_id = accepted_id(response)
    stored = container.recommender.get(record_id, None)
    assert stored is not None
    caller = stored.caller
    assert (caller.user_id, caller.user_role, caller.claimed_ip) == (
        "u" * 255,
        "r" * 100,
        "1" * 100,
    )
    assert caller.user_name == "n" * 255
    odd_method = client.request("PROPFINDWITHAVERYLONGNAME", ROUTE, headers=headers())
    assert odd_method.status_code == 405
    entries = list(container.audit.entries())
    assert [e.entry.method for e in entries] == ["POST", "PROPFINDWI"]
    assert entries[0].entry.user_id == "u" * 255
    assert verify(entries, container.audit.head()).ok


def test_a_nul_character_in_an_id_or_a_filter_finds_nothing(
    make_client: Any, seed_bytes: bytes
) -> None:
    """PostgreSQL cannot compare text with a NUL character (an error there, once a 503)."""
    _, client = make_client()
    accepted_id(post(client, STATIC_TOKEN, seed_bytes))
    by_id = get_one(client, STATIC_TOKEN, "a%00b")
    assert by_id.status_code == 404
    assert by_id.json() == NOT_FOUND
    for name in ("loan_id", "customer_id"):
        listed = get_list(client, STATIC_TOKEN, **{name: "a\x00b"})
        assert listed.status_code == 200, listed.text
        assert listed.json()["meta"]["total"] == 0
    assert get_list(client, STATIC_TOKEN).json()["meta"]["total"] == 1


@pytest.mark.parametrize(
    "changes",
    [{"loan_id": "L" * 300}, {"customer_id": "C" * 300}, {"loan_id": "L-\x00-1"}],
    ids=["long loan_id", "long customer_id", "NUL in loan_id"],
)
def test_an_identifier_postgresql_cannot_store_is_a_422_naming_it(
    make_client: Any,
    seed_bytes: bytes,
    changes: dict[str, str],
) -> None:
    _, client = make_client()
    body = orjson.dumps({**orjson.loads(seed_bytes), **changes})
    response = post(client, STATIC_TOKEN, body)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == list(changes)
