"""Scale-out benchmark (issue 5): POST throughput on SQLite and PostgreSQL with 1 and 2 API
processes, and batch throughput with 1 and 2 ``cde worker`` processes, in one run.

    .venv/bin/python benchmarks/bench_scale.py [--duration 10] [--concurrency 32]
        [--items 10000] [--rounds 1] [--tool auto|wrk|python] [--postgres DSN] [--quick]

(a) **POST throughput.** Three services, each a real ``cde serve`` child process on
    127.0.0.1 with ``CDE_API_TOKENS=bench-token`` and the per-tenant rate limit off
    (``CDE_RATE_LIMIT_PER_MINUTE=0``):

    - ``sqlite-1``: SQLite (a fresh temporary data directory, ``synchronous=FULL``, the
      default), one API process, jobs in process (the embedded default) — the baseline;
    - ``postgres-1``: PostgreSQL (a fresh database), one API process;
    - ``postgres-2``: PostgreSQL (a fresh database), ``cde serve --workers 2``.

    Each is loaded with ``POST /kocek/cde/credit-recommendation`` and the seed body
    (``examples/seed_request.json``) and the Kocek headers, ``--concurrency`` keep-alive
    connections for ``--duration`` seconds after a warm-up, by ``wrk`` when it is installed
    (else the asyncio + httpx generator of ``bench_http.py`` in a separate process). Prints
    req/s, p50, p99, errors, the CPU of the service's processes and of the whole machine
    during the phase, and the ratios to ``sqlite-1``. With ``--rounds N`` the three
    services are measured N times in turn and each figure is the median.
    Afterwards every acknowledged recommendation must be in its database.

(b) **Batch throughput.** One API process on a fresh PostgreSQL database with
    ``CDE_RUN_JOBS_IN_PROCESS=false``; first 1, then 2 ``cde worker`` processes (each
    ``--concurrency 1``, started and heartbeating before the batch is sent). A batch of
    ``--items`` generated applications (``benchmarks/generate_applications.py``) is
    POSTed to ``/kocek/cde/batches`` and followed with ``GET /kocek/cde/batches/{id}``
    until ``done``: items/s from the POST to done, the workers' CPU per item, how many
    jobs ran on how many workers, and the scaling ratio 2 workers / 1 worker.

The databases are ``cde_bench_<hex>`` on the server of ``--postgres`` (default
``$BENCH_POSTGRES_DSN``, else ``postgresql://postgres@127.0.0.1:5432/postgres``), created
for the run and dropped ``WITH (FORCE)`` at its end. ``--quick``: 2 s phases after a 1 s
warm-up, concurrency 8, a 2,000-item batch — a smoke run. Exit status 0 when every request
and every item succeeded, 1 when any failed or an acknowledged record is missing, 2 when
the run could not be made.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import bench_http as hb  # noqa: E402  (the load generators and their figures)
from generate_applications import generate  # noqa: E402

HOST = "127.0.0.1"
MAIN = "from cde.entrypoints.cli import main; main()"
ROUTE = "/kocek/cde/credit-recommendation"
BATCHES = "/kocek/cde/batches"
DEFAULT_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
DB_PREFIX = "cde_bench_"
STARTUP_TIMEOUT = 60.0
BATCH_TIMEOUT = 900.0
SERVICES = ("sqlite-1", "postgres-1", "postgres-2")


class BenchError(Exception):
    """The run could not be made."""


# --- processes ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process and its descendants so far (Linux; None elsewhere)."""
    if not Path("/proc/self/stat").exists():
        return None
    tree = _children()
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        total += _cpu_of(current)
        stack.extend(tree.get(current, []))
    return total


