"""Per-record validation of writes: required fields, duplicate keys and dangling references.

Each check returns the error a record fails with (an :class:`Outcome`), or None. Checks that
need the store work on a whole batch at once, so a list operation costs one query per record
type involved, not one per record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from typing import Any

from emulators.netsuite.messages import Outcome
from emulators.netsuite.schema import RECORD_TYPES, RecordTypeInfo
from emulators.store import RecordStore

# Body references the emulator checks, with the record types the target may be. Only references
# between records the emulator actually holds are listed: subsidiaries, currencies, terms… are not
# seeded as records, so references to them are accepted as they come.
REFERENCE_TARGETS: dict[tuple[str, str], tuple[str, ...]] = {
    ("customer", "parent"): ("customer",),
    ("job", "parent"): ("customer", "job"),
    ("projectTask", "company"): ("job",),
    ("projectTask", "parent"): ("projectTask",),
    ("timeBill", "employee"): ("employee",),
    ("timeBill", "customer"): ("job", "customer"),
    ("timeBill", "caseTaskEvent"): ("projectTask",),
    ("expenseReport", "entity"): ("employee",),
    ("employee", "supervisor"): ("employee",),
}


def _present(value: Any) -> bool:
    if value is None or value == "" or value == [] or value == {}:
        return False
    return True


def missing_required(info: RecordTypeInfo, doc: dict[str, Any]) -> Outcome | None:
    """``MISSING_REQD_FLD`` unless every required group has at least one field set."""
    for group in info.required_fields:
        if not any(_present(doc.get(name)) for name in group):
            label = " or ".join(group)
            return Outcome.error("MISSING_REQD_FLD", f"Please enter value(s) for: {label}")
    return None


def duplicate_keys(
    store: RecordStore, info: RecordTypeInfo, candidates: Sequence[tuple[int, dict[str, Any], Hashable]]
) -> dict[int, Outcome]:
    """Records whose unique field (e.g. entityId) is taken by another live record or by an
    earlier record of the same batch. ``candidates`` are (index, merged doc, identity), where the
    identity is the internalId (int) of an existing record, or any other key that two entries of
    the batch share only when they write the same new record (an upsertList naming one externalId
    twice)."""
    field = info.unique_field
    if not field:
        return {}
    values = {doc[field] for _, doc, _ in candidates if isinstance(doc.get(field), str) and doc[field]}
    if not values:
        return {}
    owners: dict[str, int] = {}
    for record in store.find_by_field(info.record_type, field, values):
        owners[record.data[field]] = record.id
    errors: dict[int, Outcome] = {}
    claimed: dict[str, Hashable] = {}
    code = info.duplicate_code or "DUP_RCRD"
    for index, doc, own_id in candidates:
        value = doc.get(field)
        if not isinstance(value, str) or not value:
            continue
        owner = owners.get(value)
        if (owner is not None and owner != own_id) or (value in claimed and claimed[value] != own_id):
            errors[index] = Outcome.error(
                code, f"This {field} is already in use by another {info.record_type}: {value}"
            )
            continue
        claimed[value] = own_id
    return errors


def _refs_of(record_type: str, doc: dict[str, Any]) -> list[tuple[str, dict[str, Any], tuple[str, ...]]]:
    out = []
    for (rtype, field), targets in REFERENCE_TARGETS.items():
        if rtype == record_type and isinstance(doc.get(field), dict):
            out.append((field, doc[field], targets))
    return out


Reference = tuple[int, str, dict[str, Any], tuple[str, ...]]  # (record index, field, ref, target types)


def unresolved_references(store: RecordStore, pending: Sequence[Reference]) -> dict[int, tuple[str, str]]:
    """Record index → (field, key) of the first reference of each record that points at nothing.

    A reference names its target by internalId or externalId, among the given record types; the
    look-ups go to the store once per type and kind of key.
    """
    wanted_ids: dict[str, set[int]] = defaultdict(set)
    wanted_ext: dict[str, set[str]] = defaultdict(set)
    for _, _, ref, targets in pending:
        internal_id = str(ref.get("internalId") or "")
        for target in targets:
            if internal_id.isdigit():
                wanted_ids[target].add(int(internal_id))
            elif ref.get("externalId"):
                wanted_ext[target].add(str(ref["externalId"]))
    found_ids = {t: set(store.get_many(t, ids)) for t, ids in wanted_ids.items()}
    found_ext = {t: set(store.get_many_by_external_id(t, ext)) for t, ext in wanted_ext.items()}
    missing: dict[int, tuple[str, str]] = {}
    for index, field, ref, targets in pending:
        if index in missing:
            continue
        internal_id = str(ref.get("internalId") or "")
        if internal_id.isdigit():
            ok = any(int(internal_id) in found_ids.get(t, ()) for t in targets)
            key = internal_id
        elif ref.get("externalId"):
            ok = any(str(ref["externalId"]) in found_ext.get(t, ()) for t in targets)
            key = f"externalId {ref['externalId']}"
        else:
            ok, key = False, "(empty)"
        if not ok:
            missing[index] = (field, key)
    return missing


def dangling_references(
    store: RecordStore, record_type: str, docs: Sequence[tuple[int, dict[str, Any]]]
) -> dict[int, Outcome]:
    """``INVALID_KEY_OR_REF`` for records whose checked references point at nothing.

    A reference may name its target by internalId or externalId; its ``type`` attribute, when
    present, narrows the candidate record types.
    """
    pending: list[Reference] = []
    for index, doc in docs:
        for field, ref, targets in _refs_of(record_type, doc):
            if ref.get("type") in RECORD_TYPES:
                targets = (ref["type"],) if ref["type"] in targets else ()
            pending.append((index, field, ref, targets))
    return {
        index: Outcome.error("INVALID_KEY_OR_REF", f"Invalid {field} reference key {key} for {record_type}.")
        for index, (field, key) in unresolved_references(store, pending).items()
    }
