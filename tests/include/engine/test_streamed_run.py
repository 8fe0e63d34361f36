"""Loading beside a streaming plan: the load tasks write while the planning task still pages
through SPP, so nothing they write to SPP may shift the pages it has yet to read."""

from __future__ import annotations

import dataclasses
import time

import pytest

from include.engine.run import CREATE, WorkflowRunner
from include.engine.window import SyncWindow
from tests.include.engine.conftest import World, _spp_client

WORKFLOW = "time_entries_export"


def _seen(chunks: object) -> set[str]:
    """Source ids a plan decided about (to load, skip or fail)."""
    out: set[str] = set()
    for c in chunks:  # type: ignore[attr-defined]
        out |= {r.source_id for b in c.batches for r in b.records}
        out |= {r.source_id for r in [*c.skipped, *c.failed]}
    return out


def _stream(world: World, *, defer_pullbacks: bool) -> tuple[set[str], set[str], list[str]]:
    """Plan over small SPP pages in small chunks, loading each chunk's batches at once.

    Returns what an undisturbed plan of the same window decides about, what the streamed plan
    decided about, and the source ids it loaded.
    """
    wf = dataclasses.replace(world.workflow(WORKFLOW), batch_size=7)
    spp = _spp_client(world.services.spp_settings, world.spp_service.url, page_size=20)
    planner = WorkflowRunner(wf, world.state, netsuite=world.netsuite, spp=spp, run_id="streamed")
    loader = WorkflowRunner(wf, world.state, netsuite=world.netsuite, spp=spp, run_id="streamed")
    loader.defer_pullbacks = defer_pullbacks
    # An incremental window holding the entries (touched after `since`) but none of their
    # timesheets, so the window's paged read is the only pass over them. Its create-only read
    # leaves out what is marked exported: every mark sent while the plan still pages through
    # SPP shifts the pages it has yet to read.
    time.sleep(1.1)  # SPP's clock has whole seconds: what happened before is out of the window
    since = planner.open_window().until
    time.sleep(1.1)
    entries = [d["id"] for d in spp.read(wf.source.type, not_exported=True, fields=["id"])]
    assert all(r.ok for r in spp.modify(wf.source.type, [{"id": i, "notes": "touched"} for i in entries]))
    window = SyncWindow(since=since, until=planner.open_window().until, mode="incremental")
    undisturbed = _seen(planner.plan_chunks(window, chunk_size=13))
    chunks, loaded = [], []
    for chunk in planner.plan_chunks(window, chunk_size=13):
        chunks.append(chunk)
        for batch in chunk.batches:
            loader.load_batch(batch)
            loaded += [r.source_id for r in batch.records if r.action == CREATE]
    loader.flush_pullbacks()
    return undisturbed, _seen(chunks), loaded


def test_loads_beside_a_streaming_plan_miss_no_record_and_pull_every_id_back(world: World) -> None:
    world.run_upstream(WORKFLOW)

    undisturbed, streamed, loaded = _stream(world, defer_pullbacks=True)

    assert streamed == undisturbed
    assert len(loaded) == len(set(loaded)) > 40  # several pages and chunks
    wf = world.workflow(WORKFLOW)
    entries = {d["id"]: d for d in world.spp.read(wf.source.type, ids=loaded)}
    assert all(entries[i].get(wf.netsuite_id_field) not in (None, "", "-1") for i in loaded)


def test_pullbacks_sent_while_the_plan_still_reads_would_lose_records(world: World) -> None:
    """Why loads hold them: each pullback marks entries exported, out of the window's pages."""
    world.run_upstream(WORKFLOW)

    undisturbed, streamed, _ = _stream(world, defer_pullbacks=False)

    assert streamed < undisturbed


@pytest.mark.parametrize("chunk_size", [1, 7, 1000])
def test_a_plan_in_chunks_decides_what_the_whole_plan_decides(world: World, chunk_size: int) -> None:
    world.run_upstream(WORKFLOW)
    wf = world.workflow(WORKFLOW)
    runner = WorkflowRunner(wf, world.state, netsuite=world.netsuite, spp=world.spp, run_id="probe")
    whole = runner.plan()

    chunks = list(runner.plan_chunks(runner.open_window(), chunk_size=chunk_size))

    def decisions(batches: list, skipped: list, failed: list) -> dict[str, str]:
        out = {r.source_id: b.action for b in batches for r in b.records}
        out.update({r.source_id: "skip" for r in skipped})
        out.update({r.source_id: "fail" for r in failed})
        return out

    streamed = decisions(
        [b for c in chunks for b in c.batches],
        [r for c in chunks for r in c.skipped],
        [r for c in chunks for r in c.failed],
    )
    assert streamed == decisions(whole.batches, whole.skipped, whole.failed)
