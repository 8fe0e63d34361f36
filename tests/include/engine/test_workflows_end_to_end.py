"""The nine shipped workflows, end to end over HTTP against both local services (no Airflow).

Each test starts from the deterministic ``tiny`` world (see ``conftest.world``), runs the
workflows that come before the one under test, then checks one promise of the engine:

1. the first run creates and links;
2. a second run writes nothing;
3. a change to one source record syncs exactly that record;
4. a full synchronisation re-processes everything (imports rewrite, exports stay create-only);
5. a dry run writes nothing and keeps the watermark;
6. a write committed by the target whose answer was lost leaves no duplicate after a re-run;
7. a record the target rejects is logged with its reason, the rest lands, the next run retries it.

"Writes nothing" is measured by the target service's own ``records_written`` counter.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from include import registry
from include.engine.run import CREATE, RunSummary, WorkflowRunner

from .changes import (
    EXPORTS,
    IMPORT_CHANGES,
    IMPORTS,
    NEW_EXPORT_RECORD,
    change_netsuite,
    linked,
    netsuite_by_external_id,
    netsuite_count,
    netsuite_search,
    new_catalog_record,
    source_records,
    spp_by_external_id,
    spp_object,
)
from .conftest import World

# GX warns about regex groups in the planned-hours expectation; irrelevant here.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

# (created, updated, failed) of the first run of each workflow on the tiny world.
FIRST_RUN: dict[str, tuple[int, int, int]] = {
    "customers_import": (3, 14, 0),
    "employees_import": (1, 7, 0),
    "expense_items_import": (0, 6, 0),  # all six were imported by an earlier sync: linked, not created
    "services_import": (0, 5, 0),  # likewise the five service items
    "cost_centers_import": (0, 3, 0),  # and the cost centers and rate cards
    "rate_cards_import": (0, 3, 0),
    "projects_import": (3, 14, 0),
    "project_tasks_import": (11, 43, 6),  # six tasks belong to projects that are never imported
    "customer_pos_import": (2, 6, 2),  # two orders' projects are never imported: they wait for them
    "payments_import": (1, 1, 0),
    "vendors_import": (1, 4, 0),
    "contacts_import": (5, 8, 1),  # one contact's customer is never imported (no export flag)
    "products_import": (1, 4, 0),
    "support_cases_import": (1, 3, 0),
    "other_charge_items_import": (5, 0, 0),  # set up since the last sync: none in SPP yet
    "vendor_users_import": (1, 1, 0),  # one active contractor became a user at the last sync, one not yet
    "revenue_rules_import": (8, 0, 2),  # none in SPP yet; two orders' projects are never imported
    "credit_memos_import": (4, 0, 0),  # raised in NetSuite since the last sync; SPP's own credits stay out
    "customers_export": (1, 0, 0),
    "projects_export": (1, 0, 0),
    "time_entries_export": (61, 0, 0),
    "expense_reports_export": (6, 0, 0),
    "invoices_export": (2, 0, 0),
    "credit_memos_export": (1, 0, 0),
    "purchase_requests_export": (3, 0, 0),
    "revenue_recognition_export": (3, 0, 0),
    "wbs_export": (2, 0, 0),  # the flagged projects the last sync did not send
    "vendor_bills_export": (1, 0, 0),  # the contractor's envelope approved since the last sync
    "arm_revenue_transactions_export": (4, 0, 0),
}

# The SPP command that creates an import's records.
CREATE_COMMAND = {"User": "CreateUser"}


def first_run(world: World, workflow_id: str) -> RunSummary:
    """Link the prerequisites, then run the workflow once; it must succeed."""
    world.run_upstream(workflow_id)
    summary = world.run(workflow_id)
    assert summary.status == "success", summary
    return summary


def assert_wrote_nothing(summary: RunSummary) -> None:
    assert (summary.created, summary.updated) == (0, 0), summary


def export_field(world: World, workflow_id: str) -> str:
    return world.workflow(workflow_id).netsuite_id_field


def exported_id(world: World, workflow_id: str, spp_id: str) -> str | None:
    """The NetSuite id an SPP record carries in its NetSuite ID field (the pullback)."""
    doc = spp_object(world, world.workflow(workflow_id).source.type, spp_id)
    return doc.get(export_field(world, workflow_id))


def planned_creates(world: World, workflow_id: str) -> list[str]:
    """Source ids (ascending) the next run plans to create; the plan phase writes nothing."""
    wf = world.workflow(workflow_id)
    runner = WorkflowRunner(
        wf, world.state, netsuite=world.netsuite, spp=world.spp, run_id="probe", params={}
    )
    return sorted(
        (r.source_id for b in runner.plan().batches if b.action == CREATE for r in b.records), key=int
    )


def to_be_created(world: World, workflow_id: str) -> list[str]:
    """Planned creates the target holds nothing of yet.

    Some seeded SPP records were exported by an interrupted earlier sync (NetSuite has them, SPP
    lacks the id); those are left out, so a test can tell "created by this run" from "there already".
    """
    wf = world.workflow(workflow_id)
    planned = planned_creates(world, workflow_id)
    if wf.is_export:
        externals = [wf.external_id_for(i) for i in planned]
        present = {d.get("externalId") for d in netsuite_search(world, wf, external_ids=externals)}
    else:
        externals = [wf.external_id_for(i) for i in planned]
        found = world.spp.read(wf.target.type, equal_to_any={"externalid": externals}, fields=["externalid"])
        present = {d.get("externalid") for d in found}
    return [i for i in planned if wf.external_id_for(i) not in present]


def rewind_watermark(world: World, workflow_id: str) -> dt.datetime:
    """Move the watermark an hour back and return it.

    The services' clocks tick in whole seconds, so a run in the same second as the previous one
    would leave the watermark where it was whether or not it tried to advance it; an hour back,
    "advanced" and "kept" are told apart. The overlap re-reads that hour; unchanged records skip.
    """
    value = world.watermark(workflow_id)
    assert value is not None
    value -= dt.timedelta(hours=1)
    world.state.set_watermark(workflow_id, value, "rewound-by-test", force=True)
    return value


def external_id(world: World, workflow_id: str, source_id: str) -> str:
    return world.workflow(workflow_id).external_id_for(source_id)


# -- 1. first run ----------------------------------------------------------------------------------
@pytest.mark.parametrize("workflow_id", IMPORTS)
def test_first_import_run_creates_missing_records_and_links_existing_ones(
    world: World, workflow_id: str
) -> None:
    world.run_upstream(workflow_id)
    written_before = world.spp_service.written()

    summary = world.run(workflow_id)

    assert summary.status == "success"
    assert (summary.created, summary.updated, summary.failed) == FIRST_RUN[workflow_id]
    assert world.spp_service.written() - written_before == summary.created + summary.updated
    links = linked(world, workflow_id)
    assert len(links) == summary.created + summary.updated
    wf = world.workflow(workflow_id)
    for netsuite_id, spp_id in list(links.items())[:5]:
        assert spp_object(world, wf.target.type, spp_id)["externalid"] == wf.external_id_for(netsuite_id)


@pytest.mark.parametrize("workflow_id", IMPORTS)
def test_a_large_first_import_matches_existing_records_with_one_paged_read(
    world: World, workflow_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from include.engine.endpoints import SppTarget

    monkeypatch.setattr(SppTarget, "bulk_match_threshold", 0)  # tiny seed, large-import path
    world.run_upstream(workflow_id)

    summary = world.run(workflow_id)

    assert (summary.created, summary.updated, summary.failed) == FIRST_RUN[workflow_id]
    assert len(linked(world, workflow_id)) == summary.created + summary.updated


@pytest.mark.parametrize("workflow_id", EXPORTS)
def test_first_export_run_creates_records_and_pulls_their_ids_back(world: World, workflow_id: str) -> None:
    world.run_upstream(workflow_id)
    wf = world.workflow(workflow_id)
    planned = planned_creates(world, workflow_id)
    new = to_be_created(world, workflow_id)
    records_before = netsuite_count(world, wf)
    written_before = world.ns_service.written()

    summary = world.run(workflow_id)

    assert summary.status == "success"
    assert (summary.created, summary.updated, summary.failed) == FIRST_RUN[workflow_id]
    assert world.ns_service.written() - written_before == summary.created
    # records an interrupted earlier sync had written are upserted onto, not created twice
    assert netsuite_count(world, wf) == records_before + len(new)
    links = linked(world, workflow_id)
    assert len(planned) == summary.created and set(planned) <= set(links)  # what this run wrote is linked...
    for spp_id, doc in source_records(world, workflow_id).items():  # ...and every record now has its id
        assert doc.get(wf.netsuite_id_field) not in (None, "", "-1"), spp_id
        if spp_id in links:
            assert doc[wf.netsuite_id_field] == links[spp_id]
    for spp_id in links:
        assert len(netsuite_by_external_id(world, wf, wf.external_id_for(spp_id))) <= 1


def test_project_tasks_of_projects_never_imported_fail_with_the_workflow_to_run_first(world: World) -> None:
    summary = first_run(world, "project_tasks_import")

    errors = world.state.errors(run_id=summary.run_id)
    assert len(errors) == summary.failed == 6
    assert all(e.code == "INVALID_DATA" and "run projects_import first" in (e.message or "") for e in errors)


# -- 2. second run ---------------------------------------------------------------------------------
@pytest.mark.parametrize("workflow_id", IMPORTS + EXPORTS)
def test_second_run_writes_nothing(world: World, workflow_id: str) -> None:
    first = first_run(world, workflow_id)
    target = world.target_service(workflow_id)
    written_before = target.written()

    second = world.run(workflow_id)

    assert second.status == "success"
    assert_wrote_nothing(second)
    assert second.failed == first.failed  # earlier failures are retried by id, and fail again
    assert target.written() == written_before


# -- 3. one changed source record ------------------------------------------------------------------
@pytest.mark.parametrize("workflow_id", IMPORTS)
def test_import_syncs_only_the_changed_record(world: World, workflow_id: str) -> None:
    first_run(world, workflow_id)
    links = linked(world, workflow_id)
    netsuite_id = min(links, key=int)
    change = IMPORT_CHANGES[workflow_id]
    change_netsuite(world, workflow_id, netsuite_id, change)
    written_before = world.spp_service.written()

    summary = world.run(workflow_id)

    assert (summary.created, summary.updated) == (0, 1)
    assert world.spp_service.written() - written_before == 1
    target = spp_object(world, world.workflow(workflow_id).target.type, links[netsuite_id])
    assert target[change.spp_field] == change.expected


@pytest.mark.parametrize("workflow_id", EXPORTS)
def test_create_only_export_creates_a_new_approved_record_and_nothing_else(
    world: World, workflow_id: str
) -> None:
    first_run(world, workflow_id)
    new_id = NEW_EXPORT_RECORD[workflow_id](world)
    written_before = world.ns_service.written()

    summary = world.run(workflow_id)

    assert (summary.created, summary.updated, summary.failed) == (1, 0, 0)
    assert world.ns_service.written() - written_before == 1
    netsuite_id = exported_id(world, workflow_id, new_id)
    created = netsuite_by_external_id(
        world, world.workflow(workflow_id), external_id(world, workflow_id, new_id)
    )
    assert [doc["internalId"] for doc in created] == [netsuite_id]


def test_projects_export_without_update_policy_leaves_a_changed_exported_project_alone(world: World) -> None:
    assert world.workflow("projects_export").policy.update is False
    first_run(world, "projects_export")
    spp_id = min(linked(world, "projects_export"), key=int)
    assert world.spp.modify("Project", [{"id": spp_id, "name": "Renamed in SPP"}])[0].ok
    written_before = world.ns_service.written()

    summary = world.run("projects_export")

    assert_wrote_nothing(summary)
    assert summary.extracted == summary.failed  # marked exported: not even read again
    assert world.ns_service.written() == written_before


# -- 4. full synchronisation -----------------------------------------------------------------------
@pytest.mark.parametrize("workflow_id", IMPORTS)
def test_import_full_sync_rewrites_every_linked_record(world: World, workflow_id: str) -> None:
    first = first_run(world, workflow_id)
    count = len(linked(world, workflow_id))
    written_before = world.spp_service.written()

    summary = world.run(workflow_id, full_sync=True)

    assert summary.status == "success"
    assert (summary.created, summary.updated, summary.failed) == (0, count, first.failed)
    assert world.spp_service.written() - written_before == count


@pytest.mark.parametrize("workflow_id", EXPORTS)
def test_export_full_sync_skips_what_was_exported_because_exports_are_create_only(
    world: World, workflow_id: str
) -> None:
    first_run(world, workflow_id)
    written_before = world.ns_service.written()

    summary = world.run(workflow_id, full_sync=True)

    assert summary.status == "success"
    assert_wrote_nothing(summary)
    assert summary.skipped == summary.extracted == len(source_records(world, workflow_id))
    assert world.ns_service.written() == written_before


# -- 5. dry run ------------------------------------------------------------------------------------
@pytest.mark.parametrize("workflow_id", IMPORTS + EXPORTS)
def test_dry_run_writes_nothing_and_keeps_the_watermark(world: World, workflow_id: str) -> None:
    first_run(world, workflow_id)
    if workflow_id in IMPORT_CHANGES:
        change_netsuite(
            world, workflow_id, min(linked(world, workflow_id), key=int), IMPORT_CHANGES[workflow_id]
        )
    else:
        NEW_EXPORT_RECORD[workflow_id](world)
    watermark = rewind_watermark(world, workflow_id)
    written_before = (world.ns_service.written(), world.spp_service.written())

    dry = world.run(workflow_id, dry_run=True)

    assert dry.status == "dry_run" and dry.dry_run
    assert (world.ns_service.written(), world.spp_service.written()) == written_before
    assert world.watermark(workflow_id) == watermark

    real = world.run(workflow_id)

    expected = (0, 1) if workflow_id in IMPORT_CHANGES else (1, 0)
    assert (real.created, real.updated) == expected
    assert world.watermark(workflow_id) > watermark


# -- 6. interrupted after the target committed -----------------------------------------------------
@pytest.mark.parametrize("workflow_id", EXPORTS)
def test_export_interrupted_after_netsuite_committed_leaves_no_duplicate(
    world: World, workflow_id: str
) -> None:
    first_run(world, workflow_id)
    new_id = NEW_EXPORT_RECORD[workflow_id](world)
    target = world.workflow(workflow_id)
    ext = external_id(world, workflow_id, new_id)
    records_before = netsuite_count(world, target)
    watermark = rewind_watermark(world, workflow_id)
    world.ns_service.faults({"kind": "drop_after_commit", "operation": "upsertList", "count": 1})

    interrupted = world.run(workflow_id, netsuite=world.services.ns_client_no_retry)

    assert interrupted.status == "failed"
    assert world.watermark(workflow_id) == watermark
    assert len(netsuite_by_external_id(world, target, ext)) == 1  # committed, answer lost
    assert not exported_id(world, workflow_id, new_id)  # so no pullback yet
    world.ns_service.faults()

    rerun = world.run(workflow_id)

    # the upsert finds what the first attempt made (or a natural-key match rule links it first)
    assert rerun.status == "success" and rerun.created + rerun.skipped == 1
    assert netsuite_count(world, target) == records_before + 1
    again = netsuite_by_external_id(world, target, ext)
    assert len(again) == 1
    assert exported_id(world, workflow_id, new_id) == again[0]["internalId"]
    assert world.watermark(workflow_id) > watermark


@pytest.mark.parametrize("workflow_id", IMPORTS)
def test_import_interrupted_after_spp_committed_leaves_no_duplicate(world: World, workflow_id: str) -> None:
    world.run_upstream(workflow_id)
    new_catalog_record(world, workflow_id)  # every seeded category / service is in SPP already
    wf = world.workflow(workflow_id)
    creates = to_be_created(world, workflow_id)
    assert creates
    objects_before = sum(1 for _ in world.spp.read(wf.target.type, fields=["id"]))
    command = CREATE_COMMAND.get(wf.target.type, "Add")
    world.spp_service.faults({"kind": "drop_after_commit", "operation": command, "count": 1})

    interrupted = world.run(workflow_id, spp=world.services.spp_client_no_retry)

    assert interrupted.status == "failed"
    assert world.watermark(workflow_id) is None
    world.spp_service.faults()

    rerun = world.run(workflow_id)

    assert rerun.status == "success"
    assert sum(1 for _ in world.spp.read(wf.target.type, fields=["id"])) == objects_before + len(creates)
    for netsuite_id in creates:  # committed by the interrupted run, found again (not re-added) by the re-run
        assert len(spp_by_external_id(world, wf.target.type, wf.external_id_for(netsuite_id))) == 1
    assert set(creates) <= set(linked(world, workflow_id))


# -- 7. a record the target rejects ----------------------------------------------------------------
REJECTION = "Rejected by the test: field value not allowed"


def _rejected(world: World, workflow_id: str, source_id: str, run_id: str) -> list[Any]:
    return [e for e in world.state.errors(run_id=run_id, workflow=workflow_id) if e.source_id == source_id]


@pytest.mark.parametrize("workflow_id", IMPORTS)
def test_import_logs_a_rejected_record_lands_the_rest_and_retries_it_next_run(
    world: World, workflow_id: str
) -> None:
    world.run_upstream(workflow_id)
    made = new_catalog_record(world, workflow_id)
    wf = world.workflow(workflow_id)
    victim = to_be_created(world, workflow_id)[0]
    created, updated, failed = FIRST_RUN[workflow_id]
    created += made is not None
    victim_external_id = wf.external_id_for(victim)
    world.spp_service.faults(
        {"kind": "record_error", "field": "externalid", "value": victim_external_id, "message": REJECTION}
    )

    summary = world.run(workflow_id)

    assert summary.status == "success"
    assert (summary.created, summary.updated, summary.failed) == (created - 1, updated, failed + 1)
    (error,) = _rejected(world, workflow_id, victim, summary.run_id)
    assert REJECTION in (error.message or "") and error.target_system == "spp"
    assert spp_by_external_id(world, wf.target.type, victim_external_id) == []
    world.spp_service.faults()

    retry = world.run(workflow_id)

    assert (retry.created, retry.updated) == (1, 0)
    assert len(spp_by_external_id(world, wf.target.type, victim_external_id)) == 1
    assert victim in linked(world, workflow_id)


@pytest.mark.parametrize("workflow_id", EXPORTS)
def test_export_logs_a_rejected_record_lands_the_rest_and_retries_it_next_run(
    world: World, workflow_id: str
) -> None:
    world.run_upstream(workflow_id)
    wf = world.workflow(workflow_id)
    victim = to_be_created(world, workflow_id)[0]
    ext = external_id(world, workflow_id, victim)
    created, _, _ = FIRST_RUN[workflow_id]
    world.ns_service.faults(
        {
            "kind": "record_error",
            "operation": "upsertList",
            "field": "externalId",
            "value": ext,
            "message": REJECTION,
        }
    )

    summary = world.run(workflow_id)

    assert summary.status == "success"
    assert (summary.created, summary.failed) == (created - 1, 1)
    (error,) = _rejected(world, workflow_id, victim, summary.run_id)
    assert REJECTION in (error.message or "") and error.target_system == "netsuite"
    assert netsuite_by_external_id(world, wf, ext) == []
    world.ns_service.faults()

    retry = world.run(workflow_id)

    assert (retry.created, retry.updated, retry.failed) == (1, 0, 0)
    (landed,) = netsuite_by_external_id(world, wf, ext)
    assert exported_id(world, workflow_id, victim) == landed["internalId"]


def test_a_rejected_record_is_still_retried_after_a_single_record_run_in_between(world: World) -> None:
    world.run_upstream("customers_import")
    victim, other = to_be_created(world, "customers_import")[:2]
    world.spp_service.faults(
        {"kind": "record_error", "field": "externalid", "value": victim, "message": REJECTION}
    )
    assert world.run("customers_import").failed == 1
    world.spp_service.faults()

    single = world.run(
        "customers_import", record_ids=[other]
    )  # an explicit record is rewritten, unchanged or not

    assert (single.extracted, single.created, single.updated) == (1, 0, 1)
    retry = world.run("customers_import")
    assert (retry.created, retry.updated, retry.failed) == (1, 0, 0)
    assert len(spp_by_external_id(world, "Customer", victim)) == 1


@pytest.mark.parametrize("workflow_id", EXPORTS)
def test_records_exported_earlier_by_another_connector_are_cross_referenced_not_rewritten(
    world: World, workflow_id: str
) -> None:
    world.run_upstream(workflow_id)
    wf = world.workflow(workflow_id)
    already = {
        sid: doc[wf.netsuite_id_field]
        for sid, doc in source_records(world, workflow_id).items()
        if doc.get(wf.netsuite_id_field) not in (None, "", "-1")
    }
    assert already, "the seed has exported records for every export workflow"
    summary = world.run(workflow_id)
    links = world.state.xref_by_spp(wf.entity, list(already))
    assert {sid: ref.netsuite_id for sid, ref in links.items()} == already
    assert summary.skipped >= len(already)  # linked, not written again


# -- 8. what an export marks, the next run does not read back --------------------------------------
@pytest.mark.parametrize("workflow_id", EXPORTS)
def test_an_unchanged_create_only_export_does_not_read_back_what_it_exported(
    world: World, workflow_id: str
) -> None:
    first = first_run(world, workflow_id)
    wf = world.workflow(workflow_id)
    marks = list(world.spp.read("ImportExport", equal_to={"type": wf.source.type}))
    world.spp_service.reset_counters()

    second = world.run(workflow_id)

    # the pullback moved every exported record's `updated` past the watermark; the marks keep
    # them out of the incremental read (or, where the marks are another export's, the records' own
    # NetSuite ID field does): only the earlier failures are read again (by id)
    assert first.created > 0
    if not registry.entity(wf.entity).shares_source_records:
        assert len(marks) >= first.created
    assert second.extracted == first.failed
    assert_wrote_nothing(second)
