"""Deterministic seed data for the local NetSuite and SuiteProjects Pro services.

One coherent services company, caught mid-integration (see :mod:`emulators.seeding`):

* NetSuite masters employees, customers, projects (jobs), project tasks, service items, expense
  categories and two SuiteProjects Pro custom record types (cost centers, project rate cards).
* About 72% of the employees/customers/projects/tasks were imported into SPP by an earlier sync
  (NetSuite internalId in SPP's ``externalid`` and "NetSuite ID" field); a tenth of those changed in
  NetSuite after the last sync (:data:`LAST_SYNC`), so SPP is stale; the rest are NetSuite-only
  (no export flag, inactive, or new since the last sync). A few customers/projects exist only in SPP.
* Time entries, expense reports and invoices originate in SPP: ~60% approved, half of those already
  exported (NetSuite timeBill/expenseReport/invoice with ``externalId`` ``spp-<type>-<id>``).

Same scale, same bytes: every random choice comes from ``random.Random`` seeded per scale and every
timestamp is derived from fixed instants. Both stores count ids from 1 after a clear, so the plan
knows every id in advance and each service can be seeded on its own.
"""

from __future__ import annotations

import logging
from typing import Any

from emulators.seeding.crossref import (
    EXPORT_CLAIMED,
    EXPORT_FLAG,
    NETSUITE_ID_FIELDS,
    NETSUITE_RECORD_TYPES,
    spp_external_id,
)
from emulators.seeding.loader import SeedError, load
from emulators.seeding.model import World
from emulators.seeding.netsuite_docs import netsuite_batches
from emulators.seeding.scales import SCALES, get_scale
from emulators.seeding.spp_docs import spp_batches
from emulators.seeding.timeline import BASE_DATE, LAST_SYNC
from emulators.seeding.world import NETSUITE_LOAD_ORDER, SPP_LOAD_ORDER, build_world
from emulators.store import RecordStore

__all__ = [
    "BASE_DATE",
    "EXPORT_CLAIMED",
    "EXPORT_FLAG",
    "LAST_SYNC",
    "NETSUITE_ID_FIELDS",
    "NETSUITE_LOAD_ORDER",
    "NETSUITE_RECORD_TYPES",
    "SCALES",
    "SPP_LOAD_ORDER",
    "SeedError",
    "seed_both",
    "seed_netsuite",
    "seed_spp",
    "spp_external_id",
]

log = logging.getLogger(__name__)


def _load_netsuite(store: RecordStore, world: World) -> dict[str, int]:
    store.clear()
    counts: dict[str, int] = {}
    for rtype, first_id, rows in netsuite_batches(world):
        counts[rtype] = counts.get(rtype, 0) + load(store, rtype, rows, first_id)
    from emulators.seeding.custom_record_types import seed_custom_record_types

    counts.update(seed_custom_record_types(store))  # the account's customizations come with it
    return counts


def _load_spp(store: RecordStore, world: World) -> dict[str, int]:
    store.clear()
    counts: dict[str, int] = {}
    for spp_type, first_id, rows in spp_batches(world):
        counts[spp_type] = counts.get(spp_type, 0) + load(store, spp_type, rows, first_id)
    return counts


def seed_netsuite(store: RecordStore, scale: str) -> dict[str, int]:
    """Wipe ``store`` and load the NetSuite side of ``scale``; returns the record count per record type.

    ``scale`` is one of ``tiny``, ``small``, ``medium``, ``large`` (``ValueError`` otherwise).
    """
    return _load_netsuite(store, build_world(get_scale(scale)))


def seed_spp(store: RecordStore, scale: str) -> dict[str, int]:
    """Wipe ``store`` and load the SuiteProjects Pro side of ``scale``; returns the count per object type."""
    return _load_spp(store, build_world(get_scale(scale)))


def seed_both(
    ns_store: RecordStore, spp_store: RecordStore, scale: str, only_if_empty: bool = True
) -> dict[str, Any]:
    """Seed both services with the two halves of one plan.

    With ``only_if_empty`` (the default) nothing is touched unless both stores are empty, so a
    restarted service keeps its data. Returns ``{"scale", "seeded", "netsuite": {type: count},
    "spp": {type: count}}``; the count dicts are empty when seeding was skipped.
    """
    plan_scale = get_scale(scale)  # an unknown scale fails even when seeding is skipped
    if only_if_empty and (ns_store.count() or spp_store.count()):
        if not (ns_store.count() and spp_store.count()):
            log.warning("seed %s skipped: one service has data and the other is empty; use a reseed", scale)
        return {"scale": scale, "seeded": False, "netsuite": {}, "spp": {}}
    world = build_world(plan_scale)
    return {
        "scale": scale,
        "seeded": True,
        "netsuite": _load_netsuite(ns_store, world),
        "spp": _load_spp(spp_store, world),
    }
