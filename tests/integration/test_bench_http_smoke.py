"""``benchmarks/bench_http.py --quick`` starts the service, loads ``GET /health`` and the real
route, and prints its figures without a single failed request."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "bench_http.py"
FIGURES = re.compile(
    r"^c=8\s+(health|real)\s+(GET|POST)\s+(\S+)\s+([\d,]+) req/s\s+p50\s+([\d.]+) ms\s+"
    r"p90\s+([\d.]+) ms\s+p99\s+([\d.]+) ms\s+errors (\d+) \(([\d,]+) requests",
    re.MULTILINE,
)


def _run(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDE_")}
    env["PYTHONIOENCODING"] = "utf-8"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", *args],
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )
    out = proc.stdout.decode("utf-8")
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, out + err
    assert "Traceback" not in out + err
    return out


def _check(out: str) -> None:
    figures = {m.group(1): m.groups()[1:] for m in FIGURES.finditer(out)}
    assert set(figures) == {"health", "real"}, out
    assert figures["health"][:2] == ("GET", "/health")
    assert figures["real"][:2] == ("POST", "/kocek/cde/credit-recommendation")
    for _, _, rate, p50, p90, p99, errors, requests in figures.values():
        assert int(errors) == 0, out
        assert int(requests.replace(",", "")) > 0
        assert int(rate.replace(",", "")) > 0
        assert 0 < float(p50) <= float(p90) <= float(p99)
    assert re.search(r"^c=8\s+ratio real/health throughput: [\d.]+%", out, re.MULTILINE), out
    assert re.search(r"^target real >= 40% of /health throughput at c=8: (MET|NOT MET)", out, re.M)
    assert re.search(r"^target real p99 < 50 ms at c=8: (MET|NOT MET)", out, re.MULTILINE)
    assert re.search(r"^stored recommendations: [\d,]+ \(acknowledged [\d,]+\): ok$", out, re.M)
    assert re.search(r"^errors: 0$", out, re.MULTILINE)


def test_quick_benchmark_prints_its_figures() -> None:
    out = _run()
    assert re.search(r"^tool: (wrk|python httpx)", out, re.MULTILINE), out
    _check(out)


@pytest.mark.skipif(shutil.which("wrk") is None, reason="without wrk the test above covers it")
def test_quick_benchmark_with_the_python_load_generator() -> None:
    out = _run("--tool", "python")
    assert "tool: python httpx load generator (separate process)" in out
    assert "caveat: the Python load generator competes with the service" in out
    _check(out)
