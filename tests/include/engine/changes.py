"""Changes a test makes in the source systems between two runs, through the real clients.

Imports read NetSuite, so a change there is a NetSuite ``updateList``/``addList``; exports read
SuiteProjects Pro, so a new record there is an SPP ``Add`` (plus ``Submit``/``Approve`` for the
approvable ones). Every helper returns the id of what it touched in the source system.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from include import registry
from include.engine.direction import direction_of
from include.engine.endpoints import source_id_of
from include.engine.window import SyncWindow
from include.mapping.model import Workflow

from .conftest import World


# -- what each import workflow changes to prove a change travels --------------------------------
@dataclass(frozen=True)
class ImportChange:
    """A monitored NetSuite field to change and where its new value shows in SPP."""

    netsuite_field: str
    new_value: str
    spp_field: str
    expected: str


IMPORT_CHANGES: dict[str, ImportChange] = {
    "customers_import": ImportChange(
        "companyName", "Renamed Customer Ltd", "company", "Renamed Customer Ltd"
    ),
    "employees_import": ImportChange("firstName", "Zelda", "addr.first", "Zelda"),
    "expense_items_import": ImportChange("name", "Renamed Mileage", "name", "Renamed Mileage"),
    "projects_import": ImportChange("companyName", "Renamed Project", "name", "Renamed Project"),
    "project_tasks_import": ImportChange("title", "Renamed Task", "name", "Renamed Task"),
    "services_import": ImportChange("displayName", "Renamed Service", "name", "Renamed Service"),
    "cost_centers_import": ImportChange("name", "Renamed Cost Center", "name", "Renamed Cost Center"),
    "rate_cards_import": ImportChange("name", "Renamed Rate Card", "name", "Renamed Rate Card"),
    "customer_pos_import": ImportChange("memo", "PO 424242 amended", "notes", "PO 424242 amended"),
    "payments_import": ImportChange("memo", "Wire 77", "notes", "Wire 77"),
    "vendors_import": ImportChange("companyName", "Renamed Vendor Ltd", "name", "Renamed Vendor Ltd"),
    "contacts_import": ImportChange("title", "Chief Buyer", "job_title", "Chief Buyer"),
    "products_import": ImportChange("displayName", "Renamed Product", "name", "Renamed Product"),
    "support_cases_import": ImportChange("title", "Printer on fire", "name", "Printer on fire"),
    "other_charge_items_import": ImportChange("displayName", "Renamed Charge", "name", "Renamed Charge"),
    "vendor_users_import": ImportChange("firstName", "Zora", "addr.first", "Zora"),
    "credit_memos_import": ImportChange("memo", "Credit for an outage", "notes", "Credit for an outage"),
    "revenue_rules_import": ImportChange("memo", "Milestone 2 signed", "notes", "Milestone 2 signed"),
}

IMPORTS = list(IMPORT_CHANGES)
EXPORTS = [
    "customers_export",
    "projects_export",
    "time_entries_export",
    "expense_reports_export",
    "invoices_export",
    "credit_memos_export",
    "purchase_requests_export",
    "revenue_recognition_export",
    "wbs_export",
    "vendor_bills_export",
    "arm_revenue_transactions_export",
]
ALL_WORKFLOWS = IMPORTS + EXPORTS


def source_records(world: World, workflow_id: str) -> dict[str, dict[str, Any]]:
    """Every source record the workflow's filters select today, by source id (read over HTTP)."""
    wf = world.workflow(workflow_id)
    source, _ = direction_of(wf).endpoints(wf, world.netsuite, world.spp)
    window = SyncWindow(since=None, until=source.server_time() + dt.timedelta(seconds=5), mode="full")
    return {source_id_of(d, source.system): d for c in source.extract_chunks(window) for d in c}


