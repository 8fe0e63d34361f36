"""Helpers shared by the schema/WSDL/codec tests: sample documents and a zeep client on disk."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import zeep

from emulators.netsuite.schema import (
    BOOLEAN,
    CUSTOM_FIELD_LIST,
    DATETIME,
    DOUBLE,
    DURATION,
    ENUM,
    ENUMS,
    LIST_OR_RECORD_REF,
    LONG,
    NULL_FIELD_LIST,
    RECORD_REF_LIST,
    RECORD_TYPES,
    REF,
    STRING,
    SUBLIST,
    FieldInfo,
)
from emulators.netsuite.wsdl import wsdl_document, xsd_files

WHEN = dt.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC)


def sample_value(f: FieldInfo, n: int) -> Any:
    """A representative document value for a field of any kind."""
    if f.kind == STRING:
        return f"{f.name}-{n}"
    if f.kind == BOOLEAN:
        return n % 2 == 0
    if f.kind == LONG:
        return 1000 + n
    if f.kind == DOUBLE:
        return n + 0.25
    if f.kind == DATETIME:
        return WHEN + dt.timedelta(days=n)
    if f.kind == REF:
        return {"internalId": str(n), "type": "customer", "name": f"Ref {n}"}
    if f.kind == LIST_OR_RECORD_REF:
        return {"internalId": str(n), "typeId": "3"}
    if f.kind == RECORD_REF_LIST:
        return {"recordRef": [{"internalId": "1"}, {"internalId": "2", "name": "Two"}]}
    if f.kind == DURATION:
        return {"timeSpan": 7.5, "unit": "hour"}
    if f.kind == ENUM:
        assert f.enum_type
        return ENUMS[f.enum_type].values[-1]
    if f.kind == CUSTOM_FIELD_LIST:
        return {
            "custentity_text": "hello",
            "custentity_flag": True,
            "custentity_count": 42,
            "custentity_ratio": 0.5,
            "custentity_when": WHEN,
            "custentity_pick": {"internalId": "7", "typeId": "12", "name": "Seven"},
            "custentity_picks": [{"internalId": "1", "typeId": "12"}, {"internalId": "2", "typeId": "12"}],
            "555": "by internal id",
        }
    if f.kind == SUBLIST:
        assert f.sublist
        lines = [
            {lf.name: sample_value(lf, i) for i, lf in enumerate(f.sublist.line_fields)} for _ in range(2)
        ]
        return {f.sublist.line_element: lines}
    if f.kind == NULL_FIELD_LIST:
        return ["memo", "email"]
    raise AssertionError(f.kind)


def sample_document(record_type: str) -> dict[str, Any]:
    """A document with every modelled field of ``record_type`` set."""
    info = RECORD_TYPES[record_type]
    doc: dict[str, Any] = {"internalId": "42", "externalId": f"ext-{record_type}-1"}
    for n, f in enumerate(info.fields):
        doc[f.name] = sample_value(f, n)
    return doc


def write_wsdl_tree(root: Path, version: str, service_url: str) -> Path:
    """Write the WSDL and XSDs for ``version`` under ``root`` and return the WSDL path."""
    for name, text in xsd_files(version).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    wsdl = root / "netsuite.wsdl"
    wsdl.write_text(wsdl_document(version, service_url), encoding="utf-8")
    return wsdl


def local_client(root: Path, version: str) -> zeep.Client:
    """A strict zeep client built from files written by :func:`write_wsdl_tree`."""
    wsdl = write_wsdl_tree(root, version, f"http://127.0.0.1:9/services/NetSuitePort_{version}")
    return zeep.Client(str(wsdl), settings=zeep.Settings(strict=True))
