"""Set-at-a-time queries of the SPP service over the shared ``RecordStore`` table.

``RecordStore`` offers per-record writes and whole-type scans; a Read page and a 1,000-object
write need filtering, paging and bulk lookups in SQL instead (one statement per page or per
parent type, never one per object), so they are built here on the store's own ``records``
table and engine.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, and_, bindparam, cast, not_, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from emulators.spp.objects import IMPORT_EXPORT, IMPORT_EXPORT_REF
from emulators.spp.protocol import parse_store_date
from emulators.store import RecordStore, StoredRecord, records

_TIMESTAMP_COLUMNS = {"created": records.c.created_at, "updated": records.c.updated_at}


@dataclass
class DateBound:
    """One ``newer-than``/``older-than`` filter: ``field`` strictly after/before ``when``."""

    newer: bool
    field: str
    when: dt.datetime


@dataclass
class ReadQuery:
    """Everything a Read command selects on, in SQL-translatable form."""

    rtype: str
    offset: int = 0
    limit: int = 1000
    criteria: Sequence[Mapping[str, str]] = ()  # "equal to" objects, OR-ed; fields AND-ed
    negate: bool = False  # "not equal to"
    bounds: Sequence[DateBound] = ()
    deleted: bool = False
    include_nondeleted: bool = False
    field_in: Mapping[str, frozenset[str]] = field(default_factory=dict)  # status filters
    not_exported: bool = False  # "not exported" method / "not-exported" filter


def _field(name: str) -> ColumnElement[Any]:
    return records.c.data[name].as_string()


def _equals(name: str, value: str) -> ColumnElement[bool]:
    if name == "id":
        return records.c.id == int(value) if value.isdigit() else records.c.id.is_(None)
    if name == "externalid":
        return records.c.external_id == value
    if name in _TIMESTAMP_COLUMNS:
        when = parse_store_date(value)
        column = _TIMESTAMP_COLUMNS[name]
        # the wire shows seconds; a stored millisecond timestamp "equals" its displayed second
        return and_(column >= when, column < when + dt.timedelta(seconds=1)) if when else column.is_(None)
    return _field(name) == value


def _bound(bound: DateBound) -> ColumnElement[bool]:
    if bound.field in _TIMESTAMP_COLUMNS:
        column: ColumnElement[Any] = _TIMESTAMP_COLUMNS[bound.field]
        value: Any = bound.when
    else:
        # other date fields are stored as "YYYY-MM-DD HH:MM:SS" text, which sorts like time
        column, value = _field(bound.field), bound.when.strftime("%Y-%m-%d %H:%M:%S")
    return column > value if bound.newer else column < value


def read_page(store: RecordStore, query: ReadQuery) -> list[StoredRecord]:
    """One page of a Read, in id order, with every filter applied in SQL."""
    stmt = select(records).where(records.c.rtype == query.rtype)
    if not (query.deleted and query.include_nondeleted):
        deleted = records.c.deleted_at.is_not(None) if query.deleted else records.c.deleted_at.is_(None)
        stmt = stmt.where(deleted)
    if query.criteria:
        matched = or_(*(and_(*(_equals(k, v) for k, v in c.items())) for c in query.criteria))
        stmt = stmt.where(not_(matched) if query.negate else matched)
    for bound in query.bounds:
        stmt = stmt.where(_bound(bound))
    for name, allowed in query.field_in.items():
        stmt = stmt.where(_field(name).in_(sorted(allowed)))
    if query.not_exported:
        stmt = stmt.where(_not_exported(query.rtype))
    stmt = stmt.order_by(records.c.id).offset(query.offset).limit(query.limit)
    with store.engine.connect() as conn:
        return [_record(row) for row in conn.execute(stmt)]


def _not_exported(rtype: str) -> ColumnElement[bool]:
    """Neither an own ``exported`` date (seed data may set one) nor an ImportExport naming it.

    Any application's ImportExport counts: a Read has no attribute naming the application
    (emulator assumption, docs/EMULATORS.md).
    """
    marks = records.alias("marks")
    ref = marks.c.data[IMPORT_EXPORT_REF].as_string()
    marked = select(cast(ref, BigInteger)).where(
        marks.c.rtype == IMPORT_EXPORT,
        marks.c.deleted_at.is_(None),
        marks.c.data["type"].as_string() == rtype,
        ref.is_not(None),  # a NULL in a NOT IN list would hide every row
    )
    own = _field("exported")
    # uncorrelated NOT IN: the database builds the marked-id set once per statement
    return and_(or_(own.is_(None), own == ""), records.c.id.not_in(marked))


def find_import_exports(
    store: RecordStore, keys: Iterable[tuple[str, str, str]]
) -> dict[tuple[str, str, str], StoredRecord]:
    """Live ImportExport objects by (application, type, marked id), one query per 900 ids."""
    wanted = set(keys)
    ids = sorted({object_id for _, _, object_id in wanted})
    ref = _field(IMPORT_EXPORT_REF)
    out: dict[tuple[str, str, str], StoredRecord] = {}
    with store.engine.connect() as conn:
        for start in range(0, len(ids), 900):
            stmt = (
                select(records)
                .where(records.c.rtype == IMPORT_EXPORT, ref.in_(ids[start : start + 900]))
                .where(records.c.deleted_at.is_(None))
                .order_by(records.c.id.desc())  # duplicates cannot arise, but the oldest would win
            )
            for row in conn.execute(stmt):
                record = _record(row)
                data = record.data
                key = (str(data.get("application")), str(data.get("type")), str(data.get(IMPORT_EXPORT_REF)))
                if key in wanted:
                    out[key] = record
    return out


def live_ids(store: RecordStore, rtype: str, ids: Iterable[int]) -> set[int]:
    """Which of ``ids`` are live objects of ``rtype`` (one query per 900 ids)."""
    wanted = sorted(set(ids))
    found: set[int] = set()
    with store.engine.connect() as conn:
        for start in range(0, len(wanted), 900):
            chunk = wanted[start : start + 900]
            stmt = select(records.c.id).where(
                records.c.rtype == rtype, records.c.id.in_(chunk), records.c.deleted_at.is_(None)
            )
            found.update(int(row.id) for row in conn.execute(stmt))
    return found


def find_by_field(
    store: RecordStore, rtype: str, field_name: str, values: Iterable[str]
) -> dict[str, StoredRecord]:
    """Live objects of ``rtype`` whose ``field_name`` is one of ``values``, keyed by that value.

    ``externalid`` uses the indexed column; when several objects share a value the oldest wins.
    """
    wanted = sorted({v for v in values if v})
    out: dict[str, StoredRecord] = {}
    column = records.c.external_id if field_name == "externalid" else _field(field_name)
    with store.engine.connect() as conn:
        for start in range(0, len(wanted), 900):
            chunk = wanted[start : start + 900]
            stmt = (
                select(records, column.label("lookup_value"))
                .where(records.c.rtype == rtype, column.in_(chunk), records.c.deleted_at.is_(None))
                .order_by(records.c.id.desc())
            )
            for row in conn.execute(stmt):
                out[str(row.lookup_value)] = _record(row)
    return out


def replace_many(
    store: RecordStore, rtype: str, documents: Mapping[int, dict[str, Any]], at: dt.datetime
) -> None:
    """Overwrite many documents in one transaction, bumping ``updated`` to ``at``.

    The ``external_id`` column follows the document's ``externalid`` so lookups stay indexed.
    """
    if not documents:
        return
    stmt = (
        update(records)
        .where(records.c.rtype == rtype, records.c.id == bindparam("rid"))
        .values(data=bindparam("doc"), external_id=bindparam("ext"), updated_at=at)
    )
    params = [
        {"rid": rid, "doc": doc, "ext": doc.get("externalid") or None} for rid, doc in documents.items()
    ]
    with store.engine.begin() as conn:
        conn.execute(stmt, params)


def _record(row: Any) -> StoredRecord:
    return StoredRecord(
        rtype=row.rtype,
        id=int(row.id),
        external_id=row.external_id,
        data=json.loads(row.data) if isinstance(row.data, str) else dict(row.data or {}),
        created_at=row.created_at,
        updated_at=row.updated_at,
        deleted_at=row.deleted_at,
    )
