"""The plan as NetSuite documents (docs/CONTRACTS.md form), batch by batch in load order.

NetSuite holds the master data (employees, customers, projects, tasks, catalog) and, for
transactions, only what SPP already exported: time bills, expense reports and invoices whose
``externalId`` names their SPP origin and whose references point at linked employees and projects.
Documents are built in contract form (aware datetimes, ``externalId`` attribute) and stored the
way the NetSuite service stores them (:func:`emulators.netsuite.storage.to_stored`): the
external id lives in the store column, dateTimes are JSON-encoded, and the last-modified field is
not stored because the service reports the row's ``updated_at`` as ``lastModifiedDate``/``lastModified``.
The created field is stored and equals the row's ``created_at``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from emulators.netsuite.schema import RECORD_TYPES
from emulators.netsuite.storage import to_stored
from emulators.seeding.activity import iter_time_entries
from emulators.seeding.crossref import (
    ARM,
    COST_CENTER_RECORD_TYPE,
    CREDIT,
    EXPORT_FLAG,
    RATE_CARD_RECORD_TYPE,
    VENDOR_BILL,
    WBS,
    spp_external_id,
)
from emulators.seeding.loader import StoreRow
from emulators.seeding.model import (
    IN_NETSUITE,
    Entity,
    ExpenseReport,
    Invoice,
    Link,
    PurchaseRequest,
    RevenueTransaction,
    State,
    TimeEntry,
    World,
)
from emulators.seeding.purchasing import PRODUCT_FLAG, purchase_bills, purchase_orders, vendor_credits
from emulators.seeding.revenue import DEFERRED_REVENUE_ACCOUNT, REVENUE_ACCOUNT, arm_sent
from emulators.seeding.sales import REVENUE_RULE_FIELD, revenue_rule, wbs_tasks
from emulators.seeding.timeline import HOUR, LAST_SYNC, ns_datetime
from emulators.seeding.world import NETSUITE_LOAD_STEPS
from include.registry import custom_record_type

SUBSIDIARY = {"internalId": "1"}  # the seed is subsidiary-free; "1" is the parent company
EXPENSE_ACCOUNT = {"internalId": "1"}  # expense categories must name an account; the seed has no accounts


def ref(entity: Entity) -> dict[str, str]:
    """A RecordRef to a planned NetSuite record."""
    return {"internalId": str(entity.ns_id)}


def _midnight(day: dt.date) -> str:
    return ns_datetime(dt.datetime.combine(day, dt.time()))


def _row(rtype: str, doc: dict[str, Any], created: dt.datetime, updated: dt.datetime) -> StoreRow:
    """``doc`` (contract form) as the NetSuite service stores it, with the row's timestamps."""
    info = RECORD_TYPES[rtype]
    if info.created_field:
        doc[info.created_field] = ns_datetime(created)
    if info.modified_field:
        doc[info.modified_field] = ns_datetime(updated)  # contract form; to_stored drops it (server-owned)
    return StoreRow(to_stored(doc, info.modified_field), doc.get("externalId"), created, updated)


def _entity_row(rtype: str, entity: Entity, doc: dict[str, Any]) -> StoreRow:
    assert entity.ns_created is not None and entity.ns_updated is not None
    return _row(rtype, doc, entity.ns_created, entity.ns_updated)


def _entity_flags(entity: Entity) -> dict[str, Any]:
    return {
        "isInactive": entity.link is Link.INACTIVE,
        "subsidiary": dict(SUBSIDIARY),
        "customFieldList": {EXPORT_FLAG: entity.link is not Link.NO_FLAG},
    }


def _custom_record_rows(world: World) -> Iterator[StoreRow]:
    """SuiteProjects Pro cost centers and project rate cards (custom records)."""
    for entities, rec_type in (
        (world.cost_centers, COST_CENTER_RECORD_TYPE),
        (world.rate_cards, RATE_CARD_RECORD_TYPE),
    ):
        for e in entities:
            doc = {"recType": dict(rec_type), "name": e.fields["name"], "isInactive": False}
            yield _entity_row("customRecord", e, doc)


