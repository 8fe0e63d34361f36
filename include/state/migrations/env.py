"""Alembic environment of the state store.

Run through ``include.state.migrate.upgrade`` (which passes a locked connection in
``config.attributes["connection"]``) or ``python -m include.state``; both serialize concurrent
migrators. ``render_as_batch`` lets future ALTERs work on SQLite.
"""

from __future__ import annotations

from alembic import context

from include.state.engine import default_url, make_engine
from include.state.migrate import migration_lock
from include.state.models import VERSION_TABLE, metadata

config = context.config
options = {"target_metadata": metadata, "version_table": VERSION_TABLE, "render_as_batch": True}


def _run(connection: object) -> None:
    context.configure(connection=connection, **options)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True, **options)
    with context.begin_transaction():
        context.run_migrations()
elif (connection := config.attributes.get("connection")) is not None:
    _run(connection)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or default_url())
    try:
        with migration_lock(engine) as locked:
            _run(locked)
    finally:
        engine.dispose()
