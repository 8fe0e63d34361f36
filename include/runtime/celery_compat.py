"""The CeleryExecutor, importable with the pinned Celery 5.7.

``apache-airflow-providers-celery`` 3.26.0 imports ``retry`` from ``celery.backends.database``;
Celery 5.7.0 removed that decorator (its database backend retries by itself now), so importing
the provider's executor fails and the scheduler and workers cannot start. This module puts an
equivalent decorator back before the provider is imported and re-exports the provider's class
unchanged: the cluster names the executor ``include.runtime.celery_compat.CeleryExecutor``.
The ``airflow celery ...`` commands import the provider without loading the executor first, so
workers start through this module too: ``python -m include.runtime.celery_compat celery worker``
is ``airflow celery worker`` with the shim in place. Drop it (and use ``CeleryExecutor``) once the provider stops importing ``retry``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import celery.backends.database as _database

log = logging.getLogger(__name__)

EXECUTOR_PATH = "include.runtime.celery_compat.CeleryExecutor"


def retry(fun: Callable[..., Any]) -> Callable[..., Any]:
    """Retry a result-backend query on database errors (``max_retries`` keyword, default 3)."""
    from sqlalchemy.exc import DatabaseError, InvalidRequestError
    from sqlalchemy.orm.exc import StaleDataError

    @functools.wraps(fun)
    def inner(*args: Any, **kwargs: Any) -> Any:
        max_retries = kwargs.pop("max_retries", 3)
        for attempt in range(1, max_retries + 1):
            try:
                return fun(*args, **kwargs)
            except (DatabaseError, InvalidRequestError, StaleDataError):
                if attempt >= max_retries:
                    raise
                log.warning("%s failed; %d retries left", fun.__name__, max_retries - attempt, exc_info=True)
        return None

    return inner


if not hasattr(_database, "retry"):
    _database.retry = retry  # type: ignore[attr-defined]

from airflow.providers.celery.executors.celery_executor import CeleryExecutor  # noqa: E402 - after the shim
from airflow.providers.celery.executors.celery_executor_utils import app  # noqa: E402 - for `celery --app`

__all__ = ["EXECUTOR_PATH", "CeleryExecutor", "app", "retry"]


def main(argv: list[str] | None = None) -> None:
    """Run the ``airflow`` CLI with the shim in place (``... celery worker --concurrency 4``)."""
    import sys

    from airflow.__main__ import main as airflow_main

    sys.argv = ["airflow", *(sys.argv[1:] if argv is None else argv)]
    airflow_main()


if __name__ == "__main__":
    main()