def machine_busy() -> tuple[float, float] | None:
    """(busy, total) CPU jiffies of the whole machine so far, from /proc/stat."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except OSError:
        return None
    values = [int(v) for v in first[1:9]]  # user nice system idle iowait irq softirq steal
    idle = values[3] + values[4]
    return float(sum(values) - idle), float(sum(values))


@dataclass
class CpuSnapshot:
    at: float
    service: float | None  # CPU seconds of the measured processes (and their children)
    db: dict[int, float] | None  # CPU seconds of each PostgreSQL backend of the database
    machine: tuple[float, float] | None


def snapshot(
    pids: list[int], pg: Postgres | None = None, database: str | None = None
) -> CpuSnapshot:
    service: float | None = None
    parts = [tree_cpu_seconds(pid) for pid in pids]
    if parts and None not in parts:
        service = sum(p for p in parts if p is not None)
    db = None
    if pg is not None and database is not None:
        with contextlib.suppress(Exception):
            backends = pg.backend_pids(database)
            if backends and all(Path(f"/proc/{pid}/stat").exists() for pid in backends):
                db = {pid: _cpu_of(pid) for pid in backends}  # the server is on this machine
    return CpuSnapshot(time.perf_counter(), service, db, machine_busy())


def cores(
    before: CpuSnapshot, after: CpuSnapshot
) -> tuple[float | None, float | None, float | None]:
    """Cores used between two snapshots: the processes, the database backends, the machine."""
    elapsed = after.at - before.at
    if elapsed <= 0:
        return None, None, None
    service = None
    if before.service is not None and after.service is not None:
        service = (after.service - before.service) / elapsed
    db = None
    if before.db is not None and after.db is not None:
        used = sum(cpu - before.db.get(pid, 0.0) for pid, cpu in after.db.items())
        db = used / elapsed
    machine = None
    if before.machine and after.machine and after.machine[1] > before.machine[1]:
        share = (after.machine[0] - before.machine[0]) / (after.machine[1] - before.machine[1])
        machine = share * (os.cpu_count() or 1)
    return service, db, machine


def _cpu_text(parts: list[tuple[str, float | None]], machine: float | None) -> str:
    """``  server CPU 0.80  db CPU 0.20  machine CPU 1.95 (rest 0.95)``: cores; the rest is
    everything else the machine ran meanwhile (other work, PostgreSQL's background
    processes, the kernel, this script)."""
    text = "".join(f"  {name} CPU {value:4.2f}" for name, value in parts if value is not None)
    if machine is not None:
        known = sum(value for _, value in parts if value is not None)
        text += f"  machine CPU {machine:4.2f} (rest {max(machine - known, 0.0):4.2f})"
    return text


def children_cpu_seconds() -> float:
    """User + system CPU of this process's finished children (the load generator)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Proc:
    """A ``cde`` child process with its output in a log file."""

    def __init__(self, workdir: Path, name: str, args: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.log_path = workdir / f"{name}.log"
        self._log = self.log_path.open("wb")
        # cwd = the temporary directory, so that no stray .env file changes the settings
        self.proc = subprocess.Popen(
            [sys.executable, "-c", MAIN, *args],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def cpu_seconds(self) -> float | None:
        return tree_cpu_seconds(self.pid)

    def log_tail(self, lines: int = 25) -> str:
        self._log.flush()
        text = self.log_path.read_text("utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise BenchError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")

    def stop(self, sig: int = signal.SIGTERM, grace: float = 20.0) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._log.close()


def _env(data_dir: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("CDE_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(
        {
            "CDE_DATA_DIR": str(data_dir),
            "CDE_API_TOKENS": hb.TOKEN,
            "CDE_RATE_LIMIT_PER_MINUTE": "0",
            "CDE_LOG_LEVEL": "warning",
            "PYTHONIOENCODING": "utf-8",
        }
    )
    env.update(settings)
    return env


class Api(Proc):
    def __init__(
        self, workdir: Path, name: str, database_url: str | None, workers: int, **settings: str
    ) -> None:
        self.port = _free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.database_url = database_url
        self.data_dir = workdir / f"{name}-data"
        if database_url:
            settings["CDE_DATABASE_URL"] = database_url
        args = ["serve", "--host", HOST, "--port", str(self.port), "--workers", str(workers)]
        super().__init__(workdir, name, args, _env(self.data_dir, **settings))

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            with (
                contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError),
                urllib.request.urlopen(f"{self.base}/ready", timeout=2) as response,
            ):
                if response.status == 200:
                    return
            time.sleep(0.2)
        raise BenchError(f"{self.name} did not answer /ready in {timeout:.0f} s")

    def request(
        self, method: str, path: str, body: bytes | None = None, content_type: str | None = None
    ) -> tuple[int, bytes]:
        headers = dict(hb.KOCEK_HEADERS)
        if content_type:
            headers["Content-Type"] = content_type
        req = urllib.request.Request(self.base + path, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=120) as response:
                return int(response.status), response.read()
        except urllib.error.HTTPError as exc:
            return int(exc.code), exc.read()

    def stop(self, sig: int = signal.SIGINT, grace: float = 20.0) -> None:
        super().stop(sig, grace)  # SIGINT: uvicorn (and its workers) shut down gracefully


# --- PostgreSQL ----------------------------------------------------------------------------------


class Postgres:
    """Databases ``cde_bench_<hex>`` on one server, all dropped at the end."""

    def __init__(self, admin_dsn: str) -> None:
        import psycopg
        from sqlalchemy.engine import make_url

        self.admin_dsn = admin_dsn
        self._url = make_url(admin_dsn)
        self.created: list[str] = []
        try:
            with psycopg.connect(admin_dsn, autocommit=True, connect_timeout=3) as conn:
                self.version = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
        except psycopg.Error as exc:
            raise BenchError(f"PostgreSQL at {admin_dsn} is unreachable: {exc}") from None

    def create(self) -> str:
        import psycopg
        from psycopg import sql

        name = f"{DB_PREFIX}{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.admin_dsn, autocommit=True, connect_timeout=3) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.created.append(name)
        return name

    def url(self, name: str) -> str:
        """SQLAlchemy URL (psycopg 3) of database ``name``."""
        url = self._url.set(drivername="postgresql+psycopg", database=name)
        return url.render_as_string(hide_password=False)

    def dsn(self, name: str) -> str:
        return self._url.set(database=name).render_as_string(hide_password=False)

    def scalar(self, name: str, query: str, *params: Any) -> Any:
        import psycopg

        with psycopg.connect(self.dsn(name), autocommit=True, connect_timeout=3) as conn:
            row = conn.execute(query, params).fetchone()
        return row[0] if row else None

    def backend_pids(self, name: str) -> list[int]:
        """The server processes serving database ``name`` (asked on the maintenance
        database, so the asking connection is not among them)."""
        import psycopg

        with psycopg.connect(self.admin_dsn, autocommit=True, connect_timeout=3) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,)
            ).fetchall()
        return [int(pid) for (pid,) in rows]

    def drop_all(self) -> None:
        import psycopg
        from psycopg import sql

        for name in self.created:
            with (
                contextlib.suppress(psycopg.Error),
                psycopg.connect(self.admin_dsn, autocommit=True, connect_timeout=3) as conn,
            ):
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
        self.created.clear()


