"""Capital: the member's own funds and how they move.

Own funds are the active savings balance plus active time deposits, set against the
requested plafon. The withdrawal ratio (withdrawals ÷ deposits, in per cent) above 100%
means the savings are being drawn down. ``behaviour_pattern_avg_growth_balance`` is read
as percent points of growth.
"""

from __future__ import annotations

from cde.domain.application import Application
from cde.domain.assessments import Assessed
from cde.domain.facts import Facts
from cde.domain.findings import Finding
from cde.policies.model import Policy

__all__ = ["assess_capital"]


def assess_capital(app: Application, facts: Facts, policy: Policy) -> Assessed:
    rules = policy.capital
    d = app.internal_data
    out = Assessed()

    def add(code: str, /, **params: object) -> None:
        out.findings.append(Finding(code, "capital", params))

    savings = d.total_balance_active
    deposits = d.total_deposit_active_balance
    known = savings is not None or deposits is not None
    own_funds = (savings or 0) + (deposits or 0)
    own_pct = round(own_funds * 100 / facts.plafon, 2)
    ratio = d.behaviour_pattern_withdrawal_ratio
    deposits_pm = d.behaviour_pattern_deposit_per_month
    withdrawals_pm = d.behaviour_pattern_withdrawal_per_month
    growth = d.behaviour_pattern_avg_growth_balance

    if not known and ratio is None and d.behaviour_pattern_avg_balance is None:
        add("CAPITAL_NO_DATA")
    if known:
        if own_pct >= rules.own_funds_strong_pct:
            code = "OWN_FUNDS_STRONG"
        elif own_pct >= rules.own_funds_modest_pct:
            code = "OWN_FUNDS_MODEST"
        else:
            code = "OWN_FUNDS_LOW"
        add(
            code,
            own_funds_rp=own_funds,
            savings_rp=savings or 0,
            deposits_rp=deposits or 0,
            own_funds_pct=own_pct,
        )
    if ratio is not None:
        if ratio > rules.withdrawal_ratio_max_pct:
            add("WITHDRAWAL_RATIO_HIGH", ratio_pct=ratio, max_pct=rules.withdrawal_ratio_max_pct)
        else:
            add("WITHDRAWAL_RATIO_HEALTHY", ratio_pct=ratio)
    if deposits_pm is not None and withdrawals_pm is not None:
        if withdrawals_pm > deposits_pm:
            add(
                "WITHDRAWALS_EXCEED_DEPOSITS",
                withdrawals_n1=withdrawals_pm,
                deposits_n1=deposits_pm,
            )
        else:
            add("SAVING_ACTIVITY", deposits_n1=deposits_pm, withdrawals_n1=withdrawals_pm)
    if d.behaviour_pattern_avg_balance is not None:
        add("AVERAGE_BALANCE", avg_balance_rp=d.behaviour_pattern_avg_balance)
    if growth is None:
        add("BALANCE_GROWTH_UNKNOWN")
    elif growth >= 0:
        add("BALANCE_GROWTH_POSITIVE", growth_pct=growth)
    else:
        add("BALANCE_GROWTH_NEGATIVE", growth_pct=-growth)

    out.metrics = {
        "savings_balance": savings,
        "deposit_balance": deposits,
        "own_funds": own_funds if known else None,
        "own_funds_to_plafon_pct": own_pct if known else None,
        "average_balance": d.behaviour_pattern_avg_balance,
        "balance_growth_pct": float(growth) if growth is not None else None,
        "deposits_per_month": float(deposits_pm) if deposits_pm is not None else None,
        "withdrawals_per_month": float(withdrawals_pm) if withdrawals_pm is not None else None,
        "withdrawal_ratio_pct": float(ratio) if ratio is not None else None,
    }
    out.thresholds = dict(rules.thresholds)
    return out
