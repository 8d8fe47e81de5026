"""The schema, as SQLAlchemy Core tables. Alembic migrations (``migrations/``) create it;
this module is what the code reads and writes through, and what autogenerate compares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Index, MetaData, String, Table, Text, TypeDecorator
from sqlalchemy.engine import Dialect

__all__ = ["UTCDateTime", "api_tokens", "metadata", "recommendations", "service_settings"]

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
    Index("ix_recommendations_loan_id", "loan_id", "id"),
    Index("ix_recommendations_customer_id", "customer_id", "id"),
    Index("ix_recommendations_status", "status", "id"),
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
