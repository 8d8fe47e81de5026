"""Narratives: the five ``5c`` texts and the ``analytic`` memo, written by rules.

Every sentence comes from a finding's catalogue message (already rendered, passed in as
``messages``) or from the decision and metrics; nothing here invents a figure, a name, an
age or an occupation.
"""

from __future__ import annotations

from collections.abc import Mapping

from cde.domain import text
from cde.domain.catalogue import CONDITION_TEXT, render
from cde.domain.decision import Outcome
from cde.domain.evaluation import Evaluation
from cde.domain.findings import FIVE_C, Dimension, Finding, Severity
from cde.domain.text import Lang

__all__ = ["DIMENSION_NAMES", "five_c", "memo"]

DIMENSION_NAMES: dict[Dimension, tuple[str, str]] = {
    "character": ("Karakter", "Character"),
    "capacity": ("Kapasitas", "Capacity"),
    "capital": ("Modal", "Capital"),
    "collateral": ("Agunan", "Collateral"),
    "condition": ("Kondisi", "Condition"),
}
_VERDICT = {
    "A": ("sangat baik", "very strong"),
    "B": ("baik", "sound"),
    "C": ("cukup", "fair"),
    "D": ("lemah", "weak"),
    "E": ("sangat lemah", "very weak"),
}
_OUTCOME = {
    Outcome.APPROVE: ("LAYAK DISETUJUI", "APPROVE"),
    Outcome.APPROVE_WITH_CONDITIONS: ("LAYAK DISETUJUI DENGAN SYARAT", "APPROVE WITH CONDITIONS"),
    Outcome.DECLINE: ("DITOLAK", "DECLINE"),
}
_METHOD = {
    "flat": ("bunga flat", "flat rate"),
    "efektif": ("bunga efektif (menurun)", "declining balance"),
    "anuitas": ("bunga anuitas", "annuity"),
}


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang == "id" else pair[1]


def _ordered(ev: Evaluation, dim: Dimension) -> list[Finding]:
    """Concerns first (most severe first), then the rest in the assessment's own order."""
    rank = ev.policy.reason_rank
    low = Severity.LOW.rank
    findings = ev.assessed[dim].findings
    concerns = sorted((f for f in findings if rank[f.code] >= low), key=lambda f: -rank[f.code])
    return [*concerns, *(f for f in findings if rank[f.code] < low)]


def five_c(ev: Evaluation, messages: Mapping[int, str], lang: Lang) -> dict[str, str]:
    out: dict[str, str] = {}
    for dim in FIVE_C:
        grade = ev.grades[dim]
        verdict = _pick(_VERDICT[grade], lang)
        if lang == "id":
            lead = (
                f"{DIMENSION_NAMES[dim][0]} {verdict} (grade {grade}, skor {ev.scores[dim]}/100)."
            )
        else:
            lead = (
                f"{DIMENSION_NAMES[dim][1]} {verdict} (grade {grade}, score {ev.scores[dim]}/100)."
            )
        out[dim] = " ".join([lead, *(messages[id(f)] for f in _ordered(ev, dim))])
    return out


