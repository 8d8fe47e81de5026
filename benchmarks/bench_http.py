"""Benchmark the HTTP service against a do-nothing baseline on the same stack; print the
figures.

    .venv/bin/python benchmarks/bench_http.py [--duration 10] [--concurrency 32]
        [--synchronous FULL|NORMAL] [--tool auto|wrk|python] [--quick] [--install-wrk]

1. Starts the real service (``cde serve``) as a child process on 127.0.0.1, on a fresh
   temporary data directory, with ``CDE_API_TOKENS=bench-token``,
   ``CDE_BENCH_ROUTES=true`` (which exposes ``POST /bench/baseline``: the same ASGI stack
   and middleware, parse the JSON body, answer a constant), ``CDE_SQLITE_SYNCHRONOUS``
   from ``--synchronous`` and the per-tenant rate limit off (this measures throughput,
   not the limiter); waits for ``/health``.
2. In the same run, after a short warm-up each, loads (a) ``POST /bench/baseline`` and
   (b) ``POST /kocek/cde/credit-recommendation`` for ``--duration`` seconds with
   ``--concurrency`` keep-alive connections, both with the seed body
   (``examples/seed_request.json``) and the Kocek headers.
3. Prints req/s, p50, p99 (ms) and errors (anything not 2xx, and socket errors) for both,
   the throughput ratio real/baseline, and whether the targets hold:
   real >= 40 % of the baseline's throughput and real p99 < 50 ms.

Load generator: ``wrk`` (with a Lua script, ``--latency``) when it is installed; otherwise
an asyncio + ``httpx`` generator (HTTP/1.1, keep-alive, ``--concurrency`` connections and
workers) in a separate process. A Python generator costs about as much CPU per request as
the server's own HTTP stack: on a small machine it competes with the server for the cores
and the figures are a lower bound. ``--install-wrk`` (root only, never by default) runs
``apt-get install -y wrk`` when wrk is missing.

Everything is bounded: each phase by its duration and (Python generator) by
``--max-requests``; only 127.0.0.1 is ever targeted. The exit status is 0 when every
request succeeded (targets missed are reported, not failed; ``--check`` makes them fail),
1 when any request failed, 2 when the service could not be started or measured.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEED_FILE = ROOT / "examples" / "seed_request.json"
HOST = "127.0.0.1"
TOKEN = "bench-token"
MAIN = "from cde.entrypoints.cli import main; main()"
BASELINE = "/bench/baseline"
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
REQUEST_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Figures:
    """One measured phase."""

    requests: int  # completed responses
    errors: int  # non-2xx responses + socket errors/timeouts
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    @property
    def succeeded(self) -> int:
        return max(self.requests - self.errors, 0)


class BenchError(Exception):
    """The service could not be started or measured."""


# --- the service ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Service:
    """``cde serve`` as a child process on a fresh data directory."""

    def __init__(self, workdir: Path, synchronous: str) -> None:
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.port = _free_port()
        self.base = f"http://{HOST}:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("CDE_")}
        env.update(
            {
                "CDE_DATA_DIR": str(self.data_dir),
                "CDE_API_TOKENS": TOKEN,
                "CDE_BENCH_ROUTES": "true",
                "CDE_SQLITE_SYNCHRONOUS": synchronous,
                "CDE_RATE_LIMIT_PER_MINUTE": "0",
                "CDE_LOG_LEVEL": "warning",
                "PYTHONIOENCODING": "utf-8",
            }
        )
        self.log_path = workdir / "service.log"
        self._log = self.log_path.open("wb")
        # cwd = the temporary directory, so that no stray .env file changes the settings
        self.proc = subprocess.Popen(
            [sys.executable, "-c", MAIN, "serve", "--host", HOST, "--port", str(self.port)],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def log_tail(self, lines: int = 30) -> str:
        self._log.flush()
        text = self.log_path.read_text("utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def wait_healthy(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(
                    f"the service exited with {self.proc.returncode}:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.base}/health", timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        raise BenchError(f"the service did not answer /health in {timeout:.0f} s")

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
        """User + system CPU time of the service process so far (Linux only)."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # uvicorn shuts down gracefully
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._log.close()

    def stored_records(self) -> int | None:
        db = self.data_dir / "cde.db"
        if not db.exists():
            return None
        with contextlib.closing(sqlite3.connect(db)) as conn:
            return int(conn.execute("SELECT count(*) FROM recommendations").fetchone()[0])


# --- wrk -----------------------------------------------------------------------------------

