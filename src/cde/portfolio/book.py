"""One application of a loan book replayed under a policy: what the portfolio reports
read of its decision (no narrative: a replay of 100,000 loans writes no memos).

:func:`replay_one` assesses the application on its day and keeps the outcome, the
recommended and requested plafon, the overall score and grade, the scorecard's PD and
band when the policy has one, the decision's reason codes, and the two attributes the
fairness report groups by (gender, age) — which no score reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from cde.domain.application import InvalidApplicationError, parse_application
from cde.domain.evaluation import assess
from cde.policies.model import Policy

__all__ = ["APPROVED", "Replayed", "replay_one"]

APPROVED = frozenset({"approve", "approve_with_conditions"})


@dataclass(frozen=True, slots=True)
class Replayed:
    """The decision on one application of the book (``outcome`` None: unreadable)."""

    loan_id: str | None
    day: date
    outcome: str | None
    plafon: int = 0  # recommended (0 when declined)
    requested: int = 0
    score: int = 0
    grade: str = ""
    pd: float | None = None
    band: str | None = None
    reasons: tuple[str, ...] = ()  # the decision's reason codes, most decisive first
    knockouts: tuple[str, ...] = ()
    gender: str | None = None  # "l" / "p", as the application states it
    age: int | None = None
    error: str | None = None

    @property
    def approved(self) -> bool:
        return self.outcome in APPROVED


def replay_one(raw: Any, policy: Policy, day: date) -> Replayed:
    """The decision on ``raw`` (a decoded Kocek application) under ``policy`` on ``day``;
    an application that cannot be read gives ``outcome`` None and the reason."""
    loan_id = raw.get("loan_id") if isinstance(raw, dict) else None
    loan_id = loan_id if isinstance(loan_id, str) else None
    try:
        app = parse_application(raw)
    except InvalidApplicationError as exc:
        fields = ", ".join(sorted({e.field for e in exc.errors}))
        return Replayed(loan_id, day, None, error=f"invalid application: {fields}")
    ev = assess(app, policy, day)
    d = ev.decision
    scored = ev.scorecard
    return Replayed(
        loan_id=app.loan_id,
        day=day,
        outcome=d.outcome.value,
        plafon=d.plafon,
        requested=ev.facts.plafon,
        score=ev.overall,
        grade=ev.grade,
        pd=scored.score.pd if scored is not None else None,
        band=scored.score.band if scored is not None else None,
        reasons=tuple(f.code for f in d.reasons),
        knockouts=tuple(d.knockouts),
        gender=app.character.gender.value if app.character.gender is not None else None,
        age=ev.facts.age,
    )
