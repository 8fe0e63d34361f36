"""Custom record types of the emulated account and the checks a ``customRecord`` write goes through.

A custom record type (``customrecord_*``) is declared with its internalId, scriptId, name and custom
fields (``custrecord_*``: scriptId, kind, required, referenced record types). Declarations live in the
account's :class:`RecordStore` (rows of :data:`TYPE_RTYPE`, row id = the type's internalId), so they
survive a restart and go with ``/_emulator/reset``. They come from ``POST
/_emulator/netsuite/custom-record-types`` and from the seed (``emulators/seeding/custom_record_types``).

An account with **no** declared type accepts any ``recType`` and any custom field (how the service
behaved before types could be declared; kept for tests that invent type ids). Once one type is
declared, every custom record write, read and search is checked against the declarations:

* ``recType`` naming no declared type (by internalId, or scriptId through a ``CustomizationRef``)
  → ``INVALID_CSTM_RCRD_TYPE_KEY`` on writes, get and delete; a search → ``INVALID_CSTM_RCRD_QUERY``.
* a custom field the type does not have → ``INVALID_CSTM_FIELD_REF``.
* a value of the wrong kind (a string for a decimal field…) → ``INVALID_CSTM_FIELD_DATA_TYP``.
* a select whose record does not exist among the field's referenced types → ``INVALID_KEY_OR_REF``.
* a required field without a value (after an update's merge) → ``MISSING_REQD_FLD``.
* an upsert/update that would move a record to another type → ``USER_ERROR``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, select

from emulators.netsuite.messages import Outcome
from emulators.netsuite.validation import Reference, unresolved_references
from emulators.store import RecordStore, records

TYPE_RTYPE = "customRecordType"
"""Store rtype of the declarations (not a served record type: SOAP never reaches these rows)."""

# field kind -> accepted spellings in a declaration
FIELD_KINDS: dict[str, tuple[str, ...]] = {
    "text": ("text", "string", "freeformtext", "textarea"),
    "decimal": ("decimal", "float", "double", "currency", "percent"),
    "integer": ("integer", "long", "int"),
    "date": ("date", "datetime"),
    "checkbox": ("checkbox", "boolean", "bool"),
    "select": ("select", "list", "record", "reference"),
}
_KIND_OF = {alias: kind for kind, aliases in FIELD_KINDS.items() for alias in aliases}
_REFERENCE_TARGETS = ("job", "employee", "customer", "projectTask", "customRecord")
_WIRE_TYPE = {  # the CustomFieldRef type a field of each kind is written with
    "text": "StringCustomFieldRef",
    "decimal": "DoubleCustomFieldRef",
    "integer": "LongCustomFieldRef",
    "date": "DateCustomFieldRef",
    "checkbox": "BooleanCustomFieldRef",
    "select": "SelectCustomFieldRef",
}


@dataclass(frozen=True)
class CustomFieldDef:
    """One custom field of a custom record type."""

    script_id: str
    kind: str  # a key of FIELD_KINDS
    required: bool = False
    references: tuple[str, ...] = ()  # record types a select may point at (empty: not checked)
    label: str | None = None

    def accepts(self, value: Any) -> bool:
        """Whether a document value (as the codec decoded it) fits this field's kind."""
        if self.kind == "text":
            return isinstance(value, str)
        if self.kind == "decimal":  # a whole number sent as a LongCustomFieldRef is still a number
            return isinstance(value, int | float) and not isinstance(value, bool)
        if self.kind == "integer":
            return isinstance(value, int) and not isinstance(value, bool)
        if self.kind == "date":
            return isinstance(value, dt.datetime | dt.date)
        if self.kind == "checkbox":
            return isinstance(value, bool)
        return isinstance(value, Mapping)  # select

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"scriptId": self.script_id, "type": self.kind, "required": self.required}
        if self.references:
            out["references"] = list(self.references)
        if self.label:
            out["label"] = self.label
        return out


@dataclass(frozen=True)
class CustomRecordTypeDef:
    """A custom record type: its internalId (the ``recType``/``typeId`` value), scriptId, name, fields."""

    internal_id: str
    script_id: str
    name: str
    fields: tuple[CustomFieldDef, ...] = ()
    _by_id: dict[str, CustomFieldDef] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({f.script_id: f for f in self.fields})

    def field_def(self, script_id: str) -> CustomFieldDef | None:
        return self._by_id.get(script_id)

    @property
    def ref(self) -> dict[str, Any]:
        """The canonical ``recType`` reference stored on this type's records."""
        return {"internalId": self.internal_id, "name": self.name}

    def to_json(self) -> dict[str, Any]:
        return {
            "internalId": self.internal_id,
            "scriptId": self.script_id,
            "name": self.name,
            "fields": [f.to_json() for f in self.fields],
        }


