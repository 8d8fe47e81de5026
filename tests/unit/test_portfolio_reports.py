"""The backtest and simulation reports on small books worked out by hand.

The book (``BOOK``): six applications, five read and one unreadable; outcomes for four.

    loan  outcome                  score grade plafon     gender age  bad
    a     approve                  90    A     10 juta    l      30   0
    b     approve_with_conditions  70    B      5 juta    p      40   0
    c     approve_with_conditions  55    C      4 juta    p      50   1
    d     decline                  30    E      0         l      60   1
    e     decline                  40    D      0         p      22   (no outcome)
    f     (unreadable)

Approval 3 of 5; bad among the approved 1 of 3 (c), among the declined 1 of 1 (d).
Ranking of the score (risk = −score) on a–d: bads c (55), d (30); goods a (90), b (70):
every bad scores below every good, so AUC 1, Gini 1, KS 1.
"""

from __future__ import annotations

from datetime import date

import pytest

from cde.portfolio.backtest import age_band, backtest
from cde.portfolio.book import Replayed
from cde.portfolio.simulate import simulate

DAY = date(2024, 10, 21)


def r(
    loan: str,
    outcome: str | None,
    score: int = 0,
    grade: str = "",
    plafon: int = 0,
    gender: str | None = None,
    age: int | None = None,
    **kw: object,
) -> Replayed:
    return Replayed(
        loan, DAY, outcome, plafon=plafon, score=score, grade=grade, gender=gender, age=age, **kw
    )  # type: ignore[arg-type]


BOOK = [
    r("a", "approve", 90, "A", 10_000_000, "l", 30),
    r("b", "approve_with_conditions", 70, "B", 5_000_000, "p", 40),
    r("c", "approve_with_conditions", 55, "C", 4_000_000, "p", 50),
    r("d", "decline", 30, "E", 0, "l", 60, reasons=("DECLINE_SCORE_LOW",)),
    r("e", "decline", 40, "D", 0, "p", 22, reasons=("DECLINE_KNOCKOUT",), knockouts=("X",)),
    r("f", None),
]
BADS = {"a": 0, "b": 0, "c": 1, "d": 1}


def test_the_books_counts_and_rates() -> None:
    report = backtest(BOOK, BADS)
    book = report["book"]
    assert (book["applications"], book["evaluated"], book["unreadable"]) == (6, 5, 1)
    assert book["with_outcome"] == 4
    assert (book["bad"]["events"], book["bad"]["count"], book["bad"]["rate"]) == (2, 4, 0.5)
    d = report["decisions"]
    assert (d["approve"], d["approve_with_conditions"], d["decline"]) == (1, 2, 2)
    assert d["approval"]["rate"] == pytest.approx(3 / 5)
    assert d["bad_among_approved"]["rate"] == pytest.approx(1 / 3)
    assert d["bad_among_declined"]["rate"] == 1.0
    assert d["total_plafon"] == 19_000_000
    assert d["approval"]["small"] is True  # 5 < 30


def test_a_score_that_separates_perfectly() -> None:
    score = backtest(BOOK, BADS)["ranking"]["score"]
    assert (score["auc"], score["gini"], score["ks"]) == (1.0, 1.0, 1.0)
    assert (score["loans"], score["bads"]) == (4, 2)
    assert "pd" not in backtest(BOOK, BADS)["ranking"]


def test_grades_and_score_bands() -> None:
    report = backtest(BOOK, BADS)
    grades = {g["group"]: (g["events"], g["count"]) for g in report["by_grade"]}
    assert grades == {"A": (0, 1), "B": (0, 1), "C": (1, 1), "E": (1, 1)}  # e has no outcome
    assert [g["group"] for g in report["by_grade"]] == ["A", "B", "C", "E"]
    bands = {g["group"]: g["count"] for g in report["by_score_band"]}
    assert bands == {"90-100": 1, "70-79": 1, "50-59": 1, "30-39": 1}


def test_fairness_by_gender_and_age() -> None:
    fairness = backtest(BOOK, BADS)["fairness"]
    gender = {g["group"]: g for g in fairness["gender"]}
    # l: a approved, d declined → 1/2; p: b, c approved, e declined → 2/3 (the highest)
    assert gender["laki-laki"]["approval"]["rate"] == pytest.approx(0.5)
    assert gender["perempuan"]["approval"]["rate"] == pytest.approx(2 / 3)
    assert gender["laki-laki"]["adverse_impact"] == pytest.approx(0.5 / (2 / 3))  # 0.75
    assert gender["laki-laki"]["flagged"] is True
    assert gender["perempuan"]["flagged"] is False
    assert gender["perempuan"]["mean_plafon"] == 4_500_000  # (5 + 4 juta) / 2
    assert gender["laki-laki"]["bad"]["rate"] == pytest.approx(0.5)  # a good, d bad
    ages = {g["group"]: g["applicants"] for g in fairness["age"]}
    assert ages == {"<25": 1, "25-34": 1, "35-44": 1, "45-54": 1, "55+": 1}
    warnings = backtest(BOOK, BADS)["warnings"]
    assert any("fairness by gender" in w and "laki-laki" in w for w in warnings)


