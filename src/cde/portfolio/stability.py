"""Stability and fairness of live traffic: the decisions cde stored in a current period
read against a baseline period (issue 13, monitoring).

:func:`stability_report` takes each period's stored decisions (:class:`Observed`, one per
stored recommendation the engine answered) and builds the report as JSON-ready data:

- ``periods``: each period's dates, applications and how many have a recorded outcome;
- ``score``: the population stability index (PSI) of the overall 5C score, the current
  period against the baseline, binned at the baseline's deciles
  (:func:`cde.portfolio.metrics.psi_of`), with its ``level``, its ``noise`` (the PSI two
  samples of one population show on average at these sizes) and ``chance_95`` (the PSI
  such samples stay under 95 times in 100); ``pd``: the same for the scorecard's PD when
  both periods have decisions scored with one;
- ``characteristics``: the characteristic stability index of each scorecard feature
  (:data:`cde.domain.scorecard.features.FEATURES`) — the same formula: a numerical feature
  binned at the baseline's deciles, a categorical one by category; a feature the
  application does not tell has its own bin, ``(missing)``;
- ``weekly``: the approval rate (with its Wilson 95 % interval) and the outcome mix of each
  ISO week of the current period (every week, an empty one too), and of the baseline as
  one line;
- ``fairness``: over the current period, by gender and by age band, the backtest's section
  (:func:`cde.portfolio.backtest.fairness`): approval rate, mean recommended plafon, bad
  rate (loans with an outcome) and the adverse-impact ratio, under 0.8 flagged. Gender is
  never scored: this shows whether the policy still treats the groups differently
  through other fields;
- ``thresholds``: the PSI levels and their source; ``warnings``: the PSI levels reached,
  how to read them at these sample sizes, small groups and empty periods.

An empty period is reported (0 applications, no PSI, a warning), never an error. The
thresholds 0.10 and 0.25 are the industry convention (Siddiqi 2006); the PSI's sampling
distribution depends on the sample sizes and the number of bins (Yurdakul & Naranjo 2020):
``noise`` and ``chance_95`` say what chance alone gives (see :func:`psi_chance`).

Pure: the service (:mod:`cde.service.monitoring`) reads the stored decisions;
:mod:`cde.portfolio.stability_text` writes the report as text.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise
from statistics import NormalDist
from typing import Any

from cde.domain.scorecard.features import FEATURES, LABELS, FeatureValue
from cde.errors import FieldMessage, FieldProblem, InvalidInputError
from cde.portfolio.backtest import OUTCOMES, fairness, fairness_warnings, rate_dict
from cde.portfolio.book import APPROVED, Replayed
from cde.portfolio.metrics import (
    ADVERSE_IMPACT_FLAG,
    PSI_SHIFT,
    PSI_SIGNIFICANT,
    SMALL_GROUP,
    psi,
    psi_level,
    psi_noise,
    psi_of,
    rate_of,
)

__all__ = [
    "MAX_PERIOD_DAYS",
    "MISSING",
    "THRESHOLDS_SOURCE",
    "Observed",
    "Period",
    "PeriodError",
    "parse_period",
    "period",
    "psi_chance",
    "stability_report",
]

# A period longer than this is refused: the weekly table stays readable (157 weeks), and a
# report never reads more than three years of a tenant's decisions per period.
MAX_PERIOD_DAYS = 1096
MISSING = "(missing)"
THRESHOLDS_SOURCE = (
    "Industry convention of credit scorecard monitoring: Siddiqi, Credit Risk Scorecards "
    "(Wiley, 2006). Not a statistical test: the PSI's sampling distribution depends on the "
    "sample sizes and the number of bins (Yurdakul & Naranjo 2020, Journal of Risk Model "
    "Validation 14(4)); compare with noise and chance_95."
)


# --- periods -------------------------------------------------------------------------------


class PeriodError(InvalidInputError):
    """A period that cannot be used: a date that is not one, a start after its end, or
    longer than :data:`MAX_PERIOD_DAYS`. ``field`` names the parameter or option."""

    message_key = "invalid_query"

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"{field_name}: {problem}")
        self.field = field_name
        self.problem = problem

    @property
    def field_errors(self) -> Sequence[FieldProblem]:
        return (FieldMessage(self.field, self.problem),)


@dataclass(frozen=True, slots=True)
class Period:
    """The days ``first`` to ``last``, both included (dates in the service's time zone)."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def __str__(self) -> str:
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    def as_dict(self) -> dict[str, Any]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat(), "days": self.days}


