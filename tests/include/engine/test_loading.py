"""A load task's loop over the staged batches of a run (``drain_queue``), against a real state store.

The planning task is played by the test (``open_plan`` / ``stage_batches`` / ``complete_plan`` or
``fail_plan``), often
from inside the fake ``sleep`` the loop calls while it waits; the writes are a fake ``load``.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import update

from include.engine import staging
from include.engine.loading import PlanUnavailable, QueueTimeouts, ShardReport, drain_queue
from include.engine.run import CREATE, UPDATE, Batch, BatchOutcome, PlannedRecord
from include.engine.window import SyncWindow
from include.state import StagedPlans
from include.state.models import staged_plans

RUN, WORKFLOW, WORKER = "scheduled__2031-05-06T07:00:00", "customers_import", "shard-0"
WINDOW = SyncWindow(
    since=dt.datetime(2031, 5, 6, 6, 0, tzinfo=dt.UTC),
    until=dt.datetime(2031, 5, 6, 7, 0, tzinfo=dt.UTC),
    mode="incremental",
)
TIMEOUTS = QueueTimeouts(poll_s=1.0, open_s=30.0, stale_s=900.0)


def batches(numbers: Iterable[int], action: str = CREATE, size: int = 2) -> list[Batch]:
    return [
        Batch(
            n,
            action,
            [PlannedRecord(f"{n}-{i}", f"Customer {n}-{i}", action, {"company": "C"}) for i in range(size)],
        )
        for n in numbers
    ]


def stage(engine: Any, numbers: Iterable[int], action: str = CREATE) -> None:
    staging.stage_batches(engine, RUN, WORKFLOW, batches(numbers, action), WINDOW, staging.PlanCounts())


def close(engine: Any, status: str, retries_left: int = 0) -> None:
    if status == staging.COMPLETE:
        staging.complete_plan(engine, RUN, WORKFLOW, WINDOW, staging.PlanCounts())
    else:
        staging.fail_plan(engine, RUN, WORKFLOW, retries_left=retries_left)


class FakeLoad:
    """Writes nothing; remembers the batches in the order it got them and fails the chosen ones."""

    def __init__(self, failing: Iterable[int] = ()) -> None:
        self.loaded: list[int] = []
        self.failing = set(failing)

    def __call__(self, batch: Batch) -> BatchOutcome:
        if batch.number in self.failing:
            raise RuntimeError("target down")
        self.loaded.append(batch.number)
        n = len(batch.records)
        return BatchOutcome(
            batch.number,
            created=n if batch.action == CREATE else 0,
            updated=n if batch.action == UPDATE else 0,
        )


class FakeTime:
    """A clock that moves only when the loop sleeps; ``on_sleep[i]`` runs at the i-th sleep."""

    def __init__(self, *on_sleep: Callable[[], None], limit: int = 1000) -> None:
        self.now = 0.0
        self.sleeps = 0
        self.on_sleep = list(on_sleep)
        self.limit = limit

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        if self.sleeps >= self.limit:
            raise AssertionError(f"still waiting after {self.sleeps} sleeps")
        if self.sleeps < len(self.on_sleep):
            self.on_sleep[self.sleeps]()
        self.sleeps += 1
        self.now += seconds


def drain(
    engine: Any, load: FakeLoad, fake: FakeTime | None = None, worker: str = WORKER, **limits: float
) -> ShardReport:
    fake = fake or FakeTime()
    timeouts = QueueTimeouts(**{**TIMEOUTS.__dict__, **limits})
    return drain_queue(
        engine, RUN, WORKFLOW, worker, load, timeouts=timeouts, sleep=fake.sleep, clock=fake.clock
    )


def test_a_worker_loads_everything_staged_and_returns_when_the_plan_is_complete(engine: Any) -> None:
    staging.open_plan(engine, RUN, WORKFLOW, WINDOW)
    stage(engine, range(3))
    stage(engine, [3, 4], UPDATE)
    close(engine, staging.COMPLETE)
    load, fake = FakeLoad(), FakeTime()

    report = drain(engine, load, fake)

    assert load.loaded == [0, 1, 2, 3, 4]
    assert (report.batches, report.records, report.created, report.updated, report.failed) == (5, 10, 6, 4, 0)
    assert (report.broken, report.plan_status, fake.sleeps) == ([], staging.COMPLETE, 0)
    assert set(StagedPlans(engine).progress(RUN, WORKFLOW).outcomes) == {0, 1, 2, 3, 4}
    assert staging.load_plan(engine, RUN, WORKFLOW)[1][3] == BatchOutcome(3, updated=2)


def test_a_worker_waits_while_planning_and_loads_batches_staged_later(engine: Any) -> None:
    staging.open_plan(engine, RUN, WORKFLOW, WINDOW)
    stage(engine, [0, 1])
    load = FakeLoad()
    fake = FakeTime(
        lambda: None,  # the planning task is still reading the source
        lambda: stage(engine, [2, 3]),
        lambda: (stage(engine, [4]), close(engine, staging.COMPLETE)),
    )

    report = drain(engine, load, fake)

    assert load.loaded == [0, 1, 2, 3, 4]
    assert fake.sleeps == 3
    assert (report.batches, report.plan_status) == (5, staging.COMPLETE)


def test_a_worker_loads_batches_staged_just_before_the_plan_closed(engine: Any) -> None:
    staging.open_plan(engine, RUN, WORKFLOW, WINDOW)
    load = FakeLoad()
    fake = FakeTime(lambda: (stage(engine, [0, 1]), close(engine, staging.COMPLETE)))

    report = drain(engine, load, fake)

    assert load.loaded == [0, 1] and report.batches == 2


def test_a_batch_failing_as_a_whole_is_reported_stays_claimed_and_is_taken_back_first_by_the_next_try(
    engine: Any,
) -> None:
    staging.open_plan(engine, RUN, WORKFLOW, WINDOW)
    stage(engine, range(4))
    close(engine, staging.COMPLETE)
    first = FakeLoad(failing=[1])

    report = drain(engine, first)

    assert first.loaded == [0, 2, 3]
    assert (
        len(report.broken) == 1
        and report.broken[0].startswith("batch 1:")
        and "target down" in report.broken[0]
    )
    assert (report.batches, report.as_dict()["broken"]) == (3, 1)
    assert staging.unfinished_claims(engine, RUN, WORKFLOW, WORKER) == [1]
    assert staging.claim_next(engine, RUN, WORKFLOW, "shard-1") is None  # nobody else takes it

    retry = FakeLoad()
    again = drain(engine, retry)

    assert retry.loaded == [1]
    assert (again.batches, again.broken) == (1, [])
    assert set(StagedPlans(engine).progress(RUN, WORKFLOW).outcomes) == {0, 1, 2, 3}


def test_a_worker_takes_back_its_own_unfinished_claims_before_claiming_new_batches(engine: Any) -> None:
    staging.open_plan(engine, RUN, WORKFLOW, WINDOW)
    stage(engine, range(6))
    close(engine, staging.COMPLETE)
    for worker in (WORKER, "shard-1", WORKER):  # an earlier try of this worker held 0 and 2, then died
        staging.claim_next(engine, RUN, WORKFLOW, worker)
    load = FakeLoad()

    drain(engine, load)

    assert load.loaded == [0, 2, 3, 4, 5]  # batch 1 belongs to shard-1's retry
    assert staging.unfinished_claims(engine, RUN, WORKFLOW, "shard-1") == [1]


def test_a_worker_returns_without_error_when_the_plan_failed_with_no_retries_left(engine: Any) -> None:
    staging.open_plan(engine, RUN, WORKFLOW, WINDOW, retries_left=0)
    stage(engine, [0, 1])
    load = FakeLoad()
    fake = FakeTime(lambda: close(engine, staging.FAILED, retries_left=0))

    report = drain(engine, load, fake)

    assert load.loaded == [0, 1]
    assert (report.batches, report.plan_status, fake.sleeps) == (2, staging.FAILED, 1)


def test_a_worker_keeps_waiting_through_a_failed_plan_with_retries_left_and_loads_the_new_attempts_batches(
    engine: Any,
) -> None:
    staging.open_plan(engine, RUN, WORKFLOW, WINDOW, attempt=1, retries_left=1)
    stage(engine, [0, 1, 2])
    load = FakeLoad(failing=[])
    news: list[int] = []

    def retry_opens() -> None:
        news.append(staging.open_plan(engine, RUN, WORKFLOW, WINDOW, attempt=2, retries_left=0))

    fake = FakeTime(
        lambda: close(engine, staging.FAILED, retries_left=1),
        lambda: None,  # the retry waits for its slot
        retry_opens,
        lambda: stage(engine, [news[0], news[0] + 1]),
        lambda: close(engine, staging.COMPLETE),
    )

    report = drain(engine, load, fake)

    assert news == [3]  # 0-2 were loaded before the failure: kept
    assert load.loaded == [0, 1, 2, 3, 4]
    assert (report.batches, report.plan_status, fake.sleeps) == (5, staging.COMPLETE, 5)


def test_a_worker_gives_up_when_the_plan_never_opens(engine: Any) -> None:
    fake = FakeTime()

    with pytest.raises(PlanUnavailable, match="did not start within 5 s"):
        drain(engine, FakeLoad(), fake, open_s=5.0, poll_s=1.0)

    assert 5 <= fake.sleeps <= 6


def test_a_worker_waits_for_a_plan_that_opens_within_the_wait(engine: Any) -> None:
    fake = FakeTime(
        *[lambda: None] * 3,
        lambda: (
            staging.open_plan(engine, RUN, WORKFLOW, WINDOW),
            stage(engine, [0]),
            close(engine, staging.COMPLETE),
        ),
    )
    load = FakeLoad()

    drain(engine, load, fake, open_s=5.0, poll_s=1.0)

    assert load.loaded == [0]


def test_a_worker_gives_up_when_the_planning_task_stops_reporting(engine: Any) -> None:
    staging.open_plan(engine, RUN, WORKFLOW, WINDOW)
    stage(engine, [0])
    with engine.begin() as conn:
        conn.execute(
            update(staged_plans)
            .where(staged_plans.c.run_id == RUN)
            .values(heartbeat_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
        )
    load = FakeLoad()

    with pytest.raises(PlanUnavailable, match="has not reported"):
        drain(engine, load, stale_s=900.0)

    assert load.loaded == [0]  # what was staged is loaded first


def test_a_worker_gives_up_when_a_failed_plans_retry_never_starts(engine: Any) -> None:
    staging.open_plan(engine, RUN, WORKFLOW, WINDOW, retries_left=1)
    close(engine, staging.FAILED, retries_left=1)
    with engine.begin() as conn:
        conn.execute(
            update(staged_plans)
            .where(staged_plans.c.run_id == RUN)
            .values(heartbeat_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
        )

    with pytest.raises(PlanUnavailable, match="failed, attempt 1"):
        drain(engine, FakeLoad())


def test_after_plan_runs_only_once_the_plan_has_finished_reading_and_before_returning(engine: Any) -> None:
    staging.open_plan(engine, RUN, WORKFLOW, WINDOW)
    stage(engine, [0, 1])
    load = FakeLoad()
    settled: list[int] = []  # batches loaded when after_plan ran
    fake = FakeTime(lambda: (stage(engine, [2, 3]), close(engine, staging.COMPLETE)))

    report = drain_queue(
        engine,
        RUN,
        WORKFLOW,
        WORKER,
        load,
        after_plan=lambda: settled.append(len(load.loaded)),
        timeouts=TIMEOUTS,
        sleep=fake.sleep,
        clock=fake.clock,
    )

    assert report.batches == 4
    assert settled and min(settled) >= 3  # never while the planning task was still reading
    assert settled[-1] == 4  # the last batch's pullbacks are not left behind


def test_after_plan_runs_before_returning_even_when_nothing_was_loaded(engine: Any) -> None:
    staging.open_plan(engine, RUN, WORKFLOW, WINDOW)
    close(engine, staging.COMPLETE)
    settled: list[str] = []

    drain_queue(
        engine, RUN, WORKFLOW, WORKER, FakeLoad(), after_plan=lambda: settled.append("x"), timeouts=TIMEOUTS
    )

    assert settled == ["x"]


def test_after_plan_waits_again_while_a_retried_plan_reads_the_source(engine: Any) -> None:
    staging.open_plan(engine, RUN, WORKFLOW, WINDOW, attempt=1, retries_left=1)
    close(engine, staging.FAILED, retries_left=1)
    stage(engine, [0])  # staged by the failed attempt (claimable)
    load = FakeLoad()
    during_retry: list[int] = []
    retrying = [False]

    def after_plan() -> None:
        if retrying[0]:
            during_retry.append(len(load.loaded))

    def retry_opens() -> None:
        staging.open_plan(engine, RUN, WORKFLOW, WINDOW, attempt=2, retries_left=0)
        retrying[0] = True
        stage(engine, [1])

    def retry_closes() -> None:
        retrying[0] = False
        close(engine, staging.COMPLETE)

    fake = FakeTime(retry_opens, retry_closes)

    drain_queue(
        engine,
        RUN,
        WORKFLOW,
        WORKER,
        load,
        after_plan=after_plan,
        timeouts=TIMEOUTS,
        sleep=fake.sleep,
        clock=fake.clock,
    )

    assert load.loaded == [0, 1]
    assert during_retry == []


def test_two_workers_draining_the_same_run_in_threads_load_every_batch_exactly_once(engine: Any) -> None:
    total = 60
    staging.open_plan(engine, RUN, WORKFLOW, WINDOW)
    stage(engine, range(10))
    loaded: list[tuple[str, int]] = []
    lock = threading.Lock()
    start = threading.Barrier(3)

    def load_as(worker: str) -> Callable[[Batch], BatchOutcome]:
        def load(batch: Batch) -> BatchOutcome:
            time.sleep(0.001)
            with lock:
                loaded.append((worker, batch.number))
            return BatchOutcome(batch.number, created=len(batch.records))

        return load

    def work(worker: str) -> ShardReport:
        start.wait()
        timeouts = QueueTimeouts(poll_s=0.005, open_s=30.0, stale_s=900.0)
        return drain_queue(engine, RUN, WORKFLOW, worker, load_as(worker), timeouts=timeouts)

    def plan() -> None:
        start.wait()
        for first in range(10, total, 10):
            time.sleep(0.01)
            stage(engine, range(first, first + 10))
        close(engine, staging.COMPLETE)

    with ThreadPoolExecutor(3) as pool:
        planner = pool.submit(plan)
        reports = list(pool.map(work, ["shard-0", "shard-1"]))
        planner.result()

    times = Counter(number for _, number in loaded)
    assert sorted(times) == list(range(total))
    assert max(times.values()) == 1
    assert sum(r.batches for r in reports) == total
    assert set(StagedPlans(engine).progress(RUN, WORKFLOW).outcomes) == set(range(total))


def test_a_plan_that_failed_before_opening_stops_waiting_workers_at_once(engine: Any) -> None:
    """The planning task could not even read the source's clock: no plan row, yet no hour of waiting."""
    staging.fail_plan(engine, RUN, WORKFLOW, retries_left=0)
    load = FakeLoad()
    fake = FakeTime()

    report = drain(engine, load, fake)

    assert (report.batches, report.plan_status, fake.sleeps) == (0, staging.FAILED, 0)


def test_failing_an_open_plan_keeps_its_staged_batches_for_the_workers(engine: Any) -> None:
    staging.open_plan(engine, RUN, WORKFLOW, WINDOW, retries_left=2)
    stage(engine, [0, 1])

    staging.fail_plan(engine, RUN, WORKFLOW, retries_left=0)

    state = staging.plan_state(engine, RUN, WORKFLOW)
    assert state is not None and (state.status, state.retries_left) == (staging.FAILED, 0)
    assert drain(engine, FakeLoad(), FakeTime()).batches == 2
