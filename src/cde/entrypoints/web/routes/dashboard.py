"""The portfolio dashboard: the tenant's figures and charts of a range of days, drawn by
the dashboard use case (``container.dashboard``: :mod:`cde.service.dashboard`)."""

from __future__ import annotations

from datetime import date
from typing import Any

import anyio
from fastapi import APIRouter
from fastapi.responses import Response
from markupsafe import Markup

from cde.entrypoints.web.context import PREFIX, WebDep, require
from cde.entrypoints.web.refusals import WebRoute

__all__ = ["router"]

router = APIRouter(prefix=PREFIX, include_in_schema=False, route_class=WebRoute)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@router.get("/dashboard")
async def dashboard(web: WebDep) -> Response:
    principal = require(web, "read")
    query = web.request.query_params
    start, end = _day(query.get("from")), _day(query.get("to"))
    board: Any = getattr(web.container, "dashboard", None)
    view = None
    if board is not None:
        view = await anyio.to_thread.run_sync(
            board.overview, principal.tenant.id, web.lang, start, end
        )
    first = getattr(view, "first", None) or start
    last = getattr(view, "last", None) or end
    return web.render(
        "dashboard.html",
        view=view,
        figures=list(getattr(view, "figures", [])),
        # the charts are drawn by cde.portfolio.charts, every text in them escaped
        sections=[(title, Markup(svg)) for title, svg in getattr(view, "sections", [])],
        empty=bool(getattr(view, "empty", False)),
        start=first.isoformat() if isinstance(first, date) else "",
        end=last.isoformat() if isinstance(last, date) else "",
    )
