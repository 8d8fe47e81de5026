"""How the API answers what went wrong: one handler per family of errors.

* :class:`cde.errors.CdeError` — every error the service raises on purpose: its
  ``status``, its message (``message_key``, in the caller's language), its
  ``field_errors`` as ``errors``, its ``outcome`` for the audit trail. The Kocek platform's
  own bodies are kept to the letter where the seed document shows them (401, 403, 404).
* FastAPI's query validation (422, each parameter named), Starlette's 404/405 (in the
  failure envelope, with ``Allow``), a database that does not answer (503), and anything
  else (500, naming only the request id; the traceback goes to the log).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from cde.domain.application import InvalidApplicationError
from cde.entrypoints.http.messages import language, message
from cde.entrypoints.http.views import UNAUTHENTICATED, JSONBytes, fail, json_response
from cde.errors import (
    CdeError,
    EvaluationFailedError,
    IdempotencyConflictError,
    IdempotencyPendingError,
    NotFoundError,
    QuotaExhaustedError,
    RateLimitedError,
    RoleRefusedError,
    ServiceOffError,
    UnauthenticatedError,
)

__all__ = ["answer", "install", "request_id", "unexpected"]

log = logging.getLogger("cde.http")


def request_id(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", "-"))


def _set_outcome(request: Request, outcome: str | None) -> None:
    if outcome is not None:
        request.scope.setdefault("state", {})["audit_outcome"] = outcome


def render(exc: CdeError, request: Request) -> Response:
    """The response to ``exc`` (see the module's docstring)."""
    lang = language(request.headers.get("accept-language"))
    if isinstance(exc, UnauthenticatedError):
        return JSONBytes(UNAUTHENTICATED, status_code=401)
    if isinstance(exc, NotFoundError):  # the Kocek 404, for a missing record or another's
        return json_response(404, {"message": message("not_found", lang), "status": "fail"})
    msg = message(exc.message_key, lang)
    if isinstance(exc, ServiceOffError):  # the seed document's 403, key for key
        return json_response(403, {"error": msg, "message": msg, "status": "fail"})
    errors = [problem.as_dict(lang) for problem in exc.field_errors]
    error = str(exc)
    if isinstance(exc, RoleRefusedError):
        msg = message(f"role_{exc.action}", lang).format(role=exc.role)
    elif isinstance(exc, InvalidApplicationError):
        error = f"{errors[0]['field']}: {errors[0]['message']}"
    elif isinstance(exc, IdempotencyConflictError):
        error = msg
        errors = [{"field": "Idempotency-Key", "message": msg}]
    elif isinstance(exc, QuotaExhaustedError | IdempotencyPendingError):
        error = msg
    elif isinstance(exc, EvaluationFailedError):
        error = f"request id {request_id(request)}; record {exc.record_id}"
    extra = {"errors": errors} if errors else {}
    response = fail(exc.status, msg, error, **extra)
    if isinstance(exc, RateLimitedError):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def answer(request: Request, exc: CdeError) -> Response:
    """What the handler of :class:`CdeError` answers (the outcome noted for the audit)."""
    _set_outcome(request, exc.outcome)
    return render(exc, request)


def unavailable(request: Request, exc: DBAPIError) -> Response:
    log.error("database unavailable (request %s): %s", request_id(request), exc.orig)
    lang = language(request.headers.get("accept-language"))
    return fail(503, message("unavailable", lang), f"request id {request_id(request)}")


def unexpected(scope: Any, exc: BaseException) -> Response:
    """The 500 for anything unhandled (``CatchAll`` middleware): only the request id."""
    request = Request(scope)
    if isinstance(exc, DBAPIError):
        return unavailable(request, exc)
    log.error(
        "unexpected error (request %s)",
        request_id(request),
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    lang = language(request.headers.get("accept-language"))
    return fail(500, message("internal", lang), f"request id {request_id(request)}")


def _allowed(app: FastAPI, path: str) -> list[str]:
    """The methods some route answers on ``path`` (RFC 9110 §15.5.6), probed one by one:
    routers included in the app match as a whole, so each is asked per method."""
    allowed = []
    for method in ("DELETE", "GET", "PATCH", "POST", "PUT"):
        probe: dict[str, Any] = {
            "type": "http",
            "path": path,
            "method": method,
            "root_path": "",
            "headers": [],
        }
        if any(route.matches(probe)[0] == Match.FULL for route in app.routes):
            allowed.append(method)
    return allowed


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(CdeError)
    async def _cde_error(request: Request, exc: CdeError) -> Response:
        return answer(request, exc)

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
        return fail(422, message("invalid_query", lang), first, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        lang = language(request.headers.get("accept-language"))
        key = {404: "route_missing", 405: "method"}.get(exc.status_code)
        text = message(key, lang) if key else str(exc.detail)
        response = fail(exc.status_code, text, text)
        if exc.headers:
            response.headers.update(exc.headers)
        if exc.status_code == 405:  # Allow lists every method of every route on the path
            methods = _allowed(app, request.url.path)
            if methods:
                response.headers["Allow"] = ", ".join(methods)
        return response

    @app.exception_handler(OperationalError)
    async def _db_down(request: Request, exc: OperationalError) -> Response:
        return unavailable(request, exc)
