"""Measure the grounding guard on its corpus and the LLM narrator's overhead; print the figures.

    .venv/bin/python benchmarks/bench_guard.py [--rounds N] [--per-round N] [--quick]

1. Accuracy: runs the guard (``cde.domain.guard.grounds`` + ``check``) over every case of
   ``tests/guard_corpus/corpus.json`` (hand-written narratives about six fixed
   applications, faithful and unfaithful) and prints: faithful texts passed / total,
   unfaithful texts caught as their kind / total (and refused at all), both by kind and by
   language, then every miss and every wrongly refused text with the guard's violations.
   Then the same figures, apart, for each later set of ``guard_cases.SETS``: the held-out
   set ``tests/guard_corpus/holdout.json`` and the blind sets ``holdout2.json`` to
   ``holdout5.json``, each written without reading the guard's rules and run once (the
   title shows that first run's figures; the guard was fixed after each, so only a new
   set's first run is an honest measure of texts the guard has not seen). This is a
   measurement: the exit status is 0 whatever the figures, 2 when any of the files cannot
   be loaded.
2. Overhead of the LLM narrator per request, against the engine alone, in the same run:
   a loopback Chat Completions server (``tests/chat_server.py``) answers instantly with a
   faithful narrative it builds from the brief it was sent, and
   ``LlmNarrator(OpenAIChat(...)).narrate(ev, rules, "id")`` on the seed is timed (the
   real ``openai`` SDK, HTTP on 127.0.0.1, JSON parsing, the guard); the baseline is the
   engine alone, ``result_object(assess(parse_application(raw), policy, day), "id")``, and
   ``grounds()`` + ``check()`` of the same answer is timed on its own. The three are timed
   in interleaved rounds (the order rotates each round) of ``--per-round`` requests each;
   the figures are medians over ``--rounds`` rounds of the per-request mean. Shared
   machines are noisy, so the ratios (per round, then the median) are the figures to
   compare between runs; absolute milliseconds are secondary. Every narration must be the
   model's (``source == "llm"``): if the guard refuses the loopback answer, the overhead
   is not measured and the exit status is 1.

``--quick`` runs a small version (a smoke test, a few seconds).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "guard_corpus"))

import guard_cases  # noqa: E402

from cde import __version__  # noqa: E402
from cde.adapters.llm import OpenAIChat  # noqa: E402
from cde.domain.application import parse_application  # noqa: E402
from cde.domain.briefing import brief  # noqa: E402
from cde.domain.evaluation import assess  # noqa: E402
from cde.domain.guard import check, grounds  # noqa: E402
from cde.domain.result import result_object  # noqa: E402
from cde.policies import Policy, default_policy  # noqa: E402
from cde.service.instructions import default_instructions  # noqa: E402
from cde.service.narrators import LlmNarrator  # noqa: E402
from chat_server import ChatServer, Reply, Request  # noqa: E402

TODAY: date = guard_cases.TODAY
SEED_FILE = guard_cases.SEED_FILE


# --- 1. accuracy ------------------------------------------------------------------------------


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "  n/a"


def _quote(text: str, width: int = 240) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _show(verdict: guard_cases.Verdict) -> None:
    case = verdict.case
    label = f"[{case.kind}] " if case.kind else ""
    print(f"  {case.id} {label}({case.lang}, {case.application}): {case.note}")
    for field, text in case.texts.items():
        print(f"      {field}: {_quote(text)}")
    if not verdict.violations:
        print("      -> no violation")
    for v in verdict.violations:
        print(f"      -> {v.kind} in {v.field}: {_quote(v.text, 100)!r} ({v.detail})")


def accuracy(
    cases: list[guard_cases.Case], source: Path, title: str = "guard accuracy"
) -> dict[str, tuple[int, int]]:
    """Print the guard's accuracy on one corpus file; return the headline counts."""
    verdicts = [guard_cases.judge(c) for c in cases]
    faithful = [v for v in verdicts if v.case.faithful]
    unfaithful = [v for v in verdicts if not v.case.faithful]
    passed = sum(v.correct for v in faithful)
    caught = sum(v.correct for v in unfaithful)
    refused = sum(v.refused for v in unfaithful)
    apps = len({c.application for c in cases})
    english = sum(c.lang == "en" for c in cases)
    print(
        f"== {title}: {source.relative_to(ROOT)} ({len(cases)} cases,"
        f" {apps} applications, {english} in English) =="
    )
    print(f"faithful passed:   {passed:3d}/{len(faithful)} ({_pct(passed, len(faithful))})")
    print(
        f"unfaithful caught: {caught:3d}/{len(unfaithful)} ({_pct(caught, len(unfaithful))})"
        f" as their kind; refused at all {refused}/{len(unfaithful)}"
    )
    print("unfaithful by kind (caught as the kind / total, refused at all):")
    for kind in guard_cases.KINDS:
        of_kind = [v for v in unfaithful if v.case.kind == kind]
        if of_kind:
            hit = sum(v.correct for v in of_kind)
            print(
                f"  {kind:<11} {hit:3d}/{len(of_kind):<3d} ({_pct(hit, len(of_kind))})"
                f"   refused {sum(v.refused for v in of_kind)}/{len(of_kind)}"
            )
    print("by language (faithful passed, unfaithful caught as their kind):")
    for lang in ("id", "en"):
        f = [v for v in faithful if v.case.lang == lang]
        u = [v for v in unfaithful if v.case.lang == lang]
        print(
            f"  {lang}: faithful {sum(v.correct for v in f)}/{len(f)},"
            f" unfaithful {sum(v.correct for v in u)}/{len(u)}"
        )
    wrongly = [v for v in faithful if not v.correct]
    misfired = Counter(k for v in wrongly for k in v.kinds)
    by_rule = ", ".join(f"{k} {n}" for k, n in misfired.most_common()) or "none"
    print(f"\nwrongly refused (faithful texts the guard refused): {len(wrongly)} ({by_rule})")
    for v in wrongly:
        _show(v)
    missed = [v for v in unfaithful if not v.correct]
    print(f"\nmissed (unfaithful texts not caught as their kind): {len(missed)}")
    for v in missed:
        _show(v)
    print()
    return {"faithful": (passed, len(faithful)), "unfaithful": (caught, len(unfaithful))}