def linked(world: World, workflow_id: str) -> dict[str, str]:
    """Source id -> target id of the workflow's records the cross-reference links."""
    wf = world.workflow(workflow_id)
    ids = list(source_records(world, workflow_id))
    if wf.is_import:
        return {k: v.spp_id for k, v in world.state.xref_by_netsuite(wf.entity, ids).items() if v.spp_id}
    return {k: v.netsuite_id for k, v in world.state.xref_by_spp(wf.entity, ids).items() if v.netsuite_id}


def spp_object(world: World, object_type: str, spp_id: str) -> dict[str, str]:
    """One SPP object by id (nested fields such as ``addr.first`` come back dotted)."""
    found = list(world.spp.read(object_type, ids=[spp_id]))
    assert len(found) == 1, found
    return found[0]


def spp_by_external_id(world: World, object_type: str, external_id: str) -> list[dict[str, str]]:
    return list(world.spp.read(object_type, equal_to_any={"externalid": [external_id]}))


def netsuite_search(world: World, target: str | Workflow, **criteria: Any) -> Iterator[dict[str, Any]]:
    """Search a NetSuite record type, or a workflow's target (a custom record type within its type)."""
    if isinstance(target, str):
        return world.netsuite.search(target, **criteria)
    type_id = registry.custom_record_type_id(target.entity)
    if target.target.type == "customRecord" and type_id is not None:
        criteria["custom_record_type_id"] = type_id
    return world.netsuite.search(target.target.type, **criteria)


def netsuite_by_external_id(world: World, target: str | Workflow, external_id: str) -> list[dict[str, Any]]:
    return list(netsuite_search(world, target, external_ids=[external_id]))


def netsuite_count(world: World, target: str | Workflow) -> int:
    return sum(1 for _ in netsuite_search(world, target, body_fields_only=True))


# -- imports: NetSuite side ---------------------------------------------------------------------
def change_netsuite(world: World, workflow_id: str, internal_id: str, change: ImportChange) -> None:
    """Set one monitored field of a NetSuite record (``updateList``), as a NetSuite user would."""
    wf = world.workflow(workflow_id)
    results = world.netsuite.update_list(
        wf.source.type, [{"internalId": internal_id, change.netsuite_field: change.new_value}]
    )
    assert results[0].ok, results


def new_service_item(world: World, item_id: str = "SVC-NEW") -> str:
    """A new active NetSuite service sale item (every seeded one is in SPP already)."""
    results = world.netsuite.add_list(
        "serviceSaleItem",
        [{"itemId": item_id, "displayName": "New advisory", "rate": 150.0, "isInactive": False}],
    )
    assert results[0].ok, results
    return str(results[0].id)


def new_catalog_record(world: World, workflow_id: str) -> str | None:
    """A record to create for the import workflows whose every seeded record is in SPP already."""
    if workflow_id == "expense_items_import":
        return new_expense_category(world)
    if workflow_id == "services_import":
        return new_service_item(world)
    if workflow_id in ("cost_centers_import", "rate_cards_import"):
        return new_custom_record(world, workflow_id)
    return None


def new_custom_record(world: World, workflow_id: str) -> str:
    """A new NetSuite cost center or rate card (custom records of SuiteProjects Pro's bundle)."""
    from include import registry

    type_name = registry.entity(world.workflow(workflow_id).entity).custom_record_type
    assert type_name is not None
    type_id = registry.custom_record_type(type_name).internal_id
    results = world.netsuite.add_list(
        "customRecord",
        [{"recType": {"internalId": type_id}, "name": f"New {workflow_id}", "isInactive": False}],
    )
    assert results[0].ok, results
    return str(results[0].id)


def new_expense_category(world: World, name: str = "Parking") -> str:
    """A new active NetSuite expense category (no modification date: every run reads them all)."""
    results = world.netsuite.add_list(
        "expenseCategory",
        [
            {
                "externalId": f"test-{name.lower()}",
                "name": name,
                "expenseAcct": {"internalId": "1"},
                "isInactive": False,
            }
        ],
    )
    assert results[0].ok, results
    return str(results[0].id)


