"""The two ends of a workflow: where records are read (source) and written (target).

An import reads NetSuite and writes SuiteProjects Pro; an export reads SuiteProjects Pro and
writes NetSuite. These adapters hide which client sits at which end, so the engine's
extract → transform → validate → plan → load → commit steps are the same for both directions.

Idempotency lives here:

* SPP writes (imports) create with ``Add lookup="externalid"`` where externalid is the NetSuite
  internalId, so a retried or re-run create updates the record it already made;
* NetSuite writes (exports) always go through ``upsertList`` keyed by a deterministic
  externalId (``spp-<type>-<id>``), so a write whose response was lost is simply repeated.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any, Protocol

from include import registry
from include.engine.direction import EXPORT
from include.engine.matching import normalise
from include.engine.window import SyncWindow
from include.mapping.paths import get_path
from include.registry import id_field
from include.results import WriteResult

if TYPE_CHECKING:
    from include.mapping.model import Workflow
    from include.netsuite.client import NetSuiteClient
    from include.spp.client import SppClient

log = logging.getLogger(__name__)


class Source(Protocol):
    """Where a workflow reads: the source system's clock and its records, chunk by chunk."""

    system: str

    def server_time(self) -> dt.datetime: ...

    def extract_chunks(
        self, window: SyncWindow, retry_ids: Iterable[str] = (), chunk_size: int = 1000
    ) -> Iterator[list[dict[str, Any]]]: ...


class Target(Protocol):
    """Where a workflow writes: look-ups for first-time matching, and batch writes with one
    result per record (in input order)."""

    system: str
    record_type: str

    def lookup(self, field: str, values: list[str], *, natural: bool) -> dict[str, list[str]]: ...

    def create(self, docs: list[dict[str, Any]]) -> list[WriteResult]: ...

    def update(self, docs: list[dict[str, Any]]) -> list[WriteResult]: ...

    def read(self, ids: list[str]) -> list[dict[str, Any] | None]:
        """The target records ``ids`` as stored, in order (None where none is): what pullbacks read."""
        ...

    def retire(self, docs: list[dict[str, Any]]) -> list[WriteResult]:
        """Inactivate or delete records whose source vanished (OneView report rows)."""
        ...


def source_id_of(doc: dict[str, Any], system: str) -> str:
    """The id of a source document in its own system."""
    return str(doc[id_field(system)])


def chunked(docs: Iterable[dict[str, Any]], size: int, key: str) -> Iterator[list[dict[str, Any]]]:
    """Consecutive lists of at most ``size`` documents, each ``key`` at most once over all of them.

    Reads page through a live system, so the same record can come twice (a retry id that the
    window read too, an object that moved between pages); the first sighting wins.
    """
    seen: set[str] = set()
    stream = iter(docs)
    while True:
        chunk: list[dict[str, Any]] = []
        sliced = 0
        for doc in islice(stream, size):
            sliced += 1
            ident = str(doc[key])
            if ident not in seen:
                seen.add(ident)
                chunk.append(doc)
        if not sliced:
            return
        if chunk:  # a slice of nothing but repeats is not the end of the stream
            yield chunk


