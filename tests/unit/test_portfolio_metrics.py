"""cde.portfolio.metrics: hand-worked cases, the references (scikit-learn, scipy, numpy, a
direct DeLong), seeded simulations, and the edges (empty, one-sided, tied, invalid)."""

from __future__ import annotations

import ast
import math
import random
import time
from pathlib import Path
from statistics import NormalDist

import pytest

from cde.portfolio import metrics as metrics_module
from cde.portfolio.metrics import (
    ADVERSE_IMPACT_FLAG,
    PSI_FLOOR,
    SMALL_GROUP,
    Rate,
    adverse_impact,
    auc,
    auc_interval,
    auc_variance,
    brier,
    calibration,
    gini,
    ks,
    psi,
    psi_level,
    psi_noise,
    psi_of,
    rate_of,
    roc_points,
    wilson,
)

Z95 = 1.959963984540054  # NormalDist().inv_cdf(0.975)

# The small case used by hand below: 3 bads, 4 goods, one tie across the classes (0.5).
BAD_RISKS = [0.9, 0.5, 0.3]
GOOD_RISKS = [0.5, 0.2, 0.1, 0.4]
RISK = [0.9, 0.5, 0.3, 0.5, 0.2, 0.1, 0.4]
BAD = [1, 1, 1, 0, 0, 0, 0]


def seeded_book(seed: int, n: int, tied: bool) -> tuple[list[float], list[int]]:
    """A random book: a bad rate of about 30 %, bads riskier on average. ``tied``: the risks
    are integers 0..4, so most pairs tie."""
    rng = random.Random(seed)
    bad = [1 if rng.random() < 0.3 else 0 for _ in range(n)]
    if tied:
        risk = [float(min(4, max(0, round(rng.gauss(2.0 + 0.8 * b, 1.2))))) for b in bad]
    else:
        risk = [rng.gauss(0.7 * b, 1.0) for b in bad]
    return risk, bad


# --- AUC and Gini ---------------------------------------------------------------------------


def test_auc_worked_pair_by_pair() -> None:
    """3 bads x 4 goods = 12 pairs; a bad riskier than the good wins 1, a tie wins ½.

    bad 0.9 vs goods 0.5, 0.2, 0.1, 0.4: wins all four                  -> 4
    bad 0.5 vs 0.5 tie (½), 0.2 win, 0.1 win, 0.4 win                    -> 3.5
    bad 0.3 vs 0.5 loses, 0.2 wins, 0.1 wins, 0.4 loses                  -> 2
    AUC = (4 + 3.5 + 2) / 12 = 9.5 / 12 = 0.791666...
    Gini = 2 · 9.5/12 − 1 = 7/12.
    """
    value = auc(RISK, BAD)
    assert value == pytest.approx(9.5 / 12, abs=1e-15)
    assert gini(9.5 / 12) == pytest.approx(7 / 12, abs=1e-15)
    # Higher is riskier: reversing the risk (a 5C score passed as is) mirrors the AUC.
    assert auc([-r for r in RISK], BAD) == pytest.approx(2.5 / 12, abs=1e-15)
    # The order of the loans does not matter.
    assert auc(RISK[::-1], BAD[::-1]) == value


def test_gini_of_the_landmarks_and_refusals() -> None:
    assert gini(0.5) == 0.0
    assert gini(1.0) == 1.0
    assert gini(0.75) == 0.5
    for wrong in (-0.1, 1.1, math.nan):
        with pytest.raises(ValueError, match="between 0 and 1"):
            gini(wrong)


def test_auc_against_scikit_learn_with_many_ties() -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    risk, bad = seeded_book(seed=11, n=600, tied=True)
    assert len(set(risk)) <= 5  # integer risks: nearly every pair ties somewhere
    assert auc(risk, bad) == pytest.approx(metrics.roc_auc_score(bad, risk), abs=1e-12)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_auc_against_scikit_learn_on_random_books(seed: int) -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    risk, bad = seeded_book(seed=seed, n=500, tied=False)
    assert auc(risk, bad) == pytest.approx(metrics.roc_auc_score(bad, risk), abs=1e-12)


