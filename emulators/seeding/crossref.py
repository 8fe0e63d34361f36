"""How the seeded SPP records point at NetSuite, and how exported NetSuite records point back.

* Every SPP record imported from NetSuite carries the NetSuite internalId in its "NetSuite ID"
  custom field and in ``externalid`` (what the earlier import wrote).
* Every SPP transaction exported to NetSuite carries the NetSuite internalId in its "NetSuite ID"
  field, and the NetSuite record carries ``externalId`` ``spp-<spp type, lower case>-<spp id>``.
* ``-1`` in a "NetSuite ID" field is the connector's autorecovery claim: an export started and its
  outcome is unknown.
"""

from __future__ import annotations

from emulators.spp.objects import OBJECT_TYPES

NETSUITE_RECORD_TYPES: dict[str, str] = {
    "Customer": "customer",
    "User": "employee",
    "Project": "job",
    "Projecttask": "projectTask",
    "Task": "timeBill",
    "Envelope": "expenseReport",
    "Invoice": "invoice",
    "Category": "serviceSaleItem",
    "Item": "expenseCategory",
    "Costcenter": "customRecord",
    "Ratecard": "customRecord",
}
"""SPP object type -> the NetSuite record type its "NetSuite ID" field points at."""

NETSUITE_ID_FIELDS: dict[str, str] = {
    spp_type: field
    for spp_type in NETSUITE_RECORD_TYPES
    if (field := OBJECT_TYPES[spp_type].netsuite_id_field) is not None
}
"""SPP object type -> its "NetSuite ID" custom field (the SPP service's own table decides the names)."""

EXPORT_CLAIMED = "-1"
"""Autorecovery sentinel in a "NetSuite ID" field: export claimed, outcome unknown."""

EXPORT_FLAG = "custentity_oa_export_to_openair"
"""NetSuite checkbox "Export to SuiteProjects Pro" on customers, projects and employees."""

COST_CENTER_RECORD_TYPE = {"internalId": "1", "name": "SuiteProjects Pro: Cost Center"}
RATE_CARD_RECORD_TYPE = {"internalId": "2", "name": "SuiteProjects Pro: Project Rate Card"}
"""``recType`` references of the two custom record types (custom record type ids, not record ids)."""


def spp_external_id(spp_type: str, spp_id: int | str) -> str:
    """The NetSuite ``externalId`` of a record exported from SPP object ``spp_type`` number ``spp_id``."""
    return f"spp-{spp_type.lower()}-{spp_id}"
