"""The workspace's own files (``cde/entrypoints/web/static``: the style sheet, htmx and
its licence), served by cde itself — nothing is fetched from the internet at run time.
Only the files named here are served; each URL carries a digest of its content, so a
browser may keep a file for a day and still never uses an old one."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.resources import files

__all__ = ["STATIC_TYPES", "static_file", "static_url"]

STATIC_TYPES = {
    "workspace.css": "text/css; charset=utf-8",
    "htmx.min.js": "text/javascript; charset=utf-8",
    "htmx.LICENSE.txt": "text/plain; charset=utf-8",
}


@cache
def static_file(name: str) -> tuple[bytes, str] | None:
    """The file's bytes and their digest (first 12 hex digits), or None if not ours."""
    if name not in STATIC_TYPES:
        return None
    content = files("cde.entrypoints.web").joinpath("static", name).read_bytes()
    return content, hashlib.sha256(content).hexdigest()[:12]


def static_url(name: str) -> str:
    found = static_file(name)
    if found is None:
        raise KeyError(name)
    return f"/ui/static/{name}?v={found[1]}"