# --- DeLong ---------------------------------------------------------------------------------


def delong_direct(bads: list[float], goods: list[float]) -> tuple[float, float]:
    """DeLong, DeLong & Clarke-Pearson (1988), straight from the definition, O(m·n):
    ψ(x, y) = 1 if x > y, ½ if x == y, 0 otherwise; V10(x_i) = mean_j ψ(x_i, y_j),
    V01(y_j) = mean_i ψ(x_i, y_j); S10, S01 their sample variances (divisor m−1, n−1);
    Var(AUC) = S10/m + S01/n."""

    def psi_kernel(x: float, y: float) -> float:
        return 1.0 if x > y else 0.5 if x == y else 0.0

    m, n = len(bads), len(goods)
    v10 = [sum(psi_kernel(x, y) for y in goods) / n for x in bads]
    v01 = [sum(psi_kernel(x, y) for x in bads) / m for y in goods]
    area = sum(v10) / m
    s10 = sum((v - area) ** 2 for v in v10) / (m - 1)
    s01 = sum((v - area) ** 2 for v in v01) / (n - 1)
    return area, s10 / m + s01 / n


def test_delong_variance_worked_by_hand() -> None:
    """bads 2, 3; goods 1, 2.
    V10: bad 2 beats good 1 and ties good 2 -> (1 + ½)/2 = 0.75; bad 3 beats both -> 1.
    V01: good 1 is beaten by both bads -> 1; good 2 tied by bad 2, beaten by bad 3 -> 0.75.
    AUC = (0.75 + 1)/2 = 0.875.
    S10 = (0.125² + 0.125²)/1 = 0.03125; S01 likewise = 0.03125.
    Var = 0.03125/2 + 0.03125/2 = 0.03125; the 95 % interval 0.875 ± 1.96·0.1768 -> clipped
    at 1 on the right.
    """
    risk, bad = [2.0, 3.0, 1.0, 2.0], [1, 1, 0, 0]
    assert auc(risk, bad) == 0.875
    assert auc_variance(risk, bad) == pytest.approx(0.03125, abs=1e-15)
    interval = auc_interval(risk, bad)
    assert interval is not None
    assert interval[0] == pytest.approx(0.875 - Z95 * math.sqrt(0.03125), abs=1e-12)
    assert interval[1] == 1.0


@pytest.mark.parametrize("tied", [False, True])
def test_delong_fast_equals_the_direct_definition(tied: bool) -> None:
    risk, bad = seeded_book(seed=5, n=300, tied=tied)
    bads = [r for r, b in zip(risk, bad, strict=True) if b]
    goods = [r for r, b in zip(risk, bad, strict=True) if not b]
    area, variance = delong_direct(bads, goods)
    assert auc(risk, bad) == pytest.approx(area, abs=1e-12)
    fast = auc_variance(risk, bad)
    assert fast is not None
    assert fast == pytest.approx(variance, rel=1e-10)
    interval = auc_interval(risk, bad, level=0.90)
    assert interval is not None
    half = NormalDist().inv_cdf(0.95) * math.sqrt(variance)
    assert interval == pytest.approx((area - half, area + half), abs=1e-12)


def test_delong_interval_covers_the_true_auc_about_95_percent_of_the_time() -> None:
    """400 books of 40 bads and 160 goods; bad risks ~ N(1, 1), good risks ~ N(0, 1), so the
    true AUC is P(X − Y > 0) with X − Y ~ N(1, 2): Φ(1/√2) ≈ 0.760. The 95 % interval should
    cover it in about 95 % of the books: 90-99 % accepts the simulation's own noise (the
    binomial standard error over 400 repeats is about 1.1 points)."""
    truth = NormalDist().cdf(1 / math.sqrt(2))
    rng = random.Random(20240613)
    started = time.perf_counter()
    covered = 0
    repeats = 400
    for _ in range(repeats):
        risk = [rng.gauss(1.0, 1.0) for _ in range(40)] + [rng.gauss(0.0, 1.0) for _ in range(160)]
        bad = [1] * 40 + [0] * 160
        interval = auc_interval(risk, bad)
        assert interval is not None
        covered += interval[0] <= truth <= interval[1]
    assert 0.90 * repeats <= covered <= 0.99 * repeats
    assert time.perf_counter() - started < 3.0


