"""The one place that wires adapters into the service (composition root)."""

from __future__ import annotations

import os
import random
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from cde import __version__
from cde.adapters.db.audit import SqlAuditLog
from cde.adapters.db.batches import SqlBatches
from cde.adapters.db.challenger import SqlChallengerResults
from cde.adapters.db.engine import create_db_engine, migrate, schema_lock
from cde.adapters.db.idempotency import SqlIdempotency
from cde.adapters.db.monitoring import SqlMonitoring
from cde.adapters.db.outcomes import SqlOutcomes
from cde.adapters.db.policy_versions import SqlPolicyVersions
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
from cde.adapters.jobs.procrastinate_queue import ProcrastinateQueue, run_worker
from cde.adapters.jwt_verifier import JwtVerifier
from cde.adapters.llm import OpenAIChat
from cde.domain.scorecard.model import ScorecardError
from cde.observability.metrics import (
    observe_challenger,
    observe_job,
    observe_narrative,
    observe_result,
    observe_stability,
)
from cde.policies import Policy, PolicyError, attach_scorecard, default_policy, load_policy
from cde.service.audit import AuditLog
from cde.service.auth import Authenticator, ClaimNames
from cde.service.batches import BatchService, BatchStore
from cde.service.challenger import ChallengerService, ChallengerStore
from cde.service.dashboard import Dashboard
from cde.service.idempotency import Idempotency, IdempotencyStore
from cde.service.instructions import Instructions, default_instructions, load_instruction_file
from cde.service.jobs import BATCH_CHUNK, CHALLENGER, NARRATE, JobQueue
from cde.service.memos import MemoDocuments
from cde.service.monitoring import Monitoring, MonitoringStore
from cde.service.narrative_jobs import NarrationService
from cde.service.narrators import ChatModel, LlmNarrator, Narrator, RulesNarrator
from cde.service.outcomes import OutcomeService, OutcomeStore
from cde.service.policy_versions import PolicyVersions, PolicyVersionStore, TenantPolicies
from cde.service.ports import (
    Clock,
    RateLimiter,
    RecommendationRepository,
    ServiceSettings,
    TokenStore,
)
from cde.service.recommendations import Recommender, ServiceSwitch, Tokens
from cde.service.submissions import Submissions
from cde.service.tenants import AUTH_CACHE_SECONDS, CachedTenants, TenantAdmin, TenantStore
from cde.settings import Settings

__all__ = [
    "Container",
    "UuidV7",
    "bootstrap",
    "build_narrator",
    "new_hex_id",
    "new_id",
    "utc_now",
]


def utc_now() -> datetime:
    """The real clock: the default of :func:`bootstrap`. Nothing else in the service reads
    the time of day; tests give ``bootstrap`` a clock of their own."""
    return datetime.now(UTC)


class UuidV7:
    """UUIDv7 (RFC 9562, §5.7) by its §6.2 "Method 1": a 42-bit counter in ``rand_a`` and
    the top 30 bits of ``rand_b``, started at a random value (its top bit 0, so it has room
    to count) at each new millisecond and incremented within one, then 32 random bits.
    Every id of a process is greater than the one before, also when the clock stands still
    or steps back (the last millisecond is kept and counted on; a counter that runs out
    moves it on by one).

    The random bits come from a ``random.Random`` seeded once per process with 32 bytes of
    ``os.urandom`` (again in a forked child): no system call per id, where ``uuid4`` and
    the ``uuid6`` package read ``os.urandom`` each time. The ids are unique and unguessable
    without the seed, not secret: nothing is authorised by knowing one (every read is
    filtered by the caller's tenant)."""

    def __init__(self, time_ns: Callable[[], int] = time.time_ns) -> None:
        self._time_ns = time_ns
        self._lock = threading.Lock()
        self._seed()
        os.register_at_fork(after_in_child=self._seed)

    def _seed(self) -> None:
        self._random = random.Random(os.urandom(32))
        self._last_ms = -1
        self._counter = 0

    def __call__(self) -> int:
        """The next id, as the UUID's 128-bit integer."""
        with self._lock:
            ms = self._time_ns() // 1_000_000
            if ms > self._last_ms:
                self._last_ms = ms
                self._counter = self._random.getrandbits(41)
            else:
                self._counter += 1
                if self._counter >= 1 << 42:  # 2^41 ids in one millisecond: borrow the next
                    self._last_ms += 1
                    self._counter = self._random.getrandbits(41)
            ms, counter = self._last_ms, self._counter
            tail = self._random.getrandbits(32)
        return (
            (ms & 0xFFFF_FFFF_FFFF) << 80
            | 0x7 << 76  # version 7
            | (counter >> 30) << 64  # rand_a: the counter's high 12 bits
            | 0b10 << 62  # the variant
            | (counter & 0x3FFF_FFFF) << 32  # rand_b: the counter's low 30 bits, then random
            | tail
        )


