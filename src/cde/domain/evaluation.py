"""One application assessed under one policy on one day: every fact the result and the
narratives are written from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from cde import __version__
from cde.domain.application import Application
from cde.domain.assessments import Assessed, score
from cde.domain.assessments.capacity import assess_capacity
from cde.domain.assessments.capital import assess_capital
from cde.domain.assessments.character import assess_character
from cde.domain.assessments.collateral import assess_collateral
from cde.domain.assessments.condition import assess_condition
from cde.domain.catalogue import QUALITY_MESSAGES, render
from cde.domain.decision import Decision, decide
from cde.domain.facts import Facts, derive_facts
from cde.domain.findings import Dimension, QualityFlag
from cde.domain.quality import check_quality
from cde.domain.scorecard.features import FeatureValue, features_from
from cde.domain.scorecard.scoring import Scored, score_with
from cde.domain.text import Lang
from cde.policies.model import Grade, Policy

__all__ = ["Evaluation", "assess", "features_of"]

_ASSESSMENTS: tuple[tuple[Dimension, Callable[[Application, Facts, Policy], Assessed]], ...] = (
    ("character", assess_character),
    ("capacity", assess_capacity),
    ("capital", assess_capital),
    ("collateral", assess_collateral),
    ("condition", assess_condition),
)


@dataclass(frozen=True, slots=True)
class Evaluation:
    application: Application
    policy: Policy
    facts: Facts
    assessed: dict[Dimension, Assessed]
    scores: dict[Dimension, int]
    grades: dict[Dimension, Grade]
    overall: int
    grade: Grade
    decision: Decision
    quality: list[QualityFlag]
    engine_version: str
    scorecard: Scored | None = None  # the policy's scorecard's reading, when it has one

    def quality_messages(self, lang: Lang) -> list[str]:
        return [render(QUALITY_MESSAGES[q.code], q.params, lang) for q in self.quality]


def assess(app: Application, policy: Policy, today: date) -> Evaluation:
    """Assess the five Cs, score them, check the data and decide. Pure: same in, same out."""
    facts, method_flag = derive_facts(app, policy, today)
    quality = check_quality(app, facts, policy)
    if method_flag is not None:
        quality.insert(0, method_flag)
    grade_of = policy.grades.grade
    assessed: dict[Dimension, Assessed] = {}
    scores: dict[Dimension, int] = {}
    grades: dict[Dimension, Grade] = {}
    for dim, fn in _ASSESSMENTS:
        a = assessed[dim] = fn(app, facts, policy)
        scores[dim] = points = score(a.findings, policy)
        grades[dim] = grade_of(points)
    w = policy.weights
    weighted = (
        scores["character"] * w.character
        + scores["capacity"] * w.capacity
        + scores["capital"] * w.capital
        + scores["collateral"] * w.collateral
        + scores["condition"] * w.condition
    )
    overall = (2 * weighted + w.total) // (2 * w.total)  # integer round half up
    grade = grade_of(overall)
    card = policy.scorecard_model
    scored = None if card is None else score_with(card, features_from(facts, assessed))
    decision = decide(facts, assessed, overall, grade, quality, policy, scored)
    return Evaluation(
        application=app,
        policy=policy,
        facts=facts,
        assessed=assessed,
        scores=scores,
        grades=grades,
        overall=overall,
        grade=grade,
        decision=decision,
        quality=quality,
        engine_version=__version__,
        scorecard=scored,
    )


def features_of(app: Application, policy: Policy, today: date) -> dict[str, FeatureValue]:
    """What a scorecard sees of one application, assessed under ``policy`` on ``today``."""
    ev = assess(app, policy.with_scorecard(None) if policy.scorecard_model else policy, today)
    return features_from(ev.facts, ev.assessed)