# --------------------------------------------------------------------------------------------
# NetSuite
# --------------------------------------------------------------------------------------------
class NetSuiteSource:
    """Reads a NetSuite record type with the workflow's filters (imports)."""

    system = "netsuite"

    def __init__(self, client: NetSuiteClient, workflow: Workflow) -> None:
        self.client = client
        self.workflow = workflow

    def server_time(self) -> dt.datetime:
        return self.client.server_time()

    def _filters(self) -> dict[str, Any]:
        """Server-side search criteria from the mapping's equality filters (and, for custom records,
        the entity's custom record type)."""
        kwargs: dict[str, Any] = {}
        if self.workflow.source.type == "customRecord":
            type_id = registry.custom_record_type_id(self.workflow.entity)
            if type_id is None:
                raise ValueError(
                    f"{self.workflow.id}: entity {self.workflow.entity!r} names no custom record type"
                )
            kwargs["custom_record_type_id"] = type_id
        filters = self.workflow.source.equals_filters()
        if "isInactive" in filters:
            kwargs["is_inactive"] = bool(filters["isInactive"])
        custom = {k: bool(v) for k, v in filters.items() if k.startswith("cust")}
        if custom:
            kwargs["custom_booleans"] = custom
        return kwargs

    def extract_chunks(
        self, window: SyncWindow, retry_ids: Iterable[str] = (), chunk_size: int = 1000
    ) -> Iterator[list[dict[str, Any]]]:
        """The window's records (then the retried ids) in chunks, as the search pages arrive."""
        rtype = self.workflow.source.type
        filters = self._filters()
        from include.netsuite.record_types import record_type_info

        if window.mode == "records":
            criteria: dict[str, Any] = {"internal_ids": list(window.record_ids)}
        elif record_type_info(rtype).modified_field is None:
            criteria = {}  # no modification date on this type: a full scan, hashes skip the unchanged
        else:
            criteria = {"modified_after": window.since, "modified_before": window.until}
        retry = list(retry_ids)

        def stream() -> Iterator[dict[str, Any]]:
            yield from self.client.search(rtype, **criteria, **filters)
            if retry:  # the chunker drops those the window read already
                yield from self.client.search(rtype, internal_ids=retry, **filters)

        for chunk in chunked(stream(), chunk_size, "internalId"):
            # the search applied the filters it can express; the mapping has the last word
            kept = [d for d in chunk if self.workflow.source.matches(d)]
            if kept:
                yield kept


class NetSuiteTarget:
    """Writes NetSuite records by externalId upsert (exports)."""

    system = "netsuite"

    def __init__(self, client: NetSuiteClient, workflow: Workflow) -> None:
        self.client = client
        self.workflow = workflow
        self.record_type: str = workflow.target.type
        self._natural: dict[str, dict[str, list[str]]] = {}  # field -> normalised value -> ids
        # custom records are searched within their type (the entity's, e.g. the ARM transactions')
        type_id = registry.custom_record_type_id(workflow.entity)
        self._scope: dict[str, Any] = (
            {"custom_record_type_id": type_id} if type_id and self.record_type == "customRecord" else {}
        )

    def lookup(self, field: str, values: list[str], *, natural: bool) -> dict[str, list[str]]:
        """NetSuite records holding ``values`` in ``field``: ids by search, natural keys from one
        body-fields scan of the type, kept for the rest of the plan (basic search has no general
        "field is one of" criterion)."""
        if not values:
            return {}
        if not natural and field in ("internalId", "externalId"):
            by_internal = field == "internalId"
            found: dict[str, list[str]] = {}
            hits = self.client.search(
                self.record_type,
                body_fields_only=True,
                internal_ids=values if by_internal else None,
                external_ids=None if by_internal else values,
                **self._scope,
            )
            for doc in hits:
                found.setdefault(str(doc.get(field) or ""), []).append(str(doc["internalId"]))
            return found
        if field not in self._natural:
            index: dict[str, list[str]] = {}
            for doc in self.client.search(self.record_type, body_fields_only=True, **self._scope):
                value = get_path(doc, field)
                if value not in (None, ""):
                    index.setdefault(normalise(value, natural=natural), []).append(str(doc["internalId"]))
            self._natural[field] = index
        index = self._natural[field]
        return {v: index[v] for v in values if v in index}

    def create(self, docs: list[dict[str, Any]]) -> list[WriteResult]:
        return self.client.upsert_list(self.record_type, docs)

    def read(self, internal_ids: list[str]) -> list[dict[str, Any] | None]:
        """The records ``internal_ids`` as NetSuite holds them (``getList``), in order (pullbacks)."""
        return self.client.get_list(self.record_type, internal_ids=internal_ids, **self._scope)

    def update(self, docs: list[dict[str, Any]]) -> list[WriteResult]:
        """Linked records, by internalId (``updateList``: never a new record)."""
        return self.client.update_list(self.record_type, docs)

    def retire(self, docs: list[dict[str, Any]]) -> list[WriteResult]:
        raise NotImplementedError(f"{self.workflow.id}: only OneView workflows retire records")


# --------------------------------------------------------------------------------------------
# SuiteProjects Pro
# --------------------------------------------------------------------------------------------
def _spp_upper(window: SyncWindow) -> dt.datetime:
    """The ``older-than`` bound that makes the window's upper end inclusive: ``(since, until]``.

    SPP's clock and its ``updated`` stamps are whole seconds and ``older-than`` is strict, so
    ``older-than until`` would leave out whatever changed in the second the run started (a
    change made just after the previous run would wait one more run). Records of that second
    are read again by the next run's overlap, where the hashes / create-only rule skip them.
    """
    return window.until + dt.timedelta(seconds=1)