# --- 2. overhead --------------------------------------------------------------------------------


def faithful_answer(facts: dict[str, Any]) -> dict[str, Any]:
    """What a faithful model answers: the engine's own messages and figures from the brief."""
    five = {}
    for dim, d in facts["assessment"]["dimensions"].items():
        said = " ".join(f["message"] for f in d["findings"][:3])
        five[dim] = (
            f"Aspek {d['name'].lower()} mendapat grade {d['grade']} dengan skor "
            f"{d['score']}/100. {said}"
        )
    decision = facts["decision"]
    reasons = "\n".join(f"- {r['message']}" for r in decision["reasons"][:5])
    memo = (
        f"#### Ringkasan\n\nRekomendasi mesin: {decision['outcome_text']}, skor keseluruhan "
        f"{facts['assessment']['score']}/100 (grade {facts['assessment']['grade']}).\n\n"
        f"#### Alasan utama\n\n{reasons}"
    )
    return {"schema_version": 1, "5c": five, "analytic": memo}


def loopback_reply(request: Request) -> Reply:
    return Reply.json(faithful_answer(request.user_json()))


@dataclass(frozen=True)
class Series:
    name: str
    ms: list[float]  # per-request mean of each round

    @property
    def median(self) -> float:
        return statistics.median(self.ms)


def _per_request_ms(action: Callable[[], Any], n: int) -> float:
    perf = time.perf_counter_ns
    start = perf()
    for _ in range(n):
        action()
    return (perf() - start) / n / 1e6


def overhead(
    raw: dict[str, Any], policy: Policy, rounds: int, per_round: int, warmup: int
) -> tuple[list[Series], int] | None:
    """Time the engine, the guard and the narrator in interleaved rounds; None when the
    narrator did not serve the model's text."""
    ev = assess(parse_application(raw), policy, TODAY)
    rules = result_object(ev, "id")
    facts = orjson.loads(orjson.dumps(brief(ev, "id"), option=orjson.OPT_NON_STR_KEYS))
    answer = faithful_answer(facts)
    texts = {**answer["5c"], "analytic": answer["analytic"]}
    not_llm: list[dict[str, Any]] = []

    def engine() -> Any:
        return result_object(assess(parse_application(raw), policy, TODAY), "id")

    def guard() -> Any:
        return check(texts, grounds(ev, rules, "id"), "id")

    with ChatServer(default=loopback_reply, model="loopback") as server:
        chat = OpenAIChat(base_url=server.base_url, model="loopback", api_key="x", max_retries=0)
        narrator = LlmNarrator(chat, default_instructions(), "bench")

        def narrate() -> Any:
            narration = narrator.narrate(ev, rules, "id")
            if narration.source != "llm":
                not_llm.append(narration.report)
            return narration

        actions = {"engine alone": engine, "grounds()+check()": guard, "LLM narrate": narrate}
        for action in actions.values():
            for _ in range(warmup):
                action()
        if not_llm:
            print(f"ERROR: the narrator served the rules narrative: {not_llm[0]}")
            return None
        samples: dict[str, list[float]] = {name: [] for name in actions}
        names = list(actions)
        for r in range(rounds):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                samples[name].append(_per_request_ms(actions[name], per_round))
        requests = len(server.requests)
        if server.errors:
            print(f"ERROR: the loopback server failed: {server.errors[0]!r}")
            return None
    if not_llm:
        print(f"ERROR: {len(not_llm)} narrations fell back to the rules: {not_llm[0]}")
        return None
    return [Series(name, ms) for name, ms in samples.items()], requests


