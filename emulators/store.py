"""Persistent record store shared by the NetSuite and SuiteProjects Pro emulators.

Each emulated system keeps its records in one SQLAlchemy table as JSON documents, keyed by
(record type, id). A document is a plain dict in the emulated system's own field names:

* NetSuite: ``{"entityId": "C-1", "companyName": "Acme", "isInactive": False,
  "subsidiary": {"internalId": "1", "type": "subsidiary"},
  "customFieldList": {"custentity_oa_export_to_openair": True}}``; references are dicts with
  ``internalId`` (and optionally ``externalId``, ``type``, ``name``); custom fields sit in the
  ``customFieldList`` dict keyed by scriptId. ``lastModifiedDate`` / ``lastModified`` are set by
  the emulator, not by callers.
* SuiteProjects Pro: ``{"name": "Acme", "company": "Acme", "active": "1",
  "netsuite_customer_id__c": "42"}``; every value is a string as on the wire; ``created`` and
  ``updated`` are set by the store.

Ids are integers handed out from one counter per store, so an id never repeats (NetSuite
internalIds and SPP ids both behave this way). Deletes leave tombstones (``deleted_at``), which
``getDeleted`` and SPP's ``deleted`` reads report. The store is synchronous and short-lived per
call: the async servers call it between ``await``s, and SQLite in WAL mode survives restarts.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine

metadata = MetaData()

records = Table(
    "records",
    metadata,
    Column("rtype", String(64), primary_key=True),
    Column("id", BigInteger, primary_key=True),
    Column("external_id", String(255), nullable=True),
    Column("data", JSON, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("deleted_at", DateTime, nullable=True),
    Index("ix_records_ext", "rtype", "external_id"),
    Index("ix_records_updated", "rtype", "updated_at"),
)

counters = Table(
    "counters",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", Integer, nullable=False),
)


def utcnow() -> dt.datetime:
    """The emulated server's clock: naive UTC with millisecond precision."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return now.replace(microsecond=(now.microsecond // 1000) * 1000)


@dataclass(frozen=True)
class StoredRecord:
    """One record as the store holds it."""

    rtype: str
    id: int
    external_id: str | None
    data: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None = None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


def _row_to_record(row: Any) -> StoredRecord:
    data = row.data if isinstance(row.data, dict) else json.loads(row.data)
    return StoredRecord(
        rtype=row.rtype,
        id=int(row.id),
        external_id=row.external_id,
        data=data,
        created_at=row.created_at,
        updated_at=row.updated_at,
        deleted_at=row.deleted_at,
    )