class SppSource:
    """Reads an SPP object type (exports), with sublist children such as expense lines."""

    system = "spp"

    def __init__(self, client: SppClient, workflow: Workflow) -> None:
        self.client = client
        self.workflow = workflow

    def server_time(self) -> dt.datetime:
        return self.client.server_time()

    def _equal_to(self) -> dict[str, str]:
        def as_spp(value: Any) -> str:
            return ("1" if value else "0") if isinstance(value, bool) else str(value)

        return {k: as_spp(v) for k, v in self.workflow.source.equals_filters().items()}

    def extract_chunks(
        self, window: SyncWindow, retry_ids: Iterable[str] = (), chunk_size: int = 1000
    ) -> Iterator[list[dict[str, Any]]]:
        """The window's objects in chunks as the Read pages arrive, with their children attached
        and the related-record filters applied (a time entry's Timesheet must be approved).

        An object also enters the run when a related record changed in the window: approving a
        timesheet changes the Timesheet, not its entries, and must still export them. Those
        entries are read after the window's own, by the changed records' ids.
        """
        otype = self.workflow.source.type
        equal_to = self._equal_to() or None
        relations = [(f, f.via) for f in self.workflow.source.related_filters() if f.via is not None]
        # related records by type and id: those changed in the window, then whatever chunks name
        related: dict[str, dict[str, dict[str, Any]]] = {via.type: {} for _, via in relations}
        followers: list[tuple[str, list[str]]] = []  # (key field, related ids) to read after the window
        retry = list(retry_ids)
        # An incremental run of a create-only export wants only what was never exported: the
        # pullback of the previous run moved its records' `updated`, and the ImportExport marks
        # keep them out (full windows read everything, to link records exported by others).
        fresh_only = window.mode == "incremental" and self._create_only()
        # Without the marks (another export owns them) the records' own NetSuite ID field tells the same.
        skip_exported = window.mode == "incremental" and EXPORT.skips_exported_by_id(self.workflow)
        window_read: Iterable[dict[str, Any]] = ()
        if window.mode != "records":
            # the related types' changes and the first page of the window travel in one request
            upper = _spp_upper(window)
            changed_reads = [
                {"object_type": via.type, "updated_after": window.since, "updated_before": upper}
                for _, via in relations
            ]
            *changed, window_read = self.client.read_together(
                *changed_reads,
                {"object_type": otype, "updated_after": window.since, "updated_before": upper,
                 "equal_to": equal_to, "not_exported": fresh_only},
            )  # fmt: skip
            for (flt, via), found in zip(relations, changed, strict=True):
                for rec in found:
                    related[via.type][str(rec["id"])] = rec
                matching = [i for i, rec in related[via.type].items() if flt.matches({}, {via.type: rec})]
                # without a lower bound the window reads every object already: no second pass
                if matching and window.since is not None:
                    followers.append((via.key, matching))

        def stream() -> Iterator[dict[str, Any]]:
            if window.mode == "records":
                yield from self.client.read(otype, ids=list(window.record_ids), equal_to=equal_to)
                return
            yield from window_read
            if retry:
                yield from self.client.read(otype, ids=retry, equal_to=equal_to)
            for key, values in followers:
                yield from self.client.read(otype, equal_to_any={key: values}, not_exported=fresh_only)

        source = self.workflow.source
        for chunk in chunked(stream(), chunk_size, "id"):
            for _, via in relations:
                known = related[via.type]
                wanted = sorted({str(d.get(via.key)) for d in chunk if d.get(via.key)} - set(known))
                if wanted:
                    for rec in self.client.read(via.type, ids=wanted):
                        known[str(rec["id"])] = rec
            kept = [
                d
                for d in chunk
                if source.matches(
                    d,
                    {via.type: related[via.type].get(str(d.get(via.key)), {}) for _, via in relations},
                )
                and not (skip_exported and EXPORT.recorded_target_id(self.workflow, d))
            ]
            self._attach_children(kept)
            if kept:
                yield kept

    def _create_only(self) -> bool:
        """Records are written once and marked exported by the pullback (``Export.marks_exports``)."""
        return EXPORT.marks_exports(self.workflow)

    def _attach_children(self, docs: list[dict[str, Any]]) -> None:
        for sub in self.workflow.sublists:
            if not docs:
                return
            if sub.built_from_record:  # its lines come from the record itself: nothing to read
                continue
            parent_ids = [str(d["id"]) for d in docs]
            children: dict[str, list[dict[str, Any]]] = {}
            for child in self.client.read(sub.source_type, equal_to_any={sub.parent_field: parent_ids}):
                children.setdefault(str(child.get(sub.parent_field)), []).append(child)
            for doc in docs:
                doc[sub.name] = children.get(str(doc["id"]), [])


