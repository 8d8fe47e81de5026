"""Portfolio batches: upload a file of applications (JSON lines, or a JSON array — what
``POST /kocek/cde/batches`` takes), follow its progress (htmx polls a fragment every
second; without JavaScript the page refreshes itself), read the summary and download the
results. The work is the API's own use case (:class:`cde.service.batches.BatchService`)."""

from __future__ import annotations

import anyio
from fastapi import APIRouter
from fastapi.responses import Response, StreamingResponse
from starlette.datastructures import UploadFile

from cde.entrypoints.http.deps import set_state
from cde.entrypoints.web.context import PREFIX, WebDep, checked_form, require
from cde.entrypoints.web.refusals import WebRoute
from cde.errors import InvalidBodyError, NotFoundError
from cde.service.batches import Batch, BatchProgress

__all__ = ["router"]

router = APIRouter(prefix=PREFIX, include_in_schema=False, route_class=WebRoute)

# The file's kind by its name (else the content decides, as the API does without one).
_KINDS = {
    ".jsonl": "application/x-ndjson",
    ".ndjson": "application/x-ndjson",
    ".json": "application/json",
}


def _kind(filename: str | None) -> str | None:
    name = (filename or "").lower()
    return next((kind for ext, kind in _KINDS.items() if name.endswith(ext)), None)


@router.get("/batches")
def upload_page(web: WebDep) -> Response:
    require(web, "request")
    return web.render("batches.html", error=None)


@router.post("/batches")
async def upload(web: WebDep) -> Response:
    principal = require(web, "request")
    form = await checked_form(web)
    sent = form.get("file")
    if not isinstance(sent, UploadFile) or not sent.filename:
        return web.render("batches.html", status=400, error=web.t("batch.no_file"))
    limit = web.container.settings.max_batch_bytes
    body = await sent.read(limit + 1)
    if len(body) > limit:
        set_state(web.request, audit_outcome="too_large")
        return web.render("batches.html", status=413, error=web.t("batch.too_large", limit=limit))

    def work() -> Batch:
        return web.container.batches.submit(
            body, principal.tenant.id, web.caller, web.lang, _kind(sent.filename)
        )

    try:
        batch = await anyio.to_thread.run_sync(work)
    except InvalidBodyError as exc:
        set_state(web.request, audit_outcome="invalid")
        return web.render("batches.html", status=400, error=web.t("batch.invalid", detail=exc))
    set_state(web.request, record_id=batch.id)
    return web.redirect(f"{PREFIX}/batches/{batch.id}")


def _progress(web: WebDep, batch_id: str) -> BatchProgress:
    principal = require(web, "read")
    found = None
    if len(batch_id) <= 64:
        found = web.container.batches.get(batch_id, principal.tenant.id)
    if found is None:
        raise NotFoundError(batch_id)
    set_state(web.request, record_id=found.batch.id)
    return found


@router.get("/batches/{batch_id}")
def batch_page(batch_id: str, web: WebDep) -> Response:
    progress = _progress(web, batch_id)
    return web.render("batch.html", progress=progress)


@router.get("/batches/{batch_id}/progress")
def batch_progress(batch_id: str, web: WebDep) -> Response:
    """The progress fragment htmx swaps in (polling stops once the batch is done)."""
    progress = _progress(web, batch_id)
    return web.render("_batch_progress.html", progress=progress)


@router.get("/batches/{batch_id}/results.jsonl")
def batch_results(batch_id: str, web: WebDep) -> Response:
    progress = _progress(web, batch_id)
    lines = web.container.batches.results(progress.batch.id, progress.batch.tenant_id)
    if lines is None:
        raise NotFoundError(batch_id)
    return web.finish(
        StreamingResponse(
            lines,
            media_type="application/x-ndjson",
            headers={
                "content-disposition": f'attachment; filename="batch-{progress.batch.id}.jsonl"'
            },
        )
    )
