"""The routes' dependencies, as ``Annotated`` aliases.

* :data:`ContainerDep` — the service (``app.state.container``, set when the app starts);
* :data:`LangDep` — the caller's language (``Accept-Language``: ``id`` unless ``en``);
* :data:`Authenticated` — a valid bearer token (else 401), within the tenant's rate limit
  (else 429); :data:`Requester` and :data:`Reader` — also the service and the tenant
  switched on (else 403) and, with ``CDE_REQUEST_ROLES`` / ``CDE_READ_ROLES``, a role
  allowed to request / read (else 403).

Every dependency is async: FastAPI runs a plain ``def`` dependency in the thread pool, a
hop that costs more than what these do (the guards read what authentication keeps in
memory: :class:`cde.service.tenants.CachedTenants`). Each raises from :mod:`cde.errors`;
``errors.py`` answers.
"""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import Depends, Header, Request

from cde.bootstrap import Container
from cde.domain.text import Lang
from cde.entrypoints.http.messages import language
from cde.errors import RateLimitedError, RoleRefusedError, ServiceOffError, UnauthenticatedError
from cde.service.auth import Principal

__all__ = ["Authenticated", "ContainerDep", "LangDep", "Reader", "Requester", "set_state"]


def set_state(request: Request, **values: object) -> None:
    """Note facts about the request for the middleware (the audit trail's record id)."""
    request.scope.setdefault("state", {}).update(values)


async def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


async def get_lang(
    accept_language: Annotated[
        str | None, Header(alias="Accept-Language", include_in_schema=False)
    ] = None,
) -> Lang:
    return language(accept_language)


LangDep = Annotated[Lang, Depends(get_lang)]


async def authenticate(request: Request, c: ContainerDep) -> Principal:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    principal = None
    if scheme.lower() == "bearer" and token.strip():
        principal = c.authenticator.authenticate(token.strip())
    if principal is None:
        raise UnauthenticatedError("no valid bearer token")
    set_state(request, principal=principal)
    return principal


def _within_rate(c: Container, principal: Principal) -> None:
    wait = c.rate_limiter.check(principal.tenant.id)
    if wait > 0:
        raise RateLimitedError(max(1, math.ceil(wait)))


async def rate_limited(
    c: ContainerDep, principal: Annotated[Principal, Depends(authenticate)]
) -> Principal:
    _within_rate(c, principal)
    return principal


Authenticated = Annotated[Principal, Depends(rate_limited)]


async def service_on(
    c: ContainerDep, principal: Annotated[Principal, Depends(authenticate)]
) -> Principal:
    if not c.switch.enabled() or not principal.tenant.active:
        raise ServiceOffError(tenant_active=principal.tenant.active)
    _within_rate(c, principal)
    return principal


def _role_of(request: Request, principal: Principal) -> str | None:
    return principal.user_role if principal.via == "jwt" else request.headers.get("user-role")


def _check_role(allowed: tuple[str, ...], role: str | None, action: str) -> None:
    if allowed and (role is None or role.strip().lower() not in {r.lower() for r in allowed}):
        raise RoleRefusedError(role, action)


async def may_request(
    request: Request, c: ContainerDep, principal: Annotated[Principal, Depends(service_on)]
) -> Principal:
    _check_role(c.settings.request_roles, _role_of(request, principal), "request")
    return principal


async def may_read(
    request: Request, c: ContainerDep, principal: Annotated[Principal, Depends(service_on)]
) -> Principal:
    _check_role(c.settings.read_roles, _role_of(request, principal), "read")
    return principal


Requester = Annotated[Principal, Depends(may_request)]
Reader = Annotated[Principal, Depends(may_read)]
