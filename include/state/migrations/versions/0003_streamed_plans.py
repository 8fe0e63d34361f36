"""Streamed plans: the planning task stages batches as it goes and the load tasks claim them.

``staged_plans`` gains the plan's progress (``status``: planning / complete / failed, the
attempt, how many retries the planning task has left, a heartbeat); ``staged_batches`` gains
who claimed a batch and when, and its record count (for progress without reading payloads).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staged_plans") as table:
        table.add_column(sa.Column("status", sa.String(20), nullable=False, server_default="complete"))
        table.add_column(sa.Column("attempt", sa.Integer(), nullable=False, server_default="1"))
        table.add_column(sa.Column("retries_left", sa.Integer(), nullable=False, server_default="0"))
        table.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("staged_batches") as table:
        table.add_column(sa.Column("records", sa.Integer(), nullable=False, server_default="0"))
        table.add_column(sa.Column("claimed_by", sa.String(100), nullable=True))
        table.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staged_batches") as table:
        table.drop_column("claimed_at")
        table.drop_column("claimed_by")
        table.drop_column("records")
    with op.batch_alter_table("staged_plans") as table:
        table.drop_column("heartbeat_at")
        table.drop_column("retries_left")
        table.drop_column("attempt")
        table.drop_column("status")