def test_delong_is_undefined_with_one_bad_or_one_good_and_a_point_when_separated() -> None:
    assert auc_interval([0.9, 0.1, 0.2], [1, 0, 0]) is None  # one bad
    assert auc_variance([0.9, 0.8, 0.2], [1, 1, 0]) is None  # one good
    assert auc([0.9, 0.1, 0.2], [1, 0, 0]) == 1.0  # the AUC itself is defined
    # Perfectly separated: every structural component is 1, so the variance is 0.
    assert auc_interval([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0]) == (1.0, 1.0)
    with pytest.raises(ValueError, match="confidence level"):
        auc_interval(RISK, BAD, level=1.0)


# --- KS -------------------------------------------------------------------------------------


def test_ks_worked_by_hand_on_the_tied_case() -> None:
    """Ordered by risk, the cumulative shares after each distinct value (bads of 3, goods of 4):
    0.1 (good)        bads 0/3, goods 1/4  gap 0.25
    0.2 (good)        bads 0/3, goods 2/4  gap 0.50   <- the largest
    0.3 (bad)         bads 1/3, goods 2/4  gap 0.1667
    0.4 (good)        bads 1/3, goods 3/4  gap 0.4167
    0.5 (bad + good)  bads 2/3, goods 4/4  gap 0.3333  (the tie moves both at once)
    0.9 (bad)         bads 3/3, goods 4/4  gap 0
    """
    assert ks(RISK, BAD) == pytest.approx(0.5, abs=1e-15)


def test_ks_never_splits_a_tie() -> None:
    """bads at 1, 1; goods at 0, 1. After 0: bads 0/2, goods 1/2, gap ½. After 1: both 1.
    KS = ½. Splitting the tie at 1 (goods first) would read goods 2/2 vs bads 0/2 and claim 1."""
    assert ks([1.0, 1.0, 0.0, 1.0], [1, 1, 0, 0]) == 0.5


@pytest.mark.parametrize(("seed", "tied"), [(7, True), (8, False)])
def test_ks_against_scipy(seed: int, tied: bool) -> None:
    stats = pytest.importorskip("scipy.stats")
    risk, bad = seeded_book(seed=seed, n=500, tied=tied)
    bads = [r for r, b in zip(risk, bad, strict=True) if b]
    goods = [r for r, b in zip(risk, bad, strict=True) if not b]
    assert ks(risk, bad) == pytest.approx(stats.ks_2samp(bads, goods).statistic, abs=1e-12)


# --- Brier ----------------------------------------------------------------------------------


def test_brier_by_hand_and_against_scikit_learn() -> None:
    # (0.1 − 0)² + (0.8 − 1)² + (0.5 − 1)² = 0.01 + 0.04 + 0.25 = 0.30; / 3 = 0.10
    assert brier([0.1, 0.8, 0.5], [0, 1, 1]) == pytest.approx(0.10, abs=1e-15)
    metrics = pytest.importorskip("sklearn.metrics")
    rng = random.Random(3)
    pd = [rng.random() for _ in range(400)]
    bad = [1 if rng.random() < p else 0 for p in pd]
    assert brier(pd, bad) == pytest.approx(metrics.brier_score_loss(bad, pd), abs=1e-12)


def test_brier_refuses_a_pd_outside_zero_one() -> None:
    for wrong in (-0.01, 1.01, math.nan):
        with pytest.raises(ValueError, match=r"pd\[1\]"):
            brier([0.5, wrong], [0, 1])


# --- Wilson and rates -----------------------------------------------------------------------


