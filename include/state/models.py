"""Table definitions of the state store (SQLAlchemy Core).

These mirror the Alembic migrations under ``migrations/versions``, which alone create the schema;
``tests/include/state/test_migrate.py`` checks that the two agree.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so migrations can refer to them on every dialect.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Alembic's bookkeeping table; not the default name, so the store can share a database with
# other Alembic-managed applications (Airflow's metadata database uses ``alembic_version``).
VERSION_TABLE = "state_alembic_version"


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    SQLite keeps naive text and PostgreSQL ``timestamptz`` answers in the session time zone;
    both come back as aware UTC. Naive input is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: the state store needs timezone-aware values")
        value = value.astimezone(dt.UTC)
        # SQLite stores text; naive UTC text compares correctly as a string.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        stamp: dt.datetime = value
        if stamp.tzinfo is None:
            return stamp.replace(tzinfo=dt.UTC)
        return stamp.astimezone(dt.UTC)


class JSONText(TypeDecorator[Any]):
    """A JSON document kept in a ``TEXT`` column: Python dicts in, Python dicts out.

    Values JSON has no type for (dates, decimals) are stored as ``str(value)``, as staged
    payloads always were; ``None`` is SQL ``NULL``.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else json.dumps(value, default=str)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


xref = Table(
    "xref",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity", String(64), nullable=False),
    Column("netsuite_id", String(64)),
    Column("spp_id", String(64)),
    Column("netsuite_external_id", String(255)),
    Column("spp_external_id", String(255)),
    Column("updated_at", UTCDateTime, nullable=False),
    # NULLs are distinct in both dialects, so half-linked rows (one side unknown) may coexist.
    UniqueConstraint("entity", "netsuite_id"),
    UniqueConstraint("entity", "spp_id"),
)

watermark = Table(
    "watermark",
    metadata,
    Column("workflow", String(128), primary_key=True),
    Column("value", UTCDateTime, nullable=False),
    Column("run_id", String(250), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

field_hash = Table(
    "field_hash",
    metadata,
    Column("workflow", String(128), primary_key=True),
    Column("source_id", String(64), primary_key=True),
    Column("hash", String(128), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

export_claim = Table(
    "export_claim",
    metadata,
    Column("workflow", String(128), primary_key=True),
    Column("source_id", String(64), primary_key=True),
    Column("external_id", String(255), nullable=False),
    Column("run_id", String(250), nullable=False),
    Column("claimed_at", UTCDateTime, nullable=False),
)

run_log = Table(
    "run_log",
    metadata,
    Column("run_id", String(250), primary_key=True),
    Column("workflow", String(128), primary_key=True),
    Column("status", String(32), nullable=False),
    Column("params", JSON, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("created", Integer, nullable=False, server_default=text("0")),
    Column("updated", Integer, nullable=False, server_default=text("0")),
    Column("skipped", Integer, nullable=False, server_default=text("0")),
    Column("failed", Integer, nullable=False, server_default=text("0")),
    Column("extracted", Integer, nullable=False, server_default=text("0")),
    Column("timings", JSON, nullable=False),
    Column("retired", Integer, nullable=False, server_default=text("0")),
    Index(None, "workflow", "started_at"),
)

record_error = Table(
    "record_error",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("run_id", String(250), nullable=False),
    Column("workflow", String(128), nullable=False),
    Column("source_system", String(32), nullable=False),
    Column("source_type", String(64), nullable=False),
    Column("source_id", String(64)),
    Column("source_name", String(255)),
    Column("target_system", String(32), nullable=False),
    Column("code", String(128)),
    Column("message", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "run_id"),
    Index(None, "workflow", "created_at"),
)

EVENT_PENDING, EVENT_TAKEN, EVENT_DONE, EVENT_FAILED = "pending", "taken", "done", "failed"

event_queue = Table(
    "event_queue",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("event_type", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("dedupe_key", String(255)),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("taken_at", UTCDateTime),
    Column("acked_at", UTCDateTime),
    Column("not_before", UTCDateTime),  # a failed attempt's backoff: not taken again before this
    Column("target_id", String(64)),  # the record written on the target, once done
    Column("error", Text),  # the last attempt's error (the target system's message)
    Index(None, "status", "id"),
    # A notice delivered twice (same dedupe key) is one event, whatever became of the first.
    Index("uq_event_queue_dedupe_key", "dedupe_key", unique=True),
)

SCHEME_HMAC, SCHEME_JWT = "hmac", "jwt"

# The keys of the systems that send events: an SPP sender's HMAC key (only its SHA-256 digest, see
# include/events/signatures.py) or a NetSuite sender's X.509 certificate (public key). A sender may
# hold several at once while it rotates; a retired key signs nothing.
event_sender_key = Table(
    "event_sender_key",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("sender", String(64), nullable=False),
    Column("scheme", String(8), nullable=False),
    Column("key_id", String(64), nullable=False, unique=True),
    Column("secret_sha256", String(64)),
    Column("certificate", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("retired_at", UTCDateTime),
)

# Token ids (``jti``) already accepted, until the token would have expired anyway.
event_replay = Table(
    "event_replay",
    metadata,
    Column("sender", String(64), primary_key=True),
    Column("jti", String(128), primary_key=True),
    Column("expires_at", UTCDateTime, nullable=False),
    Index(None, "expires_at"),
)

PLAN_PLANNING, PLAN_COMPLETE, PLAN_FAILED = "planning", "complete", "failed"

# The plan of a run, handed from the planning task to the load tasks (``include/state/plans.py``).
# ``plan``, ``payload`` and ``outcome`` are JSON documents in TEXT columns, opaque to the store.
staged_plans = Table(
    "staged_plans",
    metadata,
    Column("run_id", String(250), primary_key=True),
    Column("workflow", String(100), primary_key=True),
    Column("plan", JSONText, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # planning / complete / failed: the load tasks keep claiming batches until "complete"
    Column("status", String(20), nullable=False, server_default="complete"),
    Column("attempt", Integer, nullable=False, server_default="1"),
    Column("retries_left", Integer, nullable=False, server_default="0"),
    Column("heartbeat_at", UTCDateTime),
)

staged_batches = Table(
    "staged_batches",
    metadata,
    Column("run_id", String(250), primary_key=True),
    Column("workflow", String(100), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("payload", JSONText),
    Column("outcome", JSONText),
    Column("records", Integer, nullable=False, server_default="0"),
    Column("claimed_by", String(100)),
    Column("claimed_at", UTCDateTime),
)
