"""Any other address under ``/ui``: the 404 page (not the API's JSON). Included last."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from cde.entrypoints.web.context import PREFIX, WebDep
from cde.entrypoints.web.refusals import WebRoute
from cde.errors import NotFoundError

__all__ = ["router"]

router = APIRouter(prefix=PREFIX, include_in_schema=False, route_class=WebRoute)


@router.get("/{rest:path}")
def not_found(rest: str, web: WebDep) -> Response:
    raise NotFoundError(rest[:64])