def parse_type(raw: Any, *, default_internal_id: str | None = None) -> CustomRecordTypeDef:
    """A declaration from JSON (``{scriptId, internalId?, name, fields: [{scriptId, type, required?,
    references?}]}``); ValueError naming what is wrong."""
    if not isinstance(raw, Mapping):
        raise ValueError("a custom record type must be a JSON object")
    script_id = str(raw.get("scriptId") or "").strip().lower()
    if not script_id.startswith("customrecord"):
        raise ValueError(f"scriptId must start with 'customrecord', got {raw.get('scriptId')!r}")
    internal_id = str(raw.get("internalId") or default_internal_id or "").strip()
    if not internal_id.isdigit() or int(internal_id) < 1:
        raise ValueError(f"{script_id}: internalId must be a positive integer, got {raw.get('internalId')!r}")
    name = str(raw.get("name") or script_id)
    fields_raw = raw.get("fields") or []
    if not isinstance(fields_raw, list):
        raise ValueError(f"{script_id}: fields must be a list")
    fields: list[CustomFieldDef] = []
    seen: set[str] = set()
    for i, f in enumerate(fields_raw):
        if not isinstance(f, Mapping):
            raise ValueError(f"{script_id}.fields[{i}] must be an object")
        fid = str(f.get("scriptId") or "").strip().lower()
        if not fid.startswith("custrecord") or fid in seen:
            raise ValueError(f"{script_id}.fields[{i}]: scriptId must be a unique 'custrecord…' id")
        seen.add(fid)
        kind = _KIND_OF.get(str(f.get("type") or "").strip().lower())
        if kind is None:
            raise ValueError(
                f"{script_id}.{fid}: unknown type {f.get('type')!r} (one of {', '.join(sorted(_KIND_OF))})"
            )
        refs_raw = f.get("references") or ()
        refs = (refs_raw,) if isinstance(refs_raw, str) else tuple(str(r) for r in refs_raw)
        unknown = [r for r in refs if r not in _REFERENCE_TARGETS]
        if unknown or (refs and kind != "select"):
            raise ValueError(f"{script_id}.{fid}: references must be record types of a select field")
        fields.append(CustomFieldDef(fid, kind, bool(f.get("required", False)), refs, f.get("label")))
    return CustomRecordTypeDef(internal_id, script_id, name, tuple(fields))


def _type_from_row(record_id: int, data: Mapping[str, Any]) -> CustomRecordTypeDef:
    return parse_type({**data, "internalId": str(record_id)})


class CustomRecordCatalog:
    """The declared custom record types of one account (read from the store on demand)."""

    def __init__(self, types: Iterable[CustomRecordTypeDef]) -> None:
        self.types = list(types)
        self._by_id = {t.internal_id: t for t in self.types}
        self._by_script = {t.script_id: t for t in self.types}

    @classmethod
    def load(cls, store: RecordStore) -> CustomRecordCatalog:
        with store.engine.connect() as conn:
            rows = conn.execute(
                select(records.c.id, records.c.data)
                .where(records.c.rtype == TYPE_RTYPE, records.c.deleted_at.is_(None))
                .order_by(records.c.id)
            ).all()
        return cls(_type_from_row(int(r.id), r.data) for r in rows)

    @property
    def enforced(self) -> bool:
        """False for an account with no declared type: then anything goes (see the module doc)."""
        return bool(self.types)

    def resolve(self, ref: Any) -> CustomRecordTypeDef | None:
        """The type a ``recType`` reference / ``typeId`` names (by internalId or scriptId)."""
        if isinstance(ref, str):
            return self._by_id.get(ref) or self._by_script.get(ref.lower())
        if not isinstance(ref, Mapping):
            return None
        if ref.get("internalId"):
            return self._by_id.get(str(ref["internalId"]))
        if ref.get("scriptId"):
            return self._by_script.get(str(ref["scriptId"]).lower())
        return None


