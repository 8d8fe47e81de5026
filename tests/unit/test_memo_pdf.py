"""The credit memo as a PDF (``cde.documents``): what a committee reads on it, read back
from the PDF's text with pypdf — the cooperative, the decision, the five Cs with their
grades, the reasons, the data problems, the schedule, the page numbers and the signature
block, in Indonesian (numbers ``Rp 10.000.000``, dates ``3 Desember 2026``) and English —
on A4, and the same bytes for the same input and time.

Every render is of a result evaluated on the tests' own date (``clocks.TEST_TODAY``) and
printed at a time derived from ``clocks.TEST_NOW``: nothing here reads the machine's clock.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from builders import clean_application
from pypdf import PdfReader

from cde.documents import (
    MemoSubject,
    PdfUnavailableError,
    memo_html,
    render_memo_pdf,
    subject_of,
)
from cde.domain.engine import evaluate
from cde.domain.loan_math import InterestMethod, schedule
from cde.domain.scorecard.model import parse_scorecard
from cde.domain.text import Lang
from cde.entrypoints.http.messages import API_MESSAGES
from cde.policies import default_policy
from clocks import TEST_NOW, TEST_TODAY
from scorecards import small_scorecard

SEED = orjson.loads(
    (Path(__file__).resolve().parents[2] / "examples" / "seed_request.json").read_bytes()
)
JAKARTA = ZoneInfo("Asia/Jakarta")
# 14:05 in Jakarta on 3 December 2026, ten days after the tests' "now"
PRINTED = (TEST_NOW + timedelta(days=10, hours=4, minutes=5)).astimezone(JAKARTA)
RECOMMENDED = TEST_NOW.astimezone(JAKARTA)  # 10:00 WIB on 23 November 2026
COOPERATIVE = "KSP Sejahtera Bersama"
RECORD_ID = "0193a8f2-7c1e-7b44-9f0e-5d2c8a1b3e77"
A4 = (595, 842)  # points, rounded


def result_of(raw: dict[str, Any], lang: Lang) -> dict[str, Any]:
    return evaluate(raw, policy=default_policy(), today=TEST_TODAY, lang=lang)


def render(
    raw: dict[str, Any], lang: Lang, *, cooperative: str | None = COOPERATIVE, **kw: Any
) -> bytes:
    return render_memo_pdf(
        result_of(raw, lang),
        cooperative=cooperative,
        lang=lang,
        generated_at=kw.pop("generated_at", PRINTED),
        subject=subject_of(raw, record_id=RECORD_ID, recommended_at=RECOMMENDED),
    )


@pytest.fixture(scope="module")
def seed_id() -> bytes:
    return render(SEED, "id")


@pytest.fixture(scope="module")
def seed_en() -> bytes:
    return render(SEED, "en")


@pytest.fixture(scope="module")
def approved_id() -> bytes:
    return render(clean_application(kyc=False), "id")


def pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def squeezed(value: str) -> str:
    """Without whitespace: a line the PDF wraps reads the same as the text it came from."""
    return re.sub(r"\s+", "", value)


def lines(pdf: bytes) -> list[str]:
    return [line.strip() for text in pages(pdf) for line in text.splitlines()]


def dots(amount: int) -> str:
    """Whole rupiah as the Indonesian memo writes them in its tables: ``9.211.512``."""
    return f"{amount:,}".replace(",", ".")


# --- the page -----------------------------------------------------------------------------


def test_every_page_is_a4_portrait(seed_id: bytes, approved_id: bytes) -> None:
    for pdf in (seed_id, approved_id):
        reader = PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) >= 2
        for page in reader.pages:
            box = page.mediabox
            assert (round(float(box.width)), round(float(box.height))) == A4


@pytest.mark.parametrize(
    ("lang", "pattern"), [("id", "Halaman {} dari {}"), ("en", "Page {} of {}")]
)
def test_every_page_is_numbered_of_the_total(
    lang: Lang, pattern: str, seed_id: bytes, seed_en: bytes
) -> None:
    texts = pages(seed_id if lang == "id" else seed_en)
    for number, text in enumerate(texts, 1):
        assert pattern.format(number, len(texts)) in text


def test_the_cooperative_heads_the_memo_and_every_following_page(seed_id: bytes) -> None:
    texts = pages(seed_id)
    assert texts[0].splitlines()[0] == COOPERATIVE
    assert "MEMO ANALISIS KREDIT" in texts[0]
    assert "RAHASIA" in texts[0]
    loan_id = SEED["loan_id"]
    for text in texts[1:]:  # the running header: the cooperative, the memo and the loan
        assert COOPERATIVE in text
        assert f"Memo Analisis Kredit · {loan_id}" in text


def test_the_memo_names_the_member_the_loan_and_the_record(seed_id: bytes) -> None:
    first = squeezed(pages(seed_id)[0])
    for label, value in [
        ("Anggota", "fulan"),
        ("IDanggota", SEED["customer_id"]),
        ("IDpinjaman", SEED["loan_id"]),
        ("Tujuan", "Konsumtif"),
        ("No.memo", RECORD_ID),
        ("Kebijakan", "cde-defaultversi2026.11.1"),
    ]:
        assert squeezed(label + value) in first, label


# --- the decision, the five Cs, the reasons, the data -----------------------------------------


def test_the_seed_is_declined_with_its_score_and_requested_terms(seed_id: bytes) -> None:
    first = pages(seed_id)[0]
    assert "DITOLAK" in first
    assert "Skor keseluruhan 31/100 (grade E)" in first
    assert "Plafon Rp 10.000.000 —" in first  # requested, and nothing recommended
    assert "Tenor 12 bulan —" in first
    assert "Angsuran per bulan Rp 888.488 —" in first


def test_the_five_cs_with_score_grade_weight_and_their_analysis(seed_id: bytes) -> None:
    result = result_of(SEED, "id")
    dims = result["assessment"]["dimensions"]
    found = lines(seed_id)
    text = squeezed("".join(pages(seed_id)))
    assert "PENILAIAN 5C" in found
    names = {
        "character": "Karakter",
        "capacity": "Kapasitas",
        "capital": "Modal",
        "collateral": "Agunan",
        "condition": "Kondisi",
    }
    for dim, name in names.items():
        d = dims[dim]
        row = f"{name} {d['score']}/100 {d['grade']} {d['weight']} "
        assert any(line.startswith(row) for line in found), row
        assert squeezed(result["5c"][dim]) in text
    assert [d["grade"] for d in dims.values()] == ["E", "E", "C", "A", "A"]
    assert "Keseluruhan 31/100 E" in found


def test_every_reason_with_its_severity(seed_id: bytes) -> None:
    result = result_of(SEED, "id")
    text = squeezed("".join(pages(seed_id)))
    words = {"critical": "KRITIS", "high": "TINGGI", "medium": "SEDANG", "low": "RENDAH"}
    assert len(result["decision"]["reasons"]) == 12
    for reason in result["decision"]["reasons"]:
        assert squeezed(words[reason["severity"]] + reason["message"]) in text


def test_every_data_problem_with_its_field(seed_id: bytes) -> None:
    result = result_of(SEED, "id")
    text = squeezed("".join(pages(seed_id)))
    assert [q["field"] for q in result["data_quality"]] == [
        "character.kyc_status",
        "character.nik",
        "character.age",
        "collaterals[0].recognition_value",
    ]
    for problem in result["data_quality"]:
        assert squeezed(problem["field"] + problem["message"]) in text
    assert squeezed("Nilai pengakuan Avanza Rp 500.000 tidak sama") in text


def test_a_declined_memo_shows_the_requested_loans_schedule_for_information(
    seed_id: bytes,
) -> None:
    expected = schedule(10_000_000, 12, 12, InterestMethod.ANUITAS)
    found = lines(seed_id)
    text = squeezed("".join(pages(seed_id)))
    assert squeezed("pinjaman ini tidak direkomendasikan") in text
    assert "Bulan Angsuran per bulan Pokok Bunga Sisa pokok" in found
    for row in expected.rows:
        cells = (row.instalment, row.principal, row.interest, row.balance)
        assert f"{row.month} " + " ".join(dots(n) for n in cells) in found
    assert "1 888.488 788.488 100.000 9.211.512" in found
    assert "12 888.485 879.688 8.797 0" in found
    assert "Jumlah 10.661.853 10.000.000 661.853" in found


def test_the_committee_signs_at_the_end(seed_id: bytes) -> None:
    last = pages(seed_id)[-1]
    assert "KEPUTUSAN KOMITE KREDIT" in last
    assert "Keputusan komite Disetujui Disetujui dengan syarat Ditolak" in last
    assert "Plafon disetujui Rp Tenor disetujui bulan" in last
    assert "Catatan komite" in last
    for role, title in [
        ("DISIAPKAN OLEH", "Analis Kredit"),
        ("DIPERIKSA OLEH", "Anggota Komite Kredit"),
        ("DIPUTUSKAN OLEH", "Ketua Komite Kredit"),
    ]:
        assert f"{role}\n{title}\nTanda tangan\nNama:\nTanggal:" in last
    assert last.index("KEPUTUSAN KOMITE KREDIT") > last.find("Jumlah")
    assert squeezed("Keputusan akhir ada pada komite kredit.") in squeezed(last)


# --- Indonesian and English ---------------------------------------------------------------


def test_indonesian_numbers_and_dates(seed_id: bytes) -> None:
    first = pages(seed_id)[0]
    assert "Tanggal analisis 23 November 2026" in first
    assert squeezed("Tanggal rekomendasi 23 November 2026, 10.00 WIB") in squeezed(first)
    assert squeezed("Dicetak 3 Desember 2026, 14.05 WIB") in squeezed(first)
    # the footer of every page
    for text in pages(seed_id):
        assert "Dicetak 3 Desember 2026, 14.05 WIB" in text
    assert "Rp 10.000.000" in first
    assert "-Rp 12.888.704" in first
    assert "DSR 4.525,7%" in first  # decimals with a comma


def test_the_english_memo(seed_en: bytes) -> None:
    texts = pages(seed_en)
    first = texts[0]
    assert texts[0].splitlines()[0] == COOPERATIVE
    assert "CREDIT ANALYSIS MEMO" in first
    assert "CONFIDENTIAL" in first
    assert "DECLINE" in first
    assert "Overall score 31/100 (grade E)" in first
    assert "Plafon Rp 10,000,000 —" in first
    assert "Term 12 months —" in first
    assert "Analysis date November 23, 2026" in first
    assert squeezed("Printed December 3, 2026, 14:05 WIB") in squeezed(first)
    found = lines(seed_en)
    for name, grade in [("Character", "E"), ("Capacity", "E"), ("Capital", "C")]:
        assert any(line.startswith(name) and f"/100 {grade} " in line for line in found)
    assert "Month Monthly instalment Principal Interest Balance" in found
    assert "1 888,488 788,488 100,000 9,211,512" in found
    assert "Total 10,661,853 10,000,000 661,853" in found
    last = texts[-1]
    assert "CREDIT COMMITTEE DECISION" in last
    assert "Committee decision Approved Approved with conditions Declined" in last
    assert "Credit Committee Chair" in last
    assert "Signature" in last
    assert "Page 1 of" in first


# --- an approval ----------------------------------------------------------------------------


def test_an_approval_shows_the_recommended_terms_conditions_and_schedule(
    approved_id: bytes,
) -> None:
    raw = clean_application(kyc=False)
    result = result_of(raw, "id")
    decision = result["decision"]
    assert decision["outcome"] == "approve_with_conditions"
    texts = pages(approved_id)
    first = texts[0]
    text = squeezed("".join(texts))
    assert "LAYAK DISETUJUI DENGAN SYARAT" in first
    assert "Plafon Rp 20.000.000 Rp 20.000.000" in first
    assert "Tenor 24 bulan 24 bulan" in first
    assert f"Angsuran per bulan Rp 941.469 Rp {decision['installment']:,}".replace(",", ".") in (
        first
    )
    assert "SYARAT PERSETUJUAN" in first
    for condition in decision["conditions"]:
        assert squeezed(condition["message"]) in text
    for requirement in decision["requirements"]:
        assert squeezed(requirement["message"]) in text
    assert squeezed("Jadwal pinjaman yang direkomendasikan (Rp 20.000.000, 24 bulan") in text
    expected = schedule(20_000_000, 12, 24, InterestMethod.ANUITAS)
    found = lines(approved_id)
    for row in expected.rows:  # every month, on whichever page it falls
        cells = (row.instalment, row.principal, row.interest, row.balance)
        assert f"{row.month} " + " ".join(dots(n) for n in cells) in found
    totals = (expected.total_instalment, expected.total_principal, expected.total_interest)
    assert "Jumlah " + " ".join(dots(n) for n in totals) in found
    assert found.count("Jumlah " + " ".join(dots(n) for n in totals)) == 1  # not on each page
    assert "Anggota Made" in first
    assert "ID pinjaman loan-0001" in first
    assert "KUALITASDATA" in text
    for problem in result["data_quality"]:  # KYC not done
        assert squeezed(problem["field"] + problem["message"]) in text


def test_without_a_cooperative_name_the_memo_is_still_complete() -> None:
    pdf = render(SEED, "id", cooperative=None)
    texts = pages(pdf)
    assert texts[0].splitlines()[0] == "MEMO ANALISIS KREDIT RAHASIA"
    assert f"Halaman 1 dari {len(texts)}" in texts[0]


def test_a_scorecard_result_shows_its_points_pd_and_band() -> None:
    policy = default_policy().with_scorecard(parse_scorecard(small_scorecard()))
    result = evaluate(SEED, policy=policy, today=TEST_TODAY, lang="id")
    card = result["assessment"]["scorecard"]
    pdf = render_memo_pdf(result, cooperative=COOPERATIVE, lang="id", generated_at=PRINTED)
    text = squeezed("".join(pages(pdf)))
    assert squeezed(f"{card['name']} {card['version']}") in text
    assert squeezed(f"PD {card['band']}") not in text  # (the band has its own column)
    assert "PD" in text
    for attribute in card["adverse"]:
        assert squeezed(attribute["message"]) in text


# --- determinism, metadata and safety -------------------------------------------------------


def test_the_same_input_and_time_give_the_same_bytes(seed_id: bytes) -> None:
    assert render(SEED, "id") == seed_id
    later = render(SEED, "id", generated_at=PRINTED + timedelta(minutes=1))
    assert later != seed_id


def test_the_pdf_metadata_carry_the_given_time_and_the_cooperative(seed_id: bytes) -> None:
    info = PdfReader(io.BytesIO(seed_id)).metadata
    assert info is not None
    assert info["/CreationDate"] == "D:20261203140500+07'00"
    assert info["/ModDate"] == "D:20261203140500+07'00"
    assert info["/Author"] == COOPERATIVE
    assert info["/Title"] == f"Memo Analisis Kredit — {SEED['loan_id']} — {COOPERATIVE}"


def test_a_naive_print_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        memo_html(
            result_of(SEED, "id"),
            cooperative=None,
            lang="id",
            generated_at=datetime(2026, 12, 3, 14, 5),  # naive: the case under test
        )


def test_the_application_text_is_escaped_and_no_url_is_referenced() -> None:
    raw = {**SEED, "character": {**SEED["character"], "name": '<img src="http://x/y.png">'}}
    html = memo_html(
        result_of(raw, "id"),
        cooperative="KSP <b>A</b>",
        lang="id",
        generated_at=PRINTED,
        subject=subject_of(raw),
    )
    assert "<img" not in html
    assert "<b>A</b>" not in html
    assert "&lt;img src=&#34;http://x/y.png&#34;&gt;" in html
    assert "url(" not in html
    assert "<link" not in html


def test_amounts_are_kept_on_one_line_in_the_html() -> None:
    html = memo_html(result_of(SEED, "id"), cooperative=None, lang="id", generated_at=PRINTED)
    assert '<span class="nb">-Rp 12.888.704</span>' in html
    assert '<span class="nb">Rp 10.000.000</span>' in html


def test_the_subject_reads_numbers_as_text_and_ignores_what_is_not_text() -> None:
    subject = subject_of({"loan_id": 123, "customer_id": None, "character": {"name": ["x"]}})
    assert subject == MemoSubject(loan_id="123", customer_id=None, member_name=None)


def test_a_missing_pdf_extra_is_a_cde_error_with_a_message() -> None:
    error = PdfUnavailableError("weasyprint")
    assert error.status == 501
    assert "cde[pdf]" in str(error)
    assert error.message_key in API_MESSAGES
