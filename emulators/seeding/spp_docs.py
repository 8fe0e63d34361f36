"""The plan as SPP documents (docs/CONTRACTS.md form: string values keyed by XML API field name).

Imported records carry the NetSuite internalId in ``externalid`` and in their "NetSuite ID" field;
exported transactions carry it in their "NetSuite ID" field (``-1`` for an interrupted export).
``created``/``updated`` are not stored: the SPP service owns them and reports the row's timestamps.
Fields follow what the integration's import mappings write (``mappings/*_import.yaml``): nested
address fields as dotted keys (``addr.email``), dates as ``YYYY-MM-DD HH:MM:SS``, quantities as ``16``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from emulators.seeding.activity import iter_time_entries
from emulators.seeding.crossref import (
    ARM,
    EXPORT_CLAIMED,
    NETSUITE_ID_FIELDS,
    SUPPORT_CASE,
    SUPPORT_CASE_ID_FIELD,
    VENDOR_BILL,
    VENDOR_USER,
    WBS,
)
from emulators.seeding.loader import StoreRow
from emulators.seeding.model import EXPORT_ATTEMPTED, Entity, ExpenseReport, Link, State, World, spp_status
from emulators.seeding.revenue import arm_ids
from emulators.seeding.sales import WBS_FLAG
from emulators.seeding.timeline import spp_date, spp_number
from emulators.seeding.world import SPP_LOAD_STEPS


def _money(value: float) -> str:
    return f"{value:.2f}"


def _row(doc: dict[str, Any], created: dt.datetime, updated: dt.datetime) -> StoreRow:
    return StoreRow(doc, doc.get("externalid"), created, updated)


def _imported(spp_type: str, entity: Entity, doc: dict[str, Any], *, active: bool = True) -> StoreRow:
    """An SPP record as the earlier import left it (plus any later SPP-side edits)."""
    if active:
        doc["active"] = "1"
    if entity.link is not Link.SPP_ONLY:
        doc["externalid"] = str(entity.ns_id)
        doc[NETSUITE_ID_FIELDS[spp_type]] = str(entity.ns_id)
    doc.update(entity.spp_changes)
    assert entity.spp_created is not None and entity.spp_updated is not None
    return _row(doc, entity.spp_created, entity.spp_updated)


def _transaction_ns_id(spp_type: str, state: State, ns_id: int | None) -> dict[str, str]:
    if state not in EXPORT_ATTEMPTED:
        return {}
    return {NETSUITE_ID_FIELDS[spp_type]: EXPORT_CLAIMED if state is not State.EXPORTED else str(ns_id)}


def _catalog_rows(world: World, spp_type: str) -> Iterator[StoreRow]:
    """Costcenter, Ratecard, Category (service) and Item (expense item) records."""
    if spp_type == "Costcenter":
        for e in world.cost_centers:
            yield _imported(spp_type, e, {"name": e.fields["name"]})
    elif spp_type == "Ratecard":
        for e in world.rate_cards:
            yield _imported(spp_type, e, {"name": e.fields["name"], "currency": "USD"})
    elif spp_type == "Category":
        for e in world.service_items:
            assert e.parent is not None
            doc = {
                "name": e.fields["displayName"],
                "code": e.fields["itemId"],
                "rate": _money(e.fields["rate"]),
                "cost_centerid": str(e.parent.spp_id),
            }
            yield _imported(spp_type, e, doc)
    elif spp_type == "Item":
        for e in world.expense_categories:
            yield _imported(
                spp_type, e, {"name": e.fields["name"], "cost": "0.00", "notes": e.fields["description"]}
            )


def _person(f: dict[str, Any]) -> dict[str, str]:
    """An SPP user's login, name and address, from an employee's or a contractor's NetSuite fields."""
    return {
        "nickname": f["entityId"],
        "name": f"{f['lastName']}, {f['firstName']}",
        "addr.first": f["firstName"],
        "addr.last": f["lastName"],
        "addr.email": f["email"],
    }


def _user_rows(world: World) -> Iterator[StoreRow]:
    for e in world.spp_users:
        doc = _person(e.fields)
        yield _imported("User", e, doc)


