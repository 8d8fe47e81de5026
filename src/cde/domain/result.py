"""The result object (``API.md``): one shape everywhere — API, CLI, batch and storage."""

from __future__ import annotations

from typing import Any

from cde.domain.catalogue import CONDITION_TEXT, MESSAGES, render
from cde.domain.evaluation import Evaluation
from cde.domain.findings import FIVE_C
from cde.domain.narrative import adverse_text, five_c, lost_value, memo, points_value
from cde.domain.scorecard.scoring import Scored
from cde.domain.text import Lang

__all__ = ["result_object"]


def _scorecard(scored: Scored, adverse: list[str]) -> dict[str, Any]:
    """``assessment.scorecard``: the scorecard's reading and the attributes that cost most
    (``adverse``: their messages)."""
    s = scored.score
    return {
        "name": scored.scorecard.name,
        "version": scored.scorecard.version,
        "points": points_value(s.points),
        "pd": s.pd,
        "band": s.band,
        "adverse": [
            {
                "feature": a.feature,
                "value": a.value,
                "points_lost": lost_value(a.points_lost),
                "message": message,
            }
            for a, message in zip(s.adverse, adverse, strict=True)
        ],
    }


def result_object(ev: Evaluation, lang: Lang = "id") -> dict[str, Any]:
    severity = ev.policy.reason_severity
    weights = ev.policy.weights
    d = ev.decision
    messages: dict[int, str] = {}  # id(finding) -> its message, for the narratives too
    dimensions: dict[str, Any] = {}
    for dim in FIVE_C:
        assessed = ev.assessed[dim]
        findings = []
        for f in assessed.findings:
            message = messages[id(f)] = render(MESSAGES[f.code], f.params, lang)
            findings.append({"code": f.code, "severity": severity[f.code], "message": message})
        dimensions[dim] = {
            "score": ev.scores[dim],
            "grade": ev.grades[dim],
            "weight": getattr(weights, dim),  # in the overall score (the memo's 5C table shows it)
            "findings": findings,
            "metrics": assessed.metrics,
            "thresholds": assessed.thresholds,
        }
    for f in d.findings:
        messages[id(f)] = render(MESSAGES[f.code], f.params, lang)
    five = five_c(ev, messages, lang)
    quality = ev.quality_messages(lang)
    conditions = [render(CONDITION_TEXT[c.code], c.params, lang) for c in d.conditions]
    requirements = [render(CONDITION_TEXT[c.code], c.params, lang) for c in d.requirements]
    thresholds: dict[str, Any] = {  # the policy's bounds the decision applied
        "decline_below_score": ev.policy.decision.decline_below_score,
        "min_plafon": ev.policy.decision.min_plafon,
        "max_plafon": ev.policy.decision.max_plafon,
        "plafon_step": ev.policy.decision.plafon_step,
    }
    assessment: dict[str, Any] = {
        "score": ev.overall,
        "grade": ev.grade,
        "as_of": ev.facts.today.isoformat(),
        "dimensions": dimensions,
    }
    adverse = None
    if ev.scorecard is not None:  # only with a scorecard: results without one are unchanged
        section = ev.policy.scorecard
        thresholds["approve_below_pd"] = section.approve_below_pd if section else None
        thresholds["decline_above_pd"] = section.decline_above_pd if section else None
        adverse = [adverse_text(a, lang) for a in ev.scorecard.score.adverse]
        assessment["scorecard"] = _scorecard(ev.scorecard, adverse)
    return {
        "5c": five,
        "recommendation": {"plafon": str(d.plafon), "tenure": str(d.tenure)},
        "decision": {
            "outcome": d.outcome.value,
            "plafon": d.plafon,
            "tenure": d.tenure,
            "installment": d.installment,
            "interest_method": ev.facts.method.value,
            "conditions": [
                {"code": c.code, "message": message}
                for c, message in zip(d.conditions, conditions, strict=True)
            ],
            "requirements": [
                {"code": c.code, "message": message}
                for c, message in zip(d.requirements, requirements, strict=True)
            ],
            "reasons": [
                {
                    "code": f.code,
                    "dimension": f.dimension,
                    "severity": severity[f.code],
                    "message": messages[id(f)],
                }
                for f in d.reasons
            ],
            "sized_plafon": d.sized_plafon,
            "limits": d.limits,
            "knockouts": d.knockouts,
            "thresholds": thresholds,
        },
        "assessment": assessment,
        "data_quality": [
            {"field": q.field, "code": q.code, "message": m}
            for q, m in zip(ev.quality, quality, strict=True)
        ],
        "analytic": memo(ev, messages, five, quality, lang, adverse, conditions, requirements),
        "policy": {"name": ev.policy.name, "version": ev.policy.version},
        "narrative_source": "rules",
        "engine_version": ev.engine_version,
    }
