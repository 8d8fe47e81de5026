"""The derived facts every assessment shares, computed once per evaluation.

Everything here is a pure function of the application, the policy and the evaluation
date (``today`` is always passed in: the engine never reads a clock).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from cde.domain.application import Application, IncomeItem
from cde.domain.findings import QualityFlag
from cde.domain.loan_math import InterestMethod, instalment
from cde.domain.text import Text
from cde.policies.model import Policy, PurposeCategory

__all__ = [
    "METHOD_NAMES",
    "Facts",
    "add_months",
    "age_on",
    "derive_facts",
    "months_between",
]

METHOD_NAMES = {
    "flat": Text("bunga flat", "flat rate"),
    "efektif": Text("bunga efektif/menurun", "declining balance"),
    "anuitas": Text("bunga anuitas", "annuity"),
}

_PRODUCTIVE: frozenset[str] = frozenset({"modal_kerja", "investasi", "produktif"})

_METHOD_WORDS: tuple[tuple[str, InterestMethod], ...] = (
    ("anuitas", InterestMethod.ANUITAS),
    ("annuity", InterestMethod.ANUITAS),
    ("efektif", InterestMethod.EFEKTIF),
    ("effective", InterestMethod.EFEKTIF),
    ("menurun", InterestMethod.EFEKTIF),
    ("sliding", InterestMethod.EFEKTIF),
    ("declining", InterestMethod.EFEKTIF),
    ("flat", InterestMethod.FLAT),
    ("tetap", InterestMethod.FLAT),
)


@dataclass(frozen=True, slots=True)
class Facts:
    today: date
    plafon: int
    tenure: int
    rate_pct: Decimal
    method: InterestMethod
    purpose: str | None
    purpose_category: PurposeCategory
    productive: bool
    birth_date: date | None
    age: int | None  # whole years on ``today``; from the date of birth when known
    months_to_age_limit: int | None  # months until the policy's age at maturity
    income_low: int
    income_high: int
    expenses_low: int
    expenses_high: int
    requested_instalment: int
    purpose_matched: bool  # the purpose names a category of the policy's (else "lainnya")


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if months > 0 and end.day < start.day:
        months -= 1
    elif months < 0 and end.day > start.day:
        months += 1
    return months


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _anniversary(birth: date, years: int) -> date:
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:  # 29 February in a common year
        return date(birth.year + years, 3, 1)


def _sum(items: tuple[IncomeItem, ...]) -> tuple[int, int]:
    low = high = Decimal(0)
    for item in items:
        value = item.value
        if value is None:
            continue
        low += value.low
        high += value.high if value.high is not None else value.low
    return int(low), int(high)


def _method_from_label(label: str | None) -> InterestMethod | None:
    if not label:
        return None
    text = label.lower()
    for word, method in _METHOD_WORDS:
        if word in text:
            return method
    return None


def resolve_method(app: Application, policy: Policy) -> tuple[InterestMethod, QualityFlag | None]:
    """The interest method: the Kocek code where known, else the label, else the default."""
    req = app.application
    field = "application.loan_interest_method"
    by_code = None
    if req.loan_interest_method is not None:
        by_code = policy.interest.method_codes.get(str(req.loan_interest_method))
    by_label = _method_from_label(req.loan_interest_method_label)
    if by_code is not None:
        if by_label is not None and by_label != by_code:
            return by_code, QualityFlag(
                field,
                "DQ_INTEREST_METHOD_MISMATCH",
                {
                    "code": req.loan_interest_method,
                    "label": req.loan_interest_method_label,
                    "method": METHOD_NAMES[by_code.value],
                },
            )
        return by_code, None
    if by_label is not None:
        return by_label, QualityFlag(
            field,
            "DQ_INTEREST_METHOD_FROM_LABEL",
            {"label": req.loan_interest_method_label, "method": METHOD_NAMES[by_label.value]},
        )
    method = policy.interest.default_method
    return method, QualityFlag(
        field, "DQ_INTEREST_METHOD_MISSING", {"method": METHOD_NAMES[method.value]}
    )


def derive_facts(app: Application, policy: Policy, today: date) -> tuple[Facts, QualityFlag | None]:
    req = app.application
    method, method_flag = resolve_method(app, policy)
    matched = policy.condition.category(req.purpose)
    category = matched or "lainnya"
    birth = app.character.birth.date if app.character.birth is not None else None
    max_age = policy.character.max_age_at_maturity
    age: int | None
    months_left: int | None
    if birth is not None and birth <= today:
        age = age_on(birth, today)
        months_left = months_between(today, _anniversary(birth, max_age))
    elif app.character.age is not None:
        age = app.character.age
        # Stated age only: the member may be nearly a year older than stated, so count
        # from the last month of that year of age (conservative).
        months_left = (max_age - age) * 12 - 11
    else:
        age = months_left = None
    income_low, income_high = _sum(app.income)
    expenses_low, expenses_high = _sum(app.expenses)
    facts = Facts(
        today=today,
        plafon=req.plafon,
        tenure=req.tenure,
        rate_pct=req.interest,
        method=method,
        purpose=req.purpose,
        purpose_category=category,
        productive=category in _PRODUCTIVE,
        birth_date=birth,
        age=age,
        months_to_age_limit=months_left,
        income_low=income_low,
        income_high=income_high,
        expenses_low=expenses_low,
        expenses_high=expenses_high,
        requested_instalment=instalment(req.plafon, req.interest, req.tenure, method),
        purpose_matched=matched is not None,
    )
    return facts, method_flag