def test_wilson_by_hand() -> None:
    """z = 1.959964, z² = 3.841459. Interval: (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n).

    n = 10: 1 + z²/n = 1.3841459; z²/2n = 0.1920729; z²/4n² = 0.0096036.
    0/10:  centre = 0.1920729/1.3841459 = 0.1387664; half = z/1.3841459 · √0.0096036
           = 1.4160049 · 0.0979982 = 0.1387664 -> [0, 0.2775328]
    3/10:  centre = (0.3 + 0.1920729)/1.3841459 = 0.3555066;
           half = 1.4160049 · √(0.021 + 0.0096036) = 1.4160049 · 0.1749390 = 0.2477153
           -> [0.1077913, 0.6032219]
    10/10: the mirror of 0/10 -> [1 − 0.2775328, 1] = [0.7224672, 1]
    """
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775328), abs=1e-7)
    assert wilson(3, 10) == pytest.approx((0.1077913, 0.6032219), abs=1e-7)
    assert wilson(10, 10) == pytest.approx((0.7224672, 1.0), abs=1e-7)
    low, _ = wilson(0, 10) or (math.nan, math.nan)
    assert low == 0.0  # exactly, not -1e-17
    assert wilson(0, 0) is None
    for successes, n in ((-1, 10), (11, 10), (0, -1)):
        with pytest.raises(ValueError, match="successes"):
            wilson(successes, n)


def test_the_small_group_threshold_is_what_its_comment_says() -> None:
    """SMALL_GROUP's comment: at n = 30 and a rate of 10-15 % the 95 % interval is about
    ±12 points wide (3/30: 3.5 %-25.6 %, 22 points; 4/30: 5.3 %-29.7 %, 24 points)."""
    assert SMALL_GROUP == 30
    three = wilson(3, SMALL_GROUP)
    four = wilson(4, SMALL_GROUP)
    assert three is not None
    assert four is not None
    assert three == pytest.approx((0.035, 0.256), abs=0.0005)
    assert four == pytest.approx((0.053, 0.297), abs=0.0005)
    for low, high in (three, four):
        assert 0.22 <= high - low <= 0.245  # 22-24 points wide: ±11-12 points


def test_rate_of() -> None:
    assert rate_of(0, 0) == Rate(count=0, events=0, rate=None, low=None, high=None, small=True)
    three = rate_of(3, 10)
    assert three.rate == 0.3
    assert (three.low, three.high) == wilson(3, 10)
    assert three.small
    assert not rate_of(3, SMALL_GROUP).small
    assert rate_of(3, SMALL_GROUP - 1).small
    for events, count in ((4, 3), (-1, 3), (0, -1)):
        with pytest.raises(ValueError, match="events"):
            rate_of(events, count)


# --- calibration ----------------------------------------------------------------------------


def test_calibration_by_hand_with_a_tie_across_a_boundary() -> None:
    """7 loans in 3 groups: sizes 3, 2, 2 (the first 7 % 3 = 1 group has one more).
    Sorted by pd, stable (the three loans at 0.2 keep their input order: b, d, f):
      a 0.1 (bad), b 0.2 (good), d 0.2 (bad)  | f 0.2 (good), c 0.3 (bad) | e 0.6, g 0.9 (bads)
    The tie at 0.2 straddles the first cut: bin 1 ends at 0.2, bin 2 starts at 0.2.
    """
    pd = [0.1, 0.2, 0.3, 0.2, 0.6, 0.2, 0.9]  # a b c d e f g
    bad = [1, 0, 1, 1, 1, 0, 1]
    bins = calibration(pd, bad, groups=3)
    assert [b.count for b in bins] == [3, 2, 2]
    assert [(b.pd_low, b.pd_high) for b in bins] == [(0.1, 0.2), (0.2, 0.3), (0.6, 0.9)]
    assert [b.predicted for b in bins] == pytest.approx([0.5 / 3, 0.25, 0.75])
    assert [b.observed.events for b in bins] == [2, 1, 2]  # a, d | c | e, g
    assert bins[0].observed == rate_of(2, 3)
    # Deterministic: the same input gives the same bins.
    assert calibration(pd, bad, groups=3) == bins


def test_calibration_with_fewer_loans_than_groups_and_none() -> None:
    bins = calibration([0.3, 0.1, 0.2], [1, 0, 0], groups=10)
    assert [(b.count, b.pd_low, b.observed.events) for b in bins] == [
        (1, 0.1, 0),
        (1, 0.2, 0),
        (1, 0.3, 1),
    ]
    assert calibration([], [], groups=10) == []
    with pytest.raises(ValueError, match="groups"):
        calibration([0.1], [0], groups=0)


