"""How the seeded SPP records point at NetSuite, and how exported NetSuite records point back.

* Every SPP record imported from NetSuite carries the NetSuite internalId in its "NetSuite ID"
  custom field and in ``externalid`` (what the earlier import wrote).
* Every SPP transaction exported to NetSuite carries the NetSuite internalId in its "NetSuite ID"
  field, and the NetSuite record carries ``externalId`` ``spp-<spp type, lower case>-<spp id>``.
* ``-1`` in a "NetSuite ID" field is the connector's autorecovery claim: an export started and its
  outcome is unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from include.registry import CLAIMED_SENTINEL, ENTITIES, EXPORT_FLAG_FIELD, SPP_ID, Entity, entities_for

CREDIT = ENTITIES["credit_memo"]
"""An SPP Invoice with a negative total is a credit: exported as a NetSuite credit memo."""

SUPPORT_CASE = ENTITIES["support_case"]
SUPPORT_CASE_ID_FIELD = SUPPORT_CASE.netsuite_id_field
"""Support cases are SPP project tasks too, with their own externalid (``case-<internalId>``) and NetSuite
ID field (the registry's), apart from the project tasks'."""

VENDOR_USER = ENTITIES["vendor_user"]
VENDOR_BILL = ENTITIES["vendor_bill"]
"""Contractors are SPP users (``vendor-<id>``, ``netsuite_vendor_id__c``); their envelopes are vendor
bills (``spp-vendorbill-<id>``, ``netsuite_vendor_bill_id__c``), apart from employees' expense reports."""

ARM = ENTITIES["arm_revenue_transaction"]
"""Revenue recognition transactions may also be "Revenue Transactions for ARM" custom records
(``spp-arm-revenue-<id>``, ``netsuite_arm_revenue_transaction_id__c``), apart from their journal entries."""

WBS = ENTITIES["wbs"]
"""An SPP project flagged for WBS export is a NetSuite opportunity too, with its own NetSuite ID field and
``externalId`` (``spp-wbs-<id>``), apart from the job it is exported as."""

_FIRST_OF_TYPE: dict[str, Entity] = {}
for _entity in ENTITIES.values():
    _FIRST_OF_TYPE.setdefault(_entity.spp_type, _entity)
SECOND_ENTITIES = tuple(e for e in ENTITIES.values() if _FIRST_OF_TYPE[e.spp_type] is not e)
"""Entities declared after another of the same SPP type (credits, support cases, other charge items,
contractors): not the type's pairing."""

NETSUITE_RECORD_TYPES: dict[str, str] = {
    e.spp_type: e.netsuite_type for e in ENTITIES.values() if e not in SECOND_ENTITIES
}
"""SPP object type -> the NetSuite record type its "NetSuite ID" field points at (Invoice: invoice; a
credit's points at a creditMemo, see :func:`exported_as`)."""

NETSUITE_ID_FIELDS: dict[str, str] = {
    e.spp_type: e.netsuite_id_field for e in ENTITIES.values() if e not in SECOND_ENTITIES
}
"""SPP object type -> its "NetSuite ID" custom field (declared in the registry)."""

EXPORT_CLAIMED = CLAIMED_SENTINEL
"""Autorecovery sentinel in a "NetSuite ID" field: export claimed, outcome unknown."""

EXPORT_FLAG = EXPORT_FLAG_FIELD
"""NetSuite checkbox "Export to SuiteProjects Pro" on customers, projects and employees."""

COST_CENTER_RECORD_TYPE = {"internalId": "1", "name": "SuiteProjects Pro: Cost Center"}
RATE_CARD_RECORD_TYPE = {"internalId": "2", "name": "SuiteProjects Pro: Project Rate Card"}
"""``recType`` references of the two custom record types (custom record type ids, not record ids)."""


def exported_as(spp_type: str, doc: Mapping[str, Any]) -> Entity:
    """The registry entity SPP record ``doc`` of ``spp_type`` is exported as (a negative Invoice: credit)."""
    if spp_type == CREDIT.spp_type and str(doc.get("total", "")).startswith("-"):
        return CREDIT
    return next(e for e in entities_for("spp", spp_type) if e not in SECOND_ENTITIES)


def spp_external_id(spp_type: str, spp_id: int | str, entity: Entity | None = None) -> str:
    """The NetSuite ``externalId`` of a record exported from SPP object ``spp_type`` number ``spp_id``
    as ``entity`` (default: the type's entity; the entity's export template, e.g. ``spp-task-{id}``)."""
    entity = entity or exported_as(spp_type, {})
    return entity.external_id("export").replace(f"{{{SPP_ID}}}", str(spp_id))
