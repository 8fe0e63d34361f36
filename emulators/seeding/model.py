"""The plan's vocabulary: how a record stands between the two systems, and the records themselves.

The plan is built once per scale, before either store is touched, and holds every id both stores
will hand out (ids start at 1 after a clear and follow the load order). That is what lets
``seed_netsuite`` and ``seed_spp`` run independently and still agree on every cross-reference.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from emulators.seeding.scales import Scale


class Link(StrEnum):
    """Where a master record stands in the integration at seed time."""

    LINKED = "linked"  # in both systems, unchanged since the last sync
    CHANGED = "changed"  # linked; edited in NetSuite after the last sync, so SPP's copy is stale
    SPP_CHANGED = "spp_changed"  # linked; edited in SPP after the last sync (projects, tasks)
    NEW = "new"  # NetSuite only: eligible for import, created after the last sync
    NO_FLAG = "no_flag"  # NetSuite only: "Export to SuiteProjects Pro" unchecked
    INACTIVE = "inactive"  # NetSuite only: inactive
    SPP_ONLY = "spp_only"  # created in SPP, not exported yet


IN_BOTH = frozenset({Link.LINKED, Link.CHANGED, Link.SPP_CHANGED})


class State(StrEnum):
    """Approval and export state of an SPP transaction (timesheet, expense report, invoice)."""

    EXPORTED = "exported"  # approved; NetSuite record exists and its internalId is written back
    CLAIMED = "claimed"  # approved; export interrupted after NetSuite created the record (SPP holds -1)
    CLAIMED_LOST = "claimed_lost"  # approved; export interrupted before NetSuite created it (SPP holds -1)
    APPROVED = "approved"  # approved after the last sync, not exported
    SUBMITTED = "submitted"
    OPEN = "open"


APPROVED_STATES = frozenset({State.EXPORTED, State.CLAIMED, State.CLAIMED_LOST, State.APPROVED})
EXPORT_ATTEMPTED = frozenset({State.EXPORTED, State.CLAIMED, State.CLAIMED_LOST})
IN_NETSUITE = frozenset({State.EXPORTED, State.CLAIMED})
SPP_STATUS = {State.SUBMITTED: "S", State.OPEN: "O"}  # every approved state is "A"


def spp_status(state: State) -> str:
    """The SPP ``status`` code of a transaction in ``state``."""
    return "A" if state in APPROVED_STATES else SPP_STATUS[state]


@dataclass(eq=False, slots=True)
class Entity:
    """A master record (employee, customer, project, task, catalog entry) as both systems see it.

    ``fields`` are the values the last sync left in both systems, under NetSuite field names;
    ``ns_changes`` / ``spp_changes`` are later edits on one side (SPP field names for the latter).
    """

    kind: str
    link: Link
    fields: dict[str, Any]
    ns_changes: dict[str, Any] = field(default_factory=dict)
    spp_changes: dict[str, Any] = field(default_factory=dict)
    parent: Entity | None = None
    owner: Entity | None = None
    ns_created: dt.datetime | None = None
    ns_updated: dt.datetime | None = None
    spp_created: dt.datetime | None = None
    spp_updated: dt.datetime | None = None
    ns_id: int | None = None
    spp_id: int | None = None

    @property
    def in_netsuite(self) -> bool:
        return self.link is not Link.SPP_ONLY

    @property
    def in_spp(self) -> bool:
        return self.link in IN_BOTH or self.link is Link.SPP_ONLY

    @property
    def linked(self) -> bool:
        return self.link in IN_BOTH

    def netsuite_fields(self) -> dict[str, Any]:
        """The record's current NetSuite values."""
        return {**self.fields, **self.ns_changes}


@dataclass(slots=True)
class Stamps:
    """When an SPP transaction was created and last updated, and when NetSuite got its copy."""

    created: dt.datetime
    updated: dt.datetime
    netsuite: dt.datetime | None = None


@dataclass(eq=False, slots=True)
class Timesheet:
    """One user's week of time; its entries (``entries`` of them) are generated on demand."""

    user: Entity
    week_start: dt.datetime
    state: State
    entries: int
    stamps: Stamps
    spp_id: int = 0


@dataclass(slots=True)
class ExpenseLine:
    """One receipt of an expense report (an SPP ``Ticket``, a NetSuite ``expense`` line)."""

    date: dt.date
    item: Entity
    quantity: float
    cost: float
    project: Entity | None
    notes: str

    @property
    def total(self) -> float:
        return round(self.quantity * self.cost, 2)


@dataclass(eq=False, slots=True)
class ExpenseReport:
    """An SPP ``Envelope`` and, once exported, a NetSuite ``expenseReport``."""

    user: Entity
    date: dt.date
    state: State
    lines: list[ExpenseLine]
    stamps: Stamps
    spp_id: int = 0
    ns_id: int | None = None

    @property
    def total(self) -> float:
        return round(sum(line.total for line in self.lines), 2)


@dataclass(slots=True)
class InvoiceLine:
    """Billed hours of one service on an invoice."""

    service: Entity
    hours: float
    rate: float

    @property
    def amount(self) -> float:
        return round(self.hours * self.rate, 2)


