"""An export with ``policy.update`` changes the linked NetSuite record where it is, by internalId.

Projects mastered in NetSuite were imported into SPP (the cross-reference links them); the
"Update NetSuite Projects with SuiteProjects Pro Project Data" workflow must write to those jobs,
never create a twin by its own externalId (which is what an upsert by externalId would do: the
NetSuite job was not created by this integration and does not carry it).
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


def _update_workflow(tmp_path: Path) -> object:
    data = yaml.safe_load((MAPPINGS_DIR / "projects_export.yaml").read_text())
    data["policy"] = {"create": True, "update": True}
    path = tmp_path / "projects_export.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_workflow(path)


def _jobs(world: World) -> dict[str, dict]:
    return {str(d["internalId"]): d for d in world.netsuite.search("job", body_fields_only=True)}


def test_an_update_export_writes_linked_jobs_in_place_and_creates_no_twin(
    world: World, tmp_path: Path
) -> None:
    world.run_upstream("projects_export")
    workflow = _update_workflow(tmp_path)
    linked_before = {
        spp_id: ref.netsuite_id
        for spp_id, ref in world.state.xref_by_spp(
            "project", [str(p["id"]) for p in world.spp.read("Project")]
        ).items()
        if ref.netsuite_id
    }
    assert linked_before, "the imports link the NetSuite-mastered projects"
    spp_id = min(linked_before, key=int)
    assert world.spp.modify("Project", [{"id": spp_id, "name": "Renamed in SPP"}])[0].ok
    jobs_before = _jobs(world)

    runner = WorkflowRunner(
        workflow, world.state, netsuite=world.netsuite, spp=world.spp, run_id="update-1", params={}
    )  # type: ignore[arg-type]
    summary = runner.run()

    assert summary.status == "success", summary
    assert summary.updated >= 1
    jobs_after = _jobs(world)
    # only the SPP projects NetSuite did not have yet are new jobs; every linked one is the same job
    assert len(jobs_after) == len(jobs_before) + summary.created
    externals = [d.get("externalId") for d in jobs_after.values() if d.get("externalId")]
    assert len(externals) == len(set(externals))
    renamed = jobs_after[linked_before[spp_id]]
    assert renamed["companyName"] == "Renamed in SPP"
    for spp, netsuite_id in linked_before.items():
        assert world.state.xref_by_spp("project", [spp])[spp].netsuite_id == netsuite_id