# -- exports: SuiteProjects Pro side ------------------------------------------------------------
def _added(world: World, object_type: str, fields: dict[str, Any]) -> str:
    results = world.spp.add(object_type, [fields])
    assert results[0].ok, results
    return str(results[0].id)


def _approve(world: World, object_type: str, spp_id: str) -> None:
    for result in [*world.spp.submit(object_type, [spp_id]), *world.spp.approve(object_type, [spp_id])]:
        assert result.ok, result


def _exported_example(world: World, object_type: str, netsuite_field: str) -> dict[str, str]:
    """An SPP record that was exported already: its references are all linked."""
    for doc in world.spp.read(object_type):
        if doc.get(netsuite_field) and doc.get(netsuite_field) != "-1":
            return doc
    raise AssertionError(f"no exported {object_type} in the seed")


def new_spp_customer(world: World) -> str:
    return _added(
        world, "Customer", {"company": "Brand New Customer", "name": "Brand New Customer", "active": "1"}
    )


def new_spp_project(world: World) -> str:
    like = _exported_example(world, "Project", "netsuite_project_id__c")
    return _added(
        world, "Project", {"name": "Brand New Project", "customerid": like["customerid"], "active": "1"}
    )


def new_approved_time_entry(world: World) -> str:
    """A new timesheet with one entry, submitted and approved; returns the entry (Task) id."""
    like = _exported_example(world, "Task", "netsuite_timebill_id__c")
    day = like["date"][:10]
    sheet = _added(
        world, "Timesheet", {"userid": like["userid"], "starts": day, "ends": day, "name": "New week"}
    )
    fields = {k: like[k] for k in ("userid", "projectid", "projecttaskid", "categoryid") if like.get(k)}
    entry = _added(
        world, "Task", {**fields, "timesheetid": sheet, "date": day, "decimal_hours": "2.50", "notes": "new"}
    )
    _approve(world, "Timesheet", sheet)
    return entry


def new_approved_expense_report(world: World) -> str:
    """A new envelope with one receipt, submitted and approved; returns the envelope id."""
    like = _exported_example(world, "Envelope", "netsuite_expense_report_id__c")
    ticket = next(world.spp.read("Ticket", equal_to_any={"envelopeid": [like["id"]]}))
    day = like["date"][:10]
    envelope = _added(world, "Envelope", {"userid": like["userid"], "name": "New trip", "date": day})
    fields = {
        k: ticket[k]
        for k in ("itemid", "projectid", "quantity", "cost", "total", "reimbursable")
        if ticket.get(k)
    }
    _added(
        world,
        "Ticket",
        {**fields, "envelopeid": envelope, "userid": like["userid"], "date": day, "notes": "taxi"},
    )
    _approve(world, "Envelope", envelope)
    return envelope


def new_approved_vendor_bill_envelope(world: World) -> str:
    """A new approved envelope of a contractor whose earlier one became a vendor bill; returns its id."""
    like = _exported_example(world, "Envelope", "netsuite_vendor_bill_id__c")
    ticket = next(world.spp.read("Ticket", equal_to_any={"envelopeid": [like["id"]]}))
    day = like["date"][:10]
    envelope = _added(world, "Envelope", {"userid": like["userid"], "name": "New site visit", "date": day})
    fields = {k: ticket[k] for k in ("itemid", "projectid", "quantity", "cost", "total") if ticket.get(k)}
    _added(world, "Ticket", {**fields, "envelopeid": envelope, "userid": like["userid"], "date": day})
    _approve(world, "Envelope", envelope)
    return envelope


