"""The custom record types of the seeded NetSuite account.

Two come with SuiteProjects Pro's own bundle and hold seeded records (cost centers, project rate cards;
:mod:`emulators.seeding.crossref` has their ``recType`` references); three are the OneView reporting
targets, declared with their fields and left empty for the integration to fill:

* ``customrecord_spp_project_profitability`` — project profitability by month.
* ``customrecord_spp_utilisation`` — utilisation by employee and week.
* ``customrecord_spp_backlog`` — backlog by project.

Field kinds are those of :mod:`emulators.netsuite.custom_records` (text, decimal, integer, date,
checkbox, select with the record types it may reference).
"""

from __future__ import annotations

from typing import Any

from emulators.seeding.crossref import COST_CENTER_RECORD_TYPE, RATE_CARD_RECORD_TYPE
from emulators.store import RecordStore


def _f(script_id: str, kind: str, *, required: bool = False, references: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"scriptId": script_id, "type": kind, "required": required}
    if references:
        out["references"] = [references]
    return out


SEEDED_CUSTOM_RECORD_TYPES: tuple[dict[str, Any], ...] = (
    {
        "internalId": COST_CENTER_RECORD_TYPE["internalId"],
        "scriptId": "customrecord_oa_cost_center",
        "name": COST_CENTER_RECORD_TYPE["name"],
        "fields": [],
    },
    {
        "internalId": RATE_CARD_RECORD_TYPE["internalId"],
        "scriptId": "customrecord_oa_rate_card",
        "name": RATE_CARD_RECORD_TYPE["name"],
        "fields": [],
    },
    {
        "internalId": "101",
        "scriptId": "customrecord_spp_project_profitability",
        "name": "SuiteProjects Pro: Project Profitability by Month",
        "fields": [
            _f("custrecord_spp_pp_project", "select", required=True, references="job"),
            _f("custrecord_spp_pp_period", "date", required=True),
            _f("custrecord_spp_pp_revenue", "decimal"),
            _f("custrecord_spp_pp_cost", "decimal"),
            _f("custrecord_spp_pp_margin", "decimal"),
            _f("custrecord_spp_pp_margin_pct", "decimal"),
            _f("custrecord_spp_pp_hours", "decimal"),
            _f("custrecord_spp_pp_entries", "integer"),
            _f("custrecord_spp_pp_currency", "text"),
            _f("custrecord_spp_pp_final", "checkbox"),
        ],
    },
    {
        "internalId": "102",
        "scriptId": "customrecord_spp_utilisation",
        "name": "SuiteProjects Pro: Utilisation by Employee and Week",
        "fields": [
            _f("custrecord_spp_ut_employee", "select", required=True, references="employee"),
            _f("custrecord_spp_ut_week_start", "date", required=True),
            _f("custrecord_spp_ut_week_end", "date"),
            _f("custrecord_spp_ut_billable_hours", "decimal"),
            _f("custrecord_spp_ut_nonbillable_hours", "decimal"),
            _f("custrecord_spp_ut_capacity_hours", "decimal"),
            _f("custrecord_spp_ut_utilisation_pct", "decimal"),
            _f("custrecord_spp_ut_projects", "integer"),
            _f("custrecord_spp_ut_over_allocated", "checkbox"),
        ],
    },
    {
        "internalId": "103",
        "scriptId": "customrecord_spp_backlog",
        "name": "SuiteProjects Pro: Backlog by Project",
        "fields": [
            _f("custrecord_spp_bl_project", "select", required=True, references="job"),
            _f("custrecord_spp_bl_customer", "select", references="customer"),
            _f("custrecord_spp_bl_as_of", "date", required=True),
            _f("custrecord_spp_bl_contract_value", "decimal"),
            _f("custrecord_spp_bl_billed", "decimal"),
            _f("custrecord_spp_bl_backlog", "decimal"),
            _f("custrecord_spp_bl_remaining_hours", "decimal"),
            _f("custrecord_spp_bl_open_tasks", "integer"),
            _f("custrecord_spp_bl_status", "text"),
            _f("custrecord_spp_bl_at_risk", "checkbox"),
        ],
    },
)
"""Declarations in the form ``POST /_emulator/netsuite/custom-record-types`` takes."""


def seed_custom_record_types(store: RecordStore) -> dict[str, int]:
    """Declare :data:`SEEDED_CUSTOM_RECORD_TYPES` in ``store`` (replacing same-id declarations).

    Declarations use their own rows (row id = type internalId), not the store's id counter, so the
    record ids the seed plan expects are unchanged whether this runs before or after the records."""
    from emulators.netsuite.custom_records import declare, parse_type  # the service's own rules

    for raw in SEEDED_CUSTOM_RECORD_TYPES:
        declare(store, parse_type(raw))
    return {"customRecordType": len(SEEDED_CUSTOM_RECORD_TYPES)}
