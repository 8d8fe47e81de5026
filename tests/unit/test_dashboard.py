"""The workspace's portfolio dashboard (``cde.service.dashboard``) on the in-memory fakes, on
a small book worked out by hand (built by ``tests/dashboard_book.py``); and the chart helpers
it draws with (``cde.portfolio.charts``). The SQL path is in
``tests/integration/test_dashboard_sql.py``.

The book (tenant ``default``, days in Jakarta, the range 9–22 November 2026: ISO weeks 46
and 47):

    n   day          status      outcome                  grade score plafon      loan
    1   9 Nov 00:00  success     approve                  A     85    10.000.000  L1
    2   10 Nov       success     approve_with_conditions  B     72     5.000.000  L2
    3   12 Nov       success     decline                  E     31             0  L3
    4   16 Nov       success     approve                  B     78    20.000.000  L4
    5   18 Nov       success     decline                  D     45             0  L5
    6   20 Nov       fail        —                                                L6
    7   21 Nov       success     approve                  A     100   15.000.000  L7
    8   22 Nov 23:59 success     decline                  C     55             0  L8
    9   19 Nov       processing  decline                  E     21             0  L12
    out of the range: 8 Nov 23:59 and 23 Nov 00:00 (tenant default), 15 Nov (tenant x)

gives 8 decisions (the failed one apart), 4 approved (50,0 %), Rp 50.000.000 recommended,
a mean score of 487 / 8 = 60,875 (60,9); grades A 2, B 2, C 1, D 1, E 2; scores in the bins
20–29, 30–39, 40–49, 50–59, 80–89, 90–100 once and 70–79 twice; week 46: 2 of 3 approved
(66,7 %), Rp 15.000.000; week 47: 2 of 5 (40,0 %), Rp 35.000.000.

Outcomes: L1 kolektibilitas 1, L8 2, L4 4, L3 5, L5 bad without one (L6's is recorded too,
but L6 was never answered; tenant x's L2 is another loan): 5 of the 8 answered loans, bad
from kolektibilitas 3 (the default policy): L4, L3 and L5, 60,0 %.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from cde.bootstrap import bootstrap
from cde.policies import default_policy
from cde.portfolio import charts
from cde.service.dashboard import MAX_DAYS, Dashboard, DashboardView, dashboard_range
from cde.service.monitoring import dashboard_row
from cde.service.ports import StoredRecommendation
from cde.settings import Settings
from clocks import TEST_NOW, TEST_TODAY, TestClock
from dashboard_book import (
    CALLER,
    FIRST,
    JAKARTA,
    LAST,
    World,
    jakarta,
    nov,
    psi_book,
    result,
    shadowed,
    the_book,
    the_book_reversed,
)
from fakes import DEFAULT_TENANT_ID, FakeMonitoring, FakeStores, sequential_ids

SVG = "{http://www.w3.org/2000/svg}"


def parsed(svg: str) -> ET.Element:
    """The chart as XML (it must be well-formed), after checking what every chart has."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox") == "0 0 560 260"
    assert root.get("width") == "100%"
    assert root.get("height") is None  # the viewBox's proportions
    return root


def desc(svg: str) -> str:
    found = parsed(svg).find(f"{SVG}desc")
    assert found is not None
    return found.text or ""


def title(svg: str) -> str:
    found = parsed(svg).find(f"{SVG}title")
    assert found is not None
    return found.text or ""


def bar_heights(svg: str, fill: str = "#2b6cb0") -> list[float]:
    return [
        float(r.get("height", "0"))
        for r in parsed(svg).iter(f"{SVG}rect")
        if r.get("fill") == fill and r.get("width") != "10"  # not a legend's swatch
    ]


def section(view: DashboardView, name: str) -> str:
    found = [svg for t, svg in view.sections if t.startswith(name)]
    assert len(found) == 1, [t for t, _ in view.sections]
    return found[0]


# --- the book worked by hand ---------------------------------------------------------------


