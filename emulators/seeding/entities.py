"""Master data of the seeded company: catalog, employees, customers, projects and their tasks.

Proportions (exact quotas, see :mod:`.quotas`): about 72% of NetSuite's employees, customers,
projects and tasks are already imported into SPP (a tenth of those edited in NetSuite since the
last sync), about 10% lack the export flag, 5% are inactive and the rest are new since the last
sync. A few customers, projects and tasks exist only in SPP. Children follow their parents: a
linked project belongs to a linked customer, a linked task to a linked project.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from emulators.seeding import names
from emulators.seeding.model import Entity, Link, World
from emulators.seeding.quotas import apportion, pick, shuffled_labels
from emulators.seeding.timeline import (
    DAY,
    HOUR,
    after_last_sync,
    before_last_sync,
    duration_between,
    ns_datetime,
    spp_number,
)

ENTITY_SHARES = {
    Link.LINKED: 0.648,
    Link.CHANGED: 0.072,
    Link.NEW: 0.13,
    Link.NO_FLAG: 0.10,
    Link.INACTIVE: 0.05,
}
# projects and tasks may also have been edited on the SPP side (the "update NetSuite projects/tasks" flows)
PROJECT_SHARES = {
    Link.LINKED: 0.612,
    Link.SPP_CHANGED: 0.036,
    Link.CHANGED: 0.072,
    Link.NEW: 0.13,
    Link.NO_FLAG: 0.10,
    Link.INACTIVE: 0.05,
}
LINKED_TASK_SHARES = {Link.LINKED: 0.85, Link.SPP_CHANGED: 0.05, Link.CHANGED: 0.10}
SPP_ONLY_SHARE = 0.03


def stamp(entity: Entity, rng: random.Random, floor: Entity | None = None) -> None:
    """Give ``entity`` the timestamps its link state implies (children never predate ``floor``)."""
    link = entity.link
    if link is Link.SPP_ONLY:
        low = floor.spp_created if floor is not None else None
        entity.spp_created = entity.spp_updated = after_last_sync(rng, low)
        return
    if link is Link.NEW:
        entity.ns_created = entity.ns_updated = after_last_sync(rng, floor.ns_created if floor else None)
        return
    created = before_last_sync(rng)
    if floor is not None and floor.ns_created is not None and created <= floor.ns_created:
        created = floor.ns_created + duration_between(rng, HOUR, 3 * DAY)
    entity.ns_created = created
    entity.ns_updated = created + duration_between(rng, 0 * DAY, 10 * DAY)
    if link is Link.CHANGED:
        # imported into SPP soon after creation, edited in NetSuite after the last sync
        entity.spp_created = entity.spp_updated = created + duration_between(rng, HOUR, 2 * DAY)
        entity.ns_updated = after_last_sync(rng)
    elif link in (Link.LINKED, Link.SPP_CHANGED):
        entity.spp_created = entity.spp_updated = entity.ns_updated + duration_between(rng, HOUR, 2 * DAY)
        if link is Link.SPP_CHANGED:
            entity.spp_updated = after_last_sync(rng)


def _spread(rng: random.Random, parents: Sequence[Entity], count: int) -> list[Entity]:
    """``count`` parents: each one once while the count allows, then random ones."""
    if not parents or count <= 0:
        return []
    chosen = list(parents[:count])
    rng.shuffle(chosen)
    chosen += [rng.choice(parents) for _ in range(count - len(chosen))]
    return chosen


def build_catalog(world: World, rng: random.Random) -> None:
    """Cost centers, rate cards, service items and expense categories: all imported, unchanged."""
    scale = world.scale
    for i in range(scale.cost_centers):
        world.cost_centers.append(
            Entity("cost_center", Link.LINKED, {"name": names.catalog_name(names.COST_CENTERS, i)})
        )
    for i in range(scale.rate_cards):
        name = f"{names.catalog_name(names.RATE_CARDS, i)} 2026"
        world.rate_cards.append(Entity("rate_card", Link.LINKED, {"name": name}))
    for i in range(scale.service_items):
        display = names.catalog_name(names.SERVICE_ITEMS, i)
        fields = {
            "itemId": f"SVC-{i + 1:03d}",
            "displayName": display,
            "salesDescription": f"{display} services, per hour",
            "rate": float(rng.randrange(90, 260, 5)),
        }
        item = Entity(
            "service_item", Link.LINKED, fields, parent=world.cost_centers[i % len(world.cost_centers)]
        )
        world.service_items.append(item)
    for i in range(scale.expense_categories):
        name = names.catalog_name(names.EXPENSE_CATEGORIES, i)
        world.expense_categories.append(
            Entity("expense_category", Link.LINKED, {"name": name, "description": f"{name} expenses"})
        )
    for entity in world.cost_centers + world.rate_cards + world.service_items + world.expense_categories:
        stamp(entity, rng)


def build_employees(world: World, rng: random.Random) -> None:
    """Employees; the linked ones are SPP's users."""
    unique = names.UniqueNames()
    for link in shuffled_labels(world.scale.employees, ENTITY_SHARES, rng):
        first, last = names.person_name(rng)
        entity_id = unique(f"{first} {last}")
        local = entity_id.lower().replace(" ", ".")
        fields = {
            "entityId": entity_id,
            "firstName": first,
            "lastName": last,
            "email": f"{local}@staff.example",
            "title": names.job_title(rng),
            "laborCost": float(rng.randrange(40, 121)),
        }
        employee = Entity("employee", link, fields)
        if link is Link.CHANGED:
            employee.ns_changes = {"email": f"{local}@consulting.example"}
        stamp(employee, rng)
        world.employees.append(employee)


