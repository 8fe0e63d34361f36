"""Where each NetSuite record type lives in the SuiteTalk schema, per WSDL version.

The record types themselves (:data:`RECORD_TYPES`) are declared in :mod:`include.registry`.

Types are always looked up by namespace URI (``{urn:relationships_2023_2.lists...}Customer``), never
by the ``nsN`` prefixes zeep invents, so the same code serves 2023_2 and 2025_2.
"""

from __future__ import annotations

from include import registry

__all__ = [
    "RECORD_TYPES",
    "RecordTypeInfo",
    "UnknownRecordType",
    "binding_qname",
    "namespace",
    "qname",
    "record_type_info",
]

# short key -> (schema module, schema group); URN = urn:<module>_<v>.<group>.webservices.netsuite.com
_MODULES: dict[str, tuple[str, str]] = {
    "core": ("core", "platform"),
    "messages": ("messages", "platform"),
    "faults": ("faults", "platform"),
    "common": ("common", "platform"),
    "listRel": ("relationships", "lists"),
    "listAcct": ("accounting", "lists"),
    "listEmp": ("employees", "lists"),
    "listSupport": ("support", "lists"),
    "actSched": ("scheduling", "activities"),
    "tranSales": ("sales", "transactions"),
    "tranCust": ("customers", "transactions"),
    "tranPurch": ("purchases", "transactions"),
    "tranEmp": ("employees", "transactions"),
    "tranGeneral": ("general", "transactions"),
    "setupCustom": ("customization", "setup"),
}


def namespace(key: str, version: str) -> str:
    """The namespace URN of a schema module (``key`` as in Oracle's prefixes, e.g. ``listRel``)."""
    module, group = _MODULES[key]
    return f"urn:{module}_{version}.{group}.webservices.netsuite.com"


def binding_qname(version: str) -> str:
    """The qualified name of the SOAP binding inside the WSDL."""
    return f"{{urn:platform_{version}.webservices.netsuite.com}}NetSuiteBinding"


def qname(key: str, local: str, version: str) -> str:
    """``{namespace}local`` for zeep's ``get_type``/``get_element``."""
    return f"{{{namespace(key, version)}}}{local}"


# The NetSuite record types are declared once, in the registry (with how to search and name them);
# re-exported here for the SOAP client, the document codec and the search builder.
RECORD_TYPES = registry.RECORD_TYPES
RecordTypeInfo = registry.RecordTypeInfo
UnknownRecordType = registry.UnknownRecordType


def record_type_info(record_type: str) -> RecordTypeInfo:
    """The catalogue entry of a RecordType value; :class:`UnknownRecordType` (a ValueError) otherwise."""
    return registry.netsuite_record_type(record_type)
