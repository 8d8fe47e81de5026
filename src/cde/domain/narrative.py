"""Narratives: the five ``5c`` texts and the ``analytic`` memo, written by rules.

Every sentence comes from a finding's catalogue message (already rendered, passed in as
``messages``) or from the decision and metrics; nothing here invents a figure, a name, an
age or an occupation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from operator import itemgetter

from cde.domain import text
from cde.domain.catalogue import CONDITION_TEXT, render
from cde.domain.decision import Outcome
from cde.domain.evaluation import Evaluation
from cde.domain.findings import FIVE_C, Dimension, Severity
from cde.domain.scorecard.features import LABELS, FeatureValue
from cde.domain.scorecard.scoring import Adverse, Scored
from cde.domain.text import Lang

__all__ = [
    "DIMENSION_NAMES",
    "VERDICT_WORDS",
    "adverse_text",
    "feature_value_text",
    "five_c",
    "lost_value",
    "memo",
    "points_text",
    "points_value",
]

DIMENSION_NAMES: dict[Dimension, tuple[str, str]] = {
    "character": ("Karakter", "Character"),
    "capacity": ("Kapasitas", "Capacity"),
    "capital": ("Modal", "Capital"),
    "collateral": ("Agunan", "Collateral"),
    "condition": ("Kondisi", "Condition"),
}
# The words for a grade, as the memo and the narration's verdicts write them.
VERDICT_WORDS = {
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


_HUNDREDTH = Decimal("0.01")


def points_value(value: float) -> float:
    """Scorecard points as a result carries them: two decimals, rounded half up."""
    hundredths = text.scaled_half_up(value, 2)
    if hundredths is not None:
        return hundredths / 100  # correctly rounded: the float of the two-decimal figure
    return float(Decimal(repr(value)).quantize(_HUNDREDTH, ROUND_HALF_UP))


# the points a bin loses: a scorecard has a few dozen figures, met again and again
lost_value = lru_cache(maxsize=1024)(points_value)


def points_text(value: float, lang: Lang, decimals: int = 0) -> str:
    """Scorecard points, rounded half up: ``612`` or, with one decimal, ``23,1``."""
    scaled = text.scaled_half_up(value, decimals)
    if scaled is not None:
        return text.fixed(scaled, decimals, lang)
    exact = Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    return text.number(exact, lang, decimals)


def feature_value_text(feature: str, value: FeatureValue, lang: Lang) -> str:
    """A scorecard feature's value as the memo writes it."""
    kind = LABELS[feature][2]
    if kind == "pct" and value is not None and not isinstance(value, str):
        # a float is written as Decimal(repr(value)) would be
        return text.percent(value if type(value) is float else Decimal(repr(value)), lang)
    if kind == "x" and value is not None and not isinstance(value, str):
        return text.ratio(value if type(value) is float else Decimal(repr(value)), lang)
    return _few_values_text(kind, value, lang)


@lru_cache(maxsize=1024)  # months, years, counts and categories take few values
def _few_values_text(kind: str, value: FeatureValue, lang: Lang) -> str:
    if value is None:
        return "tidak diketahui" if lang == "id" else "not stated"
    if isinstance(value, str):
        return value.replace("_", " ")
    exact = Decimal(repr(value))
    whole = int(exact.to_integral_value(ROUND_HALF_UP))
    if kind == "months":
        return text.months(whole, lang)
    if kind == "years":
        return f"{whole} tahun" if lang == "id" else f"{whole} years"
    return text.number(exact, lang, 0 if exact == whole else 2)


def adverse_text(a: Adverse, lang: Lang) -> str:
    """``DSR 52,3%: −23,1 poin`` — an attribute and the points it cost."""
    label = LABELS[a.feature][0 if lang == "id" else 1]
    value = feature_value_text(a.feature, a.value, lang)
    return f"{label} {value}: −{_lost_text(a.points_lost, lang)}"


@lru_cache(maxsize=1024)  # a bin's loss is one figure: a scorecard has a few dozen
def _lost_text(lost: float, lang: Lang) -> str:
    return f"{points_text(lost, lang, 1)} {'poin' if lang == 'id' else 'points'}"


