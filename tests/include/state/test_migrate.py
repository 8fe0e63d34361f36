"""Specification of the state store's migrations (include/state/migrate.py)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from include.state import StateStore, upgrade
from include.state.engine import make_engine
from include.state.migrate import current_revisions, head_revisions
from include.state.models import VERSION_TABLE, metadata
from tests.include.state import workers
from tests.include.state.processes import SPAWN, run_all

TABLES = {
    "xref",
    "watermark",
    "field_hash",
    "export_claim",
    "run_log",
    "record_error",
    "event_queue",
    "event_sender_key",
    "event_replay",
    "staged_plans",
    "staged_batches",
    VERSION_TABLE,
}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _revisions(url: str) -> frozenset[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return current_revisions(conn)
    finally:
        engine.dispose()


def test_upgrade_creates_every_table_from_an_empty_database(url: str) -> None:
    assert _tables(url) == set()
    upgrade(url)
    assert _tables(url) == TABLES
    assert _revisions(url) == head_revisions()


def test_upgrade_is_idempotent(url: str) -> None:
    upgrade(url)
    upgrade(url)
    StateStore(url).close()  # the store's own check finds the schema current and leaves it alone
    assert _tables(url) == TABLES
    assert _revisions(url) == head_revisions()


def test_store_migrates_on_open_unless_told_not_to(url: str) -> None:
    StateStore(url, migrate=False).close()
    assert _tables(url) == set()
    with StateStore(url) as store:
        assert store.xref_count() == 0
    assert _tables(url) == TABLES


def test_migrate_on_an_open_store_is_upgrade(url: str) -> None:
    with StateStore(url, migrate=False) as store:
        store.migrate()
        store.migrate()
    assert _tables(url) == TABLES


def test_migrations_match_the_table_definitions(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"version_table": VERSION_TABLE, "compare_type": True}
            )
            assert compare_metadata(ctx, metadata) == []
    finally:
        engine.dispose()


def test_ten_processes_migrating_at_once_all_succeed(url: str) -> None:
    barrier = SPAWN.Barrier(10)
    run_all(workers.migrate, [(url, barrier)] * 10)
    assert _tables(url) == TABLES
    assert _revisions(url) == head_revisions()


def test_command_line_upgrade_and_current(sqlite_url: str, capsys) -> None:
    from include.state.__main__ import main

    assert main(["current", "--url", sqlite_url]) == 0
    assert capsys.readouterr().out.strip() == "(empty)"
    assert main(["upgrade", "--url", sqlite_url]) == 0
    assert main(["current", "--url", sqlite_url]) == 0
    assert capsys.readouterr().out.strip().endswith(",".join(sorted(head_revisions())))