@dataclass(eq=False, slots=True)
class Invoice:
    """An SPP ``Invoice`` for one project and, once exported, a NetSuite ``invoice`` (a ``creditMemo``
    if it is a credit: negative hours)."""

    project: Entity
    date: dt.date
    state: State
    number: str
    lines: list[InvoiceLine]
    stamps: Stamps
    spp_id: int = 0
    ns_id: int | None = None

    @property
    def total(self) -> float:
        return round(sum(line.amount for line in self.lines), 2)

    @property
    def credit(self) -> bool:
        return self.total < 0


@dataclass(eq=False, slots=True)
class Payment:
    """A NetSuite ``customerPayment`` paying one exported invoice in full (an SPP ``Payment`` once
    imported): ``entity`` carries its link state, timestamps and ids."""

    entity: Entity
    invoice: Invoice


@dataclass(slots=True)
class PurchaseLine:
    """One item of a purchase request (an SPP ``Purchase_item``, a requisition line)."""

    product: Entity
    vendor: Entity
    quantity: float
    cost: float

    @property
    def total(self) -> float:
        return round(self.quantity * self.cost, 2)


@dataclass(eq=False, slots=True)
class PurchaseRequest:
    """An SPP ``Purchaserequest`` and, once exported, a NetSuite ``purchaseRequisition``."""

    user: Entity
    date: dt.date
    state: State
    name: str
    lines: list[PurchaseLine]
    stamps: Stamps
    spp_id: int = 0
    ns_id: int | None = None

    @property
    def total(self) -> float:
        return round(sum(line.total for line in self.lines), 2)


@dataclass(eq=False, slots=True)
class RevenueTransaction:
    """An SPP ``Revenue_recognition_transaction`` and, once exported, a NetSuite ``journalEntry``."""

    project: Entity
    date: dt.date
    state: State
    name: str
    amount: float
    stamps: Stamps
    spp_id: int = 0
    ns_id: int | None = None


@dataclass(slots=True)
class TimeEntry:
    """One SPP time entry (``Task``), generated on the fly: there are too many to keep in memory."""

    spp_id: int
    sheet: Timesheet
    date: dt.date
    hours: float
    project: Entity
    task: Entity
    service: Entity
    notes: str
    ns_id: int | None


@dataclass(eq=False)
class World:
    """The whole plan of one scale."""

    scale: Scale
    cost_centers: list[Entity] = field(default_factory=list)
    rate_cards: list[Entity] = field(default_factory=list)
    service_items: list[Entity] = field(default_factory=list)
    expense_categories: list[Entity] = field(default_factory=list)
    employees: list[Entity] = field(default_factory=list)
    customers: list[Entity] = field(default_factory=list)  # NetSuite customers, then SPP-only ones
    projects: list[Entity] = field(default_factory=list)  # NetSuite jobs, then SPP-only projects
    tasks: list[Entity] = field(default_factory=list)  # NetSuite project tasks, then SPP-only ones
    timesheets: list[Timesheet] = field(default_factory=list)
    expense_reports: list[ExpenseReport] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    sales_orders: list[Entity] = field(default_factory=list)  # NetSuite sales orders (parent: the project)
    payments: list[Payment] = field(default_factory=list)
    vendors: list[Entity] = field(default_factory=list)
    contacts: list[Entity] = field(default_factory=list)  # NetSuite contacts (parent: their customer)
    purchase_items: list[Entity] = field(default_factory=list)
    support_cases: list[Entity] = field(default_factory=list)  # NetSuite cases (parent: their project)
    purchase_requests: list[PurchaseRequest] = field(default_factory=list)
    revenue_transactions: list[RevenueTransaction] = field(default_factory=list)
    other_charge_items: list[Entity] = field(default_factory=list)
    # contractors (vendors with isPerson) the last sync made SPP users (parent: the vendor), and their
    # expense reports (SPP envelopes; NetSuite vendor bills once exported)
    vendor_users: list[Entity] = field(default_factory=list)
    vendor_expense_reports: list[ExpenseReport] = field(default_factory=list)
    # SPP projects flagged to send their task structure to a NetSuite opportunity (WBS (Opportunity)),
    # the service each of their tasks is planned as, and those a previous sync sent (with the ids of
    # their opportunities)
    wbs_projects: list[Entity] = field(default_factory=list)
    wbs_task_services: dict[Entity, Entity] = field(default_factory=dict)
    wbs_opportunities: dict[Entity, int] = field(default_factory=dict)
    # credit memos raised in NetSuite (parent: the project), not SPP credits exported there
    netsuite_credit_memos: list[Entity] = field(default_factory=list)
    # SPP projects that can take time: project -> its SPP tasks; user -> the projects they book to
    project_tasks: dict[Entity, list[Entity]] = field(default_factory=dict)
    user_projects: dict[Entity, list[Entity]] = field(default_factory=dict)
    # first id of each record type in each store (both count from 1 in load order)
    first_ns_id: dict[str, int] = field(default_factory=dict)
    first_spp_id: dict[str, int] = field(default_factory=dict)

    @property
    def spp_users(self) -> list[Entity]:
        return [e for e in self.employees if e.in_spp]