def _customer_rows(world: World) -> Iterator[StoreRow]:
    for e in world.customers:
        if e.in_spp:
            name = e.fields["companyName"]
            doc = {"company": name, "name": name}
            if e.link is not Link.SPP_ONLY:  # what the import wrote besides the name
                doc |= {"code": e.fields["entityId"], "addr_email": e.fields["email"]}
            yield _imported("Customer", e, doc)


def _project_rows(world: World) -> Iterator[StoreRow]:
    wbs = set(world.wbs_projects)
    for e in world.projects:
        if e.in_spp:
            assert e.parent is not None and e.owner is not None
            doc = {
                "name": e.fields["companyName"],
                "customerid": str(e.parent.spp_id),
                "userid": str(e.owner.spp_id),
                "start_date": spp_date(e.fields["startDate"].date()),
            }
            if e in wbs:
                doc[WBS_FLAG] = "1"
            if e in world.wbs_opportunities:  # sent by the last sync
                doc[WBS.netsuite_id_field] = str(world.wbs_opportunities[e])
            yield _imported("Project", e, doc)


def _project_task_rows(world: World) -> Iterator[StoreRow]:
    for e in world.tasks:
        if e.in_spp:
            assert e.parent is not None
            doc = {
                "name": e.fields["title"],
                "projectid": str(e.parent.spp_id),
                "planned_hours": spp_number(e.fields["plannedWork"]),
                "starts": spp_date(e.fields["startDate"].date()),
            }
            if e in world.wbs_task_services:  # a WBS line: the service the task is planned as
                doc["categoryid"] = str(world.wbs_task_services[e].spp_id)
            yield _imported("Projecttask", e, doc, active=False)  # tasks have no active flag
    for case in world.support_cases:  # imported support cases: tasks of their project
        if case.in_spp:
            assert case.parent is not None and case.spp_created is not None and case.spp_updated is not None
            doc = {
                "name": case.fields["title"],
                "projectid": str(case.parent.spp_id),
                "externalid": SUPPORT_CASE.import_external_id.replace("{internalId}", str(case.ns_id)),
                SUPPORT_CASE_ID_FIELD: str(case.ns_id),
            }
            yield _row(doc, case.spp_created, case.spp_updated)


def _timesheet_rows(world: World) -> Iterator[StoreRow]:
    for sheet in world.timesheets:
        doc = {"userid": str(sheet.user.spp_id), "starts": spp_date(sheet.week_start.date()),
               "ends": spp_date((sheet.week_start + dt.timedelta(days=6)).date()),
               "status": spp_status(sheet.state)}  # fmt: skip
        yield _row(doc, sheet.stamps.created, sheet.stamps.updated)


def _time_entry_rows(world: World) -> Iterator[StoreRow]:
    for entry in iter_time_entries(world):
        sheet = entry.sheet
        doc = {
            "date": spp_date(entry.date),
            "decimal_hours": _money(entry.hours),
            "timesheetid": str(sheet.spp_id),
            "userid": str(sheet.user.spp_id),
            "projectid": str(entry.project.spp_id),
            "projecttaskid": str(entry.task.spp_id),
            "categoryid": str(entry.service.spp_id),
            **_transaction_ns_id("Task", sheet.state, entry.ns_id),
        }
        if entry.notes:
            doc["notes"] = entry.notes
        yield _row(doc, sheet.stamps.created, sheet.stamps.updated)


def _envelope_rows(world: World, reports: list[ExpenseReport] | None = None) -> Iterator[StoreRow]:
    """Envelopes: employees' expense reports, or (``reports``) contractors', with the vendor bill id field."""
    contractors = reports is not None
    for report in world.expense_reports if reports is None else reports:
        doc = {
            "name": f"Expenses {report.date:%Y-%m-%d}",
            "date": spp_date(report.date),
            "userid": str(report.user.spp_id),
            "status": spp_status(report.state),
            "approved": "1" if spp_status(report.state) == "A" else "0",
            "total": _money(report.total),
        }
        if contractors and report.state is State.EXPORTED:
            doc[VENDOR_BILL.netsuite_id_field] = str(report.ns_id)
        elif not contractors:
            doc |= _transaction_ns_id("Envelope", report.state, report.ns_id)
        yield _row(doc, report.stamps.created, report.stamps.updated)