def build_customers(world: World, rng: random.Random) -> None:
    """NetSuite customers (SPP-only customers are added by :func:`build_spp_only`)."""
    unique = names.UniqueNames()
    for i, link in enumerate(shuffled_labels(world.scale.customers, ENTITY_SHARES, rng)):
        company = unique(names.company_name(rng))
        slug = company.lower().replace(" ", "")
        fields = {"entityId": f"CUST-{i + 1:05d}", "companyName": company, "email": f"ap@{slug}.example"}
        customer = Entity("customer", link, fields)
        if link is Link.CHANGED:
            customer.ns_changes = {"companyName": f"{company} Holdings", "email": f"billing@{slug}.example"}
        stamp(customer, rng)
        world.customers.append(customer)


def _project_fields(rng: random.Random, number: int, customer: Entity, unique: names.UniqueNames) -> dict:
    start = before_last_sync(rng).replace(hour=0, minute=0, second=0)
    return {
        "entityId": f"PRJ-{number:05d}",
        "companyName": unique(f"{customer.fields['companyName']} - {names.project_kind(rng)}"),
        "startDate": ns_datetime(start),
    }


def build_projects(world: World, rng: random.Random) -> None:
    """NetSuite projects (jobs) under customers; a linked project always has a linked customer."""
    linked_customers = [c for c in world.customers if c.linked]
    eligible_customers = [c for c in world.customers if c.linked or c.link is Link.NEW]
    older_customers = [c for c in world.customers if c.link is not Link.NEW]
    linked_employees = [e for e in world.employees if e.linked]
    unique = names.UniqueNames()
    for i, link in enumerate(shuffled_labels(world.scale.jobs, PROJECT_SHARES, rng)):
        if link in (Link.LINKED, Link.CHANGED, Link.SPP_CHANGED):
            customer, manager = (
                pick(rng, linked_customers, world.customers),
                pick(rng, linked_employees, world.employees),
            )
        elif link is Link.NEW:
            customer, manager = pick(rng, eligible_customers, world.customers), rng.choice(world.employees)
        else:  # existed before the last sync, so its customer did too
            customer, manager = pick(rng, older_customers, world.customers), rng.choice(world.employees)
        if link in (Link.LINKED, Link.CHANGED, Link.SPP_CHANGED) and not customer.linked:
            link = Link.NEW  # no linked customer to hang it under (only possible at degenerate sizes)
        project = Entity(
            "project", link, _project_fields(rng, i + 1, customer, unique), parent=customer, owner=manager
        )
        if link is Link.CHANGED:
            project.ns_changes = {"companyName": f"{project.fields['companyName']} Phase 2"}
        elif link is Link.SPP_CHANGED:
            project.spp_changes = {"name": f"{project.fields['companyName']} (extended)"}
        stamp(project, rng, floor=customer)
        world.projects.append(project)