def declare(store: RecordStore, typedef: CustomRecordTypeDef) -> CustomRecordTypeDef:
    """Create or replace a declaration (same internalId replaces; a scriptId owned by another internalId
    is a ValueError)."""
    catalog = CustomRecordCatalog.load(store)
    owner = catalog.resolve({"scriptId": typedef.script_id})
    if owner is not None and owner.internal_id != typedef.internal_id:
        raise ValueError(f"scriptId {typedef.script_id} is already custom record type {owner.internal_id}")
    data = {k: v for k, v in typedef.to_json().items() if k != "internalId"}
    now = store.tick()
    with store.engine.begin() as conn:
        conn.execute(
            delete(records).where(records.c.rtype == TYPE_RTYPE, records.c.id == int(typedef.internal_id))
        )
        conn.execute(
            insert(records).values(
                rtype=TYPE_RTYPE,
                id=int(typedef.internal_id),
                external_id=typedef.script_id,
                data=data,
                created_at=now,
                updated_at=now,
                deleted_at=None,
            )
        )
    return typedef


def next_internal_id(store: RecordStore) -> str:
    """A free custom record type internalId (after the highest declared, from 100)."""
    ids = [int(t.internal_id) for t in CustomRecordCatalog.load(store).types]
    return str(max([99, *ids]) + 1)


# -- checks of one write ---------------------------------------------------------------------


def _error(code: str, message: str) -> Outcome:
    return Outcome.error(code, message, record_type="customRecord")


def check_write(
    catalog: CustomRecordCatalog,
    doc: Mapping[str, Any],
    merged: dict[str, Any],
    existing_type_id: str | None,
) -> tuple[CustomRecordTypeDef | None, Outcome | None]:
    """(the record's type, the error it fails with or None). ``doc`` is what was sent, ``merged`` what
    would be stored (its ``recType`` is made canonical when the type resolves)."""
    if not catalog.enforced:
        return None, None
    sent = doc.get("recType")
    typedef = catalog.resolve(merged.get("recType"))
    if typedef is None:
        key = _ref_label(sent if sent is not None else merged.get("recType"))
        return None, _error("INVALID_CSTM_RCRD_TYPE_KEY", f"Invalid custom record type key {key}.")
    if existing_type_id is not None and existing_type_id != typedef.internal_id:
        return typedef, _error(
            "USER_ERROR",
            f"This record is of custom record type {existing_type_id}; it cannot become {typedef.script_id}.",
        )
    merged["recType"] = typedef.ref
    sent_fields = _custom_fields(doc)
    for script_id, value in sent_fields.items():
        fdef = typedef.field_def(str(script_id))
        if fdef is None:
            return typedef, _error(
                "INVALID_CSTM_FIELD_REF",
                f"The specified custom field reference {script_id} is invalid for {typedef.script_id}.",
            )
        if value is not None and not fdef.accepts(value):
            return typedef, _error(
                "INVALID_CSTM_FIELD_DATA_TYP",
                f"Invalid custom field data type for {script_id}: expected {_WIRE_TYPE[fdef.kind]}"
                f" ({fdef.kind}), got {type(value).__name__}.",
            )
    stored = _custom_fields(merged)
    missing = [f.script_id for f in typedef.fields if f.required and _blank(stored.get(f.script_id))]
    if missing:
        return typedef, _error("MISSING_REQD_FLD", f"Please enter value(s) for: {', '.join(missing)}")
    return typedef, None


def _custom_fields(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    value = doc.get("customFieldList")
    return value if isinstance(value, Mapping) else {}


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == {}


def _ref_label(ref: Any) -> str:
    if isinstance(ref, Mapping):
        return str(ref.get("internalId") or ref.get("scriptId") or "(empty)")
    return "(empty)" if ref is None else str(ref)


def select_references(
    typedef: CustomRecordTypeDef, doc: Mapping[str, Any]
) -> list[tuple[str, dict[str, Any], tuple[str, ...]]]:
    """(field, reference, target record types) of the checked select fields a write sends."""
    out = []
    for script_id, value in _custom_fields(doc).items():
        fdef = typedef.field_def(str(script_id))
        if fdef is not None and fdef.references and isinstance(value, Mapping):
            out.append((fdef.script_id, dict(value), fdef.references))
    return out


def dangling_selects(store: RecordStore, pending: list[Reference]) -> dict[int, Outcome]:
    """``INVALID_KEY_OR_REF`` for records whose select fields point at nothing of the allowed types.

    ``pending`` holds (record index, field, reference, target types); a reference names its record by
    internalId or externalId."""
    targets_of = {(index, field): targets for index, field, _, targets in pending}
    return {
        index: _error(
            "INVALID_KEY_OR_REF",
            f"Invalid {field} reference key {key} (expected a {' or '.join(targets_of[(index, field)])}).",
        )
        for index, (field, key) in unresolved_references(store, pending).items()
    }
