"""Benchmark the engine and ``cde batch``; print the figures.

    .venv/bin/python benchmarks/bench_engine.py [--runs N] [--batch-size N] [--quick]
                     [--batch-only] [--rounds N] [--no-memory] [--devnull]

1. Per evaluation: one evaluation is ``orjson.loads(body)`` + ``evaluate(...)`` +
   ``orjson.dumps(result)``, timed with ``time.perf_counter_ns`` over ``--runs`` runs after
   a warm-up, for the seed example (a decline) and for an approvable generated
   application. Next to it, in the same run and interleaved with it, the FLOOR:
   ``orjson.dumps(orjson.loads(body))`` of the same bytes. Shared machines are noisy, so
   the ratio evaluation/floor is the figure to compare between runs.
2. ``cde batch`` throughput on ``--batch-size`` generated applications with 1 and 2
   workers, as real child processes: wall time, applications/s, the 2-vs-1 scaling and
   the child's peak RSS (``os.wait4`` via a tiny launcher: the largest single process of
   the tree, the batch process or a worker). The floor
   here is reading, ``orjson.loads`` + ``orjson.dumps`` and writing every line of the
   same file in this process, measured just before each run; the ratio batch time /
   floor time is the figure to compare. The CPU time is split between the workers and
   the batch process itself (the parent: starting, reading, handing out chunks, writing;
   "in the run" leaves out its start, imports and exit). ``--rounds N`` repeats every
   run N times, alternating, and prints the medians.
3. Memory: the peak RSS for a quarter of the lines against all of them (flat = the
   larger run within +30 MB of the smaller one); ``--no-memory`` leaves the quarter out.

``--quick`` runs a small version of everything (a smoke test, a few seconds);
``--batch-only`` leaves out part 1, ``--evaluations-only`` parts 2 and 3.
``--scorecard FILE`` times each case of part 1 also with the default policy scoring with
that scorecard (a ``cde-scorecard/1`` file, as ``cde scorecard train`` writes it), against
its own interleaved floor, and prints what scoring adds.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import orjson

from cde import __version__
from cde.domain.engine import evaluate
from cde.domain.scorecard.model import load_scorecard
from cde.policies import Policy, default_policy
from generate_applications import REFERENCE_DAY, SEED_FILE, generate, write_jsonl

TODAY: date = REFERENCE_DAY
TARGET_US = 250.0
TARGET_PER_SECOND_2W = 8_000.0
TARGET_FLOOR_RATIO_2W = 6.0  # cde batch --workers 2 within 6x its floor (issue 15)
FLAT_SLACK_MB = 30.0
MAIN = "from cde.entrypoints.cli import main; main()"
# ``cde batch`` that also writes, to the file CDE_BENCH_RUSAGE, its own CPU seconds after
# its imports and at the end, and its reaped workers' CPU seconds.
BATCH_MAIN = """
import os, resource
def cpu(who):
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime
from cde.entrypoints.cli import main
started = cpu(resource.RUSAGE_SELF)
try:
    main()
finally:
    with open(os.environ["CDE_BENCH_RUSAGE"], "w") as out:
        out.write(f"{started} {cpu(resource.RUSAGE_SELF)} {cpu(resource.RUSAGE_CHILDREN)}")
