"""Generate a loan book: applications in the Kocek schema and their outcomes, drawn from a
known PD model over the engine's own facts, to train and test scorecards on.

Importable (``loan_book(n, seed)``) and runnable::

    python benchmarks/generate_loan_book.py N OUT_DIR [--seed S] [--no-signal]

writes ``OUT_DIR/applications.jsonl`` (``generate_applications.generate(n, seed)``) and
``OUT_DIR/outcomes.csv`` (``loan_id,bad,applied_at``), and prints the bad rate and the
true model's AUC on the book (``sklearn.metrics.roc_auc_score`` of the true PD, when
scikit-learn is installed). The same ``(n, seed, --no-signal)`` always gives byte-identical
files.

Each application is dated ``applied_at``, a day in the two years up to 21 October 2024
(``generate_applications.REFERENCE_DAY``), and assessed on that day under the default
policy (``cde.domain.evaluation.features_of``). The true PD model (``true_pd``) is a
logistic one over those features::

    logit = -3.1
          + 1.8 · min(DSR, 150 %) / 100          (DSR unknown: 150 %)
          + 0.6 · (kolektibilitas − 1)           (unknown: 2)
          − 0.6 · min(coverage, 200 %) / 100
          − 0.5 · min(own funds ÷ plafon, 100 %) / 100
          + 0.2 · active loans
          − 0.006 · min(membership months, 120)  (unknown: 0)
          + 0.3 · [purpose is konsumtif]
    PD    = 1 / (1 + exp(−logit))

and ``bad`` is drawn as Bernoulli(PD) with a seeded generator. ``--no-signal`` draws
every outcome at the book's constant rate ``NO_SIGNAL_RATE`` instead (nothing to learn).
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson

from cde.domain.application import parse_application
from cde.domain.evaluation import features_of
from cde.domain.scorecard.features import FeatureValue
from cde.policies import default_policy
from generate_applications import REFERENCE_DAY, generate

__all__ = ["NO_SIGNAL_RATE", "LoanBook", "loan_book", "main", "true_pd", "write_book"]

NO_SIGNAL_RATE = 0.12
BOOK_DAYS = 730  # applications spread over the two years up to REFERENCE_DAY


def _f(value: FeatureValue, default: float) -> float:
    return float(value) if isinstance(value, int | float) else default


def true_pd(features: dict[str, FeatureValue]) -> float:
    """The book's true probability of default of one application (the docstring's model)."""
    logit = (
        -3.1
        + 1.8 * min(_f(features["dsr_pct"], 150.0), 150.0) / 100
        + 0.6 * (_f(features["kolektibilitas"], 2.0) - 1)
        - 0.6 * min(_f(features["coverage_pct"], 0.0), 200.0) / 100
        - 0.5 * min(_f(features["own_funds_to_plafon_pct"], 0.0), 100.0) / 100
        + 0.2 * _f(features["active_loans"], 0.0)
        - 0.006 * min(_f(features["membership_months"], 0.0), 120.0)
        + 0.3 * (features["purpose_category"] == "konsumtif")
    )
    return 1 / (1 + math.exp(-logit))


@dataclass(frozen=True, slots=True)
class LoanBook:
    applications: list[dict[str, Any]]
    outcomes: list[dict[str, Any]]  # loan_id, bad (0/1), applied_at (date)
    pd: list[float]  # the true PD of each application (the constant rate without signal)

    def outcomes_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["loan_id", "bad", "applied_at"])
        for row in self.outcomes:
            writer.writerow([row["loan_id"], row["bad"], row["applied_at"].isoformat()])
        return out.getvalue()

    def applications_jsonl(self) -> bytes:
        return b"".join(orjson.dumps(app) + b"\n" for app in self.applications)

    def true_auc(self) -> float:
        from sklearn.metrics import roc_auc_score  # an optional extra: cde[train]

        return float(roc_auc_score([r["bad"] for r in self.outcomes], self.pd))


def loan_book(n: int, seed: int = 0, *, signal: bool = True) -> LoanBook:
    """``n`` applications and their outcomes; the same arguments give the same book."""
    policy = default_policy()
    rng = random.Random(f"loan-book:{seed}")  # outcomes' own stream, apart from the apps'
    applications = list(generate(n, seed))
    outcomes: list[dict[str, Any]] = []
    pds: list[float] = []
    for raw in applications:
        applied_at: date = REFERENCE_DAY - timedelta(days=rng.randrange(BOOK_DAYS))
        features = features_of(parse_application(raw), policy, applied_at)
        pd = true_pd(features) if signal else NO_SIGNAL_RATE
        bad = 1 if rng.random() < pd else 0
        outcomes.append({"loan_id": raw["loan_id"], "bad": bad, "applied_at": applied_at})
        pds.append(pd)
    return LoanBook(applications, outcomes, pds)


def write_book(book: LoanBook, out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``applications.jsonl`` and ``outcomes.csv`` into ``out_dir``."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    apps, outcomes = folder / "applications.jsonl", folder / "outcomes.csv"
    apps.write_bytes(book.applications_jsonl())
    outcomes.write_bytes(book.outcomes_csv().encode("utf-8"))
    return apps, outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("n", type=int, help="how many applications")
    parser.add_argument("out_dir", help="the folder to write applications.jsonl and outcomes.csv")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--no-signal", action="store_true", help="draw every outcome at a constant rate"
    )
    args = parser.parse_args(argv)
    book = loan_book(args.n, args.seed, signal=not args.no_signal)
    apps, outcomes = write_book(book, args.out_dir)
    bads = sum(r["bad"] for r in book.outcomes)
    print(f"wrote {apps} and {outcomes}")
    print(f"rows {len(book.outcomes)}, bads {bads}, bad rate {bads / max(1, args.n):.4f}")
    try:
        auc = book.true_auc()
    except ImportError:
        print("true model's AUC: install scikit-learn (cde[train]) to compute it")
    else:
        print(f"true model's AUC on the book: {auc:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
