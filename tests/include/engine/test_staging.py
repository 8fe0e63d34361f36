"""A run's plan handed from the plan task to the load tasks through the state database.

``include/engine/staging.py`` converts the engine's batches, outcomes, plans and windows to the
documents the state store keeps; how the store keeps them (statements, locks, claims across
processes, both databases) is specified in ``tests/include/state/test_plans.py``.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest

from include.engine import staging
from include.engine.run import CREATE, UPDATE, Batch, BatchOutcome, Plan, PlannedRecord
from include.engine.window import SyncWindow
from include.state import StagedPlans, StateStore
from include.state import plans as state_plans

RUN, WORKFLOW = "manual__2031-05-06T07:00:00", "customers_import"
WORKER, OTHER = "shard-0", "shard-1"
WINDOW = SyncWindow(
    since=dt.datetime(2031, 5, 6, 6, 0, tzinfo=dt.UTC),
    until=dt.datetime(2031, 5, 6, 7, 0, tzinfo=dt.UTC),
    mode="incremental",
)


def save_plan(engine: object, run_id: str, workflow: str, plan: Plan) -> list[int]:
    """Stage a whole in-memory plan the way the planning task does chunk by chunk."""
    staging.open_plan(engine, run_id, workflow, plan.window)
    counts = staging.PlanCounts(seconds=plan.seconds)
    counts.add(plan.extracted, plan.batches, plan.skipped_count, plan.failed_count)
    staging.stage_batches(engine, run_id, workflow, plan.batches, plan.window, counts)
    staging.complete_plan(engine, run_id, workflow, plan.window, counts)
    return [b.number for b in plan.batches]


def record(source_id: str, action: str = CREATE, **target: object) -> PlannedRecord:
    return PlannedRecord(
        source_id, f"Customer {source_id}", action, target={"company": f"C{source_id}", **target}
    )


def make_plan(window: SyncWindow = WINDOW) -> Plan:
    creates = Batch(0, CREATE, [record("1"), record("2", addr={"email": "a@b.example"})])
    updates = Batch(
        1, UPDATE, [PlannedRecord("3", "Customer 3", UPDATE, {"company": "C3"}, target_id="77", hash="h3")]
    )
    skipped = [PlannedRecord("4", "Customer 4", "skip", reason="monitored fields unchanged")]
    failed = [PlannedRecord("5", "Customer 5", "fail", reason="company is empty")]
    return Plan(window, extracted=5, batches=[creates, updates], skipped=skipped, failed=failed, seconds=0.5)


def test_batches_round_trip_through_the_database(engine: object) -> None:
    plan = make_plan()

    numbers = save_plan(engine, RUN, WORKFLOW, plan)

    assert numbers == [0, 1]
    assert [staging.load_batch(engine, RUN, WORKFLOW, n) for n in numbers] == plan.batches


def test_stored_plan_keeps_window_and_counts_but_not_the_records(engine: object) -> None:
    save_plan(engine, RUN, WORKFLOW, make_plan())

    plan, outcomes, batches = staging.load_plan(engine, RUN, WORKFLOW)

    assert plan.window == WINDOW
    assert (plan.extracted, plan.skipped_count, plan.failed_count, plan.seconds) == (5, 1, 1, 0.5)
    assert plan.batches == [] and outcomes == [] and batches == 2


def test_a_full_or_single_record_window_round_trips(engine: object) -> None:
    records = SyncWindow(since=None, until=WINDOW.until, mode="records", record_ids=("7", "9"))
    save_plan(engine, RUN, WORKFLOW, make_plan(records))

    assert staging.load_plan(engine, RUN, WORKFLOW)[0].window == records


def test_outcomes_are_recorded_per_batch(engine: object) -> None:
    save_plan(engine, RUN, WORKFLOW, make_plan())
    outcome = BatchOutcome(1, created=0, updated=1, failed=0, seconds=0.25)

    staging.save_outcome(engine, RUN, WORKFLOW, outcome)

    assert set(StagedPlans(engine).progress(RUN, WORKFLOW).outcomes) == {1}
    assert staging.load_plan(engine, RUN, WORKFLOW)[1] == [outcome]


def test_clearing_payloads_keeps_the_outcomes(engine: object) -> None:
    save_plan(engine, RUN, WORKFLOW, make_plan())
    staging.save_outcome(engine, RUN, WORKFLOW, BatchOutcome(0, created=2))

    staging.clear_payloads(engine, RUN, WORKFLOW)

    with pytest.raises(LookupError, match="batch 0"):
        staging.load_batch(engine, RUN, WORKFLOW, 0)
    _, outcomes, batches = staging.load_plan(engine, RUN, WORKFLOW)
    assert outcomes == [BatchOutcome(0, created=2)] and batches == 2


def test_saving_the_plan_again_replaces_an_earlier_attempt_nobody_claimed(engine: object) -> None:
    save_plan(engine, RUN, WORKFLOW, make_plan())
    smaller = Plan(
        WINDOW, extracted=1, batches=[Batch(0, CREATE, [record("9")])], skipped=[], failed=[], seconds=0.1
    )

    assert save_plan(engine, RUN, WORKFLOW, smaller) == [0]

    plan, outcomes, batches = staging.load_plan(engine, RUN, WORKFLOW)
    assert (plan.extracted, outcomes, batches) == (1, [], 1)
    assert staging.load_batch(engine, RUN, WORKFLOW, 0).records[0].source_id == "9"


def test_runs_and_workflows_are_kept_apart(engine: object) -> None:
    save_plan(engine, RUN, WORKFLOW, make_plan())
    save_plan(engine, "other-run", WORKFLOW, Plan(WINDOW, 0, [], [], [], 0.0))

    assert staging.load_plan(engine, "other-run", WORKFLOW)[2] == 0
    assert staging.load_plan(engine, RUN, WORKFLOW)[2] == 2
    with pytest.raises(LookupError, match="no plan stored"):
        staging.load_plan(engine, RUN, "projects_import")
    with pytest.raises(LookupError):
        staging.load_batch(engine, "other-run", WORKFLOW, 0)


def test_target_values_json_cannot_hold_come_back_as_their_text(engine: object) -> None:
    when = dt.datetime(2031, 5, 6, 7, 30, tzinfo=dt.UTC)
    batch = Batch(0, CREATE, [record("1", date=dt.date(2031, 5, 6), at=when)])
    save_plan(engine, RUN, WORKFLOW, Plan(WINDOW, 1, [batch], [], [], 0.1))

    target = staging.load_batch(engine, RUN, WORKFLOW, 0).records[0].target

    assert (target["date"], target["at"]) == ("2031-05-06", "2031-05-06 07:30:00+00:00")


def test_outcomes_come_back_in_batch_order_whatever_order_they_were_saved_in(engine: object) -> None:
    batches = [Batch(i, CREATE, [record(str(i))]) for i in range(4)]
    save_plan(engine, RUN, WORKFLOW, Plan(WINDOW, 4, batches, [], [], 1.0))
    for number in (3, 0, 2):
        staging.save_outcome(engine, RUN, WORKFLOW, BatchOutcome(number, created=1))

    _, outcomes, staged = staging.load_plan(engine, RUN, WORKFLOW)

    assert [o.number for o in outcomes] == [0, 2, 3] and staged == 4
    assert set(StagedPlans(engine).progress(RUN, WORKFLOW).outcomes) == {0, 2, 3}


def test_the_functions_take_the_state_store_as_well_as_its_engine(engine: Any) -> None:
    save_plan(engine, RUN, WORKFLOW, make_plan())
    with StateStore(engine.url.render_as_string(hide_password=False), migrate=False) as store:
        assert staging.claim_next(store, RUN, WORKFLOW, WORKER) == 0
        staging.save_outcome(store, RUN, WORKFLOW, BatchOutcome(0, created=2))
        assert staging.load_plan(store, RUN, WORKFLOW)[1] == [BatchOutcome(0, created=2)]
    assert staging.unfinished_claims(engine, RUN, WORKFLOW, WORKER) == []


def test_plans_larger_than_one_insert_chunk_are_stored_whole(engine: object) -> None:
    batches = [Batch(i, CREATE, [record(str(i))]) for i in range(450)]

    numbers = save_plan(engine, RUN, WORKFLOW, Plan(WINDOW, 450, batches, [], [], 1.0))

    assert numbers == list(range(450))
    assert staging.load_batch(engine, RUN, WORKFLOW, 449) == batches[449]


# -- the streamed plan: open, stage, claim, close --------------------------------------------------


def batches(numbers: Iterable[int], action: str = CREATE) -> list[Batch]:
    """One-record batches with the given numbers."""
    return [Batch(n, action, [record(str(100 + n))]) for n in numbers]


def staged_numbers(engine: Any) -> list[int]:
    return StagedPlans(engine).progress(RUN, WORKFLOW).staged


@contextmanager
def an_hour_ago() -> Iterator[None]:
    """The state store's clock an hour behind: what the planning task reports inside the block
    looks as if it had been silent for an hour since."""
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(state_plans, "utcnow", lambda: past)
        yield


def test_a_plan_not_opened_yet_has_no_state(engine: object) -> None:
    assert staging.plan_state(engine, RUN, WORKFLOW) is None
    assert staging.claim_next(engine, RUN, WORKFLOW, WORKER) is None


def test_a_new_plan_is_planning_and_numbers_its_batches_from_zero(engine: object) -> None:
    first = staging.open_plan(engine, RUN, WORKFLOW, WINDOW, attempt=1, retries_left=2)

    state = staging.plan_state(engine, RUN, WORKFLOW)
    assert first == 0
    assert state is not None
    assert (state.status, state.attempt, state.retries_left, state.window) == (staging.PLANNING, 1, 2, WINDOW)
    assert state.counts == staging.PlanCounts()


def test_a_plan_restarted_by_a_retry_keeps_loaded_and_claimed_batches_and_drops_the_rest(
    engine: object,
) -> None:
    staging.open_plan(engine, RUN, WORKFLOW, WINDOW, attempt=1, retries_left=1)
    counts = staging.PlanCounts()
    counts.add(5, batches(range(5)), skipped=1, failed=1)
    staging.stage_batches(engine, RUN, WORKFLOW, batches(range(5)), WINDOW, counts)
    assert staging.claim_next(engine, RUN, WORKFLOW, WORKER) == 0
    staging.save_outcome(engine, RUN, WORKFLOW, BatchOutcome(0, created=1))  # 0: loaded
    assert staging.claim_next(engine, RUN, WORKFLOW, OTHER) == 1
    staging.save_outcome(engine, RUN, WORKFLOW, BatchOutcome(1, created=1))  # 1: loaded
    assert staging.claim_next(engine, RUN, WORKFLOW, OTHER) == 2  # 2: being loaded
    staging.fail_plan(engine, RUN, WORKFLOW, retries_left=1)

    first = staging.open_plan(engine, RUN, WORKFLOW, WINDOW, attempt=2, retries_left=0)

    assert staged_numbers(engine) == [0, 1, 2]  # 3 and 4 were never claimed: planned again
    assert first == 3
    with pytest.raises(LookupError):
        staging.load_batch(engine, RUN, WORKFLOW, 3)
    state = staging.plan_state(engine, RUN, WORKFLOW)
    assert state is not None
    assert (state.status, state.attempt, state.retries_left) == (staging.PLANNING, 2, 0)
    assert state.counts == staging.PlanCounts()
    assert set(StagedPlans(engine).progress(RUN, WORKFLOW).outcomes) == {0, 1}
    assert staging.unfinished_claims(engine, RUN, WORKFLOW, OTHER) == [2]


def test_a_restarted_plan_numbers_its_batches_after_the_highest_kept_one(engine: object) -> None:
    staging.open_plan(engine, RUN, WORKFLOW, WINDOW, retries_left=1)
    staging.stage_batches(engine, RUN, WORKFLOW, batches([0, 2]), WINDOW, staging.PlanCounts())
    for _ in range(2):
        staging.claim_next(engine, RUN, WORKFLOW, WORKER)
    staging.stage_batches(engine, RUN, WORKFLOW, batches([1, 3]), WINDOW, staging.PlanCounts())
    # only 0 and 2 are claimed

    first = staging.open_plan(engine, RUN, WORKFLOW, WINDOW, attempt=2)
    staging.stage_batches(
        engine, RUN, WORKFLOW, batches(range(first, first + 2)), WINDOW, staging.PlanCounts()
    )

    assert first == 3
    assert staged_numbers(engine) == [0, 2, 3, 4]
    assert staging.claim_next(engine, RUN, WORKFLOW, OTHER) == 3


def test_a_restarted_plan_whose_batches_were_all_unclaimed_starts_again_from_zero(engine: object) -> None:
    staging.open_plan(engine, RUN, WORKFLOW, WINDOW, retries_left=1)
    staging.stage_batches(engine, RUN, WORKFLOW, batches(range(3)), WINDOW, staging.PlanCounts())

    assert staging.open_plan(engine, RUN, WORKFLOW, WINDOW, attempt=2) == 0
    assert staged_numbers(engine) == []


def test_staging_batches_updates_the_counts_and_heartbeat_seen_through_plan_state(engine: object) -> None:
    with an_hour_ago():
        staging.open_plan(engine, RUN, WORKFLOW, WINDOW)
    stale = staging.plan_state(engine, RUN, WORKFLOW)
    assert stale is not None and stale.heartbeat_age() > 3000
    counts = staging.PlanCounts()
    first = batches(range(2)) + batches([2], UPDATE)
    counts.add(4, first, skipped=1, failed=0)

    staging.stage_batches(engine, RUN, WORKFLOW, first, WINDOW, counts)

    state = staging.plan_state(engine, RUN, WORKFLOW)
    assert state is not None
    assert state.status == staging.PLANNING
    assert state.counts == staging.PlanCounts(extracted=4, to_create=2, to_update=1, skipped=1, batches=3)
    assert 0 <= state.heartbeat_age() < 60
    assert staging.claim_next(engine, RUN, WORKFLOW, WORKER) == 0  # claimable at once

    counts.add(2, batches([3]), skipped=0, failed=1)
    staging.stage_batches(engine, RUN, WORKFLOW, batches([3]), WINDOW, counts)

    later = staging.plan_state(engine, RUN, WORKFLOW)
    assert later is not None
    assert later.counts == staging.PlanCounts(
        extracted=6, to_create=3, to_update=1, skipped=1, failed=1, batches=4
    )


def test_a_plan_closed_as_failed_keeps_its_retries_left(engine: object) -> None:
    counts = staging.PlanCounts(extracted=7, batches=1)
    with an_hour_ago():
        staging.open_plan(engine, RUN, WORKFLOW, WINDOW, retries_left=3)
        staging.stage_batches(engine, RUN, WORKFLOW, batches([0]), WINDOW, counts)
    stale = staging.plan_state(engine, RUN, WORKFLOW)
    assert stale is not None and stale.heartbeat_age() > 3000

    staging.fail_plan(engine, RUN, WORKFLOW, retries_left=2)

    state = staging.plan_state(engine, RUN, WORKFLOW)
    assert state is not None
    assert (state.status, state.retries_left, state.counts) == (staging.FAILED, 2, counts)
    assert state.heartbeat_age() < 60  # the failure is a report: a retry is expected from now on


def test_a_plan_closed_as_complete_has_no_retries_left(engine: object) -> None:
    staging.open_plan(engine, RUN, WORKFLOW, WINDOW, retries_left=3)

    staging.complete_plan(engine, RUN, WORKFLOW, WINDOW, staging.PlanCounts(batches=0))

    state = staging.plan_state(engine, RUN, WORKFLOW)
    assert state is not None and (state.status, state.retries_left) == (staging.COMPLETE, 0)


def test_claim_next_hands_out_the_lowest_unclaimed_batch_then_none(engine: object) -> None:
    staging.open_plan(engine, RUN, WORKFLOW, WINDOW)
    staging.stage_batches(engine, RUN, WORKFLOW, batches([4, 2, 9]), WINDOW, staging.PlanCounts())

    claims = [staging.claim_next(engine, RUN, WORKFLOW, w) for w in (WORKER, OTHER, WORKER, OTHER)]

    assert claims == [2, 4, 9, None]
    assert staging.claim_next(engine, "other-run", WORKFLOW, WORKER) is None


def test_unfinished_claims_lists_only_this_workers_claimed_batches_without_outcome(engine: object) -> None:
    staging.open_plan(engine, RUN, WORKFLOW, WINDOW)
    staging.stage_batches(engine, RUN, WORKFLOW, batches(range(6)), WINDOW, staging.PlanCounts())
    staging.open_plan(engine, "other-run", WORKFLOW, WINDOW)
    staging.stage_batches(engine, "other-run", WORKFLOW, batches(range(2)), WINDOW, staging.PlanCounts())
    for worker in (WORKER, OTHER, WORKER, WORKER, OTHER):  # worker: 0, 2, 3; other: 1, 4; 5 unclaimed
        staging.claim_next(engine, RUN, WORKFLOW, worker)
    staging.claim_next(engine, "other-run", WORKFLOW, WORKER)
    staging.save_outcome(engine, RUN, WORKFLOW, BatchOutcome(2, created=1))

    assert staging.unfinished_claims(engine, RUN, WORKFLOW, WORKER) == [0, 3]
    assert staging.unfinished_claims(engine, RUN, WORKFLOW, OTHER) == [1, 4]
    assert staging.unfinished_claims(engine, RUN, WORKFLOW, "shard-9") == []


# -- claims from several threads (processes and lock details: tests/include/state/test_plans.py) ----
def test_claim_next_hands_each_batch_to_exactly_one_of_several_threads(engine: Any) -> None:
    total = 120
    staging.open_plan(engine, RUN, WORKFLOW, WINDOW)
    staging.stage_batches(engine, RUN, WORKFLOW, batches(range(total)), WINDOW, staging.PlanCounts())
    start = threading.Barrier(4)

    def claim_all(worker: str) -> list[int]:
        start.wait()
        claimed: list[int] = []
        while (number := staging.claim_next(engine, RUN, WORKFLOW, worker)) is not None:
            claimed.append(number)
        return claimed

    with ThreadPoolExecutor(4) as pool:
        claimed = list(pool.map(claim_all, [f"shard-{i}" for i in range(4)]))

    claims = Counter(n for numbers in claimed for n in numbers)
    assert sorted(claims) == list(range(total))
    assert max(claims.values()) == 1
