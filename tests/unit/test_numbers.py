"""Reading Indonesian numbers, money ranges and dates (cde.domain.numbers)."""

from __future__ import annotations

import pickle
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cde.domain.numbers import (
    MoneyRange,
    ParseError,
    parse_boolean,
    parse_date,
    parse_integer,
    parse_number,
    parse_percent,
    parse_place_and_date,
    parse_range,
)

D = Decimal


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # the seed application's own strings
        ("8,3", D("8.3")),
        ("17,8", D("17.8")),
        ("174,48", D("174.48")),
        ("138402100.00", D("138402100.00")),
        ("21243239.67", D("21243239.67")),
        ("4150000.00", D("4150000.00")),
        ("31", D(31)),
        # plain and Indonesian notation
        ("0", D(0)),
        ("8.3", D("8.3")),
        ("1.500.000", D(1500000)),
        ("1,500,000", D(1500000)),
        ("1.500.000,50", D("1500000.50")),
        ("1,500,000.50", D("1500000.50")),
        ("1 500 000", D(1500000)),
        ("1\u00a0500\u00a0000", D(1500000)),
        ("1 500 000,50", D("1500000.50")),
        ("  42\u00a0", D(42)),
        ("1.500", D("1.5")),
        ("-5", D(-5)),
        ("+5", D(5)),
        ("−5", D(-5)),
        ("-0", D(0)),
        # currency prefixes: a single separator before exactly 3 digits is grouping
        ("Rp 1.500.000", D(1500000)),
        ("Rp1.500.000", D(1500000)),
        ("Rp. 1.500.000", D(1500000)),
        ("rp 1.500", D(1500)),
        ("Rp 1,500", D(1500)),
        ("RP 1.500,50", D("1500.50")),
        ("IDR 1,500,000.50", D("1500000.50")),
        ("idr1500000", D(1500000)),
        ("Rp 1.5", D("1.5")),
        ("Rp 1.500.000,-", D(1500000)),
        ("1.500,-", D(1500)),
        ("-Rp 5.000", D(-5000)),
        ("Rp -5.000", D(-5000)),
        # magnitude words
        ("10 juta", D(10_000_000)),
        ("Rp10 jt", D(10_000_000)),
        ("1,5 jt", D(1_500_000)),
        ("1.5jt", D(1_500_000)),
        ("10 JT.", D(10_000_000)),
        ("500 rb", D(500_000)),
        ("500 ribu", D(500_000)),
        ("2 miliar", D(2_000_000_000)),
        ("2 milyar", D(2_000_000_000)),
        ("2M", D(2_000_000_000)),
        ("1 T", D(10**12)),
        ("1 triliun", D(10**12)),
        ("Rp 1.500 juta", D(1_500_000_000)),
    ],
)
def test_parse_number_reads_plain_and_indonesian_notation(value: str, expected: Decimal) -> None:
    assert parse_number(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0"),
        (31, "31"),
        (10_000_000_000, "10000000000"),
        (10000000.0, "10000000.0"),
        (8.3, "8.3"),
        (50.00, "50.0"),
        (-0.0, "0.0"),
        (D("21243239.67"), "21243239.67"),
    ],
)
def test_parse_number_reads_json_numbers_exactly_as_written(value: object, expected: str) -> None:
    result = parse_number(value)
    assert isinstance(result, Decimal)
    assert str(result) == expected


def test_parse_number_multiplies_magnitude_words_exactly() -> None:
    long_digits = "1234567890123456789012345678901234567890"
    assert parse_number(f"{long_digits} T") == D(long_digits + "0" * 12)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "abc",
        "1.2.3,4,5",
        "--5",
        "-Rp -5",
        "5%",
        "5 %",
        "5.",
        ".5",
        ",5",
        "1.50.00",
        "1.50.000,5",
        "1.500,000.5",
        "1,5,0",
        "1 5",
        "1 5000",
        "Rp 1500.000",
        "5 m",
        "5 jt jt",
        "juta",
        "Rp",
        "1e5",
        "５",
        "1" * 300,
        True,
        False,
        None,
        [1],
        float("nan"),
        float("inf"),
        D("NaN"),
        D("-Infinity"),
    ],
)
def test_parse_number_refuses_what_is_not_a_number(value: object) -> None:
    with pytest.raises(ParseError) as caught:
        parse_number(value)
    assert caught.value.code == "number"
    assert caught.value.value is value


