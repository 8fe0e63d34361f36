"""The XML API commands of the local SuiteProjects Pro service.

Each handler takes the command element and returns its answer element (``status`` attribute,
objects or ``<errors>``). Handlers run synchronously against the ``RecordStore`` — the app
calls them on a worker thread, one request at a time — and never raise for bad input: a
``ProtocolError`` becomes the command's status, so one bad command never fails its siblings.

Write commands answer one element per input object, in input order: the stored object with its
``<id>`` on success, ``<Type status="N"><errors>…</errors></Type>`` on failure. The command's
own status is 0 when at least one object was written, else the first object's error code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from emulators.control import FaultBook, Stats
from emulators.settings import SppSettings
from emulators.spp import protocol as p
from emulators.spp import repository as repo
from emulators.spp.objects import (
    APPROVAL_TRANSITIONS,
    DATE_FIELDS,
    DATE_ONLY_FIELDS,
    IMPORT_EXPORT,
    IMPORT_EXPORT_REF,
    OBJECT_TYPES,
    SERVER_FIELDS,
    ObjectType,
    is_custom,
    missing_required,
    object_type,
)
from emulators.spp.session import RateLimiter, check_login
from emulators.store import RecordStore, StoredRecord, utcnow

# Status filters of Read: filter name -> (field, accepted values). Values are assumptions
# built on the O/S/A/R status letters of reference §9.
STATUS_FILTERS: dict[str, tuple[str, frozenset[str]]] = {
    "open-timesheets": ("status", frozenset({"O"})),
    "submitted-timesheets": ("status", frozenset({"S"})),
    "approved-timesheets": ("status", frozenset({"A"})),
    "rejected-timesheets": ("status", frozenset({"R"})),
    "open-envelopes": ("status", frozenset({"O"})),
    "submitted-envelopes": ("status", frozenset({"S"})),
    "approved-envelopes": ("status", frozenset({"A"})),
    "rejected-envelopes": ("status", frozenset({"R"})),
    "open-slips": ("status", frozenset({"O"})),
    "approved-slips": ("status", frozenset({"A"})),
    "approved-revenue-recognition-transactions": ("status", frozenset({"A"})),
}
READ_METHODS = frozenset({"all", "equal to", "not equal to", "not exported", "custom equal to"})


@dataclass
class CommandContext:
    """What the commands of one request share: the service parts and the login state."""

    store: RecordStore
    settings: SppSettings
    stats: Stats
    faults: FaultBook
    limiter: RateLimiter
    api_key_ok: bool = True
    force_rate_limit: bool = False  # a rate_limit fault fired for this request
    logged_in: bool = False
    objects: int = 0  # objects read or written, for the latency model
    wrote: bool = False


@dataclass
class _Pending:
    """One input object on its way through a write command."""

    index: int
    fields: dict[str, str]
    error: tuple[int, str] | None = None
    existing: StoredRecord | None = None
    result: StoredRecord | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def fail(self, code: int, message: str) -> None:
        if self.error is None:
            self.error = (code, message)


# -- dispatch -------------------------------------------------------------------------------


def execute(ctx: CommandContext, command: etree._Element) -> etree._Element:
    """Run one command and return its answer element (never raises for bad input)."""
    name = command.tag
    ctx.stats.requests[name] += 1
    handler = _HANDLERS.get(name)
    if handler is None:
        return p.command_element(name, p.UNKNOWN_COMMAND, f"unknown or unsupported command {name!r}")
    if name == "Auth":
        return auth(ctx, command)
    if not ctx.logged_in and not _allowed_without_login(command):
        return p.command_element(name, p.NOT_LOGGED_IN, "Auth must be the first command")
    try:
        return handler(ctx, command)
    except p.ProtocolError as exc:
        return p.command_element(name, exc.code, str(exc))


def _allowed_without_login(command: etree._Element) -> bool:
    # the error-text lookup works without Auth (reference §3)
    return command.tag == "Read" and command.get("type") == "Error"


def auth(ctx: CommandContext, command: etree._Element) -> etree._Element:
    """``<Auth>``: API key, rate budget, then credentials; success logs the request in."""
    if not ctx.api_key_ok:
        return p.command_element("Auth", p.AUTH_FAILED, "invalid API namespace or key")
    outcome = check_login(command, ctx.settings)
    if not outcome.ok:
        return p.command_element("Auth", outcome.code, outcome.message)
    if ctx.force_rate_limit or not ctx.limiter.admit():
        return p.command_element("Auth", p.RATE_LIMITED, "request limit exceeded, retry later")
    ctx.logged_in = True
    return p.command_element("Auth")


# -- rendering ------------------------------------------------------------------------------


def is_date_field(name: str) -> bool:
    """Whether a field's values are ``<Date>`` blocks on the wire (stored ``YYYY-MM-DD HH:MM:SS``)."""
    return name in DATE_FIELDS or name.endswith("_date")


