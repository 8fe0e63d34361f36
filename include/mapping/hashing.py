"""Monitored-field hashes: a stable fingerprint of the fields a workflow maps, stored per record.

A source record whose hash equals the one stored at its last successful sync has no change in any mapped
(monitored) field, so the run skips it — the connector's "monitored fields", for every workflow. The hash
must not change when nothing meaningful did: key order, a RecordRef's display name, ``7.0`` vs ``7``, an
absent field vs an empty one, or a datetime's zone notation. It must change when a monitored value does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from include.mapping.paths import get_path


def _normalise(value: Any) -> Any:
    """A JSON-ready canonical form of one value."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and value != value:  # NaN from pandas means missing
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return int(value) if float(value).is_integer() else float(value)
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        if "internalId" in value:  # a RecordRef: only which record it points at matters, not its name
            return {"internalId": str(value["internalId"])}
        return {str(k): _normalise(v) for k, v in value.items() if _normalise(v) is not None}
    if isinstance(value, list | tuple):
        return [_normalise(v) for v in value]
    return str(value)


def _values(doc: Mapping[str, Any], path: str) -> Any:
    # "lines[].amount" reads one field of every line document under doc["lines"].
    head, sep, tail = path.partition("[].")
    if not sep:
        return get_path(doc, path)
    lines = get_path(doc, head) or []
    return [get_path(line, tail) if isinstance(line, Mapping) else None for line in lines]


def monitored_values(doc: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """The canonical values of ``fields`` in ``doc`` (what :func:`record_hash` hashes)."""
    return {path: _normalise(_values(doc, path)) for path in sorted(set(fields))}


def record_hash(doc: Mapping[str, Any], fields: Iterable[str]) -> str:
    """SHA-256 hex digest of the monitored ``fields`` of ``doc``; stable across key order and runs."""
    payload = json.dumps(
        monitored_values(doc, fields), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
