"""Condition: the loan itself — purpose, interest against the legal ceiling, term against
the policy for the purpose, and the amount against income and the policy maximum."""

from __future__ import annotations

from decimal import Decimal

from cde.domain.application import Application
from cde.domain.assessments import Assessed
from cde.domain.facts import METHOD_NAMES, Facts
from cde.domain.findings import Finding
from cde.domain.text import Text
from cde.policies.model import Policy

__all__ = ["METHOD_NAMES", "PURPOSE_NAMES", "assess_condition"]

PURPOSE_NAMES = {
    "konsumtif": Text("konsumtif", "consumption"),
    "modal_kerja": Text("modal kerja", "working capital"),
    "investasi": Text("investasi", "investment"),
    "produktif": Text("produktif", "productive"),
    "lainnya": Text("lainnya", "other"),
}


def assess_condition(app: Application, facts: Facts, policy: Policy) -> Assessed:
    out = Assessed()

    def add(code: str, /, **params: object) -> None:
        out.findings.append(Finding(code, "condition", params))

    category = PURPOSE_NAMES[facts.purpose_category]
    if facts.purpose and facts.purpose_matched:
        if facts.productive:
            add("PURPOSE_PRODUCTIVE", purpose=facts.purpose)
        elif facts.purpose_category == "konsumtif":
            add("PURPOSE_CONSUMPTIVE", purpose=facts.purpose)
        else:
            add("PURPOSE_OTHER", purpose=facts.purpose)
    else:
        shown = f" ({facts.purpose})" if facts.purpose else ""
        add("PURPOSE_UNKNOWN", purpose=shown)

    ceiling = policy.interest.legal_ceiling_pct
    method = METHOD_NAMES[facts.method.value]
    if facts.rate_pct > ceiling:
        add("INTEREST_ABOVE_CEILING", rate_pct=facts.rate_pct, ceiling_pct=ceiling, method=method)
    else:
        add("INTEREST_WITHIN_CEILING", rate_pct=facts.rate_pct, ceiling_pct=ceiling, method=method)

    max_months = policy.tenor.max_months[facts.purpose_category]
    add(
        "TENOR_WITHIN_POLICY" if facts.tenure <= max_months else "TENOR_ABOVE_POLICY",
        tenure_months=facts.tenure,
        max_months=max_months,
        category=category,
    )

    multiple = None
    if facts.income_low > 0:
        exact = Decimal(facts.plafon) / (facts.income_low * 12)
        multiple = float(round(exact, 4))
        cap = policy.capacity.max_plafon_to_annual_income
        add(
            "PLAFON_TO_INCOME_OK" if exact <= cap else "PLAFON_TO_INCOME_HIGH",
            plafon_rp=facts.plafon,
            multiple_x=multiple,
            max_x=cap,
        )
    if facts.plafon > policy.decision.max_plafon:
        add("PLAFON_ABOVE_POLICY_MAX", plafon_rp=facts.plafon, max_rp=policy.decision.max_plafon)

    out.metrics = {
        "purpose": facts.purpose,
        "purpose_category": facts.purpose_category,
        "productive": facts.productive,
        "interest_pct": float(facts.rate_pct),
        "interest_ceiling_pct": float(ceiling),
        "interest_method": facts.method.value,
        "tenure": facts.tenure,
        "max_tenure_for_purpose": max_months,
        "plafon": facts.plafon,
        "plafon_to_annual_income": multiple,
    }
    out.thresholds = {
        "max_plafon_to_annual_income": float(policy.capacity.max_plafon_to_annual_income),
        "max_plafon": policy.decision.max_plafon,
    }
    return out
