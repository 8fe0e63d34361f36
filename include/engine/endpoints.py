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
from collections.abc import Iterable
from typing import Any, Protocol

from include.engine.window import SyncWindow
from include.results import WriteResult

log = logging.getLogger(__name__)


class Source(Protocol):
    system: str

    def server_time(self) -> dt.datetime: ...

    def extract(self, window: SyncWindow, retry_ids: Iterable[str] = ()) -> list[dict[str, Any]]: ...


class Target(Protocol):
    system: str

    def find_existing(self, source_ids: list[str]) -> dict[str, str]: ...

    def create(self, docs: list[dict[str, Any]]) -> list[WriteResult]: ...

    def update(self, docs: list[dict[str, Any]]) -> list[WriteResult]: ...


def source_id_of(doc: dict[str, Any], system: str) -> str:
    """The id of a source document in its own system."""
    return str(doc["internalId"] if system == "netsuite" else doc["id"])


# --------------------------------------------------------------------------------------------
# NetSuite
# --------------------------------------------------------------------------------------------
class NetSuiteSource:
    """Reads a NetSuite record type with the workflow's filters (imports)."""

    system = "netsuite"

    def __init__(self, client: Any, workflow: Any) -> None:
        self.client = client
        self.workflow = workflow

    def server_time(self) -> dt.datetime:
        return self.client.server_time()

    def _filters(self) -> dict[str, Any]:
        """Server-side search criteria from the mapping's equality filters."""
        kwargs: dict[str, Any] = {}
        filters = self.workflow.source.equals_filters()
        if "isInactive" in filters:
            kwargs["is_inactive"] = bool(filters["isInactive"])
        custom = {k: bool(v) for k, v in filters.items() if k.startswith("cust")}
        if custom:
            kwargs["custom_booleans"] = custom
        return kwargs

    def extract(self, window: SyncWindow, retry_ids: Iterable[str] = ()) -> list[dict[str, Any]]:
        rtype = self.workflow.source.type
        filters = self._filters()
        docs: dict[str, dict[str, Any]] = {}
        from include.netsuite.record_types import record_type_info

        if window.mode == "records":
            searches = [{"internal_ids": list(window.record_ids)}]
        elif record_type_info(rtype).modified_field is None:
            searches = [{}]  # no modification date on this type: a full scan, hashes skip the unchanged
        else:
            searches = [{"modified_after": window.since, "modified_before": window.until}]
        for criteria in searches:
            for doc in self.client.search(rtype, **criteria, **filters):
                docs[str(doc["internalId"])] = doc
        retry = [i for i in retry_ids if i not in docs]
        if retry:
            for doc in self.client.search(rtype, internal_ids=retry, **filters):
                docs[str(doc["internalId"])] = doc
        # the search applied the filters it can express; the mapping has the last word
        return [d for d in docs.values() if self.workflow.source.matches(d)]


