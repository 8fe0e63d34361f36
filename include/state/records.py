"""The value objects the state store reads and writes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass
class CrossReference:
    """One record known in both systems (or in one so far): NetSuite internalId <-> SPP id.

    ``entity`` names the pairing (``customer``, ``project``, ``employee``...). Either id may be
    unknown (``None``); ``updated_at`` is set by the store.
    """

    entity: str
    netsuite_id: str | None = None
    spp_id: str | None = None
    netsuite_external_id: str | None = None
    spp_external_id: str | None = None
    updated_at: dt.datetime | None = None


@dataclass
class Claim:
    """An export in flight: ``source_id`` is about to be written with ``external_id``.

    A claim still open after a run means the write may or may not have landed; the next run
    resolves it by looking the record up by ``external_id`` (autorecovery) before writing again.
    """

    workflow: str
    source_id: str
    external_id: str
    run_id: str
    claimed_at: dt.datetime


@dataclass
class RunRecord:
    """One workflow run: its parameters, outcome counts and timings."""

    run_id: str
    workflow: str
    status: str
    params: dict[str, Any]
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    extracted: int = 0
    timings: dict[str, Any] = field(default_factory=dict)
    retired: int = 0  # target records inactivated or deleted because their source row vanished


@dataclass
class RecordError:
    """Why one record failed: where it came from, where it was going, what the target said.

    The first seven fields are what a caller reports; the rest are filled in by the store.
    """

    source_system: str
    source_type: str
    source_id: str | None
    source_name: str | None
    target_system: str
    code: str | None
    message: str | None
    run_id: str | None = None
    workflow: str | None = None
    id: int | None = None
    created_at: dt.datetime | None = None


@dataclass
class Event:
    """A queued change notification (real-time sync, single-record export): its type (the system
    it came from), what it names (``payload``), where it stands and, once settled, what came of it."""

    id: int
    event_type: str
    payload: dict[str, Any]
    dedupe_key: str | None
    status: str
    attempts: int
    created_at: dt.datetime
    taken_at: dt.datetime | None = None
    acked_at: dt.datetime | None = None
    not_before: dt.datetime | None = None
    target_id: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class SenderKey:
    """A key a system signs its events with: an HMAC key's SHA-256 digest, or an X.509 certificate."""

    sender: str
    scheme: str  # "hmac" | "jwt"
    key_id: str
    secret_sha256: str | None
    certificate: str | None
    created_at: dt.datetime
    retired_at: dt.datetime | None = None
    id: int | None = None


@dataclass
class StagedBatch:
    """One batch of a staged plan: its number in the run, a JSON document the store keeps as is
    (what the load task will write), and how many records it carries."""

    number: int
    payload: dict[str, Any]
    records: int = 0


@dataclass
class StagedPlan:
    """A run's plan as the planning task last reported it.

    ``status`` is planning / complete / failed; ``meta`` is the JSON document the planning task
    stores with every report (its window and running counts), kept as is.
    """

    run_id: str
    workflow: str
    status: str
    attempt: int
    retries_left: int
    heartbeat_at: dt.datetime | None
    meta: dict[str, Any]
    created_at: dt.datetime


@dataclass
class PlanProgress:
    """What the load tasks did with a plan's batches so far."""

    staged: list[int]  # numbers of every staged batch, ascending
    outcomes: dict[int, dict[str, Any]]  # batch number -> outcome document, of the loaded batches