_uuid7 = UuidV7()


def new_id() -> str:
    """A time-ordered UUID (v7, see :class:`UuidV7`): sorting by id sorts by creation time."""
    h = f"{_uuid7():032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def new_hex_id() -> str:
    """A UUIDv7 as 32 hexadecimal digits (the format of ``uuid4().hex``): request ids."""
    return f"{_uuid7():032x}"


@dataclass
class Container:
    """The wired service. Its stores are typed by their ports (any adapter will do) except
    where an edge needs the concrete thing, each saying why."""

    settings: Settings
    clock: Clock
    # The SQL engine itself: the CLI takes the schema lock and migrates through it, the
    # HTTP layer and ``cde worker`` choose the job backend by its dialect. Built from the
    # settings even when every store is a fake (``sqlite://`` then costs nothing).
    engine: Engine
    policy: Policy
    recommender: Recommender
    switch: ServiceSwitch
    tokens: Tokens
    # The group-commit writer of the SQL recommendations and audit log (closed with the
    # container); None when neither of them is a SQL adapter.
    writer: DbWriter | None
    tenants: TenantStore
    tenant_admin: TenantAdmin
    authenticator: Authenticator
    audit: AuditLog
    rate_limiter: RateLimiter
    idempotency: Idempotency
    jobs: JobQueue
    batches: BatchService
    outcomes: OutcomeService
    narration: NarrationService
    submissions: Submissions
    challenger: ChallengerService
    monitoring: Monitoring
    # Stored policy versions per tenant (``cde policy submit|approve|activate|…``) and the
    # policy that decides each tenant's applications (its active version, else ``policy``).
    policy_versions: PolicyVersions
    tenant_policies: TenantPolicies
    # The workspace's portfolio dashboard: figures and SVG charts of a tenant's decisions.
    dashboard: Dashboard
    memos: MemoDocuments  # the memo of a stored recommendation as a PDF
    # Concrete: the worker threads of the embedded queue (only that queue has them in
    # process); the HTTP layer's /ready says whether they run here.
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
            elif kind == CHALLENGER:
                self.challenger.run(str(args["record_id"]))
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

    def first_token(self, label: str) -> str | None:
        """A new API token when none is configured yet (shown once, stored hashed), else
        None; two first starts at once make one token (the schema lock)."""
        with schema_lock(self.engine):
            if self.tokens.any_configured():
                return None
            return self.tokens.generate(label, new_id)

    def work_jobs(self, name: str, concurrency: int) -> None:
        """Work background jobs until SIGTERM or SIGINT (``cde worker``): procrastinate's
        worker on PostgreSQL, the embedded queue's threads otherwise."""
        if self.engine.dialect.name == "postgresql":
            run_worker(
                self.settings.effective_database_url,
                self.handle_job,
                self.housekeeping,
                concurrency=concurrency,
                name=name,
                stalled_after_seconds=self.settings.job_stalled_seconds,
            )
            return
        worker = self.embedded_worker(name)
        worker.threads = concurrency

        def stop(*_: object) -> None:
            worker.request_stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        worker.run_until_stopped()

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
        if self.writer is not None:
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


