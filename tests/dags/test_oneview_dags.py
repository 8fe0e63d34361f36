"""OneView DAGs: one per ``direction: oneview`` mapping file, documented with the report's column table.

Generic checks every DAG passes (tags, doc_md, catchup, retries, NetSuite pool, mapped loads) live in
test_dag_integrity.py; these are the OneView specifics. Like there, the dags folder is parsed by a
DagBag in a fresh interpreter (the factory reads ``INTEGRATION_MAPPINGS_DIR`` at import).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"
MAPPINGS = ROOT / "mappings"
ONEVIEW_FILES = sorted(
    p for p in MAPPINGS.glob("*.yaml") if yaml.safe_load(p.read_text())["direction"] == "oneview"
)


def _dagbag_report(mappings_dir: Path | None = None) -> dict:
    """Parse the dags folder in a fresh interpreter and describe the DAGs Airflow sees."""
    code = textwrap.dedent(
        """
        import json, sys
        from airflow.dag_processing.dagbag import DagBag
        bag = DagBag(dag_folder=sys.argv[1])
        out = {"errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": {}}
        for dag_id, dag in bag.dags.items():
            out["dags"][dag_id] = {
                "tags": sorted(dag.tags or []),
                "doc_md": dag.doc_md or "",
                "catchup": dag.catchup,
                "params": sorted(dag.params.keys()),
                "param_defaults": {k: dag.params[k] for k in dag.params.keys()},
                "schedule": getattr(dag.timetable, "expression", None),
                "tasks": {
                    t.task_id: {
                        "pool": t.pool, "retries": t.retries, "mapped": hasattr(t, "expand_input"),
                        "upstream": sorted(t.upstream_task_ids),
                    }
                    for t in dag.tasks
                },
            }
        print(json.dumps(out, default=str))
        """
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("INTEGRATION_NETSUITE_POOL", None)
    env.pop("INTEGRATION_SCHEDULES", None)
    if mappings_dir is not None:
        env["INTEGRATION_MAPPINGS_DIR"] = str(mappings_dir)
    else:
        env.pop("INTEGRATION_MAPPINGS_DIR", None)
    proc = subprocess.run(
        [sys.executable, "-c", code, str(DAGS)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def report() -> dict:
    return _dagbag_report()


def _mapping(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def test_oneview_mappings_are_shipped() -> None:
    assert len(ONEVIEW_FILES) >= 3, "expected the shipped OneView mapping files"


def test_the_shipped_oneview_dags_parse_without_import_errors(report: dict) -> None:
    assert report["errors"] == {}
    assert {p.stem for p in ONEVIEW_FILES} <= set(report["dags"])


@pytest.mark.parametrize("path", ONEVIEW_FILES, ids=_ids(ONEVIEW_FILES))
def test_a_oneview_dag_is_tagged_oneview_and_with_its_report(report: dict, path: Path) -> None:
    tags = report["dags"][path.stem]["tags"]
    assert "oneview" in tags and _mapping(path)["report"]["resource"] in tags


def test_only_oneview_dags_carry_the_oneview_tag(report: dict) -> None:
    tagged = {dag_id for dag_id, dag in report["dags"].items() if "oneview" in dag["tags"]}
    assert tagged == {p.stem for p in ONEVIEW_FILES}


@pytest.mark.parametrize("path", ONEVIEW_FILES, ids=_ids(ONEVIEW_FILES))
def test_a_oneview_dag_documents_every_report_column_and_its_custom_field(report: dict, path: Path) -> None:
    doc = report["dags"][path.stem]["doc_md"]
    data = _mapping(path)
    assert "| report column | kind | custom field | how |" in doc
    assert f"`{data['report']['resource']}`" in doc and f"`{data['target']['record_type']}`" in doc
    assert f"mappings/{path.name}" in doc
    rows = {line.split("|")[1].strip(): line for line in doc.splitlines() if line.startswith("| `")}
    for column in data["columns"]:
        row = rows.get(f"`{column['column']}`")
        assert row is not None, f"{path.stem}: no row for column {column['column']}"
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[1] == column["type"], row
        assert cells[2] == (f"`{column['field']}`" if "field" in column else "—"), row
        if "reference" in column:
            assert f"the linked {column['reference']}" in cells[3], row
        if column["column"] in data["key"]:
            assert "key" in cells[3], row
    assert len(rows) == len(data["columns"])


@pytest.mark.parametrize("path", ONEVIEW_FILES, ids=_ids(ONEVIEW_FILES))
def test_a_oneview_dag_states_its_key_external_id_and_vanished_policy(report: dict, path: Path) -> None:
    doc = report["dags"][path.stem]["doc_md"]
    data = _mapping(path)
    assert all(f"`{k}`" in doc for k in data["key"])
    assert f"`{data.get('external_id', 'spp-' + data['report']['resource'] + '-{id}')}`" in doc
    assert f"**{data.get('vanished', 'inactivate')}**" in doc


@pytest.mark.parametrize("path", ONEVIEW_FILES, ids=_ids(ONEVIEW_FILES))
def test_a_oneview_dag_takes_exactly_full_sync_dry_run_and_record_ids(report: dict, path: Path) -> None:
    dag = report["dags"][path.stem]
    assert dag["params"] == ["dry_run", "full_sync", "record_ids"]  # a report has no `since` window
    assert dag["param_defaults"] == {"full_sync": False, "dry_run": False, "record_ids": []}


@pytest.mark.parametrize("path", ONEVIEW_FILES, ids=_ids(ONEVIEW_FILES))
def test_a_oneview_dag_plans_in_the_default_pool_and_loads_in_the_netsuite_pool(
    report: dict, path: Path
) -> None:
    tasks = report["dags"][path.stem]["tasks"]
    assert set(tasks) == {"plan", "load", "finish"}
    assert tasks["plan"]["pool"] == "default_pool"  # reading the SPP report holds no NetSuite thread
    assert tasks["load"]["pool"] == "netsuite"  # the custom record upserts do
    assert tasks["finish"]["pool"] == "default_pool"
    assert tasks["load"]["mapped"] is True
    assert tasks["finish"]["upstream"] == ["load", "plan"] and tasks["load"]["upstream"] == []


@pytest.mark.parametrize("path", ONEVIEW_FILES, ids=_ids(ONEVIEW_FILES))
def test_a_oneview_dag_retries_and_does_not_catch_up(report: dict, path: Path) -> None:
    dag = report["dags"][path.stem]
    assert dag["catchup"] is False
    assert all(task["retries"] >= 1 for task in dag["tasks"].values()), dag["tasks"]


@pytest.mark.parametrize("path", ONEVIEW_FILES, ids=_ids(ONEVIEW_FILES))
def test_a_oneview_dag_runs_on_its_mapping_schedule_unless_a_scheduled_group_runs_it(
    report: dict, path: Path
) -> None:
    from include.mapping.groups import load_groups, scheduled_members
    from include.mapping.loader import load_workflows

    workflows, _ = load_workflows(path.parent)
    grouped = scheduled_members(load_groups(path.parent / "groups", workflows)[0])
    mapping = _mapping(path)
    own = path.stem not in grouped or mapping.get("own_schedule", False)
    expected = mapping.get("schedule", "0 6 * * *") if own else None
    assert report["dags"][path.stem]["schedule"] == expected


def _ancestors(tasks: dict, task_id: str) -> set[str]:
    seen: set[str] = set()
    todo = list(tasks[task_id]["upstream"])
    while todo:
        upstream = todo.pop()
        if upstream not in seen:
            seen.add(upstream)
            todo.extend(tasks[upstream]["upstream"])
    return {t.removeprefix("run_") for t in seen}


def test_the_group_dag_triggers_the_oneview_dags_after_the_imports_and_exports(report: dict) -> None:
    tasks = report["dags"]["integration_all"]["tasks"]
    enabled = {p.stem: _mapping(p) for p in MAPPINGS.glob("*.yaml") if _mapping(p).get("enabled", True)}
    others = {w for w, data in enabled.items() if data["direction"] != "oneview"}
    oneviews = {p.stem for p in ONEVIEW_FILES if p.stem in enabled}
    assert oneviews
    for workflow_id in oneviews:
        before = _ancestors(tasks, f"run_{workflow_id}")
        assert others <= before, f"{workflow_id} runs before {sorted(others - before)}"
    for workflow_id in others:  # nothing waits for a report
        assert not oneviews & _ancestors(tasks, f"run_{workflow_id}")


def test_a_bad_oneview_mapping_is_an_import_error_naming_file_and_key_and_others_still_load(
    tmp_path: Path,
) -> None:
    for path in MAPPINGS.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    good = {p.stem for p in tmp_path.glob("*.yaml")}
    broken = tmp_path / "oneview_utilisation.yaml"
    text = broken.read_text()
    old = "field: custrecord_spp_ut_billable_hours"
    assert old in text
    broken.write_text(text.replace(old, "field: custrecord_spp_ut_billable_hour"))

    report = _dagbag_report(tmp_path)

    assert len(report["errors"]) == 1, report["errors"]
    message = next(iter(report["errors"].values()))
    assert "oneview_utilisation.yaml" in message
    assert "columns[3].field" in message and "did you mean 'custrecord_spp_ut_billable_hours'" in message
    assert "oneview_utilisation" not in report["dags"]
    assert good - {"oneview_utilisation"} <= set(report["dags"])
    assert "integration_all" in report["dags"]
