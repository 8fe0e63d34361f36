"""How a run's batches are dealt to mapped load tasks."""

from __future__ import annotations

import pytest

from operators.workflow import load_shards_for, shard_batches


def test_batches_are_dealt_round_robin_into_equal_shards() -> None:
    shards = shard_batches(list(range(10)), 4)
    assert shards == [[0, 4, 8], [1, 5, 9], [2, 6], [3, 7]]
    assert max(map(len, shards)) - min(map(len, shards)) <= 1


def test_never_more_shards_than_batches_and_none_for_an_empty_plan() -> None:
    assert shard_batches([0, 1], 10) == [[0], [1]]
    assert shard_batches([], 10) == []


def test_every_batch_lands_in_exactly_one_shard() -> None:
    numbers = list(range(1000))
    shards = shard_batches(numbers, 10)
    assert sorted(n for shard in shards for n in shard) == numbers
    assert len(shards) == 10


def test_exports_fan_out_to_the_netsuite_threads_and_imports_to_spp_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTEGRATION_NETSUITE_THREADS", "7")
    monkeypatch.setenv("INTEGRATION_SPP_THREADS", "3")
    assert load_shards_for("export") == 7
    assert load_shards_for("import") == 3


def _context(run_type: object) -> dict[str, object]:
    class DagRun:
        pass

    run = DagRun()
    run.run_type = run_type  # type: ignore[attr-defined]
    return {"dag_run": run, "data_interval_start": "2026-03-01T00:00:00+00:00", "data_interval_end": "2026-03-01T01:00:00+00:00"}


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