def render(
    record: StoredRecord, *, custom: bool, only: Iterable[str] | None = None, tag: str | None = None
) -> etree._Element:
    """A stored object as its XML element: ``id``, stored fields, ``created``, ``updated``.

    An ImportExport shows the id of the object it marks as its ``id`` (reference §7).
    """
    marks = record.rtype == IMPORT_EXPORT
    fields: dict[str, str] = {"id": str(record.data.get(IMPORT_EXPORT_REF, "")) if marks else str(record.id)}
    for key, value in record.data.items():
        if key in SERVER_FIELDS or value in (None, "") or (not custom and is_custom(key)):
            continue
        if marks and key == IMPORT_EXPORT_REF:
            continue
        fields[key] = value if isinstance(value, str) else str(value)
    fields["created"] = p.format_timestamp(record.created_at)
    fields["updated"] = p.format_timestamp(record.updated_at)
    if only is not None:
        wanted = set(only)
        fields = {k: v for k, v in fields.items() if k in wanted or k.partition(".")[0] in wanted}
    dates = [k for k in fields if is_date_field(k)]
    return p.object_element(tag or record.rtype, fields, date_fields=dates, date_only_fields=DATE_ONLY_FIELDS)


# -- Read -----------------------------------------------------------------------------------


def read(ctx: CommandContext, command: etree._Element) -> etree._Element:
    """``<Read type= method= limit=>``: one page of objects, filtered and paged in SQL."""
    rtype = command.get("type") or ""
    if rtype == "Error":
        return _read_errors(command)
    if rtype == "RateLimit":
        answer = p.command_element("Read")
        limit_el = etree.SubElement(answer, "RateLimit")
        etree.SubElement(limit_el, "remain_24h_error").text = str(ctx.limiter.remaining_24h())
        return answer
    _require_type(rtype)
    method = (command.get("method") or "all").strip()
    if method not in READ_METHODS:
        raise p.ProtocolError(p.UNKNOWN_COMMAND, f"unknown Read method {method!r}")
    offset, limit = p.parse_limit(command.get("limit"))
    custom = p.flag(command.get("enable_custom"))
    query = repo.ReadQuery(rtype=rtype, offset=offset, limit=limit)
    query.deleted = p.flag(command.get("deleted") or command.get("_deleted"))
    query.include_nondeleted = p.flag(command.get("include_nondeleted") or command.get("_include_nondeleted"))
    criteria = [_criteria(obj) for obj in command.findall(rtype)]
    if rtype == IMPORT_EXPORT:
        criteria = [_import_export_criteria(c) for c in criteria]
    if method in ("equal to", "not equal to", "custom equal to"):
        if not criteria or not any(criteria):
            raise p.ProtocolError(p.TOO_FEW_ARGUMENTS, f"method {method!r} needs a <{rtype}> query object")
        query.criteria, query.negate = criteria, method == "not equal to"
    if method == "not exported":
        query.not_exported = True
    _apply_filters(command, query)
    found = repo.read_page(ctx.store, query)
    ctx.objects += len(found)
    ctx.stats.records_read += len(found)
    answer = p.command_element("Read")
    if method == "custom equal to":
        for record in found:
            for key, value in record.data.items():
                if is_custom(key):
                    cf = etree.SubElement(answer, "CustomField")
                    etree.SubElement(cf, "name").text = key
                    etree.SubElement(cf, "value").text = str(value)
        return answer
    returned = command.find("_Return")
    only = [c.tag for c in returned if isinstance(c.tag, str)] if returned is not None else None
    for record in found:
        answer.append(render(record, custom=custom, only=only))
    return answer


def _criteria(element: etree._Element) -> dict[str, str]:
    return {k: str(v) for k, v in p.fields_from_element(element).items() if v != ""}


def _import_export_criteria(criteria: dict[str, str]) -> dict[str, str]:
    # an ImportExport's <id> is the marked object's id, kept in the document (see render)
    out = {k: v for k, v in criteria.items() if k != "id"}
    if "id" in criteria:
        out[IMPORT_EXPORT_REF] = _canonical_id(criteria["id"])
    return out


