"""The application reader's fast paths give what the full readers give, on any input.

``cde.domain.application`` reads the commonest values (plain ASCII digits, JSON integers,
booleans, text) without the layers of the full readers (issue 15: speed); anything else
goes to them. These properties compare the two on generated values, readable or not.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError

from cde.domain import application as a
from cde.domain.numbers import MoneyRange

MANY = settings(max_examples=1_500, deadline=None)

numberish = st.text(alphabet="0123456789.,- %Rpjt\u00a0\u0661", max_size=24)
digits = st.integers(min_value=0, max_value=10**17).map(str)
decimals = st.tuples(
    st.integers(min_value=0, max_value=10**16), st.sampled_from(".,"), st.text("0123456789")
).map(lambda t: f"{t[0]}{t[1]}{t[2]}")
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**16), max_value=10**17),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-10.0, max_value=1e16).map(float.__floor__).map(float),
    numberish,
    digits,
    decimals,
    st.text(max_size=12),
)


def _outcome(read: Callable[[object], Any], value: object) -> tuple[str, Any]:
    try:
        return "value", read(value)
    except PydanticCustomError as exc:
        return "error", (exc.type, exc.context)


def _exact(value: Any) -> Any:
    """Decimals as their digits and exponent (``12`` and ``12.000000`` differ)."""
    if isinstance(value, Decimal):
        return ("Decimal", value.as_tuple())
    if isinstance(value, MoneyRange):
        return ("MoneyRange", _exact(value.low), _exact(value.high), value.reversed)
    return (type(value).__name__, value)


def _same(fast: Callable[[object], Any], full: Callable[[object], Any], value: object) -> None:
    got, expected = _outcome(fast, value), _outcome(full, value)
    assert got[0] == expected[0]
    if got[0] == "value":
        assert _exact(got[1]) == _exact(expected[1])
    else:
        assert got == expected


@MANY
@given(value=values)
def test_money(value: object) -> None:
    _same(a._money_field, a._reader(a._money), value)


@MANY
@given(value=values)
def test_plafon(value: object) -> None:
    _same(a._plafon_field, a._read_plafon, value)


@MANY
@given(value=values)
def test_counts(value: object) -> None:
    _same(a._count_field, a._reader(a._count), value)


@MANY
@given(value=values)
def test_labels_and_flags(value: object) -> None:
    _same(a._label_field, a._reader(a._text), value)
    _same(a._flag_field, a._reader(a.numbers.parse_boolean), value)


percents = st.one_of(
    values,
    st.tuples(st.integers(0, 10**7), st.sampled_from(["", ",5", ".25", ",480000", ".1234567"]))
    .map(lambda t: f"{t[0]}{t[1]}")
    .flatmap(lambda s: st.sampled_from([s, s + "%", s + " %", " " + s])),
    st.floats(min_value=-2e6, max_value=2e6),
)
dates = st.one_of(
    values,
    st.dates().map(lambda d: d.isoformat()),
    st.tuples(st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99)).map(
        lambda t: f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d}"
    ),
)
ranges = st.one_of(
    values,
    st.tuples(st.integers(0, 10**17), st.integers(0, 10**17)).map(lambda t: f"{t[0]}-{t[1]}"),
)


@MANY
@given(value=percents)
def test_percentages_rates_and_numbers(value: object) -> None:
    _same(a._percent_field, a._reader(a._percent), value)
    _same(a._interest_field, a._read_interest, value)
    _same(a._number_field, a._reader(a._number), value)


@MANY
@given(value=dates)
def test_days(value: object) -> None:
    _same(a._day_field, a._reader(a.numbers.parse_date), value)


@MANY
@given(value=ranges)
def test_ranges_and_tenures(value: object) -> None:
    _same(a._range_field, a._reader(a._range), value)
    _same(a._tenure_field, a._read_tenure, value)
