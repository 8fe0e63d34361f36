"""Result elements of SuiteTalk responses: status, writeResponse, readResponse, searchResult…

Namespaces follow the schema exactly: ``writeResponse``, ``baseRef`` and the ``record`` of a
``readResponse`` are platformMsgs; ``status`` and everything inside ``searchResult`` /
``getDeletedResult`` / ``getServerTimeResult`` are platformCore.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from include.emulators.netsuite.codec import record_to_xml
from include.emulators.netsuite.faults import XSI
from include.emulators.netsuite.schema import ns


@dataclass(frozen=True)
class Outcome:
    """One record's result: success (with its reference) or an error code and message."""

    ok: bool
    record_type: str | None = None
    internal_id: str | None = None
    external_id: str | None = None
    code: str | None = None
    message: str | None = None
    type_id: str | None = None  # custom records: the custom record type's internalId

    @classmethod
    def error(cls, code: str, message: str) -> Outcome:
        return cls(ok=False, code=code, message=message)


class Builder:
    """Builds the elements of one version's responses."""

    def __init__(self, version: str) -> None:
        self.version = version
        self.msgs = ns("platformMsgs", version)
        self.core = ns("platformCore", version)

    # -- shared pieces ----------------------------------------------------------------------
    def _m(self, parent: etree._Element | None, name: str) -> etree._Element:
        tag = f"{{{self.msgs}}}{name}"
        if parent is None:
            return etree.Element(tag, nsmap={None: self.msgs, "platformCore": self.core, "xsi": XSI})
        return etree.SubElement(parent, tag)

    def _c(self, parent: etree._Element, name: str, text: Any = None) -> etree._Element:
        el = etree.SubElement(parent, f"{{{self.core}}}{name}")
        if text is not None:
            el.text = str(text)
        return el

    def status(self, parent: etree._Element, ok: bool, code: str | None = None, message: str | None = None,
               detail_type: str = "ERROR") -> etree._Element:
        """``platformCore:status`` with one statusDetail when a code is given."""
        el = self._c(parent, "status")
        el.set("isSuccess", "true" if ok else "false")
        if code:
            detail = self._c(el, "statusDetail")
            detail.set("type", detail_type)
            self._c(detail, "code", code)
            self._c(detail, "message", message or "")
        return el

    def _ref(self, parent: etree._Element, tag: str, outcome: Outcome) -> None:
        ref = etree.SubElement(parent, tag)
        if outcome.record_type == "customRecord":
            ref.set(f"{{{XSI}}}type", self._qname("CustomRecordRef"))
        else:
            ref.set(f"{{{XSI}}}type", self._qname("RecordRef"))
        if outcome.internal_id is not None:
            ref.set("internalId", outcome.internal_id)
        if outcome.external_id is not None:
            ref.set("externalId", outcome.external_id)
        if outcome.record_type == "customRecord":
            if outcome.type_id:
                ref.set("typeId", outcome.type_id)
        elif outcome.record_type:
            ref.set("type", outcome.record_type)

    def _qname(self, core_type: str) -> str:
        # xsi:type values are QNames; the core prefix is declared on every response root
        return f"platformCore:{core_type}"

    # -- writes -----------------------------------------------------------------------------
    def write_response(self, parent: etree._Element, outcome: Outcome) -> etree._Element:
        el = self._m(parent, "writeResponse")
        self.status(el, outcome.ok, outcome.code, outcome.message)
        if outcome.ok or outcome.internal_id or outcome.external_id:
            self._ref(el, f"{{{self.msgs}}}baseRef", outcome)
        return el

    def write(self, operation: str, outcomes: Sequence[Outcome], *, is_list: bool) -> etree._Element:
        """``<op>Response`` with one writeResponse, or a writeResponseList for list operations."""
        root = self._m(None, f"{operation}Response")
        if is_list:
            container = self._m(root, "writeResponseList")
            self.status(container, True)
            for outcome in outcomes:
                self.write_response(container, outcome)
        else:
            self.write_response(root, outcomes[0])
        return root

    # -- reads ------------------------------------------------------------------------------
    def read(self, operation: str, results: Sequence[tuple[Outcome, dict[str, Any] | None]], *,
             is_list: bool) -> etree._Element:
        """``getResponse`` / ``getListResponse`` from (outcome, document) pairs."""
        root = self._m(None, f"{operation}Response")
        container = root
        if is_list:
            container = self._m(root, "readResponseList")
            self.status(container, True)
        for outcome, doc in results:
            el = self._m(container, "readResponse")
            self.status(el, outcome.ok, outcome.code, outcome.message)
            if doc is not None and outcome.record_type:
                el.append(record_to_xml(outcome.record_type, doc, self.version, f"{{{self.msgs}}}record"))
        return root

    # -- searches ---------------------------------------------------------------------------
    def search_result(self, operation: str, *, ok: bool = True, code: str | None = None, message: str | None = None,
                      total: int = 0, page_size: int = 0, total_pages: int = 0, page_index: int = 1,
                      search_id: str | None = None,
                      records: Iterable[tuple[str, dict[str, Any]]] = ()) -> etree._Element:
        """``searchResponse``/``searchMoreWithIdResponse`` → ``platformCore:searchResult``."""
        root = self._m(None, f"{operation}Response")
        result = self._c(root, "searchResult")
        self.status(result, ok, code, message)
        if not ok:
            return root
        self._c(result, "totalRecords", total)
        self._c(result, "pageSize", page_size)
        self._c(result, "totalPages", total_pages)
        self._c(result, "pageIndex", page_index)
        if search_id is not None:
            self._c(result, "searchId", search_id)
        record_list = self._c(result, "recordList")
        tag = f"{{{self.core}}}record"
        for record_type, doc in records:
            record_list.append(record_to_xml(record_type, doc, self.version, tag))
        return root

    def get_deleted_result(self, *, ok: bool = True, code: str | None = None, message: str | None = None,
                           total: int = 0, page_size: int = 0, total_pages: int = 0, page_index: int = 1,
                           deleted: Iterable[tuple[dt.datetime, Outcome]] = ()) -> etree._Element:
        """``getDeletedResponse`` → ``platformCore:getDeletedResult``."""
        root = self._m(None, "getDeletedResponse")
        result = self._c(root, "getDeletedResult")
        self.status(result, ok, code, message)
        if not ok:
            return root
        self._c(result, "totalRecords", total)
        self._c(result, "pageSize", page_size)
        self._c(result, "totalPages", total_pages)
        self._c(result, "pageIndex", page_index)
        record_list = self._c(result, "deletedRecordList")
        for when, outcome in deleted:
            item = self._c(record_list, "deletedRecord")
            self._c(item, "deletedDate", xsd_datetime(when))
            self._ref(item, f"{{{self.core}}}record", outcome)
        return root

    def server_time(self, now: dt.datetime) -> etree._Element:
        root = self._m(None, "getServerTimeResponse")
        result = self._c(root, "getServerTimeResult")
        self.status(result, True)
        self._c(result, "serverTime", xsd_datetime(now))
        return root


def xsd_datetime(value: dt.datetime) -> str:
    """xsd:dateTime in UTC with milliseconds and an explicit offset, as NetSuite writes them."""
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    aware = aware.astimezone(dt.UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%S.") + f"{aware.microsecond // 1000:03d}Z"
