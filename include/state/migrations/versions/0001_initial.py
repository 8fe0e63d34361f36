"""Initial state store schema: cross-references, watermarks, field hashes, export claims,
run log, per-record errors and the event queue.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copies of the types at this revision (migrations must not follow later model edits).
TS = sa.DateTime(timezone=True)
AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite autoincrements INTEGER only


def upgrade() -> None:
    op.create_table(
        "xref",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entity", sa.String(64), nullable=False),
        sa.Column("netsuite_id", sa.String(64), nullable=True),
        sa.Column("spp_id", sa.String(64), nullable=True),
        sa.Column("netsuite_external_id", sa.String(255), nullable=True),
        sa.Column("spp_external_id", sa.String(255), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_xref"),
        sa.UniqueConstraint("entity", "netsuite_id", name="uq_xref_entity_netsuite_id"),
        sa.UniqueConstraint("entity", "spp_id", name="uq_xref_entity_spp_id"),
    )
    op.create_table(
        "watermark",
        sa.Column("workflow", sa.String(128), nullable=False),
        sa.Column("value", TS, nullable=False),
        sa.Column("run_id", sa.String(250), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("workflow", name="pk_watermark"),
    )
    op.create_table(
        "field_hash",
        sa.Column("workflow", sa.String(128), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(128), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("workflow", "source_id", name="pk_field_hash"),
    )
    op.create_table(
        "export_claim",
        sa.Column("workflow", sa.String(128), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("run_id", sa.String(250), nullable=False),
        sa.Column("claimed_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("workflow", "source_id", name="pk_export_claim"),
    )
    op.create_table(
        "run_log",
        sa.Column("run_id", sa.String(250), nullable=False),
        sa.Column("workflow", sa.String(128), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("created", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("updated", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("skipped", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("failed", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("extracted", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("timings", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "workflow", name="pk_run_log"),
    )
    op.create_index("ix_run_log_workflow_started_at", "run_log", ["workflow", "started_at"])
    op.create_table(
        "record_error",
        sa.Column("id", AUTO_ID, autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(250), nullable=False),
        sa.Column("workflow", sa.String(128), nullable=False),
        sa.Column("source_system", sa.String(32), nullable=False),
        sa.Column("source_type", sa.String(64), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=True),
        sa.Column("source_name", sa.String(255), nullable=True),
        sa.Column("target_system", sa.String(32), nullable=False),
        sa.Column("code", sa.String(128), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_record_error"),
    )
    op.create_index("ix_record_error_run_id", "record_error", ["run_id"])
    op.create_index("ix_record_error_workflow_created_at", "record_error", ["workflow", "created_at"])
    op.create_table(
        "event_queue",
        sa.Column("id", AUTO_ID, autoincrement=True, nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(255), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("taken_at", TS, nullable=True),
        sa.Column("acked_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_event_queue"),
    )
    op.create_index("ix_event_queue_status_id", "event_queue", ["status", "id"])
    op.create_index(
        "uq_event_queue_pending_dedupe_key",
        "event_queue",
        ["dedupe_key"],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    for table in (
        "event_queue",
        "record_error",
        "run_log",
        "export_claim",
        "field_hash",
        "watermark",
        "xref",
    ):
        op.drop_table(table)
