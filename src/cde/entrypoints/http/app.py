"""The FastAPI application: the factory, its middleware and its routers.

Thin by design: the routes (``routes/``) read headers and the body, call a use case of the
service and shape the answer (``views.py``); what goes wrong is raised from the error tree
and answered in one place (``errors.py``); the dependencies are ``Annotated`` aliases
(``deps.py``); the OpenAPI extras live in ``openapi.py``. The service's container lives on
``app.state.container``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.middleware.cors import CORSMiddleware

from cde import __version__
from cde.bootstrap import Container, bootstrap, utc_now
from cde.entrypoints import web
from cde.entrypoints.http import errors, openapi
from cde.entrypoints.http.middleware import (
    AuditTrail,
    BodyLimit,
    CatchAll,
    DirectRoutes,
    RequestId,
    SecurityHeaders,
)
from cde.entrypoints.http.routes import batches, ops, outcomes, recommendations, reports
from cde.entrypoints.http.views import JSONBytes
from cde.observability.logs import RequestContext
from cde.observability.metrics import Metrics, set_queue_depth_source
from cde.service.ports import Clock
from cde.settings import Settings

__all__ = ["create_app"]

_DESCRIPTION = (
    "Kocek-compatible credit recommendation API: a 5C analysis, a recommended plafon "
    "and tenor, the reasons and a memo for the credit committee. All money in whole "
    "rupiah; messages in Indonesian by default, English with `Accept-Language: en`."
)
_CORS_HEADERS = [
    "Authorization",
    "Content-Type",
    "Accept-Language",
    "User-ID",
    "User-Name",
    "User-Role",
    "IP",
    "Idempotency-Key",
    "X-Request-ID",
]


def create_app(
    container: Container | None = None,
    settings: Settings | None = None,
    clock: Clock = utc_now,
) -> FastAPI:
    """The application. With no container, one is built from ``settings`` (or the
    environment) and ``clock`` when the app starts, and closed when it stops."""
    effective = container.settings if container is not None else (settings or Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        c = container if container is not None else bootstrap(effective, clock=clock)
        app.state.container = c
        if c.settings.jobs_in_process:
            c.start_jobs()
        set_queue_depth_source(c.jobs.depth)
        try:
            yield
        finally:
            set_queue_depth_source(None)  # not a closed container's count after shutdown
            if container is None:
                c.close()

    app = FastAPI(
        title="cde — Credit Decision Engine",
        version=__version__,
        description=_DESCRIPTION,
        lifespan=lifespan,
        default_response_class=JSONBytes,
    )
    # Added innermost first: metrics outermost, then the request id (and its log context),
    # the security headers, the audit trail (which sees the final status), the body limit,
    # and innermost the POST of a recommendation answered without the router.
    post = next(
        route
        for route in recommendations.router.routes
        if isinstance(route, APIRoute)
        and route.path == recommendations.ROUTE
        and "POST" in (route.methods or ())
    )
    app.add_middleware(
        DirectRoutes,
        routes={("POST", recommendations.ROUTE): (post, recommendations.post_without_query)},
        answer=errors.answer,
        unavailable=errors.unavailable,
    )
    if effective.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(effective.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=_CORS_HEADERS,
        )
    app.add_middleware(CatchAll, answer=errors.unexpected)
    app.add_middleware(
        BodyLimit,
        limit=effective.max_body_bytes,
        per_path={
            "/kocek/cde/batches": effective.max_batch_bytes,
            "/kocek/cde/outcomes": effective.max_batch_bytes,
            "/ui/batches": effective.max_batch_bytes,  # the workspace's batch upload
        },
    )
    state = app.state
    app.add_middleware(
        AuditTrail, audit=lambda: state.container.audit, clock=lambda: state.container.clock()
    )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestContext)  # inside RequestId: binds its id for every log line
    app.add_middleware(RequestId)
    app.add_middleware(Metrics)  # outermost: counts and times every request, 401/413/500 too

    errors.install(app)
    for router in (
        recommendations.router,
        batches.router,
        outcomes.router,
        reports.router,
        ops.router,
    ):
        app.include_router(router)
    if effective.bench_routes:
        app.include_router(ops.bench_router)
    web.install(app)  # the analyst's workspace (/ui), not in the OpenAPI document
    openapi.install(app)
    return app
