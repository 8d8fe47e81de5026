"""Fault tests with real processes: a worker killed in the middle of a 10,000-item batch
(SQLite and PostgreSQL), the API killed under load (PostgreSQL; the SQLite variant is in
``test_service_process.py``), and PostgreSQL itself stopped under load and started again.

Every process is started by the test and ended by the test, by its pid. The PostgreSQL
variants use databases ``cde_b_<hex>`` on the shared server (127.0.0.1:5432, or
``TEST_POSTGRES_DSN``), dropped ``WITH (FORCE)`` at the end; the "stop PostgreSQL" test
runs its own private PostgreSQL instance (initdb into a temporary directory, on a free
port) and never touches the shared server.

Killing a worker mid-job, deterministically: the victim is frozen (SIGSTOP), and killed
(SIGKILL) only if the database shows it holding a job at that moment; otherwise it is
thawed (SIGCONT) and tried again a moment later. So every run really exercises a job
taken over from a dead worker: the embedded queue's lease running out (SQLite) or
procrastinate's stalled-worker recovery (PostgreSQL).
"""

from __future__ import annotations

import contextlib
import copy
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import orjson
import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from generate_applications import generate  # benchmarks/ (pytest's pythonpath)
from processes import terminate  # tests/ (pytest's pythonpath)

if TYPE_CHECKING:  # the fixtures' types; at run time pytest provides the fixtures
    from conftest import Service, StartService

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "from cde.entrypoints.cli import main; main()"]
BATCHES = "/kocek/cde/batches"
ROUTE = "/kocek/cde/credit-recommendation"
TOKEN = "e2e-fault-token"
HEADERS = {
    "Authorization": f"Bearer {TOKEN}",
    "User-ID": "123",
    "User-Name": "Samehada",
    "User-Role": "Eksekutif",
    "IP": "127.0.0.1",
}
UNAVAILABLE_ID = "Layanan sementara tidak tersedia (basis data tidak terjangkau); coba lagi nanti"

VALID_ITEMS = 10_000
KILL_AFTER_DONE = 2_000
BATCH_TIMEOUT = 150.0  # seconds for the whole batch, kill and takeover included

PG_BIN = Path("/usr/lib/postgresql/15/bin")
_DEFAULT_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE_PREFIX = "cde_b_"


# --- processes ----------------------------------------------------------------------------------


