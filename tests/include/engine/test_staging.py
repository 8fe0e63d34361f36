"""A run's plan handed from the plan task to the load tasks through the state database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from include.engine import staging
from include.engine.run import CREATE, UPDATE, Batch, BatchOutcome, Plan, PlannedRecord
from include.engine.window import SyncWindow
from include.state import StateStore

RUN, WORKFLOW = "manual__2031-05-06T07:00:00", "customers_import"
WINDOW = SyncWindow(
    since=dt.datetime(2031, 5, 6, 6, 0, tzinfo=dt.UTC), until=dt.datetime(2031, 5, 6, 7, 0, tzinfo=dt.UTC), mode="incremental"
)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[object]:
    """A migrated state database (the staging tables come from its Alembic migrations)."""
    store = StateStore(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        yield store.engine
    finally:
        store.close()


def record(source_id: str, action: str = CREATE, **target: object) -> PlannedRecord:
    return PlannedRecord(source_id, f"Customer {source_id}", action, target={"company": f"C{source_id}", **target})


def make_plan(window: SyncWindow = WINDOW) -> Plan:
    creates = Batch(0, CREATE, [record("1"), record("2", addr={"email": "a@b.example"})])
    updates = Batch(1, UPDATE, [PlannedRecord("3", "Customer 3", UPDATE, {"company": "C3"}, target_id="77", hash="h3")])
    skipped = [PlannedRecord("4", "Customer 4", "skip", reason="monitored fields unchanged")]
    failed = [PlannedRecord("5", "Customer 5", "fail", reason="company is empty")]
    return Plan(window, extracted=5, batches=[creates, updates], skipped=skipped, failed=failed, seconds=0.5)


def test_batches_round_trip_through_the_database(engine: object) -> None:
    plan = make_plan()

    numbers = staging.save_plan(engine, RUN, WORKFLOW, plan)

    assert numbers == [0, 1]
    assert [staging.load_batch(engine, RUN, WORKFLOW, n) for n in numbers] == plan.batches


def test_stored_plan_keeps_window_and_counts_but_not_the_records(engine: object) -> None:
    staging.save_plan(engine, RUN, WORKFLOW, make_plan())

    plan, outcomes, batches = staging.load_plan(engine, RUN, WORKFLOW)

    assert plan.window == WINDOW
    assert (plan.extracted, plan.skipped_count, plan.failed_count, plan.seconds) == (5, 1, 1, 0.5)
    assert plan.batches == [] and outcomes == [] and batches == 2


def test_a_full_or_single_record_window_round_trips(engine: object) -> None:
    records = SyncWindow(since=None, until=WINDOW.until, mode="records", record_ids=("7", "9"))
    staging.save_plan(engine, RUN, WORKFLOW, make_plan(records))

    assert staging.load_plan(engine, RUN, WORKFLOW)[0].window == records


def test_outcomes_are_recorded_per_batch(engine: object) -> None:
    staging.save_plan(engine, RUN, WORKFLOW, make_plan())
    outcome = BatchOutcome(1, created=0, updated=1, failed=0, seconds=0.25)

    staging.save_outcome(engine, RUN, WORKFLOW, outcome)

    assert staging.loaded_batches(engine, RUN, WORKFLOW) == {1}
    assert staging.load_plan(engine, RUN, WORKFLOW)[1] == [outcome]


def test_clearing_payloads_keeps_the_outcomes(engine: object) -> None:
    staging.save_plan(engine, RUN, WORKFLOW, make_plan())
    staging.save_outcome(engine, RUN, WORKFLOW, BatchOutcome(0, created=2))

    staging.clear_payloads(engine, RUN, WORKFLOW)

    with pytest.raises(LookupError, match="batch 0"):
        staging.load_batch(engine, RUN, WORKFLOW, 0)
    _, outcomes, batches = staging.load_plan(engine, RUN, WORKFLOW)
    assert outcomes == [BatchOutcome(0, created=2)] and batches == 2


def test_saving_the_plan_again_replaces_the_earlier_attempt(engine: object) -> None:
    staging.save_plan(engine, RUN, WORKFLOW, make_plan())
    staging.save_outcome(engine, RUN, WORKFLOW, BatchOutcome(0, created=2))
    smaller = Plan(WINDOW, extracted=1, batches=[Batch(0, CREATE, [record("9")])], skipped=[], failed=[], seconds=0.1)

    assert staging.save_plan(engine, RUN, WORKFLOW, smaller) == [0]

    plan, outcomes, batches = staging.load_plan(engine, RUN, WORKFLOW)
    assert (plan.extracted, outcomes, batches) == (1, [], 1)
    assert staging.load_batch(engine, RUN, WORKFLOW, 0).records[0].source_id == "9"


def test_runs_and_workflows_are_kept_apart(engine: object) -> None:
    staging.save_plan(engine, RUN, WORKFLOW, make_plan())
    staging.save_plan(engine, "other-run", WORKFLOW, Plan(WINDOW, 0, [], [], [], 0.0))

    assert staging.load_plan(engine, "other-run", WORKFLOW)[2] == 0
    assert staging.load_plan(engine, RUN, WORKFLOW)[2] == 2
    with pytest.raises(LookupError, match="no plan stored"):
        staging.load_plan(engine, RUN, "projects_import")
    with pytest.raises(LookupError):
        staging.load_batch(engine, "other-run", WORKFLOW, 0)


def test_plans_larger_than_one_insert_chunk_are_stored_whole(engine: object) -> None:
    batches = [Batch(i, CREATE, [record(str(i))]) for i in range(450)]

    numbers = staging.save_plan(engine, RUN, WORKFLOW, Plan(WINDOW, 450, batches, [], [], 1.0))

    assert numbers == list(range(450))
    assert staging.load_batch(engine, RUN, WORKFLOW, 449) == batches[449]
