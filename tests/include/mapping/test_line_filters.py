"""Sublist line ``filters``: lines that do not meet them are left out (a WBS opportunity's tasks planned
as no service), and the loader refuses what a line filter cannot mean."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from include.mapping.loader import MappingError, load_workflow
from include.mapping.transform import transform
from include.paths import MAPPINGS_DIR

WBS = yaml.safe_load((MAPPINGS_DIR / "wbs_export.yaml").read_text())
PROJECT = {
    "id": "7",
    "name": "Acme - Rollout",
    "customerid": "3",
    "start_date": "2026-03-02",
    "netsuite_export_wbs__c": "1",
    "tasks": [
        {"id": "70", "projectid": "7", "name": "Design", "categoryid": "5", "planned_hours": "40"},
        {"id": "71", "projectid": "7", "name": "Printer on fire", "planned_hours": "1"},  # a support case
        {"id": "72", "projectid": "7", "name": "Build", "categoryid": "6", "planned_hours": "120"},
    ],
}


def _resolve(entity: str, side: str, ids: list[str]) -> dict[str, str]:
    return {i: f"{entity}-{i}" for i in ids}


def _load(tmp_path: Path, data: dict[str, Any]) -> Any:
    path = tmp_path / "wbs_export.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return load_workflow(path)


def test_tasks_planned_as_no_service_are_left_out_of_the_opportunity() -> None:
    workflow = load_workflow(MAPPINGS_DIR / "wbs_export.yaml")
    [row] = transform(workflow, [PROJECT], _resolve).rows
    assert row.ok, row.error
    lines = row.target["itemList"]["item"]
    assert [(line["item"], line["description"]) for line in lines] == [
        ({"internalId": "service-5"}, "Design"),
        ({"internalId": "service-6"}, "Build"),
    ]
    assert "categoryid" in workflow.sublist_fields(workflow.sublists[0])


def test_without_the_filter_the_task_without_a_service_fails_the_record_naming_it(tmp_path: Path) -> None:
    data = copy.deepcopy(WBS)
    del data["sublists"][0]["filters"]
    [row] = transform(_load(tmp_path, data), [PROJECT], _resolve).rows
    assert row.error is not None and "Projecttask 71" in row.error and "categoryid is empty" in row.error


def test_a_project_none_of_whose_tasks_qualifies_has_no_lines_and_fails() -> None:
    workflow = load_workflow(MAPPINGS_DIR / "wbs_export.yaml")
    project = {**PROJECT, "tasks": [PROJECT["tasks"][1]]}
    [row] = transform(workflow, [project], _resolve).rows
    assert row.error is not None and "has no Projecttask lines" in row.error


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        (
            {"via": {"type": "Project", "key": "projectid"}},
            "sublists[0].filters[0].via",
            "line filters test the line itself",
        ),
        ({"equals": True}, "sublists[0].filters[0]", "exactly one of"),
    ],
)
def test_the_loader_refuses_a_line_filter_it_cannot_apply(
    tmp_path: Path, change: dict[str, Any], key: str, message: str
) -> None:
    data = copy.deepcopy(WBS)
    data["sublists"][0]["filters"][0].update(change)
    with pytest.raises(MappingError) as raised:
        _load(tmp_path, data)
    assert key in str(raised.value) and message in str(raised.value)
