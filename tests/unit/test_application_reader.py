"""Reading a Kocek loan application (cde.domain.application.parse_application).

The reader is lenient about notation (numbers, ranges, dates, codes in the many ways the
platform and its users write them), keeps unknown fields, and when something cannot be
read it reports every problem at once, each with its field path and a message in
Indonesian and English.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cde.domain.application import (
    Application,
    Gender,
    InvalidApplicationError,
    Kolektibilitas,
    parse_application,
)
from cde.domain.engine import evaluate
from cde.domain.numbers import MoneyRange
from cde.policies import default_policy

SEED_FILE = Path(__file__).resolve().parents[2] / "examples" / "seed_request.json"
TODAY = date(2024, 10, 21)

Path_ = tuple[str | int, ...]


def seed() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SEED_FILE.read_text("utf-8"))
    return data


def with_value(path: Path_, value: object, raw: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of ``raw`` (the seed by default) with the value at ``path`` replaced."""
    out = copy.deepcopy(raw if raw is not None else seed())
    target: Any = out
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return out


def get(app: Application, path: Path_) -> Any:
    value: Any = app
    for part in path:
        value = value[part] if isinstance(part, int) else getattr(value, part)
    return value


def read(path: Path_, value: object) -> Any:
    """Read the seed with ``value`` at ``path`` and return what the reader made of it."""
    return get(parse_application(with_value(path, value)), path)


def errors_of(raw: object) -> dict[str, Any]:
    with pytest.raises(InvalidApplicationError) as caught:
        parse_application(raw)
    by_field = {e.field: e for e in caught.value.errors}
    assert len(by_field) == len(caught.value.errors), "a field is reported twice"
    return by_field


# --- the seed -------------------------------------------------------------------------


def test_the_seed_request_reads_into_typed_values() -> None:
    app = parse_application(seed())

    assert app.customer_id == "ac06b74c-6864-407a-802e-f12ee1d8ce40"
    assert app.loan_id == "21bef131-7ef0-405f-bb80-bcc2a53b34ef"
    c = app.character
    assert c.name == "fulan"
    assert c.nik == "12121212121212"
    assert c.kyc_status is False
    assert c.age == 40
    assert c.birth is not None
    assert c.birth.place == "Denpasar"
    assert c.birth.date == date(1984, 4, 10)
    assert c.gender is Gender.MALE
    assert c.member_date == date(2020, 8, 1)
    assert c.occupation == "Pedagang"

    assert [i.key for i in app.income] == ["penghasilan_1", "penghasilan_2"]
    assert app.income[0].value == MoneyRange(Decimal(100000), Decimal(200000))
    assert app.income[1].value == MoneyRange(Decimal(200000), Decimal(300000))
    assert app.expenses[1].value == MoneyRange(Decimal(200000), Decimal(300000))

    car, land = app.collaterals
    assert (car.name, car.code, car.value, car.recognition_value) == (
        "Avanza",
        "MBL",
        10_000_000,
        500_000,
    )
    assert car.recognition == Decimal(50)
    assert car.is_verified is False
    assert car.is_tax_paid is None
    assert car.estimated_price == MoneyRange(Decimal(10_000_000), Decimal(20_000_000))
    assert land.value == 10_000_000_000
    assert land.is_tax_paid is True

    req = app.application
    assert (req.plafon, req.tenure, req.interest) == (10_000_000, 12, Decimal(12))
    assert req.purpose == "Konsumtif"
    assert req.loan_interest_method == 3
    assert req.loan_interest_method_label == "Bunga Anuitas"

    d = app.internal_data
    assert (d.total_loan, d.total_loan_active) == (31, 18)
    assert d.loan_remaining == 138_402_100
    assert d.collectability is Kolektibilitas.DIRAGUKAN
    assert d.behaviour_pattern_deposit_per_month == Decimal("8.3")
    assert d.behaviour_pattern_withdrawal_per_month == Decimal("17.8")
    assert d.behaviour_pattern_withdrawal_ratio == Decimal("174.48")
    assert d.behaviour_pattern_avg_balance == 21_243_240  # whole rupiah, nearest
    assert d.behaviour_pattern_avg_growth_balance is None
    assert (d.total_saving, d.total_saving_active) == (7, 6)
    assert d.total_balance_active == 4_150_000
    assert (d.total_deposit, d.total_deposit_active) == (2, 2)
    assert d.total_deposit_balance == d.total_deposit_active_balance == 20_000_000