def _service_item_rows(world: World) -> Iterator[StoreRow]:
    for e in world.service_items:
        yield _entity_row("serviceSaleItem", e, {**e.fields, "isInactive": False})


def _expense_category_rows(world: World) -> Iterator[StoreRow]:
    for e in world.expense_categories:
        yield _entity_row(
            "expenseCategory", e, {**e.fields, "expenseAcct": dict(EXPENSE_ACCOUNT), "isInactive": False}
        )


def _employee_rows(world: World) -> Iterator[StoreRow]:
    for e in world.employees:
        yield _entity_row("employee", e, {**e.netsuite_fields(), **_entity_flags(e)})


def _customer_rows(world: World) -> Iterator[StoreRow]:
    for e in world.customers:
        if e.in_netsuite:
            yield _entity_row("customer", e, {**e.netsuite_fields(), **_entity_flags(e)})


def _job_rows(world: World) -> Iterator[StoreRow]:
    for e in world.projects:
        if e.in_netsuite:
            assert e.parent is not None and e.owner is not None
            doc = {
                **e.netsuite_fields(),
                "parent": ref(e.parent),
                "projectManager": ref(e.owner),
                **_entity_flags(e),
            }
            yield _entity_row("job", e, doc)


def _project_task_rows(world: World) -> Iterator[StoreRow]:
    for e in world.tasks:
        if e.in_netsuite:
            assert e.parent is not None
            fields = e.netsuite_fields()
            doc = {
                "title": fields["title"],
                "company": ref(e.parent),
                "estimatedWork": fields["estimatedWork"],
                "startDate": fields["startDate"],
                "plannedWork": fields["plannedWork"],
            }
            yield _entity_row("projectTask", e, doc)


def time_bill(entry: TimeEntry) -> dict[str, Any]:
    """The NetSuite timeBill an exported SPP time entry became."""
    doc: dict[str, Any] = {
        "externalId": spp_external_id("Task", entry.spp_id),
        "employee": ref(entry.sheet.user),
        "tranDate": _midnight(entry.date),
        "customer": ref(entry.project),
        "caseTaskEvent": ref(entry.task),
        "isBillable": True,
        "item": ref(entry.service),
        "hours": {"timeSpan": entry.hours, "unit": "hour"},
        "subsidiary": dict(SUBSIDIARY),
    }
    if entry.notes:
        doc["memo"] = entry.notes
    return doc


def _time_bill_rows(world: World) -> Iterator[StoreRow]:
    for entry in iter_time_entries(world):
        if entry.ns_id is not None:
            stamp = entry.sheet.stamps.netsuite
            assert stamp is not None
            yield _row("timeBill", time_bill(entry), stamp, stamp)


def expense_report(report: ExpenseReport) -> dict[str, Any]:
    """The NetSuite expenseReport an exported SPP envelope became."""
    lines = []
    for n, line in enumerate(report.lines, start=1):
        expense: dict[str, Any] = {
            "line": n,
            "expenseDate": _midnight(line.date),
            "category": ref(line.item),
            "quantity": line.quantity,
            "rate": line.cost,
            "amount": line.total,
        }
        if line.notes:
            expense["memo"] = line.notes
        if line.project is not None:
            expense["customer"] = ref(line.project)
            expense["isBillable"] = True
        lines.append(expense)
    return {
        "externalId": spp_external_id("Envelope", report.spp_id),
        "entity": ref(report.user),
        "subsidiary": dict(SUBSIDIARY),
        "tranDate": _midnight(report.date),
        "total": report.total,
        "memo": f"SPP expense report {report.spp_id}",
        "expenseList": {"expense": lines},
    }


