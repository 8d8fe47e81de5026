"""Loan outcomes and the history of replaced ones.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cde.adapters.db.tables import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outcomes",
        sa.Column("tenant_id", sa.String(36), primary_key=True),
        sa.Column("loan_id", sa.String(255), primary_key=True),
        sa.Column("bad", sa.Boolean(), nullable=False),
        sa.Column("kolektibilitas", sa.Integer(), nullable=True),
        sa.Column("observed_at", sa.Date(), nullable=True),
        sa.Column("applied_at", sa.Date(), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=True),
        sa.Column("user_name", sa.String(255), nullable=True),
        sa.Column("user_role", sa.String(100), nullable=True),
        sa.Column("claimed_ip", sa.String(100), nullable=True),
        sa.Column("remote_addr", sa.String(100), nullable=True),
    )
    op.create_table(
        "outcome_history",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("loan_id", sa.String(255), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("bad", sa.Boolean(), nullable=False),
        sa.Column("kolektibilitas", sa.Integer(), nullable=True),
        sa.Column("observed_at", sa.Date(), nullable=True),
        sa.Column("applied_at", sa.Date(), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=True),
        sa.Column("user_name", sa.String(255), nullable=True),
        sa.Column("user_role", sa.String(100), nullable=True),
        sa.Column("replaced_at", UTCDateTime(), nullable=False),
        sa.Column("replaced_by_user_id", sa.String(255), nullable=True),
        sa.Column("replaced_by_user_name", sa.String(255), nullable=True),
        sa.Column("replaced_by_user_role", sa.String(100), nullable=True),
        sa.Column("replaced_by_remote_addr", sa.String(100), nullable=True),
    )
    op.create_index(
        "ix_outcome_history_loan", "outcome_history", ["tenant_id", "loan_id", "revision"]
    )


def downgrade() -> None:
    op.drop_index("ix_outcome_history_loan", "outcome_history")
    op.drop_table("outcome_history")
    op.drop_table("outcomes")