def child_env(data_dir: Path, **overrides: str) -> dict[str, str]:
    """A clean environment: no CDE_* of the caller, the test's data directory."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("CDE_")}
    env["CDE_DATA_DIR"] = str(data_dir)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(overrides)
    return env


class Worker:
    """One ``cde worker`` process; its output goes to a file (never a pipe nobody reads)."""

    def __init__(self, env: dict[str, str], cwd: Path, concurrency: int = 1) -> None:
        self.log = cwd / f"worker-{uuid.uuid4().hex[:8]}.log"
        self._out = self.log.open("wb")
        self.proc = subprocess.Popen(
            [*CLI, "worker", "--concurrency", str(concurrency)],
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def name(self) -> str:
        return f"cde-worker-{self.pid}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGCONT)  # in case it was left frozen
        terminate(self.proc)
        self._out.close()


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def start(env: dict[str, str], concurrency: int = 1) -> Worker:
        worker = Worker(env, tmp_path, concurrency)
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()


def kill_while_holding_a_job(victim: Worker, holds_job: Callable[[], bool]) -> None:
    """SIGKILL ``victim`` at a moment it holds a job (frozen, then checked, then killed)."""
    deadline = time.monotonic() + 30
    while True:
        assert victim.alive(), f"the worker died by itself:\n{victim.output()}"
        os.kill(victim.pid, signal.SIGSTOP)
        if holds_job():
            os.kill(victim.pid, signal.SIGKILL)
            victim.proc.wait(timeout=10)
            assert victim.proc.returncode == -signal.SIGKILL
            return
        os.kill(victim.pid, signal.SIGCONT)
        assert time.monotonic() < deadline, "the worker never held a job"
        time.sleep(0.02)


# --- PostgreSQL -----------------------------------------------------------------------------------


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
def pg_url() -> Iterator[str]:
    """A fresh database ``cde_b_<hex>`` on the shared server; its SQLAlchemy URL."""
    require_postgres()
    name = f"{DATABASE_PREFIX}{uuid.uuid4().hex}"
    with _admin() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = make_url(admin_dsn()).set(drivername="postgresql+psycopg", database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        with _admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# --- the batch ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BigBatch:
    body: bytes
    loan_ids: frozenset[str]  # of the valid applications
    total: int
    invalid: int


@pytest.fixture(scope="module")
def big_batch() -> BigBatch:
    """10,000 valid applications, with 25 invalid ones and 2 unreadable lines among them."""
    apps = list(generate(VALID_ITEMS, 2024))
    lines: list[bytes] = []
    invalid = 0
    for n, app in enumerate(apps):
        lines.append(orjson.dumps(app))
        if n % 400 == 199:
            bad = copy.deepcopy(app)
            bad["loan_id"] = f"invalid-{n}"
            bad["application"]["plafon"] = "banyak"
            lines.append(orjson.dumps(bad))
            invalid += 1
        if n in (3_333, 7_777):
            lines.append(b'{"loan_id": "cut off')
            invalid += 1
    assert invalid == 27
    return BigBatch(
        body=b"\n".join(lines) + b"\n",
        loan_ids=frozenset(a["loan_id"] for a in apps),
        total=len(lines),
        invalid=invalid,
    )


def submit(http: httpx.Client, body: bytes) -> str:
    response = http.post(
        BATCHES,
        content=body,
        headers={**HEADERS, "Content-Type": "application/x-ndjson"},
        timeout=120,
    )
    assert response.status_code == 202, response.text
    return str(response.json()["data"]["id"])


def progress(http: httpx.Client, batch_id: str) -> dict[str, Any]:
    response = http.get(f"{BATCHES}/{batch_id}", headers=HEADERS, timeout=30)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def wait_until(
    http: httpx.Client,
    batch_id: str,
    done: Callable[[dict[str, Any]], bool],
    deadline: float,
    workers: list[Worker],
) -> dict[str, Any]:
    while True:
        view = progress(http, batch_id)
        if done(view):
            return view
        for worker in workers:
            assert worker.alive(), f"a worker died:\n{worker.output()}"
        assert time.monotonic() < deadline, f"the batch did not get there in time: {view}"
        time.sleep(0.2)


def check_the_batch_completed_exactly_once(
    http: httpx.Client,
    batch_id: str,
    batch: BigBatch,
    recommendation_rows: list[tuple[str, str]],
) -> None:
    """Done, every valid item stored exactly once (``recommendation_rows``: (id, loan_id)
    of every stored recommendation), and the results stream agrees."""
    view = progress(http, batch_id)
    assert view["status"] == "done", view
    assert (view["total"], view["done"], view["failed"], view["pending"]) == (
        batch.total,
        VALID_ITEMS,
        batch.invalid,
        0,
    )
    assert sum(view["summary"]["outcomes"].values()) == VALID_ITEMS

    loan_ids = [loan for _, loan in recommendation_rows]
    assert len(loan_ids) == VALID_ITEMS, "an item was stored twice or not at all"
    assert set(loan_ids) == batch.loan_ids
    assert len({rid for rid, _ in recommendation_rows}) == VALID_ITEMS

    response = http.get(f"{BATCHES}/{batch_id}/results", headers=HEADERS, timeout=120)
    assert response.status_code == 200
    lines = [orjson.loads(line) for line in response.content.splitlines()]
    assert [line["seq"] for line in lines] == list(range(1, batch.total + 1))
    done_lines = [line for line in lines if line["status"] == "done"]
    assert {line["id"] for line in done_lines} == {rid for rid, _ in recommendation_rows}
    assert len(done_lines) == VALID_ITEMS
    assert sum(1 for line in lines if line["status"] == "failed") == batch.invalid


# --- 1. a worker killed in the middle of a 10,000-item batch -------------------------------------


def test_a_worker_killed_mid_batch_on_sqlite_loses_and_doubles_nothing(
    start_service: StartService,
    start_worker: Callable[..., Worker],
    data_dir: Path,
    big_batch: BigBatch,
) -> None:
    settings = {
        "CDE_API_TOKENS": TOKEN,
        "CDE_RATE_LIMIT_PER_MINUTE": "0",
        "CDE_RUN_JOBS_IN_PROCESS": "false",
        "CDE_JOB_LEASE_SECONDS": "3",
    }
    api = start_service(**settings)
    env = child_env(data_dir, **settings)
    victim, survivor = start_worker(env), start_worker(env)
    database = data_dir / "cde.db"

    def read(query: str, *args: Any) -> list[Any]:
        db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
        try:
            return db.execute(query, args).fetchall()
        finally:
            db.close()

    def held_by_victim() -> list[int]:
        rows = read(
            "SELECT id FROM jobs WHERE status = 'running' AND worker LIKE ?", f"{victim.name}-%"
        )
        return [int(r[0]) for r in rows]

    started = time.monotonic()
    deadline = started + BATCH_TIMEOUT
    with api.client(timeout=30) as http:
        batch_id = submit(http, big_batch.body)
        wait_until(http, batch_id, lambda v: v["done"] > KILL_AFTER_DONE, deadline, [victim])
        kill_while_holding_a_job(victim, lambda: bool(held_by_victim()))
        killed_at = progress(http, batch_id)
        held = read(
            "SELECT id, args, leased_until FROM jobs WHERE status = 'running' AND worker LIKE ?",
            f"{victim.name}-%",
        )
        assert held, "the victim held no job when it was killed"
        assert killed_at["pending"] > 0, "the batch was over before the kill"

        wait_until(http, batch_id, lambda v: v["status"] == "done", deadline, [survivor])
        elapsed = time.monotonic() - started

        rows = read("SELECT id, loan_id FROM recommendations")
        check_the_batch_completed_exactly_once(http, batch_id, big_batch, rows)

    # the victim's jobs were taken over once their lease ran out, and finished
    for job_id, _, _ in held:
        ((status, worker, attempts),) = read(
            "SELECT status, worker, attempts FROM jobs WHERE id = ?", job_id
        )
        assert status == "done"
        assert worker.startswith(f"{survivor.name}-")
        assert attempts >= 2
    assert read("SELECT count(*) FROM jobs WHERE status != 'done'") == [(0,)]
    print(f"sqlite: batch of {big_batch.total} with a killed worker done in {elapsed:.1f} s")


def test_a_worker_killed_mid_batch_on_postgresql_loses_and_doubles_nothing(
    pg_url: str,  # first: its database is dropped after the processes on it were stopped
    start_service: StartService,
    start_worker: Callable[..., Worker],
    data_dir: Path,
    big_batch: BigBatch,
) -> None:
    settings = {
        "CDE_API_TOKENS": TOKEN,
        "CDE_RATE_LIMIT_PER_MINUTE": "0",
        "CDE_DATABASE_URL": pg_url,
        "CDE_JOB_STALLED_SECONDS": "4",
    }
    api = start_service(**settings)  # runs the migrations (procrastinate's schema too)
    env = child_env(data_dir, **settings)

    def read(query: str, *args: Any) -> list[Any]:
        with psycopg.connect(libpq(pg_url), autocommit=True, connect_timeout=5) as conn:
            return conn.execute(query, args).fetchall()

    def worker_ids() -> set[int]:
        return {int(r[0]) for r in read("SELECT id FROM procrastinate_workers")}

    def started_worker(known: set[int]) -> tuple[Worker, int]:
        """A new worker and its procrastinate worker id (the row it adds on start)."""
        worker = start_worker(env)
        deadline = time.monotonic() + 30
        while not (worker_ids() - known):
            assert worker.alive(), worker.output()
            assert time.monotonic() < deadline, "the worker never registered"
            time.sleep(0.05)
        (new_id,) = worker_ids() - known
        return worker, new_id

    victim, victim_id = started_worker(worker_ids())
    survivor, _ = started_worker(worker_ids())

    def held_by_victim() -> list[int]:
        rows = read(
            "SELECT id FROM procrastinate_jobs WHERE status = 'doing' AND worker_id = %s",
            victim_id,
        )
        return [int(r[0]) for r in rows]

    started = time.monotonic()
    deadline = started + BATCH_TIMEOUT
    with api.client(timeout=30) as http:
        batch_id = submit(http, big_batch.body)
        wait_until(http, batch_id, lambda v: v["done"] > KILL_AFTER_DONE, deadline, [victim])
        kill_while_holding_a_job(victim, lambda: bool(held_by_victim()))
        held = held_by_victim()
        assert held, "the victim held no job when it was killed"
        assert progress(http, batch_id)["pending"] > 0, "the batch was over before the kill"

        wait_until(http, batch_id, lambda v: v["status"] == "done", deadline, [survivor])
        elapsed = time.monotonic() - started

        rows = read("SELECT id, loan_id FROM recommendations")
        check_the_batch_completed_exactly_once(http, batch_id, big_batch, rows)

    # the victim's jobs were re-queued by the survivor's recovery and run again, to success
    for job_id in held:
        ((status,),) = read("SELECT status FROM procrastinate_jobs WHERE id = %s", job_id)
        assert status == "succeeded"
        starts = read(
            "SELECT count(*) FROM procrastinate_events WHERE job_id = %s AND type = 'started'",
            job_id,
        )
        assert starts[0][0] >= 2
    left = read(
        "SELECT status, count(*) FROM procrastinate_jobs WHERE status != 'succeeded' "
        "GROUP BY status"
    )
    assert left == []
    print(f"postgresql: batch of {big_batch.total} with a killed worker done in {elapsed:.1f} s")


# --- 2. the API killed under load, on PostgreSQL -------------------------------------------------


@dataclass
class Load:
    """Client threads POSTing applications until stopped; what they saw."""

    http_base: str
    seed: dict[str, Any]
    threads: int = 4
    timeout: float = 15.0
    acked: dict[str, dict[str, Any]] = field(default_factory=dict)
    answers: list[tuple[float, int, str, float]] = field(
        default_factory=list
    )  # at, status, body, seconds
    transport_errors: list[tuple[float, str]] = field(default_factory=list)
    stop_on_transport_error: bool = True
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _running: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        for n in range(self.threads):
            thread = threading.Thread(target=self._loop, args=(n,), daemon=True)
            thread.start()
            self._running.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._running:
            thread.join(timeout=self.timeout + 5)
        assert not any(t.is_alive() for t in self._running), "a client thread hung"

    def acks(self) -> int:
        with self._lock:
            return len(self.acked)

    def statuses_since(self, since: float) -> list[int]:
        with self._lock:
            return [status for at, status, _, _ in self.answers if at >= since]

    def _loop(self, worker: int) -> None:
        n = 0
        with httpx.Client(base_url=self.http_base, timeout=self.timeout) as http:
            while not self._stop.is_set():
                application = copy.deepcopy(self.seed)
                application["loan_id"] = f"load-{worker}-{n:06d}-{uuid.uuid4().hex[:6]}"
                n += 1
                sent = time.monotonic()
                try:
                    response = http.post(ROUTE, json=application, headers=HEADERS)
                    text = response.text
                    body = response.json()
                except (httpx.TransportError, ValueError) as exc:
                    with self._lock:
                        self.transport_errors.append((sent, f"{type(exc).__name__}: {exc}"))
                    if self.stop_on_transport_error:
                        return
                    time.sleep(0.05)
                    continue
                took = time.monotonic() - sent
                with self._lock:
                    self.answers.append((sent, response.status_code, text, took))
                    if response.status_code == 200:
                        self.acked[body["data"]["id"]] = application
                if response.status_code != 200:
                    time.sleep(0.02)  # a refusing server is not hammered


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def check_readable(service: Service, acked: dict[str, dict[str, Any]]) -> None:
    with service.client(timeout=30) as http:
        for record_id, application in acked.items():
            got = http.get(f"{ROUTE}/{record_id}", headers=HEADERS)
            assert got.status_code == 200, (record_id, got.text)
            assert got.json()["data"]["payload"] == application


def test_every_acknowledged_record_survives_sigkill_of_the_api_on_postgresql(
    pg_url: str, start_service: StartService, seed_bytes: bytes
) -> None:
    settings = {"CDE_API_TOKENS": TOKEN, "CDE_RATE_LIMIT_PER_MINUTE": "0"}
    first = start_service(CDE_DATABASE_URL=pg_url, **settings)
    load = Load(first.base_url, orjson.loads(seed_bytes))
    load.start()
    try:
        wait_for(lambda: load.acks() >= 60, 30, "acknowledged POSTs")
        os.kill(first.pid, signal.SIGKILL)
        first.wait_exit()
    finally:
        load.stop()
    assert first.proc.returncode == -signal.SIGKILL
    # until the kill every answer was a 200; after it, the connections just broke
    assert {status for _, status, _, _ in load.answers} == {200}, load.answers[-3:]
    assert load.acks() >= 60

    second = start_service(CDE_DATABASE_URL=pg_url, **settings)
    check_readable(second, load.acked)
    with second.client() as http:
        listed = http.get(ROUTE, headers=HEADERS, params={"limit": 1})
        assert listed.json()["meta"]["total"] >= len(load.acked)
        assert http.post(ROUTE, content=seed_bytes, headers=HEADERS).status_code == 200


# --- 3. PostgreSQL stopped under load, and started again ---------------------------------------


class PrivatePostgres:
    """A PostgreSQL instance of the test's own: initdb into a temporary directory, on a
    free port, its socket in that directory. Run as the ``postgres`` user when the test
    runs as root (initdb refuses root)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="cde-faults-pg-"))
        self.data = self.root / "data"
        self.logfile = self.root / "postgres.log"
        self._as: list[str] = []
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None:
                raise RuntimeError("running as root and no runuser to run initdb as postgres")
            self._as = [runuser, "-u", "postgres", "--"]
            shutil.chown(self.root, user="postgres", group="postgres")
        self._run(
            str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
            "--no-sync", "-E", "UTF8",
        )  # fmt: skip

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            [*self._as, *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=self.root,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}):\n{done.stdout}{done.stderr}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=50"
        )
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.logfile),
            "-o", options, "-w", "-t", "30", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def log(self) -> str:
        try:
            return self.logfile.read_text(errors="replace")
        except OSError:
            return ""

    def remove(self) -> None:
        if self.running():
            with contextlib.suppress(RuntimeError):
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"no PostgreSQL binaries in {PG_BIN}: cannot run a private instance")
    try:
        instance = PrivatePostgres(_free_port())
    except (RuntimeError, OSError, LookupError) as exc:
        pytest.skip(f"cannot initdb a private PostgreSQL instance here: {exc}")
    try:
        try:
            instance.start()
        except RuntimeError as exc:
            pytest.skip(f"cannot start a private PostgreSQL instance here: {exc}")
        yield instance
    finally:
        instance.remove()


