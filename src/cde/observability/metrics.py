"""Prometheus metrics, correct with one process or several.

The metrics (see ``docs/operations.md``):

* ``cde_http_requests_total{route,method,status}`` — requests answered, by route
  *template* (``/kocek/cde/credit-recommendation/{record_id}``; ``unmatched`` when no route
  matched — never the raw path, so the number of series stays bounded);
* ``cde_http_request_duration_seconds{route,method}`` — time to answer, 1 ms to 5 s buckets;
* ``cde_decisions_total{outcome,grade}`` — decisions made (:func:`observe_decision`);
* ``cde_narratives_total{source,reason}`` — narratives finished on the LLM narrator's path:
  ``source`` ``llm`` or ``rules``, ``reason`` why the rules one was served (``guard``,
  ``timeout``, ``circuit_open``, … or ``none``) (:func:`observe_narrative`);
* ``cde_challenger_total{result}`` — challenger decisions on shadowed live traffic:
  ``stored`` or ``failed`` (:func:`observe_challenger`);
* ``cde_score_psi{tenant}``, ``cde_pd_psi{tenant}`` — the population stability index of the
  overall score (of the scorecard's PD) in the LATEST stability report computed for the
  tenant (``cde report stability``, ``GET /kocek/cde/reports/stability``), NaN when that
  report could not compute it: set when a report is asked for, not a continuous
  computation (:func:`observe_stability`);
* ``cde_jobs_queued`` — background jobs waiting, computed when scraped from the source
  given to :func:`set_queue_depth_source` (absent while there is none, or when it fails);
* ``cde_job_duration_seconds{kind,outcome}`` — background jobs run (:func:`observe_job`).

Multi-process mode
------------------
prometheus-client keeps values in process memory, so with several API or worker processes
each would report only its own requests. Its documented multi-process mode fixes that:
when ``PROMETHEUS_MULTIPROC_DIR`` names a directory, every process writes its values to
files there (one set per pid) and :func:`metrics_response` sums them all with a
``MultiProcessCollector`` — whichever process answers the scrape reports the whole
service. To use it (``cde serve --workers N``, several ``cde worker`` on one machine):

1. before any serving process starts, call :func:`prepare_multiprocess_dir` — it creates
   the directory, removes metric files of an earlier run and sets
   ``PROMETHEUS_MULTIPROC_DIR`` in ``os.environ`` for the processes started afterwards;
2. the variable must be set *before a process imports prometheus_client* (it picks the
   value store at import): processes started after step 1 (uvicorn's workers are spawned
   fresh) are fine; do not call it in a process that serves itself (a single process
   needs no directory);
3. when a worker exits, ``prometheus_client.multiprocess.mark_process_dead(pid)`` removes
   its files for *live* gauges. This module defines none (counters and histograms of a
   dead process must stay in the sum, and the queue depth is computed at scrape time), so
   nothing is wrong if the supervisor cannot call it — uvicorn offers no hook for it.

Every process on the machine that records metrics must share the one directory; processes
on other machines are scraped separately.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, exposition
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "CONTENT_TYPE",
    "MULTIPROC_ENV",
    "Metrics",
    "metrics_response",
    "observe_challenger",
    "observe_decision",
    "observe_job",
    "observe_narrative",
    "observe_request",
    "observe_result",
    "observe_stability",
    "prepare_multiprocess_dir",
    "route_template",
    "set_queue_depth_source",
]

log = logging.getLogger("cde.metrics")

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# The classic text format (what generate_latest writes), understood by every Prometheus.
CONTENT_TYPE: str = getattr(
    exposition, "CONTENT_TYPE_PLAIN_0_0_4", "text/plain; version=0.0.4; charset=utf-8"
)

HTTP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
JOB_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0)

HTTP_REQUESTS = Counter(
    "cde_http_requests_total",
    "HTTP requests answered, by route template, method and status code.",
    ["route", "method", "status"],
)
HTTP_DURATION = Histogram(
    "cde_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and method.",
    ["route", "method"],
    buckets=HTTP_BUCKETS,
)
DECISIONS = Counter(
    "cde_decisions_total",
    "Credit decisions made, by outcome and overall grade.",
    ["outcome", "grade"],
)
JOB_DURATION = Histogram(
    "cde_job_duration_seconds",
    "Time a background job took, by kind and outcome.",
    ["kind", "outcome"],
    buckets=JOB_BUCKETS,
)
NARRATIVES = Counter(
    "cde_narratives_total",
    "Narratives written by the LLM narrator's path, by the source served and why not the "
    "model's (reason `none` when the model's text was served).",
    ["source", "reason"],
)
CHALLENGER = Counter(
    "cde_challenger_total",
    "Challenger decisions on shadowed live traffic: stored, or failed (logged).",
    ["result"],
)
# "mostrecent": in multi-process mode the value last set by any process is exported.
SCORE_PSI = Gauge(
    "cde_score_psi",
    "PSI of the overall score in the latest stability report computed for the tenant "
    "(set when a report is asked for; NaN when it had no PSI).",
    ["tenant"],
    multiprocess_mode="mostrecent",
)
PD_PSI = Gauge(
    "cde_pd_psi",
    "PSI of the scorecard PD in the latest stability report computed for the tenant "
    "(set when a report is asked for; NaN when it had no PSI of the PD).",
    ["tenant"],
    multiprocess_mode="mostrecent",
)
QUEUE_DEPTH_NAME = "cde_jobs_queued"
QUEUE_DEPTH_HELP = "Background jobs waiting to run (counted when scraped)."

UNMATCHED = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


# --- recording -------------------------------------------------------------------------------


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    method = method if method in _METHODS else "OTHER"
    HTTP_REQUESTS.labels(route=route, method=method, status=str(status)).inc()
    HTTP_DURATION.labels(route=route, method=method).observe(seconds)


def observe_decision(outcome: str, grade: str | None) -> None:
    """One decision: ``outcome`` is ``approve``, ``approve_with_conditions`` or
    ``decline``; ``grade`` the overall grade (A–E), ``none`` if there is none."""
    DECISIONS.labels(outcome=str(outcome), grade=str(grade) if grade else "none").inc()


def observe_result(result: Mapping[str, Any]) -> None:
    """One decision, read from a result object (``decision.outcome``,
    ``assessment.grade``); nothing if it has no decision."""
    decision = result.get("decision")
    if not isinstance(decision, Mapping) or "outcome" not in decision:
        return
    assessment = result.get("assessment")
    grade = assessment.get("grade") if isinstance(assessment, Mapping) else None
    observe_decision(str(decision["outcome"]), str(grade) if grade else None)


def observe_job(kind: str, outcome: str, seconds: float) -> None:
    """One background job run: ``kind`` its task (a bounded set of names), ``outcome``
    e.g. ``succeeded``, ``failed`` or ``retried``."""
    JOB_DURATION.labels(kind=kind, outcome=outcome).observe(seconds)


def observe_narrative(report: Mapping[str, Any]) -> None:
    """One narrative finished: ``report`` is the result's ``narrative`` object."""
    NARRATIVES.labels(
        source=str(report.get("source", "rules")), reason=str(report.get("fallback_reason", "none"))
    ).inc()


