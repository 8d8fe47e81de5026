"""Benchmark the HTTP service: POST of the seed against ``GET /health`` of the same process,
measured in the same run; print the figures, and on demand where the time goes.

    .venv/bin/python benchmarks/bench_http.py [--duration 10] [--concurrency 1,32,128]
        [--rounds 3] [--synchronous FULL|NORMAL] [--database sqlite|postgres] [--workers N]
        [--compare] [--profile] [--tool auto|wrk|python] [--quick] [--install-wrk]

1. Starts the real service (``cde serve``) as a child process on 127.0.0.1, on a fresh
   temporary data directory (or, with ``--database postgres``, a fresh PostgreSQL database
   ``cde_bench_<hex>`` on ``--postgres``, dropped at the end), with
   ``CDE_API_TOKENS=bench-token``, ``CDE_SQLITE_SYNCHRONOUS`` from ``--synchronous`` and the
   per-tenant rate limit off (this measures throughput, not the limiter); waits for
   ``/ready``.
2. For each concurrency level (``--concurrency``, a comma-separated list), after a short
   warm-up, loads in turn (a) ``GET /health`` — the same process, its whole middleware
   stack, no work — and (b) ``POST /kocek/cde/credit-recommendation`` with the seed body
   (``examples/seed_request.json``) and the Kocek headers, each for ``--duration`` seconds
   with that many keep-alive connections. ``--rounds N`` alternates N health/real pairs and
   reports each figure's median.
3. Prints req/s, p50, p90, p99 (ms), errors (anything not 2xx, and socket errors), the
   service's CPU (cores, and µs of CPU per request) for both, the throughput ratio
   real/health per level and the ratio of their CPU per request (what the throughput
   ratio would be if both phases got the same share of a shared machine), and whether
   the targets hold at ``--target-concurrency`` (32):
   real >= 40 % of /health's throughput and real p99 < 50 ms. Afterwards it checks that
   every acknowledged recommendation is in the database.
4. ``--profile`` then loads the real route once more at the target concurrency with
   ``py-spy record`` attached to the service (``--py-spy PATH``; else ``py-spy`` on PATH or
   in /tmp/pyspy/bin; it is never installed by this script) and prints the share of the
   service's samples, and the µs of CPU per request, of each stage: auth, parse, evaluate,
   store, commit, audit, respond, the HTTP stack, the thread-pool hop, metrics and logs.
   ``--profile-out FILE`` keeps py-spy's collapsed stacks.
5. ``--compare`` (issue 15, item 5) measures, in one run and at the target concurrency,
   four services in turn: SQLite and PostgreSQL, each with one process and with
   ``cde serve --workers 2``, each against its own ``GET /health``; and prints the CPU per
   request on PostgreSQL (service + its database backends) against SQLite's, and the
   throughput of 2 processes against 1.

Load generator: ``wrk`` (with a Lua script, ``--latency``) when it is installed; otherwise
an asyncio + ``httpx`` generator (HTTP/1.1, keep-alive) in a separate process. A Python
generator costs about as much CPU per request as the server's own HTTP stack: on a small
machine it competes with the server for the cores and the figures are a lower bound.
``--install-wrk`` (root only, never by default) runs ``apt-get install -y wrk``.

Everything is bounded: each phase by its duration and (Python generator) by
``--max-requests``; only 127.0.0.1 is ever targeted. The exit status is 0 when every
request succeeded (targets missed are reported, not failed; ``--check`` makes them fail),
1 when any request failed or an acknowledged record is missing, 2 when the service could
not be started or measured.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import re
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
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEED_FILE = ROOT / "examples" / "seed_request.json"
HOST = "127.0.0.1"
TOKEN = "bench-token"
MAIN = "from cde.entrypoints.cli import main; main()"
HEALTH = "/health"
REAL = "/kocek/cde/credit-recommendation"
KOCEK_HEADERS = {
    "Content-Type": "application/json",
    "Authorization": f"Bearer {TOKEN}",
    "User-ID": "123",
    "User-Name": "Samehada",
    "User-Role": "Eksekutif",
    "IP": "127.0.0.1",
}
TARGET_RATIO = 0.40
TARGET_P99_MS = 50.0
TARGET_PG_COST = 1.5  # PostgreSQL's CPU per request within 1.5x SQLite's
TARGET_WORKERS = 1.6  # 2 processes >= 1.6x one
REQUEST_TIMEOUT_S = 10.0
DEFAULT_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
DB_PREFIX = "cde_bench_"
PHASES = (("health", "GET", HEALTH), ("real", "POST", REAL))
PROFILE_HZ = 250


@dataclass(frozen=True)
class Figures:
    """One measured phase."""

    requests: int  # completed responses
    errors: int  # non-2xx responses + socket errors/timeouts
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    p90_ms: float = 0.0

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    @property
    def succeeded(self) -> int:
        return max(self.requests - self.errors, 0)


@dataclass(frozen=True)
class Measured:
    """A phase's figures and the CPU (cores) the service (and its database) used meanwhile."""

    figures: Figures
    cpu: float | None
    db_cpu: float | None = None

    def us_per_request(self, with_db: bool = False) -> float | None:
        if self.cpu is None or not self.figures.per_second:
            return None
        cores = self.cpu + ((self.db_cpu or 0.0) if with_db else 0.0)
        return cores / self.figures.per_second * 1e6


