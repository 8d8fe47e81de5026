"""``scripts/cluster``: 2 API processes and 2 ``cde worker`` processes on one PostgreSQL
database, as real processes, driven over real sockets.

One test, in order (the steps share one cluster, and one test keeps them on one xdist
worker): the cluster comes up on a fresh database (``cde_t_<hex>``, dropped at the end)
and two free ports A and B; a recommendation POSTed to A is read from B; ``cde service
disable`` (a separate process on the same database) turns both ports to 403 and ``enable``
back; a 2,000-item batch submitted to A is followed to the end through B, worked by the two
``cde worker`` processes (procrastinate's jobs table says which workers ran the jobs; the
API processes run none); a tenant with quota 20 gets exactly 20 of 40 concurrent POSTs
split across A and B; ``scripts/cluster down`` ends every process.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import psycopg
import pytest
from sqlalchemy.engine import make_url

import pg  # tests/pg.py, shared with the integration tests (pytest's pythonpath)
from cde.service.tenants import AUTH_CACHE_SECONDS
from generate_applications import generate  # benchmarks/ (pytest's pythonpath)

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e

SCRIPT = REPO / "scripts" / "cluster"
CDE = REPO / ".venv" / "bin" / "cde"
SEED = (REPO / "examples" / "seed_request.json").read_bytes()
ROUTE = "/kocek/cde/credit-recommendation"
BATCHES = "/kocek/cde/batches"
KOCEK = {"User-ID": "123", "User-Name": "Samehada", "User-Role": "Eksekutif", "IP": "127.0.0.1"}
SERVICE_OFF = "Layanan pengecekan rekomendasi pinjaman sedang tidak tersedia"
BATCH_ITEMS = 2_000
CHUNK_ITEMS = 200  # cde.service.batches.CHUNK_ITEMS: one job per 200 items
BATCH_TIMEOUT = 45.0
QUOTA = 20


def _free_ports(n: int) -> list[int]:
    sockets = []
    try:
        for _ in range(n):  # held open together, so the ports differ
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _gone(pid: int) -> bool:
    """The process has ended (a zombie not reaped yet by its new parent counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    return state in ("Z", "X")


def _is_ours(pid: int) -> bool:
    try:
        return b"cde" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


@dataclass
class Cluster:
    directory: Path
    database: str
    ports: list[int]
    env: dict[str, str]

    @property
    def url(self) -> str:
        return pg.sqlalchemy_url(self.database)

    @property
    def token(self) -> str:
        return (self.directory / "token").read_text().strip()

    def base(self, index: int) -> str:
        return f"http://127.0.0.1:{self.ports[index]}"

    def run(self, *args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SCRIPT), *args, "--dir", str(self.directory)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def cde(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A ``cde`` admin command on the cluster's database (a process of its own)."""
        env = {**self.env, "CDE_DATABASE_URL": self.url}
        return subprocess.run(
            [str(CDE), *args],
            env=env,
            cwd=self.directory,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def pids(self) -> dict[str, int]:
        found = {}
        for f in sorted((self.directory / "pids").glob("*.pid")):
            found[f.stem] = int(f.read_text().strip())
        return found

    def logs(self) -> str:
        parts = []
        for f in sorted((self.directory / "logs").glob("*.log")):
            tail = f.read_text("utf-8", "replace").splitlines()[-15:]
            parts.append(f"--- {f.name}\n" + "\n".join(tail))
        return "\n".join(parts)

    def kill_leftovers(self) -> None:
        """Last resort after a failed test: SIGKILL the processes of the pid files (ours only)."""
        for pid in self.pids().values():
            if not _gone(pid) and _is_ours(pid):
                os.kill(pid, signal.SIGKILL)


def _server(admin: str) -> str:
    """``user[:password]@host:port`` of the test server, for ``scripts/cluster --server``."""
    url = make_url(admin)
    auth = url.username or "postgres"
    if url.password:
        auth += f":{url.password}"
    return f"{auth}@{url.host or '127.0.0.1'}:{url.port or 5432}"


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    pg.require_postgres()
    if not CDE.exists():
        pytest.skip(f"{CDE} is missing (make setup)")
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("CDE_")}
    env["CLUSTER_PG_SERVER"] = _server(pg.admin_dsn())
    env["CDE_LOG_LEVEL"] = "warning"
    database = f"{pg.DATABASE_PREFIX}{uuid.uuid4().hex}"
    made = Cluster(tmp_path / "cluster", database, _free_ports(2), env)
    try:
        yield made
    finally:
        if (made.directory / "pids").exists():
            made.run("down", "--timeout", "5", timeout=30)
            made.kill_leftovers()
        pg.drop_database(database)


def _post(client: httpx.Client, token: str, body: bytes = SEED) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", **KOCEK}
    return client.post(ROUTE, content=body, headers=headers)


def _jobs(cluster: Cluster) -> tuple[dict[str, int], set[int], set[int]]:
    """procrastinate's jobs by status, the workers that ran the succeeded ones, the live
    workers."""
    with psycopg.connect(pg.dsn(cluster.database), connect_timeout=3) as conn:
        by_status = {
            str(status): int(n)
            for status, n in conn.execute(
                "SELECT status, count(*) FROM procrastinate_jobs GROUP BY status"
            )
        }
        ran = {
            int(w)
            for (w,) in conn.execute(
                "SELECT DISTINCT worker_id FROM procrastinate_jobs"
                " WHERE status = 'succeeded' AND worker_id IS NOT NULL"
            )
        }
        live = {int(w) for (w,) in conn.execute("SELECT id FROM procrastinate_workers")}
    return by_status, ran, live


def _within_the_bound(holds: Callable[[], bool]) -> None:
    """Wait until ``holds()``, for at most AUTH_CACHE_SECONDS (+3 s for a busy machine)."""
    deadline = time.monotonic() + AUTH_CACHE_SECONDS + 3.0
    while not holds():
        assert time.monotonic() < deadline, f"not within {AUTH_CACHE_SECONDS} s (+3 s)"
        time.sleep(0.1)


def test_two_api_processes_and_two_workers_share_one_database(cluster: Cluster) -> None:
    a, b = cluster.ports
    started = time.monotonic()

    # --- up ---------------------------------------------------------------------------------
    up = cluster.run("up", "--db", cluster.database, "--ports", f"{a},{b}", "--workers", "2")
    assert up.returncode == 0, up.stdout + up.stderr + cluster.logs()
    token = cluster.token
    assert token.startswith("cde_")
    assert token in up.stdout  # printed, with the URLs and how to stop
    assert f"http://127.0.0.1:{a}" in up.stdout
    assert f"http://127.0.0.1:{b}" in up.stdout
    assert "scripts/cluster down" in up.stdout
    pids = cluster.pids()
    assert set(pids) == {f"api-{a}", f"api-{b}", "worker-1", "worker-2"}
    assert all(not _gone(pid) for pid in pids.values())
    status = cluster.run("status")
    assert status.returncode == 0, status.stdout + status.stderr
    assert "heartbeating: 2" in status.stdout

    auth = {"Authorization": f"Bearer {token}", **KOCEK}
    with (
        httpx.Client(base_url=cluster.base(0), timeout=15) as api_a,
        httpx.Client(base_url=cluster.base(1), timeout=15) as api_b,
    ):
        for api in (api_a, api_b):
            ready = api.get("/ready")
            assert ready.status_code == 200
            queue = ready.json()["queue"]
            assert queue["backend"] == "procrastinate"
            assert queue["in_process"] is False  # the API processes run no jobs

        # --- a record written through A is read through B ------------------------------------
        created = _post(api_a, token)
        assert created.status_code == 200, created.text
        record_id = created.json()["data"]["id"]
        read = api_b.get(f"{ROUTE}/{record_id}", headers=auth)
        assert read.status_code == 200, read.text
        assert read.json()["data"]["id"] == record_id
        assert read.json()["data"]["payload"] == orjson.loads(SEED)
        listed = api_b.get(ROUTE, headers=auth).json()
        assert [item["id"] for item in listed["data"]] == [record_id]

        # --- the service switch, from another process, holds on both ports -----------------
        # (within AUTH_CACHE_SECONDS: each process keeps what authentication read that long)
        off = cluster.cde("service", "disable")
        assert off.returncode == 0, off.stdout + off.stderr
        for api in (api_a, api_b):
            _within_the_bound(
                lambda api=api: api.get(f"{ROUTE}/{record_id}", headers=auth).status_code == 403
            )
            refused = _post(api, token)
            assert refused.status_code == 403, refused.text
            expected = {"error": SERVICE_OFF, "message": SERVICE_OFF, "status": "fail"}
            assert refused.json() == expected
            assert api.get(f"{ROUTE}/{record_id}", headers=auth).status_code == 403
        on = cluster.cde("service", "enable")
        assert on.returncode == 0, on.stdout + on.stderr
        for api in (api_a, api_b):
            _within_the_bound(
                lambda api=api: api.get(f"{ROUTE}/{record_id}", headers=auth).status_code == 200
            )
            assert _post(api, token).status_code == 200

        # --- a batch submitted to A, followed through B, worked by the 2 workers -----------
        body = b"".join(orjson.dumps(app) + b"\n" for app in generate(BATCH_ITEMS, 5))
        submitted = api_a.post(
            BATCHES, content=body, headers={**auth, "Content-Type": "application/x-ndjson"}
        )
        assert submitted.status_code == 202, submitted.text
        batch_id = submitted.json()["data"]["id"]
        deadline = time.monotonic() + BATCH_TIMEOUT
        seen = set()
        while True:
            progress = api_b.get(f"{BATCHES}/{batch_id}", headers=auth)
            assert progress.status_code == 200, progress.text
            data = progress.json()["data"]
            seen.add(data["status"])
            if data["status"] == "done":
                break
            assert time.monotonic() < deadline, f"batch not done in time: {data}\n{cluster.logs()}"
            time.sleep(0.5)
        assert data["total"] == BATCH_ITEMS
        assert data["done"] + data["failed"] == BATCH_ITEMS
        assert data["failed"] == 0, data
        assert data["pending"] == 0
        assert sum(data["summary"]["outcomes"].values()) == BATCH_ITEMS
        lines = api_b.get(f"{BATCHES}/{batch_id}/results", headers=auth).content.splitlines()
        assert len(lines) == BATCH_ITEMS
        assert {orjson.loads(line)["status"] for line in lines} == {"done"}

        by_status, ran, live = _jobs(cluster)
        assert by_status == {"succeeded": BATCH_ITEMS // CHUNK_ITEMS}, by_status
        assert len(live) == 2, live  # the two `cde worker` processes, heartbeating
        assert ran == live, f"jobs ran on workers {ran}, live workers {live}"

        # --- a quota of 20 holds across both processes --------------------------------------
        made = cluster.cde("tenant", "create", "KSP Kuota Dua Puluh", "--quota", str(QUOTA))
        assert made.returncode == 0, made.stdout + made.stderr
        key = made.stdout.strip().splitlines()[-1]

        def attempt(index: int) -> int:
            api = api_a if index % 2 == 0 else api_b
            return _post(api, key).status_code

        with ThreadPoolExecutor(max_workers=40) as pool:
            codes = list(pool.map(attempt, range(2 * QUOTA)))
        assert sorted(codes) == [200] * QUOTA + [403] * QUOTA, codes
        quota = api_b.get("/kocek/quota", headers={**auth, "Authorization": f"Bearer {key}"})
        assert quota.json()["data"]["used_quota"] == QUOTA
        assert quota.json()["data"]["remaining_quota"] == 0

    # --- down ---------------------------------------------------------------------------------
    down = cluster.run("down")
    assert down.returncode == 0, down.stdout + down.stderr
    deadline = time.monotonic() + 5
    while not all(_gone(pid) for pid in pids.values()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(_gone(pid) for pid in pids.values()), pids
    for port in (a, b):
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
    assert cluster.run("status").returncode == 3
    assert time.monotonic() - started < 90