class SppTarget:
    """Writes SPP objects (imports): create by externalid upsert, update by id."""

    system = "spp"

    # From this many values on, one paged read of the whole type (ids and key fields only) is
    # cheaper than a look-up command per value; a streamed plan keeps that index for its later
    # chunks (objects created since are this run's own, not asked about again).
    bulk_match_threshold = 1000

    def __init__(self, client: SppClient, workflow: Workflow) -> None:
        self.client = client
        self.workflow = workflow
        self.record_type: str = workflow.target.type
        self._index: dict[tuple[str, bool], dict[str, list[str]]] = {}  # (field, natural) -> value -> ids

    def lookup(self, field: str, values: list[str], *, natural: bool) -> dict[str, list[str]]:
        """SPP objects holding ``values`` in ``field``: exact ids by a filtered read (or the
        type's index when there are many), natural keys (nested fields such as ``addr.email``
        included) from the type's index."""
        if not values:
            return {}
        key = (field, natural)
        if key not in self._index and not natural and "." not in field:
            if len(values) < self.bulk_match_threshold:
                found: dict[str, list[str]] = {}
                for doc in self.client.read(
                    self.record_type, equal_to_any={field: values}, fields=["id", field]
                ):
                    value = str(doc.get(field) or "")
                    if value:
                        found.setdefault(value, []).append(str(doc["id"]))
                return found
        if key not in self._index:
            # one read serves every key of the same kind the match rules name
            keys = [
                key,
                *((r.target, natural) for r in self.workflow.match if (r.kind == "natural_key") == natural),
            ]
            keys = [k for k in dict.fromkeys(keys) if k not in self._index]
            roots = sorted({k[0].split(".")[0] for k in keys})
            indexes: dict[tuple[str, bool], dict[str, list[str]]] = {k: {} for k in keys}
            for doc in self.client.read(self.record_type, fields=["id", *roots]):
                for name, _ in keys:
                    value = doc[name] if name in doc else get_path(doc, name)  # nested come back dotted
                    if value not in (None, ""):
                        indexes[(name, natural)].setdefault(normalise(value, natural=natural), []).append(
                            str(doc["id"])
                        )
            self._index.update(indexes)
        index = self._index[key]
        return {v: index[v] for v in values if v in index}

    def create(self, docs: list[dict[str, Any]]) -> list[WriteResult]:
        otype = self.record_type
        docs = [_spp_wire_form(d) for d in docs]
        if otype == "User":  # SPP creates users only through CreateUser
            return self.client.create_user(docs, lookup_external=True)
        return self.client.add(otype, docs, lookup_external=True)

    def update(self, docs: list[dict[str, Any]]) -> list[WriteResult]:
        return self.client.modify(self.record_type, [_spp_wire_form(d) for d in docs])

    def read(self, ids: list[str]) -> list[dict[str, Any] | None]:
        found = {str(d["id"]): d for d in self.client.read(self.record_type, ids=ids)}
        return [found.get(i) for i in ids]

    def retire(self, docs: list[dict[str, Any]]) -> list[WriteResult]:
        raise NotImplementedError(f"{self.workflow.id}: only OneView workflows retire records")


_REFERENCE_KEYS = {"id", "external", "name"}


def _spp_wire_form(doc: dict[str, Any]) -> dict[str, Any]:
    """Nested sub-objects (``{"addr": {"email": ...}}``) as the client's dotted keys; references stay."""
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if isinstance(value, dict) and not (set(value) <= _REFERENCE_KEYS):
            for sub, sub_value in value.items():
                out[f"{key}.{sub}"] = sub_value
        else:
            out[key] = value
    return out