def observe_challenger(result: str) -> None:
    """One challenger job (or its deferral) done: ``stored`` or ``failed``."""
    CHALLENGER.labels(result=result).inc()


def observe_stability(tenant: str, score_psi: float | None, pd_psi: float | None) -> None:
    """A stability report computed for ``tenant`` (its name): its PSIs (None: NaN)."""
    SCORE_PSI.labels(tenant=tenant).set(math.nan if score_psi is None else score_psi)
    PD_PSI.labels(tenant=tenant).set(math.nan if pd_psi is None else pd_psi)


# --- the queue depth, computed when scraped ----------------------------------------------------

_queue_depth_source: Callable[[], int] | None = None


def set_queue_depth_source(fn: Callable[[], int] | None) -> None:
    """``fn`` answers how many jobs wait (e.g. a count in the jobs table); it is called at
    each scrape, in the thread serving ``/metrics``. ``None`` removes it."""
    global _queue_depth_source
    _queue_depth_source = fn


class _QueueDepth:
    """``cde_jobs_queued`` as a collector: the value is asked for at scrape time, so it is
    the same whichever process answers, and no per-process file is involved."""

    def describe(self) -> Iterable[Metric]:
        return [GaugeMetricFamily(QUEUE_DEPTH_NAME, QUEUE_DEPTH_HELP)]

    def collect(self) -> Iterable[Metric]:
        source = _queue_depth_source
        if source is None:
            return []
        try:
            depth = float(source())
        except Exception:  # a scrape must not fail because the queue cannot be counted
            log.warning("job queue depth unavailable", exc_info=True)
            return []
        return [GaugeMetricFamily(QUEUE_DEPTH_NAME, QUEUE_DEPTH_HELP, value=depth)]


_QUEUE_DEPTH = _QueueDepth()
REGISTRY.register(_QUEUE_DEPTH)


# --- exposition ------------------------------------------------------------------------------


def metrics_response() -> tuple[bytes, str]:
    """The body and content type of a scrape: every process's values summed when
    ``PROMETHEUS_MULTIPROC_DIR`` is set, this process's default registry otherwise."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        registry.register(_QUEUE_DEPTH)
        return exposition.generate_latest(registry), CONTENT_TYPE
    return exposition.generate_latest(REGISTRY), CONTENT_TYPE


def prepare_multiprocess_dir(path: str | os.PathLike[str]) -> None:
    """Make ``path`` ready for the multi-process mode before the serving processes start:
    create it, remove the metric files (``*.db``) an earlier run left, and set
    ``PROMETHEUS_MULTIPROC_DIR`` to it in ``os.environ`` (inherited by processes started
    afterwards). Other files in the directory are left alone."""
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink(missing_ok=True)
    os.environ[MULTIPROC_ENV] = str(directory)


# --- the middleware --------------------------------------------------------------------------


def route_template(scope: Scope) -> str:
    """The matched route's template (``/items/{item_id}``), or ``unmatched``."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


class Metrics:
    """Count every HTTP request by route template, method and status, and time it (until
    the response is complete). A request that raises before answering counts as a 500 (what
    the server answers); one cancelled before answering (the client left) is not counted."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_with_status(msg: Message) -> None:
            nonlocal status
            if msg["type"] == "http.response.start":
                status = int(msg["status"])
            await send(msg)

        try:
            await self.app(scope, receive, send_with_status)
        except Exception:
            observe_request(
                route_template(scope), scope["method"], status, time.perf_counter() - start
            )
            raise
        observe_request(route_template(scope), scope["method"], status, time.perf_counter() - start)
