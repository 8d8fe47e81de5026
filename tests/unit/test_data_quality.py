"""Data-quality flags (cde.domain.quality and the interest-method resolution in facts).

Each flag is provoked by the smallest change to a clean application that carries none,
and is checked at the public surface: ``evaluate`` still completes and reports the flag
in ``data_quality`` with the field it concerns.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from cde.domain.engine import evaluate
from cde.domain.quality import nik_birth_date
from cde.domain.text import Lang
from cde.policies import Policy, default_policy, parse_policy

TODAY = date(2024, 10, 21)  # the member (born 10 April 1984) is 40
CLEAN_NIK = "5171011004840001"  # region 517101, born 10-04-84 (male), serial 0001
FEMALE_NIK = "5171015004840001"  # the same birth date, day + 40 for a woman


def clean() -> dict[str, Any]:
    """An application with nothing a careful analyst would question."""
    return {
        "customer_id": "cust-clean",
        "loan_id": "loan-clean",
        "character": {
            "name": "Made",
            "nik": CLEAN_NIK,
            "kyc_status": True,
            "age": 40,
            "birth": "Denpasar, 10 April 1984",
            "gender": "l",
            "member_date": "2015-03-01",
            "occupation": "Pedagang",
        },
        "income": [
            {"key": "gaji", "value": "8000000-10000000"},
            {"key": "usaha", "value": "2000000-3000000"},
        ],
        "expenses": [
            {"key": "rumah_tangga", "value": "3000000-4000000"},
            {"key": "sekolah", "value": "500000-1000000"},
        ],
        "collaterals": [
            {
                "name": "Rumah",
                "type": "Sertifikat Tanah",
                "code": "LAND",
                "value": 200_000_000,
                "estimated_price": "180000000-220000000",
                "recognition": 80,  # the policy's LAND percentage
                "recognition_value": 160_000_000,  # = 200,000,000 x 80%
                "is_verified": True,
                "is_tax_paid": True,
            },
            {
                "name": "Avanza",
                "type": "Mobil",
                "code": "MBL",
                "value": 100_000_000,
                "estimated_price": "90000000-120000000",
                "recognition": 50,  # the policy's MBL percentage
                "recognition_value": 50_000_000,
                "is_verified": True,
                "is_tax_paid": True,
            },
        ],
        "application": {
            "plafon": 50_000_000,
            "tenure": 24,
            "purpose": "Modal Kerja",
            "interest": 12,
            "loan_interest_method": 3,
            "loan_interest_method_label": "Bunga Anuitas",
        },
        "internal_data": {
            "total_loan": 3,
            "total_loan_active": 1,
            "loan_remaining": 5_000_000,
            "collectability": "Lancar",
            "behaviour_pattern_deposit_per_month": "4",
            "behaviour_pattern_withdrawal_per_month": "2",
            "behaviour_pattern_withdrawal_ratio": "50%",
            "behaviour_pattern_avg_balance": 10_000_000,
            "behaviour_pattern_avg_growth_balance": "2,5",
            "total_saving": 2,
            "total_saving_active": 1,
            "total_balance_active": 10_000_000,
            "total_deposit": 2,
            "total_deposit_balance": 30_000_000,
            "total_deposit_active": 1,
            "total_deposit_active_balance": 20_000_000,
        },
    }


def changed(*changes: tuple[str, object]) -> dict[str, Any]:
    """The clean application with each ``("a.b[0].c", value)`` change applied."""
    raw = clean()
    for path, value in changes:
        target: Any = raw
        parts = path.replace("[", ".").replace("]", "").split(".")
        for part in parts[:-1]:
            target = target[int(part)] if part.isdigit() else target[part]
        last = parts[-1]
        target[int(last) if last.isdigit() else last] = value
    return raw


def evaluated(raw: dict[str, Any], policy: Policy | None = None) -> dict[str, Any]:
    result = evaluate(copy.deepcopy(raw), policy=policy or default_policy(), today=TODAY)
    # A flag never stops the analysis: the whole result is there.
    assert set(result["5c"]) == {"character", "capacity", "capital", "collateral", "condition"}
    assert result["decision"]["outcome"] in {"approve", "approve_with_conditions", "decline"}
    assert result["analytic"]
    for flag in result["data_quality"]:
        assert flag["message"]
        assert "{" not in flag["message"]
    return result


def flags(raw: dict[str, Any], policy: Policy | None = None) -> list[tuple[str, str]]:
    return [(q["code"], q["field"]) for q in evaluated(raw, policy)["data_quality"]]


def policy_with(section: str, **settings: object) -> Policy:
    data = default_policy().model_dump()
    data[section] = {**data[section], **settings}
    return parse_policy(data)


def test_a_clean_application_has_no_data_quality_flags() -> None:
    assert flags(clean()) == []


def test_a_clean_application_has_no_flags_in_english_either() -> None:
    result = evaluate(clean(), policy=default_policy(), today=TODAY, lang="en")
    assert result["data_quality"] == []


# --- collateral ------------------------------------------------------------------------


def test_a_recognition_value_that_is_not_value_times_recognition_is_flagged() -> None:
    raw = changed(("collaterals[0].recognition_value", 150_000_000))
    assert flags(raw) == [("DQ_RECOGNITION_VALUE_MISMATCH", "collaterals[0].recognition_value")]


def test_the_recognition_value_mismatch_message_shows_the_arithmetic() -> None:
    raw = changed(("collaterals[1].recognition_value", 5_000_000))
    (flag,) = evaluated(raw)["data_quality"]
    assert flag["message"] == (
        "Nilai pengakuan Avanza Rp 5.000.000 tidak sama dengan nilai Rp 100.000.000 × 50% "
        "= Rp 50.000.000."
    )


@pytest.mark.parametrize(
    "declared",
    [158_400_000, 159_000_000, 160_000_001, 161_000_000, 161_600_000],
    ids=lambda v: f"{v:,}",
)
def test_a_recognition_value_within_one_percent_is_not_flagged(declared: int) -> None:
    assert flags(changed(("collaterals[0].recognition_value", declared))) == []


@pytest.mark.parametrize("declared", [158_399_999, 161_600_002, 0], ids=lambda v: f"{v:,}")
def test_a_recognition_value_just_beyond_one_percent_is_flagged(declared: int) -> None:
    raw = changed(("collaterals[0].recognition_value", declared))
    assert flags(raw) == [("DQ_RECOGNITION_VALUE_MISMATCH", "collaterals[0].recognition_value")]


def test_the_recognition_tolerance_comes_from_the_policy() -> None:
    raw = changed(("collaterals[0].recognition_value", 161_000_000))  # 0.625% off
    strict = policy_with("collateral", recognition_tolerance_pct=0.5)
    assert flags(raw, strict) == [
        ("DQ_RECOGNITION_VALUE_MISMATCH", "collaterals[0].recognition_value")
    ]


@pytest.mark.parametrize("estimate", ["250000000-300000000", "100000000-150000000", "150000000"])
def test_a_value_outside_its_estimated_price_is_flagged(estimate: str) -> None:
    raw = changed(("collaterals[0].estimated_price", estimate))
    assert flags(raw) == [("DQ_VALUE_OUTSIDE_ESTIMATE", "collaterals[0].value")]


@pytest.mark.parametrize("estimate", ["> 250000000", "lebih dari 250 juta"])
def test_a_value_below_an_open_estimated_price_is_flagged_as_below_it(estimate: str) -> None:
    # an open estimate ("more than X") has no upper end: the value can only be below it
    raw = changed(("collaterals[0].estimated_price", estimate))
    result = evaluated(raw)
    assert [(q["code"], q["field"]) for q in result["data_quality"]] == [
        ("DQ_VALUE_BELOW_ESTIMATE", "collaterals[0].value")
    ]
    assert result["data_quality"][0]["message"] == (
        "Nilai Rumah Rp 200.000.000 di bawah taksiran minimum Rp 250.000.000."
    )


@pytest.mark.parametrize("estimate", ["> 200000000", "> 150000000"])
def test_a_value_at_or_above_an_open_estimated_price_is_not_flagged(estimate: str) -> None:
    assert flags(changed(("collaterals[0].estimated_price", estimate))) == []


@pytest.mark.parametrize("estimate", ["200000000-250000000", "150000000-200000000", "200000000"])
def test_a_value_on_the_edge_of_its_estimate_is_inside(estimate: str) -> None:
    assert flags(changed(("collaterals[0].estimated_price", estimate))) == []


def test_a_recognition_above_the_policy_percentage_is_flagged() -> None:
    raw = changed(
        ("collaterals[1].recognition", 60), ("collaterals[1].recognition_value", 60_000_000)
    )
    assert flags(raw) == [("DQ_RECOGNITION_ABOVE_POLICY", "collaterals[1].recognition")]


def test_a_recognition_above_policy_is_found_by_the_type_when_the_code_is_missing() -> None:
    raw = changed(
        ("collaterals[1].code", None),
        ("collaterals[1].recognition", 60),
        ("collaterals[1].recognition_value", 60_000_000),
    )
    assert flags(raw) == [("DQ_RECOGNITION_ABOVE_POLICY", "collaterals[1].recognition")]


def test_a_recognition_below_the_policy_percentage_is_not_flagged() -> None:
    raw = changed(
        ("collaterals[0].recognition", 50), ("collaterals[0].recognition_value", 100_000_000)
    )
    assert flags(raw) == []


def test_an_unknown_collateral_code_is_not_a_data_quality_flag() -> None:
    raw = changed(("collaterals[1].code", "KAPAL"), ("collaterals[1].type", "Kapal"))
    assert flags(raw) == []


# --- identity ---------------------------------------------------------------------------


@pytest.mark.parametrize("nik", ["517101100484", "51710110048400012", "12121212121212"])
def test_a_nik_that_is_not_sixteen_digits_is_flagged(nik: str) -> None:
    result = evaluated(changed(("character.nik", nik)))
    assert [(q["code"], q["field"]) for q in result["data_quality"]] == [
        ("DQ_NIK_LENGTH", "character.nik")
    ]
    assert str(len(nik)) in result["data_quality"][0]["message"]


def test_a_nik_written_in_groups_with_spaces_is_sound() -> None:
    assert flags(changed(("character.nik", "5171 0110 0484 0001"))) == []


@pytest.mark.parametrize("nik", ["51710110048400AB", "5171-0110-0484-0001"])
def test_a_nik_with_other_characters_than_digits_is_flagged(nik: str) -> None:
    assert flags(changed(("character.nik", nik))) == [("DQ_NIK_NOT_DIGITS", "character.nik")]


@pytest.mark.parametrize(
    "nik",
    [
        "5171011104840001",  # 11 April
        "5171011005840001",  # 10 May
        "5171011004850001",  # 1985
    ],
)
def test_a_nik_whose_birth_date_differs_from_the_date_of_birth_is_flagged(nik: str) -> None:
    assert flags(changed(("character.nik", nik))) == [
        ("DQ_NIK_BIRTHDATE_MISMATCH", "character.nik")
    ]


def test_a_female_nik_has_forty_added_to_the_day_and_agrees_with_gender_p() -> None:
    raw = changed(("character.nik", FEMALE_NIK), ("character.gender", "p"))
    assert flags(raw) == []


def test_a_female_nik_with_recorded_gender_l_is_flagged_on_the_gender() -> None:
    raw = changed(("character.nik", FEMALE_NIK), ("character.gender", "l"))
    assert flags(raw) == [("DQ_NIK_GENDER_MISMATCH", "character.gender")]


def _character_codes(raw: dict[str, Any]) -> list[str]:
    found = evaluated(raw)["assessment"]["dimensions"]["character"]["findings"]
    return [f["code"] for f in found]


@pytest.mark.parametrize(
    ("nik", "gender"), [(FEMALE_NIK, "l"), (CLEAN_NIK, "p"), (CLEAN_NIK, "Perempuan")]
)
def test_a_nik_that_disagrees_only_with_the_gender_is_still_a_valid_nik(
    nik: str, gender: str
) -> None:
    result = evaluated(changed(("character.nik", nik), ("character.gender", gender)))
    character = result["assessment"]["dimensions"]["character"]
    codes = [f["code"] for f in character["findings"]]
    assert [q["code"] for q in result["data_quality"]] == ["DQ_NIK_GENDER_MISMATCH"]
    assert "NIK_VALID" in codes
    assert "NIK_INVALID" not in codes
    assert character["metrics"]["nik_valid"] is True
    assert "VERIFY_IDENTITY" not in [c["code"] for c in result["decision"]["conditions"]]


def test_a_male_nik_with_recorded_gender_p_is_flagged_on_the_gender() -> None:
    raw = changed(("character.gender", "Perempuan"))
    assert flags(raw) == [("DQ_NIK_GENDER_MISMATCH", "character.gender")]


def _scores(raw: dict[str, Any]) -> dict[str, int]:
    assessment = evaluated(raw)["assessment"]
    return {"overall": assessment["score"]} | {
        dim: v["score"] for dim, v in assessment["dimensions"].items()
    }


@pytest.mark.parametrize("nik", [None, "517101100484"])
def test_the_recorded_gender_never_changes_a_score(nik: str | None) -> None:
    male = _scores(changed(("character.nik", nik), ("character.gender", "l")))
    female = _scores(changed(("character.nik", nik), ("character.gender", "p")))
    unknown = _scores(changed(("character.nik", nik), ("character.gender", None)))
    assert male == female == unknown


def test_a_gender_that_disagrees_with_the_nik_does_not_change_any_score() -> None:
    assert _scores(changed(("character.gender", "p"))) == _scores(clean())
    assert _scores(changed(("character.nik", FEMALE_NIK))) == _scores(clean())


@pytest.mark.parametrize(
    "nik",
    [
        "5171013204840001",  # day 32
        "5171011013840001",  # month 13
        "5171010004840001",  # day 0
        "5171017204840001",  # day 72 - 40 = 32
    ],
)
def test_a_nik_whose_birth_digits_are_no_date_is_flagged(nik: str) -> None:
    raw = changed(("character.nik", nik), ("character.gender", None))
    assert flags(raw) == [("DQ_NIK_DATE_INVALID", "character.nik")]


def test_a_nik_for_a_leap_day_is_sound_when_no_date_of_birth_is_recorded() -> None:
    # 29-02-00 is no date in 1900 (not a leap year) but is one in 2000
    raw = changed(
        ("character.nik", "5171012902000001"),
        ("character.birth", None),
        ("character.age", 24),
    )
    assert flags(raw) == []
    assert "NIK_VALID" in _character_codes(raw)


@pytest.mark.parametrize(
    ("nik", "birth", "encoded"),
    [
        # no recorded date of birth: the 1900s, or the 2000s when only they give a date
        ("5171011004840001", None, date(1984, 4, 10)),
        ("5171011004100001", None, date(1910, 4, 10)),
        ("5171012902000001", None, date(2000, 2, 29)),
        ("5171016902000001", None, date(2000, 2, 29)),  # a woman: day + 40
        ("5171012902010001", None, None),  # 29-02-01: no date in 1901 nor in 2001
        # a recorded date of birth gives the century
        ("5171011004100001", date(2010, 4, 10), date(2010, 4, 10)),
        ("5171012902000001", date(1900, 3, 1), None),  # 1900 was no leap year
    ],
)
def test_the_birth_date_in_a_nik_takes_its_century_from_the_recorded_birth_or_else_tries_both(
    nik: str, birth: date | None, encoded: date | None
) -> None:
    assert nik_birth_date(nik, birth)[0] == encoded


def test_a_leap_day_nik_for_a_year_that_is_no_leap_year_is_still_no_date() -> None:
    # 29-02-01 is a date neither in 1901 nor in 2001
    raw = changed(
        ("character.nik", "5171012902010001"),
        ("character.birth", None),
        ("character.age", 23),
    )
    assert flags(raw) == [("DQ_NIK_DATE_INVALID", "character.nik")]
    assert "NIK_INVALID" in _character_codes(raw)


def test_a_nik_for_a_leap_day_agrees_with_a_recorded_leap_day_birth() -> None:
    raw = changed(
        ("character.nik", "5171012902000001"),
        ("character.birth", "Denpasar, 29 Februari 2000"),
        ("character.age", 24),
    )
    assert flags(raw) == []


# --- ages and dates -----------------------------------------------------------------------


@pytest.mark.parametrize("age", [39, 40, 41])
def test_a_stated_age_within_the_policy_tolerance_is_not_flagged(age: int) -> None:
    assert flags(changed(("character.age", age))) == []


@pytest.mark.parametrize("age", [38, 42, 25])
def test_a_stated_age_beyond_the_policy_tolerance_is_flagged(age: int) -> None:
    assert flags(changed(("character.age", age))) == [("DQ_AGE_MISMATCH", "character.age")]


def test_the_age_tolerance_comes_from_the_policy() -> None:
    raw = changed(("character.age", 41))
    assert flags(raw, policy_with("character", age_tolerance_years=0)) == [
        ("DQ_AGE_MISMATCH", "character.age")
    ]
    assert (
        flags(changed(("character.age", 43)), policy_with("character", age_tolerance_years=3)) == []
    )


def test_an_age_not_stated_beside_a_date_of_birth_is_flagged() -> None:
    assert flags(changed(("character.age", None))) == [("DQ_AGE_NOT_STATED", "character.age")]


def test_no_age_and_no_date_of_birth_is_not_a_data_quality_flag() -> None:
    raw = changed(("character.age", None), ("character.birth", None))
    assert flags(raw) == []


def test_a_date_of_birth_in_the_future_is_flagged() -> None:
    raw = changed(
        ("character.birth", "Denpasar, 10 April 2030"),
        ("character.nik", "5171011004300001"),
        ("character.member_date", None),
    )
    assert flags(raw) == [("DQ_BIRTH_IN_FUTURE", "character.birth")]


def test_a_membership_start_in_the_future_is_flagged() -> None:
    raw = changed(("character.member_date", "2025-01-01"))
    assert flags(raw) == [("DQ_MEMBER_DATE_FUTURE", "character.member_date")]


def test_a_membership_start_before_birth_is_flagged() -> None:
    raw = changed(("character.member_date", "1 Januari 1980"))
    assert flags(raw) == [("DQ_MEMBER_BEFORE_BIRTH", "character.member_date")]


# --- KYC ------------------------------------------------------------------------------------


def test_kyc_not_done_is_flagged() -> None:
    assert flags(changed(("character.kyc_status", False))) == [
        ("DQ_KYC_NOT_DONE", "character.kyc_status")
    ]


def test_an_unstated_kyc_status_is_a_finding_but_not_a_flag() -> None:
    result = evaluated(changed(("character.kyc_status", None)))
    assert result["data_quality"] == []
    codes = [f["code"] for f in result["assessment"]["dimensions"]["character"]["findings"]]
    assert "KYC_UNKNOWN" in codes


# --- income and expenses --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("income[0].value", "10000000-8000000"),
        ("income[1].value", "Rp 3.000.000 - Rp 2.000.000"),
        ("expenses[0].value", "4000000-3000000"),
        ("expenses[1].value", "1000000 - 500000"),
    ],
)
def test_a_range_written_high_to_low_is_flagged(path: str, value: str) -> None:
    assert flags(changed((path, value))) == [("DQ_RANGE_REVERSED", path)]


def test_an_estimated_price_written_high_to_low_is_flagged() -> None:
    raw = changed(("collaterals[0].estimated_price", "220000000-180000000"))
    assert flags(raw) == [("DQ_RANGE_REVERSED", "collaterals[0].estimated_price")]


@pytest.mark.parametrize("path", ["income[1].value", "expenses[0].value"])
def test_an_income_or_expense_line_without_a_value_is_flagged(path: str) -> None:
    assert flags(changed((path, None))) == [("DQ_VALUE_MISSING", path)]


@pytest.mark.parametrize("section", ["income", "expenses"])
def test_a_key_that_appears_twice_is_flagged_on_its_second_occurrence(section: str) -> None:
    first = clean()[section][0]["key"]
    assert flags(changed((f"{section}[1].key", first))) == [
        ("DQ_DUPLICATE_KEY", f"{section}[1].key")
    ]


def test_expenses_above_income_across_the_whole_range_are_flagged() -> None:
    # income is at most 13,000,000; the expenses are at least 14,500,000
    raw = changed(("expenses[0].value", "14000000-15000000"))
    assert flags(raw) == [("DQ_EXPENSES_EXCEED_INCOME", "expenses")]


def test_expenses_that_merely_overlap_income_are_not_flagged() -> None:
    raw = changed(("expenses[0].value", "12000000-15000000"))  # low end 12.5M < 13M
    assert flags(raw) == []


# --- internal data ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "active"),
    [
        ("internal_data.total_loan", "internal_data.total_loan_active"),
        ("internal_data.total_saving", "internal_data.total_saving_active"),
        ("internal_data.total_deposit", "internal_data.total_deposit_active"),
    ],
)
def test_more_active_than_in_total_is_flagged(total: str, active: str) -> None:
    raw = changed((total, 1), (active, 2))
    assert flags(raw) == [("DQ_ACTIVE_EXCEEDS_TOTAL", active)]


def test_an_active_deposit_balance_above_the_total_balance_is_flagged() -> None:
    raw = changed(("internal_data.total_deposit_active_balance", 40_000_000))
    assert flags(raw) == [
        ("DQ_BALANCE_EXCEEDS_TOTAL", "internal_data.total_deposit_active_balance")
    ]


def test_an_outstanding_balance_without_an_active_loan_is_flagged() -> None:
    raw = changed(("internal_data.total_loan_active", 0))
    assert flags(raw) == [("DQ_REMAINING_WITHOUT_ACTIVE", "internal_data.loan_remaining")]


def test_an_active_loan_without_an_outstanding_balance_is_flagged() -> None:
    raw = changed(("internal_data.loan_remaining", 0))
    assert flags(raw) == [("DQ_ACTIVE_WITHOUT_REMAINING", "internal_data.loan_remaining")]


# --- interest method ---------------------------------------------------------------------------

METHOD = "application.loan_interest_method"


def test_no_interest_method_at_all_is_flagged_and_the_policy_default_is_used() -> None:
    raw = changed((METHOD, None), (f"{METHOD}_label", None))
    result = evaluated(raw)
    assert [(q["code"], q["field"]) for q in result["data_quality"]] == [
        ("DQ_INTEREST_METHOD_MISSING", METHOD)
    ]
    assert result["decision"]["interest_method"] == default_policy().interest.default_method


def test_an_unknown_method_code_without_a_label_is_flagged_as_missing() -> None:
    raw = changed((METHOD, 9), (f"{METHOD}_label", None))
    assert flags(raw) == [("DQ_INTEREST_METHOD_MISSING", METHOD)]


@pytest.mark.parametrize("code", [None, 9])
def test_a_method_taken_from_the_label_is_flagged(code: object) -> None:
    raw = changed((METHOD, code), (f"{METHOD}_label", "Bunga Flat"))
    result = evaluated(raw)
    assert [(q["code"], q["field"]) for q in result["data_quality"]] == [
        ("DQ_INTEREST_METHOD_FROM_LABEL", METHOD)
    ]
    assert result["decision"]["interest_method"] == "flat"


def test_a_method_code_that_disagrees_with_its_label_is_flagged_and_the_code_wins() -> None:
    raw = changed((METHOD, 3), (f"{METHOD}_label", "Bunga Flat"))
    result = evaluated(raw)
    assert [(q["code"], q["field"]) for q in result["data_quality"]] == [
        ("DQ_INTEREST_METHOD_MISMATCH", METHOD)
    ]
    assert result["decision"]["interest_method"] == "anuitas"


# The method in words, as the catalogue names it (cde.domain.facts.METHOD_NAMES).
METHOD_WORDS = {
    "flat": {"id": "bunga flat", "en": "flat rate"},
    "efektif": {"id": "bunga efektif/menurun", "en": "declining balance"},
    "anuitas": {"id": "bunga anuitas", "en": "annuity"},
}


def _method_note(raw: dict[str, Any], lang: Lang) -> str:
    result = evaluate(copy.deepcopy(raw), policy=default_policy(), today=TODAY, lang=lang)
    (flag,) = result["data_quality"]
    message: str = flag["message"]
    return message


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize(
    ("code", "label", "method"),
    [
        (3, "Bunga Flat", "anuitas"),  # DQ_INTEREST_METHOD_MISMATCH: the code's method
        (1, "Bunga Anuitas", "flat"),
        (None, "Bunga Efektif", "efektif"),  # DQ_INTEREST_METHOD_FROM_LABEL
        (9, "Bunga Flat", "flat"),
        (None, None, default_policy().interest.default_method.value),  # ..._MISSING
    ],
)
def test_the_interest_method_notes_name_the_method_in_words(
    code: object, label: str | None, method: str, lang: Lang
) -> None:
    note = _method_note(changed((METHOD, code), (f"{METHOD}_label", label)), lang)
    words = METHOD_WORDS[method][lang]
    assert words in note
    # the policy's code word ("anuitas") appears only inside the words ("bunga anuitas"),
    # never on its own (a quoted label is capitalised: "Bunga Flat")
    assert method not in note.replace(words, "")


@pytest.mark.parametrize(("code", "label"), [(1, "Bunga Flat"), (2, "Bunga Efektif"), (3, None)])
def test_a_method_code_with_an_agreeing_or_no_label_is_not_flagged(
    code: int, label: str | None
) -> None:
    assert flags(changed((METHOD, code), (f"{METHOD}_label", label))) == []


# --- consequences -----------------------------------------------------------------------------


def test_several_problems_are_all_flagged_each_on_its_own_field() -> None:
    raw = changed(
        ("character.kyc_status", False),
        ("character.nik", "517101100484"),
        ("income[0].value", "10000000-8000000"),
        ("collaterals[0].recognition_value", 150_000_000),
        ("internal_data.loan_remaining", 0),
    )
    assert set(flags(raw)) == {
        ("DQ_KYC_NOT_DONE", "character.kyc_status"),
        ("DQ_NIK_LENGTH", "character.nik"),
        ("DQ_RANGE_REVERSED", "income[0].value"),
        ("DQ_RECOGNITION_VALUE_MISMATCH", "collaterals[0].recognition_value"),
        ("DQ_ACTIVE_WITHOUT_REMAINING", "internal_data.loan_remaining"),
    }


def test_an_approval_with_data_quality_flags_asks_to_clarify_them() -> None:
    raw = changed(("collaterals[0].recognition_value", 150_000_000))
    result = evaluated(raw)
    assert result["decision"]["outcome"] == "approve_with_conditions"
    clarify = [c for c in result["decision"]["conditions"] if c["code"] == "CLARIFY_DATA"]
    assert len(clarify) == 1
    assert "1 catatan" in clarify[0]["message"]


def test_the_memo_lists_each_flag_with_its_field() -> None:
    raw = changed(("character.member_date", "2025-01-01"), ("character.age", 45))
    result = evaluated(raw)
    assert len(result["data_quality"]) == 2
    for flag in result["data_quality"]:
        assert f"- `{flag['field']}`: {flag['message']}" in result["analytic"]
