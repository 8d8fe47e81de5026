"""The decision: knock-outs, the outcome, the recommended plafon and tenor, conditions and
reasons.

Sizing, in order:

1. the longest term allowed is the policy's limit for the purpose, cut by the months left
   before the member reaches the age limit at maturity;
2. the recommended plafon is the requested amount cut to the smallest of: what the
   affordable instalment repays over that longest term, what the collateral supports, the
   policy's multiple of annual income and the policy maximum — rounded down to the policy's
   step (the requested amount itself is never rounded);
3. the recommended tenor is the shortest term at which the instalment is affordable,
   among the requested one (or the longest allowed, if the request exceeds it), the
   multiples of the policy's ``step_months`` above it, and the longest allowed. The engine
   never shortens a term the member asked for to raise the instalment; it extends it only
   when needed, to a round term.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from cde.domain.assessments import Assessed
from cde.domain.catalogue import CONDITIONS, REQUIREMENTS
from cde.domain.facts import Facts
from cde.domain.findings import Dimension, Finding, QualityFlag, Severity
from cde.domain.loan_math import instalment, max_principal
from cde.domain.scorecard.scoring import Scored
from cde.domain.text import Text
from cde.policies.model import Grade, Policy

__all__ = ["Condition", "Decision", "Outcome", "decide"]

_GRADE_ORDER = "ABCDE"

_LIMITS = {
    "capacity": Text("kemampuan bayar", "repayment capacity"),
    "collateral": Text("nilai agunan yang diakui", "the recognised collateral"),
    "income": Text("batas plafon terhadap penghasilan", "the amount-to-income limit"),
    "policy": Text("plafon maksimum kebijakan", "the policy maximum"),
}
_TENOR_LIMITS = {
    "age": Text("usia saat jatuh tempo", "the age at maturity"),
    "policy": Text("tenor maksimum untuk tujuan pinjaman", "the maximum term for the purpose"),
}


class Outcome(StrEnum):
    APPROVE = "approve"
    APPROVE_WITH_CONDITIONS = "approve_with_conditions"
    DECLINE = "decline"


@dataclass(frozen=True, slots=True)
class Condition:
    code: str
    params: dict[str, Any]


@dataclass(slots=True)
class Decision:
    outcome: Outcome
    plafon: int
    tenure: int
    installment: int
    findings: list[Finding] = field(default_factory=list)  # decision-level findings
    conditions: list[Condition] = field(default_factory=list)
    requirements: list[Condition] = field(default_factory=list)  # standard, e.g. bind collateral
    reasons: list[Finding] = field(default_factory=list)
    limits: dict[str, int | None] = field(default_factory=dict)
    sized_plafon: int | None = None  # the plafon sizing arrived at, before any decline
    knockouts: list[str] = field(default_factory=list)  # the knock-out codes met, in order


def _tenor_candidates(low: int, high: int, step: int) -> list[int]:
    """``low`` (the requested term, or the longest allowed), then each multiple of ``step``
    above it, then ``high`` — the terms an extension may land on."""
    candidates = [low]
    nxt = (low // step + 1) * step
    while nxt < high:
        candidates.append(nxt)
        nxt += step
    if high > low:
        candidates.append(high)
    return candidates


def _shortest_affordable(facts: Facts, plafon: int, candidates: list[int], affordable: int) -> int:
    """The first candidate term with instalment <= affordable (instalments fall as the term
    grows, so a binary search finds it; the last candidate always qualifies)."""
    low, high = 0, len(candidates) - 1
    while low < high:
        mid = (low + high) // 2
        if instalment(plafon, facts.rate_pct, candidates[mid], facts.method) <= affordable:
            high = mid
        else:
            low = mid + 1
    return candidates[low]


def _conditions(
    findings: list[Finding], extra: dict[str, Any], table: dict[str, str] = CONDITIONS
) -> list[Condition]:
    out: list[Condition] = []
    seen: set[tuple[str, str]] = set()
    for f in findings:
        code = table.get(f.code)
        if code is None:
            continue
        key = (code, str(f.params.get("name", "")))
        if key in seen:
            continue
        seen.add(key)
        out.append(Condition(code, {**extra, **f.params}))
    return out


def _reasons(
    decision_findings: list[Finding],
    findings: list[Finding],
    policy: Policy,
    knockouts: list[Finding],
    declined: bool,
) -> list[Finding]:
    rank = policy.reason_rank
    knocked = {id(f) for f in knockouts}
    # the findings kept, by severity rank: most severe first, each rank in the assessments'
    # order (what a stable sort by rank, descending, gives)
    by_rank: list[list[Finding]] = [[] for _ in _SEVERITIES]
    for f in findings:
        r = rank[f.code]
        if r == _INFO or (declined and r == _POSITIVE) or (knocked and id(f) in knocked):
            continue
        by_rank[r].append(f)
    return [*decision_findings, *knockouts, *(f for kept in reversed(by_rank) for f in kept)]


_SEVERITIES = tuple(Severity)
_INFO, _POSITIVE = Severity.INFO.rank, Severity.POSITIVE.rank


def decide(
    facts: Facts,
    assessed: dict[Dimension, Assessed],
    overall: int,
    grade: Grade,
    quality: list[QualityFlag],
    policy: Policy,
    scored: Scored | None = None,
) -> Decision:
    """Decide on one application. With a scorecard whose policy sets PD cut-offs, the PD
    takes the overall score's place (``DECLINE_PD_HIGH`` for ``DECLINE_SCORE_LOW``,
    ``PD_ABOVE_APPROVAL`` for ``GRADE_BELOW_APPROVAL``); knock-outs and the sizing apply
    either way."""
    findings = [f for a in assessed.values() for f in a.findings]
    rules = policy.decision
    knockout_codes = rules.knockout_codes
    knockouts = [f for f in findings if f.code in knockout_codes]
    knocked_out = list(dict.fromkeys(f.code for f in knockouts))
    own: list[Finding] = []

    def decline(code: str, /, **params: object) -> Decision:
        own.append(Finding(code, "decision", params))
        return Decision(
            Outcome.DECLINE,
            0,
            0,
            0,
            findings=own,
            reasons=_reasons(own, findings, policy, knockouts, declined=True),
            knockouts=knocked_out,
        )

    # the PD decides when the policy sets a cut-off for the scorecard it scored with
    cutoffs = policy.scorecard if scored is not None else None
    if cutoffs is not None and not cutoffs.decides:
        cutoffs = None
    if knockouts:
        return decline("DECLINE_KNOCKOUT", count=len(knocked_out), codes=", ".join(knocked_out))
    if scored is not None and cutoffs is not None:
        high = cutoffs.decline_above_pd
        if high is not None and scored.score.pd > high:
            return decline(
                "DECLINE_PD_HIGH",
                pd_pd=scored.score.pd,
                band=scored.score.band,
                scorecard=scored.label,
                max_pd=high,
            )
    elif overall < rules.decline_below_score:
        return decline(
            "DECLINE_SCORE_LOW", score=overall, grade=grade, min_score=rules.decline_below_score
        )

    policy_max_tenor = policy.tenor.max_months[facts.purpose_category]
    max_tenor = policy_max_tenor
    tenor_limit = "policy"
    if facts.months_to_age_limit is not None and facts.months_to_age_limit < max_tenor:
        max_tenor = facts.months_to_age_limit
        tenor_limit = "age"
    max_tenor = max(max_tenor, policy.tenor.min_months)
    low_tenor = min(facts.tenure, max_tenor)

    affordable = int(assessed["capacity"].metrics["affordable_installment"])
    limits: dict[str, int | None] = {
        "capacity": max_principal(affordable, facts.rate_pct, max_tenor, facts.method),
        "collateral": assessed["collateral"].metrics["max_plafon_by_collateral"],
        "income": int(facts.income_low * 12 * policy.capacity.max_plafon_to_annual_income),
        "policy": rules.max_plafon,
    }
    plafon, binding = facts.plafon, None
    for name, limit in limits.items():
        if limit is not None and limit < plafon:
            plafon, binding = limit, name
    if binding is not None:
        plafon = plafon // rules.plafon_step * rules.plafon_step
    if plafon < rules.min_plafon or plafon <= 0:
        decision = decline("DECLINE_BELOW_MIN_PLAFON", max_rp=plafon, min_rp=rules.min_plafon)
        decision.limits = limits
        decision.sized_plafon = plafon
        return decision

    candidates = _tenor_candidates(low_tenor, max_tenor, policy.tenor.step_months)
    tenure = _shortest_affordable(facts, plafon, candidates, affordable)
    installment = instalment(plafon, facts.rate_pct, tenure, facts.method)

    if binding is not None:
        own.append(
            Finding(
                "PLAFON_REDUCED",
                "decision",
                {"requested_rp": facts.plafon, "plafon_rp": plafon, "limit": _LIMITS[binding]},
            )
        )
    if tenure > facts.tenure:
        own.append(
            Finding(
                "TENOR_EXTENDED",
                "decision",
                {
                    "requested_months": facts.tenure,
                    "tenure_months": tenure,
                    "instalment_rp": installment,
                    "affordable_rp": affordable,
                },
            )
        )
    elif tenure < facts.tenure:
        own.append(
            Finding(
                "TENOR_CAPPED",
                "decision",
                {
                    "requested_months": facts.tenure,
                    "tenure_months": tenure,
                    "limit": _TENOR_LIMITS[tenor_limit],
                },
            )
        )
    if scored is not None and cutoffs is not None:
        low = cutoffs.approve_below_pd
        if low is not None and scored.score.pd >= low:
            own.append(
                Finding(
                    "PD_ABOVE_APPROVAL",
                    "decision",
                    {"pd_pd": scored.score.pd, "band": scored.score.band, "min_pd": low},
                )
            )
    elif _GRADE_ORDER.index(grade) > _GRADE_ORDER.index(rules.approve_min_grade):
        own.append(
            Finding(
                "GRADE_BELOW_APPROVAL",
                "decision",
                {"score": overall, "grade": grade, "min_grade": rules.approve_min_grade},
            )
        )
    extra = {
        "plafon_rp": plafon,
        "tenure_months": tenure,
        "ceiling_pct": policy.interest.legal_ceiling_pct,
        "grade": grade,
    }
    conditions = _conditions([*findings, *own], extra)
    if quality:
        conditions.append(Condition("CLARIFY_DATA", {"count": len(quality)}))
    outcome = Outcome.APPROVE_WITH_CONDITIONS if conditions else Outcome.APPROVE
    headline = "APPROVE_WITH_CONDITIONS" if conditions else "APPROVE_AS_REQUESTED"
    own.insert(
        0,
        Finding(
            headline,
            "decision",
            {"plafon_rp": plafon, "tenure_months": tenure, "instalment_rp": installment},
        ),
    )
    return Decision(
        outcome,
        plafon,
        tenure,
        installment,
        findings=own,
        conditions=conditions,
        requirements=_conditions(findings, extra, REQUIREMENTS),
        reasons=_reasons(own, findings, policy, [], declined=False),
        limits=limits,
        sized_plafon=plafon,
    )
