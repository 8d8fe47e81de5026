"""The small check (``cde.narration.check``): each kind of violation, negation, the phrases
that are not figures, faithful texts that pass, and its speed."""

from __future__ import annotations

import dataclasses
import importlib
import json
import re
from datetime import date
from functools import cache
from pathlib import Path

import orjson
import pytest

from cde.domain.application import parse_application
from cde.domain.decision import Outcome
from cde.domain.evaluation import assess
from cde.domain.findings import FIVE_C
from cde.domain.text import Lang
from cde.narration import Facts, Violation, check, facts_of, render
from cde.policies import default_policy
from generate_applications import generate  # benchmarks/ (pytest's pythonpath)

check_module = importlib.import_module("cde.narration.check")

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed_request.json"
TODAY = date(2026, 11, 23)
POLICY = default_policy()


@cache
def seed(lang: Lang = "en") -> Facts:
    raw = json.loads(SEED.read_text("utf-8"))
    return facts_of(assess(parse_application(raw), POLICY, TODAY), lang)


def judged(texts: dict[str, str], facts: Facts) -> list[Violation]:
    """What the rules other than the plain-word vocabulary find (the texts that test them
    may use words outside it; the vocabulary has tests of its own)."""
    return [v for v in check(texts, facts) if v.kind != "unlisted"]


def kinds(text: str, field: str = "analytic", facts: Facts | None = None) -> list[str]:
    return [v.kind for v in judged({field: text}, facts or seed())]


def in_c(dim: str, words: str) -> str:
    """A C's text: its verdict, then ``words``."""
    return f"{{{dim}.verdict}}. {words}"


# The seed, declined: character E, capacity E, capital C (with concerns), collateral A with
# a medium finding (an unverified item), condition A with only a low one.
FAITHFUL_ID = {
    "character": "{character.verdict}. {character.findings.KOLEK_NON_PERFORMING} "
    "{character.findings.ACTIVE_LOANS_EXCESSIVE} {character.findings.KYC_NOT_DONE} "
    "Riwayat pembayaran anggota bermasalah dan identitasnya belum terverifikasi; "
    "{applicant.membership} tidak mengubah hal itu.",
    "capacity": "{capacity.verdict} {capacity.findings.CAPACITY_NO_ROOM} Dengan "
    "{capacity.dsr_pct}, beban angsuran terlalu berat.",
    "capital": "{capital.verdict}. {capital.findings.OWN_FUNDS_STRONG} Namun "
    "{capital.findings.WITHDRAWAL_RATIO_HIGH} Penarikan simpanan perlu dipantau.",
    "collateral": "{collateral.verdict}. {collateral.findings.COVERAGE_STRONG} "
    "{collateral.findings.COLLATERAL_UNVERIFIED} Agunan belum diverifikasi, sehingga "
    "verifikasinya perlu dilengkapi.",
    "condition": "{condition.verdict}. {condition.findings.PURPOSE_CONSUMPTIVE} "
    "{condition.findings.INTEREST_WITHIN_CEILING} Suku bunga dan tenor tidak mengubah keputusan.",
    "analytic": "{decision.outcome}. {decision.reasons.DECLINE_KNOCKOUT} Kapasitas dan "
    "karakter lemah, sehingga pinjaman tidak layak dibiayai; agunan dan kondisi tidak "
    "mengubah keputusan ini. Salah satu catatan data: {data_quality.DQ_NIK_LENGTH} Pekerjaan "
    "anggota, {applicant.occupation}, tidak menjadi dasar penilaian 5C.",
}
FAITHFUL_EN = {
    "character": "{character.verdict}. {character.findings.KOLEK_NON_PERFORMING} The member "
    "is in arrears and the identity is not verified: {character.findings.KYC_NOT_DONE}",
    "capacity": "{capacity.verdict}. {capacity.findings.CAPACITY_NO_ROOM} With "
    "{capacity.dsr_pct}, repayment capacity is weak.",
    "capital": "{capital.verdict}. Own funds are {capital.own_funds}, but "
    "{capital.findings.WITHDRAWAL_RATIO_HIGH}",
    "collateral": "{collateral.verdict}. {collateral.findings.COLLATERAL_UNVERIFIED} The "
    "collateral is not fully verified.",
    "condition": "{condition.verdict}. {condition.findings.INTEREST_WITHIN_CEILING} The "
    "purpose is not a problem for the condition, and it is not weak.",
    "analytic": "{decision.outcome}: the loan is declined and cannot be approved. Capacity is "
    "weak and the character is poor; one of the knock-outs decides it. The collateral "
    "does not change that, and no one should read the five Cs otherwise.",
}


