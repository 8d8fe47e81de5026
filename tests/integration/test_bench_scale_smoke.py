"""``benchmarks/bench_scale.py --quick`` loads SQLite and PostgreSQL with 1 and 2 API
processes, runs a 2,000-item batch with 1 and 2 ``cde worker`` processes, and prints every
figure line without a failed request or item."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pg  # tests/pg.py (pytest's pythonpath)

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "bench_scale.py"
POST = re.compile(
    r"^post  (sqlite-1|postgres-1|postgres-2)\s+([\d,]+) req/s  p50\s+([\d.]+) ms  "
    r"p99\s+([\d.]+) ms  errors (\d+) \(([\d,]+) requests",
    re.MULTILINE,
)
RATIO = re.compile(
    r"^ratio (postgres-1|postgres-2) / sqlite-1: throughput ([\d.]+)x  p50 ([\d.]+)x  "
    r"p99 ([\d.]+)x$",
    re.MULTILINE,
)
BATCH = re.compile(
    r"^batch ([12]) worker\(s\): ([\d,]+) items in ([\d.]+) s = ([\d,]+) items/s .*"
    r"failed (\d+).* jobs (\d+) on (\d+) worker\(s\)$",
    re.MULTILINE,
)


def test_quick_scale_benchmark_prints_its_figures() -> None:
    pg.require_postgres()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDE_")}
    env["PYTHONIOENCODING"] = "utf-8"
    env["BENCH_POSTGRES_DSN"] = pg.admin_dsn()
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"],
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    out = proc.stdout.decode("utf-8")
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, out + err
    assert "Traceback" not in out + err

    assert re.search(r"^bench_scale: cde \S+, .*\d+ CPU\(s\).*PostgreSQL \d+", out, re.M), out
    assert re.search(r"^tool: (wrk|python httpx)", out, re.MULTILINE), out
    posts = {m.group(1): m.groups()[1:] for m in POST.finditer(out)}
    assert set(posts) == {"sqlite-1", "postgres-1", "postgres-2"}, out
    for rate, p50, p99, errors, requests in posts.values():
        assert int(errors) == 0, out
        assert int(rate.replace(",", "")) > 0
        assert int(requests.replace(",", "")) > 0
        assert 0 < float(p50) <= float(p99)
    ratios = {m.group(1) for m in RATIO.finditer(out)}
    assert ratios == {"postgres-1", "postgres-2"}, out
    assert re.search(r"^ratio postgres-2 / postgres-1: throughput [\d.]+x$", out, re.M), out
    assert len(re.findall(r"^stored \S+: [\d,]+ \(acknowledged [\d,]+\): ok$", out, re.M)) == 3

    batches = {m.group(1): m.groups()[1:] for m in BATCH.finditer(out)}
    assert set(batches) == {"1", "2"}, out
    for workers, (items, _, rate, failed, jobs, job_workers) in batches.items():
        assert int(items.replace(",", "")) == 2_000
        assert int(rate.replace(",", "")) > 0
        assert int(failed) == 0
        assert int(jobs) == 10  # one job per 200 items
        assert 1 <= int(job_workers) <= int(workers)
    assert re.search(r"^scaling batch 2 workers / 1 worker: [\d.]+x$", out, re.MULTILINE), out
    assert re.search(r"^problems: 0$", out, re.MULTILINE), out
