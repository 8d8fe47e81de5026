"""The tenant's recommendations: the list (filters, paging, newest first), one
recommendation, and its memo as a PDF when the documents package is installed."""

from __future__ import annotations

import importlib.util
import math
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import Response

from cde.entrypoints.http.deps import set_state
from cde.entrypoints.web.context import PREFIX, WebDep, require
from cde.entrypoints.web.refusals import WebRoute, refusal
from cde.entrypoints.web.views import detail
from cde.errors import CdeError, NotFoundError
from cde.service.ports import StoredRecommendation

__all__ = ["router"]

router = APIRouter(prefix=PREFIX, include_in_schema=False, route_class=WebRoute)

PAGE_SIZE = 20
STATUSES = ("success", "fail", "processing")
OUTCOMES = ("approve", "approve_with_conditions", "decline")
GRADES = ("A", "B", "C", "D", "E")
FILTERS = ("loan_id", "customer_id", "status", "outcome", "grade", "from", "to")


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of ``day`` in the service's time zone, as UTC."""
    return datetime.combine(day, time(0), zone).astimezone(UTC)


@router.get("/recommendations")
def listing(
    web: WebDep,
    loan_id: str | None = None,
    customer_id: str | None = None,
    status: str | None = None,
    outcome: str | None = None,
    grade: str | None = None,
    page: str | None = None,
) -> Response:
    principal = require(web, "read")
    query = web.request.query_params
    chosen = {
        "loan_id": (loan_id or "").strip()[:255],
        "customer_id": (customer_id or "").strip()[:255],
        "status": status if status in STATUSES else "",
        "outcome": outcome if outcome in OUTCOMES else "",
        "grade": grade if grade in GRADES else "",
        "from": "",
        "to": "",
    }
    zone = web.container.settings.zone
    start, end = _day(query.get("from")), _day(query.get("to"))
    if start is not None and end is not None and start > end:
        start, end = end, start
    chosen["from"] = start.isoformat() if start else ""
    chosen["to"] = end.isoformat() if end else ""
    number = int(page) if page and page.isdigit() and 0 < int(page) <= 1_000_000 else 1
    found = web.container.recommender.list(
        tenant_id=principal.tenant.id,
        loan_id=chosen["loan_id"] or None,
        customer_id=chosen["customer_id"] or None,
        status=chosen["status"] or None,
        outcome=chosen["outcome"] or None,
        grade=chosen["grade"] or None,
        created_from=_start_of(start, zone) if start else None,
        created_to=_start_of(end + timedelta(days=1), zone) if end else None,
        page=number,
        limit=PAGE_SIZE,
        with_decision=True,
    )
    pages = max(1, math.ceil(found.total / PAGE_SIZE))
    kept = {k: v for k, v in chosen.items() if v}

    def page_url(n: int) -> str:
        return f"{PREFIX}/recommendations?{urlencode({**kept, 'page': n})}"

    return web.render(
        "recommendations.html",
        items=found.items,
        total=found.total,
        page=number,
        pages=pages,
        filters=chosen,
        filtered=bool(kept),
        statuses=STATUSES,
        outcomes=OUTCOMES,
        grades=GRADES,
        previous_url=page_url(number - 1) if number > 1 else None,
        next_url=page_url(number + 1) if number < pages else None,
    )


def _record(web: WebDep, record_id: str) -> StoredRecommendation:
    """The tenant's record (another tenant's is as absent as a missing one), audited."""
    principal = require(web, "read")
    found = None
    if len(record_id) <= 64:
        found = web.container.recommender.get(record_id, principal.tenant.id)
    if found is None:
        raise NotFoundError(record_id)
    set_state(web.request, record_id=found.id)
    return found


def _memos(web: WebDep) -> Any:
    """The memo printer (``container.memos``, over ``cde.documents``), when installed (and
    WeasyPrint with it: the optional extra ``cde[pdf]``)."""
    if any(importlib.util.find_spec(name) is None for name in ("cde.documents", "weasyprint")):
        return None
    return getattr(web.container, "memos", None)


@router.get("/recommendations/{record_id}")
def recommendation(record_id: str, web: WebDep) -> Response:
    record = _record(web, record_id)
    view = detail(record)
    pdf = _memos(web) is not None and record.status == "success" and view.result is not None
    return web.render(
        "recommendation.html",
        view=view,
        pdf_url=f"{PREFIX}/recommendations/{record.id}/memo.pdf" if pdf else None,
        api_pdf_url=f"/kocek/cde/credit-recommendation/{record.id}/memo.pdf" if pdf else None,
    )


@router.get("/recommendations/{record_id}/memo.pdf")
def memo_pdf(record_id: str, web: WebDep) -> Response:
    """The same bytes as the API's ``GET …/{id}/memo.pdf``, for the signed-in session."""
    record = _record(web, record_id)
    memos = _memos(web)
    if memos is None:
        raise NotFoundError(record_id)
    try:
        memo = memos.pdf(record.id, record.tenant_id)
    except CdeError as exc:
        if exc.status not in (409, 501):
            raise
        # nothing to print yet (a narrative being written, a failed evaluation), or the
        # server cannot print (cde[pdf] missing): said on a page, as the API says it
        set_state(web.request, audit_outcome=exc.outcome or "memo_unavailable")
        key = "memo.pending" if exc.status == 409 else "memo.not_installed"
        return refusal(web.request, exc.status, web.t("memo.unavailable"), web.t(key))
    return web.finish(
        Response(
            memo.content,
            media_type="application/pdf",
            headers={
                "content-disposition": f'attachment; filename="{memo.filename}"',
                "content-language": memo.lang,
            },
        )
    )