def test_parse_error_is_a_value_error_that_explains_itself_and_pickles() -> None:
    with pytest.raises(ValueError, match=r"expected a number such as .*got 'abc'") as caught:
        parse_number("abc")
    error = caught.value
    assert isinstance(error, ParseError)
    assert error.expected == "a number such as 1500000, 1.500.000 or 8,3"
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, copy.expected, copy.value, str(copy)) == (
        error.code,
        error.expected,
        error.value,
        str(error),
    )


def test_parse_error_shortens_long_values_in_its_message() -> None:
    error = ParseError("number", "a number", "x" * 1000)
    assert len(str(error)) < 150
    assert error.value == "x" * 1000


# --------------------------------------------------------------------------- percent


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("174,48%", D("174.48")),
        ("174,48 %", D("174.48")),
        ("45.2 %", D("45.2")),
        ("8,3", D("8.3")),
        ("0,45", D("0.45")),
        ("-3,5%", D("-3.5")),
        ("100%", D(100)),
        (50.00, D(50)),
        (50, D(50)),
        (D("12.5"), D("12.5")),
    ],
)
def test_parse_percent_reads_percent_points(value: object, expected: Decimal) -> None:
    assert parse_percent(value) == expected


@pytest.mark.parametrize(
    "value", ["", "%", "abc%", "5%%", "% 5", "Rp 5%", "5 jt%", "5 juta", True, None, "1,2,3%"]
)
def test_parse_percent_refuses_what_is_not_a_percentage(value: object) -> None:
    with pytest.raises(ParseError) as caught:
        parse_percent(value)
    assert caught.value.code == "percent"


# --------------------------------------------------------------------------- integer


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12, 12),
        ("12", 12),
        ("12.0", 12),
        ("12,00", 12),
        (12.0, 12),
        (D("12.000"), 12),
        ("1.500", 1500),
        ("12.000", 12000),
        ("1,500", 1500),
        ("1.500.000", 1_500_000),
        ("Rp 1.500.000", 1_500_000),
        ("10 juta", 10_000_000),
        ("1,5 jt", 1_500_000),
        ("-3", -3),
        ("31", 31),
    ],
)
def test_parse_integer_reads_whole_numbers(value: object, expected: int) -> None:
    result = parse_integer(value)
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize(
    "value",
    [
        12.5,
        "12,5",
        "12.5",
        "1.5",
        "12.50",
        D("0.1"),
        "abc",
        "",
        True,
        None,
        float("inf"),
        "1500.000",
    ],
)
def test_parse_integer_refuses_fractions_and_non_numbers(value: object) -> None:
    with pytest.raises(ParseError) as caught:
        parse_integer(value)
    assert caught.value.code == "integer"


# --------------------------------------------------------------------------- boolean


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        (1.0, True),
        (D(0), False),
        ("true", True),
        ("False", False),
        ("ya", True),
        ("Iya", True),
        ("TIDAK", False),
        ("yes", True),
        ("no", False),
        ("Y", True),
        ("n", False),
        (" 1 ", True),
        ("0", False),
    ],
)
def test_parse_boolean_reads_yes_and_no(value: object, expected: bool) -> None:
    assert parse_boolean(value) is expected


@pytest.mark.parametrize("value", ["", "maybe", "benar", "2", 2, -1, 0.5, None, [True]])
def test_parse_boolean_refuses_anything_else(value: object) -> None:
    with pytest.raises(ParseError) as caught:
        parse_boolean(value)
    assert caught.value.code == "boolean"


# --------------------------------------------------------------------------- ranges