def _challenger_policy(settings: Settings) -> Policy | None:
    """The challenger (``CDE_CHALLENGER_POLICY``, scoring with ``CDE_CHALLENGER_SCORECARD``
    when set), or None; a file that cannot be used refuses the start, naming the setting."""
    if settings.challenger_policy is None:
        return None
    try:
        policy = load_policy(settings.challenger_policy)
        return attach_scorecard(policy, settings.challenger_scorecard)
    except PolicyError as exc:
        raise PolicyError(f"{exc.source} (CDE_CHALLENGER_POLICY)", exc.problems) from None
    except ScorecardError as exc:
        raise ScorecardError(f"{exc.source} (CDE_CHALLENGER_SCORECARD)", exc.problems) from None


def _lease_seconds(settings: Settings) -> float:
    """A job's lease outlasts the longest narrative: two attempts, each with its retries."""
    if settings.narrator != "llm":
        return settings.job_lease_seconds
    worst = 2 * (settings.llm_max_retries + 1) * settings.llm_timeout_seconds + 30
    return max(settings.job_lease_seconds, worst)


def build_narrator(settings: Settings, chat: ChatModel | None = None) -> Narrator:
    """The narrator ``settings`` choose (``CDE_NARRATOR``). The LLM narrator asks ``chat``,
    or (None) the OpenAI-compatible endpoint the settings name."""
    if settings.narrator == "rules":
        return RulesNarrator()
    instructions = default_instructions(settings.llm_instruction_file)
    if chat is not None:
        return LlmNarrator(chat, instructions, __version__)
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
    return LlmNarrator(chat, instructions, __version__)


