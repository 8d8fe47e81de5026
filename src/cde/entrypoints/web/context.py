"""What every workspace request needs: the language, the session and its CSRF token, the
signed-in principal; rendering a page, redirecting, refusing.

:func:`get_web` (the dependency :data:`WebDep`) reads the cookies, checks the session
again (:meth:`cde.service.sessions.WorkspaceSessions.resume`: expiry, tenant, key) and
notes the principal and the person for the audit trail. A page that needs someone signed
in calls :func:`require`; a POST reads its form through :func:`checked_form`, which
refuses a missing or wrong CSRF token with the 403 page before anything is done.
Responses go out through :meth:`Web.finish`, which writes the cookies that changed.
"""

from __future__ import annotations

import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from cde import __version__
from cde.bootstrap import Container
from cde.domain.text import Lang
from cde.entrypoints.http.deps import set_state
from cde.entrypoints.web import i18n
from cde.entrypoints.web.cookies import LANG_COOKIE, SESSION_COOKIE, CookieCodec, session_secret
from cde.entrypoints.web.static import static_url
from cde.entrypoints.web.templating import Formatter, environment
from cde.errors import RateLimitedError, RoleRefusedError, ServiceOffError
from cde.service.auth import Principal
from cde.service.ports import Caller
from cde.service.sessions import Session, WorkspaceSessions

__all__ = [
    "PREFIX",
    "CsrfRefusedError",
    "Web",
    "WebDep",
    "WebExitError",
    "checked_form",
    "require",
    "safe_next",
]

PREFIX = "/ui"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
# The pages' Content-Security-Policy: only this origin's own script, style and forms.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


class WebExitError(Exception):
    """Stop here and answer ``response`` (a redirect, a refusal page)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class CsrfRefusedError(Exception):
    """A POST without the session's CSRF token, or with another: 403, nothing done."""


def sessions_of(c: Container) -> WorkspaceSessions:
    s = c.settings
    return WorkspaceSessions(
        c.authenticator,
        c.tenants,
        c.tokens,
        c.clock,
        timedelta(minutes=s.ui_session_minutes),
        request_roles=s.request_roles,
        read_roles=s.read_roles,
    )


def _codec(request: Request) -> CookieCodec:
    state = request.app.state
    codec: CookieCodec | None = getattr(state, "ui_cookie_codec", None)
    if codec is None:
        codec = CookieCodec(session_secret(state.container.settings))
        state.ui_cookie_codec = codec
    return codec


def safe_next(value: str | None) -> str:
    """A place in the workspace to go back to: a path under /ui, never another site."""
    if (
        not value
        or not (value == PREFIX or value.startswith(PREFIX + "/"))
        or "//" in value
        or "\\" in value
        or any(ch.isspace() or not ch.isprintable() for ch in value)
    ):
        return PREFIX  # home: the page the role may see
    return value[:1000]


