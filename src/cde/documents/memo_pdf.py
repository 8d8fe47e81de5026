"""The credit memo as a PDF: A4, for the credit committee to read and sign.

:func:`memo_view` turns a result object (the one the engine returns and the API stores:
``cde.domain.result.result_object``) into the words and figures of the memo, every one
formatted here with the domain's helpers (``cde.domain.text``: ``Rp 5.000.000``,
``3 Desember 2026`` in Indonesian; ``Rp 5,000,000``, ``December 3, 2026`` in English, as
the result's own texts write them); the template ``templates/memo.html`` only lays them
out. :func:`memo_html` is that page as HTML, :func:`render_memo_pdf` the PDF (WeasyPrint,
imported when called: the extra ``cde[pdf]``; without it :class:`PdfUnavailableError`).

Nothing here reads a clock or the environment: the time the memo is printed, the
cooperative's name and the language are passed in, so the same input gives the same bytes
(the PDF's creation date is the time given). The language should be the one the result was
written in (its reasons and narratives are in it); the memo's own words follow it.

Fonts: DejaVu Sans and DejaVu Sans Mono, found through fontconfig (the Debian package
``fonts-dejavu-core``, which ``make setup`` installs with Pango); the page refers to no
other file and no URL, and the renderer refuses to fetch any.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from cde.domain import text
from cde.domain.findings import FIVE_C
from cde.domain.loan_math import InterestMethod, LoanTermsError, Schedule, schedule
from cde.domain.narrative import DIMENSION_NAMES
from cde.domain.text import Lang
from cde.errors import CdeError

__all__ = [
    "MemoSubject",
    "PdfUnavailableError",
    "memo_html",
    "memo_view",
    "render_memo_pdf",
    "subject_of",
]


class PdfUnavailableError(CdeError):
    """WeasyPrint (the extra ``cde[pdf]``) or the system libraries it needs are missing."""

    status = 501
    message_key = "pdf_unavailable"

    def __init__(self, missing: str) -> None:
        self.missing = missing
        super().__init__(
            f"the memo PDF needs {missing}: install the extra, pip install 'cde[pdf]', and "
            "Pango and the DejaVu fonts (make setup installs them)"
        )


@dataclass(frozen=True, slots=True)
class MemoSubject:
    """Who and what the memo is about: the result object does not name them."""

    loan_id: str | None = None
    customer_id: str | None = None
    member_name: str | None = None
    record_id: str | None = None  # the stored recommendation's id, the memo's number
    recommended_at: datetime | None = None  # when it was stored (aware, in the zone to print)


def _plain(value: object) -> str | None:
    """A field of the application as text (the reader accepts numbers for text fields)."""
    if value is None or isinstance(value, dict | list | bool):
        return None
    shown = str(value).strip()
    return shown or None


def subject_of(
    application: Mapping[str, Any],
    *,
    record_id: str | None = None,
    recommended_at: datetime | None = None,
) -> MemoSubject:
    """The subject of a memo from the application as received (the decoded request)."""
    character = application.get("character")
    name = _plain(character.get("name")) if isinstance(character, Mapping) else None
    return MemoSubject(
        loan_id=_plain(application.get("loan_id")),
        customer_id=_plain(application.get("customer_id")),
        member_name=name,
        record_id=record_id,
        recommended_at=recommended_at,
    )


# --- words -------------------------------------------------------------------------------

# No quote or backslash in any of them: ``page`` and ``of`` go into the stylesheet.
_WORDS: dict[str, tuple[str, str]] = {
    "title": ("Memo Analisis Kredit", "Credit Analysis Memo"),
    "confidential": ("Rahasia", "Confidential"),
    "memo_no": ("No. memo", "Memo no."),
    "analysis_date": ("Tanggal analisis", "Analysis date"),
    "recommended_at": ("Tanggal rekomendasi", "Recommended on"),
    "printed": ("Dicetak", "Printed"),
    "member": ("Anggota", "Member"),
    "customer_id": ("ID anggota", "Member ID"),
    "loan_id": ("ID pinjaman", "Loan ID"),
    "purpose": ("Tujuan", "Purpose"),
    "policy": ("Kebijakan", "Policy"),
    "version": ("versi", "version"),
    "recommendation": ("Rekomendasi", "Recommendation"),
    "overall_score": ("Skor keseluruhan", "Overall score"),
    "requested": ("Permohonan", "Requested"),
    "recommended": ("Rekomendasi", "Recommended"),
    "plafon": ("Plafon", "Plafon"),
    "tenure": ("Tenor", "Term"),
    "instalment": ("Angsuran per bulan", "Monthly instalment"),
    "rate": ("Suku bunga", "Interest rate"),
    "per_year": ("per tahun", "a year"),
    "reasons": ("Alasan utama", "Main reasons"),
    "severity": ("Tingkat", "Severity"),
    "conditions": ("Syarat persetujuan", "Conditions of approval"),
    "requirements": ("Persyaratan pencairan", "Disbursement requirements"),
    "five_c": ("Penilaian 5C", "5C assessment"),
    "aspect": ("Aspek", "Aspect"),
    "score": ("Skor", "Score"),
    "grade": ("Grade", "Grade"),
    "weight": ("Bobot", "Weight"),
    "overall": ("Keseluruhan", "Overall"),
    "analysis": ("Analisis", "Analysis"),
    "scorecard": ("Scorecard", "Scorecard"),
    "points": ("Poin", "Points"),
    "band": ("Kelas risiko", "Risk band"),
    "adverse": ("Atribut yang paling mengurangi poin", "Attributes that cost the most points"),
    "data_quality": ("Kualitas data", "Data quality"),
    "field": ("Kolom", "Field"),
    "problem": ("Masalah", "Problem"),
    "no_quality": (
        "Tidak ada masalah data yang ditemukan pada permohonan.",
        "No data problems were found in the application.",
    ),
    "schedule": ("Jadwal angsuran", "Repayment schedule"),
    "month": ("Bulan", "Month"),
    "principal": ("Pokok", "Principal"),
    "interest": ("Bunga", "Interest"),
    "balance": ("Sisa pokok", "Balance"),
    "total": ("Jumlah", "Total"),
    "amounts_in": ("Jumlah dalam rupiah.", "Amounts in rupiah."),
    "committee": ("Keputusan Komite Kredit", "Credit Committee Decision"),
    "committee_decision": ("Keputusan komite", "Committee decision"),
    "approve": ("Disetujui", "Approved"),
    "approve_with_conditions": ("Disetujui dengan syarat", "Approved with conditions"),
    "decline": ("Ditolak", "Declined"),
    "approved_plafon": ("Plafon disetujui", "Approved plafon"),
    "approved_tenure": ("Tenor disetujui", "Approved term"),
    "months_unit": ("bulan", "months"),
    "notes": ("Catatan komite", "Committee notes"),
    "prepared_by": ("Disiapkan oleh", "Prepared by"),
    "reviewed_by": ("Diperiksa oleh", "Reviewed by"),
    "approved_by": ("Diputuskan oleh", "Decided by"),
    "analyst": ("Analis Kredit", "Credit Analyst"),
    "committee_member": ("Anggota Komite Kredit", "Credit Committee Member"),
    "committee_chair": ("Ketua Komite Kredit", "Credit Committee Chair"),
    "name": ("Nama", "Name"),
    "date": ("Tanggal", "Date"),
    "signature": ("Tanda tangan", "Signature"),
    "page": ("Halaman", "Page"),
    "of": ("dari", "of"),
    "none": ("—", "—"),
}
# As the Markdown memo (``cde.domain.narrative``) words them.
_OUTCOME = {
    "approve": ("LAYAK DISETUJUI", "APPROVE"),
    "approve_with_conditions": ("LAYAK DISETUJUI DENGAN SYARAT", "APPROVE WITH CONDITIONS"),
    "decline": ("DITOLAK", "DECLINE"),
}
_METHOD = {
    "flat": ("bunga flat", "flat rate"),
    "efektif": ("bunga efektif (menurun)", "declining balance"),
    "anuitas": ("bunga anuitas", "annuity"),
}
_SEVERITY = {
    "critical": ("Kritis", "Critical"),
    "high": ("Tinggi", "High"),
    "medium": ("Sedang", "Medium"),
    "low": ("Rendah", "Low"),
    "info": ("Info", "Info"),
    "positive": ("Positif", "Positive"),
}
_REQUESTED_SCHEDULE = (
    "Jadwal pinjaman yang diminta ({plafon}, {tenure}, {method} {rate} per tahun), sebagai "
    "informasi: pinjaman ini tidak direkomendasikan.",
    "The schedule of the loan as requested ({plafon}, {tenure}, {method} {rate} a year), "
    "for information: this loan is not recommended.",
)
_RECOMMENDED_SCHEDULE = (
    "Jadwal pinjaman yang direkomendasikan ({plafon}, {tenure}, {method} {rate} per tahun).",
    "The schedule of the recommended loan ({plafon}, {tenure}, {method} {rate} a year).",
)
_NO_SCHEDULE = (
    "Jadwal angsuran tidak dapat dihitung dari syarat pinjaman ini.",
    "No repayment schedule can be computed from these loan terms.",
)
_FOOTNOTE = (
    "Disusun oleh cde {engine} dengan aturan kebijakan {policy}{card}: setiap angka berasal "
    "dari data permohonan atau perhitungan mesin. Jenis kelamin tidak digunakan dalam "
    "penilaian. Keputusan akhir ada pada komite kredit.",
    "Prepared by cde {engine} under the rules of policy {policy}{card}: every figure comes "
    "from the application or the engine's calculation. Gender is not used in the "
    "assessment. The credit committee makes the final decision.",
)
_LLM_NOTE = (
    "Narasi 5C ditulis oleh model bahasa dan diperiksa terhadap angka mesin.",
    "The 5C narratives were written by a language model and checked against the engine's figures.",
)


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang == "id" else pair[1]


def _moment(value: datetime, lang: Lang) -> str:
    """``23 November 2026, 10.00 WIB`` / ``November 23, 2026, 10:00 WIB``."""
    if value.tzinfo is None:
        raise ValueError("a memo's times must be aware datetimes")
    day = text.long_date(value.date(), lang)
    zone = value.tzname() or ""
    if lang == "id":
        return f"{day}, {value:%H.%M} {zone}".rstrip()
    return f"{day}, {value:%H:%M} {zone}".rstrip()


def _decimal(value: object) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))


# --- the view ----------------------------------------------------------------------------


# A schedule this short is kept on one page (moved whole to the next one if need be).
_SCHEDULE_ON_ONE_PAGE = 24


def _schedule_view(result: Mapping[str, Any], lang: Lang) -> dict[str, Any]:
    """The amortisation schedule: of the recommended loan, or (declined) of the requested
    one, said to be for information."""
    decision = result["decision"]
    condition = result["assessment"]["dimensions"]["condition"]["metrics"]
    declined = decision["outcome"] == "decline"
    principal = int(condition["plafon"] if declined else decision["plafon"])
    months = int(condition["tenure"] if declined else decision["tenure"])
    method_name = str(decision["interest_method"])
    rate = _decimal(condition["interest_pct"])
    try:
        sched: Schedule | None = schedule(principal, rate, months, InterestMethod(method_name))
    except (LoanTermsError, ValueError):
        sched = None
    if sched is None or not sched.rows:
        return {"caption": _pick(_NO_SCHEDULE, lang), "keep": True, "rows": [], "total": None}
    caption = _pick(_REQUESTED_SCHEDULE if declined else _RECOMMENDED_SCHEDULE, lang).format(
        plafon=text.rupiah(principal, lang),
        tenure=text.months(months, lang),
        method=_pick(_METHOD.get(method_name, (method_name, method_name)), lang),
        rate=text.percent(rate, lang),
    )
    return {
        "caption": caption,
        "keep": len(sched.rows) <= _SCHEDULE_ON_ONE_PAGE,
        "rows": [
            {
                "month": str(row.month),
                "instalment": text.number(row.instalment, lang),
                "principal": text.number(row.principal, lang),
                "interest": text.number(row.interest, lang),
                "balance": text.number(row.balance, lang),
            }
            for row in sched.rows
        ],
        "total": {
            "instalment": text.number(sched.total_instalment, lang),
            "principal": text.number(sched.total_principal, lang),
            "interest": text.number(sched.total_interest, lang),
        },
    }


def _scorecard_view(assessment: Mapping[str, Any], lang: Lang) -> dict[str, Any] | None:
    card = assessment.get("scorecard")
    if not card:
        return None
    return {
        "label": f"{card['name']} {card['version']}",
        "points": text.number(_decimal(card["points"]), lang),
        "pd": text.probability(_decimal(card["pd"]), lang),
        "band": str(card["band"]),
        "adverse": [str(a["message"]) for a in card.get("adverse", [])],
    }


def _terms(result: Mapping[str, Any], lang: Lang) -> list[dict[str, str]]:
    """Requested against recommended: plafon, term, monthly instalment."""
    decision = result["decision"]
    dims = result["assessment"]["dimensions"]
    condition = dims["condition"]["metrics"]
    requested_instalment = dims["capacity"]["metrics"].get("requested_installment")
    none = _pick(_WORDS["none"], lang)
    declined = decision["outcome"] == "decline"
    method = _pick(_METHOD.get(str(decision["interest_method"]), ("", "")), lang)
    rate = text.percent(_decimal(condition["interest_pct"]), lang)
    return [
        {
            "label": _pick(_WORDS["plafon"], lang),
            "requested": text.rupiah(int(condition["plafon"]), lang),
            "recommended": none if declined else text.rupiah(int(decision["plafon"]), lang),
        },
        {
            "label": _pick(_WORDS["tenure"], lang),
            "requested": text.months(int(condition["tenure"]), lang),
            "recommended": none if declined else text.months(int(decision["tenure"]), lang),
        },
        {
            "label": _pick(_WORDS["instalment"], lang),
            "requested": none
            if requested_instalment is None
            else text.rupiah(int(requested_instalment), lang),
            "recommended": none if declined else text.rupiah(int(decision["installment"]), lang),
        },
        {
            "label": _pick(_WORDS["rate"], lang),
            "requested": f"{rate} {_pick(_WORDS['per_year'], lang)} ({method})",
            "recommended": none if declined else f"{rate} {_pick(_WORDS['per_year'], lang)}",
        },
    ]


def memo_view(
    result: Mapping[str, Any],
    *,
    cooperative: str | None,
    lang: Lang,
    generated_at: datetime,
    subject: MemoSubject | None = None,
) -> dict[str, Any]:
    """Every word and figure of the memo, formatted (the template only lays them out).

    ``result`` is a complete result object; ``generated_at`` an aware datetime in the zone
    the memo is printed in (its date and time appear on every page and as the PDF's
    creation date)."""
    subject = subject or MemoSubject()
    name = cooperative.strip() if cooperative and cooperative.strip() else None
    words = {key: _pick(pair, lang) for key, pair in _WORDS.items()}
    decision = result["decision"]
    assessment = result["assessment"]
    dims = assessment["dimensions"]
    outcome = str(decision["outcome"])
    policy = result["policy"]
    policy_text = f"{policy['name']} {words['version']} {policy['version']}"
    card = _scorecard_view(assessment, lang)
    five = result.get("5c") or {}
    headline = f"{words['overall_score']} {assessment['score']}/100 (grade {assessment['grade']})"
    if card is not None:
        headline += f" · PD {card['pd']} ({words['band'].lower()} {card['band']})"
    none = words["none"]
    purpose = _plain(dims["condition"]["metrics"].get("purpose"))
    # (key, label, value); the key names the cell (the running header reads two of them).
    # Left the loan and its member, right the dates and the policy.
    facts = [
        ("member", words["member"], subject.member_name or none),
        ("customer_id", words["customer_id"], subject.customer_id or none),
        ("loan_id", words["loan_id"], subject.loan_id or none),
        ("purpose", words["purpose"], purpose or none),
    ]
    if subject.record_id:
        facts.append(("memo_no", words["memo_no"], subject.record_id))
    reference = [
        ("analysis_date", words["analysis_date"], text.long_date(_as_of(assessment), lang))
    ]
    if subject.recommended_at is not None:
        reference.append(
            ("recommended_at", words["recommended_at"], _moment(subject.recommended_at, lang))
        )
    reference.append(("printed", words["printed"], _moment(generated_at, lang)))
    reference.append(("policy", words["policy"], policy_text))
    note = _pick(_FOOTNOTE, lang).format(
        engine=result.get("engine_version", ""),
        policy=f"{policy['name']} {policy['version']}",
        card=(" dan scorecard " if lang == "id" else " and scorecard ") + card["label"]
        if card is not None
        else "",
    )
    notes = [note]
    if result.get("narrative_source") == "llm":
        notes.append(_pick(_LLM_NOTE, lang))
    return {
        "lang": lang,
        "words": words,
        "cooperative": name,
        "document_title": " — ".join(
            part for part in (words["title"], subject.loan_id, name) if part
        ),
        "created": generated_at.isoformat(timespec="seconds"),
        "facts": facts,
        "reference": reference,
        "outcome": outcome,
        "outcome_text": _pick(_OUTCOME.get(outcome, (outcome, outcome)), lang),
        "headline": headline,
        "terms": _terms(result, lang),
        "reasons": [
            {
                "severity": str(r["severity"]),
                "severity_text": _pick(_SEVERITY.get(str(r["severity"]), ("", "")), lang),
                "message": str(r["message"]),
            }
            for r in decision.get("reasons", [])
        ],
        "conditions": [str(c["message"]) for c in decision.get("conditions", [])],
        "requirements": [str(c["message"]) for c in decision.get("requirements", [])],
        "five_c": [
            {
                "name": _pick(DIMENSION_NAMES[dim], lang),
                "score": str(dims[dim]["score"]),
                "grade": str(dims[dim]["grade"]),
                "weight": str(dims[dim].get("weight", "")),
                "text": str(five.get(dim, "")),
            }
            for dim in FIVE_C
        ],
        "overall": {"score": str(assessment["score"]), "grade": str(assessment["grade"])},
        "scorecard": card,
        "data_quality": [
            {"field": str(q["field"]), "message": str(q["message"])}
            for q in result.get("data_quality", [])
        ],
        "schedule": _schedule_view(result, lang),
        "committee_choices": [words[o] for o in ("approve", "approve_with_conditions", "decline")],
        "signatories": [
            (words["prepared_by"], words["analyst"]),
            (words["reviewed_by"], words["committee_member"]),
            (words["approved_by"], words["committee_chair"]),
        ],
        "notes": notes,
    }


def _as_of(assessment: Mapping[str, Any]) -> date:
    return date.fromisoformat(str(assessment["as_of"]))


# --- HTML and PDF ------------------------------------------------------------------------


# An amount in rupiah as the result's texts write it: ``Rp 5.000.000``, ``-Rp 12.888.704``.
_AMOUNT = re.compile(r"-?Rp \d(?:[\d.,]*\d)?")


def _amounts(value: object) -> Markup:
    """The text, escaped, with each amount kept on one line (``Rp`` never left alone at the
    end of a line)."""
    escaped = str(escape(str(value)))
    return Markup(_AMOUNT.sub(lambda m: f'<span class="nb">{m.group(0)}</span>', escaped))


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("cde.documents", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["amounts"] = _amounts
    return environment


def memo_html(
    result: Mapping[str, Any],
    *,
    cooperative: str | None,
    lang: Lang,
    generated_at: datetime,
    subject: MemoSubject | None = None,
) -> str:
    """The memo as one self-contained HTML page (its stylesheet inline, no URL)."""
    view = memo_view(
        result, cooperative=cooperative, lang=lang, generated_at=generated_at, subject=subject
    )
    return _environment().get_template("memo.html").render(memo=view)


def render_memo_pdf(
    result: Mapping[str, Any],
    *,
    cooperative: str | None,
    lang: Lang,
    generated_at: datetime,
    subject: MemoSubject | None = None,
) -> bytes:
    """The memo as PDF bytes (A4). Raises :class:`PdfUnavailableError` when WeasyPrint or
    the system libraries it loads (Pango) are missing."""
    html = memo_html(
        result, cooperative=cooperative, lang=lang, generated_at=generated_at, subject=subject
    )
    weasyprint = _weasyprint()
    # No URL is ever fetched: the page is self-contained and the fetcher allows no scheme.
    fetcher = weasyprint.URLFetcher(allowed_protocols=())
    document = weasyprint.HTML(string=html, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf()
    return pdf


def _weasyprint() -> Any:
    try:
        # the optional extra cde[pdf] (untyped), loaded when a PDF is asked for
        weasyprint = importlib.import_module("weasyprint")
    except ImportError as exc:
        raise PdfUnavailableError(exc.name or "weasyprint") from None
    except OSError as exc:  # Pango or its dependencies cannot be loaded
        raise PdfUnavailableError(f"the system libraries of WeasyPrint ({exc})") from None
    return weasyprint
