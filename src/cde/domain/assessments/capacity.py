"""Capacity: can the member carry the instalment?

Income is counted at the low end of each range and expenses at the high end
(conservative). Existing loans are reported only as an outstanding total, so their monthly
burden is estimated by the policy's assumption (an annuity of ``loan_remaining`` over
``existing_debt_remaining_months`` at ``existing_debt_rate_pct``). Two measures follow
Indonesian BPR practice:

* DSR = (existing + requested instalment) ÷ income;
* RPC (repayment capacity) = ``rpc_share_pct`` of (income − expenses − existing instalments).

The *affordable* instalment used to size the recommendation is the smaller of the RPC and
what keeps the DSR at ``sizing_dsr_pct``.
"""

from __future__ import annotations

from decimal import Decimal

from cde.domain.application import Application
from cde.domain.assessments import Assessed
from cde.domain.facts import Facts
from cde.domain.findings import Finding
from cde.domain.loan_math import InterestMethod, instalment
from cde.policies.model import Policy

__all__ = ["assess_capacity"]


def assess_capacity(app: Application, facts: Facts, policy: Policy) -> Assessed:
    rules = policy.capacity
    internal = app.internal_data
    out = Assessed()

    def add(code: str, /, **params: object) -> None:
        out.findings.append(Finding(code, "capacity", params))

    remaining = internal.loan_remaining or 0
    active = internal.total_loan_active or 0
    existing = 0
    if remaining > 0:
        existing = instalment(
            remaining,
            rules.existing_debt_rate_pct,
            rules.existing_debt_remaining_months,
            InterestMethod.ANUITAS,
        )
    income = facts.income_low
    requested = facts.requested_instalment
    disposable = income - facts.expenses_high - existing
    rpc = int(Decimal(disposable) * rules.rpc_share_pct / 100) if disposable > 0 else 0
    dsr_room = int(Decimal(income) * rules.sizing_dsr_pct / 100) - existing
    affordable = max(0, min(rpc, dsr_room))
    exact_dsr = Decimal((existing + requested) * 100) / income if income > 0 else None
    dsr = float(round(exact_dsr, 2)) if exact_dsr is not None else None

    if income <= 0:
        add("INCOME_MISSING")
    else:
        add(
            "INCOME_SUMMARY",
            income_low_rp=facts.income_low,
            income_high_rp=facts.income_high,
            expenses_low_rp=facts.expenses_low,
            expenses_high_rp=facts.expenses_high,
        )
    if remaining > 0:
        add(
            "EXISTING_OBLIGATIONS",
            remaining_rp=remaining,
            active=active,
            existing_rp=existing,
            assumed_months=rules.existing_debt_remaining_months,
            assumed_rate_pct=rules.existing_debt_rate_pct,
        )
    elif active > 0:
        add("EXISTING_DEBT_UNKNOWN", active=active)

    if income > 0:
        if disposable <= 0:
            add("CAPACITY_NO_ROOM", disposable_rp=disposable, instalment_rp=requested)
        else:
            add(
                "INSTALMENT_WITHIN_RPC" if requested <= rpc else "INSTALMENT_EXCEEDS_RPC",
                instalment_rp=requested,
                rpc_rp=rpc,
                rpc_share_pct=rules.rpc_share_pct,
                disposable_rp=disposable,
            )
        assert exact_dsr is not None
        assert dsr is not None
        if exact_dsr <= rules.dsr_healthy_pct:
            add("DSR_HEALTHY", dsr_pct=dsr, limit_pct=rules.dsr_healthy_pct)
        elif exact_dsr <= rules.dsr_acceptable_pct:
            add("DSR_ACCEPTABLE", dsr_pct=dsr, limit_pct=rules.dsr_acceptable_pct)
        elif exact_dsr <= rules.dsr_watch_pct:
            add("DSR_WATCH", dsr_pct=dsr, limit_pct=rules.dsr_watch_pct)
        else:
            add("DSR_EXCESSIVE", dsr_pct=dsr, limit_pct=rules.dsr_watch_pct)

    out.metrics = {
        "income_low": facts.income_low,
        "income_high": facts.income_high,
        "expenses_low": facts.expenses_low,
        "expenses_high": facts.expenses_high,
        "loan_remaining": internal.loan_remaining,
        "existing_installment": existing,
        "requested_installment": requested,
        "disposable_income": disposable,
        "repayment_capacity": rpc,
        "affordable_installment": affordable,
        "dsr_pct": dsr,
        "residual_after_installment": disposable - requested,
    }
    out.thresholds = dict(rules.thresholds)
    return out