def test_the_figures_of_the_hand_worked_book() -> None:
    w = World()
    the_book(w)
    view = w.view()
    assert not view.empty
    assert (view.first, view.last) == (FIRST, LAST)
    assert view.figures == [
        ("Periode", "9 November 2026 – 22 November 2026"),
        ("Rekomendasi", "8"),
        ("Tingkat persetujuan", "50,0%"),
        ("Total plafon rekomendasi", "Rp 50.000.000"),
        ("Skor 5C rata-rata", "60,9"),
        ("Gagal diproses", "1"),
        ("Pinjaman dengan hasil", "5 dari 8"),
        ("Tingkat macet", "60,0%"),
    ]
    assert [t for t, _ in view.sections] == [
        "Keputusan",
        "Hasil pinjaman (kolektibilitas)",
        "Grade",
        "Sebaran skor 5C",
        "Tingkat persetujuan per minggu",
        "Plafon rekomendasi per minggu",
    ]
    for name, svg in view.sections:
        assert title(svg) == name
        assert parsed(svg).get("aria-label") == name


def test_counts_by_decision_and_by_grade() -> None:
    w = World()
    the_book(w)
    view = w.view()
    decisions = section(view, "Keputusan")
    assert desc(decisions) == (
        "Disetujui: 3; Disetujui dengan syarat: 1; Ditolak: 4 (dari 8 rekomendasi)"
    )
    approve, conditional, decline = bar_heights(decisions)
    assert approve == pytest.approx(3 * conditional)
    assert decline == pytest.approx(4 * conditional)
    grades = section(view, "Grade")
    assert desc(grades) == "A: 2; B: 2; C: 1; D: 1; E: 2"
    a, b, c, d, e = bar_heights(grades)
    assert a == b == e == pytest.approx(2 * c)
    assert c == d
    # the counts are written over the bars, and the axis of counts has whole steps
    texts = [t.text for t in parsed(grades).iter(f"{SVG}text")]
    assert texts.count("2") >= 3
    assert "0.00" not in texts


def test_the_score_histogram_has_ten_bins_of_ten_points() -> None:
    w = World()
    the_book(w)
    scores = section(w.view(), "Sebaran skor 5C")
    assert desc(scores) == (
        "0–9: 0; 10–19: 0; 20–29: 1; 30–39: 1; 40–49: 1; 50–59: 1; 60–69: 0; 70–79: 2; "
        "80–89: 1; 90–100: 1 (rata-rata 60,9)"
    )
    heights = bar_heights(scores)
    assert len(heights) == 10
    assert [h / max(heights) for h in heights] == pytest.approx(
        [0, 0, 0.5, 0.5, 0.5, 0.5, 0, 1, 0.5, 0.5]
    )
    labels = [t.text for t in parsed(scores).iter(f"{SVG}text")]
    assert "90–100" in labels
    assert "0–9" in labels


def test_the_approval_rate_and_the_plafon_of_each_week() -> None:
    w = World()
    the_book(w)
    view = w.view()
    approval = section(view, "Tingkat persetujuan per minggu")
    assert desc(approval) == (
        "minggu 2026-W46 (9 November 2026): 66,7% dari 3; "
        "minggu 2026-W47 (16 November 2026): 40,0% dari 5"
    )
    points = [
        (float(c.get("cx", "0")), float(c.get("cy", "0")))
        for c in parsed(approval).iter(f"{SVG}circle")
    ]
    assert len(points) == 2
    axis_y, top_y = 220.0, 30.0  # the axis runs from 0 % (y 220) to 100 % (y 30)
    assert [(axis_y - y) / (axis_y - top_y) for _, y in points] == pytest.approx(
        [2 / 3, 0.4], abs=0.002
    )
    plafon = section(view, "Plafon rekomendasi per minggu")
    assert desc(plafon) == (
        "minggu 2026-W46 (9 November 2026): Rp 15.000.000; "
        "minggu 2026-W47 (16 November 2026): Rp 35.000.000"
    )
    w46, w47 = bar_heights(plafon)
    assert w47 == pytest.approx(w46 * 35 / 15, rel=0.005)  # drawn to 0.1 of a unit
    texts = [t.text for t in parsed(plafon).iter(f"{SVG}text")]
    assert "15 jt" in texts  # over the bar
    assert "W46" in texts


def test_the_loans_outcomes_by_kolektibilitas() -> None:
    w = World()
    the_book(w)
    outcomes = section(w.view(), "Hasil pinjaman")
    assert desc(outcomes) == (
        "1 Lancar: 1; 2 Dalam Perhatian Khusus: 1; 3 Kurang Lancar: 0; 4 Diragukan: 1; "
        "5 Macet: 1; macet (tanpa kolektibilitas): 1; belum ada hasil: 3 (8 pinjaman)"
    )
    labels = [t.text for t in parsed(outcomes).iter(f"{SVG}text")]
    for label in ("Kol 1", "Kol 5", "Macet*", "Belum ada"):
        assert label in labels
    assert "Lancar*" not in labels  # no good loan without a kolektibilitas