def _task(rng: random.Random, link: Link, project: Entity) -> Entity:
    work = float(rng.choice((8, 16, 24, 40, 80, 120)))
    fields = {"estimatedWork": work, "plannedWork": work, "startDate": project.fields["startDate"]}
    task = Entity("task", link, fields, parent=project)
    if link is Link.CHANGED:
        task.ns_changes = {"estimatedWork": work + 16.0, "plannedWork": work + 16.0}
    elif link is Link.SPP_CHANGED:
        task.spp_changes = {"planned_hours": spp_number(work + 8.0)}
    stamp(task, rng, floor=project)
    return task


def build_tasks(world: World, rng: random.Random) -> None:
    """NetSuite project tasks: 72% linked under linked projects, 8% new under linked projects, the rest
    under projects SPP does not have yet. Tasks are listed project by project, titled in order."""
    linked = [p for p in world.projects if p.linked]
    others = [p for p in world.projects if not p.linked]
    counts = apportion(world.scale.tasks, {"linked": 0.72, "new": 0.08, "others": 0.20})
    if not others:
        counts["new"] += counts.pop("others")
    if not linked:
        counts = {"others": world.scale.tasks}
    planned: list[tuple[Entity, Link]] = []
    linked_parents = _spread(rng, linked, counts.get("linked", 0))
    for parent, link in zip(
        linked_parents, shuffled_labels(len(linked_parents), LINKED_TASK_SHARES, rng), strict=True
    ):
        planned.append((parent, link))
    planned += [(rng.choice(linked), Link.NEW) for _ in range(counts.get("new", 0))]
    planned += [(parent, parent.link) for parent in _spread(rng, others, counts.get("others", 0))]
    order = {id(p): i for i, p in enumerate(world.projects)}
    planned.sort(key=lambda item: order[id(item[0])])  # stable: keeps the random order within a project
    position: dict[int, int] = {}
    for parent, link in planned:
        task = _task(rng, link, parent)
        n = position.get(id(parent), 0)
        position[id(parent)] = n + 1
        task.fields = {"title": names.task_title(n), **task.fields}
        world.tasks.append(task)


def build_spp_only(world: World, rng: random.Random) -> None:
    """A few customers, projects and tasks created in SPP after the last sync and not exported yet."""
    unique = names.UniqueNames()
    for c in world.customers:
        unique(c.fields["companyName"])
    new_customers = []
    for _ in range(max(1, round(SPP_ONLY_SHARE * world.scale.customers))):
        customer = Entity("customer", Link.SPP_ONLY, {"companyName": unique(names.company_name(rng))})
        stamp(customer, rng)
        new_customers.append(customer)
    world.customers += new_customers
    spp_customers = [c for c in world.customers if c.in_spp]
    users = world.spp_users or world.employees
    project_names = names.UniqueNames()
    count = max(1, round(SPP_ONLY_SHARE * world.scale.jobs))
    parents = _spread(rng, new_customers, count)
    parents = parents[: len(new_customers)] + [
        rng.choice(spp_customers) for _ in range(count - len(new_customers))
    ]
    for i, customer in enumerate(parents):
        fields = _project_fields(rng, i + 1, customer, project_names)
        del fields["entityId"]  # SPP projects have no NetSuite entityId until they are exported
        project = Entity("project", Link.SPP_ONLY, fields, parent=customer, owner=rng.choice(users))
        stamp(project, rng, floor=customer)
        world.projects.append(project)
        for n in range(rng.randint(1, 3)):
            task = _task(rng, Link.SPP_ONLY, project)
            task.fields = {"title": names.task_title(n), **task.fields}
            world.tasks.append(task)
