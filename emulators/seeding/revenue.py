"""Revenue recognition transactions: revenue SPP recognises on projects, which the connector posts to
NetSuite as journal entries (Recognition Transactions (Revenue Recognition Transactions)).

As many as invoices, on SPP projects, in the transactions' states (see :mod:`.activity`): approved ones
exported before the last sync are NetSuite ``journalEntry`` records of two balanced lines (deferred
revenue debited, revenue credited) on linked projects. Drawn from their own random stream, so adding
them changed no earlier record of the seed.

Every other exported transaction was also sent to a "Revenue Transactions for ARM" custom record
(``spp-arm-revenue-<id>``, ``netsuite_arm_revenue_transaction_id__c``) by the last sync; the rest wait for
the ARM export.
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


def arm_sent(world: World) -> list[RevenueTransaction]:
    """The transactions the last sync also sent to ARM custom records: every other exported one."""
    return [t for t in world.revenue_transactions if t.state is State.EXPORTED][::2]


def arm_ids(world: World) -> dict[int, int]:
    """SPP id -> internalId of the ARM record the last sync made of the transaction (once numbered)."""
    first = world.first_ns_id["customRecord:arm"]
    return {t.spp_id: first + n for n, t in enumerate(arm_sent(world))}
