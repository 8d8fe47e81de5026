"""Measure the narration check on its corpus and its cost against the engine's; print the figures.

    .venv/bin/python benchmarks/bench_narration.py [--rounds N] [--per-round N] [--quick]

1. Accuracy: runs :func:`cde.narration.check` over every case of the narration corpus
   (``tests/narration_corpus``, README there) and prints, per file, the faithful texts
   served (no violation) / total and the unfaithful texts refused (any violation) / total
   and refused as their kind, by kind and by language, then every miss and every wrongly
   refused text with the check's violations. The files: ``blind.json`` (written before
   the check was tuned, by someone who never read it), ``reference.json`` (the faithful
   corpus rebuilt as reference texts) and ``kept.json`` (every unfaithful case of the
   earlier guard's corpus, free prose in the version-1 schema: the check reads it as it
   reads any answer, so a typed figure is refused whatever its value) and
   ``blind2/blind2.json`` (the second blind set, written after the check was tuned on the
   first, about six new applications; its ``fact_claim`` cases are figure-free claims
   about one fact, which the check does not read), ``blind3/blind3.json`` (the third) and
   ``blind4/blind4.json`` and ``blind5/blind5.json`` (the fourth and fifth, written to the
   second contract: plain words only, decision 38). The first three blind sets were
   written to the first contract, under which a model's own words could compare ("well
   within the limit"): their faithful texts that do are refused now, for that word. A
   measurement:
   the exit status is 0 whatever the figures, 2 when a file cannot be loaded.
2. Cost per narrative against the engine's, in the same run: the engine alone
   (``result_object(assess(parse_application(raw), policy, day), "id")``) and the check of
   one faithful narrative (``facts_of`` + ``check`` + ``render`` of all its texts; and
   ``check`` alone on facts built once), on the
   seed and its reference texts, timed in interleaved rounds of ``--per-round`` each; the
   figures are medians over ``--rounds`` of the per-call mean, and the ratio check/engine
   per round, then its median (shared machines are noisy: compare the ratios).

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
from datetime import date
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from cde import __version__  # noqa: E402
from cde.domain.application import parse_application  # noqa: E402
from cde.domain.evaluation import Evaluation, assess  # noqa: E402
from cde.domain.result import result_object  # noqa: E402
from cde.narration import Violation, check, facts_of, render  # noqa: E402
from cde.policies import default_policy  # noqa: E402
from narration_corpus import cases as corpus  # noqa: E402

DAY: date = corpus.AS_OF


def evaluation(application: str) -> Evaluation:
    raw = orjson.loads(corpus.application_path(application).read_bytes())
    return assess(parse_application(raw), default_policy(), DAY)


def run_case(case: dict[str, Any], evs: dict[str, Evaluation]) -> list[Violation]:
    ev = evs.setdefault(case["application"], evaluation(case["application"]))
    return check(case["texts"], facts_of(ev, case["lang"]))


def pct(a: int, b: int) -> str:
    return f"{a}/{b} ({a / b:.0%})" if b else "0/0"


def accuracy(name: str, quick: bool) -> tuple[int, int]:
    """Print one file's figures; return (wrong answers, cases)."""
    cases = corpus.load(name)
    if quick:
        cases = cases[:: max(1, len(cases) // 20)]
    evs: dict[str, Evaluation] = {}
    served: Counter[str] = Counter()
    faithful: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    as_kind: Counter[str] = Counter()
    unfaithful: Counter[str] = Counter()
    wrong: list[tuple[dict[str, Any], list[Violation]]] = []
    for case in cases:
        found = run_case(case, evs)
        lang = case["lang"]
        if case["faithful"]:
            faithful[lang] += 1
            if found:
                wrong.append((case, found))
            else:
                served[lang] += 1
            continue
        kind = case["kind"]
        for key in (kind, lang, "all"):
            unfaithful[key] += 1
        if found:
            for key in (kind, lang, "all"):
                refused[key] += 1
            if any(v.kind == kind for v in found):
                for key in (kind, lang, "all"):
                    as_kind[key] += 1
        else:
            wrong.append((case, found))
    total_f = sum(faithful.values())
    where = f"{name}/{name}" if name in corpus.LATER else name
    print(f"== {name}: tests/narration_corpus/{where}.json, {len(cases)} cases ==")
    if total_f:
        by_lang = ", ".join(f"{lang} {pct(served[lang], faithful[lang])}" for lang in faithful)
        print(f"  faithful served: {pct(sum(served.values()), total_f)} ({by_lang})")
    if unfaithful["all"]:
        print(
            f"  unfaithful refused: {pct(refused['all'], unfaithful['all'])};"
            f" as their kind: {pct(as_kind['all'], unfaithful['all'])}"
        )
        kinds = sorted(k for k in unfaithful if k not in ("all", "id", "en"))
        for key in [*kinds, "id", "en"]:
            print(
                f"    {key:<16} refused {pct(refused[key], unfaithful[key]):<16}"
                f" as their kind {pct(as_kind[key], unfaithful[key])}"
            )
    for case, found in wrong:
        what = "WRONGLY REFUSED" if case["faithful"] else f"MISSED ({case['kind']})"
        print(f"  {what} {case['id']}: {case['note']}")
        for v in found[:4]:
            print(f"      {v.kind} in {v.field}: {v.text!r} ({v.detail})")
    print()
    return len(wrong), len(cases)


def overhead(rounds: int, per_round: int) -> None:
    raw = orjson.loads(corpus.SEED.read_bytes())
    policy = default_policy()
    ev = assess(parse_application(raw), policy, DAY)
    texts: dict[str, str] = {}
    for case in corpus.load("reference"):
        if case["application"] == "seed" and case["lang"] == "id":
            texts.update(case["texts"])
    assert not check(texts, facts_of(ev, "id")), "the seed's reference texts must pass"

    def engine() -> None:
        result_object(assess(parse_application(raw), policy, DAY), "id")

    def narration() -> None:
        facts = facts_of(ev, "id")
        if not check(texts, facts):
            for text in texts.values():
                render(text, facts)

    built = facts_of(ev, "id")

    def check_only() -> None:
        check(texts, built)

    timed = {"engine": engine, "check": narration, "(check alone)": check_only}
    means: dict[str, list[float]] = {k: [] for k in timed}
    ratios: list[float] = []
    alone: list[float] = []
    for r in range(rounds):
        order = list(timed) if r % 2 == 0 else list(reversed(timed))
        this: dict[str, float] = {}
        for name in order:
            fn = timed[name]
            start = time.perf_counter_ns()
            for _ in range(per_round):
                fn()
            this[name] = (time.perf_counter_ns() - start) / per_round / 1000
            means[name].append(this[name])
        ratios.append(this["check"] / this["engine"])
        alone.append(this["(check alone)"] / this["engine"])
    print(f"== the check's cost against the engine's: {rounds} rounds x {per_round} calls ==")
    print(f"  texts checked: {len(texts)} (the seed's Indonesian reference texts)")
    for name in timed:
        print(f"  {name:<14} median {statistics.median(means[name]):8.1f} µs per call")
    print(f"ratio check/engine: median {statistics.median(ratios):.2f}x")
    print(f"  of which check() alone, without facts_of and render: {statistics.median(alone):.2f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--per-round", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="smoke test: a few seconds")
    args = parser.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 15)
    per_round = args.per_round or (20 if args.quick else 200)
    print(
        f"cde {__version__} narration check; Python {platform.python_version()},"
        f" {os.cpu_count()} CPU(s); as of {DAY.isoformat()}, the default policy"
    )
    try:
        for name in corpus.FILES:
            accuracy(name, args.quick)
    except (corpus.CorpusError, OSError, ValueError) as exc:
        print(f"cannot load the corpus: {exc}", file=sys.stderr)
        return 2
    overhead(rounds, per_round)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
