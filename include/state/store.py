"""The integration's state store: what the workflows remember between runs.

One ``StateStore`` per task process; every method is one short transaction, so ten processes can
share a SQLite file (WAL, busy timeout, ``BEGIN IMMEDIATE`` writers) or a PostgreSQL database.
Bulk methods split ``IN`` lists into chunks of ``engine.CHUNK`` ids. Nothing is cached locally: every
answer comes from the database. Staged plans (``store.plans``) live in ``include/state/plans.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, Row

from include.state import models as m
from include.state.engine import Transactions, chunked, default_url, make_engine, utcnow
from include.state.migrate import ensure_schema
from include.state.plans import StagedPlans
from include.state.records import Claim, CrossReference, Event, RecordError, RunRecord, SenderKey

RUNNING = "running"


def _unique(ids: Iterable[Any]) -> list[str]:
    return list(dict.fromkeys(str(i) for i in ids if i is not None))


def _lock_key(name: str) -> int:
    """A signed 64-bit PostgreSQL advisory-lock key for ``name``."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


class StateStore:
    """Cross-references, watermarks, field hashes, export claims, run log, record errors, events,
    and the staged plans of runs (``plans``).

    ``url`` is any SQLAlchemy URL (SQLite file or PostgreSQL). With ``migrate`` (the default) the
    schema is brought to the latest Alembic revision on first use; that is a single query when
    it already is.
    """

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self._engine = make_engine(url)
        self._tx = Transactions(self._engine)
        self.plans = StagedPlans(self._tx)
        """A run's plan and its batches, handed from the planning task to the load tasks."""
        if migrate:
            ensure_schema(self._engine)

    @classmethod
    def from_env(cls, *, migrate: bool = True) -> StateStore:
        """A store at ``INTEGRATION_STATE_DB_URL`` (default ``sqlite:///<repo>/var/state.db``)."""
        return cls(default_url(), migrate=migrate)

    def migrate(self) -> None:
        """Bring the schema to the latest revision (``alembic upgrade head``); idempotent."""
        ensure_schema(self.engine)

    def close(self) -> None:
        """Close pooled connections."""
        self._engine.dispose()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"StateStore({self._engine.url.render_as_string(hide_password=True)!r})"

    @property
    def engine(self) -> Engine:
        """The engine (after a fork, with a fresh pool: sockets must not be shared across processes)."""
        return self._tx.engine

    # -- transactions ----------------------------------------------------------------------
    def _read(self) -> AbstractContextManager[Connection]:
        return self._tx.read()

    def _write(self) -> AbstractContextManager[Connection]:
        return self._tx.write()

    def _insert(self, conn: Connection, table: Table) -> Any:
        """A dialect ``INSERT`` that supports ``ON CONFLICT`` (SQLite and PostgreSQL)."""
        if conn.dialect.name == "postgresql":
            return postgresql.insert(table)
        if conn.dialect.name == "sqlite":
            return sqlite.insert(table)
        raise NotImplementedError(f"the state store supports SQLite and PostgreSQL, not {conn.dialect.name}")

    # -- cross-references ------------------------------------------------------------------
    def xref_by_netsuite(self, entity: str, ids: Iterable[str]) -> dict[str, CrossReference]:
        """Cross-references of ``entity`` keyed by NetSuite internalId (unknown ids are absent)."""
        return self._xref_by(entity, m.xref.c.netsuite_id, ids)

    def xref_by_spp(self, entity: str, ids: Iterable[str]) -> dict[str, CrossReference]:
        """Cross-references of ``entity`` keyed by SuiteProjects Pro id (unknown ids are absent)."""
        return self._xref_by(entity, m.xref.c.spp_id, ids)

    def _xref_by(self, entity: str, column: Any, ids: Iterable[str]) -> dict[str, CrossReference]:
        found: dict[str, CrossReference] = {}
        with self._read() as conn:
            for chunk in chunked(_unique(ids)):
                rows = conn.execute(select(m.xref).where(m.xref.c.entity == entity, column.in_(chunk)))
                for row in rows:
                    found[row._mapping[column.name]] = _xref_from_row(row)
        return found

    def xref_count(self, entity: str | None = None) -> int:
        """How many cross-reference rows exist (for one entity, or all)."""
        stmt = select(func.count()).select_from(m.xref)
        if entity is not None:
            stmt = stmt.where(m.xref.c.entity == entity)
        with self._read() as conn:
            return int(conn.execute(stmt).scalar_one())

    def xref_upsert(self, rows: list[CrossReference]) -> None:
        """Insert or merge cross-references, matching existing rows on either id.

        Given ids overwrite stored ones and ``None`` keeps what is stored. The newest pair wins:
        if a row links NetSuite ``A`` to SPP ``B`` and an older row held ``B`` for another NetSuite
        id, that older row loses its SPP side (and is removed if nothing is left). Rows are
        applied in order, all in one transaction; concurrent writers of an entity serialize.
        """
        if not rows:
            return
        for row in rows:
            if _xref_id(row.netsuite_id) is None and _xref_id(row.spp_id) is None:
                raise ValueError(f"cross-reference without any id: {row!r}")
        by_entity: dict[str, list[CrossReference]] = {}
        for row in rows:
            by_entity.setdefault(row.entity, []).append(row)
        now = utcnow()
        with self._write() as conn:
            if conn.dialect.name == "postgresql":
                # Sorted, so two writers of overlapping entities cannot deadlock.
                for entity in sorted(by_entity):
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key(f"xref:{entity}")})
            for entity, group in by_entity.items():
                merge = _XrefMerge.load(conn, entity, group)
                for row in group:
                    merge.apply(row)
                merge.flush(conn, now)

    # -- watermarks ------------------------------------------------------------------------
    def get_watermark(self, workflow: str) -> dt.datetime | None:
        """The workflow's incremental cursor (aware UTC), or ``None`` before its first success."""
        with self._read() as conn:
            return conn.execute(
                select(m.watermark.c.value).where(m.watermark.c.workflow == workflow)
            ).scalar()

    def set_watermark(self, workflow: str, value: dt.datetime, run_id: str, *, force: bool = False) -> None:
        """Advance the workflow's cursor to ``value`` (aware); an older value is ignored unless ``force``."""
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"watermark {value!r} is naive: pass a timezone-aware datetime")
        with self._write() as conn:
            ins = self._insert(conn, m.watermark).values(
                workflow=workflow, value=value, run_id=run_id, updated_at=utcnow()
            )
            changes = {
                "value": ins.excluded.value,
                "run_id": ins.excluded.run_id,
                "updated_at": ins.excluded.updated_at,
            }
            # The comparison runs in the database, so racing writers cannot move it backwards either.
            where = None if force else m.watermark.c.value < ins.excluded.value
            conn.execute(ins.on_conflict_do_update(index_elements=["workflow"], set_=changes, where=where))

    # -- monitored-field hashes ------------------------------------------------------------
    def get_hashes(self, workflow: str, source_ids: Iterable[str]) -> dict[str, str]:
        """Stored hashes of the monitored fields, keyed by source id (unknown ids are absent)."""
        found: dict[str, str] = {}
        t = m.field_hash
        with self._read() as conn:
            for chunk in chunked(_unique(source_ids)):
                stmt = select(t.c.source_id, t.c.hash).where(
                    t.c.workflow == workflow, t.c.source_id.in_(chunk)
                )
                found.update({row.source_id: row.hash for row in conn.execute(stmt)})
        return found

    def set_hashes(self, workflow: str, hashes: dict[str, str]) -> None:
        """Store (insert or replace) monitored-field hashes by source id."""
        if not hashes:
            return
        now = utcnow()
        params = [
            {"workflow": workflow, "source_id": str(k), "hash": v, "updated_at": now}
            for k, v in hashes.items()
        ]
        with self._write() as conn:
            ins = self._insert(conn, m.field_hash)
            stmt = ins.on_conflict_do_update(
                index_elements=["workflow", "source_id"],
                set_={"hash": ins.excluded.hash, "updated_at": ins.excluded.updated_at},
            )
            for chunk in chunked(params):
                conn.execute(stmt, list(chunk))

    def hashed_ids(self, workflow: str) -> set[str]:
        """Every source id with a stored hash: the records the workflow has written and not retired."""
        t = m.field_hash
        with self._read() as conn:
            return {
                row.source_id for row in conn.execute(select(t.c.source_id).where(t.c.workflow == workflow))
            }

    def drop_hashes(self, workflow: str, source_ids: Iterable[str]) -> None:
        """Forget the hashes of records whose target record was retired (a row that comes back is
        written again)."""
        t = m.field_hash
        with self._write() as conn:
            for chunk in chunked(_unique(source_ids)):
                conn.execute(delete(t).where(t.c.workflow == workflow, t.c.source_id.in_(chunk)))

    # -- export claims ---------------------------------------------------------------------
    def claim(self, workflow: str, source_id: str, external_id: str, run_id: str) -> None:
        """Record that ``source_id`` is about to be exported under ``external_id`` (re-claiming is fine)."""
        self.claim_many(workflow, {source_id: external_id}, run_id)

    def claim_many(self, workflow: str, external_ids: dict[str, str], run_id: str) -> None:
        """``claim`` for a batch: ``external_ids`` maps source id -> external id."""
        if not external_ids:
            return
        now = utcnow()
        params = [
            {"workflow": workflow, "source_id": str(k), "external_id": v, "run_id": run_id, "claimed_at": now}
            for k, v in external_ids.items()
        ]
        with self._write() as conn:
            ins = self._insert(conn, m.export_claim)
            stmt = ins.on_conflict_do_update(
                index_elements=["workflow", "source_id"],
                set_={c: ins.excluded[c] for c in ("external_id", "run_id", "claimed_at")},
            )
            for chunk in chunked(params):
                conn.execute(stmt, list(chunk))

    def claims_open(self, workflow: str) -> list[Claim]:
        """Claims not yet released, oldest first: exports whose outcome is unknown."""
        t = m.export_claim
        stmt = select(t).where(t.c.workflow == workflow).order_by(t.c.claimed_at, t.c.source_id)
        with self._read() as conn:
            return [Claim(**row._asdict()) for row in conn.execute(stmt)]

    def release_claims(self, workflow: str, source_ids: Iterable[str]) -> None:
        """Drop claims whose export outcome is now recorded."""
        t = m.export_claim
        with self._write() as conn:
            for chunk in chunked(_unique(source_ids)):
                conn.execute(delete(t).where(t.c.workflow == workflow, t.c.source_id.in_(chunk)))

    # -- run log ---------------------------------------------------------------------------
    def start_run(self, run_id: str, workflow: str, params: dict[str, Any]) -> None:
        """Log a run as ``running``; starting it again (a retry) resets status and end time."""
        with self._write() as conn:
            ins = self._insert(conn, m.run_log).values(
                run_id=run_id,
                workflow=workflow,
                status=RUNNING,
                params=params,
                started_at=utcnow(),
                timings={},
            )
            changes = {"status": RUNNING, "params": ins.excluded.params, "finished_at": None}
            conn.execute(ins.on_conflict_do_update(index_elements=["run_id", "workflow"], set_=changes))

    def finish_run(
        self,
        run_id: str,
        workflow: str,
        status: str,
        created: int = 0,
        updated: int = 0,
        skipped: int = 0,
        failed: int = 0,
        extracted: int = 0,
        timings: dict[str, Any] | None = None,
        retired: int = 0,
    ) -> None:
        """Record a run's outcome and counts (also when ``start_run`` was never called)."""
        now = utcnow()
        outcome = {
            "status": status,
            "finished_at": now,
            "created": created,
            "updated": updated,
            "skipped": skipped,
            "failed": failed,
            "extracted": extracted,
            "timings": timings or {},
            "retired": retired,
        }
        with self._write() as conn:
            ins = self._insert(conn, m.run_log).values(
                run_id=run_id, workflow=workflow, params={}, started_at=now, **outcome
            )
            changes = {key: ins.excluded[key] for key in outcome}
            conn.execute(ins.on_conflict_do_update(index_elements=["run_id", "workflow"], set_=changes))

    def runs(self, workflow: str | None = None, limit: int = 50) -> list[RunRecord]:
        """The most recent runs first (of one workflow, or all)."""
        t = m.run_log
        stmt = select(t).order_by(t.c.started_at.desc(), t.c.run_id.desc()).limit(limit)
        if workflow is not None:
            stmt = stmt.where(t.c.workflow == workflow)
        with self._read() as conn:
            return [RunRecord(**row._asdict()) for row in conn.execute(stmt)]

    def last_run(self, workflow: str, status: str | None = None) -> RunRecord | None:
        """The workflow's most recent run (optionally: the most recent with ``status``)."""
        t = m.run_log
        stmt = (
            select(t)
            .where(t.c.workflow == workflow)
            .order_by(t.c.started_at.desc(), t.c.run_id.desc())
            .limit(1)
        )
        if status is not None:
            stmt = stmt.where(t.c.status == status)
        with self._read() as conn:
            row = conn.execute(stmt).first()
        return RunRecord(**row._asdict()) if row is not None else None

    # -- per-record errors -----------------------------------------------------------------
    def record_errors(self, run_id: str, workflow: str, errors: list[RecordError]) -> None:
        """Append per-record failures of a run."""
        if not errors:
            return
        now = utcnow()
        params = [
            {
                "run_id": run_id,
                "workflow": workflow,
                "source_system": e.source_system,
                "source_type": e.source_type,
                "source_id": None if e.source_id is None else str(e.source_id),
                "source_name": e.source_name,
                "target_system": e.target_system,
                "code": e.code,
                "message": e.message,
                "created_at": now,
            }
            for e in errors
        ]
        with self._write() as conn:
            for chunk in chunked(params):
                conn.execute(insert(m.record_error), list(chunk))

    def errors(
        self, run_id: str | None = None, workflow: str | None = None, limit: int = 1000
    ) -> list[RecordError]:
        """Recorded errors, newest first, filtered by run and/or workflow."""
        t = m.record_error
        stmt = select(t).order_by(t.c.id.desc()).limit(limit)
        if run_id is not None:
            stmt = stmt.where(t.c.run_id == run_id)
        if workflow is not None:
            stmt = stmt.where(t.c.workflow == workflow)
        with self._read() as conn:
            return [RecordError(**row._asdict()) for row in conn.execute(stmt)]

    # -- event queue -----------------------------------------------------------------------
    def enqueue(self, event_type: str, payload: dict[str, Any], dedupe_key: str | None = None) -> int | None:
        """Queue an event; returns its id, or ``None`` if an event with ``dedupe_key`` was queued before."""
        [(event_id, duplicate)] = self.enqueue_many([(event_type, payload, dedupe_key)])
        return None if duplicate else event_id

    def enqueue_many(
        self, events: Iterable[tuple[str, dict[str, Any], str | None]]
    ) -> list[tuple[int, bool]]:
        """Queue ``(event_type, payload, dedupe_key)`` events in one transaction: when it returns,
        they are committed. Returns ``(id, duplicate)`` per event; a duplicate (its dedupe key was
        queued before, whatever became of it) keeps the first one's id and is not queued again."""
        t = m.event_queue
        out: list[tuple[int, bool]] = []
        now = utcnow()
        with self._write() as conn:
            for event_type, payload, dedupe_key in events:
                stmt = (
                    self._insert(conn, t)
                    .values(
                        event_type=event_type,
                        payload=payload,
                        dedupe_key=dedupe_key,
                        status=m.EVENT_PENDING,
                        attempts=0,
                        created_at=now,
                    )
                    .on_conflict_do_nothing()
                    .returning(t.c.id)
                )
                new_id = conn.execute(stmt).scalar()
                if new_id is not None:
                    out.append((int(new_id), False))
                    continue
                earlier = conn.execute(select(t.c.id).where(t.c.dedupe_key == dedupe_key)).scalar_one()
                out.append((int(earlier), True))
        return out

    def event(self, event_id: int) -> Event | None:
        """One event as it stands now (``None`` if there is no such id)."""
        with self._read() as conn:
            row = conn.execute(select(m.event_queue).where(m.event_queue.c.id == int(event_id))).first()
        return None if row is None else Event(**row._asdict())

    def _due(self, now: dt.datetime, lease_s: float) -> Any:
        """Events a consumer may take: pending and past their backoff, or taken by a consumer that
        did not settle them within ``lease_s`` (it died: its events go to the next one)."""
        t = m.event_queue
        pending = (t.c.status == m.EVENT_PENDING) & (t.c.not_before.is_(None) | (t.c.not_before <= now))
        abandoned = (t.c.status == m.EVENT_TAKEN) & (t.c.taken_at < now - dt.timedelta(seconds=lease_s))
        return pending | abandoned

    def events_due(self, event_types: Iterable[str] | None = None, lease_s: float = 600.0) -> int:
        """How many events a consumer could take now."""
        t = m.event_queue
        stmt = select(func.count()).select_from(t).where(self._due(utcnow(), lease_s))
        if event_types is not None:
            stmt = stmt.where(t.c.event_type.in_(list(event_types)))
        with self._read() as conn:
            return int(conn.execute(stmt).scalar_one())

    def dequeue(
        self, limit: int = 100, event_types: Iterable[str] | None = None, lease_s: float = 600.0
    ) -> list[Event]:
        """Take up to ``limit`` due events (``_due``), oldest first; no two callers ever get the same one.

        PostgreSQL skips rows other transactions have locked (``FOR UPDATE SKIP LOCKED``); SQLite
        writers are serialized by ``BEGIN IMMEDIATE``. The due guard on the update keeps the claim
        correct either way.
        """
        t = m.event_queue
        now = utcnow()
        due = self._due(now, lease_s)
        pick = select(t.c.id).where(due).order_by(t.c.id).limit(limit)
        if event_types is not None:
            pick = pick.where(t.c.event_type.in_(list(event_types)))
        with self._write() as conn:
            if conn.dialect.name == "postgresql":
                pick = pick.with_for_update(skip_locked=True)
            ids = list(conn.execute(pick).scalars())
            if not ids:
                return []
            taken = conn.execute(
                update(t)
                .where(t.c.id.in_(ids), due)
                .values(status=m.EVENT_TAKEN, taken_at=now, attempts=t.c.attempts + 1)
                .returning(*t.c)
            ).all()
        return sorted((Event(**row._asdict()) for row in taken), key=lambda e: e.id)

    def ack(self, event_ids: Iterable[int]) -> None:
        """Mark taken events as processed."""
        self.settle_events(done={int(i): None for i in event_ids})

    def settle_events(
        self,
        *,
        done: dict[int, str | None] | None = None,
        retry: dict[int, tuple[str, dt.datetime]] | None = None,
        failed: dict[int, str] | None = None,
    ) -> None:
        """Record what came of taken events, in one transaction: ``done`` (event id → the target
        record's id, if one was written), ``retry`` (→ error, not before when), ``failed`` (→ error:
        parked for good). A settled event is not settled again (``done`` stays done)."""
        t = m.event_queue
        now = utcnow()
        open_ = t.c.status.not_in([m.EVENT_DONE, m.EVENT_FAILED])
        with self._write() as conn:
            for event_id, target_id in (done or {}).items():
                conn.execute(
                    update(t)
                    .where(t.c.id == event_id, open_)
                    .values(status=m.EVENT_DONE, acked_at=now, target_id=target_id)
                )
            for event_id, (error, not_before) in (retry or {}).items():
                conn.execute(
                    update(t)
                    .where(t.c.id == event_id, open_)
                    .values(status=m.EVENT_PENDING, error=error, not_before=not_before)
                )
            for event_id, error in (failed or {}).items():
                conn.execute(
                    update(t)
                    .where(t.c.id == event_id, open_)
                    .values(status=m.EVENT_FAILED, acked_at=now, error=error)
                )

    # -- event senders -----------------------------------------------------------------------
    def add_sender_key(
        self,
        sender: str,
        scheme: str,
        key_id: str,
        *,
        secret_sha256: str | None = None,
        certificate: str | None = None,
    ) -> SenderKey:
        """Register a key ``sender`` signs its events with (its earlier keys stay valid: rotation)."""
        t = m.event_sender_key
        values = dict(
            sender=sender,
            scheme=scheme,
            key_id=key_id,
            secret_sha256=secret_sha256,
            certificate=certificate,
            created_at=utcnow(),
        )
        with self._write() as conn:
            new_id = conn.execute(insert(t).values(**values).returning(t.c.id)).scalar_one()
        return SenderKey(id=int(new_id), **values)  # type: ignore[arg-type]

    def sender_key(self, key_id: str) -> SenderKey | None:
        """The active (not retired) key with this id."""
        t = m.event_sender_key
        with self._read() as conn:
            row = conn.execute(select(t).where(t.c.key_id == key_id, t.c.retired_at.is_(None))).first()
        return None if row is None else SenderKey(**row._asdict())

    def sender_keys(self, sender: str | None = None) -> list[SenderKey]:
        """Every key, retired ones included, oldest first."""
        t = m.event_sender_key
        stmt = select(t).order_by(t.c.id)
        if sender is not None:
            stmt = stmt.where(t.c.sender == sender)
        with self._read() as conn:
            return [SenderKey(**row._asdict()) for row in conn.execute(stmt)]

    def retire_sender_key(self, key_id: str) -> bool:
        """Stop accepting a key; returns whether an active key was retired."""
        t = m.event_sender_key
        with self._write() as conn:
            result = conn.execute(
                update(t).where(t.c.key_id == key_id, t.c.retired_at.is_(None)).values(retired_at=utcnow())
            )
        return bool(result.rowcount)

    def remember_token(self, sender: str, jti: str, expires_at: dt.datetime) -> bool:
        """Record a token id as used; ``False`` if ``sender`` used it before (a replay). Ids of
        tokens that have expired are forgotten: an expired token is refused by its ``exp``."""
        t = m.event_replay
        with self._write() as conn:
            conn.execute(delete(t).where(t.c.expires_at < utcnow()))
            stmt = (
                self._insert(conn, t)
                .values(sender=sender, jti=jti, expires_at=expires_at)
                .on_conflict_do_nothing()
                .returning(t.c.jti)
            )
            return conn.execute(stmt).scalar() is not None


