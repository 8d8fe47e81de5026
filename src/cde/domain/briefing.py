"""The brief a language model writes from: the engine's facts, and nothing that names the
member.

The brief carries the decision, the five Cs' scores, findings and metrics, the
data-quality flags, the non-identifying applicant facts (age, occupation, length of
membership) and, when the policy scores with a scorecard, its points, PD, risk band and
the attributes that cost the most points. It never carries the NIK, the name, the
customer or loan id, or the date of birth: messages whose parameters hold a date of birth
or NIK digits are written with those parameters withheld. Every figure comes with the
text the engine writes for it, so a model can copy it rather than reformat it.
"""

from __future__ import annotations

from typing import Any

from cde.domain import text
from cde.domain.catalogue import CONDITION_TEXT, MESSAGES, QUALITY_MESSAGES, render
from cde.domain.decision import Outcome
from cde.domain.evaluation import Evaluation
from cde.domain.findings import FIVE_C
from cde.domain.narrative import (
    DIMENSION_NAMES,
    adverse_text,
    feature_value_text,
    lost_value,
    points_text,
    points_value,
)
from cde.domain.scorecard.features import LABELS
from cde.domain.text import Lang, Text

__all__ = ["BRIEF_VERSION", "OUTCOME_TEXT", "WITHHELD_PARAMS", "brief"]

BRIEF_VERSION = 1

# Parameters that identify the member: never sent to a model.
WITHHELD_PARAMS = frozenset({"birth_date", "digits"})
_WITHHELD = Text("[dirahasiakan]", "[withheld]")

OUTCOME_TEXT: dict[Outcome, tuple[str, str]] = {
    Outcome.APPROVE: ("disetujui", "approve"),
    Outcome.APPROVE_WITH_CONDITIONS: ("disetujui dengan syarat", "approve with conditions"),
    Outcome.DECLINE: ("ditolak", "decline"),
}


def _say(template: tuple[str, str], params: dict[str, Any], lang: Lang) -> str:
    if WITHHELD_PARAMS.isdisjoint(params):
        return render(template, params, lang)
    safe = {k: (_WITHHELD if k in WITHHELD_PARAMS else v) for k, v in params.items()}
    return render(template, safe, lang)


def _money(value: int, lang: Lang) -> dict[str, Any]:
    return {"value": value, "text": text.rupiah(value, lang)}


def _scorecard(ev: Evaluation, lang: Lang) -> dict[str, Any] | None:
    if ev.scorecard is None:
        return None
    s = ev.scorecard.score
    section = ev.policy.scorecard
    idn = lang == "id"
    return {
        "name": ev.scorecard.scorecard.name,
        "version": ev.scorecard.scorecard.version,
        "points": {"value": points_value(s.points), "text": points_text(s.points, lang)},
        "pd": {"value": s.pd, "text": text.probability(s.pd, lang)},
        "risk_band": s.band,
        "decides": section is not None and section.decides,
        "adverse_attributes": [
            {
                "attribute": LABELS[a.feature][0 if idn else 1],
                "value": feature_value_text(a.feature, a.value, lang),
                "points_lost": lost_value(a.points_lost),
                "text": adverse_text(a, lang),
            }
            for a in s.adverse
        ],
    }


def brief(ev: Evaluation, lang: Lang) -> dict[str, Any]:
    """The facts a narrator may use, as JSON-ready data (no identifying data)."""
    f = ev.facts
    d = ev.decision
    severity = ev.policy.reason_severity
    character = ev.assessed["character"].metrics
    membership = character.get("membership_months")
    idn = lang == "id"
    out: dict[str, Any] = {
        "brief_version": BRIEF_VERSION,
        "language": lang,
        "as_of": {"date": f.today.isoformat(), "text": text.long_date(f.today, lang)},
        "applicant": {
            "age_years": f.age,
            "occupation": ev.application.character.occupation,
            "membership": (
                {"months": membership, "text": text.duration(membership, lang)}
                if isinstance(membership, int)
                else None
            ),
        },
        "request": {
            "plafon": _money(f.plafon, lang),
            "tenure_months": f.tenure,
            "interest": {"pct": float(f.rate_pct), "text": text.percent(f.rate_pct, lang)},
            "interest_method": f.method.value,
            "installment": _money(f.requested_instalment, lang),
            "purpose": f.purpose,
        },
        "decision": {
            "outcome": d.outcome.value,
            "outcome_text": OUTCOME_TEXT[d.outcome][0 if idn else 1],
            "plafon": _money(d.plafon, lang),
            "tenure_months": d.tenure,
            "installment": _money(d.installment, lang),
            "conditions": [_say(CONDITION_TEXT[c.code], c.params, lang) for c in d.conditions],
            "requirements": [_say(CONDITION_TEXT[c.code], c.params, lang) for c in d.requirements],
            "reasons": [
                {
                    "code": r.code,
                    "dimension": r.dimension,
                    "severity": severity[r.code],
                    "message": _say(MESSAGES[r.code], r.params, lang),
                }
                for r in d.reasons
            ],
        },
        "assessment": {
            "score": ev.overall,
            "grade": ev.grade,
            "dimensions": {
                dim: {
                    "name": DIMENSION_NAMES[dim][0 if idn else 1],
                    "score": ev.scores[dim],
                    "grade": ev.grades[dim],
                    "findings": [
                        {
                            "code": x.code,
                            "severity": severity[x.code],
                            "message": _say(MESSAGES[x.code], x.params, lang),
                        }
                        for x in ev.assessed[dim].findings
                    ],
                    "metrics": ev.assessed[dim].metrics,
                }
                for dim in FIVE_C
            },
        },
        "data_quality": [
            {
                "field": q.field,
                "code": q.code,
                "message": _say(QUALITY_MESSAGES[q.code], q.params, lang),
            }
            for q in ev.quality
        ],
        "policy": {"name": ev.policy.name, "version": ev.policy.version},
    }
    scorecard = _scorecard(ev, lang)
    if scorecard is not None:  # only with a scorecard: briefs without one are unchanged
        out["scorecard"] = scorecard
    return out