"""


# --- per evaluation -------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    median_us: float
    p90_us: float
    mean_us: float
    runs: int


def _timing(samples_ns: list[int]) -> Timing:
    ordered = sorted(samples_ns)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return Timing(
        statistics.median(ordered) / 1000,
        p90 / 1000,
        statistics.fmean(ordered) / 1000,
        len(ordered),
    )


def measure(body: bytes, policy: Policy, runs: int, warmup: int) -> tuple[Timing, Timing, str]:
    """(evaluation, floor, outcome): both timed ``runs`` times, interleaved, so that both
    see the same machine."""
    loads, dumps, perf = orjson.loads, orjson.dumps, time.perf_counter_ns

    def one_evaluation() -> bytes:
        return dumps(evaluate(loads(body), policy=policy, today=TODAY, lang="id"))

    def one_floor() -> bytes:
        return dumps(loads(body))

    for _ in range(warmup):
        one_evaluation()
        one_floor()
    evaluation_ns: list[int] = []
    floor_ns: list[int] = []
    for _ in range(runs):
        start = perf()
        one_floor()
        middle = perf()
        one_evaluation()
        end = perf()
        floor_ns.append(middle - start)
        evaluation_ns.append(end - middle)
    outcome = str(loads(one_evaluation())["decision"]["outcome"])
    return _timing(evaluation_ns), _timing(floor_ns), outcome


def approvable(policy: Policy) -> dict[str, Any]:
    """The first generated application the default policy approves outright."""
    for app in generate(5_000, seed=0):
        if evaluate(app, policy=policy, today=TODAY)["decision"]["outcome"] == "approve":
            return app
    raise SystemExit("the generator produced no approvable application")


# --- batch ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchRun:
    lines: int
    workers: int
    seconds: float
    peak_mb: float
    cpu_seconds: float  # user + system, of the batch process and its workers
    evaluated: int  # as the batch's own summary on stderr counts them
    errors: int
    workers_seconds: float = 0.0  # CPU of the workers alone
    parent_run_seconds: float = 0.0  # CPU of the batch process from after its imports to its end
    floor_per_second: float = 0.0  # the floor measured just before this run

    @property
    def per_second(self) -> float:
        return self.lines / self.seconds

    @property
    def cpu_us(self) -> float:
        return self.cpu_seconds / self.lines * 1e6

    @property
    def workers_us(self) -> float:
        return self.workers_seconds / self.lines * 1e6

    @property
    def parent_us(self) -> float:
        """The batch process's own CPU per application: start, imports and exit included."""
        return (self.cpu_seconds - self.workers_seconds) / self.lines * 1e6

    @property
    def parent_run_us(self) -> float:
        return self.parent_run_seconds / self.lines * 1e6

    @property
    def floor_us(self) -> float:
        return 1e6 / self.floor_per_second

    @property
    def floor_ratio(self) -> float:
        """Batch time / floor time for the same lines (= floor rate / batch rate)."""
        return self.floor_per_second / self.per_second


# ``ru_maxrss`` is carried across exec: a child started directly from this process would
# report at least this process's own peak. So a tiny launcher starts ``cde batch`` and
# reports what ``os.wait4`` says of it: the largest of the child and its reaped workers.
LAUNCHER = """
import os, sys
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ)
_, status, usage = os.wait4(pid, 0)
cpu = usage.ru_utime + usage.ru_stime
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss, cpu, flush=True)
"""


SUMMARY = re.compile(r"(?P<lines>\d+) lines: (?P<evaluated>\d+) evaluated, (?P<errors>\d+) errors")


def run_batch_child(
    source: Path, lines: int, workers: int, sink: str, floor_per_second: float = 0.0
) -> BatchRun:
    """``cde batch`` in a child process: wall time, the peak RSS of the largest process
    of its tree (the batch process or one of its workers), and its CPU time, split."""
    args = [sys.executable, "-c", LAUNCHER, sys.executable, "-c", BATCH_MAIN, "batch", str(source)]
    args += ["--output", sink, "--workers", str(workers), "--today", TODAY.isoformat()]
    env = {k: v for k, v in os.environ.items() if k not in ("CDE_POLICY_FILE", "CDE_PROGRESS")}
    with tempfile.TemporaryDirectory(prefix="cde-bench-rusage-") as folder:
        rusage = Path(folder) / "rusage"
        env["CDE_BENCH_RUSAGE"] = str(rusage)
        started = time.perf_counter()
        proc = subprocess.run(args, capture_output=True, env=env, check=False)
        seconds = time.perf_counter() - started
        try:
            after_imports, at_end, workers_cpu = (float(x) for x in rusage.read_text().split())
        except (OSError, ValueError):
            after_imports = at_end = workers_cpu = 0.0
    try:
        code_text, peak_text, cpu_text = proc.stdout.split()[-3:]
        code, peak_kb, cpu = int(code_text), int(peak_text), float(cpu_text)
    except ValueError:
        code, peak_kb, cpu = -1, 0, 0.0
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0 or code != 0 or "Traceback" in stderr:
        raise SystemExit(f"cde batch failed ({code}): {stderr}")
    summary = SUMMARY.search(" ".join(stderr.split()))
    if summary is None or int(summary["lines"]) != lines:
        raise SystemExit(f"cde batch did not report {lines} lines: {stderr}")
    evaluated, errors = int(summary["evaluated"]), int(summary["errors"])
    return BatchRun(
        lines,
        workers,
        seconds,
        peak_kb / 1024,
        cpu,
        evaluated,
        errors,
        workers_seconds=workers_cpu,
        parent_run_seconds=at_end - after_imports,
        floor_per_second=floor_per_second,
    )


