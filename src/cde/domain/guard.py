"""The grounding guard: what a model wrote may state only what the engine found.

:func:`check` reads every text a narrator returned and reports a :class:`Violation` for:

* ``number`` — a figure, in any notation (``10.000.000``, ``Rp10 jt``, ``10 juta``,
  ``45,2%``, ``45.2 %``, words), that matches no fact of its kind within the rounding it
  is written with (:mod:`cde.domain.mentions` reads the notations), or, stated as a bound
  ("over 4,500%"), within a tenth beyond it; a range of amounts the engine does not state;
  a true figure in the wrong role: one named as the loan's rate, the member's DSR, the
  instalment (with the recommended terms: the recommended one), the income or expenses
  (counted: the end the engine counts), the income left, the repayment capacity, a
  deficit, the recognised value of collateral, the withdrawal ratio, the coverage, the
  balance growth, the savings and the time deposits ("Rp 24 juta in savings"), the loan
  quality class ("kol-3"), the overall grade, the recognition applied to collateral
  ("recognised at 80%" when 80% was only declared) or the number of active loans or of
  loans on record that is not that figure. Facts are the
  metrics, the decision, the scores, every figure the engine's own memo states, and a few
  derived forms (a term in years, a count of reasons, how much the plafon, the term and
  the instalment change, the room or excess against the repayment capacity, the collateral
  short of full cover, the total of all instalments, the number of collateral items, a
  percentage above 100 as a multiple, a cut by the complement of a percentage applied).
  Money must match money, a percentage a percentage, months months;
* ``outcome`` — a statement (direct or indirect: "cannot go ahead", "dapat langsung
  dicairkan", "belum dapat direkomendasikan") that the loan is approved when the engine
  declined it, or declined when it approved (refusing the term or amount *asked*, when
  the engine approves another, is no decline); "without conditions" when there are some,
  "with conditions" when there are none;
* ``plafon`` / ``tenure`` — a sentence that approves, recommends, changes or keeps the
  terms (or a memo line labelled with them) giving another amount or term than the
  engine's, in months or whole years (exactly, unless hedged: "sekitar 2 tahun"); an
  amount the plafon is changed *to* ("brought down from … to Rp 53 juta"); a term restated
  in years that is not the same term ("36 bulan atau dua tahun"); a term stated as the
  loan's ("jangka waktu pinjaman 4 tahun", "spread over six years") that is neither the
  engine's nor the one asked; an unknown figure named as the plafon or the tenor;
* ``age`` — an age that is not the member's (the age at maturity only when said so, a
  policy limit only as a limit); an age at all when the engine does not know it;
* ``occupation`` — an occupation other than the member's (a more general word for the
  same work is fine: a *pedagang* is a *wiraswasta*), by word or by a phrase claiming one;
* ``gender`` — a gendered word (``Bapak``, ``Ibu``, ``he``, ``she``) that contradicts the
  recorded gender, or any when none is recorded (narratives are to be gender-neutral);
* ``name`` — an honorific followed by a name, a capitalised name said of a person ("Andi
  Pratama, a trader", "Budi has been a member", "bernama Andi") that is not a word of the
  engine's memo: the model was never given one.

The guard is deliberately strict: a faithful narrative copies the engine's figures; one
that computes new ones is refused and the rules narrative is served instead.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from itertools import pairwise
from typing import Any, Literal

from cde.domain.application import Gender
from cde.domain.decision import Outcome
from cde.domain.evaluation import Evaluation
from cde.domain.findings import Dimension
from cde.domain.mentions import ID_DIGITS, Mention, find_mentions
from cde.domain.text import Lang

__all__ = ["Fact", "Grounds", "Violation", "check", "grounds"]

FactKind = Literal["money", "percent", "months", "years", "days", "count"]
ViolationKind = Literal[
    "number", "outcome", "plafon", "tenure", "age", "occupation", "gender", "name"
]


@dataclass(frozen=True, slots=True)
class Fact:
    value: Decimal
    kind: FactKind


@dataclass(frozen=True, slots=True)
class Violation:
    kind: ViolationKind
    field: str  # which text: "character" … "condition", or "analytic"
    text: str  # the words at fault, as written
    detail: str  # what the engine says instead (English, for the record and the retry)

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "field": self.field, "text": self.text, "detail": self.detail}


@dataclass(frozen=True)
class Grounds:
    """What a narrative may say: the engine's facts about one application."""

    facts: tuple[Fact, ...]
    money_ranges: frozenset[tuple[Decimal, Decimal]]  # amounts the engine states as a range
    outcome: Outcome
    has_conditions: bool
    plafon: int
    tenure: int
    requested_plafon: int
    requested_tenure: int
    rate_pct: Decimal  # the loan's interest rate
    dsr_pct: Decimal | None  # the member's debt service ratio with the new instalment
    installment: int  # the recommended loan's (first) instalment
    requested_installment: int
    age: int | None
    age_at_maturity: int | None
    age_limits: frozenset[int]  # the policy's minimum age and age at maturity
    occupation: str | None
    gender: Gender | None
    incomes: tuple[Decimal, ...] = ()  # the member's stated income, a month and a year
    capacities: tuple[Decimal, ...] = ()  # the repayment capacity / affordable instalment
    deficits: tuple[Decimal, ...] = ()  # what the member is short each month (as amounts)
    active_loans: int | None = None
    expenses: tuple[Decimal, ...] = ()  # the member's stated expenses, low and high
    left: tuple[Decimal, ...] = ()  # the income left, before and after the new instalment
    recognised: tuple[Decimal, ...] = ()  # recognised collateral values, each and in all
    ratios: tuple[tuple[str, tuple[Decimal, ...]], ...] = ()  # named percentages: cue -> values
    savings: tuple[Decimal, ...] = ()  # the savings balance (now, on average)
    deposits: tuple[Decimal, ...] = ()  # the time deposits
    kolektibilitas: int | None = None  # the loan quality class, 1-5
    total_loans: int | None = None  # loans on record
    grade: str = ""  # the overall grade
    recognition_pcts: tuple[Decimal, ...] = ()  # what the policy and the engine recognise
    known_words: frozenset[str] = frozenset()  # words of the engine's memo, not the name

    @cached_property
    def sorted_values(self) -> dict[FactKind, list[Decimal]]:
        by_kind: dict[FactKind, set[Decimal]] = {k: set() for k in _FACT_KINDS}
        for fact in self.facts:
            by_kind[fact.kind].add(fact.value)
        return {kind: sorted(values) for kind, values in by_kind.items()}


# --- the facts --------------------------------------------------------------------------------

_MONEY_KEYS = (
    "income",
    "expense",
    "balance",
    "installment",
    "instalment",
    "plafon",
    "value",
    "recognised",
    "own_funds",
    "loan_remaining",
    "residual",
    "disposable",
    "affordable",
    "repayment_capacity",
    "saving",
    "deposit",
)
_FACT_KINDS: tuple[FactKind, ...] = ("money", "percent", "months", "years", "days", "count")
_STRUCTURAL = (Fact(Decimal(5), "count"), Fact(Decimal(100), "count"))  # "5C", "skor …/100"
_MENTION_FACT: dict[str, FactKind] = {
    "money": "money",
    "percent": "percent",
    "months": "months",
    "years": "years",
    "days": "days",
    "times": "count",
    "plain": "count",
}


def _metric_kind(key: str) -> FactKind:
    if key.endswith("_pct"):
        return "percent"
    if any(part in key for part in _MONEY_KEYS) and not key.endswith(("_n", "_count")):
        return "money"
    if "months" in key or "tenure" in key:
        return "months"
    if key.startswith("age"):
        return "years"
    return "count"


def _months(value: Decimal, out: list[Fact]) -> None:
    """A term in months, and the same term in years (``18 bulan``, ``1,5 tahun``)."""
    out.append(Fact(value, "months"))
    out.append(Fact(value / 12, "years"))


def _walk(key: str, value: Any, out: list[Fact]) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int | float | Decimal):
        number = abs(Decimal(str(value)))
        kind = _metric_kind(key)
        if kind == "months" and key != "months_to_age_limit":
            _months(number, out)
        else:
            out.append(Fact(number, kind))
    elif isinstance(value, Mapping):
        for k, v in value.items():
            _walk(str(k), v, out)
    elif isinstance(value, list | tuple):
        for v in value:
            _walk(key, v, out)


def _from_text(
    text: str, lang: Lang, out: list[Fact], ranges: set[tuple[Decimal, Decimal]]
) -> None:
    """Every figure the engine's own text states is a fact, and every range it states."""
    mentions = _claims(text, find_mentions(text, lang))
    for m in mentions:
        if m.kind == "months":
            _months(m.value, out)
        else:
            out.append(Fact(m.value, _MENTION_FACT[m.kind]))
    for low, high in _ranges(text, mentions):
        if low.kind == "money":
            ranges.add((low.value, high.value))


