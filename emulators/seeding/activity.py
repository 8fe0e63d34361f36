"""Activity that originates in SPP: timesheets with their time entries, expense reports, invoices.

Each kind is sorted by date and cut into states by exact quotas, oldest first: 30% approved and
exported before the last sync, 3% approved with an interrupted export (the ``-1`` sentinel; for half
of them NetSuite did create the record), 27% approved after the last sync and not exported, 20%
submitted, 20% open. So ~60% are approved and half of those are exported. Whatever an export
touched refers only to records linked in NetSuite; the rest may use SPP-only projects.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator

from emulators.seeding import names
from emulators.seeding.model import (
    EXPORT_ATTEMPTED,
    IN_NETSUITE,
    Entity,
    ExpenseLine,
    ExpenseReport,
    Invoice,
    InvoiceLine,
    Stamps,
    State,
    TimeEntry,
    Timesheet,
    World,
)
from emulators.seeding.quotas import ordered_labels
from emulators.seeding.timeline import (
    DAY,
    FIRST_WEEK,
    HOUR,
    LAST_SYNC,
    TIMESHEET_WEEKS,
    after_last_sync,
    duration_between,
)

STATE_SHARES = {
    State.EXPORTED: 0.30,
    State.CLAIMED: 0.015,
    State.CLAIMED_LOST: 0.015,
    State.APPROVED: 0.27,
    State.SUBMITTED: 0.20,
    State.OPEN: 0.20,
}
RARE_STATES = {
    State.CLAIMED: 1,
    State.CLAIMED_LOST: 1,
}  # present even at the tiny scale, at APPROVED's expense
ENTRIES_PER_SHEET = 5
ENTRY_HOURS = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 4.5, 6.0, 7.5, 8.0)
ACTIVITY_DAYS = 170  # expense and invoice dates: 2026-01-05 .. 2026-06-23


def stamps_for(state: State, created: dt.datetime, rng: random.Random) -> Stamps:
    """Created/updated instants of a transaction in ``state``, and NetSuite's copy's instant if it has one."""
    if state is State.EXPORTED:
        # exported by an earlier run, before the last sync; SPP got the internalId a minute later
        exported = min(
            created + duration_between(rng, DAY, 10 * DAY), LAST_SYNC - duration_between(rng, HOUR, 6 * HOUR)
        )
        exported = max(exported, created + HOUR)
        return Stamps(created, exported + dt.timedelta(minutes=1), exported)
    if state is State.OPEN:
        return Stamps(created, created)
    updated = after_last_sync(rng, created)
    if state is State.CLAIMED:
        # the run wrote -1, created the NetSuite record, then died before writing the id back
        return Stamps(created, updated, updated + dt.timedelta(seconds=30))
    return Stamps(created, updated)


def _linked_first(rng: random.Random, pool: list[Entity], linked: list[Entity]) -> list[Entity]:
    """2-4 projects for one user, the first always linked so exports always have something to book to."""
    chosen = [rng.choice(linked)] if linked else []
    for _ in range(rng.randint(1, 3)):
        candidate = rng.choice(pool)
        if candidate not in chosen:
            chosen.append(candidate)
    return chosen


def assign_projects(world: World, rng: random.Random) -> None:
    """Which SPP projects take time (those with SPP tasks) and which of them each user books to."""
    for task in world.tasks:
        if task.in_spp and task.parent is not None:
            world.project_tasks.setdefault(task.parent, []).append(task)
    pool = [p for p in world.projects if p in world.project_tasks]
    linked = [p for p in pool if p.linked]
    for user in world.spp_users:
        world.user_projects[user] = _linked_first(rng, pool, linked) if pool else []


def plan_timesheets(world: World, rng: random.Random) -> None:
    """Weekly timesheets of every SPP user over the most recent weeks, sized to the scale's time entries."""
    users = [u for u in world.spp_users if world.user_projects.get(u)]
    wanted = world.scale.time_entries
    if not users or wanted <= 0:
        return
    weeks = min(TIMESHEET_WEEKS, max(1, math.ceil(wanted / (len(users) * ENTRIES_PER_SHEET))))
    slots = [(week, user) for week in range(TIMESHEET_WEEKS - weeks, TIMESHEET_WEEKS) for user in users]
    sizes = [wanted // len(slots)] * len(slots)
    for i in rng.sample(range(len(slots)), wanted - sum(sizes)):
        sizes[i] += 1
    for _ in range(len(slots)):  # move a few entries around so sheets differ in size
        src, dst = rng.randrange(len(slots)), rng.randrange(len(slots))
        moved = rng.randint(0, sizes[src] // 2)
        sizes[src] -= moved
        sizes[dst] += moved
    states = ordered_labels(len(slots), STATE_SHARES, RARE_STATES, State.APPROVED)
    for (week, user), size, state in zip(slots, sizes, states, strict=True):
        week_start = FIRST_WEEK + week * 7 * DAY
        stamps = stamps_for(state, week_start + duration_between(rng, 0 * DAY, 2 * DAY), rng)
        world.timesheets.append(Timesheet(user, week_start, state, size, stamps))


def _bookable(world: World, user: Entity, state: State) -> list[Entity]:
    projects = world.user_projects[user]
    if state in EXPORT_ATTEMPTED:
        return [p for p in projects if p.linked]
    return projects


def transaction_dates(rng: random.Random, count: int) -> list[dt.date]:
    return sorted((FIRST_WEEK + rng.randrange(ACTIVITY_DAYS) * DAY).date() for _ in range(count))


def created_on(rng: random.Random, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(8)) + duration_between(rng, 0 * DAY, 10 * HOUR)


def plan_expense_reports(world: World, rng: random.Random) -> None:
    """Expense reports (envelopes) of SPP users, each with 1-4 receipts (tickets)."""
    users = [u for u in world.spp_users if world.user_projects.get(u)]
    if not users or not world.expense_categories:
        return
    count = world.scale.expense_reports
    for day, state in zip(
        transaction_dates(rng, count),
        ordered_labels(count, STATE_SHARES, RARE_STATES, State.APPROVED),
        strict=True,
    ):
        user = rng.choice(users)
        projects = _bookable(world, user, state)
        lines = []
        for _ in range(rng.randint(1, 4)):
            item = rng.choice(world.expense_categories)
            quantity = float(rng.randint(20, 300)) if item.fields["name"] == "Mileage" else 1.0
            cost = 0.58 if quantity > 1 else round(rng.uniform(8, 900), 2)
            project = rng.choice(projects) if projects and rng.random() < 0.7 else None
            line_day = day - rng.randrange(7) * DAY
            lines.append(ExpenseLine(line_day, item, quantity, cost, project, rng.choice(names.ENTRY_NOTES)))
        stamps = stamps_for(state, created_on(rng, day), rng)
        world.expense_reports.append(ExpenseReport(user, day, state, lines, stamps))


def plan_invoices(world: World, rng: random.Random) -> None:
    """Invoices for SPP projects; exported ones bill linked projects of linked customers."""
    spp_projects = [p for p in world.projects if p.in_spp]
    linked = [p for p in spp_projects if p.linked]
    if not spp_projects or not world.service_items:
        return
    count = world.scale.invoices
    credits = {State.EXPORTED: 0, State.APPROVED: 0}
    for i, (day, state) in enumerate(
        zip(
            transaction_dates(rng, count),
            ordered_labels(count, STATE_SHARES, RARE_STATES, State.APPROVED),
            strict=True,
        )
    ):
        pool = linked if state in EXPORT_ATTEMPTED and linked else spp_projects
        project = rng.choice(pool)
        # a quarter of the exported and of the pending approved invoices are credits (negative hours):
        # NetSuite credit memos (the first of each state, so even the tiny scale has both)
        sign = 1.0
        if state in credits:
            credits[state] += 1
            sign = -1.0 if credits[state] % 4 == 1 else 1.0
        lines = [
            InvoiceLine(service, sign * rng.randint(4, 160), service.fields["rate"])
            for service in rng.sample(world.service_items, min(len(world.service_items), rng.randint(1, 3)))
        ]
        stamps = stamps_for(state, created_on(rng, day), rng)
        world.invoices.append(Invoice(project, day, state, f"INV-{i + 1:06d}", lines, stamps))


def iter_time_entries(world: World) -> Iterator[TimeEntry]:
    """Every time entry, timesheet by timesheet, with its SPP id and (if NetSuite has it) its timeBill id.

    Regenerated on demand from its own random stream, so the NetSuite and the SPP loader see the same
    entries without holding them all in memory.
    """
    rng = random.Random(world.scale.seed * 7 + 3)
    spp_id = world.first_spp_id["Task"]
    ns_id = world.first_ns_id["timeBill"]
    for sheet in world.timesheets:
        projects = _bookable(world, sheet.user, sheet.state)
        for _ in range(sheet.entries):
            project = rng.choice(projects)
            entry_ns_id = None
            if sheet.state in IN_NETSUITE:
                entry_ns_id, ns_id = ns_id, ns_id + 1
            yield TimeEntry(
                spp_id=spp_id,
                sheet=sheet,
                date=(sheet.week_start + rng.randrange(5) * DAY).date(),
                hours=rng.choice(ENTRY_HOURS),
                project=project,
                task=rng.choice(world.project_tasks[project]),
                service=rng.choice(world.service_items),
                notes=rng.choice(names.ENTRY_NOTES),
                ns_id=entry_ns_id,
            )
            spp_id += 1