class RecordStore:
    """JSON-document store for one emulated system (``url`` is any SQLAlchemy URL).

    ``sqlite://`` (memory) is for tests; a file URL survives restarts.
    """

    def __init__(self, url: str = "sqlite://") -> None:
        self.url = url
        kwargs: dict[str, Any] = {}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            if url in ("sqlite://", "sqlite:///:memory:"):
                from sqlalchemy.pool import StaticPool

                kwargs["poolclass"] = StaticPool
        self.engine: Engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        metadata.create_all(self.engine)
        self._last_ts: dt.datetime | None = None

    # -- clock -----------------------------------------------------------------------------
    def tick(self) -> dt.datetime:
        """A strictly increasing server timestamp, so ``updated`` orders every write."""
        now = utcnow()
        if self._last_ts is not None and now <= self._last_ts:
            now = self._last_ts + dt.timedelta(milliseconds=1)
        self._last_ts = now
        return now

    # -- ids -------------------------------------------------------------------------------
    def next_ids(self, count: int, name: str = "id") -> list[int]:
        """Reserve ``count`` fresh ids from the store's counter."""
        with self.engine.begin() as conn:
            current = conn.execute(select(counters.c.value).where(counters.c.name == name)).scalar()
            if current is None:
                current = 0
                conn.execute(insert(counters).values(name=name, value=count))
            else:
                conn.execute(update(counters).where(counters.c.name == name).values(value=current + count))
        return list(range(current + 1, current + count + 1))

    # -- writes ----------------------------------------------------------------------------
    def insert(self, rtype: str, data: dict[str, Any], external_id: str | None = None) -> StoredRecord:
        """Insert a new record and return it with its id."""
        return self.insert_many(rtype, [(data, external_id)])[0]

    def insert_many(
        self,
        rtype: str,
        items: Iterable[tuple[dict[str, Any], str | None]],
        *,
        at: dt.datetime | None = None,
        stamp: Callable[[int, dict[str, Any]], None] | None = None,
    ) -> list[StoredRecord]:
        """Insert many records in one transaction (the seed generator's fast path); ``stamp`` may
        complete each document from its new id first (a transaction's generated number)."""
        items = list(items)
        if not items:
            return []
        ids = self.next_ids(len(items))
        if stamp is not None:
            for i, (data, _) in zip(ids, items, strict=True):
                stamp(i, data)
        ts = at or self.tick()
        rows = [
            {
                "rtype": rtype,
                "id": i,
                "external_id": ext,
                "data": data,
                "created_at": ts,
                "updated_at": ts,
                "deleted_at": None,
            }
            for i, (data, ext) in zip(ids, items, strict=True)
        ]
        with self.engine.begin() as conn:
            conn.execute(insert(records), rows)
        return [StoredRecord(r["rtype"], r["id"], r["external_id"], r["data"], ts, ts) for r in rows]

    def replace(
        self, rtype: str, record_id: int, data: dict[str, Any], external_id: str | None = None
    ) -> StoredRecord:
        """Overwrite a record's document (callers merge fields first) and bump ``updated_at``."""
        ts = self.tick()
        values: dict[str, Any] = {"data": data, "updated_at": ts}
        if external_id is not None:
            values["external_id"] = external_id
        with self.engine.begin() as conn:
            conn.execute(
                update(records).where(records.c.rtype == rtype, records.c.id == record_id).values(**values)
            )
        found = self.get(rtype, record_id, include_deleted=True)
        assert found is not None
        return found

    def replace_many(
        self, rtype: str, items: Iterable[tuple[int, dict[str, Any], str | None]]
    ) -> dict[int, StoredRecord]:
        """Overwrite many documents in one transaction (list updates); ``items`` are
        (id, data, external_id or None to keep the current one). Returns the records by id."""
        rows = [{"b_id": i, "b_data": data, "b_ext": ext} for i, data, ext in items]
        if not rows:
            return {}
        ts = self.tick()
        stmt = (
            update(records)
            .where(records.c.rtype == rtype, records.c.id == bindparam("b_id"))
            .values(
                data=bindparam("b_data", type_=JSON),
                external_id=func.coalesce(bindparam("b_ext", type_=String), records.c.external_id),
                updated_at=ts,
            )
        )
        with self.engine.begin() as conn:
            conn.execute(stmt, rows)
        return self.get_many(rtype, [r["b_id"] for r in rows])

    def delete(self, rtype: str, record_id: int) -> StoredRecord | None:
        """Tombstone a record; returns None when it did not exist (or was already deleted)."""
        ts = self.tick()
        with self.engine.begin() as conn:
            res = conn.execute(
                update(records)
                .where(records.c.rtype == rtype, records.c.id == record_id, records.c.deleted_at.is_(None))
                .values(deleted_at=ts, updated_at=ts)
            )
        if res.rowcount == 0:
            return None
        return self.get(rtype, record_id, include_deleted=True)

    def clear(self) -> None:
        """Remove every record and reset the id counter."""
        with self.engine.begin() as conn:
            conn.execute(delete(records))
            conn.execute(delete(counters))

    # -- reads -----------------------------------------------------------------------------
    def get(self, rtype: str, record_id: int, *, include_deleted: bool = False) -> StoredRecord | None:
        stmt = select(records).where(records.c.rtype == rtype, records.c.id == record_id)
        if not include_deleted:
            stmt = stmt.where(records.c.deleted_at.is_(None))
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        return _row_to_record(row) if row else None

    def get_many(self, rtype: str, record_ids: Iterable[int]) -> dict[int, StoredRecord]:
        ids = list(record_ids)
        out: dict[int, StoredRecord] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(ids), 900):
                chunk = ids[start : start + 900]
                stmt = select(records).where(
                    records.c.rtype == rtype, records.c.id.in_(chunk), records.c.deleted_at.is_(None)
                )
                for row in conn.execute(stmt):
                    out[int(row.id)] = _row_to_record(row)
        return out

    def get_by_external_id(self, rtype: str, external_id: str) -> StoredRecord | None:
        stmt = select(records).where(
            records.c.rtype == rtype, records.c.external_id == external_id, records.c.deleted_at.is_(None)
        )
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        return _row_to_record(row) if row else None

    def get_many_by_external_id(self, rtype: str, external_ids: Iterable[str]) -> dict[str, StoredRecord]:
        """Live records of a type by external id, in one query per 900 ids (list operations)."""
        wanted = list(dict.fromkeys(external_ids))
        out: dict[str, StoredRecord] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 900):
                stmt = select(records).where(
                    records.c.rtype == rtype,
                    records.c.external_id.in_(wanted[start : start + 900]),
                    records.c.deleted_at.is_(None),
                )
                for row in conn.execute(stmt):
                    out[row.external_id] = _row_to_record(row)
        return out

    def find_by_field(self, rtype: str, field: str, values: Iterable[str]) -> list[StoredRecord]:
        """Live records of a type whose top-level document ``field`` equals one of ``values``
        (uniqueness checks such as NetSuite's entityId)."""
        wanted = list(dict.fromkeys(values))
        found: list[StoredRecord] = []
        column = records.c.data[field].as_string()
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 900):
                stmt = select(records).where(
                    records.c.rtype == rtype,
                    column.in_(wanted[start : start + 900]),
                    records.c.deleted_at.is_(None),
                )
                found.extend(_row_to_record(row) for row in conn.execute(stmt))
        return found

    def scan(
        self,
        rtype: str,
        *,
        updated_after: dt.datetime | None = None,
        updated_on_or_after: dt.datetime | None = None,
        updated_before: dt.datetime | None = None,
        updated_on_or_before: dt.datetime | None = None,
        deleted: bool = False,
    ) -> Iterator[StoredRecord]:
        """Records of a type in id order, optionally windowed on ``updated_at``.

        ``deleted=True`` yields tombstones only; otherwise live records only.
        """
        stmt = select(records).where(records.c.rtype == rtype)
        stmt = stmt.where(records.c.deleted_at.is_not(None) if deleted else records.c.deleted_at.is_(None))
        if updated_after is not None:
            stmt = stmt.where(records.c.updated_at > updated_after)
        if updated_on_or_after is not None:
            stmt = stmt.where(records.c.updated_at >= updated_on_or_after)
        if updated_before is not None:
            stmt = stmt.where(records.c.updated_at < updated_before)
        if updated_on_or_before is not None:
            stmt = stmt.where(records.c.updated_at <= updated_on_or_before)
        stmt = stmt.order_by(records.c.id)
        with self.engine.connect() as conn:
            for row in conn.execute(stmt):
                yield _row_to_record(row)

    def count(self, rtype: str | None = None) -> int:
        stmt = select(func.count()).select_from(records).where(records.c.deleted_at.is_(None))
        if rtype is not None:
            stmt = stmt.where(records.c.rtype == rtype)
        with self.engine.connect() as conn:
            return int(conn.execute(stmt).scalar() or 0)

    def set_timestamps(
        self, rtype: str, record_id: int, *, created: dt.datetime, updated: dt.datetime
    ) -> None:
        """Back-date a record (seed data that 'changed since the last sync')."""
        with self.engine.begin() as conn:
            conn.execute(
                update(records)
                .where(records.c.rtype == rtype, records.c.id == record_id)
                .values(created_at=created, updated_at=updated)
            )


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
