"""Benchmark the scorecard: training time, evaluation with a scorecard against without one,
and how well a trained scorecard ranks against the true model; print the figures.

    .venv/bin/python benchmarks/bench_scorecard.py [--sizes 10000 100000] [--apps 2000]
                                                   [--rounds 7] [--quick]

1. Training: for each size, a loan book from ``generate_loan_book.loan_book(n, seed)``
   (a known true PD model) is trained with ``cde.scorecard.training.fit`` in this process,
   timed with ``time.perf_counter`` (the book's generation and the once-per-process import
   of optbinning are timed apart). Printed beside it: the held-out part's size, the true
   model's AUC on it (``sklearn.metrics.roc_auc_score`` of the true PD) and the trained
   scorecard's AUC on the same loans (the file's ``training.metrics.test.auc``).
2. Evaluation: ``--apps`` generated applications, each ``orjson.loads`` + ``evaluate`` +
   ``orjson.dumps`` as in ``bench_engine.py``, under the default policy and under the same
   policy scoring with the scorecard trained on the first book (``with_scorecard``), in
   ``--rounds`` interleaved rounds (without, with, without, …). The figures are the ratios
   with ÷ without of the medians and of the fastest rounds (goal: under 1.10). The
   machine is shared and noisy: load only ever adds time, so the fastest round of each
   side is the steadier figure; both are measured in one run, the sides interleaved.

``--quick`` runs a small version (a smoke test, a few seconds after optbinning's import).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from datetime import date
from typing import Any

import orjson

from cde import __version__
from cde.domain.engine import evaluate
from cde.domain.scorecard.model import Scorecard, parse_scorecard
from cde.policies import Policy, default_policy
from generate_applications import REFERENCE_DAY, generate
from generate_loan_book import loan_book

TODAY: date = REFERENCE_DAY
GOAL_RATIO = 1.10


def _train(n: int, seed: int) -> tuple[dict[str, Any], Scorecard]:
    from sklearn.metrics import roc_auc_score

    from cde.scorecard.training import fit

    started = time.perf_counter()
    book = loan_book(n, seed=seed)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    fitted = fit(book.applications, book.outcomes, name="bench", version=str(n), seed=0)
    trained = time.perf_counter() - started
    pd = {a["loan_id"]: p for a, p in zip(book.applications, book.pd, strict=True)}
    bad = {o["loan_id"]: o["bad"] for o in book.outcomes}
    held = fitted.test_loan_ids
    true_auc = float(roc_auc_score([bad[i] for i in held], [pd[i] for i in held]))
    training = fitted.card["training"]
    row = {
        "rows": n,
        "bads": training["book"]["bads"],
        "generate_s": generated,
        "train_s": trained,
        "validation": training["validation"]["method"],
        "held_out": len(held),
        "true_auc": true_auc,
        "trained_auc": training["metrics"]["test"]["auc"],
    }
    return row, parse_scorecard(fitted.card)


def _round(bodies: list[bytes], policy: Policy) -> float:
    """Microseconds per evaluation over ``bodies``."""
    started = time.perf_counter_ns()
    for body in bodies:
        orjson.dumps(evaluate(orjson.loads(body), policy=policy, today=TODAY))
    return (time.perf_counter_ns() - started) / len(bodies) / 1000


def _evaluation(card: Scorecard, apps: int, rounds: int) -> dict[str, float]:
    bodies = [orjson.dumps(a) for a in generate(apps, seed=3)]
    plain = default_policy()
    scored = plain.with_scorecard(card)
    _round(bodies[: max(1, apps // 10)], plain)  # warm up both
    _round(bodies[: max(1, apps // 10)], scored)
    without: list[float] = []
    with_card: list[float] = []
    for _ in range(rounds):
        without.append(_round(bodies, plain))
        with_card.append(_round(bodies, scored))
    a, b = statistics.median(without), statistics.median(with_card)
    fast_a, fast_b = min(without), min(with_card)
    return {
        "without_us": a,
        "with_us": b,
        "ratio": b / a,
        "fastest_without_us": fast_a,
        "fastest_with_us": fast_b,
        "fastest_ratio": fast_b / fast_a,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--apps", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--seed", type=int, default=31)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.apps, args.rounds = [1000], 200, 3

    print(f"cde {__version__} · Python {platform.python_version()} · {platform.machine()}")
    started = time.perf_counter()
    import optbinning  # noqa: F401 - timed once: every training process pays it

    print(f"importing optbinning: {time.perf_counter() - started:.1f} s (once per process)")
    print()
    print("training (cde.scorecard.training.fit; the book's generation timed apart)")
    print(
        f"{'rows':>8} {'bads':>6} {'generate':>9} {'train':>8} {'validation':>12} "
        f"{'held out':>9} {'true AUC':>9} {'trained AUC':>12}"
    )
    cards: list[Scorecard] = []
    for n in args.sizes:
        row, card = _train(n, args.seed)
        cards.append(card)
        print(
            f"{row['rows']:>8,} {row['bads']:>6,} {row['generate_s']:>8.1f}s "
            f"{row['train_s']:>7.1f}s {row['validation']:>12} {row['held_out']:>9,} "
            f"{row['true_auc']:>9.4f} {row['trained_auc']:>12.4f}",
            flush=True,
        )
    print()
    e = _evaluation(cards[0], args.apps, args.rounds)
    print(f"evaluation, {args.apps} applications × {args.rounds} interleaved rounds:")
    for label, key in (("medians", ""), ("fastest rounds", "fastest_")):
        verdict = "met" if e[f"{key}ratio"] < GOAL_RATIO else "NOT met"
        print(
            f"  {label}: without a scorecard {e[f'{key}without_us']:.1f} µs, with "
            f"{e[f'{key}with_us']:.1f} µs; ratio {e[f'{key}ratio']:.3f} "
            f"(goal < {GOAL_RATIO:.2f}: {verdict})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
