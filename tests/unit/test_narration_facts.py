"""The narration's facts (``cde.narration.facts``) and placeholders (``cde.narration.render``):
ids, values, units and texts in both languages, nothing identifying sent to a model, and a
table entry for every metric the engine reports."""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache
from pathlib import Path

import orjson
import pytest

from cde.domain.application import parse_application
from cde.domain.evaluation import Evaluation, assess
from cde.domain.findings import FIVE_C
from cde.domain.scorecard.model import parse_scorecard
from cde.domain.text import Lang
from cde.narration import Fact, Facts, facts_of, references, render
from cde.narration.facts import METRICS
from cde.policies import default_policy
from generate_applications import generate  # benchmarks/ (pytest's pythonpath)
from scorecards import small_scorecard  # tests/ (pytest's pythonpath)

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed_request.json"
TODAY = date(2026, 11, 23)
POLICY = default_policy()


@cache
def _seed() -> Evaluation:
    return assess(parse_application(json.loads(SEED.read_text("utf-8"))), POLICY, TODAY)


def seed_facts(lang: Lang) -> Facts:
    return facts_of(_seed(), lang)


# id, unit, value, Indonesian text, English text
SEED_FACTS = [
    ("request.plafon", "rupiah", 10_000_000, "Rp 10.000.000", "Rp 10,000,000"),
    ("request.tenure_months", "months", 12, "12 bulan", "12 months"),
    ("request.interest_pct", "percent", 12.0, "12%", "12%"),
    ("request.interest_method", "text", "anuitas", "bunga anuitas", "annuity"),
    ("request.installment", "rupiah", 888_488, "Rp 888.488", "Rp 888,488"),
    ("request.purpose", "text", "Konsumtif", "Konsumtif", "Konsumtif"),
    ("decision.outcome", "outcome", "decline", "ditolak", "decline"),
    ("decision.plafon", "rupiah", 0, "Rp 0", "Rp 0"),
    ("applicant.age", "years", 42, "42 tahun", "42 years"),
    ("applicant.occupation", "text", "Pedagang", "Pedagang", "Pedagang"),
    ("applicant.membership", "months", 75, "6 tahun 3 bulan", "6 years 3 months"),
    ("assessment.score", "score", 31, "31/100", "31/100"),
    ("assessment.grade", "grade", "E", "E", "E"),
    ("character.grade", "grade", "E", "E", "E"),
    ("character.score", "score", 0, "0/100", "0/100"),
    ("character.kolektibilitas_label", "text", "Diragukan", "Diragukan", "Diragukan"),
    ("character.kyc_done", "flag", False, "tidak", "no"),
    ("character.non_performing", "flag", True, "ya", "yes"),
    ("character.active_loans", "count", 18, "18", "18"),
    ("capacity.dsr_pct", "percent", 4525.73, "4.525,73%", "4,525.73%"),
    ("capacity.disposable_income", "rupiah", -12_888_704, "-Rp 12.888.704", "-Rp 12,888,704"),
    ("capital.own_funds", "rupiah", 24_150_000, "Rp 24.150.000", "Rp 24,150,000"),
    ("capital.withdrawal_ratio_pct", "percent", 174.48, "174,48%", "174.48%"),
    ("capital.deposits_per_month", "per_month", 8.3, "8,3", "8.3"),
    ("collateral.coverage_pct", "percent", 25025.0, "25.025%", "25,025%"),
    ("collateral.grade", "grade", "A", "A", "A"),
    ("collateral.items.1.name", "text", "Avanza", "Avanza", "Avanza"),
    ("collateral.items.2.recognised", "rupiah", 2_500_000_000, "Rp 2.500.000.000",
     "Rp 2,500,000,000"),
    ("condition.interest_ceiling_pct", "percent", 24.0, "24%", "24%"),
    ("condition.plafon_to_annual_income", "times", 2.7778, "2,78×", "2.78×"),
    ("as_of", "date", "2026-11-23", "23 November 2026", "November 23, 2026"),
]  # fmt: skip


