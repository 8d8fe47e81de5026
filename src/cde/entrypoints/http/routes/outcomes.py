"""``/kocek/cde/outcomes`` (ours): what became of the loans — record them, list them."""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from cde.entrypoints.http import schemas
from cde.entrypoints.http.deps import ContainerDep, LangDep, Reader, Requester
from cde.entrypoints.http.messages import message
from cde.entrypoints.http.views import caller_of, json_response, outcome_view, success

__all__ = ["router"]

router = APIRouter(prefix="/kocek/cde/outcomes", tags=["outcomes"])

_OUTCOMES_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-ndjson": {"schema": {"type": "string"}},
            "application/json": {
                "schema": {
                    "type": "array",
                    "description": (
                        "Outcome records: `loan_id`, and `bad` (true/false, 1/0) or "
                        "`kolektibilitas` (1-5 or its name); optionally `observed_at` and "
                        "`applied_at` (dates). Any item is accepted here: one that is not a "
                        "valid outcome does not refuse the others, it is reported in the "
                        "answer's `errors` with its line and field errors."
                    ),
                    "items": {},
                }
            },
        },
    }
}


@router.post(
    "",
    response_model=schemas.OutcomeReportEnvelope,
    responses=schemas.responses(
        schemas.BEHIND_THE_SWITCH,
        {
            400: schemas.fail(
                "Not JSON lines or a JSON array, no records, or more than CDE_MAX_BATCH_ITEMS"
            ),
            413: schemas.fail("The body is larger than CDE_MAX_BATCH_BYTES"),
        },
    ),
    summary="Record loan outcomes (JSONL or a JSON array); a repeat replaces, audited",
    openapi_extra=_OUTCOMES_BODY,
)
async def record_outcomes(
    request: Request, c: ContainerDep, lang: LangDep, principal: Requester
) -> Response:
    body = await request.body()
    caller = caller_of(request, principal)
    kind = request.headers.get("content-type")

    def work() -> Response:
        report = c.outcomes.record_body(body, principal.tenant.id, caller, kind)
        return success(200, report.as_dict(lang), "outcomes_recorded", lang)

    return await anyio.to_thread.run_sync(work)


@router.get(
    "",
    response_model=schemas.OutcomeListEnvelope,
    responses=schemas.responses(
        schemas.BEHIND_THE_SWITCH,
        {422: schemas.fail("A bad query parameter (page, limit, loan_id), named")},
    ),
    summary="List the tenant's loan outcomes by loan id, each with the values it replaced",
)
def list_outcomes(
    c: ContainerDep,
    lang: LangDep,
    principal: Reader,
    loan_id: Annotated[str | None, Query(max_length=255)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> Response:
    tenant_id = principal.tenant.id
    found = c.outcomes.list(tenant_id, loan_id=loan_id, page=page, limit=limit)
    history = c.outcomes.history(tenant_id, [o.loan_id for o in found.items])
    return json_response(
        200,
        {
            "data": [
                outcome_view(o, [h for h in history if h.loan_id == o.loan_id]) for o in found.items
            ],
            "meta": {"limit": limit, "page": page, "total": found.total},
            "message": message("outcomes_list", lang),
            "status": "success",
        },
    )
