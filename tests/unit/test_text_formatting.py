"""The figures of :mod:`cde.domain.text`, against a plain reference implementation.

The module formats without ``str.translate`` and without some of the Decimal steps it
once took (issue 15: speed); the reference below is the straightforward formulation it
replaced, so any input on which the two disagree is a changed text.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from babel import Locale
from hypothesis import given, settings
from hypothesis import strategies as st

from cde.domain import text
from cde.domain.text import Lang

LANGS: tuple[Lang, ...] = ("id", "en")


def _table(lang: str) -> dict[int, str]:
    symbols = Locale.parse(lang).number_symbols["latn"]
    return str.maketrans({",": symbols["group"], ".": symbols["decimal"]})


TABLES = {lang: _table(lang) for lang in LANGS}


def _exact(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(repr(value))


def ref_whole(value: Any) -> int:
    if type(value) is int:
        return value
    return int(_exact(value).to_integral_value(ROUND_HALF_UP))


def ref_number(value: Any, lang: Lang, decimals: int = 0) -> str:
    if decimals == 0:
        return f"{ref_whole(value):,}".translate(TABLES[lang])
    return f"{value:,.{decimals}f}".translate(TABLES[lang])


def ref_rupiah(value: Any, lang: Lang) -> str:
    amount = ref_whole(value)
    if amount < 0:
        return "-Rp " + f"{-amount:,}".translate(TABLES[lang])
    return "Rp " + f"{amount:,}".translate(TABLES[lang])


def ref_percent(value: Any, lang: Lang) -> str:
    if type(value) is int:
        return f"{value:,}%".translate(TABLES[lang])
    rounded = _exact(value).quantize(Decimal("0.1"), ROUND_HALF_UP)
    if rounded == rounded.to_integral_value():
        return f"{int(rounded):,}%".translate(TABLES[lang])
    return f"{rounded:,.1f}%".translate(TABLES[lang])


def ref_probability(value: Any, lang: Lang) -> str:
    exact = _exact(value) * 100
    return f"{exact.quantize(Decimal('0.01'), ROUND_HALF_UP):,.2f}%".translate(TABLES[lang])


def ref_ratio(value: Any, lang: Lang) -> str:
    exact = _exact(value).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"{exact:,.2f}×".translate(TABLES[lang])


ints = st.integers(min_value=-(10**16), max_value=10**16)
floats = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)
decimals = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, places=None
).filter(lambda d: d.is_finite())
# halves and near-halves at the digit that is rounded, where half up and half even differ
ties = st.integers(min_value=-(10**9), max_value=10**9).flatmap(
    lambda n: st.sampled_from(
        [
            Decimal(n) / 20,
            Decimal(n) / 200,
            Decimal(n) / 2000,
            Decimal(n) / 2,
            float(n) / 20,
            n / 200,
            n / 2000,
            n / 20000,
            n / 200000,
        ]
    )
)
numbers = st.one_of(ints, floats, decimals, ties)
langs = st.sampled_from(LANGS)

MANY = settings(max_examples=600, deadline=None)


@MANY
@given(value=numbers, lang=langs)
def test_rupiah_and_whole_numbers(value: Any, lang: Lang) -> None:
    assert text.rupiah(value, lang) == ref_rupiah(value, lang)
    assert text.number(value, lang) == ref_number(value, lang)


@MANY
@given(value=numbers, lang=langs, places=st.integers(min_value=1, max_value=3))
def test_numbers_with_decimals(value: Any, lang: Lang, places: int) -> None:
    assert text.number(value, lang, places) == ref_number(value, lang, places)


@MANY
@given(value=numbers, lang=langs)
def test_percentages_ratios_and_probabilities(value: Any, lang: Lang) -> None:
    assert text.percent(value, lang) == ref_percent(value, lang)
    assert text.ratio(value, lang) == ref_ratio(value, lang)
    assert text.probability(value, lang) == ref_probability(value, lang)


@pytest.mark.parametrize(
    "value",
    [
        0,
        -0.0,
        0.0,
        -0.04,
        -0.05,
        0.05,
        0.15,
        2.675,
        Decimal("-0.04"),
        Decimal("-0"),
        Decimal("-0.0"),
        Decimal("0E-7"),
        Decimal("30.000000"),
        Decimal("174.480000"),
        Decimal("1E+3"),
        Decimal("999999.95"),
        Decimal("-999.95"),
        Decimal("0.005"),
        Decimal("0.0049999"),
        1234567.85,
        -1234567.85,
        25025.0,
        4525.73,
        10**15,
        -(10**15),
    ],
)
@pytest.mark.parametrize("lang", LANGS)
def test_edges(value: Any, lang: Lang) -> None:
    assert text.rupiah(value, lang) == ref_rupiah(value, lang)
    assert text.number(value, lang) == ref_number(value, lang)
    assert text.number(value, lang, 1) == ref_number(value, lang, 1)
    assert text.percent(value, lang) == ref_percent(value, lang)
    assert text.ratio(value, lang) == ref_ratio(value, lang)
    assert text.probability(value, lang) == ref_probability(value, lang)


@settings(max_examples=2_000, deadline=None)
@given(
    value=st.one_of(floats, ties.filter(lambda v: isinstance(v, float))), places=st.integers(0, 5)
)
def test_scaled_half_up_is_the_decimal_rounding(value: float, places: int) -> None:
    scaled = text.scaled_half_up(value, places)
    exact = Decimal(repr(value))
    if repr(value).startswith("-") or value != value or "e" in repr(value):
        assert scaled is None
    else:
        assert scaled == int((exact.scaleb(places)).to_integral_value(ROUND_HALF_UP))


def ref_points_value(value: float) -> float:
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def ref_points_text(value: float, lang: Lang, decimals: int) -> str:
    exact = Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    return text.number(exact, lang, decimals)


points = st.one_of(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.integers(min_value=-(10**8), max_value=10**8).map(lambda n: n / 10_000),
    st.integers(min_value=-(10**6), max_value=10**6).map(lambda n: n / 200),
)


@MANY
@given(value=points, lang=langs, decimals=st.integers(0, 3))
def test_scorecard_points(value: float, lang: Lang, decimals: int) -> None:
    from cde.domain.narrative import feature_value_text, points_text, points_value

    assert points_value(value) == ref_points_value(value)
    assert points_text(value, lang, decimals) == ref_points_text(value, lang, decimals)
    assert feature_value_text("dsr_pct", value, lang) == ref_percent(value, lang)
    assert feature_value_text("plafon_to_annual_income", value, lang) == ref_ratio(value, lang)
