"""Process entry points for the concurrency tests (spawned, so they live in a light module)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from include.state import CrossReference, RecordError, StateStore, upgrade

ROWS_PER_WORKER = 120
BATCH = 20
BASE_TIME = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def migrate(url: str, barrier: Any) -> None:
    """Wait for all siblings, then run the migrations at the same moment as them."""
    barrier.wait()
    upgrade(url)


def write_everything(url: str, worker: int, barrier: Any) -> None:
    """Many short write transactions of every kind, interleaved with nine siblings."""
    store = StateStore(url)
    barrier.wait()
    run_id = f"run-{worker}"
    store.start_run(run_id, "customers", {"worker": worker})
    for start in range(0, ROWS_PER_WORKER, BATCH):
        ids = range(start, start + BATCH)
        store.xref_upsert(
            [CrossReference("customer", netsuite_id=f"{worker}-{i}", spp_id=f"s{worker}-{i}") for i in ids]
        )
        # Half the rows are then completed from the other side only: a merge, not a new row.
        store.xref_upsert(
            [CrossReference("customer", spp_id=f"s{worker}-{i}", spp_external_id=f"x{i}") for i in ids]
        )
        store.record_errors(
            run_id,
            "customers",
            [RecordError("netsuite", "customer", f"{worker}-{i}", None, "spp", "E", "boom") for i in ids],
        )
        store.set_hashes("customers", {f"{worker}-{i}": f"h{i}" for i in ids})
        store.set_watermark("customers", BASE_TIME + dt.timedelta(minutes=worker * 100 + start), run_id)
        store.get_hashes("customers", [f"{worker}-{i}" for i in ids])
    store.finish_run(run_id, "customers", "success", created=ROWS_PER_WORKER)
    store.close()


def drain(url: str, barrier: Any, out: Any) -> None:
    """Dequeue small batches until the queue is empty; report every id taken."""
    store = StateStore(url, migrate=False)
    barrier.wait()
    taken: list[int] = []
    while batch := store.dequeue(limit=7):
        taken.extend(e.id for e in batch)
        time.sleep(0.005)  # "processing": lets the other consumer in (a tight loop can starve it on SQLite)
        store.ack([e.id for e in batch])
    out.put(taken)
    store.close()


def claim_batches(url: str, run_id: str, workflow: str, worker: str, barrier: Any, out: Any) -> None:
    """A load task's claims in its own process: claim until nothing is waiting, report the numbers."""
    store = StateStore(url, migrate=False)
    barrier.wait()
    claimed: list[int] = []
    while (number := store.plans.claim_next(run_id, workflow, worker)) is not None:
        claimed.append(number)
    out.put((worker, claimed))
    store.close()
