"""Response bodies of the SuiteTalk operations, assembled from the codec's result elements.

Namespaces follow the schema exactly: ``<op>Response``, ``writeResponse(List)``,
``readResponse(List)``, ``baseRef`` and the ``record`` of a ``readResponse`` are platformMsgs;
``status`` and everything inside ``searchResult`` / ``getDeletedResult`` /
``getServerTimeResult`` are platformCore (the codec builds those pieces).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from emulators.netsuite.codec import (
    format_datetime,
    qn,
    read_response_xml,
    ref_to_xml,
    search_result_to_xml,
    status_xml,
    write_response_xml,
)
from emulators.netsuite.schema import XSI_NS, ns


@dataclass(frozen=True)
class Outcome:
    """One record's result: success with its reference, or an error code and message."""

    ok: bool
    record_type: str | None = None
    internal_id: str | None = None
    external_id: str | None = None
    code: str | None = None
    message: str | None = None
    type_id: str | None = None  # custom records: internalId of the custom record type

    @classmethod
    def error(cls, code: str, message: str, **ref: Any) -> Outcome:
        return cls(ok=False, code=code, message=message, **ref)

    def ref(self) -> dict[str, Any] | None:
        """The ``baseRef`` of this outcome (None when the record is unknown)."""
        if self.internal_id is None and self.external_id is None:
            return None
        ref: dict[str, Any] = {"internalId": self.internal_id, "externalId": self.external_id}
        if self.record_type == "customRecord":
            ref["typeId"] = self.type_id or ""
        else:
            ref["type"] = self.record_type
        return {k: v for k, v in ref.items() if v is not None}

    def details(self) -> list[tuple[str, str]]:
        return [] if self.code is None else [(self.code, self.message or "")]


def _response_root(operation: str, version: str) -> etree._Element:
    nsmap = {None: ns("platformMsgs", version), "platformCore": ns("platformCore", version), "xsi": XSI_NS}
    return etree.Element(qn("platformMsgs", f"{operation}Response", version), nsmap=nsmap)


def write_body(operation: str, outcomes: Sequence[Outcome], version: str, *, is_list: bool) -> etree._Element:
    """``<op>Response`` with one ``writeResponse``, or a ``writeResponseList`` for list operations."""
    root = _response_root(operation, version)
    container = root
    if is_list:
        container = etree.SubElement(root, qn("platformMsgs", "writeResponseList", version))
        container.append(status_xml(True, (), version))
    for outcome in outcomes:
        container.append(write_response_xml(outcome.ok, outcome.ref(), outcome.details(), version))
    return root


def read_body(
    operation: str, results: Sequence[tuple[Outcome, dict[str, Any] | None]], version: str, *, is_list: bool
) -> etree._Element:
    """``getResponse`` / ``getListResponse`` from (outcome, document-or-None) pairs."""
    root = _response_root(operation, version)
    container = root
    if is_list:
        container = etree.SubElement(root, qn("platformMsgs", "readResponseList", version))
        container.append(status_xml(True, (), version))
    for outcome, doc in results:
        record = (outcome.record_type, doc) if doc is not None and outcome.record_type else None
        container.append(read_response_xml(outcome.ok, record, outcome.details(), version))
    return root


def search_body(
    operation: str,
    version: str,
    records: Iterable[tuple[str, dict[str, Any]]] = (),
    *,
    total: int = 0,
    page_size: int | None = None,
    total_pages: int = 0,
    page_index: int = 1,
    search_id: str | None = None,
    error: tuple[str, str] | None = None,
) -> etree._Element:
    """``searchResponse``/``searchMoreWithIdResponse`` → ``platformCore:searchResult``.

    A failed search (``error`` = code, message) carries only its status, as NetSuite's does.
    """
    root = _response_root(operation, version)
    if error is not None:
        result = search_result_to_xml(
            (),
            total_records=None,
            page_size=None,
            total_pages=None,
            page_index=None,  # type: ignore[arg-type]
            search_id=None,
            version=version,
            ok=False,
            details=[error],
        )
    else:
        result = search_result_to_xml(
            records,
            total_records=total,
            page_size=page_size,
            total_pages=total_pages,
            page_index=page_index,  # type: ignore[arg-type]
            search_id=search_id,
            version=version,
        )
    root.append(result)
    return root


def get_deleted_body(
    version: str,
    deleted: Iterable[tuple[dt.datetime, Outcome]] = (),
    *,
    total: int = 0,
    page_size: int = 0,
    total_pages: int = 0,
    page_index: int = 1,
    error: tuple[str, str] | None = None,
) -> etree._Element:
    """``getDeletedResponse`` → ``platformCore:getDeletedResult``."""
    root = _response_root("getDeleted", version)
    result = etree.SubElement(root, qn("platformCore", "getDeletedResult", version))
    result.append(status_xml(error is None, [error] if error else [], version))
    if error is not None:
        return root
    for name, value in (
        ("totalRecords", total),
        ("pageSize", page_size),
        ("totalPages", total_pages),
        ("pageIndex", page_index),
    ):
        etree.SubElement(result, qn("platformCore", name, version)).text = str(value)
    record_list = etree.SubElement(result, qn("platformCore", "deletedRecordList", version))
    for when, outcome in deleted:
        item = etree.SubElement(record_list, qn("platformCore", "deletedRecord", version))
        etree.SubElement(item, qn("platformCore", "deletedDate", version)).text = format_datetime(when)
        ref = outcome.ref() or {}
        xsi_type = "CustomRecordRef" if "typeId" in ref else "RecordRef"
        item.append(ref_to_xml(qn("platformCore", "record", version), ref, version, xsi_type=xsi_type))
    return root


def server_time_body(now: dt.datetime, version: str) -> etree._Element:
    """``getServerTimeResponse`` → ``platformCore:getServerTimeResult``."""
    root = _response_root("getServerTime", version)
    result = etree.SubElement(root, qn("platformCore", "getServerTimeResult", version))
    result.append(status_xml(True, (), version))
    etree.SubElement(result, qn("platformCore", "serverTime", version)).text = format_datetime(now)
    return root