def batch_floor(source: Path, sink: str) -> float:
    """Applications/s of reading, loads + dumps and writing each line, in this process."""
    loads, dumps = orjson.loads, orjson.dumps
    started = time.perf_counter()
    count = 0
    with source.open("rb") as lines, open(sink, "wb") as out:
        for line in lines:
            out.write(dumps(loads(line)) + b"\n")
            count += 1
    return count / (time.perf_counter() - started)


# --- report ---------------------------------------------------------------------------


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _met(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def _timed(what: str, action: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    value = action()
    print(f"  ({what}: {time.perf_counter() - started:.1f} s)", flush=True)
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the cde engine and cde batch.")
    parser.add_argument("--runs", type=int, default=None, help="timed runs (default 10000)")
    parser.add_argument("--warmup", type=int, default=None, help="warm-up runs (default 500)")
    parser.add_argument(
        "--batch-size", type=int, default=None, help="applications per batch (default 100000)"
    )
    parser.add_argument("--quick", action="store_true", help="a small, fast smoke run")
    parser.add_argument(
        "--devnull", action="store_true", help="batch output to /dev/null instead of a file"
    )
    parser.add_argument(
        "--batch-only", action="store_true", help="leave out the per-evaluation part"
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="repeat every batch run N times (medians)"
    )
    parser.add_argument(
        "--no-memory", action="store_true", help="leave out the quarter-size batch runs"
    )
    parser.add_argument(
        "--evaluations-only", action="store_true", help="leave out the cde batch parts"
    )
    parser.add_argument(
        "--scorecard",
        type=Path,
        default=None,
        help="also time each evaluation with the default policy scoring with this scorecard",
    )
    args = parser.parse_args(argv)
    runs = args.runs or (300 if args.quick else 10_000)
    warmup = args.warmup if args.warmup is not None else (50 if args.quick else 500)
    batch_size = args.batch_size or (1_000 if args.quick else 100_000)
    small_size = max(1, batch_size // 4)

    print(f"cde {__version__} benchmark{' (quick)' if args.quick else ''}")
    print(
        f"machine: {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()} "
        f"({platform.python_implementation()}), {platform.system()} {platform.release()}"
    )
    print(f"load average at start: {_load()} (other work on the machine skews absolute figures)")
    timed = "" if args.batch_only else f"; {runs} timed runs after {warmup} warm-up runs"
    print(f"today fixed at {TODAY.isoformat()}{timed}\n")

    medians: list[float] = []
    if not args.batch_only:
        medians = per_evaluation(runs, warmup, args.scorecard)
    if args.evaluations_only:
        worst = max(medians)
        print("== targets ==")
        print(
            f"  ≤ {TARGET_US:.0f} µs per evaluation: {_met(worst <= TARGET_US)}"
            f" (median {worst:.0f} µs)"
        )
        print(f"load average at end: {_load()}")
        return 0
    results = batch_runs(batch_size, small_size, args.rounds, args.devnull, not args.no_memory)

    print("== targets ==")
    if medians:
        worst = max(medians)
        print(
            f"  ≤ {TARGET_US:.0f} µs per evaluation: {_met(worst <= TARGET_US)}"
            f" (median {worst:.0f} µs)"
        )
    two = _median_run(results[batch_size, 2])
    print(
        f"  ≥ {TARGET_PER_SECOND_2W:,.0f} applications/s with 2 workers:"
        f" {_met(two.per_second >= TARGET_PER_SECOND_2W)} ({two.per_second:,.0f} applications/s)"
    )
    print(
        f"  --workers 2 ≤ {TARGET_FLOOR_RATIO_2W:.0f}x its floor:"
        f" {_met(two.floor_ratio <= TARGET_FLOOR_RATIO_2W)} ({two.floor_ratio:.1f}x; the"
        f" workers alone need {two.workers_us / 2 / two.floor_us:.1f}x on 2 CPUs, the batch"
        f" process {two.parent_us / two.floor_us:.1f}x, {two.parent_run_us / two.floor_us:.1f}x"
        " in the run)"
    )
    if not args.no_memory:
        flat_ok = all(
            _median_run(results[batch_size, w]).peak_mb
            - _median_run(results[small_size, w]).peak_mb
            <= FLAT_SLACK_MB
            for w in (1, 2)
        )
        print(f"  memory flat (within +{FLAT_SLACK_MB:.0f} MB at 4x the lines): {_met(flat_ok)}")
    print(f"load average at end: {_load()}")
    return 0


def per_evaluation(runs: int, warmup: int, scorecard: Path | None = None) -> list[float]:
    """Part 1: the medians (µs) of the seed example and of an approvable application
    (and, with ``scorecard``, of each scored with it: printed, not returned)."""
    policy = default_policy()
    scoring = policy.with_scorecard(load_scorecard(scorecard)) if scorecard else None
    cases = {
        "seed example": SEED_FILE.read_bytes(),
        "generated approvable": orjson.dumps(approvable(policy)),
    }
    print("== per evaluation: loads + evaluate + dumps, against the floor loads + dumps ==")
    medians: list[float] = []
    for name, body in cases.items():
        evaluation, floor, outcome = measure(body, policy, runs, warmup)
        medians.append(evaluation.median_us)
        print(f"{name} ({outcome}, {len(body)} bytes in):")
        print(
            f"  evaluation: median {evaluation.median_us:8.1f} µs   p90 {evaluation.p90_us:8.1f} µs"
            f"   mean {evaluation.mean_us:8.1f} µs   ({evaluation.runs} runs)"
        )
        print(
            f"  floor:      median {floor.median_us:8.1f} µs   p90 {floor.p90_us:8.1f} µs"
            f"   mean {floor.mean_us:8.1f} µs   ({floor.runs} runs)"
        )
        print(
            f"  ratio evaluation/floor: median {evaluation.median_us / floor.median_us:.1f}x"
            f"   p90 {evaluation.p90_us / floor.p90_us:.1f}x"
        )
        print(
            f"  target ≤ {TARGET_US:.0f} µs: {_met(evaluation.median_us <= TARGET_US)}"
            f" (median {evaluation.median_us:.0f} µs = {evaluation.median_us / TARGET_US:.2f}x"
            f" the target; the target is {TARGET_US / floor.median_us:.0f}x this run's floor)"
        )
        if scoring is not None:
            scored, scored_floor, scored_outcome = measure(body, scoring, runs, warmup)
            ratio = scored.median_us / scored_floor.median_us
            print(
                f"  with the scorecard ({scored_outcome}): median {scored.median_us:8.1f} µs"
                f"   p90 {scored.p90_us:8.1f} µs, {ratio:.1f}x its floor"
                f" ({scored_floor.median_us:.1f} µs)"
            )
            more = ratio / (evaluation.median_us / floor.median_us) - 1
            print(
                f"  scoring adds {scored.median_us / evaluation.median_us - 1:+.1%} by the"
                f" medians, {more:+.1%} by the ratios to the floors"
            )
    print()
    return medians


def _median_run(runs: list[BatchRun]) -> BatchRun:
    """The run of median batch time / floor time (the first of the middle two)."""
    ordered = sorted(runs, key=lambda r: r.floor_ratio)
    return ordered[(len(ordered) - 1) // 2]


def batch_runs(
    batch_size: int, small_size: int, rounds: int, devnull: bool, memory: bool
) -> dict[tuple[int, int], list[BatchRun]]:
    """Parts 2 and 3: every (lines, workers) run ``rounds`` times, each after its floor."""
    print(f"== cde batch: {batch_size} generated applications, real child processes ==")
    results: dict[tuple[int, int], list[BatchRun]] = {}
    with tempfile.TemporaryDirectory(prefix="cde-bench-") as folder:
        work = Path(folder)
        big = work / f"apps-{batch_size}.jsonl"
        small = work / f"apps-{small_size}.jsonl"
        size = _timed("generate", lambda: write_jsonl(big, batch_size, seed=2024))
        with big.open("rb") as whole, small.open("wb") as part:
            for _, line in zip(range(small_size), whole, strict=False):
                part.write(line)
        print(f"  input: {batch_size} lines, {size / 1e6:.1f} MB", flush=True)
        sink = os.devnull if devnull else str(work / "out.jsonl")
        print(f"  output to {'/dev/null' if devnull else 'a file in ' + folder}")

        print("  floor = read + loads + dumps + write of the same file, in-process, just before")
        sizes = ((batch_size, big), (small_size, small)) if memory else ((batch_size, big),)
        for number in range(1, rounds + 1):
            if rounds > 1:
                print(f"  round {number} of {rounds} (load {_load()})", flush=True)
            for lines, source in sizes:
                for workers in (1, 2):
                    floor_rate = batch_floor(source, sink)
                    run = run_batch_child(source, lines, workers, sink, floor_rate)
                    results.setdefault((lines, workers), []).append(run)
                    _print_run(run)
        if not devnull:
            Path(sink).unlink(missing_ok=True)

    if rounds > 1:
        print(f"  medians of {rounds} rounds (the run of median floor/batch):")
        for runs in results.values():
            _print_run(_median_run(runs))
    one, two = _median_run(results[batch_size, 1]), _median_run(results[batch_size, 2])
    print(f"  scaling 2 workers vs 1: {two.per_second / one.per_second:.2f}x")
    if memory:
        for workers in (1, 2):
            small_peak = _median_run(results[small_size, workers]).peak_mb
            big_peak = _median_run(results[batch_size, workers]).peak_mb
            print(
                f"  memory, --workers {workers}: peak {small_peak:.1f} MB for {small_size} lines,"
                f" {big_peak:.1f} MB for {batch_size} lines ({big_peak - small_peak:+.1f} MB)"
            )
    print()
    return results


def _print_run(run: BatchRun) -> None:
    print(
        f"  batch {run.lines:>7} lines, --workers {run.workers}: {run.seconds:7.2f} s,"
        f" {run.per_second:8,.0f} applications/s"
        f" (floor {run.floor_per_second:,.0f} applications/s, floor/batch"
        f" {run.floor_ratio:.1f}x), CPU {run.cpu_us:5.0f} µs/application"
        f" (workers {run.workers_us:.0f}, batch process {run.parent_us:.1f} ="
        f" {run.parent_us / run.floor_us:.1f}x the floor, {run.parent_run_us:.1f} in the run),"
        f" peak RSS {run.peak_mb:6.1f} MB",
        flush=True,
    )
    if run.errors:
        print(
            f"  WARNING: {run.errors} of {run.lines} lines were errors, not evaluations:"
            " this run's figures do not measure the engine",
            flush=True,
        )


if __name__ == "__main__":
    raise SystemExit(main())
