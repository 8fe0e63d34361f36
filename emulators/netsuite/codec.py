"""XML <-> NetSuite document form (docs/CONTRACTS.md) for the SuiteTalk emulator.

Reading is as strict as zeep and the real service: every element is resolved by namespace URI
(prefixes are arbitrary on the wire, zeep invents ``ns0``…), record and line children must follow
the XSD sequence order, and an unknown, misplaced, repeated or mis-typed element raises
:class:`CodecError` naming the field. Writing emits exactly what strict zeep accepts:
``xsi:type`` on abstract declarations (``record``, ``baseRef``, ``customField``), children in
schema order, each qualified with the namespace of the schema that declares it, unprefixed
attributes, ``true``/``false`` booleans and ISO 8601 dateTimes with a timezone.

Document form reminders: dateTimes are aware UTC datetimes (naive ones are read as UTC, which
is what ``RecordStore`` hands out); references are dicts (``internalId``/``externalId``/``type``/
``name``); ``Duration`` is ``{"timeSpan": 7.5, "unit": "hour"}``; ``customFieldList`` is a dict
keyed by scriptId (or by internalId when a field has no scriptId) whose Python value type picks
the CustomFieldRef type; sublists are ``{"<line element>": [lines], "replaceAll": bool?}``;
``RecordRefList`` fields are ``{"recordRef": [refs]}``; ``nullFieldList`` is a list of names.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from emulators.netsuite.schema import (
    BOOLEAN,
    CUSTOM_FIELD_LIST,
    CUSTOM_FIELD_REF_TYPES,
    DATETIME,
    DEFAULT_VERSION,
    DOUBLE,
    DURATION,
    ENUM,
    ENUMS,
    ITEM_TYPES,
    LIST_OR_RECORD_REF,
    LONG,
    NULL_FIELD_LIST,
    RECORD_REF_LIST,
    RECORD_TYPES,
    REF,
    SEARCH_BASICS,
    SEARCH_CUSTOM_FIELD_TYPES,
    SEARCH_RECORD_TYPES,
    SEARCH_WRAPPERS,
    STRING,
    SUBLIST,
    TRANSACTION_TYPES,
    XSI_NS,
    FieldInfo,
    RecordTypeInfo,
    namespace_keys,
    ns,
    record_type_by_soap_type,
    record_types_for_search,
)

XSI_TYPE = f"{{{XSI_NS}}}type"
_REF_ATTRIBUTES = ("internalId", "externalId", "type")
_CUSTOM_RECORD_REF_ATTRIBUTES = ("internalId", "externalId", "typeId", "scriptId")
_LIST_OR_RECORD_REF_ATTRIBUTES = ("internalId", "externalId", "typeId")
_SEARCH_OPERATORS = {
    "SearchDateField": "platformCoreTyp:SearchDateFieldOperator",
    "SearchStringField": "platformCoreTyp:SearchStringFieldOperator",
    "SearchMultiSelectField": "platformCoreTyp:SearchMultiSelectFieldOperator",
    "SearchEnumMultiSelectField": "platformCoreTyp:SearchEnumMultiSelectFieldOperator",
    "SearchLongField": "platformCoreTyp:SearchLongFieldOperator",
    "SearchDoubleField": "platformCoreTyp:SearchDoubleFieldOperator",
}


class CodecError(ValueError):
    """A payload the real service would reject; ``code`` is a StatusDetailCodeType value."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


# ---------------------------------------------------------------------------------------------
# Names, namespaces and scalar formats
# ---------------------------------------------------------------------------------------------


def qn(ns_key: str, local: str, version: str) -> str:
    """Clark name ``{uri}local`` of ``local`` in namespace ``ns_key`` for ``version``."""
    return f"{{{ns(ns_key, version)}}}{local}"


def _nsmap(version: str, *keys: str) -> dict[str | None, str]:
    out: dict[str | None, str] = {"xsi": XSI_NS}
    for key in keys:
        out[key] = ns(key, version)
    return out


def _split_clark(tag: str) -> tuple[str | None, str]:
    if tag.startswith("{"):
        uri, _, local = tag[1:].partition("}")
        return uri, local
    return None, tag


def _children(el: etree._Element) -> list[etree._Element]:
    # comments and processing instructions are not content
    return [c for c in el if isinstance(c.tag, str)]


def xsi_type_of(el: etree._Element, version: str) -> tuple[str, str] | None:
    """``(ns_key, local name)`` of the element's ``xsi:type`` resolved against its in-scope
    namespaces, or None when absent. Raises CodecError for an undeclared prefix or a namespace
    outside the served schema."""
    value = el.get(XSI_TYPE)
    if value is None:
        return None
    prefix, _, local = value.strip().rpartition(":")
    uri = el.nsmap.get(prefix or None)
    if uri is None:
        raise CodecError("INVALID_RCRD_TYPE", f"xsi:type {value!r} uses an undeclared prefix")
    key = namespace_keys(version).get(uri)
    if key is None:
        raise CodecError("INVALID_RCRD_TYPE", f"xsi:type {value!r} is in an unknown namespace {uri!r}")
    return key, local


