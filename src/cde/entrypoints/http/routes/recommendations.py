"""``/kocek/cde/credit-recommendation``: ask for one (POST), read one, list them; and (ours,
not in the Kocek contract) one's credit memo as a PDF."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Literal

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from cde.bootstrap import Container
from cde.domain.text import Lang
from cde.entrypoints.http import schemas
from cde.entrypoints.http.deps import (
    ContainerDep,
    LangDep,
    Reader,
    Requester,
    authenticate,
    may_request,
    service_on,
    set_state,
)
from cde.entrypoints.http.errors import request_id
from cde.entrypoints.http.messages import language, message
from cde.entrypoints.http.middleware import audit_entry, mark_audited
from cde.entrypoints.http.views import (
    JSONBytes,
    caller_of,
    created_body,
    created_view,
    detail_view,
    json_response,
    listed_view,
    success,
)
from cde.errors import NotFoundError
from cde.service.auth import Principal
from cde.service.instructions import load_instruction_file
from cde.service.submissions import Submission, Submissions, Submitted

__all__ = ["ROUTE", "post_without_query", "router"]

ROUTE = "/kocek/cde/credit-recommendation"
router = APIRouter(prefix=ROUTE, tags=["credit recommendation"])

_POST_RESPONSES = schemas.responses(
    schemas.BEHIND_THE_SWITCH,
    {
        400: schemas.fail(
            "The body is not JSON or nests too deep, a bad Idempotency-Key, or a "
            "refused X-Cde-Custom-System-Instruction-File"
        ),
        403: schemas.fail(
            "The service is switched off, the tenant is not active, its quota is "
            "used up, or the role is refused"
        ),
        409: schemas.fail("A request with the same Idempotency-Key is still running"),
        413: schemas.fail("The body is larger than CDE_MAX_BODY_BYTES"),
        422: schemas.fail(
            "An invalid application (every bad field in `errors`), an Idempotency-Key "
            "used with another body, or a bad `wait`"
        ),
        500: schemas.fail(
            "An unexpected failure: the error names only the request id (and the "
            "record kept as `fail`)"
        ),
    },
)
_APPLICATION_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Application"}}},
    }
}
Wait = Annotated[
    float,
    Query(
        ge=0,
        le=600,
        description="With the LLM narrator: wait up to this many seconds for the "
        "narrative before answering `processing` (capped by CDE_LLM_MAX_WAIT_SECONDS).",
    ),
]


@router.post(
    "",
    response_model=schemas.CreatedEnvelope,
    responses=_POST_RESPONSES,
    summary="Get a credit recommendation",
    openapi_extra=_APPLICATION_BODY,
)
async def recommend(
    request: Request, c: ContainerDep, lang: LangDep, principal: Requester, wait: Wait = 0
) -> Response:
    # Evaluate and store the application (the Submissions use case); with the LLM
    # narrator, wait up to `wait` seconds for the narrative. (A comment, not a docstring:
    # FastAPI would publish a docstring as the operation's description.)
    return await submit(request, c, lang, principal, wait)


async def post_without_query(request: Request) -> Response:
    """``POST /kocek/cde/credit-recommendation`` with no query string, as :func:`recommend`
    answers it, without FastAPI's routing and per-request dependency solving (``app.py``,
    ``DirectRoutes``): the same guards, called in the same order."""
    c: Container = request.app.state.container
    principal = await may_request(request, c, await service_on(c, await authenticate(request, c)))
    return await submit(request, c, language(request.headers.get("accept-language")), principal, 0)


async def submit(
    request: Request, c: Container, lang: Lang, principal: Principal, wait: float
) -> Response:
    """The POST, once its caller is let in (see :func:`recommend`)."""
    instruction = request.headers.get("x-cde-custom-system-instruction-file")
    if instruction is not None:  # refused before the body is read
        settings = c.settings
        load_instruction_file(
            instruction, settings.instruction_dir, settings.custom_instructions_enabled
        )
    submission = Submission(
        body=await request.body(),
        caller=caller_of(request, principal),
        lang=lang,
        tenant_id=principal.tenant.id,
        request_id=request_id(request),
        idempotency_key=request.headers.get("idempotency-key"),
        body_sha256=request.scope.get("state", {}).get("body_sha256"),
        instruction_file=instruction,
    )
    submissions = c.submissions
    try:
        if submissions.inline(submission):
            # In the event loop: the evaluation is CPU work either way (the GIL), and the
            # commit is awaited without holding a thread. The audit entry of the 200 is
            # written with the record, in the same transaction.
            entry = audit_entry(request.scope, 200, c.clock())
            pending = submissions.start(submission, audit=entry)
            await asyncio.wrap_future(pending.committed)
            if submissions.shadowed(pending):  # the challenger's job is deferred: a write
                done = await anyio.to_thread.run_sync(submissions.finish, pending)
            else:
                done = submissions.finish(pending)
        else:
            done = await anyio.to_thread.run_sync(submissions.submit, submission)
    except Exception as exc:
        record_id = getattr(exc, "record_id", None)
        if record_id:  # the application was kept as a fail record
            set_state(request, record_id=record_id)
        raise
    if done.replay:
        set_state(request, audit_outcome="idempotent_replay")
    elif done.narrating and wait > 0:
        done = await _narrated(submissions, done, min(wait, c.settings.llm_max_wait_seconds))
    set_state(request, record_id=done.record_id)
    if done.audited:
        mark_audited(request.scope, 200)
    if done.replay or not done.result_json:
        return success(200, created_view(done.record_id, done.status, done.result), "created", lang)
    body = created_body(done.record_id, done.status, done.result, done.result_json, lang)
    return JSONBytes(body)


async def _narrated(submissions: Submissions, pending: Submitted, seconds: float) -> Submitted:
    """Poll the record until its narrative is written or ``seconds`` run out, without
    holding a worker thread while asleep."""
    deadline = time.monotonic() + seconds
    pause = 0.02
    while (left := deadline - time.monotonic()) > 0:
        await anyio.sleep(min(pause, left))
        pause = min(pause * 1.5, 0.25)
        done: Submitted | None = await anyio.to_thread.run_sync(
            submissions.finished, pending.record_id
        )
        if done is not None:
            return done
    return pending


@router.get(
    "/{record_id}",
    response_model=schemas.DetailEnvelope,
    responses=schemas.responses(schemas.BEHIND_THE_SWITCH, {404: schemas.fail("Data not found.")}),
    summary="Read one credit recommendation",
)
def detail(record_id: str, c: ContainerDep, lang: LangDep, principal: Reader) -> Response:
    found = None
    if len(record_id) <= 64:  # another tenant's record is as absent as a missing one
        found = c.recommender.get(record_id, principal.tenant.id)
    if found is None:
        raise NotFoundError(record_id)
    return success(200, detail_view(found, c.settings.zone), "detail", lang)


_PDF_HEADERS = {
    "Content-Disposition": {
        "description": 'Always `attachment; filename="memo-<id>.pdf"`',
        "required": True,
        "schema": {"type": "string"},
    },
    "Content-Language": {
        "description": "The memo's language: the recommendation's (`id` or `en`)",
        "required": True,
        "schema": {"type": "string", "enum": ["id", "en"]},
    },
}


_PDF_RESPONSES = schemas.json_bodies(  # the failures are JSON, the success is not
    schemas.responses(
        schemas.BEHIND_THE_SWITCH,
        {
            200: {
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
                "description": "The credit memo (A4), an attachment",
                "headers": _PDF_HEADERS,
            },
            404: schemas.fail("Data not found."),
            409: schemas.fail(
                "Nothing to print: the narrative is still being written, or the evaluation failed"
            ),
            501: schemas.fail("PDF generation is not installed on this server (cde[pdf])"),
        },
    )
)


class PdfResponse(Response):
    media_type = "application/pdf"


@router.get(
    "/{record_id}/memo.pdf",
    response_class=PdfResponse,
    responses=_PDF_RESPONSES,
    summary="The credit memo of one recommendation as a PDF (ours, not in the Kocek contract)",
)
def memo_pdf(record_id: str, c: ContainerDep, principal: Reader) -> Response:
    memo = c.memos.pdf(record_id, principal.tenant.id)
    return PdfResponse(
        memo.content,
        headers={
            "Content-Disposition": f'attachment; filename="{memo.filename}"',
            "Content-Language": memo.lang,
        },
    )


@router.get(
    "",
    response_model=schemas.ListEnvelope,
    responses=schemas.responses(
        schemas.BEHIND_THE_SWITCH,
        {422: schemas.fail("A bad query parameter (page, limit, status, …), named")},
    ),
    summary="List credit recommendations, newest first",
)
def listing(
    c: ContainerDep,
    lang: LangDep,
    principal: Reader,
    loan_id: Annotated[str | None, Query(max_length=255)] = None,
    customer_id: Annotated[str | None, Query(max_length=255)] = None,
    status: Annotated[Literal["success", "fail", "processing"] | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> Response:
    found = c.recommender.list(
        tenant_id=principal.tenant.id,
        loan_id=loan_id,
        customer_id=customer_id,
        status=status,
        page=page,
        limit=limit,
    )
    zone = c.settings.zone
    return json_response(
        200,
        {
            "data": [listed_view(s, zone) for s in found.items],
            "meta": {"limit": limit, "page": page, "total": found.total},
            "message": message("list", lang),
            "status": "success",
        },
    )
