"""Credit-risk metrics for small loan books, each with its uncertainty. Pure Python.

A cooperative has hundreds to a few thousand loans: every figure here comes with an
interval, or with a flag saying the group is too small to read, and an empty group is
reported as such (``None``), never as a division by zero.

Conventions:

- ``risk`` is a sequence of floats where HIGHER means RISKIER (a probability of default).
  The engine's 5C score is higher-is-better: pass ``-score``.
- ``bad`` is a sequence of 0/1 of the same length (1: the loan went bad). A length
  mismatch, a bad that is not 0 or 1, or a NaN risk is a :class:`ValueError`.
- ``pd`` (:func:`brier`, :func:`calibration`) is a probability: a value outside [0, 1]
  is a :class:`ValueError`.

No numpy, no scikit-learn: the service installs without them (the tests compare with them).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

__all__ = [
    "ADVERSE_IMPACT_FLAG",
    "PSI_FLOOR",
    "PSI_SHIFT",
    "PSI_SIGNIFICANT",
    "SMALL_GROUP",
    "CalibrationBin",
    "PsiLevel",
    "PsiResult",
    "Rate",
    "adverse_impact",
    "auc",
    "auc_interval",
    "auc_variance",
    "brier",
    "calibration",
    "gini",
    "ks",
    "psi",
    "psi_level",
    "psi_noise",
    "psi_of",
    "rate_of",
    "roc_points",
    "wilson",
]

# A group smaller than this is flagged ``small``: its rate is shown, but it should not be
# read on its own. At n = 30 and a rate around 10-15 %, the Wilson 95 % interval is about
# ±12 points wide: 3 bads of 30 (10 %) gives 3.5 %-25.6 % (22 points), 4 of 30 (13.3 %)
# gives 5.3 %-29.7 % (24 points). Below 30 the interval is wider still than the rates
# one would compare. (tests/unit/test_portfolio_metrics.py computes these figures.)
SMALL_GROUP = 30

# The "four-fifths rule": a group whose selection (here: approval) rate is below 4/5 of the
# highest group's rate shows adverse impact. US EEOC Uniform Guidelines on Employee Selection
# Procedures, 29 CFR 1607.4(D). cde uses it as a screening signal that asks for a closer
# look, not as a legal test: it is neither Indonesian law nor a test of significance, and on
# small groups (see SMALL_GROUP) the ratio moves a lot by chance.
ADVERSE_IMPACT_FLAG = 0.8

# The share given to an empty bin in the population stability index, 0.0001 (0.01 %), so
# that ln(a/e) stays finite. Only empty bins are floored; the other shares are unchanged.
PSI_FLOOR = 0.0001

# The PSI thresholds (see psi_level).
PSI_SHIFT = 0.10
PSI_SIGNIFICANT = 0.25

PsiLevel = Literal["stable", "shift", "significant"]


# --- validation and ranks -------------------------------------------------------------------


def _check_pairs(risk: Sequence[float], bad: Sequence[int], name: str = "risk") -> None:
    if len(risk) != len(bad):
        raise ValueError(f"{name} has {len(risk)} values and bad has {len(bad)}: they must pair")
    for i, b in enumerate(bad):
        if b not in (0, 1):
            raise ValueError(f"bad[{i}] is {b!r}: a bad is 0 or 1")
    for i, r in enumerate(risk):
        if math.isnan(r):
            raise ValueError(f"{name}[{i}] is NaN")


def _check_probabilities(pd: Sequence[float]) -> None:
    for i, p in enumerate(pd):
        if not 0.0 <= p <= 1.0:  # also refuses NaN
            raise ValueError(f"pd[{i}] is {p!r}: a probability is between 0 and 1")


def _z(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level is {level!r}: a confidence level is between 0 and 1")
    return NormalDist().inv_cdf(0.5 + level / 2.0)


def _midranks(values: Sequence[float]) -> list[float]:
    """The 1-based ranks of ``values``, tied values sharing the mean of their ranks."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j < len(order) and values[order[j]] == values[order[i]]:
            j += 1
        midrank = (i + 1 + j) / 2.0  # the mean of ranks i+1 .. j
        for k in range(i, j):
            ranks[order[k]] = midrank
        i = j
    return ranks


