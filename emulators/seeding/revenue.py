"""Revenue recognition transactions: revenue SPP recognises on projects, which the connector posts to
NetSuite as journal entries (Recognition Transactions (Revenue Recognition Transactions)).

As many as invoices, on SPP projects, in the transactions' states (see :mod:`.activity`): approved ones
exported before the last sync are NetSuite ``journalEntry`` records of two balanced lines (deferred
revenue debited, revenue credited) on linked projects. Drawn from their own random stream, so adding
them changed no earlier record of the seed.
"""

from __future__ import annotations

import random

from emulators.seeding.activity import RARE_STATES, STATE_SHARES, created_on, stamps_for, transaction_dates
from emulators.seeding.model import EXPORT_ATTEMPTED, RevenueTransaction, State, World
from emulators.seeding.quotas import ordered_labels

DEFERRED_REVENUE_ACCOUNT = "1200"
REVENUE_ACCOUNT = "4000"
"""NetSuite account internalIds the shipped mapping debits and credits (set yours in the mapping)."""


def plan_revenue_transactions(world: World, rng: random.Random) -> None:
    spp_projects = [p for p in world.projects if p.in_spp]
    linked = [p for p in spp_projects if p.linked]
    if not spp_projects:
        return
    count = world.scale.invoices
    states = ordered_labels(count, STATE_SHARES, RARE_STATES, State.APPROVED)
    for i, (day, state) in enumerate(zip(transaction_dates(rng, count), states, strict=True)):
        project = rng.choice(linked if state in EXPORT_ATTEMPTED and linked else spp_projects)
        amount = float(rng.randrange(500, 40_000, 50))
        stamps = stamps_for(state, created_on(rng, day), rng)
        world.revenue_transactions.append(
            RevenueTransaction(project, day, state, f"Revenue {day:%Y-%m} #{i + 1}", amount, stamps)
        )