def format_datetime(value: dt.datetime | dt.date | str) -> str:
    """xsd:dateTime text with millisecond precision and a timezone (naive input = UTC)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    elif not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_datetime(text: str) -> dt.datetime:
    """Parse xsd:dateTime text into an aware UTC datetime (no offset = UTC)."""
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"not an xsd:dateTime: {text!r}") from None
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _format_bool(value: Any) -> str:
    if isinstance(value, str):
        value = _parse_bool(value)
    return "true" if value else "false"


def _parse_bool(text: str) -> bool:
    normalized = text.strip()
    if normalized in ("true", "1"):
        return True
    if normalized in ("false", "0"):
        return False
    raise ValueError(f"not an xsd:boolean: {text!r}")


def _format_double(value: Any) -> str:
    number = float(value)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "INF" if number > 0 else "-INF"
    return repr(number)


def _format_scalar(kind: str, value: Any) -> str:
    if kind == BOOLEAN:
        return _format_bool(value)
    if kind == LONG:
        return str(int(value))
    if kind == DOUBLE:
        return _format_double(value)
    if kind == DATETIME:
        return format_datetime(value)
    return str(value)


def _parse_scalar(kind: str, text: str) -> Any:
    if kind == BOOLEAN:
        return _parse_bool(text)
    if kind == LONG:
        return int(text.strip())
    if kind == DOUBLE:
        return float(text.strip())
    if kind == DATETIME:
        return parse_datetime(text)
    return text


# ---------------------------------------------------------------------------------------------
# References
# ---------------------------------------------------------------------------------------------


def ref_to_xml(
    tag: str, ref: Mapping[str, Any], version: str, *, xsi_type: str | None = None
) -> etree._Element:
    """A RecordRef-like element ``tag`` (Clark name) for ``ref``.

    ``xsi_type`` names the concrete core type when the declaration is abstract (``baseRef``,
    ``deletedRecord/record``): ``"RecordRef"`` or ``"CustomRecordRef"``; leave it None where the
    element is declared as RecordRef (record fields). ``"ListOrRecordRef"`` writes ``typeId``.
    """
    el = etree.Element(tag, nsmap=_nsmap(version, "platformCore") if xsi_type else None)
    _fill_ref(el, ref, version, xsi_type or "RecordRef")
    if xsi_type and xsi_type != "ListOrRecordRef":
        el.set(XSI_TYPE, f"platformCore:{xsi_type}")
    return el


def _fill_ref(el: etree._Element, ref: Mapping[str, Any], version: str, ref_type: str) -> None:
    names = {
        "RecordRef": _REF_ATTRIBUTES,
        "CustomRecordRef": _CUSTOM_RECORD_REF_ATTRIBUTES,
        "ListOrRecordRef": _LIST_OR_RECORD_REF_ATTRIBUTES,
    }[ref_type]
    for name in names:
        value = ref.get(name)
        if value is not None:
            el.set(name, str(value))
    if ref.get("name") is not None:
        etree.SubElement(el, qn("platformCore", "name", version)).text = str(ref["name"])


def ref_from_xml(el: etree._Element, version: str) -> dict[str, Any]:
    """Read a RecordRef / CustomRecordRef / ListOrRecordRef element into a ref dict.

    The dict holds whichever of ``internalId``, ``externalId``, ``type``, ``typeId``,
    ``scriptId`` and ``name`` are present. A ``CustomRecordRef`` without ``type`` gets
    ``type: "customRecord"`` so callers can route it like any other reference.
    """
    out: dict[str, Any] = {}
    for name in ("internalId", "externalId", "type", "typeId", "scriptId"):
        value = el.get(name)
        if value is not None:
            out[name] = value
    name_tag = qn("platformCore", "name", version)
    for child in _children(el):
        if child.tag != name_tag or "name" in out:
            raise CodecError(
                "INVALID_FLD_VALUE", f"unexpected element {_split_clark(child.tag)[1]!r} in a reference"
            )
        out["name"] = child.text or ""
    xsi = xsi_type_of(el, version)
    if xsi == ("platformCore", "CustomRecordRef"):
        out.setdefault("type", "customRecord")
    elif xsi is not None and xsi not in (
        ("platformCore", "RecordRef"),
        ("platformCore", "ListOrRecordRef"),
        ("platformCore", "CustomizationRef"),  # a RecordRef naming a customization by scriptId
    ):
        raise CodecError("INVALID_FLD_VALUE", f"unsupported reference type {xsi[1]!r}")
    return out


# ---------------------------------------------------------------------------------------------
# Records: document -> XML
# ---------------------------------------------------------------------------------------------


def record_to_xml(
    record_type: str, doc: Mapping[str, Any], version: str, tag: str, *, strict: bool = False
) -> etree._Element:
    """Serialise a document of ``record_type`` as element ``tag`` (e.g. ``{msgs}record``).

    Emits ``xsi:type="<prefix>:<SoapType>"``, the ``internalId``/``externalId`` attributes and the
    known fields in schema order. Keys that are not fields of the type are skipped (``strict``
    raises CodecError instead), so store-side bookkeeping never leaks onto the wire.
    """
    info = _record_info(record_type)
    keys = [info.ns_key, "platformCore"]
    tag_key = namespace_keys(version).get(_split_clark(tag)[0] or "")
    if tag_key and tag_key not in keys:
        keys.append(tag_key)  # a readable prefix for the element itself instead of ns0
    el = etree.Element(tag, nsmap=_nsmap(version, *keys))
    el.set(XSI_TYPE, f"{info.ns_key}:{info.soap_type}")
    for attr in ("internalId", "externalId"):
        if doc.get(attr) is not None:
            el.set(attr, str(doc[attr]))
    if strict:
        unknown = [k for k in doc if k not in ("internalId", "externalId") and info.field(k) is None]
        if unknown:
            raise CodecError("INVALID_FLD_VALUE", f"{record_type} has no field {unknown[0]!r}", unknown[0])
    _write_fields(el, info.fields, doc, info.ns_key, version)
    return el


def _record_info(record_type: str) -> RecordTypeInfo:
    try:
        return RECORD_TYPES[record_type]
    except KeyError:
        raise CodecError("INVALID_RCRD_TYPE", f"record type {record_type!r} is not supported") from None


def _write_fields(
    parent: etree._Element, fields: Iterable[FieldInfo], doc: Mapping[str, Any], module: str, version: str
) -> None:
    for f in fields:
        value = doc.get(f.name)
        if value is None:
            continue
        if f.kind == NULL_FIELD_LIST:
            names = [value] if isinstance(value, str) else list(value)
            if names:
                node = etree.SubElement(parent, qn("platformCore", "nullFieldList", version))
                for name in names:
                    etree.SubElement(node, qn("platformCore", "name", version)).text = str(name)
            continue
        node = etree.SubElement(parent, qn(module, f.name, version))
        _write_value(node, f, value, module, version)


def _write_value(node: etree._Element, f: FieldInfo, value: Any, module: str, version: str) -> None:
    if f.kind == REF:
        _fill_ref(node, value, version, "RecordRef")
    elif f.kind == LIST_OR_RECORD_REF:
        _fill_ref(node, value, version, "ListOrRecordRef")
    elif f.kind == RECORD_REF_LIST:
        refs = value.get("recordRef", []) if isinstance(value, Mapping) else value
        for ref in refs:
            _fill_ref(
                etree.SubElement(node, qn("platformCore", "recordRef", version)), ref, version, "RecordRef"
            )
    elif f.kind == DURATION:
        if not isinstance(value, Mapping):
            value = {"timeSpan": value, "unit": "hour"}
        etree.SubElement(node, qn("platformCore", "timeSpan", version)).text = _format_double(
            value["timeSpan"]
        )
        etree.SubElement(node, qn("platformCore", "unit", version)).text = str(value.get("unit") or "hour")
    elif f.kind == CUSTOM_FIELD_LIST:
        for key, field_value in value.items():
            if field_value is not None:
                node.append(_custom_field_to_xml(str(key), field_value, version))
    elif f.kind == SUBLIST:
        assert f.sublist is not None
        lines = value.get(f.sublist.line_element, []) if isinstance(value, Mapping) else value
        if isinstance(value, Mapping) and value.get("replaceAll") is not None:
            node.set("replaceAll", _format_bool(value["replaceAll"]))
        for line in lines:
            line_el = etree.SubElement(node, qn(module, f.sublist.line_element, version))
            _write_fields(line_el, f.sublist.line_fields, line, module, version)
    else:  # scalars and enums
        node.text = _format_scalar(f.kind, value)


def custom_field_type(value: Any) -> str:
    """The concrete CustomFieldRef type a document value maps to."""
    if isinstance(value, bool):
        return "BooleanCustomFieldRef"
    if isinstance(value, int):
        return "LongCustomFieldRef"
    if isinstance(value, float):
        return "DoubleCustomFieldRef"
    if isinstance(value, dt.datetime | dt.date):
        return "DateCustomFieldRef"
    if isinstance(value, Mapping):
        return "SelectCustomFieldRef"
    if isinstance(value, list | tuple):
        return "MultiSelectCustomFieldRef"
    return "StringCustomFieldRef"


def _custom_field_to_xml(key: str, value: Any, version: str) -> etree._Element:
    el = etree.Element(qn("platformCore", "customField", version), nsmap=_nsmap(version, "platformCore"))
    # a purely numeric key is the field's internalId (custom fields without a scriptId)
    el.set("internalId" if key.isdigit() else "scriptId", key)
    type_name = custom_field_type(value)
    el.set(XSI_TYPE, f"platformCore:{type_name}")
    value_tag = qn("platformCore", "value", version)
    if type_name == "SelectCustomFieldRef":
        _fill_ref(etree.SubElement(el, value_tag), value, version, "ListOrRecordRef")
    elif type_name == "MultiSelectCustomFieldRef":
        for item in value:
            _fill_ref(etree.SubElement(el, value_tag), item, version, "ListOrRecordRef")
    elif type_name == "DateCustomFieldRef":
        etree.SubElement(el, value_tag).text = format_datetime(value)
    elif type_name == "BooleanCustomFieldRef":
        etree.SubElement(el, value_tag).text = _format_bool(value)
    elif type_name == "DoubleCustomFieldRef":
        etree.SubElement(el, value_tag).text = _format_double(value)
    else:
        etree.SubElement(el, value_tag).text = str(value)
    return el


# ---------------------------------------------------------------------------------------------
# Records: XML -> document
# ---------------------------------------------------------------------------------------------


def record_from_xml(el: etree._Element, version: str) -> tuple[str, dict[str, Any]]:
    """Read a ``record`` element (any prefix) into ``(record_type, document)``.

    Raises CodecError: ``INVALID_RCRD_TYPE`` when xsi:type is missing or names a type we do not
    serve; ``INVALID_FLD_VALUE`` (with ``field`` set) for an unknown, misplaced, repeated or
    unparsable element, as the real service rejects such payloads.
    """
    xsi = xsi_type_of(el, version)
    if xsi is None:
        raise CodecError("INVALID_RCRD_TYPE", "the record has no xsi:type naming its record type")
    info = record_type_by_soap_type(*xsi)
    if info is None:
        raise CodecError("INVALID_RCRD_TYPE", f"record type {xsi[0]}:{xsi[1]} is not supported")
    doc: dict[str, Any] = {}
    for attr in ("internalId", "externalId"):
        if el.get(attr) is not None:
            doc[attr] = el.get(attr)
    doc.update(_read_fields(el, info.fields, info.ns_key, version, info.soap_type))
    return info.record_type, doc


def _field_ns_key(f: FieldInfo, module: str) -> str:
    return "platformCore" if f.kind == NULL_FIELD_LIST else module


def _read_fields(
    parent: etree._Element, fields: tuple[FieldInfo, ...], module: str, version: str, where: str
) -> dict[str, Any]:
    positions = {qn(_field_ns_key(f, module), f.name, version): i for i, f in enumerate(fields)}
    by_local = {f.name: f for f in fields}
    out: dict[str, Any] = {}
    last = -1
    for child in _children(parent):
        uri, local = _split_clark(child.tag)
        index = positions.get(child.tag)
        if index is None:
            if local in by_local:
                raise CodecError(
                    "INVALID_FLD_VALUE", f"{where}.{local} is in the wrong namespace ({uri})", local
                )
            raise CodecError("INVALID_FLD_VALUE", f"{where} has no field {local!r}", local)
        if index <= last:
            problem = "is repeated" if index == last else "is out of schema order"
            raise CodecError("INVALID_FLD_VALUE", f"{where}.{local} {problem}", local)
        last = index
        f = fields[index]
        try:
            out[f.name] = _read_value(child, f, module, version, where)
        except CodecError as exc:
            if exc.field is None:  # e.g. a malformed reference: name the record field that holds it
                raise CodecError(exc.code, f"{where}.{f.name}: {exc.message}", f.name) from None
            raise
        except (ValueError, KeyError) as exc:
            raise CodecError("INVALID_FLD_VALUE", f"Invalid {where}.{f.name} value: {exc}", f.name) from None
    return out


def _scalar_text(child: etree._Element, where: str, name: str) -> str:
    if _children(child):
        raise CodecError("INVALID_FLD_VALUE", f"{where}.{name} must be a simple value", name)
    return child.text or ""


def _read_value(child: etree._Element, f: FieldInfo, module: str, version: str, where: str) -> Any:
    if f.kind == NULL_FIELD_LIST:
        return [
            _expect(c, "platformCore", "name", version, f"{where}.nullFieldList").text or ""
            for c in _children(child)
        ]
    if f.kind in (REF, LIST_OR_RECORD_REF):
        return ref_from_xml(child, version)
    if f.kind == RECORD_REF_LIST:
        refs = [
            ref_from_xml(_expect(c, "platformCore", "recordRef", version, f"{where}.{f.name}"), version)
            for c in _children(child)
        ]
        return {"recordRef": refs}
    if f.kind == DURATION:
        return _read_duration(child, version, f"{where}.{f.name}")
    if f.kind == CUSTOM_FIELD_LIST:
        return dict(_custom_field_from_xml(c, version, where) for c in _children(child))
    if f.kind == SUBLIST:
        assert f.sublist is not None
        sub = f.sublist
        lines = [
            _read_fields(
                _expect(c, module, sub.line_element, version, f"{where}.{f.name}"),
                sub.line_fields,
                module,
                version,
                sub.line_type,
            )
            for c in _children(child)
        ]
        value: dict[str, Any] = {sub.line_element: lines}
        if child.get("replaceAll") is not None:
            value["replaceAll"] = _parse_bool(child.get("replaceAll", ""))
        return value
    text = _scalar_text(child, where, f.name)
    if f.kind == ENUM:
        assert f.enum_type is not None
        if text not in ENUMS[f.enum_type].values:
            raise CodecError("INVALID_FLD_VALUE", f"Invalid {where}.{f.name} value {text!r}", f.name)
        return text
    return _parse_scalar(f.kind, text)


def _expect(el: etree._Element, ns_key: str, local: str, version: str, where: str) -> etree._Element:
    if el.tag != qn(ns_key, local, version):
        found = _split_clark(el.tag)[1]
        raise CodecError("INVALID_FLD_VALUE", f"{where}: expected {local!r}, found {found!r}", found)
    return el


def _read_duration(el: etree._Element, version: str, where: str) -> dict[str, Any]:
    parts = _children(el)
    if len(parts) != 2:
        raise CodecError("INVALID_FLD_VALUE", f"{where} needs timeSpan and unit", where.rsplit(".", 1)[-1])
    span = _expect(parts[0], "platformCore", "timeSpan", version, where)
    unit = _expect(parts[1], "platformCore", "unit", version, where)
    if (unit.text or "") not in ENUMS["platformCoreTyp:DurationUnit"].values:
        raise CodecError(
            "INVALID_FLD_VALUE", f"{where}: unknown unit {unit.text!r}", where.rsplit(".", 1)[-1]
        )
    return {"timeSpan": float(span.text or ""), "unit": unit.text}


def _custom_field_from_xml(el: etree._Element, version: str, where: str) -> tuple[str, Any]:
    _expect(el, "platformCore", "customField", version, f"{where}.customFieldList")
    xsi = xsi_type_of(el, version)
    if xsi is None or xsi[0] != "platformCore" or xsi[1] not in CUSTOM_FIELD_REF_TYPES:
        raise CodecError(
            "INVALID_FLD_VALUE",
            f"{where}.customFieldList: customField needs a CustomFieldRef xsi:type",
            "customFieldList",
        )
    key = el.get("scriptId") or el.get("internalId")
    if not key:
        raise CodecError(
            "INVALID_FLD_VALUE",
            f"{where}.customFieldList: customField without scriptId or internalId",
            "customFieldList",
        )
    type_name = xsi[1]
    values = [_expect(v, "platformCore", "value", version, f"{where}.{key}") for v in _children(el)]
    _, _, max_occurs = CUSTOM_FIELD_REF_TYPES[type_name]
    if not values or (max_occurs == 1 and len(values) > 1):
        raise CodecError("INVALID_FLD_VALUE", f"{where}.{key}: {type_name} needs exactly one value", key)
    try:
        if type_name == "SelectCustomFieldRef":
            return key, ref_from_xml(values[0], version)
        if type_name == "MultiSelectCustomFieldRef":
            return key, [ref_from_xml(v, version) for v in values]
        text = _scalar_text(values[0], where, key)
        kind = {
            "LongCustomFieldRef": LONG,
            "DoubleCustomFieldRef": DOUBLE,
            "BooleanCustomFieldRef": BOOLEAN,
            "DateCustomFieldRef": DATETIME,
        }.get(type_name, STRING)
        return key, _parse_scalar(kind, text)
    except ValueError as exc:
        raise CodecError("INVALID_FLD_VALUE", f"Invalid {where}.{key} value: {exc}", key) from None


# ---------------------------------------------------------------------------------------------
# Status and response elements
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusDetail:
    """One ``statusDetail``: ``type`` is ERROR, WARN or INFO."""

    code: str
    message: str
    type: str = "ERROR"
    after_submit_failed: bool | None = None


DetailLike = StatusDetail | tuple[str, str] | tuple[str, str, str] | Mapping[str, Any]


def _as_detail(item: DetailLike) -> StatusDetail:
    if isinstance(item, StatusDetail):
        return item
    if isinstance(item, Mapping):
        return StatusDetail(
            str(item["code"]),
            str(item.get("message", "")),
            str(item.get("type", "ERROR")),
            item.get("afterSubmitFailed"),
        )
    return StatusDetail(*item)


def status_xml(
    ok: bool, details: Iterable[DetailLike] = (), version: str = DEFAULT_VERSION
) -> etree._Element:
    """``platformCore:status`` with ``isSuccess`` and its ``statusDetail`` children.

    ``details`` items are StatusDetail, ``(code, message[, type])`` tuples or dicts with
    ``code``/``message``/``type``. A success may carry WARN details.
    """
    el = etree.Element(qn("platformCore", "status", version), nsmap=_nsmap(version, "platformCore"))
    el.set("isSuccess", _format_bool(ok))
    for item in details:
        detail = _as_detail(item)
        node = etree.SubElement(el, qn("platformCore", "statusDetail", version), type=detail.type)
        etree.SubElement(node, qn("platformCore", "code", version)).text = detail.code
        etree.SubElement(node, qn("platformCore", "message", version)).text = detail.message
        if detail.after_submit_failed is not None:
            etree.SubElement(node, qn("platformCore", "afterSubmitFailed", version)).text = _format_bool(
                detail.after_submit_failed
            )
    return el


def base_ref_xsi_type(ref: Mapping[str, Any]) -> str:
    """``CustomRecordRef`` for custom-record references (they carry ``typeId``), else ``RecordRef``."""
    return "CustomRecordRef" if ref.get("typeId") is not None else "RecordRef"


def write_response_xml(
    ok: bool,
    ref: Mapping[str, Any] | None = None,
    details: Iterable[DetailLike] = (),
    version: str = DEFAULT_VERSION,
) -> etree._Element:
    """``platformMsgs:writeResponse``: core status, then msgs ``baseRef`` (xsi:type'd) when given."""
    el = etree.Element(
        qn("platformMsgs", "writeResponse", version), nsmap=_nsmap(version, "platformMsgs", "platformCore")
    )
    el.append(status_xml(ok, details, version))
    if ref is not None:
        el.append(
            ref_to_xml(qn("platformMsgs", "baseRef", version), ref, version, xsi_type=base_ref_xsi_type(ref))
        )
    return el


def read_response_xml(
    ok: bool,
    record: tuple[str, Mapping[str, Any]] | None = None,
    details: Iterable[DetailLike] = (),
    version: str = DEFAULT_VERSION,
) -> etree._Element:
    """``platformMsgs:readResponse``: core status, then msgs ``record`` when given."""
    el = etree.Element(
        qn("platformMsgs", "readResponse", version), nsmap=_nsmap(version, "platformMsgs", "platformCore")
    )
    el.append(status_xml(ok, details, version))
    if record is not None:
        el.append(record_to_xml(record[0], record[1], version, qn("platformMsgs", "record", version)))
    return el


def search_result_to_xml(
    records: Iterable[tuple[str, Mapping[str, Any]]],
    *,
    total_records: int,
    page_size: int,
    total_pages: int,
    page_index: int,
    search_id: str | None,
    version: str = DEFAULT_VERSION,
    ok: bool = True,
    details: Iterable[DetailLike] = (),
) -> etree._Element:
    """``platformCore:searchResult`` (status, totals, searchId, recordList of core ``record``)."""
    core = "platformCore"
    el = etree.Element(qn(core, "searchResult", version), nsmap=_nsmap(version, core))
    el.append(status_xml(ok, details, version))
    for name, value in (
        ("totalRecords", total_records),
        ("pageSize", page_size),
        ("totalPages", total_pages),
        ("pageIndex", page_index),
        ("searchId", search_id),
    ):
        if value is not None:
            etree.SubElement(el, qn(core, name, version)).text = str(value)
    if ok:
        record_list = etree.SubElement(el, qn(core, "recordList", version))
        for record_type, doc in records:
            record_list.append(record_to_xml(record_type, doc, version, qn(core, "record", version)))
    return el


# ---------------------------------------------------------------------------------------------
# Search requests
# ---------------------------------------------------------------------------------------------


@dataclass
class Criterion:
    """One SearchBasic field: ``kind`` is its platformCore type (``SearchDateField``…).

    ``values`` holds the parsed ``searchValue``s then ``searchValue2`` (datetimes, strings, ref
    dicts, bools, ints or floats); ``predefined`` a ``predefinedSearchValue``.
    """

    field: str
    kind: str
    operator: str | None
    values: list[Any] = field(default_factory=list)
    predefined: str | None = None


@dataclass
class CustomCriterion:
    """One ``customField`` of a SearchCustomFieldList (``kind`` = ``SearchStringCustomField``…)."""

    script_id: str | None
    internal_id: str | None
    kind: str
    operator: str | None
    values: list[Any] = field(default_factory=list)
    predefined: str | None = None

    @property
    def key(self) -> str:
        """How the document form keys this custom field (scriptId, else internalId)."""
        return self.script_id or self.internal_id or ""


@dataclass
class SearchQuery:
    """A parsed ``searchRecord``.

    ``record_type`` is the RecordType value when the search can only return one served type
    (``customer``, ``serviceSaleItem`` for ItemSearch…), otherwise ``"transaction"``;
    ``record_types`` always lists the concrete candidates after any ``type`` filter.
    ``transaction_types`` holds the raw TransactionType literals of a TransactionSearchBasic
    ``type`` criterion (which is consumed, not repeated in ``criteria``). ``rec_type`` is the
    custom record type reference of a CustomRecordSearchBasic.
    """

    record_type: str
    search_type: str  # xsi:type local name: "CustomerSearch" or "CustomerSearchBasic"
    basic_type: str
    criteria: list[Criterion] = field(default_factory=list)
    custom_criteria: list[CustomCriterion] = field(default_factory=list)
    transaction_types: list[str] = field(default_factory=list)
    record_types: list[str] = field(default_factory=list)
    rec_type: dict[str, Any] | None = None

    def criterion(self, name: str) -> Criterion | None:
        return next((c for c in self.criteria if c.field == name), None)


def search_from_xml(el: etree._Element, version: str) -> SearchQuery:
    """Parse a ``searchRecord`` typed ``XxxSearch`` (reads its ``basic``) or ``XxxSearchBasic``.

    Raises CodecError ``INVALID_SEARCH`` for unsupported search types and joins, and
    ``INVALID_SRCH_CRITERIA`` for unknown/misplaced fields, bad operators or values.
    """
    xsi = xsi_type_of(el, version)
    if xsi is None:
        raise CodecError("INVALID_SEARCH", "searchRecord has no xsi:type")
    key, local = xsi
    wrapper = SEARCH_WRAPPERS.get(local)
    if wrapper is not None and wrapper.ns_key == key:
        basic_type = wrapper.basic_type
        basic_el: etree._Element | None = None
        for child in _children(el):
            if child.tag != qn(wrapper.ns_key, "basic", version) or basic_el is not None:
                name = _split_clark(child.tag)[1]
                raise CodecError("INVALID_SEARCH", f"{local}.{name} is not supported by this service", name)
            basic_el = child
    elif key == "platformCommon" and local in SEARCH_BASICS:
        basic_type, basic_el = local, el
    else:
        raise CodecError("INVALID_SEARCH", f"search type {key}:{local} is not supported")

    query = SearchQuery(record_type="", search_type=local, basic_type=basic_type)
    if basic_el is not None:
        _read_search_basic(basic_el, basic_type, query, version)
    _resolve_record_types(query)
    return query


def _read_search_basic(el: etree._Element, basic_type: str, query: SearchQuery, version: str) -> None:
    basic = SEARCH_BASICS[basic_type]
    positions = {qn("platformCommon", f.name, version): i for i, f in enumerate(basic.fields)}
    last = -1
    for child in _children(el):
        local = _split_clark(child.tag)[1]
        index = positions.get(child.tag)
        if index is None:
            raise CodecError("INVALID_SRCH_CRITERIA", f"{basic_type} has no search field {local!r}", local)
        if index <= last:
            raise CodecError(
                "INVALID_SRCH_CRITERIA", f"{basic_type}.{local} is repeated or out of order", local
            )
        last = index
        spec = basic.fields[index]
        try:
            if spec.kind == "SearchCustomFieldList":
                query.custom_criteria.extend(
                    _custom_criterion(c, version, basic_type) for c in _children(child)
                )
            elif spec.kind == "RecordRef":
                query.rec_type = ref_from_xml(child, version)
                query.criteria.append(Criterion(spec.name, spec.kind, None, [query.rec_type]))
            else:
                operator, values, predefined = _search_field_content(child, spec.kind, version)
                query.criteria.append(Criterion(spec.name, spec.kind, operator, values, predefined))
        except CodecError:
            raise
        except ValueError as exc:
            raise CodecError("INVALID_SRCH_CRITERIA", f"Invalid {basic_type}.{local}: {exc}", local) from None


def _search_field_content(
    el: etree._Element, kind: str, version: str
) -> tuple[str | None, list[Any], str | None]:
    """Operator, values and predefined value of a Search*Field / Search*CustomField element."""
    operator = el.get("operator")
    operators = _SEARCH_OPERATORS.get(kind)
    if operator is not None and (operators is None or operator not in ENUMS[operators].values):
        raise ValueError(f"operator {operator!r} is not valid for {kind}")
    core = "platformCore"
    order = {"predefinedSearchValue": 0, "searchValue": 1, "searchValue2": 2}
    values: list[Any] = []
    predefined = None
    last = -1
    multi = kind in ("SearchMultiSelectField", "SearchEnumMultiSelectField")
    for child in _children(el):
        uri, local = _split_clark(child.tag)
        if (
            uri != ns(core, version)
            or local not in order
            or (local != "searchValue" and kind not in _TWO_VALUE_KINDS)
        ):
            raise ValueError(f"unexpected element {local!r}")
        position = order[local]
        if position < last or (position == last and not multi):
            raise ValueError(f"{local} is repeated or out of order")
        last = position
        if local == "predefinedSearchValue":
            if kind != "SearchDateField":
                raise ValueError("predefinedSearchValue is only valid on date fields")
            predefined = (child.text or "").strip()
        elif kind == "SearchMultiSelectField":
            values.append(ref_from_xml(child, version))
        else:
            values.append(_parse_scalar(_SEARCH_VALUE_KINDS[kind], child.text or ""))
    return operator, values, predefined


_TWO_VALUE_KINDS = ("SearchDateField", "SearchLongField", "SearchDoubleField")
_SEARCH_VALUE_KINDS = {
    "SearchDateField": DATETIME,
    "SearchStringField": STRING,
    "SearchEnumMultiSelectField": STRING,
    "SearchBooleanField": BOOLEAN,
    "SearchLongField": LONG,
    "SearchDoubleField": DOUBLE,
}


def _custom_criterion(el: etree._Element, version: str, where: str) -> CustomCriterion:
    if el.tag != qn("platformCore", "customField", version):
        raise CodecError("INVALID_SRCH_CRITERIA", f"{where}.customFieldList holds only customField elements")
    xsi = xsi_type_of(el, version)
    if xsi is None or xsi[0] != "platformCore" or xsi[1] not in SEARCH_CUSTOM_FIELD_TYPES:
        raise CodecError(
            "INVALID_SRCH_CRITERIA",
            f"{where}.customFieldList: customField needs a Search*CustomField xsi:type",
        )
    field_kind = SEARCH_CUSTOM_FIELD_TYPES[xsi[1]]
    script_id, internal_id = el.get("scriptId"), el.get("internalId")
    if not script_id and not internal_id:
        raise CodecError(
            "INVALID_SRCH_CRITERIA", f"{where}.customFieldList: customField without scriptId or internalId"
        )
    try:
        # custom multi-selects carry ListOrRecordRef values; ref_from_xml reads both shapes
        operator, values, predefined = _search_field_content(el, field_kind, version)
    except ValueError as exc:
        name = script_id or internal_id
        raise CodecError("INVALID_SRCH_CRITERIA", f"Invalid custom criterion {name}: {exc}", name) from None
    return CustomCriterion(script_id, internal_id, xsi[1], operator, values, predefined)


def _resolve_record_types(query: SearchQuery) -> None:
    candidates = record_types_for_search(query.basic_type)
    type_filter = None
    if query.basic_type in ("TransactionSearchBasic", "ItemSearchBasic"):
        type_filter = query.criterion("type")
    if type_filter is not None:
        query.criteria.remove(type_filter)
        literals = [str(v) for v in type_filter.values]
        mapping = TRANSACTION_TYPES if query.basic_type == "TransactionSearchBasic" else ITEM_TYPES
        if query.basic_type == "TransactionSearchBasic":
            query.transaction_types = literals
        named = [mapping[lit] for lit in literals if lit in mapping]
        if type_filter.operator == "noneOf":
            pool = set(candidates) | {mapping[lit] for lit in mapping}
            candidates = [r for r in RECORD_TYPES if r in pool and r not in named]
        else:
            candidates = [r for r in RECORD_TYPES if r in named]
    query.record_types = candidates
    if len(candidates) == 1:
        query.record_type = candidates[0]
    else:
        query.record_type = SEARCH_RECORD_TYPES[query.basic_type]


_DELETED_FILTER_FIELDS = (
    ("deletedDate", "SearchDateField"),
    ("type", "SearchEnumMultiSelectField"),
    ("scriptId", "SearchStringField"),
)


def deleted_filter_from_xml(el: etree._Element, version: str) -> list[Criterion]:
    """Parse a ``getDeletedFilter`` (children in the *core* namespace, unlike SearchBasic fields)
    into criteria on ``deletedDate``, ``type`` (DeletedRecordType literals) and ``scriptId``."""
    positions = {qn("platformCore", name, version): i for i, (name, _) in enumerate(_DELETED_FILTER_FIELDS)}
    criteria: list[Criterion] = []
    last = -1
    for child in _children(el):
        local = _split_clark(child.tag)[1]
        index = positions.get(child.tag)
        if index is None or index <= last:
            raise CodecError(
                "INVALID_SRCH_CRITERIA", f"GetDeletedFilter: unexpected or misplaced {local!r}", local
            )
        last = index
        name, kind = _DELETED_FILTER_FIELDS[index]
        try:
            operator, values, predefined = _search_field_content(child, kind, version)
        except ValueError as exc:
            raise CodecError(
                "INVALID_SRCH_CRITERIA", f"Invalid GetDeletedFilter.{name}: {exc}", name
            ) from None
        criteria.append(Criterion(name, kind, operator, values, predefined))
    return criteria
