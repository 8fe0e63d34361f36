"""The SuiteTalk operations: what each request does to the record store and what it answers.

:class:`SuiteTalkService` is synchronous on purpose: the app runs it on one worker thread, so
store access is serialised and the event loop stays free to accept (and refuse) other requests.
Each public handler takes a parsed :class:`SoapRequest` and returns an :class:`OperationResult`
(the response body element plus the number of records carried, which drives simulated latency).

Per-record problems (missing record, duplicate key, bad reference, codec errors) become that
record's status; request-level problems (list too long) raise :class:`SoapFault`.

Choices where NetSuite does not document the outcome:
* ``add`` with an externalId already used by a live record of the type fails ``DUP_RCRD``.
* ``upsert`` with an ``internalId`` fails ``USER_ERROR`` (records are matched on externalId only);
  without ``externalId`` it fails ``EXTERNALID_REQD``.
* ``update`` needs ``internalId`` or ``externalId``; an unknown one fails ``RCRD_DSNT_EXIST``.
* a ``delete``/``get`` reference without a served ``type`` fails ``INVALID_RCRD_TYPE``.
* searches with ``bodyFieldsOnly`` (the default) leave sublists out of the records.
* custom records are checked against the declared custom record types (``custom_records.py``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from emulators.control import FaultRule, Stats
from emulators.netsuite.codec import (
    CodecError,
    parse_datetime,
    record_from_xml,
    ref_from_xml,
    search_from_xml,
    xsi_type_of,
)
from emulators.netsuite.custom_records import (
    CustomRecordCatalog,
    check_write,
    dangling_selects,
    select_references,
)
from emulators.netsuite.envelope import SoapRequest
from emulators.netsuite.faults import bad_request
from emulators.netsuite.governance import InvalidPageSize, check_list_size, page_size
from emulators.netsuite.messages import (
    Outcome,
    get_deleted_body,
    read_body,
    search_body,
    server_time_body,
    write_body,
)
from emulators.netsuite.queries import UnsupportedSearch, run_query
from emulators.netsuite.schema import RECORD_TYPES, RecordTypeInfo, ns, record_type_by_soap_type
from emulators.netsuite.search_sessions import SearchSessions
from emulators.netsuite.storage import as_utc, from_stored, merge_update, to_stored
from emulators.netsuite.validation import dangling_references, duplicate_keys, missing_required
from emulators.store import RecordStore, StoredRecord

WRITE_OPERATIONS = ("add", "addList", "update", "updateList", "upsert", "upsertList", "delete", "deleteList")
DELETED_PAGE_SIZE = 1000


@dataclass
class OperationResult:
    """What an operation answers, and how many records it carried."""

    body: etree._Element
    records: int = 0


@dataclass
class _Planned:
    """One record of a write, resolved against the store before anything is written."""

    index: int
    record_type: str
    info: RecordTypeInfo
    doc: dict[str, Any]  # as sent
    merged: dict[str, Any]  # what will be stored
    existing: StoredRecord | None = None
    external_id: str | None = None
    alias_of: _Planned | None = None  # an earlier record of the same batch writes this record


@dataclass
class _Batch:
    """Bulk lookups of one write request, per record type."""

    by_id: dict[str, dict[int, StoredRecord]] = field(default_factory=dict)
    by_ext: dict[str, dict[str, StoredRecord]] = field(default_factory=dict)
    # records this batch already plans to write, by (type, internalId) or (type, externalId) when new
    planned: dict[tuple[str, Any], _Planned] = field(default_factory=dict)

    def remember(self, plan: _Planned) -> _Planned:
        key = plan.existing.id if plan.existing is not None else plan.external_id
        if key is not None:
            self.planned[(plan.record_type, key)] = plan
        return plan


def _children(el: etree._Element, local: str) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str) and etree.QName(c).localname == local]


def _record_error(rules: Sequence[FaultRule], record_type: str, doc: dict[str, Any]) -> Outcome | None:
    """The injected ``record_error`` a record falls under, if any."""
    for rule in rules:
        if rule.record_type and rule.record_type != record_type:
            continue
        name = rule.params.get("field")
        if name is not None:
            custom = doc.get("customFieldList") if isinstance(doc.get("customFieldList"), dict) else {}
            actual = doc[name] if name in doc else custom.get(name)
            if "value" in rule.params and actual != rule.params["value"]:
                continue
            if "value" not in rule.params and actual is None:
                continue
        code = str(rule.params.get("code", "USER_ERROR"))
        return Outcome.error(
            code, str(rule.params.get("message", "Record rejected by an injected fault rule."))
        )
    return None


# Transactions NetSuite numbers itself when the request gives no tranId ("auto-generated numbers", on by
# default). Assumption: prefix + internalId; real accounts set their own prefixes and counters.
DOCUMENT_PREFIXES = {
    "invoice": "INV",
    "creditMemo": "CM",
    "salesOrder": "SO",
    "customerPayment": "PYMT",
    "journalEntry": "JE",
    "expenseReport": "EXP",
    "purchaseOrder": "PO",
    "purchaseRequisition": "REQ",
    "opportunity": "OPP",
}


def _document_number(record_type: str) -> Callable[[int, dict[str, Any]], None] | None:
    """What fills in a new transaction's tranId from its internalId, if NetSuite numbers the type."""
    prefix = DOCUMENT_PREFIXES.get(record_type)
    if prefix is None:
        return None

    def number(internal_id: int, data: dict[str, Any]) -> None:
        if not data.get("tranId"):
            data["tranId"] = f"{prefix}{internal_id}"

    return number


