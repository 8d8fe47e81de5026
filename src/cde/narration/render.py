"""Placeholders: a model writes ``{capacity.dsr_pct}``, the reader sees ``DSR 4.525,73%``.

An id is lower-case words joined by dots, whose later parts may keep a code's case
(``{capacity.findings.CAPACITY_NO_ROOM}``). :func:`render` never invents: an id the facts
do not hold is left exactly as written (:func:`cde.narration.check.check` refuses it).
"""

from __future__ import annotations

import re

from cde.narration.facts import Facts

__all__ = ["PLACEHOLDER", "references", "render"]

PLACEHOLDER: re.Pattern[str] = re.compile(r"\{([a-z_]+(?:\.[A-Za-z0-9_]+)+)\}")


def references(text: str) -> list[str]:
    """The ids ``text`` references, in order (repeats included)."""
    return PLACEHOLDER.findall(text)


def render(text: str, facts: Facts) -> str:
    """``text`` with each ``{id}`` replaced by its fact, rendered; unknown ids as written."""
    by_id = facts.by_id

    def fill(m: re.Match[str]) -> str:
        fact = by_id.get(m.group(1))
        return m.group(0) if fact is None else fact.rendered()

    return PLACEHOLDER.sub(fill, text)
