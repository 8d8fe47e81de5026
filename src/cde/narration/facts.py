"""The engine's facts, each with an id a model can reference instead of typing a figure.

A model writes ``{capacity.dsr_pct}`` and :func:`cde.narration.render.render` puts in
``DSR 4.525,73%``: every figure reaches the reader as the engine wrote it, with its label.
:func:`facts_of` lists the decision, the request, the five Cs (verdict, score, grade,
findings and every metric), the data-quality notes and the non-identifying applicant facts
(age, occupation, length of membership). :meth:`Facts.for_model` is what may be sent to a
model: never the NIK, the name, the customer or loan id, the date of birth or the gender;
messages whose parameters hold a date of birth or NIK digits are written with those
parameters withheld (:data:`WITHHELD_PARAMS`).

Each metric's unit and labels come from :data:`METRICS`; a metric key the table lacks is a
programming error (``KeyError``), which a unit test looks for on generated applications.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from cde.domain import text
from cde.domain.catalogue import CONDITION_TEXT, MESSAGES, QUALITY_MESSAGES, render
from cde.domain.decision import Outcome
from cde.domain.evaluation import Evaluation
from cde.domain.findings import FIVE_C, Severity
from cde.domain.narrative import (
    DIMENSION_NAMES,
    VERDICT_WORDS,
    adverse_text,
    points_text,
    points_value,
)
from cde.domain.text import Lang, Text

__all__ = [
    "METRICS",
    "OUTCOME_TEXT",
    "WITHHELD_PARAMS",
    "Fact",
    "Facts",
    "Metric",
    "Unit",
    "facts_of",
]

Unit = Literal[
    "rupiah", "percent", "months", "years", "count", "per_month", "times", "grade", "score",
    "points", "probability", "date", "text", "flag", "outcome", "sentence",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Fact:
    """One fact: its id, its value (JSON-ready), unit, label and text in the facts' language."""

    id: str
    value: object
    unit: Unit
    label: str
    text: str

    def rendered(self) -> str:
        """What ``{id}`` becomes: the figure with its label (``DSR 4.525,73%``), so that it
        keeps the role the engine gave it; a sentence (finding, reason, verdict …) alone."""
        return self.text if self.unit == "sentence" else f"{self.label} {self.text}"


@dataclass(frozen=True)
class Facts:
    """Everything a narrative may state about one evaluation, in one language."""

    lang: Lang
    by_id: dict[str, Fact]
    grades: dict[str, str]  # "character" … "condition" -> "A" … "E"
    concerns: frozenset[str]  # the ids of the findings that are not positive (info or worse)
    outcome: Outcome
    occupation: str | None
    name_words: frozenset[str]  # the member's name's words, lower-case: never sent

    def for_model(self) -> dict[str, Any]:
        """The facts a model may see, JSON-ready: ids, labels, units, values and texts."""
        return {
            "language": self.lang,
            "facts": [
                {"id": f.id, "label": f.label, "unit": f.unit, "value": f.value, "text": f.text}
                for f in self.by_id.values()
            ],
        }


class Metric(NamedTuple):
    unit: Unit
    id: str  # the Indonesian label
    en: str  # the English label


