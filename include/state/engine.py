"""Database URLs and engines for the state store.

SQLite is the default (one file under ``<repo>/var``); any SQLAlchemy URL works in production
(PostgreSQL via psycopg2 or psycopg). SQLite engines are tuned for many task processes writing
one file at once: WAL journal (readers never block the writer), a 30 s busy timeout, and
``BEGIN IMMEDIATE`` for write transactions so a writer queues for the lock up front instead of
failing with "database is locked" when it upgrades a stale read snapshot mid-transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event, make_url
from sqlalchemy.engine import Connection, Engine

ENV_VAR = "INTEGRATION_STATE_DB_URL"
REPO_ROOT = Path(__file__).resolve().parents[2]
SQLITE_BUSY_TIMEOUT_S = 30.0
CHUNK = 500  # ids per IN list: well under SQLite's and psycopg's parameter limits

T = TypeVar("T")

# Execution option read by the SQLite "begin" hook: which BEGIN flavour to emit.
_BEGIN_OPTION = "state_sqlite_begin"


def utcnow() -> dt.datetime:
    """The store's clock: aware UTC."""
    return dt.datetime.now(dt.UTC)


def chunked(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def default_url() -> str:
    """``INTEGRATION_STATE_DB_URL`` if set, else ``sqlite:///<repo>/var/state.db``."""
    return os.environ.get(ENV_VAR) or f"sqlite:///{REPO_ROOT / 'var' / 'state.db'}"


def is_sqlite(url_or_engine: str | Engine | Connection) -> bool:
    """Whether a URL (or an engine/connection) talks to SQLite."""
    if isinstance(url_or_engine, str):
        return make_url(url_or_engine).get_backend_name() == "sqlite"
    return url_or_engine.dialect.name == "sqlite"


def _sqlite_file(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _json_default(value: Any) -> str:
    # Run params and timings may carry dates (``since``); store them as ISO text, not fail.
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def _dump_json(value: Any) -> str:
    return json.dumps(value, default=_json_default)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; for a SQLite file, creates its parent directory and sets WAL mode."""
    if not is_sqlite(url):
        # pre_ping: task processes hold engines across long API calls; drop dead connections quietly.
        return create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=8, json_serializer=_dump_json)
    path = _sqlite_file(url)
    if path is None:
        raise ValueError(f"the state store needs a SQLite file, not an in-memory database: {url!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}, json_serializer=_dump_json)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def writer(engine: Engine) -> Engine:
    """The same engine (same pool) whose transactions take the SQLite write lock at BEGIN."""
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})


class Transactions:
    """Short transactions on one engine, the only way the store talks to its database.

    ``read()`` begins a plain (on SQLite: deferred) transaction; ``write()`` begins one that on
    SQLite takes the write lock at ``BEGIN IMMEDIATE``, so writers queue for the lock instead of
    failing. Both commit when the block ends and roll back if it raises. After a fork the
    engine's pool is replaced before use: pooled sockets must not be shared across processes.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writer = writer(engine)
        self._pid = os.getpid()

    @property
    def engine(self) -> Engine:
        """The engine (after a fork, with a fresh pool)."""
        if os.getpid() != self._pid:
            self._engine.dispose(close=False)
            self._pid = os.getpid()
        return self._engine

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A transaction for reading."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction for writing (on SQLite: holding the write lock from its start)."""
        self.engine  # noqa: B018 - refreshes the pool after a fork before the writer uses it
        with self._writer.begin() as conn:
            yield conn


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" hook emit BEGIN itself (pysqlite's implicit BEGIN is always DEFERRED
    # and is skipped before DDL, which would break transactional migrations).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")  # durable enough in WAL mode, far fewer fsyncs
    finally:
        cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")
