"""A load task's loop: claim staged batches and write them until the plan is complete.

The load tasks of a run start together with its planning task and share the staged batches as
a queue: each claims the next batch, writes it (one request in flight per task, so as many
requests in flight as load tasks hold pool slots) and claims again. Work is therefore spread by
how fast each task goes, not dealt in advance, and loading starts with the plan's first chunk.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from include.engine import staging
from include.engine.run import Batch, BatchOutcome, Counts

log = logging.getLogger(__name__)


class PlanUnavailable(RuntimeError):
    """The planning task never opened the plan, or stopped reporting while planning."""


@dataclass
class ShardReport(Counts):
    """What one load task (or one of its threads) wrote."""

    batches: int = 0
    records: int = 0
    broken: list[str] = field(default_factory=list)  # batches that failed as a whole
    plan_status: str = ""

    def record(self, batch: Batch, outcome: BatchOutcome) -> None:
        """Count one loaded batch."""
        self.batches += 1
        self.records += len(batch.records)
        self._take(self.counts() + outcome)

    def merged(self, other: ShardReport) -> ShardReport:
        """Two reports as one (the threads of a load task, the load tasks of a run)."""
        report = ShardReport(
            batches=self.batches + other.batches,
            records=self.records + other.records,
            broken=[*self.broken, *other.broken],
            plan_status=self.plan_status or other.plan_status,
        )
        report._take(self.counts() + other)
        return report

    def _take(self, counts: Counts) -> None:
        self.created, self.updated = counts.created, counts.updated
        self.skipped, self.failed = counts.skipped, counts.failed

    def as_dict(self) -> dict[str, object]:
        return {
            "batches": self.batches,
            "records": self.records,
            "created": self.created,
            "updated": self.updated,
            "failed": self.failed,
            "broken": len(self.broken),
            "plan": self.plan_status,
        }


@dataclass
class QueueTimeouts:
    """How long a load task waits for the planning task (``INTEGRATION_PLAN_WAIT_S``: to open
    the plan, e.g. while it is queued for a pool slot; ``INTEGRATION_PLAN_STALE_S``: silence
    while planning, or before a failed plan's retry starts)."""

    poll_s: float = 0.2
    open_s: float = 3600.0
    stale_s: float = 900.0

    @classmethod
    def from_env(cls) -> QueueTimeouts:
        return cls(
            poll_s=float(os.environ.get("INTEGRATION_PLAN_POLL_S", "0.2")),
            open_s=float(os.environ.get("INTEGRATION_PLAN_WAIT_S", "3600")),
            stale_s=float(os.environ.get("INTEGRATION_PLAN_STALE_S", "900")),
        )


def _done_reading(state: staging.PlanState) -> bool:
    """The planning task will not read the source again: complete, or failed for good."""
    return state.status == staging.COMPLETE or (state.status == staging.FAILED and state.retries_left <= 0)


def drain_queue(
    engine: object,
    run_id: str,
    workflow: str,
    worker: str,
    load: Callable[[Batch], BatchOutcome],
    *,
    after_plan: Callable[[], object] | None = None,
    timeouts: QueueTimeouts | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> ShardReport:
    """Load batches of the run until the plan is complete (or failed for good) and none is left.

    Batches this worker claimed in an earlier try and did not finish come first. A batch that
    fails as a whole is reported and left claimed (the worker's retry takes it again); the
    others go on. ``after_plan`` runs after each batch once the planning task has finished
    reading the source, and before returning: writes to the source (an export's pullback)
    wait for it, since they would shift the pages of its read.
    """
    limits = timeouts or QueueTimeouts.from_env()
    report = ShardReport()

    def settle() -> None:
        # asked every time: a failed plan with retries left reads the source again
        if after_plan is None:
            return
        state = staging.plan_state(engine, run_id, workflow)
        if state is not None and _done_reading(state):
            after_plan()

    def load_one(number: int) -> None:
        batch = staging.load_batch(engine, run_id, workflow, number)
        started = clock()
        try:
            outcome = load(batch)
        except Exception as exc:  # noqa: BLE001 - reported per batch; the caller fails the task
            log.exception("%s: batch %d (%d records) failed as a whole", workflow, number, len(batch.records))
            report.broken.append(f"batch {number}: {exc}")
            return
        staging.save_outcome(engine, run_id, workflow, outcome)
        report.record(batch, outcome)
        log.info(
            "%s %s: batch %d, %d records (%d created, %d updated, %d rejected) in %.2f s; "
            "%d records by this task",
            workflow,
            worker,
            number,
            len(batch.records),
            outcome.created,
            outcome.updated,
            outcome.failed,
            clock() - started,
            report.records,
        )
        settle()

    earlier = staging.unfinished_claims(engine, run_id, workflow, worker)
    if earlier:
        log.info("%s %s: taking back %d batches claimed by an earlier try", workflow, worker, len(earlier))
    for taken in earlier:
        load_one(taken)

    waiting_since = clock()
    while True:
        number = staging.claim_next(engine, run_id, workflow, worker)
        if number is not None:
            load_one(number)
            waiting_since = clock()
            continue
        state = staging.plan_state(engine, run_id, workflow)
        if state is None:
            if clock() - waiting_since > limits.open_s:
                raise PlanUnavailable(
                    f"{workflow}: the planning task did not start within {limits.open_s:.0f} s"
                )
        elif _done_reading(state):
            # the plan closes after staging its last batch: one more look finds any staged meanwhile
            number = staging.claim_next(engine, run_id, workflow, worker)
            if number is not None:
                load_one(number)
                continue
            report.plan_status = state.status
            settle()
            log.info(
                "%s %s: plan %s, nothing left to claim: %s", workflow, worker, state.status, report.as_dict()
            )
            return report
        elif state.heartbeat_age() > limits.stale_s:
            raise PlanUnavailable(
                f"{workflow}: the planning task ({state.status}, attempt {state.attempt}) has not reported "
                f"for {state.heartbeat_age():.0f} s"
            )
        sleep(limits.poll_s)