def _scorecard_lines(
    scored: Scored,
    cutoffs: tuple[float | None, float | None],
    adverse: Sequence[str],
    pd_text: str,
    lang: Lang,
) -> list[str]:
    s = scored.score
    head, rule, adverse_head = _scorecard_frame(cutoffs, lang, bool(s.adverse))
    return [
        *head,
        f"| {scored.label} | {points_text(s.points, lang)} | {pd_text} | {s.band} |",
        "",
        rule,
        "",
        *adverse_head,
        *(f"- {message}" for message in adverse),
        "",
    ]


@lru_cache(maxsize=64)  # the same for every application under one policy
def _scorecard_frame(
    cutoffs: tuple[float | None, float | None], lang: Lang, has_adverse: bool
) -> tuple[tuple[str, ...], str, tuple[str, ...]]:
    """The scorecard section's fixed lines: the table's head, the cut-offs' rule, and the
    adverse attributes' lead (with its blank line) or the line saying there are none."""
    idn = lang == "id"
    band = "Kelas risiko" if idn else "Risk band"
    head = (
        "#### Scorecard",
        "",
        f"| Scorecard | {'Poin' if idn else 'Points'} | PD | {band} |",
        "|---|---:|---:|:---:|",
    )
    low, high = cutoffs
    if low is None and high is None:
        rule = (
            "PD ini sebagai informasi: kebijakan tidak menetapkan batas PD, keputusan mengikuti "
            "skor keseluruhan."
            if idn
            else "This PD is for information: the policy sets no PD cut-off, and the overall "
            "score decides."
        )
    else:
        parts = []
        if low is not None:
            limit = text.probability(low, lang)
            parts.append(
                f"tanpa syarat bila PD di bawah {limit}"
                if idn
                else f"an outright approval when the PD is below {limit}"
            )
        if high is not None:
            limit = text.probability(high, lang)
            parts.append(
                f"ditolak bila PD di atas {limit}" if idn else f"a decline when it is above {limit}"
            )
        lead = "Batas PD kebijakan" if idn else "The policy's PD cut-offs"
        rule = f"{lead}: {'; '.join(parts)}."
    if has_adverse:
        lead = (
            "Atribut yang paling mengurangi poin:"
            if idn
            else "The attributes that cost the most points:"
        )
        return head, rule, (lead, "")
    return (
        head,
        rule,
        ("Tidak ada atribut yang mengurangi poin." if idn else "No attribute cost any points.",),
    )


_CONCERN = Severity.LOW.rank  # from this rank up a finding is a concern


@lru_cache(maxsize=1024)
def _lead(dim: Dimension, grade: str, score: int, lang: Lang) -> str:
    """``Karakter lemah (grade D, skor 55/100).``: a C's verdict, grade and score."""
    verdict = _pick(VERDICT_WORDS[grade], lang)
    if lang == "id":
        return f"{DIMENSION_NAMES[dim][0]} {verdict} (grade {grade}, skor {score}/100)."
    return f"{DIMENSION_NAMES[dim][1]} {verdict} (grade {grade}, score {score}/100)."


def five_c(ev: Evaluation, messages: Mapping[int, str], lang: Lang) -> dict[str, str]:
    """Each C's verdict, then its findings' messages: the concerns first (most severe
    first), then the rest, each group in the assessment's own order."""
    rank = ev.policy.reason_rank
    grades, scores = ev.grades, ev.scores
    out: dict[str, str] = {}
    for dim in FIVE_C:
        concerns: list[tuple[int, str]] = []
        rest: list[str] = []
        for f in ev.assessed[dim].findings:
            r = rank[f.code]
            if r >= _CONCERN:
                concerns.append((r, messages[id(f)]))
            else:
                rest.append(messages[id(f)])
        if len(concerns) > 1:
            concerns.sort(key=itemgetter(0), reverse=True)  # stable: equals keep their order
        lead = _lead(dim, grades[dim], scores[dim], lang)
        out[dim] = " ".join([lead, *[message for _, message in concerns], *rest])
    return out


