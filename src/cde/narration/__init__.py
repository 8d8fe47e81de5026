"""Narratives a model writes from the engine's facts, by reference, and a small check.

A model is given :meth:`Facts.for_model` (no name, NIK, ids, birth date or gender) and
writes each C's text and the analytic memo with placeholders (``{capacity.dsr_pct}``)
instead of figures; :func:`check` refuses what the engine's facts do not support, and
:func:`render` puts each fact's text, with its label, in place of its placeholder.
"""

from cde.narration.check import Violation, ViolationKind, check
from cde.narration.facts import Fact, Facts, Unit, facts_of
from cde.narration.render import PLACEHOLDER, references, render

__all__ = [
    "PLACEHOLDER",
    "Fact",
    "Facts",
    "Unit",
    "Violation",
    "ViolationKind",
    "check",
    "facts_of",
    "references",
    "render",
]