@pytest.mark.parametrize(("fid", "unit", "value", "text_id", "text_en"), SEED_FACTS)
def test_the_seeds_facts_have_their_values_units_and_texts_in_both_languages(
    fid: str, unit: str, value: object, text_id: str, text_en: str
) -> None:
    for lang, written in (("id", text_id), ("en", text_en)):
        fact = seed_facts(lang).by_id[fid]  # type: ignore[arg-type]
        assert (fact.id, fact.unit, fact.value, fact.text) == (fid, unit, value, written)


def test_labels_verdicts_and_sentences_are_in_the_facts_language() -> None:
    idn, en = seed_facts("id").by_id, seed_facts("en").by_id
    assert idn["capacity.dsr_pct"].rendered() == "DSR 4.525,73%"
    assert en["decision.plafon"].rendered() == "recommended amount Rp 0"
    assert idn["decision.plafon"].rendered() == "plafon yang direkomendasikan Rp 0"
    assert idn["character.verdict"].text == "Karakter: nilai E, 0 dari 100 — sangat lemah"
    assert en["character.verdict"].text == "Character: grade E, 0 of 100 — very weak"
    assert en["capital.verdict"].text == "Capital: grade C, 60 of 100 — fair"
    assert idn["collateral.verdict"].text == "Agunan: nilai A, 85 dari 100 — sangat baik"
    # a sentence renders as its words alone, and its value is its code
    no_room = en["capacity.findings.CAPACITY_NO_ROOM"]
    assert (no_room.unit, no_room.value) == ("sentence", "CAPACITY_NO_ROOM")
    assert no_room.rendered() == no_room.text
    assert no_room.text.startswith("Income left after expenses and current instalments is -Rp")
    assert idn["capacity.findings.CAPACITY_NO_ROOM"].text.startswith("Sisa penghasilan")
    assert en["decision.reasons.DECLINE_KNOCKOUT"].text.startswith("Declined: 2 of the policy")
    # a code met twice (one collateral item each) is one fact with both messages
    items = en["collateral.findings.COLLATERAL_ITEM"].text
    assert items.startswith("Avanza (car, fiducia)")
    assert "Sertifikat Tanah (certified" in items
    # an item's figures say which item they are about
    assert en["collateral.items.1.value"].rendered() == "value (Avanza) Rp 10,000,000"


def test_the_seeds_facts_hold_what_the_engine_found() -> None:
    fx = seed_facts("en")
    assert (fx.lang, fx.outcome.value) == ("en", "decline")
    assert fx.grades == {"character": "E", "capacity": "E", "capital": "C", "collateral": "A",
                         "condition": "A"}  # fmt: skip
    # collateral: grade A but an unverified item (medium); condition: only a low finding
    assert {c.split(".")[0] for c in fx.concerns} == set(FIVE_C)  # condition: a low one
    assert "collateral.findings.COLLATERAL_UNVERIFIED" in fx.concerns
    assert all(c in fx.by_id for c in fx.concerns)
    assert (fx.occupation, fx.name_words) == ("Pedagang", frozenset({"fulan"}))
    ids = list(fx.by_id)
    assert all(re.fullmatch(r"[a-z_]+(\.[A-Za-z0-9_]+)+", i) for i in ids[:-1])
    assert (ids[0], ids[-1]) == ("request.plafon", "as_of")
    for dim in FIVE_C:
        assert {f"{dim}.verdict", f"{dim}.score", f"{dim}.grade"} <= set(ids)
    assert "capital.balance_growth_pct" not in fx.by_id  # None metrics are left out
    assert not any(i.startswith("scorecard.") for i in ids)  # the default policy has none
    assert {i for i in ids if i.startswith("data_quality.")} == {
        "data_quality.DQ_KYC_NOT_DONE",
        "data_quality.DQ_NIK_LENGTH",
        "data_quality.DQ_AGE_MISMATCH",
        "data_quality.DQ_RECOGNITION_VALUE_MISMATCH",
    }