def _vendor_user_rows(world: World) -> Iterator[StoreRow]:
    """Contractors as the last Employees (Vendors) import left them: their own externalid and id field."""
    for user in world.vendor_users:
        vendor, f = user.parent, user.fields
        assert vendor is not None and user.spp_created is not None and user.spp_updated is not None
        doc = {
            **_person(f),
            "active": "1",
            "externalid": VENDOR_USER.import_external_id.replace("{internalId}", str(vendor.ns_id)),
            VENDOR_USER.netsuite_id_field: str(vendor.ns_id),
        }
        yield _row(doc, user.spp_created, user.spp_updated)


def _ticket_rows(world: World, reports: list[ExpenseReport] | None = None) -> Iterator[StoreRow]:
    for report in world.expense_reports if reports is None else reports:
        for line in report.lines:
            doc = {
                "date": spp_date(line.date),
                "envelopeid": str(report.spp_id),
                "itemid": str(line.item.spp_id),
                "cost": _money(line.cost),
                "quantity": _money(line.quantity),
                "total": _money(line.total),
            }
            if line.project is not None:
                doc["projectid"] = str(line.project.spp_id)
            if line.notes:
                doc["notes"] = line.notes
            yield _row(doc, report.stamps.created, report.stamps.updated)


def _invoice_rows(world: World) -> Iterator[StoreRow]:
    for inv in world.invoices:
        assert inv.project.parent is not None
        doc = {
            "number": inv.number,
            "date": spp_date(inv.date),
            "customerid": str(inv.project.parent.spp_id),
            "projectid": str(inv.project.spp_id),
            "status": spp_status(inv.state),
            "total": _money(inv.total),
            "currency": "USD",
            **_transaction_ns_id("Invoice", inv.state, inv.ns_id),
        }
        yield _row(doc, inv.stamps.created, inv.stamps.updated)


def _slip_rows(world: World) -> Iterator[StoreRow]:
    """The time charges an invoice bills: one slip per invoice line (service, hours, rate)."""
    for inv in world.invoices:
        assert inv.project.parent is not None
        for line in inv.lines:
            doc = {
                "date": spp_date(inv.date),
                "type": "T",
                "invoiceid": str(inv.spp_id),
                "customerid": str(inv.project.parent.spp_id),
                "projectid": str(inv.project.spp_id),
                "categoryid": str(line.service.spp_id),
                "description": line.service.fields["displayName"],
                "hours": _money(line.hours),
                "rate": _money(line.rate),
                "total": _money(line.amount),
                "status": "A" if spp_status(inv.state) == "A" else "O",
            }
            yield _row(doc, inv.stamps.created, inv.stamps.updated)


def _customer_po_rows(world: World) -> Iterator[StoreRow]:
    """The sales orders the last sync imported, as it left them (an amended total is not in SPP yet)."""
    for order in world.sales_orders:
        if order.in_spp:
            project = order.parent
            assert project is not None and project.parent is not None
            doc = {
                "number": order.fields["tranId"],
                "date": spp_date(order.fields["tranDate"]),
                "customerid": str(project.parent.spp_id),
                "projectid": str(project.spp_id),
                "total": _money(order.fields["total"]),
                "notes": order.fields["memo"],
            }
            yield _imported("Customerpo", order, doc)


def _payment_rows(world: World) -> Iterator[StoreRow]:
    for payment in world.payments:
        if payment.entity.in_spp:
            invoice = payment.invoice
            assert invoice.project.parent is not None
            doc = {
                "invoiceid": str(invoice.spp_id),
                "customerid": str(invoice.project.parent.spp_id),
                "date": spp_date(payment.entity.fields["tranDate"]),
                "total": _money(payment.entity.fields["payment"]),
            }
            yield _imported("Payment", payment.entity, doc, active=False)


def _vendor_rows(world: World) -> Iterator[StoreRow]:
    for e in world.vendors:
        if e.in_spp:
            doc = {
                "name": e.fields["companyName"],
                "code": e.fields["entityId"],
                "addr.email": e.fields["email"],
            }
            yield _imported("Vendor", e, doc)


