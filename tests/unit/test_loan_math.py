"""Example tests for cde.domain.loan_math; reference loan: 10,000,000 at 12%/yr over 12 months."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

import pytest

from cde.domain.loan_math import (
    InterestMethod,
    Schedule,
    ScheduleRow,
    instalment,
    max_principal,
    schedule,
)

P = 10_000_000
RATE = 12
N = 12


def _round_half_up(x: Fraction) -> int:
    """Independent ROUND_HALF_UP for non-negative exact fractions."""
    return int(x + Fraction(1, 2)) if x >= 0 else -int(-x + Fraction(1, 2))


def _reference_anuitas_interest(principal: int, annual_rate_pct: int, months: int) -> list[int]:
    """Monthly interest of the anuitas schedule, from the textbook formula in exact fractions."""
    r = Fraction(annual_rate_pct, 1200)
    exact_a = principal * r / (1 - (1 + r) ** -months)
    balance = Fraction(principal)
    interest = []
    for _ in range(months):
        month_interest = balance * r
        interest.append(_round_half_up(month_interest))
        balance = balance + month_interest - exact_a
    assert balance == 0
    return interest


def _assert_invariants(s: Schedule) -> None:
    assert [row.month for row in s.rows] == list(range(1, s.months + 1))
    assert sum(row.principal for row in s.rows) == s.principal
    assert s.rows[-1].balance == 0
    assert all(row.balance >= 0 for row in s.rows)
    assert all(row.instalment == row.principal + row.interest for row in s.rows)
    assert s.total_instalment == sum(row.instalment for row in s.rows)
    assert s.total_principal == sum(row.principal for row in s.rows) == s.principal
    assert s.total_interest == sum(row.interest for row in s.rows)
    assert s.rows[0].instalment == instalment(s.principal, s.annual_rate_pct, s.months, s.method)


# --- reference values -------------------------------------------------------------------


def test_anuitas_instalment_of_the_reference_loan_is_888_488() -> None:
    assert instalment(P, RATE, N, InterestMethod.ANUITAS) == 888_488


def test_flat_instalment_of_the_reference_loan_is_933_333() -> None:
    assert instalment(P, RATE, N, InterestMethod.FLAT) == 933_333


def test_efektif_first_instalment_of_the_reference_loan_is_933_333() -> None:
    assert instalment(P, RATE, N, InterestMethod.EFEKTIF) == 933_333


@pytest.mark.parametrize("rate", [12, 12.0, Decimal("12"), Decimal("12.00")])
def test_the_rate_may_be_given_as_int_float_or_decimal(rate: Decimal | int | float) -> None:
    assert instalment(P, rate, N, InterestMethod.ANUITAS) == 888_488


def test_a_float_rate_is_read_by_its_decimal_text_not_its_binary_value() -> None:
    # 0.1 as a binary float is 0.1000000000000000055...; Decimal(str(0.1)) is exactly 0.1
    assert schedule(P, 0.1, N, InterestMethod.FLAT).annual_rate_pct == Decimal("0.1")


# --- schedules of the reference loan ---------------------------------------------------


def test_anuitas_schedule_of_the_reference_loan_pays_888_488_for_eleven_months() -> None:
    s = schedule(P, RATE, N, InterestMethod.ANUITAS)
    _assert_invariants(s)
    assert [row.instalment for row in s.rows[:-1]] == [888_488] * 11
    assert s.rows[0] == ScheduleRow(1, 888_488, 788_488, 100_000, 9_211_512)


def test_anuitas_schedule_total_interest_matches_the_textbook_formula() -> None:
    s = schedule(P, RATE, N, InterestMethod.ANUITAS)
    expected_interest = _reference_anuitas_interest(P, RATE, N)
    assert [row.interest for row in s.rows] == expected_interest
    assert s.total_interest == sum(expected_interest) == 661_853


def test_anuitas_last_row_pays_the_remaining_balance_and_absorbs_the_residue() -> None:
    s = schedule(P, RATE, N, InterestMethod.ANUITAS)
    last = s.rows[-1]
    assert last.principal == s.rows[-2].balance == 879_688
    assert last.interest == 8_797
    assert last.instalment == 888_485
    assert abs(last.instalment - 888_488) <= N


def test_flat_schedule_of_the_reference_loan_charges_1_200_000_interest() -> None:
    s = schedule(P, RATE, N, InterestMethod.FLAT)
    _assert_invariants(s)
    assert s.total_interest == 1_200_000
    assert all(row.interest == 100_000 for row in s.rows)
    assert s.rows[0] == ScheduleRow(1, 933_333, 833_333, 100_000, 9_166_667)
    assert s.rows[-1] == ScheduleRow(12, 933_337, 833_337, 100_000, 0)


def test_efektif_schedule_of_the_reference_loan_charges_650_000_interest() -> None:
    s = schedule(P, RATE, N, InterestMethod.EFEKTIF)
    _assert_invariants(s)
    assert s.total_interest == 650_000
    assert s.total_instalment == 10_650_000


def test_efektif_schedule_of_the_reference_loan_runs_from_933_333_down_to_841_667() -> None:
    s = schedule(P, RATE, N, InterestMethod.EFEKTIF)
    assert s.rows[0] == ScheduleRow(1, 933_333, 833_333, 100_000, 9_166_667)
    assert s.rows[-1] == ScheduleRow(12, 841_667, 833_334, 8_333, 0)
    instalments = [row.instalment for row in s.rows]
    assert instalments == sorted(instalments, reverse=True)
    assert all(row.principal in (833_333, 833_334) for row in s.rows)


def test_schedule_records_its_inputs() -> None:
    s = schedule(P, 12.5, N, InterestMethod.EFEKTIF)
    assert (s.principal, s.annual_rate_pct, s.months, s.method) == (
        P,
        Decimal("12.5"),
        N,
        InterestMethod.EFEKTIF,
    )
    assert len(s.rows) == N


# --- edge cases -------------------------------------------------------------------------


@pytest.mark.parametrize("method", list(InterestMethod))
def test_zero_rate_repays_principal_in_equal_parts_without_interest(
    method: InterestMethod,
) -> None:
    assert instalment(1_200_000, 0, 12, method) == 100_000
    s = schedule(1_200_000, 0, 12, method)
    _assert_invariants(s)
    assert s.total_interest == 0
    assert all(row == ScheduleRow(row.month, 100_000, 100_000, 0, row.balance) for row in s.rows)


@pytest.mark.parametrize("method", list(InterestMethod))
def test_zero_rate_puts_the_rounding_residue_in_the_last_month(method: InterestMethod) -> None:
    s = schedule(1_000_000, 0, 3, method)
    assert [row.instalment for row in s.rows] == [333_333, 333_333, 333_334]


@pytest.mark.parametrize("method", list(InterestMethod))
def test_one_month_loan_repays_everything_with_one_month_of_interest(
    method: InterestMethod,
) -> None:
    assert instalment(P, RATE, 1, method) == 10_100_000
    s = schedule(P, RATE, 1, method)
    _assert_invariants(s)
    assert s.rows == (ScheduleRow(1, 10_100_000, P, 100_000, 0),)


@pytest.mark.parametrize("method", list(InterestMethod))
def test_one_month_loan_rounds_an_exact_half_rupiah_of_interest_up(
    method: InterestMethod,
) -> None:
    # 600 rupiah at 1%/yr for a month is exactly 0.5 rupiah of interest
    assert instalment(600, 1, 1, method) == 601
    assert schedule(600, 1, 1, method).rows == (ScheduleRow(1, 601, 600, 1, 0),)


@pytest.mark.parametrize("method", list(InterestMethod))
def test_zero_principal_gives_an_all_zero_schedule(method: InterestMethod) -> None:
    assert instalment(0, RATE, N, method) == 0
    s = schedule(0, RATE, N, method)
    assert all(row == ScheduleRow(row.month, 0, 0, 0, 0) for row in s.rows)
    assert (s.total_instalment, s.total_principal, s.total_interest) == (0, 0, 0)


def test_a_tiny_loan_paid_off_early_never_shows_a_negative_balance() -> None:
    s = schedule(1_000, 0, 360, InterestMethod.ANUITAS)  # 2.78/month rounds up to 3
    _assert_invariants(s)
    assert s.rows[0].instalment == 3


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("principal", "rate", "months", "message"),
    [
        (-1, RATE, N, "principal"),
        (P, RATE, 0, "months"),
        (P, RATE, -12, "months"),
        (P, -0.01, N, "annual_rate_pct"),
        (P, Decimal("-1"), N, "annual_rate_pct"),
        (P, float("nan"), N, "finite"),
        (P, Decimal("Infinity"), N, "finite"),
    ],
)
@pytest.mark.parametrize("function", [instalment, schedule])
def test_invalid_arguments_are_rejected_with_a_clear_value_error(
    function: Callable[..., object],
    principal: int,
    rate: Decimal | float | int,
    months: int,
    message: str,
) -> None:
    with pytest.raises(ValueError, match=message):
        function(principal, rate, months, InterestMethod.ANUITAS)


@pytest.mark.parametrize(
    ("months", "rate", "message"),
    [(0, RATE, "months"), (N, -1, "annual_rate_pct")],
)
def test_max_principal_rejects_invalid_terms(months: int, rate: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        max_principal(888_488, rate, months, InterestMethod.ANUITAS)


def test_an_unknown_method_name_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown interest method"):
        instalment(P, RATE, N, "balloon")  # type: ignore[arg-type]


def test_a_fractional_principal_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="whole rupiah"):
        instalment(1_000_000.5, RATE, N, InterestMethod.FLAT)  # type: ignore[arg-type]


# --- max_principal ------------------------------------------------------------------------


def test_max_principal_round_trips_the_reference_anuitas_loan() -> None:
    mp = max_principal(888_488, RATE, N, InterestMethod.ANUITAS)
    assert mp >= P
    assert instalment(mp, RATE, N, InterestMethod.ANUITAS) <= 888_488
    assert instalment(mp + 1, RATE, N, InterestMethod.ANUITAS) > 888_488


@pytest.mark.parametrize("method", [InterestMethod.FLAT, InterestMethod.EFEKTIF])
def test_max_principal_round_trips_the_reference_flat_and_efektif_loans(
    method: InterestMethod,
) -> None:
    mp = max_principal(933_333, RATE, N, method)
    assert mp >= P
    assert instalment(mp, RATE, N, method) <= 933_333 < instalment(mp + 1, RATE, N, method)


@pytest.mark.parametrize("affordable", [0, -1, -888_488])
def test_max_principal_is_zero_when_nothing_is_affordable(affordable: int) -> None:
    assert max_principal(affordable, RATE, N, InterestMethod.ANUITAS) == 0


def test_max_principal_at_zero_rate_is_the_instalment_times_the_months_plus_rounding() -> None:
    # round(P / 12) <= 100_000  <=>  P < 1_200_006
    assert max_principal(100_000, 0, 12, InterestMethod.ANUITAS) == 1_200_005
