"""The portfolio dashboard of the analyst's workspace (issue 14): what a tenant's stored
recommendations of a range of days add up to, as figures and as server-side SVG charts
(:mod:`cde.portfolio.charts`) that the workspace's page shows inline.

The range is days in the service's time zone, both ends included: by default the 90 days
that end on the clock's today; a start after its end is read the other way round, and a
range longer than :data:`MAX_DAYS` keeps its last :data:`MAX_DAYS` days (the view says which
days it shows: ``first``, ``last`` and the first figure).

What is read (:meth:`cde.service.monitoring.MonitoringStore.dashboard_rows`): every stored
recommendation of the tenant created in those days — never another tenant's — reduced to
the decision its stored result holds (outcome, grade, overall 5C score, recommended
plafon) and its loan's recorded outcome. A failed record (the engine refused the
application) and a result that holds no decision are counted in the figures, never in a
chart. A loan decided twice counts twice, as in the monitoring report; the loans' outcomes
count each loan once.

The sections, in this order (a title and an SVG each):

- the decisions: how many of each outcome (approve, approve with conditions, decline);
- the loans' outcomes, when the tenant recorded any for the loans decided in the range: how
  many loans of each kolektibilitas (1–5), bad or good without one, and without an outcome
  yet; "bad" as the monitoring reads it (the policy's ``bad_from_kolektibilitas``);
- the grades A–E (any other grade a stored result holds after them);
- the distribution of the overall 5C score, in ten bins of ten points (90–100 the last);
- the approval rate of each ISO week the range touches (a week without a decision is a gap);
- the plafon recommended in each of those weeks;
- the PSI of the score, when both periods hold decisions: the 28 days that end on the
  range's last day against the 84 days before them, computed as the stability report does
  (:func:`cde.portfolio.stability.stability_report`: binned at the baseline's deciles),
  drawn as each bin's share in both periods;
- the champion–challenger swap set of the range (:meth:`ChallengerService.report`), when
  challenger results are stored for the tenant's decisions of those days.

Every text is in Indonesian or English; numbers are written by :mod:`cde.domain.text` and
:mod:`cde.portfolio.text`. The same rows, range and language give the same bytes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cde.domain.application import Kolektibilitas
from cde.domain.outcomes import is_bad
from cde.domain.text import Lang, long_date, number, rupiah
from cde.policies.model import Policy
from cde.portfolio import charts
from cde.portfolio.backtest import OUTCOMES
from cde.portfolio.book import APPROVED
from cde.portfolio.stability import Observed, Period, stability_report
from cde.portfolio.text import num, pct
from cde.service.challenger import ChallengerService
from cde.service.monitoring import DashboardRow, MonitoringStore, bounds
from cde.service.ports import Clock

__all__ = [
    "DEFAULT_DAYS",
    "GRADES",
    "MAX_DAYS",
    "PSI_BASELINE_DAYS",
    "PSI_CURRENT_DAYS",
    "SCORE_BINS",
    "Dashboard",
    "DashboardView",
    "dashboard_range",
]

DEFAULT_DAYS = 90  # the range when none is asked for: the 90 days that end today
MAX_DAYS = 366  # a longer range keeps its last 366 days
PSI_CURRENT_DAYS = 28  # the PSI: the last four weeks of the range ...
PSI_BASELINE_DAYS = 84  # ... against the twelve before them
GRADES = ("A", "B", "C", "D", "E")
# The score histogram: ten bins of ten points, the last one closed (90–100).
SCORE_BINS = tuple((10 * k, 10 * k + 9 if k < 9 else 100) for k in range(10))

_BLUE, _GREY = "#2b6cb0", "#a0aec0"

_WORDS: dict[str, tuple[str, str]] = {
    "period": ("Periode", "Period"),
    "recommendations": ("Rekomendasi", "Recommendations"),
    "approval": ("Tingkat persetujuan", "Approval rate"),
    "plafon_total": ("Total plafon rekomendasi", "Total recommended plafon"),
    "mean_score": ("Skor 5C rata-rata", "Mean 5C score"),
    "failed": ("Gagal diproses", "Failed"),
    "unreadable": ("Hasil tanpa keputusan", "Results without a decision"),
    "with_outcome": ("Pinjaman dengan hasil", "Loans with an outcome"),
    "bad_rate": ("Tingkat macet", "Bad rate"),
    "psi_figure": ("PSI skor 5C", "PSI of the 5C score"),
    "shadowed": ("Dinilai challenger", "Decided by the challenger"),
    "of": ("dari", "of"),
    "decisions": ("Keputusan", "Decisions"),
    "count": ("jumlah", "count"),
    "loans": ("pinjaman", "loans"),
    "outcomes": ("Hasil pinjaman (kolektibilitas)", "Loan outcomes (kolektibilitas)"),
    "grades": ("Grade", "Grades"),
    "scores": ("Sebaran skor 5C", "5C score distribution"),
    "mean": ("rata-rata", "mean"),
    "approval_weekly": ("Tingkat persetujuan per minggu", "Approval rate by week"),
    "plafon_weekly": ("Plafon rekomendasi per minggu", "Recommended plafon by week"),
    "week": ("minggu", "week"),
    "none": ("tidak ada rekomendasi", "no recommendation"),
    "psi": ("Stabilitas skor 5C (PSI)", "5C score stability (PSI)"),
    "share": ("porsi", "share"),
    "baseline": ("12 minggu sebelumnya", "the 12 weeks before"),
    "current": ("4 minggu terakhir", "the last 4 weeks"),
    "against": ("terhadap", "against"),
    "thresholds": ("ambang", "thresholds"),
    "chance": (
        "dua sampel dari satu populasi sebesar ini melampaui {0} hanya 1 kali dari 20",
        "two samples of one population of these sizes exceed {0} only 1 time in 20",
    ),
    "stable": ("stabil", "stable"),
    "shift": ("bergeser", "shift"),
    "significant": ("bergeser signifikan", "significant shift"),
    "challenger": ("Champion–challenger: perpindahan", "Champion–challenger: swap set"),
    "approved_both": ("Setuju keduanya", "Approved by both"),
    "declined_both": ("Tolak keduanya", "Declined by both"),
    "swapped_out": ("Keluar", "Swapped out"),
    "swapped_in": ("Masuk", "Swapped in"),
    "approved_both_long": ("disetujui keduanya", "approved by both"),
    "declined_both_long": ("ditolak keduanya", "declined by both"),
    "swapped_out_long": ("keluar (setuju → tolak)", "swapped out (approve → decline)"),
    "swapped_in_long": ("masuk (tolak → setuju)", "swapped in (decline → approve)"),
    "plafon": ("plafon", "plafon"),
    "no_kolek": ("tanpa kolektibilitas", "without a kolektibilitas"),
    "bad_flag": ("Macet*", "Bad*"),
    "good_flag": ("Lancar*", "Good*"),
    "bad_flag_long": ("macet", "bad"),
    "good_flag_long": ("lancar", "good"),
    "no_outcome": ("Belum ada", "None yet"),
    "no_outcome_long": ("belum ada hasil", "no outcome yet"),
    "no_grade": ("tanpa grade", "no grade"),
}

_OUTCOME_WORDS: dict[str, tuple[str, str]] = {
    "approve": ("Disetujui", "Approved"),
    "approve_with_conditions": ("Disetujui dengan syarat", "Approved with conditions"),
    "decline": ("Ditolak", "Declined"),
}
_OUTCOME_SHORT: dict[str, tuple[str, str]] = {
    "approve": ("Setuju", "Approve"),
    "approve_with_conditions": ("Bersyarat", "Conditional"),
    "decline": ("Tolak", "Decline"),
}
_KOLEK_WORDS: dict[int, tuple[str, str]] = {
    1: ("Lancar", "Current"),
    2: ("Dalam Perhatian Khusus", "Special mention"),
    3: ("Kurang Lancar", "Substandard"),
    4: ("Diragukan", "Doubtful"),
    5: ("Macet", "Loss"),
}
_CELLS = ("approved_both", "declined_both", "swapped_out", "swapped_in")


@dataclass(frozen=True, slots=True)
class DashboardView:
    """What the workspace's dashboard page shows. ``figures``: (label, value) texts;
    ``sections``: (title, inline SVG) — the SVG is drawn by :mod:`cde.portfolio.charts`,
    every text in it escaped, so the page may mark it safe; ``empty``: the tenant has no
    decided recommendation in the range (``sections`` is then empty and the page says
    so). ``first`` and ``last`` are the days shown (both included)."""

    figures: list[tuple[str, str]]
    sections: list[tuple[str, str]]
    empty: bool
    first: date | None = None
    last: date | None = None


def dashboard_range(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """The days the dashboard shows (both included): ``end`` (default ``today``) and
    ``start`` (default :data:`DEFAULT_DAYS` days up to the end), the other way round when
    ``start`` is after ``end``, and at most the last :data:`MAX_DAYS` of them."""
    last = end if end is not None else today
    first = start if start is not None else _minus(last, DEFAULT_DAYS - 1)
    if first > last:
        first, last = last, first
    if (last - first).days + 1 > MAX_DAYS:
        first = _minus(last, MAX_DAYS - 1)
    return first, last


def _minus(day: date, days: int) -> date:
    try:
        return day - timedelta(days=days)
    except OverflowError:
        return date.min


def _lang(lang: str) -> Lang:
    return "en" if lang == "en" else "id"


def _clean(text: str, limit: int = 40) -> str:
    """A text from stored data, fit for a chart: no character XML 1.0 refuses (controls,
    surrogates, U+FFFE/U+FFFF), at most ``limit`` characters."""
    kept = "".join(
        c
        for c in text
        if (c in "\t\n\r" or c >= " ")
        and not ("\ud800" <= c <= "\udfff")
        and c not in "\ufffe\uffff"
    )
    return kept if len(kept) <= limit else kept[: limit - 1] + "…"


@dataclass(slots=True)
class _Week:
    """One ISO week of the range, its days clipped to it."""

    year: int
    week: int
    first: date
    decided: int = 0
    approved: int = 0
    plafon: int = 0

    @property
    def label(self) -> str:
        return f"W{self.week:02d}"


@dataclass(slots=True)
class _Book:
    """The rows of the range, added up."""

    decided: list[DashboardRow] = field(default_factory=list)
    failed: int = 0
    unreadable: int = 0
    # each answered loan's outcome, the loan once: (bad, kolektibilitas), None: none recorded
    loans: dict[str, tuple[bool | None, int | None]] = field(default_factory=dict)


def _weeks(first: date, last: date) -> dict[tuple[int, int], _Week]:
    weeks: dict[tuple[int, int], _Week] = {}
    day = first
    while True:
        iso = day.isocalendar()
        weeks.setdefault((iso.year, iso.week), _Week(iso.year, iso.week, day))
        if day >= last:
            return weeks
        day += timedelta(days=1)


def _score_bin(score: int) -> int:
    return min(max(score, 0) // 10, len(SCORE_BINS) - 1)


def _short_number(value: float, lang: Lang) -> str:
    whole = float(value).is_integer()
    return number(int(value), lang) if whole else number(value, lang, 1)


def _short_rupiah(value: float, lang: Lang) -> str:
    """An axis tick in rupiah: ``2,5 M`` (miliar) / ``2.5B``, ``250 jt`` / ``250M``."""
    units = ((1e12, "T", "T"), (1e9, "M", "B"), (1e6, "jt", "M"), (1e3, "rb", "K"))
    for size, unit_id, unit_en in units:
        if value >= size:
            text = _short_number(round(value / size, 1), lang)
            return f"{text} {unit_id}" if lang == "id" else f"{text}{unit_en}"
    return _short_number(value, lang)


class Dashboard:
    """The workspace's portfolio dashboard of a tenant (see the module's docstring)."""

    def __init__(
        self,
        store: MonitoringStore,
        policy: Policy,
        zone: ZoneInfo,
        clock: Clock,
        *,
        policies: Callable[[str], Policy] | None = None,
        challenger: ChallengerService | None = None,
    ) -> None:
        self.store = store
        self.policy = policy
        self.zone = zone
        self.clock = clock
        # A tenant's policy (its active stored version); None: ``policy`` for every tenant.
        self.policies = policies
        self.challenger = challenger

    def overview(
        self, tenant_id: str, lang: str, start: date | None, end: date | None
    ) -> DashboardView:
        """The dashboard of ``tenant_id``'s recommendations from ``start`` to ``end`` (days
        in the service's zone, both included; None: the defaults of
        :func:`dashboard_range`), in ``lang`` (``en``; anything else: Indonesian)."""
        language = _lang(lang)
        today = self.clock().astimezone(self.zone).date()
        first, last = dashboard_range(start, end, today)
        psi_first = _minus(last, PSI_CURRENT_DAYS + PSI_BASELINE_DAYS - 1)
        read_from, read_to = bounds(Period(min(first, psi_first), last), self.zone)
        rows = [
            (row.created_at.astimezone(self.zone).date(), row)
            for row in self.store.dashboard_rows(tenant_id, read_from, read_to)
        ]
        book = self._book([row for day, row in rows if first <= day <= last])
        w = _Words(language)
        figures = [(w("period"), f"{long_date(first, language)} – {long_date(last, language)}")]
        if not book.decided:
            figures.append((w("recommendations"), number(0, language)))
            if book.failed:
                figures.append((w("failed"), number(book.failed, language)))
            if book.unreadable:
                figures.append((w("unreadable"), number(book.unreadable, language)))
            return DashboardView(figures, [], True, first, last)
        figures += self._figures(book, w)
        sections = [self._decisions(book, w), *self._outcomes(tenant_id, book, w, figures)]
        sections.append(self._grades(book, w))
        sections.append(self._scores(book, w))
        sections += self._weekly([(d, r) for d, r in rows if first <= d <= last], first, last, w)
        sections += self._psi(rows, last, w, figures)
        sections += self._challenger(tenant_id, first, last, w, figures)
        return DashboardView(figures, sections, False, first, last)

    # --- the figures -----------------------------------------------------------------------

    @staticmethod
    def _book(rows: Sequence[DashboardRow]) -> _Book:
        book = _Book()
        for row in rows:
            if row.status == "fail":
                book.failed += 1
                continue
            book.loans[row.loan_id] = (row.bad, row.kolektibilitas)
            if row.outcome is None:
                book.unreadable += 1
            else:
                book.decided.append(row)
        return book

    @staticmethod
    def _figures(book: _Book, w: _Words) -> list[tuple[str, str]]:
        n = len(book.decided)
        approved = sum(r.outcome in APPROVED for r in book.decided)
        scores = [r.score for r in book.decided if r.score is not None]
        figures = [
            (w("recommendations"), number(n, w.lang)),
            (w("approval"), pct(approved / n, w.lang)),
            (w("plafon_total"), rupiah(sum(r.plafon or 0 for r in book.decided), w.lang)),
            (w("mean_score"), num(sum(scores) / len(scores) if scores else None, w.lang, 1)),
        ]
        if book.failed:
            figures.append((w("failed"), number(book.failed, w.lang)))
        if book.unreadable:
            figures.append((w("unreadable"), number(book.unreadable, w.lang)))
        return figures

    # --- the sections ----------------------------------------------------------------------

    @staticmethod
    def _decisions(book: _Book, w: _Words) -> tuple[str, str]:
        counts = Counter(r.outcome for r in book.decided)
        values = [counts.get(o, 0) for o in OUTCOMES]
        title = w("decisions")
        desc = "; ".join(
            f"{w.pick(_OUTCOME_WORDS[o])}: {number(v, w.lang)}"
            for o, v in zip(OUTCOMES, values, strict=True)
        )
        desc += f" ({w('of')} {number(len(book.decided), w.lang)} {w('recommendations').lower()})"
        svg = _counts(
            [w.pick(_OUTCOME_SHORT[o]) for o in OUTCOMES], values, title, w("count"), desc, w
        )
        return title, svg

    def _outcomes(
        self, tenant_id: str, book: _Book, w: _Words, figures: list[tuple[str, str]]
    ) -> list[tuple[str, str]]:
        recorded = {k: v for k, v in book.loans.items() if v != (None, None)}
        if not recorded:
            return []
        threshold = self._policy(tenant_id).outcome.bad_from_kolektibilitas
        by_kolek: Counter[int] = Counter()
        flagged: Counter[bool] = Counter()
        bads = 0
        for bad, kolek in recorded.values():
            if kolek is not None and kolek in _KOLEK_WORDS:
                by_kolek[kolek] += 1
                bads += is_bad(Kolektibilitas(kolek), threshold)
            else:
                flagged[bool(bad)] += 1
                bads += bool(bad)
        missing = len(book.loans) - len(recorded)
        figures.append(
            (
                w("with_outcome"),
                f"{number(len(recorded), w.lang)} {w('of')} {number(len(book.loans), w.lang)}",
            )
        )
        figures.append((w("bad_rate"), pct(bads / len(recorded), w.lang)))
        labels = [f"Kol {k}" for k in _KOLEK_WORDS]
        values = [by_kolek.get(k, 0) for k in _KOLEK_WORDS]
        said = [
            f"{k} {w.pick(name)}: {number(v, w.lang)}"
            for (k, name), v in zip(_KOLEK_WORDS.items(), values, strict=True)
        ]
        for bad, key in ((True, "bad_flag"), (False, "good_flag")):
            if flagged.get(bad, 0):
                labels.append(w(key))
                values.append(flagged[bad])
                said.append(f"{w(key + '_long')} ({w('no_kolek')}): {number(flagged[bad], w.lang)}")
        labels.append(w("no_outcome"))
        values.append(missing)
        said.append(f"{w('no_outcome_long')}: {number(missing, w.lang)}")
        title = w("outcomes")
        desc = "; ".join(said) + f" ({number(len(book.loans), w.lang)} {w('loans')})"
        svg = _counts(labels, values, title, w("loans"), desc, w)
        return [(title, svg)]

    @staticmethod
    def _grades(book: _Book, w: _Words) -> tuple[str, str]:
        counts = Counter(_clean(r.grade, 12) if r.grade else "" for r in book.decided)
        others = sorted(g for g in counts if g not in GRADES)
        shown = [*GRADES, *others]
        labels = [g or "—" for g in shown]
        values = [counts.get(g, 0) for g in shown]
        title = w("grades")
        desc = "; ".join(
            f"{g or w('no_grade')}: {number(v, w.lang)}" for g, v in zip(shown, values, strict=True)
        )
        svg = _counts(labels, values, title, w("count"), desc, w)
        return title, svg

    @staticmethod
    def _scores(book: _Book, w: _Words) -> tuple[str, str]:
        values = [0] * len(SCORE_BINS)
        scores = [r.score for r in book.decided if r.score is not None]
        for score in scores:
            values[_score_bin(score)] += 1
        labels = [f"{low}–{high}" for low, high in SCORE_BINS]
        title = w("scores")
        mean = sum(scores) / len(scores) if scores else None
        desc = "; ".join(f"{b}: {number(v, w.lang)}" for b, v in zip(labels, values, strict=True))
        desc += f" ({w('mean')} {num(mean, w.lang, 1)})"
        svg = charts.bars(
            labels,
            values,
            title,
            w("count"),
            percent=False,
            desc=desc,
            texts=[number(v, w.lang) if v else "" for v in values],
        )
        return title, svg

    @staticmethod
    def _weekly(
        rows: Sequence[tuple[date, DashboardRow]], first: date, last: date, w: _Words
    ) -> list[tuple[str, str]]:
        weeks = _weeks(first, last)
        for day, row in rows:
            if row.outcome is None:
                continue
            iso = day.isocalendar()
            week = weeks[(iso.year, iso.week)]
            week.decided += 1
            week.approved += row.outcome in APPROVED
            week.plafon += row.plafon or 0
        lines = list(weeks.values())
        labels = [x.label for x in lines]
        rates = [x.approved / x.decided if x.decided else None for x in lines]

        def when(x: _Week) -> str:
            return f"{w('week')} {x.year}-{x.label} ({long_date(x.first, w.lang)})"

        title = w("approval_weekly")
        desc = "; ".join(
            f"{when(x)}: {pct(rate, w.lang)} {w('of')} {number(x.decided, w.lang)}"
            if rate is not None
            else f"{when(x)}: {w('none')}"
            for x, rate in zip(lines, rates, strict=True)
        )
        approval = charts.trend(
            labels,
            [(w("approval"), _BLUE, rates)],
            title,
            w("approval"),
            percent=True,
            desc=desc,
            y_max=1.0,
        )
        plafon_title = w("plafon_weekly")
        amounts = [x.plafon for x in lines]
        plafon = charts.bars(
            labels,
            amounts,
            plafon_title,
            w("plafon"),
            percent=False,
            desc="; ".join(f"{when(x)}: {rupiah(x.plafon, w.lang)}" for x in lines),
            texts=[_short_rupiah(a, w.lang) if a else "" for a in amounts]
            if len(lines) <= 14
            else None,
            tick=lambda value: _short_rupiah(value, w.lang),
        )
        return [(title, approval), (plafon_title, plafon)]

    @staticmethod
    def _psi(
        rows: Sequence[tuple[date, DashboardRow]],
        last: date,
        w: _Words,
        figures: list[tuple[str, str]],
    ) -> list[tuple[str, str]]:
        current = Period(_minus(last, PSI_CURRENT_DAYS - 1), last)
        baseline = Period(_minus(current.first, PSI_BASELINE_DAYS), _minus(current.first, 1))

        def observed(p: Period) -> list[Observed]:
            return [
                Observed(
                    loan_id=r.loan_id,
                    day=day,
                    outcome=r.outcome,
                    plafon=r.plafon or 0,
                    score=r.score,
                    grade=r.grade or "",
                )
                for day, r in rows
                if p.first <= day <= p.last and r.outcome is not None and r.score is not None
            ]

        report = stability_report(observed(baseline), observed(current), baseline, current)
        score: Mapping[str, Any] | None = report["score"]
        if score is None:
            return []
        value, level = float(score["psi"]), str(score["level"])
        figures.append((w("psi_figure"), f"{num(value, w.lang)} ({w(level)})"))
        n_b, n_c = int(score["baseline_count"]), int(score["current_count"])
        bins = list(score["bins"])
        labels = [_short_bin(str(b["bin"])) for b in bins]
        base = [int(b["baseline"]) / n_b for b in bins]
        now = [int(b["current"]) / n_c for b in bins]
        thresholds = report["thresholds"]
        title = f"{w('psi')}: {num(value, w.lang)} ({w(level)})"
        desc = (
            f"PSI {num(value, w.lang)} ({w(level)}; {w('thresholds')} "
            f"{num(thresholds['shift'], w.lang, 2)} / {num(thresholds['significant'], w.lang, 2)}"
            f"): {w('current')} ({long_date(current.first, w.lang)} – "
            f"{long_date(current.last, w.lang)}, n={number(n_c, w.lang)}) {w('against')} "
            f"{w('baseline')} ({long_date(baseline.first, w.lang)} – "
            f"{long_date(baseline.last, w.lang)}, n={number(n_b, w.lang)}); "
            + w("chance").format(num(float(score["chance_95"]), w.lang))
            + ". "
            + "; ".join(
                f"{label}: {pct(b, w.lang)} → {pct(c, w.lang)}"
                for label, b, c in zip(labels, base, now, strict=True)
            )
        )
        svg = charts.grouped_bars(
            labels,
            [(w("baseline"), _GREY, base), (w("current"), _BLUE, now)],
            title,
            w("share"),
            percent=True,
            desc=desc,
        )
        return [(title, svg)]

    def _challenger(
        self, tenant_id: str, first: date, last: date, w: _Words, figures: list[tuple[str, str]]
    ) -> list[tuple[str, str]]:
        if self.challenger is None:
            return []
        report = self.challenger.report(tenant_id, first, last)
        if report["note"] is not None or not report["shadowed"]:
            return []
        swap = report["swap_set"]
        figures.append((w("shadowed"), number(int(report["shadowed"]), w.lang)))
        values = [int(swap["swap"][c]) for c in _CELLS]
        champion = _clean(_policy_label(report["champion"]), 60)
        challenger = _clean(_policy_label(report["challenger"]), 60)
        a, p = swap["approval"], swap["plafon"]
        desc = (
            f"{champion} → {challenger}: "
            + "; ".join(
                f"{w(c + '_long')}: {number(v, w.lang)}"
                for c, v in zip(_CELLS, values, strict=True)
            )
            + f"; {w('approval').lower()} {pct(a['baseline']['rate'], w.lang)} → "
            f"{pct(a['new']['rate'], w.lang)}; {w('plafon')} {rupiah(p['baseline'], w.lang)} → "
            f"{rupiah(p['new'], w.lang)}"
        )
        title = w("challenger")
        svg = _counts([w(c) for c in _CELLS], values, title, w("count"), desc, w)
        return [(title, svg)]

    def _policy(self, tenant_id: str) -> Policy:
        return self.policies(tenant_id) if self.policies is not None else self.policy


class _Words:
    """The dashboard's words in one language."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang

    def __call__(self, key: str) -> str:
        return self.pick(_WORDS[key])

    def pick(self, pair: tuple[str, str]) -> str:
        return pair[0] if self.lang == "id" else pair[1]


def _policy_label(policy: Mapping[str, Any] | None) -> str:
    if policy is None:
        return ""
    label = f"{policy['name']} {policy['version']}"
    card = policy.get("scorecard")
    if card:
        label += f" + {card['name']} {card['version']}"
    return label


def _short_bin(label: str) -> str:
    """A PSI bin under its bar: ``"50 < x <= 54"`` → ``"≤54"``, ``"> 70"`` → ``">70"``."""
    if "<= " in label:
        return "≤" + label.rsplit("<= ", 1)[1]
    return label.replace("> ", ">")


def _counts(
    labels: list[str], values: list[int], title: str, y_label: str, desc: str, w: _Words
) -> str:
    """Bars of counts, each with its number above it."""
    return charts.bars(
        labels,
        values,
        title,
        y_label,
        percent=False,
        desc=desc,
        texts=[number(v, w.lang) for v in values],
    )
