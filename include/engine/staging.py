"""The plan of a run, handed from the planning task to the load tasks through the state database
(never through local files: the tasks may run on different machines).

The planning task streams: it opens the plan, stages batches chunk by chunk as it reads the
source, and closes the plan (``complete`` or ``failed``). The load tasks run beside it and
*claim* batches one at a time, so loading starts with the first chunk and every load task keeps
busy until the last batch, whatever the batches' sizes. A claim names the load task (its shard),
so a retried load task picks up the batches its earlier try held and had not finished.

The tables (``staged_plans``, ``staged_batches``) belong to the state store (its models and
Alembic migrations); this module only reads and writes them with short transactions, writers
taking SQLite's lock up front (a deferred reader that later writes fails with "database is
locked" when another task wrote in between, busy timeout or not).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update

from include.engine.run import Batch, BatchOutcome, Plan
from include.engine.window import SyncWindow
from include.state.engine import writer
from include.state.models import staged_batches, staged_plans

PLANNING, COMPLETE, FAILED = "planning", "complete", "failed"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class PlanCounts:
    """Running totals of a plan, kept on its row while it streams."""

    extracted: int = 0
    to_create: int = 0
    to_update: int = 0
    skipped: int = 0
    failed: int = 0
    batches: int = 0
    seconds: float = 0.0

    def add(self, extracted: int, batches: list[Batch], skipped: int, failed: int) -> None:
        self.extracted += extracted
        self.to_create += sum(len(b.records) for b in batches if b.action == "create")
        self.to_update += sum(len(b.records) for b in batches if b.action == "update")
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


def _meta(window: SyncWindow, counts: PlanCounts) -> str:
    return json.dumps({"window": _window_json(window), "counts": counts.__dict__})


def _plan_key(run_id: str, workflow: str) -> Any:
    return and_(staged_plans.c.run_id == run_id, staged_plans.c.workflow == workflow)


def _batch_key(run_id: str, workflow: str) -> Any:
    return and_(staged_batches.c.run_id == run_id, staged_batches.c.workflow == workflow)


def open_plan(
    engine: Any, run_id: str, workflow: str, window: SyncWindow, *, attempt: int = 1, retries_left: int = 0
) -> int:
    """Start (or restart) staging a run's plan; returns the number its first new batch takes.

    A restarted plan (the planning task's retry) keeps the batches that were loaded or are being
    loaded, drops the others (the new attempt plans their records again), and numbers its
    batches after the kept ones.
    """
    key, bkey = _plan_key(run_id, workflow), _batch_key(run_id, workflow)
    with writer(engine).begin() as conn:
        conn.execute(
            delete(staged_batches).where(
                bkey, staged_batches.c.outcome.is_(None), staged_batches.c.claimed_by.is_(None)
            )
        )
        conn.execute(delete(staged_plans).where(key))
        conn.execute(
            insert(staged_plans).values(
                run_id=run_id,
                workflow=workflow,
                plan=_meta(window, PlanCounts()),
                created_at=_now(),
                status=PLANNING,
                attempt=attempt,
                retries_left=retries_left,
                heartbeat_at=_now(),
            )
        )
        highest = conn.execute(select(func.max(staged_batches.c.number)).where(bkey)).scalar()
    return 0 if highest is None else int(highest) + 1


def stage_batches(
    engine: Any, run_id: str, workflow: str, batches: list[Batch], window: SyncWindow, counts: PlanCounts
) -> None:
    """Add a chunk's batches (claimable at once) and the plan's running totals; a heartbeat too."""
    rows = [
        {
            "run_id": run_id,
            "workflow": workflow,
            "number": b.number,
            "payload": json.dumps(b.to_json(), default=str),
            "records": len(b.records),
        }
        for b in batches
    ]
    with writer(engine).begin() as conn:
        for start in range(0, len(rows), 200):
            conn.execute(insert(staged_batches), rows[start : start + 200])
        conn.execute(
            update(staged_plans)
            .where(_plan_key(run_id, workflow))
            .values(plan=_meta(window, counts), heartbeat_at=_now())
        )


def complete_plan(engine: Any, run_id: str, workflow: str, window: SyncWindow, counts: PlanCounts) -> None:
    """Mark the plan ``complete``: every batch is staged (failures: ``fail_plan``)."""
    with writer(engine).begin() as conn:
        conn.execute(
            update(staged_plans)
            .where(_plan_key(run_id, workflow))
            .values(plan=_meta(window, counts), status=COMPLETE, retries_left=0, heartbeat_at=_now())
        )


def fail_plan(engine: Any, run_id: str, workflow: str, *, retries_left: int = 0) -> None:
    """Mark the plan failed, also when the planning task failed before opening it (the source
    did not answer for its clock, say): load tasks waiting for it then stop at once instead of
    waiting ``INTEGRATION_PLAN_WAIT_S`` for a plan that will not come."""
    with writer(engine).begin() as conn:
        changed = conn.execute(
            update(staged_plans)
            .where(_plan_key(run_id, workflow))
            .values(status=FAILED, retries_left=retries_left, heartbeat_at=_now())
        ).rowcount
        if not changed:
            now = _now()
            window = SyncWindow(since=None, until=now, mode="full")
            conn.execute(
                insert(staged_plans).values(
                    run_id=run_id,
                    workflow=workflow,
                    plan=_meta(window, PlanCounts()),
                    created_at=now,
                    status=FAILED,
                    attempt=1,
                    retries_left=retries_left,
                    heartbeat_at=now,
                )  # fmt: skip
            )


def plan_state(engine: Any, run_id: str, workflow: str) -> PlanState | None:
    """The plan's row, or None while the planning task has not opened it."""
    with engine.connect() as conn:
        row = conn.execute(
            select(
                staged_plans.c.plan,
                staged_plans.c.status,
                staged_plans.c.attempt,
                staged_plans.c.retries_left,
                staged_plans.c.heartbeat_at,
            ).where(_plan_key(run_id, workflow))
        ).first()
    if row is None:
        return None
    meta = json.loads(row.plan)
    return PlanState(
        row.status,
        row.attempt,
        row.retries_left,
        row.heartbeat_at,
        _window_of(meta["window"]),
        PlanCounts(**meta.get("counts", {})),
    )


def unfinished_claims(engine: Any, run_id: str, workflow: str, worker: str) -> list[int]:
    """Batches ``worker`` claimed earlier and did not finish (its previous try died or failed)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(staged_batches.c.number)
            .where(
                _batch_key(run_id, workflow),
                staged_batches.c.claimed_by == worker,
                staged_batches.c.outcome.is_(None),
            )
            .order_by(staged_batches.c.number)
        ).all()
    return [int(r[0]) for r in rows]


def claim_next(engine: Any, run_id: str, workflow: str, worker: str) -> int | None:
    """Claim the lowest unclaimed batch for ``worker``; None when none is waiting.

    The conditional update makes the claim exclusive: of two workers racing for a batch, the
    second updates nothing and looks again.
    """
    bkey = _batch_key(run_id, workflow)
    while True:
        # a plain read first: idle load tasks poll often and must not queue for the write lock
        with engine.connect() as conn:
            waiting = conn.execute(
                select(staged_batches.c.number).where(bkey, staged_batches.c.claimed_by.is_(None)).limit(1)
            ).first()
        if waiting is None:
            return None
        with writer(engine).begin() as conn:
            number = conn.execute(
                select(func.min(staged_batches.c.number)).where(bkey, staged_batches.c.claimed_by.is_(None))
            ).scalar()
            if number is None:
                return None
            claimed = conn.execute(
                update(staged_batches)
                .where(bkey, staged_batches.c.number == number, staged_batches.c.claimed_by.is_(None))
                .values(claimed_by=worker, claimed_at=_now())
            ).rowcount
        if claimed:
            return int(number)


def load_batch(engine: Any, run_id: str, workflow: str, number: int) -> Batch:
    with engine.connect() as conn:
        payload = conn.execute(
            select(staged_batches.c.payload).where(
                _batch_key(run_id, workflow), staged_batches.c.number == number
            )
        ).scalar()
    if payload is None:
        raise LookupError(
            f"{workflow}: batch {number} of run {run_id} is not staged (was the plan task re-run?)"
        )
    return Batch.from_json(json.loads(payload))


def save_outcome(engine: Any, run_id: str, workflow: str, outcome: BatchOutcome) -> None:
    with writer(engine).begin() as conn:
        conn.execute(
            update(staged_batches)
            .where(_batch_key(run_id, workflow), staged_batches.c.number == outcome.number)
            .values(outcome=json.dumps(outcome.to_json()))
        )


def loaded_batches(engine: Any, run_id: str, workflow: str) -> set[int]:
    """Numbers of the batches of a run whose outcome is recorded (already written)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(staged_batches.c.number).where(
                _batch_key(run_id, workflow), staged_batches.c.outcome.is_not(None)
            )
        ).all()
    return {int(r[0]) for r in rows}


def load_plan(engine: Any, run_id: str, workflow: str) -> tuple[Plan, list[BatchOutcome], int]:
    """The stored plan (counts only), the outcomes of loaded batches, and the number of batches."""
    state = plan_state(engine, run_id, workflow)
    if state is None:
        raise LookupError(f"{workflow}: no plan stored for run {run_id}")
    with engine.connect() as conn:
        rows = conn.execute(
            select(staged_batches.c.number, staged_batches.c.outcome).where(_batch_key(run_id, workflow))
        ).all()
    c = state.counts
    plan = Plan(state.window, c.extracted, [], [], [], c.seconds, c.skipped, c.failed)
    outcomes = [BatchOutcome(**json.loads(o)) for _, o in rows if o]
    return plan, outcomes, len(rows)


def clear_payloads(engine: Any, run_id: str, workflow: str) -> None:
    """Drop the record payloads of a finished run (outcomes stay for the record)."""
    with writer(engine).begin() as conn:
        conn.execute(update(staged_batches).where(_batch_key(run_id, workflow)).values(payload=None))
