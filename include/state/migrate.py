"""Schema migrations, run programmatically: ``upgrade(url)`` is ``alembic upgrade head``.

Safe when many processes call it at once: the whole upgrade runs in one transaction that first
takes a lock every other migrator waits for (``BEGIN IMMEDIATE`` on SQLite, a transaction-scoped
advisory lock on PostgreSQL), and the current revision is read only after the lock is held, so
the late-comers find the schema at head and do nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from include.state.engine import default_url, make_engine, writer
from include.state.models import VERSION_TABLE

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Arbitrary constant naming "the state store's migration lock" among PostgreSQL advisory locks.
PG_MIGRATION_LOCK_KEY = 0x5747_4154_4531  # "STATE1"-ish, fits a signed bigint
_ATTEMPTS = 5


def alembic_config(url: str | None = None) -> Config:
    """An Alembic ``Config`` for the state store's migrations (no ``alembic.ini`` needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # configparser interpolates '%'; URL-encoded passwords contain it.
    cfg.set_main_option("sqlalchemy.url", (url or default_url()).replace("%", "%%"))
    return cfg


@lru_cache(maxsize=1)
def head_revisions() -> frozenset[str]:
    """The revision(s) the migration scripts end at."""
    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite:///unused.db")).get_heads())


def current_revisions(connection: Connection) -> frozenset[str]:
    """The revision(s) the database is at (empty before the first migration)."""
    ctx = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return frozenset(ctx.get_current_heads())


@contextmanager
def migration_lock(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that holds the store-wide migration lock."""
    with writer(engine).connect() as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK_KEY})
        yield conn


def upgrade(url: str | None = None, revision: str = "head", engine: Engine | None = None) -> None:
    """Bring the database at ``url`` (default: ``INTEGRATION_STATE_DB_URL``) to ``revision``.

    Idempotent; concurrent callers serialize on the migration lock. Pass ``engine`` to reuse one.
    """
    own_engine = engine is None
    engine = engine or make_engine(url or default_url())
    try:
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                with migration_lock(engine) as conn:
                    cfg = alembic_config(url or engine.url.render_as_string(hide_password=False))
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, revision)
                return
            except OperationalError as exc:
                # The lock makes races impossible in normal operation; a lock wait longer than the
                # busy timeout, or a connection dropped mid-way, is worth another try.
                if attempt == _ATTEMPTS:
                    raise
                log.warning("state store migration attempt %d failed (%s); retrying", attempt, exc.orig)
                time.sleep(0.2 * attempt)
    finally:
        if own_engine:
            engine.dispose()


def ensure_schema(engine: Engine) -> None:
    """Run ``upgrade`` only if the database is not already at head (one cheap query otherwise)."""
    with engine.connect() as conn:
        if current_revisions(conn) == head_revisions():
            return
    upgrade(engine=engine)
