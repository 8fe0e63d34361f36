"""Support cases: NetSuite cases logged against projects, which SPP imports as project tasks
(the connector's "Tasks (Support Cases)"), so time can be booked to them.

One case for every fourth NetSuite project that SPP has; 72% imported by the last sync (a tenth of those
edited in NetSuite since), the rest new. Drawn from their own random stream, so adding them changed no
earlier record of the seed.
"""

from __future__ import annotations

import random

from emulators.seeding.entities import stamp
from emulators.seeding.model import Entity, Link, World
from emulators.seeding.quotas import shuffled_labels

CASE_SHARES = {Link.LINKED: 0.72, Link.CHANGED: 0.08, Link.NEW: 0.20}
CASE_TOPICS = ("Login fails", "Report totals wrong", "Data export slow", "Access request", "Invoice query")


def build_support_cases(world: World, rng: random.Random) -> None:
    projects = [p for p in world.projects if p.linked][::4]
    links = shuffled_labels(len(projects), CASE_SHARES, rng)
    for i, (project, link) in enumerate(zip(projects, links, strict=True)):
        title = f"{CASE_TOPICS[i % len(CASE_TOPICS)]} ({project.fields['entityId']})"
        fields = {"title": title, "caseNumber": f"CASE-{i + 1:05d}"}
        case = Entity("support_case", link, fields, parent=project)
        if link is Link.CHANGED:
            case.ns_changes = {"title": f"{title} - escalated"}
        stamp(case, rng, floor=project)
        world.support_cases.append(case)
