"""Train a scorecard on the cooperative's own outcomes: optbinning's ``BinningProcess``
(optimal binning, monotonic where the domain expects it) and ``Scorecard`` (a logistic
regression on the weights of evidence, points by PDO/odds scaling), exported to the
``cde-scorecard/1`` file (:mod:`cde.domain.scorecard.model`).

optbinning and scikit-learn are the optional extra ``cde[train]``: they are imported when
:func:`train` runs, never at import, and :class:`TrainingUnavailableError` says how to
install them.

The rules (docs/scorecard.md, "Training a scorecard"):

* at least :data:`MIN_ROWS` outcomes and :data:`MIN_BADS` bads (and as many goods), else
  :class:`TrainingError` says how many there are and how many more bads are needed;
* features: :data:`cde.domain.scorecard.features.FEATURES`, computed through the engine on each
  loan's ``applied_at`` (else on ``today``); a forbidden attribute is refused
  (:class:`~cde.domain.scorecard.features.ForbiddenFeatureError`);
* validation: out of time when every outcome has an ``applied_at`` and the latest
  :data:`TEST_SHARE` of the book (from a whole day on) holds at least
  :data:`MIN_TEST_BADS` bads; else a seeded random split, stratified on ``bad``. The model
  is fitted on the rest; AUC, Gini and KS are measured on the held-out part;
* the same data and seed give a byte-identical file (:func:`dumps`: sorted keys, floats
  rounded, no timestamp).
"""

from __future__ import annotations

import hashlib
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import metadata
from typing import Any

import orjson

from cde import __version__
from cde.domain.application import InvalidApplicationError, parse_application
from cde.domain.evaluation import features_of
from cde.domain.scorecard.features import (
    CATEGORICAL,
    FEATURES,
    FeatureValue,
    check_allowed,
)
from cde.domain.scorecard.model import FORMAT, parse_scorecard
from cde.domain.scorecard.scoring import score
from cde.errors import CdeError, InvalidInputError
from cde.policies import default_policy
from cde.policies.model import Policy

__all__ = [
    "BANDS",
    "MIN_BADS",
    "MIN_ROWS",
    "MIN_TEST_BADS",
    "MONOTONIC",
    "SCALING",
    "TEST_SHARE",
    "Fitted",
    "TrainingError",
    "TrainingUnavailableError",
    "dumps",
    "fit",
    "input_sha256",
    "train",
]

MIN_ROWS = 500
MIN_BADS = 100
TEST_SHARE = 0.3
MIN_TEST_BADS = 30
SCALING = {"base_points": 600.0, "base_odds": 50.0, "pdo": 20.0}  # 600 points = 50:1 good:bad
BANDS = (("A", 0.02), ("B", 0.05), ("C", 0.10), ("D", 0.20), ("E", 1.0))
# The trend of the bad rate the domain expects as each feature grows (optbinning's
# ``monotonic_trend``); the others are left to optbinning ("auto").
MONOTONIC = {
    "dsr_pct": "ascending",
    "rpc_headroom_pct": "descending",
    "coverage_pct": "descending",
    "own_funds_to_plafon_pct": "descending",
    "kolektibilitas": "ascending",
    "active_loans": "ascending",
    "plafon_to_annual_income": "ascending",
}
SCORE_CHECK_TOLERANCE = 0.01  # scoring.py against optbinning's own score, in points
_DIGITS = {"points": 4, "woe": 6, "rate": 6, "iv": 6, "coef": 6, "metric": 4, "calibration": 8}


class TrainingError(InvalidInputError):
    """The outcomes cannot train a scorecard (too few, unmatched, invalid)."""


class TrainingUnavailableError(CdeError):
    """optbinning or scikit-learn is not installed."""

    def __init__(self, missing: str) -> None:
        self.missing = missing
        super().__init__(
            f"training a scorecard needs {missing}: install the extra, "
            "pip install 'cde[train]' (or make setup, which installs .[dev,train])"
        )


@dataclass(frozen=True, slots=True)
class Fitted:
    """A trained scorecard: the file (``card``) and what built it, for checks and tests."""

    card: dict[str, Any]
    scorecard: Any  # optbinning.Scorecard
    train_frame: Any  # pandas.DataFrame of the training rows' features
    train_y: list[int]
    test_frame: Any
    test_y: list[int]
    test_loan_ids: list[str]


def _r(value: float, digits: int) -> float:
    out = round(float(value), digits)
    return 0.0 if out == 0 else out  # never -0.0


def _libraries() -> dict[str, str]:
    try:
        import optbinning  # noqa: F401
        import sklearn  # noqa: F401
    except ImportError as exc:
        raise TrainingUnavailableError(exc.name or "optbinning and scikit-learn") from None
    return {
        "cde": __version__,
        "optbinning": metadata.version("optbinning"),
        "scikit-learn": metadata.version("scikit-learn"),
    }