def new_approved_invoice(world: World, hours: tuple[float, ...] = (3.0, 4.5)) -> str:
    """A new invoice of an exported invoice's customer and project with one time charge per ``hours``
    (same service and rate: one NetSuite line), approved. Negative hours make it a credit."""
    like = _exported_example(world, "Invoice", "netsuite_invoice_id__c")
    slip = next(world.spp.read("Slip", equal_to_any={"invoiceid": [like["id"]]}))
    day, rate = like["date"][:10], float(slip["rate"])
    invoice = _added(
        world,
        "Invoice",
        {
            "number": "INV-NEW" if hours[0] > 0 else "CR-NEW",
            "date": day,
            "customerid": like["customerid"],
            "projectid": like["projectid"],
            "total": f"{sum(hours) * rate:.2f}",
        },
    )
    charge = {k: slip[k] for k in ("customerid", "projectid", "categoryid", "rate", "description")}
    for h in hours:
        _added(
            world,
            "Slip",
            {
                **charge,
                "invoiceid": invoice,
                "date": day,
                "type": "T",
                "hours": f"{h:.2f}",
                "total": f"{h * rate:.2f}",
            },
        )
    _approve(world, "Invoice", invoice)
    return invoice


def new_approved_credit(world: World) -> str:
    """A new approved credit (negative invoice) of 3 + 4.5 hours."""
    return new_approved_invoice(world, hours=(-3.0, -4.5))


def new_approved_purchase_request(world: World) -> str:
    """A new purchase request of an exported request's user for two items of its first line's product
    and vendor, created and approved in SPP's UI (the XML API cannot add purchase requests)."""
    like = _exported_example(world, "Purchaserequest", "netsuite_purchase_request_id__c")
    item = next(world.spp.read("Purchase_item", equal_to_any={"purchaserequestid": [like["id"]]}))
    day = like["date"][:10]
    spp = world.spp_service
    [request] = spp.ui_add(
        "Purchaserequest",
        [{"name": "PR-NEW", "date": day, "userid": like["userid"], "approval_status": "O", "total": "0.00"}],
    )
    line = {k: item[k] for k in ("productid", "vendorid", "name", "cost")}
    total = f"{2 * float(item['cost']):.2f}"
    spp.ui_add(
        "Purchase_item",
        [{**line, "purchaserequestid": request, "date": day, "quantity": "2.00", "total": total}],
    )
    spp.ui_approve("Purchaserequest", [request])
    return request


def new_approved_revenue_transaction(world: World) -> str:
    """A new approved revenue recognition transaction on an exported one's project."""
    like = _exported_example(
        world, "Revenue_recognition_transaction", "netsuite_revenue_recognition_transaction_id"
    )
    fields = {k: like[k] for k in ("projectid", "customerid")}
    return _added(
        world,
        "Revenue_recognition_transaction",
        {**fields, "name": "Revenue new", "date": like["date"][:10], "total": "1250.00", "status": "A"},
    )


def new_wbs_project(world: World) -> str:
    """A new SPP project flagged for WBS export, of a seeded WBS project's customer, with two tasks."""
    like = next(world.spp.read("Project", equal_to={"netsuite_export_wbs__c": "1"}))
    task = next(t for t in world.spp.read("Projecttask", equal_to_any={"projectid": [like["id"]]}))
    project = _added(
        world,
        "Project",
        {
            "name": "Brand New Plan",
            "customerid": like["customerid"],
            "active": "1",
            "netsuite_export_wbs__c": "1",
        },
    )
    for name, hours in (("Discovery", "16"), ("Build", "120")):
        _added(
            world,
            "Projecttask",
            {"name": name, "projectid": project, "categoryid": task["categoryid"], "planned_hours": hours},
        )
    return project


NEW_EXPORT_RECORD = {
    "customers_export": new_spp_customer,
    "projects_export": new_spp_project,
    "time_entries_export": new_approved_time_entry,
    "expense_reports_export": new_approved_expense_report,
    "invoices_export": new_approved_invoice,
    "credit_memos_export": new_approved_credit,
    "purchase_requests_export": new_approved_purchase_request,
    "revenue_recognition_export": new_approved_revenue_transaction,
    "wbs_export": new_wbs_project,
    "vendor_bills_export": new_approved_vendor_bill_envelope,
    "arm_revenue_transactions_export": new_approved_revenue_transaction,
}