# --- (a) POST throughput ------------------------------------------------------------------------


@dataclass
class Phase:
    figures: hb.Figures
    server_cpu: float | None  # cores used by the service's processes during the phase
    db_cpu: float | None  # cores used by the PostgreSQL backends of its database
    machine_cpu: float | None  # cores busy on the whole machine during the phase
    loadgen_cpu: float | None  # cores used by the load generator


class Loader:
    def __init__(self, tool: str, workdir: Path, concurrency: int, max_requests: int) -> None:
        self.wrk = shutil.which("wrk") if tool in ("auto", "wrk") else None
        if self.wrk is None and tool == "wrk":
            raise BenchError("wrk is not installed")
        self.script = hb.write_wrk_script(workdir, hb.SEED_FILE) if self.wrk else None
        self.concurrency = concurrency
        self.max_requests = max_requests

    @property
    def description(self) -> str:
        if self.wrk:
            return f"wrk {hb.wrk_version(self.wrk)} (1 thread, {self.concurrency} connections)"
        return f"python httpx load generator (separate process, {self.concurrency} connections)"

    def run(self, api: Api, seconds: float, pg: Postgres | None, database: str | None) -> Phase:
        url = api.base + ROUTE
        before = snapshot([api.pid], pg, database)
        children_before = children_cpu_seconds()
        if self.wrk and self.script:
            figures = hb.run_wrk(
                self.wrk, url, self.script, max(1, round(seconds)), self.concurrency, 1, False
            )
        else:
            figures = hb.run_python(url, seconds, self.concurrency, self.max_requests)
        after = snapshot([api.pid], pg, database)
        loadgen = (children_cpu_seconds() - children_before) / (after.at - before.at)
        api.check_alive()
        return Phase(figures, *cores(before, after), loadgen)