# --- notations --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        # money (whole rupiah)
        (("internal_data", "loan_remaining"), 138402100, 138_402_100),
        (("internal_data", "loan_remaining"), 138402100.0, 138_402_100),
        (("internal_data", "loan_remaining"), "138402100.00", 138_402_100),
        (("internal_data", "loan_remaining"), "138.402.100", 138_402_100),
        (("internal_data", "loan_remaining"), "138,402,100", 138_402_100),
        (("internal_data", "loan_remaining"), "Rp 1.500.000", 1_500_000),
        (("internal_data", "loan_remaining"), "Rp1.500.000,-", 1_500_000),
        (("internal_data", "loan_remaining"), "1,5 jt", 1_500_000),
        (("internal_data", "loan_remaining"), "1500000.5", 1_500_001),  # half up
        (("internal_data", "loan_remaining"), "1500001.5", 1_500_002),
        (("internal_data", "loan_remaining"), "1500000.49", 1_500_000),
        (("application", "plafon"), 10000000, 10_000_000),
        (("application", "plafon"), 10000000.0, 10_000_000),
        (("application", "plafon"), "10.000.000", 10_000_000),
        (("application", "plafon"), "Rp 10.000.000", 10_000_000),
        (("collaterals", 0, "value"), "Rp 150.000.000", 150_000_000),
        (("collaterals", 0, "recognition_value"), "5000000.00", 5_000_000),
        # plain numbers
        (("internal_data", "behaviour_pattern_deposit_per_month"), "8,3", Decimal("8.3")),
        (("internal_data", "behaviour_pattern_deposit_per_month"), "8.3", Decimal("8.3")),
        (("internal_data", "behaviour_pattern_deposit_per_month"), 8.3, Decimal("8.3")),
        (("internal_data", "behaviour_pattern_deposit_per_month"), 8, Decimal(8)),
        # percentages
        (("internal_data", "behaviour_pattern_withdrawal_ratio"), "174,48%", Decimal("174.48")),
        (("internal_data", "behaviour_pattern_withdrawal_ratio"), "174,48", Decimal("174.48")),
        (("internal_data", "behaviour_pattern_withdrawal_ratio"), "174.48 %", Decimal("174.48")),
        (("internal_data", "behaviour_pattern_withdrawal_ratio"), 174.48, Decimal("174.48")),
        (("internal_data", "behaviour_pattern_avg_growth_balance"), "-2,5%", Decimal("-2.5")),
        (("collaterals", 0, "recognition"), "50%", Decimal(50)),
        (("application", "interest"), "12", Decimal(12)),
        (("application", "interest"), "12%", Decimal(12)),
        (("application", "interest"), "18,5", Decimal("18.5")),
        # whole numbers
        (("application", "tenure"), "12", 12),
        (("application", "tenure"), 12.0, 12),
        (("character", "age"), "40", 40),
        (("internal_data", "total_loan"), 31, 31),
        (("internal_data", "total_loan"), "31", 31),
    ],
)
def test_numbers_are_read_in_every_notation_the_platform_sends(
    path: Path_, value: object, expected: object
) -> None:
    assert read(path, value) == expected


