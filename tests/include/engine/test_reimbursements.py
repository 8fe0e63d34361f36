"""Reimbursements (Expense Report Reimbursements): an update-only import over HTTP against both services.

NetSuite marks an expense report SPP sent it "Paid In Full"; the import marks that SPP envelope
reimbursed. It never creates an envelope and never changes the envelope's own externalid.
"""

from __future__ import annotations

from typing import Any

import pytest

from include.engine.run import WorkflowRunner

from .changes import linked, source_records, spp_object
from .conftest import World

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

WORKFLOW = "reimbursements_import"
PAID = "Paid In Full"


def envelopes(world: World) -> dict[str, dict[str, Any]]:
    return {str(d["id"]): d for d in world.spp.read("Envelope")}


def paid_reports(world: World) -> dict[str, dict[str, Any]]:
    """NetSuite expense reports paid in full, by internalId (what the workflow selects)."""
    return source_records(world, WORKFLOW)


def test_paid_expense_reports_mark_exactly_their_envelopes_reimbursed(world: World) -> None:
    world.run_upstream(WORKFLOW)
    before = envelopes(world)
    paid = paid_reports(world)
    assert paid and all(doc["status"] == PAID for doc in paid.values())
    field = world.workflow(WORKFLOW).netsuite_id_field
    # the envelopes SPP exported whose NetSuite report is paid
    expected = {i for i, env in before.items() if env.get(field) in paid}
    assert expected

    summary = world.run(WORKFLOW)

    assert summary.status == "success"
    assert (summary.created, summary.updated, summary.failed) == (0, len(expected), 0)
    after = envelopes(world)
    assert set(after) == set(before)  # nothing created in SPP
    assert {i for i, env in after.items() if env.get("reimbursed") == "1"} == expected
    for spp_id in expected:
        assert after[spp_id].get("externalid") == before[spp_id].get("externalid")  # left alone
        assert after[spp_id]["reimbursed_date"]
    assert set(linked(world, WORKFLOW).values()) == expected


def test_a_second_run_writes_nothing_and_a_newly_paid_report_marks_only_its_envelope(world: World) -> None:
    world.run_upstream(WORKFLOW)
    assert world.run(WORKFLOW).status == "success"
    written = world.spp_service.written()
    assert (world.run(WORKFLOW).updated, world.spp_service.written()) == (0, written)

    field = world.workflow(WORKFLOW).netsuite_id_field
    unpaid = [
        (spp_id, env[field])
        for spp_id, env in envelopes(world).items()
        if env.get(field) not in (None, "", "-1") and env.get("reimbursed") != "1"
    ]
    spp_id, netsuite_id = unpaid[0]
    assert world.netsuite.update_list("expenseReport", [{"internalId": netsuite_id, "status": PAID}])[0].ok

    summary = world.run(WORKFLOW)

    assert (summary.created, summary.updated, summary.failed) == (0, 1, 0)
    assert world.spp_service.written() == written + 1
    assert spp_object(world, "Envelope", spp_id)["reimbursed"] == "1"


def test_a_paid_expense_report_spp_never_sent_creates_no_envelope(world: World) -> None:
    world.run_upstream(WORKFLOW)
    assert world.run(WORKFLOW).status == "success"
    report = dict(next(iter(paid_reports(world).values())))
    added = world.netsuite.add_list(
        "expenseReport",
        [
            {
                "entity": report["entity"],
                "tranDate": report["tranDate"],
                "memo": "Entered in NetSuite",
                "expenseList": report["expenseList"],
            }
        ],
    )
    assert added[0].ok, added
    assert world.netsuite.update_list("expenseReport", [{"internalId": added[0].id, "status": PAID}])[0].ok
    count, written = len(envelopes(world)), world.spp_service.written()
    wf = world.workflow(WORKFLOW)
    runner = WorkflowRunner(wf, world.state, netsuite=world.netsuite, spp=world.spp, run_id="p", params={})
    reasons = {r.source_id: r.reason for r in runner.plan().skipped}
    assert reasons[str(added[0].id)] == "not in target; workflow does not create"

    summary = world.run(WORKFLOW)

    assert summary.status == "success"
    assert (summary.created, summary.updated, summary.failed) == (0, 0, 0)
    assert (len(envelopes(world)), world.spp_service.written()) == (count, written)
