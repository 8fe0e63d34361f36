"""Converting between the NetSuite document form (plain dicts, see docs/CONTRACTS.md) and zeep objects.

Outbound, a document is built into the record's complexType by walking the schema: each key must
be an element or attribute of the type (a typo fails loudly, naming the field), nested dicts
become the element's own type (RecordRef, Duration, sublists and their lines, Address...), and
``customFieldList`` entries pick their CustomFieldRef subtype from the Python value. Inbound,
``zeep.helpers.serialize_object`` output is normalised: empty values dropped, custom fields keyed
by scriptId, dateTimes made timezone-aware UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

import zeep
from lxml import etree
from zeep.helpers import serialize_object
from zeep.xsd import ComplexType, CompoundValue

from include.netsuite.record_types import qname, record_type_info

_REF_KEYS = ("internalId", "externalId", "type", "typeId", "name")


class ZeepComplexType(Protocol):
    """What this package uses of a zeep ``ComplexType`` (zeep's own classes carry no annotations).

    Calling it builds a value of the type; element values are whatever the schema allows.
    """

    @property
    def qname(self) -> etree.QName | None: ...

    @property
    def elements(self) -> Sequence[tuple[str, Any]]: ...

    @property
    def attributes(self) -> Sequence[tuple[str, Any]]: ...

    def __call__(self, *args: Any, **kwargs: Any) -> CompoundValue: ...


class SchemaTypes:
    """zeep type lookup by schema module and local name for one WSDL version."""

    def __init__(self, zeep_client: zeep.Client, version: str) -> None:
        self._client = zeep_client
        self.version = version
        self._cache: dict[str, ZeepComplexType] = {}

    def get(self, module: str, name: str) -> ZeepComplexType:
        """The zeep complexType ``{urn of module}name`` (cached)."""
        key = qname(module, name, self.version)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._client.get_type(key)  # type: ignore[no-untyped-call]
        return found

    def core(self, name: str) -> ZeepComplexType:
        """A platformCore type (RecordRef, Status, TokenPassport...)."""
        return self.get("core", name)

    def messages(self, name: str) -> ZeepComplexType:
        """A platformMsgs type (SearchPreferences, Preferences...)."""
        return self.get("messages", name)

    def record(self, record_type: str) -> ZeepComplexType:
        """The complexType of a RecordType value, e.g. ``customer`` -> listRel:Customer."""
        info = record_type_info(record_type)
        return self.get(info.module, info.type_name)


def as_utc(value: dt.datetime) -> dt.datetime:
    """An aware UTC datetime (naive values are taken to be UTC already)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


class DocumentCodec:
    """Builds zeep record objects from documents and documents from zeep results."""

    def __init__(self, types: SchemaTypes) -> None:
        self.types = types

    # -- outbound ------------------------------------------------------------------------------
    def to_record(self, record_type: str, doc: Mapping[str, Any]) -> CompoundValue:
        """The zeep record object of ``record_type`` for a NetSuite document."""
        return self._complex(self.types.record(record_type), doc, record_type)

    def record_ref(
        self,
        record_type: str,
        *,
        internal_id: str | None = None,
        external_id: str | None = None,
        custom_record_type_id: str | None = None,
    ) -> CompoundValue:
        """A baseRef for get/delete: RecordRef, or CustomRecordRef for custom records.

        ``custom_record_type_id`` is the custom record type's internalId (sent as ``typeId``) or its
        scriptId (``customrecord_…``, sent as ``scriptId``)."""
        if record_type == "customRecord":
            if not custom_record_type_id:
                raise ValueError(
                    "custom records need custom_record_type_id (the custom record type's internalId"
                    " or scriptId)"
                )
            type_key = "typeId" if str(custom_record_type_id).isdigit() else "scriptId"
            return self.types.core("CustomRecordRef")(
                internalId=internal_id, externalId=external_id, **{type_key: str(custom_record_type_id)}
            )
        record_type_info(record_type)  # fail early on unknown types
        return self.types.core("RecordRef")(internalId=internal_id, externalId=external_id, type=record_type)

    def _build(self, xsd_type: Any, value: Any, path: str) -> Any:
        """The zeep value of an element of any schema type (``xsd_type``) for a document value."""
        if not isinstance(xsd_type, ComplexType):
            return _simple(value)
        return self._complex(xsd_type, value, path)

    def _complex(self, xsd_type: ZeepComplexType, value: Any, path: str) -> CompoundValue:
        """The zeep object of a complexType for a document (dict) or a bare reference id."""
        if isinstance(value, CompoundValue):
            return value  # already a zeep object
        name = xsd_type.qname.localname if xsd_type.qname is not None else "?"
        if name == "CustomFieldList" and isinstance(value, Mapping):
            return self._custom_fields(value, path)
        if name == "NullField" and not isinstance(value, Mapping):
            return xsd_type(name=list(value))
        if name == "RecordRef" and isinstance(value, Mapping) and value.get("scriptId") is not None:
            # a customization (e.g. a custom record type in recType) named by scriptId: the
            # CustomizationRef subtype carries the attribute (zeep writes its xsi:type)
            xsd_type = self.types.core("CustomizationRef")
        elements = dict(xsd_type.elements)
        attributes = dict(xsd_type.attributes)
        if not isinstance(value, Mapping):
            if "internalId" in attributes and isinstance(value, str | int):
                value = {"internalId": str(value)}  # a bare id stands for a reference
            else:
                raise ValueError(f"{path}: expected a dict for {name}, got {type(value).__name__}")
        kwargs: dict[str, Any] = {}
        for key, item in value.items():
            if item is None:
                continue
            if key in attributes:
                kwargs[key] = str(item) if key in ("internalId", "externalId", "typeId") else item
            elif key in elements:
                element = elements[key]
                if element.accepts_multiple:
                    items = item if isinstance(item, list | tuple) else [item]
                    kwargs[key] = [
                        self._build(element.type, x, f"{path}.{key}[{i}]") for i, x in enumerate(items)
                    ]
                else:
                    kwargs[key] = self._build(element.type, item, f"{path}.{key}")
            else:
                raise ValueError(f"{path}: NetSuite type {name} has no field {key!r}")
        return xsd_type(**kwargs)

    def _custom_fields(self, fields: Mapping[str, Any], path: str) -> CompoundValue:
        refs = [
            self.custom_field(script_id, value, path=f"{path}.{script_id}")
            for script_id, value in fields.items()
            if value is not None  # clearing a custom field goes through nullFieldList
        ]
        return self.types.core("CustomFieldList")(customField=refs)

    def custom_field(self, script_id: str, value: Any, *, path: str = "customFieldList") -> CompoundValue:
        """The CustomFieldRef subtype the Python value calls for."""
        core = self.types.core
        if isinstance(value, bool):  # before int: bool is an int subclass
            return core("BooleanCustomFieldRef")(scriptId=script_id, value=value)
        if isinstance(value, int):
            return core("LongCustomFieldRef")(scriptId=script_id, value=value)
        if isinstance(value, float | Decimal):
            return core("DoubleCustomFieldRef")(scriptId=script_id, value=float(value))
        if isinstance(value, dt.datetime | dt.date):
            return core("DateCustomFieldRef")(scriptId=script_id, value=_simple(value))
        if isinstance(value, Mapping):
            return core("SelectCustomFieldRef")(scriptId=script_id, value=self._list_or_record_ref(value))
        if isinstance(value, list | tuple) and all(isinstance(v, Mapping) for v in value):
            refs = [self._list_or_record_ref(v) for v in value]
            return core("MultiSelectCustomFieldRef")(scriptId=script_id, value=refs)
        if isinstance(value, str):
            return core("StringCustomFieldRef")(scriptId=script_id, value=value)
        raise ValueError(f"{path}: no NetSuite custom field type for a {type(value).__name__} value")

    def _list_or_record_ref(self, ref: Mapping[str, Any]) -> CompoundValue:
        kwargs = {k: (str(v) if k != "name" else v) for k, v in ref.items() if k in _REF_KEYS and k != "type"}
        if "typeId" not in kwargs and ref.get("type"):
            kwargs["typeId"] = str(ref["type"])
        return self.types.core("ListOrRecordRef")(**kwargs)


def _simple(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return as_utc(value)
    if isinstance(value, dt.date):
        # a calendar date without offset: NetSuite reads it in the account's time zone,
        # which keeps the day the user meant (a UTC midnight could land on the previous day)
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, Decimal):
        return float(value)
    return value


# -- inbound ----------------------------------------------------------------------------------
def to_document(obj: Any) -> dict[str, Any]:
    """A zeep record (or any compound value) in NetSuite document form."""
    if obj is None:
        return {}
    data = serialize_object(obj, target_cls=dict)  # type: ignore[no-untyped-call]  # zeep: no annotations
    out = normalise(data)
    return out if isinstance(out, dict) else {}


def normalise(value: Any) -> Any:
    """Plain-data cleanup of serialized zeep output (None/empty dropped, UTC datetimes)."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == "customFieldList":
                fields = custom_fields_to_dict(item)
                if fields:
                    out[key] = fields
                continue
            if key == "_raw_elements":  # only in lax parsing; never expected here
                continue
            item = normalise(item)
            if item is None or item == [] or item == {}:
                continue
            out[key] = item
        return out
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, dt.datetime):
        return as_utc(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def custom_fields_to_dict(custom_field_list: Any) -> dict[str, Any]:
    """``{"customField": [{scriptId, internalId, value}, ...]}`` -> ``{scriptId: value}``."""
    if not custom_field_list:
        return {}
    entries = (
        custom_field_list.get("customField") if isinstance(custom_field_list, dict) else custom_field_list
    )
    out: dict[str, Any] = {}
    for entry in entries or []:
        key = entry.get("scriptId") or entry.get("internalId")
        if key is None:
            continue
        out[key] = normalise(entry.get("value"))
    return out