def _decode(record: StoredRecord) -> dict[str, Any]:
    info = RECORD_TYPES.get(record.rtype)
    doc = from_stored(record, info.modified_field if info else None)
    if info and info.created_field and info.created_field not in doc:
        doc[info.created_field] = as_utc(record.created_at)
    return doc


def _body_fields_only(doc: dict[str, Any], info: RecordTypeInfo) -> dict[str, Any]:
    sublists = {f.name for f in info.sublists}
    return {k: v for k, v in doc.items() if k not in sublists} if sublists else doc


def _type_id(record_type: str, doc: dict[str, Any]) -> str | None:
    if record_type != "customRecord":
        return None
    rec_type = doc.get("recType")
    return (
        str(rec_type.get("internalId")) if isinstance(rec_type, dict) and rec_type.get("internalId") else None
    )


def _success(record_type: str, stored: StoredRecord) -> Outcome:
    return Outcome(
        ok=True,
        record_type=record_type,
        internal_id=str(stored.id),
        external_id=stored.external_id,
        type_id=_type_id(record_type, stored.data),
    )


class SuiteTalkService:
    """The operations of one emulated account over one record store."""

    def __init__(
        self,
        store: RecordStore,
        stats: Stats,
        sessions: SearchSessions,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.store = store
        self.stats = stats
        self.sessions = sessions
        self.deleted_page_size = DELETED_PAGE_SIZE
        self._now = clock or (lambda: dt.datetime.now(dt.UTC))
        self._handlers: dict[str, Callable[[SoapRequest, str, Sequence[FaultRule]], OperationResult]] = {
            **{op: self._write for op in WRITE_OPERATIONS},
            "get": self._get,
            "getList": self._get,
            "search": self._search,
            "searchMoreWithId": self._search_more,
            "getDeleted": self._get_deleted,
            "getServerTime": self._server_time,
        }

    @property
    def operations(self) -> tuple[str, ...]:
        return tuple(self._handlers)

    def handle(
        self, request: SoapRequest, version: str, record_errors: Sequence[FaultRule] = ()
    ) -> OperationResult:
        """Perform ``request`` (an operation this service supports) and build its response body."""
        handler = self._handlers.get(request.operation)
        if handler is None:
            raise bad_request(f"Unsupported operation: {request.operation}")
        return handler(request, version, record_errors)

    # -- what a request touches (for fault rules) ------------------------------------------------
    @staticmethod
    def record_types(request: SoapRequest, version: str) -> set[str]:
        """Record types a request names, read cheaply from xsi:type/type attributes."""
        found: set[str] = set()
        for el in request.body:
            if not isinstance(el.tag, str):
                continue
            local = etree.QName(el).localname
            try:
                if local == "record":
                    xsi = xsi_type_of(el, version)
                    info = record_type_by_soap_type(*xsi) if xsi else None
                    if info:
                        found.add(info.record_type)
                elif local == "baseRef":
                    xsi = xsi_type_of(el, version)
                    if xsi and xsi[1] == "CustomRecordRef":
                        found.add("customRecord")
                    elif el.get("type"):
                        found.add(el.get("type", ""))
                elif local == "searchRecord":
                    found.update(search_from_xml(el, version).record_types)
            except CodecError:
                continue  # the handler reports it properly
        return found

    # -- writes --------------------------------------------------------------------------------
    def _write(
        self, request: SoapRequest, version: str, record_errors: Sequence[FaultRule]
    ) -> OperationResult:
        operation = request.operation
        is_list = operation.endswith("List")
        mode = operation.removesuffix("List")
        if mode == "delete":
            elements = _children(request.body, "baseRef")
            check_list_size(operation, len(elements))
            outcomes = self._delete(elements, version)
        else:
            elements = _children(request.body, "record")
            check_list_size(operation, len(elements))
            outcomes = self._save(mode, elements, version, record_errors)
        if not is_list and len(outcomes) != 1:
            raise bad_request(f"{operation} takes exactly one {'baseRef' if mode == 'delete' else 'record'}")
        self.stats.records_written += sum(1 for o in outcomes if o.ok)
        return OperationResult(write_body(operation, outcomes, version, is_list=is_list), len(outcomes))

    def _save(
        self, mode: str, elements: list[etree._Element], version: str, record_errors: Sequence[FaultRule]
    ) -> list[Outcome]:
        outcomes: dict[int, Outcome] = {}
        parsed: list[tuple[int, str, dict[str, Any]]] = []
        for index, el in enumerate(elements):
            try:
                record_type, doc = record_from_xml(el, version)
            except CodecError as exc:
                outcomes[index] = Outcome.error(exc.code, exc.message)
                continue
            parsed.append((index, record_type, doc))

        batch = self._lookup(mode, parsed)
        catalog = (
            CustomRecordCatalog.load(self.store) if any(p[1] == "customRecord" for p in parsed) else None
        )
        selects: list[tuple[int, str, dict[str, Any], tuple[str, ...]]] = []
        plans: list[_Planned] = []
        for index, record_type, doc in parsed:
            plan = self._plan(mode, index, record_type, doc, batch)
            if isinstance(plan, Outcome):
                outcomes[index] = plan
                continue
            failure = _record_error(record_errors, record_type, doc) or missing_required(
                plan.info, plan.merged
            )
            if failure is None and catalog is not None and record_type == "customRecord":
                existing = plan.existing.data if plan.existing is not None else None
                typedef, failure = check_write(
                    catalog, doc, plan.merged, _type_id(record_type, existing) if existing else None
                )
                if failure is None and typedef is not None:
                    selects.extend((index, *ref) for ref in select_references(typedef, doc))
            if failure is not None:
                outcomes[index] = failure
                continue
            plans.append(plan)
        if selects:
            outcomes.update(dangling_selects(self.store, selects))

        for record_type, group in _group(plans).items():
            info = RECORD_TYPES[record_type]
            candidates = [(p.index, p.merged, _identity(p)) for p in group]
            outcomes.update(duplicate_keys(self.store, info, candidates))
            outcomes.update(dangling_references(self.store, record_type, [(p.index, p.doc) for p in group]))

        self._apply([p for p in plans if p.index not in outcomes and p.alias_of is None], outcomes)
        for plan in plans:
            if plan.alias_of is not None and plan.index not in outcomes:
                # a second write of the same record in one batch reports what the first one did
                outcomes[plan.index] = outcomes.get(plan.alias_of.index) or Outcome.error(
                    "USER_ERROR", "An earlier record of this request for the same record failed."
                )
        return [outcomes[i] for i in range(len(elements))]

    def _lookup(self, mode: str, parsed: list[tuple[int, str, dict[str, Any]]]) -> _Batch:
        """Fetch every existing record the batch names, one query per record type and key kind."""
        ids: dict[str, set[int]] = defaultdict(set)
        exts: dict[str, set[str]] = defaultdict(set)
        for _, record_type, doc in parsed:
            internal_id = str(doc.get("internalId") or "")
            if mode == "update" and internal_id.isdigit():
                ids[record_type].add(int(internal_id))
            elif doc.get("externalId"):
                exts[record_type].add(str(doc["externalId"]))
        batch = _Batch()
        for record_type, wanted in ids.items():
            batch.by_id[record_type] = self.store.get_many(record_type, wanted)
        for record_type, wanted_ext in exts.items():
            batch.by_ext[record_type] = self.store.get_many_by_external_id(record_type, wanted_ext)
        return batch

    def _plan(
        self, mode: str, index: int, record_type: str, doc: dict[str, Any], batch: _Batch
    ) -> _Planned | Outcome:
        info = RECORD_TYPES[record_type]
        external_id = str(doc["externalId"]) if doc.get("externalId") else None
        internal_id = str(doc.get("internalId") or "")
        nulls = list(doc.get("nullFieldList") or [])

        if mode == "add":
            if external_id and (
                external_id in batch.by_ext.get(record_type, {})
                or (record_type, external_id) in batch.planned
            ):
                return Outcome.error(
                    "DUP_RCRD", f"A {record_type} with externalId {external_id} already exists."
                )
            return batch.remember(
                _Planned(index, record_type, info, doc, merge_update({}, doc, []), external_id=external_id)
            )

        existing: StoredRecord | None
        if mode == "upsert":
            if not external_id:
                return Outcome.error("EXTERNALID_REQD", "An externalId is required to upsert a record.")
            if internal_id:
                return Outcome.error(
                    "USER_ERROR", "An upsert cannot name an internalId; records are matched on externalId."
                )
            existing = batch.by_ext.get(record_type, {}).get(external_id)
        else:  # update
            if internal_id.isdigit():
                existing = batch.by_id.get(record_type, {}).get(int(internal_id))
                key = f"internalId {internal_id}"
            elif external_id:
                existing = batch.by_ext.get(record_type, {}).get(external_id)
                key = f"externalId {external_id}"
            else:
                return Outcome.error("USER_ERROR", "An update needs the record's internalId or externalId.")
            if existing is None:
                return Outcome.error(
                    "RCRD_DSNT_EXIST",
                    f"That record does not exist. ({record_type} {key})",
                    record_type=record_type,
                    internal_id=internal_id or None,
                    external_id=external_id,
                )
            external_id = external_id or existing.external_id

        earlier = batch.planned.get((record_type, existing.id if existing else external_id))
        if earlier is not None:  # the same record twice in one list: later fields win, one write
            earlier.merged = merge_update(earlier.merged, doc, nulls)
            return _Planned(
                index, record_type, info, doc, earlier.merged, existing, external_id, alias_of=earlier
            )
        base = _decode(existing) if existing is not None else {}
        return batch.remember(
            _Planned(index, record_type, info, doc, merge_update(base, doc, nulls), existing, external_id)
        )

    def _apply(self, plans: list[_Planned], outcomes: dict[int, Outcome]) -> None:
        """Write the accepted records: one insert and one update statement per record type."""
        for record_type, group in _group([p for p in plans if p.existing is None]).items():
            modified = RECORD_TYPES[record_type].modified_field
            stored = self.store.insert_many(
                record_type,
                [(to_stored(p.merged, modified), p.external_id) for p in group],
                stamp=_document_number(record_type),
            )
            for plan, record in zip(group, stored, strict=True):
                outcomes[plan.index] = _success(record_type, record)
        for record_type, group in _group([p for p in plans if p.existing is not None]).items():
            modified = RECORD_TYPES[record_type].modified_field
            items = [
                (p.existing.id, to_stored(p.merged, modified), p.external_id) for p in group if p.existing
            ]
            replaced = self.store.replace_many(record_type, items)
            for plan in group:
                assert plan.existing is not None
                outcomes[plan.index] = _success(record_type, replaced[plan.existing.id])

    def _delete(self, elements: list[etree._Element], version: str) -> list[Outcome]:
        outcomes: list[Outcome] = []
        catalogs: list[CustomRecordCatalog] = []
        for el in elements:
            resolved = self._resolve_ref(el, version, catalogs)
            if isinstance(resolved, Outcome):
                outcomes.append(resolved)
                continue
            record_type, stored = resolved
            deleted = self.store.delete(record_type, stored.id)
            if deleted is None:  # pragma: no cover - raced with another delete
                outcomes.append(Outcome.error("RCRD_DSNT_EXIST", "That record does not exist."))
                continue
            outcomes.append(_success(record_type, deleted))
        return outcomes

    def _resolve_ref(
        self, el: etree._Element, version: str, catalogs: list[CustomRecordCatalog] | None = None
    ) -> tuple[str, StoredRecord] | Outcome:
        """The live record a ``baseRef`` names, or the error outcome to report. ``catalogs`` caches the
        custom record types for the request (loaded on the first custom record reference)."""
        try:
            ref = ref_from_xml(el, version)
        except CodecError as exc:
            return Outcome.error(exc.code, exc.message)
        record_type = ref.get("type")
        internal_id = str(ref.get("internalId") or "")
        external_id = ref.get("externalId")
        echo = {"internal_id": internal_id or None, "external_id": external_id, "type_id": ref.get("typeId")}
        if record_type not in RECORD_TYPES:
            return Outcome.error(
                "INVALID_RCRD_TYPE", f"Invalid record type: {record_type or '(none)'}", **echo
            )
        echo["record_type"] = record_type
        wanted_type = ref.get("typeId") or ref.get("scriptId")
        if record_type == "customRecord" and wanted_type:
            if catalogs is None:
                catalogs = []
            if not catalogs:
                catalogs.append(CustomRecordCatalog.load(self.store))
            if catalogs[0].enforced:
                typedef = catalogs[0].resolve(str(wanted_type))
                if typedef is None:
                    return Outcome.error(
                        "INVALID_CSTM_RCRD_TYPE_KEY", f"Invalid custom record type key {wanted_type}.", **echo
                    )
                wanted_type = typedef.internal_id
        if internal_id.isdigit():
            stored = self.store.get(record_type, int(internal_id))
        elif external_id:
            stored = self.store.get_by_external_id(record_type, str(external_id))
        else:
            return Outcome.error("USER_ERROR", "The reference needs an internalId or an externalId.", **echo)
        if stored is not None and record_type == "customRecord" and wanted_type:
            if _type_id(record_type, stored.data) != str(wanted_type):
                stored = None
        if stored is None:
            return Outcome.error("RCRD_DSNT_EXIST", "That record does not exist.", **echo)
        return record_type, stored

    # -- reads ---------------------------------------------------------------------------------
    def _get(self, request: SoapRequest, version: str, _: Sequence[FaultRule]) -> OperationResult:
        elements = _children(request.body, "baseRef")
        is_list = request.operation == "getList"
        check_list_size(request.operation, len(elements))
        if not is_list and len(elements) != 1:
            raise bad_request("get takes exactly one baseRef")
        results: list[tuple[Outcome, dict[str, Any] | None]] = []
        catalogs: list[CustomRecordCatalog] = []
        for el in elements:
            resolved = self._resolve_ref(el, version, catalogs)
            if isinstance(resolved, Outcome):
                results.append((resolved, None))
                continue
            record_type, stored = resolved
            results.append((_success(record_type, stored), _decode(stored)))
        found = sum(1 for o, _ in results if o.ok)
        self.stats.records_read += found
        return OperationResult(read_body(request.operation, results, version, is_list=is_list), len(results))

    def _search(self, request: SoapRequest, version: str, _: Sequence[FaultRule]) -> OperationResult:
        operation = request.operation
        elements = _children(request.body, "searchRecord")
        if len(elements) != 1:
            raise bad_request("search takes exactly one searchRecord")
        try:
            query = search_from_xml(elements[0], version)
            size = page_size(self._int_pref(request, "pageSize"))
        except CodecError as exc:
            return OperationResult(search_body(operation, version, error=(exc.code, exc.message)))
        except InvalidPageSize as exc:
            return OperationResult(search_body(operation, version, error=(exc.code, str(exc))))
        if query.rec_type is not None:
            catalog = CustomRecordCatalog.load(self.store)
            if catalog.enforced:
                typedef = catalog.resolve(query.rec_type)
                if typedef is None:
                    message = f"Invalid custom record object in query: recType {query.rec_type}."
                    return OperationResult(
                        search_body(operation, version, error=("INVALID_CSTM_RCRD_QUERY", message))
                    )
                query.rec_type.clear()  # the criterion holds the same dict: match on the internalId
                query.rec_type["internalId"] = typedef.internal_id
        body_only = request.header_value("searchPreferences", "bodyFieldsOnly") not in ("false", "0")
        session = self.sessions.open(query, size, body_only)
        return self._page(operation, version, session.query, size, 1, session.search_id, body_only)

    def _search_more(self, request: SoapRequest, version: str, _: Sequence[FaultRule]) -> OperationResult:
        operation = request.operation
        search_id = next((c.text or "" for c in _children(request.body, "searchId")), "").strip()
        index_text = next((c.text or "" for c in _children(request.body, "pageIndex")), "").strip()
        session = self.sessions.touch(search_id)
        if session is None:
            message = f"The search id {search_id!r} is invalid or has expired."
            return OperationResult(search_body(operation, version, error=("INVALID_JOB_ID", message)))
        if not index_text.lstrip("-").isdigit():
            return OperationResult(
                search_body(operation, version, error=("INVALID_PAGE_INDEX", "pageIndex is required."))
            )
        return self._page(
            operation,
            version,
            session.query,
            session.page_size,
            int(index_text),
            search_id,
            session.body_fields_only,
        )

    def _page(
        self, operation: str, version: str, query: Any, size: int, index: int, search_id: str, body_only: bool
    ) -> OperationResult:
        try:
            matches = run_query(self.store, query, _decode)
        except UnsupportedSearch as exc:
            return OperationResult(search_body(operation, version, error=("INVALID_SRCH_CRITERIA", str(exc))))
        total = len(matches)
        pages = math.ceil(total / size)
        if index < 1 or index > max(pages, 1):
            message = f"The page index {index} is out of range (1-{max(pages, 1)})."
            return OperationResult(search_body(operation, version, error=("INVALID_PAGE_INDEX", message)))
        page = matches[(index - 1) * size : index * size]
        records = []
        for record_type, stored, doc in page:
            full = doc if doc is not None else _decode(stored)
            records.append(
                (record_type, _body_fields_only(full, RECORD_TYPES[record_type]) if body_only else full)
            )
        self.stats.records_read += len(records)
        body = search_body(
            operation,
            version,
            records,
            total=total,
            page_size=size,
            total_pages=pages,
            page_index=index,
            search_id=search_id,
        )
        return OperationResult(body, len(records))

    @staticmethod
    def _int_pref(request: SoapRequest, name: str) -> int | None:
        text = request.header_value("searchPreferences", name)
        if text is None or text == "":
            return None
        try:
            return int(text)
        except ValueError:
            raise CodecError(
                "INVALID_SEARCH_PAGE_SIZE", f"searchPreferences.{name} is not an integer"
            ) from None

    def _get_deleted(self, request: SoapRequest, version: str, _: Sequence[FaultRule]) -> OperationResult:
        try:
            types, window, index = self._deleted_filter(request, version)
        except (ValueError, CodecError) as exc:
            code = exc.code if isinstance(exc, CodecError) else "INVALID_SRCH_CRITERIA"
            return OperationResult(get_deleted_body(version, error=(code, str(exc))))
        tombstones: list[tuple[dt.datetime, int, str, StoredRecord]] = []
        for record_type in types:
            for stored in self.store.scan(record_type, deleted=True, **window):
                assert stored.deleted_at is not None
                tombstones.append((stored.deleted_at, stored.id, record_type, stored))
        tombstones.sort(key=lambda t: (t[0], t[1]))
        size = self.deleted_page_size
        total = len(tombstones)
        pages = math.ceil(total / size)
        if index < 1 or index > max(pages, 1):
            message = f"The page index {index} is out of range (1-{max(pages, 1)})."
            return OperationResult(get_deleted_body(version, error=("INVALID_PAGE_INDEX", message)))
        page = tombstones[(index - 1) * size : index * size]
        deleted = [(as_utc(when), _success(record_type, stored)) for when, _, record_type, stored in page]
        body = get_deleted_body(
            version, deleted, total=total, page_size=size, total_pages=pages, page_index=index
        )
        return OperationResult(body, len(deleted))

    @staticmethod
    def _deleted_filter(request: SoapRequest, version: str) -> tuple[list[str], dict[str, dt.datetime], int]:
        """(record types, updated_at window, pageIndex) of a getDeleted request."""
        core = ns("platformCore", version)
        filters = _children(request.body, "getDeletedFilter")
        index_text = next((c.text or "" for c in _children(request.body, "pageIndex")), "1").strip() or "1"
        index = int(index_text)
        types = [r for r, info in RECORD_TYPES.items() if info.deletable_tracking]
        window: dict[str, dt.datetime] = {}
        if filters:
            type_el = filters[0].find(f"{{{core}}}type")
            if type_el is not None:
                wanted = [(v.text or "").strip() for v in type_el.findall(f"{{{core}}}searchValue")]
                unknown = [w for w in wanted if w not in RECORD_TYPES]
                if unknown:
                    raise ValueError(f"getDeleted does not support record type {unknown[0]!r}")
                types = [t for t in wanted if t in RECORD_TYPES]
                if type_el.get("operator") == "noneOf":
                    types = [
                        r for r, info in RECORD_TYPES.items() if info.deletable_tracking and r not in wanted
                    ]
            date_el = filters[0].find(f"{{{core}}}deletedDate")
            if date_el is not None:
                values = [
                    parse_datetime(v.text or "")
                    for v in date_el
                    if isinstance(v.tag, str) and etree.QName(v).localname in ("searchValue", "searchValue2")
                ]
                op = date_el.get("operator")
                if not values:
                    raise ValueError("deletedDate needs a searchValue")
                naive = [v.astimezone(dt.UTC).replace(tzinfo=None) for v in values]
                windows = {
                    "after": {"updated_after": naive[0]},
                    "onOrAfter": {"updated_on_or_after": naive[0]},
                    "before": {"updated_before": naive[0]},
                    "onOrBefore": {"updated_on_or_before": naive[0]},
                    "within": {"updated_on_or_after": naive[0], "updated_on_or_before": naive[-1]},
                }
                if op not in windows:
                    raise ValueError(f"deletedDate operator {op!r} is not supported by this service")
                window = windows[op]
        return types, window, index

    def _server_time(self, request: SoapRequest, version: str, _: Sequence[FaultRule]) -> OperationResult:
        return OperationResult(server_time_body(self._now(), version))


def _identity(plan: _Planned) -> Any:
    """Who a planned write is, for duplicate-key checks (see ``validation.duplicate_keys``)."""
    if plan.existing is not None:
        return plan.existing.id
    return ("externalId", plan.external_id) if plan.external_id else ("new", plan.index)


def _group(plans: list[_Planned]) -> dict[str, list[_Planned]]:
    groups: dict[str, list[_Planned]] = defaultdict(list)
    for plan in plans:
        groups[plan.record_type].append(plan)
    return groups
