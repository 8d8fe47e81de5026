"""The one place that wires adapters into the service (composition root)."""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from uuid6 import uuid7

from cde.adapters.db.audit import SqlAuditLog
from cde.adapters.db.batches import SqlBatches
from cde.adapters.db.engine import create_db_engine, migrate
from cde.adapters.db.idempotency import SqlIdempotency
from cde.adapters.db.ratelimit import SqlRateLimiter
from cde.adapters.db.repository import (
    SqlRecommendations,
    SqlServiceSettings,
    SqlTokenStore,
)
from cde.adapters.db.tables import DEFAULT_TENANT_ID
from cde.adapters.db.tenants import SqlTenants
from cde.adapters.db.writer import DbWriter
from cde.adapters.jobs.embedded import EmbeddedQueue, EmbeddedWorker
from cde.adapters.jobs.procrastinate_queue import ProcrastinateQueue
from cde.adapters.jwt_verifier import JwtVerifier
from cde.observability.metrics import observe_job, observe_result
from cde.policies import Policy, default_policy, load_policy
from cde.service.auth import Authenticator, ClaimNames
from cde.service.batches import BatchService
from cde.service.idempotency import Idempotency
from cde.service.jobs import BATCH_CHUNK, JobQueue
from cde.service.recommendations import Recommender, ServiceSwitch, Tokens
from cde.service.tenants import TenantAdmin
from cde.settings import Settings

__all__ = ["Container", "bootstrap", "new_id", "utc_now"]


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """A time-ordered UUID (v7): sorting by id sorts by creation time."""
    return str(uuid7())


@dataclass
class Container:
    settings: Settings
    engine: Engine
    policy: Policy
    recommender: Recommender
    switch: ServiceSwitch
    tokens: Tokens
    writer: DbWriter
    tenants: SqlTenants
    tenant_admin: TenantAdmin
    authenticator: Authenticator
    audit: SqlAuditLog
    rate_limiter: SqlRateLimiter
    idempotency: Idempotency
    jobs: JobQueue
    batches: BatchService
    worker: EmbeddedWorker | None = None

    def handle_job(self, kind: str, args: dict[str, Any]) -> None:
        started = time.perf_counter()
        outcome = "failed"
        try:
            if kind != BATCH_CHUNK:
                raise ValueError(f"unknown job kind {kind!r}")
            self.batches.process_chunk(str(args["batch_id"]), int(args["first"]), int(args["last"]))
            outcome = "succeeded"
        finally:
            observe_job(kind, outcome, time.perf_counter() - started)

    def housekeeping(self) -> None:
        """Re-defer the pending chunks of batches that stalled (lost jobs, dead workers)."""
        stale_after = timedelta(seconds=max(self.settings.job_lease_seconds * 3, 30))
        self.batches.resume_stale(utc_now() - stale_after)

    def embedded_worker(self, name: str | None = None) -> EmbeddedWorker:
        if not isinstance(self.jobs, EmbeddedQueue):
            raise RuntimeError("the embedded worker needs the embedded queue")
        return EmbeddedWorker(
            self.jobs,
            self.handle_job,
            name or f"{socket.gethostname()}:{os.getpid()}",
            threads=self.settings.job_threads,
            housekeeping=self.housekeeping,
        )

    def start_jobs(self) -> None:
        """Work jobs in this process (the embedded default on SQLite)."""
        if self.worker is None and isinstance(self.jobs, EmbeddedQueue):
            self.worker = self.embedded_worker()
            self.worker.start()

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        if isinstance(self.jobs, ProcrastinateQueue):
            self.jobs.close()
        self.writer.close()
        self.engine.dispose()


def _jwt(settings: Settings) -> JwtVerifier | None:
    if not (settings.jwt_secret or settings.jwt_public_key_file or settings.jwt_jwks_file):
        return None
    return JwtVerifier(
        secret=settings.jwt_secret,
        public_key_file=settings.jwt_public_key_file,
        jwks_file=settings.jwt_jwks_file,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )


def bootstrap(settings: Settings | None = None, *, run_migrations: bool = True) -> Container:
    settings = settings or Settings()
    policy = load_policy(settings.policy_file) if settings.policy_file else default_policy()
    engine = create_db_engine(
        settings.effective_database_url, sqlite_synchronous=settings.sqlite_synchronous
    )
    if run_migrations:
        migrate(engine)
    writer = DbWriter(engine)
    recommendations = SqlRecommendations(engine, writer)
    tenants = SqlTenants(engine)
    tokens = Tokens(SqlTokenStore(engine), settings.api_tokens, utc_now)
    jobs: JobQueue
    if engine.dialect.name == "postgresql":
        jobs = ProcrastinateQueue(engine)
    else:
        jobs = EmbeddedQueue(engine, utc_now, lease_seconds=settings.job_lease_seconds)
    claims = ClaimNames(
        tenant=settings.jwt_tenant_claim,
        user=settings.jwt_user_claim,
        name=settings.jwt_name_claim,
        role=settings.jwt_role_claim,
    )
    return Container(
        settings=settings,
        engine=engine,
        policy=policy,
        recommender=Recommender(recommendations, policy, utc_now, settings.zone, new_id),
        switch=ServiceSwitch(SqlServiceSettings(engine), settings.service_enabled, utc_now),
        tokens=tokens,
        writer=writer,
        tenants=tenants,
        tenant_admin=TenantAdmin(tenants, utc_now, new_id),
        authenticator=Authenticator(tenants, tokens, DEFAULT_TENANT_ID, _jwt(settings), claims),
        audit=SqlAuditLog(engine, writer),
        rate_limiter=SqlRateLimiter(
            engine, settings.rate_limit_per_minute, settings.rate_limit_burst
        ),
        idempotency=Idempotency(SqlIdempotency(engine), recommendations.get, utc_now, new_id),
        jobs=jobs,
        batches=BatchService(
            SqlBatches(engine),
            jobs,
            policy,
            utc_now,
            settings.zone,
            new_id,
            settings.max_batch_items,
            observe=observe_result,
        ),
    )