def test_no_outcome_recorded_no_outcome_section() -> None:
    w = World()
    w.add(nov(10), "approve", "B", 70, 1_000_000)
    view = w.view()
    assert [t for t, _ in view.sections][:2] == ["Keputusan", "Grade"]
    assert "Pinjaman dengan hasil" not in dict(view.figures)


def test_in_english() -> None:
    w = World()
    the_book(w)
    view = w.view("en")
    assert view.figures == [
        ("Period", "November 9, 2026 – November 22, 2026"),
        ("Recommendations", "8"),
        ("Approval rate", "50.0%"),
        ("Total recommended plafon", "Rp 50,000,000"),
        ("Mean 5C score", "60.9"),
        ("Failed", "1"),
        ("Loans with an outcome", "5 of 8"),
        ("Bad rate", "60.0%"),
    ]
    assert view.sections[0][0] == "Decisions"
    assert desc(section(view, "Decisions")) == (
        "Approved: 3; Approved with conditions: 1; Declined: 4 (of 8 recommendations)"
    )
    assert "15M" in [t.text for t in parsed(section(view, "Recommended plafon")).iter(f"{SVG}text")]
    assert w.view("xx").figures[1][0] == "Rekomendasi"  # any other language: Indonesian


# --- empty, tenants, ranges ----------------------------------------------------------------


def test_a_tenant_without_recommendations_is_empty() -> None:
    w = World()
    the_book(w)
    view = w.view(tenant_id="nobody", start=None, end=None)
    assert view == DashboardView(
        figures=[("Periode", "26 Agustus 2026 – 23 November 2026"), ("Rekomendasi", "0")],
        sections=[],
        empty=True,
        first=date(2026, 8, 26),
        last=TEST_TODAY,
    )
    only_failed = World()
    only_failed.add(nov(10), status="fail")
    view = only_failed.view()
    assert view.empty
    assert view.sections == []
    assert view.figures[1:] == [("Rekomendasi", "0"), ("Gagal diproses", "1")]


def test_another_tenants_records_are_never_counted() -> None:
    w = World()
    the_book(w)
    theirs = w.view(tenant_id="x")
    assert theirs.figures[1:5] == [
        ("Rekomendasi", "1"),
        ("Tingkat persetujuan", "100,0%"),
        ("Total plafon rekomendasi", "Rp 99.000.000"),
        ("Skor 5C rata-rata", "90,0"),
    ]
    assert dict(theirs.figures)["Pinjaman dengan hasil"] == "1 dari 1"  # their own L2
    assert desc(section(theirs, "Grade")) == "A: 1; B: 0; C: 0; D: 0; E: 0"
    ours = w.view()
    assert dict(ours.figures)["Rekomendasi"] == "8"  # their record of 15 Nov is not ours


def test_the_range_includes_both_days_in_the_services_zone() -> None:
    w = World()
    the_book(w)
    one_day = w.view(start=date(2026, 11, 22), end=date(2026, 11, 22))
    assert dict(one_day.figures)["Rekomendasi"] == "1"  # 23:59 on the 22nd, not the 23rd
    the_8th = w.view(start=date(2026, 11, 8), end=date(2026, 11, 8))
    assert dict(the_8th.figures)["Rekomendasi"] == "1"
    today = w.view(start=None, end=None)  # 90 days up to 23 November: everything of ours
    assert dict(today.figures)["Rekomendasi"] == "10"
    week_47 = w.view(start=date(2026, 11, 16), end=date(2026, 11, 22))
    assert dict(week_47.figures)["Rekomendasi"] == "5"
    assert desc(section(week_47, "Tingkat persetujuan")) == (
        "minggu 2026-W47 (16 November 2026): 40,0% dari 5"
    )