def _xref_id(value: Any) -> str | None:
    """An id as stored: a string, with ``""`` meaning unknown (it must not become a shared key)."""
    return None if value is None or value == "" else str(value)


def _xref_from_row(row: Row[Any]) -> CrossReference:
    data = row._asdict()
    data.pop("id", None)
    return CrossReference(**data)


_XREF_FIELDS = ("netsuite_id", "spp_id", "netsuite_external_id", "spp_external_id")


class _XrefMerge:
    """One entity's cross-reference merge, planned in memory then written in a few statements.

    Holds every stored row that an incoming id could touch, so all unique conflicts are visible
    before anything is written.
    """

    def __init__(self, entity: str, existing: list[dict[str, Any]]) -> None:
        self.entity = entity
        self.rows: dict[Any, dict[str, Any]] = {r["id"]: r for r in existing}
        self.original = {r["id"]: dict(r) for r in existing}
        self.by_ns = {r["netsuite_id"]: r["id"] for r in existing if r["netsuite_id"] is not None}
        self.by_spp = {r["spp_id"]: r["id"] for r in existing if r["spp_id"] is not None}
        self.deleted: set[Any] = set()
        self._new = 0

    @classmethod
    def load(cls, conn: Connection, entity: str, incoming: list[CrossReference]) -> _XrefMerge:
        t = m.xref
        cols = [t.c.id, *(t.c[f] for f in _XREF_FIELDS)]
        existing: dict[int, dict[str, Any]] = {}
        for column, ids in (
            (t.c.netsuite_id, [_xref_id(r.netsuite_id) for r in incoming]),
            (t.c.spp_id, [_xref_id(r.spp_id) for r in incoming]),
        ):
            for chunk in chunked(_unique(ids)):
                for row in conn.execute(select(*cols).where(t.c.entity == entity, column.in_(chunk))):
                    existing[row.id] = row._asdict()
        return cls(entity, list(existing.values()))

    def apply(self, ref: CrossReference) -> None:
        ns, spp = _xref_id(ref.netsuite_id), _xref_id(ref.spp_id)
        by_ns = self.by_ns.get(ns) if ns is not None else None
        by_spp = self.by_spp.get(spp) if spp is not None else None
        key: Any
        if by_ns is None and by_spp is None:
            self._new += 1
            key = ("new", self._new)
            self.rows[key] = dict.fromkeys(("id", *_XREF_FIELDS))
        elif by_ns is not None and by_spp is not None and by_ns != by_spp:
            key = by_ns
            self._unlink_spp(by_spp)
        else:
            key = by_ns if by_ns is not None else by_spp
        row = self.rows[key]
        old_ns, old_spp = row["netsuite_id"], row["spp_id"]
        values = {
            "netsuite_id": ns,
            "spp_id": spp,
            "netsuite_external_id": ref.netsuite_external_id,
            "spp_external_id": ref.spp_external_id,
        }
        for field, value in values.items():
            if value is not None:
                row[field] = value
        # Re-index when the row was re-linked to another id on one side.
        if old_ns != row["netsuite_id"]:
            self.by_ns.pop(old_ns, None)
            self.by_ns[row["netsuite_id"]] = key
        if old_spp != row["spp_id"]:
            self.by_spp.pop(old_spp, None)
            self.by_spp[row["spp_id"]] = key

    def _unlink_spp(self, key: Any) -> None:
        """``key``'s SPP id now belongs to another row: cut it, drop the row if nothing is left."""
        row = self.rows[key]
        self.by_spp.pop(row["spp_id"], None)
        row["spp_id"] = row["spp_external_id"] = None
        if row["netsuite_id"] is None:
            del self.rows[key]
            if not isinstance(key, tuple):
                self.deleted.add(key)

    def flush(self, conn: Connection, now: dt.datetime) -> None:
        t = m.xref
        for chunk in chunked(sorted(self.deleted)):
            conn.execute(delete(t).where(t.c.id.in_(chunk)))
        changed = [r for k, r in self.rows.items() if not isinstance(k, tuple) and r != self.original[k]]
        relinked = [
            r["id"]
            for r in changed
            if (r["netsuite_id"], r["spp_id"])
            != (self.original[r["id"]]["netsuite_id"], self.original[r["id"]]["spp_id"])
        ]
        # Clear the ids of re-linked rows first: the unique constraints are checked row by row, so
        # swapping ids between two rows would otherwise collide half-way.
        for chunk in chunked(relinked):
            conn.execute(update(t).where(t.c.id.in_(chunk)).values(netsuite_id=None, spp_id=None))
        if changed:
            stmt = (
                update(t)
                .where(t.c.id == bindparam("_id"))
                .values({f: bindparam(f"_{f}") for f in _XREF_FIELDS} | {"updated_at": now})
            )
            for chunk in chunked(changed):
                conn.execute(stmt, [{"_id": r["id"], **{f"_{f}": r[f] for f in _XREF_FIELDS}} for r in chunk])
        new = [
            {"entity": self.entity, "updated_at": now, **{f: r[f] for f in _XREF_FIELDS}}
            for k, r in self.rows.items()
            if isinstance(k, tuple)
        ]
        for chunk in chunked(new):
            conn.execute(insert(t), list(chunk))
