"""The workspace's cookies: the signed session cookie, its secret, and the language.

The session cookie (``cde_ui_session``) is a JSON object signed with HMAC-SHA1 by
itsdangerous (``URLSafeSerializer``, salted): readable by whoever holds it, forgeable by
nobody without the secret. It always carries the CSRF token of the browser (``csrf``);
once signed in, also the :class:`cde.service.sessions.Session` (tenant, how it signed in,
the SHA-256 of the key, who, role, expiry) — never the key itself.

The secret is ``CDE_UI_SESSION_SECRET``; when it is unset, a random one is made on first
use and kept in ``<CDE_DATA_DIR>/ui_session_secret`` (mode 0600), created atomically
(written aside, then linked into place: two processes starting at once agree on one), so
the processes that share the data directory — and restarts — share it. Machines that do
not share a data directory (a PostgreSQL fleet) must set ``CDE_UI_SESSION_SECRET``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from cde.settings import Settings

__all__ = [
    "LANG_COOKIE",
    "SESSION_COOKIE",
    "CookieCodec",
    "session_secret",
]

log = logging.getLogger("cde.web")

SESSION_COOKIE = "cde_ui_session"
LANG_COOKIE = "cde_ui_lang"
SECRET_FILE = "ui_session_secret"
_SALT = "cde.ui.session.v1"
_MAX_COOKIE = 4096


def session_secret(settings: Settings) -> str:
    """``CDE_UI_SESSION_SECRET``, or the one kept in the data directory (made if absent)."""
    if settings.ui_session_secret is not None:
        return settings.ui_session_secret.get_secret_value()
    path = settings.data_dir / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        _create_secret(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("%s is readable by others (mode %o): narrowing it to 0600", path, mode)
        path.chmod(0o600)
    secret = path.read_text(encoding="utf-8").strip()
    if len(secret) < 32:
        raise RuntimeError(f"{path} holds no usable secret (under 32 characters)")
    return secret


def _create_secret(path: Path) -> None:
    """Write a new secret beside ``path`` and link it into place: only one process wins;
    the others find the winner's file, complete."""
    aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(secrets.token_urlsafe(48) + "\n")
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process was first: its secret
            os.link(aside, path)
    finally:
        aside.unlink(missing_ok=True)


class CookieCodec:
    """Sign and read the session cookie's content."""

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeSerializer(secret, salt=_SALT)

    def dumps(self, data: dict[str, Any]) -> str:
        text = self._serializer.dumps(data)
        assert isinstance(text, str)
        return text

    def loads(self, text: str | None) -> dict[str, Any]:
        """The content of a cookie signed by us; empty when absent, altered or foreign."""
        if not text or len(text) > _MAX_COOKIE:
            return {}
        try:
            data = self._serializer.loads(text)
        except BadSignature:
            return {}
        return data if isinstance(data, dict) else {}
