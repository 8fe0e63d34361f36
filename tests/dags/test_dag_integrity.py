"""DAG integrity: every DAG imports, is documented, tagged, retried, and NetSuite work is pooled."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"


def _dagbag_report(mappings_dir: Path | None = None) -> dict:
    """Parse the dags folder in a fresh interpreter and describe what Airflow sees."""
    code = textwrap.dedent(
        """
        import json, sys
        from airflow.dag_processing.dagbag import DagBag
        bag = DagBag(dag_folder=sys.argv[1])
        heavy = sorted(m for m in ("pandas", "zeep", "great_expectations", "lxml.etree") if m in sys.modules)
        out = {"errors": {k: str(v) for k, v in bag.import_errors.items()}, "heavy": heavy, "dags": {}}
        for dag_id, dag in bag.dags.items():
            out["dags"][dag_id] = {
                "tags": sorted(dag.tags or []),
                "doc_md": bool(dag.doc_md),
                "catchup": dag.catchup,
                "tasks": [
                    {"task_id": t.task_id, "pool": t.pool, "retries": t.retries,
                     "operator": getattr(t, "operator_class", type(t)).__name__,
                     "mapped": hasattr(t, "expand_input")}
                    for t in dag.tasks
                ],
            }
        print(json.dumps(out))
        """
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if mappings_dir is not None:
        env["INTEGRATION_MAPPINGS_DIR"] = str(mappings_dir)
    proc = subprocess.run(
        [sys.executable, "-c", code, str(DAGS)], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def report() -> dict:
    return _dagbag_report()


def test_every_dag_file_imports_without_errors(report: dict) -> None:
    assert report["errors"] == {}


def test_one_dag_per_mapping_file_plus_the_group_dag(report: dict) -> None:
    workflows = {p.stem for p in (ROOT / "mappings").glob("*.yaml")}
    assert workflows, "no mapping files shipped"
    assert workflows | {"integration_all"} <= set(report["dags"])


def test_dags_are_documented_tagged_and_not_catching_up(report: dict) -> None:
    for dag_id, dag in report["dags"].items():
        assert dag["tags"], f"{dag_id} has no tags"
        assert dag["doc_md"], f"{dag_id} has no doc_md"
        assert dag["catchup"] is False, f"{dag_id} catches up"


def test_every_task_retries_at_least_twice_except_group_triggers(report: dict) -> None:
    for dag_id, dag in report["dags"].items():
        for task in dag["tasks"]:
            if task["operator"] == "TriggerDagRunOperator":
                continue  # the triggered workflow retries its own tasks
            assert task["retries"] >= 2, f"{dag_id}.{task['task_id']} retries {task['retries']}"


def test_every_netsuite_touching_task_is_in_the_netsuite_pool(report: dict) -> None:
    import yaml

    for path in (ROOT / "mappings").glob("*.yaml"):
        direction = yaml.safe_load(path.read_text())["direction"]
        # imports read NetSuite while planning; exports write NetSuite while loading
        netsuite_task = "plan" if direction == "import" else "load"
        tasks = {t["task_id"]: t for t in report["dags"][path.stem]["tasks"]}
        assert tasks[netsuite_task]["pool"] == "netsuite", f"{path.stem}.{netsuite_task}"
        others = [t for t in tasks.values() if t["task_id"] != netsuite_task]
        assert all(t["pool"] != "netsuite" for t in others), (
            "tasks that never call NetSuite must not hold its slots"
        )


def test_loads_are_mapped_over_batches(report: dict) -> None:
    for path in (ROOT / "mappings").glob("*.yaml"):
        tasks = {t["task_id"]: t for t in report["dags"][path.stem]["tasks"]}
        assert tasks["load"]["mapped"] is True


def test_parsing_imports_nothing_heavy(report: dict) -> None:
    assert report["heavy"] == []


def test_a_bad_mapping_is_an_import_error_naming_file_and_key_and_others_still_load(tmp_path: Path) -> None:
    for path in (ROOT / "mappings").glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    good = {p.stem for p in tmp_path.glob("*.yaml")}
    broken = tmp_path / "customers_import.yaml"
    broken.write_text(broken.read_text().replace("direction: import", "direction: sideways"))
    report = _dagbag_report(tmp_path)
    assert len(report["errors"]) == 1
    message = next(iter(report["errors"].values()))
    assert "customers_import.yaml" in message and "direction" in message
    assert (good - {"customers_import"}) <= set(report["dags"])
    assert "customers_import" not in report["dags"]


@pytest.mark.parametrize(
    ("file", "old", "new", "key"),
    [
        ("projects_import.yaml", "entity: project", "entity: projekt", "entity"),
        ("customers_export.yaml", "  type: customer\n", "  type: custmer\n", "target.type"),
        ("employees_import.yaml", "  type: employee\n", "  type: employe\n", "source.type"),
    ],
)
def test_a_mapping_naming_an_unknown_entity_or_record_type_is_refused_and_others_still_load(
    tmp_path: Path, file: str, old: str, new: str, key: str
) -> None:
    for path in (ROOT / "mappings").glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    broken = tmp_path / file
    assert old in broken.read_text()
    broken.write_text(broken.read_text().replace(old, new))

    report = _dagbag_report(tmp_path)

    assert len(report["errors"]) == 1, report["errors"]
    message = next(iter(report["errors"].values()))
    assert file in message and key in message and "KeyError" not in message
    others = {p.stem for p in tmp_path.glob("*.yaml")} - {Path(file).stem}
    assert others <= set(report["dags"])


def test_a_workflow_is_added_by_dropping_one_mapping_file(tmp_path: Path) -> None:
    """One YAML file for an entity the registry knows: a DAG of its own, pooled like the others."""
    for path in (ROOT / "mappings").glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    source = (ROOT / "mappings" / "customers_import.yaml").read_text()
    (tmp_path / "key_accounts_import.yaml").write_text(
        source.replace("workflow: customers_import", "workflow: key_accounts_import")
    )

    report = _dagbag_report(tmp_path)

    assert report["errors"] == {}
    dag = report["dags"]["key_accounts_import"]
    assert [t["task_id"] for t in dag["tasks"]] == ["plan", "load", "finish"]
    assert next(t for t in dag["tasks"] if t["task_id"] == "plan")["pool"] == "netsuite"