@pytest.mark.parametrize(
    ("value", "low", "high"),
    [
        ("100000-200000", 100_000, 200_000),
        ("10000000000-20000000000", 10_000_000_000, 20_000_000_000),
        ("100000 - 200000", 100_000, 200_000),
        ("100.000 - 200.000", 100_000, 200_000),
        ("100,000-200,000", 100_000, 200_000),
        ("Rp 1.000.000 - 2.000.000", 1_000_000, 2_000_000),
        ("Rp 1.000.000 - Rp 2.000.000", 1_000_000, 2_000_000),
        ("Rp 1.000.000,- - Rp 2.000.000,-", 1_000_000, 2_000_000),
        ("100000–200000", 100_000, 200_000),
        ("100000 — 200000", 100_000, 200_000),
        ("100000 ~ 200000", 100_000, 200_000),
        ("1 s/d 2 jt", 1_000_000, 2_000_000),
        ("1 s.d. 2 jt", 1_000_000, 2_000_000),
        ("1 sd 2 jt", 1_000_000, 2_000_000),
        ("1 sampai 2 juta", 1_000_000, 2_000_000),
        ("1 sampai dengan 2 juta", 1_000_000, 2_000_000),
        ("1 hingga 2 juta", 1_000_000, 2_000_000),
        ("1jt to 2jt", 1_000_000, 2_000_000),
        ("1-2 juta", 1_000_000, 2_000_000),
        ("1,5-2 jt", 1_500_000, 2_000_000),
        ("500 rb - 1 jt", 500_000, 1_000_000),
        ("1.5-2.5", D("1.5"), D("2.5")),
        ("1500000", 1_500_000, 1_500_000),
        ("1.500.000", 1_500_000, 1_500_000),
        ("Rp 1.500", 1_500, 1_500),
        ("1,5 jt", 1_500_000, 1_500_000),
        (1500000, 1_500_000, 1_500_000),
        (10000000.0, 10_000_000, 10_000_000),
        (D("2.5"), D("2.5"), D("2.5")),
    ],
)
def test_parse_range_reads_bounds_in_order(value: object, low: Decimal, high: Decimal) -> None:
    assert parse_range(value) == MoneyRange(D(low), D(high), reversed=False)


@pytest.mark.parametrize(
    ("value", "low", "high"),
    [
        ("200000-100000", 100_000, 200_000),
        ("Rp 2.000.000 - Rp 1.000.000", 1_000_000, 2_000_000),
        ("1 jt - 2", 2, 1_000_000),
    ],
)
def test_parse_range_swaps_reversed_bounds_and_says_so(
    value: str, low: Decimal, high: Decimal
) -> None:
    result = parse_range(value)
    assert result == MoneyRange(D(low), D(high), reversed=True)
    assert result.reversed


@pytest.mark.parametrize(
    ("value", "low"),
    [
        ("> 5000000", 5_000_000),
        (">5000000", 5_000_000),
        (">= 5000000", 5_000_000),
        ("≥ 5.000.000", 5_000_000),
        ("lebih dari 5 juta", 5_000_000),
        ("Lebih dari Rp 5.000.000", 5_000_000),
        ("di atas 5 jt", 5_000_000),
        ("diatas 5jt", 5_000_000),
        ("minimal 5 jt", 5_000_000),
        ("5000000+", 5_000_000),
        ("5 jt +", 5_000_000),
        ("5 juta ke atas", 5_000_000),
    ],
)
def test_parse_range_reads_ranges_open_above(value: str, low: int) -> None:
    result = parse_range(value)
    assert result == MoneyRange(D(low), None)
    assert result.midpoint == low


@pytest.mark.parametrize(
    ("value", "high"),
    [
        ("< 1000000", 1_000_000),
        ("<= 1000000", 1_000_000),
        ("≤ 1.000.000", 1_000_000),
        ("kurang dari 1 juta", 1_000_000),
        ("di bawah 1 jt", 1_000_000),
        ("dibawah 1jt", 1_000_000),
        ("maks 1 jt", 1_000_000),
        ("maksimal Rp 1.000.000", 1_000_000),
        ("hingga 1 juta", 1_000_000),
        ("sampai 1 juta", 1_000_000),
        ("s/d 1 juta", 1_000_000),
        ("1 juta ke bawah", 1_000_000),
    ],
)
def test_parse_range_reads_ranges_open_below_as_starting_at_zero(value: str, high: int) -> None:
    assert parse_range(value) == MoneyRange(D(0), D(high))


