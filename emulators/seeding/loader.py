"""Loading planned documents into a ``RecordStore``: chunked inserts, id checks, back-dated timestamps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, NamedTuple

from sqlalchemy import bindparam, update

from emulators.store import RecordStore, records

CHUNK_SIZE = 5000


class SeedError(RuntimeError):
    """The store did not hand out the ids the plan expects (it was not empty after ``clear``)."""


class StoreRow(NamedTuple):
    """One document to insert with its external id and the timestamps it must carry."""

    doc: dict[str, Any]
    external_id: str | None
    created: dt.datetime
    updated: dt.datetime


# One statement, executed once per row of a chunk (executemany), to back-date what insert_many stamped.
_RESTAMP = (
    update(records)
    .where(records.c.rtype == bindparam("b_rtype"), records.c.id == bindparam("b_id"))
    .values(created_at=bindparam("b_created"), updated_at=bindparam("b_updated"))
)


def _chunks(rows: Iterable[StoreRow], size: int) -> Iterator[list[StoreRow]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def load(store: RecordStore, rtype: str, rows: Iterable[StoreRow], first_id: int) -> int:
    """Insert ``rows`` as ``rtype`` records, checking they get ids from ``first_id`` on; returns the count.

    ``insert_many`` stamps a whole chunk with one instant; the per-record instants are then set in one
    more transaction per chunk (``set_timestamps`` would take one transaction per record).
    """
    expected = first_id
    loaded = 0
    for chunk in _chunks(rows, CHUNK_SIZE):
        stored = store.insert_many(rtype, [(row.doc, row.external_id) for row in chunk], at=chunk[0].created)
        if stored[0].id != expected or stored[-1].id != expected + len(chunk) - 1:
            raise SeedError(
                f"{rtype}: store assigned ids {stored[0].id}..{stored[-1].id}, plan expects "
                f"{expected}..{expected + len(chunk) - 1}; was the store cleared?"
            )
        params = [
            {"b_rtype": rtype, "b_id": rec.id, "b_created": row.created, "b_updated": row.updated}
            for rec, row in zip(stored, chunk, strict=True)
            if (row.created, row.updated) != (chunk[0].created, chunk[0].created)
        ]
        if params:
            with store.engine.begin() as conn:
                conn.execute(_RESTAMP, params)
        expected += len(chunk)
        loaded += len(chunk)
    return loaded
