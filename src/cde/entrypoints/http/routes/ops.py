"""Operations: ``/health``, ``/ready``, ``/metrics``, the tenant's ``/kocek/quota``, and
(for ``benchmarks/bench_http.py`` only) ``/bench/baseline``."""

from __future__ import annotations

import logging

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from cde import __version__
from cde.entrypoints.http import schemas
from cde.entrypoints.http.deps import Authenticated, ContainerDep, LangDep
from cde.entrypoints.http.views import JSONBytes, json_response, quota_view, success
from cde.observability.routes import router as metrics_router

__all__ = ["bench_router", "router"]

log = logging.getLogger("cde.http")

router = APIRouter()
router.include_router(metrics_router)


@router.get(
    "/kocek/quota",
    response_model=schemas.QuotaEnvelope,
    responses=schemas.responses(schemas.AUTHENTICATED),  # not behind the switch
    summary="The tenant's cde_feature: active or not, total and used quota",
    tags=["credit recommendation"],
)
def quota(c: ContainerDep, lang: LangDep, principal: Authenticated) -> Response:
    tenant = c.tenants.by_id(principal.tenant.id) or principal.tenant
    return success(200, quota_view(tenant, c.switch.enabled()), "quota_detail", lang)


@router.get("/health", tags=["operations"], summary="Alive")
def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@router.get(
    "/ready",
    responses={
        503: {
            "model": schemas.NotReady,
            "description": "The database or the job queue does not answer",
        }
    },
    tags=["operations"],
    summary="Ready: the database and the job queue answer",
)
def ready(c: ContainerDep) -> Response:
    queue = "procrastinate" if c.engine.dialect.name == "postgresql" else "embedded"
    try:
        c.recommender.repository.ping()
    except Exception as exc:
        log.warning("not ready: database: %s", exc)
        return json_response(
            503, {"status": "unavailable", "database": "unreachable", "queue": None}
        )
    try:
        depth = c.jobs.depth()
    except Exception as exc:
        log.warning("not ready: job queue: %s", exc)
        down = {"backend": queue, "ok": False}
        return json_response(503, {"status": "unavailable", "database": "ok", "queue": down})
    return json_response(
        200,
        {
            "status": "ok",
            "database": "ok",
            "queue": {
                "backend": queue,
                "ok": True,
                "depth": depth,
                "in_process": c.worker is not None,
            },
            # informational: a provider that is down never makes the service unready
            # (the rules narrative is served); the circuit is this process's view
            "narrator": c.narration.narrator.describe(),
        },
    )


bench_router = APIRouter(include_in_schema=False)


@bench_router.post("/bench/baseline")
async def baseline(request: Request) -> Response:
    """Benchmarks only: the same stack, parse the body, answer a constant."""
    orjson.loads(await request.body())
    return JSONBytes(b'{"status":"success"}')