# Every metric the assessments report, by key; a collateral item's keys as "items.<key>".
METRICS: dict[str, Metric] = {
    # character
    "kyc_done": Metric("flag", "KYC sudah dilakukan", "KYC done"),
    "kolektibilitas": Metric("count", "kelas kolektibilitas", "loan quality class"),
    "kolektibilitas_label": Metric("text", "kolektibilitas", "loan quality"),
    "non_performing": Metric("flag", "pinjaman bermasalah", "non-performing"),
    "total_loans": Metric("count", "jumlah pinjaman", "loans on record"),
    "active_loans": Metric("count", "pinjaman aktif", "active loans"),
    "membership_months": Metric("months", "lama keanggotaan", "membership"),
    "age": Metric("years", "usia", "age"),
    "age_at_maturity": Metric("years", "usia saat jatuh tempo", "age at maturity"),
    "months_to_age_limit": Metric("months", "sisa waktu sampai batas usia", "time to age limit"),
    "occupation": Metric("text", "pekerjaan", "occupation"),
    "nik_valid": Metric("flag", "NIK sah", "NIK valid"),
    # capacity
    "income_low": Metric("rupiah", "penghasilan terendah", "income, low end"),
    "income_high": Metric("rupiah", "penghasilan tertinggi", "income, high end"),
    "expenses_low": Metric("rupiah", "pengeluaran terendah", "expenses, low end"),
    "expenses_high": Metric("rupiah", "pengeluaran tertinggi", "expenses, high end"),
    "loan_remaining": Metric("rupiah", "sisa pinjaman", "outstanding loans"),
    "existing_installment": Metric("rupiah", "angsuran berjalan", "current instalments"),
    "requested_installment": Metric("rupiah", "angsuran yang diajukan", "requested instalment"),
    "disposable_income": Metric("rupiah", "sisa penghasilan", "income left"),
    "repayment_capacity": Metric("rupiah", "kemampuan bayar", "repayment capacity"),
    "affordable_installment": Metric("rupiah", "angsuran terjangkau", "affordable instalment"),
    "dsr_pct": Metric("percent", "DSR", "DSR"),
    "residual_after_installment": Metric(
        "rupiah", "sisa setelah angsuran baru", "left after the new instalment"
    ),
    # capital
    "savings_balance": Metric("rupiah", "saldo simpanan aktif", "active savings"),
    "deposit_balance": Metric("rupiah", "saldo deposito aktif", "active deposits"),
    "own_funds": Metric("rupiah", "dana sendiri", "own funds"),
    "own_funds_to_plafon_pct": Metric(
        "percent", "dana sendiri terhadap plafon", "own funds to the amount"
    ),
    "average_balance": Metric("rupiah", "saldo rata-rata", "average balance"),
    "balance_growth_pct": Metric("percent", "pertumbuhan saldo", "balance growth"),
    "deposits_per_month": Metric("per_month", "setoran per bulan", "deposits a month"),
    "withdrawals_per_month": Metric("per_month", "penarikan per bulan", "withdrawals a month"),
    "withdrawal_ratio_pct": Metric("percent", "rasio penarikan", "withdrawal ratio"),
    # collateral
    "recognised_value": Metric("rupiah", "nilai agunan yang diakui", "recognised collateral"),
    "coverage_pct": Metric("percent", "cakupan agunan", "collateral coverage"),
    "required_coverage_pct": Metric("percent", "cakupan minimal", "required coverage"),
    "max_plafon_by_collateral": Metric(
        "rupiah", "plafon maksimum menurut agunan", "largest amount the collateral supports"
    ),
    "items.name": Metric("text", "agunan", "collateral"),
    "items.code": Metric("text", "kode agunan", "collateral code"),
    "items.value": Metric("rupiah", "nilai", "value"),
    "items.policy_recognition_pct": Metric(
        "percent", "persentase pengakuan kebijakan", "policy recognition"
    ),
    "items.recognition_pct": Metric("percent", "persentase pengakuan", "recognition"),
    "items.declared_recognition_pct": Metric(
        "percent", "persentase pengakuan yang dinyatakan", "declared recognition"
    ),
    "items.declared_recognition_value": Metric(
        "rupiah", "nilai pengakuan yang dinyatakan", "declared recognition value"
    ),
    "items.declared_value_times_pct": Metric(
        "rupiah", "nilai × persentase yang dinyatakan", "value × declared recognition"
    ),
    "items.recognised": Metric("rupiah", "nilai yang diakui", "recognised value"),
    # condition
    "purpose": Metric("text", "tujuan pinjaman", "purpose"),
    "purpose_category": Metric("text", "kategori tujuan", "purpose category"),
    "productive": Metric("flag", "tujuan produktif", "productive purpose"),
    "interest_pct": Metric("percent", "suku bunga per tahun", "interest a year"),
    "interest_ceiling_pct": Metric(
        "percent", "batas suku bunga koperasi", "cooperative interest ceiling"
    ),
    "interest_method": Metric("text", "metode bunga", "interest method"),
    "tenure": Metric("months", "tenor", "term"),
    "max_tenure_for_purpose": Metric(
        "months", "tenor maksimum untuk tujuan", "maximum term for the purpose"
    ),
    "plafon": Metric("rupiah", "plafon yang diajukan", "requested amount"),
    "plafon_to_annual_income": Metric(
        "times", "plafon terhadap penghasilan setahun", "amount to annual income"
    ),
}

# Codes the engine stores as values, in words (anything else is written as stored).
_CODES: dict[str, tuple[str, str]] = {
    "flat": ("bunga flat", "flat rate"),
    "efektif": ("bunga efektif (menurun)", "declining balance"),
    "anuitas": ("bunga anuitas", "annuity"),
    "konsumtif": ("konsumtif", "consumption"),
    "modal_kerja": ("modal kerja", "working capital"),
    "investasi": ("investasi", "investment"),
    "produktif": ("produktif", "productive"),
    "lainnya": ("lainnya", "other"),
}
# Parameters that identify the member: never sent to a model.
WITHHELD_PARAMS = frozenset({"birth_date", "digits"})
_WITHHELD = Text("[dirahasiakan]", "[withheld]")
OUTCOME_TEXT: dict[Outcome, tuple[str, str]] = {
    Outcome.APPROVE: ("disetujui", "approve"),
    Outcome.APPROVE_WITH_CONDITIONS: ("disetujui dengan syarat", "approve with conditions"),
    Outcome.DECLINE: ("ditolak", "decline"),
}
_CONCERN = Severity.INFO.rank  # every finding that is not in the member's favour
_NAME_WORD = re.compile(r"[^\W\d_]{2,}")


