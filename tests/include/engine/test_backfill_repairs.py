"""A backfill is the full synchronisation of its intervals: it rewrites the records modified inside
them even when their source did not change, so a target record edited by hand is repaired; a plain
incremental run keeps skipping unchanged records by their hash."""

from __future__ import annotations

import datetime as dt

import pytest

from include.engine.run import WorkflowRunner

from .conftest import World

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _company(world: World, spp_id: str) -> str:
    return str(next(iter(world.spp.read("Customer", ids=[spp_id])))["company"])


def test_a_backfill_rewrites_unchanged_records_and_repairs_a_hand_edit(world: World) -> None:
    world.run_upstream("customers_import")
    first = world.run("customers_import")
    assert first.status == "success" and first.created + first.updated > 0
    netsuite_id, ref = next(
        (k, v) for k, v in world.state.xref_by_netsuite(
            "customer", [str(d["internalId"]) for d in world.netsuite.search("customer")]
        ).items() if v.spp_id
    )  # fmt: skip
    original = _company(world, ref.spp_id)
    assert world.spp.modify("Customer", [{"id": ref.spp_id, "company": "Edited by hand"}])[0].ok

    incremental = world.run("customers_import", full_sync=True, since=dt.datetime.now(dt.UTC).isoformat())
    assert incremental.updated == 0 and _company(world, ref.spp_id) == "Edited by hand"

    # the NetSuite record was modified inside this interval (it was seeded before now)
    interval = (dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1))
    runner = WorkflowRunner(
        world.workflow("customers_import"),
        world.state,
        netsuite=world.netsuite,
        spp=world.spp,
        run_id="backfill-1",
        interval=interval,
    )
    backfill = runner.run()

    assert backfill.status == "success", backfill
    assert backfill.updated >= 1 and backfill.skipped == first.skipped
    assert _company(world, ref.spp_id) == original
    plain = world.run("customers_import")
    assert (plain.created, plain.updated) == (0, 0)  # and incremental runs skip again