class NetSuiteTarget:
    """Writes NetSuite records by externalId upsert (exports)."""

    system = "netsuite"

    def __init__(self, client: Any, workflow: Any) -> None:
        self.client = client
        self.workflow = workflow

    def find_existing(self, source_ids: list[str]) -> dict[str, str]:
        # Exports know an SPP record was exported from its NetSuite ID field (handled in plan);
        # a lost response is covered by the externalId upsert, so no lookup is needed here.
        return {}

    def create(self, docs: list[dict[str, Any]]) -> list[WriteResult]:
        return self.client.upsert_list(self.workflow.target.type, docs)

    def update(self, docs: list[dict[str, Any]]) -> list[WriteResult]:
        return self.client.upsert_list(self.workflow.target.type, docs)


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

    def __init__(self, client: Any, workflow: Any) -> None:
        self.client = client
        self.workflow = workflow

    def server_time(self) -> dt.datetime:
        return self.client.server_time()

    def _equal_to(self) -> dict[str, str]:
        def as_spp(value: Any) -> str:
            return ("1" if value else "0") if isinstance(value, bool) else str(value)

        return {k: as_spp(v) for k, v in self.workflow.source.equals_filters().items()}

    def extract(self, window: SyncWindow, retry_ids: Iterable[str] = ()) -> list[dict[str, Any]]:
        otype = self.workflow.source.type
        equal_to = self._equal_to() or None
        docs: dict[str, dict[str, Any]] = {}

        def keep(found: Iterable[dict[str, Any]]) -> None:
            for doc in found:
                docs[str(doc["id"])] = doc

        if window.mode == "records":
            keep(self.client.read(otype, ids=list(window.record_ids), equal_to=equal_to))
        else:
            keep(self.client.read(otype, updated_after=window.since, updated_before=_spp_upper(window), equal_to=equal_to))
            retry = [i for i in retry_ids if i not in docs]
            if retry:
                keep(self.client.read(otype, ids=retry, equal_to=equal_to))
        related = self._related(docs, window)
        keep(related.pop("__extra__", []))
        self._attach_children(list(docs.values()))
        source = self.workflow.source
        return [
            d
            for d in docs.values()
            if source.matches(
                d,
                {
                    f.via.type: related.get(f.via.type, {}).get(str(d.get(f.via.key)), {})
                    for f in source.related_filters()
                },
            )
        ]

    def _related(self, docs: dict[str, dict[str, Any]], window: SyncWindow) -> dict[str, Any]:
        """Related records the filters look at (a time entry's Timesheet), by id.

        A record also enters the run when its related record changed in the window: approving a
        timesheet changes the Timesheet, not its entries, and must still export them.
        """
        related: dict[str, Any] = {}
        extra: list[dict[str, Any]] = []
        otype = self.workflow.source.type
        for flt in self.workflow.source.related_filters():
            via = flt.via
            by_id: dict[str, dict[str, Any]] = {}
            if window.mode != "records":
                changed = self.client.read(via.type, updated_after=window.since, updated_before=_spp_upper(window))
                for rec in changed:
                    by_id[str(rec["id"])] = rec
                matching = [i for i, rec in by_id.items() if flt.matches({}, {via.type: rec})]
                # without a lower bound every record was read already: no second pass needed
                if matching and window.since is not None:
                    extra.extend(self.client.read(otype, equal_to_any={via.key: matching}))
            wanted = {str(d.get(via.key)) for d in [*docs.values(), *extra] if d.get(via.key)} - set(by_id)
            if wanted:
                for rec in self.client.read(via.type, ids=sorted(wanted)):
                    by_id[str(rec["id"])] = rec
            related[via.type] = by_id
        related["__extra__"] = extra
        return related

    def _attach_children(self, docs: list[dict[str, Any]]) -> None:
        for sub in self.workflow.sublists:
            if not docs:
                return
            parent_ids = [str(d["id"]) for d in docs]
            children: dict[str, list[dict[str, Any]]] = {}
            for child in self.client.read(sub.source_type, equal_to_any={sub.parent_field: parent_ids}):
                children.setdefault(str(child.get(sub.parent_field)), []).append(child)
            for doc in docs:
                doc[sub.name] = children.get(str(doc["id"]), [])


class SppTarget:
    """Writes SPP objects (imports): create by externalid upsert, update by id."""

    system = "spp"

    def __init__(self, client: Any, workflow: Any) -> None:
        self.client = client
        self.workflow = workflow

    # Above this many unknown ids one paged read of the whole type (ids and key fields only) is
    # cheaper than a look-up command per id and key field.
    bulk_match_threshold = 1000

    def find_existing(self, source_ids: list[str]) -> dict[str, str]:
        """SPP ids of objects already holding these NetSuite ids (the NetSuite ID field first,
        then externalid), for records the cross-reference does not know yet."""
        if not source_ids:
            return {}
        otype = self.workflow.target.type
        fields = [f for f in (self.workflow.netsuite_id_field, "externalid") if f]
        wanted = set(source_ids)
        by_field: dict[str, dict[str, str]] = {f: {} for f in fields}
        if len(wanted) > self.bulk_match_threshold:
            for doc in self.client.read(otype, fields=["id", *fields]):
                for field in fields:
                    key = str(doc.get(field) or "")
                    if key in wanted:
                        by_field[field].setdefault(key, str(doc["id"]))
        else:
            for field in fields:
                missing = [s for s in source_ids if not any(s in by_field[f] for f in fields)]
                if not missing:
                    break
                for doc in self.client.read(otype, equal_to_any={field: missing}, fields=["id", field]):
                    key = str(doc.get(field) or "")
                    if key in wanted:
                        by_field[field].setdefault(key, str(doc["id"]))
        found: dict[str, str] = {}
        for field in fields:  # rule order: the NetSuite ID field wins over externalid
            for key, spp_id in by_field[field].items():
                found.setdefault(key, spp_id)
        return found

    def create(self, docs: list[dict[str, Any]]) -> list[WriteResult]:
        otype = self.workflow.target.type
        docs = [_spp_wire_form(d) for d in docs]
        if otype == "User":  # SPP creates users only through CreateUser
            return self.client.create_user(docs, lookup_external=True)
        return self.client.add(otype, docs, lookup_external=True)

    def update(self, docs: list[dict[str, Any]]) -> list[WriteResult]:
        return self.client.modify(self.workflow.target.type, [_spp_wire_form(d) for d in docs])


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


def endpoints_for(workflow: Any, netsuite: Any, spp: Any) -> tuple[Source, Target]:
    """The (source, target) pair for a workflow's direction."""
    if workflow.direction == "import":
        return NetSuiteSource(netsuite, workflow), SppTarget(spp, workflow)
    return SppSource(spp, workflow), NetSuiteTarget(netsuite, workflow)