@pytest.mark.parametrize(("lang", "texts"), [("id", FAITHFUL_ID), ("en", FAITHFUL_EN)])
def test_a_faithful_narrative_of_the_seed_passes(lang: Lang, texts: dict[str, str]) -> None:
    assert check(texts, seed(lang)) == []
    rendered = render(texts["capacity"], seed(lang))
    assert "{" not in rendered
    assert ("DSR 4.525,73%" if lang == "id" else "DSR 4,525.73%") in rendered


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("character", "the member has an excellent repayment record with no arrears"),
        ("capacity", "repayment capacity is strong"),
        ("capacity", "kemampuan bayar anggota kuat"),
        ("character", "Riwayat kreditnya sangat baik."),
    ],
)
def test_the_seeds_figure_free_contradictions_are_refused(field: str, text: str) -> None:
    found = judged({field: in_c(field, text)}, seed())
    assert found
    assert {v.kind for v in found} == {"verdict"}
    assert all(v.field == field and field in v.detail for v in found)


def test_full_cover_is_a_comparison_and_fully_is_judged_against_the_grade() -> None:
    """On the seed the collateral is graded A (it covers the request many times over), so
    "fully" agrees with the engine; where it is graded C it does not. "covers" compares a
    value with the plafon: that is the finding's to say, so it is refused either way."""
    claim = {"collateral": in_c("collateral", "The collateral fully covers the loan.")}
    assert [(v.kind, v.text) for v in check(claim, seed())] == [("unlisted", "covers")]
    adequate = dataclasses.replace(seed(), grades={**seed().grades, "collateral": "C"})
    assert {(v.kind, v.text) for v in check(claim, adequate)} == {
        ("unlisted", "covers"),
        ("verdict", "fully"),
    }


def test_a_verdict_word_about_a_c_follows_the_engine_in_either_direction() -> None:
    assert kinds(in_c("character", "Riwayatnya sangat baik."), "character") == ["verdict"]
    # capital C: adequate, neither plain praise nor plain criticism contradicts it
    assert kinds(in_c("capital", "Modal anggota sehat."), "capital") == []
    assert kinds(in_c("capital", "Modal anggota lemah."), "capital") == []
    assert kinds(in_c("capital", "Modal anggota sangat baik."), "capital") == ["verdict"]
    assert kinds(in_c("capital", "The capital position is critical."), "capital") == ["verdict"]
    assert kinds(in_c("condition", "Conditions are weak."), "condition") == ["verdict"]  # A
    assert kinds(in_c("condition", "Kondisinya buruk."), "condition") == ["verdict"]
    assert kinds(in_c("character", "Karakter lemah."), "character") == []
    # collateral A: a criticism must cite the engine's concern in the same sentence
    assert kinds(in_c("collateral", "The collateral is weak."), "collateral") == ["verdict"]
    cited = "The collateral is weak where {collateral.findings.COLLATERAL_UNVERIFIED}"
    assert kinds(in_c("collateral", cited), "collateral") == []
    low = "Collateral is weak: {condition.findings.PURPOSE_CONSUMPTIVE}"  # not its concern
    assert kinds(low) == ["verdict"]
    # negation: "not strong" criticises, "not excellent" says nothing
    assert kinds(in_c("condition", "The condition is not strong."), "condition") == ["verdict"]
    assert kinds(in_c("capital", "Modalnya tidak sempurna."), "capital") == []
    # the analytic: the C the sentence names before the word, else the one after it
    assert kinds("Collateral is weak but the condition is poor.") == ["verdict", "verdict"]
    assert kinds("A strong collateral.") == []
    assert kinds("The condition is good, the capacity is bad.") == []
    assert kinds("Kapasitas kuat.") == ["verdict"]
    assert kinds("Everything is strong.") == []  # names no C
    # in a C's text, a sentence naming another C speaks of that one
    assert kinds(in_c("condition", "Capacity is weak."), "condition") == []
    found = judged({"capacity": in_c("capacity", "Good.")}, seed())
    assert found == [
        Violation(
            "verdict",
            "capacity",
            "Good",
            "speaks well of capacity, which the engine graded E",
        )
    ]


