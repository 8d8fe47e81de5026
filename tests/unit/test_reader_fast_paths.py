"""The application reader's fast paths give what the full readers give, on any input.

``cde.domain.application`` reads the commonest values (plain ASCII digits, JSON integers,
booleans, text) without the layers of the full readers (issue 15: speed); anything else
goes to them. These properties compare the two on generated values, readable or not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError

from cde.domain import application as a

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


def _same(fast: Callable[[object], Any], full: Callable[[object], Any], value: object) -> None:
    got, expected = _outcome(fast, value), _outcome(full, value)
    assert got == expected
    assert type(got[1]) is type(expected[1])


@MANY
@given(value=values)
def test_money(value: object) -> None:
    _same(a._money_field, a._reader(a._money), value)


@MANY
@given(value=values)
def test_counts(value: object) -> None:
    _same(a._count_field, a._reader(a._count), value)


@MANY
@given(value=values)
def test_labels_and_flags(value: object) -> None:
    _same(a._label_field, a._reader(a._text), value)
    _same(a._flag_field, a._reader(a.numbers.parse_boolean), value)
