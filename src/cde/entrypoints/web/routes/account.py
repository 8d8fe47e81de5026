"""Signing in and out, the language, the static files, and ``/ui`` itself."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response

from cde.entrypoints.http.deps import set_state
from cde.entrypoints.web.context import PREFIX, WebDep, checked_form, safe_next, sessions_of
from cde.entrypoints.web.refusals import WebRoute
from cde.entrypoints.web.static import STATIC_TYPES, static_file
from cde.errors import RoleRefusedError, ServiceOffError, UnauthenticatedError
from cde.service.auth import Principal
from cde.service.sessions import Session

__all__ = ["router"]

router = APIRouter(prefix=PREFIX, include_in_schema=False, route_class=WebRoute)

NOTICES = ("expired", "revoked", "signed_out", "signin_needed")


@router.get("")
def home(web: WebDep) -> Response:
    """The list; the sign-in page for nobody; the form for a role that may only request."""
    if web.principal is None:
        return web.redirect(PREFIX + "/signin")
    if not web.may_read() and web.may_request():
        return web.redirect(PREFIX + "/applications/new")
    return web.redirect(PREFIX + "/recommendations")


@router.get("/")
def home_slash(web: WebDep) -> Response:
    return home(web)


def _roles(web: WebDep) -> list[str]:
    """The roles to choose from: the configured ones (any role when none is)."""
    s = web.container.settings
    return list(dict.fromkeys([*s.read_roles, *s.request_roles]))


@router.get("/signin")
def signin_page(web: WebDep, next: str | None = None, notice: str | None = None) -> Response:
    if web.principal is not None:
        return web.redirect(safe_next(next))
    return web.render(
        "signin.html",
        next_url=safe_next(next),
        notice=notice if notice in NOTICES else None,
        error=None,
        values={},
        roles=_roles(web),
        jwt=web.container.authenticator.jwt is not None,
    )


@router.post("/signin")
async def signin(web: WebDep) -> Response:
    form = await checked_form(web)

    def text(name: str, limit: int = 255) -> str:
        value = form.get(name)
        return value.strip()[:limit] if isinstance(value, str) else ""

    next_url = safe_next(text("next", 1000))
    values = {"user_id": text("user_id"), "user_name": text("user_name"), "role": text("role")}

    def attempt() -> tuple[Session, Principal]:
        return sessions_of(web.container).sign_in(
            text("credential", 8192),
            user_id=values["user_id"] or None,
            user_name=values["user_name"] or None,
            role=values["role"] or None,
        )

    try:
        session, principal = await anyio.to_thread.run_sync(attempt)
    except (UnauthenticatedError, ServiceOffError, RoleRefusedError) as exc:
        if exc.outcome is not None:
            set_state(web.request, audit_outcome=exc.outcome)
        if isinstance(exc, UnauthenticatedError):
            status, error = 401, web.t("signin.failed")
        elif isinstance(exc, ServiceOffError):
            status, error = 403, web.t("signin.tenant_inactive")
        else:
            status, error = 403, web.t("error.role.read", role=exc.role)
        return web.render(
            "signin.html",
            status=status,
            next_url=next_url,
            notice=None,
            error=error,
            values=values,
            roles=_roles(web),
            jwt=web.container.authenticator.jwt is not None,
        )
    web.start(session, principal)
    set_state(web.request, principal=principal, actor=web.caller, audit_outcome="signed_in")
    return web.redirect(next_url)


@router.post("/signout")
async def signout(web: WebDep) -> Response:
    await checked_form(web)
    if web.principal is not None:
        set_state(web.request, audit_outcome="signed_out")
    web.end()
    return web.redirect(PREFIX + "/signin?notice=signed_out")


@router.post("/lang")
async def switch_language(web: WebDep) -> Response:
    form = await checked_form(web)
    chosen = form.get("lang")
    web.switch_language("en" if chosen == "en" else "id")
    back = form.get("next")
    return web.redirect(safe_next(back if isinstance(back, str) else None))


@router.get("/static/{name}")
def static(name: str, request: Request) -> Response:
    found = static_file(name)
    if found is None:
        return Response(status_code=404)
    content, digest = found
    headers = {"cache-control": "public, max-age=86400", "etag": f'"{digest}"'}
    if request.headers.get("if-none-match") == f'"{digest}"':
        return Response(status_code=304, headers=headers)
    return Response(content, media_type=STATIC_TYPES[name], headers=headers)
