"""Staging tables: a run's plan and its batches, handed from the plan task to the load tasks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staged_plans",
        sa.Column("run_id", sa.String(250), nullable=False),
        sa.Column("workflow", sa.String(100), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "workflow", name="pk_staged_plans"),
    )
    op.create_table(
        "staged_batches",
        sa.Column("run_id", sa.String(250), nullable=False),
        sa.Column("workflow", sa.String(100), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("run_id", "workflow", "number", name="pk_staged_batches"),
    )


def downgrade() -> None:
    op.drop_table("staged_batches")
    op.drop_table("staged_plans")