def _split(risk: Sequence[float], bad: Sequence[int]) -> tuple[list[float], list[float]]:
    _check_pairs(risk, bad)
    bads = [r for r, b in zip(risk, bad, strict=True) if b == 1]
    goods = [r for r, b in zip(risk, bad, strict=True) if b == 0]
    return bads, goods


# --- discrimination: AUC, Gini, KS ----------------------------------------------------------


def auc(risk: Sequence[float], bad: Sequence[int]) -> float | None:
    """The area under the ROC curve: P(risk of a random bad > risk of a random good), plus
    half the probability of a tie (the Mann–Whitney statistic, from midranks: O(n log n)).

    ``None`` when there are no bads or no goods. 0.5 is no discrimination; 1.0 is every
    bad riskier than every good.
    """
    bads, goods = _split(risk, bad)
    m, n = len(bads), len(goods)
    if m == 0 or n == 0:
        return None
    ranks = _midranks(bads + goods)
    return (math.fsum(ranks[:m]) - m * (m + 1) / 2.0) / (m * n)


def _delong(bads: list[float], goods: list[float]) -> tuple[float, float] | None:
    """The AUC and DeLong's variance of it, by the midrank algorithm of Sun & Xu (2014)."""
    m, n = len(bads), len(goods)
    if m < 2 or n < 2:
        return None
    tx = _midranks(bads)
    ty = _midranks(goods)
    tz = _midranks(bads + goods)
    area = (math.fsum(tz[:m]) - m * (m + 1) / 2.0) / (m * n)
    # The structural components: for each bad, the share of goods it outranks (ties ½);
    # for each good, the share of bads that outrank it.
    v10 = [(tz[i] - tx[i]) / n for i in range(m)]
    v01 = [1.0 - (tz[m + j] - ty[j]) / m for j in range(n)]
    s10 = math.fsum((v - area) ** 2 for v in v10) / (m - 1)
    s01 = math.fsum((v - area) ** 2 for v in v01) / (n - 1)
    return area, s10 / m + s01 / n


def auc_variance(risk: Sequence[float], bad: Sequence[int]) -> float | None:
    """DeLong's estimate of the variance of :func:`auc` (DeLong, DeLong & Clarke-Pearson
    1988, "Comparing the areas under two or more correlated receiver operating
    characteristic curves", Biometrics 44(3)), computed in O(n log n) with the midrank
    algorithm of Sun & Xu (2014, "Fast implementation of DeLong's algorithm for comparing
    the areas under correlated receiver operating characteristic curves", IEEE Signal
    Processing Letters 21(11)).

    ``None`` with fewer than two bads or fewer than two goods: the variance is a sum of two
    sample variances (one over the bads, one over the goods), undefined for a single value.
    """
    bads, goods = _split(risk, bad)
    result = _delong(bads, goods)
    return None if result is None else result[1]


def auc_interval(
    risk: Sequence[float], bad: Sequence[int], level: float = 0.95
) -> tuple[float, float] | None:
    """A normal interval for the AUC with DeLong's variance (:func:`auc_variance`), clipped
    to [0, 1].

    ``None`` when there are fewer than two bads or fewer than two goods: with none the AUC is
    undefined, with one the variance is degenerate (one bad alone cannot show how the AUC
    varies across bads). When the bads and goods are perfectly separated the variance is 0
    and the interval is the single point: read it with the group sizes.
    """
    z = _z(level)
    bads, goods = _split(risk, bad)
    result = _delong(bads, goods)
    if result is None:
        return None
    area, variance = result
    half = z * math.sqrt(max(variance, 0.0))
    return max(0.0, area - half), min(1.0, area + half)


def gini(auc_value: float) -> float:
    """The Gini coefficient (accuracy ratio): 2·AUC − 1."""
    if not 0.0 <= auc_value <= 1.0:
        raise ValueError(f"an AUC is between 0 and 1, not {auc_value!r}")
    return 2.0 * auc_value - 1.0