_WRK_LUA = """
-- generated by benchmarks/bench_http.py
local f = assert(io.open(BODY_FILE, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
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
    .. "\\"p50_us\\": %d, \\"p99_us\\": %d, \\"max_us\\": %d}\\n",
    summary.requests, summary.duration, bad, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_wrk_script(directory: Path, body_file: Path) -> Path:
    headers = "\n".join(
        f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in KOCEK_HEADERS.items()
    )
    script = _WRK_LUA.replace("BODY_FILE", _lua_string(str(body_file))).replace("HEADERS", headers)
    path = directory / "post.lua"
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
    url: str, body: bytes, seconds: float, concurrency: int, max_requests: int
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
        "p99_ms": _percentile(ordered, 0.99) * 1000,
        "max_ms": (ordered[-1] if ordered else 0.0) * 1000,
    }


def loadgen_main(url: str, seconds: float, concurrency: int, max_requests: int) -> None:
    """Entry point of the load-generator child: prints one JSON line."""
    if not url.startswith(f"http://{HOST}:"):
        raise SystemExit(f"refusing to load anything but {HOST}: {url}")
    body = SEED_FILE.read_bytes()
    try:
        import uvloop

        runner: Any = uvloop.run
    except ImportError:
        runner = asyncio.run
    result = runner(_load(url, body, seconds, concurrency, max_requests))
    print("BENCH_RESULT " + json.dumps(result), flush=True)


def run_python(url: str, seconds: float, concurrency: int, max_requests: int) -> Figures:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--loadgen-url",
        url,
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


# --- the run -------------------------------------------------------------------------------


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _line(label: str, path: str, f: Figures, cpu: float | None) -> str:
    load = f"  server CPU {cpu:4.2f} cores" if cpu is not None else ""
    return (
        f"{label:<9}POST {path:<36}{f.per_second:>9,.0f} req/s  p50 {f.p50_ms:7.2f} ms  "
        f"p99 {f.p99_ms:7.2f} ms  errors {f.errors} ({f.requests:,} requests in "
        f"{f.seconds:.1f} s){load}"
    )


def _loadavg() -> float | None:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def _median_round(
    rounds: list[dict[str, tuple[Figures, float | None]]], name: str
) -> tuple[Figures, float | None]:
    """Each figure's median over the rounds (the errors: their sum)."""
    phases = [r[name] for r in rounds]
    figures = [f for f, _ in phases]
    cpus = [c for _, c in phases if c is not None]
    per_second = statistics.median(f.per_second for f in figures)
    seconds = statistics.median(f.seconds for f in figures)
    return (
        Figures(
            requests=round(per_second * seconds),
            errors=sum(f.errors for f in figures),
            seconds=seconds,
            p50_ms=statistics.median(f.p50_ms for f in figures),
            p99_ms=statistics.median(f.p99_ms for f in figures),
            max_ms=max(f.max_ms for f in figures),
        ),
        statistics.median(cpus) if cpus else None,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase")
    parser.add_argument("--concurrency", type=int, default=32, help="connections")
    parser.add_argument("--warmup", type=float, default=None, help="seconds (default 2, 1)")
    parser.add_argument("--synchronous", choices=["FULL", "NORMAL"], default="FULL")
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--rounds", type=int, default=1, help="baseline/real pairs (median)")
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--max-requests", type=int, default=2_000_000, help="per phase (Python)")
    parser.add_argument("--install-wrk", action="store_true", help="root: apt-get install wrk")
    parser.add_argument("--quick", action="store_true", help="smoke test: 2 s, concurrency 8")
    parser.add_argument("--check", action="store_true", help="exit 3 when a target is missed")
    parser.add_argument("--verbose", action="store_true", help="show wrk's own report")
    parser.add_argument("--loadgen-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if not 1 <= args.concurrency <= 1024:
        parser.error("--concurrency must be between 1 and 1024")
    if not 1 <= args.rounds <= 20:
        parser.error("--rounds must be between 1 and 20")
    if not 0 < args.duration <= 600:
        parser.error("--duration must be between 0 and 600 seconds")
    if args.loadgen_url:
        loadgen_main(args.loadgen_url, args.duration, args.concurrency, args.max_requests)
        return 0
    if args.quick:
        args.duration, args.concurrency = 2.0, 8
    warmup = args.warmup if args.warmup is not None else (1.0 if args.quick else 2.0)

    wrk = shutil.which("wrk") if args.tool in ("auto", "wrk") else None
    if wrk is None and args.tool in ("auto", "wrk") and args.install_wrk:
        wrk = install_wrk()
    if wrk is None and args.tool == "wrk":
        print("error: wrk is not installed (try --install-wrk as root)", file=sys.stderr)
        return 2
    if wrk is not None:
        tool = f"wrk {wrk_version(wrk)} ({min(args.wrk_threads, args.concurrency)} thread(s))"
        seconds = max(1, round(args.duration))
        warm_seconds = max(1, round(warmup))
    else:
        tool = "python httpx load generator (separate process)"
        seconds, warm_seconds = args.duration, warmup

    from cde import __version__

    body = SEED_FILE.read_bytes()
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"bench_http: cde {__version__}, Python {platform.python_version()}, {cpus} CPU(s) "
        f"({_cpu_model()}), {platform.system()} {platform.release()}"
    )
    print(
        f"tool: {tool}; duration {seconds:g} s per phase after a {warm_seconds:g} s warm-up; "
        f"concurrency {args.concurrency}; CDE_SQLITE_SYNCHRONOUS={args.synchronous}; "
        f"body {len(body):,} bytes (examples/seed_request.json)"
    )
    if wrk is None:
        print(
            "caveat: the Python load generator competes with the service for the "
            f"{cpus} CPU(s); throughput figures are a lower bound (install wrk to do better)"
        )

    load_before = _loadavg()
    rounds: list[dict[str, tuple[Figures, float | None]]] = []
    with tempfile.TemporaryDirectory(prefix="cde-bench-http-") as tmp:
        workdir = Path(tmp)
        service = Service(workdir, args.synchronous)
        try:
            service.wait_healthy()
            for path in (BASELINE, REAL):
                status, answer = service.post(path, body)
                if status != 200:
                    raise BenchError(f"POST {path} answered {status}: {answer[:500]!r}")
            acknowledged = 1
            script = write_wrk_script(workdir, SEED_FILE) if wrk is not None else None

            def phase(path: str, duration: float) -> tuple[Figures, float | None]:
                url = service.base + path
                before, started = service.cpu_seconds(), time.perf_counter()
                if script is not None and wrk is not None:
                    figures = run_wrk(
                        wrk,
                        url,
                        script,
                        int(duration),
                        args.concurrency,
                        args.wrk_threads,
                        args.verbose,
                    )
                else:
                    figures = run_python(url, duration, args.concurrency, args.max_requests)
                after, elapsed = service.cpu_seconds(), time.perf_counter() - started
                cpu = None
                if before is not None and after is not None:
                    cpu = (after - before) / elapsed
                if service.proc.poll() is not None:
                    raise BenchError(f"the service died:\n{service.log_tail()}")
                return figures, cpu

            for number in range(args.rounds):
                measured: dict[str, tuple[Figures, float | None]] = {}
                for name, path in (("baseline", BASELINE), ("real", REAL)):
                    if number == 0:
                        warm, _ = phase(path, warm_seconds)
                        if path == REAL:
                            acknowledged += warm.succeeded
                    measured[name] = phase(path, seconds)
                    if path == REAL:
                        acknowledged += measured[name][0].succeeded
                rounds.append(measured)
                if args.rounds > 1:
                    for name, path in (("baseline", BASELINE), ("real", REAL)):
                        print(f"round {number + 1}: " + _line(name, path, *measured[name]))
        except BenchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        finally:
            service.stop()
        stored = service.stored_records()

    load_after = _loadavg()
    if load_before is not None and load_after is not None:
        print(
            f"machine load average (1 min) before {load_before:.2f}, after {load_after:.2f} "
            f"on {cpus} CPU(s): other work on the machine skews the figures"
        )
    summary = {name: _median_round(rounds, name) for name in ("baseline", "real")}
    if args.rounds > 1:
        print(f"median of {args.rounds} rounds:")
    base, base_cpu = summary["baseline"]
    real, real_cpu = summary["real"]
    print(_line("baseline", BASELINE, base, base_cpu))
    print(_line("real", REAL, real, real_cpu))
    ratio = real.per_second / base.per_second if base.per_second else 0.0
    print(f"ratio real/baseline throughput: {ratio:.1%}")
    ratio_ok = ratio >= TARGET_RATIO
    p99_ok = real.p99_ms < TARGET_P99_MS
    print(
        f"target real >= {TARGET_RATIO:.0%} of baseline throughput: "
        f"{'MET' if ratio_ok else 'NOT MET'} ({ratio:.1%})"
    )
    print(
        f"target real p99 < {TARGET_P99_MS:.0f} ms: "
        f"{'MET' if p99_ok else 'NOT MET'} ({real.p99_ms:.2f} ms)"
    )
    if stored is not None:
        # wrk does not count responses still in flight when it stops, so stored may exceed
        # acknowledged by up to the concurrency; fewer would mean an acknowledged loss.
        verdict = "ok" if stored >= acknowledged else "LOST ACKNOWLEDGED RECORDS"
        print(f"stored recommendations: {stored:,} (acknowledged {acknowledged:,}): {verdict}")
    errors = sum(f.errors for measured in rounds for f, _ in measured.values())
    print(f"errors: {errors}")
    if errors or (stored is not None and stored < acknowledged):
        return 1
    if args.check and not (ratio_ok and p99_ok):
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
