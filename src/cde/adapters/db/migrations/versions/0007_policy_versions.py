"""Policy versions stored per tenant: maker–checker, activation, rollback.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cde.adapters.db.tables import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_versions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("version", sa.String(255), nullable=False),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("active_tenant_id", sa.String(36), nullable=True, unique=True),
        sa.Column("previous_id", sa.String(36), nullable=True),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("backtest", sa.Text(), nullable=True),
        sa.Column("backtest_sha256", sa.String(64), nullable=True),
        sa.Column("backtest_by", sa.String(255), nullable=True),
        sa.Column("backtest_at", UTCDateTime(), nullable=True),
        sa.Column("approved_by", sa.String(255), nullable=True),
        sa.Column("approved_role", sa.String(100), nullable=True),
        sa.Column("approved_at", UTCDateTime(), nullable=True),
        sa.Column("rejected_by", sa.String(255), nullable=True),
        sa.Column("rejected_role", sa.String(100), nullable=True),
        sa.Column("rejected_at", UTCDateTime(), nullable=True),
        sa.Column("rejected_reason", sa.Text(), nullable=True),
        sa.Column("activated_by", sa.String(255), nullable=True),
        sa.Column("activated_at", UTCDateTime(), nullable=True),
        sa.Column("retired_by", sa.String(255), nullable=True),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("tenant_id", "name", "version", name="uq_policy_versions_name_version"),
    )
    op.create_index("ix_policy_versions_tenant", "policy_versions", ["tenant_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_policy_versions_tenant", "policy_versions")
    op.drop_table("policy_versions")