def grounds(ev: Evaluation, rules: Mapping[str, Any], lang: Lang) -> Grounds:
    """The facts of ``ev``; ``rules`` is the engine's result object for it (its texts count
    as facts: every figure they state is the engine's)."""
    facts: list[Fact] = list(_STRUCTURAL)
    d = ev.decision
    f = ev.facts
    for dim, assessed in ev.assessed.items():
        _walk(dim, assessed.metrics, facts)
        facts.append(Fact(Decimal(ev.scores[dim]), "count"))
        facts.append(Fact(Decimal(len(assessed.findings)), "count"))
    facts += [
        Fact(Decimal(ev.overall), "count"),
        Fact(Decimal(d.plafon), "money"),
        Fact(Decimal(d.installment), "money"),
        Fact(Decimal(f.plafon), "money"),
        Fact(Decimal(f.requested_instalment), "money"),
        Fact(f.rate_pct, "percent"),
        Fact(Decimal(f.today.day), "count"),
        Fact(Decimal(f.today.year), "count"),
    ]
    _months(Decimal(d.tenure), facts)
    _months(Decimal(f.tenure), facts)
    for n in (len(d.reasons), len(d.conditions), len(d.requirements), len(ev.quality)):
        facts.append(Fact(Decimal(n), "count"))
    if d.sized_plafon is not None:
        facts.append(Fact(Decimal(d.sized_plafon), "money"))
    facts += _scorecard_facts(ev)
    for limit in d.limits.values():
        if limit is not None:
            facts.append(Fact(Decimal(limit), "money"))
    ranges = {
        (Decimal(f.income_low), Decimal(f.income_high)),
        (Decimal(f.expenses_low), Decimal(f.expenses_high)),
    }
    # the memo holds every text of the result: the five Cs, reasons, conditions, data quality
    _from_text(str(rules.get("analytic", "")), lang, facts, ranges)
    member_months = ev.assessed["character"].metrics.get("membership_months")
    if isinstance(member_months, int):
        facts.append(Fact(Decimal(member_months // 12), "years"))  # "lebih dari 6 tahun"
    rules_c = ev.policy.character
    limits = {rules_c.min_age, rules_c.max_age_at_maturity}
    at_maturity = ev.assessed["character"].metrics.get("age_at_maturity")
    at_maturity = at_maturity if isinstance(at_maturity, int) and f.age is not None else None
    ages = {*limits, *(a for a in (f.age, at_maturity) if a is not None)}
    facts += [Fact(Decimal(a), "years") for a in ages]
    capacity = ev.assessed["capacity"].metrics
    capital = ev.assessed["capital"].metrics
    collateral = ev.assessed["collateral"].metrics
    items = [item for item in collateral.get("items") or () if isinstance(item, Mapping)]
    # the income as stated a month, and the year's the engine relates the plafon to
    incomes = [Decimal(f.income_low), Decimal(f.income_high), Decimal(f.income_low) * 12]
    facts.append(Fact(incomes[2], "money"))
    deficits = [-v for v in _amounts(capacity, *capacity) if v < 0]
    # figures a narrative derives from the engine's: how much the amount, the term and the
    # instalment change, and a percentage above 100 as a multiple ("250 times the plafon")
    if d.outcome != Outcome.DECLINE:
        if d.plafon != f.plafon:
            facts.append(Fact(Decimal(abs(f.plafon - d.plafon)), "money"))
        if d.tenure != f.tenure:
            _months(Decimal(abs(f.tenure - d.tenure)), facts)
        if d.installment != f.requested_instalment:
            facts.append(Fact(Decimal(abs(f.requested_instalment - d.installment)), "money"))
    facts += [Fact(x.value / 100, "count") for x in facts if x.kind == "percent" and x.value > 100]
    # the room left or the excess against the repayment capacity and the total of all
    # instalments, with the new one; the collateral short of the required cover; the
    # number of collateral items
    new_instalments = {d.installment, f.requested_instalment} - {0}
    for room in _amounts(capacity, "repayment_capacity"):
        facts += [Fact(abs(room - new), "money") for new in new_instalments]
    for current in _amounts(capacity, "existing_installment"):
        if current:
            facts += [Fact(current + new, "money") for new in new_instalments]
    for required in _amounts(collateral, "required_coverage_pct"):
        for held in _amounts(collateral, "recognised_value"):
            facts.append(Fact(abs(Decimal(f.plafon) * required / 100 - held), "money"))
    facts.append(Fact(Decimal(len(items)), "count"))
    recognised = [
        v
        for item in (collateral, *items)
        for v in _amounts(item, "recognised", "recognised_value", "max_plafon_by_collateral")
    ]
    name = {w.lower() for w in _WORD.findall(ev.application.character.name or "")}
    memo_words = {w.lower() for w in _WORD.findall(str(rules.get("analytic", "")))}
    return Grounds(
        facts=tuple(dict.fromkeys(facts)),
        money_ranges=frozenset(ranges),
        outcome=d.outcome,
        has_conditions=bool(d.conditions),
        plafon=d.plafon,
        tenure=d.tenure,
        requested_plafon=f.plafon,
        requested_tenure=f.tenure,
        rate_pct=f.rate_pct,
        dsr_pct=next(iter(_amounts(capacity, "dsr_pct")), None),
        installment=d.installment,
        requested_installment=f.requested_instalment,
        age=f.age,
        age_at_maturity=at_maturity,
        age_limits=frozenset(limits),
        occupation=ev.application.character.occupation,
        gender=ev.application.character.gender,
        incomes=tuple(incomes),
        capacities=_amounts(capacity, "repayment_capacity", "affordable_installment"),
        deficits=tuple(deficits),
        active_loans=_count(ev.assessed["character"].metrics.get("active_loans")),
        known_words=frozenset(memo_words - name),
        expenses=(Decimal(f.expenses_low), Decimal(f.expenses_high)),
        left=tuple(
            abs(v) for v in _amounts(capacity, "disposable_income", "residual_after_installment")
        ),
        recognised=tuple(recognised),
        ratios=_ratios(ev),
        savings=_amounts(capital, "savings_balance", "average_balance"),
        deposits=_amounts(capital, "deposit_balance"),
        kolektibilitas=_count(ev.assessed["character"].metrics.get("kolektibilitas")),
        total_loans=_count(ev.assessed["character"].metrics.get("total_loans")),
        grade=str(ev.grade),
        recognition_pcts=tuple(
            v for item in items for v in _amounts(item, "recognition_pct", "policy_recognition_pct")
        ),
    )


def _amounts(metrics: Mapping[str, Any], *keys: str) -> tuple[Decimal, ...]:
    """The numeric values of ``keys`` in ``metrics``, as Decimals (missing ones left out)."""
    return tuple(
        Decimal(str(v))
        for k in keys
        if isinstance(v := metrics.get(k), int | float | Decimal) and not isinstance(v, bool)
    )


def _count(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


# Percentages a narrative names (besides the rate and the DSR): what each cue may be.
_RATIO_CUES: tuple[tuple[str, str, tuple[tuple[Dimension, str], ...]], ...] = (
    (
        r"\b(?:rasio\s+penarikan|withdrawal\s+(?:ratio|rate))\b",
        "withdrawal ratio",
        (("capital", "withdrawal_ratio_pct"),),
    ),
    (
        r"\b(?:coverage|cakupan(?:\s+agunan)?|rasio\s+agunan)\b",
        "collateral coverage",
        (("collateral", "coverage_pct"), ("collateral", "required_coverage_pct")),
    ),
    (
        r"\b(?:pertumbuhan\s+saldo|balance\s+growth)\b",
        "balance growth",
        (("capital", "balance_growth_pct"),),
    ),
)


# the scorecard's probability of default, when the policy scores with one
_PD_CUE = (
    r"\b(?:PD|probabilitas\s+gagal\s+bayar|peluang\s+gagal\s+bayar|"
    r"probability\s+of\s+default)\b"
)
_RATIO_NAMES = {cue: name for cue, name, _ in _RATIO_CUES} | {_PD_CUE: "probability of default"}


def _pd_pct(value: float) -> Decimal:
    return Decimal(repr(value)) * 100


def _ratios(ev: Evaluation) -> tuple[tuple[str, tuple[Decimal, ...]], ...]:
    out = []
    for cue, _, keys in _RATIO_CUES:
        values = tuple(abs(v) for dim, key in keys for v in _amounts(ev.assessed[dim].metrics, key))
        if values:
            out.append((cue, values))
    if ev.scorecard is not None:
        out.append((_PD_CUE, (_pd_pct(ev.scorecard.score.pd),)))
    return tuple(out)


def _scorecard_facts(ev: Evaluation) -> list[Fact]:
    """The scorecard's figures at full precision (the memo states them rounded): the PD,
    the points, the points each adverse attribute lost, and the policy's PD cut-offs."""
    if ev.scorecard is None:
        return []
    s = ev.scorecard.score
    facts = [Fact(_pd_pct(s.pd), "percent"), Fact(Decimal(repr(s.points)), "count")]
    facts += [Fact(Decimal(repr(a.points_lost)), "count") for a in s.adverse]
    section = ev.policy.scorecard
    if section is not None:
        for cut in (section.approve_below_pd, section.decline_above_pd):
            if cut is not None:
                facts.append(Fact(_pd_pct(cut), "percent"))
    return facts


# --- numbers ----------------------------------------------------------------------------------

_THOUSAND = Decimal(1000)
_EPSILON = Decimal("0.000001")


def _reach(m: Mention) -> Decimal:
    """How far a fact may lie from what ``m`` states: half its last digit; and a whole
    amount written in full (``Rp 888.000`` for 888.488) may be rounded to thousands."""
    if m.grouped_integer and m.value > 0 and m.value % _THOUSAND == 0:
        return max(m.precision / 2, _THOUSAND / 2) + _EPSILON
    if m.kind == "money" and m.grouped_integer and m.value >= _THOUSAND and m.value % 100 == 0:
        return Decimal(50) + _EPSILON  # "Rp 48,700" for 48.729: rounded to hundreds
    return m.precision / 2 + _EPSILON


def _close(m: Mention, value: Decimal) -> bool:
    return abs(value - m.value) <= _reach(m)


# Which kinds of fact a kind of mention may match: money an amount, a percentage a
# percentage, months a term in months (years one in years), a multiple a count; a bare
# number anything.
_KINDS_FOR: dict[str, tuple[FactKind, ...]] = {
    "money": ("money",),
    "percent": ("percent",),
    "months": ("months",),
    "years": ("years",),
    "days": ("days",),
    "times": ("count",),
    "plain": _FACT_KINDS,
}


_COMPOUND_GAP = re.compile(r"\s*(?:dan|and|,)?\s*")
# A range: a hyphen or en dash (spaced or not), an em dash only unspaced (a spaced one
# opens an aside), or a word; and the bounds ascending.
_RANGE_GAP = re.compile(
    r"\s*(?:-|–|s/d|s\.d\.|sampai(?:\s+dengan)?|hingga|to|until)\s*|—", re.IGNORECASE
)


def _claims(text: str, mentions: list[Mention]) -> list[Mention]:
    """The mentions, with ``6 tahun 3 bulan`` read as one term of 75 months."""
    out: list[Mention] = []
    i = 0
    while i < len(mentions):
        m = mentions[i]
        nxt = mentions[i + 1] if i + 1 < len(mentions) else None
        if (
            nxt is not None
            and m.kind == "years"
            and nxt.kind == "months"
            and m.value == m.value.to_integral_value()
            and _COMPOUND_GAP.fullmatch(text, m.end, nxt.start)
        ):
            out.append(
                Mention(
                    value=m.value * 12 + nxt.value,
                    precision=nxt.precision,
                    kind="months",
                    text=text[m.start : nxt.end],
                    start=m.start,
                    end=nxt.end,
                    grouped_integer=False,
                )
            )
            i += 2
            continue
        out.append(m)
        i += 1
    return out


def _ranges(text: str, mentions: list[Mention]) -> list[tuple[Mention, Mention]]:
    """Consecutive mentions of one kind written as a range (``Rp 300–500 ribu``)."""
    return [
        (a, b)
        for a, b in pairwise(mentions)
        if a.kind == b.kind and a.value < b.value and _RANGE_GAP.fullmatch(text, a.end, b.start)
    ]


_CUT = re.compile(
    r"\b(?:cuts?|cutting|reduc(?:es|ed|ing|tion)|lowers?|lowered|discount(?:s|ed)?|haircut|"
    r"potong(?:an|annya)?|dipotong|memotong|mengurangi|dikurangi|berkurang|pengurangan|diskon|"
    r"turun)\b[^.;\d]{0,25}$",
    re.IGNORECASE,
)


def _named_term(field: str, text: str, m: Mention, g: Grounds, out: list[Violation]) -> None:
    """An unknown figure given as the plafon or the tenor is also a wrong plafon or tenor."""
    cue: re.Pattern[str]
    kind: ViolationKind
    if m.kind == "money":
        cue, kind, value = _PLAFON_CUE, "plafon", g.plafon
    elif m.kind in ("months", "years"):
        cue, kind, value = _TENOR_CUE, "tenure", g.tenure
    else:
        return
    for c in cue.finditer(text, max(0, m.start - 30), m.start):
        if not _A_LIMIT.search(text, c.end(), m.start) and not _SENTENCE_END.search(
            text, c.end(), m.start
        ):
            detail = f"the recommended {kind} is {_term(kind, value)}"
            if g.outcome == Outcome.DECLINE:
                asked = g.requested_plafon if kind == "plafon" else g.requested_tenure
                detail = f"declined; the requested {kind} was {_term(kind, asked)}"
            out.append(Violation(kind, field, m.text, detail))
            return


def _complement(text: str, m: Mention, g: Grounds) -> bool:
    """``cuts it by a further 20%`` for the engine's ``x 80%``: a cut by the complement of
    a percentage the engine applies."""
    if m.kind != "percent" or not _CUT.search(text, max(0, m.start - 40), m.start):
        return False
    return any(v < 100 and _close(m, 100 - v) for v in g.sorted_values["percent"])


_AT_LEAST = re.compile(
    r"\b(?:more\s+than|over|above|exceed(?:s|ing)?|upwards\s+of|in\s+excess\s+of|"
    r"lebih\s+dari|di\s+atas|melebihi)\s*$",
    re.IGNORECASE,
)
_AT_MOST = re.compile(r"\b(?:less\s+than|under|below|kurang\s+dari|di\s+bawah)\s*$", re.IGNORECASE)
_BOUND = Decimal("0.1")  # "over 4,500%" for 4,525.7%: a bound within a tenth of the figure


def _grounded(m: Mention, g: Grounds, text: str = "") -> bool:
    """Whether some fact of a compatible kind lies within the mention's rounding — or, for
    a figure stated as a bound ("over 4,500%", "lebih dari 20 kali"), within a tenth beyond
    it."""
    low = high = m.value
    if text and _AT_LEAST.search(text, max(0, m.start - 20), m.start):
        high = m.value * (1 + _BOUND)
    elif text and _AT_MOST.search(text, max(0, m.start - 20), m.start):
        low = m.value * (1 - _BOUND)
    reach = _reach(m)
    for kind in _KINDS_FOR[m.kind]:
        values = g.sorted_values[kind]
        i = bisect_left(values, low - reach)
        if i < len(values) and values[i] <= high + reach:
            return True
    return False


# --- words ------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_NEGATORS = frozenset(
    {"tidak", "tak", "belum", "bukan", "tanpa"}
    | {"not", "no", "never", "cannot", "cant", "can't", "isn't", "wasn't", "won't", "unable"}
    | {"neither", "nor"}
)
# A sentence with one of these states a possibility, not the outcome ("provided" and
# "asalkan" are not among them: they attach conditions to an approval).
_CONDITIONAL = frozenset(
    {"jika", "bila", "apabila", "kalau", "seandainya", "andaikan"} | {"if", "unless"}
)
_APPROVE = re.compile(
    r"\b(go(?:es|ing)?\s+ahead\s+with|proceed(?:ing)?\s+with\s+(?:the\s+)?(?:loan|"
    r"disbursement|financing)|(?:dapat|bisa|boleh)\s+(?:langsung\s+)?dicairkan|"
    r"diproses\s+(?:lebih\s+lanjut\s+)?untuk\s+pencairan|qualif(?:y|ies)\s+for|"
    r"disetujui|menyetujui|layak\s+(?:disetujui|diberikan|dibiayai|mendapat(?:kan)?"
    r"\s+pinjaman|menerima\s+pinjaman)|approv(?:e|es|ed)|approving|"
    # "the committee can go ahead", "can then proceed", "layak dilanjutkan ke pencairan"
    r"(?:can|may|could|will)\s+(?:then\s+|now\s+|still\s+)?(?:go\s+ahead|proceed)|"
    r"(?:leans?|leaning|tends?|inclined)\s+(?:towards?|to)\s+(?:an?\s+)?(?:conditional\s+|full\s+)?"
    r"approv\w*|"
    r"(?:layak|dapat|bisa)\s+dilanjutkan\s+(?:ke|untuk|menuju)\s+(?:tahap\s+)?pencairan|"
    r"pencairan\s+(?:cukup|hanya|tinggal)\s+menunggu|(?:pada\s+dasarnya|secara\s+umum)\s+layak|"
    r"siap\s+dicairkan|ready\s+(?:for|to\s+be)\s+disburs\w+|can\s+be\s+disbursed|"
    # the noun, when it is what is recommended: "recommend a conditional approval"
    r"(?:recommend(?:s|ed|ing)?|support(?:s|ed)?|propose[sd]?)\s+(?:an?\s+|the\s+)?"
    r"(?:conditional\s+|full\s+)?approval|"
    r"(?:merekomendasikan|mendukung|mengusulkan|mengajukan|rekomendasi(?:kan)?)\s+"
    r"persetujuan)\b",
    re.IGNORECASE,
)
_DECLINE = re.compile(
    r"\b(cannot\s+(?:go\s+ahead|proceed|be\s+(?:granted|funded|financed))|not\s+eligible|"
    r"tidak\s+memenuhi\s+syarat|tidak\s+(?:dapat|bisa)\s+(?:dilanjutkan|diberikan|dibiayai)|"
    r"(?:belum|tidak)\s+(?:dapat|bisa)\s+(?:kami\s+)?(?:di)?(?:rekomendasikan|setujui|berikan)|"
    r"tidak\s+(?:kami\s+)?rekomendasikan|not\s+recommended|"
    r"ditolak|menolak|penolakan|declined|rejected|reject|refused|turned\s+down|"
    r"tidak\s+(?:dapat|bisa)\s+(?:diproses|didukung)|cannot\s+be\s+(?:processed|supported)|"
    r"(?:to|we|should|must|will|is|are)\s+decline|declin(?:e|ing)\s+(?:the|this|it))\b"
    r"|(?-i:\bDECLINE\b)",
    re.IGNORECASE,
)
# "harus disetujui", "must be approved": an approval still to be given, not the outcome
_DEONTIC = frozenset({"harus", "perlu", "wajib", "must", "needs", "need", "should"})
_BY_COMMITTEE = re.compile(
    r"\s+(?:oleh|by)\s+(?:the\s+)?(?:komite|pengurus|rapat|credit\s+committee|committee)",
    re.IGNORECASE,
)
_REQUEST_BEFORE = re.compile(
    r"\b(?:mengajukan|diajukan|pengajuan|diminta|meminta|dimohonkan|permohonan\s+awal|"
    r"requested|request(?:ed)?\s+(?:of|for)|applied\s+for|asked\s+for|application\s+for)\b",
    re.IGNORECASE,
)
_REQUEST_AFTER = re.compile(
    r"[\s,()]*(?:yang\s+)?(?:diajukan|diminta|dimohonkan|requested|as\s+requested|asked\s+for)\b",
    re.IGNORECASE,
)
_PLAFON_CUE = re.compile(
    r"\b(?:plafond?|amount|jumlah\s+pinjaman|pinjaman\s+sebesar|disetujui\s+sebesar|"
    r"approved\s+as\s+requested|disetujui\s+sesuai\s+(?:permohonan|pengajuan)|"
    r"approved\s+(?:for|at)|lowers?\s+the\s+amount\s+to|(?:reduced|trimmed|cut|lowered)\s+to|"
    r"diturunkan\s+(?:menjadi|ke))\b",
    re.IGNORECASE,
)
_TENOR_CUE = re.compile(r"\b(?:tenor|term|tenure|jangka\s+waktu|selama|over)\b", re.IGNORECASE)
_CHANGES = re.compile(
    r"\b(?:menjadi(?=\s+(?:Rp|IDR|\d))|diperpanjang|diperpendek|dipersingkat|diturunkan|"
    r"dikurangi|dipangkas|memangkas|menurunkan|memperpanjang|memperpendek|mempersingkat|"
    r"trims|cuts|reduces|shortens|extends|extended|shortened|"
    r"lengthened|reduced|trimmed|lowered|lowers|cut)\b",
    re.IGNORECASE,
)
# "the 10-month term stays as requested": the requested term kept, said of the recommended
_KEPT = re.compile(
    r"\b(?:as\s+requested|sesuai\s+(?:permohonan|pengajuan|yang\s+diajukan)|tetap|unchanged|"
    r"stays|remains|keeps|kept|retains|dipertahankan|mempertahankan)\b",
    re.IGNORECASE,
)
_FROM = re.compile(r"\b(?:dari|from)\s*$", re.IGNORECASE)
_UNCONDITIONAL = re.compile(
    r"\b(tidak\s+ada\s+(?:per)?syarat(?:an)?|no\s+conditions?\s+(?:apply|are\s+attached)|"
    r"tanpa\s+(?:per)?syarat(?:an)?|without\s+(?:any\s+)?(?:conditions?|requirements?)|"
    r"unconditional(?:ly)?|no\s+conditions)\b",
    re.IGNORECASE,
)
_CONDITIONED = re.compile(
    r"\b(dengan\s+(?:per)?syarat(?:an)?|bersyarat|with\s+conditions?|conditional(?:ly)?|"
    r"subject\s+to\s+conditions)\b",
    re.IGNORECASE,
)
_RECOMMENDING = re.compile(
    r"\b(rekomendasi|direkomendasikan|merekomendasikan|disetujui|menyetujui|disarankan|layak|"
    r"persetujuan|mendukung|mengusulkan|diusulkan|"
    r"recommend(?:s|ed|ation)?|approv(?:e|es|ed)|approving|approval|support(?:s|ed)?|"
    r"propose[sd]?)\b",
    re.IGNORECASE,
)
# A line that states the recommended amount or term by its label: a table row or a bullet
# of a memo ("| Plafon | Rp 14.400.000 |", "- Term: 36 months").
_TERMS_LINE = re.compile(
    r"^\s*(?:[-*|•]\s*)?(?:\*\*)?(?:plafond?|amount|loan\s+amount|jumlah(?:\s+pinjaman)?|"
    r"nominal|term|tenor|tenure|jangka\s+waktu)(?:\*\*)?\s*[:|]",
    re.IGNORECASE,
)
_WORD = re.compile(r"[\w']+")
_AGE_CUE = re.compile(
    r"\b(usia(?:nya)?|umur(?:nya)?|berusia|berumur|age|aged|muda|young)\b", re.IGNORECASE
)
# "usia tercatat 40 tahun", "the stated age is 40": the form's figure, not a claim
_AS_STATED = re.compile(
    r"\b(?:tercatat|tertulis|ditulis|diisi|disebut(?:kan)?|menyebutkan|stated|recorded|declared|"
    r"listed|reported|gave|given|on\s+the\s+form|application|formulir|form)\b",
    re.I,
)
_DECADE = re.compile(
    r"\b(?:(early|mid|late)[-\s])?(twenties|thirties|forties|fifties|sixties|seventies)\b|"
    r"\b(dua|tiga|empat|lima|enam|tujuh)\s+puluhan\b|\b([2-7])0-an\b",
    re.IGNORECASE,
)
_PART_OF_DECADE = {"early": range(4), "mid": range(3, 8), "late": range(6, 10)}
_DECADES = {
    **{
        w: n
        for n, w in enumerate(
            ("twenties", "thirties", "forties", "fifties", "sixties", "seventies"), start=2
        )
    },
    **{w: n for w, n in ID_DIGITS.items() if 2 <= n <= 7},  # "usia empat puluhan"
}
_OLD = re.compile(r"[\s-]*(?:old|of\s+age)\b", re.IGNORECASE)
# A year of birth: the model is never given the date of birth, so any is invented
_BORN = re.compile(
    r"\b(?:born\s+in\s+|lahir\s+(?:pada\s+)?(?:tahun\s+)?|kelahiran\s+(?:tahun\s+)?)"
    r"(?:19|20)\d\d\b",
    re.IGNORECASE,
)
_AT = re.compile(r"\b(?:at|pada)\s+$", re.IGNORECASE)
_PERSON_IS = re.compile(
    r"\b(?:he|she|they|who|the\s+member|the\s+applicant|the\s+borrower)\s+(?:is|was|turns?|"
    r"turned|will\s+be|would\s+be)\s+(?:now\s+|already\s+|only\s+|just\s+)?$",
    re.IGNORECASE,
)

# The loan's rate: the first percentage after "bunga"/"interest" — unless what comes
# between (or just before: "plafon bunga") says it is a limit, or what comes before says
# it is about the member's other loans.
_RATE_CUE = re.compile(r"\b(?:berbunga|bunga(?:nya)?|interest(?:\s+rate)?)\b", re.IGNORECASE)
_A_LIMIT = re.compile(
    r"\b(?:batas|maksimum|maksimal|maks|max|minimum|minimal|min|paling\s+(?:tinggi|rendah)|"
    r"plafon|ceiling|"
    r"maximum|cap|limit|at\s+(?:most|least)|up\s+to|kapasitas|capacity|mampu|afford\w*|"
    r"terjangkau)\b",
    re.IGNORECASE,
)
_AT_MATURITY = re.compile(
    r"\b(?:jatuh\s+tempo|lunas|maturity|matures|akhir\s+(?:masa\s+)?(?:tenor|pinjaman|angsuran)|"
    r"end\s+of\s+(?:the|its|this|his|her|their)\s+(?:[\w-]+\s+){0,3}?(?:loan|term|tenor)|"
    r"(?:loan|term)\s+ends|fully\s+repaid)\b",
    re.IGNORECASE,
)
_OTHER_LOANS = re.compile(
    r"\b(?:berjalan|asumsi|existing|outstanding|current|assum(?:ption|ed|es)|"
    r"saat\s+ini|sekarang|lain(?:nya)?|other|perkiraan|diperkirakan|estimated?|lama|"
    r"sebelumnya|terdahulu|previous|old)\b",
    re.IGNORECASE,
)
# "DSR slightly above 50%": a comparison with a limit, not the figure itself
_COMPARED = re.compile(
    r"\b(?:above|below|over|under|exceed\w*|beyond|di\s+atas|di\s+bawah|melebihi|"
    r"lebih\s+dari|kurang\s+dari)\b",
    re.IGNORECASE,
)
# "sisa penghasilan setelah angsuran …", "income left after instalments": another figure
_NOT_IT = re.compile(
    r"\b(?:setelah|sesudah|after|less|minus|dikurangi|net\s+of|total|jumlah|seluruh|combined|"
    r"gabungan|all)\s*$",
    re.I,
)
_DELTA = re.compile(
    r"\b(?:falls?|fell|drops?|dropped|turun|berkurang|naik|rises?|rose|lower|higher|reduced|"
    r"cut|increases?|increased|decreases?|decreased|down|up|selisih|difference|lebih\s+"
    r"(?:kecil|rendah|ringan|besar|tinggi|berat))\b",
    re.IGNORECASE,
)
_DSR_CUE = re.compile(
    r"\b(?:DSR|debt[-\s]service\s+ratio|rasio\s+(?:angsuran|utang|beban\s+utang))\b",
    re.IGNORECASE,
)
_INSTALMENT_CUE = re.compile(
    r"\b(?:angsuran(?:nya)?|cicilan(?:nya)?|instal(?:l)?ments?|monthly\s+(?:re)?payments?)\b",
    re.IGNORECASE,
)

_MALE = re.compile(
    r"\b(bapak|pak|tuan|saudara|pria|laki-laki|he|him|his|himself|sir|(?-i:Mr))\b",
    re.IGNORECASE,
)
_FEMALE = re.compile(
    r"\b(ibu(?!\s+(?:kota|rumah\s+tangga))|(?-i:Bu)|nyonya|saudari|wanita|perempuan|she|her|"
    r"hers|herself|(?-i:Mrs|Ms|Miss))\b",
    re.IGNORECASE,
)
_NAMED = re.compile(
    r"\b(?:Bapak|Pak|Ibu|Bu|Tuan|Nyonya|Saudara|Saudari|Sdr\.?|Sdri\.?|Mr\.?|Mrs\.?|Ms\.?|"
    r"Miss)\s+((?-i:[A-Z][a-z]+|[A-Z](?=\s+[A-Z][a-z]+)))"
)
# A capitalised name with no honorific, said of a person: "Andi Pratama, a trader, …",
# "Andi Pratama has been a member …", "anggota bernama Andi".
_PERSON = re.compile(
    r"\b([A-Z][a-z]+(?:\s+[A-Z][a-z]+){1,2})(?=\s*,\s*(?:a|an|seorang)\s|\s+(?:is|was|has\s+been|"
    r"adalah|merupakan|telah\s+menjadi|sudah\s+menjadi|menjadi)\s+"
    r"(?:a|an|seorang|anggota|member)\b)"
)
_FIRST_NAME = re.compile(
    r"(?:^|(?<=[.!?]\s)|(?<=\n))([A-Z][a-z]+)(?=\s+(?:has\s+been\s+a\s+member|is\s+a\s+member|"
    r"joined|became\s+a\s+member|tercatat\s+(?:memiliki|sebagai)|telah\s+menjadi\s+anggota|"
    r"sudah\s+menjadi\s+anggota|menjadi\s+anggota|bergabung|works\s+as|bekerja\s+sebagai|"
    r"berprofesi|berusia|is\s+\d+\s+years?\s+old)\b)"
)
_POSSESSIVE_NAME = re.compile(
    r"\b([A-Z][a-z]+)['’]s\s+(?:application|loan|request|record|income|savings|file|membership|"
    r"repayment|history|character|occupation|age)\b"
)
_NAMED_AS = re.compile(
    r"\b(?:[Nn]amed|[Cc]alled|[Bb]ernama|[Aa]tas\s+nama|a\.n\.)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)*)"
)
_NOT_NAMES = frozenset(
    {"Anggota", "Pemohon", "Debitur", "Nasabah", "Kota", "Member", "Applicant", "Borrower"}
    | {"Rp", "Yang", "The", "Ini", "Itu"}
    | {"He", "She", "They", "It", "This", "Ia", "Dia", "Beliau", "Mereka", "Anggotanya"}
)

# Occupation words, each with the groups it names. A member's own occupation allows its
# groups; a word naming any other group contradicts it.
_OCCUPATIONS: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = tuple(
    (re.compile(rf"\b(?:{words})\b", re.IGNORECASE), frozenset(groups.split()))
    for words, groups in (
        (
            r"pedagang|berdagang|berjualan|pemilik\s+(?:warung|toko|kios)|trader|merchant|"
            r"shopkeeper|shop\s+owner|stall\s+(?:owner|holder)|vendor|"
            r"(?:membuka|mengelola|punya|memiliki|menjaga)\s+(?:sebuah\s+)?"
            r"(?:warung|toko|kios|lapak)|"
            r"(?:runs?|running|owns?|keeps?)\s+an?\s+(?:small\s+|little\s+)?(?:\w+\s+)?"
            r"(?:shop|stall|store|kiosk|warung)",
            "trader",
        ),
        (r"wiraswasta|wirausaha(?:wan)?|pengusaha|entrepreneur|self-employed", "self_employed"),
        (r"pns|asn|pegawai\s+negeri(?:\s+sipil)?|civil\s+servant|aparatur\s+sipil", "civil"),
        (r"tni|polri|polisi|tentara|prajurit|soldier|police\s*(?:officer|man)?", "uniformed"),
        (r"karyawan\s+swasta|pegawai\s+swasta|private[-\s]sector\s+employee", "private"),
        (r"karyawan|pegawai|employee", "employee"),
        (
            r"petani|pekebun|peternak|bertani|bercocok\s+tanam|farmer|grower|farms\s+for|"
            r"menggarap\s+(?:sawah|ladang|kebun|lahan)|berkebun|"
            r"(?:works?|working|tills?|farms?)\s+(?:the\s+|his\s+|her\s+|their\s+)?"
            r"(?:land|fields?|rice\s+fields?|paddy|farm)\b",
            "farmer",
        ),
        (
            r"nelayan|fisherman|fishermen|fisher|melaut|(?:mencari|menangkap)\s+ikan|"
            r"(?:goes|going)\s+(?:out\s+)?fishing|fishing\s+for\s+a\s+living",
            "fisher",
        ),
        (r"buruh|laborer|labourer|tukang", "laborer"),
        (
            r"guru|dosen|(?:tenaga\s+)?pendidik|pengajar|mengajar|teacher|lecturer|educator|"
            r"tutor|teach(?:es|ing)\s+(?:at|in)",
            "teacher",
        ),
        (r"sopir|supir|pengemudi|ojek|taxi\s+driver", "driver"),
        (r"pensiunan|purnawirawan|retired|retiree|pensioner", "retired"),
        (r"ibu\s+rumah\s+tangga|housewife|homemaker", "homemaker"),
        (r"mahasiswa|pelajar|student", "student"),
        (r"dokter|bidan|perawat|apoteker|doctor|nurse|midwife|pharmacist", "health"),
        (r"buruh\s+pabrik|pekerja\s+pabrik|factory\s+(?:worker|hand)|operator\s+pabrik", "factory"),
        (r"penjahit|tailor|seamstress|dressmaker", "tailor"),
        (r"mekanik|montir|bengkel|mechanic", "mechanic"),
        (r"tukang\s+kayu|carpenter|tukang\s+batu|mason|bricklayer|kuli\s+bangunan", "builder"),
        (r"tukang\s+(?:listrik|las)|electrician|welder", "tradesman"),
        (r"pengrajin|perajin|artisan|craftsman|craftswoman", "artisan"),
        (r"satpam|security\s+guard|penjaga\s+keamanan", "security"),
        (
            r"kurir|courier|ojol|ojek\s+online|(?:truck|bus|online|ride-hailing)\s+driver|"
            r"(?:drives?|driving)\s+an?\s+(?:truck|taxi|bus|minibus|angkot)|menyopir|"
            r"narik\s+(?:ojek|angkot)",
            "driver",
        ),
        (r"koki|juru\s+masak|cook|chef", "cook"),
        (r"pelayan|waiter|waitress", "waiter"),
        (r"tukang\s+cukur|pemangkas\s+rambut|barber|hairdresser|penata\s+rambut", "barber"),
        (r"akuntan|accountant|bookkeeper", "accountant"),
        (r"pengacara|advokat|lawyer|notaris|notary", "legal"),
        (r"insinyur|engineer|programmer|software\s+developer", "engineer"),
        (r"seniman|musisi|artist|musician|photographer|fotografer", "artist"),
    )
)
# Phrases that state an occupation, whatever the word: an occupation named so that cde
# does not know it still has to be the member's.
_OCCUPATION_CLAIM = re.compile(
    r"\b(?:bekerja|berprofesi|berusaha|bermata\s+pencaharian)\s+sebagai\s+(?:seorang\s+)?"
    r"(?P<id>[a-z][\w-]*(?:\s+[a-z][\w-]*)?)|"
    r"\b(?:works?|working|worked|employed|earns?\s+(?:a\s+)?(?:living|income))\s+as\s+"
    r"(?:an?\s+)?(?P<en>[a-z][\w-]*(?:\s+[a-z][\w-]*)?)|"
    r"\ban?\s+(?P<trade>[a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+by\s+(?:trade|profession)\b",
    re.IGNORECASE,
)
# What each group is also (a trader is self-employed; a civil servant is an employee).
_BROADER = {
    "trader": {"self_employed"},
    "farmer": {"self_employed"},
    "fisher": {"self_employed"},
    "civil": {"employee"},
    "uniformed": {"employee", "civil"},
    "private": {"employee"},
    "laborer": {"employee"},
    "teacher": {"employee"},
    "health": {"employee"},
    "factory": {"employee", "laborer"},
    "tailor": {"self_employed"},
    "mechanic": {"self_employed"},
    "builder": {"laborer"},
    "tradesman": {"laborer"},
    "artisan": {"self_employed"},
    "security": {"employee"},
    "cook": {"employee"},
    "waiter": {"employee"},
    "barber": {"self_employed"},
    "accountant": {"employee"},
    "legal": {"self_employed"},
    "engineer": {"employee"},
    "artist": {"self_employed"},
}


_ANY_OCCUPATION = re.compile("|".join(f"(?:{p.pattern})" for p, _ in _OCCUPATIONS), re.IGNORECASE)
_ANY_GENDERED = re.compile(f"(?:{_MALE.pattern})|(?:{_FEMALE.pattern})", re.IGNORECASE)


def _groups(words: str) -> set[str]:
    found: set[str] = set()
    for pattern, groups in _OCCUPATIONS:
        if pattern.search(words):
            found |= groups
    for g in list(found):
        found |= _BROADER.get(g, set())
    return found


def _negated(sentence: str, match: re.Match[str]) -> bool:
    before = [w.lower() for w in _WORD.findall(sentence[: match.start()])]
    return not _NEGATORS.isdisjoint(before[-4:])


def _not_about_the_loan(sentence: str, match: re.Match[str]) -> bool:
    """``harus disetujui oleh komite``: an approval still to come, or the committee's."""
    before = [w.lower() for w in _WORD.findall(sentence[: match.start()])]
    if not _DEONTIC.isdisjoint(before[-2:]):
        return True
    plain = match.group(0).lower() in ("disetujui", "approved")  # not "layak disetujui"
    return plain and bool(_BY_COMMITTEE.match(sentence, match.end()))


_SELF_NEGATED = re.compile(r"(?:tidak|tak|belum|cannot|can't|not)\b", re.IGNORECASE)


def _outcome_problems(
    field: str, sentence: str, g: Grounds, out: list[Violation], asked: bool = False
) -> None:
    words = {w.lower() for w in _WORD.findall(sentence)}
    if not _CONDITIONAL.isdisjoint(words):
        return  # "could be approved if …" states a possibility
    approves = declines = False
    for m in _APPROVE.finditer(sentence):
        if _not_about_the_loan(sentence, m):
            continue
        if _negated(sentence, m):
            declines = True
        else:
            approves = True
    for m in _DECLINE.finditer(sentence):
        # a decline that holds its own negation ("belum dapat disetujui") is not turned
        # round by a negation earlier in the sentence ("karena KYC belum dilakukan, …")
        if _negated(sentence, m) and not _SELF_NEGATED.match(m.group(0)):
            approves = True
        else:
            declines = True
    said = sentence.strip()
    if g.outcome == Outcome.DECLINE and approves:
        out.append(Violation("outcome", field, said, "the engine declined the application"))
    elif g.outcome != Outcome.DECLINE and declines and not approves and not asked:
        # (declining the term or amount asked is what an approval on other terms does)
        # "not approved as asked, but approved with conditions" is an approval
        out.append(Violation("outcome", field, said, f"the engine's outcome is {g.outcome}"))
    if g.has_conditions and approves and _UNCONDITIONAL.search(sentence):
        out.append(Violation("outcome", field, said, "the engine approves only with conditions"))
    elif g.outcome == Outcome.APPROVE and approves and _CONDITIONED.search(sentence):
        out.append(Violation("outcome", field, said, "the engine approves without conditions"))


_REQUEST_WORDS = re.compile(
    r"\b(?:diajukan|diminta|dimohonkan|requested|asked\s+for|as\s+asked)\b", re.IGNORECASE
)


def _declines_the_request(sentence: str, mentions: list[Mention], g: Grounds) -> bool:
    """ "Tenor 10 bulan yang diajukan tidak dapat direkomendasikan": the term or amount asked
    refused, when the engine approves another — not the application declined."""
    if not _REQUEST_WORDS.search(sentence):
        return False
    plafon_changed = g.plafon != g.requested_plafon
    tenure_changed = g.tenure != g.requested_tenure
    return any(
        (m.kind == "money" and plafon_changed and _close(m, Decimal(g.requested_plafon)))
        or (m.kind in ("months", "years") and tenure_changed and _in_months(m, g.requested_tenure))
        for m in mentions
    )


def _as_requested(sentence: str, m: Mention, start: int) -> bool:
    """Whether ``m`` is stated as what the member asked for (``diajukan``, ``requested``)
    rather than recommended (``we recommend approving the full Rp 74 juta requested``)."""
    at = m.start - start
    for cue in _RECOMMENDING.finditer(sentence, max(0, at - 40), at):
        if not _negated(sentence, cue):
            return False
    return bool(_REQUEST_BEFORE.search(sentence, max(0, at - 40), at)) or bool(
        _REQUEST_AFTER.match(sentence, m.end - start)
    )


def _terms_problems(
    field: str,
    sentence: str,
    start: int,
    mentions: list[Mention],
    g: Grounds,
    out: list[Violation],
    approving_text: bool,
) -> None:
    """A sentence that recommends, approves or changes the terms — or a memo line labelled
    with the amount or term (``| Plafon | … |``) in a text that approves — must give the
    engine's plafon and tenor, not the requested ones or any other figure in their place."""
    if g.outcome == Outcome.DECLINE:
        return
    recommends = any(not _negated(sentence, m) for m in _RECOMMENDING.finditer(sentence))
    labelled = approving_text and bool(_TERMS_LINE.match(sentence))
    if not (recommends or labelled or _CHANGES.search(sentence) or _KEPT.search(sentence)):
        return
    money = [m for m in mentions if m.kind == "money"]
    terms = [m for m in mentions if m.kind in ("months", "years")]
    _term_problems(
        field, sentence, start, money, _PLAFON_CUE, g.plafon, g.requested_plafon, "plafon", out
    )
    _term_problems(
        field, sentence, start, terms, _TENOR_CUE, g.tenure, g.requested_tenure, "tenure", out
    )


_TO = re.compile(r"\b(?:to|menjadi|ke)\s*$", re.IGNORECASE)
_AMOUNT_NOUN = re.compile(
    r"\b(?:plafond?|amount|request|loan|pinjaman|permohonan|pengajuan|jumlah)\b", re.IGNORECASE
)
_OTHER_NOUN = re.compile(
    r"\b(?:angsuran|cicilan|instal(?:l)?ments?|tenor|term|DSR|income|penghasilan|agunan|"
    r"collateral|jaminan|tabungan|savings|value|nilai|capacity|kapasitas)\b",
    re.IGNORECASE,
)


def _changed_to_problems(
    field: str, sentence: str, start: int, mentions: list[Mention], g: Grounds, out: list[Violation]
) -> None:
    """ "The plafon is brought down from Rp 75,5 juta to Rp 53,2 juta", "trims the request by
    Rp 31,9 juta, to Rp 43,6 juta": the amount the plafon is changed *to* is the engine's."""
    for m in mentions:
        at = m.start - start
        if m.kind != "money" or not _TO.search(sentence, max(0, at - 10), at):
            continue
        clause = sentence.rfind(";", 0, at) + 1
        nouns = list(_AMOUNT_NOUN.finditer(sentence, clause, at))
        if not nouns or _OTHER_NOUN.search(sentence, nouns[-1].end(), at):
            continue
        if _A_LIMIT.search(sentence, nouns[-1].end(), at) or _close(m, Decimal(g.plafon)):
            continue
        out.append(Violation("plafon", field, m.text, f"the recommended plafon is {_rp(g.plafon)}"))


_STATED_TERM = re.compile(
    r"\b(?:tenor|jangka\s+waktu(?:\s+(?:pinjaman|kredit))?|term|tenure|(?:spread|repaid|"
    r"repayable|paid\s+back)\s+over|(?:dicicil|diangsur|dilunasi)\s+(?:selama|dalam))"
    r"(?:\s+(?:is|of|adalah|pinjaman|loan|selama|menjadi|:))*\s*:?\s*$",
    re.IGNORECASE,
)


def _stated_term_problems(
    field: str, sentence: str, start: int, mentions: list[Mention], g: Grounds, out: list[Violation]
) -> None:
    """ "Jangka waktu pinjaman 4 tahun", "spread over six years": a term stated as the
    loan's must be the engine's (or the one asked)."""
    for m in mentions:
        at = m.start - start
        hit = _STATED_TERM.search(sentence, max(0, at - 40), at)
        if m.kind not in ("months", "years") or hit is None:
            continue
        near = sentence[hit.start() : min(len(sentence), m.end - start + 20)]
        around = sentence[max(0, hit.start() - 30) : min(len(sentence), m.end - start + 20)]
        if _A_LIMIT.search(near) or _OTHER_LOANS.search(around) or _REQUEST_WORDS.search(around):
            continue
        if any(
            _in_months(m, term) and (m.kind != "years" or m.value * 12 == term)
            for term in (g.tenure, g.requested_tenure)
        ):
            continue  # the engine's term, or the one asked
        if _HEDGE.search(sentence, max(0, at - 20), at) and _in_months(m, g.tenure):
            continue
        out.append(Violation("tenure", field, m.text, f"the recommended term is {g.tenure} months"))


_NOT_THESE_TERMS = re.compile(
    r"\b(?:dari|from|instead|bukan|rather|compared|dibanding\w*|semula|originally|initially)\b",
    re.IGNORECASE,
)


def _instalment_problems(
    field: str, sentence: str, start: int, mentions: list[Mention], g: Grounds, out: list[Violation]
) -> None:
    """In a sentence giving the recommended terms, the instalment that follows them is the
    recommended loan's, not the requested one's (``Rp 14,4 juta selama 45 bulan dengan
    angsuran Rp 2,5 juta`` when Rp 2,5 juta is the instalment of the Rp 74 juta asked for)."""

    def recommended(m: Mention) -> bool:
        if m.kind == "money":
            return g.plafon != g.requested_plafon and _close(m, Decimal(g.plafon))
        if m.kind in ("months", "years"):
            return g.tenure != g.requested_tenure and _in_months(m, g.tenure)
        return False

    def requested(m: Mention) -> bool:
        if m.kind == "money":
            return g.plafon != g.requested_plafon and _close(m, Decimal(g.requested_plafon))
        if m.kind in ("months", "years"):
            return g.tenure != g.requested_tenure and _in_months(m, g.requested_tenure)
        return False

    for cue in _INSTALMENT_CUE.finditer(sentence):
        at = start + cue.end()
        said = next((m for m in mentions if m.kind == "money" and at <= m.start <= at + 40), None)
        if (
            said is None
            or _close(said, Decimal(g.installment))
            or not _close(said, Decimal(g.requested_installment))
            or _as_requested(sentence, said, start)
            or _NOT_THESE_TERMS.search(sentence, cue.end(), said.start - start)
        ):
            continue  # "angsuran turun dari Rp 13,34 juta menjadi …": the old one
        before = [m for m in mentions if m.end <= start + cue.start()]
        terms = [i for i, m in enumerate(before) if recommended(m)]
        if not terms or any(requested(m) for m in before[terms[-1] + 1 :]):
            continue
        between = sentence[before[terms[-1]].end - start : cue.start()]
        if _NOT_THESE_TERMS.search(between) or _OTHER_LOANS.search(between):
            continue
        detail = (
            f"the recommended loan's instalment is {_rp(g.installment)}"
            f" ({_rp(g.requested_installment)} is the requested loan's)"
        )
        out.append(Violation("number", field, said.text, detail))


_HEDGE = re.compile(
    r"\b(?:sekitar|kurang\s+lebih|hampir|lebih\s+dari|kira-kira|sekira|about|around|nearly|"
    r"almost|roughly|approximately|some|just\s+(?:over|under)|more\s+than|less\s+than)\s*$|"
    r"[~±]\s*$",
    re.IGNORECASE,
)


def _in_months(m: Mention, months: int) -> bool:
    if m.kind != "years":
        return _close(m, Decimal(months))
    return abs(m.value * 12 - months) <= (m.precision / 2 + _EPSILON) * 12


def _term_problems(
    field: str,
    sentence: str,
    start: int,
    said: list[Mention],
    cue: re.Pattern[str],
    decided: int,
    requested: int,
    kind: ViolationKind,
    out: list[Violation],
) -> None:
    detail = f"the recommended {kind} is {_term(kind, decided)}"

    def same(m: Mention, value: int) -> bool:
        if kind != "tenure":
            return _close(m, Decimal(value))
        if m.kind == "years" and m.precision >= 1:
            # A term is a contract's exact number of months: "2 tahun" is 24, not 18 —
            # unless the text says it rounds ("sekitar 2 tahun", "almost 4 years").
            at = m.start - start
            if not _HEDGE.search(sentence, max(0, at - 20), at):
                return m.value * 12 == value
        return _in_months(m, value)

    if kind == "tenure":
        _restated_term_problems(field, sentence, start, said, out)
    # the clause (between semicolons) that states the engine's figure is right; another
    # clause of the sentence may still give a wrong one ("asked Rp 70 juta; the recommended
    # amount is Rp 44,75 juta")
    clauses = _clauses(sentence)
    right = {
        i
        for i, (a, b) in enumerate(clauses)
        for m in said
        if a <= m.start - start < b and same(m, decided)
    }
    if len(right) == len(clauses):
        return
    named = cue.search(sentence)
    if requested != decided and named and not right:
        kept = _KEPT.search(sentence)
        if kept and any(
            abs(c.start() - kept.end()) <= 30 or abs(kept.start() - c.end()) <= 30
            for c in cue.finditer(sentence)
        ):
            out.append(Violation(kind, field, sentence.strip(), detail))  # "stays as requested"
            return
    for m in said:
        at = m.start - start
        if any(a <= at < b for i, (a, b) in enumerate(clauses) if i in right):
            continue
        if _as_requested(sentence, m, start) or _FROM.search(sentence, max(0, at - 8), at):
            continue
        requested_again = requested != decided and same(m, requested)
        after_cue = any(
            c.end() <= at <= c.end() + 40 and not _A_LIMIT.search(sentence, c.end(), at)
            for c in cue.finditer(sentence)
        )
        if requested_again or after_cue:
            out.append(Violation(kind, field, m.text, detail))


def _clauses(sentence: str) -> list[tuple[int, int]]:
    bounds = [0] + [i + 1 for i, ch in enumerate(sentence) if ch == ";"] + [len(sentence) + 1]
    return list(pairwise(bounds))


_RESTATED = re.compile(
    r"\s*(?:,|—|–|-|\(|atau|or|i\.e\.|yaitu|yakni|alias)\s*(?:about\s+|sekitar\s+)?$", re.I
)


def _restated_term_problems(
    field: str, sentence: str, start: int, said: list[Mention], out: list[Violation]
) -> None:
    """A term restated in whole years must be the same term: "36 bulan atau dua tahun",
    "36 months — four years" (36 months are three years)."""
    for a, b in pairwise(said):
        if a.kind != "months" or b.kind != "years" or b.precision < 1:
            continue
        if not _RESTATED.fullmatch(sentence, a.end - start, b.start - start):
            continue
        if _HEDGE.search(sentence, max(0, b.start - start - 20), b.start - start):
            continue
        if b.value * 12 != a.value:
            detail = f"{a.text} is {a.value / 12:g} years, not {b.text}"
            out.append(Violation("tenure", field, b.text, detail))


def _age_problems(
    field: str, text: str, mentions: list[Mention], g: Grounds, out: list[Violation]
) -> None:
    """An age is the first number after ``usia``/``age`` (within a few words), a number of
    years followed by ``old`` (``48-year-old``), or ``at 47`` in a sentence about age."""
    claimed: dict[int, Mention] = {}
    for cue in _AGE_CUE.finditer(text):
        after = [m for m in mentions if cue.end() <= m.start <= cue.end() + 25]
        if (
            after
            and after[0].kind in ("years", "plain")
            and not _AS_STATED.search(text, max(0, cue.start() - 15), after[0].start)
            and not _SENTENCE_END.search(text, cue.end(), after[0].start)
        ):
            claimed[after[0].start] = after[0]
    for m in mentions:
        if m.kind in ("plain", "years") and _PERSON_IS.search(text, max(0, m.start - 30), m.start):
            claimed[m.start] = m  # "He is fifty-eight and works as …"
            continue
        years_old = m.kind == "years" and (
            m.text.lower().endswith("old") or bool(_OLD.match(text, m.end))
        )
        at_age = (
            m.kind == "plain"
            and bool(_AT.search(text, max(0, m.start - 6), m.start))
            and bool(_AGE_CUE.search(text, m.end, m.end + 80))
        )
        if years_old or at_age:
            claimed[m.start] = m
    for m in claimed.values():
        if g.age is None:
            out.append(Violation("age", field, m.text, "the member's age is not known"))
            continue
        allowed = {g.age}
        if g.age_at_maturity is not None and _AT_MATURITY.search(
            text, max(0, m.start - 60), m.end + 40
        ):
            allowed.add(g.age_at_maturity)
        if _A_LIMIT.search(text, max(0, m.start - 25), m.start):
            allowed |= g.age_limits
        if not any(_close(m, Decimal(a)) for a in allowed):
            out.append(Violation("age", field, m.text, f"the member is {g.age} years old"))
    for born in _BORN.finditer(text):
        out.append(Violation("age", field, born.group(0), "no date of birth was given"))
    for decade in _DECADE.finditer(text):  # "in their mid-forties", "usia 40-an"
        part, english, indonesian, digit = decade.groups()
        tens = _DECADES[(english or indonesian).lower()] if english or indonesian else int(digit)
        units = _PART_OF_DECADE.get((part or "").lower(), range(10))
        if g.age is None or g.age // 10 != tens or g.age % 10 not in units:
            known = f"the member is {g.age} years old" if g.age else "the age is not known"
            out.append(Violation("age", field, decade.group(0), known))


def _labelled(g: Grounds) -> tuple[tuple[re.Pattern[str], str, tuple[Decimal, ...], str], ...]:
    """Figures a narrative names: (cue, kind of figure, what it may be, what the engine says)."""
    rate = format(g.rate_pct.normalize(), "f")
    rules: list[tuple[re.Pattern[str], str, tuple[Decimal, ...], str]] = [
        (_RATE_CUE, "percent", (g.rate_pct,), f"the loan's interest rate is {rate}%"),
        (
            _INSTALMENT_CUE,
            "money",
            (Decimal(g.installment), Decimal(g.requested_installment)),
            f"the instalment is {_rp(g.installment)} (asked: {_rp(g.requested_installment)})",
        ),
    ]
    if g.dsr_pct is not None:
        rules.append((_DSR_CUE, "percent", (g.dsr_pct,), f"the member's DSR is {g.dsr_pct}%"))
    for cue, values in g.ratios:
        shown = " or ".join(f"{v}%" for v in values)
        rules.append((_compiled(cue), "percent", values, f"the {_RATIO_NAMES[cue]} is {shown}"))
    return tuple(rules)


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _labelled_problems(
    field: str, text: str, mentions: list[Mention], g: Grounds, out: list[Violation]
) -> None:
    """A figure given as the loan's rate, the member's DSR or the instalment must be that
    one — not the policy's ceiling or limit, the rate assumed for other loans, the current
    instalments or the affordable one, all of which are facts too."""
    for cue_pattern, kind, allowed, detail in _labelled(g):
        for cue in cue_pattern.finditer(text):
            after = [m for m in mentions if cue.end() <= m.start <= cue.end() + 40]
            said = next((m for m in after if m.kind == kind), None)
            if said is None or any(_close(said, value) for value in allowed):
                continue
            begins = _clause_start(text, cue.start())
            if (
                _SENTENCE_END.search(text, cue.end(), said.start)  # another sentence's
                or _A_LIMIT.search(text, max(0, cue.start() - 15), said.start)
                or _COMPARED.search(text, cue.end(), said.start)  # "DSR above 50%"
                or _NOT_IT.search(text, max(0, cue.start() - 20), cue.start())
                or _OTHER_LOANS.search(text, begins, said.start)
                or _DELTA.search(text, cue.end(), said.start)  # "falls by Rp 1,69 juta"
            ):
                continue
            out.append(Violation("number", field, said.text, detail))


def _rp(value: Decimal | int) -> str:
    """An amount for a violation's detail: ``Rp 2,875,490``."""
    return f"Rp {int(value):,}"


def _term(kind: str, value: int) -> str:
    return _rp(value) if kind == "plafon" else f"{value} months"


@functools.lru_cache(maxsize=32)
def _clause_bounds(text: str) -> tuple[int, ...]:
    """Where the clauses of ``text`` begin: after each sentence end and semicolon."""
    ends = {e.end() for e in _SENTENCE_END.finditer(text)}
    ends |= {i + 1 for i, ch in enumerate(text) if ch == ";"}
    return (0, *sorted(ends))


def _clause_start(text: str, at: int) -> int:
    """Where the clause holding ``at`` begins: after the last sentence end or semicolon."""
    bounds = _clause_bounds(text)
    return bounds[bisect_right(bounds, at) - 1]


def _clause_end(text: str, at: int) -> int:
    found = [i for i in (text.find(";", at), text.find(",", at)) if i >= 0]
    sentence = _SENTENCE_END.search(text, at)
    if sentence is not None:
        found.append(sentence.start())
    return min(found, default=len(text))


# Roles a narrative gives an amount by naming it, beyond the rate, DSR and instalment: the
# member's income, the repayment capacity, a monthly deficit, the number of active loans.
# A figure so named must be that figure — not another engine fact of the same kind.
_INCOME_CUE = re.compile(
    r"\b(?:penghasilan|pendapatan|income|gaji|salary|earn(?:s|ing)?)\b", re.IGNORECASE
)
# "sisa penghasilan", "disposable income", "income left after …": another figure
_NOT_THE_INCOME_BEFORE = re.compile(
    r"\b(?:sisa|disposable|net|remaining|residual|spare|free|rasio|ratio|kali|times|to)\s*$",
    re.IGNORECASE,
)
_ANOTHER_AMOUNT = re.compile(
    r"\b(?:bersih|tersisa|sisa|setelah|sesudah|after|left|remaining|minus|dikurangi|less|net|"
    r"pengeluaran|biaya|expenses?|spending|costs?|angsuran|cicilan|instal(?:l)?ments?|"
    r"pinjaman|loans?|plafond?|tabungan|savings?|simpanan|deposits?|agunan|jaminan|"
    r"collateral|DSR|kapasitas|capacity|kemampuan|debt|utang|hutang|outstanding|"
    r"leaves?|leaving|menyisakan|shortfall|deficit|defisit|surplus|gap|short|kurang|"
    r"covers?|menutup)\b",
    re.IGNORECASE,
)
# "counted at", "dihitung sebesar": the figure the engine counts (not "(Rp 12m used)")
_COUNTED = re.compile(
    r"\b(?:counted|dihitung|diperhitungkan|taken|diambil|used|dipakai|digunakan)"
    r"(?:\s+(?:at|as|dari|sebesar|pada|sejumlah|on)\b|\s*$)",
    re.IGNORECASE,
)
_EXPENSES_CUE = re.compile(r"\b(?:pengeluaran|expenses?|biaya\s+hidup|spending)\b", re.IGNORECASE)
_NOT_THE_EXPENSES = re.compile(
    r"\b(?:angsuran|cicilan|instal(?:l)?ments?|pinjaman|loans?|penghasilan|pendapatan|income|"
    r"sisa|left|remaining|leaves?|menyisakan|plafond?|DSR|tabungan|savings?)\b",
    re.IGNORECASE,
)
# the income left after expenses (and instalments): "sisa penghasilan Rp …", "… is left"
_LEFT_CUE = re.compile(
    r"\b(?:sisa\s+penghasilan|penghasilan\s+(?:bersih|tersisa)|disposable\s+income|"
    r"income\s+left(?:\s+over)?|net\s+income|menyisakan)\b",
    re.IGNORECASE,
)
_LEFT_AFTER = re.compile(
    r"\s*(?:(?:a|per|each|every)\s+month\s+|sebulan\s+|per\s+bulan\s+)?(?:is\s+|are\s+)?"
    r"(?:left|tersisa)\b",
    re.IGNORECASE,
)
_NOT_THE_LEFT = re.compile(
    r"\b(?:kapasitas|capacity|kemampuan|angsuran|cicilan|instal(?:l)?ments?|shortfall|deficit|"
    r"defisit|minus|DSR|60\s*%)\b",
    re.IGNORECASE,
)
_RECOGNISED_AT = re.compile(r"\s*(?:at|sebesar|senilai|pada|:)?\s*", re.IGNORECASE)
_NOT_RECOGNISED = re.compile(
    r"\b(?:covers?|menutup|cakupan|coverage|requested|diminta|permohonan|pengajuan|tenor|term|"
    r"angsuran|cicilan|instal(?:l)?ments?|plafond?|amount|pinjaman|loan)\b",
    re.IGNORECASE,
)
_RECOGNISED_CUE = re.compile(r"\b(?:diakui|recogni[sz]ed)\b", re.IGNORECASE)
_AS_DECLARED = re.compile(
    r"\b(?:declared|application|applicant|diajukan|pengajuan|pemohon|menurut|stated|requested|"
    r"diminta|form|formulir)\b",
    re.IGNORECASE,
)
_CAPACITY_CUE = re.compile(
    r"\b(?:repayment\s+capacity|capacity\s+to\s+(?:re)?pay|kemampuan\s+(?:mem)?bayar|"
    r"kemampuan\s+(?:meng)?angsur|kapasitas\s+(?:bayar|angsur(?:an)?|pembayaran|pelunasan)|"
    r"affordable\s+(?:instal(?:l)?ment|repayment|amount)|angsuran\s+(?:yang\s+)?"
    r"(?:terjangkau|sanggup\s+dibayar|mampu\s+dibayar)|can\s+afford)\b",
    re.IGNORECASE,
)
_DEFICIT_CUE = re.compile(
    r"(?:\b(?:minus|defisit|deficit|shortfall|negatif|negative)\b[^.;:\d]{0,25}\s*$|"
    r"(?:^|(?<=[\s(:=]))[-–−]$)",
    re.IGNORECASE,
)
_ACTIVE_AFTER = re.compile(
    r"\s*(?:(?:pinjaman|kredit|fasilitas|loans?|facilities|credit\s+lines?)\s+)?"
    r"(?:(?:di\s+antaranya|of\s+which|of\s+them)\s+)?(?:yang\s+|that\s+are\s+|are\s+)?"
    r"(?:masih\s+|still\s+|currently\s+)?(?:aktif|active|berjalan|outstanding)\b",
    re.IGNORECASE,
)
_ACTIVE_BEFORE = re.compile(
    r"\b(?:pinjaman|kredit|fasilitas|loans?|facilities)\s+(?:yang\s+)?(?:masih\s+)?"
    r"(?:aktif|active|berjalan)\s*(?::|sebanyak|berjumlah|totalling|numbering|=)?\s*$",
    re.IGNORECASE,
)
_OF_ALL = re.compile(
    r"\b(?:of|dari|among|out\s+of)\s+(?:(?:his|her|their|the|its|total|a\s+total\s+of|"
    r"seluruh|semua|total)\s+)?$",
    re.IGNORECASE,
)
_CONJUNCTION = re.compile(r"\b(?:and|dan|serta|while|sedangkan|whereas)\b", re.IGNORECASE)
_SAVINGS_AFTER = re.compile(
    r"\s+(?:in\s+(?:(?:his|her|their|the)\s+)?(?:(?:active|current|voluntary)\s+)?"
    r"(?:savings|a\s+savings\s+account)|"
    r"(?:di|dalam)\s+tabungan)\b",
    re.IGNORECASE,
)
_DEPOSITS_AFTER = re.compile(
    r"\s+(?:in\s+(?:(?:his|her|their|the)\s+)?(?:(?:active|current)\s+)?(?:time\s+)?deposits?|"
    r"(?:di|dalam)\s+deposito)\b",
    re.IGNORECASE,
)
# the overall grade: "overall score 69/100, grade C", "grade keseluruhan B"
_OVERALL_GRADE = re.compile(
    r"\b(?:overall|keseluruhan|akhir|final|total)\b[^.;()]{0,30}?\bgrade\s+([A-E])\b|"
    r"\bgrade\s+(?:keseluruhan|akhir|overall)\s+(?:adalah\s+|is\s+)?([A-E])\b",
    re.IGNORECASE,
)
# the loan quality class: "kol-4", "kolektibilitas 4", "class 4", "kelas 4"
_KOL_CLASS = re.compile(
    r"\b(?:kol(?:ektibilitas)?|kolek)[-\s]?([1-5])\b|\b(?:class|kelas)\s+([1-5])\b(?=\s*\))?", re.I
)
_KOL_RANGE = re.compile(
    r"\s*(?:\+|ke\s+atas|atau\s+lebih(?:\s+buruk)?|or\s+(?:worse|above|higher)|"
    r"and\s+(?:above|worse)|"
    r"hingga|sampai|to|-|–)",
    re.IGNORECASE,
)
_ON_RECORD = re.compile(
    r"\s*(?:loans?|pinjaman|fasilitas|kredit|credits?)\s+(?:on\s+record|in\s+(?:total|all)|"
    r"tercatat|(?:dalam|di)\s+riwayat|in\s+(?:his|her|their|the)\s+(?:history|record)|"
    r"(?:sepanjang|selama)\s+(?:keanggotaan|riwayat)|so\s+far|to\s+date|sejauh\s+ini)\b",
    re.IGNORECASE,
)
_MORE_THAN = re.compile(r"\b(?:more|fewer|less)\s+than\b|\bhingga\b", re.IGNORECASE)
_A_LIMIT_AFTER = re.compile(
    r"\b(?:allowed|permitted|diizinkan|dibolehkan|diperbolehkan|limit|batas|maksimum|maksimal|"
    r"policy|kebijakan)\b",
    re.IGNORECASE,
)


def _named_amount(
    text: str,
    cue: re.Match[str],
    mentions: list[Mention],
    kind: str,
    reach: int = 40,
) -> Mention | None:
    """The first ``kind`` figure after ``cue`` in its clause, if nothing between says it is
    another amount, a limit or a comparison."""
    said = next(
        (m for m in mentions if cue.end() <= m.start <= cue.end() + reach and m.kind == kind),
        None,
    )
    if said is None:
        return None
    between = text[cue.end() : said.start]
    if ";" in between or _SENTENCE_END.search(between):
        return None
    if _A_LIMIT.search(between) or _COMPARED.search(between) or _MORE_THAN.search(between):
        return None
    if _CONJUNCTION.search(between):
        return None  # "expenses in the same range and IDR 12.7m in instalments": another item
    return said


def _role_problems(
    field: str, text: str, mentions: list[Mention], g: Grounds, out: list[Violation]
) -> None:
    """Income, repayment capacity, deficit and active loans stated as something else."""
    stated_ranges = _ranges(text, mentions)
    range_highs = {b.start for _, b in stated_ranges}
    range_lows = {a.start for a, _ in stated_ranges}
    for cue in _INCOME_CUE.finditer(text):
        begins = _clause_start(text, cue.start())
        if _NOT_THE_INCOME_BEFORE.search(text, max(begins, cue.start() - 25), cue.start()):
            continue
        said = _named_amount(text, cue, mentions, "money")
        if said is None or _ANOTHER_AMOUNT.search(text, cue.end(), said.start):
            continue
        if _NOT_IT.search(text, max(0, cue.start() - 20), cue.start()):
            continue
        counted = _COUNTED.search(text, cue.end(), said.start)
        allowed = g.incomes[:1] if counted and said.start not in range_lows else g.incomes
        if not any(_close(said, v) for v in allowed):
            low, high = g.incomes[0], g.incomes[1]
            detail = (
                f"the member's stated income is {_rp(low)}-{_rp(high)} a month,"
                f" counted at {_rp(low)}"
            )
            out.append(Violation("number", field, said.text, detail))
    for cue in _EXPENSES_CUE.finditer(text):
        said = _named_amount(text, cue, mentions, "money")
        if said is None or _NOT_THE_EXPENSES.search(text, cue.end(), said.start):
            continue
        counted = _COUNTED.search(
            text, max(_clause_start(text, cue.start()), cue.start() - 60), said.start
        )
        counted = counted if said.start not in range_lows else None  # "Rp 3,1–3,6 juta"
        allowed = g.expenses[1:] if counted else g.expenses
        if g.expenses and not any(_close(said, v) for v in allowed):
            low, high = g.expenses
            detail = (
                f"the member's stated expenses are {_rp(low)}-{_rp(high)} a month,"
                f" counted at {_rp(high)}"
            )
            out.append(Violation("number", field, said.text, detail))
    left: list[tuple[re.Match[str] | None, Mention | None]] = [
        (c, _named_amount(text, c, mentions, "money")) for c in _LEFT_CUE.finditer(text)
    ]
    for m in mentions:
        if m.kind == "money" and _LEFT_AFTER.match(text, m.end):
            left.append((None, m))
    for named, said in left:
        if said is None or not g.left:
            continue
        if named is not None and _NOT_THE_LEFT.search(text, named.end(), said.start):
            continue
        if not any(_close(said, v) for v in g.left):
            shown = " / ".join(_rp(v) for v in g.left)
            detail = f"the income left each month is {shown} (before / after the new instalment)"
            out.append(Violation("number", field, said.text, detail))
    for cue in _RECOGNISED_CUE.finditer(text):
        said = _named_amount(text, cue, mentions, "money")
        if said is None or not g.recognised:
            continue
        if _NOT_RECOGNISED.search(text, cue.end(), said.start):
            continue  # "the recognised collateral covers 19.5% of the Rp 74 million requested"
        if _AS_DECLARED.search(
            text, max(_clause_start(text, cue.start()), cue.start() - 40), said.start
        ):
            continue
        if not any(_close(said, v) for v in g.recognised):
            detail = "the recognised values are " + ", ".join(
                _rp(v) for v in dict.fromkeys(g.recognised)
            )
            out.append(Violation("number", field, said.text, detail))
    for cue in _CAPACITY_CUE.finditer(text):
        said = _named_amount(text, cue, mentions, "money")
        if said is None or not g.capacities:
            continue
        if not any(_close(said, v) for v in g.capacities):
            detail = f"the repayment capacity is {_rp(g.capacities[0])} a month"
            out.append(Violation("number", field, said.text, detail))
    for m in mentions:
        if m.kind != "money" or m.start in range_highs:
            continue
        begins = _clause_start(text, m.start)
        minus = _DEFICIT_CUE.search(text, max(begins, m.start - 40), m.start)
        if minus is None:
            continue
        earlier = [p for p in mentions if p.kind == "money" and p.end <= minus.start()]
        if earlier and minus.start() - earlier[-1].end <= 12:
            continue  # "Rp 8 juta minus Rp 3 juta": arithmetic, not a deficit
        if not any(_close(m, v) for v in g.deficits):
            detail = (
                "the engine's shortfalls are " + ", ".join(_rp(v) for v in g.deficits)
                if g.deficits
                else "the engine found no shortfall"
            )
            out.append(Violation("number", field, m.text, detail))
    # "Rp 24 juta in savings and Rp 5,2 juta in deposits": the two balances, not swapped
    for after_pattern, allowed, what in (
        (_SAVINGS_AFTER, g.savings, "savings"),
        (_DEPOSITS_AFTER, g.deposits, "time deposits"),
    ):
        for said in mentions:
            if said.kind != "money" or not allowed or not after_pattern.match(text, said.end):
                continue
            if not any(_close(said, v) for v in allowed):
                shown = " / ".join(_rp(v) for v in allowed)
                out.append(Violation("number", field, said.text, f"the {what} are {shown}"))
    if g.grade:
        for graded in _OVERALL_GRADE.finditer(text):
            letter = graded.group(1) or graded.group(2)
            if letter.upper() != g.grade:
                detail = f"the overall grade is {g.grade}"
                out.append(Violation("number", field, graded.group(0), detail))
    for cue in _RECOGNISED_CUE.finditer(text):
        pct = next(
            (m for m in mentions if cue.end() <= m.start <= cue.end() + 12 and m.kind == "percent"),
            None,
        )
        if pct is None or not g.recognition_pcts:
            continue
        if not _RECOGNISED_AT.fullmatch(text, cue.end(), pct.start):
            continue  # "the recognised collateral covers 715%": another percentage
        if _AS_DECLARED.search(
            text, max(_clause_start(text, cue.start()), cue.start() - 40), pct.end
        ):
            continue
        if not any(_close(pct, v) for v in g.recognition_pcts):
            shown = ", ".join(f"{v}%" for v in dict.fromkeys(g.recognition_pcts))
            detail = f"the recognition the engine applies is {shown} (the declared one is not used)"
            out.append(Violation("number", field, pct.text, detail))
    if g.kolektibilitas is not None:
        for k in _KOL_CLASS.finditer(text):
            if _KOL_RANGE.match(text, k.end()) or _A_LIMIT.search(
                text, max(0, k.start() - 25), k.start()
            ):
                continue  # "kol-3 ke atas": the policy's threshold, not the member's class
            if int(k.group(1) or k.group(2)) != g.kolektibilitas:
                detail = f"the member's loan quality is class {g.kolektibilitas}"
                out.append(Violation("number", field, k.group(0), detail))
    if g.total_loans is not None:
        for i, m in enumerate(mentions):
            if m.kind != "plain" or m.value != m.value.to_integral_value():
                continue
            nxt = mentions[i + 1].start if i + 1 < len(mentions) else len(text)
            if _ON_RECORD.match(text, m.end, nxt) and m.value != g.total_loans:
                detail = f"the member has {g.total_loans} loans on record"
                out.append(Violation("number", field, m.text, detail))
    if g.active_loans is None:
        return
    for i, m in enumerate(mentions):
        if m.kind != "plain" or m.value != m.value.to_integral_value():
            continue
        nxt = mentions[i + 1].start if i + 1 < len(mentions) else len(text)
        follows = _ACTIVE_AFTER.match(text, m.end, nxt)
        begins = _clause_start(text, m.start)
        labelled = _ACTIVE_BEFORE.search(text, max(begins, m.start - 40), m.start)
        if follows is None and labelled is None:
            continue
        ahead = text[max(begins, m.start - 30) : m.start]
        if _OF_ALL.search(ahead):
            continue  # "18 of his 31 loans are still active": 31 is all of them
        if _A_LIMIT.search(ahead) or _COMPARED.search(ahead) or _MORE_THAN.search(ahead):
            continue
        if _A_LIMIT_AFTER.search(text, m.end, _clause_end(text, m.end)):
            continue
        if m.value != g.active_loans:
            detail = f"the member has {g.active_loans} active loans"
            out.append(Violation("number", field, m.text, detail))


def _person_problems(field: str, text: str, g: Grounds, out: list[Violation]) -> None:
    allowed = _groups(g.occupation or "")
    for m in _ANY_OCCUPATION.finditer(text):
        said = m.group(0)
        if g.occupation and said.lower() in g.occupation.lower():
            continue
        groups = next(gs for p, gs in _OCCUPATIONS if p.fullmatch(said))
        if not groups <= allowed:
            detail = (
                f"the member's occupation is {g.occupation!r}"
                if g.occupation
                else "the member's occupation is not known"
            )
            out.append(Violation("occupation", field, said, detail))
    for claim in _OCCUPATION_CLAIM.finditer(text):
        said = claim.group("id") or claim.group("en") or claim.group("trade") or ""
        known = g.occupation or ""
        if _groups(said) or (
            known and (said.lower() in known.lower() or known.lower() in said.lower())
        ):
            continue  # a known word (checked above) or the member's own
        detail = f"the member's occupation is {known!r}" if known else "the occupation is not known"
        out.append(Violation("occupation", field, claim.group(0), detail))
    for m in _ANY_GENDERED.finditer(text):
        gender = Gender.MALE if _MALE.fullmatch(m.group(0)) else Gender.FEMALE
        if g.gender == gender:
            continue
        detail = (
            "the member's gender is not recorded: write gender-neutrally"
            if g.gender is None
            else "this contradicts the member's recorded gender"
        )
        out.append(Violation("gender", field, m.group(0), detail))
    for m in _NAMED.finditer(text):
        if m.group(1) not in _NOT_NAMES:
            out.append(Violation("name", field, m.group(0), "no name was given: do not name"))
    for pattern in (_PERSON, _NAMED_AS, _FIRST_NAME, _POSSESSIVE_NAME):
        for m in pattern.finditer(text):
            words = m.group(1).split()
            if all(w in _NOT_NAMES or w.lower() in g.known_words for w in words):
                continue  # the engine's own words: a collateral, a purpose, a label
            out.append(Violation("name", field, m.group(1), "no name was given: do not name"))


def check(texts: Mapping[str, str], g: Grounds, lang: Lang) -> list[Violation]:
    """Every way ``texts`` (field → text) departs from the engine's facts."""
    out: list[Violation] = []
    for field, body in texts.items():
        mentions = _claims(body, find_mentions(body, lang))
        for m in mentions:
            if not _grounded(m, g, body) and not _complement(body, m, g):
                out.append(Violation("number", field, m.text, "no engine fact has this value"))
                _named_term(field, body, m, g, out)
        for low, high in _ranges(body, mentions):
            if _FROM.search(body, max(0, low.start - 8), low.start) and all(
                _grounded(m, g) for m in (low, high)
            ):
                continue  # "raises the instalment from Rp 143.771 to Rp 192.500": a change
            if low.kind == "money" and not any(
                _close(low, a) and _close(high, b) for a, b in g.money_ranges
            ):
                said = body[low.start : high.end]
                out.append(Violation("number", field, said, "the engine states no such range"))
        _age_problems(field, body, mentions, g, out)
        _labelled_problems(field, body, mentions, g, out)
        _role_problems(field, body, mentions, g, out)
        _person_problems(field, body, g, out)
        approving = any(not _negated(body, m) for m in _APPROVE.finditer(body))
        start = 0
        for end in [m.start() for m in _SENTENCE_END.finditer(body)] + [len(body)]:
            sentence = body[start:end]
            inside = [m for m in mentions if start <= m.start < end]
            if sentence.strip():
                asked = _declines_the_request(sentence, inside, g)
                _outcome_problems(field, sentence, g, out, asked)
                _terms_problems(field, sentence, start, inside, g, out, approving)
                if g.outcome != Outcome.DECLINE and g.plafon != g.requested_plafon:
                    _changed_to_problems(field, sentence, start, inside, g, out)
                if g.outcome != Outcome.DECLINE:
                    _stated_term_problems(field, sentence, start, inside, g, out)
                if g.outcome != Outcome.DECLINE and g.installment != g.requested_installment:
                    _instalment_problems(field, sentence, start, inside, g, out)
            start = end
    # one finding per words at fault and kind (a figure may break two rules at once)
    return list({(v.kind, v.field, v.text): v for v in out}.values())
