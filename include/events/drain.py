"""Draining the event queue: take the due events of one system, run each record through the
workflows that read its record type (by id: the same plan, load and finish as a bulk run, so the
mapping's create-only or update policy applies as it does there), and settle every event.

An event is *done* when every workflow it went through finished without an error for its record
(with the target record's id when one is linked); an error is retried with exponential backoff
and, after ``max_attempts``, parked as *failed* with the target system's message. A crash between
take and settle loses nothing: the events' lease runs out and the next drain takes them again, and
the writes are idempotent. A burst goes out as one run per workflow: its records share list
requests (100 per NetSuite upsertList), not one request per event.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from include.engine.direction import direction_of
from include.engine.run import RunSummary
from include.mapping.model import Workflow
from include.state import Event, StateStore

log = logging.getLogger(__name__)

RunRecords = Callable[[str, tuple[str, ...]], RunSummary]
"""Runs one workflow for these source record ids and returns its summary (raises if it could not run)."""


@dataclass(frozen=True)
class EventBatch:
    """The records one workflow syncs for a set of events."""

    workflow: str
    record_ids: tuple[str, ...]
    event_ids: tuple[int, ...]


@dataclass
class DrainReport:
    """What a drain did: events taken, and how each ended."""

    taken: int = 0
    done: int = 0
    retried: int = 0
    runs: list[RunSummary] = field(default_factory=list)
    parked: dict[int, str] = field(default_factory=dict)  # event id → error, failed for good now

    @property
    def failed(self) -> int:
        return len(self.parked)

    def line(self) -> str:
        return (
            f"events taken {self.taken}: done {self.done}, retried {self.retried}, failed {self.failed} "
            f"({len(self.runs)} workflow runs)"
        )


def readers(workflows: Mapping[str, Workflow], system: str, record_type: str) -> list[str]:
    """The enabled workflows whose source is ``record_type`` of ``system`` (OneView reads reports)."""
    return [
        name
        for name, w in workflows.items()
        if w.enabled and not w.is_oneview and w.source.system == system and w.source.type == record_type
    ]


def route(
    events: Sequence[Event], workflows: Mapping[str, Workflow], order: Sequence[str]
) -> tuple[list[EventBatch], dict[int, str], dict[int, str]]:
    """(batches in execution order, events with nothing to do → why, events no workflow reads → why)."""
    members: dict[str, dict[str, list[int]]] = {}
    nothing: dict[int, str] = {}
    unroutable: dict[int, str] = {}
    for event in events:
        record_type, record_id = str(event.payload["record_type"]), str(event.payload["id"])
        if event.payload.get("action") == "delete":
            nothing[event.id] = "deletes are not synchronised (the connector does not delete either)"
            continue
        names = readers(workflows, event.event_type, record_type)
        if not names:
            unroutable[event.id] = f"no enabled workflow reads {event.event_type} {record_type} records"
            continue
        for name in names:
            members.setdefault(name, {}).setdefault(record_id, []).append(event.id)
    batches = [
        EventBatch(
            name,
            tuple(members[name]),
            tuple(dict.fromkeys(i for ids in members[name].values() for i in ids)),
        )
        for name in sorted(members, key=lambda n: order.index(n) if n in order else len(order))
    ]
    return batches, nothing, unroutable


def backoff(attempts: int, base_s: float) -> dt.timedelta:
    """The wait before attempt ``attempts + 1``: base, 4 × base, 16 × base … (capped at 6 hours)."""
    return dt.timedelta(seconds=min(base_s * 4 ** max(0, attempts - 1), 6 * 3600))


def drain(
    state: StateStore,
    workflows: Mapping[str, Workflow],
    order: Sequence[str],
    run_records: RunRecords,
    *,
    systems: Sequence[str],
    limit: int = 1000,
    max_attempts: int = 5,
    backoff_s: float = 30.0,
    lease_s: float = 600.0,
) -> DrainReport:
    """Take up to ``limit`` due events of ``systems``, run them, settle them (see the module doc)."""
    report = DrainReport()
    events = state.dequeue(limit=limit, event_types=systems, lease_s=lease_s)
    report.taken = len(events)
    if not events:
        return report
    by_id = {e.id: e for e in events}
    batches, nothing, unroutable = route(events, workflows, order)
    errors: dict[int, list[str]] = {}
    targets: dict[int, str] = {}
    for batch in batches:
        workflow = workflows[batch.workflow]
        try:
            summary = run_records(batch.workflow, batch.record_ids)
        except Exception as exc:  # the run could not happen: every event of it tries again
            log.warning("%s: run for %d records failed: %s", batch.workflow, len(batch.record_ids), exc)
            for event_id in batch.event_ids:
                errors.setdefault(event_id, []).append(f"{batch.workflow}: {exc}")
            continue
        report.runs.append(summary)
        record_errors = {
            e.source_id: f"{batch.workflow}: {e.code or 'error'}: {e.message}"
            for e in state.errors(run_id=summary.run_id, workflow=batch.workflow, limit=100_000)
            if e.source_id is not None
        }
        linked = direction_of(workflow).linked(state, workflow.entity, list(batch.record_ids))
        for event_id in batch.event_ids:
            record_id = str(by_id[event_id].payload["id"])
            if record_id in record_errors:
                errors.setdefault(event_id, []).append(record_errors[record_id])
            elif summary.status != "success":
                errors.setdefault(event_id, []).append(f"{batch.workflow}: run {summary.status}")
            elif record_id in linked:
                targets.setdefault(event_id, linked[record_id])
    now = dt.datetime.now(dt.UTC)
    done: dict[int, str | None] = {i: None for i in nothing}
    retry: dict[int, tuple[str, dt.datetime]] = {}
    failed: dict[int, str] = dict(unroutable)
    for event in events:
        if event.id in nothing or event.id in unroutable:
            continue
        if event.id not in errors:
            done[event.id] = targets.get(event.id)
            continue
        message = "; ".join(errors[event.id])[:4000]
        if event.attempts >= max_attempts:
            failed[event.id] = message
        else:
            retry[event.id] = (message, now + backoff(event.attempts, backoff_s))
    state.settle_events(done=done, retry=retry, failed=failed)
    report.done, report.retried, report.parked = len(done), len(retry), failed
    return report
