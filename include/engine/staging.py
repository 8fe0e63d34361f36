"""The plan of a run, handed from the planning task to the load tasks through the state database
(never through local files: the tasks may run on different machines).

The planning task streams: it opens the plan, stages batches chunk by chunk as it reads the
source, and closes the plan (``complete`` or ``failed``). The load tasks run beside it and
*claim* batches one at a time, so loading starts with the first chunk and every load task keeps
busy until the last batch, whatever the batches' sizes. A claim names the load task (its shard),
so a retried load task picks up the batches its earlier try held and had not finished.

The state store keeps the plan and its batches and issues every statement
(``include.state.plans.StagedPlans``, also ``StateStore.plans``); this module only converts the
engine's ``Batch``, ``BatchOutcome``, ``Plan`` and ``SyncWindow`` to the JSON documents it
stores and back. Each function takes the store's engine (``StateStore.engine``) or the store.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from include.engine.run import Batch, BatchOutcome, Plan
from include.engine.window import SyncWindow
from include.state import StagedBatch, StagedPlans, StateStore, plans

PLANNING, COMPLETE, FAILED = plans.PLANNING, plans.COMPLETE, plans.FAILED


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class PlanCounts:
    """Running totals of a plan, kept on its row while it streams."""

    extracted: int = 0
    to_create: int = 0
    to_update: int = 0
    to_retire: int = 0
    skipped: int = 0
    failed: int = 0
    batches: int = 0
    seconds: float = 0.0

    def add(self, extracted: int, batches: list[Batch], skipped: int, failed: int) -> None:
        self.extracted += extracted
        self.to_create += sum(len(b.records) for b in batches if b.action == "create")
        self.to_update += sum(len(b.records) for b in batches if b.action == "update")
        self.to_retire += sum(len(b.records) for b in batches if b.action == "retire")
        self.skipped += skipped
        self.failed += failed
        self.batches += len(batches)


@dataclass
class PlanState:
    """What the load tasks need to know about the planning task."""

    status: str
    attempt: int
    retries_left: int
    heartbeat_at: dt.datetime | None
    window: SyncWindow
    counts: PlanCounts = field(default_factory=PlanCounts)

    def heartbeat_age(self, now: dt.datetime | None = None) -> float:
        """Seconds since the planning task last reported (a long silence means it died)."""
        if self.heartbeat_at is None:
            return 0.0
        beat = self.heartbeat_at if self.heartbeat_at.tzinfo else self.heartbeat_at.replace(tzinfo=dt.UTC)
        return ((now or _now()) - beat).total_seconds()


def _window_json(window: SyncWindow) -> dict[str, Any]:
    return {
        "since": window.since.isoformat() if window.since else None,
        "until": window.until.isoformat(),
        "mode": window.mode,
        "record_ids": list(window.record_ids),
    }


def _window_of(raw: dict[str, Any]) -> SyncWindow:
    return SyncWindow(
        since=dt.datetime.fromisoformat(raw["since"]) if raw["since"] else None,
        until=dt.datetime.fromisoformat(raw["until"]),
        mode=raw["mode"],
        record_ids=tuple(raw["record_ids"]),
    )


def _meta(window: SyncWindow, counts: PlanCounts) -> dict[str, Any]:
    """The document stored with every report of the planning task."""
    return {"window": _window_json(window), "counts": dataclasses.asdict(counts)}


def _plans(engine: Any) -> StagedPlans:
    """The state store's staged plans on ``engine`` (or of the ``StateStore`` itself)."""
    return engine.plans if isinstance(engine, StateStore) else StagedPlans(engine)


def open_plan(
    engine: Any, run_id: str, workflow: str, window: SyncWindow, *, attempt: int = 1, retries_left: int = 0
) -> int:
    """Start (or restart) staging a run's plan; returns the number its first new batch takes.

    A restarted plan (the planning task's retry) keeps the batches that were loaded or are being
    loaded, drops the others (the new attempt plans their records again), and numbers its
    batches after the kept ones.
    """
    meta = _meta(window, PlanCounts())
    return _plans(engine).open(run_id, workflow, meta, attempt=attempt, retries_left=retries_left)