def _percent(value: float | Decimal, lang: Lang) -> str:
    """Percent points to two decimals, trailing zeros dropped: ``4.525,73%``, ``12%``."""
    written = text.number(value, lang, 2).rstrip("0")
    return written.rstrip("," if lang == "id" else ".") + "%"


def _text(value: Any, unit: Unit, lang: Lang) -> str:
    """``value`` as the engine writes a figure of ``unit`` (the unit's cde.domain.text)."""
    idn = lang == "id"
    match unit:
        case "rupiah":
            return text.rupiah(value, lang)
        case "percent":
            return _percent(value, lang)
        case "months":
            return text.months(value, lang)
        case "years":
            return f"{value} tahun" if idn else f"{value} years"
        case "per_month":
            return text.number(value, lang, 1)
        case "times":
            return text.ratio(value, lang)
        case "score":
            return f"{value}/100"
        case "points":
            return points_text(value, lang)
        case "probability":
            return text.probability(value, lang)
        case "date":
            return text.long_date(value, lang)
        case "flag":
            return ("ya" if idn else "yes") if value else ("tidak" if idn else "no")
        case "count":
            return text.number(value, lang)
        case "text" if isinstance(value, str) and value in _CODES:
            return _CODES[value][0 if idn else 1]
    return str(value)


def _json(value: Any) -> object:
    """A value as JSON has it: a Decimal as a float, a date in ISO form."""
    if isinstance(value, Decimal):
        return float(value)
    return value.isoformat() if isinstance(value, date) else value


def _say(template: tuple[str, str], params: Mapping[str, Any], lang: Lang) -> str:
    """A catalogue message, with the parameters that identify the member withheld."""
    if not WITHHELD_PARAMS.isdisjoint(params):
        params = {k: (_WITHHELD if k in WITHHELD_PARAMS else v) for k, v in params.items()}
    return render(template, params, lang)


