"""What the workspace's pages show of a stored recommendation: the stored result read
back into the parts a page lays out (no judgement is made here — every figure is the
engine's), the amortisation schedule of the recommended loan (the loan math of
:mod:`cde.domain.loan_math`, as ``cde schedule`` prints it), the memo's Markdown as HTML,
and the original payload, pretty."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup

from cde.domain import numbers
from cde.domain.findings import FIVE_C
from cde.domain.loan_math import InterestMethod, LoanTermsError, Schedule, schedule
from cde.domain.numbers import ParseError
from cde.service.narrative_jobs import public_result
from cde.service.ports import StoredRecommendation

__all__ = ["Detail", "detail", "memo_html"]


@cache
def _markdown() -> MarkdownIt:
    # CommonMark with tables; raw HTML in the text is shown as text, never as markup, and
    # links other than http(s)/mailto are refused (markdown-it's validateLink).
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


# A table column's alignment, which markdown-it writes as an inline style (refused by the
# pages' Content-Security-Policy), becomes a class of the style sheet. Quotes in the text are
# escaped (&quot;), so the text itself can never produce these attributes.
_ALIGNED = re.compile(r' style="text-align:(left|right|center)"')


def memo_html(text: str) -> Markup:
    """The memo's Markdown as HTML (safe: no HTML of the text passes through)."""
    rendered = _ALIGNED.sub(r' class="align-\1"', _markdown().render(text))
    # the memo's corner cell ("| | Permohonan | Rekomendasi |") heads nothing
    rendered = rendered.replace("<th></th>", "<td></td>")
    return Markup(rendered)  # markdown-it escaped the text


@dataclass(frozen=True, slots=True)
class Dimension:
    name: str
    grade: str | None
    score: int | None
    weight: int | None
    text: str | None
    findings: list[dict[str, Any]]


@dataclass
class Detail:
    record: StoredRecommendation
    result: dict[str, Any] | None
    payload: Any
    payload_pretty: str
    decision: dict[str, Any] = field(default_factory=dict)
    assessment: dict[str, Any] = field(default_factory=dict)
    requested: dict[str, Any] = field(default_factory=dict)
    dimensions: list[Dimension] = field(default_factory=list)
    quality: list[dict[str, Any]] = field(default_factory=list)
    scorecard: dict[str, Any] | None = None
    schedule: Schedule | None = None
    memo: Markup | None = None
    interest_pct: Decimal | None = None
    requested_plafon: int | None = None
    requested_tenure: int | None = None
    requested_installment: int | None = None


def _rate(value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _whole(value: object) -> int | None:
    """A whole amount as the engine reads it (``10000000.0``, ``"10.000.000"``), else None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(numbers.parse_number(value))
    except (ParseError, ValueError, ArithmeticError):
        return None


def detail(record: StoredRecommendation) -> Detail:
    """The page's view of ``record``."""
    try:
        payload: Any = json.loads(record.payload)
        pretty = json.dumps(payload, indent=2, ensure_ascii=False)
    except ValueError:
        payload, pretty = None, record.payload
    result = public_result(record.status, json.loads(record.result)) if record.result else None
    view = Detail(record, result, payload, pretty)
    if isinstance(payload, dict) and isinstance(payload.get("application"), dict):
        view.requested = payload["application"]
        view.requested_plafon = _whole(view.requested.get("plafon"))
        view.requested_tenure = _whole(view.requested.get("tenure"))
    if result is None:
        return view
    view.decision = result.get("decision") or {}
    view.assessment = result.get("assessment") or {}
    texts = result.get("5c") or {}
    dims = view.assessment.get("dimensions") or {}
    for name in FIVE_C:
        dim = dims.get(name) or {}
        view.dimensions.append(
            Dimension(
                name,
                dim.get("grade"),
                dim.get("score"),
                dim.get("weight"),
                texts.get(name),
                list(dim.get("findings") or []),
            )
        )
    view.quality = list(result.get("data_quality") or [])
    view.scorecard = view.assessment.get("scorecard")
    condition = (dims.get("condition") or {}).get("metrics") or {}
    capacity = (dims.get("capacity") or {}).get("metrics") or {}
    view.requested_installment = _whole(capacity.get("requested_installment"))
    view.interest_pct = _rate(condition.get("interest_pct"))
    if view.interest_pct is None:
        view.interest_pct = _rate(view.requested.get("interest"))
    view.schedule = _schedule(view.decision, view.interest_pct)
    if isinstance(result.get("analytic"), str):
        view.memo = memo_html(result["analytic"])
    return view


def _schedule(decision: dict[str, Any], rate: Decimal | None) -> Schedule | None:
    """The recommended loan's schedule; None when nothing is recommended."""
    plafon, tenure = decision.get("plafon"), decision.get("tenure")
    if not isinstance(plafon, int) or not isinstance(tenure, int) or plafon <= 0 or tenure <= 0:
        return None
    if rate is None:
        return None
    try:
        method = InterestMethod(str(decision.get("interest_method")))
        return schedule(plafon, rate, tenure, method)
    except (ValueError, LoanTermsError):
        return None
