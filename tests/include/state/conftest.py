"""Fixtures: a fresh state database per test, as a SQLite file and as a PostgreSQL schema.

PostgreSQL tests use the database ``integration_state_test`` (created if missing) on
``STATE_TEST_PG`` (default ``postgresql+psycopg2://postgres@127.0.0.1:5432``); each test gets its
own schema (via ``search_path``), dropped afterwards. They are skipped, with the reason, only
when no server answers.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from include.state import StateStore

PG_SERVER = os.environ.get("STATE_TEST_PG", "postgresql+psycopg2://postgres@127.0.0.1:5432")
PG_DATABASE = "integration_state_test"


def _pg_admin_engine(database: str) -> sa.Engine:
    return sa.create_engine(
        f"{PG_SERVER}/{database}", isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )


@pytest.fixture(scope="session")
def pg_database() -> str:
    """The PostgreSQL test database's URL (skips the test if no server is reachable)."""
    admin = _pg_admin_engine("postgres")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": PG_DATABASE}
            ).scalar()
            if not exists:
                conn.exec_driver_sql(f'CREATE DATABASE "{PG_DATABASE}"')
    except sa.exc.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_SERVER}: {exc.orig}")
    finally:
        admin.dispose()
    return f"{PG_SERVER}/{PG_DATABASE}"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file URL in a directory that does not exist yet (the store creates it)."""
    return f"sqlite:///{tmp_path / 'state' / 'state.db'}"


@pytest.fixture
def pg_url(pg_database: str) -> Iterator[str]:
    """A PostgreSQL URL whose connections live in a fresh, empty schema."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin_engine(PG_DATABASE)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{pg_database}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest) -> str:
    """The same test on both backends."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def store(url: str) -> Iterator[StateStore]:
    """A migrated store on each backend."""
    with StateStore(url) as s:
        yield s