def stage_batches(
    engine: Any, run_id: str, workflow: str, batches: list[Batch], window: SyncWindow, counts: PlanCounts
) -> None:
    """Add a chunk's batches (claimable at once) and the plan's running totals; a heartbeat too."""
    staged = [StagedBatch(b.number, b.to_json(), len(b.records)) for b in batches]
    _plans(engine).stage(run_id, workflow, staged, _meta(window, counts))


def complete_plan(engine: Any, run_id: str, workflow: str, window: SyncWindow, counts: PlanCounts) -> None:
    """Mark the plan ``complete``: every batch is staged (failures: ``fail_plan``)."""
    _plans(engine).complete(run_id, workflow, _meta(window, counts))


def fail_plan(engine: Any, run_id: str, workflow: str, *, retries_left: int = 0) -> None:
    """Mark the plan failed, also when the planning task failed before opening it (the source
    did not answer for its clock, say): load tasks waiting for it then stop at once instead of
    waiting ``INTEGRATION_PLAN_WAIT_S`` for a plan that will not come."""
    unopened = _meta(SyncWindow(since=None, until=_now(), mode="full"), PlanCounts())
    _plans(engine).fail(run_id, workflow, meta=unopened, retries_left=retries_left)


def plan_state(engine: Any, run_id: str, workflow: str) -> PlanState | None:
    """The plan's row, or None while the planning task has not opened it."""
    plan = _plans(engine).get(run_id, workflow)
    if plan is None:
        return None
    return PlanState(
        plan.status,
        plan.attempt,
        plan.retries_left,
        plan.heartbeat_at,
        _window_of(plan.meta["window"]),
        PlanCounts(**plan.meta.get("counts", {})),
    )


def unfinished_claims(engine: Any, run_id: str, workflow: str, worker: str) -> list[int]:
    """Batches ``worker`` claimed earlier and did not finish (its previous try died or failed)."""
    return _plans(engine).unfinished_claims(run_id, workflow, worker)


def in_flight(engine: Any, run_id: str, workflow: str) -> int:
    """Batches claimed by a load task and not loaded yet (being written now, or left by a dead task)."""
    return _plans(engine).in_flight(run_id, workflow)


def claim_next(engine: Any, run_id: str, workflow: str, worker: str) -> int | None:
    """Claim the lowest unclaimed batch for ``worker``; None when none is waiting (exclusive:
    of several workers racing for a batch, in threads or processes, exactly one gets it)."""
    return _plans(engine).claim_next(run_id, workflow, worker)


def load_batch(engine: Any, run_id: str, workflow: str, number: int) -> Batch:
    """A staged batch; ``LookupError`` if it is not staged (or its payload was cleared)."""
    payload = _plans(engine).batch(run_id, workflow, number)
    if payload is None:
        raise LookupError(
            f"{workflow}: batch {number} of run {run_id} is not staged (was the plan task re-run?)"
        )
    return Batch.from_json(payload)


def save_outcome(engine: Any, run_id: str, workflow: str, outcome: BatchOutcome) -> None:
    """Record what the target said about a batch: it is loaded."""
    _plans(engine).save_outcome(run_id, workflow, outcome.number, outcome.to_json())


def load_plan(engine: Any, run_id: str, workflow: str) -> tuple[Plan, list[BatchOutcome], int]:
    """The stored plan (counts only), the outcomes of loaded batches (by batch number), and the
    number of batches."""
    state = plan_state(engine, run_id, workflow)
    if state is None:
        raise LookupError(f"{workflow}: no plan stored for run {run_id}")
    progress = _plans(engine).progress(run_id, workflow)
    c = state.counts
    plan = Plan(state.window, c.extracted, [], [], [], c.seconds, c.skipped, c.failed)
    outcomes = [BatchOutcome(**o) for o in progress.outcomes.values()]
    return plan, outcomes, len(progress.staged)


def clear_payloads(engine: Any, run_id: str, workflow: str) -> None:
    """Drop the record payloads of a finished run (outcomes stay for the record)."""
    _plans(engine).clear_payloads(run_id, workflow)