def test_a_negation_turns_a_word_into_its_opposite() -> None:
    assert kinds(in_c("character", "Tidak ada tunggakan."), "character") == ["verdict"]
    assert kinds(in_c("character", "It is not weak."), "character") == ["verdict"]
    assert kinds(in_c("character", "Karakter tidak kuat."), "character") == []
    assert kinds(in_c("character", "Pembayaran kurang lancar."), "character") == []
    assert kinds(in_c("capacity", "Capacity isn't strong."), "capacity") == []
    assert kinds(in_c("condition", "The condition is not strong."), "condition") == ["verdict"]
    assert kinds(in_c("condition", "Kondisi tidak bermasalah."), "condition") == []
    found = judged({"character": in_c("character", "A record with no arrears.")}, seed())
    assert [(v.kind, v.text) for v in found] == [("verdict", "no arrears")]
    # a negation reaches across words that carry it, inside its sentence only, not a verb
    assert kinds(in_c("character", "That does not lift a weak character."), "character") == []
    assert kinds("Karakter tidak terlalu kuat.") == []
    assert kinds("Karakter tidak. Karakter kuat.") == ["verdict"]


def test_figures_typed_by_hand_are_refused_in_any_notation() -> None:
    for typed in ("10.000.000", "4,525.7%", "Rp10jt", "12x", "kol-4", "2026", "4.525,73%"):
        found = judged({"analytic": f"The figure is {typed} here."}, seed())
        assert [v.kind for v in found] == ["figure"], typed
        assert typed.split("-")[-1].lstrip("Rp") in found[0].text
    for words in (
        "sepuluh", "dua puluh", "duapuluh", "seratus", "seribu", "sejuta", "lima juta",
        "ratusan", "setengah", "separuh", "satu", "sebelas", "tiga belas", "miliar",
        "one", "nineteen", "twenty-five", "hundred", "thousands", "a million", "half",
        "a dozen", "twice", "double", "triple",
    ):  # fmt: skip
        assert "figure" in kinds(f"It is {words} rupiah."), words


def test_phrases_that_are_not_figures_pass() -> None:
    for text in (
        "The 5C analysis and the 5 C view.",
        "Penilaian 5C, lima C.",
        "The five Cs agree.",
        "Salah satu alasan.",
        "One of the reasons; no one disputes it; someone, anyone, everyone.",
        "Satu-satunya alasan; the only one.",
        "{capacity.dsr_pct} and {decision.reasons.DECLINE_KNOCKOUT}",
    ):
        assert kinds(text) == [], text


def test_unknown_facts_and_missing_verdicts_are_refused() -> None:
    found = judged(
        {"analytic": "{capacity.dsr} {Capacity.dsr_pct} {dsr} {capacity.dsr_pct}"}, seed()
    )
    assert [(v.kind, v.text) for v in found] == [
        ("unknown_fact", "{capacity.dsr}"),
        ("unknown_fact", "{Capacity.dsr_pct}"),
        ("unknown_fact", "{dsr}"),
    ]
    found = judged(dict.fromkeys(FIVE_C, "{capacity.dsr_pct} is the figure."), seed())
    assert [(v.kind, v.field, v.text) for v in found] == [
        ("missing_verdict", dim, f"{{{dim}.verdict}}") for dim in FIVE_C
    ]
    assert judged({"analytic": "No verdict is needed here."}, seed()) == []


def test_an_outcome_word_must_agree_with_the_engine() -> None:
    assert kinds("The loan is approved.") == ["outcome"]
    assert kinds("Pinjaman layak dibiayai.") == ["outcome", "outcome"]
    assert kinds("Recommended for approval.") == ["outcome"]
    assert kinds("We recommend approval.") == ["outcome"]
    assert kinds("Pinjaman ditolak; tidak layak dan tidak dapat disetujui.") == []
    assert kinds("It should not be approved; it is rejected.") == []
    approved = dataclasses.replace(seed(), outcome=Outcome.APPROVE_WITH_CONDITIONS)
    assert kinds("The loan is declined.", facts=approved) == ["outcome"]
    assert kinds("Permohonan ditolak.", facts=approved) == ["outcome"]
    assert kinds("Pinjaman disetujui dan tidak ditolak.", facts=approved) == []
    (v,) = judged({"analytic": "Approved."}, seed())
    assert v.as_dict() == {
        "kind": "outcome",
        "field": "analytic",
        "text": "Approved",
        "detail": "approves the loan; the outcome is decline",
    }