def _canonical_id(raw: str) -> str:
    # "007" and "7" name the same object; the stored reference must compare as text
    return str(int(raw)) if raw.isdigit() else raw


def _apply_filters(command: etree._Element, query: repo.ReadQuery) -> None:
    names = [n.strip() for n in (command.get("filter") or "").split(",") if n.strip()]
    fields = [f.strip() for f in (command.get("field") or "").split(",")]
    dates = [d for d in command.findall("Date")]
    date_index = 0
    for name in names:
        if name in ("newer-than", "older-than"):
            field_name = fields[date_index] if date_index < len(fields) and fields[date_index] else "updated"
            if date_index >= len(dates):
                raise p.ProtocolError(p.TOO_FEW_ARGUMENTS, f"filter {name!r} needs a <Date> element")
            text = p.date_from_element(dates[date_index])
            if text is None:
                raise p.ProtocolError(p.INVALID_PARAMETERS, f"filter {name!r}: empty <Date>")
            when = p.parse_store_date(text)
            assert when is not None
            query.bounds = [*query.bounds, repo.DateBound(name == "newer-than", field_name, when)]
            date_index += 1
        elif name in STATUS_FILTERS:
            status_field, values = STATUS_FILTERS[name]
            query.field_in = {**query.field_in, status_field: values}
        elif name == "not-exported":
            query.not_exported = True
        else:
            raise p.ProtocolError(p.INVALID_PARAMETERS, f"unknown filter {name!r}")


def _read_errors(command: etree._Element) -> etree._Element:
    wanted = {(e.findtext("code") or "").strip() for e in command.findall("Error")} - {""}
    answer = p.command_element("Read")
    for code, text in sorted(p.MESSAGES.items()):
        if wanted and str(code) not in wanted:
            continue
        error = etree.SubElement(answer, "Error")
        etree.SubElement(error, "code").text = str(code)
        etree.SubElement(error, "text").text = text
    return answer


def _require_type(rtype: str) -> ObjectType:
    otype = object_type(rtype)
    if otype is None:
        raise p.ProtocolError(p.INVALID_PARAMETERS, f"unknown object type {rtype!r}")
    return otype


# -- writes ---------------------------------------------------------------------------------


def _input_objects(command: etree._Element, rtype: str, *, custom: bool, keep_blank: bool) -> list[_Pending]:
    elements = command.findall(rtype)
    if len(elements) > p.MAX_OBJECTS_PER_COMMAND:
        raise p.ProtocolError(
            p.TOO_MANY_ARGUMENTS, f"{len(elements)} objects; at most {p.MAX_OBJECTS_PER_COMMAND} per command"
        )
    pending: list[_Pending] = []
    for index, element in enumerate(elements):
        item = _Pending(index, {})
        try:
            raw = p.fields_from_element(element)
        except p.ProtocolError as exc:
            item.fail(exc.code, str(exc))
            raw = {}
        item.extra["id"] = (raw.get("id") or "").strip()
        for key, value in raw.items():
            if key in SERVER_FIELDS:
                continue  # server-owned: echoing a read object back must not fail
            if is_custom(key) and not custom:
                continue  # custom fields are written only with enable_custom="1" (reference §7)
            if value == "" and not keep_blank:
                continue
            item.fields[key] = value
        pending.append(item)
    return pending


def _parent_type(otype: ObjectType, field_name: str, value: Any) -> str | None:
    named = getattr(value, "lookup_type", None)
    if named:
        return named
    if field_name in otype.foreign_keys:
        return otype.foreign_keys[field_name]
    if getattr(value, "lookup_kind", None):
        stem = field_name[:-2] if field_name.endswith("id") else field_name
        return stem.rstrip("_").capitalize()
    return None


