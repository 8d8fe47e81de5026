"""Findings: the atoms every score, reason and narrative is built from.

A finding is a fact the engine established about one of the five Cs (or about the
decision), named by a stable reason code. Its severity and the points it costs come from
the policy, its words from the reason catalogue (:mod:`cde.domain.catalogue`); the finding
itself carries only the code and the parameters its message needs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["Dimension", "Finding", "QualityFlag", "Severity"]


class Dimension(StrEnum):
    CHARACTER = "character"
    CAPACITY = "capacity"
    CAPITAL = "capital"
    COLLATERAL = "collateral"
    CONDITION = "condition"
    DECISION = "decision"


class Severity(StrEnum):
    """How much a finding weighs against the application, mildest first."""

    POSITIVE = "positive"
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {s: i for i, s in enumerate(Severity)}


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    dimension: Dimension
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class QualityFlag:
    """Something in the input a human analyst would question; it never stops the analysis."""

    field: str
    code: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)
