"""Sales orders and customer payments: NetSuite transactions SPP imports (Customer POs, Payments).

* Sales orders (SPP ``Customerpo``): one for about half the NetSuite projects. Those of linked projects
  were mostly imported by the last sync (a tenth amended in NetSuite since, one in ten new); those of
  projects not imported yet are new, and their import waits for the project (or fails naming it).
* Customer payments (SPP ``Payment``): half the exported invoices (and the latest) are paid, each in
  full by one payment applied to it. Payments dated before the last sync were imported; later ones (and
  the latest invoice's) are new.

* Revenue recognition rules (SPP ``Revenue_recognition_rule``): every sales order names one of the
  connector's four rule kinds in a body field; SPP has none of the rules yet.

* Credit memos raised in NetSuite (SPP credits, negative ``Invoice``s): one for every fourth linked
  project (a goodwill or rate correction), all since the last sync, so SPP has none yet. Credit memos
  SPP exported keep their ``spp-credit-<id>`` externalId and stay out of this import.

* WBS projects (SPP ``Project`` with ``netsuite_export_wbs__c``): every fourth SPP project with tasks in
  SPP; their tasks name a service (``categoryid``), one of the catalog's in turn. Every other linked one
  was sent by the last sync: a NetSuite ``opportunity`` (``spp-wbs-<id>``, one item line per task) whose
  internalId the project holds in ``netsuite_opportunity_id__c``.

* Other charge items (NetSuite ``otherChargeSaleItem``, SPP ``Item``): fees billed beside time (travel
  surcharge, licence fee...), set up since the last sync: none is in SPP yet.

Drawn from their own random stream, so adding them changed no earlier record of the seed.
"""

from __future__ import annotations

import datetime as dt
import random

from emulators.seeding import names
from emulators.seeding.entities import stamp
from emulators.seeding.model import IN_BOTH, Entity, Link, Payment, State, World
from emulators.seeding.quotas import shuffled_labels
from emulators.seeding.timeline import DAY, HOUR, LAST_SYNC, after_last_sync, duration_between

LINKED_ORDER_SHARES = {Link.LINKED: 0.8, Link.CHANGED: 0.1, Link.NEW: 0.1}

# The sales order body field naming its SPP revenue recognition rule, and the connector's four rule kinds.
REVENUE_RULE_FIELD = "custbody_oa_revenue_rule"
REVENUE_RULES = ("FF_DATE", "PERCENT_COMPLETE", "AS_BILLED", "TIME")


def revenue_rule(number: int) -> str:
    """The rule of the ``number``-th sales order (from 1): the four kinds in turn."""
    return REVENUE_RULES[(number - 1) % len(REVENUE_RULES)]


def _stamp_after(entity: Entity, rng: random.Random, floor: dt.datetime) -> None:
    """Timestamps of a record created after ``floor``, imported by the last sync unless it is new."""
    if entity.link is Link.NEW:
        entity.ns_created = entity.ns_updated = after_last_sync(rng, floor)
        return
    created = floor + duration_between(rng, HOUR, 10 * DAY)
    entity.ns_created = entity.ns_updated = created
    entity.spp_created = entity.spp_updated = created + duration_between(rng, HOUR, 2 * DAY)
    if entity.link is Link.CHANGED:
        entity.ns_updated = after_last_sync(rng)


def plan_sales_orders(world: World, rng: random.Random) -> None:
    """A sales order for every other NetSuite project (in project order), billed to its customer."""
    projects = [p for p in world.projects if p.in_netsuite][::2]
    linked = [p for p in projects if p.link in IN_BOTH]
    shares = iter(shuffled_labels(len(linked), LINKED_ORDER_SHARES, rng))
    for number, project in enumerate(projects, start=1):
        link = next(shares) if project.link in IN_BOTH else Link.NEW
        total = float(rng.randrange(5_000, 250_000, 500))
        fields = {"tranId": f"SO-{number:05d}", "total": total, "memo": f"PO {rng.randrange(10**6):06d}"}
        order = Entity("sales_order", link, fields, parent=project)
        if link is Link.CHANGED:  # an amended order: a new total
            order.ns_changes = {"total": total + 10_000.0}
        assert project.ns_created is not None
        _stamp_after(order, rng, project.ns_created)
        assert order.ns_created is not None
        order.fields["tranDate"] = order.ns_created.replace(hour=0, minute=0, second=0)
        world.sales_orders.append(order)


