"""The real service as a process: the generated token, the Kocek headers and envelopes,
durability of every acknowledged record across SIGKILL, the service switch shared
between processes, body limits and the operational routes, all over real sockets."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from cde.service.tenants import AUTH_CACHE_SECONDS

if TYPE_CHECKING:  # the fixtures' types; at run time pytest provides the fixtures
    from conftest import RunCli, Service, StartService

pytestmark = pytest.mark.e2e

ROUTE = "/kocek/cde/credit-recommendation"

UNAUTHENTICATED = {"code": 401, "message": "Unauthenticated", "status": False}
SERVICE_OFF_TEXT = "Layanan pengecekan rekomendasi pinjaman sedang tidak tersedia"
SERVICE_OFF = {"error": SERVICE_OFF_TEXT, "message": SERVICE_OFF_TEXT, "status": "fail"}
CREATED = "Berhasil mendapatkan rekomendasi kredit"
DETAIL = "Berhasil menampilkan detail rekomendasi kredit."
LISTED = "Berhasil menampilkan daftar rekomendasi kredit."


def kocek_headers(token: str) -> dict[str, str]:
    """Every header the Kocek platform sends."""
    return {
        "Authorization": f"Bearer {token}",
        "User-ID": "123",
        "User-Name": "Samehada",
        "User-Role": "Eksekutif",
        "IP": "127.0.0.1",
    }


def _only_token(service: Service) -> str:
    tokens = service.tokens_printed()
    assert len(tokens) == 1, f"expected exactly one generated token on stderr:\n{service.stderr}"
    return tokens[0]


def _application(seed: dict[str, Any], n: int) -> dict[str, Any]:
    app = copy.deepcopy(seed)
    app["loan_id"] = f"e2e-loan-{n:05d}"
    return app


def _assert_fail_envelope(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["status"] == "fail"
    assert isinstance(body["message"], str)
    assert body["message"]
    assert isinstance(body.get("error"), str)
    assert body["error"]
    return body


# --- 1. first start: the generated token ---------------------------------------------------


def test_first_start_generates_a_token_that_guards_the_kocek_routes(
    start_service: StartService, seed_bytes: bytes
) -> None:
    service = start_service()
    token = _only_token(service)
    seed = json.loads(seed_bytes)
    with service.client() as http:
        for method, path in (("POST", ROUTE), ("GET", ROUTE), ("GET", f"{ROUTE}/x")):
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": token}):
                response = http.request(method, path, headers=headers, content=seed_bytes)
                assert response.status_code == 401, (method, path, headers)
                assert response.json() == UNAUTHENTICATED

        headers = kocek_headers(token)
        response = http.post(
            ROUTE, content=seed_bytes, headers={**headers, "Content-Type": "application/json"}
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        body = response.json()
        assert body["status"] == "success"
        assert body["message"] == CREATED
        data = body["data"]
        record_id = data["id"]
        assert isinstance(record_id, str)
        assert record_id
        assert data["status"] == "success"
        assert data["decision"]["outcome"] == "decline"
        assert data["recommendation"] == {"plafon": "0", "tenure": "0"}
        assert set(data["5c"]) == {"character", "capacity", "capital", "collateral", "condition"}

        got = http.get(f"{ROUTE}/{record_id}", headers=headers)
        assert got.status_code == 200, got.text
        detail = got.json()
        assert detail["status"] == "success"
        assert detail["message"] == DETAIL
        assert detail["data"]["id"] == record_id
        assert detail["data"]["payload"] == seed
        assert detail["data"]["result"]["decision"] == data["decision"]

        listed = http.get(ROUTE, headers=headers)
        assert listed.status_code == 200, listed.text
        page = listed.json()
        assert page["message"] == LISTED
        assert page["meta"]["total"] == 1
        assert [item["id"] for item in page["data"]] == [record_id]
        assert page["data"][0]["loan_id"] == seed["loan_id"]
        assert page["data"][0]["customer_id"] == seed["customer_id"]

        missing = http.get(f"{ROUTE}/{record_id}x", headers=headers)
        assert missing.status_code == 404
        assert missing.json() == {"message": "Data not found.", "status": "fail"}

    # SIGTERM is a clean shutdown (uvicorn re-raises the signal once it has shut down)
    service.proc.send_signal(signal.SIGTERM)
    assert service.wait_exit() in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in service.stderr

    # the caller's Kocek headers were recorded; the token is stored only as its hash
    db = sqlite3.connect(f"file:{service.data_dir / 'cde.db'}?mode=ro", uri=True)
    try:
        row = db.execute(
            "SELECT user_id, user_name, user_role, claimed_ip, remote_addr"
            " FROM recommendations WHERE id = ?",
            (record_id,),
        ).fetchone()
        hashes = [h for (h,) in db.execute("SELECT token_sha256 FROM api_tokens")]
    finally:
        db.close()
    assert row == ("123", "Samehada", "Eksekutif", "127.0.0.1", "127.0.0.1")
    assert hashes == [hashlib.sha256(token.encode()).hexdigest()]
    for stored in service.data_dir.iterdir():
        assert token.encode() not in stored.read_bytes(), stored


# --- 2. durability across SIGKILL ----------------------------------------------------------


def test_every_acknowledged_record_survives_sigkill_and_the_token_survives_restart(
    start_service: StartService, seed_bytes: bytes
) -> None:
    seed = json.loads(seed_bytes)
    # rate limiting off: this test sends more than a tenant's default burst
    unlimited = {"CDE_RATE_LIMIT_PER_MINUTE": "0"}
    first = start_service(**unlimited)
    token = _only_token(first)
    headers = kocek_headers(token)
    acked: dict[str, dict[str, Any]] = {}
    lock = threading.Lock()

    with first.client() as http:
        for n in range(50):
            application = _application(seed, n)
            response = http.post(ROUTE, json=application, headers=headers)
            assert response.status_code == 200, response.text
            acked[response.json()["data"]["id"]] = application
    assert len(acked) == 50

    # more POSTs from a few client threads, and SIGKILL while they are in flight
    unexpected: list[str] = []
    in_flight_acks = [0]
    stop = threading.Event()

    def client_loop(worker: int) -> None:
        n = 0
        with first.client(timeout=5.0) as http:
            while not stop.is_set():
                application = _application(seed, 1000 * (worker + 1) + n)
                n += 1
                try:
                    response = http.post(ROUTE, json=application, headers=headers)
                    body = response.json()  # the whole 200 body arrived and parses
                except (httpx.TransportError, ValueError):
                    return  # the server is gone (or the answer was cut): not acknowledged
                if response.status_code != 200:
                    unexpected.append(f"{response.status_code} {response.text}")
                    return
                with lock:
                    acked[body["data"]["id"]] = application
                    in_flight_acks[0] += 1

    threads = [threading.Thread(target=client_loop, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 5
    while in_flight_acks[0] < 20 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(first.pid, signal.SIGKILL)
    first.wait_exit()
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    assert not any(t.is_alive() for t in threads)
    assert not unexpected, unexpected
    assert first.proc.returncode == -signal.SIGKILL
    assert in_flight_acks[0] > 0, "no POST was acknowledged while the clients were running"

    second = start_service(**unlimited)  # same data dir
    assert second.tokens_printed() == [], f"a new token was printed:\n{second.stderr}"
    with second.client() as http:
        for record_id, application in acked.items():
            got = http.get(f"{ROUTE}/{record_id}", headers=headers)
            assert got.status_code == 200, (record_id, got.text)
            assert got.json()["data"]["payload"] == application
        listed = http.get(ROUTE, headers=headers, params={"limit": 1})
        assert listed.status_code == 200, listed.text
        assert listed.json()["meta"]["total"] >= len(acked)
        # and the service still takes new work after the crash
        assert http.post(ROUTE, content=seed_bytes, headers=headers).status_code == 200


# --- 3, 5, 6: configured tokens, limits, the operational routes ----------------------------


@pytest.fixture(scope="module")
def configured(module_start_service: StartService) -> Service:
    """One service with CDE_API_TOKENS and a small body limit, shared by several tests
    (stopped by ``module_start_service``)."""
    return module_start_service(CDE_API_TOKENS="secret1,secret2", CDE_MAX_BODY_BYTES="4096")


def test_configured_tokens_all_work_and_none_is_generated(
    configured: Service, seed_bytes: bytes
) -> None:
    assert configured.tokens_printed() == [], configured.stderr
    assert "generated" not in configured.stderr
    with configured.client() as http:
        for token in ("secret1", "secret2"):
            headers = kocek_headers(token)
            response = http.post(ROUTE, content=seed_bytes, headers=headers)
            assert response.status_code == 200, response.text
            record_id = response.json()["data"]["id"]
            assert http.get(f"{ROUTE}/{record_id}", headers=headers).status_code == 200
        for bad in ("secret", "secret1,secret2", "secret3", "Secret1"):
            response = http.get(ROUTE, headers=kocek_headers(bad))
            assert response.status_code == 401
            assert response.json() == UNAUTHENTICATED


def test_body_limits_bad_json_and_invalid_applications(
    configured: Service, seed_bytes: bytes
) -> None:
    headers = {**kocek_headers("secret1"), "Content-Type": "application/json"}
    assert len(seed_bytes) < 4096
    with configured.client() as http:
        assert http.post(ROUTE, content=seed_bytes, headers=headers).status_code == 200
        stored_before = http.get(ROUTE, headers=headers).json()["meta"]["total"]

        big = json.loads(seed_bytes)
        big["character"]["occupation"] = "x" * 5000
        big_body = json.dumps(big).encode()
        _assert_fail_envelope(http.post(ROUTE, content=big_body, headers=headers), 413)

        def chunks() -> Iterator[bytes]:  # no Content-Length: the limit still holds
            for start in range(0, len(big_body), 1000):
                yield big_body[start : start + 1000]

        _assert_fail_envelope(http.post(ROUTE, content=chunks(), headers=headers), 413)

        for bad in (b"{", b"not json", b'{"loan_id": }', b""):
            body = _assert_fail_envelope(http.post(ROUTE, content=bad, headers=headers), 400)
            assert body["errors"], body

        invalid = json.loads(seed_bytes)
        invalid["character"]["age"] = "empat puluh"
        del invalid["loan_id"]
        response = http.post(ROUTE, json=invalid, headers=headers)
        body = _assert_fail_envelope(response, 422)
        fields = {e["field"] for e in body["errors"]}
        assert "loan_id" in fields, body
        assert all(isinstance(e["message"], str) and e["message"] for e in body["errors"])

        # none of the refused requests was stored
        assert http.get(ROUTE, headers=headers).json()["meta"]["total"] == stored_before


def test_raw_responses_and_operational_routes(configured: Service, seed_bytes: bytes) -> None:
    headers = kocek_headers("secret2")
    with configured.client() as http:
        responses = [
            http.post(ROUTE, content=seed_bytes, headers=headers),
            http.get(ROUTE, headers=headers),
            http.get(f"{ROUTE}/does-not-exist", headers=headers),
            http.get(ROUTE),
            http.get("/health"),
            http.get("/ready"),
            http.get("/openapi.json"),
        ]
        for response in responses:
            assert response.headers["content-type"] == "application/json", response.url
            assert response.headers.get("x-request-id")
        assert [r.status_code for r in responses] == [200, 200, 404, 401, 200, 200, 200]
        assert responses[4].json()["status"] == "ok"
        ready = responses[5].json()
        assert (ready["status"], ready["database"]) == ("ok", "ok")
        assert ready["queue"] == {"backend": "embedded", "ok": True, "depth": 0, "in_process": True}
        spec = responses[6].json()
        assert ROUTE in spec["paths"]
        assert f"{ROUTE}/{{record_id}}" in spec["paths"]

        docs = http.get("/docs")
        assert docs.status_code == 200
        assert docs.headers["content-type"].startswith("text/html")

        echoed = http.get("/health", headers={"X-Request-ID": "e2e-trace-1"})
        assert echoed.headers["x-request-id"] == "e2e-trace-1"


# --- 4. the service switch, across processes -----------------------------------------------


def _within_the_bound(holds: Callable[[], bool], what: str) -> float:
    """Wait until ``holds()``: a change made by another process takes effect within
    AUTH_CACHE_SECONDS (each process keeps what authentication read for that long; a
    margin for a busy machine). The seconds it took."""
    started = time.monotonic()
    deadline = started + AUTH_CACHE_SECONDS + 3.0
    while not holds():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {AUTH_CACHE_SECONDS} s (+3 s)")
        time.sleep(0.1)
    return time.monotonic() - started


def test_service_switch_from_another_process_takes_effect_within_the_bound(
    start_service: StartService, run_cli: RunCli, seed_bytes: bytes
) -> None:
    service = start_service(CDE_API_TOKENS="secret1")
    headers = kocek_headers("secret1")
    with service.client() as http:
        created = http.post(ROUTE, content=seed_bytes, headers=headers)
        assert created.status_code == 200, created.text
        record_id = created.json()["data"]["id"]

        done = run_cli("service", "disable")
        assert done.returncode == 0, done.stderr
        assert "disabled" in done.stdout

        _within_the_bound(
            lambda: http.get(ROUTE, headers=headers).status_code == 403, "service disabled"
        )
        for response in (
            http.post(ROUTE, content=seed_bytes, headers=headers),
            http.get(f"{ROUTE}/{record_id}", headers=headers),
            http.get(ROUTE, headers=headers),
        ):
            assert response.status_code == 403, response.text
            assert response.headers["content-type"] == "application/json"
            assert response.json() == SERVICE_OFF
        # authentication still comes first
        assert http.get(ROUTE).status_code == 401
        # the operational routes are not switched off
        assert http.get("/health").status_code == 200

        status = run_cli("service", "status")
        assert status.returncode == 0, status.stderr
        assert "disabled" in status.stdout

        done = run_cli("service", "enable")
        assert done.returncode == 0, done.stderr
        assert "enabled" in done.stdout
        assert "disabled" not in done.stdout

        _within_the_bound(
            lambda: http.get(ROUTE, headers=headers).status_code == 200, "service enabled"
        )
        assert http.post(ROUTE, content=seed_bytes, headers=headers).status_code == 200
        assert http.get(f"{ROUTE}/{record_id}", headers=headers).status_code == 200
        assert http.get(ROUTE, headers=headers).json()["meta"]["total"] == 2

        status = run_cli("service", "status")
        assert status.returncode == 0, status.stderr
        assert "enabled" in status.stdout
        assert "disabled" not in status.stdout


def test_service_configured_off_at_start(
    start_service: StartService, run_cli: RunCli, seed_bytes: bytes
) -> None:
    service = start_service(CDE_API_TOKENS="secret1", CDE_SERVICE_ENABLED="false")
    headers = kocek_headers("secret1")
    with service.client() as http:
        for response in (
            http.post(ROUTE, content=seed_bytes, headers=headers),
            http.get(f"{ROUTE}/any", headers=headers),
            http.get(ROUTE, headers=headers),
        ):
            assert response.status_code == 403, response.text
            assert response.json() == SERVICE_OFF
        assert http.get("/ready").status_code == 200

    status = run_cli("service", "status", CDE_SERVICE_ENABLED="false")
    assert status.returncode == 0, status.stderr
    assert "disabled" in status.stdout
    assert "CDE_SERVICE_ENABLED=false" in status.stdout


def test_invalid_settings_stop_the_start_with_a_usage_error(
    start_service: StartService, run_cli: RunCli, data_dir: Path
) -> None:
    for name, value in (("CDE_TIMEZONE", "Mars/Base"), ("CDE_MAX_BODY_BYTES", "10")):
        with pytest.raises(pytest.fail.Exception, match=rf"exited with 2(?s:.*){name}"):
            start_service(**{name: value})
        done = run_cli("service", "status", **{name: value})
        assert done.returncode == 2
        assert name in done.stderr
    assert not data_dir.exists()  # nothing was created, no token was generated


# Each child imports the package once, then for every round: says it is ready, waits for
# the round's gate to open (so that all children reach the round's fresh database at the
# same moment), runs the command and writes down its exit code.
_GATED_CLI = """
import os, pathlib, sys, time
from cde.entrypoints.cli import main
root, rounds, args = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
me = os.getpid()
for r in range(rounds):
    here = root / f"round{r}"
    (here / f"ready-{me}").touch()
    deadline = time.monotonic() + 30
    while not (here / "open").exists() and time.monotonic() < deadline:
        time.sleep(0.001)
    os.environ["CDE_DATA_DIR"] = str(here / "data")
    sys.argv = ["cde", *args]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    # written under another name, then renamed: the parent never reads a half-written file
    (here / f"partial-{me}").write_text(str(code))
    (here / f"partial-{me}").rename(here / f"exit-{me}")
