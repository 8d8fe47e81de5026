"""The five assessments (5C). Each is a pure function of the application, the shared
:class:`~cde.domain.facts.Facts` and the policy, returning the findings it established and
the metrics behind them. Scores and grades are applied uniformly by :func:`score`: a C
starts at 100 and each finding costs the points the policy gives its reason code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cde.domain.findings import Finding
from cde.policies.model import Policy

__all__ = ["Assessed", "score"]


@dataclass(slots=True)
class Assessed:
    findings: list[Finding] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    # the policy's limits and assumptions the assessment applied, as its findings cite them
    # (the result's ``thresholds``: a reader of the stored result can trace every figure)
    thresholds: dict[str, Any] = field(default_factory=dict)


def score(findings: list[Finding], policy: Policy) -> int:
    points = policy.reason_points
    lost = sum([points[f.code] for f in findings])
    return max(0, 100 - lost)