def test_calibration_against_numpy_array_split() -> None:
    np = pytest.importorskip("numpy")
    rng = random.Random(9)
    pd = [round(rng.random(), 1) for _ in range(237)]  # eleven values: many ties
    bad = [1 if rng.random() < p else 0 for p in pd]
    parts = np.array_split(np.argsort(np.array(pd), kind="stable"), 10)
    bins = calibration(pd, bad, groups=10)
    assert [b.count for b in bins] == [len(p) for p in parts]
    assert max(b.count for b in bins) - min(b.count for b in bins) == 1
    for b, part in zip(bins, parts, strict=True):
        assert b.pd_low == pd[part[0]]
        assert b.pd_high == pd[part[-1]]
        assert b.predicted == pytest.approx(float(np.mean(np.array(pd)[part])), abs=1e-12)
        assert b.observed.events == int(np.sum(np.array(bad)[part]))


# --- PSI ------------------------------------------------------------------------------------


def test_psi_by_hand_on_three_bins() -> None:
    """expected 50, 30, 20 -> shares 0.5, 0.3, 0.2; actual 40, 30, 30 -> 0.4, 0.3, 0.3.
    (0.4 − 0.5)·ln(0.4/0.5) = −0.1 · −0.2231436 = 0.0223144
    (0.3 − 0.3)·ln(1)                            = 0
    (0.3 − 0.2)·ln(0.3/0.2) =  0.1 ·  0.4054651 = 0.0405465
    PSI = 0.0628609
    """
    assert psi([50, 30, 20], [40, 30, 30]) == pytest.approx(0.0628609, abs=1e-7)
    assert psi([50, 30, 20], [50, 30, 20]) == 0.0
    assert psi([5, 3, 2], [50, 30, 20]) == 0.0  # shares, not counts


def test_psi_floors_an_empty_bin() -> None:
    """expected 10, 0 -> 1.0 and (floored) 0.0001; actual 5, 5 -> 0.5, 0.5.
    (0.5 − 1)·ln(0.5) = 0.3465736; (0.5 − 0.0001)·ln(0.5/0.0001) = 0.4999 · 8.5171932
    = 4.2577449; PSI = 4.6043185."""
    assert PSI_FLOOR == 0.0001
    assert psi([10, 0], [5, 5]) == pytest.approx(4.6043185, abs=1e-7)