"""


def _wait_for(root: Path, pattern: str, count: int, procs: list[subprocess.Popen[str]]) -> None:
    deadline = time.monotonic() + 30
    while len(list(root.glob(pattern))) < count:
        assert time.monotonic() < deadline, f"the children did not get to {pattern}"
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        time.sleep(0.01)


def test_processes_starting_together_on_a_fresh_database_all_succeed(
    tmp_path: Path, cli_env: Callable[..., dict[str, str]]
) -> None:
    rounds, count = 3, 4  # a race: a few rounds, each on a fresh data directory
    for r in range(rounds):
        (tmp_path / f"round{r}").mkdir()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _GATED_CLI, str(tmp_path), str(rounds), "service", "status"],
            env=cli_env(),
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    try:
        codes: list[str] = []
        for r in range(rounds):
            here = tmp_path / f"round{r}"
            _wait_for(here, "ready-*", count, procs)
            (here / "open").touch()
            _wait_for(here, "exit-*", count, procs)
            codes += [f.read_text() for f in here.glob("exit-*")]
        outputs = [p.communicate(timeout=30) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    errors = "\n".join(error for _, error in outputs)
    assert codes == ["0"] * rounds * count, errors
    assert all(out.count("service enabled") == rounds for out, _ in outputs), outputs
