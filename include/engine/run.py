"""The decisions and writes of one workflow run: plan chunk by chunk, load a batch, finish.

``WorkflowRunner`` is plain Python (no Airflow). The staged protocol that calls it — open the
plan, stage its chunks, let threads claim and load the batches, finish with its checks — is
``include.engine.staged``: the operators call that, and so do the tests, the benchmark and the
CLI. Nothing else loops over a plan.

What a run guarantees:

* **nothing duplicated** — creates are idempotent writes (see ``endpoints``), records that
  already exist on both sides are linked first by the mapping's match rules (``matching``), and
  every successful write is committed to the cross-reference in the same batch;
* **nothing lost** — a record the target rejects is logged with its reason and retried by id on
  the next run; the watermark advances only when every staged batch loaded, and only to the
  source system's own clock reading taken at the start of the run;
* **nothing rewritten needlessly** — a source record whose monitored fields hash to what was
  last written is skipped (unless the run is a full synchronisation).
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from include.engine.direction import direction_of, linked_ids
from include.engine.endpoints import source_id_of
from include.engine.matching import AMBIGUOUS, match_existing
from include.engine.window import SyncWindow, resolve_window
from include.mapping.paths import get_path
from include.results import WriteResult

if TYPE_CHECKING:
    from include.mapping.model import Workflow
    from include.netsuite.client import NetSuiteClient
    from include.spp.client import SppClient
    from include.spp.odata import SppODataReader
    from include.state import StateStore

log = logging.getLogger(__name__)

CREATE, UPDATE, SKIP, FAIL = "create", "update", "skip", "fail"
RETIRE = "retire"  # inactivate or delete a target record whose source row vanished (OneView)


@dataclass
class PlannedRecord:
    """What the run will do with one source record."""

    source_id: str
    source_name: str
    action: str
    target: dict[str, Any] = field(default_factory=dict)
    target_id: str | None = None
    hash: str | None = None
    reason: str | None = None
    code: str | None = None  # why it failed before any write (INVALID_DATA, AMBIGUOUS_MATCH)


@dataclass
class Batch:
    """Records written together in one request to the target system."""

    number: int
    action: str
    records: list[PlannedRecord]

    def to_json(self) -> dict[str, Any]:
        records = []
        for rec in self.records:
            raw = asdict(rec)
            raw["target"] = _typed_custom_fields(raw["target"], _tag)
            records.append(raw)
        return {"number": self.number, "action": self.action, "records": records}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Batch:
        records = []
        for r in raw["records"]:
            rec = PlannedRecord(**r)
            rec.target = _typed_custom_fields(rec.target, _untag)
            records.append(rec)
        return cls(raw["number"], raw["action"], records)


# A NetSuite custom field's type is picked from its Python value (a date is a DateCustomFieldRef),
# so staged custom field values keep their type through the JSON of the staging tables.
_DATE_TAG, _DATETIME_TAG = "$date", "$datetime"


def _typed_custom_fields(target: dict[str, Any], convert: Any) -> dict[str, Any]:
    customs = target.get("customFieldList")
    if not isinstance(customs, dict):
        return target
    return {**target, "customFieldList": {k: convert(v) for k, v in customs.items()}}


def _tag(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {_DATETIME_TAG: value.isoformat()}
    if isinstance(value, dt.date):
        return {_DATE_TAG: value.isoformat()}
    return value


def _untag(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        if _DATETIME_TAG in value:
            return dt.datetime.fromisoformat(value[_DATETIME_TAG])
        if _DATE_TAG in value:
            return dt.date.fromisoformat(value[_DATE_TAG])
    return value


@dataclass
class Plan:
    """The outcome of the planning phase, before anything is written."""

    window: SyncWindow
    extracted: int
    batches: list[Batch]
    skipped: list[PlannedRecord]
    failed: list[PlannedRecord]
    seconds: float
    # Counts survive when the record lists do not (a plan re-read from staging keeps counts only)
    skipped_count: int = -1
    failed_count: int = -1
    # (source id, target id) pairs found in the target but missing from the cross-reference
    links: list[tuple[str, str]] = field(default_factory=list)
    # create-only export records found already in the target: (SPP id, NetSuite id, NetSuite ID
    # field empty on the SPP record) — to mark exported, and to write the id back if missing
    exported_earlier: list[tuple[str, str, bool]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.skipped_count < 0:
            self.skipped_count = len(self.skipped)
        if self.failed_count < 0:
            self.failed_count = len(self.failed)

    def counts(self) -> dict[str, int]:
        creates = sum(len(b.records) for b in self.batches if b.action == CREATE)
        updates = sum(len(b.records) for b in self.batches if b.action == UPDATE)
        retires = sum(len(b.records) for b in self.batches if b.action == RETIRE)
        return {
            "extracted": self.extracted,
            "to_create": creates,
            "to_update": updates,
            "to_retire": retires,
            "skipped": self.skipped_count,
            "failed": self.failed_count,
            "batches": len(self.batches),
        }


@dataclass
class PlanChunk:
    """The plan of one chunk of source records: what is ready to load, skipped or failed."""

    extracted: int
    batches: list[Batch] = field(default_factory=list)
    skipped: list[PlannedRecord] = field(default_factory=list)
    failed: list[PlannedRecord] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    exported_earlier: list[tuple[str, str, bool]] = field(default_factory=list)


def plan_chunk_size() -> int:
    """Source records planned together (``INTEGRATION_PLAN_CHUNK``, default 1000: one read page)."""
    return max(1, int(os.environ.get("INTEGRATION_PLAN_CHUNK", "1000")))


class _UniqueValues:
    """``unique`` expectations across chunks: GX checks each chunk, this remembers earlier ones.

    A value seen in an earlier chunk fails the later record (the earlier one is already planned).
    """

    def __init__(self, expectations: Iterable[Any]) -> None:
        self.columns = [(e.on, e.column) for e in expectations if e.check == "unique"]
        self.seen: dict[tuple[str, str], set[str]] = {c: set() for c in self.columns}

    def repeated(
        self, rows: list[Any], by_id: dict[str, dict[str, Any]], skip: dict[int, str]
    ) -> dict[int, str]:
        failures: dict[int, str] = {}
        if not self.columns:
            return failures
        from include.validation.expectations import flatten

        fresh: dict[tuple[str, str], set[str]] = {c: set() for c in self.columns}
        for index, row in enumerate(rows):
            if row.error or index in skip:
                continue
            for side, column in self.columns:
                doc = (
                    {**row.target, **dict(row.create_only or {})}
                    if side == "target"
                    else by_id.get(str(row.source_id), {})
                )
                value = flatten(doc).get(column)
                if value in (None, ""):
                    continue
                if str(value) in self.seen[(side, column)]:
                    failures[index] = (
                        f"{column}: value {value!r} repeats a record planned earlier in this run (unique)"
                    )
                fresh[(side, column)].add(str(value))
        for key, values in fresh.items():
            self.seen[key] |= values
        return failures


@dataclass(kw_only=True)
class Counts:
    """Records by outcome: the one tally that batches, load tasks and runs add up (``+``)."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    retired: int = 0  # target records inactivated or deleted: their source rows vanished

    def counts(self) -> Counts:
        """Just the tally (of a batch, a load task or a run)."""
        return Counts(
            created=self.created,
            updated=self.updated,
            skipped=self.skipped,
            failed=self.failed,
            retired=self.retired,
        )

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            created=self.created + other.created,
            updated=self.updated + other.updated,
            skipped=self.skipped + other.skipped,
            failed=self.failed + other.failed,
            retired=self.retired + other.retired,
        )