def _median_phase(phases: list[Phase]) -> Phase:
    figures = [p.figures for p in phases]
    per_second = statistics.median(f.per_second for f in figures)
    seconds = statistics.median(f.seconds for f in figures)
    servers = [p.server_cpu for p in phases if p.server_cpu is not None]
    dbs = [p.db_cpu for p in phases if p.db_cpu is not None]
    machines = [p.machine_cpu for p in phases if p.machine_cpu is not None]
    loadgens = [p.loadgen_cpu for p in phases if p.loadgen_cpu is not None]
    return Phase(
        hb.Figures(
            requests=round(per_second * seconds),
            errors=sum(f.errors for f in figures),
            seconds=seconds,
            p50_ms=statistics.median(f.p50_ms for f in figures),
            p99_ms=statistics.median(f.p99_ms for f in figures),
            max_ms=max(f.max_ms for f in figures),
        ),
        statistics.median(servers) if servers else None,
        statistics.median(dbs) if dbs else None,
        statistics.median(machines) if machines else None,
        statistics.median(loadgens) if loadgens else None,
    )


def _post_line(name: str, phase: Phase) -> str:
    f = phase.figures
    cpu = _cpu_text(
        [("server", phase.server_cpu), ("db", phase.db_cpu), ("loadgen", phase.loadgen_cpu)],
        phase.machine_cpu,
    )
    return (
        f"post  {name:<11}{f.per_second:>8,.0f} req/s  p50 {f.p50_ms:7.2f} ms  "
        f"p99 {f.p99_ms:7.2f} ms  errors {f.errors} ({f.requests:,} requests in "
        f"{f.seconds:.1f} s){cpu}"
    )


def _stored(api: Api, pg: Postgres | None, database: str | None) -> int | None:
    if database is not None and pg is not None:
        return int(pg.scalar(database, "SELECT count(*) FROM recommendations"))
    db = api.data_dir / "cde.db"
    if not db.exists():
        return None
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("SELECT count(*) FROM recommendations").fetchone()[0])


