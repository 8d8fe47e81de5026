"""Benchmark ``cde backtest`` against ``cde batch`` on the same file, in the same run.

    .venv/bin/python benchmarks/bench_backtest.py [--applications 100000] [--workers 2]
                                                  [--rounds 2] [--quick]

Writes ``--applications`` generated applications (``generate_applications.write_jsonl``)
and an outcome for each (bad drawn with a seeded generator at 12 %: the speed does not
depend on what the outcomes say), then times, as real child processes, alternately:

- ``cde batch APPS -o /dev/null --workers N --today 2024-10-21`` (the floor: every
  application evaluated, its result and memo written), and
- ``cde backtest APPS --outcomes OUTS --workers N --today 2024-10-21 --format json -o
  /dev/null`` (every application replayed, the report computed).

The figure is the ratio backtest ÷ batch of the fastest round of each (goal: within 1.2×).
``--quick`` runs 2,000 applications once (a smoke test).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from cde import __version__
from generate_applications import write_jsonl

MAIN = "from cde.entrypoints.cli import main; main()"
TODAY = "2024-10-21"
GOAL = 1.2


def _outcomes(apps: Path, path: Path, seed: int) -> None:
    """An outcome for every application of ``apps``: bad at 12 %, seeded."""
    rng = random.Random(seed)
    lines = ["loan_id,bad"]
    with apps.open("rb") as source:
        for line in source:
            loan = orjson.loads(line)["loan_id"]
            lines.append(f"{loan},{int(rng.random() < 0.12)}")
    path.write_text("\n".join(lines) + "\n")


def _timed(args: list[str]) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDE_")}
    env["CDE_PROGRESS"] = "false"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", MAIN, *args], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.applications, args.rounds = 2000, 1
    print(f"cde {__version__} · Python {platform.python_version()} · {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as folder:
        apps, outs = Path(folder) / "apps.jsonl", Path(folder) / "outcomes.csv"
        size = write_jsonl(apps, args.applications, seed=5)
        _outcomes(apps, outs, seed=5)
        print(f"{args.applications:,} applications ({size / 1e6:.1f} MB), {args.workers} workers")
        workers = ["--workers", str(args.workers), "--today", TODAY]
        batch: list[float] = []
        backtest: list[float] = []
        for _ in range(args.rounds):
            batch.append(_timed(["batch", str(apps), "-o", os.devnull, *workers]))
            backtest.append(
                _timed(
                    [
                        "backtest",
                        str(apps),
                        "--outcomes",
                        str(outs),
                        "--format",
                        "json",
                        "-o",
                        os.devnull,
                        *workers,
                    ]
                )
            )
    a, b = min(batch), min(backtest)
    verdict = "met" if b / a <= GOAL else "NOT met"
    print(f"cde batch:    {a:8.2f} s  ({args.applications / a:,.0f} applications/s)")
    print(f"cde backtest: {b:8.2f} s  ({args.applications / b:,.0f} applications/s)")
    print(f"ratio backtest / batch: {b / a:.3f} (goal <= {GOAL}: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
