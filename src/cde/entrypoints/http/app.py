"""The FastAPI application: routes, envelopes, errors.

Thin by design: it reads headers and the body, calls the service, and writes the Kocek
envelope. Bodies are written with orjson directly; the pydantic models in ``schemas.py``
document them in ``/openapi.json``.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import anyio
import orjson
from babel.dates import format_datetime
from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Match

from cde import __version__
from cde.adapters.db.ratelimit import SqlRateLimiter
from cde.bootstrap import Container, bootstrap, utc_now
from cde.domain.application import Application, InvalidApplicationError
from cde.domain.text import Lang
from cde.entrypoints.http import schemas
from cde.entrypoints.http.messages import language, message
from cde.entrypoints.http.middleware import (
    AuditTrail,
    BodyLimit,
    CatchAll,
    RequestId,
    SecurityHeaders,
)
from cde.observability.logs import RequestContext
from cde.observability.metrics import Metrics, observe_result, set_queue_depth_source
from cde.observability.routes import router as metrics_router
from cde.service.auth import Principal
from cde.service.batches import BatchError, BatchProgress
from cde.service.idempotency import IdempotencyConflictError
from cde.service.instructions import InstructionFileError, load_instruction_file
from cde.service.narration import public_result
from cde.service.ports import Caller, Clock, QuotaExhaustedError, Recommendation
from cde.settings import Settings

__all__ = ["create_app"]

log = logging.getLogger("cde.http")

_SEED = orjson.loads(
    resources.files("cde.entrypoints.http").joinpath("seed_request.json").read_bytes()
)


class JSONBytes(JSONResponse):
    """JSON written by orjson (bytes pass through). A JSONResponse subclass, so FastAPI
    documents each route's ``response_model`` as its 200 body."""

    def render(self, content: Any) -> bytes:
        return content if isinstance(content, bytes) else orjson.dumps(content)


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> JSONBytes:
    return JSONBytes(orjson.dumps(body), status_code=status, headers=headers)


def _success(status: int, data: Any, key: str, lang: Lang) -> JSONBytes:
    """The Kocek success envelope, keys in the seed document's order."""
    return _json(status, {"data": data, "message": message(key, lang), "status": "success"})


def _not_found(lang: Lang) -> JSONBytes:
    """The Kocek 404 — the same for a missing record and another tenant's."""
    return _json(404, {"message": message("not_found", lang), "status": "fail"})


def _fail(status: int, msg: str, error: str | None = None, **extra: Any) -> JSONBytes:
    body: dict[str, Any] = {"status": "fail", "message": msg}
    if error is not None:
        body["error"] = error
    body.update(extra)
    return _json(status, body)


UNAUTHENTICATED = orjson.dumps({"code": 401, "message": "Unauthenticated", "status": False})


class ApiError(Exception):
    """Raised by dependencies to answer with a prepared response."""

    def __init__(self, response: Response) -> None:
        self.response = response


# --- helpers -------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _words(moment: datetime, zone: ZoneInfo) -> str:
    return str(format_datetime(moment, "EEEE d MMMM yyyy HH:mm", tzinfo=zone, locale="id"))


def _caller(request: Request, principal: Principal) -> Caller:
    """Who acts: with a JWT the person in its claims; otherwise the platform's headers."""
    h = request.headers
    jwt = principal.via == "jwt"
    return Caller(
        user_id=principal.user_id if jwt else h.get("user-id"),
        user_name=principal.user_name if jwt else h.get("user-name"),
        user_role=principal.user_role if jwt else h.get("user-role"),
        claimed_ip=h.get("ip"),
        remote_addr=request.client.host if request.client else None,
    )


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether JSON nesting goes deeper than ``limit`` (iterative: no recursion to abuse)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _is_fastapi_422(response: Any) -> bool:
    """Whether an OpenAPI response is the 422 FastAPI adds by itself (HTTPValidationError)."""
    if not isinstance(response, dict):
        return False
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema == {"$ref": "#/components/schemas/HTTPValidationError"})


