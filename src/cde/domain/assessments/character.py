"""Character: identity (KYC, NIK), repayment record (kolektibilitas, loans), membership,
age now and at maturity, occupation. Gender is never looked at."""

from __future__ import annotations

from functools import lru_cache

from cde.domain.application import Application, Kolektibilitas
from cde.domain.assessments import Assessed
from cde.domain.facts import Facts, add_months, age_on, months_between
from cde.domain.findings import Finding
from cde.domain.quality import nik_problem
from cde.domain.text import Text, duration
from cde.policies.model import Policy

__all__ = ["assess_character"]

_ARREARS = {
    Kolektibilitas.DPK: Text("1–90 hari", "1–90 days"),
    Kolektibilitas.KURANG_LANCAR: Text("91–120 hari", "91–120 days"),
    Kolektibilitas.DIRAGUKAN: Text("121–180 hari", "121–180 days"),
    Kolektibilitas.MACET: Text("lebih dari 180 hari", "more than 180 days"),
}


@lru_cache(maxsize=1024)  # whole months: a few hundred values in practice
def _span(months: int) -> Text:
    """``4 tahun 2 bulan`` / ``4 years 2 months``."""
    return Text(duration(months, "id"), duration(months, "en"))


def assess_character(app: Application, facts: Facts, policy: Policy) -> Assessed:
    c = app.character
    internal = app.internal_data
    rules = policy.character
    out = Assessed()

    def add(code: str, /, **params: object) -> None:
        out.findings.append(Finding(code, "character", params))

    # Repayment record first: it weighs most.
    kolek = internal.collectability
    if kolek is None:
        add("KOLEK_UNKNOWN")
    elif kolek == Kolektibilitas.LANCAR:
        add("KOLEK_CURRENT", kolek=kolek.label, kolek_code=int(kolek))
    elif kolek == Kolektibilitas.DPK:
        add("KOLEK_SPECIAL_MENTION", kolek=kolek.label, kolek_code=int(kolek), days=_ARREARS[kolek])
    else:
        add("KOLEK_NON_PERFORMING", kolek=kolek.label, kolek_code=int(kolek), days=_ARREARS[kolek])

    total, active = internal.total_loan, internal.total_loan_active
    if total is None and active is None:
        add("LOANS_UNKNOWN")
    elif (total or 0) == 0 and (active or 0) == 0:
        add("LOANS_NONE")
    else:
        add("LOANS_HISTORY", total=total if total is not None else "—", active=active or 0)
        if active is not None and active > rules.max_active_loans:
            add("ACTIVE_LOANS_EXCESSIVE", active=active, max_active=rules.max_active_loans)

    if c.kyc_status is True:
        add("KYC_DONE")
    elif c.kyc_status is False:
        add("KYC_NOT_DONE")
    else:
        add("KYC_UNKNOWN")

    nik_valid = False
    if c.nik is None or c.nik == "":
        add("NIK_MISSING")
    else:
        problem = nik_problem(c.nik, c.birth.date if c.birth else None)
        if problem is None:
            add("NIK_VALID")
            nik_valid = True
        else:
            add("NIK_INVALID", problem=problem)

    membership: int | None = None
    if c.member_date is None:
        add("MEMBERSHIP_UNKNOWN")
    elif c.member_date > facts.today:
        add("MEMBERSHIP_FUTURE", since_date=c.member_date)
    else:
        membership = months_between(c.member_date, facts.today)
        span = _span(membership)
        if membership >= rules.long_membership_months:
            add("MEMBERSHIP_LONG", since_date=c.member_date, duration=span)
        elif membership >= rules.min_membership_months:
            add("MEMBERSHIP_MODERATE", since_date=c.member_date, duration=span)
        else:
            add(
                "MEMBERSHIP_SHORT",
                since_date=c.member_date,
                duration=span,
                min_months=rules.min_membership_months,
            )

    age_at_maturity: int | None = None
    if facts.age is None or facts.months_to_age_limit is None:
        add("AGE_UNKNOWN")
    else:
        if facts.birth_date is not None:
            age_at_maturity = age_on(facts.birth_date, add_months(facts.today, facts.tenure))
        else:  # stated age only: round the term up to whole years (conservative)
            age_at_maturity = facts.age + (facts.tenure + 11) // 12
        if facts.age < rules.min_age:
            add("AGE_BELOW_MINIMUM", age=facts.age, min_age=rules.min_age)
        elif facts.months_to_age_limit < policy.tenor.min_months:
            add("AGE_LIMIT_REACHED", age=facts.age, max_age=rules.max_age_at_maturity)
        elif facts.tenure > facts.months_to_age_limit:
            add(
                "AGE_AT_MATURITY_EXCEEDED",
                age=facts.age,
                tenure_months=facts.tenure,
                max_age=rules.max_age_at_maturity,
                max_tenor_months=facts.months_to_age_limit,
            )
        else:
            add(
                "AGE_OK",
                age=facts.age,
                age_at_maturity=age_at_maturity,
                max_age=rules.max_age_at_maturity,
            )

    if c.occupation:
        add("OCCUPATION_STATED", occupation=c.occupation)
    else:
        add("OCCUPATION_MISSING")

    out.metrics = {
        "kyc_done": c.kyc_status,
        "kolektibilitas": int(kolek) if kolek is not None else None,
        "kolektibilitas_label": kolek.label if kolek is not None else None,
        "non_performing": kolek.non_performing if kolek is not None else None,
        "total_loans": total,
        "active_loans": active,
        "membership_months": membership,
        "age": facts.age,
        "age_at_maturity": age_at_maturity,
        "months_to_age_limit": facts.months_to_age_limit,
        "occupation": c.occupation,
        "nik_valid": nik_valid,
    }
    out.thresholds = dict(rules.thresholds)
    return out
