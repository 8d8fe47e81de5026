"""Tenants and their keys, tenant ownership of records, the audit trail.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from cde.adapters.db.tables import DEFAULT_TENANT_ID, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    tenants = op.create_table(
        "tenants",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("total_quota", sa.Integer(), nullable=True),
        sa.Column("used_quota", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        tenants,
        [
            {
                "id": DEFAULT_TENANT_ID,
                "name": "default",
                "active": True,
                "total_quota": None,
                "used_quota": 0,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    op.create_table(
        "tenant_keys",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("key_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_tenant_keys_tenant", "tenant_keys", ["tenant_id"])
    with op.batch_alter_table("recommendations") as batch:
        batch.add_column(
            sa.Column("tenant_id", sa.String(36), nullable=False, server_default=DEFAULT_TENANT_ID)
        )
        batch.drop_index("ix_recommendations_loan_id")
        batch.drop_index("ix_recommendations_customer_id")
        batch.drop_index("ix_recommendations_status")
        batch.create_index("ix_recommendations_tenant", ["tenant_id", "id"])
        batch.create_index("ix_recommendations_tenant_loan", ["tenant_id", "loan_id", "id"])
        batch.create_index("ix_recommendations_tenant_customer", ["tenant_id", "customer_id", "id"])
        batch.create_index("ix_recommendations_tenant_status", ["tenant_id", "status", "id"])
        batch.create_index("ix_recommendations_created_at", ["created_at"])
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("tenant_id", sa.String(36), nullable=True),
        sa.Column("user_id", sa.String(255), nullable=True),
        sa.Column("user_name", sa.String(255), nullable=True),
        sa.Column("user_role", sa.String(100), nullable=True),
        sa.Column("claimed_ip", sa.String(100), nullable=True),
        sa.Column("remote_addr", sa.String(100), nullable=True),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("route", sa.String(255), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(40), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=True),
        sa.Column("body_sha256", sa.String(64), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_at", "audit_log")
    op.drop_table("audit_log")
    with op.batch_alter_table("recommendations") as batch:
        batch.drop_index("ix_recommendations_created_at")
        batch.drop_index("ix_recommendations_tenant_status")
        batch.drop_index("ix_recommendations_tenant_customer")
        batch.drop_index("ix_recommendations_tenant_loan")
        batch.drop_index("ix_recommendations_tenant")
        batch.create_index("ix_recommendations_loan_id", ["loan_id", "id"])
        batch.create_index("ix_recommendations_customer_id", ["customer_id", "id"])
        batch.create_index("ix_recommendations_status", ["status", "id"])
        batch.drop_column("tenant_id")
    op.drop_index("ix_tenant_keys_tenant", "tenant_keys")
    op.drop_table("tenant_keys")
    op.drop_table("tenants")
