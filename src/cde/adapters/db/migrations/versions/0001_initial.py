"""Initial schema: recommendations, service settings, generated API tokens.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cde.adapters.db.tables import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recommendations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("loan_id", sa.String(255), nullable=False),
        sa.Column("customer_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("policy_name", sa.String(100), nullable=True),
        sa.Column("policy_version", sa.String(50), nullable=True),
        sa.Column("engine_version", sa.String(50), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=True),
        sa.Column("user_name", sa.String(255), nullable=True),
        sa.Column("user_role", sa.String(100), nullable=True),
        sa.Column("claimed_ip", sa.String(100), nullable=True),
        sa.Column("remote_addr", sa.String(100), nullable=True),
    )
    op.create_index("ix_recommendations_loan_id", "recommendations", ["loan_id", "id"])
    op.create_index("ix_recommendations_customer_id", "recommendations", ["customer_id", "id"])
    op.create_index("ix_recommendations_status", "recommendations", ["status", "id"])
    op.create_table(
        "service_settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("api_tokens")
    op.drop_table("service_settings")
    op.drop_index("ix_recommendations_status", "recommendations")
    op.drop_index("ix_recommendations_customer_id", "recommendations")
    op.drop_index("ix_recommendations_loan_id", "recommendations")
    op.drop_table("recommendations")