def test_the_range_defaults_swaps_and_caps() -> None:
    today = date(2026, 11, 23)
    assert dashboard_range(None, None, today) == (date(2026, 8, 26), today)
    assert dashboard_range(None, date(2026, 3, 31), today) == (date(2026, 1, 1), date(2026, 3, 31))
    assert dashboard_range(date(2026, 11, 1), None, today) == (date(2026, 11, 1), today)
    assert dashboard_range(date(2026, 11, 20), date(2026, 11, 10), today) == (
        date(2026, 11, 10),
        date(2026, 11, 20),
    )
    first, last = dashboard_range(date(2020, 1, 1), date(2026, 11, 22), today)
    assert last == date(2026, 11, 22)
    assert (last - first).days + 1 == MAX_DAYS == 366
    assert dashboard_range(date.min, date.min, today) == (date.min, date.min)
    assert dashboard_range(None, date(1, 1, 5), today) == (date.min, date(1, 1, 5))


def test_a_long_range_keeps_its_last_366_days_and_its_weeks() -> None:
    w = World()
    w.add(jakarta(date(2025, 11, 22)), "approve", "A", 80, 1_000_000)  # the first day kept
    w.add(jakarta(date(2025, 11, 21)), "approve", "A", 80, 1_000_000)  # one day too early
    view = w.view(start=date(2024, 1, 1), end=date(2026, 11, 22))
    assert (view.first, view.last) == (date(2025, 11, 22), date(2026, 11, 22))
    assert view.figures[0] == ("Periode", "22 November 2025 – 22 November 2026")
    assert dict(view.figures)["Rekomendasi"] == "1"
    approval = desc(section(view, "Tingkat persetujuan"))
    assert approval.count("minggu ") == 53  # W47 of 2025 to W47 of 2026 (2025 has 52)
    assert approval.startswith("minggu 2025-W47 (22 November 2025): 100,0% dari 1; ")
    assert "minggu 2025-W48 (24 November 2025): tidak ada rekomendasi" in approval
    labels = [t.text for t in parsed(section(view, "Plafon")).iter(f"{SVG}text")]
    assert 6 <= sum(1 for x in labels if x and x.startswith("W")) <= 9  # thinned out


# --- the charts are deterministic and their texts escaped ----------------------------------


def test_the_same_book_gives_the_same_bytes() -> None:
    first, second = World(), World()
    the_book(first)
    the_book_reversed(second)  # the same book in another order, with other ids
    assert first.view() == second.view()
    assert first.view() == first.view()
    assert first.view("en") == second.view("en")


def test_texts_from_stored_results_are_escaped() -> None:
    w = World()
    w.add(nov(10), "approve", 'B<script>"&\x01', 70, 1_000_000)
    view = w.view()
    grades = section(view, "Grade")
    assert "<script>" not in grades
    assert "&lt;script&gt;" in grades
    labels = [t.text for t in parsed(grades).iter(f"{SVG}text")]  # well-formed XML
    assert 'B<script>"&' in labels  # read back whole, the control character dropped
    assert desc(grades).endswith('; B<script>"&: 1')
    for _, svg in view.sections:
        parsed(svg)
        assert "\x01" not in svg


def test_a_result_without_a_decision_is_counted_apart() -> None:
    w = World()
    w.add(nov(10), "approve", "A", 80, 2_000_000)
    w.add(nov(11), result_text='{"decision": {"outcome": "approve"}}')  # no score
    w.add(nov(12), result_text="not json")
    view = w.view()
    assert dict(view.figures)["Rekomendasi"] == "1"
    assert dict(view.figures)["Hasil tanpa keputusan"] == "2"


def test_the_dashboard_row_of_a_stored_result() -> None:
    at = nov(10)
    row = dashboard_row(at, "L1", "success", result("approve", "B", 70, 5_000_000), True, 3)
    assert (row.outcome, row.grade, row.score, row.plafon) == ("approve", "B", 70, 5_000_000)
    assert (row.bad, row.kolektibilitas, row.status, row.loan_id) == (True, 3, "success", "L1")
    failed = dashboard_row(at, "L1", "fail", None, True, 3)
    assert (failed.outcome, failed.score, failed.bad, failed.kolektibilitas) == (
        None,
        None,
        None,
        None,
    )
    no_score = dashboard_row(at, "L1", "success", '{"decision": {"outcome": "x"}}', None, None)
    assert (no_score.outcome, no_score.score) == (None, None)
    no_grade = '{"decision": {"outcome": "decline"}, "assessment": {"score": 12.0}}'
    row = dashboard_row(at, "L1", "processing", no_grade, None, None)
    assert (row.outcome, row.grade, row.score, row.plafon) == ("decline", None, 12, None)


