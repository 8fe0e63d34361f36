"""The custom record types of the seeded NetSuite account: those the integration's registry declares
(``include.registry.CUSTOM_RECORD_TYPES``, as a real account's administrator would have created them).

Two come with SuiteProjects Pro's own bundle and hold seeded records (cost centers, project rate cards;
:mod:`emulators.seeding.crossref` has their ``recType`` references); the others are the OneView reporting
targets, left empty for the integration to fill (project profitability by month, utilisation by employee
and week, backlog by project, and a plain report row for the synthetic report).

Field kinds are those of :mod:`emulators.netsuite.custom_records` (text, decimal, integer, date,
checkbox, select with the record types it may reference).
"""

from __future__ import annotations

from typing import Any

from emulators.store import RecordStore
from include.registry import CUSTOM_RECORD_TYPES


def _f(script_id: str, kind: str, *, required: bool = False, references: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"scriptId": script_id, "type": kind, "required": required}
    if references:
        out["references"] = [references]
    return out


SEEDED_CUSTOM_RECORD_TYPES: tuple[dict[str, Any], ...] = tuple(
    {
        "internalId": t.internal_id,
        "scriptId": t.script_id,
        "name": t.name,
        "fields": [_f(f.script_id, f.kind, required=f.required, references=f.references) for f in t.fields],
    }
    for t in CUSTOM_RECORD_TYPES.values()
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
