"""Retired records: the run log counts the target records a run inactivated or deleted because
their source rows vanished (OneView report rows gone from a refreshed report).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("run_log") as table:
        table.add_column(sa.Column("retired", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("run_log") as table:
        table.drop_column("retired")
