"""Loading beside a streaming plan: the load tasks write while the planning task still pages
through SPP, so nothing they write to SPP may shift the pages it has yet to read."""

from __future__ import annotations

import dataclasses

import pytest

from include.engine.run import CREATE, WorkflowRunner
from tests.include.engine.conftest import World, _spp_client

WORKFLOW = "time_entries_export"


def _stream(world: World, *, defer_pullbacks: bool) -> tuple[int, list[str]]:
    """Plan in small chunks over small SPP pages, loading each chunk's batches at once."""
    wf = dataclasses.replace(world.workflow(WORKFLOW), batch_size=10)
    spp = _spp_client(world.services.spp_settings, world.spp_service.url, page_size=20)
    planned = sorted(
        r.source_id
        for b in WorkflowRunner(wf, world.state, netsuite=world.netsuite, spp=spp, run_id="probe").plan().batches
        if b.action == CREATE
        for r in b.records
    )
    planner = WorkflowRunner(wf, world.state, netsuite=world.netsuite, spp=spp, run_id="streamed")
    loader = WorkflowRunner(wf, world.state, netsuite=world.netsuite, spp=spp, run_id="streamed")
    loader.defer_pullbacks = defer_pullbacks
    loaded: list[str] = []
    for chunk in planner.plan_chunks(planner.open_window(), chunk_size=20):
        for batch in chunk.batches:
            loader.load_batch(batch)
            loaded += [r.source_id for r in batch.records if r.action == CREATE]
    loader.flush_pullbacks()
    return len(planned), sorted(loaded)


def test_loads_beside_a_streaming_plan_miss_no_record_and_pull_every_id_back(world: World) -> None:
    world.run_upstream(WORKFLOW)

    planned, loaded = _stream(world, defer_pullbacks=True)

    assert planned > 40  # several pages and chunks
    assert len(loaded) == len(set(loaded)) == planned
    wf = world.workflow(WORKFLOW)
    entries = {d["id"]: d for d in world.spp.read(wf.source.type, ids=loaded)}
    assert all(entries[i].get(wf.netsuite_id_field) not in (None, "", "-1") for i in loaded)


def test_pullbacks_sent_while_the_plan_still_reads_would_lose_records(world: World) -> None:
    """Why loads hold them: each pullback moves an entry out of the window's pages."""
    world.run_upstream(WORKFLOW)

    planned, loaded = _stream(world, defer_pullbacks=False)

    assert len(loaded) < planned


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

    assert decisions([b for c in chunks for b in c.batches], [r for c in chunks for r in c.skipped],
                     [r for c in chunks for r in c.failed]) == decisions(whole.batches, whole.skipped, whole.failed)  # fmt: skip