def bench_post(
    args: argparse.Namespace, workdir: Path, pg: Postgres, loader: Loader
) -> tuple[dict[str, Phase], int]:
    """(a): the three services, measured in turn; returns each one's (median) figures and
    the number of problems (errors + acknowledged records missing)."""
    databases = {"postgres-1": pg.create(), "postgres-2": pg.create()}
    apis = {
        "sqlite-1": Api(workdir, "sqlite-1", None, 1),
        "postgres-1": Api(workdir, "postgres-1", pg.url(databases["postgres-1"]), 1),
        "postgres-2": Api(workdir, "postgres-2", pg.url(databases["postgres-2"]), 2),
    }
    problems = 0
    measured: dict[str, list[Phase]] = {name: [] for name in SERVICES}
    acknowledged = dict.fromkeys(SERVICES, 0)
    try:
        for api in apis.values():
            api.wait_ready()
        for name, api in apis.items():
            status, answer = api.request(
                "POST", ROUTE, hb.SEED_FILE.read_bytes(), "application/json"
            )
            if status != 200:
                raise BenchError(f"{name}: POST {ROUTE} answered {status}: {answer[:300]!r}")
            acknowledged[name] += 1
            warm = loader.run(api, args.warmup, pg, databases.get(name))
            acknowledged[name] += warm.figures.succeeded
        for number in range(args.rounds):
            for name in SERVICES:
                phase = loader.run(apis[name], args.duration, pg, databases.get(name))
                acknowledged[name] += phase.figures.succeeded
                measured[name].append(phase)
                if args.rounds > 1:
                    print(f"round {number + 1}: " + _post_line(name, phase), flush=True)
    finally:
        for api in apis.values():
            api.stop()
    summary = {name: _median_phase(phases) for name, phases in measured.items()}
    if args.rounds > 1:
        print(f"median of {args.rounds} rounds:")
    for name in SERVICES:
        print(_post_line(name, summary[name]))
    base = summary["sqlite-1"].figures
    for name in SERVICES[1:]:
        f = summary[name].figures
        print(
            f"ratio {name} / sqlite-1: throughput {_ratio(f.per_second, base.per_second)}  "
            f"p50 {_ratio(f.p50_ms, base.p50_ms)}  p99 {_ratio(f.p99_ms, base.p99_ms)}"
        )
    two, one = summary["postgres-2"].figures, summary["postgres-1"].figures
    print(f"ratio postgres-2 / postgres-1: throughput {_ratio(two.per_second, one.per_second)}")
    for name in SERVICES:
        problems += sum(p.figures.errors for p in measured[name])
        stored = _stored(apis[name], pg, databases.get(name))
        if stored is None:
            continue
        # wrk does not count answers still in flight when it stops: stored may exceed
        # acknowledged by up to the concurrency; fewer would be an acknowledged record lost.
        verdict = "ok" if stored >= acknowledged[name] else "LOST ACKNOWLEDGED RECORDS"
        if stored < acknowledged[name]:
            problems += 1
        print(f"stored {name}: {stored:,} (acknowledged {acknowledged[name]:,}): {verdict}")
    return summary, problems


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}x" if base else "n/a"


# --- (b) batch throughput -------------------------------------------------------------------------


