"""The backtest: a loan book replayed under a policy, read against what became of the loans.

:func:`backtest` takes the replayed decisions (:class:`~cde.portfolio.book.Replayed`) and
the outcomes (``loan_id`` → bad 0/1) and builds the report as JSON-ready data:

- ``book``: applications, how many were read, how many have an outcome, the bad rate;
- ``decisions``: each outcome's count, the approval rate, the bad rate among the approved
  and among the declined (every rate with its Wilson 95 % interval and a ``small`` flag);
- ``ranking``: how well the overall 5C score (and, with a scorecard, the PD) separates the
  loans that went bad from the others: AUC with its DeLong 95 % interval, Gini, KS; for
  the PD also the Brier score;
- ``by_grade``, ``by_score_band`` (tens of points), ``by_pd_band`` (the scorecard's bands):
  count and bad rate of each;
- ``calibration``: with a scorecard, the PD against the observed bad rate by decile;
- ``roc``: the ROC curve of the score (and the PD), at most 101 points, for a plot;
- ``fairness``: by gender and by age band, the applicants, the approval rate, the mean
  recommended plafon of the approved, the bad rate, and the adverse-impact ratio (under
  0.8 flagged). Gender is never scored: this shows whether the policy still treats the
  groups differently through other fields;
- ``warnings``: what is too small to read.

Only loans with an outcome enter the ranking and the bad rates; every evaluated
application enters the approval rates. The same inputs give the same report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from typing import Any

from cde.portfolio.book import Replayed
from cde.portfolio.metrics import (
    ADVERSE_IMPACT_FLAG,
    SMALL_GROUP,
    Rate,
    adverse_impact,
    auc,
    auc_interval,
    brier,
    calibration,
    gini,
    ks,
    rate_of,
    roc_points,
)

__all__ = [
    "AGE_BANDS",
    "OUTCOMES",
    "age_band",
    "backtest",
    "fairness",
    "fairness_warnings",
    "ranking",
    "rate_dict",
]

OUTCOMES = ("approve", "approve_with_conditions", "decline")
# (label, lowest age): an age falls in the last band whose lowest age it reaches
AGE_BANDS: tuple[tuple[str, int], ...] = (
    ("<25", 0),
    ("25-34", 25),
    ("35-44", 35),
    ("45-54", 45),
    ("55+", 55),
)
GENDERS = {"l": "laki-laki", "p": "perempuan"}
UNKNOWN = "(tidak diketahui)"


def rate_dict(rate: Rate) -> dict[str, Any]:
    return asdict(rate)


def age_band(age: int | None) -> str:
    if age is None:
        return UNKNOWN
    label = AGE_BANDS[0][0]
    for name, lowest in AGE_BANDS:
        if age >= lowest:
            label = name
    return label


def ranking(risk: Sequence[float], bad: Sequence[int]) -> dict[str, Any]:
    """AUC (with its DeLong 95 % interval), Gini and KS of ``risk`` (higher: riskier)."""
    value = auc(risk, bad)
    interval = auc_interval(risk, bad)
    return {
        "loans": len(bad),
        "bads": sum(bad),
        "auc": value,
        "auc_low": interval[0] if interval else None,
        "auc_high": interval[1] if interval else None,
        "gini": gini(value) if value is not None else None,
        "ks": ks(risk, bad),
    }


def _grouped(
    rows: Sequence[tuple[Replayed, int]], key: Callable[[Replayed], str], order: Sequence[str]
) -> list[dict[str, Any]]:
    counts: Counter[str] = Counter()
    bads: Counter[str] = Counter()
    for r, bad in rows:
        counts[key(r)] += 1
        bads[key(r)] += bad
    groups = [g for g in order if g in counts] + sorted(g for g in counts if g not in order)
    return [{"group": g, **rate_dict(rate_of(bads[g], counts[g]))} for g in groups]


def _score_band(r: Replayed) -> str:
    low = min(r.score // 10 * 10, 90)
    return f"{low}-{low + 9 if low < 90 else 100}"


def _fairness(
    evaluated: Sequence[Replayed],
    bads: Mapping[str, int],
    key: Callable[[Replayed], str],
    order: Sequence[str],
) -> list[dict[str, Any]]:
    groups = [g for g in order if any(key(r) == g for r in evaluated)]
    groups += sorted({key(r) for r in evaluated} - set(groups))
    approval: dict[str, Rate] = {}
    out: dict[str, dict[str, Any]] = {}
    for g in groups:
        members = [r for r in evaluated if key(r) == g]
        approved = [r for r in members if r.approved]
        known = [bads[r.loan_id] for r in members if r.loan_id is not None and r.loan_id in bads]
        approval[g] = rate_of(len(approved), len(members))
        out[g] = {
            "group": g,
            "applicants": len(members),
            "approval": rate_dict(approval[g]),
            "mean_plafon": (
                round(sum(r.plafon for r in approved) / len(approved)) if approved else None
            ),
            "bad": rate_dict(rate_of(sum(known), len(known))),
        }
    ratios = adverse_impact(approval)
    for g in groups:
        ratio = ratios[g]
        out[g]["adverse_impact"] = ratio
        out[g]["flagged"] = ratio is not None and ratio < ADVERSE_IMPACT_FLAG
    return [out[g] for g in groups]


def fairness(
    evaluated: Sequence[Replayed], bads: Mapping[str, int]
) -> dict[str, list[dict[str, Any]]]:
    """The ``fairness`` section (the backtest's, and the stability report's over live
    traffic): by gender and by age band, each group's applicants, approval rate, mean
    recommended plafon of the approved, bad rate (of its loans in ``bads``) and
    adverse-impact ratio, ``flagged`` under :data:`ADVERSE_IMPACT_FLAG`."""
    return {
        "gender": _fairness(
            evaluated, bads, lambda r: GENDERS.get(r.gender or "", UNKNOWN), list(GENDERS.values())
        ),
        "age": _fairness(
            evaluated, bads, lambda r: age_band(r.age), [name for name, _ in AGE_BANDS]
        ),
    }


def backtest(replayed: Sequence[Replayed], bads: Mapping[str, int]) -> dict[str, Any]:
    """The report of the module's docstring, as JSON-ready data."""
    evaluated = [r for r in replayed if r.outcome is not None]
    known = [(r, bads[r.loan_id]) for r in evaluated if r.loan_id is not None and r.loan_id in bads]
    outcomes = Counter(r.outcome for r in evaluated)
    approved = [(r, b) for r, b in known if r.approved]
    declined = [(r, b) for r, b in known if not r.approved]
    bad = [b for _, b in known]
    warnings: list[str] = []
    score_risk = [-float(r.score) for r, _ in known]
    score = ranking(score_risk, bad)
    report: dict[str, Any] = {
        "book": {
            "applications": len(replayed),
            "evaluated": len(evaluated),
            "unreadable": len(replayed) - len(evaluated),
            "with_outcome": len(known),
            "bad": rate_dict(rate_of(sum(bad), len(bad))),
        },
        "decisions": {
            **{o: outcomes.get(o, 0) for o in OUTCOMES},
            "approval": rate_dict(rate_of(sum(r.approved for r in evaluated), len(evaluated))),
            "bad_among_approved": rate_dict(rate_of(sum(b for _, b in approved), len(approved))),
            "bad_among_declined": rate_dict(rate_of(sum(b for _, b in declined), len(declined))),
            "total_plafon": sum(r.plafon for r in evaluated),
        },
        "ranking": {"score": score},
        "roc": {"score": roc_points(score_risk, bad)},
        "by_grade": _grouped(known, lambda r: r.grade, "ABCDE"),
        "by_score_band": _grouped(
            known, _score_band, [f"{x}-{x + 9}" for x in range(0, 90, 10)] + ["90-100"]
        ),
    }
    scored = [(r, b) for r, b in known if r.pd is not None]
    if scored:
        pds = [r.pd for r, _ in scored if r.pd is not None]
        pd_bad = [b for _, b in scored]
        report["ranking"]["pd"] = {**ranking(pds, pd_bad), "brier": brier(pds, pd_bad)}
        report["roc"]["pd"] = roc_points(pds, pd_bad)
        report["by_pd_band"] = _grouped(scored, lambda r: r.band or UNKNOWN, "ABCDE")
        report["calibration"] = [
            {
                "count": c.count,
                "pd_low": c.pd_low,
                "pd_high": c.pd_high,
                "predicted": c.predicted,
                "observed": rate_dict(c.observed),
            }
            for c in calibration(pds, pd_bad)
        ]
    report["fairness"] = fairness(evaluated, bads)
    if len(known) < SMALL_GROUP:
        warnings.append(
            f"only {len(known)} loans have an outcome: the ranking and the bad rates are noise"
        )
    if score["auc"] is None:
        warnings.append("the outcomes hold no bad or no good loan: no AUC, Gini or KS")
    for section in ("by_grade", "by_score_band", "by_pd_band"):
        small = [g["group"] for g in report.get(section, []) if g["small"]]
        if small:
            warnings.append(
                f"{section}: fewer than {SMALL_GROUP} loans in {', '.join(small)}: "
                "read their bad rates with their intervals"
            )
    warnings += fairness_warnings(report["fairness"], small_groups=False)
    report["warnings"] = warnings
    return report


def fairness_warnings(
    sections: Mapping[str, Sequence[Mapping[str, Any]]], *, small_groups: bool
) -> list[str]:
    """The warnings of a ``fairness`` section: the flagged groups and, with
    ``small_groups``, the groups too small to read."""
    warnings = []
    for name, groups in sections.items():
        small = [g["group"] for g in groups if g["applicants"] < SMALL_GROUP]
        if small_groups and small:
            warnings.append(
                f"fairness by {name}: fewer than {SMALL_GROUP} applicants in "
                f"{', '.join(small)}: the ratio moves a lot by chance"
            )
        flagged = [g["group"] for g in groups if g["flagged"]]
        if flagged:
            warnings.append(
                f"fairness by {name}: approval rate under {ADVERSE_IMPACT_FLAG:.0%} of the "
                f"highest group's for {', '.join(flagged)}"
            )
    return warnings