def _check_unavailable(status: int, text: str, took: float) -> None:
    assert status == 503, (status, text)
    assert took < 10, f"an answer took {took:.1f} s"
    body = orjson.loads(text)
    assert body["status"] == "fail"
    assert body["message"] == UNAVAILABLE_ID
    assert isinstance(body["error"], str)
    assert body["error"]


def test_postgresql_stopped_under_load_gives_503s_and_the_service_recovers_by_itself(
    private_postgres: PrivatePostgres, start_service: StartService, seed_bytes: bytes
) -> None:
    pg = private_postgres
    name = f"{DATABASE_PREFIX}{uuid.uuid4().hex}"
    admin = f"postgresql://postgres@127.0.0.1:{pg.port}/postgres"
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    api = start_service(
        CDE_DATABASE_URL=pg.url(name), CDE_API_TOKENS=TOKEN, CDE_RATE_LIMIT_PER_MINUTE="0"
    )
    load = Load(api.base_url, orjson.loads(seed_bytes), threads=3, stop_on_transport_error=False)
    load.start()
    try:
        wait_for(lambda: load.acks() >= 30, 30, "acknowledged POSTs before the stop")
        stopped_at = time.monotonic()
        pg.stop("fast")
        # requests keep coming while the database is away: 503s, quickly
        wait_for(lambda: load.statuses_since(stopped_at + 0.5).count(503) >= 10, 20, "503s")
        with api.client(timeout=10) as http:
            sent = time.monotonic()
            ready = http.get("/ready")
            assert time.monotonic() - sent < 10
            assert ready.status_code == 503, ready.text
            assert ready.json()["status"] == "unavailable"
            assert ready.json()["database"] == "unreachable"
            for path in (ROUTE, f"{ROUTE}/{next(iter(load.acked))}", f"{BATCHES}/x"):
                sent = time.monotonic()
                response = http.get(path, headers=HEADERS)
                _check_unavailable(response.status_code, response.text, time.monotonic() - sent)
            sent = time.monotonic()
            response = http.post(
                BATCHES, content=seed_bytes.replace(b"\n", b" ") + b"\n", headers=HEADERS
            )
            _check_unavailable(response.status_code, response.text, time.monotonic() - sent)
            assert http.get("/health").status_code == 200  # alive, just not ready

        acks_while_down = load.acks()
        restarted_at = time.monotonic()
        pg.start()
        # the same process recovers by itself: 200s again, and ready
        wait_for(lambda: 200 in load.statuses_since(restarted_at), 30, "a 200 after the restart")
        with api.client(timeout=10) as http:
            wait_for(lambda: http.get("/ready").status_code == 200, 30, "/ready 200")
        wait_for(lambda: load.acks() >= acks_while_down + 20, 30, "more acknowledged POSTs")
    finally:
        load.stop()
    assert api.proc.poll() is None, "the service process died"

    # never a 500, never anything but 200 or the 503 envelope, never a hang
    for _, status, text, took in load.answers:
        assert took < 10, f"an answer took {took:.1f} s"
        if status != 200:
            _check_unavailable(status, text, took)
    assert not load.transport_errors, load.transport_errors[:5]
    statuses = [status for _, status, _, _ in load.answers]
    assert statuses.count(503) >= 10
    # and every acknowledged record is there
    check_readable(api, load.acked)
    with api.client() as http:
        ready = http.get("/ready")
        assert ready.status_code == 200, ready.text
