"""Line-level exports compared field by field and line by line with their SPP source.

Each test lets the workflow run against both local services, then reads the NetSuite records it
wrote back over SOAP (``getList``) and rebuilds what each line should hold from the SPP documents
(read over the XML API) and the cross-reference: nothing here trusts the engine's own view.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest

from include import registry

from .changes import (
    _added,
    _approve,
    new_approved_credit,
    new_approved_invoice,
    new_approved_purchase_request,
    new_approved_revenue_transaction,
    new_approved_vendor_bill_envelope,
    new_spp_customer,
    new_wbs_project,
)
from .conftest import World

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _ref(value: Any) -> str | None:
    return None if value is None else str(value.get("internalId") if isinstance(value, dict) else value)


def _money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _netsuite_id(world: World, entity: str, spp_id: str | None) -> str | None:
    if not spp_id:
        return None
    found = world.state.xref_by_spp(entity, [spp_id]).get(spp_id)
    return found.netsuite_id if found else None


def _exported(
    world: World, spp_type: str, field: str, spp_ids: list[str], rtype: str
) -> dict[str, dict[str, Any]]:
    """SPP id -> the NetSuite ``rtype`` record its NetSuite-ID field names (read back with getList)."""
    docs = {d["id"]: d for d in world.spp.read(spp_type, ids=spp_ids)}
    ids = {spp_id: docs[spp_id][field] for spp_id in spp_ids}
    assert all(v not in (None, "", "-1") for v in ids.values()), ids
    records = world.netsuite.get_list(rtype, internal_ids=list(ids.values()))
    assert all(r is not None for r in records)
    return {spp_id: r for spp_id, r in zip(ids, records, strict=True) if r is not None}


def _lines(record: dict[str, Any], sublist: str, line: str) -> list[dict[str, Any]]:
    return list((record.get(sublist) or {}).get(line) or [])


def _created_ids(world: World, spp_type: str, field: str, before: set[str]) -> list[str]:
    linked = (d for d in world.spp.read(spp_type) if d.get(field) not in (None, "", "-1"))
    return [d["id"] for d in linked if d["id"] not in before]


# (workflow, NetSuite record type, where the SPP number goes, the sign NetSuite's amounts carry)
INVOICE_KINDS = [
    ("invoices_export", "invoice", "otherRefNum", 1, new_approved_invoice),
    ("credit_memos_export", "creditMemo", "memo", -1, new_approved_credit),  # positive amounts of a credit
]


@pytest.mark.parametrize(("workflow_id", "rtype", "number_field", "sign", "new_record"), INVOICE_KINDS)
def test_invoice_lines_are_the_spp_charges_grouped_by_service_and_rate(
    world: World, workflow_id: str, rtype: str, number_field: str, sign: int, new_record: Any
) -> None:
    world.run_upstream(workflow_id)
    wf = world.workflow(workflow_id)
    field = wf.netsuite_id_field
    exported_before = {d["id"] for d in world.spp.read("Invoice") if d.get(field) not in (None, "", "-1")}
    new_invoice = new_record(world)  # two charges of one service and rate
    slip = next(world.spp.read("Slip", equal_to_any={"invoiceid": [new_invoice]}))
    _added(  # and one at another rate: a line of its own
        world,
        "Slip",
        {
            **{k: slip[k] for k in ("customerid", "projectid", "categoryid", "description")},
            "invoiceid": new_invoice,
            "date": slip["date"][:10],
            "type": "T",
            "hours": "1.00" if sign > 0 else "-1.00",
            "rate": "999.00",
            "total": "999.00" if sign > 0 else "-999.00",
        },
    )

    summary = world.run(workflow_id)

    assert summary.status == "success" and summary.failed == 0, summary
    created = [i for i in _created_ids(world, "Invoice", field, exported_before)]
    assert new_invoice in created and len(created) == summary.created
    invoices = {d["id"]: d for d in world.spp.read("Invoice", ids=created)}
    for spp_id, record in _exported(world, "Invoice", field, created, rtype).items():
        source = invoices[spp_id]
        assert _money(source["total"]) * sign > 0  # the workflow's filter: invoices or credits
        assert _ref(record["entity"]) == _netsuite_id(world, "customer", source["customerid"])
        assert _ref(record["job"]) == _netsuite_id(world, "project", source["projectid"])
        assert str(record["tranDate"])[:10] == source["date"][:10]
        assert record[number_field] == source["number"]
        assert record["externalId"] == wf.external_id.replace("{id}", spp_id)
        # the document number NetSuite generated came back with the internalId (pullback)
        assert record["tranId"] and source["netsuite_invoice_number__c"] == record["tranId"]

        groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for charge in world.spp.read("Slip", equal_to_any={"invoiceid": [spp_id]}):
            groups[(charge["categoryid"], charge["projectid"], charge["rate"], charge["description"])].append(
                charge
            )
        lines = _lines(record, "itemList", "item")
        assert len(lines) == len(groups), (spp_id, lines)
        for line, ((service, project, rate, description), charges) in zip(lines, groups.items(), strict=True):
            assert _ref(line["item"]) == _netsuite_id(world, "service", service)
            assert _ref(line["job"]) == _netsuite_id(world, "project", project)
            assert _money(line["rate"]) == _money(rate)
            assert line["description"] == description
            assert _money(line["quantity"]) == sign * sum(_money(c["hours"]) for c in charges)
            assert _money(line["amount"]) == sign * sum(_money(c["total"]) for c in charges)
    new_record_lines = _exported(world, "Invoice", field, [new_invoice], rtype)[new_invoice]
    new_lines = _lines(new_record_lines, "itemList", "item")
    assert sorted(_money(line["quantity"]) for line in new_lines) == [Decimal("1.00"), Decimal("7.50")]


def test_expense_report_lines_are_the_envelope_receipts(world: World) -> None:
    world.run_upstream("expense_reports_export")
    field = world.workflow("expense_reports_export").netsuite_id_field
    before = {d["id"] for d in world.spp.read("Envelope") if d.get(field) not in (None, "", "-1")}

    summary = world.run("expense_reports_export")

    assert summary.status == "success" and summary.created > 0, summary
    created = _created_ids(world, "Envelope", field, before)
    envelopes = {d["id"]: d for d in world.spp.read("Envelope", ids=created)}
    for spp_id, record in _exported(world, "Envelope", field, created, "expenseReport").items():
        assert _ref(record["entity"]) == _netsuite_id(world, "employee", envelopes[spp_id]["userid"])
        tickets = list(world.spp.read("Ticket", equal_to_any={"envelopeid": [spp_id]}))
        lines = _lines(record, "expenseList", "expense")
        assert len(lines) == len(tickets) > 0
        for line, ticket in zip(lines, tickets, strict=True):
            assert str(line["expenseDate"])[:10] == ticket["date"][:10]
            assert _ref(line["category"]) == _netsuite_id(world, "expense_item", ticket["itemid"])
            assert _money(line["quantity"]) == _money(ticket["quantity"])
            assert _money(line["rate"]) == _money(ticket["cost"])
            assert _money(line["amount"]) == _money(ticket["total"])
            assert _ref(line.get("customer")) == _netsuite_id(world, "project", ticket.get("projectid"))
    # a contractor's approved envelope is a vendor bill's to send, never an employee expense report
    contractors = {u["id"] for u in world.spp.read("User") if u.get("netsuite_vendor_id__c")}
    theirs = [d for d in world.spp.read("Envelope") if d["userid"] in contractors and d.get("status") == "A"]
    assert theirs and not any(d.get(field) for d in theirs)


def test_vendor_bill_lines_are_the_contractors_receipts_and_employees_envelopes_stay_out(
    world: World,
) -> None:
    world.run_upstream("vendor_bills_export")
    field = world.workflow("vendor_bills_export").netsuite_id_field
    before = {d["id"] for d in world.spp.read("Envelope") if d.get(field) not in (None, "", "-1")}
    new_envelope = new_approved_vendor_bill_envelope(world)

    summary = world.run("vendor_bills_export")

    assert summary.status == "success" and summary.failed == 0, summary
    created = _created_ids(world, "Envelope", field, before)
    assert new_envelope in created and len(created) == summary.created
    envelopes = {d["id"]: d for d in world.spp.read("Envelope", ids=created)}
    for spp_id, record in _exported(world, "Envelope", field, created, "vendorBill").items():
        source = envelopes[spp_id]
        # a contractor: the bill is owed to the NetSuite vendor the SPP user was imported from
        assert _ref(record["entity"]) == _netsuite_id(world, "vendor_user", source["userid"])
        assert not source.get("netsuite_expense_report_id__c")  # not an employee's expense report too
        assert str(record["tranDate"])[:10] == source["date"][:10]
        assert record["externalId"] == f"spp-vendorbill-{spp_id}"
        tickets = list(world.spp.read("Ticket", equal_to_any={"envelopeid": [spp_id]}))
        lines = _lines(record, "expenseList", "expense")
        assert len(lines) == len(tickets) > 0
        for line, ticket in zip(lines, tickets, strict=True):
            assert _ref(line["category"]) == _netsuite_id(world, "expense_item", ticket["itemid"])
            assert _money(line["amount"]) == _money(ticket["total"])
            assert _ref(line.get("customer")) == _netsuite_id(world, "project", ticket.get("projectid"))
    # no employee's envelope became a bill
    users = {u["id"]: u for u in world.spp.read("User")}
    billed = [d for d in world.spp.read("Envelope") if d.get(field) not in (None, "", "-1")]
    assert billed and all(users[d["userid"]].get("netsuite_vendor_id__c") for d in billed)


def test_an_invoice_of_an_unlinked_customer_is_reported_and_exported_once_the_customer_is(
    world: World,
) -> None:
    world.run_upstream("invoices_export")
    assert world.run("invoices_export").status == "success"
    customer = new_spp_customer(world)  # in SPP only: customers_export has not run since
    like = next(world.spp.read("Invoice"))
    invoice = _added(
        world,
        "Invoice",
        {"number": "INV-ORPHAN", "date": like["date"][:10], "customerid": customer, "total": "100.00"},
    )
    slip = next(world.spp.read("Slip", equal_to_any={"invoiceid": [like["id"]]}))
    _added(
        world,
        "Slip",
        {
            "invoiceid": invoice,
            "customerid": customer,
            "categoryid": slip["categoryid"],
            "date": like["date"][:10],
            "hours": "1",
            "rate": "100.00",
            "total": "100.00",
            "description": "advice",
        },
    )
    _approve(world, "Invoice", invoice)

    blocked = world.run("invoices_export")

    assert blocked.status == "success" and (blocked.created, blocked.failed) == (0, 1), blocked
    (error,) = world.state.errors(run_id=blocked.run_id)
    assert error.source_id == invoice
    assert f"customer {customer}" in (error.message or "") and "customers_export" in (error.message or "")
    assert list(world.netsuite.search("invoice", external_ids=[f"spp-invoice-{invoice}"])) == []

    assert world.run("customers_export").status == "success"
    retried = world.run("invoices_export")

    assert (retried.created, retried.failed) == (1, 0), [
        e.message for e in world.state.errors(run_id=retried.run_id)
    ]
    (record,) = world.netsuite.search("invoice", external_ids=[f"spp-invoice-{invoice}"])
    assert _ref(record["entity"]) == _netsuite_id(world, "customer", customer)


def test_purchase_requisition_lines_are_the_requests_items(world: World) -> None:
    world.run_upstream("purchase_requests_export")
    field = world.workflow("purchase_requests_export").netsuite_id_field
    before = {d["id"] for d in world.spp.read("Purchaserequest") if d.get(field) not in (None, "", "-1")}
    new_request = new_approved_purchase_request(world)

    summary = world.run("purchase_requests_export")

    assert summary.status == "success" and summary.failed == 0, summary
    created = _created_ids(world, "Purchaserequest", field, before)
    assert new_request in created and len(created) == summary.created
    requests = {d["id"]: d for d in world.spp.read("Purchaserequest", ids=created)}
    exported = _exported(world, "Purchaserequest", field, created, "purchaseRequisition")
    for spp_id, record in exported.items():
        source = requests[spp_id]
        assert source["approval_status"] == "A"
        assert _ref(record["entity"]) == _netsuite_id(world, "employee", source["userid"])
        assert str(record["tranDate"])[:10] == source["date"][:10]
        assert record["memo"] == source["name"]
        assert record["externalId"] == f"spp-purchaserequest-{spp_id}"
        items = list(world.spp.read("Purchase_item", equal_to_any={"purchaserequestid": [spp_id]}))
        lines = _lines(record, "itemList", "purchaseRequisitionItem")
        assert len(lines) == len(items) > 0, (spp_id, lines)
        for line, item in zip(lines, items, strict=True):
            assert _ref(line["item"]) == _netsuite_id(world, "product", item["productid"])
            assert _ref(line["poVendor"]) == _netsuite_id(world, "vendor", item["vendorid"])
            assert line["description"] == item["name"]
            assert _money(line["quantity"]) == _money(item["quantity"])
            assert _money(line["estimatedRate"]) == _money(item["cost"])
            assert _money(line["estimatedAmount"]) == _money(item["total"])


def test_journal_entries_are_balanced_and_carry_the_recognised_amount(world: World) -> None:
    world.run_upstream("revenue_recognition_export")
    field = world.workflow("revenue_recognition_export").netsuite_id_field
    kind = "Revenue_recognition_transaction"
    before = {d["id"] for d in world.spp.read(kind) if d.get(field) not in (None, "", "-1")}
    new_transaction = new_approved_revenue_transaction(world)

    summary = world.run("revenue_recognition_export")

    assert summary.status == "success" and summary.failed == 0, summary
    created = _created_ids(world, kind, field, before)
    assert new_transaction in created and len(created) == summary.created
    sources = {d["id"]: d for d in world.spp.read(kind, ids=created)}
    for spp_id, record in _exported(world, kind, field, created, "journalEntry").items():
        source = sources[spp_id]
        assert str(record["tranDate"])[:10] == source["date"][:10] and record["memo"] == source["name"]
        lines = _lines(record, "lineList", "line")
        debit, credit = (sum(_money(line.get(side) or 0) for line in lines) for side in ("debit", "credit"))
        assert debit == credit == _money(source["total"])  # balanced, by the recognised amount
        assert [_ref(line["account"]) for line in lines] == ["1200", "4000"]  # deferred -> revenue
        project = _netsuite_id(world, "project", source["projectid"])
        assert [_ref(line["entity"]) for line in lines] == [project, project]


def test_opportunity_lines_are_the_projects_tasks_planned_as_services(world: World) -> None:
    world.run_upstream("wbs_export")
    wf = world.workflow("wbs_export")
    field = wf.netsuite_id_field
    before = {d["id"] for d in world.spp.read("Project") if d.get(field) not in (None, "", "-1")}
    new_project = new_wbs_project(world)
    # a task planned as no service is no priced line: left out, not failed
    _added(world, "Projecttask", {"name": "Internal kickoff", "projectid": new_project, "planned_hours": "2"})

    summary = world.run("wbs_export")

    assert summary.status == "success" and summary.failed == 0, summary
    created = _created_ids(world, "Project", field, before)
    assert new_project in created and len(created) == summary.created
    projects = {d["id"]: d for d in world.spp.read("Project", ids=created)}
    exported = _exported(world, "Project", field, created, "opportunity")
    for spp_id, record in exported.items():
        source = projects[spp_id]
        assert source["netsuite_export_wbs__c"] == "1"
        assert _ref(record["entity"]) == _netsuite_id(world, "customer", source["customerid"])
        assert _ref(record.get("job")) == _netsuite_id(world, "project", spp_id)
        assert record["title"] == source["name"][:99]
        assert record["externalId"] == f"spp-wbs-{spp_id}"
        tasks = [
            t
            for t in world.spp.read("Projecttask", equal_to_any={"projectid": [spp_id]})
            if t.get("categoryid")
        ]
        lines = _lines(record, "itemList", "item")
        assert len(lines) == len(tasks) > 0, (spp_id, lines)
        for line, task in zip(lines, tasks, strict=True):
            assert _ref(line["item"]) == _netsuite_id(world, "service", task["categoryid"])
            assert line["description"] == task["name"]
            assert _money(line["quantity"]) == _money(task["planned_hours"])
    # the job the project is exported as keeps its own NetSuite ID field
    assert all(projects[i].get("netsuite_project_id__c") != exported[i]["internalId"] for i in exported)


def test_arm_records_carry_the_recognised_amount_on_the_linked_project(world: World) -> None:
    workflow_id = "arm_revenue_transactions_export"
    world.run_upstream(workflow_id)
    wf = world.workflow(workflow_id)
    field = wf.netsuite_id_field
    before = {
        d["id"]
        for d in world.spp.read("Revenue_recognition_transaction")
        if d.get(field) not in (None, "", "-1")
    }
    new_transaction = new_approved_revenue_transaction(world)

    summary = world.run(workflow_id)

    assert summary.status == "success" and summary.failed == 0, summary
    created = _created_ids(world, "Revenue_recognition_transaction", field, before)
    assert new_transaction in created and len(created) == summary.created
    sources = {d["id"]: d for d in world.spp.read("Revenue_recognition_transaction", ids=created)}
    ids = {spp_id: sources[spp_id][field] for spp_id in created}
    type_id = registry.custom_record_type_id(wf.entity)
    records = world.netsuite.get_list(
        "customRecord", internal_ids=list(ids.values()), custom_record_type_id=type_id
    )
    for (spp_id, netsuite_id), record in zip(ids.items(), records, strict=True):
        assert record is not None and record["internalId"] == netsuite_id
        source = sources[spp_id]
        custom = record["customFieldList"]
        assert record["externalId"] == f"spp-arm-revenue-{spp_id}"
        assert record["name"] == source["name"]
        assert _ref(custom["custrecord_oa_arm_project"]) == _netsuite_id(
            world, "project", source["projectid"]
        )
        assert _money(custom["custrecord_oa_arm_amount"]) == _money(source["total"])
        assert str(custom["custrecord_oa_arm_date"])[:10] == source["date"][:10]
        assert custom["custrecord_oa_arm_spp_id"] == spp_id
