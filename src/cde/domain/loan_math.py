"""Loan arithmetic: instalments, amortisation schedules and the inverse (max principal).

Pure domain code: no I/O, no floats for money. Every amount is computed with
:class:`decimal.Decimal` (60 significant digits) and rounded to whole rupiah with
``ROUND_HALF_UP``. A float rate is converted through ``Decimal(str(rate))``.

Notation: ``P`` principal (plafon), ``n`` months (tenor), ``r = annual_rate_pct / 12 / 100``.

Methods
-------
* ``flat`` (bunga flat): ``A = P/n + P·r`` every month.
* ``efektif`` (bunga efektif / menurun, equal principal): month ``k`` pays
  ``P/n + (P − (k−1)·P/n)·r``; the first instalment is the largest.
* ``anuitas`` (equal instalments): ``A = P·r / (1 − (1+r)^−n)``.
* When ``r == 0`` every method gives ``A = P/n``; when ``n == 1`` every method gives
  ``A = P + P·r``.

:func:`instalment` returns the first (for efektif: the first and largest) instalment,
``round(exact first instalment)``. It does not build a schedule.

Schedule conventions
--------------------
Each row is derived from the *exact* (unrounded) textbook schedule of the method, so the
rounding residue cannot compound from month to month:

* ``instalment_k = round(exact instalment_k)`` — constant ``A`` for flat and anuitas, the
  formula above for efektif; hence ``rows[0].instalment == instalment(...)``.
* ``interest_k = round(exact interest_k)`` — flat: ``round(P·r)``; efektif:
  ``round((P − (k−1)·P/n)·r)``; anuitas: ``round(E_{k−1}·r)`` where ``E`` is the exact
  annuity balance. The exact balance differs from the shown (rounded) balance by less than
  ``k`` rupiah, so this is the interest on the outstanding balance up to rounding.
* ``principal_k = instalment_k − interest_k`` (≈ ``round(P/n)`` for flat and efektif).
* The LAST month pays whatever principal remains, with ``interest_n`` as above and
  ``instalment_n = principal_n + interest_n``: it absorbs the accumulated rounding residue,
  at most ``n`` rupiah away from the exact last instalment.
* Degenerate tiny loans (instalment below about ``2·n`` rupiah) may be paid off before the
  last month; principal is then capped at the outstanding balance, and a row whose opening
  balance is zero is all zeros.

Invariants: ``sum(principal) == P``; balances never negative and 0 after the last row;
``instalment == principal + interest`` in every row; the totals are the row sums.

This convention (rather than interest on the rounded balance with a fixed
``round(P/n)`` principal) is what makes the reference values hold — P 10,000,000, 12%/yr,
12 months: anuitas 888,488; flat 933,333 (interest 1,200,000); efektif first 933,333 and
last 841,667 (interest 650,000) — and keeps the annuity residue bounded by ``n`` even at
high rates over long tenors.

Inverse
-------
:func:`max_principal` returns the largest whole-rupiah ``P`` with
``instalment(P) <= affordable``: closed form ``floor((A + ½) / f)`` where ``f`` is the
instalment per rupiah of principal, then a correction of a rupiah or two checked against
:func:`instalment` itself, so it is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import (
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from enum import StrEnum
from functools import lru_cache

from cde.errors import InvalidInputError

__all__ = [
    "InterestMethod",
    "LoanTermsError",
    "Schedule",
    "ScheduleRow",
    "instalment",
    "max_principal",
    "schedule",
]

_CTX = Context(
    prec=60, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow]
)
_ZERO = Decimal(0)
_ONE = Decimal(1)
_HALF = Decimal("0.5")
_PCT_MONTHS = Decimal(1200)  # 12 months × 100 per cent


class LoanTermsError(InvalidInputError):
    """Loan terms the loan math cannot use (a negative amount, no months, an unknown
    method); a ``ValueError`` too."""


class InterestMethod(StrEnum):
    """How interest is charged."""

    FLAT = "flat"  # bunga flat
    EFEKTIF = "efektif"  # declining balance, equal principal ("bunga efektif / menurun")
    ANUITAS = "anuitas"  # annuity, equal instalments


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    """One month of an amortisation schedule, whole rupiah."""

    month: int  # 1..n
    instalment: int  # principal + interest
    principal: int
    interest: int
    balance: int  # outstanding after this payment; 0 after the last


@dataclass(frozen=True, slots=True)
class Schedule:
    """A full amortisation schedule; the totals are the sums of the rows."""

    principal: int
    annual_rate_pct: Decimal
    months: int
    method: InterestMethod
    rows: tuple[ScheduleRow, ...]
    total_instalment: int
    total_principal: int
    total_interest: int


@dataclass(frozen=True, slots=True)
class _Terms:
    """First instalment per principal: ``exact(P) = P·num / den`` (den is 1 for anuitas)."""

    num: Decimal
    den: Decimal
    rate: Decimal  # annual per cent
    annuity_factor: bool  # True: num is the annuity factor (anuitas, r > 0, n > 1)
    # Not the annuity factor: num / den as a fraction of whole numbers, p / q. The first
    # instalment P·p/q is then rounded half up in integers, exactly: the 60-digit division
    # can only meet a half where the fraction is one (q is at most 1200·n·10^k for a rate of
    # k decimals, so a fraction short of a half is short by more than 1/(2q), far more than
    # the division's last digit).
    fraction: tuple[int, int] | None = None


def _round(x: Decimal) -> int:
    return int(x.to_integral_value(rounding=ROUND_HALF_UP))


def _check_principal(principal: int) -> None:
    if not isinstance(principal, int) or isinstance(principal, bool):
        raise TypeError(f"principal must be an int (whole rupiah), got {principal!r}")
    if principal < 0:
        raise LoanTermsError(f"principal must be >= 0 rupiah, got {principal}")


def _check_months(months: int) -> None:
    if not isinstance(months, int) or isinstance(months, bool):
        raise TypeError(f"months must be an int, got {months!r}")
    if months < 1:
        raise LoanTermsError(f"months must be >= 1, got {months}")


def _to_rate(annual_rate_pct: Decimal | int | float) -> Decimal:
    if isinstance(annual_rate_pct, Decimal):
        rate = annual_rate_pct
    elif isinstance(annual_rate_pct, bool):
        raise TypeError(f"annual_rate_pct must be a number, got {annual_rate_pct!r}")
    elif isinstance(annual_rate_pct, int):
        rate = Decimal(annual_rate_pct)
    elif isinstance(annual_rate_pct, float):
        rate = Decimal(str(annual_rate_pct))
    else:
        raise TypeError(f"annual_rate_pct must be a Decimal, int or float, got {annual_rate_pct!r}")
    if not rate.is_finite():
        raise LoanTermsError(f"annual_rate_pct must be a finite number, got {annual_rate_pct!r}")
    if rate < 0:
        raise LoanTermsError(
            f"annual_rate_pct must be >= 0 per cent per year, got {annual_rate_pct}"
        )
    return rate


def _to_method(method: InterestMethod) -> InterestMethod:
    if isinstance(method, InterestMethod):
        return method
    try:
        return InterestMethod(method)
    except ValueError:
        choices = ", ".join(m.value for m in InterestMethod)
        raise LoanTermsError(
            f"unknown interest method {method!r}; expected one of {choices}"
        ) from None


@lru_cache(maxsize=1024)
def _terms(rate: Decimal, months: int, method: InterestMethod) -> _Terms:
    with localcontext(_CTX):
        n = Decimal(months)
        if rate == 0 or months == 1 or method is not InterestMethod.ANUITAS:
            # P/n + P·rate/1200 == P·(1200 + rate·n) / (1200·n): one exact-as-possible division,
            # so ties (x.5) are seen exactly and flat/efektif/one-month/zero-rate agree.
            num, den = _PCT_MONTHS + rate * n, _PCT_MONTHS * n
            p, q = num.as_integer_ratio()
            return _Terms(num, den, rate, annuity_factor=False, fraction=(p, q * int(den)))
        r = rate / _PCT_MONTHS
        growth = (_ONE + r) ** months
        # r / (1 − (1+r)^−n) == r·g / (g − 1) with g = (1+r)^n
        return _Terms(r * growth / (growth - _ONE), _ONE, rate, annuity_factor=True)


def _exact_first(principal: int, terms: _Terms) -> Decimal:
    with localcontext(_CTX):
        return Decimal(principal) * terms.num / terms.den


def _first(principal: int, terms: _Terms) -> int:
    """``_round(_exact_first(principal, terms))``, computed faster: in integers where the
    terms are a fraction, else with the annuity factor (den is 1: nothing to divide)."""
    if terms.fraction is not None:
        p, q = terms.fraction
        whole, rest = divmod(principal * p, q)
        return whole + 1 if 2 * rest >= q else whole  # half up (principal, p, q >= 0)
    return _round(_CTX.multiply(Decimal(principal), terms.num))


def instalment(
    principal: int,
    annual_rate_pct: Decimal | int | float,
    months: int,
    method: InterestMethod,
) -> int:
    """The first (for efektif: the first and largest) monthly instalment, whole rupiah."""
    if type(principal) is not int or principal < 0:  # the checks, when they have work
        _check_principal(principal)
    if type(months) is not int or months < 1:
        _check_months(months)
    rate = annual_rate_pct
    if type(rate) is not Decimal or not rate.is_finite() or rate < 0:
        rate = _to_rate(annual_rate_pct)
    if type(method) is not InterestMethod:
        method = _to_method(method)
    return _first(principal, _terms(rate, months, method))


def schedule(
    principal: int,
    annual_rate_pct: Decimal | int | float,
    months: int,
    method: InterestMethod,
) -> Schedule:
    """The month-by-month amortisation schedule (conventions in the module docstring)."""
    _check_principal(principal)
    _check_months(months)
    rate = _to_rate(annual_rate_pct)
    method = _to_method(method)
    terms = _terms(rate, months, method)

    rows: list[ScheduleRow] = []
    balance = principal
    with localcontext(_CTX):
        p = Decimal(principal)
        n = Decimal(months)
        first_exact = _exact_first(principal, terms)
        exact_balance = p  # anuitas only: the unrounded annuity balance E_{k-1}
        for k in range(1, months + 1):
            # exact instalment and exact interest of month k
            if terms.annuity_factor:
                exact_interest = exact_balance * rate / _PCT_MONTHS
                exact_instalment = first_exact
                exact_balance = exact_balance + exact_interest - first_exact
            elif method is InterestMethod.EFEKTIF:
                remaining = p * Decimal(months - k + 1)  # n × the exact opening balance
                exact_interest = remaining * rate / (_PCT_MONTHS * n)
                exact_instalment = (p * _PCT_MONTHS + remaining * rate) / (_PCT_MONTHS * n)
            else:  # flat; also zero-rate and one-month anuitas
                exact_interest = p * rate / _PCT_MONTHS
                exact_instalment = first_exact

            interest = _round(exact_interest)
            if k < months:
                paid = min(max(_round(exact_instalment) - interest, 0), balance)
            else:
                paid = balance
            if balance == 0:
                interest = 0
            balance -= paid
            rows.append(ScheduleRow(k, paid + interest, paid, interest, balance))

    return Schedule(
        principal=principal,
        annual_rate_pct=rate,
        months=months,
        method=method,
        rows=tuple(rows),
        total_instalment=sum(row.instalment for row in rows),
        total_principal=sum(row.principal for row in rows),
        total_interest=sum(row.interest for row in rows),
    )


def max_principal(
    affordable_instalment: int,
    annual_rate_pct: Decimal | int | float,
    months: int,
    method: InterestMethod,
) -> int:
    """Largest whole-rupiah principal whose instalment(...) (the first, largest one) is
    <= affordable_instalment; 0 if affordable <= 0."""
    _check_months(months)
    terms = _terms(_to_rate(annual_rate_pct), months, _to_method(method))
    if affordable_instalment <= 0:
        return 0
    # round_half_up(P·f) <= A  <=>  P·f < A + ½: a first guess, settled below
    if terms.fraction is not None and type(affordable_instalment) is int:
        # f = p/q: P < (2A + 1)·q / 2p, in integers
        p, q = terms.fraction
        best = (2 * affordable_instalment + 1) * q // (2 * p)
    else:
        ctx = _CTX
        bound = ctx.divide(
            ctx.multiply(ctx.add(Decimal(affordable_instalment), _HALF), terms.den), terms.num
        )
        best = int(bound.to_integral_value(rounding=ROUND_FLOOR, context=ctx))
    # The division above and the one in instalment() round independently; settle the last
    # rupiah against instalment() itself (monotone in P), normally 0 or 1 step.
    while best > 0 and _first(best, terms) > affordable_instalment:
        best -= 1
    while _first(best + 1, terms) <= affordable_instalment:
        best += 1
    return best
