"""Builders for hand-made loan applications in unit tests.

:func:`clean_application` gives a sound application as a decoded JSON body (the shape
Kocek sends): KYC done, a 16-digit NIK that agrees with the date of birth and gender,
kolektibilitas Lancar, a long membership, an occupation, income and expense ranges,
verified land with its tax paid, and savings. Every part can be replaced by a keyword.
The evaluation date the defaults are consistent with is :data:`TODAY`.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

__all__ = [
    "TODAY",
    "age_on",
    "birth_text",
    "clean_application",
    "collateral",
    "nik_for",
    "set_path",
]

TODAY = date(2026, 11, 23)

_MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def age_on(birth: date, today: date) -> int:
    """Whole years of age on ``today`` (independent of the engine's own helper)."""
    had_birthday = (today.month, today.day) >= (birth.month, birth.day)
    return today.year - birth.year - (0 if had_birthday else 1)


def birth_text(birth: date, place: str = "Denpasar") -> str:
    """``Denpasar, 10 April 1984``: how Kocek writes place and date of birth."""
    return f"{place}, {birth.day} {_MONTHS_ID[birth.month - 1]} {birth.year}"


def nik_for(birth: date, gender: str = "l", region: str = "517101", serial: str = "0001") -> str:
    """A 16-digit NIK encoding ``birth`` as DDMMYY (day + 40 for women)."""
    day = birth.day + (40 if gender == "p" else 0)
    return f"{region}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial}"


def collateral(
    code: str = "LAND",
    value: int = 100_000_000,
    *,
    name: str | None = None,
    type_: str | None = None,
    is_verified: bool | None = True,
    is_tax_paid: bool | None = True,
) -> dict[str, Any]:
    """One collateral item; ``recognition``/``recognition_value`` are left out (not trusted)."""
    return {
        "name": name if name is not None else f"Agunan {code}",
        "type": type_,
        "code": code,
        "value": value,
        "is_verified": is_verified,
        "is_tax_paid": is_tax_paid,
    }


_DEFAULT = object()


def clean_application(
    *,
    plafon: int = 20_000_000,
    tenure: int = 24,
    interest: float | int | str = 12,
    purpose: str | None = "Modal Kerja",
    method: int | str | None = 3,
    method_label: str | None = "Bunga Anuitas",
    birth: date | None = date(1984, 4, 10),
    gender: str = "l",
    age: Any = _DEFAULT,
    nik: Any = _DEFAULT,
    kyc: bool | None = True,
    member_date: str | None = "2018-01-15",
    occupation: str | None = "Pedagang",
    income: list[str] | None = None,
    expenses: list[str] | None = None,
    collaterals: list[dict[str, Any]] | None = None,
    kolek: object = "Lancar",
    total_loan: int | None = 2,
    total_loan_active: int | None = 0,
    loan_remaining: int | None = 0,
    savings: int | None = 5_000_000,
    deposits: int | None = 2_000_000,
    withdrawal_ratio: str | None = "40%",
    growth: str | None = "2,5",
    today: date = TODAY,
) -> dict[str, Any]:
    """A sound application; keywords replace its parts.

    ``age`` and ``nik`` follow ``birth`` and ``gender`` unless given (``None`` leaves
    them out). Income and expenses are lists of range strings, one item each.
    """
    if age is _DEFAULT:
        age = age_on(birth, today) if birth is not None else None
    if nik is _DEFAULT:
        nik = nik_for(birth, gender) if birth is not None else None
    if income is None:
        income = ["8000000-10000000"]
    if expenses is None:
        expenses = ["2000000-3000000"]
    if collaterals is None:
        collaterals = [collateral("LAND", 100_000_000, name="Sertifikat Tanah")]
    return {
        "customer_id": "cust-0001",
        "loan_id": "loan-0001",
        "character": {
            "name": "Made",
            "nik": nik,
            "kyc_status": kyc,
            "age": age,
            "birth": birth_text(birth) if birth is not None else None,
            "gender": gender,
            "member_date": member_date,
            "occupation": occupation,
        },
        "income": [{"key": f"penghasilan_{i + 1}", "value": v} for i, v in enumerate(income)],
        "expenses": [{"key": f"pengeluaran_{i + 1}", "value": v} for i, v in enumerate(expenses)],
        "collaterals": copy.deepcopy(collaterals),
        "application": {
            "plafon": plafon,
            "tenure": tenure,
            "purpose": purpose,
            "interest": interest,
            "loan_interest_method": method,
            "loan_interest_method_label": method_label,
        },
        "internal_data": {
            "total_loan": total_loan,
            "total_loan_active": total_loan_active,
            "loan_remaining": loan_remaining,
            "collectability": kolek,
            "behaviour_pattern_deposit_per_month": "5",
            "behaviour_pattern_withdrawal_per_month": "2",
            "behaviour_pattern_withdrawal_ratio": withdrawal_ratio,
            "behaviour_pattern_avg_balance": 3_000_000,
            "behaviour_pattern_avg_growth_balance": growth,
            "total_saving": 1,
            "total_saving_active": 1,
            "total_balance_active": savings,
            "total_deposit": 1,
            "total_deposit_balance": deposits,
            "total_deposit_active": 1,
            "total_deposit_active_balance": deposits,
        },
    }


def set_path(raw: dict[str, Any], dotted: str, value: object) -> dict[str, Any]:
    """A deep copy of ``raw`` with ``value`` at ``dotted`` (``character.gender``)."""
    out = copy.deepcopy(raw)
    target: Any = out
    *parents, last = dotted.split(".")
    for part in parents:
        target = target[part]
    target[last] = value
    return out