def bootstrap(
    settings: Settings | None = None,
    *,
    run_migrations: bool = True,
    clock: Clock = utc_now,
    new_id: Callable[[], str] = new_id,
    recommendations: RecommendationRepository | None = None,
    service_settings: ServiceSettings | None = None,
    token_store: TokenStore | None = None,
    tenants: TenantStore | None = None,
    audit: AuditLog | None = None,
    rate_limiter: RateLimiter | None = None,
    idempotency_store: IdempotencyStore | None = None,
    batch_store: BatchStore | None = None,
    outcomes: OutcomeStore | None = None,
    challenger_results: ChallengerStore | None = None,
    monitoring_store: MonitoringStore | None = None,
    policy_version_store: PolicyVersionStore | None = None,
    jobs: JobQueue | None = None,
    narrator: Narrator | None = None,
    chat: ChatModel | None = None,
    auth_cache_seconds: float = AUTH_CACHE_SECONDS,
) -> Container:
    """The service, wired. ``clock`` is the one source of "now" (an aware UTC datetime):
    record and audit times, "today" of every analysis, leases, the rate limiter; ``new_id``
    names every record, batch, tenant and key.

    Every store, the job queue and the narrator (or only its ``chat`` model, for the LLM
    narrator the settings choose) may be given; each one left None is the real adapter
    the settings describe, as in production: SQL on the settings' database, the embedded
    job queue on SQLite or procrastinate on PostgreSQL. What authentication reads (tenants
    by key, id and name; the generated tokens; the service switch) is kept in memory for
    up to ``auth_cache_seconds`` of ``clock`` (:class:`~cde.service.tenants.CachedTenants`:
    a change made by another process takes effect within that bound; 0: read on every
    request). Stores given together should share
    their state as the SQL ones share the database (a repository spends the quota of the
    tenant store; ``tests/fakes.py`` builds such a set). The engine is made from the
    settings in any case (see :class:`Container`); ``run_migrations=False`` leaves its
    database alone.
    """
    settings = settings or Settings()
    policy = load_policy(settings.policy_file) if settings.policy_file else default_policy()
    policy = attach_scorecard(policy, settings.scorecard_file)
    challenger_policy = _challenger_policy(settings)
    engine = create_db_engine(
        settings.effective_database_url, sqlite_synchronous=settings.sqlite_synchronous
    )
    if run_migrations:
        migrate(engine)
    writer = DbWriter(engine) if recommendations is None or audit is None else None
    if recommendations is None:
        assert writer is not None
        recommendations = SqlRecommendations(engine, writer)
    if audit is None:
        assert writer is not None
        audit = SqlAuditLog(engine, writer)
    if tenants is None:
        tenants = SqlTenants(engine)
    if rate_limiter is None:
        rate_limiter = SqlRateLimiter(
            engine,
            settings.rate_limit_per_minute,
            settings.rate_limit_burst,
            clock=lambda: clock().timestamp(),
        )
    tokens = Tokens(
        token_store or SqlTokenStore(engine), settings.api_tokens, clock, auth_cache_seconds
    )
    # Authentication's view of the tenants (and the tenant commands', so that a change
    # made in this process takes effect here at once); the rest reads the store itself.
    auth_tenants = CachedTenants(tenants, clock, auth_cache_seconds)
    if jobs is None:
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
    version_store = policy_version_store or SqlPolicyVersions(engine)
    tenant_policies = TenantPolicies(version_store, policy, settings.policy_refresh_seconds)
    recommender = Recommender(
        recommendations, policy, clock, settings.zone, new_id, policies=tenant_policies
    )
    idempotency = Idempotency(
        idempotency_store or SqlIdempotency(engine), recommendations.get, clock, new_id
    )
    narration = NarrationService(
        recommendations,
        narrator or build_narrator(settings, chat),
        policy,
        settings.zone,
        jobs,
        named_instructions,
        observe=observe_narrative,
        policies=tenant_policies,
    )
    watched = monitoring_store or SqlMonitoring(engine)
    challenger = ChallengerService(
        challenger_results or SqlChallengerResults(engine),
        recommendations,
        jobs,
        policy,
        challenger_policy,
        settings.challenger_share,
        settings.zone,
        clock,
        observe=observe_challenger,
    )
    return Container(
        settings=settings,
        clock=clock,
        engine=engine,
        policy=policy,
        recommender=recommender,
        switch=ServiceSwitch(
            service_settings or SqlServiceSettings(engine),
            settings.service_enabled,
            clock,
            auth_cache_seconds,
        ),
        tokens=tokens,
        writer=writer,
        tenants=tenants,
        tenant_admin=TenantAdmin(auth_tenants, clock, new_id),
        authenticator=Authenticator(
            auth_tenants, tokens, DEFAULT_TENANT_ID, _jwt(settings), claims
        ),
        audit=audit,
        rate_limiter=rate_limiter,
        idempotency=idempotency,
        jobs=jobs,
        batches=BatchService(
            batch_store or SqlBatches(engine),
            jobs,
            policy,
            clock,
            settings.zone,
            new_id,
            settings.max_batch_items,
            observe=observe_result,
            policies=tenant_policies,
        ),
        outcomes=OutcomeService(
            outcomes or SqlOutcomes(engine), policy, clock, settings.max_batch_items
        ),
        narration=narration,
        submissions=Submissions(
            recommender,
            idempotency,
            narration,
            settings.max_json_depth,
            observe=observe_result,
            challenger=challenger,
        ),
        challenger=challenger,
        monitoring=Monitoring(
            watched,
            policy,
            settings.zone,
            observe=observe_stability,
            policies=tenant_policies,
        ),
        policy_versions=PolicyVersions(
            version_store,
            tenants,
            audit,
            clock,
            new_id,
            settings.policy_approver_roles,
            on_change=tenant_policies.forget,
        ),
        tenant_policies=tenant_policies,
        dashboard=Dashboard(
            watched,
            policy,
            settings.zone,
            clock,
            policies=tenant_policies,
            challenger=challenger,
        ),
        memos=MemoDocuments(
            recommendations,
            tenants,
            clock,
            settings.zone,
            default_tenant_id=DEFAULT_TENANT_ID,
            default_name=settings.cooperative_name,
        ),
    )