def test_age_bands_at_their_edges() -> None:
    assert [age_band(a) for a in (None, 17, 24, 25, 34, 35, 54, 55, 90)] == [
        "(tidak diketahui)",
        "<25",
        "<25",
        "25-34",
        "25-34",
        "35-44",
        "45-54",
        "55+",
        "55+",
    ]


def test_the_pd_is_ranked_and_calibrated_when_there_is_one() -> None:
    scored = [
        r("a", "approve", 90, "A", pd=0.02, band="A"),
        r("b", "approve", 70, "B", pd=0.10, band="C"),
        r("c", "approve", 55, "C", pd=0.10, band="C"),
        r("d", "decline", 30, "E", pd=0.40, band="E"),
    ]
    report = backtest(scored, BADS)
    pd = report["ranking"]["pd"]
    # bads c (0.10), d (0.40); goods a (0.02), b (0.10): pairs (c,a) 1, (c,b) ½ (a tie),
    # (d,a) 1, (d,b) 1 → AUC 3.5 / 4
    assert pd["auc"] == pytest.approx(0.875)
    # Brier: (0.02² + 0.10² + 0.90² + 0.60²) / 4 = (0.0004 + 0.01 + 0.81 + 0.36) / 4
    assert pd["brier"] == pytest.approx(1.1804 / 4)
    assert sum(c["count"] for c in report["calibration"]) == 4
    assert {g["group"]: g["count"] for g in report["by_pd_band"]} == {"A": 1, "C": 2, "E": 1}


def test_an_empty_book_is_reported_not_divided_by() -> None:
    report = backtest([], {})
    assert report["book"]["bad"]["rate"] is None
    assert report["decisions"]["approval"]["rate"] is None
    assert report["ranking"]["score"]["auc"] is None
    assert any("no bad or no good" in w for w in report["warnings"])


# --- the simulation ---------------------------------------------------------------------


NEW = [
    r("a", "approve", 90, "A", 12_000_000),  # more plafon
    r("b", "decline", 70, "B", 0, reasons=("DECLINE_SCORE_LOW",)),  # swapped out
    r("c", "approve_with_conditions", 55, "C", 4_000_000),  # same
    r("d", "approve", 30, "E", 2_000_000),  # swapped in (was DECLINE_SCORE_LOW)
    r("e", "decline", 40, "D", 0, reasons=("DECLINE_KNOCKOUT",), knockouts=("X",)),
    r("f", None),
]


def test_the_swap_set_by_hand() -> None:
    report = simulate(BOOK, NEW, BADS)
    assert report["swap"] == {
        "approved_both": 2,  # a, c
        "declined_both": 1,  # e
        "swapped_out": 1,  # b
        "swapped_in": 1,  # d
    }
    assert report["unreadable"] == 1
    assert report["table"]["approve_with_conditions"]["decline"] == 1  # b
    assert report["table"]["decline"]["approve"] == 1  # d
    assert report["table"]["unreadable"]["unreadable"] == 1
    assert sum(sum(row.values()) for row in report["table"].values()) == 6
    assert report["approval"]["change"] == 0  # 3 → 3
    # plafon: 19 juta → 12 + 4 + 2 = 18 juta
    assert report["plafon"] == {
        "baseline": 19_000_000,
        "new": 18_000_000,
        "change": -1_000_000,
        "approved_both": {"more": 1, "less": 0, "same": 1},
    }
    assert report["drivers"] == {
        "swapped_out": [{"code": "DECLINE_SCORE_LOW", "count": 1}],  # b's new decline
        "swapped_in": [{"code": "DECLINE_SCORE_LOW", "count": 1}],  # d's old decline
    }
    bad = report["bad"]
    assert (bad["swapped_out"]["events"], bad["swapped_out"]["count"]) == (0, 1)  # b good
    assert (bad["swapped_in"]["events"], bad["swapped_in"]["count"]) == (1, 1)  # d bad
    assert bad["declined_both"]["count"] == 0  # e has no outcome


def test_a_knock_out_counts_each_of_its_codes() -> None:
    before = [r("x", "approve", 80, "A", 1_000_000)]
    after = [r("x", "decline", 80, "A", 0, reasons=("DECLINE_KNOCKOUT",), knockouts=("K1", "K2"))]
    drivers = simulate(before, after)["drivers"]["swapped_out"]
    assert drivers == [{"code": "K1", "count": 1}, {"code": "K2", "count": 1}]
    assert "bad" not in simulate(before, after)


def test_replays_of_different_books_are_refused() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        simulate(BOOK, NEW[:3])