def period(first: date, last: date, *, first_name: str, last_name: str) -> Period:
    """The period ``first``..``last``; :class:`PeriodError` naming ``first_name`` when it
    starts after it ends, ``last_name`` when it is longer than :data:`MAX_PERIOD_DAYS`."""
    if first > last:
        raise PeriodError(
            first_name, f"{first.isoformat()} is after {last_name} {last.isoformat()}"
        )
    found = Period(first, last)
    if found.days > MAX_PERIOD_DAYS:
        raise PeriodError(
            last_name,
            f"the period {found} is {found.days} days long; at most {MAX_PERIOD_DAYS}",
        )
    return found


def parse_period(text: str, name: str) -> Period:
    """``FROM..TO``: two dates ``YYYY-MM-DD``, both included; :class:`PeriodError`
    naming ``name`` otherwise."""
    parts = text.split("..")
    if len(parts) != 2:
        raise PeriodError(name, f"expected FROM..TO (dates YYYY-MM-DD), not {text!r}")
    days: list[date] = []
    for part in parts:
        try:
            days.append(date.fromisoformat(part.strip()))
        except ValueError:
            raise PeriodError(name, f"{part.strip()!r} is not a date YYYY-MM-DD") from None
    return period(days[0], days[1], first_name=name, last_name=name)


# --- the decisions read ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Observed:
    """One stored decision as the monitoring reads it: its day (in the service's time
    zone), what the stored result says (outcome, recommended plafon, score, grade, the
    scorecard's PD if it had one, the age the assessment used), the gender the application
    states (``l``/``p``), the scorecard features of the application (re-assessed under
    the service's policy on its day; empty when it could not be), and the loan's recorded
    outcome (``bad`` 1/0, None without one)."""

    loan_id: str
    day: date
    outcome: str
    plafon: int
    score: int
    grade: str
    pd: float | None = None
    gender: str | None = None
    age: int | None = None
    features: Mapping[str, FeatureValue] = field(default_factory=dict)
    bad: int | None = None

    @property
    def approved(self) -> bool:
        return self.outcome in APPROVED


# --- PSI sections ----------------------------------------------------------------------------


def psi_chance(n_baseline: int, n_current: int, bins: int, level: float = 0.95) -> float:
    """The PSI that two samples of the SAME population stay under with probability
    ``level``, by chance alone.

    Yurdakul & Naranjo (2020): PSI / (1/n_b + 1/n_c) is approximately χ² with ``bins − 1``
    degrees of freedom; its quantile is taken with the Wilson–Hilferty approximation
    (k·(1 − 2/9k + z·√(2/9k))³, within about 1 % for k ≥ 3). With 300 loans a period and
    10 bins: about 0.11 — a "shift" at 0.10 is then no evidence of one. 0 for one bin.
    """
    if n_baseline < 1 or n_current < 1:
        raise ValueError(f"sample sizes {n_baseline} and {n_current}: both at least 1")
    if bins < 1:
        raise ValueError(f"bins is {bins}: at least one")
    k = bins - 1
    if k == 0:
        return 0.0
    z = NormalDist().inv_cdf(level)
    quantile = k * (1.0 - 2.0 / (9.0 * k) + z * math.sqrt(2.0 / (9.0 * k))) ** 3
    return quantile * (1.0 / n_baseline + 1.0 / n_current)


def _number(x: float) -> str:
    return f"{x:.6g}"


def _bin_labels(edges: Sequence[float]) -> list[str]:
    if not edges:
        return ["all"]
    labels = [f"<= {_number(edges[0])}"]
    labels += [f"{_number(a)} < x <= {_number(b)}" for a, b in pairwise(edges)]
    return [*labels, f"> {_number(edges[-1])}"]