def _day(value: object, loan_id: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise TrainingError(f"outcome {loan_id}: applied_at {value!r} is not a date YYYY-MM-DD")


_BAD_WORDS = {"1": 1, "true": 1, "ya": 1, "0": 0, "false": 0, "tidak": 0}


def _bad(value: object, loan_id: str) -> int:
    """``bad`` as the outcomes give it: 1/0, true/false or ya/tidak (any case)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and value in (0, 1):
        return value
    if isinstance(value, str) and value.strip().lower() in _BAD_WORDS:
        return _BAD_WORDS[value.strip().lower()]
    raise TrainingError(
        f"outcome {loan_id}: bad must be 1/0, true/false or ya/tidak, found {value!r}"
    )


def input_sha256(
    applications: Sequence[Mapping[str, Any]], outcomes: Sequence[Mapping[str, Any]]
) -> str:
    """SHA-256 of the training input, whatever its order: each application as canonical
    JSON (sorted keys) in ``loan_id`` order, then each outcome as ``loan_id,bad,applied_at``
    in ``loan_id`` order."""
    digest = hashlib.sha256()
    for app in sorted(applications, key=lambda a: str(a.get("loan_id"))):
        digest.update(orjson.dumps(app, option=orjson.OPT_SORT_KEYS) + b"\n")
    for row in sorted(outcomes, key=lambda r: str(r.get("loan_id"))):
        applied = row.get("applied_at")
        day = applied.isoformat() if isinstance(applied, date) else str(applied or "")
        digest.update(f"{row.get('loan_id')},{row.get('bad')},{day}\n".encode())
    return digest.hexdigest()


def _too_few(rows: int, bads: int) -> None:
    goods = rows - bads
    if rows >= MIN_ROWS and bads >= MIN_BADS and goods >= MIN_BADS:
        return
    needs: list[str] = []
    if bads < MIN_BADS:
        more = MIN_BADS - bads
        rate = bads / rows if rows and bads else None
        hint = (
            f" (at this bad rate of {rate:.1%}, about {math.ceil(more / rate)} more loans)"
            if rate
            else ""
        )
        needs.append(f"{more} more bads{hint}")
    if rows < MIN_ROWS:
        needs.append(f"{MIN_ROWS - rows} more rows")
    if goods < MIN_BADS:
        needs.append(f"{MIN_BADS - goods} more goods")
    raise TrainingError(
        f"too few outcomes to train a scorecard: {rows} rows with {bads} bads; "
        f"at least {MIN_ROWS} rows and {MIN_BADS} bads (and {MIN_BADS} goods) are needed: "
        + ", ".join(needs)
    )


def _rows(
    applications: Sequence[Mapping[str, Any]],
    outcomes: Sequence[Mapping[str, Any]],
    policy: Policy,
    today: date | None,
) -> tuple[list[str], list[dict[str, FeatureValue]], list[int], list[date | None]]:
    by_id: dict[str, Mapping[str, Any]] = {}
    for app in applications:
        loan_id = str(app.get("loan_id"))
        if loan_id in by_id:
            raise TrainingError(f"application {loan_id} appears twice")
        by_id[loan_id] = app
    seen: set[str] = set()
    ids: list[str] = []
    ys: list[int] = []
    days: list[date | None] = []
    unmatched: list[str] = []
    for row in outcomes:
        loan_id = str(row.get("loan_id"))
        if loan_id in seen:
            raise TrainingError(f"outcome {loan_id} appears twice")
        seen.add(loan_id)
        if loan_id not in by_id:
            unmatched.append(loan_id)
            continue
        ids.append(loan_id)
        ys.append(_bad(row.get("bad"), loan_id))
        days.append(_day(row.get("applied_at"), loan_id))
    if unmatched:
        shown = ", ".join(unmatched[:5]) + (" …" if len(unmatched) > 5 else "")
        raise TrainingError(f"{len(unmatched)} outcomes have no application: {shown}")
    _too_few(len(ys), sum(ys))
    features: list[dict[str, FeatureValue]] = []
    for loan_id, day in zip(ids, days, strict=True):
        on = day or today
        if on is None:
            raise TrainingError(f"outcome {loan_id} has no applied_at and no date was given")
        try:
            parsed = parse_application(by_id[loan_id])
        except InvalidApplicationError as exc:
            raise TrainingError(f"application {loan_id} is invalid: {exc}") from None
        features.append(features_of(parsed, policy, on))
    return ids, features, ys, days


def _split(
    ids: list[str], ys: list[int], days: list[date | None], seed: int
) -> tuple[list[int], list[int], dict[str, Any]]:
    n = len(ids)
    known = [d for d in days if d is not None]
    if len(known) == n:
        # the latest TEST_SHARE of the book, from a whole day on
        cutoff = sorted(known)[int(n * (1 - TEST_SHARE))]
        test = [i for i in range(n) if known[i] >= cutoff]
        train = [i for i in range(n) if known[i] < cutoff]
        test_bads = sum(ys[i] for i in test)
        train_bads = sum(ys[i] for i in train)
        if test_bads >= MIN_TEST_BADS and train_bads >= MIN_TEST_BADS:
            return train, test, {"method": "out-of-time", "test_from": cutoff.isoformat()}
    from sklearn.model_selection import train_test_split

    train_ix, test_ix = train_test_split(
        list(range(n)), test_size=TEST_SHARE, random_state=seed, stratify=ys
    )
    return sorted(train_ix), sorted(test_ix), {"method": "random", "seed": seed}


def _frame(rows: list[dict[str, FeatureValue]], names: list[str]) -> Any:
    import pandas as pd

    columns = {
        name: pd.Series(
            [r[name] for r in rows], dtype="object" if name in CATEGORICAL else "float64"
        )
        for name in names
    }
    return pd.DataFrame(columns)


def _metrics(ys: list[int], points: list[float]) -> dict[str, float]:
    from sklearn.metrics import roc_auc_score, roc_curve

    risk = [-p for p in points]  # fewer points, more risk
    auc = float(roc_auc_score(ys, risk))
    fpr, tpr, _ = roc_curve(ys, risk)
    ks = float(max(abs(t - f) for t, f in zip(tpr, fpr, strict=True)))
    return {
        "auc": _r(auc, _DIGITS["metric"]),
        "gini": _r(2 * auc - 1, _DIGITS["metric"]),
        "ks": _r(ks, _DIGITS["metric"]),
    }


def _export_feature(name: str, sc: Any, table: Any) -> dict[str, Any]:
    optb = sc.binning_process_.get_binned_variable(name)
    rows = table[table["Variable"] == name].reset_index(drop=True)
    kind = FEATURES[name][0]
    if kind == "numerical":
        splits = [float(s) for s in optb.splits]
        bounds: list[dict[str, Any]] = [{"upper": s} for s in splits] + [{"upper": None}]
    else:
        bounds = [{"categories": sorted(str(c) for c in group)} for group in optb.splits]
    bins: list[dict[str, Any]] = []
    for i, bound in enumerate(bounds):
        bins.append({**bound, **_bin(rows.iloc[i])})
    missing = _bin(rows.iloc[len(rows) - 1])
    if str(rows.iloc[len(rows) - 1]["Bin"]) != "Missing":
        raise RuntimeError(f"optbinning's table for {name} does not end with the missing bin")
    iv = float(rows["IV"].sum())
    return {
        "name": name,
        "kind": kind,
        "coefficient": _r(float(rows.iloc[0]["Coefficient"]), _DIGITS["coef"]),
        "iv": _r(iv, _DIGITS["iv"]),
        "bins": bins,
        "missing": missing,
    }


def _bin(row: Any) -> dict[str, Any]:
    return {
        "points": _r(float(row["Points"]), _DIGITS["points"]),
        "woe": _r(float(row["WoE"]), _DIGITS["woe"]),
        "count": int(row["Count"]),
        "bad_rate": _r(float(row["Event rate"]), _DIGITS["rate"]),
    }


def fit(
    applications: Sequence[Mapping[str, Any]],
    outcomes: Sequence[Mapping[str, Any]],
    *,
    name: str,
    version: str,
    seed: int = 0,
    features: Sequence[str] | None = None,
    policy: Policy | None = None,
    today: date | None = None,
) -> Fitted:
    """Train and export; see :func:`train` (this also returns optbinning's objects)."""
    names = list(features) if features is not None else list(FEATURES)
    check_allowed(names)
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise TrainingError("not features cde computes: " + ", ".join(unknown))
    libraries = _libraries()
    from optbinning import BinningProcess
    from optbinning import Scorecard as OptScorecard
    from sklearn.linear_model import LogisticRegression

    chosen = policy or default_policy()
    ids, rows, ys, days = _rows(applications, outcomes, chosen, today)
    train_ix, test_ix, validation = _split(ids, ys, days, seed)
    x_train = _frame([rows[i] for i in train_ix], names)
    y_train = [ys[i] for i in train_ix]
    x_test = _frame([rows[i] for i in test_ix], names)
    y_test = [ys[i] for i in test_ix]

    process = BinningProcess(
        names,
        categorical_variables=[n for n in names if n in CATEGORICAL],
        binning_fit_params={n: {"monotonic_trend": t} for n, t in MONOTONIC.items() if n in names},
    )
    sc = OptScorecard(
        process,
        LogisticRegression(max_iter=1000),
        scaling_method="pdo_odds",
        scaling_method_params={
            "pdo": SCALING["pdo"],
            "odds": SCALING["base_odds"],
            "scorecard_points": SCALING["base_points"],
        },
    )
    with warnings.catch_warnings():
        # optbinning 1.0 on pandas 3: deprecation notices about its own pandas calls
        warnings.filterwarnings("ignore", module=r"optbinning(\..*)?")
        sc.fit(x_train, y_train, metric_missing="empirical", metric_special="empirical")
        table = sc.table(style="detailed")
        optbinning_points = [float(p) for p in sc.score(x_train)]
    n_train = len(y_train)
    exported = [_export_feature(n, sc, table) for n in names]

    card: dict[str, Any] = {
        "format": FORMAT,
        "name": name,
        "version": version,
        "features": exported,
        "regression": {"intercept": _r(float(sc.estimator_.intercept_[0]), _DIGITS["coef"])},
        "scaling": dict(SCALING),
        "calibration": {"method": "logistic", "intercept": 0.0, "slope": -1.0},  # below
        "bands": [{"name": b, "pd_upper": u} for b, u in BANDS],
        "training": {},
    }
    draft = parse_scorecard({**card, "training": {"rows": n_train}}, "<training>")
    train_points = [score(r, draft).points for r in _records(x_train, names)]
    worst = max(abs(a - b) for a, b in zip(train_points, optbinning_points, strict=True))
    if worst > SCORE_CHECK_TOLERANCE:
        raise RuntimeError(f"scoring.py differs from optbinning's score by {worst:.4f} points")

    calibration = LogisticRegression(C=1e6, max_iter=1000)
    calibration.fit([[p] for p in train_points], y_train)
    card["calibration"] = {
        "method": "logistic",
        "intercept": _r(float(calibration.intercept_[0]), _DIGITS["calibration"]),
        "slope": _r(float(calibration.coef_[0][0]), _DIGITS["calibration"]),
    }
    draft = parse_scorecard({**card, "training": {"rows": n_train}}, "<training>")
    test_points = [score(r, draft).points for r in _records(x_test, names)]
    bads = sum(ys)
    card["training"] = {
        "rows": n_train,
        "book": {"rows": len(ys), "bads": bads, "bad_rate": _r(bads / len(ys), 6)},
        "bads": sum(y_train),
        "bad_rate": _r(sum(y_train) / n_train, 6),
        "input_sha256": input_sha256(applications, outcomes),
        "seed": seed,
        "policy": f"{chosen.name} {chosen.version}",
        "validation": {
            **validation,
            "train_rows": n_train,
            "test_rows": len(y_test),
            "test_bads": sum(y_test),
        },
        "metrics": {
            "train": _metrics(y_train, train_points),
            "test": _metrics(y_test, test_points),
        },
        "score_check_max_difference": _r(worst, _DIGITS["points"]),
        "iv": {f["name"]: f["iv"] for f in exported},
        "libraries": libraries,
        "rules": {"min_rows": MIN_ROWS, "min_bads": MIN_BADS, "test_share": TEST_SHARE},
    }
    parse_scorecard(card, "<training>")  # what we write, we can read
    return Fitted(
        card=card,
        scorecard=sc,
        train_frame=x_train,
        train_y=y_train,
        test_frame=x_test,
        test_y=y_test,
        test_loan_ids=[ids[i] for i in test_ix],
    )


def _records(frame: Any, names: list[str]) -> list[dict[str, FeatureValue]]:
    out: list[dict[str, FeatureValue]] = []
    for values in frame[names].itertuples(index=False, name=None):
        record: dict[str, FeatureValue] = {}
        for name, value in zip(names, values, strict=True):
            if value is None or (isinstance(value, float) and math.isnan(value)):
                record[name] = None
            elif name in CATEGORICAL:
                record[name] = str(value)
            else:
                record[name] = float(value)
        out.append(record)
    return out


def train(
    applications: Sequence[Mapping[str, Any]],
    outcomes: Sequence[Mapping[str, Any]],
    *,
    name: str,
    version: str,
    seed: int = 0,
    features: Sequence[str] | None = None,
    policy: Policy | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """Train a scorecard on ``outcomes`` (``loan_id``, ``bad`` 0/1, optional ``applied_at``)
    of ``applications`` (Kocek JSON objects, matched by ``loan_id``); return the file as a
    dict (:func:`dumps` writes it). Raises :class:`TrainingError` (too few rows or bads,
    unmatched or invalid input), :class:`~cde.domain.scorecard.features.ForbiddenFeatureError`
    or :class:`TrainingUnavailableError`."""
    return fit(
        applications,
        outcomes,
        name=name,
        version=version,
        seed=seed,
        features=features,
        policy=policy,
        today=today,
    ).card


def dumps(card: Mapping[str, Any]) -> bytes:
    """The file's bytes: sorted keys, two-space indent, a final newline."""
    return orjson.dumps(card, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2) + b"\n"