@pytest.mark.parametrize(
    "value",
    [
        "",
        "abc",
        "-5",
        "-5-10",
        "5--3",
        "> -5",
        "< -1 jt",
        "1-2-3",
        "100000-",
        "-",
        "> abc",
        "ke atas",
        "+",
        "1 - 2 - 3 juta",
        "100000 -- 200000",
        "1jtto2jt",
        -1,
        True,
        None,
        float("nan"),
    ],
)
def test_parse_range_refuses_what_is_not_an_amount_or_range(value: object) -> None:
    with pytest.raises(ParseError) as caught:
        parse_range(value)
    assert caught.value.code == "range"


@pytest.mark.parametrize(
    ("money_range", "midpoint"),
    [
        (MoneyRange(D(100_000), D(200_000)), D(150_000)),
        (MoneyRange(D(1), D(2)), D("1.5")),
        (MoneyRange(D(7), D(7)), D(7)),
        (MoneyRange(D(5_000_000), None), D(5_000_000)),
    ],
)
def test_money_range_midpoint_is_the_middle_or_the_low_bound_when_open(
    money_range: MoneyRange, midpoint: Decimal
) -> None:
    assert money_range.midpoint == midpoint


@pytest.mark.parametrize(("low", "high"), [(D(-1), D(5)), (D(5), D(1))])
def test_money_range_refuses_negative_or_out_of_order_bounds(low: Decimal, high: Decimal) -> None:
    with pytest.raises(ValueError, match="MoneyRange"):
        MoneyRange(low, high)


def test_money_range_is_immutable() -> None:
    money_range = MoneyRange(D(1), D(2))
    with pytest.raises(AttributeError):
        money_range.low = D(0)  # type: ignore[misc]


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-08-01", date(2020, 8, 1)),
        ("2020-08-01T10:00:00Z", date(2020, 8, 1)),
        ("2020-08-01T23:30:00+07:00", date(2020, 8, 1)),
        ("2020-08-01T10:00:00.123456", date(2020, 8, 1)),
        ("2020-08-01 10:00:00", date(2020, 8, 1)),
        ("2020/08/01", date(2020, 8, 1)),
        ("1 Agustus 2020", date(2020, 8, 1)),
        ("1 agustus 2020", date(2020, 8, 1)),
        ("1 AGUSTUS 2020", date(2020, 8, 1)),
        ("1 Agt 2020", date(2020, 8, 1)),
        ("1 Ags 2020", date(2020, 8, 1)),
        ("1 Agu 2020", date(2020, 8, 1)),
        ("1 August 2020", date(2020, 8, 1)),
        ("1 Aug 2020", date(2020, 8, 1)),
        ("10 April 1984", date(1984, 4, 10)),
        ("10 Apr 1984", date(1984, 4, 10)),
        ("10 Apr. 1984", date(1984, 4, 10)),
        ("10-Apr-1984", date(1984, 4, 10)),
        ("10 April, 1984", date(1984, 4, 10)),
        ("10\u00a0April\u00a01984", date(1984, 4, 10)),
        ("10-04-1984", date(1984, 4, 10)),
        ("10/04/1984", date(1984, 4, 10)),
        ("10.04.1984", date(1984, 4, 10)),
        ("1/4/1984", date(1984, 4, 1)),
        ("5 Mei 2021", date(2021, 5, 5)),
        ("5 May 2021", date(2021, 5, 5)),
        ("1 Pebruari 1970", date(1970, 2, 1)),
        ("17 Okt 1999", date(1999, 10, 17)),
        ("17 Oct 1999", date(1999, 10, 17)),
        ("25 Des 2000", date(2000, 12, 25)),
        ("25 Dec 2000", date(2000, 12, 25)),
        ("29 Februari 2024", date(2024, 2, 29)),
        ("Denpasar, 10 April 1984", date(1984, 4, 10)),
        (date(2020, 8, 1), date(2020, 8, 1)),
        (datetime(2020, 8, 1, 10, 0), date(2020, 8, 1)),
    ],
)
def test_parse_date_reads_iso_day_first_and_month_name_dates(value: object, expected: date) -> None:
    result = parse_date(value)
    assert result == expected
    assert type(result) is date


