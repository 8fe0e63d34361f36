"""Planning chunk by chunk (``WorkflowRunner.plan_chunks``), over HTTP against both local services.

A small chunk size and batch size make the ``tiny`` world span several chunks and batches.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

import pytest

from include.engine.endpoints import chunked
from include.engine.run import Batch, PlanChunk, PlannedRecord, WorkflowRunner, _UniqueValues
from include.mapping.model import Expectation

from .changes import source_records
from .conftest import World

# GX warns about regex groups in the planned-hours expectation; irrelevant here.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

CHUNK, BATCH = 7, 5


def runner_for(world: World, workflow_id: str, batch_size: int = BATCH, **changes: Any) -> WorkflowRunner:
    """A runner after the upstream workflows ran, with a small batch size (and other mapping changes)."""
    world.run_upstream(workflow_id)
    wf = dataclasses.replace(world.workflow(workflow_id), batch_size=batch_size, **changes)
    return WorkflowRunner(wf, world.state, netsuite=world.netsuite, spp=world.spp, run_id="chunks", params={})


def chunks_of(runner: WorkflowRunner, first_batch: int = 0, chunk_size: int = CHUNK) -> list[PlanChunk]:
    return list(runner.plan_chunks(runner.open_window(), first_batch=first_batch, chunk_size=chunk_size))


def decisions(
    batches: Iterable[Batch], skipped: Iterable[PlannedRecord], failed: Iterable[PlannedRecord]
) -> dict[str, Any]:
    """Source id -> (action, target, target id, reason): what the plan does with each record."""
    out: dict[str, Any] = {}
    for rec in [*(r for b in batches for r in b.records), *skipped, *failed]:
        assert rec.source_id not in out, f"{rec.source_id} planned twice"
        out[rec.source_id] = (rec.action, rec.target, rec.target_id, rec.reason)
    return out


@pytest.mark.parametrize("workflow_id", ["customers_import", "time_entries_export"])
def test_every_batch_is_full_except_the_last_of_each_action(world: World, workflow_id: str) -> None:
    chunks = chunks_of(runner_for(world, workflow_id))

    assert sum(1 for c in chunks if c.extracted) >= 3  # the window spans several chunks
    assert all(c.extracted <= CHUNK for c in chunks)
    batches = [b for c in chunks for b in c.batches]
    for action in {b.action for b in batches}:
        sizes = [len(b.records) for b in batches if b.action == action]
        assert sizes[:-1] == [BATCH] * (len(sizes) - 1), (action, sizes)
        assert 0 < sizes[-1] <= BATCH, (action, sizes)
    assert len(batches) >= 3


def test_records_carry_over_into_a_later_chunks_batch(world: World) -> None:
    chunks = chunks_of(runner_for(world, "customers_import", batch_size=BATCH), chunk_size=3)

    # 3 records a chunk and 5 a batch: some chunks are planned without a batch of their own
    assert any(c.extracted and not c.batches for c in chunks)
    assert all(len(b.records) == BATCH for c in chunks[:-1] for b in c.batches)


def test_batch_numbers_run_on_from_first_batch_without_gaps(world: World) -> None:
    chunks = chunks_of(runner_for(world, "customers_import"), first_batch=7)

    numbers = [b.number for c in chunks for b in c.batches]
    assert len(numbers) >= 3
    assert numbers == list(range(7, 7 + len(numbers)))


@pytest.mark.parametrize("workflow_id", ["customers_import", "time_entries_export"])
def test_the_chunks_together_decide_what_the_whole_plan_decides(world: World, workflow_id: str) -> None:
    runner = runner_for(world, workflow_id)
    chunks = chunks_of(runner)

    plan = runner.plan()

    from_chunks = decisions(
        [b for c in chunks for b in c.batches],
        [r for c in chunks for r in c.skipped],
        [r for c in chunks for r in c.failed],
    )
    assert from_chunks == decisions(plan.batches, plan.skipped, plan.failed)
    assert sum(c.extracted for c in chunks) == plan.extracted == len(from_chunks)
    assert sorted(link for c in chunks for link in c.links) == sorted(plan.links)
    assert sorted(i for c in chunks for i in c.exported_earlier) == sorted(plan.exported_earlier)


def test_a_unique_value_repeated_in_a_later_chunk_fails_the_later_record(world: World) -> None:
    unique_company = Expectation(check="unique", column="company")
    expectations = (*world.workflow("customers_import").expectations, unique_company)
    runner = runner_for(world, "customers_import", expectations=expectations)
    records = source_records(world, "customers_import")
    first, late = min(records, key=int), max(records, key=int)
    result = world.netsuite.update_list(
        "customer", [{"internalId": late, "companyName": records[first]["companyName"]}]
    )
    assert result[0].ok, result
    window = runner.open_window()
    read_in = {
        str(d["internalId"]): i
        for i, docs in enumerate(runner.source.extract_chunks(window, [], 2))
        for d in docs
    }
    assert read_in[first] < read_in[late]  # precondition: the two are read in different chunks

    chunks = list(runner.plan_chunks(window, chunk_size=2))

    failed = {r.source_id: str(r.reason) for c in chunks for r in c.failed}
    assert list(failed) == [late]
    assert failed[late].startswith("company:") and "unique" in failed[late]
    planned = {r.source_id for c in chunks for b in c.batches for r in b.records}
    assert first in planned and late not in planned


def row(source_id: str, **target: Any) -> SimpleNamespace:
    """A transformed row as ``_UniqueValues`` sees it."""
    return SimpleNamespace(source_id=source_id, target=target, create_only={}, error=None)


def test_unique_values_fail_a_record_repeating_a_value_of_an_earlier_chunk() -> None:
    uniques = _UniqueValues(
        [Expectation(check="unique", column="email"), Expectation(check="not_null", column="name")]
    )

    assert uniques.repeated([row("1", email="a@x"), row("2", email="b@x")], {}, skip={}) == {}
    later = uniques.repeated([row("3", email="c@x"), row("4", email="a@x"), row("5", email="")], {}, skip={})

    assert list(later) == [1]
    assert "email" in later[1] and "'a@x'" in later[1]


def test_unique_values_ignore_records_failed_already_and_remember_nothing_of_them() -> None:
    uniques = _UniqueValues([Expectation(check="unique", column="email")])
    broken = SimpleNamespace(
        source_id="2", target={"email": "b@x"}, create_only={}, error="unlinked reference"
    )

    uniques.repeated([row("1", email="a@x"), broken], {}, skip={0: "company is empty"})

    assert uniques.repeated([row("3", email="a@x"), row("4", email="b@x")], {}, skip={}) == {}


def test_unique_values_check_create_only_fields_and_source_columns() -> None:
    uniques = _UniqueValues(
        [Expectation(check="unique", column="code"), Expectation(check="unique", column="ref", on="source")]
    )
    first = SimpleNamespace(source_id="1", target={}, create_only={"code": "K1"}, error=None)
    uniques.repeated([first], {"1": {"ref": "R1"}}, skip={})

    again = uniques.repeated(
        [SimpleNamespace(source_id="2", target={"code": "K1"}, create_only={}, error=None), row("3")],
        {"2": {}, "3": {"ref": "R1"}},
        skip={},
    )

    assert sorted(again) == [0, 1]
    assert again[0].startswith("code:") and again[1].startswith("ref:")


def docs(*ids: str) -> list[dict[str, str]]:
    return [{"id": i} for i in ids]


def test_chunked_keeps_chunks_within_size_and_drops_an_id_seen_in_an_earlier_chunk() -> None:
    chunks = list(chunked(docs("1", "2", "3", "2", "4", "1", "5"), 3, "id"))

    assert all(0 < len(c) <= 3 for c in chunks)
    assert [d["id"] for c in chunks for d in c] == ["1", "2", "3", "4", "5"]
    assert chunks[0] == docs("1", "2", "3")


def test_chunked_drops_an_id_repeated_within_a_chunk() -> None:
    assert list(chunked(docs("1", "1", "2"), 5, "id")) == [docs("1", "2")]


def test_chunked_goes_on_past_a_whole_slice_of_repeats() -> None:
    # e.g. retried ids (or a changed timesheet's entries) the window had read already, then new ones
    chunks = list(chunked(docs("1", "2", "1", "2", "3"), 2, "id"))

    assert [d["id"] for c in chunks for d in c] == ["1", "2", "3"]
