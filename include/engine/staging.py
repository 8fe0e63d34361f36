"""The plan of a run, handed from the planning task to the mapped load tasks through the state
database (never through local files: the tasks may run on different machines).

The tables (``staged_plans``, ``staged_batches``) belong to the state store (its models and
Alembic migrations); this module only reads and writes them with short transactions.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import and_, delete, insert, select, update

from include.engine.run import Batch, BatchOutcome, Plan
from include.engine.window import SyncWindow
from include.state.models import staged_batches, staged_plans


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def save_plan(engine: Any, run_id: str, workflow: str, plan: Plan) -> list[int]:
    """Store the plan and its batches (replacing any earlier attempt of the same run)."""
    meta = {
        "window": {
            "since": plan.window.since.isoformat() if plan.window.since else None,
            "until": plan.window.until.isoformat(),
            "mode": plan.window.mode,
            "record_ids": list(plan.window.record_ids),
        },
        "extracted": plan.extracted,
        "skipped": len(plan.skipped),
        "failed": len(plan.failed),
        "seconds": plan.seconds,
    }
    key = and_(staged_plans.c.run_id == run_id, staged_plans.c.workflow == workflow)
    bkey = and_(staged_batches.c.run_id == run_id, staged_batches.c.workflow == workflow)
    with engine.begin() as conn:
        conn.execute(delete(staged_plans).where(key))
        conn.execute(delete(staged_batches).where(bkey))
        conn.execute(
            insert(staged_plans).values(run_id=run_id, workflow=workflow, plan=json.dumps(meta), created_at=_now())
        )
        rows = [
            {
                "run_id": run_id,
                "workflow": workflow,
                "number": b.number,
                "payload": json.dumps(b.to_json(), default=str),
            }
            for b in plan.batches
        ]
        for start in range(0, len(rows), 200):
            conn.execute(insert(staged_batches), rows[start : start + 200])
    return [b.number for b in plan.batches]


def load_batch(engine: Any, run_id: str, workflow: str, number: int) -> Batch:
    with engine.connect() as conn:
        payload = conn.execute(
            select(staged_batches.c.payload).where(
                staged_batches.c.run_id == run_id,
                staged_batches.c.workflow == workflow,
                staged_batches.c.number == number,
            )
        ).scalar()
    if payload is None:
        raise LookupError(f"{workflow}: batch {number} of run {run_id} is not staged (was the plan task re-run?)")
    return Batch.from_json(json.loads(payload))


def save_outcome(engine: Any, run_id: str, workflow: str, outcome: BatchOutcome) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(staged_batches)
            .where(
                staged_batches.c.run_id == run_id,
                staged_batches.c.workflow == workflow,
                staged_batches.c.number == outcome.number,
            )
            .values(outcome=json.dumps(outcome.to_json()))
        )


def loaded_batches(engine: Any, run_id: str, workflow: str) -> set[int]:
    """Numbers of the batches of a run whose outcome is recorded (already written)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(staged_batches.c.number).where(
                staged_batches.c.run_id == run_id,
                staged_batches.c.workflow == workflow,
                staged_batches.c.outcome.is_not(None),
            )
        ).all()
    return {int(r[0]) for r in rows}


def load_plan(engine: Any, run_id: str, workflow: str) -> tuple[Plan, list[BatchOutcome], int]:
    """The stored plan (counts only), the outcomes of loaded batches, and the number of batches."""
    with engine.connect() as conn:
        raw = conn.execute(
            select(staged_plans.c.plan).where(staged_plans.c.run_id == run_id, staged_plans.c.workflow == workflow)
        ).scalar()
        if raw is None:
            raise LookupError(f"{workflow}: no plan stored for run {run_id}")
        rows = conn.execute(
            select(staged_batches.c.number, staged_batches.c.outcome).where(
                staged_batches.c.run_id == run_id, staged_batches.c.workflow == workflow
            )
        ).all()
    meta = json.loads(raw)
    w = meta["window"]
    window = SyncWindow(
        since=dt.datetime.fromisoformat(w["since"]) if w["since"] else None,
        until=dt.datetime.fromisoformat(w["until"]),
        mode=w["mode"],
        record_ids=tuple(w["record_ids"]),
    )
    plan = Plan(window, meta["extracted"], [], [], [], meta["seconds"], meta["skipped"], meta["failed"])
    outcomes = [BatchOutcome(**json.loads(o)) for _, o in rows if o]
    return plan, outcomes, len(rows)


def clear_payloads(engine: Any, run_id: str, workflow: str) -> None:
    """Drop the record payloads of a finished run (outcomes stay for the record)."""
    with engine.begin() as conn:
        conn.execute(
            update(staged_batches)
            .where(staged_batches.c.run_id == run_id, staged_batches.c.workflow == workflow)
            .values(payload=None)
        )
