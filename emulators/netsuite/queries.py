"""Evaluating basic searches (:class:`codec.SearchQuery`) against the record store.

The incremental-sync filter (``lastModifiedDate``, or ``lastModified`` for time bills and custom
records) runs in SQL on the store's ``updated_at``; every other criterion is checked in Python
on the document. Results are ordered by internalId, across all record types a transaction search
covers. String matching is case-insensitive, as in NetSuite.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Iterable
from typing import Any

from emulators.netsuite.codec import Criterion, CustomCriterion, SearchQuery
from emulators.netsuite.schema import RECORD_TYPES, RecordTypeInfo
from emulators.netsuite.storage import as_utc
from emulators.store import RecordStore, StoredRecord


class UnsupportedSearch(ValueError):
    """A criterion the emulator cannot evaluate (answered as ``INVALID_SRCH_CRITERIA``)."""


# SQL window keyword of RecordStore.scan for each date operator it can push down
_WINDOW = {
    "after": "updated_after",
    "onOrAfter": "updated_on_or_after",
    "before": "updated_before",
    "onOrBefore": "updated_on_or_before",
    "notBefore": "updated_on_or_after",
    "notAfter": "updated_on_or_before",
    "notOnOrBefore": "updated_after",
    "notOnOrAfter": "updated_before",
}


def _naive(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


# -- single-value comparisons ------------------------------------------------------------------


def _match_date(op: str | None, value: Any, wanted: list[Any]) -> bool:
    if op in ("empty", "notEmpty"):
        return (value is None) == (op == "empty")
    if value is None or not wanted:
        return False
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    value = as_utc(value)
    first = as_utc(wanted[0])
    checks: dict[str, Callable[[], bool]] = {
        "after": lambda: value > first,
        "onOrAfter": lambda: value >= first,
        "before": lambda: value < first,
        "onOrBefore": lambda: value <= first,
        "notBefore": lambda: value >= first,
        "notAfter": lambda: value <= first,
        "notOnOrBefore": lambda: value > first,
        "notOnOrAfter": lambda: value < first,
        "on": lambda: value.date() == first.date(),
        "notOn": lambda: value.date() != first.date(),
        "within": lambda: first <= value <= as_utc(wanted[-1]),
        "notWithin": lambda: not first <= value <= as_utc(wanted[-1]),
    }
    if op not in checks:
        raise UnsupportedSearch(f"date operator {op!r} is not supported")
    return checks[op]()


def _match_string(op: str | None, value: Any, wanted: list[Any]) -> bool:
    text = "" if value is None else str(value).lower()
    needle = str(wanted[0]).lower() if wanted else ""
    op = op or "contains"
    if op == "empty":
        return text == ""
    if op == "notEmpty":
        return text != ""
    checks = {
        "is": text == needle,
        "isNot": text != needle,
        "contains": needle in text,
        "doesNotContain": needle not in text,
        "startsWith": text.startswith(needle),
        "doesNotStartWith": not text.startswith(needle),
        "hasKeywords": all(word in text for word in needle.split()),
    }
    return checks[op]


def _match_number(op: str | None, value: Any, wanted: list[Any]) -> bool:
    if op in ("empty", "notEmpty"):
        return (value is None) == (op == "empty")
    if value is None or not wanted:
        return False
    x, a = float(value), float(wanted[0])
    b = float(wanted[-1])
    checks = {
        "equalTo": x == a,
        "notEqualTo": x != a,
        "greaterThan": x > a,
        "greaterThanOrEqualTo": x >= a,
        "lessThan": x < a,
        "lessThanOrEqualTo": x <= a,
        "notGreaterThan": x <= a,
        "notGreaterThanOrEqualTo": x < a,
        "notLessThan": x >= a,
        "notLessThanOrEqualTo": x > a,
        "between": a <= x <= b,
        "notBetween": not a <= x <= b,
    }
    if op not in checks:
        raise UnsupportedSearch(f"numeric operator {op!r} is not supported")
    return checks[op]


def _ref_keys(value: Any) -> set[str]:
    """internalIds (and externalIds, prefixed) a field value refers to."""
    refs: list[Any]
    if isinstance(value, dict) and "recordRef" in value:
        refs = value["recordRef"]
    elif isinstance(value, list):
        refs = value
    else:
        refs = [value]
    keys: set[str] = set()
    for ref in refs:
        if isinstance(ref, dict):
            if ref.get("internalId") is not None:
                keys.add(str(ref["internalId"]))
            if ref.get("externalId") is not None:
                keys.add(f"ext:{ref['externalId']}")
        elif ref is not None:
            keys.add(str(ref))
    return keys


def _match_any_of(op: str | None, keys: set[str], wanted: set[str]) -> bool:
    hit = bool(keys & wanted)
    return not hit if op == "noneOf" else hit


def _wanted_refs(values: list[Any]) -> set[str]:
    return _ref_keys(values)


# -- criteria -> predicates --------------------------------------------------------------------


Predicate = Callable[[StoredRecord, dict[str, Any]], bool]


def _field_value(info: RecordTypeInfo, field: str, doc: dict[str, Any]) -> Any:
    body_field = info.record_field_for_search(field)
    if body_field is None:
        raise UnsupportedSearch(f"{info.search_basic_type}.{field} is not supported by this service")
    return doc.get(body_field)


def _predicate(c: Criterion, info: RecordTypeInfo) -> Predicate:
    kind, op, values = c.kind, c.operator, c.values
    if c.predefined:
        raise UnsupportedSearch(f"predefinedSearchValue {c.predefined!r} is not supported by this service")
    if c.field == "internalId":
        wanted = {str(v.get("internalId")) for v in values if isinstance(v, dict)}
        return lambda rec, doc: _match_any_of(op, {str(rec.id)}, wanted)
    if c.field == "externalId":
        wanted = {str(v.get("externalId")) for v in values if isinstance(v, dict)}
        return lambda rec, doc: _match_any_of(op, {rec.external_id} if rec.external_id else set(), wanted)
    if c.field == "internalIdNumber":
        return lambda rec, doc: _match_number(op, rec.id, values)
    if c.field == "externalIdString":
        return lambda rec, doc: _match_string(op, rec.external_id, values)
    if kind == "RecordRef":  # CustomRecordSearchBasic.recType
        wanted = _wanted_refs(values)
        return lambda rec, doc: bool(_ref_keys(doc.get(c.field)) & wanted)
    _field_value(info, c.field, {})  # fail early on fields the record type does not have
    if kind == "SearchDateField":
        return lambda rec, doc: _match_date(op, _field_value(info, c.field, doc), values)
    if kind == "SearchStringField":
        return lambda rec, doc: _match_string(op, _field_value(info, c.field, doc), values)
    if kind in ("SearchLongField", "SearchDoubleField"):
        return lambda rec, doc: _match_number(op, _field_value(info, c.field, doc), values)
    if kind == "SearchBooleanField":
        wanted_bool = bool(values[0]) if values else True
        return lambda rec, doc: bool(_field_value(info, c.field, doc)) == wanted_bool
    if kind == "SearchMultiSelectField":
        wanted = _wanted_refs(values)
        return lambda rec, doc: _match_any_of(op, _ref_keys(_field_value(info, c.field, doc)), wanted)
    if kind == "SearchEnumMultiSelectField":
        wanted = {str(v) for v in values}
        return lambda rec, doc: _match_any_of(op, {str(_field_value(info, c.field, doc))}, wanted)
    raise UnsupportedSearch(f"search field type {kind} is not supported")


def _custom_predicate(c: CustomCriterion) -> Predicate:
    kind, op, values, key = c.kind, c.operator, c.values, c.key
    if c.predefined:
        raise UnsupportedSearch(f"predefinedSearchValue {c.predefined!r} is not supported by this service")

    def value(doc: dict[str, Any]) -> Any:
        custom = doc.get("customFieldList")
        return custom.get(key) if isinstance(custom, dict) else None

    if kind == "SearchBooleanCustomField":
        wanted_bool = bool(values[0]) if values else True
        return lambda rec, doc: bool(value(doc)) == wanted_bool  # an unset checkbox is false
    if kind == "SearchStringCustomField":
        return lambda rec, doc: _match_string(op, value(doc), values)
    if kind in ("SearchLongCustomField", "SearchDoubleCustomField"):
        return lambda rec, doc: _match_number(op, value(doc), values)
    if kind == "SearchDateCustomField":
        return lambda rec, doc: _match_date(op, value(doc), values)
    if kind == "SearchMultiSelectCustomField":
        wanted = _wanted_refs(values)
        return lambda rec, doc: _match_any_of(op, _ref_keys(value(doc)), wanted)
    if kind == "SearchEnumMultiSelectCustomField":
        wanted = {str(v) for v in values}
        return lambda rec, doc: _match_any_of(op, {str(value(doc))}, wanted)
    raise UnsupportedSearch(f"custom search field type {kind} is not supported")


def _is_modified_criterion(c: Criterion, info: RecordTypeInfo) -> bool:
    return c.kind == "SearchDateField" and c.field == info.search_modified_field


def _scan(
    store: RecordStore,
    info: RecordTypeInfo,
    query: SearchQuery,
    decode: Callable[[StoredRecord], dict[str, Any]],
) -> Iterable[tuple[int, str, StoredRecord, dict[str, Any] | None]]:
    window: dict[str, dt.datetime] = {}
    predicates: list[Predicate] = []
    for c in query.criteria:
        if _is_modified_criterion(c, info) and not c.predefined:
            if c.operator == "within" and len(c.values) >= 2:
                window["updated_on_or_after"] = _naive(c.values[0])
                window["updated_on_or_before"] = _naive(c.values[-1])
                continue
            if c.operator in _WINDOW and c.values:
                window[_WINDOW[c.operator]] = _naive(c.values[0])
                continue
            op, values = c.operator, c.values
            predicates.append(lambda rec, doc, op=op, values=values: _match_date(op, rec.updated_at, values))
            continue
        predicates.append(_predicate(c, info))
    predicates.extend(_custom_predicate(c) for c in query.custom_criteria)
    for record in store.scan(info.record_type, **window):
        if not predicates:  # decode only the records of the page that is sent
            yield record.id, info.record_type, record, None
            continue
        doc = decode(record)
        if all(p(record, doc) for p in predicates):
            yield record.id, info.record_type, record, doc


def run_query(
    store: RecordStore, query: SearchQuery, decode: Callable[[StoredRecord], dict[str, Any]]
) -> list[tuple[str, StoredRecord, dict[str, Any] | None]]:
    """Every record matching ``query``, ordered by internalId: (record type, stored, document).

    The document is None when no criterion needed it; callers decode the records they send.
    """
    streams = [_scan(store, RECORD_TYPES[rtype], query, decode) for rtype in query.record_types]
    if len(streams) == 1:
        return [(rtype, rec, doc) for _, rtype, rec, doc in streams[0]]
    return [(rtype, rec, doc) for _, rtype, rec, doc in heapq.merge(*streams, key=lambda item: item[0])]