class BenchError(Exception):
    """The service could not be started or measured."""


# --- CPU accounting (Linux /proc) ----------------------------------------------------------


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    tree = _children()
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(tree.get(current, []))
    return found


def tree_cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process and its descendants so far (Linux; None elsewhere)."""
    if not Path("/proc/self/stat").exists():
        return None
    return sum(_cpu_of(p) for p in descendants(pid))


# --- PostgreSQL ----------------------------------------------------------------------------


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
                row = conn.execute("SHOW server_version").fetchone()
                self.version = str(row[0]) if row else "?"
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
        return str(url.render_as_string(hide_password=False))

    def count(self, name: str, query: str) -> int:
        import psycopg

        dsn = self._url.set(database=name).render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True, connect_timeout=3) as conn:
            row = conn.execute(query).fetchone()
        return int(row[0]) if row else 0

    def backend_cpu(self, name: str) -> dict[int, float] | None:
        """CPU seconds so far of each server process serving database ``name`` (the server
        runs on this machine), asked on the maintenance database."""
        import psycopg

        with (
            contextlib.suppress(psycopg.Error),
            psycopg.connect(self.admin_dsn, autocommit=True, connect_timeout=3) as conn,
        ):
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,)
            ).fetchall()
            pids = [int(pid) for (pid,) in rows]
            if pids and all(Path(f"/proc/{pid}/stat").exists() for pid in pids):
                return {pid: _cpu_of(pid) for pid in pids}
        return None

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


# --- the service ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Service:
    """``cde serve`` as a child process on a fresh data directory (or PostgreSQL database)."""

    def __init__(
        self,
        workdir: Path,
        synchronous: str,
        *,
        name: str = "service",
        workers: int = 1,
        pg: Postgres | None = None,
    ) -> None:
        self.name = name
        self.workdir = workdir
        self.data_dir = workdir / f"{name}-data"
        self.port = _free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.workers = workers
        self.pg = pg
        self.database = pg.create() if pg is not None else None
        env = {k: v for k, v in os.environ.items() if not k.upper().startswith("CDE_")}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        env.update(
            {
                "CDE_DATA_DIR": str(self.data_dir),
                "CDE_API_TOKENS": TOKEN,
                "CDE_SQLITE_SYNCHRONOUS": synchronous,
                "CDE_RATE_LIMIT_PER_MINUTE": "0",
                "CDE_LOG_LEVEL": "warning",
                "PYTHONIOENCODING": "utf-8",
            }
        )
        if pg is not None and self.database is not None:
            env["CDE_DATABASE_URL"] = pg.url(self.database)
        self.log_path = workdir / f"{name}.log"
        self._log = self.log_path.open("wb")
        args = ["serve", "--host", HOST, "--port", str(self.port)]
        if workers > 1:
            args += ["--workers", str(workers)]
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
    def label(self) -> str:
        kind = "postgres" if self.pg is not None else "sqlite"
        return f"{kind}-{self.workers}"

    def log_tail(self, lines: int = 30) -> str:
        self._log.flush()
        text = self.log_path.read_text("utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(
                    f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}"
                )
            with (
                contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError),
                urllib.request.urlopen(f"{self.base}/ready", timeout=2) as response,
            ):
                if response.status == 200:
                    return
            time.sleep(0.1)
        raise BenchError(f"{self.name} did not answer /ready in {timeout:.0f} s")

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        request = urllib.request.Request(
            self.base + path, data=body, headers=KOCEK_HEADERS, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as response:
                return int(response.status), response.read()
        except urllib.error.HTTPError as exc:
            return int(exc.code), exc.read()

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the service's processes so far (Linux only)."""
        return tree_cpu_seconds(self.proc.pid)

    def serving_pids(self) -> list[int]:
        """The processes that serve requests: uvicorn's workers, or the one process."""
        pids = descendants(self.proc.pid)
        return pids[1:] if self.workers > 1 and len(pids) > 1 else pids[:1]

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise BenchError(f"{self.name} died:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # uvicorn shuts down gracefully
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._log.close()

    def stored_records(self) -> int | None:
        if self.pg is not None and self.database is not None:
            return self.pg.count(self.database, "SELECT count(*) FROM recommendations")
        db = self.data_dir / "cde.db"
        if not db.exists():
            return None
        with contextlib.closing(sqlite3.connect(db)) as conn:
            return int(conn.execute("SELECT count(*) FROM recommendations").fetchone()[0])


# --- wrk -----------------------------------------------------------------------------------

_WRK_LUA = """
-- generated by benchmarks/bench_http.py
REQUEST
HEADERS
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  non2xx = 0
end
function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("non2xx")
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT {\\"requests\\": %d, \\"duration_us\\": %d, \\"non2xx\\": %d, "
    .. "\\"connect\\": %d, \\"read\\": %d, \\"write\\": %d, \\"timeout\\": %d, "
    .. "\\"p50_us\\": %d, \\"p90_us\\": %d, \\"p99_us\\": %d, \\"max_us\\": %d}\\n",
    summary.requests, summary.duration, bad, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""
_WRK_POST = """local f = assert(io.open(BODY_FILE, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()"""


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_wrk_script(directory: Path, body_file: Path | None, name: str = "post.lua") -> Path:
    """The Lua script: POST ``body_file`` with the Kocek headers, or (None) a GET."""
    headers = dict(KOCEK_HEADERS)
    if body_file is None:
        headers.pop("Content-Type")
        request = 'wrk.method = "GET"'
    else:
        request = _WRK_POST.replace("BODY_FILE", _lua_string(str(body_file)))
    lines = "\n".join(
        f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()
    )
    script = _WRK_LUA.replace("REQUEST", request).replace("HEADERS", lines)
    path = directory / name
    path.write_text(script, "utf-8")
    return path


def wrk_version(wrk: str) -> str:
    proc = subprocess.run([wrk, "--version"], capture_output=True, timeout=10, check=False)
    first = (proc.stdout + proc.stderr).decode("utf-8", "replace").splitlines()
    match = re.search(r"wrk\s+(\S+)", first[0]) if first else None
    return match.group(1) if match else "?"


def run_wrk(
    wrk: str, url: str, script: Path, seconds: int, concurrency: int, threads: int, verbose: bool
) -> Figures:
    command = [
        wrk,
        f"-t{min(threads, concurrency)}",
        f"-c{concurrency}",
        f"-d{seconds}s",
        f"--timeout={REQUEST_TIMEOUT_S:.0f}s",
        "--latency",
        "-s",
        str(script),
        url,
    ]
    proc = subprocess.run(command, capture_output=True, timeout=seconds + 60, check=False)
    out = proc.stdout.decode("utf-8", "replace")
    if verbose:
        print("    " + "\n    ".join(out.rstrip().splitlines()))
    found = re.search(r"^BENCH_RESULT (\{.*\})$", out, re.MULTILINE)
    if proc.returncode != 0 or not found:
        raise BenchError(f"wrk failed ({proc.returncode}):\n{out}\n{proc.stderr.decode()}")
    r = json.loads(found.group(1))
    socket_errors = r["connect"] + r["read"] + r["write"] + r["timeout"]
    return Figures(
        requests=r["requests"],
        errors=r["non2xx"] + socket_errors,
        seconds=r["duration_us"] / 1e6,
        p50_ms=r["p50_us"] / 1000,
        p99_ms=r["p99_us"] / 1000,
        max_ms=r["max_us"] / 1000,
        p90_ms=r.get("p90_us", 0) / 1000,
    )


def install_wrk() -> str | None:
    """``apt-get install -y wrk`` (only asked for with --install-wrk, only as root)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("apt-get") is None:
        print("--install-wrk: needs root and apt-get; using the Python load generator")
        return None
    print("--install-wrk: apt-get install -y wrk ...", flush=True)
    subprocess.run(
        ["apt-get", "install", "-y", "wrk"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )
    return shutil.which("wrk")


# --- the Python load generator (runs in its own process) -----------------------------------


def _percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


async def _load(
    url: str, body: bytes | None, seconds: float, concurrency: int, max_requests: int
) -> dict[str, Any]:
    import httpx

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    counts = {"started": 0, "errors": 0}
    perf = time.perf_counter
    async with httpx.AsyncClient(
        http1=True, http2=False, limits=limits, timeout=REQUEST_TIMEOUT_S, headers=KOCEK_HEADERS
    ) as client:

        async def worker(deadline: float) -> None:
            while perf() < deadline and counts["started"] < max_requests:
                counts["started"] += 1
                began = perf()
                try:
                    if body is None:
                        response = await client.get(url)
                    else:
                        response = await client.post(url, content=body)
                    await response.aread()
                    ok = 200 <= response.status_code < 300
                except httpx.HTTPError:
                    ok = False
                latencies.append(perf() - began)
                if not ok:
                    counts["errors"] += 1

        started = perf()
        deadline = started + seconds
        await asyncio.gather(*(worker(deadline) for _ in range(concurrency)))
        elapsed = perf() - started
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "errors": counts["errors"],
        "seconds": elapsed,
        "p50_ms": _percentile(ordered, 0.50) * 1000,
        "p90_ms": _percentile(ordered, 0.90) * 1000,
        "p99_ms": _percentile(ordered, 0.99) * 1000,
        "max_ms": (ordered[-1] if ordered else 0.0) * 1000,
    }


def loadgen_main(
    url: str, seconds: float, concurrency: int, max_requests: int, method: str = "POST"
) -> None:
    """Entry point of the load-generator child: prints one JSON line."""
    if not url.startswith(f"http://{HOST}:"):
        raise SystemExit(f"refusing to load anything but {HOST}: {url}")
    body = SEED_FILE.read_bytes() if method == "POST" else None
    try:
        import uvloop

        runner: Any = uvloop.run
    except ImportError:
        runner = asyncio.run
    result = runner(_load(url, body, seconds, concurrency, max_requests))
    print("BENCH_RESULT " + json.dumps(result), flush=True)


def run_python(
    url: str, seconds: float, concurrency: int, max_requests: int, method: str = "POST"
) -> Figures:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--loadgen-url",
        url,
        "--loadgen-method",
        method,
        "--duration",
        str(seconds),
        "--concurrency",
        str(concurrency),
        "--max-requests",
        str(max_requests),
    ]
    proc = subprocess.run(command, capture_output=True, timeout=seconds + 60, check=False)
    out = proc.stdout.decode("utf-8", "replace")
    found = re.search(r"^BENCH_RESULT (\{.*\})$", out, re.MULTILINE)
    if proc.returncode != 0 or not found:
        raise BenchError(
            f"the load generator failed ({proc.returncode}):\n{out}\n{proc.stderr.decode()}"
        )
    return Figures(**json.loads(found.group(1)))


class Loader:
    """wrk when there is one (a script per method), else the Python generator."""

    def __init__(self, wrk: str | None, workdir: Path, threads: int, max_requests: int) -> None:
        self.wrk = wrk
        self.threads = threads
        self.max_requests = max_requests
        self.scripts: dict[str, Path] = {}
        if wrk is not None:
            self.scripts["POST"] = write_wrk_script(workdir, SEED_FILE, "post.lua")
            self.scripts["GET"] = write_wrk_script(workdir, None, "get.lua")

    def describe(self) -> str:
        if self.wrk is None:
            return "python httpx load generator (separate process)"
        return f"wrk {wrk_version(self.wrk)} ({self.threads} thread(s))"

    def run(
        self, method: str, url: str, seconds: float, concurrency: int, verbose: bool = False
    ) -> Figures:
        if self.wrk is not None:
            return run_wrk(
                self.wrk,
                url,
                self.scripts[method],
                max(1, round(seconds)),
                concurrency,
                self.threads,
                verbose,
            )
        return run_python(url, seconds, concurrency, self.max_requests, method)


def measure(
    loader: Loader,
    service: Service,
    method: str,
    path: str,
    seconds: float,
    concurrency: int,
    verbose: bool = False,
) -> Measured:
    """One phase, with the CPU the service (and its PostgreSQL backends) used meanwhile."""
    pg, database = service.pg, service.database
    db_before = pg.backend_cpu(database) if pg is not None and database is not None else None
    before, started = service.cpu_seconds(), time.perf_counter()
    figures = loader.run(method, service.base + path, seconds, concurrency, verbose)
    after, elapsed = service.cpu_seconds(), time.perf_counter() - started
    db_after = pg.backend_cpu(database) if pg is not None and database is not None else None
    service.check_alive()
    cpu = (after - before) / elapsed if before is not None and after is not None else None
    db_cpu = None
    if db_before is not None and db_after is not None:
        db_cpu = sum(c - db_before.get(p, 0.0) for p, c in db_after.items()) / elapsed
    return Measured(figures, cpu, db_cpu)


def median_of(phases: list[Measured]) -> Measured:
    """Each figure's median over the rounds (the errors: their sum)."""
    figures = [m.figures for m in phases]
    per_second = statistics.median(f.per_second for f in figures)
    seconds = statistics.median(f.seconds for f in figures)
    cpus = [m.cpu for m in phases if m.cpu is not None]
    dbs = [m.db_cpu for m in phases if m.db_cpu is not None]
    return Measured(
        Figures(
            requests=round(per_second * seconds),
            errors=sum(f.errors for f in figures),
            seconds=seconds,
            p50_ms=statistics.median(f.p50_ms for f in figures),
            p99_ms=statistics.median(f.p99_ms for f in figures),
            max_ms=max(f.max_ms for f in figures),
            p90_ms=statistics.median(f.p90_ms for f in figures),
        ),
        statistics.median(cpus) if cpus else None,
        statistics.median(dbs) if dbs else None,
    )


# --- the profile: py-spy's samples by stage ------------------------------------------------

# A sample belongs to the stage of the deepest frame below that names one (a function of
# cde's, by its name and the end of its file's path). Wrappers (middleware, the route, the
# use case) are not named here: what they call is classified on its own, what they do
# themselves falls to the fallbacks below.
STAGE_FRAMES: dict[tuple[str, str], str] = {
    ("authenticate", "http/deps.py"): "auth",
    ("service_on", "http/deps.py"): "auth",
    ("may_request", "http/deps.py"): "auth",
    ("may_read", "http/deps.py"): "auth",
    ("rate_limited", "http/deps.py"): "auth",
    ("_within_rate", "http/deps.py"): "auth",
    ("authenticate", "service/auth.py"): "auth",
    ("enabled", "service/recommendations.py"): "auth",
    ("_read", "service/submissions.py"): "parse",
    ("depth_exceeds", "service/submissions.py"): "parse",
    ("body", "starlette/requests.py"): "parse",
    ("evaluate", "domain/engine.py"): "evaluate",
    ("new_id", "cde/bootstrap.py"): "store",
    ("new_hex_id", "cde/bootstrap.py"): "http stack",
    ("policy_for", "service/recommendations.py"): "evaluate",
    ("recommend", "service/recommendations.py"): "store",
    ("prepare", "service/recommendations.py"): "store",
    ("start", "service/submissions.py"): "store",
    ("submit", "db/repository.py"): "store",
    ("submit_record", "db/writer.py"): "store",
    ("running_future", "db/writer.py"): "store",
    ("finish", "service/submissions.py"): "respond",
    ("_stored", "service/submissions.py"): "respond",
    ("audit_entry", "http/middleware.py"): "audit",
    ("mark_audited", "http/middleware.py"): "audit",
    ("add", "db/repository.py"): "store",
    ("add_record", "db/writer.py"): "store",
    ("_write_records", "db/writer.py"): "store",
    ("record_row", "db/repository.py"): "store",
    ("_commit", "db/writer.py"): "commit",
    ("_write_audits", "db/writer.py"): "audit",
    ("_ensure_audit_head", "db/writer.py"): "audit",
    ("_entry", "http/middleware.py"): "audit",
    ("submit_audit", "db/writer.py"): "audit",
    ("submit", "db/audit.py"): "audit",
    ("success", "http/views.py"): "respond",
    ("json_response", "http/views.py"): "respond",
    ("created_view", "http/views.py"): "respond",
    ("created_body", "http/views.py"): "respond",
    ("render", "http/views.py"): "respond",
    ("public_result", "service/narrative_jobs.py"): "respond",
    ("observe_result", "observability/metrics.py"): "metrics/logs",
    ("observe_request", "observability/metrics.py"): "metrics/logs",
    ("caller_of", "http/views.py"): "parse",
}
STAGES = (
    "auth",
    "parse",
    "evaluate",
    "store",
    "commit",
    "audit",
    "respond",
    "http stack",
    "thread hop",
    "metrics/logs",
    "other",
)
_FRAME = re.compile(r"^(?P<name>.*?) \((?P<file>[^()]*?):(?P<line>\d+)\)$")


def _frame(text: str) -> tuple[str, str]:
    found = _FRAME.match(text.strip())
    if found is None:
        return text.strip(), ""
    return found.group("name").rsplit(".", 1)[-1], found.group("file").replace("\\", "/")


def stage_of(stack: list[str]) -> str:
    """The stage of one sample (root first, as py-spy writes them)."""
    frames = [_frame(f) for f in stack if not f.startswith(("process ", "thread "))]
    for name, path in reversed(frames):
        for (fn, suffix), stage in STAGE_FRAMES.items():
            if name == fn and path.endswith(suffix):
                return stage
    if not frames:
        return "other"
    files = [path for _, path in frames]
    if any(p.endswith("db/writer.py") for p in files):
        return "commit"  # the writer thread's own loop
    leaf = files[-1]
    if "anyio/" in leaf or "concurrent/futures" in leaf or leaf.endswith("threading.py"):
        return "thread hop"
    if "prometheus_client/" in leaf or "structlog/" in leaf or "logging/" in leaf:
        return "metrics/logs"
    if leaf.endswith(("observability/metrics.py", "observability/logs.py")):
        return "metrics/logs"
    web = ("uvicorn/", "starlette/", "fastapi/", "asyncio/", "h11/", "httptools/", "pydantic")
    if any(w in leaf for w in web) or leaf.endswith("http/middleware.py"):
        return "http stack"
    if any("uvicorn/" in p or "asyncio/" in p for p in files):
        return "http stack"
    return "other"


def read_collapsed(path: Path) -> Counter[str]:
    """py-spy's ``--format raw`` output: ``frame;frame;... count`` per line, by stage."""
    stages: Counter[str] = Counter()
    for line in path.read_text("utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        stages[stage_of(stack.split(";"))] += int(count)
    return stages


def find_py_spy(given: str | None) -> str | None:
    if given:
        return given
    return shutil.which("py-spy") or next(
        (str(p) for p in [Path("/tmp/pyspy/bin/py-spy")] if p.exists()), None
    )


def profile(
    py_spy: str,
    loader: Loader,
    service: Service,
    seconds: float,
    concurrency: int,
    out: Path,
) -> tuple[Counter[str], Measured]:
    """Load the real route with py-spy attached to the serving process(es)."""
    pids = service.serving_pids()
    spies = []
    for number, pid in enumerate(pids):
        target = out if len(pids) == 1 else out.with_suffix(f".{number}.txt")
        spies.append(
            (
                target,
                subprocess.Popen(
                    [
                        py_spy,
                        "record",
                        "--pid",
                        str(pid),
                        "--format",
                        "raw",
                        "--output",
                        str(target),
                        "--rate",
                        str(PROFILE_HZ),
                        "--duration",
                        str(max(1, round(seconds))),
                        "--threads",
                        "--gil",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                ),
            )
        )
    time.sleep(0.5)  # py-spy attaches
    measured = measure(loader, service, "POST", REAL, seconds, concurrency)
    stages: Counter[str] = Counter()
    for target, spy in spies:
        try:
            _, err = spy.communicate(timeout=seconds + 60)
        except subprocess.TimeoutExpired:
            spy.kill()
            _, err = spy.communicate()
        if spy.returncode != 0 or not target.exists():
            raise BenchError(f"py-spy failed ({spy.returncode}): {err.decode()[-500:]}")
        stages.update(read_collapsed(target))
    return stages, measured


def print_profile(stages: Counter[str], measured: Measured, seconds: float) -> None:
    """Each stage's share of the samples and, as that share of the service's CPU per
    request, its µs. With ``--gil`` py-spy samples only the thread holding the GIL, i.e.
    what bounds one process (the database's own work, done without the GIL, is not
    there); a stretch that holds the GIL while the machine runs something else counts as
    long as it lasts, so on a busy machine the long stretches (the evaluation) weigh more
    than their CPU."""
    total = sum(stages.values())
    us = measured.us_per_request()
    print(
        f"profile (py-spy --gil, {PROFILE_HZ} Hz, {seconds:g} s): {total:,} samples; "
        f"{measured.figures.per_second:,.0f} req/s while profiled"
        + (f"; {us:,.0f} µs of server CPU per request" if us is not None else "")
    )
    print(f"  {'stage':<14}{'share':>7}  {'≈ µs/request':>12}")
    for stage in STAGES:
        share = stages.get(stage, 0) / total if total else 0.0
        cost = f"{share * us:12,.0f}" if us is not None else f"{'-':>12}"
        print(f"  {stage:<14}{share:7.1%}  {cost}")


# --- the run -------------------------------------------------------------------------------


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def line(label: str, method: str, path: str, m: Measured) -> str:
    f = m.figures
    cpu = ""
    if m.cpu is not None:
        cpu = f"  server CPU {m.cpu:4.2f} cores"
        if m.db_cpu is not None:
            cpu += f" + db {m.db_cpu:4.2f}"
        us = m.us_per_request(with_db=True)
        if us is not None:
            cpu += f" ({us:,.0f} µs/req)"
    return (
        f"{label:<9}{method:<5}{path:<36}{f.per_second:>9,.0f} req/s  p50 {f.p50_ms:7.2f} ms  "
        f"p90 {f.p90_ms:7.2f} ms  p99 {f.p99_ms:7.2f} ms  errors {f.errors} "
        f"({f.requests:,} requests in {f.seconds:.1f} s){cpu}"
    )


def _loadavg() -> float | None:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


@dataclass
class Level:
    """One concurrency level of one service: every round's figures of both phases."""

    concurrency: int
    rounds: list[dict[str, Measured]] = field(default_factory=list)

    def median(self, name: str) -> Measured:
        return median_of([r[name] for r in self.rounds])

    def ratio(self) -> float:
        health = self.median("health").figures.per_second
        return self.median("real").figures.per_second / health if health else 0.0

    def cost_ratio(self) -> float | None:
        """The service's CPU per /health request over its CPU per real request (with its
        database's): what the throughput ratio would be if both phases got the same CPU,
        which a shared machine does not grant."""
        health = self.median("health").us_per_request(with_db=True)
        real = self.median("real").us_per_request(with_db=True)
        return health / real if health and real else None

    def ratio_line(self) -> str:
        text = f"ratio real/health throughput: {self.ratio():.1%}"
        cost = self.cost_ratio()
        if cost is not None:
            text += f"; CPU per request health/real: {cost:.1%}"
        return text

    def acknowledged(self) -> int:
        return sum(r["real"].figures.succeeded for r in self.rounds)

    def errors(self) -> int:
        return sum(m.figures.errors for r in self.rounds for m in r.values())


def run_levels(
    loader: Loader,
    service: Service,
    levels: list[int],
    rounds: int,
    seconds: float,
    warmup: float,
    verbose: bool,
) -> tuple[dict[int, Level], int]:
    """Every level, ``rounds`` health/real pairs each; the warm-ups' acknowledged POSTs."""
    results = {c: Level(c) for c in levels}
    warm_acknowledged = 0
    for number in range(rounds):
        for concurrency in levels:
            measured: dict[str, Measured] = {}
            for name, method, path in PHASES:
                if number == 0:
                    warm = loader.run(method, service.base + path, warmup, concurrency)
                    if name == "real":
                        warm_acknowledged += warm.succeeded
                measured[name] = measure(
                    loader, service, method, path, seconds, concurrency, verbose
                )
            results[concurrency].rounds.append(measured)
            if rounds > 1:
                for name, method, path in PHASES:
                    label = f"r{number + 1} c={concurrency}"
                    print(f"{label:<12}" + line(name, method, path, measured[name]), flush=True)
    return results, warm_acknowledged


def print_levels(results: dict[int, Level], rounds: int) -> None:
    if rounds > 1:
        print(f"median of {rounds} rounds:")
    for concurrency, level in results.items():
        for name, method, path in PHASES:
            print(f"{'c=' + str(concurrency):<12}" + line(name, method, path, level.median(name)))
        print(f"{'c=' + str(concurrency):<12}{level.ratio_line()}")


def first_request(service: Service, body: bytes) -> None:
    status, answer = service.post(REAL, body)
    if status != 200:
        raise BenchError(f"POST {REAL} answered {status}: {answer[:500]!r}")


def check_stored(service: Service, acknowledged: int) -> bool:
    stored = service.stored_records()
    if stored is None:
        return True
    # wrk does not count responses still in flight when it stops, so stored may exceed
    # acknowledged by up to the concurrency; fewer would mean an acknowledged loss.
    ok = stored >= acknowledged
    verdict = "ok" if ok else "LOST ACKNOWLEDGED RECORDS"
    print(
        f"stored recommendations{'' if service.name == 'service' else ' (' + service.label + ')'}"
        f": {stored:,} (acknowledged {acknowledged:,}): {verdict}"
    )
    return ok


def run_single(args: argparse.Namespace, loader: Loader, workdir: Path, pg: Postgres | None) -> int:
    body = SEED_FILE.read_bytes()
    levels: list[int] = args.levels
    target = args.target_concurrency if args.target_concurrency in levels else levels[0]
    service = Service(workdir, args.synchronous, workers=args.workers, pg=pg)
    stages: Counter[str] | None = None
    try:
        service.wait_ready()
        first_request(service, body)
        results, acknowledged = run_levels(
            loader, service, levels, args.rounds, args.seconds, args.warmup, args.verbose
        )
        acknowledged += 1 + sum(level.acknowledged() for level in results.values())
        if args.profile:
            py_spy = find_py_spy(args.py_spy)
            if py_spy is None:
                print("profile: py-spy not found (--py-spy PATH); skipped")
            else:
                out = Path(args.profile_out) if args.profile_out else workdir / "profile.txt"
                stages, profiled = profile(py_spy, loader, service, args.seconds, target, out)
                acknowledged += profiled.figures.succeeded
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        service.stop()
        return 2
    service.stop()
    print_levels(results, args.rounds)
    chosen = results[target]
    real = chosen.median("real")
    ratio_ok = chosen.ratio() >= TARGET_RATIO
    p99_ok = real.figures.p99_ms < TARGET_P99_MS
    print(
        f"target real >= {TARGET_RATIO:.0%} of /health throughput at c={target}: "
        f"{'MET' if ratio_ok else 'NOT MET'} ({chosen.ratio():.1%})"
    )
    print(
        f"target real p99 < {TARGET_P99_MS:.0f} ms at c={target}: "
        f"{'MET' if p99_ok else 'NOT MET'} ({real.figures.p99_ms:.2f} ms)"
    )
    if stages is not None:
        print_profile(stages, profiled, args.seconds)
    stored_ok = check_stored(service, acknowledged)
    errors = sum(level.errors() for level in results.values())
    print(f"errors: {errors}")
    if errors or not stored_ok:
        return 1
    if args.check and not (ratio_ok and p99_ok):
        return 3
    return 0


def run_compare(args: argparse.Namespace, loader: Loader, workdir: Path, pg: Postgres) -> int:
    """sqlite-1, sqlite-2, postgres-1, postgres-2 in turn, each against its own /health."""
    body = SEED_FILE.read_bytes()
    concurrency = args.target_concurrency
    services: list[Service] = []
    results: dict[str, Level] = {}
    acknowledged: dict[str, int] = {}
    try:
        for backend in (None, pg):
            for workers in (1, 2):
                name = f"{'postgres' if backend else 'sqlite'}-{workers}"
                services.append(
                    Service(workdir, args.synchronous, name=name, workers=workers, pg=backend)
                )
        for service in services:
            service.wait_ready()
            first_request(service, body)
            acknowledged[service.label] = 1
            results[service.label] = Level(concurrency)
        for number in range(args.rounds):
            for service in services:
                measured: dict[str, Measured] = {}
                for name, method, path in PHASES:
                    if number == 0:
                        warm = loader.run(method, service.base + path, args.warmup, concurrency)
                        if name == "real":
                            acknowledged[service.label] += warm.succeeded
                    measured[name] = measure(
                        loader, service, method, path, args.seconds, concurrency, args.verbose
                    )
                results[service.label].rounds.append(measured)
                acknowledged[service.label] += measured["real"].figures.succeeded
                if args.rounds > 1:
                    for name, method, path in PHASES:
                        label = f"r{number + 1} {service.label}"
                        print(f"{label:<14}" + line(name, method, path, measured[name]), flush=True)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        for service in services:
            service.stop()
        return 2
    for service in services:
        service.stop()
    if args.rounds > 1:
        print(f"median of {args.rounds} rounds, c={concurrency}:")
    for label, level in results.items():
        for name, method, path in PHASES:
            print(f"{label:<14}" + line(name, method, path, level.median(name)))
        print(f"{label:<14}{level.ratio_line()}")

    def cost(label: str) -> float | None:
        return results[label].median("real").us_per_request(with_db=True)

    def rate(label: str) -> float:
        return results[label].median("real").figures.per_second

    sqlite_cost, pg_cost = cost("sqlite-1"), cost("postgres-1")
    if sqlite_cost and pg_cost:
        factor = pg_cost / sqlite_cost
        print(
            f"CPU per request, postgres-1 (service + database) / sqlite-1: {pg_cost:,.0f} / "
            f"{sqlite_cost:,.0f} µs = {factor:.2f}x; target <= {TARGET_PG_COST}x: "
            f"{'MET' if factor <= TARGET_PG_COST else 'NOT MET'}"
        )
    print(f"throughput postgres-1 / sqlite-1: {rate('postgres-1') / rate('sqlite-1'):.2f}x")
    for kind in ("sqlite", "postgres"):
        one, two = rate(f"{kind}-1"), rate(f"{kind}-2")
        factor = two / one if one else 0.0
        health = results[f"{kind}-2"].median("health").figures.per_second / max(
            results[f"{kind}-1"].median("health").figures.per_second, 1e-9
        )
        print(
            f"throughput {kind}-2 / {kind}-1 (cde serve --workers 2 / 1 process): "
            f"{factor:.2f}x (/health: {health:.2f}x); target >= {TARGET_WORKERS}x: "
            f"{'MET' if factor >= TARGET_WORKERS else 'NOT MET'}"
        )
    stored_ok = all(check_stored(s, acknowledged[s.label]) for s in services)
    errors = sum(level.errors() for level in results.values())
    print(f"errors: {errors}")
    return 1 if errors or not stored_ok else 0


@contextlib.contextmanager
def _postgres(needed: bool, dsn: str) -> Iterator[Postgres | None]:
    if not needed:
        yield None
        return
    pg = Postgres(dsn)
    try:
        yield pg
    finally:
        pg.drop_all()


def _levels(text: str) -> list[int]:
    try:
        levels = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("a comma-separated list of numbers") from None
    if not levels or any(not 1 <= c <= 1024 for c in levels):
        raise argparse.ArgumentTypeError("each concurrency must be between 1 and 1024")
    return list(dict.fromkeys(levels))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase")
    parser.add_argument(
        "--concurrency", type=_levels, default=[32], help="connections: one or a list (1,32,128)"
    )
    parser.add_argument("--target-concurrency", type=int, default=32, help="targets checked at")
    parser.add_argument("--warmup", type=float, default=None, help="seconds (default 2, 1)")
    parser.add_argument("--synchronous", choices=["FULL", "NORMAL"], default="FULL")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--workers", type=int, default=1, help="cde serve --workers")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_DSN") or DEFAULT_ADMIN_DSN,
        help="libpq URL of the server's maintenance database",
    )
    parser.add_argument("--compare", action="store_true", help="sqlite/postgres x 1/2 processes")
    parser.add_argument("--profile", action="store_true", help="py-spy: the cost of each stage")
    parser.add_argument("--profile-out", help="keep py-spy's collapsed stacks in this file")
    parser.add_argument("--py-spy", help="the py-spy executable")
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--rounds", type=int, default=1, help="health/real pairs (median)")
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--max-requests", type=int, default=2_000_000, help="per phase (Python)")
    parser.add_argument("--install-wrk", action="store_true", help="root: apt-get install wrk")
    parser.add_argument("--quick", action="store_true", help="smoke test: 2 s, concurrency 8")
    parser.add_argument("--check", action="store_true", help="exit 3 when a target is missed")
    parser.add_argument("--verbose", action="store_true", help="show wrk's own report")
    parser.add_argument("--loadgen-url", help=argparse.SUPPRESS)
    parser.add_argument("--loadgen-method", default="POST", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if not 1 <= args.rounds <= 20:
        parser.error("--rounds must be between 1 and 20")
    if not 0 < args.duration <= 600:
        parser.error("--duration must be between 0 and 600 seconds")
    if not 1 <= args.workers <= 8:
        parser.error("--workers must be between 1 and 8")
    if args.loadgen_url:
        loadgen_main(
            args.loadgen_url,
            args.duration,
            args.concurrency[0],
            args.max_requests,
            args.loadgen_method,
        )
        return 0
    if args.quick:
        args.duration = 2.0
        args.concurrency = [8]
        args.target_concurrency = 8
    args.levels = args.concurrency
    warmup = args.warmup if args.warmup is not None else (1.0 if args.quick else 2.0)

    wrk = shutil.which("wrk") if args.tool in ("auto", "wrk") else None
    if wrk is None and args.tool in ("auto", "wrk") and args.install_wrk:
        wrk = install_wrk()
    if wrk is None and args.tool == "wrk":
        print("error: wrk is not installed (try --install-wrk as root)", file=sys.stderr)
        return 2
    if wrk is not None:
        args.seconds, args.warmup = max(1, round(args.duration)), max(1, round(warmup))
    else:
        args.seconds, args.warmup = args.duration, warmup

    from cde import __version__

    body = SEED_FILE.read_bytes()
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load_before = _loadavg()
    started = time.monotonic()
    try:
        with (
            tempfile.TemporaryDirectory(prefix="cde-bench-http-") as tmp,
            _postgres(args.compare or args.database == "postgres", args.postgres) as pg,
        ):
            workdir = Path(tmp)
            loader = Loader(wrk, workdir, args.wrk_threads, args.max_requests)
            database = f"PostgreSQL {pg.version}" if pg is not None else "SQLite"
            print(
                f"bench_http: cde {__version__}, Python {platform.python_version()}, "
                f"{cpus} CPU(s) ({_cpu_model()}), {platform.system()} {platform.release()}; "
                f"{database}"
            )
            print(
                f"tool: {loader.describe()}; duration {args.seconds:g} s per phase after a "
                f"{args.warmup:g} s warm-up; concurrency "
                f"{','.join(map(str, args.levels))}; rounds {args.rounds}; "
                f"CDE_SQLITE_SYNCHRONOUS={args.synchronous}; workers {args.workers}; "
                f"body {len(body):,} bytes (examples/seed_request.json)",
                flush=True,
            )
            if wrk is None:
                print(
                    "caveat: the Python load generator competes with the service for the "
                    f"{cpus} CPU(s); throughput figures are a lower bound (install wrk to do "
                    "better)"
                )
            if args.compare:
                assert pg is not None
                status = run_compare(args, loader, workdir, pg)
            else:
                status = run_single(args, loader, workdir, pg)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    load_after = _loadavg()
    if load_before is not None and load_after is not None:
        print(
            f"machine load average (1 min) before {load_before:.2f}, after {load_after:.2f} "
            f"on {cpus} CPU(s), {time.monotonic() - started:.0f} s: other work on the machine "
            "skews the figures"
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
