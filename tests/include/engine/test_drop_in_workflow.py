"""Adding a workflow is adding one mapping file: dropped into a mappings folder, it loads and runs
end to end over HTTP through the staged protocol, with no code change."""

from __future__ import annotations

from pathlib import Path

import pytest

from include.engine.run import WorkflowRunner
from include.mapping.loader import load_workflows

from .conftest import World

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

MAPPING = """
workflow: key_accounts_import
title: Key accounts
description: NetSuite customers flagged for SuiteProjects Pro, as SPP customers, with their code.
direction: import
entity: customer
source:
  system: netsuite
  type: customer
  filters:
    - field: isInactive
      equals: false
  export_flag_filter: true
target:
  system: spp
  type: Customer
policy: {create: true, update: true}
fields:
  - target: company
    source: companyName
    transform: [strip, {name: truncate, args: [100]}]
  - target: name
    source: companyName
  - target: code
    source: entityId
    initial_only: true
expectations:
  - {check: not_null, column: company}
"""


def test_a_mapping_file_dropped_into_a_folder_runs_end_to_end(world: World, tmp_path: Path) -> None:
    (tmp_path / "key_accounts_import.yaml").write_text(MAPPING)
    workflows, errors = load_workflows(tmp_path)
    assert errors == {}
    wf = workflows["key_accounts_import"]
    flagged = {
        str(d["internalId"])
        for d in world.netsuite.search(
            "customer", is_inactive=False, custom_booleans={"custentity_oa_export_to_openair": True}
        )
    }
    assert flagged

    runner = WorkflowRunner(wf, world.state, netsuite=world.netsuite, spp=world.spp, run_id="drop-in-1")
    summary = runner.run()

    assert summary.status == "success" and summary.failed == 0
    assert summary.created + summary.updated == len(flagged)
    in_spp = {str(d.get("externalid")) for d in world.spp.read("Customer", fields=["id", "externalid"])}
    assert flagged <= in_spp  # every flagged NetSuite customer is in SPP, keyed by its internalId
    links = world.state.xref_by_netsuite("customer", sorted(flagged))
    assert set(links) == flagged
    assert world.state.get_watermark("key_accounts_import") is not None