def _resolve_references(store: RecordStore, otype: ObjectType, items: list[_Pending]) -> None:
    """Check foreign keys and turn ``external=``/``name=`` lookups into ids, in bulk."""
    wanted: dict[tuple[str, str], set[str]] = {}  # (parent type, match field) -> values
    for item in items:
        if item.error:
            continue
        for key, value in item.fields.items():
            parent = _parent_type(otype, key, value) if value else None
            if parent is None:
                continue
            kind = getattr(value, "lookup_kind", None)
            if parent not in OBJECT_TYPES:
                item.fail(p.INVALID_FIELD, f"{key}: unknown object type {parent!r}")
                continue
            match = {"external": "externalid", "name": _name_field(parent)}.get(kind or "", "id")
            wanted.setdefault((parent, match), set()).add(str(value))
    found: dict[tuple[str, str], dict[str, str]] = {}
    for (parent, match), values in wanted.items():
        if match == "id":
            ids = repo.live_ids(store, parent, (int(v) for v in values if v.isdigit()))
            found[(parent, match)] = {str(i): str(i) for i in ids}
        else:
            hits = repo.find_by_field(store, parent, match, values)
            found[(parent, match)] = {value: str(rec.id) for value, rec in hits.items()}
    for item in items:
        if item.error:
            continue
        for key, value in list(item.fields.items()):
            parent = _parent_type(otype, key, value) if value else None
            if parent is None:
                continue
            kind = getattr(value, "lookup_kind", None)
            match = {"external": "externalid", "name": _name_field(parent)}.get(kind or "", "id")
            resolved = found.get((parent, match), {}).get(str(value))
            if resolved is None:
                how = f"{kind} {value!r}" if kind else f"id {value!r}"
                item.fail(p.INVALID_FIELD, f"{key}: no {parent} with {how}")
            else:
                item.fields[key] = resolved


def _name_field(rtype: str) -> str:
    otype = object_type(rtype)
    return otype.name_field if otype else "name"


def _record_faults(ctx: CommandContext, command_name: str, rtype: str, items: list[_Pending]) -> None:
    """``record_error`` fault rules: fail matching objects with a per-object status."""
    if not any(rule.kind == "record_error" for rule in ctx.faults.rules()):
        return
    for item in items:
        if item.error:
            continue
        for rule in ctx.faults.draw(command_name, {rtype}, kinds={"record_error"}):
            field_name, value = rule.params.get("field"), rule.params.get("value")
            if field_name and value is not None and item.fields.get(field_name) != str(value):
                rule.fired -= 1  # condition not met: this object does not count as a firing
                continue
            ctx.stats.faults_injected["record_error"] += 1
            message = rule.params.get("message") or f"invalid value for field {field_name or 'unknown'}"
            item.fail(int(rule.params.get("code", p.INVALID_FIELD)), str(message))
            break


def _plain(fields: Mapping[str, str]) -> dict[str, str]:
    # FieldValue -> str so documents serialise as plain JSON strings
    return {k: str(v) for k, v in fields.items()}


def _answer(
    ctx: CommandContext, name: str, rtype: str, items: list[_Pending], *, custom: bool
) -> etree._Element:
    written = [i for i in items if i.result is not None]
    code, message = (p.OK, None)
    if items and not written:
        code, message = next(i.error for i in items if i.error)  # type: ignore[misc]
    answer = p.command_element(name, code, message)
    for item in items:
        if item.result is not None:
            answer.append(render(item.result, custom=custom))
        else:
            error_code, error_text = item.error or (p.UNKNOWN_ERROR, "not written")
            answer.append(p.object_error_element(rtype, error_code, error_text))
    ctx.objects += len(items)
    ctx.stats.records_written += len(written)
    ctx.wrote = ctx.wrote or bool(written)
    return answer


def add(ctx: CommandContext, command: etree._Element) -> etree._Element:
    """``<Add type=>``: create objects; ``lookup="externalid"`` makes it an upsert."""
    rtype = command.get("type") or ""
    otype = _require_type(rtype)
    if not otype.add_allowed:
        raise p.ProtocolError(p.FAILURE, f"{rtype} objects are created with CreateUser, not Add")
    if otype.read_only:
        raise p.ProtocolError(p.FAILURE, f"{rtype} is read-only through the XML API")
    if rtype == IMPORT_EXPORT:
        return add_import_exports(ctx, command)
    return _add_objects(ctx, command, "Add", otype)