# --- report -----------------------------------------------------------------------------------


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Measure the grounding guard's accuracy and the LLM narrator's overhead."
    )
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds (default 15)")
    parser.add_argument(
        "--per-round", type=int, default=None, help="requests per round and kind (default 40)"
    )
    parser.add_argument("--warmup", type=int, default=None, help="warm-up calls (default 20)")
    parser.add_argument("--quick", action="store_true", help="a small, fast smoke run")
    args = parser.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 15)
    per_round = args.per_round or (5 if args.quick else 40)
    warmup = args.warmup if args.warmup is not None else (3 if args.quick else 20)

    print(f"cde {__version__} guard benchmark{' (quick)' if args.quick else ''}")
    print(
        f"machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()},"
        f" Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )
    print(f"load average at start: {_load()}; today fixed at {TODAY.isoformat()}\n")

    try:
        loaded = [(cs, guard_cases.load_cases(cs.path)) for cs in guard_cases.SETS]
    except guard_cases.CorpusError as exc:
        print(f"the corpus cannot be loaded: {exc}", file=sys.stderr)
        return 2
    headlines: list[tuple[str, dict[str, tuple[int, int]]]] = []
    for cs, cases in loaded:
        # every set but the tuning corpus was written without seeing the guard's rules and
        # run once (its first-run figures in the title); the guard was fixed after each
        title = "guard accuracy" if cs.first_run is None else f"guard accuracy, {cs.name}"
        shown = title if cs.first_run is None else f"{title} (first run: {cs.first_run})"
        headlines.append((title, accuracy(cases, cs.path, shown)))

    print(
        f"== LLM narrator overhead on the seed: {rounds} interleaved rounds x {per_round}"
        f" requests each, after {warmup} warm-up calls =="
    )
    raw = orjson.loads(SEED_FILE.read_bytes())
    measured = overhead(raw, default_policy(), rounds, per_round, warmup)
    if measured is None:
        return 1
    series, requests = measured
    by_name = {s.name: s for s in series}
    engine = by_name["engine alone"]

    def ratio(s: Series) -> float:  # the median of the per-round ratios
        return statistics.median(a / b for a, b in zip(s.ms, engine.ms, strict=True))

    for s in series:
        print(
            f"  {s.name:<18} median {s.median:8.3f} ms/request"
            f"   min {min(s.ms):8.3f}   max {max(s.ms):8.3f}   ratio to engine {ratio(s):6.2f}x"
        )
    print(f"  (every narration was the model's; the loopback server answered {requests} calls)")
    narrate, guard = by_name["LLM narrate"], by_name["grounds()+check()"]
    print(f"ratio narrate/engine: median {ratio(narrate):.2f}x")
    print(f"ratio guard/engine: median {ratio(guard):.2f}x")
    print(f"load average at end: {_load()}\n")

    print("== summary (ratios first; absolute times depend on the machine) ==")
    print(f"  {'measure':<34} {'ratio to engine':>15} {'ms/request':>11}")
    for label, s in (
        ("engine alone (baseline)", engine),
        ("guard: grounds() + check()", guard),
        ("LLM narrate, loopback, instant", narrate),
    ):
        print(f"  {label:<34} {ratio(s):14.2f}x {s.median:11.3f}")
    with_llm = engine.median + narrate.median
    print(
        f"  a request with the LLM narrator = engine + narrate: {with_llm:.3f} ms,"
        f" {with_llm / engine.median:.2f}x the engine alone"
    )
    for label, counts in headlines:
        (fp, ft), (uc, ut) = counts["faithful"], counts["unfaithful"]
        print(
            f"  {label}: faithful passed {fp}/{ft} ({_pct(fp, ft).strip()}),"
            f" unfaithful caught {uc}/{ut} ({_pct(uc, ut).strip()})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