def ks(risk: Sequence[float], bad: Sequence[int]) -> float | None:
    """The Kolmogorov–Smirnov statistic: the largest gap between the cumulative share of
    bads and the cumulative share of goods, the loans ordered by risk.

    The gap is read only at the boundaries between distinct risk values: loans with equal
    risk are never split (splitting them, bads last, would invent a separation the risk
    does not make). The gap is absolute. ``None`` when there are no bads or no goods.
    """
    bads, goods = _split(risk, bad)
    m, n = len(bads), len(goods)
    if m == 0 or n == 0:
        return None
    order = sorted(zip(risk, bad, strict=True), key=lambda pair: pair[0])
    seen_bad = seen_good = 0
    best = 0.0
    i = 0
    while i < len(order):
        value = order[i][0]
        while i < len(order) and order[i][0] == value:
            if order[i][1] == 1:
                seen_bad += 1
            else:
                seen_good += 1
            i += 1
        best = max(best, abs(seen_bad / m - seen_good / n))
    return best


def roc_points(
    risk: Sequence[float], bad: Sequence[int], max_points: int = 101
) -> list[tuple[float, float]]:
    """The ROC curve: ``(false positive rate, true positive rate)`` as the cut-off on risk
    falls from the highest value to the lowest, one point per distinct risk value (ties
    move together), from (0, 0) to (1, 1); thinned to at most ``max_points`` evenly spaced
    points (the first and the last always kept) for a plot. Empty when there are no bads
    or no goods."""
    bads, goods = _split(risk, bad)
    m, n = len(bads), len(goods)
    if m == 0 or n == 0:
        return []
    order = sorted(zip(risk, bad, strict=True), key=lambda pair: -pair[0])
    points = [(0.0, 0.0)]
    tp = fp = 0
    i = 0
    while i < len(order):
        value = order[i][0]
        while i < len(order) and order[i][0] == value:
            tp += order[i][1]
            fp += 1 - order[i][1]
            i += 1
        points.append((fp / n, tp / m))
    if len(points) > max_points >= 2:
        step = (len(points) - 1) / (max_points - 1)
        points = [points[round(k * step)] for k in range(max_points)]
    return points


# --- calibration: Brier, rates, bins --------------------------------------------------------


def brier(pd: Sequence[float], bad: Sequence[int]) -> float | None:
    """The Brier score: the mean of (pd − bad)². 0 is perfect; ``None`` for no loans."""
    _check_pairs(pd, bad, "pd")
    _check_probabilities(pd)
    if not pd:
        return None
    return math.fsum((p - b) ** 2 for p, b in zip(pd, bad, strict=True)) / len(pd)


def wilson(successes: int, n: int, level: float = 0.95) -> tuple[float, float] | None:
    """The Wilson score interval for a proportion ``successes / n``; ``None`` when n is 0.

    Unlike the normal (Wald) interval it is never empty at 0 % or 100 % and stays inside
    [0, 1]: (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n).
    """
    z = _z(level)
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"{successes} successes of {n}: need 0 <= successes <= n")
    if n == 0:
        return None
    p = successes / n
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n))
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


@dataclass(frozen=True)
class Rate:
    """``events`` of ``count``: the rate, its Wilson 95 % interval, and whether the group is
    small (fewer than :data:`SMALL_GROUP`). ``rate``, ``low`` and ``high`` are ``None``
    when ``count`` is 0."""

    count: int
    events: int
    rate: float | None
    low: float | None
    high: float | None
    small: bool


def rate_of(events: int, count: int) -> Rate:
    """The :class:`Rate` of ``events`` among ``count``."""
    if count < 0 or not 0 <= events <= count:
        raise ValueError(f"{events} events of {count}: need 0 <= events <= count")
    interval = wilson(events, count)
    if interval is None:
        return Rate(count=0, events=0, rate=None, low=None, high=None, small=True)
    return Rate(
        count=count,
        events=events,
        rate=events / count,
        low=interval[0],
        high=interval[1],
        small=count < SMALL_GROUP,
    )


