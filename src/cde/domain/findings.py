"""Findings: the atoms every score, reason and narrative is built from.

A finding is a fact the engine established about one of the five Cs (or about the
decision), named by a stable reason code. Its severity and the points it costs come from
the policy, its words from the reason catalogue (:mod:`cde.domain.catalogue`); the finding
itself carries only the code and the parameters its message needs.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal, NamedTuple

__all__ = ["FIVE_C", "Dimension", "Finding", "QualityFlag", "Severity"]


# The five Cs, and "decision" for findings about the decision itself. Plain strings (not an
# enum): they are dictionary keys on the hot path and JSON values as they are.
Dimension = Literal["character", "capacity", "capital", "collateral", "condition", "decision"]
FIVE_C: tuple[Dimension, ...] = ("character", "capacity", "capital", "collateral", "condition")


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


class Finding(NamedTuple):
    """A fact about one C (or the decision), by reason code, with its message's parameters.

    A named tuple rather than a dataclass: the engine creates dozens per evaluation.
    """

    code: str
    dimension: Dimension
    params: dict[str, Any] = {}  # noqa: RUF012 - never mutated; shared empty default


class QualityFlag(NamedTuple):
    """Something in the input a human analyst would question; it never stops the analysis."""

    field: str
    code: str
    params: dict[str, Any] = {}  # noqa: RUF012 - never mutated; shared empty default