def add_import_exports(ctx: CommandContext, command: etree._Element) -> etree._Element:
    """``<Add type="ImportExport">``: mark objects as exported/imported by an application.

    Upserts on (application, type, id), so replaying a command changes nothing but the dates;
    the marked object itself is not written (its ``updated`` stays, so an incremental read
    does not see it again). ``exported`` defaults to the server's clock; an unknown marked
    object fails with 601 like Modify.
    """
    otype = _require_type(IMPORT_EXPORT)
    items = _input_objects(command, IMPORT_EXPORT, custom=False, keep_blank=False)
    _record_faults(ctx, "Add", IMPORT_EXPORT, items)
    now = p.format_timestamp(utcnow())
    for item in items:
        if item.error:
            continue
        missing = missing_required(otype, item.fields)
        marked_type, raw_id = str(item.fields.get("type", "")), str(item.extra.get("id", ""))
        if missing:
            item.fail(p.WRITE_ERROR, f"required field missing: {', '.join(missing)}")
        elif not raw_id:
            item.fail(p.TOO_FEW_ARGUMENTS, "the ImportExport needs the <id> of the object it marks")
        elif marked_type not in OBJECT_TYPES or marked_type == IMPORT_EXPORT:
            item.fail(p.INVALID_FIELD, f"type: unknown object type {marked_type!r}")
        else:
            item.fields = {k: str(v) for k, v in item.fields.items()}
            item.fields[IMPORT_EXPORT_REF] = _canonical_id(raw_id)
            item.fields.setdefault("exported", now)
    _check_marked_objects(ctx, items)
    keys = {item.index: _import_export_key(item) for item in items if not item.error}
    existing = repo.find_import_exports(ctx.store, keys.values())
    inserts: list[_Pending] = []
    updates: dict[int, _Pending] = {}
    claimed: dict[tuple[str, str, str], _Pending] = {}
    for item in items:
        if item.error:
            continue
        key = keys[item.index]
        first = claimed.get(key)
        if first is not None:  # the same mark twice in one command: one object, later fields win
            first.fields.update(item.fields)
            item.extra["same_as"] = first
            continue
        claimed[key] = item
        item.existing = existing.get(key)
        if item.existing is not None:
            updates[item.existing.id] = item
        else:
            inserts.append(item)
    _write(ctx.store, IMPORT_EXPORT, inserts, updates)
    for item in items:
        if "same_as" in item.extra:
            item.result = item.extra["same_as"].result
    return _answer(ctx, "Add", IMPORT_EXPORT, items, custom=False)


def _import_export_key(item: _Pending) -> tuple[str, str, str]:
    return (item.fields["application"], item.fields["type"], item.fields[IMPORT_EXPORT_REF])


def _check_marked_objects(ctx: CommandContext, items: list[_Pending]) -> None:
    """Fail (601) marks whose object does not exist or is deleted; one query per marked type."""
    by_type: dict[str, set[int]] = {}
    for item in items:
        if not item.error and item.fields[IMPORT_EXPORT_REF].isdigit():
            by_type.setdefault(item.fields["type"], set()).add(int(item.fields[IMPORT_EXPORT_REF]))
    live = {rtype: repo.live_ids(ctx.store, rtype, ids) for rtype, ids in by_type.items()}
    for item in items:
        if item.error:
            continue
        ref, marked_type = item.fields[IMPORT_EXPORT_REF], item.fields["type"]
        if not ref.isdigit() or int(ref) not in live.get(marked_type, set()):
            item.fail(p.UNKNOWN_ID, f"no {marked_type} with id {ref}")


def create_user(ctx: CommandContext, command: etree._Element) -> etree._Element:
    """``<CreateUser>``: the only way to create ``User`` objects (``lookup`` allowed)."""
    company = command.find("Company")
    nickname = (company.findtext("nickname") or "").strip() if company is not None else ""
    if nickname and nickname.lower() != ctx.settings.company.lower():
        raise p.ProtocolError(p.FAILURE, f"unknown company {nickname!r}")
    return _add_objects(ctx, command, "CreateUser", _require_type("User"))


def _add_objects(
    ctx: CommandContext, command: etree._Element, name: str, otype: ObjectType
) -> etree._Element:
    custom = p.flag(command.get("enable_custom")) or name == "CreateUser"
    items = _input_objects(command, otype.name, custom=custom, keep_blank=False)
    _resolve_references(ctx.store, otype, items)
    _record_faults(ctx, name, otype.name, items)
    _check_required(otype, items)
    lookup = (command.get("lookup") or "").strip()
    if lookup:
        _match_existing(ctx, otype.name, lookup, items)
    inserts: list[_Pending] = []
    updates: dict[int, _Pending] = {}
    claimed: dict[str, _Pending] = {}  # lookup value -> first object of this command carrying it
    for item in items:
        if item.error:
            continue
        key = str(item.fields.get(lookup, "")) if lookup else ""
        first = claimed.get(key) if key else None
        if first is not None:
            # the same lookup value twice in one command: the later object updates the earlier
            first.fields.update(item.fields)
            item.extra["same_as"] = first
            continue
        if key:
            claimed[key] = item
        if item.existing is not None:
            updates[item.existing.id] = item
        else:
            inserts.append(item)
    _write(ctx.store, otype.name, inserts, updates)
    for item in items:
        if "same_as" in item.extra:
            item.result = item.extra["same_as"].result
    return _answer(ctx, name, otype.name, items, custom=custom)