PAID_IN_FULL = "Paid In Full"  # an expense report NetSuite reimbursed (Reimbursements import)


def _expense_report_rows(world: World) -> Iterator[StoreRow]:
    """Exported expense reports; every other one of those SPP holds the id of is paid (reimbursed)."""
    exported = 0
    for report in world.expense_reports:
        if report.state in IN_NETSUITE:
            stamp = report.stamps.netsuite
            assert stamp is not None
            doc = expense_report(report)
            if report.state is State.EXPORTED:
                exported += 1
                doc["status"] = PAID_IN_FULL if exported % 2 else "Approved by Accounting"
            yield _row("expenseReport", doc, stamp, stamp)


def invoice(inv: Invoice) -> dict[str, Any]:
    """The NetSuite invoice an exported SPP invoice became, or the credit memo an SPP credit became
    (NetSuite credit memos carry positive quantities and amounts)."""
    assert inv.project.parent is not None
    sign = -1 if inv.credit else 1
    items = [
        {
            "job": ref(inv.project),
            "item": ref(line.service),
            "description": line.service.fields["displayName"],
            "amount": sign * line.amount,
            "quantity": sign * line.hours,
            "rate": f"{line.rate:.2f}",
        }  # fmt: skip
        for line in inv.lines
    ]
    entity = CREDIT if inv.credit else None
    return {
        "externalId": spp_external_id("Invoice", inv.spp_id, entity),
        "entity": ref(inv.project.parent),
        "tranDate": _midnight(inv.date),
        "tranId": inv.number,
        "subsidiary": dict(SUBSIDIARY),
        "total": sign * inv.total,
        "job": ref(inv.project),
        "itemList": {"item": items},
    }


def _invoice_rows(world: World, credits: bool = False) -> Iterator[StoreRow]:
    rtype = "creditMemo" if credits else "invoice"
    for inv in world.invoices:
        if inv.state in IN_NETSUITE and inv.credit is credits:
            stamp = inv.stamps.netsuite
            assert stamp is not None
            yield _row(rtype, invoice(inv), stamp, stamp)


def _credit_memo_rows(world: World) -> Iterator[StoreRow]:
    return _invoice_rows(world, credits=True)


def _project_sale(sale: Entity) -> dict[str, Any]:
    """A transaction NetSuite made for a project's customer (a sales order, a credit memo)."""
    project = sale.parent
    assert project is not None and project.parent is not None
    f = sale.netsuite_fields()
    return {
        "entity": ref(project.parent),
        "job": ref(project),
        "tranId": f["tranId"],
        "tranDate": ns_datetime(f["tranDate"]),
        "total": f["total"],
        "memo": f["memo"],
        "subsidiary": dict(SUBSIDIARY),
    }


def _sales_order_rows(world: World) -> Iterator[StoreRow]:
    for number, order in enumerate(world.sales_orders, start=1):
        doc = {**_project_sale(order), "customFieldList": {REVENUE_RULE_FIELD: revenue_rule(number)}}
        yield _entity_row("salesOrder", order, doc)


def _customer_payment_rows(world: World) -> Iterator[StoreRow]:
    for number, payment in enumerate(world.payments, start=1):
        invoice, amount = payment.invoice, payment.entity.fields["payment"]
        assert invoice.project.parent is not None and invoice.ns_id is not None
        applied = {
            "apply": True,
            "doc": invoice.ns_id,
            "type": "Invoice",
            "refNum": invoice.number,
            "total": invoice.total,
            "due": 0.0,
            "amount": amount,
        }
        doc = {
            "customer": ref(invoice.project.parent),
            "tranId": f"PYMT-{number:05d}",
            "tranDate": ns_datetime(payment.entity.fields["tranDate"]),
            "payment": amount,
            "total": amount,
            "applied": amount,
            "unapplied": 0.0,
            "subsidiary": dict(SUBSIDIARY),
            "applyList": {"apply": [applied]},
        }
        yield _entity_row("customerPayment", payment.entity, doc)