@pytest.mark.parametrize(
    ("value", "low", "high"),
    [
        ("100000-200000", 100_000, 200_000),
        ("100000 - 200000", 100_000, 200_000),
        ("Rp 1.000.000 - 2.000.000", 1_000_000, 2_000_000),
        ("Rp 1.000.000 - Rp 2.000.000", 1_000_000, 2_000_000),
        ("1-2 juta", 1_000_000, 2_000_000),
        ("1 juta s/d 2 juta", 1_000_000, 2_000_000),
        ("150000", 150_000, 150_000),
        (150000, 150_000, 150_000),
        ("Rp 1.500.000", 1_500_000, 1_500_000),
        ("> 5000000", 5_000_000, None),
        ("lebih dari 5 juta", 5_000_000, None),
        ("< 1000000", 0, 1_000_000),
    ],
)
@pytest.mark.parametrize(
    "path",
    [("income", 0, "value"), ("expenses", 1, "value"), ("collaterals", 0, "estimated_price")],
)
def test_ranges_are_read_as_a_low_and_high_bound(
    path: Path_, value: object, low: int, high: int | None
) -> None:
    got = read(path, value)
    assert isinstance(got, MoneyRange)
    assert got.low == low
    assert got.high == high
    assert got.reversed is False


def test_a_range_written_high_to_low_is_read_in_order_and_marked_reversed() -> None:
    got = read(("income", 0, "value"), "200000-100000")
    assert (got.low, got.high, got.reversed) == (100_000, 200_000, True)


def _seed_leaves(node: object, path: Path_ = ()) -> Iterator[Path_]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _seed_leaves(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _seed_leaves(value, (*path, i))
    elif node is not None:
        yield path


REQUIRED: set[Path_] = {
    ("customer_id",),
    ("loan_id",),
    ("application", "plafon"),
    ("application", "tenure"),
    ("application", "interest"),
}
OPTIONAL_LEAVES = [p for p in _seed_leaves(seed()) if p not in REQUIRED]


@pytest.mark.parametrize("path", OPTIONAL_LEAVES, ids=lambda p: ".".join(map(str, p)))
def test_every_optional_field_of_the_seed_may_be_null(path: Path_) -> None:
    assert read(path, None) is None


@pytest.mark.parametrize(
    ("section", "empty"),
    [
        ("internal_data", None),
        ("income", ()),
        ("expenses", ()),
        ("collaterals", ()),
    ],
)
def test_a_whole_optional_section_may_be_null(section: str, empty: object) -> None:
    app = parse_application(with_value((section,), None))
    got = getattr(app, section)
    if empty is None:  # an object whose fields are all unknown
        assert all(v is None for v in got.model_dump().values())
    else:
        assert got == empty


def test_an_application_with_every_optional_field_null_is_still_evaluated() -> None:
    raw = seed()
    for path in OPTIONAL_LEAVES:
        raw = with_value(path, None, raw)
    result = evaluate(raw, policy=default_policy(), today=TODAY)
    assert set(result["5c"]) == {"character", "capacity", "capital", "collateral", "condition"}
    assert result["decision"]["outcome"] in {"approve", "approve_with_conditions", "decline"}


@pytest.mark.parametrize(
    ("value", "place", "day"),
    [
        ("Denpasar, 10 April 1984", "Denpasar", date(1984, 4, 10)),
        ("Kuta, Badung, 10 April 1984", "Kuta, Badung", date(1984, 4, 10)),
        ("10 April 1984", None, date(1984, 4, 10)),
        ("10 Apr 1984", None, date(1984, 4, 10)),
        ("1984-04-10", None, date(1984, 4, 10)),
        ("10/04/1984", None, date(1984, 4, 10)),
        ("10-04-1984", None, date(1984, 4, 10)),
        ("Denpasar, 17 Agustus 1984", "Denpasar", date(1984, 8, 17)),
        ("Denpasar, 1 Desember 1984", "Denpasar", date(1984, 12, 1)),
    ],
)
def test_the_place_and_date_of_birth_are_read_in_indonesian_and_iso_notation(
    value: str, place: str | None, day: date
) -> None:
    birth = read(("character", "birth"), value)
    assert (birth.place, birth.date) == (place, day)


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2020-08-01", date(2020, 8, 1)),
        ("2020-08-01T10:00:00+07:00", date(2020, 8, 1)),
        ("1 Agustus 2020", date(2020, 8, 1)),
        ("1 Agt 2020", date(2020, 8, 1)),
        ("01/08/2020", date(2020, 8, 1)),
        ("1 August 2020", date(2020, 8, 1)),
        ("15 Mei 2019", date(2019, 5, 15)),
        ("3 Oktober 2021", date(2021, 10, 3)),
    ],
)
def test_the_membership_date_is_read_in_indonesian_and_iso_notation(value: str, day: date) -> None:
    assert read(("character", "member_date"), value) == day


