"""Property-based tests for cde.domain.loan_math (hypothesis)."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from cde.domain.loan_math import InterestMethod, instalment, max_principal, schedule

principals = st.integers(min_value=0, max_value=5_000_000_000)
months = st.integers(min_value=1, max_value=360)
# 0.00 .. 60.00 per cent per year, two decimals
rates = st.integers(min_value=0, max_value=6_000).map(lambda cents: Decimal(cents) / 100)
methods = st.sampled_from(InterestMethod)
affordables = st.integers(min_value=1, max_value=1_000_000_000)

FAST = settings(max_examples=300, deadline=None)
SCHEDULES = settings(max_examples=100, deadline=None)


@SCHEDULES
@given(principal=principals, rate=rates, n=months, method=methods)
def test_every_schedule_keeps_the_invariants(
    principal: int, rate: Decimal, n: int, method: InterestMethod
) -> None:
    s = schedule(principal, rate, n, method)
    assert len(s.rows) == n
    assert [row.month for row in s.rows] == list(range(1, n + 1))
    assert sum(row.principal for row in s.rows) == principal
    assert all(row.balance >= 0 for row in s.rows)
    assert all(row.principal >= 0 and row.interest >= 0 for row in s.rows)
    assert s.rows[-1].balance == 0
    assert all(row.instalment == row.principal + row.interest for row in s.rows)
    opening = principal
    for row in s.rows:
        assert row.balance == opening - row.principal
        opening = row.balance
    assert s.total_instalment == sum(row.instalment for row in s.rows)
    assert s.total_principal == principal
    assert s.total_interest == sum(row.interest for row in s.rows)
    assert s.rows[0].instalment == instalment(principal, rate, n, method)


@SCHEDULES
@given(principal=principals, rate=rates, n=months)
def test_efektif_instalments_never_increase_except_the_last_by_its_residue(
    principal: int, rate: Decimal, n: int
) -> None:
    paid = [row.instalment for row in schedule(principal, rate, n, InterestMethod.EFEKTIF).rows]
    assert all(later <= earlier for earlier, later in pairwise(paid[:-1]))
    if n > 1:
        # the last month pays the remaining principal: at most n rupiah of rounding residue
        assert paid[-1] <= paid[-2] + n
    assert paid[0] == max(paid[:-1] or paid)


@SCHEDULES
@given(principal=principals, rate=rates, n=months)
def test_anuitas_instalments_are_equal_except_the_last_within_the_residue(
    principal: int, rate: Decimal, n: int
) -> None:
    a = instalment(principal, rate, n, InterestMethod.ANUITAS)
    paid = [row.instalment for row in schedule(principal, rate, n, InterestMethod.ANUITAS).rows]
    if a >= 2 * n:
        assert paid[:-1] == [a] * (n - 1)
        assert abs(paid[-1] - a) <= n
    else:
        # a loan of a few rupiah a month may be paid off early; it never pays more than A
        assert all(p <= a for p in paid[:-1])


@FAST
@given(affordable=affordables, rate=rates, n=months, method=methods)
def test_max_principal_is_the_largest_affordable_principal(
    affordable: int, rate: Decimal, n: int, method: InterestMethod
) -> None:
    mp = max_principal(affordable, rate, n, method)
    assert mp >= 0
    assert instalment(mp, rate, n, method) <= affordable
    assert instalment(mp + 1, rate, n, method) > affordable


@FAST
@given(affordable=st.integers(max_value=0), rate=rates, n=months, method=methods)
def test_max_principal_is_zero_without_affordable_instalment(
    affordable: int, rate: Decimal, n: int, method: InterestMethod
) -> None:
    assert max_principal(affordable, rate, n, method) == 0


@FAST
@given(p1=principals, p2=principals, rate=rates, n=months, method=methods)
def test_instalment_never_decreases_as_the_principal_grows(
    p1: int, p2: int, rate: Decimal, n: int, method: InterestMethod
) -> None:
    low, high = sorted((p1, p2))
    assert instalment(low, rate, n, method) <= instalment(high, rate, n, method)
    assert instalment(high, rate, n, method) <= instalment(high + 1, rate, n, method)


@FAST
@given(principal=principals, rate=rates, n=months, method=methods)
def test_a_float_rate_gives_the_same_instalment_as_its_decimal_text(
    principal: int, rate: Decimal, n: int, method: InterestMethod
) -> None:
    assert instalment(principal, float(rate), n, method) == instalment(principal, rate, n, method)


# rates as an application gives them: up to six decimals (the reader quantises to 1e-6)
fine_rates = st.integers(min_value=0, max_value=99_999_999).map(
    lambda micro: Decimal(micro) / 1_000_000
)


@settings(max_examples=2_000, deadline=None)
@given(
    principal=st.integers(min_value=0, max_value=10**15),
    rate=st.one_of(rates, fine_rates),
    n=st.integers(min_value=1, max_value=600),
    method=methods,
)
def test_the_fast_first_instalment_is_the_exact_one(
    principal: int, rate: Decimal, n: int, method: InterestMethod
) -> None:
    """The instalment computed in integers (or without a division by one) is the rounded
    60-digit Decimal one, on every loan an application can ask for."""
    from cde.domain.loan_math import _exact_first, _first, _round, _terms

    terms = _terms(rate, n, method)
    assert _first(principal, terms) == _round(_exact_first(principal, terms))