@dataclass
class BatchOutcome(Counts):
    """What the target system said about one batch."""

    number: int
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RunSummary(Counts):
    """The run-log line of one run."""

    workflow: str
    run_id: str
    status: str
    window: str
    extracted: int = 0
    seconds: float = 0.0
    dry_run: bool = False

    def line(self) -> str:
        retired = f"  retired {self.retired:>5}" if self.retired else ""
        return (
            f"{self.workflow:<30} {self.status:<8} created {self.created:>6}  updated {self.updated:>6}  "
            f"skipped {self.skipped:>6}  failed {self.failed:>5}{retired}  {self.seconds:7.1f}s"
        )


class VanishedRowsRefused(RuntimeError):
    """More source rows vanished than the workflow allows to retire in one run."""


class WorkflowRunner:
    """Runs one workflow against the two systems, keeping its state in the state store."""

    def __init__(
        self,
        workflow: Workflow,
        state: StateStore,
        *,
        netsuite: NetSuiteClient,
        spp: SppClient,
        run_id: str,
        params: dict[str, Any] | None = None,
        interval: tuple[dt.datetime, dt.datetime] | None = None,
        odata: SppODataReader | None = None,
    ) -> None:
        self.workflow = workflow
        self.state = state
        self.netsuite = netsuite
        self.spp = spp
        self.odata = odata
        self.run_id = run_id
        self.params = params or {}
        self.interval = interval
        self.direction = direction_of(workflow)
        self.source, self.target = self.direction.endpoints(workflow, netsuite, spp, odata)
        # Load tasks that run while the planning task still pages through SPP hold their
        # pullbacks (which move records out of the read's result set) until it is done.
        self.defer_pullbacks = False
        self._pending_pullbacks: list[tuple[PlannedRecord, WriteResult]] = []

    # -- naming helpers ------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.workflow.id

    @property
    def dry_run(self) -> bool:
        return bool(self.params.get("dry_run"))

    def _xref_lookup(self, ids: list[str]) -> dict[str, str]:
        """Source id → target id of this workflow's own records, from the cross-reference."""
        return self.direction.linked(self.state, self.workflow.entity, ids)

    def _resolve(self, entity: str, side: str, ids: list[str]) -> dict[str, str]:
        """Reference resolution for the mapping engine, through the cross-reference."""
        return linked_ids(self.state, entity, side, ids)

    def _match(self, docs: dict[str, dict[str, Any]]) -> tuple[dict[str, str], dict[str, str]]:
        """Existing target records of source records the cross-reference does not know, by the
        mapping's match rules: (source id → target id, source id → why it is ambiguous)."""
        rules = [r for r in self.workflow.match if self.direction.needs_lookup(self.workflow, r)]
        if not docs or not rules:
            return {}, {}

        def taken(target_ids: list[str]) -> dict[str, str]:
            return self.direction.owners(self.state, self.workflow.entity, target_ids)

        found = match_existing(rules, docs, self.target, taken=taken)
        if found.linked:
            log.info("%s: %d records matched existing target records", self.name, len(found.linked))
        return found.linked, found.ambiguous

    # -- phase 1: plan -------------------------------------------------------------------------
    def open_window(self) -> SyncWindow:
        """The run's window: since the watermark (or the params' choice) until the source's clock now."""
        watermark = self.state.get_watermark(self.name)
        return resolve_window(
            self.params, watermark=watermark, source_now=self.source.server_time(), interval=self.interval
        )

    def plan(self) -> Plan:
        """Extract, transform, validate and decide per record, all in memory; writes nothing."""
        started = time.monotonic()
        window = self.open_window()
        chunks = list(self.plan_chunks(window))
        plan = Plan(
            window,
            sum(c.extracted for c in chunks),
            [b for c in chunks for b in c.batches],
            [r for c in chunks for r in c.skipped],
            [r for c in chunks for r in c.failed],
            time.monotonic() - started,
            links=[link for c in chunks for link in c.links],
            exported_earlier=[i for c in chunks for i in c.exported_earlier],
        )
        log.info("%s: plan %s", self.name, plan.counts())
        return plan

    def plan_chunks(
        self, window: SyncWindow, *, first_batch: int = 0, chunk_size: int | None = None
    ) -> Iterator[PlanChunk]:
        """Plan the window chunk by chunk, as the source's pages arrive; writes nothing.

        Memory stays flat however many records the window holds, and the first batches can be
        loaded while later pages are still being read. Batches are numbered from ``first_batch``
        and always full (``batch_size`` records) except the last of each action: records left
        over from one chunk wait for the next.
        """
        chunk_size = chunk_size or plan_chunk_size()
        if self.workflow.expectations:
            # the main thread's own imports first, so the two threads never wait on each other
            import include.mapping.hashing
            import include.mapping.transform  # noqa: F401
            from include.validation.expectations import preload

            preload()  # GX imports while the first page is read
        retry_ids = self._retry_ids() if window.mode == "incremental" else []
        log.info(
            "%s: extracting %s (%d earlier failures to retry)", self.name, window.describe(), len(retry_ids)
        )
        numbers = itertools.count(first_batch)
        pending: dict[str, list[PlannedRecord]] = {CREATE: [], UPDATE: []}
        size = int(self.workflow.batch_size)
        uniques = _UniqueValues(self.workflow.expectations or [])
        planned = 0
        seen: set[str] = set()  # every source id read: what was not read has vanished
        from include.engine.prefetch import read_ahead

        # the next pages are read while this chunk is planned (one request at a time still)
        for docs in read_ahead(self.source.extract_chunks(window, retry_ids, chunk_size)):
            seen.update(source_id_of(d, self.source.system) for d in docs)
            chunk, to_write = self._plan_docs(docs, window, uniques)
            for rec in to_write:
                pending[rec.action].append(rec)
            for action, recs in pending.items():
                while len(recs) >= size:
                    chunk.batches.append(Batch(next(numbers), action, recs[:size]))
                    del recs[:size]
            planned += chunk.extracted
            log.info(
                "%s: planned %d records so far (%d batches ready)", self.name, planned, len(chunk.batches)
            )
            yield chunk
        tail = PlanChunk(0)
        for action, recs in pending.items():
            if recs:
                tail.batches.append(Batch(next(numbers), action, recs))
        if self.direction.retires(self.workflow) and window.mode != "records":
            retired = self._vanished(seen)
            for start in range(0, len(retired), size):
                tail.batches.append(Batch(next(numbers), RETIRE, retired[start : start + size]))
        if tail.batches:
            yield tail

    def _vanished(self, seen: set[str]) -> list[PlannedRecord]:
        """Retirements of the records written earlier whose source rows this read did not see.

        More of them than the mapping's ``vanished_limit`` (a share of the records written so
        far) fails the plan: an empty or mis-published report must not retire everything.
        """
        written = self.state.hashed_ids(self.name)
        gone = sorted(written - seen)
        if not gone:
            return []
        report = self.workflow.report
        limit = report.vanished_limit if report else 1.0
        if len(gone) > limit * len(written):
            raise VanishedRowsRefused(
                f"{self.name}: {len(gone)} of the {len(written)} rows written earlier are missing from the "
                f"read ({len(gone) / len(written):.0%}, above the mapping's vanished_limit of {limit:.0%}); "
                "nothing is retired. If the report really lost them, raise vanished_limit in "
                f"{self.workflow.path or 'the mapping'}."
            )
        known = self._xref_lookup(gone)
        log.info("%s: %d rows vanished from the source; retiring their records", self.name, len(gone))
        return [
            PlannedRecord(
                sid,
                sid,
                RETIRE,
                target=self.direction.retirement(self.workflow, sid),
                target_id=known.get(sid),
                reason="vanished from the source",
            )
            for sid in gone
        ]

    def _plan_docs(
        self, docs: list[dict[str, Any]], window: SyncWindow, uniques: _UniqueValues
    ) -> tuple[PlanChunk, list[PlannedRecord]]:
        """Decide for one chunk of source documents: create, update, skip or fail.

        Returns the chunk (skips, failures, links) and its creates and updates, not yet batched.
        """
        from include.mapping.hashing import record_hash
        from include.mapping.transform import transform

        wf = self.workflow
        output = transform(wf, docs, self._resolve)
        rows = list(output.rows)
        by_id = {source_id_of(d, self.source.system): d for d in docs}
        invalid = self._run_validation(rows, by_id)
        invalid.update(uniques.repeated(rows, by_id, skip=invalid))

        ids = list(by_id)
        known = self._xref_lookup(ids)
        in_xref = set(known)
        # what each source record says of its target itself (an exported SPP record's NetSuite ID)
        recorded = {i: self.direction.recorded_target_id(wf, by_id[i]) for i in ids}
        unknown = {i: by_id[i] for i in ids if i not in known and not recorded[i]}
        matched, ambiguous = self._match(unknown)
        known.update(matched)
        previous_hashes = self.state.get_hashes(self.name, ids)
        monitored = list(wf.monitored_fields or [])
        # A full synchronisation, a backfill (the full synchronisation of its intervals: a record
        # edited by hand in the target is repaired) or a single-record run rewrites even records
        # whose source did not change; plain incremental runs skip them by hash.
        force = bool(self.params.get("full_sync")) or window.mode in ("records", "backfill")

        chunk = PlanChunk(len(docs))
        to_write: list[PlannedRecord] = []
        for index, row in enumerate(rows):
            sid = str(row.source_id)
            doc = by_id.get(sid, {})
            digest = record_hash(doc, monitored) if monitored else None
            existing_id = known.get(sid) or recorded.get(sid)
            rec = PlannedRecord(sid, row.source_name or sid, CREATE, target=dict(row.target), hash=digest)
            if row.error or index in invalid:
                rec.action, rec.reason = FAIL, row.error or invalid[index]
                chunk.failed.append(rec)
            elif sid in ambiguous:
                rec.action, rec.reason, rec.code = FAIL, ambiguous[sid], AMBIGUOUS
                chunk.failed.append(rec)
            elif existing_id:
                rec.target_id = existing_id
                if not wf.policy.update:
                    if sid not in in_xref:  # linked earlier by someone else: remember the pair
                        chunk.links.append((sid, existing_id))
                    rec.action, rec.reason = SKIP, "already in target; workflow is create-only"
                    chunk.skipped.append(rec)
                    chunk.exported_earlier.append((sid, existing_id, not recorded.get(sid)))
                elif digest and previous_hashes.get(sid) == digest and not force:
                    rec.action, rec.reason = SKIP, "monitored fields unchanged"
                    chunk.skipped.append(rec)
                else:
                    rec.action = UPDATE
                    rec.target = self._with_identity(rec.target, existing_id, sid)
                    to_write.append(rec)
            elif not wf.policy.create:
                rec.action, rec.reason = SKIP, "not in target; workflow does not create"
                chunk.skipped.append(rec)
            else:
                rec.target = {**rec.target, **dict(row.create_only or {})}
                rec.target = self._with_identity(rec.target, None, sid)
                to_write.append(rec)
        return chunk, to_write

    def _with_identity(self, target: dict[str, Any], target_id: str | None, source_id: str) -> dict[str, Any]:
        """Stamp the keys that make the write idempotent."""
        return self.direction.identity(self.workflow, target, target_id, source_id)

    def _retry_ids(self) -> list[str]:
        """Source ids whose last write failed, to re-read by id whatever their modification date.

        The errors of the earlier runs back to (and including) the latest one that completed a
        whole window: that run retried everything older. A run that failed as a whole, or a run
        of single records, did not, so the errors before it still count. This run's own log line
        is skipped (``run()`` opens it before planning; a retried plan task finds it too).
        """
        ids: set[str] = set()
        for earlier in self.state.runs(self.name, limit=50):
            if earlier.run_id == self.run_id:
                continue
            ids.update(
                str(e.source_id)
                for e in self.state.errors(run_id=earlier.run_id, workflow=self.name, limit=100000)
                if e.source_id is not None
            )
            if earlier.status == "success" and not (earlier.params or {}).get("record_ids"):
                break
        return sorted(ids)

    def _run_validation(self, rows: list[Any], by_id: dict[str, dict[str, Any]]) -> dict[int, str]:
        """Row index → reason, for the transformed records that break the mapping's expectations."""
        expectations = list(self.workflow.expectations or [])
        checked = [i for i, r in enumerate(rows) if not r.error]
        if not expectations or not checked:
            return {}
        from include.validation.expectations import validate_rows

        # a create writes its initial-only fields too, so they are part of what is checked
        failures = validate_rows(
            [{**rows[i].target, **dict(rows[i].create_only or {})} for i in checked],
            expectations,
            [by_id.get(str(rows[i].source_id), {}) for i in checked],
        )
        return {checked[i]: reason for i, reason in failures.items()}

    def record_plan(self, plan: Plan | PlanChunk) -> None:
        """Log the records that failed before any write (bad data, unlinked references), and
        cross-reference the records found already in the target (e.g. exported by an earlier
        connector), so that other workflows can resolve references to them."""
        if self.dry_run:
            return
        if plan.failed:
            self.state.record_errors(
                self.run_id,
                self.name,
                [self._error(r, r.code or "INVALID_DATA", r.reason) for r in plan.failed],
            )
        if plan.links:
            entity = self.workflow.entity
            self.state.xref_upsert([self.direction.xref(entity, s, t, None) for s, t in plan.links])

    def settle_source(self, exported_earlier: list[tuple[str, str, bool]]) -> None:
        """After the source has been read: mark exported the create-only export's records that
        were found already in the target, writing their NetSuite id back where it is missing
        (exported by another tool, or a pullback that never happened), so that the next
        incremental read leaves them out like the records this integration exports itself.

        Never while the planning task still pages through the source: marking or modifying
        records moves them out of the read's result set and would shift its later pages.
        """
        if self.dry_run or not exported_earlier or not self.direction.marks_exports(self.workflow):
            return
        otype, field_name = self.workflow.source.type, self.workflow.netsuite_id_field
        missing = [{"id": sid, field_name: tid} for sid, tid, needs_id in exported_earlier if needs_id]
        present = [sid for sid, _, needs_id in exported_earlier if not needs_id]
        try:
            results = [
                *(self.spp.modify_and_mark_exported(otype, missing) if missing else []),
                *(self.spp.mark_exported(otype, present) if present else []),
            ]
        except Exception as exc:  # noqa: BLE001 - the next run tries again
            log.warning("%s: marking %d records exported failed: %s", self.name, len(exported_earlier), exc)
            return
        failed = [r for r in results if not r.ok]
        if failed:
            log.warning("%s: %d records not marked exported: %s", self.name, len(failed), failed[0].message)

    # -- phase 2: load -------------------------------------------------------------------------
    def load_batch(self, batch: Batch) -> BatchOutcome:
        """Write one batch and commit its cross-references, hashes and errors at once."""
        started = time.monotonic()
        outcome = BatchOutcome(batch.number)
        if self.dry_run or not batch.records:
            return outcome
        docs = [r.target for r in batch.records]
        # A claim says "a write of this record is in flight": if the task dies before the commit,
        # the claim shows what to verify; the externalId upsert makes the retry safe either way.
        self.state.claim_many(
            self.name,
            {r.source_id: self.workflow.external_id_for(r.source_id) for r in batch.records},
            self.run_id,
        )
        write = {CREATE: self.target.create, UPDATE: self.target.update, RETIRE: self.target.retire}
        results = write[batch.action](docs)
        successes: list[tuple[PlannedRecord, WriteResult]] = []
        errors: list[tuple[PlannedRecord, WriteResult]] = []
        for rec, res in zip(batch.records, results, strict=True):
            (successes if res.ok else errors).append((rec, res))
        if batch.action == RETIRE:
            self._commit_retired(successes, errors)
            outcome.retired, outcome.failed = len(successes), len(errors)
            outcome.seconds = time.monotonic() - started
            return outcome
        self._commit(successes, errors)
        # a created record's new id goes back to the source; an updated one had it already
        if successes and batch.action == CREATE and self.direction.pulls_back(self.workflow):
            if self.defer_pullbacks:
                self._pending_pullbacks.extend(successes)
            else:
                self._pullback(successes)
        outcome.created = sum(1 for _ in successes) if batch.action == CREATE else 0
        outcome.updated = sum(1 for _ in successes) if batch.action == UPDATE else 0
        outcome.failed = len(errors)
        outcome.seconds = time.monotonic() - started
        return outcome

    def flush_pullbacks(self) -> int:
        """Send the pullbacks held back while the source was being read; how many were sent."""
        pending, self._pending_pullbacks = self._pending_pullbacks, []
        if pending:
            self._pullback(pending)
        return len(pending)

    def _pullback(self, successes: list[tuple[PlannedRecord, WriteResult]]) -> None:
        """Write the NetSuite internalId back into the SPP record's NetSuite ID field, and mark
        the record exported (ImportExport) so incremental reads of a create-only export skip it.

        Runs after the commit: the cross-reference already links the pair, so a failed pullback
        loses nothing (the next run finds the record linked and retries nothing but this).
        """
        field_name = self.workflow.netsuite_id_field
        if not field_name:
            return
        updates = [{"id": rec.source_id, field_name: str(res.id)} for rec, res in successes if res.id]
        self._pull_values(updates)
        try:
            if self.direction.marks_exports(self.workflow):
                results = self.spp.modify_and_mark_exported(self.workflow.source.type, updates)
            else:
                results = self.spp.modify(self.workflow.source.type, updates)
        except Exception as exc:  # noqa: BLE001 - the writes are committed; say so and go on
            log.warning("%s: pullback of %d NetSuite ids to SPP failed: %s", self.name, len(updates), exc)
            return
        for upd, res in zip(updates, results, strict=True):
            if not res.ok:
                log.warning("%s: pullback to SPP %s failed: %s", self.name, upd["id"], res.message)

    def _pull_values(self, updates: list[dict[str, Any]]) -> None:
        """Add the mapping's ``pullbacks`` (values NetSuite made, such as the document number) to the
        pullback ``updates``, read from the new records in one request. A failed read costs only
        these values: the internalIds still go back."""
        pullbacks, field_name = self.workflow.pullbacks, self.workflow.netsuite_id_field
        if not pullbacks or not updates:
            return
        ids = [str(u[field_name]) for u in updates]
        try:
            records = self.target.read(ids)
        except Exception as exc:  # noqa: BLE001 - the ids go back regardless
            log.warning("%s: reading %d new records for their pullbacks failed: %s", self.name, len(ids), exc)
            return
        for update, record in zip(updates, records, strict=True):
            for source, target in pullbacks:
                value = get_path(record or {}, source)
                if value not in (None, ""):
                    update[target] = str(value.get("internalId") if isinstance(value, dict) else value)

    def _commit(
        self,
        successes: list[tuple[PlannedRecord, WriteResult]],
        errors: list[tuple[PlannedRecord, WriteResult]],
    ) -> None:
        entity = self.workflow.entity
        xrefs = [
            self.direction.xref(
                entity,
                rec.source_id,
                str(res.id or rec.target_id or ""),
                self.direction.written_external_id(self.workflow, rec.source_id),
            )
            for rec, res in successes
        ]
        if xrefs:
            self.state.xref_upsert(xrefs)
        hashes = {rec.source_id: rec.hash for rec, _ in successes if rec.hash}
        if hashes:
            self.state.set_hashes(self.name, hashes)
        if errors:
            self.state.record_errors(
                self.run_id, self.name, [self._error(rec, res.code, res.message) for rec, res in errors]
            )
        self.state.release_claims(self.name, [rec.source_id for rec, _ in [*successes, *errors]])

    def _commit_retired(
        self,
        successes: list[tuple[PlannedRecord, WriteResult]],
        errors: list[tuple[PlannedRecord, WriteResult]],
    ) -> None:
        """Forget the retired records' hashes (a row that comes back is written again); log the
        failures (their hashes stay, so the next run retires them again)."""
        if successes:
            self.state.drop_hashes(self.name, [rec.source_id for rec, _ in successes])
        if errors:
            self.state.record_errors(
                self.run_id, self.name, [self._error(rec, res.code, res.message) for rec, res in errors]
            )
        self.state.release_claims(self.name, [rec.source_id for rec, _ in [*successes, *errors]])

    def _error(self, rec: PlannedRecord, code: str | None, message: str | None) -> Any:
        from include.state import RecordError

        wf = self.workflow
        return RecordError(
            source_system=self.source.system,
            source_type=wf.source.type,
            source_id=rec.source_id,
            source_name=rec.source_name,
            target_system=self.target.system,
            code=code or "REJECTED",
            message=message or "rejected without a message",
        )

    # -- phase 3: finish -----------------------------------------------------------------------
    def finish(self, plan: Plan, outcomes: Iterable[BatchOutcome], *, all_batches_ok: bool) -> RunSummary:
        """Record plan-time failures, the run log line, and advance the watermark on success."""
        outcomes = list(outcomes)
        planned = Counts(skipped=plan.skipped_count, failed=plan.failed_count)
        total = sum((o.counts() for o in outcomes), planned)
        # Every record read lands in one of created / updated / skipped / failed. A plan that read
        # the source again (a retried planning task, a republished report) skips by hash what its
        # earlier reading already wrote: those are counted once, as written.
        overflow = total.created + total.updated + total.skipped + total.failed - plan.extracted
        if overflow > 0:
            total.skipped -= min(overflow, total.skipped)
        summary = RunSummary(
            workflow=self.name,
            run_id=self.run_id,
            status="success" if all_batches_ok else "failed",
            window=plan.window.describe(),
            extracted=plan.extracted,
            seconds=plan.seconds + sum(o.seconds for o in outcomes),
            dry_run=self.dry_run,
            **asdict(total),
        )
        if self.dry_run:
            summary.status = "dry_run"
            return summary
        if all_batches_ok and plan.window.mode != "records":
            self.state.set_watermark(self.name, plan.window.until, self.run_id)
        self.state.finish_run(
            self.run_id,
            self.name,
            status=summary.status,
            created=summary.created,
            updated=summary.updated,
            skipped=summary.skipped,
            failed=summary.failed,
            extracted=summary.extracted,
            timings={"plan_s": round(plan.seconds, 3), "total_s": round(summary.seconds, 3)},
            retired=summary.retired,
        )
        return summary

    # -- all in one process --------------------------------------------------------------------
    def clone(self) -> WorkflowRunner:
        """A runner of the same run over the same clients (one per thread of ``run``)."""
        return WorkflowRunner(
            self.workflow,
            self.state,
            netsuite=self.netsuite,
            spp=self.spp,
            run_id=self.run_id,
            params=self.params,
            interval=self.interval,
            odata=self.odata,
        )

    def run(self, *, threads: int = 2) -> RunSummary:
        """The whole run in this process through the staged protocol (``staged.run_workflow``):
        plan, ``threads`` load threads beside it, finish — exactly the steps of a DAG run."""
        from include.engine.staged import run_workflow

        return run_workflow(self.clone, threads=threads)