@dataclass(frozen=True)
class CalibrationBin:
    """A group of loans of neighbouring pd: the pd range, the mean pd, the observed bad rate."""

    count: int
    pd_low: float
    pd_high: float
    predicted: float
    observed: Rate


def calibration(pd: Sequence[float], bad: Sequence[int], groups: int = 10) -> list[CalibrationBin]:
    """The loans sorted by pd and cut into ``groups`` parts of (nearly) equal size.

    The sort is stable: loans of equal pd keep their input order, so the result is
    deterministic, and equal pds may fall on both sides of a cut (one bin's ``pd_high`` is
    then the next one's ``pd_low``). The sizes differ by at most one: the first
    ``len(pd) % groups`` parts have one loan more (as ``numpy.array_split``). Fewer parts
    when there are fewer loans than groups (one loan each), none for no loans.
    """
    _check_pairs(pd, bad, "pd")
    _check_probabilities(pd)
    if groups < 1:
        raise ValueError(f"groups is {groups}: at least one")
    order = sorted(range(len(pd)), key=pd.__getitem__)
    parts = min(groups, len(order))
    bins: list[CalibrationBin] = []
    start = 0
    for k in range(parts):
        size = len(order) // parts + (1 if k < len(order) % parts else 0)
        members = order[start : start + size]
        start += size
        pds = [pd[i] for i in members]
        bins.append(
            CalibrationBin(
                count=size,
                pd_low=pds[0],
                pd_high=pds[-1],
                predicted=math.fsum(pds) / size,
                observed=rate_of(sum(bad[i] for i in members), size),
            )
        )
    return bins


# --- stability: PSI -------------------------------------------------------------------------


def psi(expected: Sequence[int], actual: Sequence[int]) -> float:
    """The population stability index of two count vectors over the same bins:
    Σ (a − e)·ln(a / e), ``a`` and ``e`` the shares of each bin.

    An empty bin takes the share :data:`PSI_FLOOR` (0.0001, i.e. 0.01 %) so the index stays
    finite; the other shares are not rescaled. A ValueError when the lengths differ, a count
    is negative, or either total is 0.
    """
    if len(expected) != len(actual):
        raise ValueError(
            f"expected has {len(expected)} bins and actual has {len(actual)}: they must pair"
        )
    if any(c < 0 for c in expected) or any(c < 0 for c in actual):
        raise ValueError("a bin count is negative")
    total_e, total_a = sum(expected), sum(actual)
    if total_e == 0 or total_a == 0:
        raise ValueError(f"totals {total_e} (expected) and {total_a} (actual): neither may be 0")
    index = 0.0
    for e_count, a_count in zip(expected, actual, strict=True):
        e = e_count / total_e if e_count else PSI_FLOOR
        a = a_count / total_a if a_count else PSI_FLOOR
        index += (a - e) * math.log(a / e)
    return index


def psi_level(value: float) -> PsiLevel:
    """The reading of a PSI: "stable" under 0.10, "shift" from 0.10 up to 0.25,
    "significant" from 0.25 up.

    These thresholds are the industry convention of credit scorecard monitoring (Siddiqi,
    "Credit Risk Scorecards: Developing and Implementing Intelligent Credit Scoring", Wiley
    2006), not a statistical test: Yurdakul & Naranjo (2020, "Statistical properties of the
    population stability index", Journal of Risk Model Validation 14(4)) show that the
    index's sampling distribution depends on the sample sizes and the number of bins. On a
    small loan book a PSI above 0.10 can be chance alone: compare with :func:`psi_noise`.
    """
    if value < PSI_SHIFT:
        return "stable"
    if value < PSI_SIGNIFICANT:
        return "shift"
    return "significant"


