"""The grounding guard (``cde.domain.guard``) and the brief a model writes from
(``cde.domain.briefing``): what passes, what is caught, and what never leaves the service.

The corpus of crafted narratives is measured separately (``test_guard_corpus.py``,
``benchmarks/bench_guard.py``); these tests pin each rule down on its own.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from cde.domain.application import InvalidApplicationError, parse_application
from cde.domain.briefing import brief
from cde.domain.evaluation import Evaluation, assess
from cde.domain.guard import Grounds, check, grounds
from cde.domain.result import result_object
from cde.domain.text import Lang
from cde.policies import default_policy
from generate_applications import generate  # benchmarks/ (pytest's pythonpath)

REPO = Path(__file__).resolve().parents[2]
APPS = REPO / "tests" / "guard_corpus" / "applications"
TODAY = date(2026, 11, 23)
POLICY = default_policy()


def _load(name: str) -> dict[str, Any]:
    path = REPO / "examples" / "seed_request.json" if name == "seed" else APPS / f"{name}.json"
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def _setup(name: str, lang: Lang = "id") -> tuple[Evaluation, dict[str, Any], Grounds]:
    ev = assess(parse_application(_load(name)), POLICY, TODAY)
    rules = result_object(ev, lang)
    return ev, rules, grounds(ev, rules, lang)


def kinds(text: str, name: str = "seed", lang: Lang = "id", field: str = "capacity") -> set[str]:
    _, _, g = _setup(name, lang)
    return {v.kind for v in check({field: text}, g, lang)}


# --- the engine's own texts are grounded ------------------------------------------------------


def test_the_rules_narratives_of_a_portfolio_pass_the_guard_in_both_languages() -> None:
    """The rules narrative states only facts: if the guard refused it, the guard is wrong."""
    checked = 0
    outcomes: set[str] = set()
    for raw in generate(120, seed=11):
        try:
            ev = assess(parse_application(raw), POLICY, TODAY)
        except InvalidApplicationError:
            continue
        outcomes.add(ev.decision.outcome.value)
        for lang in ("id", "en"):
            rules = result_object(ev, lang)
            texts = {**rules["5c"], "analytic": rules["analytic"]}
            found = check(texts, grounds(ev, rules, lang), lang)
            assert found == [], (raw["loan_id"], lang, found[:3])
            checked += 1
    assert checked >= 200
    assert {"approve_with_conditions", "decline"} <= outcomes


@pytest.mark.parametrize("name", ["seed", "gen017_reduced_plafon", "gen039_no_gender_no_age"])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_rules_narrative_of_each_corpus_application_passes(name: str, lang: Lang) -> None:
    _, rules, g = _setup(name, lang)
    assert check({**rules["5c"], "analytic": rules["analytic"]}, g, lang) == []


# --- figures -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Penghasilan anggota Rp 300.000–Rp 500.000 per bulan.",
        "Penghasilan Rp 300–500 ribu sebulan.",
        "Penghasilan antara tiga ratus ribu dan lima ratus ribu rupiah.",
        "Angsuran baru Rp 888.488 per bulan.",
        "Angsuran baru sekitar Rp 888 ribu.",
        "Angsuran baru kurang lebih Rp 0,9 juta.",
        "Plafon yang diajukan Rp 10.000.000 untuk 12 bulan.",
        "Plafon yang diajukan Rp10 jt selama dua belas bulan.",
        "Plafon yang diajukan sepuluh juta rupiah.",
        "DSR 4.525,7%, jauh di atas batas 50%.",
        "DSR sekitar 4.526%.",
        "Rasio penarikan 174,5% dari setoran.",
        "Sisa pinjaman Rp 138,4 juta pada 18 pinjaman aktif.",
        "Kolektibilitas kol-4 (Diragukan).",
        "Anggota berusia 42 tahun dan menjadi anggota selama 6 tahun 3 bulan.",
        "Bunga 12% per tahun dengan metode anuitas.",
        "Skor kapasitas 0/100.",
    ],
)
def test_true_figures_in_any_notation_pass(text: str) -> None:
    assert kinds(text) == set()


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("Penghasilan bersih anggota Rp 7.500.000 per bulan.", "Rp 7.500.000"),
        ("Penghasilan rata-rata Rp 400.000 per bulan.", "Rp 400.000"),  # a midpoint it computed
        ("Angsuran baru sekitar Rp 900 ribu.", "Rp 900 ribu"),  # 888.488 is not 900 ribu
        ("Plafon yang diajukan Rp 12 juta.", "Rp 12 juta"),
        ("Plafon yang diajukan dua belas juta rupiah.", "dua belas juta rupiah"),
        ("DSR 45,2% masih di bawah batas.", "45,2%"),
        ("Rasio penarikan 47%.", "47%"),
        ("Nilai agunan tanah Rp 12 miliar.", "Rp 12 miliar"),
    ],
)
def test_invented_or_misrounded_figures_are_caught(text: str, said: str) -> None:
    _, _, g = _setup("seed")
    found = check({"capacity": text}, g, "id")
    assert [(v.kind, v.text) for v in found if v.kind == "number"] == [("number", said)]


def test_money_must_match_money_and_a_percentage_a_percentage() -> None:
    # 12 is the tenor in months and the interest rate in per cent, but no amount in rupiah
    assert kinds("Tambahan simpanan Rp 12.") == {"number"}
    assert kinds("Tenor 12 bulan, bunga 12%.") == set()
    # 75 is the membership in months, not a percentage
    assert kinds("Keanggotaan 75 bulan.") == set()
    assert kinds("Keanggotaan 75%.") == {"number"}


# --- the outcome, plafon and tenor --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "caught"),
    [
        ("Permohonan ini disetujui.", True),
        ("Pinjaman layak disetujui oleh komite.", True),
        ("The application is approved.", True),
        ("Permohonan ini tidak dapat disetujui.", False),
        ("Permohonan ditolak karena kolektibilitas.", False),
        ("Permohonan dapat dipertimbangkan kembali jika tunggakan dilunasi.", False),
        ("Permohonan baru dapat disetujui apabila kolektibilitas membaik.", False),
        ("The loan cannot be approved.", False),
    ],
)
def test_a_decline_narrated_as_an_approval_is_caught(text: str, caught: bool) -> None:
    assert ("outcome" in kinds(text, field="analytic")) is caught


def test_an_approval_narrated_as_a_decline_or_without_its_conditions_is_caught() -> None:
    name = "gen017_reduced_plafon"
    assert "outcome" in kinds("Permohonan ini ditolak.", name)
    assert "outcome" in kinds("Pinjaman disetujui tanpa syarat.", name)
    assert "outcome" in kinds("The loan is approved without conditions.", name, "en")
    assert kinds("Permohonan disetujui dengan syarat.", name) == set()
    assert kinds("Tidak ada alasan untuk menolak permohonan ini.", name) == set()
    # mentioning what unconditional approval would need is not claiming it
    assert kinds("Skor di bawah grade B untuk persetujuan tanpa syarat.", name) == set()


def test_an_approval_recommending_the_requested_plafon_or_tenor_is_caught() -> None:
    reduced = "gen017_reduced_plafon"  # asked Rp 74.000.000; the engine recommends 14.400.000
    assert "plafon" in kinds("Direkomendasikan plafon Rp 74.000.000 selama 45 bulan.", reduced)
    assert "plafon" in kinds("Plafon Rp 74 juta disetujui.", reduced)
    assert (
        kinds("Plafon diturunkan dari Rp 74 juta menjadi Rp 14,4 juta dan disetujui.", reduced)
        == set()
    )
    assert kinds("Anggota mengajukan Rp 74.000.000.", reduced) == set()  # no recommendation
    extended = "gen023_tenor_extended"  # asked 10 months; the engine recommends 18
    assert "tenure" in kinds("Direkomendasikan tenor 10 bulan.", extended)
    assert kinds("Direkomendasikan tenor 18 bulan, bukan 10 bulan.", extended) == set()


# --- the person --------------------------------------------------------------------------------


def test_an_age_other_than_the_members_is_caught() -> None:
    assert "age" in kinds("Anggota berusia 30 tahun.", field="character")
    assert "age" in kinds("Anggota berusia tiga puluh tahun.", field="character")
    assert "age" in kinds("The member is 30 years old.", lang="en", field="character")
    assert kinds("Anggota berusia 42 tahun, anggota sejak 6 tahun.", field="character") == set()
    assert kinds("Usia saat lunas 43 tahun, di bawah batas 65 tahun.", field="character") == set()
    # an age the engine does not know is an invented one
    assert "age" in kinds("Anggota berusia 42 tahun.", "gen039_no_gender_no_age")


def test_an_occupation_other_than_the_members_is_caught() -> None:
    assert "occupation" in kinds("Anggota bekerja sebagai PNS.", field="character")
    assert "occupation" in kinds("The member is a farmer.", lang="en", field="character")
    assert kinds("Anggota seorang pedagang.", field="character") == set()
    assert kinds("Anggota berwiraswasta sebagai wiraswasta.", field="character") == set()
    # a Guru is an employee, not a trader
    assert "occupation" in kinds("Anggota juga berdagang.", "gen017_reduced_plafon")


def test_gender_and_names_are_caught() -> None:
    # the seed's member is recorded as male; gen017's as female; gen039 has none
    assert "gender" in kinds("Ibu anggota memiliki riwayat buruk.", field="character")
    assert kinds("Bapak anggota memiliki riwayat buruk.", field="character") == set()
    assert "gender" in kinds("She has 18 active loans.", lang="en", field="character")
    assert "gender" in kinds("Bapak ini disiplin.", "gen017_reduced_plafon")
    assert "gender" in kinds("He saves every month.", "gen039_no_gender_no_age", "en")
    assert kinds("Anggota ini disiplin.", "gen039_no_gender_no_age") == set()
    assert kinds("Pemohon tinggal di ibu kota.", "gen039_no_gender_no_age") == set()
    assert "name" in kinds("Bapak Slamet memiliki 18 pinjaman aktif.", field="character")
    assert "name" in kinds("Mr. Smith has 18 active loans.", lang="en", field="character")


# --- the brief --------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_brief_carries_the_facts_and_nothing_that_identifies_the_member(lang: Lang) -> None:
    raw = _load("seed")
    ev = assess(parse_application(raw), POLICY, TODAY)
    facts = brief(ev, lang)
    sent = orjson.dumps(facts).decode()
    character = raw["character"]
    for secret in (
        character["nik"],
        character["name"],
        raw["customer_id"],
        raw["loan_id"],
        "10 April 1984",
        "April 10, 1984",
        "1984",
        "Denpasar",
    ):
        assert secret not in sent, secret
    assert "gender" not in sent
    assert facts["applicant"]["age_years"] == 42
    assert facts["applicant"]["occupation"] == "Pedagang"
    assert facts["decision"]["outcome"] == "decline"
    assert facts["decision"]["reasons"][0]["code"] == "DECLINE_KNOCKOUT"
    assert set(facts["assessment"]["dimensions"]) == {
        "character",
        "capacity",
        "capital",
        "collateral",
        "condition",
    }
    withheld = "[dirahasiakan]" if lang == "id" else "[withheld]"
    age_flag = next(q for q in facts["data_quality"] if q["code"] == "DQ_AGE_MISMATCH")
    assert withheld in age_flag["message"]
    assert facts["request"]["plafon"] == {
        "value": 10_000_000,
        "text": "Rp 10.000.000" if lang == "id" else "Rp 10,000,000",
    }


# --- rules added after the held-out run -------------------------------------------------------


def test_conditions_attached_to_an_approval_in_a_decline_are_an_approval() -> None:
    text = "The committee may approve the request, provided KYC is completed first."
    assert "outcome" in kinds(text, lang="en", field="analytic")
    assert kinds("It could be approved if the arrears are settled.", lang="en") == set()


def test_approval_as_a_noun_and_other_wordings_of_conditions() -> None:
    assert "outcome" in kinds("We recommend a conditional approval.", lang="en")
    assert "outcome" in kinds("Kami merekomendasikan persetujuan pinjaman ini.")
    assert kinds("The decision is subject to committee approval.", lang="en") == set()
    reduced = "gen017_reduced_plafon"  # approve_with_conditions
    assert "outcome" in kinds(
        "Pinjaman dapat langsung disetujui tanpa persyaratan khusus.", reduced
    )
    outright = "gen039_no_gender_no_age"  # approve, no conditions
    assert "outcome" in kinds("Rekomendasi: disetujui dengan syarat.", outright)
    assert kinds("Rekomendasi: disetujui.", outright) == set()


def test_a_memo_line_labelled_with_the_amount_or_term_must_be_the_engines() -> None:
    reduced = "gen017_reduced_plafon"  # asked Rp 74.000.000, recommended Rp 14.400.000
    memo = "Approve with conditions.\n\n| Amount | IDR 74,000,000 |\n| Term | 45 months |"
    assert "plafon" in kinds(memo, reduced, "en", "analytic")
    good = "Approve with conditions.\n\n| Amount | IDR 14,400,000 |\n| Term | 45 months |"
    assert kinds(good, reduced, "en", "analytic") == set()
    # the engine's own memo states the request and the recommendation on one labelled row
    extended = "gen023_tenor_extended"  # asked 10 months, recommended 18
    assert "tenure" in kinds("- Outcome: approve with conditions\n- Term: 10 months", extended)


def test_ages_in_decades_stated_ages_and_young_members() -> None:
    assert "age" in kinds("The member, in their mid-forties, trades.", lang="en")  # 42
    assert kinds("The member, in their early forties, trades.", lang="en") == set()
    assert "age" in kinds("Anggota berusia 30-an.")
    # the age on the form is the form's (the seed states 40; the engine uses 42)
    assert kinds("Usia tercatat 40 tahun, menurut tanggal lahir usianya 42 tahun.") == set()
    assert "age" in kinds("Anggota berusia 40 tahun.")
    assert "age" in kinds("Anggota yang masih muda, 29 tahun, sudah lama bergabung.")


def test_an_occupation_cde_does_not_know_is_still_checked_when_it_is_claimed() -> None:
    assert "occupation" in kinds("Anggota bekerja sebagai kasir toko.", field="character")
    assert "occupation" in kinds("A motorcycle mechanic by trade.", lang="en", field="character")
    assert "occupation" in kinds("He works as a factory worker.", lang="en", field="character")
    assert kinds("Anggota bekerja sebagai pedagang di pasar.", field="character") == set()
    assert kinds("Ia berprofesi sebagai tenaga pendidik.", "gen017_reduced_plafon") == set()


def test_a_rate_given_as_the_loans_must_be_the_loans() -> None:
    # the seed asks 12% a year; 18% is the policy's assumption for the member's other
    # loans and 24% the cooperative ceiling: both facts, neither the loan's rate
    assert "number" in kinds("Pinjaman ini berbunga 18% per tahun.", field="condition")
    assert "number" in kinds("The loan carries interest of 24% a year.", lang="en")
    assert kinds("Bunga 12% per tahun, di bawah batas maksimum 24%.", field="condition") == set()
    assert kinds("Suku bunga 12%, jauh di bawah plafon bunga koperasi 24%.") == set()
    assert kinds("Pinjaman berjalan diasumsikan lunas dengan bunga 18% per tahun.") == set()


# --- rules added after the blind run ----------------------------------------------------------


def test_indirect_wordings_of_the_outcome() -> None:
    # the seed is declined; gen017 approved with conditions; gen039 approved outright
    decline_as_approval = "The figures justify going ahead with the loan."
    assert "outcome" in kinds(decline_as_approval, lang="en", field="analytic")
    assert "outcome" in kinds("Permohonan dapat langsung dicairkan.", field="analytic")
    reduced = "gen017_reduced_plafon"
    assert "outcome" in kinds("The request cannot go ahead.", reduced, "en")
    assert "outcome" in kinds("The member does not qualify for financing.", reduced, "en")
    assert "outcome" in kinds("Tidak ada syarat; dana dapat langsung dicairkan.", reduced)
    assert "outcome" in kinds(
        "Permohonan belum dapat kami rekomendasikan.", "gen039_no_gender_no_age"
    )


def test_the_recommended_terms_in_any_form() -> None:
    reduced = "gen017_reduced_plafon"  # Rp 74.000.000 asked, Rp 14.400.000 recommended
    assert "plafon" in kinds("The engine lowers the amount to IDR 14.45m.", reduced, "en")
    assert "plafon" in kinds("Disetujui dengan syarat: plafon Rp 12 juta.", reduced)
    assert kinds("Disetujui dengan syarat: plafon Rp 14,4 juta.", reduced) == set()
    extended = "gen023_tenor_extended"  # 10 months asked, 18 recommended
    assert "tenure" in kinds("The 10-month term stays as requested.", extended, "en")
    assert "tenure" in kinds("Tenor yang direkomendasikan 24 bulan.", extended)
    assert kinds("Tenor diperpanjang dari 10 bulan menjadi 18 bulan.", extended) == set()
    assert kinds("Tenor diperpanjang menjadi 1,5 tahun.", extended) == set()
    # membership is no term: "menjadi anggota selama …"
    assert kinds("Anggota telah menjadi anggota selama 11 tahun 6 bulan.", reduced) == set()


def test_the_instalment_and_the_dsr_must_be_the_members() -> None:
    # the seed: new instalment Rp 888.488, current ones Rp 12.688.704, DSR 4.525,7%
    assert "number" in kinds("Angsuran baru sebesar Rp 12.688.704 per bulan.")
    assert kinds("Angsuran berjalan sekitar Rp 12,7 juta per bulan.") == set()
    assert kinds("Sisa penghasilan setelah angsuran -Rp 12.888.704.") == set()
    assert "number" in kinds("DSR anggota 50%.")
    assert kinds("DSR jauh di atas 50%.") == set()


def test_more_names_and_occupations() -> None:
    assert "name" in kinds("Bapak I Wayan Sudarma memiliki 18 pinjaman aktif.")
    assert "age" in kinds("The member, born in 1990, trades in the market.", lang="en")
    assert kinds("Usia tercatat 40 tahun, tetapi menurut tanggal lahir usianya 42 tahun.") == set()
    assert "occupation" in kinds("Sehari-hari anggota melaut mencari ikan.", field="character")
    assert "occupation" in kinds("He drives a truck for a living.", lang="en", field="character")


# --- a true figure in the wrong role ----------------------------------------------------------


def test_the_income_named_must_be_the_members() -> None:
    # the seed: income Rp 300.000–500.000 a month; Rp 5.000.000 is another engine fact
    assert "number" in kinds("Penghasilan bulanan anggota sekitar Rp 5 juta.")
    assert "number" in kinds("The member earns around IDR 5 million a month.", lang="en")
    assert kinds("Penghasilan Rp 300–500 ribu per bulan, dihitung Rp 300 ribu.") == set()
    assert kinds("Penghasilan setahun sekitar Rp 3,6 juta.") == set()  # 12 × the low end
    # another amount named after the income is not the income
    assert kinds("Penghasilan tersebut tidak menutup angsuran berjalan Rp 12,7 juta.") == set()
    assert kinds("Sisa penghasilan -Rp 12.888.704 sebulan.") == set()
    assert (
        kinds("Income minus expenses and current instalments leaves -IDR 12.9m.", lang="en")
        == set()
    )


def test_the_repayment_capacity_named_must_be_the_engines() -> None:
    both = "gen011_plafon_and_tenor"  # income left Rp 3,1 juta, capacity Rp 1,86 juta
    assert "number" in kinds("A repayment capacity of IDR 3.1m.", both, "en")
    assert "number" in kinds("Kemampuan bayar anggota Rp 3,1 juta per bulan.", both)
    assert kinds("Kemampuan bayar Rp 1,86 juta (60% dari sisa Rp 3,1 juta).", both) == set()
    assert kinds(
        "Income left of IDR 3.1m gives a repayment capacity of IDR 1.86m.", both, "en"
    ) == (set())


def test_a_deficit_named_must_be_the_engines() -> None:
    short = "gen072_decline_capacity"  # short by Rp 563.968 (Rp 1.603.106 after the new one)
    assert "number" in kinds("Sisa penghasilan minus Rp 1.039.138 per bulan.", short)
    assert "number" in kinds("A monthly shortfall of IDR 1,039,138.", short, "en")
    assert kinds("Sisa penghasilan minus Rp 563.968 per bulan.", short) == set()
    assert kinds("Setelah angsuran baru, defisit Rp 1,6 juta sebulan.", short) == set()
    assert kinds("Leaves –Rp 563.968 a month.", short, "en") == set()
    # "A minus B" is arithmetic, and a range's dash no sign
    assert kinds("Rp 7,5 juta minus Rp 3,7 juta pengeluaran.", short) == set()
    assert kinds("Pengeluaran Rp 3 – 3,7 juta sebulan.", short) == set()
    approved = "gen017_reduced_plafon"  # nothing is negative
    assert "number" in kinds("A deficit of IDR 488,298 a month.", approved, "en")


def test_the_number_of_active_loans_must_be_the_engines() -> None:
    # the seed: 31 loans on record, 18 active; the policy allows 3
    assert "number" in kinds("31 pinjaman, 5 di antaranya masih aktif.", field="character")
    assert "number" in kinds("The member has 31 active loans.", lang="en", field="character")
    assert "number" in kinds("Pinjaman aktif: 5.", field="character")
    assert kinds("31 pinjaman, 18 di antaranya masih aktif.", field="character") == set()
    assert kinds("18 of his 31 loans are still active.", lang="en", field="character") == set()
    assert kinds("18 active loans, above the limit of 3.", lang="en", field="character") == set()
    assert kinds("Maksimal 3 pinjaman aktif menurut kebijakan.", field="character") == set()
    assert kinds("More than 3 active loans.", lang="en", field="character") == set()


def test_the_dsr_limit_in_another_clause_does_not_excuse_the_dsr() -> None:
    tenor = "gen023_tenor_extended"  # DSR 53.1% with the recommended loan; limit 50%
    text = "IDR 4.19m in existing instalments; the member's DSR stands at 50%."
    assert "number" in kinds(text, tenor, "en")
    assert kinds("Existing instalments IDR 4.19m; the DSR is 53.1%.", tenor, "en") == set()


def test_the_instalment_with_the_recommended_terms_is_the_recommended_loans() -> None:
    reduced = "gen017_reduced_plafon"  # Rp 74 juta asked (Rp 2,5 juta a month); Rp 14,4 juta
    text = "Disetujui dengan syarat: Rp 14,4 juta selama 45 bulan dengan angsuran Rp 2,5 juta."
    assert "number" in kinds(text, reduced, field="analytic")
    text = "Disetujui dengan syarat: Rp 14,4 juta selama 45 bulan dengan angsuran Rp 488.298."
    assert kinds(text, reduced, field="analytic") == set()
    text = "Plafon diturunkan dari Rp 74 juta (angsuran Rp 2,5 juta) menjadi Rp 14,4 juta."
    assert kinds(text, reduced, field="analytic") == set()
    text = "Angsuran turun dari Rp 2,5 juta menjadi Rp 488 ribu dengan plafon Rp 14,4 juta."
    assert kinds(text, reduced, field="analytic") == set()


def test_a_term_in_whole_years_is_exact_unless_hedged() -> None:
    extended = "gen023_tenor_extended"  # 18 months recommended
    assert "tenure" in kinds("Tenor diperpanjang menjadi 2 tahun.", extended)
    assert "tenure" in kinds("The term is extended to 1 year.", extended, "en")
    assert kinds("Tenor diperpanjang menjadi 1,5 tahun.", extended) == set()
    assert kinds("Tenor diperpanjang menjadi sekitar 2 tahun (18 bulan).", extended) == set()
    assert kinds("The term is extended to one and a half years.", extended, "en") == set()


def test_a_name_without_an_honorific_is_caught() -> None:
    unnamed = "gen039_no_gender_no_age"  # named "siti" on the form; the model is never told
    assert "name" in kinds("Andi Pratama, a trader, has no active loans.", unnamed, "en")
    assert "name" in kinds("Andi Pratama has been a member since 2024.", unnamed, "en")
    assert "name" in kinds("Anggota bernama Andi mengajukan pinjaman.", unnamed)
    assert "name" in kinds("Siti Aminah adalah anggota sejak 2024.", unnamed)
    # the engine's own capitalised words are no names
    assert kinds("Sertifikat Tanah is a strong collateral.", lang="en", field="collateral") == set()
    assert kinds("Modal Kerja, a productive purpose.", "gen011_plafon_and_tenor", "en") == set()


def test_a_cut_by_the_complement_of_a_percentage_is_the_same_figure() -> None:
    both = "gen011_plafon_and_tenor"  # the Beat's tax is unpaid: × 80%
    text = "The Beat's unpaid tax cuts it by a further 20%."
    assert kinds(text, both, "en", field="collateral") == set()
    assert "number" in kinds("The Beat's unpaid tax cuts it by 35%.", both, "en", "collateral")
    assert "number" in kinds("The Beat counts for 20%.", both, "en", "collateral")


# --- found by the second blind set ------------------------------------------------------------


def test_derived_differences_multiples_and_bounds_pass() -> None:
    both = "gen011_plafon_and_tenor"  # 137,5 → 35,7 juta; 43 → 36 months; 4.343.508 → 1.289.167
    text = "The loan is IDR 101.8 million smaller and seven months shorter."
    assert kinds(text, both, "en", "analytic") == set()
    assert kinds("The instalment falls by about IDR 3.05 million.", both, "en") == set()
    assert "number" in kinds("The loan is IDR 90 million smaller.", both, "en", "analytic")
    # the seed: collateral recognised at 25.025% of the plafon, DSR 4.525,7%
    assert kinds("Agunan sekitar 250 kali plafon.", field="collateral") == set()
    assert kinds("DSR lebih dari 4.500%.") == set()
    assert kinds("The DSR is over 4,500%.", lang="en") == set()
    assert "number" in kinds("DSR lebih dari 3.500%.")  # a bound, but not near the figure
    assert "number" in kinds("The DSR is below 4,500%.", lang="en")  # the wrong side


def test_a_scaled_amount_with_a_decimal_comma_is_read_as_written() -> None:
    both = "gen011_plafon_and_tenor"  # the Avanza recognised at Rp 30.700.000
    assert kinds("Avanza diakui Rp 30,7 juta.", both, field="collateral") == set()


def test_income_and_expenses_counted_are_the_ends_the_engine_counts() -> None:
    both = "gen011_plafon_and_tenor"  # income 6,5–8,5 juta counted low; expenses 3,1–3,4 high
    assert kinds("Income is counted at IDR 6.5 million.", both, "en") == set()
    assert "number" in kinds("Income is counted at IDR 8.5 million.", both, "en")
    assert kinds("Pengeluaran dihitung Rp 3,4 juta per bulan.", both) == set()
    assert "number" in kinds("Pengeluaran dihitung Rp 3,1 juta per bulan.", both)
    assert "number" in kinds("Expenses of about IDR 4.8 million a month.", both, "en")


def test_the_income_left_must_be_the_engines() -> None:
    both = "gen011_plafon_and_tenor"  # Rp 3.100.000 left; Rp 1.243.508 short after the new one
    assert kinds("IDR 3.1 million a month is left.", both, "en") == set()
    assert "number" in kinds("IDR 1.86 million a month is left.", both, "en")
    assert "number" in kinds("Sisa penghasilan Rp 1,86 juta per bulan.", both)
    assert kinds("Sisa penghasilan Rp 3,1 juta per bulan.", both) == set()


def test_a_value_given_as_recognised_must_be_a_recognised_one() -> None:
    both = "gen011_plafon_and_tenor"  # Avanza 61,4 juta recognised 30,7; Beat 12,5 → 5
    assert "number" in kinds("The Avanza is recognised at IDR 61.4 million.", both, "en")
    assert "number" in kinds("Beat diakui Rp 10 juta.", both, field="collateral")
    assert kinds("Beat senilai Rp 12,5 juta diakui 50%, yaitu Rp 5 juta.", both) == set()
    text = "The application declared the Beat as recognised at IDR 10 million."
    assert kinds(text, both, "en", "collateral") == set()


def test_named_ratios_must_be_the_engines() -> None:
    tenor = "gen023_tenor_extended"  # withdrawal ratio 136%, coverage 101%, growth 1.5%
    assert "number" in kinds("Rasio penarikan 100,97%.", tenor, field="capital")
    assert kinds("Rasio penarikan 136%.", tenor, field="capital") == set()
    assert "number" in kinds("Collateral coverage of 136%.", tenor, "en", "collateral")
    assert kinds("Collateral coverage of 101%, above the 100% required.", tenor, "en") == set()


def test_more_wordings_of_the_outcome() -> None:
    # the seed is declined; gen017 approved with conditions
    assert "outcome" in kinds("The committee can go ahead once the arrears are settled.")
    assert "outcome" in kinds("The loan can then proceed.", lang="en", field="analytic")
    assert "outcome" in kinds("Permohonan layak dilanjutkan ke pencairan.", field="analytic")
    reduced = "gen017_reduced_plafon"
    assert "outcome" in kinds("The application cannot be supported.", reduced, "en", "analytic")
    assert "outcome" in kinds("Permohonan tidak dapat diproses lebih lanjut.", reduced)
    assert "outcome" in kinds("The request is turned down.", reduced, "en", "analytic")
    assert kinds("The application cannot go ahead.", lang="en", field="analytic") == set()


def test_approves_and_keeps_state_the_terms() -> None:
    reduced = "gen017_reduced_plafon"  # Rp 74 juta asked, Rp 14,4 juta recommended
    text = "The engine approves with conditions a plafon of IDR 74 million."
    assert "plafon" in kinds(text, reduced, "en", "analytic")
    extended = "gen023_tenor_extended"  # 10 months asked, 18 recommended
    text = "The engine keeps the IDR 113.5 million plafon over 10 months."
    assert "tenure" in kinds(text, extended, "en", "analytic")
    text = "The engine keeps the IDR 113.5 million plafon and extends the term to 18 months."
    assert kinds(text, extended, "en", "analytic") == set()


def test_an_instalment_with_a_possessive_and_the_recommended_terms() -> None:
    reduced = "gen017_reduced_plafon"
    text = "Dengan plafon Rp 14,4 juta selama 45 bulan, angsurannya sekitar Rp 2,5 juta per bulan."
    assert "number" in kinds(text, reduced)
    text = "Dengan plafon Rp 14,4 juta selama 45 bulan, angsurannya sekitar Rp 488 ribu per bulan."
    assert kinds(text, reduced) == set()


def test_an_unknown_plafon_is_a_wrong_plafon_even_in_a_decline() -> None:
    # the seed: Rp 10.000.000 requested, declined
    found = kinds("Permohonan plafon Rp 17 juta ditolak.", field="analytic")
    assert {"number", "plafon"} <= found
    assert kinds("Permohonan plafon Rp 10 juta ditolak.", field="analytic") == set()


def test_occupations_as_verb_phrases_and_first_names_alone() -> None:
    both = "gen011_plafon_and_tenor"  # Petani
    assert "occupation" in kinds("He runs a small grocery shop.", both, "en", "character")
    assert "occupation" in kinds("Sehari-hari ia mengajar di sekolah dasar.", both)
    assert kinds("Sehari-hari ia menggarap sawah.", both, field="character") == set()
    assert "occupation" in kinds("Sehari-hari menggarap sawah.", "gen072_decline_capacity")
    assert "name" in kinds("Budi has been a member for five years.", both, "en", "character")
    assert "name" in kinds("Fulan tercatat memiliki 18 pinjaman aktif.", field="character")
    assert kinds("He has been a member for five years.", both, "en", "character") == set()


# --- found by the third blind set -------------------------------------------------------------


def test_a_change_from_one_figure_to_another_is_no_range() -> None:
    both = "gen011_plafon_and_tenor"  # instalment Rp 4.343.508 asked, Rp 1.289.167 recommended
    text = "The instalment falls from IDR 1,289,167 to IDR 4,343,508 a month."  # both facts
    assert kinds(text, both, "en") == set()
    assert "number" in kinds("Income of IDR 5–9 million.", both, "en")  # no such range


def test_an_amount_rounded_to_hundreds_and_the_total_of_instalments() -> None:
    tenor = "gen023_tenor_extended"  # instalment 13.336.250 → 8.291.806, current 4.185.xxx
    assert kinds("The instalment drops by about IDR 5,044,400.", tenor, "en") == set()
    assert "number" in kinds("The instalment drops by about IDR 5,049,400.", tenor, "en")
    ev, _, g = _setup(tenor)
    current = ev.assessed["capacity"].metrics["existing_installment"]
    assert Decimal(current + g.installment) in g.sorted_values["money"]  # all instalments after
    text = "Total angsuran setelah pencairan Rp 12,48 juta per bulan."
    assert kinds(text, tenor) == set()


def test_the_term_restated_in_years_must_be_the_same_term() -> None:
    both = "gen011_plafon_and_tenor"  # 43 → 36 months
    assert "tenure" in kinds("The term is shortened to 36 months — four years.", both, "en")
    assert "tenure" in kinds("Tenor dipersingkat menjadi 36 bulan atau dua tahun.", both)
    assert kinds("Tenor dipersingkat menjadi 36 bulan atau tiga tahun.", both) == set()
    assert kinds("The term is shortened to 36 months, about three years.", both, "en") == set()


def test_the_requested_amount_in_one_clause_does_not_excuse_another() -> None:
    reduced = "gen017_reduced_plafon"  # Rp 74 juta asked, Rp 14,4 juta recommended
    text = "He asked for IDR 74 million; the recommended amount is IDR 20 million."
    assert "plafon" in kinds(text, reduced, "en", "analytic")
    text = "She asked for IDR 74 million; the recommended amount is IDR 14.4 million."
    assert kinds(text, reduced, "en", "analytic") == set()
    # "the term stays" keeps the term, not the amount
    extended = "gen023_tenor_extended"
    text = "The amount stays at IDR 113.5 million and the term is extended to 18 months."
    assert kinds(text, extended, "en", "analytic") == set()


def test_the_amount_a_plafon_is_changed_to_is_the_engines() -> None:
    reduced = "gen017_reduced_plafon"
    text = "The plafon is brought down from IDR 74 million to IDR 28.9 million."
    assert "plafon" in kinds(text, reduced, "en", "analytic")
    text = "The engine trims the request by IDR 14.4 million, to IDR 59.6 million."
    assert "plafon" in kinds(text, reduced, "en", "analytic")
    text = "The plafon is brought down from IDR 74 million to IDR 14.4 million."
    assert kinds(text, reduced, "en", "analytic") == set()
    text = "The instalment goes from IDR 2,509,312 to IDR 488,298."  # another figure changed
    assert kinds(text, reduced, "en", "analytic") == set()


def test_declining_the_term_asked_is_part_of_an_approval_on_other_terms() -> None:
    extended = "gen023_tenor_extended"  # 10 months asked, 18 recommended
    text = "Tenor 10 bulan yang diajukan tidak dapat direkomendasikan."
    assert kinds(text, extended, field="analytic") == set()
    text = "Permohonan ini belum dapat direkomendasikan saat ini."
    assert "outcome" in kinds(text, extended, field="analytic")
    text = "Karena KYC belum dilakukan, permohonan ini belum dapat disetujui."
    assert "outcome" in kinds(text, extended, field="analytic")
    # the seed is declined: an approval pending a document is still an approval
    text = "Permohonan pada dasarnya layak; pencairan cukup menunggu agunan diserahkan."
    assert "outcome" in kinds(text, field="analytic")


def test_an_age_said_of_the_member_and_at_the_end_of_the_term() -> None:
    # the seed: 42, 43 at maturity
    assert "age" in kinds("He is fifty-eight and trades.", lang="en", field="character")
    assert kinds("He is 42 and trades in the market.", lang="en", field="character") == set()
    text = "By the end of the requested 12-month term he would be 43."
    assert kinds(text, lang="en", field="character") == set()
    text = "The application listed his age as 40, but the date of birth gives 42."
    assert kinds(text, lang="en", field="character") == set()


def test_loan_class_loans_on_record_savings_and_deposits() -> None:
    # the seed: kol-4 (Diragukan), 31 loans on record, savings Rp 4.150.000, deposits Rp 20 juta
    assert "number" in kinds("Kolektibilitas kol-3 (Diragukan).", field="character")
    assert kinds("Kolektibilitas kol-4 (Diragukan).", field="character") == set()
    assert kinds("Kredit macet dimulai dari kol-3 ke atas.", field="character") == set()
    assert "number" in kinds("25 loans on record, 18 still active.", lang="en", field="character")
    assert kinds("31 loans on record, 18 still active.", lang="en", field="character") == set()
    text = "Own funds: IDR 20 million in savings and IDR 4.15 million in deposits."
    assert "number" in kinds(text, lang="en", field="capital")
    text = "Own funds: IDR 4.15 million in savings and IDR 20 million in deposits."
    assert kinds(text, lang="en", field="capital") == set()


def test_expenses_counted_carry_across_the_clause() -> None:
    both = "gen011_plafon_and_tenor"  # expenses 3,1–3,4 juta, counted at 3,4
    text = "Income is counted at IDR 6.5 million and expenses at IDR 3.1 million."
    assert "number" in kinds(text, both, "en")
    text = "Income is counted at IDR 6.5 million and expenses at IDR 3.4 million."
    assert kinds(text, both, "en") == set()


# --- found by the fourth blind set ------------------------------------------------------------


def test_signs_glued_counted_at_and_abbreviated_limits() -> None:
    reduced = "gen017_reduced_plafon"  # nothing negative; Rp 14,4 juta recommended
    text = "Approved on other terms - Rp 14,400,000 over 45 months."  # a dash, not a sign
    assert kinds(text, reduced, "en", "analytic") == set()
    assert "number" in kinds("Income left: -Rp 14,400,000 a month.", reduced, "en")
    both = "gen011_plafon_and_tenor"  # expenses 3,1–3,4 juta counted at 3,4
    text = "Income Rp 6.5m-8.5m (Rp 6.5m used) | Expenses Rp 3.1m-3.4m (Rp 3.4m used)"
    assert kinds(text, both, "en") == set()
    assert kinds("DSR 66,8% (maks. 50%), angsuran maks. Rp 1,86 juta.", both) == set()


def test_headroom_collateral_shortfall_and_item_count_are_derived_facts() -> None:
    both = "gen011_plafon_and_tenor"  # capacity 1,86 juta; asked 4.343.508; two items
    text = "The requested instalment exceeds capacity by about IDR 2.48 million."
    assert kinds(text, both, "en") == set()
    assert kinds("Two items are pledged: an Avanza and a Beat.", both, "en", "collateral") == set()
    # 137,5 juta × 100% required − 35,7 juta recognised = 101,8 juta short of full cover
    assert kinds("The collateral is IDR 101.8 million short.", both, "en", "collateral") == set()


def test_the_overall_grade_and_the_recognition_applied() -> None:
    both = "gen011_plafon_and_tenor"  # overall B; everything recognised at 50%
    assert "number" in kinds("Overall score 65/100, grade C.", both, "en", "analytic")
    assert kinds("Overall grade B.", both, "en", "analytic") == set()
    reduced = "gen017_reduced_plafon"  # the Beat: 80% declared, 50% recognised
    text = "The Beat is recognised at 80%, giving Rp 14.45 million."
    assert "number" in kinds(text, reduced, "en", "collateral")
    text = "The Beat is recognised at 50%, giving Rp 14.45 million (80% was declared)."
    assert kinds(text, reduced, "en", "collateral") == set()


def test_a_term_stated_as_the_loans_and_names_and_ages_in_more_forms() -> None:
    both = "gen011_plafon_and_tenor"  # 43 months asked, 36 recommended
    assert "tenure" in kinds("Jangka waktu pinjaman 4 tahun.", both, field="condition")
    assert "tenure" in kinds("The loan is spread over five years.", both, "en", "analytic")
    assert kinds("Jangka waktu pinjaman 3 tahun (batas 36 bulan).", both) == set()
    assert kinds("Angsuran tenor 43 bulan sebesar Rp 4,34 juta.", both) == set()  # the asked
    assert "name" in kinds("Budi's application is approved.", both, "en", "analytic")
    # the seed: 42
    assert "age" in kinds("A trader who is 40 and has 18 active loans.", lang="en")
    assert "outcome" in kinds("The analysis leans towards a conditional approval.", lang="en")
