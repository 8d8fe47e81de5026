"""A new application: the form (rows of income, expenses and collaterals added and removed
with or without JavaScript), submitted through the API's own use case
(:class:`cde.service.submissions.Submissions`): the same reading, evaluation, storage,
quota and Idempotency-Key. Each field the engine cannot read is shown beside its input;
what was entered stays; a stored recommendation is shown on its own page."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

import anyio
import orjson
from fastapi import APIRouter
from fastapi.responses import Response

from cde.domain.application import InvalidApplicationError
from cde.entrypoints.http.deps import set_state
from cde.entrypoints.http.errors import request_id
from cde.entrypoints.web.context import PREFIX, Web, WebDep, checked_form, require
from cde.entrypoints.web.forms import LISTS, SECTIONS, ApplicationForm, input_id, input_name
from cde.entrypoints.web.refusals import WebRoute
from cde.errors import (
    EvaluationFailedError,
    IdempotencyConflictError,
    IdempotencyPendingError,
    InvalidBodyError,
    QuotaExhaustedError,
)
from cde.service.submissions import Submission, Submitted

__all__ = ["router"]

router = APIRouter(prefix=PREFIX, include_in_schema=False, route_class=WebRoute)

FORM_URL = PREFIX + "/applications/new"


@cache
def _example() -> dict[str, Any]:
    """The Kocek document's own request (the seed), shipped with the API."""
    raw = files("cde.entrypoints.http").joinpath("seed_request.json").read_bytes()
    example: dict[str, Any] = orjson.loads(raw)
    return example


def _page(
    web: Web, form: ApplicationForm, status: int = 200, problem: str | None = None
) -> Response:
    principal = web.principal
    assert principal is not None
    policy = web.container.recommender.policy_for(principal.tenant.id)
    codes = [
        (code, kind.label_en if web.lang == "en" else kind.label_id)
        for code, kind in policy.collateral.types.items()
    ]
    purposes = sorted({p.title() for p in policy.condition.purposes})
    return web.render(
        "application.html",
        status=status,
        form=form,
        sections=SECTIONS,
        lists=LISTS,
        input_name=input_name,
        input_id=input_id,
        collateral_codes=codes,
        purposes=purposes,
        problem=problem,
        form_url=FORM_URL,
    )


@router.get("/applications/new")
def new_application(web: WebDep, example: str | None = None) -> Response:
    require(web, "request")
    form = ApplicationForm.from_payload(_example()) if example == "seed" else ApplicationForm()
    return _page(web, form)


@router.post("/applications/new")
async def submit_application(web: WebDep) -> Response:
    principal = require(web, "request")
    posted = await checked_form(web)
    form = ApplicationForm.from_form(posted)
    action = posted.get("action")
    if isinstance(action, str) and action != "submit" and form.apply(action):
        return _page(web, form)  # a row added or removed: nothing is submitted
    submission = Submission(
        body=orjson.dumps(form.payload()),
        caller=web.caller,
        lang=web.lang,
        tenant_id=principal.tenant.id,
        request_id=request_id(web.request),
        idempotency_key=f"ui-{form.idempotency_key}",
    )
    try:
        done: Submitted = await anyio.to_thread.run_sync(
            web.container.submissions.submit, submission
        )
    except InvalidApplicationError as exc:
        set_state(web.request, audit_outcome="invalid")
        form.report([e.as_dict(web.lang) for e in exc.errors])
        return _page(web, form, 422, web.t("application.invalid", count=len(exc.errors)))
    except IdempotencyConflictError:
        set_state(web.request, audit_outcome=IdempotencyConflictError.audit_outcome)
        form.idempotency_key = ApplicationForm().idempotency_key
        return _page(web, form, 422, web.t("application.conflict"))
    except IdempotencyPendingError:
        return _page(web, form, 409, web.t("application.pending"))
    except QuotaExhaustedError:
        set_state(web.request, audit_outcome="quota_exhausted")
        return _page(web, form, 403, web.t("error.quota"))
    except InvalidBodyError as exc:
        set_state(web.request, audit_outcome="invalid")
        return _page(web, form, 400, str(exc))
    except EvaluationFailedError as exc:
        if exc.record_id is None:
            raise
        set_state(web.request, record_id=exc.record_id)  # kept as a fail record: show it
        return web.redirect(f"{PREFIX}/recommendations/{exc.record_id}")
    if done.replay:
        set_state(web.request, audit_outcome="idempotent_replay")
    set_state(web.request, record_id=done.record_id)
    return web.redirect(f"{PREFIX}/recommendations/{done.record_id}")