@pytest.mark.parametrize("lang", ["id", "en"])
def test_nothing_identifying_is_sent_to_a_model(lang: Lang) -> None:
    ev = _seed()
    model = seed_facts(lang).for_model()
    assert model["language"] == lang
    assert set(model["facts"][0]) == {"id", "label", "unit", "value", "text"}
    sent = orjson.dumps(model).decode().lower()  # JSON-ready as it is
    who = ev.application.character
    assert (who.name, who.nik) == ("fulan", "12121212121212")
    for secret in (
        "fulan",
        "12121212121212",
        ev.application.customer_id,
        ev.application.loan_id,
        "1984",
        "10 april",
        "april 10",
        "denpasar",
        "gender",
        "male",
        "laki",
    ):
        assert secret.lower() not in sent, secret
    age = seed_facts(lang).by_id["data_quality.DQ_AGE_MISMATCH"].text
    assert ("[dirahasiakan]" if lang == "id" else "[withheld]") in age


def test_render_puts_each_facts_text_in_its_placeholder() -> None:
    raw = "{capacity.verdict}. {capacity.findings.CAPACITY_NO_ROOM} Dengan {capacity.dsr_pct}, beban angsuran terlalu berat."  # noqa: E501
    assert references(raw) == [
        "capacity.verdict",
        "capacity.findings.CAPACITY_NO_ROOM",
        "capacity.dsr_pct",
    ]
    assert render(raw, seed_facts("id")) == (
        "Kapasitas: nilai E, 0 dari 100 — sangat lemah. Sisa penghasilan setelah pengeluaran "
        "dan angsuran berjalan -Rp 12.888.704 per bulan: tidak ada ruang untuk angsuran baru "
        "Rp 888.488. Dengan DSR 4.525,73%, beban angsuran terlalu berat."
    )
    en = "Requested {request.plafon} over {request.tenure_months}; {decision.outcome}."
    assert render(en, seed_facts("en")) == (
        "Requested requested amount Rp 10,000,000 over requested term 12 months; decision decline."
    )
    # unknown ids and what is not a placeholder stay as written
    odd = "{capacity.nope} {Capacity.dsr_pct} {dsr} {capacity.dsr_pct}"
    assert render(odd, seed_facts("en")) == "{capacity.nope} {Capacity.dsr_pct} {dsr} DSR 4,525.73%"
    assert references(odd) == ["capacity.nope", "capacity.dsr_pct"]


def test_a_fact_renders_with_its_label_unless_it_is_a_sentence() -> None:
    assert Fact("x.y", 5, "count", "loans", "5").rendered() == "loans 5"
    assert Fact("x.z", "C", "sentence", "finding", "A sentence.").rendered() == "A sentence."


def test_every_metric_of_generated_applications_has_a_table_entry_and_a_fact() -> None:
    keys: set[str] = set()
    outcomes: set[str] = set()
    for raw in generate(300, seed=16):
        ev = assess(parse_application(raw), POLICY, TODAY)
        outcomes.add(ev.decision.outcome.value)
        for dim in FIVE_C:
            for key, value in ev.assessed[dim].metrics.items():
                if key == "items":
                    keys |= {f"items.{k}" for item in value for k in item}
                else:
                    keys.add(key)
        for lang in ("id", "en"):
            fx = facts_of(ev, lang)  # a key missing from the table raises KeyError here
            orjson.dumps(fx.for_model())
            for dim in FIVE_C:
                for key, value in ev.assessed[dim].metrics.items():
                    if key != "items":
                        assert (f"{dim}.{key}" in fx.by_id) == (value is not None), key
            for fact in fx.by_id.values():
                assert fact.text
                assert fact.label
    assert keys <= set(METRICS), keys - set(METRICS)
    assert len(keys) > 50
    assert {"decline", "approve_with_conditions"} <= outcomes


def test_a_scorecard_adds_its_points_pd_and_risk_band() -> None:
    policy = POLICY.with_scorecard(parse_scorecard(small_scorecard()))
    raw = json.loads(SEED.read_text("utf-8"))
    ev = assess(parse_application(raw), policy, TODAY)
    assert ev.scorecard is not None
    score = ev.scorecard.score
    for lang in ("id", "en"):
        by_id = facts_of(ev, lang).by_id
        points, pd, band = (by_id[f"scorecard.{k}"] for k in ("points", "pd", "risk_band"))
        assert (points.unit, pd.unit, band.unit) == ("points", "probability", "text")
        assert (pd.value, band.value, band.text) == (score.pd, score.band, score.band)
        assert points.text == str(round(score.points))
        assert pd.text.endswith("%")
        assert ("," if lang == "id" else ".") in pd.text