def test_psi_refusals() -> None:
    with pytest.raises(ValueError, match="3 bins and actual has 2"):
        psi([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="neither may be 0"):
        psi([0, 0], [1, 2])
    with pytest.raises(ValueError, match="neither may be 0"):
        psi([], [])
    with pytest.raises(ValueError, match="negative"):
        psi([1, -1], [1, 1])


def test_psi_levels_at_their_thresholds() -> None:
    assert [psi_level(v) for v in (0.0, 0.0999, 0.10, 0.2499, 0.25, 3.0)] == [
        "stable",
        "stable",
        "shift",
        "shift",
        "significant",
        "significant",
    ]


def test_psi_of_by_hand() -> None:
    """Baseline 1..10, 5 bins: the k/5 quantiles are the 2nd, 4th, 6th, 8th values, so the
    edges are 2, 4, 6, 8 and the bins (-inf, 2], (2, 4], (4, 6], (6, 8], (8, inf) hold two
    baseline values each. Current: 1, 1, 3, 5, 7, 9, 9, 9, 20, 30 -> 2, 1, 1, 1, 5.
    Shares 0.2 each against 0.2, 0.1, 0.1, 0.1, 0.5:
    PSI = 0 + 3·(0.1 − 0.2)·ln(0.1/0.2) + (0.5 − 0.2)·ln(0.5/0.2)
        = 3 · 0.0693147 + 0.3 · 0.9162907 = 0.2079442 + 0.2748872 = 0.4828314"""
    result = psi_of([float(v) for v in range(1, 11)], [1, 1, 3, 5, 7, 9, 9, 9, 20, 30], bins=5)
    assert result.edges == (2, 4, 6, 8)
    assert result.expected == (2, 2, 2, 2, 2)
    assert result.actual == (2, 1, 1, 1, 5)
    assert result.psi == pytest.approx(0.4828314, abs=1e-7)
    assert result.level == "significant"
    assert result.noise == psi_noise(10, 10, 5) == pytest.approx(0.8)


def test_psi_of_never_splits_equal_values_and_uses_fewer_bins() -> None:
    # Three distinct values, 10 asked: the cuts are 1 and 2 (a cut at the maximum, 3, would
    # leave the top bin empty), so three bins: {1}, {2}, {3 and above}.
    baseline = [1.0] * 50 + [2.0] * 30 + [3.0] * 20
    result = psi_of(baseline, [1.0] * 40 + [2.0] * 30 + [3.0] * 30)
    assert result.edges == (1.0, 2.0)
    assert result.expected == (50, 30, 20)
    assert result.actual == (40, 30, 30)
    assert result.psi == pytest.approx(0.0628609, abs=1e-7)  # the 3-bin case above
    assert result.noise == pytest.approx(2 * (1 / 100 + 1 / 100))


def test_psi_of_a_constant_baseline_is_one_bin() -> None:
    result = psi_of([5.0] * 20, [1.0, 5.0, 9.0])
    assert result.edges == ()
    assert result.expected == (20,)
    assert result.actual == (3,)
    assert result.psi == 0.0
    assert result.noise == 0.0
    with pytest.raises(ValueError, match="baseline has 0"):
        psi_of([], [1.0])
    with pytest.raises(ValueError, match="current 0"):
        psi_of([1.0], [])
    with pytest.raises(ValueError, match="NaN"):
        psi_of([1.0, math.nan], [1.0])


def test_psi_noise_formula() -> None:
    # (bins − 1)·(1/n_b + 1/n_c): 9 · (1/300 + 1/300) = 0.06.
    assert psi_noise(300, 300, 10) == pytest.approx(0.06, abs=1e-15)
    assert psi_noise(1000, 250, 5) == pytest.approx(4 * (0.001 + 0.004), abs=1e-15)
    with pytest.raises(ValueError, match="sample sizes"):
        psi_noise(0, 300, 10)


def test_psi_noise_matches_a_simulation_of_one_population() -> None:
    """300 pairs of samples (300 and 200 loans) of the same distribution, binned at the
    baseline's deciles with psi_of: the mean PSI is the noise psi_noise predicts, within
    25 %. A continuous distribution, so all ten bins exist."""
    rng = random.Random(42)
    values = []
    for _ in range(300):
        baseline = [rng.lognormvariate(0.0, 0.5) for _ in range(300)]
        current = [rng.lognormvariate(0.0, 0.5) for _ in range(200)]
        result = psi_of(baseline, current)
        assert len(result.expected) == 10
        values.append(result.psi)
    expected = psi_noise(300, 200, 10)
    assert expected == pytest.approx(0.075)
    assert abs(sum(values) / len(values) - expected) <= 0.25 * expected


# --- adverse impact -------------------------------------------------------------------------


def test_adverse_impact_by_hand() -> None:
    """Approval rates: A 60/100 = 0.6 (the highest), B 18/40 = 0.45, C no applicants.
    B / A = 0.45 / 0.6 = 0.75, under the four-fifths flag."""
    ratios = adverse_impact({"A": rate_of(60, 100), "B": rate_of(18, 40), "C": rate_of(0, 0)})
    assert ratios == {"A": 1.0, "B": pytest.approx(0.75), "C": None}
    assert ADVERSE_IMPACT_FLAG == 0.8
    ratio_b = ratios["B"]
    assert ratio_b is not None
    assert ratio_b < ADVERSE_IMPACT_FLAG


def test_adverse_impact_without_a_positive_rate() -> None:
    assert adverse_impact({"A": rate_of(0, 10), "B": rate_of(0, 0)}) == {"A": None, "B": None}
    assert adverse_impact({"A": rate_of(0, 0)}) == {"A": None}
    assert adverse_impact({}) == {}


# --- edges ----------------------------------------------------------------------------------


def test_empty_inputs() -> None:
    assert auc([], []) is None
    assert auc_interval([], []) is None
    assert auc_variance([], []) is None
    assert ks([], []) is None
    assert brier([], []) is None
    assert calibration([], []) == []


def test_all_bads_all_goods_and_one_loan() -> None:
    for risk, bad in (([0.1, 0.5, 0.9], [1, 1, 1]), ([0.1, 0.5, 0.9], [0, 0, 0]), ([0.4], [1])):
        assert auc(risk, bad) is None
        assert auc_interval(risk, bad) is None
        assert ks(risk, bad) is None
    assert brier([0.4], [1]) == pytest.approx(0.36)
    assert brier([0.0, 1.0], [0, 1]) == 0.0
    [only] = calibration([0.4], [1])
    assert (only.count, only.pd_low, only.pd_high, only.predicted) == (1, 0.4, 0.4, 0.4)
    assert only.observed == rate_of(1, 1)


def test_every_risk_equal() -> None:
    risk, bad = [0.3] * 6, [1, 0, 1, 0, 0, 0]
    assert auc(risk, bad) == 0.5
    assert ks(risk, bad) == 0.0
    # Every component is ½: the variance is 0 and the interval the single point 0.5.
    assert auc_variance(risk, bad) == 0.0
    assert auc_interval(risk, bad) == (0.5, 0.5)


def test_length_mismatch_names_both_lengths() -> None:
    for metric in (auc, auc_interval, auc_variance, ks, brier, calibration):
        with pytest.raises(ValueError, match=r"has 3 values and bad has 2"):
            metric([0.1, 0.2, 0.3], [0, 1])


@pytest.mark.parametrize("wrong", [2, -1, 0.5])
def test_a_bad_that_is_not_zero_or_one(wrong: float) -> None:
    for metric in (auc, auc_interval, auc_variance, ks, brier, calibration):
        with pytest.raises(ValueError, match=r"bad\[1\] is .*: a bad is 0 or 1"):
            metric([0.1, 0.2, 0.3], [0, wrong, 1])  # type: ignore[list-item]


def test_a_nan_risk_is_refused() -> None:
    for metric in (auc, ks):
        with pytest.raises(ValueError, match=r"risk\[0\] is NaN"):
            metric([math.nan, 0.2], [0, 1])


def test_the_module_imports_only_the_standard_library() -> None:
    """The service installs without cde[train]: no numpy, scipy or scikit-learn here."""
    source = Path(metrics_module.__file__).read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported, "the walk found the imports"
    assert imported <= {
        "__future__",
        "math",
        "bisect",
        "collections",
        "dataclasses",
        "statistics",
        "typing",
    }


def test_roc_points_match_scikit_learn_and_a_hand_worked_case() -> None:
    # risk 0.9 bad, 0.8 good, 0.8 bad, 0.1 good: cut-offs 0.9 → (0, ½), 0.8 (the tie moves
    # together) → (½, 1), 0.1 → (1, 1)
    assert roc_points([0.9, 0.8, 0.8, 0.1], [1, 0, 1, 0]) == [
        (0.0, 0.0),
        (0.0, 0.5),
        (0.5, 1.0),
        (1.0, 1.0),
    ]
    assert roc_points([0.5, 0.4], [1, 1]) == []
    metrics = pytest.importorskip("sklearn.metrics")
    rng = random.Random(7)
    bad = [rng.random() < 0.3 for _ in range(300)]
    risk = [rng.randint(0, 20) + (3 if b else 0) for b in bad]
    ys = [int(b) for b in bad]
    fpr, tpr, _ = metrics.roc_curve(ys, risk, drop_intermediate=False)
    ours = roc_points([float(x) for x in risk], ys, max_points=10_000)
    assert [x for point in ours for x in point] == pytest.approx(
        [x for point in zip(fpr.tolist(), tpr.tolist(), strict=True) for x in point]
    )
    thin = roc_points([float(x) for x in risk], ys, max_points=5)
    assert len(thin) == 5
    assert thin[0] == (0.0, 0.0)
    assert thin[-1] == (1.0, 1.0)
