"""ASGI middleware: request ids, body limits (and the body's hash for the audit), security
headers, and the audit trail of every request."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.exc import OperationalError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cde.bootstrap import new_hex_id
from cde.domain.masking import mask_name
from cde.entrypoints.http.messages import language, message
from cde.errors import CdeError
from cde.service.audit import AuditEntry

__all__ = [
    "AuditTrail",
    "BodyLimit",
    "CatchAll",
    "DirectRoutes",
    "RequestId",
    "SecurityHeaders",
    "audit_entry",
    "mark_audited",
]

log = logging.getLogger("cde.http")


def _state(scope: Scope) -> dict[str, Any]:
    state: dict[str, Any] = scope.setdefault("state", {})
    return state


def _fail_body(msg: str, error: str) -> bytes:
    return orjson.dumps({"status": "fail", "message": msg, "error": error})


async def _respond(
    send: Send,
    status: int,
    body: bytes,
    headers: list[tuple[bytes, bytes]],
    *,
    more_body: bool = False,
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": more_body})


# Discarding the rest of a refused body (see ``BodyLimit``): at most this many bytes of the
# whole body (the larger of the floor and a multiple of the route's limit) and this long.
DRAIN_FLOOR_BYTES = 16 * 1024 * 1024
DRAIN_LIMIT_FACTOR = 4
DRAIN_SECONDS = 5.0

_CLOSE = [(b"connection", b"close")]


# hashlib lets go of the GIL while it hashes 2,048 bytes or more at once; the event loop
# then waits to get it back from whichever thread took it (the database writer), for
# longer than hashing a body of a few kilobytes takes. Such bodies are hashed in pieces
# below that size; big ones (batches) at once, and other threads may run meanwhile.
_HASH_PIECE = 2047
_HASH_HOLDING_GIL = 64 * 1024


def body_sha256(body: bytes) -> str:
    """The SHA-256 of ``body`` in hexadecimal (see above for the pieces)."""
    if len(body) > _HASH_HOLDING_GIL:
        return hashlib.sha256(body).hexdigest()
    digest = hashlib.sha256()
    view = memoryview(body)
    for start in range(0, len(body), _HASH_PIECE):
        digest.update(view[start : start + _HASH_PIECE])
    return digest.hexdigest()


class BodyLimit:
    """Refuse bodies above ``limit`` bytes with 413, whether announced or streamed; keep the
    SHA-256 of accepted bodies in ``scope['state']['body_sha256']`` for the audit trail.

    The 413 always carries ``Connection: close`` (the server closes after it), and how it
    goes out depends on what the client can still read. Closing a socket with unread
    request data in it makes the kernel reset the connection (RFC 9112 §9.6), and a client
    that writes its whole body before reading (urllib, requests, httpx) then gets a write
    error and, often, never the answer:

    * ``Expect: 100-continue`` with a ``Content-Length`` over the limit: answered at once
      and nothing is read. The server never said "100 Continue", so the body is not sent.
    * otherwise the 413 is sent as soon as the limit is passed and the rest of the body is
      then read and thrown away (never kept: memory stays bounded), at most
      ``drain_bytes`` for the whole body (default: the larger of 16 MiB and 4 × the limit)
      and ``drain_seconds``, "lingering close" as nginx does; only then does the server
      close, so a write-first client finds its 413 once it has written the body.
    * a ``Content-Length`` above ``drain_bytes``, or a streamed body that passes it or
      outlasts ``drain_seconds``: closed without reading further; that client may see the
      connection reset instead of the 413.
    """

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        per_path: dict[str, int] | None = None,
        *,
        drain_bytes: int | None = None,
        drain_seconds: float = DRAIN_SECONDS,
    ) -> None:
        self.app = app
        self.default = limit
        self.per_path = per_path or {}
        self.drain_bytes = drain_bytes
        self.drain_seconds = drain_seconds

    def drain_cap(self, limit: int) -> int:
        """The most bytes of a refused body (in all) read to let its 413 reach the client."""
        if self.drain_bytes is not None:
            return self.drain_bytes
        return max(DRAIN_FLOOR_BYTES, DRAIN_LIMIT_FACTOR * limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        limit = self.per_path.get(scope["path"], self.default)
        headers = dict(scope["headers"])
        lang = language(headers.get(b"accept-language", b"").decode("latin-1"))
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            # A client waiting for "100 Continue" sends nothing more; one that announced
            # more than we would read gets its answer now (and, likely, a reset).
            waiting = headers.get(b"expect", b"").strip().lower() == b"100-continue"
            drain = not waiting and int(declared) <= self.drain_cap(limit)
            await self._too_large(scope, receive, send, lang, limit, 0, drain=drain)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            chunk = msg.get("body", b"")
            size += len(chunk)
            more = msg.get("more_body", False)
            if size > limit:
                chunks.clear()
                await self._too_large(scope, receive, send, lang, limit, size, drain=more)
                return
            chunks.append(chunk)
        body = b"".join(chunks)
        _state(scope)["body_sha256"] = body_sha256(body)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        lang: str,
        limit: int,
        received: int,
        *,
        drain: bool,
    ) -> None:
        """Answer 413 with ``Connection: close``; with ``drain``, the answer goes out first
        (a client that reads while it writes stops sending) and the rest of the body is
        then read and dropped before the response completes: uvicorn answers ``receive()``
        with ``http.disconnect`` once it is complete, and closes the connection then. As
        the response has started, reading never makes uvicorn send "100 Continue"."""
        _state(scope)["audit_outcome"] = "too_large"
        setting = "CDE_MAX_BATCH_BYTES" if scope["path"] in self.per_path else "CDE_MAX_BODY_BYTES"
        body = _fail_body(
            message("too_large", "en" if lang == "en" else "id"),
            f"limit {limit} bytes ({setting})",
        )
        if not drain:
            await _respond(send, 413, body, _CLOSE)
            return
        await _respond(send, 413, body, _CLOSE, more_body=True)
        await self._discard(scope, receive, received, self.drain_cap(limit))
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _discard(self, scope: Scope, receive: Receive, received: int, cap: int) -> None:
        """Read and drop the rest of a refused body: until its end, the client leaving,
        ``cap`` bytes in all or ``drain_seconds``, whichever comes first."""
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.drain_seconds):
                while received <= cap:
                    msg = await receive()
                    if msg["type"] != "http.request":
                        return  # the client left
                    received += len(msg.get("body", b""))
                    if not msg.get("more_body", False):
                        return  # all read: the server closes cleanly, the client reads the 413
        except TimeoutError:
            pass
        log.info(
            "413 on %s: stopped reading the refused body after %d bytes and %.1f s "
            "(bounds %d bytes, %.1f s); the client may see the connection reset",
            scope["path"][:255],
            received,
            time.monotonic() - started,
            cap,
            self.drain_seconds,
        )


class RequestId:
    """Give every request an id (the caller's ``X-Request-ID`` or a new one), echo it in the
    response and keep it in ``scope['state']`` for logs and the audit trail."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming[:64] if incoming.isprintable() and incoming else new_hex_id()
        _state(scope)["request_id"] = request_id

        async def send_with_id(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                headers = [h for h in msg.get("headers", []) if h[0] != b"x-request-id"]
                msg["headers"] = [*headers, (b"x-request-id", request_id.encode())]
            await send(msg)

        await self.app(scope, receive, send_with_id)


_ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
_API_ONLY = [
    (b"cache-control", b"no-store"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
]


class SecurityHeaders:
    """Conservative headers on every response; the API's JSON is never cached and may
    load nothing (the interactive docs page keeps its own needs)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope["path"] in ("/docs", "/redoc", "/docs/oauth2-redirect")

        async def send_with_headers(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                present = {h[0].lower() for h in msg.get("headers", [])}
                extra = [h for h in _ALWAYS if h[0] not in present]
                if not docs:
                    extra += [h for h in _API_ONLY if h[0] not in present]
                msg["headers"] = [*msg.get("headers", []), *extra]
            await send(msg)

        await self.app(scope, receive, send_with_headers)


_OUTCOMES = {
    400: "invalid",
    401: "unauthenticated",
    403: "refused",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    503: "unavailable",
}


def mark_audited(scope: Scope, status: int) -> None:
    """The request's audit entry, for an answer of ``status``, was written already (with
    its record, in the same transaction): :class:`AuditTrail` writes none for it."""
    _state(scope)["audited_status"] = status


class AuditTrail:
    """Append one audit entry per request — accepted or refused — before the response
    goes out. Health probes are not audited. A route that wrote its entry itself (a POST
    writes it with the record: :func:`mark_audited`) gets none from here, unless the
    answer's status is not the one that entry says."""

    SKIP = frozenset({"/health", "/ready", "/metrics", "/bench/baseline"})
    SKIP_UNDER = ("/ui/static/",)  # the workspace's style sheet and script

    def __init__(
        self, app: ASGIApp, audit: Callable[[], Any], clock: Callable[[], datetime]
    ) -> None:
        self.app = app
        self.audit = audit  # returns the audit log (the container is built at startup)
        self.clock = clock  # the service's clock (likewise)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] in self.SKIP
            or scope["path"].startswith(self.SKIP_UNDER)
        ):
            await self.app(scope, receive, send)
            return
        state = _state(scope)
        written = False

        async def send_audited(msg: Message) -> None:
            nonlocal written
            if msg["type"] == "http.response.start" and not written:
                written = True
                status = int(msg["status"])
                if state.get("audited_status") != status:
                    try:
                        entry = audit_entry(scope, status, self.clock())
                        await asyncio.wrap_future(self.audit().submit(entry))
                    except Exception:  # the caller still gets its answer; operators get the log
                        log.exception(
                            "audit entry not written (request %s)", state.get("request_id")
                        )
            await send(msg)

        await self.app(scope, receive, send_audited)


def audit_entry(scope: Scope, status: int, at: datetime) -> AuditEntry:
    """The audit entry of the request in ``scope`` answered with ``status``, from what the
    request carries and what the stack noted in ``scope['state']`` (the principal, the
    outcome, the record id, the body's hash)."""
    state = _state(scope)
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    principal = state.get("principal")
    route = scope.get("route")
    path = getattr(route, "path", None) or scope["path"][:255]
    user_id = headers.get("user-id")
    user_name = headers.get("user-name")
    user_role = headers.get("user-role")
    tenant_id = None
    if principal is not None:
        tenant_id = principal.tenant.id
        if principal.via == "jwt":
            user_id, user_name, user_role = (
                principal.user_id,
                principal.user_name,
                principal.user_role,
            )
    actor = state.get("actor")  # the workspace's signed-in person (its session)
    if actor is not None:
        user_id, user_name, user_role = actor.user_id, actor.user_name, actor.user_role
    outcome = state.get("audit_outcome")
    if outcome is None:
        outcome = "ok" if status < 400 else _OUTCOMES.get(status, "error")
    client = scope.get("client")
    return AuditEntry(
        at=at,
        request_id=str(state.get("request_id", "-")),
        tenant_id=tenant_id,
        user_id=user_id[:255] if user_id else None,
        user_name=mask_name(user_name)[:255] if user_name else None,
        user_role=user_role[:100] if user_role else None,
        claimed_ip=headers.get("ip", "")[:100] or None,
        remote_addr=client[0] if client else None,
        method=scope["method"],
        route=path,
        status_code=status,
        outcome=outcome,
        record_id=state.get("record_id"),
        body_sha256=state.get("body_sha256"),
    )


class CatchAll:
    """Turn any exception the routes did not handle into a response *inside* the stack, so
    that it still gets the request id, the security headers and its audit entry (Starlette
    would otherwise answer it in its outermost layer, past all of them)."""

    def __init__(self, app: ASGIApp, answer: Callable[[Scope, BaseException], Any]) -> None:
        self.app = app
        self.answer = answer  # (scope, exc) -> a Starlette Response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(msg: Message) -> None:
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:  # too late to answer; the connection is closed by the server
                raise
            response = self.answer(scope, exc)
            await response(scope, receive, send)


Handler = Callable[[Request], Awaitable[Response]]


class DirectRoutes:
    """Answer a few hot routes without Starlette's routing and FastAPI's per-request
    dependency solving: a request whose method and path are exactly a key of ``routes``,
    with no query string (and no ``root_path``), goes to that handler, which calls the
    route's guards itself; anything else goes on to the application. The handler's errors
    are answered as the application's handlers answer them (:class:`~cde.errors.CdeError`
    and a database that does not answer; the rest reaches :class:`CatchAll`). The
    matched route is put in ``scope['route']``, so the metrics and the audit trail name it
    as before. Innermost: every other middleware sees these requests as before."""

    def __init__(
        self,
        app: ASGIApp,
        routes: dict[tuple[str, str], tuple[BaseRoute, Handler]],
        answer: Callable[[Request, CdeError], Response],
        unavailable: Callable[[Request, OperationalError], Response],
    ) -> None:
        self.app = app
        self.routes = routes
        self.answer = answer
        self.unavailable = unavailable

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = None
        if scope["type"] == "http" and not scope.get("query_string") and not scope.get("root_path"):
            found = self.routes.get((scope["method"], scope["path"]))
        if found is None:
            await self.app(scope, receive, send)
            return
        route, handler = found
        scope["route"] = route
        request = Request(scope, receive, send)
        try:
            response = await handler(request)
        except CdeError as exc:
            response = self.answer(request, exc)
        except OperationalError as exc:
            response = self.unavailable(request, exc)
        await response(scope, receive, send)
