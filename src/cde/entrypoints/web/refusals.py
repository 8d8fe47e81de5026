"""The workspace answers what goes wrong with a page, never with the API's JSON.

Its routes use :class:`WebRoute`, which turns what a route raises into the page a person
reads: a refusal the API would give (the role, the service switched off, the rate limit,
the quota, a record not found — with the same status and the same word in the audit
trail), a missing or wrong CSRF token (403, ``csrf_refused``), a database that does not
answer (503) and anything unexpected (500, naming only the request id; the traceback goes
to the log).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError

from cde.entrypoints.http.deps import set_state
from cde.entrypoints.web import i18n
from cde.entrypoints.web.context import CSP, CsrfRefusedError, Web, WebExitError, get_web
from cde.errors import (
    CdeError,
    NotFoundError,
    QuotaExhaustedError,
    RateLimitedError,
    RoleRefusedError,
    ServiceOffError,
    UnauthenticatedError,
)

__all__ = ["WebRoute", "refusal"]

log = logging.getLogger("cde.web")


def _request_id(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", "-"))


def _page_of(request: Request) -> Web | None:
    web = getattr(request.state, "web", None)
    if isinstance(web, Web):
        return web
    try:
        return get_web(request)
    except Exception:  # the database itself may be what failed
        return None


def refusal(request: Request, status: int, title: str, message: str, **headers: str) -> Response:
    """The error page (``error.html``), or a bare one when not even the session can be
    read."""
    web = _page_of(request)
    if web is None:
        body = (
            f"<!doctype html><html lang=id><meta charset=utf-8><title>{html.escape(title)}"
            f"</title><h1>{html.escape(title)}</h1><p>{html.escape(message)}</p></html>"
        )
        page: Response = HTMLResponse(body, status_code=status)
        page.headers["content-security-policy"] = CSP
    else:
        page = web.render("error.html", status=status, title=title, message=message)
    for name, value in headers.items():
        page.headers[name.replace("_", "-")] = value
    return page


def _answer(request: Request, exc: Exception) -> Response:
    web = _page_of(request)
    lang = web.lang if web is not None else "id"

    def t(key: str, **values: Any) -> str:
        return i18n.text(key, lang, **values)

    if isinstance(exc, CsrfRefusedError):
        set_state(request, audit_outcome="csrf_refused")
        return refusal(request, 403, t("error.csrf.title"), t("error.csrf"))
    if isinstance(exc, CdeError) and exc.outcome is not None:
        set_state(request, audit_outcome=exc.outcome)
    if isinstance(exc, RoleRefusedError):
        return refusal(
            request, 403, t("error.role.title"), t(f"error.role.{exc.action}", role=exc.role)
        )
    if isinstance(exc, ServiceOffError):
        return refusal(request, 403, t("error.service_off.title"), t("error.service_off"))
    if isinstance(exc, RateLimitedError):
        return refusal(
            request,
            429,
            t("error.rate.title"),
            t("error.rate", seconds=exc.retry_after),
            retry_after=str(exc.retry_after),
        )
    if isinstance(exc, QuotaExhaustedError):
        return refusal(request, 403, t("error.quota.title"), t("error.quota"))
    if isinstance(exc, NotFoundError):
        return refusal(request, 404, t("error.not_found.title"), t("error.not_found"))
    if isinstance(exc, UnauthenticatedError):
        return refusal(request, 401, t("signin.failed.title"), t("signin.failed"))
    if isinstance(exc, CdeError):
        return refusal(request, exc.status, t("error.title"), str(exc))
    if isinstance(exc, DBAPIError):
        log.error("database unavailable (request %s): %s", _request_id(request), exc.orig)
        return refusal(request, 503, t("error.unavailable.title"), t("error.unavailable"))
    log.error(
        "unexpected error (request %s)",
        _request_id(request),
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return refusal(
        request, 500, t("error.title"), t("error.internal", request_id=_request_id(request))
    )


class WebRoute(APIRoute):
    """A workspace route: what it raises is answered with a page (see the module)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except WebExitError as stop:
                return stop.response
            except Exception as exc:
                return _answer(request, exc)

        return answer