def _check_required(otype: ObjectType, items: list[_Pending]) -> None:
    for item in items:
        missing = missing_required(otype, item.fields) if not item.error else []
        if missing:
            item.fail(p.WRITE_ERROR, f"required field missing: {', '.join(missing)}")


def _match_existing(ctx: CommandContext, rtype: str, lookup: str, items: list[_Pending]) -> None:
    values = {str(i.fields.get(lookup)) for i in items if not i.error and i.fields.get(lookup)}
    if not values:
        return
    existing = repo.find_by_field(ctx.store, rtype, lookup, values)
    for item in items:
        if not item.error and item.fields.get(lookup):
            item.existing = existing.get(str(item.fields[lookup]))


def _write(store: RecordStore, rtype: str, inserts: list[_Pending], updates: Mapping[int, _Pending]) -> None:
    """Apply the command's creations and merges: one transaction each."""
    if inserts:
        documents = [(_plain(i.fields), i.fields.get("externalid") or None) for i in inserts]
        for item, record in zip(inserts, store.insert_many(rtype, documents), strict=True):
            item.result = record
    if updates:
        at = store.tick()
        merged: dict[int, dict[str, Any]] = {}
        for rid, item in updates.items():
            assert item.existing is not None
            document = dict(item.existing.data)
            for key, value in item.fields.items():
                if value == "":
                    document.pop(key, None)  # an empty element clears the field
                else:
                    document[key] = str(value)
            merged[rid] = document
        repo.replace_many(store, rtype, merged, at)
        for rid, item in updates.items():
            old = item.existing
            assert old is not None
            item.result = StoredRecord(
                rtype, rid, merged[rid].get("externalid"), merged[rid], old.created_at, at
            )


def _refuse_import_export(rtype: str, name: str) -> None:
    # an ImportExport's <id> names the marked object, so id-addressed writes would be ambiguous;
    # re-adding the mark is the documented-shape way to change it (emulator assumption)
    if rtype == IMPORT_EXPORT:
        raise p.ProtocolError(p.INVALID_PARAMETERS, f"{name} is not available for {IMPORT_EXPORT}; use Add")


def _with_existing(store: RecordStore, rtype: str, items: list[_Pending], missing_code: int) -> None:
    ids = {int(i.extra["id"]) for i in items if not i.error and str(i.extra.get("id", "")).isdigit()}
    found = store.get_many(rtype, ids) if ids else {}
    for item in items:
        raw_id = str(item.extra.get("id", ""))
        if item.error:
            continue
        if not raw_id:
            item.fail(p.TOO_FEW_ARGUMENTS, "the object needs its <id>")
        elif not raw_id.isdigit() or int(raw_id) not in found:
            item.fail(missing_code, f"no {rtype} with id {raw_id}")
        else:
            item.existing = found[int(raw_id)]


def modify(ctx: CommandContext, command: etree._Element) -> etree._Element:
    """``<Modify type=>``: merge fields into objects named by ``<id>``; empty elements clear."""
    return _modify(ctx, command, "Modify", condition=None)


def modify_on_condition(ctx: CommandContext, command: etree._Element) -> etree._Element:
    """``<ModifyOnCondition condition="if-not-updated">`` + ``<Date>``: optimistic concurrency."""
    condition = command.get("condition") or ""
    if condition != "if-not-updated":
        raise p.ProtocolError(p.INVALID_PARAMETERS, f"unknown condition {condition!r}")
    date = command.find("Date")
    text = p.date_from_element(date) if date is not None else None
    if text is None:
        raise p.ProtocolError(p.TOO_FEW_ARGUMENTS, "ModifyOnCondition needs a <Date>")
    return _modify(ctx, command, "ModifyOnCondition", condition=p.parse_store_date(text))


