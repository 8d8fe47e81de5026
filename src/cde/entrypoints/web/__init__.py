"""The analyst's workspace (``/ui``): server-rendered pages over the same use cases as the
HTTP API, for people — sign in with the tenant's API key (or a JWT), read the
recommendations, submit an application, upload a batch, look at the dashboard. Bahasa
Indonesia by default, English one click away (``docs/workspace.md``).

``install(app)`` adds its routes (none of them in the OpenAPI document) to the API's
application; the API's middleware (request ids, security headers, the audit trail, the
body limit) wraps them too.
"""

from __future__ import annotations

from fastapi import FastAPI

from cde.entrypoints.web.context import PREFIX
from cde.entrypoints.web.routes import ROUTERS

__all__ = ["PREFIX", "install"]


def install(app: FastAPI) -> None:
    """Add the workspace's routes to ``app``."""
    for router in ROUTERS:
        app.include_router(router)