@dataclass
class BatchRun:
    workers: int
    items: int
    seconds: float
    submit_seconds: float
    failed: int
    worker_cpu: float | None
    load: tuple[float | None, float | None, float | None, float | None]  # cores: workers,
    # the API process, the database backends, the machine
    jobs: int
    job_workers: int

    @property
    def per_second(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0


def _batch_line(run: BatchRun) -> str:
    workers, api, db, machine = run.load
    parts = [("workers", workers), ("API", api), ("db", db)]
    cpu = (
        f"  worker CPU {run.worker_cpu / run.items * 1e6:,.0f} µs/item"
        if run.worker_cpu is not None
        else ""
    )
    return (
        f"batch {run.workers} worker(s): {run.items:,} items in {run.seconds:.1f} s = "
        f"{run.per_second:,.0f} items/s (POST {run.submit_seconds:.1f} s)  failed {run.failed}"
        f"{cpu}{_cpu_text(parts, machine)}  jobs {run.jobs} on {run.job_workers} worker(s)"
    )


def _wait_workers(
    pg: Postgres, database: str, after_id: int, wanted: int, procs: list[Proc]
) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        for proc in procs:
            proc.check_alive()
        with contextlib.suppress(Exception):
            live = pg.scalar(
                database,
                "SELECT count(*) FROM procrastinate_workers WHERE id > %s"
                " AND last_heartbeat > now() - interval '10 seconds'",
                after_id,
            )
            if int(live) >= wanted:
                return
        time.sleep(0.2)
    raise BenchError(f"{wanted} cde worker(s) did not start in {STARTUP_TIMEOUT:.0f} s")


def run_batch(
    api: Api, pg: Postgres, database: str, workdir: Path, workers: int, body: bytes, items: int
) -> BatchRun:
    last_worker = int(pg.scalar(database, "SELECT coalesce(max(id), 0) FROM procrastinate_workers"))
    last_job = int(pg.scalar(database, "SELECT coalesce(max(id), 0) FROM procrastinate_jobs"))
    env = _env(workdir / "worker-data", CDE_DATABASE_URL=pg.url(database))
    procs = [
        Proc(workdir, f"worker-{workers}-{n + 1}", ["worker", "--concurrency", "1"], env)
        for n in range(workers)
    ]
    try:
        _wait_workers(pg, database, last_worker, workers, procs)
        cpu_before = [p.cpu_seconds() for p in procs]
        load_before = snapshot([p.pid for p in procs], pg, database)
        api_before = snapshot([api.pid])
        started = time.perf_counter()
        status, answer = api.request("POST", BATCHES, body, "application/x-ndjson")
        submitted = time.perf_counter() - started
        if status != 202:
            raise BenchError(f"POST {BATCHES} answered {status}: {answer[:300]!r}")
        batch_id = json.loads(answer)["data"]["id"]
        deadline = time.monotonic() + BATCH_TIMEOUT
        while True:
            status, answer = api.request("GET", f"{BATCHES}/{batch_id}")
            if status != 200:
                raise BenchError(f"GET {BATCHES}/{batch_id} answered {status}: {answer[:300]!r}")
            data = json.loads(answer)["data"]
            if data["status"] == "done":
                break
            for proc in procs:
                proc.check_alive()
            if time.monotonic() > deadline:
                raise BenchError(f"the batch was not done in {BATCH_TIMEOUT:.0f} s: {data}")
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        workers_load = cores(load_before, snapshot([p.pid for p in procs], pg, database))
        api_load = cores(api_before, snapshot([api.pid]))[0]
        load = (workers_load[0], api_load, workers_load[1], workers_load[2])
        cpu_after = [p.cpu_seconds() for p in procs]
        worker_cpu = None
        if None not in cpu_before and None not in cpu_after:
            worker_cpu = sum(a - b for a, b in zip(cpu_after, cpu_before, strict=True))  # type: ignore[operator]
        jobs = int(
            pg.scalar(
                database,
                "SELECT count(*) FROM procrastinate_jobs WHERE id > %s AND status = 'succeeded'",
                last_job,
            )
        )
        job_workers = int(
            pg.scalar(
                database,
                "SELECT count(DISTINCT worker_id) FROM procrastinate_jobs"
                " WHERE id > %s AND status = 'succeeded'",
                last_job,
            )
        )
        return BatchRun(
            workers=workers,
            items=int(data["total"]),
            seconds=seconds,
            submit_seconds=submitted,
            failed=int(data["failed"]) + (items - int(data["total"])),
            worker_cpu=worker_cpu,
            load=load,
            jobs=jobs,
            job_workers=job_workers,
        )
    finally:
        for proc in procs:
            proc.stop()


def bench_batch(
    args: argparse.Namespace, workdir: Path, pg: Postgres
) -> tuple[list[BatchRun], int]:
    body = b"".join(json.dumps(app).encode() + b"\n" for app in generate(args.items, 17))
    print(
        f"batch input: {args.items:,} generated applications, {len(body) / 1e6:.1f} MB of JSONL; "
        "1 API process (CDE_RUN_JOBS_IN_PROCESS=false), cde worker --concurrency 1 each",
        flush=True,
    )
    database = pg.create()
    api = Api(workdir, "batch-api", pg.url(database), 1, CDE_RUN_JOBS_IN_PROCESS="false")
    runs: dict[int, list[BatchRun]] = {1: [], 2: []}
    try:
        api.wait_ready()
        for number in range(args.rounds):
            for workers in (1, 2):
                run = run_batch(api, pg, database, workdir, workers, body, args.items)
                runs[workers].append(run)
                prefix = f"round {number + 1}: " if args.rounds > 1 else ""
                print(prefix + _batch_line(run), flush=True)
    finally:
        api.stop()
    medians = []
    for workers in (1, 2):
        chosen = sorted(runs[workers], key=lambda r: r.per_second)[len(runs[workers]) // 2]
        medians.append(chosen)
    if args.rounds > 1:
        print(f"median of {args.rounds} rounds:")
        for run in medians:
            print(_batch_line(run))
    one, two = medians
    print(f"scaling batch 2 workers / 1 worker: {_ratio(two.per_second, one.per_second)}")
    problems = sum(r.failed for rs in runs.values() for r in rs)
    return medians, problems


# --- the run ------------------------------------------------------------------------------------


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


@contextlib.contextmanager
def _postgres(dsn: str) -> Iterator[Postgres]:
    pg = Postgres(dsn)
    try:
        yield pg
    finally:
        pg.drop_all()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per POST phase")
    parser.add_argument("--warmup", type=float, default=None, help="seconds (default 2; quick 1)")
    parser.add_argument("--concurrency", type=int, default=32, help="connections")
    parser.add_argument("--items", type=int, default=None, help="batch items (default 10000)")
    parser.add_argument("--rounds", type=int, default=1, help="measure everything N times")
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--max-requests", type=int, default=2_000_000, help="per phase (Python)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_DSN") or DEFAULT_ADMIN_DSN,
        help="libpq URL of the server's maintenance database",
    )
    parser.add_argument("--skip-post", action="store_true", help="only the batch part (b)")
    parser.add_argument("--skip-batch", action="store_true", help="only the POST part (a)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 s, 8, 2,000 items")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.concurrency = 2.0, 8
        args.items = args.items or 2_000
    args.items = args.items or 10_000
    args.warmup = args.warmup if args.warmup is not None else (1.0 if args.quick else 2.0)
    if not 1 <= args.concurrency <= 1024:
        parser.error("--concurrency must be between 1 and 1024")
    if not 1 <= args.rounds <= 10:
        parser.error("--rounds must be between 1 and 10")
    if not 0 < args.duration <= 600:
        parser.error("--duration must be between 0 and 600 seconds")
    if not 1 <= args.items <= 100_000:
        parser.error("--items must be between 1 and 100000")

    from cde import __version__

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    started = time.monotonic()
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    try:
        with (
            tempfile.TemporaryDirectory(prefix="cde-bench-scale-") as tmp,
            _postgres(args.postgres) as pg,
        ):
            workdir = Path(tmp)
            loader = Loader(args.tool, workdir, args.concurrency, args.max_requests)
            print(
                f"bench_scale: cde {__version__}, Python {platform.python_version()}, "
                f"{cpus} CPU(s) ({_cpu_model()}), {platform.system()} {platform.release()}, "
                f"PostgreSQL {pg.version}"
            )
            problems = 0
            if not args.skip_post:
                print(
                    f"tool: {loader.description}; {args.duration:g} s per phase after a "
                    f"{args.warmup:g} s warm-up; rounds {args.rounds}; "
                    "CDE_RATE_LIMIT_PER_MINUTE=0; body examples/seed_request.json",
                    flush=True,
                )
                if loader.wrk is None:
                    print(
                        "caveat: the Python load generator competes with the service for the "
                        f"{cpus} CPU(s); throughput figures are a lower bound"
                    )
                _, found = bench_post(args, workdir, pg, loader)
                problems += found
            if not args.skip_batch:
                _, found = bench_batch(args, workdir, pg)
                problems += found
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    if load_before is not None and load_after is not None:
        print(
            f"machine load average (1 min) before {load_before:.2f}, after {load_after:.2f} "
            f"on {cpus} CPU(s); run took {time.monotonic() - started:.0f} s"
        )
    print(f"problems: {problems}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
