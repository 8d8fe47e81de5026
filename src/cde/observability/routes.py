"""``GET /metrics`` for Prometheus: no authentication (restrict it at the network — see
``docs/operations.md``), the classic text format, left out of the OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from cde.observability.metrics import metrics_response

__all__ = ["router"]

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    """A plain ``def``: FastAPI runs it in a worker thread, so a queue-depth source that
    queries the database does not block the event loop."""
    body, content_type = metrics_response()
    return Response(content=body, media_type=content_type)