@pytest.mark.parametrize(
    ("value", "gender"),
    [
        ("l", Gender.MALE),
        ("L", Gender.MALE),
        ("Laki-laki", Gender.MALE),
        ("laki-laki", Gender.MALE),
        ("p", Gender.FEMALE),
        ("P", Gender.FEMALE),
        ("Perempuan", Gender.FEMALE),
    ],
)
def test_gender_is_read_from_its_code_or_its_indonesian_word(value: str, gender: Gender) -> None:
    assert read(("character", "gender"), value) is gender


@pytest.mark.parametrize(
    ("value", "kolek"),
    [
        ("Lancar", 1),
        ("lancar", 1),
        ("DPK", 2),
        ("Dalam Perhatian Khusus", 2),
        ("Kurang Lancar", 3),
        ("KL", 3),
        ("Diragukan", 4),
        ("Macet", 5),
        (1, 1),
        (2, 2),
        (3, 3),
        (4, 4),
        (5, 5),
        ("3", 3),
        ("Kol-4", 4),
        ("kol 2", 2),
        ("KOL-5", 5),
    ],
)
def test_kolektibilitas_is_read_by_name_abbreviation_or_code(value: object, kolek: int) -> None:
    got = read(("internal_data", "collectability"), value)
    assert isinstance(got, Kolektibilitas)
    assert got == kolek


def test_kolektibilitas_three_to_five_is_non_performing() -> None:
    assert [k.non_performing for k in Kolektibilitas] == [False, False, True, True, True]


@pytest.mark.parametrize("value", [3, "3"])
def test_the_interest_method_code_is_read_as_a_number(value: object) -> None:
    assert read(("application", "loan_interest_method"), value) == 3


@pytest.mark.parametrize(
    ("code", "label", "method"),
    [
        (1, None, "flat"),
        (2, None, "efektif"),
        (3, None, "anuitas"),
        ("2", "Bunga Efektif", "efektif"),
        (None, "Bunga Flat", "flat"),
        (None, "Bunga Efektif", "efektif"),
        (None, "Bunga Anuitas", "anuitas"),
        (None, "bunga menurun", "efektif"),
    ],
)
def test_the_interest_method_is_taken_from_its_code_or_else_its_label(
    code: object, label: str | None, method: str
) -> None:
    raw = with_value(("application", "loan_interest_method"), code)
    raw = with_value(("application", "loan_interest_method_label"), label, raw)
    assert (
        evaluate(raw, policy=default_policy(), today=TODAY)["decision"]["interest_method"] == method
    )


@pytest.mark.parametrize(
    ("value", "done"),
    [
        (True, True),
        ("ya", True),
        ("Ya", True),
        (1, True),
        ("true", True),
        ("1", True),
        (False, False),
        ("tidak", False),
        (0, False),
        ("false", False),
    ],
)
def test_kyc_status_is_read_as_yes_or_no(value: object, done: bool) -> None:
    assert read(("character", "kyc_status"), value) is done


# --- unknown fields ---------------------------------------------------------------------