def _vendor_rows(world: World) -> Iterator[StoreRow]:
    for e in world.vendors:
        doc = {**e.netsuite_fields(), "isInactive": e.link is Link.INACTIVE, "subsidiary": dict(SUBSIDIARY)}
        yield _entity_row("vendor", e, doc)


def _contact_rows(world: World) -> Iterator[StoreRow]:
    for e in world.contacts:
        assert e.parent is not None
        doc = {
            **e.netsuite_fields(),
            "company": ref(e.parent),
            "isInactive": False,
            "subsidiary": dict(SUBSIDIARY),
        }
        yield _entity_row("contact", e, doc)


def _purchase_item_rows(world: World) -> Iterator[StoreRow]:
    for e in world.purchase_items:
        doc = {
            **e.netsuite_fields(),
            "isInactive": False,
            "customFieldList": {PRODUCT_FLAG: e.link is not Link.NO_FLAG},
        }
        yield _entity_row("nonInventoryPurchaseItem", e, doc)


def _support_case_rows(world: World) -> Iterator[StoreRow]:
    for case in world.support_cases:
        assert case.parent is not None and case.ns_created is not None
        doc = {
            **case.netsuite_fields(),
            "company": ref(case.parent),
            "startDate": ns_datetime(case.ns_created),
            "isInactive": False,
            "subsidiary": dict(SUBSIDIARY),
        }
        yield _entity_row("supportCase", case, doc)


def purchase_requisition(request: PurchaseRequest) -> dict[str, Any]:
    """The NetSuite purchase requisition an exported SPP purchase request became."""
    lines = [
        {
            "item": ref(line.product),
            "poVendor": ref(line.vendor),
            "quantity": line.quantity,
            "estimatedRate": line.cost,
            "estimatedAmount": line.total,
            "description": line.product.fields["displayName"],
        }
        for line in request.lines
    ]
    return {
        "externalId": spp_external_id("Purchaserequest", request.spp_id),
        "entity": ref(request.user),
        "tranDate": _midnight(request.date),
        "memo": request.name,
        "subsidiary": dict(SUBSIDIARY),
        "estimatedTotal": request.total,
        "itemList": {"purchaseRequisitionItem": lines},
    }


def _purchase_requisition_rows(world: World) -> Iterator[StoreRow]:
    for request in world.purchase_requests:
        if request.state in IN_NETSUITE:
            stamp = request.stamps.netsuite
            assert stamp is not None
            yield _row("purchaseRequisition", purchase_requisition(request), stamp, stamp)


def journal_entry(transaction: RevenueTransaction) -> dict[str, Any]:
    """The NetSuite journal entry an exported SPP revenue recognition transaction became: deferred
    revenue debited, revenue credited, both on the project."""
    sides = (
        (DEFERRED_REVENUE_ACCOUNT, "debit", "Deferred revenue released"),
        (REVENUE_ACCOUNT, "credit", "Revenue recognised"),
    )
    lines = [
        {
            "account": {"internalId": account},
            side: transaction.amount,
            "entity": ref(transaction.project),
            "memo": memo,
        }
        for account, side, memo in sides
    ]
    return {
        "externalId": spp_external_id("Revenue_recognition_transaction", transaction.spp_id),
        "tranDate": _midnight(transaction.date),
        "memo": transaction.name,
        "subsidiary": dict(SUBSIDIARY),
        "lineList": {"line": lines},
    }


def _journal_entry_rows(world: World) -> Iterator[StoreRow]:
    for transaction in world.revenue_transactions:
        if transaction.state in IN_NETSUITE:
            stamp = transaction.stamps.netsuite
            assert stamp is not None
            yield _row("journalEntry", journal_entry(transaction), stamp, stamp)


def _other_charge_item_rows(world: World) -> Iterator[StoreRow]:
    for e in world.other_charge_items:
        yield _entity_row("otherChargeSaleItem", e, {**e.fields, "isInactive": False})