def _contact_rows(world: World) -> Iterator[StoreRow]:
    for e in world.contacts:
        if e.in_spp:
            assert e.parent is not None
            f = e.fields
            doc = {
                "customerid": str(e.parent.spp_id),
                "addr.first": f["firstName"],
                "addr.last": f["lastName"],
                "addr.email": f["email"],
                "job_title": f["title"],
            }
            yield _imported("Contact", e, doc)


def _product_rows(world: World) -> Iterator[StoreRow]:
    for e in world.purchase_items:
        if e.in_spp:
            f = e.fields
            doc = {"name": f["displayName"], "code": f["itemId"], "cost": _money(f["cost"])}
            yield _imported("Product", e, doc)


def _purchase_request_rows(world: World) -> Iterator[StoreRow]:
    for request in world.purchase_requests:
        status = spp_status(request.state)
        doc = {
            "name": request.name,
            "date": spp_date(request.date),
            "userid": str(request.user.spp_id),
            "total": _money(request.total),
            "approval_status": "P" if status == "S" else status,  # P: pending approval
            **_transaction_ns_id("Purchaserequest", request.state, request.ns_id),
        }
        yield _row(doc, request.stamps.created, request.stamps.updated)


def _purchase_item_rows(world: World) -> Iterator[StoreRow]:
    for request in world.purchase_requests:
        for line in request.lines:
            doc = {
                "purchaserequestid": str(request.spp_id),
                "productid": str(line.product.spp_id),
                "vendorid": str(line.vendor.spp_id),
                "name": line.product.fields["displayName"],
                "date": spp_date(request.date),
                "quantity": _money(line.quantity),
                "cost": _money(line.cost),
                "total": _money(line.total),
            }
            yield _row(doc, request.stamps.created, request.stamps.updated)


def _revenue_transaction_rows(world: World) -> Iterator[StoreRow]:
    arm = arm_ids(world)
    for transaction in world.revenue_transactions:
        assert transaction.project.parent is not None
        doc = {
            "name": transaction.name,
            "date": spp_date(transaction.date),
            "projectid": str(transaction.project.spp_id),
            "customerid": str(transaction.project.parent.spp_id),
            "total": _money(transaction.amount),
            "status": spp_status(transaction.state),
            **_transaction_ns_id("Revenue_recognition_transaction", transaction.state, transaction.ns_id),
        }
        if transaction.spp_id in arm:  # sent to ARM too
            doc[ARM.netsuite_id_field] = str(arm[transaction.spp_id])
        yield _row(doc, transaction.stamps.created, transaction.stamps.updated)


def spp_batches(world: World) -> Iterator[tuple[str, int, Iterable[StoreRow]]]:
    """(object type, first id, rows) in load order; rows are generated lazily."""
    for spp_type in ("Costcenter", "Ratecard", "Category", "Item"):
        yield spp_type, world.first_spp_id[spp_type], _catalog_rows(world, spp_type)
    producers = {
        "User": _user_rows,
        "Customer": _customer_rows,
        "Project": _project_rows,
        "Projecttask": _project_task_rows,
        "Timesheet": _timesheet_rows,
        "Task": _time_entry_rows,
        "Envelope": _envelope_rows,
        "Ticket": _ticket_rows,
        "Invoice": _invoice_rows,
        "Slip": _slip_rows,
        "Customerpo": _customer_po_rows,
        "Payment": _payment_rows,
        "Vendor": _vendor_rows,
        "Contact": _contact_rows,
        "Product": _product_rows,
        "Purchaserequest": _purchase_request_rows,
        "Purchase_item": _purchase_item_rows,
        "Revenue_recognition_transaction": _revenue_transaction_rows,
        "User:vendor": _vendor_user_rows,
        "Envelope:vendor": lambda w: _envelope_rows(w, w.vendor_expense_reports),
        "Ticket:vendor": lambda w: _ticket_rows(w, w.vendor_expense_reports),
    }
    assert ("Costcenter", "Ratecard", "Category", "Item", *producers) == SPP_LOAD_STEPS
    for step, produce in producers.items():
        yield step.split(":")[0], world.first_spp_id[step], produce(world)