def _modify(
    ctx: CommandContext, command: etree._Element, name: str, condition: dt.datetime | None
) -> etree._Element:
    rtype = command.get("type") or ""
    otype = _require_type(rtype)
    _refuse_import_export(rtype, name)
    custom_only = (command.get("method") or "").strip() == "custom equal to"
    custom = p.flag(command.get("enable_custom")) or custom_only
    items = _input_objects(command, rtype, custom=custom, keep_blank=True)
    for item in items:
        if custom_only or otype.read_only:
            others = [k for k in item.fields if not is_custom(k)]
            if otype.read_only and others and not custom_only:
                item.fail(p.FAILURE, f"{rtype} is read-only through the XML API (custom fields excepted)")
            item.fields = {k: v for k, v in item.fields.items() if is_custom(k)}
    _with_existing(ctx.store, rtype, items, p.UNKNOWN_ID)
    _resolve_references(ctx.store, otype, items)
    _record_faults(ctx, name, rtype, items)
    for item in items:
        if item.error or item.existing is None:
            continue
        if condition is not None and item.existing.updated_at.replace(microsecond=0) > condition:
            item.fail(p.FAILURE, f"{rtype} {item.existing.id} was updated after the given date")
            continue
        merged = {**item.existing.data, **item.fields}  # "" = cleared, which missing_required sees
        missing = missing_required(otype, merged)
        if missing:
            item.fail(p.WRITE_ERROR, f"required field cannot be cleared: {', '.join(missing)}")
    updates = {i.existing.id: i for i in items if not i.error and i.existing is not None}
    _write(ctx.store, rtype, [], updates)
    return _answer(ctx, name, rtype, items, custom=custom)


def delete(ctx: CommandContext, command: etree._Element) -> etree._Element:
    """``<Delete type=>``: tombstone objects named by ``<id>`` (703 when there is none)."""
    rtype = command.get("type") or ""
    otype = _require_type(rtype)
    if otype.read_only:
        raise p.ProtocolError(p.FAILURE, f"{rtype} is read-only through the XML API")
    _refuse_import_export(rtype, "Delete")
    items = _input_objects(command, rtype, custom=False, keep_blank=True)
    _with_existing(ctx.store, rtype, items, p.DELETE_FAILED)
    _record_faults(ctx, "Delete", rtype, items)
    for item in items:
        if item.error or item.existing is None:
            continue
        removed = ctx.store.delete(rtype, item.existing.id)
        if removed is None:  # deleted twice in one command
            item.fail(p.DELETE_FAILED, f"{rtype} {item.existing.id} is already deleted")
        else:
            item.result = removed
    return _answer(ctx, "Delete", rtype, items, custom=False)


def approval(ctx: CommandContext, command: etree._Element) -> etree._Element:
    """``<Submit|Approve|Reject|Unapprove type=>``: move objects through O → S → A/R."""
    name = command.tag
    rtype = command.get("type") or ""
    otype = _require_type(rtype)
    if name not in otype.approvals:
        raise p.ProtocolError(p.INVALID_PARAMETERS, f"{name} is not available for {rtype}")
    allowed_from, target = APPROVAL_TRANSITIONS[name]
    items = _input_objects(command, rtype, custom=False, keep_blank=True)
    _with_existing(ctx.store, rtype, items, p.UNKNOWN_ID)
    _record_faults(ctx, name, rtype, items)
    notes = (command.findtext("Approval/notes") or "").strip()
    updates: dict[int, _Pending] = {}
    for item in items:
        if item.error or item.existing is None:
            continue
        current = _status(otype, item.existing)
        if current not in allowed_from:
            item.fail(p.FAILURE, f"cannot {name.lower()} {rtype} {item.existing.id} in status {current!r}")
            continue
        item.fields = {otype.status_field: target}
        if notes:
            item.fields["approval_notes"] = notes
        updates[item.existing.id] = item
    _write(ctx.store, rtype, [], updates)
    return _answer(ctx, name, rtype, items, custom=False)


def _status(otype: ObjectType, record: StoredRecord) -> str:
    return str(record.data.get(otype.status_field, "O") or "O")


# -- what a person does in the web UI (``/_emulator/spp/ui/*``, emulators/spp/ui.py) -------------


