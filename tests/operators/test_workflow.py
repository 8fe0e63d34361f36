"""How many load tasks a run has, what a retried plan tells them, and backfill intervals."""

from __future__ import annotations

import pytest

from include.engine.direction import DIRECTIONS
from operators.workflow import _retries_left, load_task_layout


def test_exports_fan_out_to_the_netsuite_threads_and_imports_to_spp_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INTEGRATION_NETSUITE_THREADS", "7")
    monkeypatch.setenv("INTEGRATION_SPP_THREADS", "3")
    assert DIRECTIONS["export"].load_threads() == 7
    assert DIRECTIONS["import"].load_threads() == 3


@pytest.mark.parametrize(
    ("threads", "cap", "layout"),
    [
        (10, 5, (2, 5)),
        (9, 5, (3, 3)),
        (1, 5, (1, 1)),
        (5, 5, (1, 5)),
        (7, 5, (7, 1)),
        (10, 1, (10, 1)),
        (8, 5, (2, 4)),
    ],
)
def test_load_tasks_share_the_threads_evenly_and_use_every_slot(
    threads: int, cap: int, layout: tuple[int, int]
) -> None:
    tasks, slots = load_task_layout(threads, cap)
    assert (tasks, slots) == layout
    assert tasks * slots == threads and slots <= cap


@pytest.mark.parametrize(("try_number", "max_tries", "left"), [(1, 2, 2), (2, 2, 1), (3, 2, 0), (1, 0, 0)])
def test_a_failed_plan_tells_the_load_tasks_how_many_retries_it_has_left(
    try_number: int, max_tries: int, left: int
) -> None:
    class Ti:
        pass

    ti = Ti()
    ti.try_number, ti.max_tries = try_number, max_tries  # type: ignore[attr-defined]
    assert _retries_left(ti) == left


def _context(run_type: object) -> dict[str, object]:
    class DagRun:
        pass

    run = DagRun()
    run.run_type = run_type  # type: ignore[attr-defined]
    return {
        "dag_run": run,
        "data_interval_start": "2026-03-01T00:00:00+00:00",
        "data_interval_end": "2026-03-01T01:00:00+00:00",
    }


def test_a_backfill_run_syncs_the_records_of_its_data_interval() -> None:
    from airflow.utils.types import DagRunType

    from operators.workflow import backfill_interval

    assert backfill_interval(_context(DagRunType.BACKFILL_JOB)) == (
        "2026-03-01T00:00:00+00:00",
        "2026-03-01T01:00:00+00:00",
    )


@pytest.mark.parametrize("run_type", ["manual", "scheduled", "asset_triggered"])
def test_other_runs_use_the_watermark_not_the_interval(run_type: str) -> None:
    from airflow.utils.types import DagRunType

    from operators.workflow import backfill_interval

    assert backfill_interval(_context(DagRunType(run_type))) is None