def test_every_gendered_word_is_refused_the_model_was_never_told_the_gender() -> None:
    assert kinds("She pays on time; Ibu says so.") == ["gender", "gender"]  # the seed is male
    assert kinds("He pays; his record; laki-laki.") == ["gender", "gender", "gender"]
    assert kinds("Beliau dan anggota membayar; the member pays.") == []  # neutral words


def test_names_are_refused() -> None:
    found = judged({"analytic": "Ibu Sari pays. Pak Budi too. Mr. Smith."}, seed())
    assert [(v.kind, v.text) for v in found if v.kind == "name"] == [
        ("name", "Ibu Sari"),
        ("name", "Pak Budi"),
        ("name", "Mr. Smith"),
    ]
    found = judged({"analytic": "The member FULAN and fulan's loans."}, seed())
    assert [(v.kind, v.text) for v in found] == [("name", "FULAN"), ("name", "fulan's")]
    assert kinds("Ibu rumah tangga adalah pekerjaan.") == ["occupation"]  # not the seed's
    assert kinds("the member pays.") == []


def test_an_occupation_comes_by_reference_only() -> None:
    found = judged({"analytic": "Sebagai petani, ia bergantung pada panen."}, seed())
    assert [(v.kind, v.detail) for v in found] == [
        ("occupation", "an occupation in words: not the recorded one")
    ]
    assert kinds("A teacher, a schoolteacher, a civil servant and drivers.") == ["occupation"] * 4
    # the seed's own occupation (Pedagang) in words is refused too: it comes by reference
    found = judged({"analytic": "Sebagai pedagang; as a trader; merchants."}, seed())
    assert [v.detail for v in found] == ["an occupation in words"] * 3
    assert kinds("Pekerjaan: {applicant.occupation}.") == []
    assert kinds("Ibu rumah tangga.") == ["occupation"]  # a phrase, not a name nor a gender


def test_verdict_only_texts_pass_on_generated_applications() -> None:
    for raw in generate(60, seed=7):
        ev = assess(parse_application(raw), POLICY, TODAY)
        for lang in ("id", "en"):
            fx = facts_of(ev, lang)
            texts: dict[str, str] = {d: f"{{{d}.verdict}}. {{{d}.score}}" for d in FIVE_C}
            texts["analytic"] = "{decision.outcome}. {assessment.grade}"
            assert check(texts, fx) == []


def corpus_facts(name: str) -> Facts:
    path = Path(__file__).parents[1] / "narration_corpus" / "applications" / f"{name}.json"
    raw = orjson.loads(path.read_bytes())
    return facts_of(assess(parse_application(raw), default_policy(), date(2026, 11, 23)), "en")


def test_conditions_and_requested_terms_follow_the_engine() -> None:
    cut = corpus_facts("g5_057_plafon_and_tenor_capped")  # with conditions, plafon and tenor cut
    outright = corpus_facts("gen039_no_gender_no_age")  # approved as asked, no conditions
    assert (cut.outcome.value, outright.outcome.value) == ("approve_with_conditions", "approve")

    def found(text: str, facts: Facts) -> list[tuple[str, str]]:
        return [(v.kind, v.text) for v in judged({"analytic": text}, facts)]

    assert found("Approved as requested, without conditions.", cut) == [
        ("outcome", "as requested"),
        ("outcome", "without conditions"),
    ]
    assert found("Disetujui tanpa perubahan dan tanpa syarat.", cut) == [
        ("outcome", "tanpa perubahan"),
        ("outcome", "tanpa syarat"),
    ]
    assert found("Approved with conditions, at a lower plafon.", cut) == []
    assert found("Approved as requested, without conditions.", outright) == []
    assert found("Disetujui dengan syarat.", outright) == [("outcome", "dengan syarat")]
    assert found("The loan is not approved as requested.", seed()) == []  # declined


def test_the_shipped_instruction_files_example_passes_on_the_seed() -> None:
    """The worked example a model is shown must itself be a faithful answer."""
    path = Path(__file__).parents[2] / "src" / "cde" / "instructions" / "default.json"
    example = json.loads(path.read_text(encoding="utf-8"))["example"]
    texts = {**example["5c"], "analytic": example["analytic"]}
    assert set(texts) == {*FIVE_C, "analytic"}
    assert check(texts, seed("id")) == []


