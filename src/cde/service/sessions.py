"""Signing in to the analyst's workspace (``/ui``): a credential the API accepts as a bearer
token, exchanged once for a session that the edge keeps in a signed cookie.

:meth:`WorkspaceSessions.sign_in` authenticates as the API does (:class:`Authenticator`: a
JWT where one is configured, a tenant API key, a static token) and answers a
:class:`Session`: the tenant, how it signed in, who and in which role, and when it ends.
A session never holds the credential: for a key or a static token it holds its SHA-256 —
what the database keeps — so that :meth:`WorkspaceSessions.resume`, on every request, can
tell that the key was rotated or revoked. A disabled tenant, a revoked key and the end
of the lifetime end the session; a JWT session ends with the token's ``exp`` at the latest.

Roles are those of the API: the role of a JWT is its claim; with a key or a token the
person signing in names it, as the calling platform's ``User-Role`` header does. A role
that may neither read (``CDE_READ_ROLES``) nor request (``CDE_REQUEST_ROLES``) cannot
sign in; each page checks the action it does (:func:`role_allowed`).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import orjson

from cde.errors import RoleRefusedError, ServiceOffError, UnauthenticatedError
from cde.service.auth import Authenticator, Principal
from cde.service.ports import Clock
from cde.service.recommendations import Tokens, token_digest
from cde.service.tenants import TenantStore, key_digest

__all__ = ["Resumed", "Session", "WorkspaceSessions", "role_allowed"]

Via = Literal["token", "key", "jwt"]
_VIAS: tuple[Via, ...] = ("token", "key", "jwt")
_MAX_TEXT = 255


def role_allowed(allowed: tuple[str, ...], role: str | None) -> bool:
    """Whether ``role`` may do what ``allowed`` guards (empty: anyone), as on the API:
    compared without case and surrounding blanks."""
    if not allowed:
        return True
    return role is not None and role.strip().lower() in {r.lower() for r in allowed}


def _clean(value: str | None, limit: int = _MAX_TEXT) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())[:limit]
    return text or None


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in workspace session: what the cookie carries (never the credential)."""

    tenant_id: str
    via: Via
    digest: str | None  # SHA-256 of the key or static token; None for a JWT
    user_id: str | None
    user_name: str | None
    role: str | None
    expires_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant_id,
            "via": self.via,
            "digest": self.digest,
            "uid": self.user_id,
            "name": self.user_name,
            "role": self.role,
            "exp": int(self.expires_at.timestamp()),
        }

    @classmethod
    def from_dict(cls, data: object) -> Session | None:
        """The session a (verified) cookie holds, or None when it holds none."""
        if not isinstance(data, dict):
            return None
        tenant, via, exp = data.get("tenant"), data.get("via"), data.get("exp")
        digest = data.get("digest")
        if not isinstance(tenant, str) or via not in _VIAS or not isinstance(exp, int):
            return None
        if digest is not None and not isinstance(digest, str):
            return None

        def text(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) else None

        return cls(
            tenant_id=tenant,
            via=via,
            digest=digest,
            user_id=text("uid"),
            user_name=text("name"),
            role=text("role"),
            expires_at=datetime.fromtimestamp(exp, UTC),
        )


@dataclass(frozen=True, slots=True)
class Resumed:
    """A session checked again: its principal, or why it ended (``expired``: its lifetime
    is over; ``revoked``: the tenant is gone or disabled, or the key no longer works)."""

    principal: Principal | None
    ended: Literal["expired", "revoked"] | None = None


def _jwt_expiry(token: str) -> datetime | None:
    """The ``exp`` of a JWT that was verified already (the verifier requires it)."""
    try:
        segment = token.split(".")[1]
        claims = orjson.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
        exp = claims.get("exp") if isinstance(claims, dict) else None
    except (IndexError, ValueError, binascii.Error, orjson.JSONDecodeError):
        return None
    if isinstance(exp, int | float) and not isinstance(exp, bool):
        try:
            return datetime.fromtimestamp(exp, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


class WorkspaceSessions:
    """Sign in with what the API accepts; check the session again on every request."""

    def __init__(
        self,
        authenticator: Authenticator,
        tenants: TenantStore,
        tokens: Tokens,
        clock: Clock,
        lifetime: timedelta,
        request_roles: tuple[str, ...] = (),
        read_roles: tuple[str, ...] = (),
    ) -> None:
        self.authenticator = authenticator
        self.tenants = tenants
        self.tokens = tokens
        self.clock = clock
        self.lifetime = lifetime
        self.request_roles = request_roles
        self.read_roles = read_roles

    def sign_in(
        self,
        credential: str,
        *,
        user_id: str | None = None,
        user_name: str | None = None,
        role: str | None = None,
    ) -> tuple[Session, Principal]:
        """The session for ``credential``; raises :class:`UnauthenticatedError` (not a
        credential the API accepts), :class:`ServiceOffError` (the tenant is disabled) or
        :class:`RoleRefusedError` (a role that may neither read nor request)."""
        credential = credential.strip()
        principal = self.authenticator.authenticate(credential) if credential else None
        if principal is None:
            raise UnauthenticatedError("the workspace sign-in was refused")
        if not principal.tenant.active:
            raise ServiceOffError(tenant_active=False)
        now = self.clock()
        expires = now + self.lifetime
        digest: str | None = None
        if principal.via == "jwt":
            user_id, user_name, role = principal.user_id, principal.user_name, principal.user_role
            token_end = _jwt_expiry(credential)
            if token_end is not None:
                expires = min(expires, token_end)
        elif principal.via == "key":
            digest = key_digest(credential)
        else:
            digest = token_digest(credential)
        role = _clean(role, 100)
        if not (role_allowed(self.read_roles, role) or role_allowed(self.request_roles, role)):
            raise RoleRefusedError(role, "read")
        session = Session(
            tenant_id=principal.tenant.id,
            via=principal.via,
            digest=digest,
            user_id=_clean(user_id),
            user_name=_clean(user_name),
            role=role,
            expires_at=expires,
        )
        return session, self._principal(session, principal)

    def resume(self, session: Session) -> Resumed:
        """The session's principal now, or why the session ended."""
        if self.clock() >= session.expires_at:
            return Resumed(None, "expired")
        tenant = self.tenants.by_id(session.tenant_id)
        if tenant is None or not tenant.active:
            return Resumed(None, "revoked")
        if session.via == "key":
            holder = self.tenants.tenant_for_key(session.digest or "")
            if holder is None or holder.id != tenant.id:
                return Resumed(None, "revoked")
        elif session.via == "token":
            known = self.tokens.configured | self.tokens.store.token_hashes()
            if session.digest not in known or tenant.id != self.authenticator.default_tenant_id:
                return Resumed(None, "revoked")
        return Resumed(self._principal(session, Principal(tenant, session.via)))

    @staticmethod
    def _principal(session: Session, principal: Principal) -> Principal:
        return Principal(
            principal.tenant,
            session.via,
            user_id=session.user_id,
            user_name=session.user_name,
            user_role=session.role,
        )

    def may_read(self, role: str | None) -> bool:
        return role_allowed(self.read_roles, role)

    def may_request(self, role: str | None) -> bool:
        return role_allowed(self.request_roles, role)