# --------------------------------------------------------------------------------------------
# OneView: a published SPP report (OData v4) into NetSuite custom records
# --------------------------------------------------------------------------------------------
class PlanRestart(Exception):  # noqa: N818 - a signal to the planning step, not a failure
    """The source changed under the read (a report republished while it was paged through): the
    plan starts again from the first page, dropping what it staged and did not load."""


class ReportSource:
    """Reads every row of a published report (OneView), each row keyed by its key columns.

    A report is a snapshot: each run reads it whole (new and changed rows are found by their
    hashes, vanished ones by their absence). Before the first page the report's ``$metadata``
    is checked against the mapping. A republish during the read (HTTP 410) restarts the plan
    once (``PlanRestart``); a second one fails the run.
    """

    system = "spp"

    def __init__(self, reader: Any, workflow: Workflow) -> None:
        if workflow.report is None:
            raise ValueError(f"{workflow.id} is not a OneView workflow")
        self.reader = reader
        self.workflow = workflow
        self.report = workflow.report
        self.restarts = 0

    def server_time(self) -> dt.datetime:
        return self.reader.server_time()  # type: ignore[no-any-return]

    def _restart(self) -> None:
        from include.spp.odata import SppODataRepublished

        self.restarts += 1
        resource = self.report.resource
        if self.restarts > 1:
            raise SppODataRepublished(
                f"report {resource!r} was republished again while it was read (HTTP 410 Gone after one "
                "restart from the first page); the run stops, nothing more is written. Run it again once "
                "the publication has finished.",
                code=410,
                url=f"{self.reader.service_root}/{resource}",
            )
        self.reader.wait_before_restart()
        raise PlanRestart(f"report {resource!r} was republished while it was read (HTTP 410 Gone)")

    def extract_chunks(
        self, window: SyncWindow, retry_ids: Iterable[str] = (), chunk_size: int = 1000
    ) -> Iterator[list[dict[str, Any]]]:
        """The report's rows in chunks, as its pages arrive (every row: failures are retried by
        their hashes, not by id). A single-records run keeps the rows with those keys."""
        from include.mapping.model import ROW_KEY
        from include.mapping.oneview import check_report_layout

        report = self.report
        check_report_layout(self.workflow, self.reader.columns(report.resource))
        wanted = set(window.record_ids) if window.mode == "records" else None

        def rows() -> Iterator[dict[str, Any]]:
            pages = self.reader.iter_pages(
                report.resource,
                select=[c.name for c in report.columns],
                filter=report.filter,
                page_size=report.page_size,
                on_restart=self._restart,
            )
            for page in pages:
                for row in page.rows:
                    key = report.row_key(row)
                    if key is None:
                        empty = [k for k in report.key if row.get(k) in (None, "")]
                        log.warning(
                            "%s: a row of %s has no %s (key column); skipped: %s",
                            self.workflow.id, report.resource, ", ".join(empty), row,
                        )  # fmt: skip
                        continue
                    if wanted is None or key in wanted:
                        yield {**row, ROW_KEY: key}

        yield from chunked(rows(), chunk_size, ROW_KEY)


class CustomRecordTarget(NetSuiteTarget):
    """Writes custom records of one type by externalId upsert; retires those whose row vanished."""

    def __init__(self, client: NetSuiteClient, workflow: Workflow) -> None:
        super().__init__(client, workflow)
        if workflow.report is None:
            raise ValueError(f"{workflow.id} is not a OneView workflow")
        self.report = workflow.report

    def lookup(self, field: str, values: list[str], *, natural: bool) -> dict[str, list[str]]:
        return {}  # rows are found by their externalId upsert; there is nothing to match first

    def update(self, docs: list[dict[str, Any]]) -> list[WriteResult]:
        return self.client.upsert_list(self.record_type, docs)  # by externalId (``OneView.identity``)

    def retire(self, docs: list[dict[str, Any]]) -> list[WriteResult]:
        """Inactivate (an upsert of ``isInactive``) or delete, by externalId; a record already
        deleted counts as retired."""
        if self.report.vanished == "inactivate":
            return self.client.upsert_list(self.record_type, docs)
        results = self.client.delete_list(
            self.record_type,
            external_ids=[str(d["externalId"]) for d in docs],
            custom_record_type_id=self.report.record_type_id,
        )
        return [
            WriteResult(True, r.id, r.external_id, index=r.index) if r.code == "RCRD_DSNT_EXIST" else r
            for r in results
        ]