def add_as_user(store: RecordStore, otype: ObjectType, documents: list[dict[str, str]]) -> list[StoredRecord]:
    """Create objects as ``Add`` stores them, but the way a person creates them in the web UI.

    Same id sequence and server clock, server fields (``id``, ``created``, ``updated``) and blank
    values dropped, foreign keys checked and required fields enforced as on ``Add``; but
    ``read_only`` and ``add_allowed`` are not checked, custom fields are kept, and fault rules,
    the rate budget and the statistics do not apply. ``documents`` are in store form (strings,
    dates already ``YYYY-MM-DD HH:MM:SS``). All or nothing: the first object ``Add`` would refuse
    raises ``ProtocolError`` (its message prefixed with ``records[i]:`` when there are several)
    and nothing is written.
    """
    if otype.name == IMPORT_EXPORT:
        raise p.ProtocolError(
            p.INVALID_PARAMETERS, f"{IMPORT_EXPORT} marks are written with Add, not in the UI"
        )
    items = [
        _Pending(index, {k: v for k, v in doc.items() if k not in SERVER_FIELDS and v != ""})
        for index, doc in enumerate(documents)
    ]
    _resolve_references(store, otype, items)
    _check_required(otype, items)
    _raise_first_error(items, "records")
    _write(store, otype.name, items, {})
    return [item.result for item in items if item.result is not None]


def approve_as_user(
    store: RecordStore, otype: ObjectType, ids: list[str], notes: str | None = None
) -> list[StoredRecord]:
    """Approve objects as a manager does in the web UI: status field to ``A``, ``updated`` bumped.

    A type with the API's ``Approve`` command goes the way ``Submit`` then ``Approve`` would take it
    (``O``/``R``/empty -> ``S`` -> ``A``; ``S`` -> ``A``) in one write; any other type's status field
    is set to ``A`` directly. ``notes`` become ``approval_notes`` as on ``Approve``. All or nothing:
    an unknown or deleted id, or an object the path cannot reach ``A`` from (already approved),
    raises ``ProtocolError`` naming it and nothing is written.
    """
    items = [_Pending(index, {}, extra={"id": raw_id}) for index, raw_id in enumerate(ids)]
    _with_existing(store, otype.name, items, p.UNKNOWN_ID)
    for item in items:
        if item.error or item.existing is None:
            continue
        current = _status(otype, item.existing)
        if not _ui_approvable(otype, current):
            item.fail(p.FAILURE, f"cannot approve {otype.name} {item.existing.id} in status {current!r}")
            continue
        item.fields = {otype.status_field: "A"}
        if notes:
            item.fields["approval_notes"] = notes
    _raise_first_error(items)
    updates = {item.existing.id: item for item in items if item.existing is not None}
    _write(store, otype.name, [], updates)
    return [item.result for item in updates.values() if item.result is not None]


def _ui_approvable(otype: ObjectType, current: str) -> bool:
    """Whether the UI's approval reaches ``A`` from ``current`` (never from ``A`` itself)."""
    if current == "A":
        return False
    if "Approve" not in otype.approvals:
        return True
    state = current
    for step in ("Submit", "Approve"):
        allowed_from, target = APPROVAL_TRANSITIONS[step]
        if step in otype.approvals and state in allowed_from:
            state = target
    return state == "A"


def _raise_first_error(items: list[_Pending], label: str | None = None) -> None:
    for item in items:
        if item.error:
            code, message = item.error
            prefix = f"{label}[{item.index}]: " if label and len(items) > 1 else ""
            raise p.ProtocolError(code, prefix + message)


# -- server information ---------------------------------------------------------------------


def time_command(ctx: CommandContext, command: etree._Element) -> etree._Element:
    """``<Time/>``: the server clock (UTC) as a ``<Date>``."""
    answer = p.command_element("Time")
    answer.append(p.date_element(utcnow()))
    return answer


def whoami(ctx: CommandContext, command: etree._Element) -> etree._Element:
    """``<Whoami>``: the authenticated integration user (created on first use if the data lacks it)."""
    nickname = ctx.settings.user
    found = repo.find_by_field(ctx.store, "User", "nickname", [nickname]).get(nickname)
    if found is None:
        found = ctx.store.insert("User", {"nickname": nickname, "active": "1", "addr.first": "Integration"})
    answer = p.command_element("Whoami")
    answer.append(render(found, custom=True))
    return answer


Handler = Callable[[CommandContext, etree._Element], etree._Element]

_HANDLERS: dict[str, Handler] = {
    "Auth": auth,
    "Read": read,
    "Add": add,
    "CreateUser": create_user,
    "Modify": modify,
    "ModifyOnCondition": modify_on_condition,
    "Delete": delete,
    "Submit": approval,
    "Approve": approval,
    "Reject": approval,
    "Unapprove": approval,
    "Time": time_command,
    "Whoami": whoami,
}


def command_types(command: etree._Element) -> set[str] | None:
    """The object types a command touches (for fault-rule matching)."""
    rtype = command.get("type") or ("User" if command.tag == "CreateUser" else None)
    return {rtype} if rtype else None
