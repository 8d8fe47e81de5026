"""Data-quality checks: what in the input a human analyst would question.

Flags never stop the analysis; they are reported in ``data_quality`` with the field they
concern, a stable code and a message from the catalogue.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from cde.domain.application import Application, Gender, IncomeItem
from cde.domain.facts import Facts, age_on
from cde.domain.findings import QualityFlag
from cde.domain.text import Text
from cde.policies.model import Policy

__all__ = ["check_quality", "nik_birth_date", "nik_flags", "nik_problem"]

NIK_LENGTH = 16


def nik_birth_date(nik: str, birth: date | None) -> tuple[date | None, Gender | None]:
    """The birth date and gender encoded in a 16-digit NIK (digits 7-12: DDMMYY, day + 40
    for women). The century comes from the recorded date of birth when there is one;
    otherwise the 1900s, or the 2000s when only those make the date valid (29 Feb 2000)."""
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    gender = Gender.FEMALE if day > 40 else Gender.MALE
    if day > 40:
        day -= 40
    centuries = [(birth.year // 100) * 100] if birth is not None else [1900, 2000]
    for century in centuries:
        try:
            return date(century + yy, month, day), gender
        except ValueError:
            continue
    return None, gender


def nik_flags(nik: str, birth: date | None, gender: Gender | None) -> list[QualityFlag]:
    """What is wrong with a NIK: its length and characters, the date of birth and the
    gender it encodes against the recorded ones. Empty when the NIK is sound."""
    digits = nik.replace(" ", "")
    if not digits.isdigit():
        return [QualityFlag("character.nik", "DQ_NIK_NOT_DIGITS")]
    if len(digits) != NIK_LENGTH:
        return [QualityFlag("character.nik", "DQ_NIK_LENGTH", {"length": len(digits)})]
    flags: list[QualityFlag] = []
    encoded, encoded_gender = nik_birth_date(digits, birth)
    if encoded is None:
        flags.append(QualityFlag("character.nik", "DQ_NIK_DATE_INVALID", {"digits": digits[6:12]}))
    elif birth is not None and (encoded.day, encoded.month, encoded.year % 100) != (
        birth.day,
        birth.month,
        birth.year % 100,
    ):
        flags.append(
            QualityFlag(
                "character.nik",
                "DQ_NIK_BIRTHDATE_MISMATCH",
                {"digits": digits[6:12], "birth_date": birth},
            )
        )
    if gender is not None and encoded_gender != gender:
        recorded = (
            Text("laki-laki", "male") if gender == Gender.MALE else Text("perempuan", "female")
        )
        flags.append(
            QualityFlag("character.gender", "DQ_NIK_GENDER_MISMATCH", {"gender": recorded})
        )
    return flags


_NIK_PROBLEMS = {
    "DQ_NIK_NOT_DIGITS": Text("mengandung karakter selain angka", "contains non-digits"),
    "DQ_NIK_DATE_INVALID": Text("bagian tanggal lahirnya bukan tanggal", "no valid birth date"),
    "DQ_NIK_BIRTHDATE_MISMATCH": Text("tidak cocok dengan tanggal lahir", "birth date differs"),
}


def nik_problem(nik: str, birth: date | None) -> Text | None:
    """Why a NIK is not valid, in both languages, or None when it is sound. The gender
    code is deliberately not consulted: a gender mismatch is a data-quality flag only, so
    that gender can never change a score."""
    flags = nik_flags(nik, birth, None)
    if not flags:
        return None
    first = flags[0]
    if first.code == "DQ_NIK_LENGTH":
        n = first.params["length"]
        return Text(f"{n} digit, seharusnya 16", f"{n} digits instead of 16")
    return _NIK_PROBLEMS[first.code]


def _ranges(items: tuple[IncomeItem, ...], name: str, out: list[QualityFlag]) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        key, value = item.key, item.value
        if key:
            if key in seen:
                out.append(QualityFlag(f"{name}[{i}].key", "DQ_DUPLICATE_KEY", {"key": key}))
            seen.add(key)
        if value is None:
            out.append(QualityFlag(f"{name}[{i}].value", "DQ_VALUE_MISSING"))
        elif value.reversed:
            out.append(
                QualityFlag(
                    f"{name}[{i}].value",
                    "DQ_RANGE_REVERSED",
                    {"low_rp": value.low, "high_rp": value.high},
                )
            )


def _count_pair(out: list[QualityFlag], field: str, active: int | None, total: int | None) -> None:
    if active is not None and total is not None and active > total:
        out.append(
            QualityFlag(field, "DQ_ACTIVE_EXCEEDS_TOTAL", {"active": active, "total": total})
        )


def check_quality(app: Application, facts: Facts, policy: Policy) -> list[QualityFlag]:
    out: list[QualityFlag] = []
    c = app.character
    birth = c.birth.date if c.birth is not None else None
    today = facts.today

    if c.kyc_status is False:
        out.append(QualityFlag("character.kyc_status", "DQ_KYC_NOT_DONE"))
    if c.nik:
        out.extend(nik_flags(c.nik, birth, c.gender))
    if birth is not None:
        if birth > today:
            out.append(QualityFlag("character.birth", "DQ_BIRTH_IN_FUTURE", {"birth_date": birth}))
        elif c.age is not None:
            computed = age_on(birth, today)
            if abs(computed - c.age) > policy.character.age_tolerance_years:
                out.append(
                    QualityFlag(
                        "character.age",
                        "DQ_AGE_MISMATCH",
                        {"age": c.age, "computed_age": computed, "birth_date": birth},
                    )
                )
        else:
            out.append(QualityFlag("character.age", "DQ_AGE_NOT_STATED"))
    if c.member_date is not None:
        if c.member_date > today:
            out.append(
                QualityFlag(
                    "character.member_date", "DQ_MEMBER_DATE_FUTURE", {"member_date": c.member_date}
                )
            )
        elif birth is not None and c.member_date < birth:
            out.append(
                QualityFlag(
                    "character.member_date",
                    "DQ_MEMBER_BEFORE_BIRTH",
                    {"member_date": c.member_date, "birth_date": birth},
                )
            )

    _ranges(app.income, "income", out)
    _ranges(app.expenses, "expenses", out)
    if app.income and app.expenses and facts.expenses_low > facts.income_high > 0:
        out.append(
            QualityFlag(
                "expenses",
                "DQ_EXPENSES_EXCEED_INCOME",
                {"expenses_low_rp": facts.expenses_low, "income_high_rp": facts.income_high},
            )
        )

    rules = policy.collateral
    tolerance = rules.recognition_tolerance_pct
    for i, item in enumerate(app.collaterals):
        where = f"collaterals[{i}]"
        name = item.name or item.type or item.code or f"#{i + 1}"
        value, recognition, estimate = item.value, item.recognition, item.estimated_price
        if value is not None and recognition is not None:
            expected = Decimal(value) * recognition / 100
            declared = item.recognition_value
            if declared is not None:
                gap = abs(Decimal(declared) - expected)
                if gap > max(expected * tolerance / 100, Decimal(1)):
                    out.append(
                        QualityFlag(
                            f"{where}.recognition_value",
                            "DQ_RECOGNITION_VALUE_MISMATCH",
                            {
                                "name": name,
                                "declared_rp": declared,
                                "value_rp": value,
                                "recognition_pct": recognition,
                                "expected_rp": expected,
                            },
                        )
                    )
        if value is not None and estimate is not None:
            low, high = estimate.low, estimate.high
            if high is None and value < low:
                out.append(
                    QualityFlag(
                        f"{where}.value",
                        "DQ_VALUE_BELOW_ESTIMATE",
                        {"name": name, "value_rp": value, "low_rp": low},
                    )
                )
            elif high is not None and not low <= value <= high:
                out.append(
                    QualityFlag(
                        f"{where}.value",
                        "DQ_VALUE_OUTSIDE_ESTIMATE",
                        {"name": name, "value_rp": value, "low_rp": low, "high_rp": high},
                    )
                )
        if estimate is not None and estimate.reversed:
            out.append(
                QualityFlag(
                    f"{where}.estimated_price",
                    "DQ_RANGE_REVERSED",
                    {"low_rp": estimate.low, "high_rp": estimate.high},
                )
            )
        if recognition is not None:
            known = rules.lookup(item.code) or rules.lookup(item.type)
            if known is not None and recognition > known[1].recognition_pct:
                out.append(
                    QualityFlag(
                        f"{where}.recognition",
                        "DQ_RECOGNITION_ABOVE_POLICY",
                        {
                            "name": name,
                            "recognition_pct": recognition,
                            "policy_pct": known[1].recognition_pct,
                        },
                    )
                )

    d = app.internal_data
    _count_pair(out, "internal_data.total_loan_active", d.total_loan_active, d.total_loan)
    _count_pair(out, "internal_data.total_saving_active", d.total_saving_active, d.total_saving)
    _count_pair(out, "internal_data.total_deposit_active", d.total_deposit_active, d.total_deposit)
    if (
        d.total_deposit_active_balance is not None
        and d.total_deposit_balance is not None
        and d.total_deposit_active_balance > d.total_deposit_balance
    ):
        out.append(
            QualityFlag(
                "internal_data.total_deposit_active_balance",
                "DQ_BALANCE_EXCEEDS_TOTAL",
                {"active_rp": d.total_deposit_active_balance, "total_rp": d.total_deposit_balance},
            )
        )
    if d.loan_remaining and d.total_loan_active == 0:
        out.append(
            QualityFlag(
                "internal_data.loan_remaining",
                "DQ_REMAINING_WITHOUT_ACTIVE",
                {"remaining_rp": d.loan_remaining},
            )
        )
    if d.total_loan_active and d.loan_remaining == 0:
        out.append(
            QualityFlag(
                "internal_data.loan_remaining",
                "DQ_ACTIVE_WITHOUT_REMAINING",
                {"active": d.total_loan_active},
            )
        )
    return out