# --- the PSI and the challenger ------------------------------------------------------------


def test_the_psi_of_the_last_four_weeks_against_the_twelve_before() -> None:
    """The stability report's hand-worked PSI (``tests/unit/test_stability_report.py``):
    baseline scores 10, 20, 30, 40, current 10, 10, 20, 30, 40, 40: ⅙·ln 2 ≈ 0,116."""
    w = World()
    psi_book(w)
    view = w.view(start=None, end=LAST)
    assert round(math.log(2) / 6, 3) == 0.116
    assert dict(view.figures)["PSI skor 5C"] == "0,116 (bergeser)"
    psi = section(view, "Stabilitas skor 5C (PSI)")
    assert title(psi) == "Stabilitas skor 5C (PSI): 0,116 (bergeser)"
    said = desc(psi)
    assert said.startswith(
        "PSI 0,116 (bergeser; ambang 0,10 / 0,25): 4 minggu terakhir (26 Oktober 2026 – "
        "22 November 2026, n=6) terhadap 12 minggu sebelumnya (3 Agustus 2026 – "
        "25 Oktober 2026, n=4); dua sampel dari satu populasi sebesar ini melampaui "
    )
    assert said.endswith(
        "≤10: 25,0% → 33,3%; ≤20: 25,0% → 16,7%; ≤30: 25,0% → 16,7%; >30: 25,0% → 33,3%"
    )
    assert [t for t, _ in view.sections][-1] == title(psi)
    current = bar_heights(psi)  # the current period's bars (the baseline's are grey)
    assert [h / current[0] for h in current] == pytest.approx([1, 0.5, 0.5, 1], rel=0.005)
    baseline = bar_heights(psi, "#a0aec0")
    assert baseline == [baseline[0]] * 4
    assert baseline[0] == pytest.approx(current[0] * 0.75, rel=0.005)


def test_the_psi_reads_the_weeks_before_a_short_range() -> None:
    """A range of November alone: the PSI still reads from 3 August, and ends on the
    range's last day. Current 10, 10, 20, 30, 40, 40 and 40 (22 November): shares 2/7,
    1/7, 1/7, 3/7 against ¼ each."""
    w = World()
    psi_book(w)
    w.add(jakarta(date(2026, 8, 2), 23, 59), "approve", "C", 90, 1_000_000)  # before it
    w.add(nov(22, 23, 59), "approve", "C", 40, 1_000_000)
    w.add(nov(23, 0, 0), "approve", "C", 90, 1_000_000)  # after the range
    view = w.view(start=date(2026, 11, 1), end=LAST)
    assert dict(view.figures)["Rekomendasi"] == "1"
    current, base = (2 / 7, 1 / 7, 1 / 7, 3 / 7), 0.25
    expected = sum((c - base) * math.log(c / base) for c in current)
    assert round(expected, 3) == 0.221
    assert dict(view.figures)["PSI skor 5C"] == "0,221 (bergeser)"
    assert "n=7) terhadap 12 minggu sebelumnya" in desc(section(view, "Stabilitas"))
    # a range that ends earlier moves both periods with it
    earlier = w.view(start=date(2026, 10, 1), end=date(2026, 10, 31))
    assert "26 Oktober 2026 – 31 Oktober 2026" not in desc(section(earlier, "Stabilitas"))
    assert "(4 Oktober 2026 – 31 Oktober 2026, n=6)" in desc(section(earlier, "Stabilitas"))


def test_no_psi_without_a_baseline() -> None:
    w = World()
    w.add(nov(10), "approve", "C", 60, 1_000_000)
    view = w.view()
    assert "PSI skor 5C" not in dict(view.figures)
    assert not [t for t, _ in view.sections if "PSI" in t]


