"""Specification of the staged plans (include/state/plans.py), on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import event, select, text

from include.state import PlanProgress, StagedBatch, StagedPlans, StateStore
from include.state import plans as state_plans
from include.state.models import staged_batches
from tests.include.state import workers
from tests.include.state.processes import SPAWN, run_all

RUN, WORKFLOW = "manual__2031-05-06T07:00:00", "customers_import"
WORKER, OTHER = "shard-0", "shard-1"
META = {"window": {"since": None, "until": "2031-05-06T07:00:00+00:00"}, "counts": {"extracted": 0}}


def batches(numbers: Iterable[int]) -> list[StagedBatch]:
    """Batches of one record each, numbered as given."""
    return [StagedBatch(n, {"number": n, "records": [{"source_id": str(100 + n)}]}, 1) for n in numbers]


def staged(plans: StagedPlans, run_id: str = RUN) -> list[int]:
    return plans.progress(run_id, WORKFLOW).staged


@pytest.fixture
def plans(store: StateStore) -> StagedPlans:
    return store.plans


# -- the planning task -----------------------------------------------------------------------------
def test_a_plan_not_opened_yet_is_absent_and_has_nothing_to_claim(plans: StagedPlans) -> None:
    assert plans.get(RUN, WORKFLOW) is None
    assert plans.claim_next(RUN, WORKFLOW, WORKER) is None
    assert plans.progress(RUN, WORKFLOW) == PlanProgress(staged=[], outcomes={})


def test_a_new_plan_is_planning_keeps_its_meta_and_numbers_batches_from_zero(plans: StagedPlans) -> None:
    before = dt.datetime.now(dt.UTC)

    first = plans.open(RUN, WORKFLOW, META, attempt=1, retries_left=2)

    plan = plans.get(RUN, WORKFLOW)
    assert first == 0
    assert plan is not None
    assert (plan.run_id, plan.workflow, plan.status, plan.attempt, plan.retries_left) == (
        RUN,
        WORKFLOW,
        state_plans.PLANNING,
        1,
        2,
    )
    assert plan.meta == META
    assert plan.heartbeat_at is not None and plan.heartbeat_at.tzinfo == dt.UTC
    assert before - dt.timedelta(seconds=1) <= plan.heartbeat_at <= dt.datetime.now(dt.UTC)
    assert plan.created_at.tzinfo == dt.UTC


def test_staging_reports_the_meta_and_a_heartbeat_and_the_batches_are_claimable_at_once(
    plans: StagedPlans, monkeypatch: pytest.MonkeyPatch
) -> None:
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    with monkeypatch.context() as patched:
        patched.setattr(state_plans, "utcnow", lambda: an_hour_ago)
        plans.open(RUN, WORKFLOW, META)
    opened = plans.get(RUN, WORKFLOW)
    assert opened is not None and opened.heartbeat_at == an_hour_ago
    later = {**META, "counts": {"extracted": 3}}

    plans.stage(RUN, WORKFLOW, batches(range(3)), later)

    plan = plans.get(RUN, WORKFLOW)
    assert plan is not None and plan.meta == later and plan.status == state_plans.PLANNING
    assert plan.heartbeat_at is not None and plan.heartbeat_at > an_hour_ago + dt.timedelta(minutes=59)
    assert staged(plans) == [0, 1, 2]
    assert plans.claim_next(RUN, WORKFLOW, WORKER) == 0


def test_staging_no_batches_is_still_a_report(plans: StagedPlans) -> None:
    plans.open(RUN, WORKFLOW, META)

    plans.stage(RUN, WORKFLOW, [], {"counts": {"extracted": 9}})

    plan = plans.get(RUN, WORKFLOW)
    assert plan is not None and plan.meta == {"counts": {"extracted": 9}} and staged(plans) == []


def test_payloads_round_trip_and_values_json_cannot_hold_are_kept_as_text(plans: StagedPlans) -> None:
    plans.open(RUN, WORKFLOW, META)
    payload = {"number": 0, "records": [{"target": {"date": dt.date(2031, 5, 6), "hours": 1.5, "x": None}}]}

    plans.stage(RUN, WORKFLOW, [StagedBatch(0, payload, 1)], META)

    assert plans.batch(RUN, WORKFLOW, 0) == {
        "number": 0,
        "records": [{"target": {"date": "2031-05-06", "hours": 1.5, "x": None}}],
    }
    assert plans.batch(RUN, WORKFLOW, 1) is None


def test_more_batches_than_one_insert_holds_are_staged_in_one_call(plans: StagedPlans) -> None:
    plans.open(RUN, WORKFLOW, META)

    plans.stage(RUN, WORKFLOW, batches(range(state_plans.BATCH_ROWS * 2 + 50)), META)

    assert staged(plans) == list(range(state_plans.BATCH_ROWS * 2 + 50))


def test_a_restarted_plan_keeps_loaded_and_claimed_batches_and_drops_the_rest(plans: StagedPlans) -> None:
    plans.open(RUN, WORKFLOW, META, attempt=1, retries_left=1)
    plans.stage(RUN, WORKFLOW, batches(range(5)), META)
    assert [plans.claim_next(RUN, WORKFLOW, w) for w in (WORKER, OTHER, OTHER)] == [0, 1, 2]
    plans.save_outcome(RUN, WORKFLOW, 0, {"created": 1})
    plans.save_outcome(RUN, WORKFLOW, 1, {"created": 1})
    plans.fail(RUN, WORKFLOW, meta={}, retries_left=1)

    first = plans.open(RUN, WORKFLOW, {"attempt": 2}, attempt=2, retries_left=0)

    assert first == 3
    assert staged(plans) == [0, 1, 2]  # 3 and 4 were never claimed: planned again
    assert plans.batch(RUN, WORKFLOW, 3) is None
    plan = plans.get(RUN, WORKFLOW)
    assert plan is not None
    assert (plan.status, plan.attempt, plan.retries_left, plan.meta) == (
        state_plans.PLANNING,
        2,
        0,
        {"attempt": 2},
    )
    assert plans.progress(RUN, WORKFLOW).outcomes == {0: {"created": 1}, 1: {"created": 1}}
    assert plans.unfinished_claims(RUN, WORKFLOW, OTHER) == [2]


def test_a_restarted_plan_numbers_its_batches_after_the_highest_kept_one(plans: StagedPlans) -> None:
    plans.open(RUN, WORKFLOW, META, retries_left=1)
    plans.stage(RUN, WORKFLOW, batches([0, 2]), META)
    assert [plans.claim_next(RUN, WORKFLOW, WORKER) for _ in range(2)] == [0, 2]
    plans.stage(RUN, WORKFLOW, batches([1, 3]), META)  # 1 and 3 stay unclaimed

    first = plans.open(RUN, WORKFLOW, META, attempt=2)
    plans.stage(RUN, WORKFLOW, batches(range(first, first + 2)), META)

    assert first == 3
    assert staged(plans) == [0, 2, 3, 4]
    assert plans.claim_next(RUN, WORKFLOW, OTHER) == 3


def test_a_restarted_plan_whose_batches_were_all_unclaimed_starts_again_from_zero(plans: StagedPlans) -> None:
    plans.open(RUN, WORKFLOW, META, retries_left=1)
    plans.stage(RUN, WORKFLOW, batches(range(3)), META)

    assert plans.open(RUN, WORKFLOW, META, attempt=2) == 0
    assert staged(plans) == []


def test_complete_has_no_retries_left_and_keeps_the_final_meta(plans: StagedPlans) -> None:
    plans.open(RUN, WORKFLOW, META, retries_left=3)

    plans.complete(RUN, WORKFLOW, {"final": True})

    plan = plans.get(RUN, WORKFLOW)
    assert plan is not None
    assert (plan.status, plan.retries_left, plan.meta) == (state_plans.COMPLETE, 0, {"final": True})


def test_failing_an_open_plan_keeps_its_meta_batches_and_the_retries_given(
    plans: StagedPlans, monkeypatch: pytest.MonkeyPatch
) -> None:
    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    with monkeypatch.context() as patched:
        patched.setattr(state_plans, "utcnow", lambda: an_hour_ago)
        plans.open(RUN, WORKFLOW, META, retries_left=3)
        plans.stage(RUN, WORKFLOW, batches([0, 1]), META)

    plans.fail(RUN, WORKFLOW, meta={"unused": True}, retries_left=2)

    plan = plans.get(RUN, WORKFLOW)
    assert plan is not None
    assert (plan.status, plan.retries_left, plan.attempt, plan.meta) == (state_plans.FAILED, 2, 1, META)
    assert plan.heartbeat_at is not None and plan.heartbeat_at > an_hour_ago  # the failure is a report
    assert [plans.claim_next(RUN, WORKFLOW, WORKER) for _ in range(3)] == [0, 1, None]


def test_failing_a_plan_never_opened_creates_it_failed_with_the_meta_given(plans: StagedPlans) -> None:
    plans.fail(RUN, WORKFLOW, meta=META, retries_left=0)

    plan = plans.get(RUN, WORKFLOW)
    assert plan is not None
    assert (plan.status, plan.attempt, plan.retries_left, plan.meta) == (state_plans.FAILED, 1, 0, META)
    assert plan.heartbeat_at is not None and plan.heartbeat_at.tzinfo == dt.UTC


# -- the load tasks --------------------------------------------------------------------------------
def test_claim_next_hands_out_the_lowest_unclaimed_batch_then_none(plans: StagedPlans) -> None:
    plans.open(RUN, WORKFLOW, META)
    plans.stage(RUN, WORKFLOW, batches([4, 2, 9]), META)

    claims = [plans.claim_next(RUN, WORKFLOW, w) for w in (WORKER, OTHER, WORKER, OTHER)]

    assert claims == [2, 4, 9, None]
    assert plans.claim_next("other-run", WORKFLOW, WORKER) is None
    assert plans.claim_next(RUN, "projects_import", WORKER) is None


def test_a_claim_records_who_and_when_and_the_batch_its_record_count(store: StateStore) -> None:
    store.plans.open(RUN, WORKFLOW, META)
    store.plans.stage(RUN, WORKFLOW, [StagedBatch(0, {"n": 0}, records=100)], META)
    before = dt.datetime.now(dt.UTC)

    store.plans.claim_next(RUN, WORKFLOW, WORKER)

    t = staged_batches
    with store.engine.connect() as conn:
        row = conn.execute(select(t.c.records, t.c.claimed_by, t.c.claimed_at, t.c.outcome)).one()
    assert (row.records, row.claimed_by, row.outcome) == (100, WORKER, None)
    assert before - dt.timedelta(seconds=1) <= row.claimed_at <= dt.datetime.now(dt.UTC)


def test_unfinished_claims_are_this_workers_claimed_batches_without_outcome(plans: StagedPlans) -> None:
    plans.open(RUN, WORKFLOW, META)
    plans.stage(RUN, WORKFLOW, batches(range(6)), META)
    plans.open("other-run", WORKFLOW, META)
    plans.stage("other-run", WORKFLOW, batches(range(2)), META)
    for worker in (WORKER, OTHER, WORKER, WORKER, OTHER):  # worker: 0, 2, 3; other: 1, 4; 5 unclaimed
        plans.claim_next(RUN, WORKFLOW, worker)
    plans.claim_next("other-run", WORKFLOW, WORKER)
    plans.save_outcome(RUN, WORKFLOW, 2, {"created": 1})

    assert plans.unfinished_claims(RUN, WORKFLOW, WORKER) == [0, 3]
    assert plans.unfinished_claims(RUN, WORKFLOW, OTHER) == [1, 4]
    assert plans.unfinished_claims(RUN, WORKFLOW, "shard-9") == []


def test_outcomes_come_back_by_batch_number_and_clearing_payloads_keeps_them(plans: StagedPlans) -> None:
    plans.open(RUN, WORKFLOW, META)
    plans.stage(RUN, WORKFLOW, batches([3, 0, 1, 2]), META)
    for number in (2, 0, 3):
        plans.save_outcome(RUN, WORKFLOW, number, {"number": number, "created": 1})

    plans.clear_payloads(RUN, WORKFLOW)

    progress = plans.progress(RUN, WORKFLOW)
    assert progress.staged == [0, 1, 2, 3]
    assert list(progress.outcomes) == [0, 2, 3]
    assert progress.outcomes[3] == {"number": 3, "created": 1}
    assert [plans.batch(RUN, WORKFLOW, n) for n in range(4)] == [None] * 4


def test_runs_and_workflows_are_kept_apart(plans: StagedPlans) -> None:
    plans.open(RUN, WORKFLOW, META)
    plans.stage(RUN, WORKFLOW, batches(range(2)), META)
    plans.open(RUN, "projects_import", {"other": True})

    plans.clear_payloads(RUN, "projects_import")
    plans.fail(RUN, "projects_import", meta={})

    assert staged(plans) == [0, 1] and plans.batch(RUN, WORKFLOW, 1) is not None
    plan = plans.get(RUN, WORKFLOW)
    assert plan is not None and plan.status == state_plans.PLANNING
    assert plans.get("other-run", WORKFLOW) is None


def test_documents_are_json_text_as_earlier_versions_wrote_them(store: StateStore) -> None:
    """``plan``, ``payload`` and ``outcome`` are TEXT columns holding JSON, both ways."""
    with store.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO staged_plans (run_id, workflow, plan, created_at) VALUES (:r, :w, :p, :c)"),
            {"r": "old-run", "w": WORKFLOW, "p": json.dumps(META), "c": "2031-05-06 07:00:00.000000"},
        )
        conn.execute(
            text(
                "INSERT INTO staged_batches (run_id, workflow, number, payload, outcome) "
                "VALUES (:r, :w, 0, :p, :o)"
            ),
            {"r": "old-run", "w": WORKFLOW, "p": json.dumps({"number": 0}), "o": json.dumps({"created": 2})},
        )
    old = store.plans.get("old-run", WORKFLOW)
    assert old is not None and (old.meta, old.status, old.heartbeat_at) == (META, "complete", None)
    assert old.created_at == dt.datetime(2031, 5, 6, 7, 0, tzinfo=dt.UTC)
    assert store.plans.batch("old-run", WORKFLOW, 0) == {"number": 0}
    assert store.plans.progress("old-run", WORKFLOW).outcomes == {0: {"created": 2}}

    store.plans.open(RUN, WORKFLOW, META)
    store.plans.stage(RUN, WORKFLOW, batches([0]), META)
    store.plans.save_outcome(RUN, WORKFLOW, 0, {"created": 1})
    with store.engine.connect() as conn:
        plan = conn.execute(text("SELECT plan FROM staged_plans WHERE run_id = :r"), {"r": RUN}).scalar_one()
        payload, outcome = conn.execute(
            text("SELECT payload, outcome FROM staged_batches WHERE run_id = :r"), {"r": RUN}
        ).one()
    assert json.loads(plan) == META
    assert json.loads(payload) == batches([0])[0].payload and json.loads(outcome) == {"created": 1}


# -- concurrency -----------------------------------------------------------------------------------
def test_a_claim_overtaken_between_its_read_and_its_write_still_claims_a_batch(
    store: StateStore, url: str
) -> None:
    """Another task's claim comes while this claim's transaction is open (deterministically).

    On SQLite a claim that read in a deferred transaction and then wrote would fail at once
    with "database is locked" (its snapshot is stale); a claim holding the write lock makes the
    other wait instead. On PostgreSQL the other claim goes first and this one takes the next.
    """
    store.plans.open(RUN, WORKFLOW, META)
    store.plans.stage(RUN, WORKFLOW, batches(range(3)), META)
    other = StateStore(url, migrate=False)
    overtaken: list[int | None] = []

    def overtake(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("UPDATE staged_batches SET claimed_by") and not overtaken:
            overtaken.append(None)
            rival = threading.Thread(
                target=lambda: overtaken.append(other.plans.claim_next(RUN, WORKFLOW, OTHER))
            )
            rival.start()
            rival.join(timeout=2)  # a claim that queues for the write lock finishes after ours

    event.listen(store.engine, "before_cursor_execute", overtake)
    try:
        mine = store.plans.claim_next(RUN, WORKFLOW, WORKER)
    finally:
        event.remove(store.engine, "before_cursor_execute", overtake)
        deadline = time.monotonic() + 60
        while len(overtaken) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        other.close()

    assert mine is not None and overtaken[1] is not None
    assert sorted([mine, overtaken[1]]) == [0, 1]
    assert store.plans.unfinished_claims(RUN, WORKFLOW, WORKER) == [mine]


def test_claim_next_hands_each_batch_to_exactly_one_of_several_processes(store: StateStore, url: str) -> None:
    total, processes = 120, 4
    store.plans.open(RUN, WORKFLOW, META)
    store.plans.stage(RUN, WORKFLOW, batches(range(total)), META)
    barrier, out = SPAWN.Barrier(processes), SPAWN.Queue()

    run_all(
        workers.claim_batches,
        [(url, RUN, WORKFLOW, f"shard-{i}", barrier, out) for i in range(processes)],
        timeout=120,
    )

    reports = dict(out.get(timeout=10) for _ in range(processes))
    claims = Counter(n for claimed in reports.values() for n in claimed)
    assert [n for n, times in claims.items() if times > 1] == []
    assert sorted(claims) == list(range(total))
    for worker, claimed in reports.items():
        assert store.plans.unfinished_claims(RUN, WORKFLOW, worker) == sorted(claimed)


def test_claim_next_hands_each_batch_to_exactly_one_of_several_threads(plans: StagedPlans) -> None:
    total = 120
    plans.open(RUN, WORKFLOW, META)
    plans.stage(RUN, WORKFLOW, batches(range(total)), META)
    start = threading.Barrier(4)

    def claim_all(worker: str) -> list[int]:
        start.wait()
        claimed: list[int] = []
        while (number := plans.claim_next(RUN, WORKFLOW, worker)) is not None:
            claimed.append(number)
        return claimed

    with ThreadPoolExecutor(4) as pool:
        claimed = list(pool.map(claim_all, [f"shard-{i}" for i in range(4)]))

    claims = Counter(n for numbers in claimed for n in numbers)
    assert sorted(claims) == list(range(total))
    assert max(claims.values()) == 1


def test_a_store_built_on_an_engine_shares_the_stores_database(store: StateStore) -> None:
    StagedPlans(store.engine).open(RUN, WORKFLOW, META)

    assert store.plans.get(RUN, WORKFLOW) is not None
