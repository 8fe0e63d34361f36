"""Vendors, customer contacts and purchase items: NetSuite master data SPP imports (Vendors, Contacts,
Products).

* Vendors (SPP ``Vendor``): half as many as employees; 72% imported by the last sync, 8% imported and
  renamed in NetSuite since, 15% new, 5% inactive (the connector's vendor import has no filter, so those
  are imported too, inactive). Every third is an individual contractor (``isPerson``), whom Employees
  (Vendors) makes an SPP user: every other contractor in both systems became one at the last sync
  (``externalid`` ``vendor-<id>``, ``netsuite_vendor_id__c``), the rest are not users yet.
* Purchase fulfilment (NetSuite ``purchaseOrder``, ``vendorBill``, ``vendorCredit``; recorded on the SPP
  ``Purchaserequest``): every other requisition SPP exported became a purchase order (``createdFrom``) to
  its first line's vendor, every other order was billed (``purchaseOrderList``) and the first bill credited
  (``createdFrom``), all since the last sync: no SPP request records any of them yet.
* Contractors' expense reports (SPP ``Envelope`` + ``Ticket``s of those users): two each, one the last sync
  sent as a NetSuite ``vendorBill`` (``spp-vendorbill-<id>``, ``netsuite_vendor_bill_id__c``) and one
  approved since, waiting for Expense Reports (Vendor Bills).
* Contacts (SPP ``Contact``): one for every other NetSuite customer and a second for every fifth. A
  linked customer's contacts were mostly imported; those of customers SPP does not have yet are new and
  wait for their customer (or fail naming it, if the customer is never imported).
* Purchase items (NetSuite ``nonInventoryPurchaseItem``, SPP ``Product``): as many as service items;
  10% lack the "Export to SuiteProjects Pro product" checkbox and are never imported.
* Purchase requests (SPP ``Purchaserequest`` with ``Purchase_item`` lines; half as many as expense
  reports), in the transactions' states (see :mod:`.activity`): exported ones are NetSuite
  ``purchaseRequisition`` records, and name only linked users, products and vendors.

Drawn from their own random stream, so adding them changed no earlier record of the seed.
"""

from __future__ import annotations

import random

from emulators.seeding import names
from emulators.seeding.activity import (
    RARE_STATES,
    STATE_SHARES,
    created_on,
    stamps_for,
    transaction_dates,
)
from emulators.seeding.entities import stamp
from emulators.seeding.model import (
    EXPORT_ATTEMPTED,
    IN_BOTH,
    Entity,
    ExpenseLine,
    ExpenseReport,
    Link,
    PurchaseLine,
    PurchaseRequest,
    State,
    World,
)
from emulators.seeding.quotas import ordered_labels, shuffled_labels
from emulators.seeding.timeline import DAY, FIRST_WEEK

PRODUCT_FLAG = "custitem_oa_export_to_openair_product"
"""NetSuite item checkbox "Export to SuiteProjects Pro product" (suiteprojects-xml-api.md §9, Product)."""

VENDOR_SHARES = {Link.LINKED: 0.72, Link.CHANGED: 0.08, Link.NEW: 0.15, Link.INACTIVE: 0.05}
CONTACT_SHARES = {Link.LINKED: 0.72, Link.CHANGED: 0.08, Link.NEW: 0.20}
PRODUCT_SHARES = {Link.LINKED: 0.72, Link.CHANGED: 0.08, Link.NEW: 0.10, Link.NO_FLAG: 0.10}
CONTRACTORS = (("Ada", "Quill"), ("Bo", "Renner"), ("Cy", "Stroud"), ("Di", "Tarrant"))
PRODUCTS = ("Laptop", "Monitor", "Software licence", "Travel adapter", "Headset", "Docking station")


