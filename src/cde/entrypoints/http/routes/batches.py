"""``/kocek/cde/batches`` (ours): a whole portfolio at once, its progress, its results."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from cde.entrypoints.http import schemas
from cde.entrypoints.http.deps import ContainerDep, LangDep, Reader, Requester, set_state
from cde.entrypoints.http.views import batch_view, caller_of, success
from cde.errors import NotFoundError

__all__ = ["router"]

router = APIRouter(prefix="/kocek/cde/batches", tags=["batches"])

_NOT_FOUND = schemas.responses(schemas.BEHIND_THE_SWITCH, {404: schemas.fail("Data not found.")})
_BATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-ndjson": {"schema": {"type": "string"}},
            "application/json": {
                "schema": {
                    "type": "array",
                    "description": (
                        "Applications (see the Application schema). An item that is "
                        "not a valid application does not refuse the batch: it is "
                        "reported as a failed item with its field errors."
                    ),
                    "items": {},
                }
            },
        },
    }
}


@router.post(
    "",
    status_code=202,
    response_model=schemas.BatchEnvelope,
    responses=schemas.responses(
        schemas.BEHIND_THE_SWITCH,
        {
            400: schemas.fail(
                "Not JSON lines or a JSON array, no applications, or more than CDE_MAX_BATCH_ITEMS"
            ),
            413: schemas.fail("The body is larger than CDE_MAX_BATCH_BYTES"),
        },
    ),
    summary="Submit a portfolio batch (JSONL or a JSON array of applications)",
    openapi_extra=_BATCH_BODY,
)
async def submit_batch(
    request: Request, c: ContainerDep, lang: LangDep, principal: Requester
) -> Response:
    body = await request.body()
    caller = caller_of(request, principal)
    kind = request.headers.get("content-type")

    def work() -> Response:
        batch = c.batches.submit(body, principal.tenant.id, caller, lang, kind)
        progress = c.batches.get(batch.id, principal.tenant.id)
        assert progress is not None
        set_state(request, record_id=batch.id)
        return success(202, batch_view(progress, c.settings.zone), "batch_created", lang)

    return await anyio.to_thread.run_sync(work)


@router.get(
    "/{batch_id}",
    response_model=schemas.BatchEnvelope,
    responses=_NOT_FOUND,
    summary="A batch's progress and, when done, its summary",
)
def batch_detail(batch_id: str, c: ContainerDep, lang: LangDep, principal: Reader) -> Response:
    progress = c.batches.get(batch_id, principal.tenant.id) if len(batch_id) <= 64 else None
    if progress is None:
        raise NotFoundError(batch_id)
    return success(200, batch_view(progress, c.settings.zone), "batch_detail", lang)


@router.get(
    "/{batch_id}/results",
    response_class=StreamingResponse,
    responses=schemas.responses(
        {
            200: {
                "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
                "description": "One JSON line per item, in order: a result or an error",
            }
        },
        _NOT_FOUND,
    ),
    summary="The batch's results as JSON lines",
)
def batch_results(batch_id: str, c: ContainerDep, principal: Reader) -> Response:
    lines = c.batches.results(batch_id, principal.tenant.id) if len(batch_id) <= 64 else None
    if lines is None:
        raise NotFoundError(batch_id)
    return StreamingResponse(lines, media_type="application/x-ndjson")
