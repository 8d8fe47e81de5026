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

from cde import __version__
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
from cde.adapters.llm import OpenAIChat
from cde.observability.metrics import observe_job, observe_narrative, observe_result
from cde.policies import Policy, default_policy, load_policy
from cde.service.auth import Authenticator, ClaimNames
from cde.service.batches import BatchService
from cde.service.idempotency import Idempotency
from cde.service.instructions import Instructions, default_instructions, load_instruction_file
from cde.service.jobs import BATCH_CHUNK, NARRATE, JobQueue
from cde.service.narration import NarrationService
from cde.service.narrator import LlmNarrator, Narrator, RulesNarrator
from cde.service.ports import Clock
from cde.service.recommendations import Recommender, ServiceSwitch, Tokens
from cde.service.tenants import TenantAdmin
from cde.settings import Settings

__all__ = ["Container", "bootstrap", "build_narrator", "new_id", "utc_now"]


def utc_now() -> datetime:
    """The real clock: the default of :func:`bootstrap`. Nothing else in the service reads
    the time of day; tests give ``bootstrap`` a clock of their own."""
    return datetime.now(UTC)


def new_id() -> str:
    """A time-ordered UUID (v7): sorting by id sorts by creation time."""
    return str(uuid7())


@dataclass
class Container:
    settings: Settings
    clock: Clock
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
    narration: NarrationService
    worker: EmbeddedWorker | None = None

    def handle_job(self, kind: str, args: dict[str, Any]) -> None:
        started = time.perf_counter()
        outcome = "failed"
        try:
            if kind == BATCH_CHUNK:
                self.batches.process_chunk(
                    str(args["batch_id"]), int(args["first"]), int(args["last"])
                )
            elif kind == NARRATE:
                instructions = args.get("instructions")
                self.narration.run(
                    str(args["record_id"]), str(instructions) if instructions else None
                )
            else:
                raise ValueError(f"unknown job kind {kind!r}")
            outcome = "succeeded"
        finally:
            observe_job(kind, outcome, time.perf_counter() - started)

    def housekeeping(self) -> None:
        """Re-defer the pending chunks of batches that stalled (lost jobs, dead workers);
        give the rules narrative to records whose narrative never came."""
        stale_after = timedelta(seconds=max(self.settings.job_lease_seconds * 3, 30))
        self.batches.resume_stale(self.clock() - stale_after)
        if self.narration.deferred:
            late = timedelta(seconds=self.settings.llm_stale_seconds)
            self.narration.finish_stale(self.clock() - late)

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


def _lease_seconds(settings: Settings) -> float:
    """A job's lease outlasts the longest narrative: two attempts, each with its retries."""
    if settings.narrator != "llm":
        return settings.job_lease_seconds
    worst = 2 * (settings.llm_max_retries + 1) * settings.llm_timeout_seconds + 30
    return max(settings.job_lease_seconds, worst)


def build_narrator(settings: Settings) -> Narrator:
    """The narrator ``settings`` choose (``CDE_NARRATOR``)."""
    if settings.narrator == "rules":
        return RulesNarrator()
    if not (settings.llm_base_url and settings.llm_model):  # Settings checks it too
        raise ValueError("CDE_NARRATOR=llm needs CDE_LLM_BASE_URL and CDE_LLM_MODEL")
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    chat = OpenAIChat(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=key,
        timeout_seconds=settings.llm_timeout_seconds,
        max_retries=settings.llm_max_retries,
        response_format=settings.llm_response_format,
        breaker_failures=settings.llm_breaker_failures,
        breaker_reset_seconds=settings.llm_breaker_reset_seconds,
    )
    return LlmNarrator(chat, default_instructions(settings.llm_instruction_file), __version__)


def bootstrap(
    settings: Settings | None = None, *, run_migrations: bool = True, clock: Clock = utc_now
) -> Container:
    """The service, wired. ``clock`` is the one source of "now" (an aware UTC datetime):
    record and audit times, "today" of every analysis, leases, the rate limiter."""
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
    tokens = Tokens(SqlTokenStore(engine), settings.api_tokens, clock)
    jobs: JobQueue
    if engine.dialect.name == "postgresql":
        jobs = ProcrastinateQueue(engine)
    else:
        jobs = EmbeddedQueue(engine, clock, lease_seconds=_lease_seconds(settings))

    def named_instructions(name: str) -> Instructions:
        return load_instruction_file(
            name, settings.instruction_dir, settings.custom_instructions_enabled
        )

    claims = ClaimNames(
        tenant=settings.jwt_tenant_claim,
        user=settings.jwt_user_claim,
        name=settings.jwt_name_claim,
        role=settings.jwt_role_claim,
    )
    return Container(
        settings=settings,
        clock=clock,
        engine=engine,
        policy=policy,
        recommender=Recommender(recommendations, policy, clock, settings.zone, new_id),
        switch=ServiceSwitch(SqlServiceSettings(engine), settings.service_enabled, clock),
        tokens=tokens,
        writer=writer,
        tenants=tenants,
        tenant_admin=TenantAdmin(tenants, clock, new_id),
        authenticator=Authenticator(tenants, tokens, DEFAULT_TENANT_ID, _jwt(settings), claims),
        audit=SqlAuditLog(engine, writer),
        rate_limiter=SqlRateLimiter(
            engine,
            settings.rate_limit_per_minute,
            settings.rate_limit_burst,
            clock=lambda: clock().timestamp(),
        ),
        idempotency=Idempotency(SqlIdempotency(engine), recommendations.get, clock, new_id),
        jobs=jobs,
        batches=BatchService(
            SqlBatches(engine),
            jobs,
            policy,
            clock,
            settings.zone,
            new_id,
            settings.max_batch_items,
            observe=observe_result,
        ),
        narration=NarrationService(
            recommendations,
            build_narrator(settings),
            policy,
            settings.zone,
            jobs,
            named_instructions,
            observe=observe_narrative,
        ),
    )