def test_unknown_fields_anywhere_are_kept_and_are_not_errors() -> None:
    raw = seed()
    raw["branch_code"] = "DPS-01"
    raw["character"]["mother_maiden_name"] = "Ni Luh"
    raw["income"][0]["source"] = "dagang"
    raw["collaterals"][0]["plate_number"] = "DK 1234 AB"
    raw["application"]["officer"] = "Wayan"
    raw["internal_data"]["clik_score"] = 650

    app = parse_application(raw)

    assert app.model_extra == {"branch_code": "DPS-01"}
    assert app.character.model_extra == {"mother_maiden_name": "Ni Luh"}
    assert app.income[0].model_extra == {"source": "dagang"}
    assert app.collaterals[0].model_extra == {"plate_number": "DK 1234 AB"}
    assert app.collaterals[1].model_extra == {}
    assert app.application.model_extra == {"officer": "Wayan"}
    assert app.internal_data.model_extra == {"clik_score": 650}


def test_unknown_fields_do_not_change_the_evaluation() -> None:
    raw = seed()
    raw["branch_code"] = "DPS-01"
    raw["internal_data"]["clik_score"] = 650
    raw["collaterals"][1]["notary"] = "PPAT Made"
    policy = default_policy()
    assert evaluate(raw, policy=policy, today=TODAY) == evaluate(seed(), policy=policy, today=TODAY)


# --- invalid input ------------------------------------------------------------------------


def _many_problems() -> dict[str, Any]:
    raw = seed()
    raw["character"]["age"] = "empat puluh"
    raw["character"]["gender"] = "x"
    raw["income"][1]["value"] = "abc"
    raw["collaterals"][0]["value"] = "banyak"
    del raw["application"]["plafon"]
    raw["application"]["tenure"] = 0
    raw["internal_data"]["collectability"] = "Bagus"
    return raw


def test_every_unreadable_field_is_reported_at_once_with_its_path() -> None:
    errors = errors_of(_many_problems())
    assert set(errors) == {
        "character.age",
        "character.gender",
        "income[1].value",
        "collaterals[0].value",
        "application.plafon",
        "application.tenure",
        "internal_data.collectability",
    }


@pytest.mark.parametrize(
    ("field", "shown"),
    [
        ("character.age", "'empat puluh'"),
        ("character.gender", "'x'"),
        ("income[1].value", "'abc'"),
        ("collaterals[0].value", "'banyak'"),
        ("application.tenure", "0"),
        ("internal_data.collectability", "'Bagus'"),
    ],
)
def test_an_unreadable_value_is_quoted_with_what_was_expected_in_both_languages(
    field: str, shown: str
) -> None:
    error = errors_of(_many_problems())[field]
    en, id_ = error.message("en"), error.message("id")
    assert "expected" in en
    assert "diharapkan" in id_
    assert shown in en
    assert shown in id_
    assert en != id_
    assert error.as_dict("en") == {"field": field, "message": en}
    assert error.as_dict("id") == {"field": field, "message": id_}


@pytest.mark.parametrize(
    ("field", "words_en", "words_id"),
    [
        ("character.gender", "l (laki-laki) or p (perempuan)", "l (laki-laki) atau p (perempuan)"),
        ("application.tenure", "1 to 600 months", "1 sampai 600 bulan"),
        ("internal_data.collectability", "Diragukan", "Diragukan"),
        ("income[1].value", "100000-200000", "100000-200000"),
    ],
)
def test_the_expectation_names_the_accepted_forms(field: str, words_en: str, words_id: str) -> None:
    error = errors_of(_many_problems())[field]
    assert words_en in error.message("en")
    assert words_id in error.message("id")


def test_a_missing_required_amount_is_reported_as_required() -> None:
    error = errors_of(_many_problems())["application.plafon"]
    assert "is required" in error.message("en")
    assert "wajib diisi" in error.message("id")


@pytest.mark.parametrize("field", ["loan_id", "customer_id", "character", "application"])
def test_a_missing_identifier_applicant_or_loan_request_is_required(field: str) -> None:
    raw = seed()
    del raw[field]
    error = errors_of(raw)[field]
    assert "is required" in error.message("en")
    assert "wajib diisi" in error.message("id")


@pytest.mark.parametrize("field", ["plafon", "tenure", "interest"])
def test_a_null_loan_amount_term_or_rate_is_required(field: str) -> None:
    error = errors_of(with_value(("application", field), None))[f"application.{field}"]
    assert "is required" in error.message("en")
    assert "wajib diisi" in error.message("id")