def _netsuite_credit_memo_rows(world: World) -> Iterator[StoreRow]:
    """Credit memos raised in NetSuite: no externalId (SPP did not send them), one item-less total."""
    for memo in world.netsuite_credit_memos:
        yield _entity_row("creditMemo", memo, _project_sale(memo))


def _opportunity_rows(world: World) -> Iterator[StoreRow]:
    """The opportunities the last sync made of WBS projects: one item line per task, its service."""
    for project, _ in sorted(world.wbs_opportunities.items(), key=lambda pair: pair[1]):
        assert project.parent is not None and project.spp_created is not None
        items = [
            {
                "item": ref(world.wbs_task_services[task]),
                "description": task.fields["title"],
                "quantity": float(task.fields["plannedWork"]),
            }
            for task in wbs_tasks(world, project)
        ]
        doc = {
            "externalId": spp_external_id("Project", project.spp_id, WBS),
            "entity": ref(project.parent),
            "job": ref(project),
            "title": project.fields["companyName"][:99],
            "tranDate": project.fields["startDate"],
            "subsidiary": dict(SUBSIDIARY),
            "itemList": {"item": items},
        }
        yield _row("opportunity", doc, project.spp_created, project.spp_created)


def _vendor_bill_rows(world: World) -> Iterator[StoreRow]:
    """Contractors' expense reports the last sync sent: bills owed to the vendor, one line per receipt."""
    for report in world.vendor_expense_reports:
        if report.state in IN_NETSUITE:
            vendor, stamp = report.user.parent, report.stamps.netsuite
            assert vendor is not None and stamp is not None
            lines = []
            for line in report.lines:
                expense: dict[str, Any] = {
                    "category": ref(line.item),
                    "amount": line.total,
                    "memo": line.notes,
                }
                if line.project is not None:
                    expense["customer"] = ref(line.project)
                lines.append(expense)
            doc = {
                "externalId": spp_external_id("Envelope", report.spp_id, VENDOR_BILL),
                "entity": ref(vendor),
                "tranDate": _midnight(report.date),
                "memo": f"Expenses {report.date:%Y-%m-%d}",
                "subsidiary": dict(SUBSIDIARY),
                "expenseList": {"expense": lines},
            }
            yield _row("vendorBill", doc, stamp, stamp)


def _purchase_lines(request: PurchaseRequest) -> list[dict[str, Any]]:
    return [
        {
            "item": ref(line.product),
            "quantity": line.quantity,
            "rate": f"{line.cost:.2f}",
            "amount": line.total,
        }
        for line in request.lines
    ]


def _fulfilment_row(rtype: str, number: int, doc: dict[str, Any]) -> StoreRow:
    """A purchase order, bill or credit NetSuite made since the last sync (the ``number``-th, from 0)."""
    made = LAST_SYNC + (number + 1) * HOUR
    doc = {**doc, "tranDate": _midnight(made.date()), "subsidiary": dict(SUBSIDIARY)}
    return _row(rtype, doc, made, made)


def _purchase_order_rows(world: World) -> Iterator[StoreRow]:
    """Purchase orders made from requisitions SPP sent, to the vendor of the request's first line."""
    for n, request in enumerate(purchase_orders(world)):
        doc = {
            "entity": ref(request.lines[0].vendor),
            "createdFrom": {"internalId": str(request.ns_id)},
            "tranId": f"PO-{n + 1:05d}",
            "total": request.total,
            "itemList": {"item": _purchase_lines(request)},
        }
        yield _fulfilment_row("purchaseOrder", n, doc)


def _step_ids(world: World, step: str, requests: list[PurchaseRequest]) -> dict[int, str]:
    """The internalIds a fulfilment load step gave the records it made of ``requests`` (by request)."""
    return {id(r): str(world.first_ns_id[step] + n) for n, r in enumerate(requests)}


