"""Specification of state-store URLs and engines (include/state/engine.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from include.state import StateStore, default_url
from include.state.engine import ENV_VAR, REPO_ROOT, make_engine, writer


def test_default_url_is_a_sqlite_file_under_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert default_url() == f"sqlite:///{REPO_ROOT / 'var' / 'state.db'}"
    assert (REPO_ROOT / "include" / "state").is_dir()


def test_environment_variable_overrides_the_default(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> None:
    monkeypatch.setenv(ENV_VAR, sqlite_url)
    assert default_url() == sqlite_url
    with StateStore.from_env() as store:
        assert store.url == sqlite_url
        assert store.xref_count() == 0


def test_sqlite_file_gets_its_directory_and_wal_mode(tmp_path: Path) -> None:
    db = tmp_path / "a" / "b" / "state.db"
    engine = make_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000
        assert db.exists()
    finally:
        engine.dispose()


def test_sqlite_writers_take_the_write_lock_at_begin(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        with writer(engine).connect() as first, first.begin():
            first.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            # A second writer cannot start while the first holds the lock (it would queue on the
            # busy timeout; with none it fails at BEGIN, before doing any work).
            probe = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                probe.execute("BEGIN IMMEDIATE")
            probe.close()
    finally:
        engine.dispose()


def test_in_memory_sqlite_is_refused() -> None:
    with pytest.raises(ValueError, match="in-memory"):
        make_engine("sqlite://")
