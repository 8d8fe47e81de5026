"""The schema, as SQLAlchemy Core tables. Alembic migrations (``migrations/``) create it;
this module is what the code reads and writes through, and what autogenerate compares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect

__all__ = [
    "DEFAULT_TENANT_ID",
    "UTCDateTime",
    "api_tokens",
    "audit_log",
    "batch_items",
    "batches",
    "challenger_results",
    "idempotency_keys",
    "jobs",
    "metadata",
    "outcome_history",
    "outcomes",
    "policy_versions",
    "recommendations",
    "service_settings",
    "tenant_keys",
    "tenants",
]

# The tenant that the static tokens (CDE_API_TOKENS and the generated ones) act for.
DEFAULT_TENANT_ID = "default"

metadata = MetaData()


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC (SQLite has no time zones), read back as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


# One row per credit recommendation. ``id`` is a UUIDv7 (time-ordered), so "newest
# first" is ``ORDER BY id DESC`` and every filter index ends in ``id``.
recommendations = Table(
    "recommendations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("tenant_id", String(36), nullable=False, server_default=DEFAULT_TENANT_ID),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("loan_id", String(255), nullable=False),
    Column("customer_id", String(255), nullable=False),
    Column("status", String(16), nullable=False),
    Column("payload", Text, nullable=False),  # the request body exactly as received
    Column("result", Text, nullable=True),  # the result object (JSON) when status=success
    Column("error", Text, nullable=True),  # what went wrong when status=fail
    Column("lang", String(2), nullable=False),
    Column("policy_name", String(100), nullable=True),
    Column("policy_version", String(50), nullable=True),
    Column("engine_version", String(50), nullable=False),
    Column("user_id", String(255), nullable=True),
    Column("user_name", String(255), nullable=True),
    Column("user_role", String(100), nullable=True),
    Column("claimed_ip", String(100), nullable=True),  # the caller's `IP` header
    Column("remote_addr", String(100), nullable=True),  # the socket peer
    Index("ix_recommendations_tenant", "tenant_id", "id"),
    Index("ix_recommendations_tenant_loan", "tenant_id", "loan_id", "id"),
    Index("ix_recommendations_tenant_customer", "tenant_id", "customer_id", "id"),
    Index("ix_recommendations_tenant_status", "tenant_id", "status", "id"),
    Index("ix_recommendations_created_at", "created_at"),
)

# Process-wide switches that must take effect at once in every process (e.g. the service
# switch), keyed by name.
service_settings = Table(
    "service_settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# Bearer tokens the service generated itself (only their SHA-256 is kept).
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("label", String(100), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# Cooperatives sharing one deployment. ``total_quota`` None means unlimited; the quota is
# spent with one conditional UPDATE so concurrent requests can never overspend it.
tenants = Table(
    "tenants",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("active", Boolean, nullable=False),
    Column("total_quota", Integer, nullable=True),
    Column("used_quota", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# A tenant's API keys, stored as SHA-256 only; ``prefix`` lets a person tell keys apart.
tenant_keys = Table(
    "tenant_keys",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("tenant_id", String(36), ForeignKey("tenants.id"), nullable=False),
    Column("key_sha256", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
    Index("ix_tenant_keys_tenant", "tenant_id"),
)

# Append-only audit trail, one row per request, accepted or refused. Each row carries the
# hash of the one before (``prev_hash``) and its own (``hash``), so an altered or deleted
# row breaks the chain where it happened (``cde audit verify``).
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("request_id", String(64), nullable=False),
    Column("tenant_id", String(36), nullable=True),
    Column("user_id", String(255), nullable=True),
    Column("user_name", String(255), nullable=True),  # masked
    Column("user_role", String(100), nullable=True),
    Column("claimed_ip", String(100), nullable=True),
    Column("remote_addr", String(100), nullable=True),
    Column("method", String(10), nullable=False),
    Column("route", String(255), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("outcome", String(40), nullable=False),
    Column("record_id", String(36), nullable=True),
    Column("body_sha256", String(64), nullable=True),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_log_at", "at"),
)

# Idempotency-Key reservations: the first request with a key reserves it (and the id its
# record will get) before evaluating; repeats find the reservation and answer with that
# record. A reservation whose record never arrived (the process died) goes stale.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("tenant_id", String(36), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("body_sha256", String(64), nullable=False),
    Column("record_id", String(36), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_idempotency_keys_created_at", "created_at"),
)

# Portfolio batches: one row per batch, one per item. An item moves from ``pending`` to
# ``done`` or ``failed`` exactly once: the UPDATE that moves it is guarded by
# ``status = 'pending'`` and runs in the same transaction as the insert of its
# recommendation, so a worker that dies halfway leaves nothing half-done.
batches = Table(
    "batches",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("tenant_id", String(36), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime(), nullable=True),
    Column("as_of", String(10), nullable=False),  # the evaluation date of every item
    Column("lang", String(2), nullable=False),
    Column("total", Integer, nullable=False),
    Column("user_id", String(255), nullable=True),
    Column("user_name", String(255), nullable=True),
    Column("user_role", String(100), nullable=True),
    Column("claimed_ip", String(100), nullable=True),
    Column("remote_addr", String(100), nullable=True),
    Index("ix_batches_tenant", "tenant_id", "id"),
)

batch_items = Table(
    "batch_items",
    metadata,
    Column("batch_id", String(36), ForeignKey("batches.id"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("status", String(16), nullable=False),  # pending | done | failed
    Column("loan_id", String(255), nullable=True),
    Column("customer_id", String(255), nullable=True),
    Column("payload", Text, nullable=False),
    Column("record_id", String(36), nullable=True),
    Column("outcome", String(32), nullable=True),
    Column("grade", String(1), nullable=True),
    Column("plafon", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Index("ix_batch_items_status", "batch_id", "status", "seq"),
)

# The embedded job queue (used when the database is SQLite; PostgreSQL uses
# procrastinate's own tables). A job is leased by a worker for ``lease`` seconds; a job
# whose lease ran out (its worker died) is taken again; failures retry with backoff.
jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    Column("args", Text, nullable=False),
    Column("status", String(16), nullable=False),  # queued | running | done | failed
    Column("attempts", Integer, nullable=False),
    Column("run_after", UTCDateTime(), nullable=False),
    Column("leased_until", UTCDateTime(), nullable=True),
    Column("worker", String(100), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("ix_jobs_ready", "status", "run_after"),
)

# Loan outcomes (what became of a loan: the scorecard's target), one row per tenant and
# loan id. A repeat with another value replaces the row (``revision`` + 1) and the old value
# goes to ``outcome_history`` with when and by whom it was replaced, in one transaction.
outcomes = Table(
    "outcomes",
    metadata,
    Column("tenant_id", String(36), primary_key=True),
    Column("loan_id", String(255), primary_key=True),
    Column("bad", Boolean, nullable=False),
    Column("kolektibilitas", Integer, nullable=True),  # 1-5 at the end of the window
    Column("observed_at", Date, nullable=True),  # the end of the performance window
    Column("applied_at", Date, nullable=True),  # the date of the original application
    Column("received_at", UTCDateTime(), nullable=False),  # the loan's first outcome
    Column("updated_at", UTCDateTime(), nullable=False),  # this value's
    Column("revision", Integer, nullable=False),
    Column("user_id", String(255), nullable=True),  # who recorded this value
    Column("user_name", String(255), nullable=True),
    Column("user_role", String(100), nullable=True),
    Column("claimed_ip", String(100), nullable=True),
    Column("remote_addr", String(100), nullable=True),
)

outcome_history = Table(
    "outcome_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant_id", String(36), nullable=False),
    Column("loan_id", String(255), nullable=False),
    Column("revision", Integer, nullable=False),  # the replaced value's
    Column("bad", Boolean, nullable=False),
    Column("kolektibilitas", Integer, nullable=True),
    Column("observed_at", Date, nullable=True),
    Column("applied_at", Date, nullable=True),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("user_id", String(255), nullable=True),  # who recorded the replaced value
    Column("user_name", String(255), nullable=True),
    Column("user_role", String(100), nullable=True),
    Column("replaced_at", UTCDateTime(), nullable=False),
    Column("replaced_by_user_id", String(255), nullable=True),
    Column("replaced_by_user_name", String(255), nullable=True),
    Column("replaced_by_user_role", String(100), nullable=True),
    Column("replaced_by_remote_addr", String(100), nullable=True),
    Index("ix_outcome_history_loan", "tenant_id", "loan_id", "revision"),
)

# Champion–challenger (``cde.service.challenger``): one row per shadowed recommendation, the
# champion's and the challenger's compact decisions (JSON) and the policies that made them;
# ``challenger`` null and ``error`` set when the challenger failed. No foreign key: a
# recommendation may be purged before its challenger result (``cde purge`` removes both).
challenger_results = Table(
    "challenger_results",
    metadata,
    Column("recommendation_id", String(36), primary_key=True),
    Column("tenant_id", String(36), nullable=False),
    Column("loan_id", String(255), nullable=False),
    Column("decided_at", UTCDateTime(), nullable=False),  # the recommendation's created_at
    Column("created_at", UTCDateTime(), nullable=False),  # when the challenger decided
    Column("champion_policy_name", Text, nullable=False),
    Column("champion_policy_version", Text, nullable=False),
    Column("champion_scorecard_name", Text, nullable=True),
    Column("champion_scorecard_version", Text, nullable=True),
    Column("challenger_policy_name", Text, nullable=False),
    Column("challenger_policy_version", Text, nullable=False),
    Column("challenger_scorecard_name", Text, nullable=True),
    Column("challenger_scorecard_version", Text, nullable=True),
    Column("champion", Text, nullable=True),  # the compact decision (JSON)
    Column("challenger", Text, nullable=True),
    Column("error", Text, nullable=True),
    Index("ix_challenger_results_tenant_decided", "tenant_id", "decided_at", "recommendation_id"),
    Index("ix_challenger_results_decided_at", "decided_at"),
)

# Policy versions stored per tenant (``cde.service.policy_versions``): the text as submitted,
# its lifecycle (draft → approved → active → retired; or rejected) with who did each step,
# and the attached backtest report. ``active_tenant_id`` is the tenant's id while the
# version is active, else NULL: unique, so a tenant has one active version at most (NULLs
# never collide), and the per-request lookup of the active version is one indexed read.
policy_versions = Table(
    "policy_versions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("tenant_id", String(36), nullable=False),
    Column("name", String(255), nullable=False),
    Column("version", String(255), nullable=False),
    Column("format", String(10), nullable=False),  # toml | json
    Column("text", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("active_tenant_id", String(36), nullable=True, unique=True),
    Column("previous_id", String(36), nullable=True),  # active before this one was activated
    Column("created_by", String(255), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("backtest", Text, nullable=True),  # the report's JSON as attached
    Column("backtest_sha256", String(64), nullable=True),
    Column("backtest_by", String(255), nullable=True),
    Column("backtest_at", UTCDateTime(), nullable=True),
    Column("approved_by", String(255), nullable=True),
    Column("approved_role", String(100), nullable=True),
    Column("approved_at", UTCDateTime(), nullable=True),
    Column("rejected_by", String(255), nullable=True),
    Column("rejected_role", String(100), nullable=True),
    Column("rejected_at", UTCDateTime(), nullable=True),
    Column("rejected_reason", Text, nullable=True),
    Column("activated_by", String(255), nullable=True),
    Column("activated_at", UTCDateTime(), nullable=True),
    Column("retired_by", String(255), nullable=True),
    Column("retired_at", UTCDateTime(), nullable=True),
    UniqueConstraint("tenant_id", "name", "version", name="uq_policy_versions_name_version"),
    Index("ix_policy_versions_tenant", "tenant_id", "created_at"),
)