def _purchase_bill_rows(world: World) -> Iterator[StoreRow]:
    """Vendor bills of those purchase orders (``purchaseOrderList``), for the ordered amount."""
    orders = _step_ids(world, "purchaseOrder", purchase_orders(world))
    for n, request in enumerate(purchase_bills(world)):
        doc = {
            "entity": ref(request.lines[0].vendor),
            "purchaseOrderList": {"recordRef": [{"internalId": orders[id(request)]}]},
            "tranId": f"VB-{n + 1:05d}",
            "userTotal": request.total,
            "itemList": {"item": _purchase_lines(request)},
        }
        yield _fulfilment_row("vendorBill", n, doc)


def _vendor_credit_rows(world: World) -> Iterator[StoreRow]:
    """Vendor credits against those bills (``createdFrom``): a tenth of the bill back."""
    bills = _step_ids(world, "vendorBill:purchase", purchase_bills(world))
    for n, request in enumerate(vendor_credits(world)):
        doc = {
            "entity": ref(request.lines[0].vendor),
            "createdFrom": {"internalId": bills[id(request)]},
            "tranId": f"VC-{n + 1:05d}",
            "total": round(request.total / 10, 2),
        }
        yield _fulfilment_row("vendorCredit", n, doc)


def _arm_rows(world: World) -> Iterator[StoreRow]:
    """ "Revenue Transactions for ARM" records of transactions the last sync sent there too."""
    record_type = custom_record_type(ARM.custom_record_type or "")
    for transaction in arm_sent(world):
        stamp = transaction.stamps.netsuite
        assert stamp is not None
        doc = {
            "recType": {"internalId": record_type.internal_id, "name": record_type.name},
            "externalId": spp_external_id("Revenue_recognition_transaction", transaction.spp_id, ARM),
            "name": transaction.name,
            "isInactive": False,
            "customFieldList": {
                "custrecord_oa_arm_project": ref(transaction.project),
                "custrecord_oa_arm_date": _midnight(transaction.date),
                "custrecord_oa_arm_amount": transaction.amount,
                "custrecord_oa_arm_spp_id": str(transaction.spp_id),
            },
        }
        yield _row("customRecord", doc, stamp, stamp)


def netsuite_batches(world: World) -> Iterator[tuple[str, int, Iterable[StoreRow]]]:
    """(record type, first id, rows) in load order; rows are generated lazily."""
    producers = {
        "employee": _employee_rows,
        "customer": _customer_rows,
        "job": _job_rows,
        "projectTask": _project_task_rows,
        "serviceSaleItem": _service_item_rows,
        "expenseCategory": _expense_category_rows,
        "customRecord": _custom_record_rows,
        "timeBill": _time_bill_rows,
        "expenseReport": _expense_report_rows,
        "invoice": _invoice_rows,
        "creditMemo": _credit_memo_rows,
        "salesOrder": _sales_order_rows,
        "customerPayment": _customer_payment_rows,
        "vendor": _vendor_rows,
        "contact": _contact_rows,
        "nonInventoryPurchaseItem": _purchase_item_rows,
        "supportCase": _support_case_rows,
        "purchaseRequisition": _purchase_requisition_rows,
        "journalEntry": _journal_entry_rows,
        "otherChargeSaleItem": _other_charge_item_rows,
        "creditMemo:netsuite": _netsuite_credit_memo_rows,
        "opportunity": _opportunity_rows,
        "vendorBill": _vendor_bill_rows,
        "purchaseOrder": _purchase_order_rows,
        "vendorBill:purchase": _purchase_bill_rows,
        "vendorCredit": _vendor_credit_rows,
        "customRecord:arm": _arm_rows,
    }
    assert tuple(producers) == NETSUITE_LOAD_STEPS
    for step, produce in producers.items():
        yield step.split(":")[0], world.first_ns_id[step], produce(world)
