"""The engine's front door: a decoded JSON application in, the result object out."""

from __future__ import annotations

from datetime import date
from typing import Any

from cde.domain.application import parse_application
from cde.domain.evaluation import assess
from cde.domain.result import result_object
from cde.domain.text import Lang
from cde.policies.model import Policy

__all__ = ["evaluate"]


def evaluate(raw: object, *, policy: Policy, today: date, lang: Lang = "id") -> dict[str, Any]:
    """Read, assess and explain one application.

    Raises :class:`~cde.domain.application.InvalidApplicationError` naming every unreadable
    field. The same ``raw``, ``policy`` and ``today`` always give the same result.
    """
    return result_object(assess(parse_application(raw), policy, today), lang)