@pytest.mark.parametrize(
    "value",
    [
        "29 Februari 2023",
        "31 Februari 2020",
        "31/04/2020",
        "2020-13-01",
        "2020-08-01T25:00:00",
        "2020-08-01T10:61",
        "10/04/84",
        "10 April 84",
        "04-10",
        "1 Foo 2020",
        "2020-08/01",
        "10 April 1984, Denpasar",
        "Denpasar",
        "",
        0,
        1596240000,
        None,
        True,
    ],
)
def test_parse_date_refuses_impossible_or_ambiguous_dates(value: object) -> None:
    with pytest.raises(ParseError) as caught:
        parse_date(value)
    assert caught.value.code == "date"


@pytest.mark.parametrize(
    ("value", "place", "when"),
    [
        ("Denpasar, 10 April 1984", "Denpasar", date(1984, 4, 10)),
        ("  Denpasar ,  10 April 1984 ", "Denpasar", date(1984, 4, 10)),
        ("Kuta, Badung, 10 April 1984", "Kuta, Badung", date(1984, 4, 10)),
        ("Denpasar, 10 April, 1984", "Denpasar", date(1984, 4, 10)),
        ("Denpasar, 10-04-1984", "Denpasar", date(1984, 4, 10)),
        ("10 April 1984", None, date(1984, 4, 10)),
        (", 10 April 1984", None, date(1984, 4, 10)),
        (date(1984, 4, 10), None, date(1984, 4, 10)),
    ],
)
def test_parse_place_and_date_splits_at_the_last_comma_before_a_date(
    value: object, place: str | None, when: date
) -> None:
    assert parse_place_and_date(value) == (place, when)


@pytest.mark.parametrize(
    "value", ["Denpasar", "Denpasar, ", "Denpasar, 31 Februari 1984", "10 April 1984, Bali", None]
)
def test_parse_place_and_date_refuses_a_missing_or_impossible_date(value: object) -> None:
    with pytest.raises(ParseError) as caught:
        parse_place_and_date(value)
    assert caught.value.code == "date"


# --------------------------------------------------------------------------- properties


@given(st.integers(min_value=0))
def test_any_non_negative_integer_reads_back_in_plain_and_indonesian_notation(n: int) -> None:
    assert parse_number(str(n)) == n
    grouped = f"{n:,}".replace(",", ".")
    if grouped.count(".") >= 2:
        assert parse_number(grouped) == n
    assert parse_number("Rp " + grouped) == n
    assert parse_integer(grouped) == n


@given(st.integers(min_value=0), st.integers(min_value=0))
def test_any_two_bounds_read_back_as_a_range_in_order(a: int, b: int) -> None:
    expected = MoneyRange(D(min(a, b)), D(max(a, b)), reversed=a > b)
    assert parse_range(f"{a}-{b}") == expected
    ga, gb = (f"{x:,}".replace(",", ".") for x in (a, b))
    assert parse_range(f"Rp {ga} - Rp {gb}") == expected


@given(st.decimals(places=2, min_value=-(10**12), max_value=10**12))
def test_any_two_place_decimal_reads_back_with_a_decimal_comma(value: Decimal) -> None:
    text = str(value).replace(".", ",")
    assert parse_number(text) == value


_ID_MONTHS = {
    1: "Januari",
    2: "Februari",
    3: "Maret",
    4: "April",
    5: "Mei",
    6: "Juni",
    7: "Juli",
    8: "Agustus",
    9: "September",
    10: "Oktober",
    11: "November",
    12: "Desember",
}
_EN_ABBREVIATIONS = {
    1: "Jan",
    2: "Feb",
    3: "Mar",
    4: "Apr",
    5: "May",
    6: "Jun",
    7: "Jul",
    8: "Aug",
    9: "Sep",
    10: "Oct",
    11: "Nov",
    12: "Dec",
}


@given(st.dates(min_value=date(1000, 1, 1)))
def test_any_date_reads_back_in_iso_numeric_and_indonesian_forms(when: date) -> None:
    assert parse_date(when.isoformat()) == when
    assert parse_date(f"{when.day:02d}/{when.month:02d}/{when.year}") == when
    assert parse_date(f"{when.day} {_ID_MONTHS[when.month]} {when.year}") == when
    birth = f"Denpasar, {when.day} {_EN_ABBREVIATIONS[when.month]} {when.year}"
    assert parse_place_and_date(birth) == ("Denpasar", when)
