"""How NetSuite documents sit in the shared :class:`RecordStore`.

The store keeps ``internalId`` as the row id and ``externalId`` in its own column, so neither is
repeated in the JSON document. JSON has no dateTime, and a custom field's value type decides its
``CustomFieldRef`` type on the wire, so aware datetimes are stored as ``{"$dateTime": iso}`` and
turned back into datetimes on the way out. ``lastModifiedDate``/``lastModified`` are never stored:
they are the row's ``updated_at`` (stamped by the store on every write), so search windows and
the values clients see cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from emulators.store import StoredRecord

_DT_KEY = "$dateTime"


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return {_DT_KEY: aware.astimezone(dt.UTC).isoformat()}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and _DT_KEY in value:
            return dt.datetime.fromisoformat(value[_DT_KEY])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def to_stored(doc: dict[str, Any], modified_field: str | None) -> dict[str, Any]:
    """The JSON document to store for ``doc`` (ids and the server-owned timestamp removed)."""
    data = {k: v for k, v in doc.items() if k not in ("internalId", "externalId", "nullFieldList")}
    if modified_field:
        data.pop(modified_field, None)
    return _encode(data)


def as_utc(value: dt.datetime) -> dt.datetime:
    """The store's naive-UTC timestamps as aware UTC datetimes."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def from_stored(record: StoredRecord, modified_field: str | None) -> dict[str, Any]:
    """The NetSuite document form of a stored record (see docs/CONTRACTS.md)."""
    doc: dict[str, Any] = {"internalId": str(record.id)}
    if record.external_id is not None:
        doc["externalId"] = record.external_id
    doc.update(_decode(record.data))
    if modified_field:
        doc[modified_field] = as_utc(record.updated_at)
    return doc


def merge_update(current: dict[str, Any], changes: dict[str, Any], null_fields: list[str]) -> dict[str, Any]:
    """An update's result: sent fields replace, ``nullFieldList`` names clear, others stay.

    Custom fields merge by scriptId, as NetSuite only touches the custom fields a request sends.
    A null field name may be a body field or a custom field scriptId.
    """
    merged = dict(current)
    for key, value in changes.items():
        if key in ("internalId", "externalId", "nullFieldList"):
            continue
        if key == "customFieldList" and isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    for name in null_fields:
        merged.pop(name, None)
        custom = merged.get("customFieldList")
        if isinstance(custom, dict) and name in custom:
            merged["customFieldList"] = {k: v for k, v in custom.items() if k != name}
    return merged