def psi_noise(n_baseline: int, n_current: int, bins: int) -> float:
    """The PSI two samples of the SAME population show on average, by chance alone.

    Yurdakul & Naranjo (2020): PSI / (1/n_b + 1/n_c) is approximately χ² with ``bins − 1``
    degrees of freedom, so the PSI's expected value is about (bins − 1)·(1/n_b + 1/n_c).
    With 300 loans in each period and 10 bins that is 9 · 2/300 = 0.06: a PSI around 0.06
    says nothing there.
    """
    if n_baseline < 1 or n_current < 1:
        raise ValueError(f"sample sizes {n_baseline} and {n_current}: both at least 1")
    if bins < 1:
        raise ValueError(f"bins is {bins}: at least one")
    return (bins - 1) * (1.0 / n_baseline + 1.0 / n_current)


@dataclass(frozen=True)
class PsiResult:
    """The PSI of a current sample against a baseline.

    Bin ``k`` holds the values ``edges[k-1] < x <= edges[k]`` (the first bin everything up
    to ``edges[0]``, the last everything above ``edges[-1]``), so there are
    ``len(edges) + 1`` bins. ``noise`` is :func:`psi_noise` for these sizes and bins.
    """

    edges: tuple[float, ...]
    expected: tuple[int, ...]
    actual: tuple[int, ...]
    psi: float
    level: PsiLevel
    noise: float


def _decile_edges(baseline: Sequence[float], bins: int) -> tuple[float, ...]:
    ordered = sorted(baseline)
    n = len(ordered)
    edges: list[float] = []
    for k in range(1, bins):
        # The k/bins quantile: the smallest value with at least k/bins of the sample at or
        # below it. Equal values share a cut, and a cut at the maximum would leave the top
        # bin empty: both are dropped, which gives fewer bins than asked.
        cut = ordered[(k * n + bins - 1) // bins - 1]  # index ceil(k·n/bins) − 1
        if cut < ordered[-1] and (not edges or cut > edges[-1]):
            edges.append(cut)
    return tuple(edges)


def psi_of(baseline: Sequence[float], current: Sequence[float], bins: int = 10) -> PsiResult:
    """The PSI of ``current`` against ``baseline``, binned at the baseline's quantiles
    (deciles for ``bins=10``).

    The cuts are values of the baseline and the bins are right-closed, so equal values never
    fall into two bins; with fewer distinct baseline values than bins (or values so
    frequent that two quantiles coincide) there are fewer bins. A constant baseline gives
    one bin and a PSI of 0: there is no spread to compare with, which ``edges == ()``
    shows. Levels: :func:`psi_level`. A ValueError for an empty sample or a NaN.
    """
    if bins < 1:
        raise ValueError(f"bins is {bins}: at least one")
    if not baseline or not current:
        raise ValueError(f"baseline has {len(baseline)} values and current {len(current)}")
    for name, sample in (("baseline", baseline), ("current", current)):
        for i, x in enumerate(sample):
            if math.isnan(x):
                raise ValueError(f"{name}[{i}] is NaN")
    edges = _decile_edges(baseline, bins)
    expected = [0] * (len(edges) + 1)
    actual = [0] * (len(edges) + 1)
    for x in baseline:
        expected[bisect_left(edges, x)] += 1
    for x in current:
        actual[bisect_left(edges, x)] += 1
    index = psi(expected, actual)
    return PsiResult(
        edges=edges,
        expected=tuple(expected),
        actual=tuple(actual),
        psi=index,
        level=psi_level(index),
        noise=psi_noise(len(baseline), len(current), len(expected)),
    )


# --- fairness -------------------------------------------------------------------------------


def adverse_impact(approval: Mapping[str, Rate]) -> dict[str, float | None]:
    """Each group's approval rate divided by the highest group's rate (the adverse impact
    ratio); below :data:`ADVERSE_IMPACT_FLAG` asks for a closer look.

    ``None`` for a group with no applicants, and for every group when no group has
    applicants or the highest rate is 0. Read it with each group's ``small`` flag and
    interval: on a small group the ratio is mostly noise.
    """
    rates = [r.rate for r in approval.values() if r.rate is not None]
    top = max(rates, default=0.0)
    if top <= 0.0:
        return dict.fromkeys(approval)
    return {group: None if r.rate is None else r.rate / top for group, r in approval.items()}
