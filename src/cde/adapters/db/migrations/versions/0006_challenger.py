"""Champion–challenger results: the challenger's decision beside the champion's.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cde.adapters.db.tables import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "challenger_results",
        sa.Column("recommendation_id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("loan_id", sa.String(255), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("champion_policy_name", sa.Text(), nullable=False),
        sa.Column("champion_policy_version", sa.Text(), nullable=False),
        sa.Column("champion_scorecard_name", sa.Text(), nullable=True),
        sa.Column("champion_scorecard_version", sa.Text(), nullable=True),
        sa.Column("challenger_policy_name", sa.Text(), nullable=False),
        sa.Column("challenger_policy_version", sa.Text(), nullable=False),
        sa.Column("challenger_scorecard_name", sa.Text(), nullable=True),
        sa.Column("challenger_scorecard_version", sa.Text(), nullable=True),
        sa.Column("champion", sa.Text(), nullable=True),
        sa.Column("challenger", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
    )
    op.create_index(
        "ix_challenger_results_tenant_decided",
        "challenger_results",
        ["tenant_id", "decided_at", "recommendation_id"],
    )
    op.create_index("ix_challenger_results_decided_at", "challenger_results", ["decided_at"])


def downgrade() -> None:
    op.drop_index("ix_challenger_results_decided_at", "challenger_results")
    op.drop_index("ix_challenger_results_tenant_decided", "challenger_results")
    op.drop_table("challenger_results")
