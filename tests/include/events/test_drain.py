"""Settling drained events: done with the target id, retried with backoff, parked after the last try.

``run_records`` here stands in for the workflow run the DAG task makes (``staged.run_workflow``);
what it writes to the state store (cross-reference, record errors) is what a real run writes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from include.engine.run import RunSummary
from include.events.drain import drain, route
from include.mapping.loader import execution_order, load_workflows
from include.paths import MAPPINGS_DIR
from include.state import CrossReference, RecordError, StateStore

WORKFLOWS, _ = load_workflows(MAPPINGS_DIR)
ORDER = execution_order(WORKFLOWS)


@pytest.fixture
def state(tmp_path: Path) -> StateStore:
    return StateStore(f"sqlite:///{tmp_path / 'state.db'}")


def _event(state: StateStore, record_type: str, record_id: str, action: str = "approve") -> int:
    payload = {"record_type": record_type, "id": record_id, "action": action, "occurred_at": "t"}
    event_id = state.enqueue("spp", payload, dedupe_key=f"{record_type}:{record_id}:{action}")
    assert event_id is not None
    return event_id


def test_an_spp_invoice_routes_to_every_export_that_reads_invoices_and_a_delete_to_none(
    state: StateStore,
) -> None:
    ids = [
        _event(state, "Invoice", "7"),
        _event(state, "Invoice", "7", "delete"),
        _event(state, "Timesheet", "1"),
    ]
    batches, nothing, unroutable = route(state.dequeue(), WORKFLOWS, ORDER)
    assert {b.workflow for b in batches} == {"invoices_export", "credit_memos_export"}
    assert all(b.record_ids == ("7",) and b.event_ids == (ids[0],) for b in batches)
    assert list(nothing) == [ids[1]] and list(unroutable) == [ids[2]]


def test_events_settle_by_what_their_runs_recorded(state: StateStore) -> None:
    ok, bad = _event(state, "Customer", "1", "save"), _event(state, "Customer", "2", "save")
    runs: list[tuple[str, ...]] = []

    def run_records(workflow: str, record_ids: tuple[str, ...]) -> RunSummary:
        runs.append(record_ids)
        run_id = f"rt-{len(runs)}"
        state.xref_upsert([CrossReference("customer", netsuite_id="55", spp_id="1")])
        error = RecordError("spp", "Customer", "2", "Acme", "netsuite", "INVALID_FLD_VALUE", "no subsidiary")
        state.record_errors(run_id, workflow, [error])
        return RunSummary(workflow=workflow, run_id=run_id, status="success", window="records")

    first = drain(state, WORKFLOWS, ORDER, run_records, systems=["spp"], max_attempts=2, backoff_s=0)
    assert runs == [("1", "2")]  # one run for the burst, not one per event
    assert (first.done, first.retried, first.failed) == (1, 1, 0)
    done = state.event(ok)
    assert done is not None and (done.status, done.target_id) == ("done", "55")
    again = drain(state, WORKFLOWS, ORDER, run_records, systems=["spp"], max_attempts=2, backoff_s=0)
    assert runs[-1] == ("2",) and (again.failed, again.retried) == (1, 0)
    parked = state.event(bad)
    assert parked is not None and parked.status == "failed" and "no subsidiary" in (parked.error or "")


def test_a_run_that_could_not_happen_retries_every_event_of_it(state: StateStore) -> None:
    event_id = _event(state, "Customer", "1", "save")

    def broken(workflow: str, record_ids: tuple[str, ...]) -> RunSummary:
        raise ConnectionError("NetSuite unreachable")

    report = drain(state, WORKFLOWS, ORDER, broken, systems=["spp"], backoff_s=60)
    assert report.retried == 1
    event = state.event(event_id)
    assert event is not None and event.status == "pending" and "unreachable" in (event.error or "")
    assert state.events_due(["spp"]) == 0  # waiting out its backoff
