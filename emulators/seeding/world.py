"""Build the plan of one scale and number it the way both stores will."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import Any

from emulators.seeding.activity import (
    assign_projects,
    plan_expense_reports,
    plan_invoices,
    plan_timesheets,
)
from emulators.seeding.entities import (
    build_catalog,
    build_customers,
    build_employees,
    build_projects,
    build_spp_only,
    build_tasks,
)
from emulators.seeding.model import IN_NETSUITE, Entity, World
from emulators.seeding.purchasing import (
    build_contacts,
    build_purchase_items,
    build_vendors,
    plan_contractor_expenses,
    plan_purchase_requests,
    purchase_bills,
    purchase_orders,
    vendor_credits,
)
from emulators.seeding.revenue import arm_sent, plan_revenue_transactions
from emulators.seeding.sales import (
    build_other_charge_items,
    plan_netsuite_credit_memos,
    plan_payments,
    plan_sales_orders,
    plan_wbs_projects,
    wbs_sent,
)
from emulators.seeding.scales import Scale
from emulators.seeding.support import build_support_cases

NETSUITE_LOAD_STEPS = (
    # entities before the catalog, unlike SPP, so the two systems' ids never coincide by construction
    "employee",
    "customer",
    "job",
    "projectTask",
    "serviceSaleItem",
    "expenseCategory",
    "customRecord",  # cost centers, then rate cards
    "timeBill",
    "expenseReport",
    "invoice",
    "creditMemo",  # SPP credits (negative invoices), after the invoices
    "salesOrder",  # later additions go last, so earlier ids never move
    "customerPayment",
    "vendor",
    "contact",
    "nonInventoryPurchaseItem",
    "supportCase",
    "purchaseRequisition",
    "journalEntry",  # revenue recognition transactions
    "otherChargeSaleItem",
    "creditMemo:netsuite",  # credit memos raised in NetSuite (a second block of the type)
    "opportunity",  # the WBS of SPP projects the last sync sent
    "vendorBill",  # contractors' expense reports the last sync sent
    "purchaseOrder",  # purchase fulfilment of requisitions SPP sent: orders, their bills, credits
    "vendorBill:purchase",
    "vendorCredit",
    "customRecord:arm",  # revenue transactions the last sync sent to ARM custom records
)
"""The NetSuite load, step by step: a record type, or ``type:label`` for a later block of one."""
NETSUITE_LOAD_ORDER = tuple(dict.fromkeys(step.split(":")[0] for step in NETSUITE_LOAD_STEPS))
"""The NetSuite record types the seed loads, each once."""
SPP_LOAD_STEPS = (
    "Costcenter",
    "Ratecard",
    "Category",
    "Item",
    "User",
    "Customer",
    "Project",
    "Projecttask",
    "Timesheet",
    "Task",
    "Envelope",
    "Ticket",
    "Invoice",
    "Slip",  # invoice lines (charges), after the invoices they belong to
    "Customerpo",  # later additions go last, so earlier ids never move
    "Payment",
    "Vendor",
    "Contact",
    "Product",
    "Purchaserequest",
    "Purchase_item",  # purchase request lines, after their requests
    "Revenue_recognition_transaction",
    "User:vendor",  # contractors the last sync made users (a second block of the type)
    "Envelope:vendor",  # their expense reports
    "Ticket:vendor",
)
"""The SPP load, step by step: an object type, or ``type:label`` for a later block of one."""
SPP_LOAD_ORDER = tuple(dict.fromkeys(step.split(":")[0] for step in SPP_LOAD_STEPS))
"""The SPP object types the seed loads, each once."""


class _Ids:
    """Mirrors a store's id counter: ids from 1, one block per record type, in load order."""

    def __init__(self) -> None:
        self.next = 1
        self.first: dict[str, int] = {}

    def block(self, rtype: str, count: int) -> int:
        self.first[rtype] = self.next
        self.next += count
        return self.first[rtype]


def _number(ids: _Ids, rtype: str, entities: Iterable[Entity], attr: str) -> None:
    members = list(entities)
    first = ids.block(rtype, len(members))
    for offset, entity in enumerate(members):
        setattr(entity, attr, first + offset)


def _number_exported(ns: _Ids, rtype: str, documents: Sequence[Any]) -> None:
    """Number the NetSuite copies of the SPP transactions NetSuite holds (exported or claimed-and-made)."""
    first = ns.block(rtype, sum(1 for d in documents if d.state in IN_NETSUITE))
    for d in (d for d in documents if d.state in IN_NETSUITE):
        d.ns_id, first = first, first + 1


def _number_all(spp: _Ids, rtype: str, documents: Sequence[Any]) -> None:
    """Number every SPP transaction of ``documents``, in order."""
    first = spp.block(rtype, len(documents))
    for offset, d in enumerate(documents):
        d.spp_id = first + offset