def test_the_challengers_swap_set() -> None:
    w = World()
    the_book(w)
    m = 1_000_000
    shadowed(w, 1, 10, ("approve", 10 * m), ("approve", 12 * m))
    shadowed(w, 2, 11, ("approve", 10 * m), ("approve", 10 * m))
    shadowed(w, 3, 12, ("approve", 5 * m), ("decline", 0))
    shadowed(w, 4, 13, ("decline", 0), ("approve", 8 * m))
    shadowed(w, 5, 14, ("decline", 0), ("approve", 8 * m))
    shadowed(w, 6, 15, ("decline", 0), ("decline", 0))
    shadowed(w, 7, 23, ("decline", 0), ("approve", 8 * m))  # after the range
    shadowed(w, 8, 15, ("decline", 0), ("approve", 8 * m), tenant_id="x")  # not ours
    view = w.view()
    assert dict(view.figures)["Dinilai challenger"] == "6"
    swap = section(view, "Champion–challenger")
    assert desc(swap) == (
        "default 2025.1 → challenger 2026.1 + kartu 3: disetujui keduanya: 2; "
        "ditolak keduanya: 1; keluar (setuju → tolak): 1; masuk (tolak → setuju): 2; "
        "tingkat persetujuan 50,0% → 66,7%; plafon Rp 25.000.000 → Rp 38.000.000"
    )
    both, declined, out, into = bar_heights(swap)
    assert both == into == pytest.approx(2 * declined)
    assert out == declined
    assert [t for t, _ in view.sections][-1] == "Champion–challenger: perpindahan"
    theirs = w.view(tenant_id="x")  # their one result, their one record
    assert dict(theirs.figures)["Dinilai challenger"] == "1"


def test_no_challenger_section_without_results() -> None:
    w = World()
    the_book(w)
    assert not [t for t, _ in w.view().sections if t.startswith("Champion")]
    without = Dashboard(FakeMonitoring(w.outcomes), default_policy(), JAKARTA, w.clock)
    assert without.overview(DEFAULT_TENANT_ID, "id", FIRST, LAST).sections == w.view().sections


def test_the_container_has_the_dashboard() -> None:
    clock = TestClock(TEST_NOW)
    stores = FakeStores.new(clock)
    settings = Settings(
        _env_file=None,
        database_url="sqlite://",
        api_tokens=("t1",),
        timezone="Asia/Jakarta",
        policy_file=None,
    )
    container = bootstrap(
        settings,
        run_migrations=False,
        clock=clock,
        new_id=sequential_ids(),
        **stores.adapters(),
    )
    try:
        assert isinstance(container.dashboard, Dashboard)
        stores.recommendations.add(
            StoredRecommendation(
                id="r-1",
                created_at=TEST_NOW - timedelta(days=1),
                loan_id="L1",
                customer_id="C1",
                status="success",
                payload="{}",
                result=result("approve", "A", 90, 7_000_000),
                error=None,
                lang="id",
                policy_name="default",
                policy_version="1",
                engine_version="0",
                caller=CALLER,
            ),
            spend_quota=False,
        )
        view = container.dashboard.overview(DEFAULT_TENANT_ID, "id", None, None)
        assert view.last == TEST_TODAY
        assert dict(view.figures)["Total plafon rekomendasi"] == "Rp 7.000.000"
    finally:
        container.close()


# --- the chart helpers ---------------------------------------------------------------------


def test_nice_axis_tops() -> None:
    tops = [charts.nice_top(v) for v in (0, 1, 3, 4, 5, 8, 9, 12, 41, 100, 101, 3.5e10)]
    assert tops == [4, 4, 4, 4, 8, 8, 20, 20, 80, 100, 200, 4e10]


def test_charts_are_described_and_scale() -> None:
    plain = charts.bars(["a"], [0.5], "T", "y")
    assert "<desc>" not in plain
    assert 'width="100%"' in plain
    described = charts.bars(["a"], [3], "T", "y", percent=False, desc="a: 3 & <b>")
    assert desc(described) == "a: 3 & <b>"
    assert "&lt;b&gt;" in described
    assert desc(charts.grouped_bars(["a"], [("s", "#000", [1])], "T", "y", desc="d")) == "d"
    assert desc(charts.line([("s", "#000", [(0, 0), (1, 1)])], "T", "x", "y", desc="d")) == "d"
    assert desc(charts.trend(["w"], [("s", "#000", [0.5])], "T", "y", desc="d")) == "d"
    with pytest.raises(ValueError, match="2 texts for 1 bars"):
        charts.bars(["a"], [1], "T", "y", texts=["1", "2"])
    ticks = charts.bars(["a"], [2e9], "T", "y", percent=False, tick=lambda v: f"<{v:.0e}>")
    assert "&lt;2e+09&gt;" in ticks  # the tick texts are escaped too
