"""Verifying JSON Web Tokens from a platform's own identity provider (PyJWT).

Exactly one key source is configured: a shared secret (HS256), a PEM public key (RS256 or
ES256, by the key's type) or a JWKS file (keys chosen by ``kid``; RS256/ES256 only). The
allowed algorithm always comes from the configured key, never from the token, so
``alg: none`` and algorithm confusion (an HS256 token signed with the public key as the
secret) are refused; an unknown ``kid`` is refused; ``exp`` is required; ``nbf``, issuer
and audience are checked when configured.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from jwt.types import Options

from cde.errors import UnauthenticatedError

__all__ = ["JwtError", "JwtVerifier"]


class JwtError(UnauthenticatedError, ValueError):
    """A token that is not accepted; the message says why (for logs, not for callers)."""


class JwtVerifier:
    def __init__(
        self,
        *,
        secret: str | None = None,
        public_key_file: Path | None = None,
        jwks_file: Path | None = None,
        issuer: str | None = None,
        audience: str | None = None,
        leeway_seconds: int = 30,
    ) -> None:
        sources = [s for s in (secret, public_key_file, jwks_file) if s]
        if len(sources) != 1:
            raise ValueError(
                "configure exactly one of CDE_JWT_SECRET, CDE_JWT_PUBLIC_KEY_FILE, "
                "CDE_JWT_JWKS_FILE"
            )
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway_seconds
        self._secret = secret
        self._public: tuple[Any, str] | None = None
        self._jwks: jwt.PyJWKSet | None = None
        if secret is not None and len(secret) < 32:
            raise ValueError("CDE_JWT_SECRET must be at least 32 characters")
        if public_key_file is not None:
            key = load_pem_public_key(public_key_file.read_bytes())
            if isinstance(key, rsa.RSAPublicKey):
                self._public = (key, "RS256")
            elif isinstance(key, ec.EllipticCurvePublicKey):
                self._public = (key, "ES256")
            else:
                raise ValueError("the JWT public key must be an RSA or EC (P-256) key")
        if jwks_file is not None:
            self._jwks = jwt.PyJWKSet.from_json(jwks_file.read_text("utf-8"))

    def _key(self, token: str) -> tuple[Any, str]:
        if self._secret is not None:
            return self._secret, "HS256"
        if self._public is not None:
            return self._public
        assert self._jwks is not None
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise JwtError(f"malformed token: {exc}") from None
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise JwtError("the token names no key id (kid)")
        for candidate in self._jwks.keys:
            if candidate.key_id == kid:
                algorithm = candidate.algorithm_name
                if algorithm not in ("RS256", "ES256"):
                    raise JwtError(f"key {kid} uses {algorithm}, which is not allowed")
                return candidate.key, algorithm
        raise JwtError(f"unknown key id {kid!r}")

    def verify(self, token: str) -> dict[str, Any]:
        key, algorithm = self._key(token)
        required = ["exp"]
        if self.issuer:
            required.append("iss")
        if self.audience:
            required.append("aud")
        options: Options = {"require": required, "enforce_minimum_key_length": True}
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options=options,
            )
        except jwt.PyJWTError as exc:
            raise JwtError(str(exc)) from None
        return claims