def _assign_ids(world: World) -> None:
    ns, spp = _Ids(), _Ids()
    for rtype, entities in (
        ("employee", world.employees),
        ("customer", world.customers),
        ("job", world.projects),
        ("projectTask", world.tasks),
    ):
        _number(ns, rtype, (e for e in entities if e.in_netsuite), "ns_id")
    _number(ns, "serviceSaleItem", world.service_items, "ns_id")
    _number(ns, "expenseCategory", world.expense_categories, "ns_id")
    _number(ns, "customRecord", world.cost_centers + world.rate_cards, "ns_id")
    ns.block("timeBill", sum(s.entries for s in world.timesheets if s.state in IN_NETSUITE))
    invoices = [i for i in world.invoices if not i.credit]
    credits = [i for i in world.invoices if i.credit]
    for rtype, documents in (
        ("expenseReport", world.expense_reports),
        ("invoice", invoices),
        ("creditMemo", credits),
    ):
        _number_exported(ns, rtype, documents)

    _number(spp, "Costcenter", world.cost_centers, "spp_id")
    _number(spp, "Ratecard", world.rate_cards, "spp_id")
    _number(spp, "Category", world.service_items, "spp_id")
    _number(spp, "Item", world.expense_categories, "spp_id")
    for rtype, entities in (
        ("User", world.employees),
        ("Customer", world.customers),
        ("Project", world.projects),
        ("Projecttask", world.tasks + world.support_cases),  # support cases: tasks too, after the rest
    ):
        _number(spp, rtype, (e for e in entities if e.in_spp), "spp_id")
    _number_all(spp, "Timesheet", world.timesheets)
    spp.block("Task", sum(s.entries for s in world.timesheets))
    _number_all(spp, "Envelope", world.expense_reports)
    spp.block("Ticket", sum(len(r.lines) for r in world.expense_reports))
    _number_all(spp, "Invoice", world.invoices)
    spp.block("Slip", sum(len(i.lines) for i in world.invoices))
    _number(ns, "salesOrder", world.sales_orders, "ns_id")
    _number(ns, "customerPayment", (p.entity for p in world.payments), "ns_id")
    _number(spp, "Customerpo", (o for o in world.sales_orders if o.in_spp), "spp_id")
    _number(spp, "Payment", (p.entity for p in world.payments if p.entity.in_spp), "spp_id")
    for ns_type, spp_type, entities in (
        ("vendor", "Vendor", world.vendors),
        ("contact", "Contact", world.contacts),
        ("nonInventoryPurchaseItem", "Product", world.purchase_items),
    ):
        _number(ns, ns_type, entities, "ns_id")
        _number(spp, spp_type, (e for e in entities if e.in_spp), "spp_id")
    _number(ns, "supportCase", world.support_cases, "ns_id")
    _number_exported(ns, "purchaseRequisition", world.purchase_requests)
    _number_all(spp, "Purchaserequest", world.purchase_requests)
    spp.block("Purchase_item", sum(len(r.lines) for r in world.purchase_requests))
    _number_exported(ns, "journalEntry", world.revenue_transactions)
    _number_all(spp, "Revenue_recognition_transaction", world.revenue_transactions)
    _number(ns, "otherChargeSaleItem", world.other_charge_items, "ns_id")  # new: none in SPP yet
    _number(ns, "creditMemo:netsuite", world.netsuite_credit_memos, "ns_id")  # new: none in SPP yet
    sent = wbs_sent(world)
    first = ns.block("opportunity", len(sent))
    world.wbs_opportunities = {project: first + n for n, project in enumerate(sent)}
    _number_exported(ns, "vendorBill", world.vendor_expense_reports)
    _number(spp, "User:vendor", world.vendor_users, "spp_id")
    _number_all(spp, "Envelope:vendor", world.vendor_expense_reports)
    spp.block("Ticket:vendor", sum(len(r.lines) for r in world.vendor_expense_reports))
    for rtype, requests in (
        ("purchaseOrder", purchase_orders(world)),
        ("vendorBill:purchase", purchase_bills(world)),
        ("vendorCredit", vendor_credits(world)),
    ):
        ns.block(rtype, len(requests))  # purchase fulfilment, numbered in request order
    ns.block("customRecord:arm", len(arm_sent(world)))  # ARM revenue transaction records
    world.first_ns_id, world.first_spp_id = ns.first, spp.first


def build_world(scale: Scale) -> World:
    """The complete, numbered plan of ``scale`` (pure: same scale, same plan)."""
    world = World(scale)
    rng = random.Random(scale.seed)
    build_catalog(world, rng)
    build_employees(world, rng)
    build_customers(world, rng)
    build_projects(world, rng)
    build_tasks(world, rng)
    build_spp_only(world, rng)
    activity = random.Random(scale.seed * 7 + 1)
    assign_projects(world, activity)
    plan_timesheets(world, activity)
    plan_expense_reports(world, activity)
    plan_invoices(world, activity)
    sales = random.Random(scale.seed * 7 + 5)  # its own stream: the records above stay as they were
    plan_sales_orders(world, sales)
    plan_payments(world, sales)
    build_other_charge_items(world, sales)
    purchasing = random.Random(scale.seed * 7 + 6)
    build_vendors(world, purchasing)
    build_contacts(world, purchasing)
    build_purchase_items(world, purchasing)
    build_support_cases(world, random.Random(scale.seed * 7 + 7))
    plan_purchase_requests(world, random.Random(scale.seed * 7 + 8))
    plan_revenue_transactions(world, random.Random(scale.seed * 7 + 9))
    plan_netsuite_credit_memos(world, random.Random(scale.seed * 7 + 10))
    plan_wbs_projects(world)
    plan_contractor_expenses(world, random.Random(scale.seed * 7 + 11))
    _assign_ids(world)
    return world
