"""Real-time events: the queue remembers each event's outcome (target id or error), when a failed
event may be tried again, and refuses a redelivered notice for good (dedupe across all statuses);
the keys and certificates of the systems that send events, and the token ids seen (replay check).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("event_queue") as table:
        table.add_column(sa.Column("not_before", TS, nullable=True))
        table.add_column(sa.Column("target_id", sa.String(64), nullable=True))
        table.add_column(sa.Column("error", sa.Text(), nullable=True))
    op.drop_index("uq_event_queue_pending_dedupe_key", table_name="event_queue")
    op.create_index("uq_event_queue_dedupe_key", "event_queue", ["dedupe_key"], unique=True)
    op.create_table(
        "event_sender_key",
        sa.Column("id", AUTO_ID, autoincrement=True, nullable=False),
        sa.Column("sender", sa.String(64), nullable=False),
        sa.Column("scheme", sa.String(8), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=True),
        sa.Column("certificate", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("retired_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_event_sender_key"),
        sa.UniqueConstraint("key_id", name="uq_event_sender_key_key_id"),
    )
    op.create_table(
        "event_replay",
        sa.Column("sender", sa.String(64), nullable=False),
        sa.Column("jti", sa.String(128), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("sender", "jti", name="pk_event_replay"),
    )
    op.create_index("ix_event_replay_expires_at", "event_replay", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_event_replay_expires_at", table_name="event_replay")
    op.drop_table("event_replay")
    op.drop_table("event_sender_key")
    op.drop_index("uq_event_queue_dedupe_key", table_name="event_queue")
    op.create_index(
        "uq_event_queue_pending_dedupe_key",
        "event_queue",
        ["dedupe_key"],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )
    with op.batch_alter_table("event_queue") as table:
        table.drop_column("error")
        table.drop_column("target_id")
        table.drop_column("not_before")