@dataclass
class Web:
    """One workspace request."""

    request: Request
    container: Container
    lang: Lang
    csrf: str
    session: Session | None
    principal: Principal | None
    ended: str | None = None  # why the session just ended: expired | revoked
    _dirty: bool = False
    _new_lang: Lang | None = None

    # --- who ---------------------------------------------------------------------------------

    @property
    def caller(self) -> Caller:
        s = self.session
        client = self.request.client
        return Caller(
            user_id=s.user_id if s else None,
            user_name=s.user_name if s else None,
            user_role=s.role if s else None,
            claimed_ip=None,
            remote_addr=client.host if client else None,
        )

    def may_read(self) -> bool:
        return self.principal is not None and sessions_of(self.container).may_read(
            self.principal.user_role
        )

    def may_request(self) -> bool:
        return self.principal is not None and sessions_of(self.container).may_request(
            self.principal.user_role
        )

    # --- changes to the cookies ----------------------------------------------------------------

    def start(self, session: Session, principal: Principal) -> None:
        """Signed in: a new CSRF token (no token seen before sign-in stays valid)."""
        self.session, self.principal = session, principal
        self.csrf = secrets.token_urlsafe(32)
        self._dirty = True

    def end(self) -> None:
        self.session, self.principal = None, None
        self.csrf = secrets.token_urlsafe(32)
        self._dirty = True

    def switch_language(self, lang: Lang) -> None:
        self.lang = lang
        self._new_lang = lang

    # --- answers -------------------------------------------------------------------------------

    def t(self, key: str, **values: Any) -> str:
        return i18n.text(key, self.lang, **values)

    def render(self, template: str, status: int = 200, **values: Any) -> Response:
        page = environment().get_template(template)
        settings = self.container.settings
        html = page.render(
            web=self,
            lang=self.lang,
            t=self.t,
            fmt=Formatter(self.lang, settings.zone),
            static_url=static_url,
            version=__version__,
            zone=settings.timezone,
            csrf=self.csrf,
            csrf_field=CSRF_FIELD,
            principal=self.principal,
            session=self.session,
            path=self.request.url.path,
            here=_here(self.request),
            **values,
        )
        return self.finish(HTMLResponse(html, status_code=status))

    def redirect(self, url: str) -> Response:
        """303 to ``url``; for an htmx request, ``HX-Redirect`` (the whole page moves)."""
        if self.request.headers.get("hx-request"):
            return self.finish(Response(status_code=204, headers={"HX-Redirect": url}))
        return self.finish(RedirectResponse(url, status_code=303))

    def finish(self, response: Response) -> Response:
        response.headers.setdefault("content-security-policy", CSP)
        secure = self._secure()
        if self._dirty:
            content: dict[str, Any] = {"csrf": self.csrf}
            max_age = None
            if self.session is not None:
                content["session"] = self.session.as_dict()
                left = (self.session.expires_at - self.container.clock()).total_seconds()
                max_age = max(1, math.ceil(left))
            response.set_cookie(
                SESSION_COOKIE,
                _codec(self.request).dumps(content),
                max_age=max_age,
                path=PREFIX,
                secure=secure,
                httponly=True,
                samesite="lax",
            )
        if self._new_lang is not None:
            response.set_cookie(
                LANG_COOKIE,
                self._new_lang,
                max_age=365 * 24 * 3600,
                path=PREFIX,
                secure=secure,
                httponly=True,
                samesite="lax",
            )
        return response

    def _secure(self) -> bool:
        configured = self.container.settings.ui_cookie_secure
        return self.request.url.scheme == "https" if configured is None else configured


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def lang_of(request: Request) -> Lang:
    return "en" if request.cookies.get(LANG_COOKIE) == "en" else "id"


def get_web(request: Request) -> Web:
    """The request's :class:`Web` (see the module's docstring)."""
    c: Container = request.app.state.container
    content = _codec(request).loads(request.cookies.get(SESSION_COOKIE))
    csrf = content.get("csrf")
    dirty = False
    if not isinstance(csrf, str) or len(csrf) < 32:
        csrf, dirty = secrets.token_urlsafe(32), True
    web = Web(request, c, lang_of(request), csrf, None, None, _dirty=dirty)
    session = Session.from_dict(content.get("session"))
    if session is not None:
        resumed = sessions_of(c).resume(session)
        if resumed.principal is None:
            web.end()
            web.ended = resumed.ended
        else:
            web.session, web.principal = session, resumed.principal
    request.state.web = web
    if web.principal is not None:
        set_state(request, principal=web.principal, actor=web.caller)
    return web


WebDep = Annotated[Web, Depends(get_web)]


def signin_url(next_url: str | None = None, notice: str | None = None) -> str:
    query = {}
    if next_url:
        query["next"] = safe_next(next_url)
    if notice:
        query["notice"] = notice
    return PREFIX + "/signin" + (f"?{urlencode(query)}" if query else "")


def require(web: Web, action: Literal["read", "request"] = "read") -> Principal:
    """The signed-in principal, allowed to ``action`` now; else a redirect to the sign-in
    page, or the refusal the API would give (service off, rate limit, role)."""
    principal = web.principal
    if principal is None:
        next_url = _here(web.request) if web.request.method == "GET" else None
        if web.request.headers.get("hx-request"):  # a fragment: back to its page
            current = urlsplit(web.request.headers.get("hx-current-url", ""))
            next_url = current.path + (f"?{current.query}" if current.query else "")
        raise WebExitError(web.redirect(signin_url(next_url, web.ended or "signin_needed")))
    c = web.container
    if not c.switch.enabled():
        raise ServiceOffError(tenant_active=True)
    wait = c.rate_limiter.check(principal.tenant.id)
    if wait > 0:
        raise RateLimitedError(max(1, math.ceil(wait)))
    allowed = web.may_read() if action == "read" else web.may_request()
    if not allowed:
        raise RoleRefusedError(principal.user_role, action)
    return principal


async def checked_form(web: Web) -> FormData:
    """The POSTed form, once its CSRF token matches the session's; else
    :class:`CsrfRefusedError` (nothing is done)."""
    form = await web.request.form()
    sent = form.get(CSRF_FIELD)
    token = sent if isinstance(sent, str) else web.request.headers.get(CSRF_HEADER, "")
    if not token or not hmac.compare_digest(token.encode(), web.csrf.encode()):
        raise CsrfRefusedError()
    return form