def build_vendors(world: World, rng: random.Random) -> None:
    unique = names.UniqueNames()
    count = max(4, world.scale.employees // 2)
    for i, link in enumerate(shuffled_labels(count, VENDOR_SHARES, rng)):
        company = unique(f"{names.company_name(rng)} Supplies")
        slug = company.lower().replace(" ", "")
        fields = {"entityId": f"VEND-{i + 1:05d}", "companyName": company, "email": f"orders@{slug}.example"}
        if i % 3 == 0:  # an individual contractor: also an SPP user (Employees (Vendors)), none yet
            first, last = CONTRACTORS[(i // 3) % len(CONTRACTORS)]
            fields |= {"isPerson": True, "firstName": first, "lastName": last}
        vendor = Entity("vendor", link, fields)
        if link is Link.CHANGED:
            vendor.ns_changes = {"companyName": f"{company} International"}
        stamp(vendor, rng)
        world.vendors.append(vendor)


def build_contacts(world: World, rng: random.Random) -> None:
    customers = [c for c in world.customers if c.in_netsuite]
    parents = customers[::2] + customers[::5]
    linked = [c for c in parents if c.linked]
    shares = iter(shuffled_labels(len(linked), CONTACT_SHARES, rng))
    for i, customer in enumerate(parents):
        first, last = names.person_name(rng)
        local = f"{first}.{last}".lower()
        domain = customer.fields["email"].split("@", 1)[1]
        fields = {
            "entityId": f"CONT-{i + 1:05d}",
            "firstName": first,
            "lastName": last,
            "email": f"{local}@{domain}",
            "title": names.job_title(rng),
        }
        link = next(shares) if customer.linked else Link.NEW
        contact = Entity("contact", link, fields, parent=customer)
        if link is Link.CHANGED:
            contact.ns_changes = {"title": f"Senior {fields['title']}"}
        stamp(contact, rng, floor=customer)
        world.contacts.append(contact)


def build_purchase_items(world: World, rng: random.Random) -> None:
    count = max(3, world.scale.service_items)
    for i, link in enumerate(shuffled_labels(count, PRODUCT_SHARES, rng)):
        name = names.catalog_name(PRODUCTS, i)
        fields = {
            "itemId": f"PUR-{i + 1:03d}",
            "displayName": name,
            "purchaseDescription": f"{name}, bought for client projects",
            "cost": float(rng.randrange(20, 2_500, 5)),
        }
        item = Entity("purchase_item", link, fields)
        if link is Link.CHANGED:
            item.ns_changes = {"cost": fields["cost"] + 50.0}
        stamp(item, rng)
        world.purchase_items.append(item)


def plan_purchase_requests(world: World, rng: random.Random) -> None:
    """Purchase requests of SPP users for 1-3 products each, cut into states oldest first."""
    users = world.spp_users
    products = [p for p in world.purchase_items if p.in_spp]
    vendors = [v for v in world.vendors if v.in_spp]
    if not users or not products or not vendors:
        return
    count = max(1, world.scale.expense_reports // 2)
    states = ordered_labels(count, STATE_SHARES, RARE_STATES, State.APPROVED)
    for i, (day, state) in enumerate(zip(transaction_dates(rng, count), states, strict=True)):
        exported = state in EXPORT_ATTEMPTED  # only what NetSuite could take: linked references
        user = rng.choice([u for u in users if u.linked] if exported else users)
        lines = [
            PurchaseLine(product, rng.choice(vendors), float(rng.randint(1, 12)), product.fields["cost"])
            for product in rng.sample(products, min(len(products), rng.randint(1, 3)))
        ]
        stamps = stamps_for(state, created_on(rng, day), rng)
        world.purchase_requests.append(PurchaseRequest(user, day, state, f"PR-{i + 1:05d}", lines, stamps))


def plan_contractor_expenses(world: World, rng: random.Random) -> None:
    """The contractors the last sync made SPP users, each with an expense report that sync sent as a
    vendor bill and one approved since."""
    contractors = [v for v in world.vendors if v.fields.get("isPerson") and v.link in IN_BOTH][::2]
    projects = [p for p in world.projects if p.linked]
    for vendor in contractors:
        user = Entity("vendor_user", Link.LINKED, dict(vendor.fields), parent=vendor)
        user.ns_created, user.ns_updated = vendor.ns_created, vendor.ns_updated
        user.spp_created, user.spp_updated = vendor.spp_created, vendor.spp_updated
        world.vendor_users.append(user)
        for state in (State.EXPORTED, State.APPROVED):
            day = (
                (FIRST_WEEK + rng.randrange(21) * DAY).date()
                if state is State.EXPORTED
                else (transaction_dates(rng, 1)[0])
            )
            lines = [
                ExpenseLine(
                    day - rng.randrange(5) * DAY,
                    rng.choice(world.expense_categories),
                    1.0,
                    round(rng.uniform(40, 1_500), 2),
                    rng.choice(projects) if projects and rng.random() < 0.6 else None,
                    rng.choice(names.ENTRY_NOTES),
                )
                for _ in range(rng.randint(1, 2))
            ]
            stamps = stamps_for(state, created_on(rng, day), rng)
            world.vendor_expense_reports.append(ExpenseReport(user, day, state, lines, stamps))


def purchase_orders(world: World) -> list[PurchaseRequest]:
    """The requests whose exported requisition NetSuite made a purchase order of: every other one."""
    return [r for r in world.purchase_requests if r.state is State.EXPORTED][::2]


def purchase_bills(world: World) -> list[PurchaseRequest]:
    """The requests whose purchase order NetSuite billed: every other one."""
    return purchase_orders(world)[::2]


def vendor_credits(world: World) -> list[PurchaseRequest]:
    """The requests whose bill NetSuite credited: the first."""
    return purchase_bills(world)[:1]