def memo(
    ev: Evaluation,
    messages: Mapping[int, str],
    five: Mapping[str, str],
    quality: list[str],
    lang: Lang,
    adverse: Sequence[str] | None = None,
    conditions: Sequence[str] | None = None,
    requirements: Sequence[str] | None = None,
) -> str:
    """The memo; ``adverse`` is the scorecard's adverse attributes as already written
    (:func:`adverse_text`), ``conditions`` and ``requirements`` the decision's, if the
    caller has them."""
    d = ev.decision
    f = ev.facts
    app = ev.application
    idn = lang == "id"
    side = 0 if idn else 1  # of each (id, en) pair
    method = _METHOD[f.method.value][side]
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
    scored = ev.scorecard
    headline = (
        f"**{'Rekomendasi' if idn else 'Recommendation'}: {_OUTCOME[d.outcome][side]}.** "
        f"{'Skor keseluruhan' if idn else 'Overall score'} {ev.overall}/100 "
        f"(grade {ev.grade})."
    )
    pd_text = ""
    if scored is not None:
        pd_text = text.probability(scored.score.pd, lang)
        band = "kelas risiko" if idn else "risk band"
        headline += f" PD {pd_text} ({band} {scored.score.band})."
    add(headline)
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
    lines += [f"- {messages[id(r)]}" for r in d.reasons]
    add("")

    if d.conditions:
        add(f"#### {'Syarat' if idn else 'Conditions'}")
        add("")
        if conditions is None:
            conditions = [render(CONDITION_TEXT[c.code], c.params, lang) for c in d.conditions]
        for i, condition in enumerate(conditions, 1):
            add(f"{i}. {condition}")
        add("")

    if d.requirements:
        add(f"#### {'Persyaratan pencairan' if idn else 'Disbursement requirements'}")
        add("")
        if requirements is None:
            requirements = [render(CONDITION_TEXT[c.code], c.params, lang) for c in d.requirements]
        for requirement in requirements:
            add(f"- {requirement}")
        add("")

    if scored is not None:
        section = ev.policy.scorecard
        cutoffs = (section.approve_below_pd, section.decline_above_pd) if section else (None, None)
        if adverse is None:
            adverse = [adverse_text(a, lang) for a in scored.score.adverse]
        lines += _scorecard_lines(scored, cutoffs, adverse, pd_text, lang)

    add(f"#### {'Penilaian 5C' if idn else '5C assessment'}")
    add("")
    add(
        f"| {'Aspek' if idn else 'Aspect'} | {'Skor' if idn else 'Score'} | Grade | "
        f"{'Bobot' if idn else 'Weight'} |"
    )
    add("|---|---:|:---:|---:|")
    weights = ev.policy.weights
    for dim in FIVE_C:
        add(
            f"| {DIMENSION_NAMES[dim][side]} | {ev.scores[dim]} | {ev.grades[dim]} | "
            f"{getattr(weights, dim)} |"
        )
    add(f"| **{'Keseluruhan' if idn else 'Overall'}** | **{ev.overall}** | **{ev.grade}** | |")
    add("")
    for dim in FIVE_C:
        add(f"#### {DIMENSION_NAMES[dim][side]}")
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
        card = f" dan scorecard {scored.label}" if scored is not None else ""
        add(
            f"*Disusun oleh cde {ev.engine_version} dengan aturan kebijakan {ev.policy.name} "
            f"{ev.policy.version}{card}: setiap angka berasal dari data permohonan atau "
            "perhitungan mesin. Jenis kelamin tidak digunakan dalam penilaian. Keputusan akhir "
            "ada pada komite kredit.*"
        )
    else:
        card = f" and scorecard {scored.label}" if scored is not None else ""
        add(
            f"*Prepared by cde {ev.engine_version} under the rules of policy {ev.policy.name} "
            f"{ev.policy.version}{card}: every figure comes from the application or the "
            "engine's calculation. Gender is not used in the assessment. The credit committee "
            "makes the final decision.*"
        )
    return "\n".join(lines)
