"""The benchmark scripts' ``--quick`` runs work and print their figures
(``bench_engine.py`` here, ``bench_narration.py`` in ``test_bench_narration_smoke.py``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_quick(script: str, timeout: float) -> str:
    """Run ``benchmarks/<script> --quick``; its stdout, once it exited 0 without a traceback."""
    env = {k: v for k, v in os.environ.items() if k != "CDE_POLICY_FILE"}
    env["PYTHONIOENCODING"] = "utf-8"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), "--quick"],
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=timeout,
        check=False,
    )
    out = proc.stdout.decode("utf-8")
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, out + err
    assert "Traceback" not in out + err
    return out


def test_quick_benchmark_prints_its_figures() -> None:
    out = run_quick("bench_engine.py", timeout=180)  # a smoke test, not a timed one: a busy machine

    evaluations = re.findall(r"evaluation: median\s+([\d.]+) µs\s+p90\s+([\d.]+) µs", out)
    floors = re.findall(r"floor:\s+median\s+([\d.]+) µs\s+p90\s+([\d.]+) µs", out)
    assert len(evaluations) == len(floors) == 2, out  # the seed (decline) and an approval
    for (median, p90), (floor_median, _) in zip(evaluations, floors, strict=True):
        assert 0 < float(floor_median) < float(median) <= float(p90)
    assert "seed example (decline" in out
    assert "generated approvable (approve" in out
    assert len(re.findall(r"ratio evaluation/floor: median [\d.]+x", out)) == 2

    rates = re.findall(r"--workers ([12]):.*?([\d,]+) applications/s", out)
    assert {workers for workers, _ in rates} == {"1", "2"}, out
    assert all(int(rate.replace(",", "")) > 0 for _, rate in rates)
    batch_floors = re.findall(r"\(floor ([\d,]+) applications/s, floor/batch [\d.]+x\)", out)
    assert len(batch_floors) == 4, out
    assert len(re.findall(r"CPU\s+\d+ µs/application", out)) == 4
    assert re.search(r"scaling 2 workers vs 1: [\d.]+x", out)
    assert len(re.findall(r"peak RSS\s+[\d.]+ MB", out)) == 4
    assert "memory flat" in out
