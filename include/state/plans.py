"""Staged plans: a run's plan and its batches, handed from the planning task to the load tasks.

The planning task opens the plan, stages batches chunk by chunk as it reads the source, and
closes the plan (complete or failed), reporting its running totals each time. Load tasks run
beside it and *claim* batches one at a time, lowest number first; a claim names the load task,
so a retried load task takes back the batches its earlier try held and had not finished. Each
loaded batch gets its outcome.

The store keeps the documents it is given (the plan's ``meta``, each batch's payload and
outcome) as JSON and never looks inside. Every method is one short transaction (two for a
claim); writers take SQLite's write lock at ``BEGIN IMMEDIATE``, so concurrent task processes
queue for it instead of failing with "database is locked".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, insert, select, update
from sqlalchemy.engine import Engine

from include.state import models as m
from include.state.engine import Transactions, chunked, utcnow
from include.state.records import PlanProgress, StagedBatch, StagedPlan

PLANNING, COMPLETE, FAILED = m.PLAN_PLANNING, m.PLAN_COMPLETE, m.PLAN_FAILED
BATCH_ROWS = 200  # staged batches per INSERT: payloads are large

_plans, _batches = m.staged_plans, m.staged_batches


def _plan_key(run_id: str, workflow: str) -> ColumnElement[bool]:
    return and_(_plans.c.run_id == run_id, _plans.c.workflow == workflow)


def _batch_key(run_id: str, workflow: str) -> ColumnElement[bool]:
    return and_(_batches.c.run_id == run_id, _batches.c.workflow == workflow)


class StagedPlans:
    """The staged plans of the state store: ``StateStore.plans``, or ``StagedPlans(engine)``.

    ``engine`` is a state-store engine (``StateStore.engine``: on SQLite it must come from
    ``include.state.engine.make_engine``, whose hooks make ``BEGIN IMMEDIATE`` possible).
    """

    def __init__(self, db: Engine | Transactions) -> None:
        self._tx = db if isinstance(db, Transactions) else Transactions(db)

    # -- the planning task -----------------------------------------------------------------
    def open(
        self, run_id: str, workflow: str, meta: dict[str, Any], *, attempt: int = 1, retries_left: int = 0
    ) -> int:
        """Start (or restart) a run's plan as *planning*; returns the number its first new batch takes.

        A restarted plan (the planning task's retry) keeps the batches that were loaded or are
        being loaded, drops the others (the new attempt plans their records again), and numbers
        its batches after the highest kept one.
        """
        now = utcnow()
        with self._tx.write() as conn:
            conn.execute(
                delete(_batches).where(
                    _batch_key(run_id, workflow),
                    _batches.c.outcome.is_(None),
                    _batches.c.claimed_by.is_(None),
                )
            )
            conn.execute(delete(_plans).where(_plan_key(run_id, workflow)))
            conn.execute(
                insert(_plans).values(
                    run_id=run_id,
                    workflow=workflow,
                    plan=meta,
                    created_at=now,
                    status=PLANNING,
                    attempt=attempt,
                    retries_left=retries_left,
                    heartbeat_at=now,
                )
            )
            highest = conn.execute(
                select(func.max(_batches.c.number)).where(_batch_key(run_id, workflow))
            ).scalar()
        return 0 if highest is None else int(highest) + 1

    def stage(self, run_id: str, workflow: str, batches: Sequence[StagedBatch], meta: dict[str, Any]) -> None:
        """Add batches (claimable at once) and report the plan's ``meta``; a heartbeat too."""
        rows = [
            {
                "run_id": run_id,
                "workflow": workflow,
                "number": b.number,
                "payload": b.payload,
                "records": b.records,
            }
            for b in batches
        ]
        with self._tx.write() as conn:
            for chunk in chunked(rows, BATCH_ROWS):
                conn.execute(insert(_batches), list(chunk))
            conn.execute(
                update(_plans).where(_plan_key(run_id, workflow)).values(plan=meta, heartbeat_at=utcnow())
            )

    def complete(self, run_id: str, workflow: str, meta: dict[str, Any]) -> None:
        """Mark the plan *complete* (every batch is staged), with its final ``meta``."""
        with self._tx.write() as conn:
            conn.execute(
                update(_plans)
                .where(_plan_key(run_id, workflow))
                .values(plan=meta, status=COMPLETE, retries_left=0, heartbeat_at=utcnow())
            )

    def fail(self, run_id: str, workflow: str, *, meta: dict[str, Any], retries_left: int = 0) -> None:
        """Mark the plan *failed* with the retries its planning task still has; its staged batches stay.

        A plan never opened (the planning task failed before) is created failed, with ``meta``
        (otherwise ``meta`` is not used): load tasks waiting for it then stop at once.
        """
        now = utcnow()
        with self._tx.write() as conn:
            changed = conn.execute(
                update(_plans)
                .where(_plan_key(run_id, workflow))
                .values(status=FAILED, retries_left=retries_left, heartbeat_at=now)
            ).rowcount
            if not changed:
                conn.execute(
                    insert(_plans).values(
                        run_id=run_id,
                        workflow=workflow,
                        plan=meta,
                        created_at=now,
                        status=FAILED,
                        attempt=1,
                        retries_left=retries_left,
                        heartbeat_at=now,
                    )
                )

    # -- the load tasks --------------------------------------------------------------------
    def get(self, run_id: str, workflow: str) -> StagedPlan | None:
        """The plan as last reported, or ``None`` while the planning task has not opened it."""
        with self._tx.read() as conn:
            row = conn.execute(select(_plans).where(_plan_key(run_id, workflow))).first()
        if row is None:
            return None
        data = row._asdict()
        return StagedPlan(meta=data.pop("plan"), **data)

    def claim_next(self, run_id: str, workflow: str, worker: str) -> int | None:
        """Claim the lowest unclaimed batch for ``worker``; ``None`` when none is waiting.

        The conditional update makes the claim exclusive: of two workers racing for a batch, the
        second updates nothing and looks again.
        """
        bkey = _batch_key(run_id, workflow)
        unclaimed = _batches.c.claimed_by.is_(None)
        while True:
            # a plain read first: idle load tasks poll often and must not queue for the write lock
            with self._tx.read() as conn:
                waiting = conn.execute(select(_batches.c.number).where(bkey, unclaimed).limit(1)).first()
            if waiting is None:
                return None
            with self._tx.write() as conn:
                number = conn.execute(select(func.min(_batches.c.number)).where(bkey, unclaimed)).scalar()
                if number is None:
                    return None
                claimed = conn.execute(
                    update(_batches)
                    .where(bkey, _batches.c.number == number, unclaimed)
                    .values(claimed_by=worker, claimed_at=utcnow())
                ).rowcount
            if claimed:
                return int(number)

    def unfinished_claims(self, run_id: str, workflow: str, worker: str) -> list[int]:
        """Batches ``worker`` claimed and has no outcome for (its previous try died or failed), ascending."""
        stmt = (
            select(_batches.c.number)
            .where(
                _batch_key(run_id, workflow), _batches.c.claimed_by == worker, _batches.c.outcome.is_(None)
            )
            .order_by(_batches.c.number)
        )
        with self._tx.read() as conn:
            return [int(n) for n in conn.execute(stmt).scalars()]

    def batch(self, run_id: str, workflow: str, number: int) -> dict[str, Any] | None:
        """A staged batch's payload; ``None`` if it is not staged, or its payload was cleared."""
        stmt = select(_batches.c.payload).where(_batch_key(run_id, workflow), _batches.c.number == number)
        with self._tx.read() as conn:
            payload: dict[str, Any] | None = conn.execute(stmt).scalar()
        return payload

    def save_outcome(self, run_id: str, workflow: str, number: int, outcome: dict[str, Any]) -> None:
        """Record what the target said about a batch: the batch is loaded."""
        with self._tx.write() as conn:
            conn.execute(
                update(_batches)
                .where(_batch_key(run_id, workflow), _batches.c.number == number)
                .values(outcome=outcome)
            )

    # -- the finishing task ----------------------------------------------------------------
    def in_flight(self, run_id: str, workflow: str) -> int:
        """How many batches are claimed and have no outcome yet."""
        stmt = select(func.count()).where(
            _batch_key(run_id, workflow), _batches.c.claimed_by.is_not(None), _batches.c.outcome.is_(None)
        )
        with self._tx.read() as conn:
            return int(conn.execute(stmt).scalar() or 0)

    def progress(self, run_id: str, workflow: str) -> PlanProgress:
        """Every staged batch's number and the outcomes of the loaded ones (payloads are not read)."""
        stmt = (
            select(_batches.c.number, _batches.c.outcome)
            .where(_batch_key(run_id, workflow))
            .order_by(_batches.c.number)
        )
        with self._tx.read() as conn:
            rows = conn.execute(stmt).all()
        return PlanProgress(
            staged=[int(r.number) for r in rows],
            outcomes={int(r.number): r.outcome for r in rows if r.outcome is not None},
        )

    def clear_payloads(self, run_id: str, workflow: str) -> None:
        """Drop the payloads of a finished run's batches (numbers and outcomes stay for the record)."""
        with self._tx.write() as conn:
            conn.execute(update(_batches).where(_batch_key(run_id, workflow)).values(payload=None))