def unlisted(text: str, field: str = "analytic", facts: Facts | None = None) -> list[str]:
    return [v.text for v in check({field: text}, facts or seed()) if v.kind == "unlisted"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{capacity.dsr_pct} is well within the limit.", ["within"]),
        ("{capacity.dsr_pct} exceeds the limit and savings keep growing.", ["exceeds", "growing"]),
        (
            "The collateral covers the loan, with only a small gap.",
            ["covers", "only", "small", "gap"],
        ),
        ("DSR {capacity.dsr_pct} berada di bawah batas.", ["di bawah"]),
        ("Nilai agunan jauh di atas plafon.", ["jauh", "di atas"]),
        (
            "Penghasilan tinggi, pengeluaran rendah, simpanan terus tumbuh.",
            ["tinggi", "rendah", "terus", "tumbuh"],
        ),
        ("Agunan menutup plafon; angsuran melebihi kemampuan.", ["menutup", "melebihi"]),
        ("A low-risk, well-managed member.", ["low-risk", "well-managed"]),
    ],
)
def test_comparisons_trends_and_unknown_words_are_refused(text: str, words: list[str]) -> None:
    """Outside placeholders a text may use only plain words: a comparison or a trend is the
    finding's to state, and a word the check does not know is refused, not guessed at."""
    assert unlisted(text) == words


def test_plain_words_pass_in_their_forms() -> None:
    text = (
        "Anggota-anggota koperasi dan simpanannya tercatat; dokumennya perlu diverifikasi. "
        "The member's loans and the cooperative's records don't change the decision, "
        "which the committee reviews."
    )
    assert check({"analytic": text}, seed()) == []


def test_an_intensifier_beside_a_verdict_word_is_not_a_verdict_of_its_own() -> None:
    weak = dataclasses.replace(seed(), grades={**seed().grades, "capital": "D"})
    assert kinds(in_c("capital", "Modal cukup lemah."), "capital", weak) == []
    assert kinds(in_c("capital", "Capital is not strong enough."), "capital", weak) == []
    assert kinds(in_c("capital", "Modal anggota cukup."), "capital", weak) == ["verdict"]
    assert kinds(in_c("capital", "There is enough capital."), "capital", weak) == ["verdict"]


def test_the_vocabulary_holds_no_word_the_check_judges() -> None:
    """A plain word grades nothing: none is a verdict, number, outcome, gender or job word,
    and each is one lower-case word of letters (with an inner hyphen or apostrophe)."""
    words = check_module._VOCABULARY
    assert len(words) > 500
    assert all(re.fullmatch(r"[a-z]+(?:['-][a-z]+)*", w) for w in words), sorted(
        w for w in words if not re.fullmatch(r"[a-z]+(?:['-][a-z]+)*", w)
    )
    judged_words = {w for w, kind in check_module._WORDS.items() if kind != "fine"}
    assert words.isdisjoint(judged_words), sorted(words & judged_words)
    assert words.isdisjoint(check_module._SOFT | check_module._VERY)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The member pays on time.", "en"),
        ("The member can repay the instalment.", "en"),
        ("There is no risk.", "en"),
        ("Anggota dapat membayar angsuran.", "id"),
        ("Tidak ada risiko.", "id"),
        ("Pinjaman ini tanpa risiko.", "id"),
    ],
)
def test_plain_words_that_together_praise_are_judged(text: str, lang: Lang) -> None:
    """A few plain words claim what a grade says ("can pay", "on time"): read as praise."""
    assert kinds(in_c("capacity", text), "capacity", seed(lang)) == ["verdict"]  # graded E
    assert kinds(in_c("collateral", text), "collateral", seed(lang)) == []  # graded A


def test_every_list_and_phrase_is_of_a_kind_the_check_knows() -> None:
    judged = {"positive", "superb", "negative", "dire", "conditional", "unconditional"}
    judged |= {"as_requested", "approve", "decline", "female", "male", "fine", *FIVE_C}
    assert set(check_module._LISTS) == {"plain", *judged}
    phrase_kinds = {kind for alts in check_module._PHRASES.values() for _, kind in alts}
    assert phrase_kinds <= judged | {"job", "unlisted", "capacity"}
    assert kinds(in_c("capacity", "The member cannot repay."), "capacity") == []  # graded E
    assert kinds(in_c("collateral", "It cannot repay."), "collateral") == ["verdict"]  # A