def _mean(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def _section(labels: list[str], expected: list[int], actual: list[int]) -> dict[str, Any]:
    """The PSI of two count vectors over the same labelled bins (both totals above 0)."""
    n_b, n_c = sum(expected), sum(actual)
    index = psi(expected, actual)
    return {
        "psi": index,
        "level": psi_level(index),
        "noise": psi_noise(n_b, n_c, len(labels)),
        "chance_95": psi_chance(n_b, n_c, len(labels)),
        "baseline_count": n_b,
        "current_count": n_c,
        "baseline_mean": None,
        "current_mean": None,
        "bins": [
            {"bin": label, "baseline": e, "current": a}
            for label, e, a in zip(labels, expected, actual, strict=True)
        ],
    }


def _numerical(
    baseline: Sequence[float | None], current: Sequence[float | None], bins: int
) -> dict[str, Any]:
    """Binned at the deciles of the baseline's known values; unknown ones in a bin of their
    own. Both sequences non-empty."""
    known_b = [float(x) for x in baseline if x is not None]
    known_c = [float(x) for x in current if x is not None]
    if known_b:
        found = psi_of(known_b, known_c or known_b, bins)
        edges = found.edges
        expected = list(found.expected)
        actual = list(found.actual) if known_c else [0] * len(expected)
        labels = _bin_labels(edges)
    elif known_c:
        labels, expected, actual = ["all"], [0], [len(known_c)]
    else:
        labels, expected, actual = [], [], []
    missing_b, missing_c = len(baseline) - len(known_b), len(current) - len(known_c)
    if missing_b or missing_c:
        labels.append(MISSING)
        expected.append(missing_b)
        actual.append(missing_c)
    section = _section(labels, expected, actual)
    section["baseline_mean"] = _mean(known_b)
    section["current_mean"] = _mean(known_c)
    return section


def _categorical(
    baseline: Sequence[FeatureValue], current: Sequence[FeatureValue]
) -> dict[str, Any]:
    def name(value: FeatureValue) -> str:
        return MISSING if value is None else str(value)

    counts_b = Counter(name(v) for v in baseline)
    counts_c = Counter(name(v) for v in current)
    labels = sorted(set(counts_b) | set(counts_c), key=lambda c: (c == MISSING, c))
    return _section(labels, [counts_b[c] for c in labels], [counts_c[c] for c in labels])


def _feature_value(o: Observed, name: str) -> FeatureValue:
    return o.features.get(name)


def _as_number(value: FeatureValue) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return None if math.isnan(value) else float(value)
    return None


def _characteristics(
    baseline: Sequence[Observed], current: Sequence[Observed], bins: int
) -> list[dict[str, Any]]:
    out = []
    for name, (kind, _) in FEATURES.items():
        b = [_feature_value(o, name) for o in baseline]
        c = [_feature_value(o, name) for o in current]
        if kind == "numerical":
            section = _numerical([_as_number(v) for v in b], [_as_number(v) for v in c], bins)
        else:
            section = _categorical(b, c)
        out.append({"feature": name, "kind": kind, "label": LABELS[name][1], **section})
    return out


# --- weeks -----------------------------------------------------------------------------------


def _line(label: str, first: date, last: date, rows: Sequence[Observed]) -> dict[str, Any]:
    n = len(rows)
    counts = Counter(o.outcome for o in rows)
    return {
        "week": label,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "applications": n,
        "approval": rate_dict(rate_of(sum(o.approved for o in rows), n)),
        "outcomes": {o: counts.get(o, 0) for o in OUTCOMES},
        "mix": {o: (counts.get(o, 0) / n if n else None) for o in OUTCOMES},
    }


def _weekly_psi(
    baseline: Sequence[Observed], week: Sequence[Observed], bins: int
) -> dict[str, Any] | None:
    """The score PSI of one week of the current period against the whole baseline (None
    when either is empty), with the PSI chance alone reaches at that week's size: a week
    holds few decisions, and its PSI is noisier than the period's."""
    if not baseline or not week:
        return None
    found = psi_of([o.score for o in baseline], [o.score for o in week], bins)
    return {
        "psi": found.psi,
        "level": found.level,
        "chance_95": psi_chance(len(baseline), len(week), len(found.expected)),
    }


def _weeks(
    current: Period, rows: Sequence[Observed], baseline: Sequence[Observed], bins: int
) -> list[dict[str, Any]]:
    """One line per ISO week the period touches, its days clipped to the period, with the
    week's score PSI against the baseline (the PSI over time)."""
    spans: dict[tuple[int, int], list[date]] = {}
    day = current.first
    while True:
        iso = day.isocalendar()
        spans.setdefault((iso.year, iso.week), [day, day])[1] = day
        if day == current.last:
            break
        day += timedelta(days=1)
    members: dict[tuple[int, int], list[Observed]] = {key: [] for key in spans}
    for o in rows:
        iso = o.day.isocalendar()
        key = (iso.year, iso.week)
        if key in members and current.first <= o.day <= current.last:
            members[key].append(o)
    return [
        {
            **_line(f"{year}-W{week:02d}", first, last, members[(year, week)]),
            "score_psi": _weekly_psi(baseline, members[(year, week)], bins),
        }
        for (year, week), (first, last) in spans.items()
    ]


# --- the report ------------------------------------------------------------------------------


def _replayed(o: Observed) -> Replayed:
    return Replayed(
        loan_id=o.loan_id,
        day=o.day,
        outcome=o.outcome,
        plafon=o.plafon,
        score=o.score,
        grade=o.grade,
        pd=o.pd,
        gender=o.gender,
        age=o.age,
    )


def _period_facts(p: Period, rows: Sequence[Observed]) -> dict[str, Any]:
    known = [o.bad for o in rows if o.bad is not None]
    return {
        **p.as_dict(),
        "applications": len(rows),
        "with_outcome": len(known),
        "bad": rate_dict(rate_of(sum(known), len(known))),
    }


def _psi_warnings(name: str, section: Mapping[str, Any]) -> list[str]:
    level, value, chance = section["level"], section["psi"], section["chance_95"]
    if level == "stable":
        return []
    what = (
        f"a significant shift (>= {PSI_SIGNIFICANT:.2f})"
        if level == "significant"
        else f"a shift to watch (>= {PSI_SHIFT:.2f})"
    )
    text = f"{name}: PSI {value:.3f}, {what}"
    if value < chance:
        text += (
            f"; but two samples of one population of these sizes exceed {chance:.3f} only "
            "1 time in 20, and this one does not: it may be chance alone"
        )
    return [text]


def stability_report(
    baseline: Sequence[Observed],
    current: Sequence[Observed],
    baseline_period: Period,
    current_period: Period,
    *,
    bins: int = 10,
) -> dict[str, Any]:
    """The report of the module's docstring, as JSON-ready data. The same inputs give
    the same report."""
    warnings: list[str] = []
    report: dict[str, Any] = {
        "periods": {
            "baseline": _period_facts(baseline_period, baseline),
            "current": _period_facts(current_period, current),
        },
        "thresholds": {
            "shift": PSI_SHIFT,
            "significant": PSI_SIGNIFICANT,
            "adverse_impact": ADVERSE_IMPACT_FLAG,
            "small_group": SMALL_GROUP,
            "source": THRESHOLDS_SOURCE,
        },
        "score": None,
        "pd": None,
        "characteristics": [],
    }
    for name, rows, p in (
        ("baseline", baseline, baseline_period),
        ("current", current, current_period),
    ):
        if not rows:
            warnings.append(
                f"the {name} period {p} holds no stored decision: no PSI can be computed"
            )
        elif len(rows) < SMALL_GROUP:
            warnings.append(
                f"the {name} period {p} holds only {len(rows)} decisions (fewer than "
                f"{SMALL_GROUP}): its distributions are mostly noise"
            )
    if baseline and current:
        score = _numerical([o.score for o in baseline], [o.score for o in current], bins)
        report["score"] = score
        warnings += _psi_warnings("score", score)
        pd_b = [o.pd for o in baseline if o.pd is not None]
        pd_c = [o.pd for o in current if o.pd is not None]
        if pd_b and pd_c:
            report["pd"] = _numerical(pd_b, pd_c, bins)
            warnings += _psi_warnings("pd", report["pd"])
            if (len(pd_b), len(pd_c)) != (len(baseline), len(current)):
                warnings.append(
                    f"the PD compares the {len(pd_b)} and {len(pd_c)} decisions scored with "
                    "a scorecard, not every decision of the periods"
                )
        elif pd_b or pd_c:
            warnings.append(
                "only one period has decisions scored with a scorecard: no PSI of the PD"
            )
        report["characteristics"] = _characteristics(baseline, current, bins)
        for c in report["characteristics"]:
            warnings += _psi_warnings(f"characteristic {c['feature']}", c)
        if score["chance_95"] >= PSI_SHIFT:
            warnings.append(
                f"with {len(baseline)} and {len(current)} decisions, two samples of one "
                f"population show a score PSI of {score['noise']:.3f} on average and up to "
                f"{score['chance_95']:.3f} 1 time in 20, by chance alone: read the "
                f"thresholds {PSI_SHIFT:.2f} and {PSI_SIGNIFICANT:.2f} against those figures"
            )
    weeks = _weeks(current_period, current, baseline, bins)
    report["weekly"] = {
        "baseline": _line("baseline", baseline_period.first, baseline_period.last, baseline),
        "current": weeks,
    }
    empty_weeks = [w["week"] for w in weeks if not w["applications"]]
    small_weeks = [w["week"] for w in weeks if 0 < w["applications"] < SMALL_GROUP]
    if current and empty_weeks:
        warnings.append(f"weeks without a decision: {', '.join(empty_weeks)}")
    if small_weeks:
        warnings.append(
            f"weeks with fewer than {SMALL_GROUP} decisions: {', '.join(small_weeks)}: "
            "read their approval rates with their intervals"
        )
    report["fairness"] = fairness(
        [_replayed(o) for o in current],
        {o.loan_id: o.bad for o in current if o.bad is not None},
    )
    warnings += fairness_warnings(report["fairness"], small_groups=True)
    report["warnings"] = warnings
    return report