@pytest.mark.parametrize("section", ["character", "application"])
def test_a_null_applicant_or_loan_request_is_reported_as_missing(section: str) -> None:
    errors = errors_of(with_value((section,), None))
    assert list(errors) == [section]
    assert "is required" in errors[section].message("en")
    assert "wajib diisi" in errors[section].message("id")
    assert "JSON object" not in errors[section].message("en")


def test_an_empty_body_names_every_required_section() -> None:
    assert list(errors_of({})) == ["customer_id", "loan_id", "character", "application"]


def test_an_applicant_whose_every_field_is_null_is_still_read() -> None:
    fields = ("name", "nik", "kyc_status", "age", "birth", "gender", "member_date", "occupation")
    app = parse_application(with_value(("character",), dict.fromkeys(fields)))
    assert all(v is None for v in app.character.model_dump().values())
    assert parse_application(with_value(("character",), {})).character.name is None


def test_a_null_loan_request_is_reported_with_the_other_problems() -> None:
    raw = with_value(("application",), None)
    raw["loan_id"] = None
    raw["character"]["gender"] = "x"
    assert set(errors_of(raw)) == {"application", "loan_id", "character.gender"}


def test_the_missing_identifiers_and_request_are_all_reported_together() -> None:
    raw = seed()
    for field in ("loan_id", "customer_id", "application"):
        del raw[field]
    assert set(errors_of(raw)) == {"loan_id", "customer_id", "application"}


@pytest.mark.parametrize("body", [[seed()], "a string", 42, None])
def test_a_body_that_is_not_a_json_object_is_a_clear_error(body: object) -> None:
    errors = errors_of(body)
    assert list(errors) == ["(body)"]
    assert "JSON object" in errors["(body)"].message("en")
    assert "objek JSON" in errors["(body)"].message("id")


def test_a_section_given_as_a_string_must_be_an_object() -> None:
    errors = errors_of(with_value(("character",), "fulan"))
    assert list(errors) == ["character"]
    assert "must be a JSON object" in errors["character"].message("en")
    assert "objek JSON" in errors["character"].message("id")


@pytest.mark.parametrize("section", ["income", "expenses", "collaterals"])
def test_a_list_given_as_an_object_must_be_a_list(section: str) -> None:
    errors = errors_of(with_value((section,), {"key": "penghasilan_1", "value": "100000"}))
    assert list(errors) == [section]
    assert "must be a list" in errors[section].message("en")
    assert "daftar" in errors[section].message("id")


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("application", "plafon"), 0),
        (("application", "plafon"), -5_000_000),
        (("application", "tenure"), 601),
        (("application", "tenure"), "12,5"),
        (("application", "interest"), 100),
        (("application", "interest"), -1),
        (("character", "age"), -1),
        (("character", "birth"), "Denpasar, 31 Februari 1984"),
        (("character", "member_date"), "kemarin"),
        (("character", "kyc_status"), "mungkin"),
        (("collaterals", 0, "recognition"), "lima puluh"),
        (("internal_data", "total_loan"), 2.5),
        (("internal_data", "loan_remaining"), "-100000"),
        (("internal_data", "collectability"), 6),
        (("internal_data", "collectability"), True),
        (("internal_data", "collectability"), "Kol-6"),
    ],
)
def test_an_out_of_range_or_unreadable_value_is_an_error_on_its_field(
    path: Path_, value: object
) -> None:
    field = "".join(
        f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(path)
    )
    errors = errors_of(with_value(path, value))
    assert list(errors) == [field]
    assert "expected" in errors[field].message("en")
    assert "diharapkan" in errors[field].message("id")


def test_the_error_text_lists_every_field_for_logs() -> None:
    with pytest.raises(InvalidApplicationError) as caught:
        parse_application(_many_problems())
    text = str(caught.value)
    for field in ("character.age", "income[1].value", "application.plafon"):
        assert field in text