def plan_payments(world: World, rng: random.Random) -> None:
    """Full payments of half the invoices NetSuite holds (credits excepted)."""
    payable = [i for i in world.invoices if i.state is State.EXPORTED and not i.credit]
    paid = payable[::2] + payable[-1:] if len(payable) % 2 == 0 else payable[::2]
    for invoice in paid:
        assert invoice.stamps.netsuite is not None
        received = invoice.stamps.netsuite + duration_between(rng, DAY, 45 * DAY)
        # the last invoice's payment is always new, so even the tiny scale has one to import
        link = Link.LINKED if received < LAST_SYNC and invoice is not payable[-1] else Link.NEW
        entity = Entity("payment", link, {"payment": invoice.total})
        if link is Link.NEW:
            entity.ns_created = entity.ns_updated = after_last_sync(rng, invoice.stamps.netsuite)
        else:
            entity.ns_created = entity.ns_updated = received
            entity.spp_created = entity.spp_updated = received + duration_between(rng, HOUR, 2 * DAY)
        entity.fields["tranDate"] = entity.ns_created.replace(hour=0, minute=0, second=0)
        world.payments.append(Payment(entity, invoice))


CHARGES = ("Travel surcharge", "Licence fee", "Hosting fee", "Training materials", "Rush delivery")


def build_other_charge_items(world: World, rng: random.Random) -> None:
    for i in range(len(CHARGES)):
        name = names.catalog_name(CHARGES, i)
        fields = {
            "itemId": f"CHG-{i + 1:03d}",
            "displayName": name,
            "salesDescription": f"{name}, billed at cost",
            "rate": float(rng.randrange(25, 900, 5)),
        }
        item = Entity("other_charge_item", Link.NEW, fields)
        stamp(item, rng)
        world.other_charge_items.append(item)


CREDIT_REASONS = ("Goodwill credit", "Rate correction", "Service level credit")


def plan_netsuite_credit_memos(world: World, rng: random.Random) -> None:
    """A credit memo raised in NetSuite for every fourth linked project, billed to its customer."""
    projects = [p for p in world.projects if p.link in IN_BOTH][::4]
    for number, project in enumerate(projects, start=1):
        fields = {
            "tranId": f"CM-{number:05d}",
            "total": float(rng.randrange(100, 5_000, 50)),
            "memo": CREDIT_REASONS[(number - 1) % len(CREDIT_REASONS)],
        }
        memo = Entity("netsuite_credit_memo", Link.NEW, fields, parent=project)
        assert project.ns_created is not None
        memo.ns_created = memo.ns_updated = after_last_sync(rng, project.ns_created)
        memo.fields["tranDate"] = memo.ns_created.replace(hour=0, minute=0, second=0)
        world.netsuite_credit_memos.append(memo)


WBS_FLAG = "netsuite_export_wbs__c"  # SPP project custom field: "Export WBS to NetSuite"


def plan_wbs_projects(world: World) -> None:
    """Every fourth SPP project with tasks in SPP sends its task structure to an opportunity; its tasks
    are planned as the catalog's services in turn."""
    with_tasks = {t.parent for t in world.tasks if t.in_spp and t.parent is not None}
    world.wbs_projects = [p for p in world.projects if p.in_spp and p in with_tasks][::4]
    flagged = set(world.wbs_projects)
    tasks = [t for t in world.tasks if t.in_spp and t.parent in flagged]
    services = world.service_items
    world.wbs_task_services = {task: services[n % len(services)] for n, task in enumerate(tasks)}


def wbs_sent(world: World) -> list[Entity]:
    """The WBS projects the last sync sent to NetSuite: every other linked one."""
    return [p for p in world.wbs_projects if p.linked][::2]


def wbs_tasks(world: World, project: Entity) -> list[Entity]:
    """The SPP tasks of a WBS project, in task order."""
    return [t for t in world.wbs_task_services if t.parent is project]
