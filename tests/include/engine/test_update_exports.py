"""Update exports ("Update NetSuite Projects / Tasks with SuiteProjects Pro Data") change the linked
NetSuite record where it is, by internalId.

Projects and tasks mastered in NetSuite were imported into SPP (the cross-reference and the SPP
"NetSuite ID" fields link them); an update must write to those records, never create a twin by its
own externalId (which an upsert by externalId would do: NetSuite made the record, it does not carry
this integration's externalId).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from include.engine.run import WorkflowRunner
from include.mapping.loader import load_workflow
from include.paths import MAPPINGS_DIR

from .conftest import World

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _records(world: World, record_type: str) -> dict[str, dict]:
    return {str(d["internalId"]): d for d in world.netsuite.search(record_type, body_fields_only=True)}


def _linked(world: World, entity: str, spp_type: str, field: str) -> dict[str, str]:
    """SPP id -> NetSuite id of the SPP records that carry their NetSuite id."""
    return {
        str(d["id"]): str(d[field])
        for d in world.spp.read(spp_type)
        if str(d.get(field) or "") not in ("", "-1")
    }


@pytest.mark.parametrize(
    ("workflow_id", "spp_type", "record_type", "spp_field", "netsuite_field"),
    [
        ("projects_update_export", "Project", "job", "name", "companyName"),
        ("project_tasks_update_export", "Projecttask", "projectTask", "name", "title"),
    ],
)
def test_an_update_export_writes_linked_records_in_place_and_never_creates(
    world: World, workflow_id: str, spp_type: str, record_type: str, spp_field: str, netsuite_field: str
) -> None:
    world.run_upstream(workflow_id)
    workflow = world.workflow(workflow_id)
    assert (workflow.policy.create, workflow.policy.update) == (False, True)
    linked = _linked(world, workflow.entity, spp_type, workflow.netsuite_id_field)
    assert linked, "the imports link the NetSuite-mastered records"
    before = _records(world, record_type)

    first = world.run(workflow_id)  # nothing written by this workflow yet: every linked record

    assert first.status == "success" and first.failed == 0, first
    assert first.created == 0 and first.updated == len(linked)
    assert _records(world, record_type).keys() == before.keys()  # not one new record

    spp_id = min(linked, key=int)
    assert world.spp.modify(spp_type, [{"id": spp_id, spp_field: "Renamed in SPP"}])[0].ok
    written = world.ns_service.written()

    second = world.run(workflow_id)

    assert (second.created, second.updated, second.failed) == (0, 1, 0), second
    assert world.ns_service.written() - written == 1
    after = _records(world, record_type)
    assert after.keys() == before.keys()
    assert after[linked[spp_id]][netsuite_field] == "Renamed in SPP"
    assert world.run(workflow_id).updated == 0  # unchanged since: nothing sent


def test_projects_export_with_update_on_writes_linked_jobs_in_place(world: World, tmp_path: Path) -> None:
    """The create workflow with ``policy.update`` too: linked jobs updated, only SPP-only projects created."""
    world.run_upstream("projects_export")
    data = yaml.safe_load((MAPPINGS_DIR / "projects_export.yaml").read_text())
    data["policy"] = {"create": True, "update": True}
    (tmp_path / "projects_export.yaml").write_text(yaml.safe_dump(data))
    workflow = load_workflow(tmp_path / "projects_export.yaml")
    jobs_before = _records(world, "job")

    runner = WorkflowRunner(
        workflow, world.state, netsuite=world.netsuite, spp=world.spp, run_id="update-1", params={}
    )
    summary = runner.run()

    assert summary.status == "success", summary
    assert summary.updated >= 1
    jobs_after = _records(world, "job")
    assert len(jobs_after) == len(jobs_before) + summary.created
    externals = [d.get("externalId") for d in jobs_after.values() if d.get("externalId")]
    assert len(externals) == len(set(externals))