def _set_state(request: Request, **values: Any) -> None:
    state = request.scope.setdefault("state", {})
    state.update(values)


def _request_id(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", "-"))


Lang_ = Annotated[str | None, Header(alias="Accept-Language", include_in_schema=False)]


def create_app(
    container: Container | None = None,
    settings: Settings | None = None,
    clock: Clock = utc_now,
) -> FastAPI:
    """The application. With no container, one is built from ``settings`` (or the
    environment) and ``clock`` when the app starts, and closed when it stops."""
    state: dict[str, Container] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        owned = container is None
        state["c"] = container if container is not None else bootstrap(settings, clock=clock)
        if state["c"].settings.jobs_in_process:
            state["c"].start_jobs()
        set_queue_depth_source(state["c"].jobs.depth)
        try:
            yield
        finally:
            if owned:
                state["c"].close()

    effective = container.settings if container is not None else (settings or Settings())
    app = FastAPI(
        title="cde — Credit Decision Engine",
        version=__version__,
        description=(
            "Kocek-compatible credit recommendation API: a 5C analysis, a recommended plafon "
            "and tenor, the reasons and a memo for the credit committee. All money in whole "
            "rupiah; messages in Indonesian by default, English with `Accept-Language: en`."
        ),
        lifespan=lifespan,
        default_response_class=JSONBytes,
    )

    def c() -> Container:
        return state["c"]

    # Added innermost first: the request id is outermost, then security headers, then
    # the audit trail (which sees the final status), then the body limit.
    if effective.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(effective.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Accept-Language",
                "User-ID",
                "User-Name",
                "User-Role",
                "IP",
                "Idempotency-Key",
                "X-Request-ID",
            ],
        )
    app.add_middleware(CatchAll, answer=lambda scope, exc: _unexpected_response(scope, exc))
    app.add_middleware(
        BodyLimit,
        limit=effective.max_body_bytes,
        per_path={"/kocek/cde/batches": effective.max_batch_bytes},
    )
    app.add_middleware(AuditTrail, audit=lambda: c().audit, clock=lambda: c().clock())
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestContext)  # inside RequestId: binds its id for every log line
    app.add_middleware(RequestId)
    app.add_middleware(Metrics)  # outermost: counts and times every request, 401/413/500 too

    # --- dependencies ----------------------------------------------------------------------

    # Guards are async: their few indexed reads are cheaper in the event loop than a hop to
    # the thread pool each.
    async def authenticate(request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        principal = None
        if scheme.lower() == "bearer" and token.strip():
            principal = c().authenticator.authenticate(token.strip())
        if principal is None:
            raise ApiError(JSONBytes(UNAUTHENTICATED, status_code=401))
        _set_state(request, principal=principal)
        return principal

    async def service_on(
        request: Request, principal: Principal = Depends(authenticate)
    ) -> Principal:
        if not c().switch.enabled() or not principal.tenant.active:
            _set_state(
                request,
                audit_outcome="service_off" if principal.tenant.active else "tenant_inactive",
            )
            msg = message("service_off", language(request.headers.get("accept-language")))
            # the seed document's 403, key for key and in its order
            raise ApiError(_json(403, {"error": msg, "message": msg, "status": "fail"}))
        _rate_check(request, principal)
        return principal

    def _rate_check(request: Request, principal: Principal) -> None:
        wait = c().rate_limiter.check(principal.tenant.id)
        if wait > 0:
            _set_state(request, audit_outcome="rate_limited")
            lang = language(request.headers.get("accept-language"))
            after = SqlRateLimiter.retry_after(wait)
            response = _fail(429, message("rate_limited", lang), f"retry after {after} s")
            response.headers["Retry-After"] = after
            raise ApiError(response)

    async def limited(request: Request, principal: Principal = Depends(authenticate)) -> Principal:
        _rate_check(request, principal)
        return principal

    def role_allowed(allowed: tuple[str, ...], action: str) -> Any:
        async def check(request: Request, principal: Principal = Depends(service_on)) -> Principal:
            if not allowed:
                return principal
            role = (
                principal.user_role if principal.via == "jwt" else request.headers.get("user-role")
            )
            if role is None or role.strip().lower() not in {r.lower() for r in allowed}:
                _set_state(request, audit_outcome="role_refused")
                lang = language(request.headers.get("accept-language"))
                shown = role or "-"
                raise ApiError(
                    _fail(
                        403, message(f"role_{action}", lang).format(role=shown), f"role {shown!r}"
                    )
                )
            return principal

        return check

    # Dependencies are given as defaults (``= Depends(...)``), not in ``Annotated``: with
    # postponed annotations FastAPI cannot resolve names local to this factory.
    may_request = role_allowed(effective.request_roles, "request")
    may_read = role_allowed(effective.read_roles, "read")

    # --- error handlers --------------------------------------------------------------------

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> Response:
        return exc.response

    @app.exception_handler(RequestValidationError)
    async def _invalid_query(request: Request, exc: RequestValidationError) -> Response:
        lang = language(request.headers.get("accept-language"))
        errors = [
            {
                "field": ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]),
                "message": str(e["msg"]),
            }
            for e in exc.errors()
        ]
        first = f"{errors[0]['field']}: {errors[0]['message']}" if errors else None
        return _fail(422, message("invalid_query", lang), first, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        lang = language(request.headers.get("accept-language"))
        key = {404: "route_missing", 405: "method"}.get(exc.status_code)
        text = message(key, lang) if key else str(exc.detail)
        response = _fail(exc.status_code, text, text)
        if exc.headers:
            response.headers.update(exc.headers)
        if exc.status_code == 405:  # Allow lists every method of every route on the path
            probe = {"type": "http", "path": request.url.path, "method": "OPTIONS"}
            methods: set[str] = set()
            for route in app.routes:
                matched, _ = route.matches(probe)
                if matched != Match.NONE:
                    methods |= set(getattr(route, "methods", None) or ())
            if methods:
                response.headers["Allow"] = ", ".join(sorted(methods - {"HEAD"}))
        return response

    def _unavailable(request: Request, exc: DBAPIError) -> Response:
        log.error("database unavailable (request %s): %s", _request_id(request), exc.orig)
        lang = language(request.headers.get("accept-language"))
        return _fail(503, message("unavailable", lang), f"request id {_request_id(request)}")

    @app.exception_handler(OperationalError)
    async def _db_down(request: Request, exc: OperationalError) -> Response:
        return _unavailable(request, exc)

    def _unexpected_response(scope: Any, exc: BaseException) -> Response:
        request = Request(scope)
        if isinstance(exc, DBAPIError):
            return _unavailable(request, exc)
        log.error(
            "unexpected error (request %s)",
            _request_id(request),
            exc_info=(type(exc), exc, exc.__traceback__),
        )
        lang = language(request.headers.get("accept-language"))
        return _fail(500, message("internal", lang), f"request id {_request_id(request)}")

    # --- routes ----------------------------------------------------------------------------

    @app.post(
        "/kocek/cde/credit-recommendation",
        response_model=schemas.CreatedEnvelope,
        responses=schemas.responses(
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
        ),
        summary="Get a credit recommendation",
        tags=["credit recommendation"],
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/Application"},
                    }
                },
            }
        },
    )
    async def recommend(
        request: Request,
        principal: Principal = Depends(may_request),
        wait: Annotated[
            float,
            Query(
                ge=0,
                le=600,
                description="With the LLM narrator: wait up to this many seconds for the "
                "narrative before answering `processing` (capped by CDE_LLM_MAX_WAIT_SECONDS).",
            ),
        ] = 0,
    ) -> Response:
        lang = language(request.headers.get("accept-language"))
        settings_ = c().settings
        instruction = request.headers.get("x-cde-custom-system-instruction-file")
        if instruction is not None:
            try:
                load_instruction_file(
                    instruction, settings_.instruction_dir, settings_.custom_instructions_enabled
                )
            except InstructionFileError as exc:
                _set_state(request, audit_outcome="instruction_file_refused")
                return _fail(
                    400,
                    message("instruction_file", lang),
                    str(exc),
                    errors=[{"field": "X-Cde-Custom-System-Instruction-File", "message": str(exc)}],
                )
        body = await request.body()
        try:
            raw = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return _fail(
                400,
                message("bad_json", lang),
                str(exc),
                errors=[{"field": "(body)", "message": str(exc)}],
            )
        if _depth_exceeds(raw, settings_.max_json_depth):
            limit = f"nesting deeper than {settings_.max_json_depth} levels"
            return _fail(
                400,
                message("too_deep", lang),
                limit,
                errors=[{"field": "(body)", "message": limit}],
            )
        caller = _caller(request, principal)
        tenant_id = principal.tenant.id
        key = request.headers.get("idempotency-key")
        if key is not None and not (0 < len(key) <= 255 and key.isprintable()):
            problem = "1 to 255 printable characters"
            return _fail(
                400,
                message("idempotency_bad", lang),
                problem,
                errors=[{"field": "Idempotency-Key", "message": problem}],
            )

        def created(record_id: str, status: str, result: Any) -> Response:
            _set_state(request, record_id=record_id)
            data = {"id": record_id, "status": status, **public_result(status, result)}
            return _success(200, data, "created", lang)

        def narrated(record: Recommendation, result: dict[str, Any]) -> Deferred:
            """Defer the narrative; the answer waits for it (below) up to ``wait`` s."""
            try:
                c().narration.defer(record.id, instruction)
            except Exception:  # the stale sweep gives it the rules narrative later
                log.exception("deferring the narrative of %s failed", record.id)
            return Deferred(record, result)

        def finished(record_id: str) -> Response | None:
            latest = c().recommender.get(record_id)
            if latest is None or latest.status == "processing" or not latest.result:
                return None
            return created(latest.id, latest.status, orjson.loads(latest.result))

        async def waited(deferred: Deferred) -> Response:
            """Poll the record until its narrative is written or ``wait`` runs out, without
            holding a worker thread while asleep."""
            deadline = time.monotonic() + min(wait, settings_.llm_max_wait_seconds)
            pause = 0.02
            while (left := deadline - time.monotonic()) > 0:
                await anyio.sleep(min(pause, left))
                pause = min(pause * 1.5, 0.25)
                done = await anyio.to_thread.run_sync(finished, deferred.record.id)
                if done is not None:
                    return done
            return created(deferred.record.id, deferred.record.status, deferred.result)

        def work() -> Response | Deferred:
            record_id = None
            if key is not None:
                digest = (
                    request.scope.get("state", {}).get("body_sha256")
                    or hashlib.sha256(body).hexdigest()
                )
                try:
                    claim = c().idempotency.claim(tenant_id, key, digest)
                except IdempotencyConflictError:
                    _set_state(request, audit_outcome="idempotency_conflict")
                    msg = message("idempotency_conflict", lang)
                    return _fail(
                        422, msg, msg, errors=[{"field": "Idempotency-Key", "message": msg}]
                    )
                except TimeoutError:
                    msg = message("idempotency_pending", lang)
                    return _fail(409, msg, msg)
                if claim.record is not None:
                    _set_state(request, audit_outcome="idempotent_replay")
                    stored = claim.record.result
                    result = orjson.loads(stored) if stored else {}
                    return created(claim.record.id, claim.record.status, result)
                record_id = claim.record_id
            deferred = c().narration.deferred
            try:
                done = c().recommender.recommend(
                    body,
                    raw,
                    caller,
                    lang,
                    tenant_id=tenant_id,
                    record_id=record_id,
                    processing=deferred,
                )
            except InvalidApplicationError as exc:
                if key is not None and record_id is not None:
                    c().idempotency.release(tenant_id, key, record_id)
                errors = [e.as_dict(lang) for e in exc.errors]
                first = f"{errors[0]['field']}: {errors[0]['message']}"
                return _fail(422, message("invalid", lang), first, errors=errors)
            except QuotaExhaustedError:
                if key is not None and record_id is not None:
                    c().idempotency.release(tenant_id, key, record_id)
                _set_state(request, audit_outcome="quota_exhausted")
                msg = message("quota", lang)
                return _fail(403, msg, msg)
            except (OperationalError, DBAPIError):
                raise
            except Exception:
                log.exception("evaluation failed (request %s)", _request_id(request))
                record = c().recommender.record_failure(
                    body,
                    raw,
                    caller,
                    lang,
                    f"internal error; request id {_request_id(request)}",
                    tenant_id=tenant_id,
                    record_id=record_id,
                )
                _set_state(request, record_id=record.id)
                return _fail(
                    500,
                    message("internal", lang),
                    f"request id {_request_id(request)}; record {record.id}",
                )
            observe_result(done.result)
            if deferred:
                return narrated(done.record, done.result)
            return created(done.record.id, done.record.status, done.result)

        answer = await anyio.to_thread.run_sync(work)
        return await waited(answer) if isinstance(answer, Deferred) else answer

    @app.get(
        "/kocek/cde/credit-recommendation/{record_id}",
        response_model=schemas.DetailEnvelope,
        responses=schemas.responses(
            schemas.BEHIND_THE_SWITCH, {404: schemas.fail("Data not found.")}
        ),
        summary="Read one credit recommendation",
        tags=["credit recommendation"],
    )
    def detail(
        record_id: str, request: Request, principal: Principal = Depends(may_read)
    ) -> Response:
        lang = language(request.headers.get("accept-language"))
        found = None
        if len(record_id) <= 64:  # another tenant's record is as absent as a missing one
            found = c().recommender.get(record_id, principal.tenant.id)
        if found is None:
            return _not_found(lang)
        return _success(200, _detail(found, c().settings.zone), "detail", lang)

    @app.get(
        "/kocek/cde/credit-recommendation",
        response_model=schemas.ListEnvelope,
        responses=schemas.responses(
            schemas.BEHIND_THE_SWITCH,
            {422: schemas.fail("A bad query parameter (page, limit, status, …), named")},
        ),
        summary="List credit recommendations, newest first",
        tags=["credit recommendation"],
    )
    def listing(
        request: Request,
        principal: Principal = Depends(may_read),
        loan_id: Annotated[str | None, Query(max_length=255)] = None,
        customer_id: Annotated[str | None, Query(max_length=255)] = None,
        status: Annotated[Literal["success", "fail", "processing"] | None, Query()] = None,
        page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
    ) -> Response:
        lang = language(request.headers.get("accept-language"))
        zone = c().settings.zone
        found = c().recommender.list(
            tenant_id=principal.tenant.id,
            loan_id=loan_id,
            customer_id=customer_id,
            status=status,
            page=page,
            limit=limit,
        )
        items = [
            {
                "id": s.id,
                "date": _words(s.created_at, zone),
                "datetime": _iso(s.created_at),
                "status": s.status,
                "loan_id": s.loan_id,
                "customer_id": s.customer_id,
            }
            for s in found.items
        ]
        return _json(
            200,
            {
                "data": items,
                "meta": {"limit": limit, "page": page, "total": found.total},
                "message": message("list", lang),
                "status": "success",
            },
        )

    @app.post(
        "/kocek/cde/batches",
        status_code=202,
        response_model=schemas.BatchEnvelope,
        responses=schemas.responses(
            schemas.BEHIND_THE_SWITCH,
            {
                400: schemas.fail(
                    "Not JSON lines or a JSON array, no applications, or more than "
                    "CDE_MAX_BATCH_ITEMS"
                ),
                413: schemas.fail("The body is larger than CDE_MAX_BATCH_BYTES"),
            },
        ),
        summary="Submit a portfolio batch (JSONL or a JSON array of applications)",
        tags=["batches"],
        openapi_extra={
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
        },
    )
    async def submit_batch(
        request: Request, principal: Principal = Depends(may_request)
    ) -> Response:
        lang = language(request.headers.get("accept-language"))
        body = await request.body()
        caller = _caller(request, principal)

        def work() -> Response:
            try:
                batch = c().batches.submit(
                    body, principal.tenant.id, caller, lang, request.headers.get("content-type")
                )
            except BatchError as exc:
                return _fail(
                    400,
                    message("batch_invalid", lang),
                    str(exc),
                    errors=[{"field": "(body)", "message": str(exc)}],
                )
            progress = c().batches.get(batch.id, principal.tenant.id)
            assert progress is not None
            _set_state(request, record_id=batch.id)
            return _success(202, _batch_view(progress, c().settings.zone), "batch_created", lang)

        return await anyio.to_thread.run_sync(work)

    @app.get(
        "/kocek/cde/batches/{batch_id}",
        response_model=schemas.BatchEnvelope,
        responses=schemas.responses(
            schemas.BEHIND_THE_SWITCH, {404: schemas.fail("Data not found.")}
        ),
        summary="A batch's progress and, when done, its summary",
        tags=["batches"],
    )
    def batch_detail(
        batch_id: str, request: Request, principal: Principal = Depends(may_read)
    ) -> Response:
        lang = language(request.headers.get("accept-language"))
        progress = c().batches.get(batch_id, principal.tenant.id) if len(batch_id) <= 64 else None
        if progress is None:
            return _not_found(lang)
        return _success(200, _batch_view(progress, c().settings.zone), "batch_detail", lang)

    @app.get(
        "/kocek/cde/batches/{batch_id}/results",
        response_class=StreamingResponse,
        responses=schemas.responses(
            {
                200: {
                    "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
                    "description": "One JSON line per item, in order: a result or an error",
                }
            },
            schemas.BEHIND_THE_SWITCH,
            {404: schemas.fail("Data not found.")},
        ),
        summary="The batch's results as JSON lines",
        tags=["batches"],
    )
    def batch_results(
        batch_id: str, request: Request, principal: Principal = Depends(may_read)
    ) -> Response:
        lang = language(request.headers.get("accept-language"))
        lines = c().batches.results(batch_id, principal.tenant.id) if len(batch_id) <= 64 else None
        if lines is None:
            return _not_found(lang)
        return StreamingResponse(lines, media_type="application/x-ndjson")

    @app.get(
        "/kocek/quota",
        response_model=schemas.QuotaEnvelope,
        responses=schemas.responses(schemas.AUTHENTICATED),  # not behind the switch
        summary="The tenant's cde_feature: active or not, total and used quota",
        tags=["credit recommendation"],
    )
    def quota(request: Request, principal: Principal = Depends(limited)) -> Response:
        lang = language(request.headers.get("accept-language"))
        tenant = c().tenants.by_id(principal.tenant.id) or principal.tenant
        data = {
            "feature": "cde_feature",
            "is_active": tenant.active and c().switch.enabled(),
            "total_quota": tenant.total_quota,
            "used_quota": tenant.used_quota,
            "remaining_quota": tenant.remaining_quota,
            "unlimited": tenant.total_quota is None,
        }
        return _success(200, data, "quota_detail", lang)

    @app.get("/health", tags=["operations"], summary="Alive")
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get(
        "/ready",
        responses={
            503: {
                "model": schemas.NotReady,
                "description": "The database or the job queue does not answer",
            }
        },
        tags=["operations"],
        summary="Ready: the database and the job queue answer",
    )
    def ready() -> Response:
        queue = "procrastinate" if c().engine.dialect.name == "postgresql" else "embedded"
        try:
            c().recommender.repository.ping()
        except Exception as exc:
            log.warning("not ready: database: %s", exc)
            return _json(503, {"status": "unavailable", "database": "unreachable", "queue": None})
        try:
            depth = c().jobs.depth()
        except Exception as exc:
            log.warning("not ready: job queue: %s", exc)
            return _json(
                503,
                {
                    "status": "unavailable",
                    "database": "ok",
                    "queue": {"backend": queue, "ok": False},
                },
            )
        return _json(
            200,
            {
                "status": "ok",
                "database": "ok",
                "queue": {
                    "backend": queue,
                    "ok": True,
                    "depth": depth,
                    "in_process": c().worker is not None,
                },
                # informational: a provider that is down never makes the service unready
                # (the rules narrative is served); the circuit is this process's view
                "narrator": c().narration.narrator.describe(),
            },
        )

    app.include_router(metrics_router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            schema = Application.model_json_schema(
                mode="validation", ref_template="#/components/schemas/{model}"
            )
            components = spec.setdefault("components", {}).setdefault("schemas", {})
            components.update(schema.pop("$defs", {}))
            # The reader treats null optional sections as empty: document that they may be
            # null (``character`` identifies the applicant: it is required, never null).
            for section in ("income", "expenses", "collaterals", "internal_data"):
                prop = schema["properties"][section]
                schema["properties"][section] = {"anyOf": [prop, {"type": "null"}]}
            components["Application"] = schema
            spec["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
            for path, operations in spec["paths"].items():
                for operation in operations.values():
                    if path.startswith("/kocek/"):
                        operation["security"] = [{"bearer": []}]
                    # FastAPI's own 422 (HTTPValidationError) is never what this service
                    # answers: its 422 is the failure envelope, declared where it occurs.
                    declared = operation.get("responses", {})
                    if _is_fastapi_422(declared.get("422")):
                        del declared["422"]
            if not any(
                _is_fastapi_422(response)
                for operations in spec["paths"].values()
                for operation in operations.values()
                for response in operation.get("responses", {}).values()
            ):
                components.pop("HTTPValidationError", None)
                components.pop("ValidationError", None)
            # The seed as the example, set after generation so its nulls survive.
            post = spec["paths"]["/kocek/cde/credit-recommendation"]["post"]
            post["requestBody"]["content"]["application/json"]["example"] = _SEED
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    if effective.bench_routes:

        @app.post("/bench/baseline", include_in_schema=False)
        async def baseline(request: Request) -> Response:
            """Benchmarks only: the same stack, parse the body, answer a constant."""
            orjson.loads(await request.body())
            return JSONBytes(b'{"status":"success"}')

    return app


def _batch_view(progress: BatchProgress, zone: ZoneInfo) -> dict[str, Any]:
    batch = progress.batch
    view: dict[str, Any] = {
        "id": batch.id,
        "status": progress.status,
        "date": _words(batch.created_at, zone),
        "datetime": _iso(batch.created_at),
        "as_of": batch.as_of.isoformat(),
        "total": batch.total,
        "done": progress.done,
        "failed": progress.failed,
        "pending": progress.pending,
        "summary": None,
    }
    if progress.pending == 0:
        view["summary"] = {
            "outcomes": dict(sorted(progress.outcomes.items())),
            "grades": dict(sorted(progress.grades.items())),
            "total_plafon": progress.total_plafon,
        }
    return view


@dataclass(frozen=True, slots=True)
class Deferred:
    """A recommendation stored as ``processing`` whose narrative a job is writing."""

    record: Recommendation
    result: dict[str, Any]


def _detail(record: Recommendation, zone: ZoneInfo) -> dict[str, Any]:
    result: Any = None
    if record.result and record.status == "processing":
        result = public_result(record.status, orjson.loads(record.result))
    elif record.result:
        result = orjson.Fragment(record.result.encode("utf-8"))
    return {
        "id": record.id,
        "status": record.status,
        "date": _words(record.created_at, zone),
        "datetime": _iso(record.created_at),
        "payload": orjson.Fragment(record.payload.encode("utf-8")),
        "result": result,
    }
