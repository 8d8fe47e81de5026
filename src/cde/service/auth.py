"""Who is calling: a bearer credential resolved to a tenant (and, with JWT, a person).

Three kinds of credential, tried in this order:

* a JWT (three dot-separated parts) when JWT is configured: the tenant, user, name and
  role come from configurable claims;
* a tenant API key (``cdek_…``), stored as SHA-256;
* a static token (``CDE_API_TOKENS`` or one ``cde serve`` generated): the default tenant,
  so the first version's clients keep working.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from cde.errors import UnauthenticatedError
from cde.service.recommendations import Tokens
from cde.service.tenants import Tenant, TenantStore, key_digest

__all__ = ["Authenticator", "ClaimNames", "Principal", "TokenVerifier"]

log = logging.getLogger("cde.auth")


class TokenVerifier(Protocol):
    def verify(self, token: str) -> dict[str, Any]:
        """The verified claims; raises ValueError when the token is not accepted."""


@dataclass(frozen=True, slots=True)
class ClaimNames:
    tenant: str = "tenant"
    user: str = "sub"
    name: str = "name"
    role: str = "role"


@dataclass(frozen=True, slots=True)
class Principal:
    tenant: Tenant
    via: Literal["token", "key", "jwt"]
    user_id: str | None = None
    user_name: str | None = None
    user_role: str | None = None


class Authenticator:
    def __init__(
        self,
        tenants: TenantStore,
        tokens: Tokens,
        default_tenant_id: str,
        jwt: TokenVerifier | None = None,
        claims: ClaimNames | None = None,
    ) -> None:
        self.tenants = tenants
        self.tokens = tokens
        self.default_tenant_id = default_tenant_id
        self.jwt = jwt
        self.claims = claims or ClaimNames()

    def authenticate(self, credential: str) -> Principal | None:
        if not credential or len(credential) > 8192:
            return None
        if self.jwt is not None and credential.count(".") == 2:
            return self._from_jwt(credential)
        if self.tokens.valid_configured(credential):  # in memory: no query
            return self._default()
        tenant = self.tenants.tenant_for_key(key_digest(credential))
        if tenant is not None:
            return Principal(tenant, "key")
        if self.tokens.valid(credential):
            return self._default()
        return None

    def _default(self) -> Principal | None:
        default = self.tenants.by_id(self.default_tenant_id)
        return Principal(default, "token") if default is not None else None

    def _from_jwt(self, token: str) -> Principal | None:
        assert self.jwt is not None
        try:
            claims = self.jwt.verify(token)
        except UnauthenticatedError as exc:
            log.info("JWT refused: %s", exc)
            return None
        names = self.claims
        tenant_ref = claims.get(names.tenant)
        if not isinstance(tenant_ref, str) or not tenant_ref:
            log.info("JWT refused: no %r claim", names.tenant)
            return None
        tenant = self.tenants.by_name(tenant_ref) or self.tenants.by_id(tenant_ref)
        if tenant is None:
            log.info("JWT refused: unknown tenant")
            return None

        def text(claim: str) -> str | None:
            value = claims.get(claim)
            return str(value) if value is not None else None

        return Principal(
            tenant,
            "jwt",
            user_id=text(names.user),
            user_name=text(names.name),
            user_role=text(names.role),
        )
