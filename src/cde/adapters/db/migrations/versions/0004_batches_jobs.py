"""Portfolio batches and their items; the embedded job queue; procrastinate on PostgreSQL.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from procrastinate.schema import SchemaManager

from cde.adapters.db.tables import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("as_of", sa.String(10), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=True),
        sa.Column("user_name", sa.String(255), nullable=True),
        sa.Column("user_role", sa.String(100), nullable=True),
        sa.Column("claimed_ip", sa.String(100), nullable=True),
        sa.Column("remote_addr", sa.String(100), nullable=True),
    )
    op.create_index("ix_batches_tenant", "batches", ["tenant_id", "id"])
    op.create_table(
        "batch_items",
        sa.Column("batch_id", sa.String(36), sa.ForeignKey("batches.id"), primary_key=True),
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("loan_id", sa.String(255), nullable=True),
        sa.Column("customer_id", sa.String(255), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("grade", sa.String(1), nullable=True),
        sa.Column("plafon", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
    )
    op.create_index("ix_batch_items_status", "batch_items", ["batch_id", "status", "seq"])
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("args", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", UTCDateTime(), nullable=False),
        sa.Column("leased_until", UTCDateTime(), nullable=True),
        sa.Column("worker", sa.String(100), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_jobs_ready", "jobs", ["status", "run_after"])
    if op.get_bind().dialect.name == "postgresql":
        # procrastinate's own schema (its tables, functions and triggers), pinned to the
        # procrastinate major version in pyproject.toml.
        op.execute(SchemaManager.get_schema())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DO $$ DECLARE r record; BEGIN "
            "FOR r IN SELECT oid::regprocedure AS f FROM pg_proc "
            "WHERE proname LIKE 'procrastinate%' LOOP "
            "EXECUTE 'DROP FUNCTION IF EXISTS ' || r.f || ' CASCADE'; END LOOP; END $$"
        )
        op.execute("DROP TABLE IF EXISTS procrastinate_events CASCADE")
        op.execute("DROP TABLE IF EXISTS procrastinate_periodic_defers CASCADE")
        op.execute("DROP TABLE IF EXISTS procrastinate_jobs CASCADE")
        op.execute("DROP TABLE IF EXISTS procrastinate_workers CASCADE")
        op.execute("DROP TYPE IF EXISTS procrastinate_job_status CASCADE")
        op.execute("DROP TYPE IF EXISTS procrastinate_job_event_type CASCADE")
        op.execute("DROP TYPE IF EXISTS procrastinate_job_to_defer_v1 CASCADE")
    op.drop_index("ix_jobs_ready", "jobs")
    op.drop_table("jobs")
    op.drop_index("ix_batch_items_status", "batch_items")
    op.drop_table("batch_items")
    op.drop_index("ix_batches_tenant", "batches")
    op.drop_table("batches")