def memo(
    ev: Evaluation,
    messages: Mapping[int, str],
    five: Mapping[str, str],
    quality: list[str],
    lang: Lang,
) -> str:
    d = ev.decision
    f = ev.facts
    app = ev.application
    idn = lang == "id"
    method = _pick(_METHOD[f.method.value], lang)
    rate = text.percent(f.rate_pct, lang)
    none = "—"
    lines: list[str] = []
    add = lines.append

    add(f"### {'Analisis Kredit' if idn else 'Credit Analysis'} — {app.loan_id}")
    add("")
    member = app.character.name or none
    add(f"| {'Anggota' if idn else 'Member'} | {member} (`{app.customer_id}`) |")
    add("|---|---|")
    add(f"| {'Tanggal analisis' if idn else 'Analysis date'} | {text.long_date(f.today, lang)} |")
    add(
        f"| {'Kebijakan' if idn else 'Policy'} | {ev.policy.name} "
        f"{'versi' if idn else 'version'} {ev.policy.version} |"
    )
    add("")
    add(
        f"**{'Rekomendasi' if idn else 'Recommendation'}: {_pick(_OUTCOME[d.outcome], lang)}.** "
        f"{'Skor keseluruhan' if idn else 'Overall score'} {ev.overall}/100 "
        f"(grade {ev.grade})."
    )
    add("")
    declined = d.outcome == Outcome.DECLINE
    add(f"| | {'Permohonan' if idn else 'Requested'} | {'Rekomendasi' if idn else 'Recommended'} |")
    add("|---|---:|---:|")
    add(
        f"| Plafon | {text.rupiah(f.plafon, lang)} | "
        f"{text.rupiah(d.plafon, lang) if not declined else none} |"
    )
    add(
        f"| {'Tenor' if idn else 'Term'} | {text.months(f.tenure, lang)} | "
        f"{text.months(d.tenure, lang) if not declined else none} |"
    )
    label = "Angsuran per bulan" if idn else "Monthly instalment"
    add(
        f"| {label} ({method}, {rate} {'per tahun' if idn else 'a year'}) | "
        f"{text.rupiah(f.requested_instalment, lang)} | "
        f"{text.rupiah(d.installment, lang) if not declined else none} |"
    )
    add("")

    add(f"#### {'Alasan utama' if idn else 'Main reasons'}")
    add("")
    for r in d.reasons:
        add(f"- {messages[id(r)]}")
    add("")

    if d.conditions:
        add(f"#### {'Syarat' if idn else 'Conditions'}")
        add("")
        for i, c in enumerate(d.conditions, 1):
            add(f"{i}. {render(CONDITION_TEXT[c.code], c.params, lang)}")
        add("")

    if d.requirements:
        add(f"#### {'Persyaratan pencairan' if idn else 'Disbursement requirements'}")
        add("")
        for c in d.requirements:
            add(f"- {render(CONDITION_TEXT[c.code], c.params, lang)}")
        add("")

    add(f"#### {'Penilaian 5C' if idn else '5C assessment'}")
    add("")
    add(
        f"| {'Aspek' if idn else 'Aspect'} | {'Skor' if idn else 'Score'} | Grade | "
        f"{'Bobot' if idn else 'Weight'} |"
    )
    add("|---|---:|:---:|---:|")
    weights = ev.policy.weights.model_dump()
    for dim in FIVE_C:
        add(
            f"| {_pick(DIMENSION_NAMES[dim], lang)} | {ev.scores[dim]} | {ev.grades[dim]} | "
            f"{weights[dim]} |"
        )
    add(f"| **{'Keseluruhan' if idn else 'Overall'}** | **{ev.overall}** | **{ev.grade}** | |")
    add("")
    for dim in FIVE_C:
        add(f"#### {_pick(DIMENSION_NAMES[dim], lang)}")
        add("")
        add(five[dim])
        add("")

    if ev.quality:
        add(f"#### {'Kualitas data' if idn else 'Data quality'}")
        add("")
        for q, message in zip(ev.quality, quality, strict=True):
            add(f"- `{q.field}`: {message}")
        add("")

    add("---")
    if idn:
        add(
            f"*Disusun oleh cde {ev.engine_version} dengan aturan kebijakan {ev.policy.name} "
            f"{ev.policy.version}: setiap angka berasal dari data permohonan atau perhitungan "
            "mesin. Jenis kelamin tidak digunakan dalam penilaian. Keputusan akhir ada pada "
            "komite kredit.*"
        )
    else:
        add(
            f"*Prepared by cde {ev.engine_version} under the rules of policy {ev.policy.name} "
            f"{ev.policy.version}: every figure comes from the application or the engine's "
            "calculation. Gender is not used in the assessment. The credit committee makes "
            "the final decision.*"
        )
    return "\n".join(lines)