class _Builder:
    """Collects facts in order; a sentence id met again adds its words to the first."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self.by_id: dict[str, Fact] = {}

    def add(
        self, fid: str, value: Any, unit: Unit, label: tuple[str, str], written: str = ""
    ) -> None:
        """A figure (left out when None), written ``written`` or as its unit is."""
        if value is None:
            return
        words = label[0] if self.lang == "id" else label[1]
        written = written or _text(value, unit, self.lang)
        self.by_id[fid] = Fact(fid, _json(value), unit, words, written)

    def sentence(self, fid: str, code: str, words: str, label: tuple[str, str]) -> None:
        known = self.by_id.get(fid)
        if known is not None:  # the same code twice (one per collateral item …): one fact
            words = f"{known.text} {words}"
        lang_label = label[0] if self.lang == "id" else label[1]
        self.by_id[fid] = Fact(fid, code, "sentence", lang_label, words)

    def metric(self, fid: str, key: str, value: Any, suffix: str = "") -> None:
        m = METRICS[key]  # a KeyError here is a metric missing from the table
        self.add(
            fid,
            value,
            "flag" if isinstance(value, bool) else m.unit,
            (m.id + suffix, m.en + suffix),
        )


_FINDING = ("temuan", "finding")
_REASON = ("alasan", "reason")


def facts_of(ev: Evaluation, lang: Lang) -> Facts:
    """The facts of ``ev`` with their ids, labels and texts in ``lang``."""
    f, d, app = ev.facts, ev.decision, ev.application
    b = _Builder(lang)
    idn = lang == "id"
    b.add("request.plafon", f.plafon, "rupiah", ("plafon yang diajukan", "requested amount"))
    b.add("request.tenure_months", f.tenure, "months", ("tenor yang diajukan", "requested term"))
    b.add("request.interest_pct", f.rate_pct, "percent", ("suku bunga", "interest rate"))
    b.add("request.interest_method", f.method.value, "text", ("metode bunga", "interest method"))
    requested = ("angsuran yang diajukan", "requested instalment")
    b.add("request.installment", f.requested_instalment, "rupiah", requested)
    b.add("request.purpose", f.purpose, "text", ("tujuan pinjaman", "purpose"))
    words = OUTCOME_TEXT[d.outcome][0 if idn else 1]
    b.by_id["decision.outcome"] = Fact(
        "decision.outcome", d.outcome.value, "outcome", "keputusan" if idn else "decision", words
    )
    recommended: tuple[tuple[str, int, Unit, str, str], ...] = (
        ("plafon", d.plafon, "rupiah", "plafon yang direkomendasikan", "recommended amount"),
        ("tenure_months", d.tenure, "months", "tenor yang direkomendasikan", "recommended term"),
        (
            "installment",
            d.installment,
            "rupiah",
            "angsuran yang direkomendasikan",
            "recommended instalment",
        ),
    )
    for fid, value, unit, label_id, label_en in recommended:
        b.add(f"decision.{fid}", value, unit, (label_id, label_en))
    for n, c in enumerate(d.conditions, 1):
        words = _say(CONDITION_TEXT[c.code], c.params, lang)
        b.sentence(f"decision.conditions.{n}", c.code, words, ("syarat", "condition"))
    for n, c in enumerate(d.requirements, 1):
        words = _say(CONDITION_TEXT[c.code], c.params, lang)
        label = ("persyaratan pencairan", "disbursement requirement")
        b.sentence(f"decision.requirements.{n}", c.code, words, label)
    for r in d.reasons:
        b.sentence(
            f"decision.reasons.{r.code}", r.code, _say(MESSAGES[r.code], r.params, lang), _REASON
        )

    character = ev.assessed["character"].metrics
    b.add("applicant.age", f.age, "years", ("usia", "age"))
    b.add("applicant.occupation", app.character.occupation, "text", ("pekerjaan", "occupation"))
    membership = character.get("membership_months")
    label = ("lama keanggotaan", "membership")
    if isinstance(membership, int):  # 75 months: "6 tahun 3 bulan"
        b.add("applicant.membership", membership, "months", label, text.duration(membership, lang))
    b.add("assessment.score", ev.overall, "score", ("skor keseluruhan", "overall score"))
    b.add("assessment.grade", ev.grade, "grade", ("nilai keseluruhan", "overall grade"))

    severity = ev.policy.reason_severity
    concerns: set[str] = set()
    for dim in FIVE_C:
        name = DIMENSION_NAMES[dim][0 if idn else 1]
        grade, score = ev.grades[dim], ev.scores[dim]
        verdict = (
            f"{name}: nilai {grade}, {score} dari 100 — {VERDICT_WORDS[grade][0]}"
            if idn
            else f"{name}: grade {grade}, {score} of 100 — {VERDICT_WORDS[grade][1]}"
        )
        b.sentence(f"{dim}.verdict", grade, verdict, ("penilaian", "verdict"))
        b.add(f"{dim}.score", score, "score", (f"skor {name}", f"{name} score"))
        b.add(f"{dim}.grade", grade, "grade", (f"nilai {name}", f"{name} grade"))
        assessed = ev.assessed[dim]
        for x in assessed.findings:
            if Severity(severity[x.code]).rank >= _CONCERN:
                concerns.add(f"{dim}.findings.{x.code}")
            words = _say(MESSAGES[x.code], x.params, lang)
            b.sentence(f"{dim}.findings.{x.code}", x.code, words, _FINDING)
        for key, value in assessed.metrics.items():
            if key != "items":
                b.metric(f"{dim}.{key}", key, value)
                continue
            for n, item in enumerate(value, 1):
                own = f" ({item['name']})" if item.get("name") else ""
                for k, v in item.items():
                    b.metric(f"{dim}.items.{n}.{k}", f"items.{k}", v, "" if k == "name" else own)

    for q in ev.quality:
        words = _say(QUALITY_MESSAGES[q.code], q.params, lang)
        b.sentence(f"data_quality.{q.code}", q.code, words, ("catatan kualitas data", "data note"))
    if ev.scorecard is not None:
        s = ev.scorecard.score
        b.add(
            "scorecard.points",
            points_value(s.points),
            "points",
            ("poin scorecard", "scorecard points"),
        )
        b.add("scorecard.pd", s.pd, "probability", ("PD", "PD"))
        b.add("scorecard.risk_band", s.band, "text", ("kelas risiko", "risk band"))
        for n, a in enumerate(s.adverse, 1):  # the attributes that cost the most points
            b.sentence(f"scorecard.adverse.{n}", a.feature, adverse_text(a, lang), _FINDING)
    b.add("as_of", f.today, "date", ("tanggal analisis", "analysis date"))

    return Facts(
        lang=lang,
        by_id=b.by_id,
        grades={dim: ev.grades[dim] for dim in FIVE_C},
        concerns=frozenset(concerns),
        outcome=d.outcome,
        occupation=app.character.occupation,
        name_words=frozenset(_NAME_WORD.findall((app.character.name or "").lower())),
    )
